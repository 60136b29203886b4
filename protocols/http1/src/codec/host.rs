//! The Host field rule of RFC 9112 §3.2.

use super::request::Request;
use super::types::Version;
use crate::error::Error;

/// Whether `host` is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2), or empty.
fn valid_host(host: &[u8]) -> bool {
    let (name, port) = match host.iter().rposition(|&b| b == b':') {
        // An IPv6 literal contains colons; only a colon after `]` starts the port.
        Some(i) if !host.starts_with(b"[") || host[..i].ends_with(b"]") => {
            (&host[..i], Some(&host[i + 1..]))
        }
        _ => (host, None),
    };
    if port.is_some_and(|p| !p.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    if let Some(literal) = name.strip_prefix(b"[") {
        let Some(inner) = literal.strip_suffix(b"]") else {
            return false;
        };
        return !inner.is_empty()
            && inner
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b":.vV".contains(&b));
    }
    // reg-name / IPv4: unreserved, pct-encoded, sub-delims.
    name.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b))
}

/// Checks the request's Host field and returns its value (RFC 9112 §3.2): a server MUST answer
/// 400 to an HTTP/1.1 request without Host, and to any request with more than one Host line
/// or an invalid Host value. An HTTP/1.0 request without Host gives `Ok(None)`.
///
/// The parsers do not apply this rule themselves (a proxy or a tool may not want it); a server
/// calls it on every request.
///
/// ```
/// use fasterapi_http1::{Error, HeaderSlot, RequestParser, Status};
///
/// let mut slots = [HeaderSlot::EMPTY; 8];
/// let mut parser = RequestParser::default();
/// let Status::Complete(req) = parser.parse(b"GET / HTTP/1.1\r\n\r\n", &mut slots)? else {
///     unreachable!()
/// };
/// assert_eq!(req.host(), Err(Error::MissingHost));
/// # Ok::<(), fasterapi_http1::Error>(())
/// ```
pub fn request_host<'b>(req: &Request<'b, '_>) -> Result<Option<&'b [u8]>, Error> {
    let mut found: Option<&'b [u8]> = None;
    for slot in req.header_slots() {
        let h = slot.resolve(req.buffer());
        if h.name.len() == 4 && h.is("host") {
            let at = slot.value_offset();
            if found.is_some() || !valid_host(h.value) {
                return Err(Error::InvalidHost { at });
            }
            found = Some(h.value);
        }
    }
    if found.is_none() && req.version() == Version::Http11 {
        return Err(Error::MissingHost);
    }
    Ok(found)
}

impl<'b> Request<'b, '_> {
    /// The checked Host value; see [`request_host`].
    pub fn host(&self) -> Result<Option<&'b [u8]>, Error> {
        request_host(self)
    }
}
