//! `fasterapi serve --runtime mio`: the same application ([`App`], the HTTP/1.1 and HTTP/2
//! machines of [`Conn`], the WebSocket [`Echo`](ws::Echo)) driven by `fasterapi-mio` instead
//! of tokio: one reactor thread per worker, each with its own `SO_REUSEPORT` listener on the
//! port, in cleartext or TLS.
//!
//! In cleartext a connection starts as a [`Sniff`] session that reads the first bytes (at
//! most the 24 of the HTTP/2 client preface, RFC 9113 §3.4) and hands the socket off;
//! [`choose`] then continues on the same reactor with the HTTP/2 machine when they are the
//! preface (prior knowledge) and the HTTP/1.1 machine otherwise, fed first with the sniffed
//! bytes. With `--tls` a connection starts as a TLS handshake ([`TlsStream::handshake`]) and
//! [`choose_tls`] continues on the same TLS session with the machine ALPN chose (`h2` or
//! HTTP/1.1). After a WebSocket handshake or an `Upgrade: h2c` (cleartext only) the HTTP/1.1
//! machine hands the socket off and [`after_http1`] continues with the WebSocket echo or
//! HTTP/2, fed first with the bytes read past the handshake. Signals are awaited on the main
//! thread (a small tokio runtime, as on the tokio path); shutdown calls every handler's
//! `on_shutdown`: the HTTP/1.1 machine's close, GOAWAY for HTTP/2, 1001 for WebSockets.

use core::convert::Infallible;
use core::net::SocketAddr;
use core::sync::atomic::Ordering;
use core::time::Duration;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use fasterapi_core::{Handler, Machine, StreamMachine, Timestamp};
use fasterapi_http2::PREFACE;
use fasterapi_http2::upgrade::server_after_upgrade;
use fasterapi_mio::tls::{
    Handshake, NoEvents as TlsNoEvents, ServerConfig, ServerConnection, TlsHandler, TlsStream,
};
use fasterapi_mio::{Continue, DriverConfig, End, Finished, Session, serve};

use super::app::App;
use super::conn::{Conn, ConnHandler};
use super::h2::{self, H2};
use super::{
    ALPN_H2, Fatal, MAX_CONNECTIONS, SHUTDOWN_GRACE, announce, exit, listen_failed, runtime,
    signals, ws,
};

