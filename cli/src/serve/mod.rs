//! `fasterapi serve`: the demo server. HTTP/1.1 over TCP on tokio, routed by
//! `fasterapi-router`: a JSON hello, a path parameter, a streaming echo, an SSE ticker, a
//! WebSocket echo with permessage-deflate, and a page using both from a browser.
//!
//! Each connection is an HTTP/1.1 machine driven by `fasterapi_tokio::drive_stream`; after a
//! WebSocket handshake the driver hands the open transport back and a WebSocket machine is
//! driven over it, fed first with the bytes read past the handshake.

mod app;
mod page;
mod routes;
mod sse;
mod ws;

use core::net::SocketAddr;
use core::sync::atomic::Ordering;
use core::time::Duration;
use std::io;
use std::process::ExitCode;
use std::sync::Arc;

use fasterapi_http1::{ConnectionConfig, ServerConnection};
use fasterapi_tokio::{DriverConfig, drive_stream};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use app::{App, Http};

/// Exit codes of `serve`, stable (see docs/cli.md).
pub(crate) mod exit {
    /// The address is already in use (sysexits EX_UNAVAILABLE).
    pub(crate) const ADDR_IN_USE: u8 = 69;
    /// Any other failure to listen or run: permission, bad address (sysexits EX_OSERR).
    pub(crate) const OS: u8 = 71;
}

/// The runtime driving the connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Runtime {
    /// tokio, multi-threaded.
    Tokio,
}

/// Options of `fasterapi serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on; port 0 picks a free port (the URLs printed show it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The I/O runtime.
    #[arg(long, value_enum, default_value_t = Runtime::Tokio)]
    runtime: Runtime,
}

/// Most connections served at once; a connection past it is closed at once.
const MAX_CONNECTIONS: usize = 10_000;

/// How long a connection gets to finish after Ctrl-C / SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs the server until SIGINT or SIGTERM.
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    let Runtime::Tokio = args.runtime;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::from(exit::OS);
        }
    };
    rt.block_on(serve(args.addr))
}

async fn serve(addr: SocketAddr) -> ExitCode {
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            eprintln!(
                "error: cannot listen on {addr}: the address is already in use (is another server running? pick another port with --addr)"
            );
            return ExitCode::from(exit::ADDR_IN_USE);
        }
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::from(exit::OS);
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let shutdown = match shutdown_signal() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return ExitCode::from(exit::OS);
        }
    };
    println!("fasterapi serve: listening on http://{local} (HTTP/1.1, tokio); Ctrl-C stops");
    for (method, route, _, sample) in routes::ROUTES {
        println!("  {:<5} http://{local}{sample}  ({route})", method.as_str());
    }
    let app = Arc::new(App {
        table: routes::table(),
        addr: local.to_string(),
        stopping: false.into(),
    });
    match accept_loop(listener, &app, shutdown).await {
        Ok(()) => {
            println!("fasterapi serve: stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: accepting connections: {e}");
            ExitCode::from(exit::OS)
        }
    }
}

/// Resolves at the first SIGINT or SIGTERM.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

async fn accept_loop(
    listener: TcpListener,
    app: &Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut shutdown = core::pin::pin!(shutdown);
    let config = DriverConfig::default().shutdown_grace(SHUTDOWN_GRACE);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) if tasks.len() >= MAX_CONNECTIONS => drop(stream),
                Ok((stream, _peer)) => {
                    let app = Arc::clone(app);
                    let config = config.clone();
                    let stop = stop_rx.clone();
                    tasks.spawn(connection(stream, app, config, stop));
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) => return Err(e),
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    app.stopping.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// One connection: HTTP/1.1, then a WebSocket if the client upgraded.
async fn connection(
    stream: TcpStream,
    app: Arc<App>,
    config: DriverConfig,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let mut http = Http::new(app);
    let machine = ServerConnection::new(ConnectionConfig::default());
    // The transport stays open when the machine closes, for the WebSocket hand-over.
    let http_config = config.clone().close_transport(false);
    let finished = drive_stream(
        machine,
        stream,
        &mut http,
        &http_config,
        stopped(stop.clone()),
    )
    .await;
    let Ok(finished) = finished else { return };
    let mut io = finished.io;
    match (http.upgrade.take(), http.leftover.take()) {
        (Some(accepted), Some(leftover)) => {
            let _ = ws::run(io, &accepted, &leftover, &config, stopped(stop)).await;
        }
        _ => {
            let _ = io.shutdown().await;
        }
    }
}

/// Resolves once the server stops (or the sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(24)
}
