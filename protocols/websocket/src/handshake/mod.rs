//! The opening handshake (RFC 6455 §4) as pure functions over parsed header lists, so it plugs
//! into any HTTP layer: HTTP/1.1 `Upgrade` (with `fasterapi-http1`, see the `http1` module, or any
//! other parser) and HTTP/2 extended CONNECT (RFC 8441).
//!
//! Headers are given as `(name, value)` byte pairs; names compare ASCII case-insensitively,
//! and a field that appears on several lines counts as one comma-separated list (RFC 9110 §5.3).

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::config::Config;
use crate::extension::{self, DeflateConfig, DeflateParams, ExtensionError};

mod crypto;
pub mod h2;

pub use crypto::{DefaultCrypto, GUID, Sha1Provider, accept_key, is_valid_key, key_from_random};

/// Why a handshake is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    // --- the request is not a WebSocket handshake or is malformed (server: 400) ---
    /// Not `GET` (HTTP/1.1) or not `CONNECT` (HTTP/2).
    Method,
    /// A required header field is missing or wrong (its name).
    Header(&'static str),
    /// Sec-WebSocket-Key is not the base64 of 16 bytes.
    InvalidKey,
    /// A pseudo-header of an extended CONNECT is missing or wrong (RFC 8441 §4).
    PseudoHeader(&'static str),
    // --- incompatible (server: 426 with `Sec-WebSocket-Version: 13`) ---
    /// A Sec-WebSocket-Version other than 13.
    Version,
    // --- the server's answer is wrong (client side) ---
    /// The response status is not 101 (HTTP/1.1) or 2xx (HTTP/2).
    Status(u16),
    /// Sec-WebSocket-Accept does not match our key.
    Accept,
    /// The server chose a subprotocol we did not offer.
    Protocol,
    /// The server's Sec-WebSocket-Extensions is not acceptable.
    Extension(ExtensionError),
}

impl HandshakeError {
    /// The HTTP status a server answers with (400 or 426; client-side errors have none).
    pub const fn status(&self) -> Option<u16> {
        match self {
            Self::Method | Self::Header(_) | Self::InvalidKey | Self::PseudoHeader(_) => Some(400),
            Self::Version => Some(426),
            Self::Status(_) | Self::Accept | Self::Protocol | Self::Extension(_) => None,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Method => f.write_str("wrong method for a WebSocket handshake"),
            Self::Header(h) => write!(f, "missing or invalid {h} header"),
            Self::InvalidKey => f.write_str("Sec-WebSocket-Key is not base64 of 16 bytes"),
            Self::PseudoHeader(h) => write!(f, "missing or invalid {h} pseudo-header"),
            Self::Version => f.write_str("unsupported Sec-WebSocket-Version (need 13)"),
            Self::Status(s) => write!(f, "server answered {s} instead of switching"),
            Self::Accept => f.write_str("Sec-WebSocket-Accept does not match the key"),
            Self::Protocol => f.write_str("server chose a subprotocol that was not offered"),
            Self::Extension(e) => write!(f, "bad Sec-WebSocket-Extensions: {e}"),
        }
    }
}

impl core::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Extension(e) => Some(e),
            _ => None,
        }
    }
}

/// What a server accepts in a handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Subprotocols we speak, in our order of preference (the first one the client also
    /// offers is chosen).
    pub protocols: Vec<String>,
    /// permessage-deflate options; `None` declines every extension.
    pub deflate: Option<DeflateConfig>,
}

impl ServerOptions {
    /// Accepts no subprotocol and no extension.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subprotocol.
    #[must_use]
    pub fn protocol(mut self, name: &str) -> Self {
        self.protocols.push(String::from(name));
        self
    }

    /// Sets the permessage-deflate options.
    #[must_use]
    pub fn deflate(mut self, config: Option<DeflateConfig>) -> Self {
        self.deflate = config;
        self
    }
}

/// A successful server handshake: the response fields to send, and the parameters for the
/// connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// Sec-WebSocket-Accept (HTTP/1.1 only; empty for HTTP/2).
    pub accept: String,
    /// The chosen subprotocol.
    pub protocol: Option<String>,
    /// The Sec-WebSocket-Extensions response value.
    pub extensions: Option<String>,
    /// The negotiated permessage-deflate parameters.
    pub deflate: Option<DeflateParams>,
}

