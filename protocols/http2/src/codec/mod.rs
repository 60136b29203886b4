//! The HTTP/2 frame codec (RFC 9113 §4 and §6): zero-copy, no allocation, builds with no features.
//!
//! Two layers, as everywhere in FasterAPI:
//!
//! * [`FrameHeader`] and [`RawFrame`]: the checked view. [`RawFrame::parse`] finds one frame in
//!   a byte stream, checks its length against the SETTINGS_MAX_FRAME_SIZE we advertised
//!   (§4.2), and reports [`Parsed::Partial`] when more bytes are needed.
//! * [`Frame`]: the plain validated representation of every frame type (§6), with
//!   [`Frame::parse`] (padding removed, flags decoded, sizes and fixed fields checked) and
//!   [`Frame::emit`]. Frames of unknown types parse as [`Frame::Unknown`] so the caller can
//!   ignore them (§5.5).

mod frame;
mod settings;
#[cfg(test)]
mod tests;

pub use frame::{Frame, PrioritySpec};
pub use settings::{Setting, SettingId, Settings, SettingsIter};

use core::fmt;

/// The client connection preface (RFC 9113 §3.4), sent before the client's first SETTINGS.
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Length of the frame header (§4.1).
pub const FRAME_HEADER_LEN: usize = 9;

/// The initial and smallest SETTINGS_MAX_FRAME_SIZE (§6.5.2).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;

/// The largest SETTINGS_MAX_FRAME_SIZE a peer may advertise (2^24 - 1, §6.5.2).
pub const MAX_MAX_FRAME_SIZE: u32 = 16_777_215;

/// The largest flow-control window (2^31 - 1, §6.9.1).
pub const MAX_WINDOW_SIZE: u32 = 0x7fff_ffff;

/// The initial flow-control window of a connection and of every stream (§6.9.2).
pub const DEFAULT_WINDOW_SIZE: u32 = 65_535;

fasterapi_core::wire_code! {
    /// A frame type (RFC 9113 §6, RFC 9218 §7.1). Unknown types round-trip.
    pub struct FrameType(u8) {
        /// DATA (§6.1).
        DATA = 0x0,
        /// HEADERS (§6.2).
        HEADERS = 0x1,
        /// PRIORITY (§6.3, deprecated).
        PRIORITY = 0x2,
        /// RST_STREAM (§6.4).
        RST_STREAM = 0x3,
        /// SETTINGS (§6.5).
        SETTINGS = 0x4,
        /// PUSH_PROMISE (§6.6).
        PUSH_PROMISE = 0x5,
        /// PING (§6.7).
        PING = 0x6,
        /// GOAWAY (§6.8).
        GOAWAY = 0x7,
        /// WINDOW_UPDATE (§6.9).
        WINDOW_UPDATE = 0x8,
        /// CONTINUATION (§6.10).
        CONTINUATION = 0x9,
        /// PRIORITY_UPDATE (RFC 9218 §7.1).
        PRIORITY_UPDATE = 0x10,
    }
}

fasterapi_core::wire_code! {
    /// An HTTP/2 error code (RFC 9113 §7), carried by RST_STREAM and GOAWAY. Unknown codes
    /// round-trip (§7: they MUST NOT trigger special behaviour).
    pub struct ErrorCode(u32) {
        /// Graceful shutdown, or no error.
        NO_ERROR = 0x0,
        /// A protocol error was detected.
        PROTOCOL_ERROR = 0x1,
        /// An unexpected internal error.
        INTERNAL_ERROR = 0x2,
        /// The peer violated flow control.
        FLOW_CONTROL_ERROR = 0x3,
        /// SETTINGS were not acknowledged in time.
        SETTINGS_TIMEOUT = 0x4,
        /// A frame arrived after the stream was half-closed.
        STREAM_CLOSED = 0x5,
        /// A frame had an invalid size.
        FRAME_SIZE_ERROR = 0x6,
        /// The stream was refused before any processing.
        REFUSED_STREAM = 0x7,
        /// The stream is no longer needed.
        CANCEL = 0x8,
        /// The field-compression context could not be maintained.
        COMPRESSION_ERROR = 0x9,
        /// The CONNECT tunnel was reset or abnormally closed.
        CONNECT_ERROR = 0xa,
        /// The peer is generating excessive load.
        ENHANCE_YOUR_CALM = 0xb,
        /// The transport does not meet minimum security requirements.
        INADEQUATE_SECURITY = 0xc,
        /// Use HTTP/1.1 for this request.
        HTTP_1_1_REQUIRED = 0xd,
    }
}

