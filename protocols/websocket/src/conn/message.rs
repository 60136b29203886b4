//! The zero-copy form of the connection's events.

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use bytes::Bytes;

use super::Event;
use crate::close::CloseCode;
use crate::simd::Text;

/// What the connection reports, without copies: payloads are reference-counted [`Bytes`]
/// slices of the connection's receive buffer, text is checked UTF-8 read through [`Text`].
/// Handed out by [`Connection::poll_message`](super::Connection::poll_message); the same
/// events as [`Event`], which owns its payloads instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A whole text message (reassembled from its fragments, inflated, UTF-8 checked).
    Text(Text),
    /// A whole binary message.
    Binary(Bytes),
    /// A ping arrived (already answered when [`Config::auto_pong`](crate::Config::auto_pong)
    /// is on).
    Ping(Bytes),
    /// A pong arrived.
    Pong(Bytes),
    /// The peer's close frame arrived; see [`Event::Close`].
    Close {
        /// The peer's close code (`None` for an empty close frame).
        code: Option<CloseCode>,
        /// The peer's reason.
        reason: Text,
    },
}

impl From<Message> for Event {
    /// Copies the payload into an owned buffer (no copy for a binary message that owns its
    /// whole buffer, as large messages do).
    fn from(m: Message) -> Self {
        match m {
            Message::Text(t) => Self::Text(String::from(t)),
            Message::Binary(b) => Self::Binary(Vec::from(b)),
            Message::Ping(b) => Self::Ping(Vec::from(b)),
            Message::Pong(b) => Self::Pong(Vec::from(b)),
            Message::Close { code, reason } => Self::Close {
                code,
                reason: String::from(reason),
            },
        }
    }
}
