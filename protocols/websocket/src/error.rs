//! The crate's error type.

use core::fmt;

use crate::close::{CloseCode, ClosePayloadError};
use crate::frame::FrameError;

/// Everything that can end a WebSocket connection or refuse an action, sorted by fault.
///
/// Returned from an input, it is fatal: the machine has queued the close frame that answers it
/// ([`Error::close_code`]), so drain the output and then close the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- malformed input / peer misbehaved (→ 1002, 1007) ---
    /// A frame header breaking RFC 6455.
    Frame(FrameError),
    /// A continuation frame with no message in progress (§5.4).
    UnexpectedContinuation,
    /// A new data frame while a fragmented message is in progress (§5.4).
    ExpectedContinuation,
    /// A close frame with a bad payload.
    ClosePayload(ClosePayloadError),
    /// A text message (or a close reason) that is not UTF-8 (§8.1).
    InvalidUtf8,
    /// A compressed message that does not inflate (RFC 7692 §6.2).
    Inflate,
    /// The peer's close frame did not arrive in time after ours.
    CloseTimeout,
    /// The stream ended without a closing handshake.
    UnexpectedEof,
    // --- limits (→ 1009) ---
    /// A frame over [`Config::max_frame_size`](crate::Config::max_frame_size).
    FrameTooLarge(u64),
    /// A message over [`Config::max_message_size`](crate::Config::max_message_size) (after
    /// inflation for compressed messages).
    MessageTooLarge(u64),
    // --- local misuse ---
    /// An action after the close handshake began.
    Closed,
    /// A control frame payload (ping, pong, close reason) over 125 bytes.
    ControlPayloadTooLong(usize),
    /// A close code that may not be sent (1005, 1006, 1015, unassigned codes).
    InvalidCloseCode(CloseCode),
    /// A message of the wrong kind for a stream in progress, or no message in progress.
    FragmentOrder,
}

impl Error {
    /// A stable snake_case name of the variant, for logs and tools.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Frame(_) => "frame",
            Self::UnexpectedContinuation => "unexpected_continuation",
            Self::ExpectedContinuation => "expected_continuation",
            Self::ClosePayload(_) => "close_payload",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::Inflate => "inflate",
            Self::CloseTimeout => "close_timeout",
            Self::UnexpectedEof => "unexpected_eof",
            Self::FrameTooLarge(_) => "frame_too_large",
            Self::MessageTooLarge(_) => "message_too_large",
            Self::Closed => "closed",
            Self::ControlPayloadTooLong(_) => "control_payload_too_long",
            Self::InvalidCloseCode(_) => "invalid_close_code",
            Self::FragmentOrder => "fragment_order",
        }
    }

    /// The close code this error is answered with, when the peer is to blame.
    pub const fn close_code(&self) -> Option<CloseCode> {
        Some(match self {
            Self::Frame(FrameError::TooLarge(_))
            | Self::FrameTooLarge(_)
            | Self::MessageTooLarge(_) => CloseCode::MESSAGE_TOO_BIG,
            Self::Frame(_) | Self::UnexpectedContinuation | Self::ExpectedContinuation => {
                CloseCode::PROTOCOL_ERROR
            }
            Self::ClosePayload(e) => e.close_code(),
            Self::InvalidUtf8 | Self::Inflate => CloseCode::INVALID_PAYLOAD,
            Self::CloseTimeout | Self::UnexpectedEof => CloseCode::ABNORMAL,
            Self::Closed
            | Self::ControlPayloadTooLong(_)
            | Self::InvalidCloseCode(_)
            | Self::FragmentOrder => {
                return None;
            }
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "bad frame: {e}"),
            Self::UnexpectedContinuation => {
                f.write_str("continuation frame with no message in progress")
            }
            Self::ExpectedContinuation => f.write_str("new data frame inside a fragmented message"),
            Self::ClosePayload(e) => write!(f, "bad close frame: {e}"),
            Self::InvalidUtf8 => f.write_str("text message is not valid UTF-8"),
            Self::Inflate => f.write_str("compressed message does not inflate"),
            Self::CloseTimeout => f.write_str("peer did not answer the close frame in time"),
            Self::UnexpectedEof => f.write_str("stream ended without a closing handshake"),
            Self::FrameTooLarge(n) => write!(f, "frame of {n} bytes over the limit"),
            Self::MessageTooLarge(n) => write!(f, "message of at least {n} bytes over the limit"),
            Self::Closed => f.write_str("connection is closing or closed"),
            Self::ControlPayloadTooLong(n) => write!(f, "control payload of {n} bytes (limit 125)"),
            Self::InvalidCloseCode(c) => write!(f, "close code {} may not be sent", c.get()),
            Self::FragmentOrder => f.write_str("message fragments out of order"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::ClosePayload(e) => Some(e),
            _ => None,
        }
    }
}

impl From<FrameError> for Error {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::TooLarge(n) => Self::FrameTooLarge(n),
            e => Self::Frame(e),
        }
    }
}
