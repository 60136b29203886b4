//! `GET /ws`: the WebSocket handshake on the HTTP/1.1 machine, then an echo over the same
//! transport with permessage-deflate.

use core::future::Future;

use bytes::Bytes;
use fasterapi_core::Timestamp;
use fasterapi_http1::{IncomingRequest, ServerConnection};
use fasterapi_tokio::{DriverConfig, Handler, drive_stream};
use fasterapi_websocket::handshake::{Accepted, DefaultCrypto, ServerOptions};
use fasterapi_websocket::{CloseCode, Config, Connection, DeflateConfig, Event};
use tokio::io::{AsyncRead, AsyncWrite};

/// Largest message the echo accepts (after inflation); larger ones are closed with 1009.
const MAX_MESSAGE: u64 = 1 << 20;

/// Answers an upgrade request: 101 with the negotiated extension, or the refusal the
/// handshake helper queued (400 / 426). `Some` when the connection switches.
pub(crate) fn accept(conn: &mut ServerConnection, request: &IncomingRequest) -> Option<Accepted> {
    let options = ServerOptions::new().deflate(Some(DeflateConfig::new()));
    fasterapi_websocket::http1::accept_request(conn, request, &options, &DefaultCrypto).ok()
}

/// Echoes every message back, in the kind it came.
#[derive(Debug)]
pub(crate) struct Echo;

impl Handler<Connection> for Echo {
    fn on_event(&mut self, ws: &mut Connection, event: Event, _now: Timestamp) {
        // A refused send means the connection is closing or failed; the machine reports that.
        let _ = match event {
            Event::Text(text) => ws.send_text(&text),
            Event::Binary(data) => ws.send_binary_vec(data),
            Event::Ping(_) | Event::Pong(_) | Event::Close { .. } => Ok(()),
            _ => Ok(()),
        };
    }

    /// The server is stopping: RFC 6455 §7.4.1's 1001 "going away", not a normal 1000.
    fn on_shutdown(&mut self, ws: &mut Connection, now: Timestamp) {
        // Refused only when a close frame is already out; the close handshake is under way.
        let _ = ws.close_with(now, CloseCode::GOING_AWAY, "server shutting down");
    }
}

/// Drives the WebSocket machine over `io`, fed with the bytes the HTTP/1.1 machine had read
/// past the handshake first.
pub(crate) async fn run<IO, S>(
    io: IO,
    accepted: &Accepted,
    leftover: &Bytes,
    config: &DriverConfig,
    shutdown: S,
) -> bool
where
    IO: AsyncRead + AsyncWrite + Unpin,
    S: Future<Output = ()>,
{
    let Some(ws) = machine(accepted, leftover, Timestamp::ZERO) else {
        return false;
    };
    let config = config.clone().close_transport(true);
    drive_stream(ws, io, Echo, &config, shutdown).await.is_ok()
}

/// The WebSocket machine for an accepted handshake, fed with the bytes the HTTP/1.1 machine
/// had read past it (at `now`, on the clock the machine will run on); `None` when those bytes
/// already fail it. Shared by both runtimes.
pub(crate) fn machine(accepted: &Accepted, leftover: &Bytes, now: Timestamp) -> Option<Connection> {
    let mut base = Config::default();
    base.max_message_size = MAX_MESSAGE;
    let mut ws = Connection::server(accepted.config(base));
    if !leftover.is_empty() && ws.handle_leftover(now, leftover).is_err() {
        return None;
    }
    Some(ws)
}
