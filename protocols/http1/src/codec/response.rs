//! Responses: the resumable [`ResponseParser`] and the parsed [`Response`] view.

use super::head::{Head, Kind};
use super::types::{Header, HeaderSlot, HeaderStore, Headers, Status, Version};
use crate::config::Config;
use crate::error::Error;

/// A resumable, zero-copy response-head parser (the client side's twin of
/// [`RequestParser`](crate::RequestParser)).
///
/// ```
/// use fasterapi_http1::{BodyKind, HeaderSlot, ResponseParser, Status};
///
/// let mut parser = ResponseParser::default();
/// let mut slots = [HeaderSlot::EMPTY; 32];
/// let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
/// let Status::Complete(resp) = parser.parse(wire, &mut slots)? else { unreachable!() };
/// assert_eq!(resp.status(), 200);
/// assert_eq!(resp.reason(), b"OK");
/// assert_eq!(resp.body_kind(b"GET")?, BodyKind::ContentLength(5));
/// # Ok::<(), fasterapi_http1::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ResponseParser {
    head: Head,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new(Config::STRICT)
    }
}

impl ResponseParser {
    /// A parser with the given limits and leniencies.
    pub const fn new(config: Config) -> Self {
        Self {
            head: Head::new(Kind::Response, config),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.head.config
    }

    /// Continues parsing `buf`, the bytes received so far for this message; see
    /// [`RequestParser::parse`](crate::RequestParser::parse) for the contract.
    pub fn parse<'b, 'h, S: HeaderStore + ?Sized>(
        &mut self,
        buf: &'b [u8],
        headers: &'h mut S,
    ) -> Result<Status<Response<'b, 'h>>, Error> {
        if !self.head.parse(buf, headers)? {
            return Ok(Status::Partial);
        }
        let h = &self.head;
        Ok(Status::Complete(Response {
            buf,
            reason: h.a,
            status: h.status,
            version: h.version,
            head_len: h.head_len,
            headers: &headers.slots()[..h.count],
        }))
    }

    /// Forgets the current message, ready for the next one (after a 1xx, or keep-alive).
    pub fn reset(&mut self) {
        self.head.reset();
    }

    /// Whether a message has begun but its head is not complete.
    pub const fn in_progress(&self) -> bool {
        self.head.in_progress()
    }
}

/// A parsed response head: offsets into the caller's buffer, resolved on access.
#[derive(Debug, Clone, Copy)]
pub struct Response<'b, 'h> {
    pub(crate) buf: &'b [u8],
    reason: (usize, usize),
    pub(crate) status: u16,
    pub(crate) version: Version,
    head_len: usize,
    pub(crate) headers: &'h [HeaderSlot],
}

impl<'b, 'h> Response<'b, 'h> {
    /// The status code (100..=599).
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (may be empty; clients should ignore it, RFC 9112 §4).
    pub fn reason(&self) -> &'b [u8] {
        &self.buf[self.reason.0..self.reason.1]
    }

    /// The HTTP version.
    pub const fn version(&self) -> Version {
        self.version
    }

    /// Length of the head including the final empty line.
    pub const fn head_len(&self) -> usize {
        self.head_len
    }

    /// The header fields in order.
    pub fn headers(&self) -> Headers<'b, 'h> {
        Headers {
            buf: self.buf,
            slots: self.headers.iter(),
        }
    }

    /// The slots of the header fields (offsets into the buffer).
    pub const fn header_slots(&self) -> &'h [HeaderSlot] {
        self.headers
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers()
            .find(|h| h.is(name))
            .map(|h: Header<'b>| h.value)
    }

    /// The buffer the head was parsed from.
    pub const fn buffer(&self) -> &'b [u8] {
        self.buf
    }
}
