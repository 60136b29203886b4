//! The connection machines' error.

use core::fmt;

use crate::error::Error;

/// Why a connection machine stopped, or why an action was refused.
///
/// Errors returned from an input (`handle_input`, `commit_input`, `handle_eof`,
/// `handle_timeout`) are fatal: a server has already queued its answer (the
/// [`status`](ConnectionError::status) with `Connection: close`) when it can still send one.
/// Errors returned from an action (`send_response`, `send_data`, …) are local misuse: nothing
/// was queued and the connection goes on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionError {
    // ----- from the peer -----
    /// The peer's bytes broke the HTTP/1.1 syntax or framing rules, or a codec limit (head
    /// size, request-target length, header count, trailers).
    Parse(Error),
    /// The body is larger than `max_body_size` (a server answers 413).
    BodyTooLarge {
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The peer closed the connection in the middle of a message.
    IncompleteMessage,
    /// The request head did not arrive within `header_read_timeout` (a server answers 408).
    HeaderTimeout,
    /// The peer sent something the protocol does not allow at this point: a response with no
    /// request outstanding, a 101 without an Upgrade request, an informational response to
    /// an HTTP/1.0 request, …
    UnexpectedMessage,
    /// Received bytes filled `max_buffer` while the machine could not consume them (for
    /// example pipelined requests behind a response the application has not sent).
    BufferFull {
        /// The buffer's capacity in bytes.
        limit: usize,
    },

    // ----- local misuse -----
    /// The action is not allowed in the current state (a response before a request, data
    /// after the end of the body, a second final response, …).
    InvalidState,
    /// The message being sent has a Content-Length and the data sent does not match it.
    BodyLengthMismatch {
        /// The declared Content-Length.
        declared: u64,
        /// The bytes sent, or about to be sent.
        sent: u64,
    },
    /// A head or trailer handed to an action is not valid on the wire (see
    /// [`Error::InvalidToSend`]), or its framing fields conflict (Content-Length together with
    /// Transfer-Encoding, a Transfer-Encoding other than `chunked`).
    InvalidToSend,
}

impl ConnectionError {
    /// The HTTP status a server answers this error with (500 for local misuse).
    pub const fn status(&self) -> u16 {
        match self {
            Self::Parse(e) => e.status(),
            Self::BodyTooLarge { .. } => 413,
            Self::HeaderTimeout => 408,
            Self::BufferFull { .. } => 431,
            Self::IncompleteMessage | Self::UnexpectedMessage => 400,
            Self::InvalidState | Self::BodyLengthMismatch { .. } | Self::InvalidToSend => 500,
        }
    }

    /// For [`ConnectionError::Parse`], the offset the codec reported (from the start of the
    /// head, or of the chunked body). Machines translate it into a stream offset: see
    /// [`ServerConnection::error_offset`](crate::ServerConnection::error_offset).
    pub const fn offset(&self) -> Option<usize> {
        match self {
            Self::Parse(e) => e.offset(),
            _ => None,
        }
    }

    /// Whether the error is the application's own (an action it should not have taken).
    pub const fn is_local(&self) -> bool {
        matches!(
            self,
            Self::InvalidState | Self::BodyLengthMismatch { .. } | Self::InvalidToSend
        )
    }
}

impl From<Error> for ConnectionError {
    fn from(e: Error) -> Self {
        Self::Parse(e)
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => fmt::Display::fmt(e, f),
            Self::BodyTooLarge { limit } => write!(f, "body larger than {limit} bytes"),
            Self::IncompleteMessage => f.write_str("connection closed in the middle of a message"),
            Self::HeaderTimeout => f.write_str("message head not received in time"),
            Self::UnexpectedMessage => f.write_str("message not allowed at this point"),
            Self::BufferFull { limit } => {
                write!(f, "receive buffer of {limit} bytes full")
            }
            Self::InvalidState => f.write_str("action not allowed in the connection's state"),
            Self::BodyLengthMismatch { declared, sent } => write!(
                f,
                "body length {sent} does not match Content-Length {declared}"
            ),
            Self::InvalidToSend => f.write_str("head or trailer not valid to send"),
        }
    }
}

impl core::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Parse(e) => Some(e),
            _ => None,
        }
    }
}
