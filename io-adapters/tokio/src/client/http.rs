//! [`HttpClient`]: one HTTP/1.1 connection, keep-alive, streaming request and response bodies.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Event, Header, IncomingResponse};

use super::pump::{Pump, Stop};
use super::{ClientError, authority, connect};
use crate::transport::Transport;

/// An HTTP/1.1 client connection over TCP or TLS, on fasterapi-http1's [`ClientConnection`].
///
/// One request at a time, reusing the connection (keep-alive) while the server allows it:
/// [`send_request`](Self::send_request), the body with [`send_data`](Self::send_data) and
/// [`end_body`](Self::end_body) when the headers announce one, then
/// [`response`](Self::response) and [`data`](Self::data) until `None`. [`get`](Self::get) does
/// all of it for a body-less request.
///
/// ```no_run
/// # async fn run() -> Result<(), fasterapi_tokio::ClientError> {
/// use fasterapi_tokio::HttpClient;
/// use fasterapi_tokio::tls::{Trust, client_config, ALPN_HTTP1};
///
/// let tls = client_config(&Trust::WebpkiRoots, &[ALPN_HTTP1]).expect("ring provider");
/// let mut client = HttpClient::connect("example.com", 443, Some(&tls)).await?;
/// let (response, body) = client.get("/").await?;
/// println!("{} {} bytes", response.status, body.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HttpClient {
    pump: Pump<ClientConnection>,
    host: String,
}

fn stop(s: Stop<fasterapi_http1::ConnectionError>) -> ClientError {
    match s {
        Stop::Protocol(e) => ClientError::Http(e),
        Stop::Io(e) => ClientError::Io(e),
        Stop::PeerGone => ClientError::PeerGone,
    }
}

impl HttpClient {
    /// Connects to `host:port`; with `tls`, a TLS handshake for the server name `host`.
    ///
    /// # Errors
    /// The connection, the name, or the TLS handshake failed.
    pub async fn connect(
        host: &str,
        port: u16,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Self, ClientError> {
        let io = connect(host, port, tls).await?;
        Ok(Self::with_transport(
            io,
            &authority(host, port, tls.is_some()),
            ConnectionConfig::default(),
        ))
    }

    /// A client over a connected transport; `host` is the `Host` field value sent.
    pub fn with_transport(io: Transport, host: &str, config: ConnectionConfig) -> Self {
        Self {
            pump: Pump::new(ClientConnection::new(config), io),
            host: host.to_owned(),
        }
    }

    /// Whether another request can be sent on this connection (the last exchange is complete
    /// and neither side asked to close).
    pub fn is_reusable(&self) -> bool {
        self.pump.machine.is_ready()
    }

    /// The transport (ALPN, the peer address).
    pub fn transport(&self) -> &Transport {
        &self.pump.io
    }

    /// Sends a request head; `Host` is added unless `headers` has one. With `Content-Length`
    /// or `Transfer-Encoding: chunked` a body follows ([`send_data`](Self::send_data), then
    /// [`end_body`](Self::end_body)); with neither the request is complete.
    ///
    /// # Errors
    /// The machine refused the request (one is still in flight, a bad field), or writing failed.
    pub async fn send_request(
        &mut self,
        method: &[u8],
        target: &[u8],
        headers: &[Header<'_>],
    ) -> Result<(), ClientError> {
        let has_host = headers.iter().any(|h| h.name.eq_ignore_ascii_case(b"host"));
        let mut all = Vec::with_capacity(headers.len() + 1);
        if !has_host {
            all.push(Header {
                name: b"Host",
                value: self.host.as_bytes(),
            });
        }
        all.extend_from_slice(headers);
        self.pump.machine.send_request(method, target, &all)?;
        Ok(self.pump.flush().await?)
    }

    /// Sends a piece of the request body (no copy: the `Bytes` is written as it is).
    ///
    /// # Errors
    /// No body is being sent, past the Content-Length, or writing failed.
    pub async fn send_data(&mut self, chunk: Bytes) -> Result<(), ClientError> {
        self.pump.machine.send_data(chunk)?;
        Ok(self.pump.flush().await?)
    }

    /// Ends the request body.
    ///
    /// # Errors
    /// Fewer bytes than the Content-Length, or writing failed.
    pub async fn end_body(&mut self) -> Result<(), ClientError> {
        self.pump.machine.end_body()?;
        Ok(self.pump.flush().await?)
    }

    /// The final response head (informational 1xx responses are skipped).
    ///
    /// # Errors
    /// A malformed response, the server closing first, or a transport error.
    pub async fn response(&mut self) -> Result<IncomingResponse, ClientError> {
        loop {
            match self.pump.next_event().await.map_err(stop)? {
                Some(Event::Response(response)) => return Ok(response),
                Some(Event::Informational(_)) => {}
                Some(Event::Closed) | None => return Err(ClientError::PeerGone),
                Some(_) => return Err(ClientError::Unexpected("body before the response head")),
            }
        }
    }

    /// The next piece of the response body, as received (no copy); `None` at its end.
    ///
    /// # Errors
    /// A malformed body, the server closing mid-body, or a transport error.
    pub async fn data(&mut self) -> Result<Option<Bytes>, ClientError> {
        loop {
            match self.pump.next_event().await.map_err(stop)? {
                Some(Event::Data(data)) if data.is_empty() => {}
                Some(Event::Data(data)) => return Ok(Some(data)),
                Some(Event::EndOfMessage { .. }) => return Ok(None),
                Some(Event::Switched { .. }) => {
                    return Err(ClientError::Unexpected("a protocol switch"));
                }
                Some(_) => return Err(ClientError::Unexpected("a second response head")),
                None => return Err(ClientError::PeerGone),
            }
        }
    }

    /// `GET target`: the response head and the whole body.
    ///
    /// # Errors
    /// As [`send_request`](Self::send_request), [`response`](Self::response) and
    /// [`data`](Self::data).
    pub async fn get(&mut self, target: &str) -> Result<(IncomingResponse, Bytes), ClientError> {
        self.send_request(b"GET", target.as_bytes(), &[]).await?;
        let response = self.response().await?;
        let mut body = BytesMut::new();
        while let Some(chunk) = self.data().await? {
            body.extend_from_slice(&chunk);
        }
        Ok((response, body.freeze()))
    }

    /// Closes the connection cleanly: the machine closes, then the transport's sending side
    /// (with TLS, a `close_notify` first). Dropping the client instead just drops the socket,
    /// which a TLS server may count as a truncated connection.
    ///
    /// # Errors
    /// Writing the last bytes or the shutdown failed.
    pub async fn close(mut self) -> Result<(), ClientError> {
        let now = self.pump.now();
        fasterapi_core::Machine::close(&mut self.pump.machine, now);
        Ok(self.pump.shutdown().await?)
    }

    /// The machine and transport, e.g. after an `Upgrade` (the machine then reported
    /// `Event::Switched` through [`data`](Self::data)'s error).
    pub(crate) fn into_parts(self) -> (ClientConnection, Transport) {
        (self.pump.machine, self.pump.io)
    }

    /// The next raw event of the machine (for handshakes built on this client).
    pub(crate) async fn next_event(&mut self) -> Result<Option<Event>, ClientError> {
        self.pump.next_event().await.map_err(stop)
    }

    /// The machine, to queue an action.
    pub(crate) fn machine(&mut self) -> &mut ClientConnection {
        &mut self.pump.machine
    }

    /// Writes out what the machine queued.
    pub(crate) async fn flush(&mut self) -> Result<(), ClientError> {
        Ok(self.pump.flush().await?)
    }

    /// The `Host` value.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }
}
