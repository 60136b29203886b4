//! WebSockets over HTTP/2 (RFC 8441): the extended CONNECT request and its `200` answer, as
//! pure functions over header lists that include the pseudo-header fields. The HTTP/2 layer
//! must have sent `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (§3) and carries the WebSocket bytes
//! in the stream's DATA frames; there is no Sec-WebSocket-Key or -Accept (§5).

extern crate alloc;

use alloc::vec::Vec;

use super::{
    Accepted, ClientAccepted, ClientHandshake, HandshakeError, ServerOptions, negotiate, single,
    vec_with_offers,
};

/// The `:status` a server answers an accepted extended CONNECT with.
pub const STATUS_OK: u16 = 200;

fn pseudo<'a>(
    headers: &'a [(&'a [u8], &'a [u8])],
    name: &'static str,
) -> Result<&'a [u8], HandshakeError> {
    // Pseudo-header names are lowercase on the wire (RFC 9113 §8.3); each appears once.
    let mut it = headers.iter().filter(|(n, _)| *n == name.as_bytes());
    match (it.next(), it.next()) {
        (Some((_, v)), None) if !v.is_empty() => Ok(v),
        _ => Err(HandshakeError::PseudoHeader(name)),
    }
}

/// Server side (RFC 8441 §4, §5): checks an extended CONNECT — `:method = CONNECT`,
/// `:protocol = websocket`, non-empty `:scheme`, `:path` and `:authority`, version 13 — and
/// negotiates subprotocol and extensions. Answer with `:status 200` and
/// [`Accepted::response_headers`]; on an error, with [`HandshakeError::status`].
///
/// ```
/// use fasterapi_websocket::handshake::{ServerOptions, h2};
///
/// let request: &[(&[u8], &[u8])] = &[
///     (b":method", b"CONNECT"),
///     (b":protocol", b"websocket"),
///     (b":scheme", b"https"),
///     (b":path", b"/chat"),
///     (b":authority", b"server.example.com"),
///     (b"sec-websocket-version", b"13"),
///     (b"sec-websocket-protocol", b"chat"),
/// ];
/// let ok = h2::server_accept(request, &ServerOptions::new().protocol("chat"))?;
/// assert_eq!(ok.response_headers(), [("Sec-WebSocket-Protocol", "chat")]);
/// # Ok::<(), fasterapi_websocket::handshake::HandshakeError>(())
/// ```
///
/// # Errors
/// A [`HandshakeError`] naming what is wrong.
pub fn server_accept(
    headers: &[(&[u8], &[u8])],
    options: &ServerOptions,
) -> Result<Accepted, HandshakeError> {
    if pseudo(headers, ":method")? != b"CONNECT" {
        return Err(HandshakeError::Method);
    }
    if pseudo(headers, ":protocol")? != b"websocket" {
        return Err(HandshakeError::PseudoHeader(":protocol"));
    }
    let scheme = pseudo(headers, ":scheme")?;
    if scheme != b"https" && scheme != b"http" {
        return Err(HandshakeError::PseudoHeader(":scheme"));
    }
    pseudo(headers, ":path")?;
    pseudo(headers, ":authority")?;
    // HTTP/1.1-only fields have no place here (RFC 9113 §8.2.2 forbids the
    // connection-specific ones; RFC 8441 §5 drops the key).
    for name in ["connection", "upgrade", "sec-websocket-key"] {
        if single(headers, name).is_some()
            || headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            return Err(HandshakeError::Header(match name {
                "connection" => "Connection",
                "upgrade" => "Upgrade",
                _ => "Sec-WebSocket-Key",
            }));
        }
    }
    negotiate(headers, options)
}

impl ClientHandshake {
    /// The request fields of an extended CONNECT (RFC 8441 §4): the pseudo-headers, then
    /// `sec-websocket-version` and the offers (the key in [`ClientHandshake::new`] is unused).
    pub fn h2_request_headers<'a>(
        &'a self,
        scheme: &'a str,
        authority: &'a str,
        path: &'a str,
    ) -> Vec<(&'static str, &'a str)> {
        let mut h = Vec::with_capacity(8);
        h.push((":method", "CONNECT"));
        h.push((":protocol", "websocket"));
        h.push((":scheme", scheme));
        h.push((":path", path));
        h.push((":authority", authority));
        for (n, v) in vec_with_offers(self, 3) {
            h.push((lowercase(n), v));
        }
        h
    }

    /// Checks the answer to an extended CONNECT: a 2xx status, then the subprotocol and
    /// extensions as for HTTP/1.1.
    ///
    /// # Errors
    /// A [`HandshakeError`]: reset the stream.
    pub fn verify_h2(
        &self,
        status: u16,
        headers: &[(&[u8], &[u8])],
    ) -> Result<ClientAccepted, HandshakeError> {
        if !(200..300).contains(&status) {
            return Err(HandshakeError::Status(status));
        }
        self.verify_offers(headers)
    }
}

/// HTTP/2 field names are lowercase (RFC 9113 §8.2.1).
fn lowercase(name: &'static str) -> &'static str {
    match name {
        "Sec-WebSocket-Version" => "sec-websocket-version",
        "Sec-WebSocket-Protocol" => "sec-websocket-protocol",
        "Sec-WebSocket-Extensions" => "sec-websocket-extensions",
        other => other,
    }
}
