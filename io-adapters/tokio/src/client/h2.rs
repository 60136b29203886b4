//! [`H2Client`]: one HTTP/2 connection, many requests on it at once.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use fasterapi_http2::{Config, Connection, Event, Headers, OutgoingRequest, StreamId};

use super::pump::{Pump, Stop};
use super::{ClientError, authority, connect};
use crate::tls::ALPN_H2;
use crate::transport::Transport;

/// Largest response body an [`H2Client`] collects per stream (default 16 MiB); a larger one
/// resets the stream and fails with [`ClientError::BodyTooLarge`].
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

/// A whole HTTP/2 response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct H2Response {
    /// `:status`.
    pub status: u16,
    /// The response fields.
    pub headers: Headers,
    /// The body.
    pub body: Bytes,
    /// Trailer fields, when the server sent some.
    pub trailers: Option<Headers>,
}

/// What has arrived on one stream so far.
#[derive(Debug, Default)]
struct Partial {
    head: Option<(u16, Headers)>,
    trailers: Option<Headers>,
    body: BytesMut,
    done: bool,
    reset: Option<fasterapi_http2::ErrorCode>,
}

/// An HTTP/2 client connection over TCP (prior knowledge, RFC 9113 §3.3) or TLS (ALPN `h2`),
/// on fasterapi-http2's [`Connection`].
///
/// Requests are multiplexed: [`send`](Self::send) opens a stream and returns its id at once;
/// [`response`](Self::response) drives the connection until that stream's response is
/// complete, keeping what arrives for the other streams meanwhile. [`get`](Self::get) is one
/// of each.
///
/// ```no_run
/// # async fn run() -> Result<(), fasterapi_tokio::ClientError> {
/// use fasterapi_tokio::H2Client;
///
/// let mut client = H2Client::connect("127.0.0.1", 8080, None).await?;
/// let a = client.send(b"GET", "/users/1", &[], None).await?;
/// let b = client.send(b"POST", "/echo", &[], Some("hi".into())).await?;
/// let (b, a) = (client.response(b).await?, client.response(a).await?);
/// assert_eq!((a.status, &b.body[..]), (200, &b"hi"[..]));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct H2Client {
    pump: Pump<Connection>,
    authority: String,
    scheme: &'static [u8],
    streams: HashMap<StreamId, Partial>,
    max_body: usize,
}

fn stop(s: Stop<fasterapi_http2::Error>) -> ClientError {
    match s {
        Stop::Protocol(e) => ClientError::Http2(e),
        Stop::Io(e) => ClientError::Io(e),
        Stop::PeerGone => ClientError::PeerGone,
    }
}

