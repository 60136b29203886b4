//! Message body length (RFC 9112 §6.3), with the request-smuggling checks.

use super::chars::is_token;
use super::request::Request;
use super::response::Response;
use super::types::{HeaderSlot, Version};
use crate::error::Error;

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body follows the head (requests without framing fields, responses to HEAD, 1xx, 204,
    /// 304, 2xx to CONNECT).
    None,
    /// Exactly this many bytes follow (may be 0).
    ContentLength(u64),
    /// A chunked body follows: decode it with [`ChunkedDecoder`](crate::ChunkedDecoder).
    Chunked,
    /// The body runs until the connection closes (responses only).
    CloseDelimited,
}

/// What the framing fields of a head say, checked.
struct Fields {
    content_length: Option<(u64, usize)>,
    /// Offset of the last Transfer-Encoding field value.
    te_at: Option<usize>,
    /// The final transfer coding is `chunked`.
    chunked_final: bool,
    /// Offset of a coding other than chunked/gzip/deflate/compress.
    unknown_at: Option<usize>,
}

/// Trims OWS (SP / HTAB) from both ends.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Reads Content-Length and Transfer-Encoding from the fields.
fn fields(buf: &[u8], slots: &[HeaderSlot]) -> Result<Fields, Error> {
    let mut f = Fields {
        content_length: None,
        te_at: None,
        chunked_final: false,
        unknown_at: None,
    };
    for slot in slots {
        let h = slot.resolve(buf);
        let at = slot.value_offset();
        if h.name.len() == 14 && h.is("content-length") {
            // Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values may be
            // accepted, differing values MUST be rejected (RFC 9112 §6.3 item 5).
            for element in h.value.split(|&b| b == b',') {
                let digits = trim(element);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(Error::InvalidContentLength { at });
                }
                let mut n: u64 = 0;
                for &d in digits {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(d - b'0')))
                        .ok_or(Error::InvalidContentLength { at })?;
                }
                match f.content_length {
                    Some((old, _)) if old != n => {
                        return Err(Error::ConflictingContentLength { at });
                    }
                    _ => f.content_length = Some((n, at)),
                }
            }
        } else if h.name.len() == 17 && h.is("transfer-encoding") {
            f.te_at = Some(at);
            // transfer-coding list (RFC 9112 §6.1); empty elements are ignored (RFC 9110 §5.6.1).
            for element in h.value.split(|&b| b == b',') {
                let element = trim(element);
                if element.is_empty() {
                    continue;
                }
                let (name, params) = match element.iter().position(|&b| b == b';') {
                    Some(i) => (trim(&element[..i]), Some(&element[i..])),
                    None => (element, None),
                };
                if !is_token(name) {
                    return Err(Error::InvalidTransferEncoding { at });
                }
                if f.chunked_final {
                    // chunked MUST be final and MUST NOT be applied twice (RFC 9112 §6.1).
                    return Err(Error::InvalidTransferEncoding { at });
                }
                if name.eq_ignore_ascii_case(b"chunked") {
                    if params.is_some() {
                        return Err(Error::InvalidTransferEncoding { at });
                    }
                    f.chunked_final = true;
                } else if !(name.eq_ignore_ascii_case(b"gzip")
                    || name.eq_ignore_ascii_case(b"x-gzip")
                    || name.eq_ignore_ascii_case(b"deflate")
                    || name.eq_ignore_ascii_case(b"compress")
                    || name.eq_ignore_ascii_case(b"x-compress"))
                {
                    f.unknown_at.get_or_insert(at);
                }
            }
        }
    }
    if let (Some((_, cl)), Some(te)) = (f.content_length, f.te_at) {
        // RFC 9112 §6.3 item 3: ought to be handled as an error; a classic smuggling vector.
        return Err(Error::ContentLengthWithTransferEncoding { at: cl.max(te) });
    }
    Ok(f)
}

/// The body framing of a request (RFC 9112 §6.3 items 3–6).
///
/// Errors: Content-Length with Transfer-Encoding, bad or differing Content-Length values,
/// Transfer-Encoding in HTTP/1.0, `chunked` not final or repeated (400), an unknown coding (501).
pub fn request_body(req: &Request<'_, '_>) -> Result<BodyKind, Error> {
    let f = fields(req.buf, req.headers)?;
    if let Some(at) = f.te_at {
        if req.version == Version::Http10 {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            return Err(Error::InvalidTransferEncoding { at });
        }
        if let Some(at) = f.unknown_at {
            return Err(Error::UnknownTransferCoding { at });
        }
        if !f.chunked_final {
            // RFC 9112 §6.3 item 4: MUST respond 400 and close.
            return Err(Error::InvalidTransferEncoding { at });
        }
        return Ok(BodyKind::Chunked);
    }
    Ok(match f.content_length {
        Some((n, _)) => BodyKind::ContentLength(n),
        None => BodyKind::None,
    })
}

/// The body framing of a response to a request with `request_method` (RFC 9112 §6.3 items 1–7).
pub fn response_body(resp: &Response<'_, '_>, request_method: &[u8]) -> Result<BodyKind, Error> {
    let status = resp.status;
    // Item 1: HEAD responses, 1xx, 204 and 304 end at the head.
    if request_method == b"HEAD" || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(BodyKind::None);
    }
    // Item 2: a 2xx answer to CONNECT switches to a tunnel.
    if request_method == b"CONNECT" && (200..300).contains(&status) {
        return Ok(BodyKind::None);
    }
    let f = fields(resp.buf, resp.headers)?;
    if let Some(at) = f.te_at {
        if resp.version == Version::Http10 {
            return Err(Error::InvalidTransferEncoding { at });
        }
        // Item 4: chunked final → chunked; otherwise read until close.
        return Ok(if f.chunked_final {
            BodyKind::Chunked
        } else {
            BodyKind::CloseDelimited
        });
    }
    Ok(match f.content_length {
        Some((n, _)) => BodyKind::ContentLength(n),
        None => BodyKind::CloseDelimited,
    })
}

impl Request<'_, '_> {
    /// The body framing of this request; see [`request_body`].
    pub fn body_kind(&self) -> Result<BodyKind, Error> {
        request_body(self)
    }
}

impl Response<'_, '_> {
    /// The body framing of this response to a `request_method` request; see [`response_body`].
    pub fn body_kind(&self, request_method: &[u8]) -> Result<BodyKind, Error> {
        response_body(self, request_method)
    }
}
