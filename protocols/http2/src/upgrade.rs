//! h2c by HTTP/1.1 `Upgrade` (RFC 7540 §3.2, deprecated by RFC 9113 §3.1 but still spoken by
//! curl `--http2` and `nghttp -u`) over fasterapi-http1's switched-protocol hand-off
//! (feature `http1`). Prior knowledge needs none of this: start [`Connection::server`] on the
//! first bytes.
//!
//! ```text
//!  server: http1 ServerConnection ─Event::Request─▶ accept_h2c() ─101─▶ Event::Switched
//!            { leftover } ─▶ server_after_upgrade(config, accepted) + handle_input(leftover)
//!  client: http1 ClientConnection ◀─ send_request(.., &h2c_request_headers(..))
//!            ─101─▶ Event::Switched { leftover } ─▶ client_after_upgrade(..) + handle_input
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use fasterapi_http1::{BodyKind, ConnectionError, Header, IncomingRequest, ServerConnection};

use crate::codec::Settings;
use crate::conn::{BlockKind, Collector, Role, our_settings};
use crate::{Config, Connection, Error, RequestHead};

/// Why an h2c upgrade was not accepted. The HTTP/1.1 connection is untouched: answer the
/// request in HTTP/1.1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpgradeError {
    /// No `Upgrade: h2c`, or `Connection` lacks `Upgrade` and `HTTP2-Settings`.
    NotH2c,
    /// Not exactly one `HTTP2-Settings` field, or it is not base64url of a valid SETTINGS
    /// payload.
    BadSettings,
    /// The request has a body; this implementation upgrades body-less requests only.
    HasBody,
    /// The request cannot be expressed in HTTP/2 (its fields break §8.2).
    BadRequest,
    /// The HTTP/1.1 machine refused to send the 101.
    Http(ConnectionError),
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotH2c => f.write_str("not an h2c upgrade request"),
            Self::BadSettings => f.write_str("invalid HTTP2-Settings"),
            Self::HasBody => f.write_str("h2c upgrade of a request with a body"),
            Self::BadRequest => f.write_str("the request is not valid in HTTP/2"),
            Self::Http(e) => write!(f, "HTTP/1.1 machine refused: {e}"),
        }
    }
}

impl core::error::Error for UpgradeError {}

/// An accepted h2c upgrade: hand it to [`server_after_upgrade`] after `Event::Switched`.
#[derive(Debug, Clone)]
pub struct H2cAccepted {
    settings: Vec<u8>,
    head: RequestHead,
}

impl H2cAccepted {
    /// The request, as stream 1 will report it.
    pub fn head(&self) -> &RequestHead {
        &self.head
    }
}

