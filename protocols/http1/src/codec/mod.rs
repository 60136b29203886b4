//! The HTTP/1.1 codec: zero-copy, resumable, `no_std`, no allocation.
//!
//! - [`head`](self::head): the resumable head parser shared by requests and responses;
//!   [`RequestParser`] and [`ResponseParser`] wrap it.
//! - [`framing`](self::framing): from a parsed head, how the body is delimited (RFC 9112 §6.3).
//! - [`chunked`](self::chunked): the streaming chunked decoder.
//! - [`encode`](self::encode): head serializers and the chunked encoder.

pub(crate) mod chars;
pub(crate) mod chunked;
pub(crate) mod encode;
pub(crate) mod framing;
pub(crate) mod head;
pub(crate) mod host;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod types;

#[cfg(test)]
mod tests;
