//! `fasterapi serve`: the demo server. HTTP/1.1 over TCP, or over TLS with ALPN, on tokio,
//! routed by `fasterapi-router`: a JSON hello, a path parameter, a streaming echo, an SSE
//! ticker, a WebSocket echo with permessage-deflate, and a page using both from a browser.
//!
//! Connections are accepted by `fasterapi_tokio::serve_tcp` (TLS handshake first with
//! `--tls`); each is an HTTP/1.1 machine, and after a WebSocket handshake the driver hands the
//! open transport back ([`Demo::finished`]) and a WebSocket machine is driven over it, fed first
//! with the bytes read past the handshake.

mod app;
mod page;
mod routes;
mod sse;
mod ws;

use core::net::SocketAddr;
use core::sync::atomic::Ordering;
use core::time::Duration;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use fasterapi_http1::{ConnectionConfig, ServerConnection};
use fasterapi_tokio::tls::{self, ALPN_HTTP1, TlsAcceptor};
use fasterapi_tokio::{
    ConnectionInfo, DriverConfig, Finished, ServeOptions, ServeStats, Service, Shutdown, Transport,
    serve_tcp,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use app::{App, Http};

/// Exit codes of `serve`, stable (see docs/cli.md).
pub(crate) mod exit {
    /// The address is already in use (sysexits EX_UNAVAILABLE).
    pub(crate) const ADDR_IN_USE: u8 = 69;
    /// Any other failure to listen or run: permission, bad address (sysexits EX_OSERR).
    pub(crate) const OS: u8 = 71;
    /// The certificate or key cannot be used: unreadable, not PEM, no certificate or key in
    /// it, a key that does not match (sysexits EX_CONFIG).
    pub(crate) const BAD_CERTIFICATE: u8 = 78;
}

/// The runtime driving the connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Runtime {
    /// tokio.
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
    /// Serve TLS (ALPN http/1.1) on the port; without --cert/--key a development certificate
    /// for localhost and 127.0.0.1 is generated at start (clients must skip verification).
    #[arg(long)]
    tls: bool,
    /// The certificate chain, PEM (leaf first); needs --tls and --key.
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    cert: Option<PathBuf>,
    /// The certificate's private key, PEM (PKCS#8, PKCS#1 or SEC1); needs --tls and --cert.
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    key: Option<PathBuf>,
    /// Runtime worker threads (default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
}

/// Most connections served at once; a connection past it is closed at once.
const MAX_CONNECTIONS: usize = 10_000;

/// How long a connection gets to finish after Ctrl-C / SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The protocols offered with ALPN, in order of preference. HTTP/2 joins here (`ALPN_H2`
/// first) once an h2 machine is wired in: [`Demo::connect`] then picks the machine by
/// `ConnectionInfo::alpn`, and cleartext connections starting with the h2 preface
/// (`PRI * HTTP/2.0`) are routed the same way.
const ALPN: &[&[u8]] = &[ALPN_HTTP1];

/// Runs the server until SIGINT or SIGTERM.
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    let Runtime::Tokio = args.runtime;
    let tls = if args.tls {
        match acceptor(args) {
            Ok(acceptor) => Some(acceptor),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(exit::BAD_CERTIFICATE);
            }
        }
    } else {
        None
    };
    let workers = args.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::from(exit::OS);
        }
    };
    rt.block_on(serve(args.addr, tls, workers))
}

/// The TLS acceptor: the given certificate and key, or a development certificate.
fn acceptor(args: &ServeArgs) -> Result<TlsAcceptor, tls::TlsError> {
    let identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => tls::load_pem(cert, key)?,
        _ => tls::dev_certificate(&["localhost", "127.0.0.1", "::1"])?,
    };
    Ok(TlsAcceptor::from(tls::server_config(identity, ALPN)?))
}

async fn serve(addr: SocketAddr, tls: Option<TlsAcceptor>, workers: usize) -> ExitCode {
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
    let signal = match shutdown_signal() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return ExitCode::from(exit::OS);
        }
    };
    let (scheme, security) = if tls.is_some() {
        ("https", "TLS, ALPN http/1.1")
    } else {
        ("http", "cleartext")
    };
    let base_url = format!("{scheme}://{local}");
    println!(
        "fasterapi serve: listening on {base_url} (HTTP/1.1, {security}, tokio, {workers} workers); Ctrl-C stops"
    );
    for (method, route, _, sample) in routes::ROUTES {
        println!("  {:<5} {base_url}{sample}  ({route})", method.as_str());
    }
    let app = Arc::new(App {
        table: routes::table(),
        base_url,
        stopping: false.into(),
    });
    let options = ServeOptions::default()
        .driver(DriverConfig::default().shutdown_grace(SHUTDOWN_GRACE))
        .tls(tls)
        .max_connections(MAX_CONNECTIONS);
    let stopping = Arc::clone(&app);
    let shutdown = async move {
        signal.await;
        // Open event streams end at their next tick.
        stopping.stopping.store(true, Ordering::Relaxed);
    };
    match serve_tcp(listener, options, Demo { app }, shutdown).await {
        Ok(ServeStats { .. }) => {
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

/// The demo application as a `serve_tcp` service.
#[derive(Debug)]
struct Demo {
    app: Arc<App>,
}

impl Service for Demo {
    type Machine = ServerConnection;
    type Handler = Http;

    /// Every connection is HTTP/1.1 for now: ALPN offers only `http/1.1` ([`ALPN`]). The h2
    /// seam is here: `info.alpn == Some(b"h2")` will get the HTTP/2 machine.
    fn connect(&self, info: &ConnectionInfo) -> (ServerConnection, Http) {
        debug_assert!(info.alpn.as_deref().is_none_or(|p| p == ALPN_HTTP1));
        (
            ServerConnection::new(ConnectionConfig::default()),
            Http::new(Arc::clone(&self.app)),
        )
    }

    /// After a WebSocket handshake, the WebSocket echo over the same transport.
    async fn finished(
        &self,
        finished: Finished<ServerConnection, Transport, Http>,
        shutdown: Shutdown,
    ) {
        let Finished {
            mut io,
            mut handler,
            ..
        } = finished;
        match (handler.upgrade.take(), handler.leftover.take()) {
            (Some(accepted), Some(leftover)) => {
                let config = DriverConfig::default().shutdown_grace(SHUTDOWN_GRACE);
                let _ = ws::run(io, &accepted, &leftover, &config, shutdown.signalled()).await;
            }
            _ => {
                let _ = io.shutdown().await;
            }
        }
    }
}
