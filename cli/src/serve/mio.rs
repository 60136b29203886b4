//! `fasterapi serve --runtime mio`: the same application ([`App`], [`Http`], the WebSocket
//! [`Echo`](ws::Echo)) driven by `fasterapi-mio` instead of tokio: one reactor thread per
//! worker, each with its own `SO_REUSEPORT` listener on the port. HTTP/1.1 in cleartext only
//! (`--tls` needs tokio: `run` refuses the combination).
//!
//! A connection is an HTTP/1.1 [`Session`]; after a WebSocket handshake the machine hands
//! the socket off and [`continue_as_websocket`] returns the WebSocket session that drives it
//! on the same reactor, fed first with the bytes read past the handshake. Signals are
//! awaited on the main thread (a small tokio runtime, as on the tokio path); shutdown calls
//! every handler's `on_shutdown`: the HTTP/1.1 machine's close, 1001 for WebSockets.

use core::net::SocketAddr;
use core::sync::atomic::Ordering;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use fasterapi_http1::{ConnectionConfig, ServerConnection};
use fasterapi_mio::{Continue, DriverConfig, End, Finished, Session, serve};

use super::app::{App, Http};
use super::{
    Fatal, MAX_CONNECTIONS, SHUTDOWN_GRACE, announce, exit, listen_failed, runtime, signals, ws,
};

/// Serves on `workers` mio reactors until SIGINT or SIGTERM, then shuts down gracefully.
pub(super) fn start(addr: SocketAddr, workers: usize) -> Result<ExitCode, Fatal> {
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
    let server = serve(addr, config, move |_peer| session(shared.wait()))
        .map_err(|e| listen_failed(addr, &e))?;
    let base_url = format!("http://{}", server.local_addr());
    let app = app.get_or_init(|| announce(&base_url, "cleartext", "mio", workers));
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

/// A new connection: the HTTP/1.1 machine and the application's handler, continued as a
/// WebSocket after an upgrade.
fn session(app: &Arc<App>) -> Session {
    Session::with_finish(
        ServerConnection::new(ConnectionConfig::default()),
        Http::new(Arc::clone(app)),
        continue_as_websocket,
    )
}

/// After the HTTP/1.1 machine handed the socket off for a WebSocket handshake it accepted,
/// the WebSocket echo on the same socket and reactor; anything else ends the connection (the
/// socket is dropped, closing it).
fn continue_as_websocket(finished: Finished<ServerConnection, Http>) -> Continue {
    let Finished {
        mut handler,
        stream,
        result,
        now,
        ..
    } = finished;
    if result.ok()? != End::HandedOff {
        return None;
    }
    let accepted = handler.upgrade.take()?;
    let leftover = handler.leftover.take().unwrap_or_default();
    let machine = ws::machine(&accepted, &leftover, now)?;
    Some((stream, Session::new(machine, ws::Echo)))
}
