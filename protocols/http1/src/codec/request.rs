//! Requests: the resumable [`RequestParser`] and the parsed [`Request`] view.

use super::head::{Head, Kind, TargetForm};
use super::types::{Header, HeaderSlot, HeaderStore, Headers, Status, Version};
use crate::config::Config;
use crate::error::Error;

/// A resumable, zero-copy request-head parser.
///
/// Feed it the whole buffer received so far, each time more bytes arrive; it continues from
/// where it stopped. Header positions go into caller-supplied [`HeaderSlot`]s.
///
/// ```
/// use fasterapi_http1::{HeaderSlot, RequestParser, Status};
///
/// let mut parser = RequestParser::default();
/// let mut slots = [HeaderSlot::EMPTY; 32];
/// let wire = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\nbody...";
///
/// assert!(parser.parse(&wire[..20], &mut slots)?.is_partial()); // resumes later, no rescan
/// let Status::Complete(req) = parser.parse(wire, &mut slots)? else { unreachable!() };
/// assert_eq!(req.method(), b"GET");
/// assert_eq!(req.target(), b"/index.html");
/// assert_eq!(req.header("host"), Some(&b"example.com"[..]));
/// assert_eq!(&wire[req.head_len()..], b"body...");
/// # Ok::<(), fasterapi_http1::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestParser {
    head: Head,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new(Config::STRICT)
    }
}

impl RequestParser {
    /// A parser with the given limits and leniencies.
    pub const fn new(config: Config) -> Self {
        Self {
            head: Head::new(Kind::Request, config),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.head.config
    }

    /// Continues parsing `buf`, the bytes received so far for this message (earlier calls must
    /// have seen a prefix of the same bytes; the buffer may have moved). Returns
    /// [`Status::Complete`] with a view of the head, or [`Status::Partial`] when more bytes are
    /// needed. After `Complete`, further calls return the same head until [`reset`](Self::reset).
    ///
    /// Errors are final for this message: answer with [`Error::status`] and close.
    pub fn parse<'b, 'h, S: HeaderStore + ?Sized>(
        &mut self,
        buf: &'b [u8],
        headers: &'h mut S,
    ) -> Result<Status<Request<'b, 'h>>, Error> {
        if !self.head.parse(buf, headers)? {
            return Ok(Status::Partial);
        }
        let h = &self.head;
        Ok(Status::Complete(Request {
            buf,
            method: h.a,
            target: h.target,
            form: h.form,
            version: h.version,
            head_len: h.head_len,
            headers: &headers.slots()[..h.count],
        }))
    }

    /// Forgets the current message, ready for the next one (keep-alive, pipelining). Parse the
    /// next message from `buf[previous.head_len() + body_len..]`.
    pub fn reset(&mut self) {
        self.head.reset();
    }

    /// Whether a message has begun but its head is not complete (for deciding whether a closed
    /// connection cut a request short).
    pub const fn in_progress(&self) -> bool {
        self.head.in_progress()
    }
}

/// A parsed request head: offsets into the caller's buffer, resolved on access.
#[derive(Debug, Clone, Copy)]
pub struct Request<'b, 'h> {
    pub(crate) buf: &'b [u8],
    method: (usize, usize),
    target: (usize, usize),
    form: TargetForm,
    pub(crate) version: Version,
    head_len: usize,
    pub(crate) headers: &'h [HeaderSlot],
}

impl<'b, 'h> Request<'b, 'h> {
    /// The method, a token (case-sensitive, RFC 9110 §9.1).
    pub fn method(&self) -> &'b [u8] {
        &self.buf[self.method.0..self.method.1]
    }

    /// The request-target as received (no decoding).
    pub fn target(&self) -> &'b [u8] {
        &self.buf[self.target.0..self.target.1]
    }

    /// Which of the four request-target forms the target has.
    pub const fn target_form(&self) -> TargetForm {
        self.form
    }

    /// The HTTP version.
    pub const fn version(&self) -> Version {
        self.version
    }

    /// Length of the head including the final empty line: the body (or next message) starts at
    /// `buf[head_len()..]`.
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
