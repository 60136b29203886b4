//! The codec: every frontend and backend message of protocol 3.0 and 3.2, both directions,
//! zero-copy and without allocation (§54.7 of the protocol chapter).
//!
//! * [`read_frame`] / [`read_startup_frame`] cut one message out of a byte stream, checking
//!   the length limit before anything is buffered; incomplete input is `Ok(None)`.
//! * [`Backend::parse`] / [`Frontend::parse`] / [`Startup::parse`] give checked views
//!   borrowing the body; every `emit` writes the same bytes back to any [`Sink`].
//! * [`MessageReader`] does both over a stream, for one direction: what a decoder or a proxy
//!   needs.

mod backend;
mod frontend;
mod startup;
mod wire;

use core::fmt;

pub use backend::{
    Authentication, Backend, BackendKeyData, CopyResponse, ErrorField, Fields, RowField,
    TransactionStatus,
};
pub use frontend::{AuthResponse, Bind, Frontend, Target};
pub use startup::{
    CANCEL_REQUEST_CODE, CancelRequest, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE, Startup,
    StartupParam,
};
pub(crate) use wire::len_i32;
pub use wire::{CountSink, Item, List, ListIter, Reader, Sink, SliceSink};

/// The protocol version word of a StartupMessage: major in the high 16 bits, minor in the low.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion(pub u32);

impl ProtocolVersion {
    /// Protocol 3.0 (PostgreSQL 7.4 to 17).
    pub const V3_0: Self = Self(0x0003_0000);
    /// Protocol 3.2 (PostgreSQL 18+): variable-length cancel keys.
    pub const V3_2: Self = Self(0x0003_0002);

    /// The major version.
    pub const fn major(self) -> u16 {
        (self.0 >> 16) as u16
    }
    /// The minor version.
    pub const fn minor(self) -> u16 {
        self.0 as u16
    }
    /// The version `3.minor`.
    pub const fn v3(minor: u16) -> Self {
        Self(0x0003_0000 | minor as u32)
    }
    /// Whether cancel keys are exactly 4 bytes (before 3.2, §54.7 BackendKeyData).
    pub const fn fixed_cancel_key(self) -> bool {
        self.0 < Self::V3_2.0
    }

    /// Whether a cancel key of `len` bytes is allowed: exactly 4 before 3.2, 4 to 256 from 3.2
    /// on (§54.7 BackendKeyData and CancelRequest).
    pub const fn cancel_key_allowed(self, len: usize) -> bool {
        if self.fixed_cancel_key() {
            len == 4
        } else {
            len >= 4 && len <= 256
        }
    }
}

impl fmt::Debug for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A format code: text (0) or binary (1); other values round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Format(pub i16);

impl Format {
    /// Text format.
    pub const TEXT: Self = Self(0);
    /// Binary format.
    pub const BINARY: Self = Self(1);
}

impl Item<'_> for Format {
    fn read(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        r.i16().map(Self)
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_i16(self.0);
    }
}

/// A malformed message or a crossed length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// A length word below its minimum (4, or 8 for startup-phase messages).
    BadLength {
        /// The message type byte (0 for startup-phase messages).
        tag: u8,
        /// The length word.
        len: u32,
    },
    /// A message longer than the configured limit; found from the header, before buffering.
    TooLarge {
        /// The message type byte (0 for startup-phase messages).
        tag: u8,
        /// The body length announced.
        len: u32,
        /// The limit.
        limit: u32,
    },
    /// A type byte this direction does not define.
    UnknownMessage(u8),
    /// A startup-phase request code that is no known protocol version or request.
    UnknownRequest(u32),
    /// A field that does not fit the message format.
    Malformed {
        /// The message type byte (0 for startup-phase messages).
        tag: u8,
        /// What is wrong.
        what: &'static str,
    },
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadLength { tag, len } => {
                write!(f, "message {} has a bad length word {len}", TagName(tag))
            }
            Self::TooLarge { tag, len, limit } => write!(
                f,
                "message {} of {len} bytes is over the limit of {limit}",
                TagName(tag)
            ),
            Self::UnknownMessage(t) => write!(f, "unknown message type {}", TagName(t)),
            Self::UnknownRequest(c) => write!(f, "unknown startup request code {c}"),
            Self::Malformed { tag, what } => write!(f, "message {}: {what}", TagName(tag)),
        }
    }
}

impl core::error::Error for CodecError {}

struct TagName(u8);

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("(startup)"),
            t if t.is_ascii_graphic() => write!(f, "'{}'", t as char),
            t => write!(f, "0x{t:02x}"),
        }
    }
}

/// One tagged message cut from a stream: its type byte and its body (without the length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The type byte.
    pub tag: u8,
    /// The body.
    pub body: &'a [u8],
}

/// Cuts the first tagged message (`Byte1` type, `Int32` length including itself, body) from
/// `buf`. Returns the frame and the bytes it spans, or `Ok(None)` when more bytes are needed.
///
/// # Errors
/// [`CodecError::BadLength`] for a length below 4; [`CodecError::TooLarge`] for a body over
/// `max_body`, found from the 5-byte header alone.
pub fn read_frame(buf: &[u8], max_body: u32) -> Result<Option<(Frame<'_>, usize)>, CodecError> {
    let Some(head) = buf.get(..5) else {
        return Ok(None);
    };
    let tag = head[0];
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    let body_len = check_len(tag, len, 4, max_body)?;
    let end = 5 + body_len;
    Ok(buf.get(5..end).map(|body| (Frame { tag, body }, end)))
}

