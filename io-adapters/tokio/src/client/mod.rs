//! Thin clients: [`HttpClient`] (HTTP/1.1, feature `http1`), `H2Client` (HTTP/2 with
//! multiplexed requests, feature `http2`) and [`WebSocketClient`] (feature `websocket`), over TCP or TLS, each a protocol machine driven by a pull loop: the caller
//! asks for the next event and the loop writes, reads and fires timers until there is one.

#[cfg(feature = "http2")]
mod h2;
mod http;
mod pump;
#[cfg(feature = "websocket")]
mod websocket;

use core::fmt;
use std::io;
use std::sync::Arc;

use rustls_pki_types::ServerName;
use tokio::net::TcpStream;

use crate::tls::TlsConnector;
use crate::transport::Transport;

#[cfg(feature = "http2")]
pub use h2::{DEFAULT_MAX_BODY, H2Client, H2Response};
pub use http::HttpClient;
#[cfg(feature = "websocket")]
pub use websocket::WebSocketClient;

/// Why a client operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting, the TLS handshake, or the transport failed.
    Io(io::Error),
    /// The host is not a valid TLS server name (DNS name or IP address).
    InvalidServerName(String),
    /// The HTTP/1.1 machine refused an action or the server's bytes.
    Http(fasterapi_http1::ConnectionError),
    /// The WebSocket machine refused an action or the server's frames.
    #[cfg(feature = "websocket")]
    WebSocket(fasterapi_websocket::Error),
    /// The server did not accept the WebSocket handshake (its status or headers were wrong).
    #[cfg(feature = "websocket")]
    Handshake(fasterapi_websocket::handshake::HandshakeError),
    /// The HTTP/2 machine refused an action or the server's frames.
    #[cfg(feature = "http2")]
    Http2(fasterapi_http2::Error),
    /// The server reset the stream (or refused it with GOAWAY).
    #[cfg(feature = "http2")]
    StreamReset(fasterapi_http2::ErrorCode),
    /// A response body passed the client's limit; the stream was reset.
    BodyTooLarge,
    /// The server closed the connection while an answer was expected.
    PeerGone,
    /// The server answered something the call does not expect (a body event before the
    /// response head, a protocol switch on a plain request).
    Unexpected(&'static str),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transport error: {e}"),
            Self::InvalidServerName(name) => write!(f, "{name:?} is not a valid TLS server name"),
            Self::Http(e) => write!(f, "HTTP/1.1: {e}"),
            #[cfg(feature = "websocket")]
            Self::WebSocket(e) => write!(f, "WebSocket: {e}"),
            #[cfg(feature = "websocket")]
            Self::Handshake(e) => write!(f, "WebSocket handshake refused: {e}"),
            #[cfg(feature = "http2")]
            Self::Http2(e) => write!(f, "HTTP/2: {e}"),
            #[cfg(feature = "http2")]
            Self::StreamReset(code) => write!(f, "the server reset the stream: {code:?}"),
            Self::BodyTooLarge => f.write_str("the response body is larger than the limit"),
            Self::PeerGone => f.write_str("the server closed the connection"),
            Self::Unexpected(what) => write!(f, "unexpected answer: {what}"),
        }
    }
}

impl core::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Http(e) => Some(e),
            #[cfg(feature = "http2")]
            Self::Http2(e) => Some(e),
            #[cfg(feature = "websocket")]
            Self::WebSocket(e) => Some(e),
            #[cfg(feature = "websocket")]
            Self::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<fasterapi_http1::ConnectionError> for ClientError {
    fn from(e: fasterapi_http1::ConnectionError) -> Self {
        Self::Http(e)
    }
}

#[cfg(feature = "websocket")]
impl From<fasterapi_websocket::Error> for ClientError {
    fn from(e: fasterapi_websocket::Error) -> Self {
        Self::WebSocket(e)
    }
}

/// Connects to `host:port`, then TLS with `tls` (the server name is `host`).
async fn connect(
    host: &str,
    port: u16,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<Transport, ClientError> {
    let tcp = TcpStream::connect((host, port)).await?;
    let _ = tcp.set_nodelay(true);
    let Some(config) = tls else {
        return Ok(Transport::Tcp(tcp));
    };
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| ClientError::InvalidServerName(host.to_owned()))?;
    let stream = TlsConnector::from(Arc::clone(config))
        .connect(name, tcp)
        .await?;
    Ok(Transport::Tls(Box::new(stream.into())))
}

/// `host` or `host:port` as a `Host` field value (IPv6 literals in brackets).
fn authority(host: &str, port: u16, tls: bool) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let default = if tls { 443 } else { 80 };
    if port == default {
        host
    } else {
        format!("{host}:{port}")
    }
}