/// Frame flags (§6): a bit set whose meaning depends on the frame type.
pub mod flags {
    /// DATA, HEADERS: the last frame the endpoint sends on the stream.
    pub const END_STREAM: u8 = 0x1;
    /// SETTINGS, PING: an acknowledgement.
    pub const ACK: u8 = 0x1;
    /// HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends here.
    pub const END_HEADERS: u8 = 0x4;
    /// DATA, HEADERS, PUSH_PROMISE: a Pad Length field is present.
    pub const PADDED: u8 = 0x8;
    /// HEADERS: the deprecated priority fields are present.
    pub const PRIORITY: u8 = 0x20;
}

/// A stream identifier (31 bits, §5.1.1). Clients open odd ids, servers even ones; 0 is the
/// connection.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId(u32);

impl StreamId {
    /// The connection as a whole (stream 0).
    pub const CONNECTION: Self = Self(0);
    /// The largest identifier.
    pub const MAX: Self = Self(0x7fff_ffff);

    /// The id `value` with the reserved bit cleared.
    pub const fn new(value: u32) -> Self {
        Self(value & 0x7fff_ffff)
    }

    /// The id as an integer.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Whether this is stream 0, the connection.
    pub const fn is_connection(self) -> bool {
        self.0 == 0
    }

    /// Whether a client opened this stream (odd ids, §5.1.1).
    pub const fn is_client_initiated(self) -> bool {
        self.0 % 2 == 1
    }
}

impl From<u32> for StreamId {
    fn from(v: u32) -> Self {
        Self::new(v)
    }
}

impl From<StreamId> for u32 {
    fn from(id: StreamId) -> Self {
        id.0
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The nine-octet frame header (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Length of the frame payload (24 bits).
    pub length: u32,
    /// The frame type.
    pub kind: FrameType,
    /// The flags byte, as received (unknown flags are kept and ignored, §4.1).
    pub flags: u8,
    /// The stream (reserved bit ignored on receipt, §4.1).
    pub stream_id: StreamId,
}

impl FrameHeader {
    /// Reads a header from the first nine octets of `b`; `None` when `b` is shorter.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b: &[u8; FRAME_HEADER_LEN] = b.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
        Some(Self {
            length: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: FrameType::new(b[3]),
            flags: b[4],
            stream_id: StreamId::new(u32::from_be_bytes([b[5], b[6], b[7], b[8]])),
        })
    }

    /// Writes the header into the first nine octets of `out` (the length is truncated to 24
    /// bits, the reserved bit written as 0).
    ///
    /// # Panics
    /// When `out` is shorter than [`FRAME_HEADER_LEN`].
    pub fn emit(&self, out: &mut [u8]) {
        let len = self.length.to_be_bytes();
        let id = self.stream_id.get().to_be_bytes();
        out[..FRAME_HEADER_LEN].copy_from_slice(&[
            len[1],
            len[2],
            len[3],
            self.kind.get(),
            self.flags,
            id[0],
            id[1],
            id[2],
            id[3],
        ]);
    }

    /// Whether every bit of `flag` is set.
    pub const fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }
}

/// The result of looking for a frame in a byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<T> {
    /// A complete frame, and the octets it takes.
    Complete(T, usize),
    /// More input is needed: at least this many octets in all.
    Partial(usize),
}

/// A checked view of one frame: its header and its payload, still encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    /// The header.
    pub header: FrameHeader,
    /// The payload (`header.length` octets, padding included).
    pub payload: &'a [u8],
}

impl<'a> RawFrame<'a> {
    /// Finds the frame at the start of `input`. `max_frame_size` is the SETTINGS_MAX_FRAME_SIZE
    /// we advertised: a longer frame is [`FrameError::FrameTooLarge`] before any of its
    /// payload is buffered (§4.2).
    ///
    /// # Errors
    /// [`FrameError::FrameTooLarge`].
    pub fn parse(input: &'a [u8], max_frame_size: u32) -> Result<Parsed<Self>, FrameError> {
        let Some(header) = FrameHeader::parse(input) else {
            return Ok(Parsed::Partial(FRAME_HEADER_LEN));
        };
        if header.length > max_frame_size {
            return Err(FrameError::FrameTooLarge {
                length: header.length,
                max: max_frame_size,
            });
        }
        let total = FRAME_HEADER_LEN + header.length as usize;
        match input.get(FRAME_HEADER_LEN..total) {
            Some(payload) => Ok(Parsed::Complete(Self { header, payload }, total)),
            None => Ok(Parsed::Partial(total)),
        }
    }

