//! `fasterapi serve`: the demo server. HTTP/1.1 and HTTP/2 on one port, over TCP or over TLS
//! with ALPN (`h2`, `http/1.1`), on tokio or mio,
//! routed by `fasterapi-router`: a JSON hello, a path parameter, a streaming echo, an SSE
//! ticker, a WebSocket echo with permessage-deflate, and a page using both from a browser.
//!
//! Connections are accepted by `fasterapi_tokio::serve_tcp` (TLS handshake first with
//! `--tls`); each is an HTTP/2 machine when ALPN chose `h2` or a cleartext client began with
//! the h2 preface, an HTTP/1.1 machine otherwise (`conn`). After a WebSocket handshake or an
//! `Upgrade: h2c` the driver hands the open transport back ([`Demo::finished`]) and a
//! WebSocket or HTTP/2 machine is driven over it, fed first with the bytes read past the
//! handshake. Over HTTP/2, `/ws` is an extended CONNECT (RFC 8441) stream (`h2`).

mod app;
mod conn;
mod h2;
mod mcp;
mod mio;
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

use fasterapi_tokio::tls::{self, ALPN_H2, ALPN_HTTP1, TlsAcceptor};
use fasterapi_tokio::{
    ConnectionInfo, DriverConfig, Finished, ServeOptions, Service, Shutdown, Transport, serve_tcp,
};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

use app::App;
use conn::{Conn, ConnHandler};

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
    /// tokio: one current-thread runtime per worker (HTTP/1.1, TLS).
    Tokio,
    /// mio: one reactor thread per worker (`fasterapi-mio`; the same protocols, TLS included).
    Mio,
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
    /// Serve TLS (ALPN h2 and http/1.1) on the port; without --cert/--key a development certificate
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

/// The protocols offered with ALPN, in order of preference: [`Demo::connect`] picks the
/// machine by `ConnectionInfo::alpn`, and on cleartext by `ConnectionInfo::h2_preface`.
const ALPN: &[&[u8]] = &[ALPN_H2, ALPN_HTTP1];