fn has_token(value: Option<&[u8]>, token: &str) -> bool {
    value.is_some_and(|v| {
        v.split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// Server: checks that `request` asks for h2c and answers `101 Switching Protocols` on
/// `conn`; the HTTP/1.1 machine then reports `Event::Switched { leftover }`.
///
/// # Errors
/// [`UpgradeError`]; nothing was sent, so answer in HTTP/1.1.
pub fn accept_h2c(
    conn: &mut ServerConnection,
    request: &IncomingRequest,
) -> Result<H2cAccepted, UpgradeError> {
    let connection: Vec<&[u8]> = request
        .headers
        .iter()
        .filter(|f| f.is("connection"))
        .map(|f| &f.value[..])
        .collect();
    let conn_has = |t| connection.iter().any(|v| has_token(Some(v), t));
    if !has_token(request.header("upgrade"), "h2c")
        || !conn_has("upgrade")
        || !conn_has("http2-settings")
    {
        return Err(UpgradeError::NotH2c);
    }
    let mut values = request.headers.iter().filter(|f| f.is("http2-settings"));
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(UpgradeError::BadSettings);
    };
    let settings = base64url_decode(&value.value).ok_or(UpgradeError::BadSettings)?;
    Settings::from_payload(&settings).map_err(|_| UpgradeError::BadSettings)?;
    if !matches!(request.body, BodyKind::None | BodyKind::ContentLength(0)) {
        return Err(UpgradeError::HasBody);
    }
    let head = request_head(request).ok_or(UpgradeError::BadRequest)?;
    conn.send_response(
        101,
        &[
            Header {
                name: b"Connection",
                value: b"Upgrade",
            },
            Header {
                name: b"Upgrade",
                value: b"h2c",
            },
        ],
    )
    .map_err(UpgradeError::Http)?;
    Ok(H2cAccepted { settings, head })
}

/// The HTTP/1.1 request as an HTTP/2 head (§8.3.1): `Host` becomes `:authority`,
/// connection-specific fields are dropped, names are lowercased.
fn request_head(r: &IncomingRequest) -> Option<RequestHead> {
    let mut c = Collector::new(BlockKind::Request);
    c.push(b":method", &r.method);
    c.push(b":scheme", b"http");
    if let Some(host) = r.header("host") {
        c.push(b":authority", host);
    }
    c.push(b":path", &r.target);
    for f in &r.headers {
        let name = f.name.to_ascii_lowercase();
        match &name[..] {
            b"host" | b"connection" | b"upgrade" | b"http2-settings" | b"keep-alive"
            | b"proxy-connection" | b"transfer-encoding" => {}
            b"te" if &f.value[..] != b"trailers" => {}
            _ => c.push(&name, &f.value),
        }
    }
    c.into_request(false)
}

/// Server: the HTTP/2 connection after the 101. Feed it the `leftover` bytes of
/// `Event::Switched` first; its first event is the upgraded request on stream 1.
///
/// # Errors
/// [`Error::Frame`] when the peer's settings are out of range.
pub fn server_after_upgrade(config: Config, accepted: H2cAccepted) -> Result<Connection, Error> {
    Connection::upgraded_server(config, &accepted.settings, accepted.head)
}

/// Client: the three fields to add to an HTTP/1.1 request that asks for h2c
/// (`Connection`, `Upgrade`, `HTTP2-Settings` carrying `config`'s SETTINGS). Pass the same
/// `config` to [`client_after_upgrade`].
pub fn h2c_request_headers(config: &Config) -> [(&'static str, String); 3] {
    let (list, n) = our_settings(Role::Client, config);
    let mut payload = [0u8; 48];
    let settings = Settings::List(&list[..n]);
    settings.emit(&mut payload);
    let encoded = base64url_encode(&payload[..settings.encoded_len()]);
    [
        ("Connection", String::from("Upgrade, HTTP2-Settings")),
        ("Upgrade", String::from("h2c")),
        ("HTTP2-Settings", encoded),
    ]
}

/// Client: the HTTP/2 connection after a 101 to an h2c upgrade request. Stream 1 carries the
/// response to that request (`head_request`: it was a HEAD, so no body follows). Feed it the
/// `leftover` bytes of `Event::Switched` first.
pub fn client_after_upgrade(config: Config, head_request: bool) -> Connection {
    Connection::upgraded_client(config, head_request)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..chunk.len() + 1 {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url without padding (RFC 4648 §5; trailing `=` tolerated).
fn base64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    let input = input.trim_ascii();
    let end = input.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let input = &input[..end];
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = ALPHABET.iter().position(|&a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{base64url_decode, base64url_encode};

    #[test]
    fn base64url_round_trips() {
        for len in 0..40u8 {
            let data: alloc::vec::Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
            let e = base64url_encode(&data);
            assert!(!e.contains('=') && !e.contains('+') && !e.contains('/'));
            assert_eq!(base64url_decode(e.as_bytes()).unwrap(), data);
        }
        // RFC 4648 §10 vectors, in the URL alphabet.
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_decode(b"Zm8=").unwrap(), b"fo");
        assert!(base64url_decode(b"Z").is_none());
        assert!(base64url_decode(b"Zm+v").is_none());
    }
}
