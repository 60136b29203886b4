//! The frame codec (RFC 6455 §5.2): a zero-copy, allocation-free parser and encoder of frame
//! headers, with the rules that do not need connection state checked at parse time.

use core::fmt;

use crate::simd;

fasterapi_core::wire_code! {
    /// A frame opcode (RFC 6455 §5.2, §11.8). Values 3–7 and 0xB–0xF are reserved.
    pub struct OpCode(u8) {
        /// A continuation of a fragmented message.
        CONTINUATION = 0x0,
        /// The first frame of a text message.
        TEXT = 0x1,
        /// The first frame of a binary message.
        BINARY = 0x2,
        /// A close frame.
        CLOSE = 0x8,
        /// A ping.
        PING = 0x9,
        /// A pong.
        PONG = 0xA,
    }
}

impl OpCode {
    /// Whether this is a control opcode (the high bit of the nibble is set, §5.5).
    pub const fn is_control(self) -> bool {
        self.0 & 0x8 != 0
    }
}

/// Which side of the connection parses: it decides the masking rule (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The server: every frame it receives MUST be masked.
    Server,
    /// The client: no frame it receives may be masked.
    Client,
}

/// The rules a parser applies that depend on the connection, not on the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseRules {
    /// The parsing side.
    pub role: Role,
    /// Whether RSV1 may be set (an extension such as permessage-deflate was negotiated, §5.2).
    pub allow_rsv1: bool,
    /// The largest payload accepted in one frame; larger ones fail with
    /// [`FrameError::TooLarge`].
    pub max_payload: u64,
}

impl ParseRules {
    /// Rules for `role` with no extension and no size limit beyond the wire format's.
    pub const fn new(role: Role) -> Self {
        Self {
            role,
            allow_rsv1: false,
            max_payload: i64::MAX as u64,
        }
    }

    /// Sets [`ParseRules::allow_rsv1`].
    #[must_use]
    pub const fn allow_rsv1(mut self, allow: bool) -> Self {
        self.allow_rsv1 = allow;
        self
    }

    /// Sets [`ParseRules::max_payload`].
    #[must_use]
    pub const fn max_payload(mut self, max: u64) -> Self {
        self.max_payload = max;
        self
    }
}

/// A frame header violating RFC 6455.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// An opcode the RFC reserves (§5.2).
    ReservedOpcode(u8),
    /// RSV2 or RSV3 set, or RSV1 without an extension that defines it (§5.2).
    ReservedBits,
    /// RSV1 on a control or continuation frame (RFC 7692 §6.1).
    Rsv1OnNonDataStart,
    /// A control frame with FIN clear (§5.5).
    FragmentedControl,
    /// A control frame with more than 125 bytes of payload (§5.5).
    ControlTooLong(u64),
    /// A 64-bit length with its most significant bit set (§5.2).
    LengthOverflow,
    /// An unmasked frame sent to a server (§5.1).
    Unmasked,
    /// A masked frame sent to a client (§5.1).
    Masked,
    /// A payload over [`ParseRules::max_payload`].
    TooLarge(u64),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Self::ReservedBits => f.write_str("reserved bit set without a negotiated extension"),
            Self::Rsv1OnNonDataStart => f.write_str("RSV1 set on a control or continuation frame"),
            Self::FragmentedControl => f.write_str("fragmented control frame"),
            Self::ControlTooLong(n) => write!(f, "control frame of {n} bytes (limit 125)"),
            Self::LengthOverflow => f.write_str("64-bit payload length with the high bit set"),
            Self::Unmasked => f.write_str("unmasked frame from a client"),
            Self::Masked => f.write_str("masked frame from a server"),
            Self::TooLarge(n) => write!(f, "frame payload of {n} bytes over the limit"),
        }
    }
}

impl core::error::Error for FrameError {}

/// The longest possible header: 2 + 8 (length) + 4 (mask).
pub const MAX_HEADER_LEN: usize = 14;