impl Accepted {
    /// The response header fields besides the status: for HTTP/1.1 (`101`) `Upgrade`,
    /// `Connection` and `Sec-WebSocket-Accept`; for HTTP/2 (`200`) none of those. Then the
    /// subprotocol and extensions, if any.
    pub fn response_headers(&self) -> Vec<(&'static str, &str)> {
        let mut h = Vec::with_capacity(5);
        if !self.accept.is_empty() {
            h.push(("Upgrade", "websocket"));
            h.push(("Connection", "Upgrade"));
            h.push(("Sec-WebSocket-Accept", self.accept.as_str()));
        }
        if let Some(p) = &self.protocol {
            h.push(("Sec-WebSocket-Protocol", p.as_str()));
        }
        if let Some(e) = &self.extensions {
            h.push(("Sec-WebSocket-Extensions", e.as_str()));
        }
        h
    }

    /// `base` with the negotiated permessage-deflate parameters filled in.
    pub fn config(&self, base: Config) -> Config {
        base.deflate(self.deflate)
    }
}

/// The values of every field named `name`, as `&str` (non-UTF-8 values are skipped).
fn values<'a>(
    headers: &'a [(&'a [u8], &'a [u8])],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .filter_map(|(_, v)| core::str::from_utf8(v).ok())
}

/// The comma-separated tokens of every field named `name`, trimmed.
fn tokens<'a>(
    headers: &'a [(&'a [u8], &'a [u8])],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    values(headers, name)
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn has_token(headers: &[(&[u8], &[u8])], name: &str, token: &str) -> bool {
    tokens(headers, name).any(|t| t.eq_ignore_ascii_case(token))
}

/// The single value of `name`, or `None` when absent or repeated.
fn single<'a>(headers: &'a [(&'a [u8], &'a [u8])], name: &str) -> Option<&'a [u8]> {
    let mut it = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()));
    let (_, v) = it.next()?;
    it.next().is_none().then_some(*v)
}

/// Negotiates subprotocol and extensions (shared by HTTP/1.1 and HTTP/2).
fn negotiate(
    headers: &[(&[u8], &[u8])],
    options: &ServerOptions,
) -> Result<Accepted, HandshakeError> {
    match single(headers, "sec-websocket-version") {
        Some(b"13") => {}
        Some(_) => return Err(HandshakeError::Version),
        None => return Err(HandshakeError::Header("Sec-WebSocket-Version")),
    }
    let offered: Vec<&str> = tokens(headers, "sec-websocket-protocol").collect();
    let protocol = options
        .protocols
        .iter()
        .find(|p| offered.iter().any(|o| o == p))
        .cloned();
    let (deflate, extensions) = match &options.deflate {
        Some(cfg) => {
            match extension::negotiate_server(values(headers, "sec-websocket-extensions"), cfg) {
                Some((p, resp)) => (Some(p), Some(resp)),
                None => (None, None),
            }
        }
        None => (None, None),
    };
    Ok(Accepted {
        accept: String::new(),
        protocol,
        extensions,
        deflate,
    })
}

/// Server side, HTTP/1.1 (RFC 6455 §4.2.1): checks the request and negotiates. Answer with
/// `101 Switching Protocols` and [`Accepted::response_headers`]; on an error, with
/// [`HandshakeError::status`] (adding `Sec-WebSocket-Version: 13` to a 426).
///
/// ```
/// use fasterapi_websocket::handshake::{DefaultCrypto, ServerOptions, server_accept};
///
/// let headers: &[(&[u8], &[u8])] = &[
///     (b"Host", b"server.example.com"),
///     (b"Upgrade", b"websocket"),
///     (b"Connection", b"Upgrade"),
///     (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
///     (b"Sec-WebSocket-Protocol", b"chat, superchat"),
///     (b"Sec-WebSocket-Version", b"13"),
/// ];
/// let ok = server_accept(b"GET", headers, &ServerOptions::new().protocol("chat"), &DefaultCrypto)?;
/// assert_eq!(ok.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// assert_eq!(ok.protocol.as_deref(), Some("chat"));
/// # Ok::<(), fasterapi_websocket::handshake::HandshakeError>(())
/// ```
///
/// # Errors
/// A [`HandshakeError`] naming what is wrong.
pub fn server_accept(
    method: &[u8],
    headers: &[(&[u8], &[u8])],
    options: &ServerOptions,
    crypto: &impl Sha1Provider,
) -> Result<Accepted, HandshakeError> {
    if method != b"GET" {
        return Err(HandshakeError::Method);
    }
    if single(headers, "host").is_none() {
        return Err(HandshakeError::Header("Host"));
    }
    if !has_token(headers, "upgrade", "websocket") {
        return Err(HandshakeError::Header("Upgrade"));
    }
    if !has_token(headers, "connection", "upgrade") {
        return Err(HandshakeError::Header("Connection"));
    }
    let key =
        single(headers, "sec-websocket-key").ok_or(HandshakeError::Header("Sec-WebSocket-Key"))?;
    if !is_valid_key(key) {
        return Err(HandshakeError::InvalidKey);
    }
    let mut accepted = negotiate(headers, options)?;
    let accept = accept_key(key, crypto);
    accepted.accept = String::from_utf8_lossy(&accept).into_owned();
    Ok(accepted)
}

