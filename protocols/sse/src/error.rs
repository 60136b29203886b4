//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong in this crate, sorted by fault.
///
/// Invalid UTF-8 is never an error: the event stream is decoded with U+FFFD replacement
/// (WHATWG HTML §9.2.6). An unexpected status or `Content-Type` is not an error either: the
/// [client machine](crate::Client) reports it as a failed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ----- limit exceeded (peer input) -----
    /// A line grew past [`Limits::max_line_len`](crate::Limits::max_line_len) bytes before its
    /// end-of-line arrived.
    LineTooLong {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// An event's data grew past [`Limits::max_event_len`](crate::Limits::max_event_len) bytes
    /// before the blank line that dispatches it.
    EventTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    // ----- local misuse -----
    /// A field to encode cannot be represented: an `event` name, `id` or comment containing CR
    /// or LF, or an `id` containing NUL (a receiver ignores such an id).
    InvalidField {
        /// The field: `"event"`, `"id"` or `"comment"`.
        field: &'static str,
    },
    /// The caller's output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
    },
    /// The stream's queued output would exceed
    /// [`ServerConfig::max_buffered`](crate::ServerConfig::max_buffered): drain
    /// `poll_transmit` first.
    SendBufferFull {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// An action on a stream that is closed.
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { limit } => {
                write!(
                    f,
                    "event-stream line longer than the limit of {limit} bytes"
                )
            }
            Self::EventTooLarge { limit } => {
                write!(f, "event data larger than the limit of {limit} bytes")
            }
            Self::InvalidField { field } => write!(
                f,
                "cannot encode the {field} field: it contains CR or LF (or NUL in an id)"
            ),
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Self::SendBufferFull { limit } => write!(
                f,
                "queued output would exceed the limit of {limit} bytes; drain poll_transmit first"
            ),
            Self::Closed => f.write_str("the event stream is closed"),
        }
    }
}

impl core::error::Error for Error {}