impl H2Client {
    /// Connects to `host:port`: with `tls` a TLS handshake for the server name `host` whose
    /// ALPN must pick `h2` (offer it in the config: `client_config(.., &[ALPN_H2])`), without
    /// it HTTP/2 with prior knowledge.
    ///
    /// # Errors
    /// The connection, the name or the TLS handshake failed, or ALPN did not pick `h2`
    /// ([`ClientError::Unexpected`]).
    pub async fn connect(
        host: &str,
        port: u16,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Self, ClientError> {
        let io = connect(host, port, tls).await?;
        if tls.is_some() && io.alpn_protocol() != Some(ALPN_H2) {
            return Err(ClientError::Unexpected(
                "the server did not choose h2 with ALPN",
            ));
        }
        Ok(Self::with_transport(
            io,
            &authority(host, port, tls.is_some()),
            Config::default(),
        ))
    }

    /// A client over a connected transport (the connection preface is sent with the first
    /// request); `authority` is the `:authority` sent.
    pub fn with_transport(io: Transport, authority: &str, config: Config) -> Self {
        let scheme: &[u8] = match io {
            Transport::Tcp(_) => b"http",
            _ => b"https",
        };
        Self {
            pump: Pump::new(Connection::client(config), io),
            authority: authority.to_owned(),
            scheme,
            streams: HashMap::new(),
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Sets the largest response body collected per stream (default [`DEFAULT_MAX_BODY`]).
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The transport (ALPN, the peer address).
    pub fn transport(&self) -> &Transport {
        &self.pump.io
    }

    /// Opens a stream with a request (`headers` lowercase, no pseudo-headers) and, if given,
    /// its whole body; returns the stream id for [`response`](Self::response). The body is
    /// sent within the server's flow-control windows as they open.
    ///
    /// # Errors
    /// The machine refused (the server's stream limit is reached, a GOAWAY came, a bad
    /// field), or writing failed.
    pub async fn send(
        &mut self,
        method: &[u8],
        path: &str,
        headers: &[(&[u8], &[u8])],
        body: Option<Bytes>,
    ) -> Result<StreamId, ClientError> {
        let mut req = OutgoingRequest::new(
            method,
            self.scheme,
            self.authority.as_bytes(),
            path.as_bytes(),
        );
        req.headers = headers;
        let id = self
            .pump
            .machine
            .send_request(&req, body.is_none())
            .map_err(ClientError::Http2)?;
        if let Some(body) = body {
            self.pump
                .machine
                .send_data(id, body, true)
                .map_err(ClientError::Http2)?;
        }
        self.streams.insert(id, Partial::default());
        self.pump.flush().await?;
        Ok(id)
    }

    /// The whole response of stream `id`, driving the connection until it is complete (other
    /// streams' events are kept for their own call).
    ///
    /// # Errors
    /// The stream was reset ([`ClientError::StreamReset`]), its body passed the limit, the
    /// connection failed or closed first; `id` not a stream of [`send`](Self::send)
    /// ([`ClientError::Unexpected`]).
    pub async fn response(&mut self, id: StreamId) -> Result<H2Response, ClientError> {
        loop {
            let Some(partial) = self.streams.get(&id) else {
                return Err(ClientError::Unexpected("no request on this stream"));
            };
            if let Some(code) = partial.reset {
                self.streams.remove(&id);
                return Err(ClientError::StreamReset(code));
            }
            if partial.done {
                let partial = self.streams.remove(&id).unwrap_or_default();
                let Some((status, headers)) = partial.head else {
                    return Err(ClientError::Unexpected("no response head"));
                };
                return Ok(H2Response {
                    status,
                    headers,
                    body: partial.body.freeze(),
                    trailers: partial.trailers,
                });
            }
            let Some(event) = self.pump.next_event().await.map_err(stop)? else {
                return Err(ClientError::PeerGone);
            };
            self.on_event(event)?;
        }
    }

    /// `GET path`: one request, its whole response.
    ///
    /// # Errors
    /// As [`send`](Self::send) and [`response`](Self::response).
    pub async fn get(&mut self, path: &str) -> Result<H2Response, ClientError> {
        let id = self.send(b"GET", path, &[], None).await?;
        self.response(id).await
    }

    /// Sends GOAWAY and waits for the connection to finish (the streams still open may
    /// complete first; their responses are dropped).
    ///
    /// # Errors
    /// The connection failed meanwhile.
    pub async fn close(mut self) -> Result<(), ClientError> {
        let now = self.pump.now();
        fasterapi_core::Machine::close(&mut self.pump.machine, now);
        while self.pump.next_event().await.map_err(stop)?.is_some() {}
        Ok(())
    }

    fn on_event(&mut self, event: Event) -> Result<(), ClientError> {
        match event {
            Event::Response {
                stream_id,
                head,
                end_stream,
            } => {
                if let Some(p) = self.streams.get_mut(&stream_id) {
                    p.head = Some((head.status, head.headers));
                    p.done = end_stream;
                }
            }
            Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                let max = self.max_body;
                if let Some(p) = self.streams.get_mut(&stream_id) {
                    if p.body.len() + data.len() > max {
                        self.streams.remove(&stream_id);
                        let _ = self
                            .pump
                            .machine
                            .reset(stream_id, fasterapi_http2::ErrorCode::CANCEL);
                        return Err(ClientError::BodyTooLarge);
                    }
                    p.body.extend_from_slice(&data);
                    p.done = end_stream;
                }
            }
            Event::Trailers {
                stream_id,
                trailers,
            } => {
                if let Some(p) = self.streams.get_mut(&stream_id) {
                    p.trailers = Some(trailers);
                    p.done = true;
                }
            }
            Event::StreamReset {
                stream_id, code, ..
            } => {
                if let Some(p) = self.streams.get_mut(&stream_id) {
                    p.reset = Some(code);
                }
            }
            // 1xx heads, settings, pings, priorities, GOAWAY (refused streams come as resets).
            _ => {}
        }
        Ok(())
    }
}
