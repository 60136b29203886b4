//! Head serializers and the chunked encoder. They write framing only: bodies are never copied,
//! the caller sends them after (or between) the bytes written here.

use super::chars::{TARGET_LENIENT, VALUE, is_token};
use super::types::{Header, Version};
use crate::error::Error;

/// A request head to serialize.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// The method, a token.
    pub method: &'a [u8],
    /// The request-target: visible ASCII, no spaces.
    pub target: &'a [u8],
    /// The version.
    pub version: Version,
    /// The header fields, written in order.
    pub headers: &'a [Header<'a>],
}

/// A response head to serialize.
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// The version.
    pub version: Version,
    /// The status code, 100..=599.
    pub status: u16,
    /// The reason phrase (may be empty): HTAB, SP, visible ASCII, obs-text.
    pub reason: &'a [u8],
    /// The header fields, written in order.
    pub headers: &'a [Header<'a>],
}

/// A writer over a caller-owned buffer that has already been checked to be large enough.
struct Out<'o> {
    buf: &'o mut [u8],
    len: usize,
}

impl Out<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

fn check_fields(headers: &[Header<'_>]) -> Result<usize, Error> {
    let mut len = 2; // final CRLF
    for h in headers {
        if !is_token(h.name) || !h.value.iter().all(|&b| VALUE.contains(b)) {
            return Err(Error::InvalidToSend);
        }
        if matches!(h.value.first(), Some(b' ' | b'\t'))
            || matches!(h.value.last(), Some(b' ' | b'\t'))
        {
            // Leading or trailing whitespace would be stripped by the receiver.
            return Err(Error::InvalidToSend);
        }
        len += h.name.len() + 2 + h.value.len() + 2;
    }
    Ok(len)
}

fn put_fields(out: &mut Out<'_>, headers: &[Header<'_>]) {
    for h in headers {
        out.put(h.name);
        out.put(b": ");
        out.put(h.value);
        out.put(b"\r\n");
    }
    out.put(b"\r\n");
}

/// Bytes [`write_request_head`] needs for `head`, after validating it.
pub fn request_head_len(head: &RequestHead<'_>) -> Result<usize, Error> {
    if !is_token(head.method)
        || head.target.is_empty()
        || !head.target.iter().all(|&b| TARGET_LENIENT.contains(b))
    {
        return Err(Error::InvalidToSend);
    }
    Ok(head.method.len() + 1 + head.target.len() + 1 + 8 + 2 + check_fields(head.headers)?)
}

/// Writes a request head into `out` and returns its length. Nothing is written on error.
///
/// ```
/// use fasterapi_http1::{Header, RequestHead, Version, write_request_head};
///
/// let headers = [Header { name: b"Host", value: b"example.com" }];
/// let head = RequestHead { method: b"GET", target: b"/", version: Version::Http11, headers: &headers };
/// let mut out = [0u8; 64];
/// let n = write_request_head(&head, &mut out)?;
/// assert_eq!(&out[..n], b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
/// # Ok::<(), fasterapi_http1::Error>(())
/// ```
pub fn write_request_head(head: &RequestHead<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let needed = request_head_len(head)?;
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }
    let mut o = Out { buf: out, len: 0 };
    o.put(head.method);
    o.put(b" ");
    o.put(head.target);
    o.put(b" ");
    o.put(head.version.as_bytes());
    o.put(b"\r\n");
    put_fields(&mut o, head.headers);
    Ok(o.len)
}

/// Bytes [`write_response_head`] needs for `head`, after validating it.
pub fn response_head_len(head: &ResponseHead<'_>) -> Result<usize, Error> {
    if !(100..=599).contains(&head.status) || !head.reason.iter().all(|&b| VALUE.contains(b)) {
        return Err(Error::InvalidToSend);
    }
    Ok(8 + 1 + 3 + 1 + head.reason.len() + 2 + check_fields(head.headers)?)
}

/// Writes a response head into `out` and returns its length. Nothing is written on error.
pub fn write_response_head(head: &ResponseHead<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let needed = response_head_len(head)?;
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }
    let s = head.status;
    let code = [
        b'0' + (s / 100) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ];
    let mut o = Out { buf: out, len: 0 };
    o.put(head.version.as_bytes());
    o.put(b" ");
    o.put(&code);
    o.put(b" ");
    o.put(head.reason);
    o.put(b"\r\n");
    put_fields(&mut o, head.headers);
    Ok(o.len)
}

/// The CRLF that follows each chunk's data.
pub const CHUNK_END: &[u8] = b"\r\n";

/// A chunk-size line (`{hex}\r\n`), built on the stack.
#[derive(Debug, Clone, Copy)]
pub struct ChunkHeader {
    bytes: [u8; 18],
    len: u8,
}

impl ChunkHeader {
    /// The size line for a chunk of `len` data bytes. Send the line, the data, then
    /// [`CHUNK_END`]. A `len` of 0 gives `0\r\n`, the last-chunk line: follow it with
    /// [`write_trailers`].
    pub const fn new(len: u64) -> Self {
        let mut digits = 1;
        while digits < 16 && len >> (4 * digits) != 0 {
            digits += 1;
        }
        let mut bytes = [0u8; 18];
        let mut i = 0;
        while i < digits {
            let nibble = ((len >> (4 * (digits - 1 - i))) & 0xF) as u8;
            bytes[i] = if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            };
            i += 1;
        }
        bytes[digits] = b'\r';
        bytes[digits + 1] = b'\n';
        Self {
            bytes,
            len: (digits + 2) as u8,
        }
    }

    /// The encoded line.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Writes the trailer section and the final CRLF that end a chunked body (after the
/// `0\r\n` last-chunk line), returning its length.
pub fn write_trailers(trailers: &[Header<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let needed = check_fields(trailers)?;
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }
    let mut o = Out { buf: out, len: 0 };
    put_fields(&mut o, trailers);
    Ok(o.len)
}