/// What a client asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Subprotocols to offer, in preference order.
    pub protocols: Vec<String>,
    /// permessage-deflate to offer; `None` offers no extension.
    pub deflate: Option<DeflateConfig>,
}

impl ClientOptions {
    /// Offers no subprotocol and no extension.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subprotocol to offer.
    #[must_use]
    pub fn protocol(mut self, name: &str) -> Self {
        self.protocols.push(String::from(name));
        self
    }

    /// Sets the permessage-deflate offer.
    #[must_use]
    pub fn deflate(mut self, config: Option<DeflateConfig>) -> Self {
        self.deflate = config;
        self
    }
}

/// A client handshake in progress: the request fields to send, and what to check in the
/// answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    key: String,
    options: ClientOptions,
    protocols: String,
    extensions: Option<String>,
}

/// A successful client handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientAccepted {
    /// The subprotocol the server chose.
    pub protocol: Option<String>,
    /// The permessage-deflate parameters in effect.
    pub deflate: Option<DeflateParams>,
}

impl ClientAccepted {
    /// `base` with the negotiated permessage-deflate parameters filled in.
    pub fn config(&self, base: Config) -> Config {
        base.deflate(self.deflate)
    }
}

impl ClientHandshake {
    /// Starts a handshake whose key comes from `nonce`, 16 random bytes from the caller.
    pub fn new(options: ClientOptions, nonce: [u8; 16]) -> Self {
        let key = String::from_utf8_lossy(&key_from_random(nonce)).into_owned();
        let protocols = options.protocols.join(", ");
        let extensions = options.deflate.as_ref().map(extension::client_offer);
        Self {
            key,
            options,
            protocols,
            extensions,
        }
    }

    /// The Sec-WebSocket-Key sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The request fields for HTTP/1.1 besides `Host` (the caller's): `Upgrade`,
    /// `Connection`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version` and the offers. Send them
    /// with `GET <path>`.
    pub fn request_headers(&self) -> Vec<(&'static str, &str)> {
        let mut h = vec_with_offers(self, 6);
        h.insert(0, ("Upgrade", "websocket"));
        h.insert(1, ("Connection", "Upgrade"));
        h.insert(2, ("Sec-WebSocket-Key", self.key.as_str()));
        h
    }

    /// Checks an HTTP/1.1 answer (RFC 6455 §4.2.2, §4.1 "the client MUST fail …").
    ///
    /// # Errors
    /// A [`HandshakeError`] naming what is wrong: fail the connection.
    pub fn verify(
        &self,
        status: u16,
        headers: &[(&[u8], &[u8])],
        crypto: &impl Sha1Provider,
    ) -> Result<ClientAccepted, HandshakeError> {
        if status != 101 {
            return Err(HandshakeError::Status(status));
        }
        if !has_token(headers, "upgrade", "websocket") {
            return Err(HandshakeError::Header("Upgrade"));
        }
        if !has_token(headers, "connection", "upgrade") {
            return Err(HandshakeError::Header("Connection"));
        }
        let accept = single(headers, "sec-websocket-accept").ok_or(HandshakeError::Accept)?;
        if accept != accept_key(self.key.as_bytes(), crypto) {
            return Err(HandshakeError::Accept);
        }
        self.verify_offers(headers)
    }

    fn verify_offers(&self, headers: &[(&[u8], &[u8])]) -> Result<ClientAccepted, HandshakeError> {
        let protocol = match single(headers, "sec-websocket-protocol") {
            None if values(headers, "sec-websocket-protocol").next().is_none() => None,
            None => return Err(HandshakeError::Protocol),
            Some(p) => {
                let p = core::str::from_utf8(p).map_err(|_| HandshakeError::Protocol)?;
                if !self.options.protocols.iter().any(|o| o == p) {
                    return Err(HandshakeError::Protocol);
                }
                Some(String::from(p))
            }
        };
        let deflate = extension::accept_response(
            values(headers, "sec-websocket-extensions"),
            self.options.deflate.as_ref(),
        )
        .map_err(HandshakeError::Extension)?;
        Ok(ClientAccepted { protocol, deflate })
    }
}

fn vec_with_offers(hs: &ClientHandshake, cap: usize) -> Vec<(&'static str, &str)> {
    let mut h = Vec::with_capacity(cap);
    h.push(("Sec-WebSocket-Version", "13"));
    if !hs.protocols.is_empty() {
        h.push(("Sec-WebSocket-Protocol", hs.protocols.as_str()));
    }
    if let Some(e) = &hs.extensions {
        h.push(("Sec-WebSocket-Extensions", e.as_str()));
    }
    h
}

#[cfg(test)]
mod tests;