/// How long a new connection may take to send the bytes that choose its protocol.
const SNIFF_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves on `workers` mio reactors until SIGINT or SIGTERM, then shuts down gracefully.
pub(super) fn start(
    addr: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    workers: usize,
) -> Result<ExitCode, Fatal> {
    let main = runtime()?;
    let signal = signals(&main)?;
    // The application's `GET /` names the URL, known once the port is bound: connections
    // accepted before it is set (only in the instant between the bind and the next line)
    // wait for it.
    let app: Arc<OnceLock<Arc<App>>> = Arc::new(OnceLock::new());
    let shared = Arc::clone(&app);
    let config = DriverConfig::default()
        .shutdown_grace(SHUTDOWN_GRACE)
        .workers(workers)
        .max_connections(MAX_CONNECTIONS.div_ceil(workers));
    let (scheme, security) = if tls.is_some() {
        ("https", "TLS, ALPN h2 and http/1.1")
    } else {
        ("http", "cleartext, h2c by prior knowledge or Upgrade")
    };
    let server = serve(addr, config, move |_peer| match &tls {
        Some(tls) => tls_session(shared.wait(), tls),
        None => session(shared.wait()),
    })
    .map_err(|e| listen_failed(addr, &e))?;
    let base_url = format!("{scheme}://{}", server.local_addr());
    let app = app.get_or_init(|| announce(&base_url, security, "mio", workers));
    main.block_on(signal);
    // Open event streams end at their next tick; every connection gets `on_shutdown`.
    app.stopping.store(true, Ordering::Relaxed);
    server.shutdown();
    match server.join() {
        Ok(_stats) => {
            println!("fasterapi serve: stopped");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err((format!("serving connections: {e}"), exit::OS)),
    }
}

/// A new connection: sniffing its first bytes, then [`choose`].
fn session(app: &Arc<App>) -> Session {
    let app = Arc::clone(app);
    Session::with_finish(Sniff::default(), NoEvents, move |finished| {
        choose(finished, &app)
    })
}

/// A new TLS connection: its handshake, then [`choose_tls`].
fn tls_session(app: &Arc<App>, config: &Arc<ServerConfig>) -> Session {
    let Ok(tls) = ServerConnection::new(Arc::clone(config)) else {
        // rustls refused the configuration for this connection: let it go at once.
        return Session::new(Sniff::closed(), NoEvents);
    };
    let app = Arc::clone(app);
    Session::with_finish(
        TlsStream::handshake(tls),
        TlsHandler(TlsNoEvents),
        move |finished| choose_tls(finished, &app),
    )
}

/// After the TLS handshake: the machine ALPN chose (RFC 7301), on the same TLS session.
fn choose_tls(
    finished: Finished<TlsStream<Handshake>, TlsHandler<TlsNoEvents>>,
    app: &Arc<App>,
) -> Continue {
    let Finished {
        machine,
        stream,
        result,
        ..
    } = finished;
    if result.ok()? != End::HandedOff {
        return None;
    }
    let (conn, handler) = if machine.alpn() == Some(ALPN_H2) {
        Conn::http2(app)
    } else {
        Conn::http1(app, true)
    };
    let (tls, Handshake) = machine.continue_with(conn);
    let session = Session::with_finish(
        tls,
        TlsHandler(handler),
        move |finished: Finished<TlsStream<Conn>, TlsHandler<ConnHandler>>| {
            let Finished {
                machine,
                handler,
                stream,
                result,
                now,
                ..
            } = finished;
            if result.ok()? != End::HandedOff {
                return None;
            }
            let session = match next_after_http1(handler.0, now)? {
                Next::WebSocket(ws) => {
                    Session::new(machine.continue_with(ws).0, TlsHandler(ws::Echo))
                }
                // h2c is for cleartext (RFC 9113 §3.1): over TLS the protocol is ALPN's.
                Next::Http2(_) => return None,
            };
            Some((stream, session))
        },
    );
    Some((stream, session))
}

/// After [`Sniff`] handed the socket off: HTTP/2 when the client began with the preface,
/// HTTP/1.1 otherwise, fed first with the sniffed bytes. A client that left or went silent is
/// let go (the socket is dropped, closing it); one whose first bytes the chosen machine refuses
/// gets the machine's answer (HTTP/1.1: 400) first.
fn choose(finished: Finished<Sniff, NoEvents>, app: &Arc<App>) -> Continue {
    let Finished {
        machine,
        stream,
        result,
        now,
        ..
    } = finished;
    if result.ok()? != End::HandedOff {
        return None;
    }
    let (mut conn, handler) = if machine.is_preface() {
        Conn::http2(app)
    } else {
        Conn::http1(app, false)
    };
    feed(&mut conn, now, machine.seen())?;
    let app = Arc::clone(app);
    let session = Session::with_finish(conn, handler, move |finished| after_http1(finished, app));
    Some((stream, session))
}

/// Gives `machine` all of `bytes`; `None` when it has no room (the preface and the start of a
/// request always fit a fresh machine's buffer). A machine that refuses them keeps its error
/// and has queued the protocol's answer to it (a 400, a GOAWAY), which the session sends
/// before closing, as it would for bad bytes arriving later.
fn feed<M: StreamMachine>(machine: &mut M, now: Timestamp, bytes: &[u8]) -> Option<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        match machine.handle_input(now, rest) {
            Ok(0) => return None,
            Ok(n) => rest = &rest[n..],
            Err(_) => return Some(()),
        }
    }
    Some(())
}

