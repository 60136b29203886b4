//! Handshakes over [`fasterapi_http1`]'s connection machines (feature `http1`).
//!
//! The HTTP/1.1 machine parses the request or response and, after a `101`, reports
//! `Event::Switched { leftover }`: the bytes it already read that belong to the WebSocket.
//! Feed them to the new [`Connection`](crate::Connection) with
//! [`handle_leftover`](crate::Connection::handle_leftover) before reading the transport again.
//!
//! ```text
//!  server: ServerConnection ──Event::Request──▶ accept_request() ──101──▶ Event::Switched
//!            { leftover } ──▶ Connection::server(accepted.config(..)).handle_leftover(leftover)
//!  client: send_request() ──▶ ClientConnection ──Event::Response──▶ verify_response()
//!            ──▶ Event::Switched { leftover } ──▶ Connection::client(..).handle_leftover(..)
//! ```

extern crate alloc;

use alloc::vec::Vec;

use fasterapi_http1::{
    ClientConnection, ConnectionError, Header, IncomingRequest, IncomingResponse, ServerConnection,
};

use crate::handshake::{
    Accepted, ClientAccepted, ClientHandshake, HandshakeError, ServerOptions, Sha1Provider,
    server_accept,
};

/// Why an HTTP/1.1 handshake helper failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpgradeError {
    /// The handshake was refused (the server side has queued the error response).
    Handshake(HandshakeError),
    /// The HTTP/1.1 machine refused the action.
    Http(ConnectionError),
}

impl core::fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Handshake(e) => write!(f, "WebSocket handshake refused: {e}"),
            Self::Http(e) => write!(f, "HTTP/1.1 machine refused: {e}"),
        }
    }
}

impl core::error::Error for UpgradeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Handshake(e) => Some(e),
            Self::Http(e) => Some(e),
        }
    }
}

impl From<ConnectionError> for UpgradeError {
    fn from(e: ConnectionError) -> Self {
        Self::Http(e)
    }
}

fn header<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name: name.as_bytes(),
        value: value.as_bytes(),
    }
}

/// Server side: checks `request` and answers it on `conn` — `101 Switching Protocols` when
/// accepted (the machine then reports `Event::Switched`), or `400`/`426` with an empty body.
///
/// # Errors
/// [`UpgradeError::Handshake`] after queueing the refusal; [`UpgradeError::Http`] when the
/// HTTP/1.1 machine is not waiting for a response.
pub fn accept_request(
    conn: &mut ServerConnection,
    request: &IncomingRequest,
    options: &ServerOptions,
    crypto: &impl Sha1Provider,
) -> Result<Accepted, UpgradeError> {
    let fields: Vec<(&[u8], &[u8])> = request
        .headers
        .iter()
        .map(|f| (&f.name[..], &f.value[..]))
        .collect();
    match server_accept(&request.method, &fields, options, crypto) {
        Ok(accepted) => {
            let headers: Vec<Header<'_>> = accepted
                .response_headers()
                .into_iter()
                .map(|(n, v)| header(n, v))
                .collect();
            conn.send_response(101, &headers)?;
            Ok(accepted)
        }
        Err(e) => {
            let status = e.status().unwrap_or(400);
            let mut headers = alloc::vec![header("Content-Length", "0")];
            if status == 426 {
                headers.push(header("Sec-WebSocket-Version", "13"));
            }
            conn.send_response(status, &headers)?;
            Err(UpgradeError::Handshake(e))
        }
    }
}

/// Client side: sends the handshake request `GET path` to `host` on `conn`.
///
/// # Errors
/// [`UpgradeError::Http`] when the HTTP/1.1 machine refuses the request.
pub fn send_request(
    conn: &mut ClientConnection,
    host: &str,
    path: &str,
    handshake: &ClientHandshake,
) -> Result<(), UpgradeError> {
    let mut headers = alloc::vec![header("Host", host)];
    headers.extend(
        handshake
            .request_headers()
            .into_iter()
            .map(|(n, v)| header(n, v)),
    );
    conn.send_request(b"GET", path.as_bytes(), &headers)?;
    Ok(())
}

/// Client side: checks the response head the HTTP/1.1 machine reported.
///
/// # Errors
/// [`HandshakeError`] for any answer that is not a valid acceptance: fail the connection.
pub fn verify_response(
    handshake: &ClientHandshake,
    response: &IncomingResponse,
    crypto: &impl Sha1Provider,
) -> Result<ClientAccepted, HandshakeError> {
    let fields: Vec<(&[u8], &[u8])> = response
        .headers
        .iter()
        .map(|f| (&f.name[..], &f.value[..]))
        .collect();
    handshake.verify(response.status, &fields, crypto)
}