    /// Decodes the payload into a [`Frame`].
    ///
    /// # Errors
    /// See [`Frame::parse`].
    pub fn frame(&self) -> Result<Frame<'a>, FrameError> {
        Frame::parse(self.header, self.payload)
    }
}

/// Why a frame is invalid, with the reaction RFC 9113 requires ([`FrameError::code`],
/// [`FrameError::stream`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is longer than our SETTINGS_MAX_FRAME_SIZE (§4.2): FRAME_SIZE_ERROR.
    FrameTooLarge {
        /// Its length.
        length: u32,
        /// Our limit.
        max: u32,
    },
    /// A frame whose length is wrong for its type (§6): FRAME_SIZE_ERROR.
    BadLength {
        /// The frame type.
        kind: FrameType,
        /// Its length.
        length: u32,
    },
    /// A frame that must be on a stream came on stream 0, or one that must be on stream 0
    /// came on a stream (§6): PROTOCOL_ERROR.
    BadStreamId {
        /// The frame type.
        kind: FrameType,
        /// The stream it came on.
        stream_id: StreamId,
    },
    /// Padding as long as or longer than the payload (§6.1, §6.2): PROTOCOL_ERROR.
    BadPadding {
        /// The frame type.
        kind: FrameType,
    },
    /// A PRIORITY frame of the wrong length (§6.3): a stream error of FRAME_SIZE_ERROR.
    BadPriorityLength {
        /// The stream.
        stream_id: StreamId,
    },
    /// A SETTINGS ACK with a payload (§6.5): FRAME_SIZE_ERROR.
    SettingsAckWithPayload,
    /// A setting value outside its range (§6.5.2): PROTOCOL_ERROR, or FLOW_CONTROL_ERROR for
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    BadSetting {
        /// The setting.
        id: SettingId,
        /// Its value.
        value: u32,
    },
    /// A WINDOW_UPDATE with an increment of 0 (§6.9): PROTOCOL_ERROR, a stream error when on
    /// a stream.
    ZeroWindowIncrement {
        /// The stream (0 for the connection).
        stream_id: StreamId,
    },
    /// A PUSH_PROMISE promising stream 0 (§6.6): PROTOCOL_ERROR.
    BadPromisedStream,
}

impl FrameError {
    /// The error code to send.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::FrameTooLarge { .. }
            | Self::BadLength { .. }
            | Self::BadPriorityLength { .. }
            | Self::SettingsAckWithPayload => ErrorCode::FRAME_SIZE_ERROR,
            Self::BadSetting { id, .. } if id.get() == SettingId::INITIAL_WINDOW_SIZE.get() => {
                ErrorCode::FLOW_CONTROL_ERROR
            }
            _ => ErrorCode::PROTOCOL_ERROR,
        }
    }

    /// The stream to reset when the error is a stream error (§5.4.2); `None` when it is a
    /// connection error (§5.4.1).
    pub const fn stream(&self) -> Option<StreamId> {
        match self {
            Self::BadPriorityLength { stream_id } => Some(*stream_id),
            Self::ZeroWindowIncrement { stream_id } if !stream_id.is_connection() => {
                Some(*stream_id)
            }
            _ => None,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FrameTooLarge { length, max } => {
                write!(
                    f,
                    "frame of {length} octets exceeds SETTINGS_MAX_FRAME_SIZE {max}"
                )
            }
            Self::BadLength { kind, length } => {
                write!(f, "{kind} frame of invalid length {length}")
            }
            Self::BadStreamId { kind, stream_id } => {
                write!(f, "{kind} frame on invalid stream {stream_id}")
            }
            Self::BadPadding { kind } => write!(f, "{kind} frame padding exceeds its payload"),
            Self::BadPriorityLength { stream_id } => {
                write!(f, "PRIORITY frame of invalid length on stream {stream_id}")
            }
            Self::SettingsAckWithPayload => f.write_str("SETTINGS ACK with a payload"),
            Self::BadSetting { id, value } => write!(f, "setting {id} has invalid value {value}"),
            Self::ZeroWindowIncrement { stream_id } => {
                write!(f, "WINDOW_UPDATE of 0 on stream {stream_id}")
            }
            Self::BadPromisedStream => f.write_str("PUSH_PROMISE promises stream 0"),
        }
    }
}

impl core::error::Error for FrameError {}
