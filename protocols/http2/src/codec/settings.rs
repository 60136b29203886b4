//! SETTINGS parameters (RFC 9113 §6.5, RFC 8441 §3, RFC 9218 §2.1).

use super::{DEFAULT_MAX_FRAME_SIZE, FrameError, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE};

fasterapi_core::wire_code! {
    /// A SETTINGS parameter identifier. Unknown ids round-trip and are ignored (§6.5.2).
    pub struct SettingId(u16) {
        /// SETTINGS_HEADER_TABLE_SIZE (§6.5.2).
        HEADER_TABLE_SIZE = 0x1,
        /// SETTINGS_ENABLE_PUSH (§6.5.2).
        ENABLE_PUSH = 0x2,
        /// SETTINGS_MAX_CONCURRENT_STREAMS (§6.5.2).
        MAX_CONCURRENT_STREAMS = 0x3,
        /// SETTINGS_INITIAL_WINDOW_SIZE (§6.5.2).
        INITIAL_WINDOW_SIZE = 0x4,
        /// SETTINGS_MAX_FRAME_SIZE (§6.5.2).
        MAX_FRAME_SIZE = 0x5,
        /// SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2).
        MAX_HEADER_LIST_SIZE = 0x6,
        /// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3).
        ENABLE_CONNECT_PROTOCOL = 0x8,
        /// SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218 §2.1).
        NO_RFC7540_PRIORITIES = 0x9,
    }
}

/// One SETTINGS parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setting {
    /// Which parameter.
    pub id: SettingId,
    /// Its value.
    pub value: u32,
}

impl Setting {
    /// A parameter.
    pub const fn new(id: SettingId, value: u32) -> Self {
        Self { id, value }
    }

    /// Checks the value range of the known parameters (§6.5.2, RFC 8441 §3, RFC 9218 §2.1).
    ///
    /// # Errors
    /// [`FrameError::BadSetting`].
    pub fn validate(&self) -> Result<(), FrameError> {
        let ok = match self.id {
            SettingId::ENABLE_PUSH
            | SettingId::ENABLE_CONNECT_PROTOCOL
            | SettingId::NO_RFC7540_PRIORITIES => self.value <= 1,
            SettingId::INITIAL_WINDOW_SIZE => self.value <= MAX_WINDOW_SIZE,
            SettingId::MAX_FRAME_SIZE => {
                (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&self.value)
            }
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(FrameError::BadSetting {
                id: self.id,
                value: self.value,
            })
        }
    }
}

/// The parameters of a SETTINGS frame: either the received payload (validated, six octets per
/// parameter) or a list to send. Both iterate the same way and compare equal when they hold
/// the same parameters in the same order.
#[derive(Debug, Clone, Copy)]
pub enum Settings<'a> {
    /// A received payload, already checked by [`Settings::from_payload`].
    Wire(&'a [u8]),
    /// Parameters to send.
    List(&'a [Setting]),
}

impl<'a> Settings<'a> {
    /// Checks a received SETTINGS payload: a multiple of six octets (§6.5), every known value
    /// in range.
    ///
    /// # Errors
    /// [`FrameError::BadLength`], [`FrameError::BadSetting`].
    pub fn from_payload(payload: &'a [u8]) -> Result<Self, FrameError> {
        if payload.len() % 6 != 0 {
            return Err(FrameError::BadLength {
                kind: super::FrameType::SETTINGS,
                length: payload.len() as u32,
            });
        }
        let s = Self::Wire(payload);
        for p in s.iter() {
            p.validate()?;
        }
        Ok(s)
    }

    /// The parameters, in order.
    pub fn iter(&self) -> SettingsIter<'a> {
        SettingsIter {
            settings: *self,
            at: 0,
        }
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        match self {
            Self::Wire(b) => b.len() / 6,
            Self::List(l) => l.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Octets on the wire.
    pub fn encoded_len(&self) -> usize {
        self.len() * 6
    }

    /// Writes the parameters into `out`, which holds at least [`Settings::encoded_len`] octets.
    pub(crate) fn emit(&self, out: &mut [u8]) {
        for (i, p) in self.iter().enumerate() {
            out[i * 6..i * 6 + 2].copy_from_slice(&p.id.get().to_be_bytes());
            out[i * 6 + 2..i * 6 + 6].copy_from_slice(&p.value.to_be_bytes());
        }
    }
}

impl PartialEq for Settings<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Settings<'_> {}

/// Iterator over [`Settings`].
#[derive(Debug, Clone)]
pub struct SettingsIter<'a> {
    settings: Settings<'a>,
    at: usize,
}

impl Iterator for SettingsIter<'_> {
    type Item = Setting;

    fn next(&mut self) -> Option<Setting> {
        let item = match self.settings {
            Settings::Wire(b) => {
                let p = b.get(self.at * 6..self.at * 6 + 6)?;
                Setting::new(
                    SettingId::new(u16::from_be_bytes([p[0], p[1]])),
                    u32::from_be_bytes([p[2], p[3], p[4], p[5]]),
                )
            }
            Settings::List(l) => *l.get(self.at)?,
        };
        self.at += 1;
        Some(item)
    }
}