/// A parsed or to-be-encoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameHeader {
    /// The final fragment of a message.
    pub fin: bool,
    /// RSV1 (permessage-deflate: the message is compressed).
    pub rsv1: bool,
    /// RSV2.
    pub rsv2: bool,
    /// RSV3.
    pub rsv3: bool,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, when the frame is masked.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A final, unmasked header with no RSV bits.
    pub const fn new(opcode: OpCode, payload_len: u64) -> Self {
        Self {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode,
            mask: None,
            payload_len,
        }
    }

    /// Sets the FIN bit.
    #[must_use]
    pub const fn fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// Sets RSV1.
    #[must_use]
    pub const fn rsv1(mut self, rsv1: bool) -> Self {
        self.rsv1 = rsv1;
        self
    }

    /// Sets the masking key.
    #[must_use]
    pub const fn mask(mut self, mask: Option<[u8; 4]>) -> Self {
        self.mask = mask;
        self
    }

    /// The number of bytes [`FrameHeader::emit`] writes.
    pub const fn encoded_len(&self) -> usize {
        let len = if self.payload_len < 126 {
            2
        } else if self.payload_len <= 0xFFFF {
            4
        } else {
            10
        };
        if self.mask.is_some() { len + 4 } else { len }
    }

    /// Parses a header from the start of `buf`, checking every rule of `rules`.
    ///
    /// Returns `Ok(None)` when `buf` holds only part of a header (read more), else the
    /// header and its length in bytes. The payload follows the header.
    ///
    /// # Errors
    /// A [`FrameError`] for any header RFC 6455 forbids.
    pub fn parse(buf: &[u8], rules: &ParseRules) -> Result<Option<(Self, usize)>, FrameError> {
        let [b0, b1, ..] = *buf else { return Ok(None) };
        let opcode = OpCode(b0 & 0x0F);
        let header = Self {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode,
            mask: None,
            payload_len: 0,
        };
        // Opcode first: a reserved opcode is the more precise complaint.
        if !matches!(opcode.0, 0x0..=0x2 | 0x8..=0xA) {
            return Err(FrameError::ReservedOpcode(opcode.0));
        }
        if header.rsv2 || header.rsv3 || (header.rsv1 && !rules.allow_rsv1) {
            return Err(FrameError::ReservedBits);
        }
        if header.rsv1 && (opcode.is_control() || opcode == OpCode::CONTINUATION) {
            return Err(FrameError::Rsv1OnNonDataStart);
        }
        let masked = b1 & 0x80 != 0;
        match (rules.role, masked) {
            (Role::Server, false) => return Err(FrameError::Unmasked),
            (Role::Client, true) => return Err(FrameError::Masked),
            _ => {}
        }
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !header.fin {
                return Err(FrameError::FragmentedControl);
            }
            if len7 > 125 {
                // The extended length is not needed to know this frame is bad.
                return Err(FrameError::ControlTooLong(u64::from(len7)));
            }
        }
        let (payload_len, mut pos) = match len7 {
            126 => {
                let Some(b) = buf.get(2..4) else {
                    return Ok(None);
                };
                (u64::from(u16::from_be_bytes([b[0], b[1]])), 4)
            }
            127 => {
                let Some(b) = buf.get(2..10) else {
                    return Ok(None);
                };
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                let n = u64::from_be_bytes(be);
                if n >> 63 != 0 {
                    return Err(FrameError::LengthOverflow);
                }
                (n, 10)
            }
            n => (u64::from(n), 2),
        };
        if payload_len > rules.max_payload {
            return Err(FrameError::TooLarge(payload_len));
        }
        let mask = if masked {
            let Some(b) = buf.get(pos..pos + 4) else {
                return Ok(None);
            };
            pos += 4;
            Some([b[0], b[1], b[2], b[3]])
        } else {
            None
        };
        Ok(Some((
            Self {
                mask,
                payload_len,
                ..header
            },
            pos,
        )))
    }

    /// Writes the header into `buf` (at least [`FrameHeader::encoded_len`] bytes, else `None`)
    /// and returns its length. Lengths use the shortest form (§5.2).
    pub fn emit(&self, buf: &mut [u8]) -> Option<usize> {
        let len = self.encoded_len();
        let out = buf.get_mut(..len)?;
        out[0] = (u8::from(self.fin) << 7)
            | (u8::from(self.rsv1) << 6)
            | (u8::from(self.rsv2) << 5)
            | (u8::from(self.rsv3) << 4)
            | (self.opcode.0 & 0x0F);
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut pos = 2;
        if self.payload_len < 126 {
            // Fits in 7 bits: checked just above.
            out[1] = mask_bit | self.payload_len as u8;
        } else if let Ok(n) = u16::try_from(self.payload_len) {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&n.to_be_bytes());
            pos = 4;
        } else {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&self.payload_len.to_be_bytes());
            pos = 10;
        }
        if let Some(m) = self.mask {
            out[pos..pos + 4].copy_from_slice(&m);
        }
        Some(len)
    }
}

/// A whole frame in a buffer: its header and its payload, unmasked in place.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Frame<'a> {
    /// The header (its `mask` tells how the payload was masked on the wire).
    pub header: FrameHeader,
    /// The payload, already unmasked.
    pub payload: &'a [u8],
}

/// Parses one whole frame at the start of `buf` and unmasks its payload in place.
///
/// Returns `Ok(None)` when the frame is not complete yet, else the frame and the number of
/// bytes it took. For payloads larger than the buffer, use [`FrameHeader::parse`] and unmask
/// the payload as it arrives with [`apply_mask`].
///
/// # Errors
/// As for [`FrameHeader::parse`].
pub fn parse_frame<'a>(
    buf: &'a mut [u8],
    rules: &ParseRules,
) -> Result<Option<(Frame<'a>, usize)>, FrameError> {
    let Some((header, hlen)) = FrameHeader::parse(buf, rules)? else {
        return Ok(None);
    };
    let Ok(plen) = usize::try_from(header.payload_len) else {
        return Ok(None);
    };
    let Some(end) = hlen.checked_add(plen).filter(|&end| end <= buf.len()) else {
        return Ok(None);
    };
    let payload = &mut buf[hlen..end];
    if let Some(mask) = header.mask {
        simd::apply_mask(payload, mask, 0);
    }
    Ok(Some((Frame { header, payload }, end)))
}

/// XORs `data` with the masking key `mask` (RFC 6455 §5.3), starting at byte `offset` of the
/// payload (so a payload can be unmasked in pieces as it arrives). Masking and unmasking are
/// the same operation. Uses SIMD where the CPU has it.
pub fn apply_mask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    simd::apply_mask(data, mask, offset);
}

#[cfg(test)]
mod tests;