/// Cuts the first untagged startup-phase message (StartupMessage, SSLRequest, GSSENCRequest,
/// CancelRequest: `Int32` length including itself, body) from `buf`; `Ok(None)` when more bytes
/// are needed. The body starts with the request code.
///
/// # Errors
/// As for [`read_frame`]; the minimum length is 8.
pub fn read_startup_frame(buf: &[u8], max_body: u32) -> Result<Option<(&[u8], usize)>, CodecError> {
    let Some(head) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let body_len = check_len(0, len, 8, max_body)?;
    let end = 4 + body_len;
    Ok(buf.get(4..end).map(|body| (body, end)))
}

fn check_len(tag: u8, len: u32, min: u32, max_body: u32) -> Result<usize, CodecError> {
    if len < min || len > i32::MAX as u32 {
        return Err(CodecError::BadLength { tag, len });
    }
    let body = len - 4;
    if body > max_body {
        return Err(CodecError::TooLarge {
            tag,
            len: body,
            limit: max_body,
        });
    }
    Ok(body as usize)
}

/// Which side's messages a [`MessageReader`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Messages the server sends (what a client reads).
    Backend,
    /// Messages the client sends (what a server reads); starts with a startup-phase message.
    Frontend,
}

/// A message read by a [`MessageReader`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message<'a> {
    /// A startup-phase message (frontend direction only).
    Startup(Startup<'a>),
    /// A tagged frontend message.
    Frontend(Frontend<'a>),
    /// A tagged backend message.
    Backend(Backend<'a>),
    /// The one-byte answer to an SSLRequest or GSSENCRequest (`S`, `G` or `N`): backend
    /// direction, only where the reader was told one is due.
    EncryptionResponse(u8),
}

/// Reads whole messages of one direction out of a byte stream, tracking the startup phase:
/// a frontend stream starts with untagged startup messages until a StartupMessage; after an
/// SSLRequest or GSSENCRequest the next backend byte is a single-byte answer.
///
/// The caller owns the buffer: feed it the unread bytes, consume what [`MessageReader::next`]
/// reports. This is what `fasterapi decode pg` and a proxy build on.
///
/// ```
/// use fasterapi_pgwire::codec::{Backend, Direction, Message, MessageReader};
/// let bytes = b"Z\0\0\0\x05I";
/// let mut reader = MessageReader::new(Direction::Backend, 1 << 20);
/// let (msg, used) = reader.next(bytes).unwrap().unwrap();
/// assert_eq!(used, 6);
/// assert!(matches!(msg, Message::Backend(Backend::ReadyForQuery(_))));
/// ```
#[derive(Debug, Clone)]
pub struct MessageReader {
    direction: Direction,
    max_body: u32,
    startup_phase: bool,
    encryption_answer_due: bool,
}

impl MessageReader {
    /// A reader of `direction`'s messages with a per-message body limit.
    pub const fn new(direction: Direction, max_body: u32) -> Self {
        Self {
            direction,
            max_body,
            startup_phase: matches!(direction, Direction::Frontend),
            encryption_answer_due: false,
        }
    }

    /// For the backend direction: the next byte answers an SSLRequest or GSSENCRequest.
    pub fn expect_encryption_response(&mut self) {
        self.encryption_answer_due = true;
    }

    /// The next message in `buf` and how many bytes it spans; `Ok(None)` when more are needed.
    ///
    /// # Errors
    /// The message is malformed or over the limit; the stream cannot be read further.
    pub fn next<'a>(&mut self, buf: &'a [u8]) -> Result<Option<(Message<'a>, usize)>, CodecError> {
        match self.direction {
            Direction::Backend => {
                if self.encryption_answer_due {
                    let Some(&b) = buf.first() else {
                        return Ok(None);
                    };
                    self.encryption_answer_due = false;
                    if b != b'E' {
                        return Ok(Some((Message::EncryptionResponse(b), 1)));
                    }
                    // 'E': an old server's ErrorResponse instead of an answer; read it as one.
                }
                let Some((frame, used)) = read_frame(buf, self.max_body)? else {
                    return Ok(None);
                };
                Ok(Some((
                    Message::Backend(Backend::parse(frame.tag, frame.body)?),
                    used,
                )))
            }
            Direction::Frontend if self.startup_phase => {
                let Some((body, used)) = read_startup_frame(buf, self.max_body)? else {
                    return Ok(None);
                };
                let msg = Startup::parse(body)?;
                if matches!(msg, Startup::Startup { .. } | Startup::Cancel(_)) {
                    self.startup_phase = false;
                }
                Ok(Some((Message::Startup(msg), used)))
            }
            Direction::Frontend => {
                let Some((frame, used)) = read_frame(buf, self.max_body)? else {
                    return Ok(None);
                };
                Ok(Some((
                    Message::Frontend(Frontend::parse(frame.tag, frame.body)?),
                    used,
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests;