/// Runs the server until SIGINT or SIGTERM.
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    let tls = if args.tls {
        match tls_config(args) {
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
    let started = match args.runtime {
        Runtime::Tokio => start(args.addr, tls.map(TlsAcceptor::from), workers),
        Runtime::Mio => mio::start(args.addr, tls, workers),
    };
    match started {
        Ok(code) => code,
        Err((message, code)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// The TLS configuration: the given certificate and key, or a development certificate.
fn tls_config(args: &ServeArgs) -> Result<Arc<fasterapi_mio::tls::ServerConfig>, tls::TlsError> {
    let identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => tls::load_pem(cert, key)?,
        _ => tls::dev_certificate(&["localhost", "127.0.0.1", "::1"])?,
    };
    tls::server_config(identity, ALPN)
}

/// A failure before serving: the message and the exit code.
type Fatal = (String, u8);

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (format!("cannot start the tokio runtime: {e}"), exit::OS))
}

/// The signal handlers, installed on `main` (before any listener, so a Ctrl-C right after
/// the URLs are printed is never missed); the future resolves at the first SIGINT or SIGTERM.
fn signals(main: &tokio::runtime::Runtime) -> Result<impl Future<Output = ()> + use<>, Fatal> {
    main.block_on(async { shutdown_signal() })
        .map_err(|e| (format!("cannot install the signal handlers: {e}"), exit::OS))
}

/// The error for a listener that cannot be bound: busy port or anything else.
fn listen_failed(addr: SocketAddr, e: &io::Error) -> Fatal {
    if e.kind() == io::ErrorKind::AddrInUse {
        let message = format!(
            "cannot listen on {addr}: the address is already in use (is another server running? pick another port with --addr)"
        );
        (message, exit::ADDR_IN_USE)
    } else {
        (format!("cannot listen on {addr}: {e}"), exit::OS)
    }
}

/// Prints the URLs, and returns the application shared by every connection.
fn announce(base_url: &str, security: &str, runtime: &str, workers: usize) -> Arc<App> {
    println!(
        "fasterapi serve: listening on {base_url} (HTTP/1.1, {security}, {runtime}, {workers} workers); Ctrl-C stops"
    );
    for (method, route, _, sample) in routes::ROUTES {
        println!("  {:<5} {base_url}{sample}  ({route})", method.as_str());
    }
    Arc::new(App {
        table: routes::table(),
        hello: routes::hello(base_url),
        stopping: false.into(),
        mcp: Arc::new(mcp::McpState::new()),
    })
}

/// One current-thread tokio runtime per worker, each accepting on its own `SO_REUSEPORT`
/// listener of the same port (the kernel spreads connections over them), and the signals
/// handled on this thread. Measured faster than one multi-threaded runtime sharing a listener
/// (docs/BENCHMARKS.md): no work stealing, no cross-thread wake-ups, each connection stays on
/// the thread that accepted it.
fn start(addr: SocketAddr, tls: Option<TlsAcceptor>, workers: usize) -> Result<ExitCode, Fatal> {
    let main = runtime()?;
    let signal = signals(&main)?;
    // The first listener resolves port 0; the others bind the port it got.
    let mut local = addr;
    let mut listeners = Vec::with_capacity(workers);
    for _ in 0..workers {
        let rt = runtime()?;
        let listener = rt
            .block_on(async { listen(local) })
            .map_err(|e| listen_failed(addr, &e))?;
        local = listener.local_addr().unwrap_or(local);
        listeners.push((rt, listener));
    }
    let (scheme, security) = if tls.is_some() {
        ("https", "TLS, ALPN h2 and http/1.1")
    } else {
        ("http", "cleartext, h2c by prior knowledge or Upgrade")
    };
    let app = announce(&format!("{scheme}://{local}"), security, "tokio", workers);
    let options = ServeOptions::default()
        .driver(DriverConfig::default().shutdown_grace(SHUTDOWN_GRACE))
        .tls(tls)
        .sniff_h2_preface(true)
        .max_connections(MAX_CONNECTIONS.div_ceil(workers));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut threads = Vec::with_capacity(workers);
    for (i, (rt, listener)) in listeners.into_iter().enumerate() {
        let service = Demo {
            app: Arc::clone(&app),
            tls: options.tls.is_some(),
        };
        let options = options.clone();
        let mut stop = stop_rx.clone();
        let shutdown = async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        let thread = std::thread::Builder::new()
            .name(format!("serve-{i}"))
            .spawn(move || rt.block_on(serve_tcp(listener, options, service, shutdown)))
            .map_err(|e| (format!("cannot start a worker thread: {e}"), exit::OS))?;
        threads.push(thread);
    }
    main.block_on(signal);
    // Open event streams end at their next tick; then every worker stops.
    app.stopping.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let mut failed = None;
    for thread in threads {
        match thread.join() {
            Ok(Ok(_stats)) => {}
            Ok(Err(e)) => failed = Some(format!("accepting connections: {e}")),
            Err(_) => failed = Some("a worker thread panicked".to_owned()),
        }
    }
    match failed {
        None => {
            println!("fasterapi serve: stopped");
            Ok(ExitCode::SUCCESS)
        }
        Some(message) => Err((message, exit::OS)),
    }
}

/// A listener with `SO_REUSEPORT`, so every worker can bind the same port.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
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
    /// Whether connections are TLS (then h2 comes by ALPN, never by `Upgrade: h2c`).
    tls: bool,
}

impl Service for Demo {
    type Machine = Conn;
    type Handler = ConnHandler;

    /// HTTP/2 when ALPN picked `h2` or a cleartext client began with the h2 preface;
    /// HTTP/1.1 otherwise.
    fn connect(&self, info: &ConnectionInfo) -> (Conn, ConnHandler) {
        if info.h2_preface || info.alpn.as_deref() == Some(ALPN_H2) {
            Conn::http2(&self.app)
        } else {
            Conn::http1(&self.app, self.tls)
        }
    }

    /// After a WebSocket handshake, the WebSocket echo over the same transport; after an h2c
    /// upgrade, HTTP/2.
    async fn finished(&self, finished: Finished<Conn, Transport, ConnHandler>, shutdown: Shutdown) {
        let Finished {
            mut io, handler, ..
        } = finished;
        let config = DriverConfig::default().shutdown_grace(SHUTDOWN_GRACE);
        let ConnHandler::H1(mut handler) = handler else {
            let _ = io.shutdown().await;
            return;
        };
        match (
            handler.upgrade.take(),
            handler.h2c.take(),
            handler.leftover.take(),
        ) {
            (Some(accepted), _, Some(leftover)) => {
                let _ = ws::run(io, &accepted, &leftover, &config, shutdown.signalled()).await;
            }
            (_, Some(accepted), Some(leftover)) => {
                let app = Arc::clone(&self.app);
                let _ = h2::after_upgrade(io, accepted, &leftover, app, &config, shutdown).await;
            }
            _ => {
                let _ = io.shutdown().await;
            }
        }
    }
}
