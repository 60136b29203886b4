//! [`WebSocketClient`]: the HTTP/1.1 handshake on [`HttpClient`], then fasterapi-websocket's
//! client machine over the same transport.

use std::sync::Arc;

use fasterapi_http1::Event as HttpEvent;
use fasterapi_websocket::handshake::{
    ClientAccepted, ClientHandshake, ClientOptions, DefaultCrypto,
};
use fasterapi_websocket::{CloseCode, Config, Connection, Event};
use ring::rand::{SecureRandom, SystemRandom};

use super::pump::{Pump, Stop};
use super::{ClientError, HttpClient};

/// A WebSocket client connection (RFC 6455) over TCP or TLS (`ws://`, `wss://`), with
/// permessage-deflate when the options offer it and the server accepts.
///
/// ```no_run
/// # async fn run() -> Result<(), fasterapi_tokio::ClientError> {
/// use fasterapi_tokio::WebSocketClient;
/// use fasterapi_websocket::handshake::ClientOptions;
/// use fasterapi_websocket::{CloseCode, Event};
///
/// let mut ws = WebSocketClient::connect("127.0.0.1", 8080, "/ws", None, ClientOptions::new()).await?;
/// ws.send_text("hello").await?;
/// if let Some(Event::Text(echo)) = ws.recv().await? {
///     println!("{echo}");
/// }
/// ws.close(CloseCode::NORMAL, "bye").await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WebSocketClient {
    pump: Pump<Connection>,
    accepted: ClientAccepted,
}

fn stop(s: Stop<fasterapi_websocket::Error>) -> ClientError {
    match s {
        Stop::Protocol(e) => ClientError::WebSocket(e),
        Stop::Io(e) => ClientError::Io(e),
        Stop::PeerGone => ClientError::PeerGone,
    }
}

/// Random bytes from the operating system (ring's `SystemRandom`).
fn random(buf: &mut [u8]) {
    // The OS random source failing is not recoverable and not caused by the peer.
    SystemRandom::new()
        .fill(buf)
        .expect("the operating system's random source works");
}

impl WebSocketClient {
    /// Connects to `host:port` (TLS with `tls`), sends the handshake for `path` with
    /// `options`, checks the server's answer and switches to the WebSocket machine.
    ///
    /// # Errors
    /// The connection, the TLS handshake, a refused WebSocket handshake
    /// ([`ClientError::Handshake`]), or the server closing first.
    pub async fn connect(
        host: &str,
        port: u16,
        path: &str,
        tls: Option<&Arc<rustls::ClientConfig>>,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let http = HttpClient::connect(host, port, tls).await?;
        Self::handshake(http, path, options, Config::default()).await
    }

    /// The handshake on a connected [`HttpClient`], then the WebSocket machine with `base`
    /// (limits) and the negotiated extension.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn handshake(
        mut http: HttpClient,
        path: &str,
        options: ClientOptions,
        base: Config,
    ) -> Result<Self, ClientError> {
        let mut nonce = [0u8; 16];
        random(&mut nonce);
        let handshake = ClientHandshake::new(options, nonce);
        let host = http.host().to_owned();
        fasterapi_websocket::http1::send_request(http.machine(), &host, path, &handshake).map_err(
            |e| match e {
                fasterapi_websocket::http1::UpgradeError::Http(e) => ClientError::Http(e),
                fasterapi_websocket::http1::UpgradeError::Handshake(e) => ClientError::Handshake(e),
                _ => ClientError::Unexpected("the handshake request"),
            },
        )?;
        http.flush().await?;
        let mut accepted = None;
        let leftover = loop {
            match http.next_event().await? {
                Some(HttpEvent::Response(response)) => {
                    let ok = fasterapi_websocket::http1::verify_response(
                        &handshake,
                        &response,
                        &DefaultCrypto,
                    )
                    .map_err(ClientError::Handshake)?;
                    accepted = Some(ok);
                }
                Some(HttpEvent::Informational(_)) => {}
                Some(HttpEvent::Switched { leftover }) => break leftover,
                Some(_) => return Err(ClientError::Unexpected("a body instead of a switch")),
                None => return Err(ClientError::PeerGone),
            }
        };
        let accepted = accepted.ok_or(ClientError::Unexpected("a switch without a response"))?;
        let (_, io) = http.into_parts();
        let mut pump = Pump::new(Connection::client(accepted.config(base), random), io);
        if !leftover.is_empty() {
            // Frames the server sent right behind its 101.
            let now = pump.now();
            pump.machine.handle_leftover(now, &leftover)?;
        }
        Ok(Self { pump, accepted })
    }

    /// What the handshake negotiated (subprotocol, permessage-deflate parameters).
    pub fn accepted(&self) -> &ClientAccepted {
        &self.accepted
    }

    /// Sends a text message.
    ///
    /// # Errors
    /// The connection is closing, or writing failed.
    pub async fn send_text(&mut self, text: &str) -> Result<(), ClientError> {
        self.pump.machine.send_text(text)?;
        Ok(self.pump.flush().await?)
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// The connection is closing, or writing failed.
    pub async fn send_binary(&mut self, data: Vec<u8>) -> Result<(), ClientError> {
        self.pump.machine.send_binary_vec(data)?;
        Ok(self.pump.flush().await?)
    }

    /// The next event (pongs to pings are sent by the machine); `None` once the connection
    /// has closed (the server's close frame was reported as [`Event::Close`] before).
    ///
    /// # Errors
    /// A protocol violation by the server (answered with its close frame), or the transport.
    pub async fn recv(&mut self) -> Result<Option<Event>, ClientError> {
        self.pump.next_event().await.map_err(stop)
    }

    /// The closing handshake with `code` and `reason`: sends the close frame, then reads
    /// until the server's close frame and the end of the connection; returns the server's code.
    ///
    /// # Errors
    /// An invalid code, or the connection failing before the handshake completed.
    pub async fn close(
        &mut self,
        code: CloseCode,
        reason: &str,
    ) -> Result<Option<CloseCode>, ClientError> {
        let now = self.pump.now();
        self.pump.machine.close_with(now, code, reason)?;
        let mut theirs = None;
        while let Some(event) = self.recv().await? {
            if let Event::Close { code, .. } = event {
                theirs = code;
            }
        }
        Ok(theirs)
    }
}