/// After the HTTP/1.1 machine handed the socket off: the WebSocket echo after a WebSocket
/// handshake, HTTP/2 after an `Upgrade: h2c` (RFC 9113 §3.2 via RFC 7540's upgrade), on the
/// same socket and reactor; anything else ends the connection.
fn after_http1(finished: Finished<Conn, ConnHandler>, app: Arc<App>) -> Continue {
    let Finished {
        handler,
        stream,
        result,
        now,
        ..
    } = finished;
    if result.ok()? != End::HandedOff {
        return None;
    }
    let session = match next_after_http1(handler, now)? {
        Next::WebSocket(ws) => Session::new(ws, ws::Echo),
        Next::Http2(conn) => Session::new(*conn, H2::new(app)),
    };
    Some((stream, session))
}

/// The machine after the HTTP/1.1 machine's hand-off.
#[allow(
    clippy::large_enum_variant,
    reason = "made once per upgrade and moved into its session at once"
)]
enum Next {
    WebSocket(fasterapi_websocket::Connection),
    Http2(Box<fasterapi_http2::Connection>),
}

/// The WebSocket after a WebSocket handshake, HTTP/2 after an `Upgrade: h2c`, each fed
/// first with the bytes read past the handshake; `None` for anything else.
fn next_after_http1(handler: ConnHandler, now: Timestamp) -> Option<Next> {
    let ConnHandler::H1(mut handler) = handler else {
        return None;
    };
    let leftover = handler.leftover.take().unwrap_or_default();
    if let Some(accepted) = handler.upgrade.take() {
        return ws::machine(&accepted, &leftover, now).map(Next::WebSocket);
    }
    let accepted = handler.h2c.take()?;
    let mut conn = server_after_upgrade(h2::config(), accepted).ok()?;
    feed(&mut conn, now, &leftover)?;
    Some(Next::Http2(Box::new(conn)))
}

/// The first bytes of a connection, read until they are the HTTP/2 client preface or cannot
/// be; then the machine hands the socket off for [`choose`]. It writes nothing.
#[derive(Debug, Default)]
struct Sniff {
    seen: [u8; PREFACE.len()],
    len: usize,
    /// Set at the first turn: when a silent client is let go.
    deadline: Option<Timestamp>,
    decided: bool,
    closed: bool,
}

impl Sniff {
    /// A connection to let go at once.
    fn closed() -> Self {
        Self {
            closed: true,
            ..Self::default()
        }
    }

    fn seen(&self) -> &[u8] {
        &self.seen[..self.len]
    }

    fn is_preface(&self) -> bool {
        self.seen() == PREFACE
    }
}

impl Machine for Sniff {
    type Event = Infallible;
    type Error = Infallible;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Infallible> {
        match self.deadline {
            None => self.deadline = Some(now + SNIFF_TIMEOUT),
            Some(d) if d <= now && !self.decided => self.closed = true,
            Some(_) => {}
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        // Before the first turn the reactor's clock is unknown here: ask for a call at once.
        if self.closed || self.decided {
            return None;
        }
        Some(self.deadline.unwrap_or(Timestamp::ZERO))
    }

    fn poll_event(&mut self) -> Option<Infallible> {
        None
    }

    fn close(&mut self, _now: Timestamp) {
        self.closed = true;
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn poll_error(&mut self) -> Option<Infallible> {
        None
    }
}

impl StreamMachine for Sniff {
    type Payload = &'static [u8];

    fn input_buffer(&mut self) -> &mut [u8] {
        if self.decided || self.closed {
            return &mut [];
        }
        &mut self.seen[self.len..]
    }

    fn commit_input(&mut self, _now: Timestamp, n: usize) -> Result<(), Infallible> {
        self.len += n;
        // Decided once the bytes are the whole preface or stop being a prefix of it.
        self.decided = self.len == PREFACE.len() || !PREFACE.starts_with(self.seen());
        Ok(())
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Infallible> {
        self.closed = true;
        Ok(())
    }

    fn is_handed_off(&self) -> bool {
        self.decided
    }

    fn poll_transmit(&mut self, _now: Timestamp, _buf: &mut [u8]) -> usize {
        0
    }
}

/// [`Sniff`]'s handler: it has no events.
#[derive(Debug)]
struct NoEvents;

impl Handler<Sniff> for NoEvents {
    fn on_event(&mut self, _sniff: &mut Sniff, event: Infallible, _now: Timestamp) {
        match event {}
    }
}
