//! Accepting connections: one task per connection (TLS handshake first when configured), each
//! driven by [`drive_stream`], handed back to the application when its machine finishes, with
//! a graceful shutdown that reaches every connection.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::net::SocketAddr;
use core::time::Duration;
use std::io;
use std::sync::Arc;

use fasterapi_core::StreamMachine;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Handler;
use crate::stream::{DriverConfig, Finished, drive_stream};
use crate::tls::TlsAcceptor;
use crate::transport::Transport;

/// What [`serve_tcp`] did, once it has shut down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections whose machine closed cleanly or handed off.
    pub closed_cleanly: u64,
    /// Connections that ended with a failed TLS handshake, a protocol error, a transport
    /// error or a timeout.
    pub failed: u64,
    /// Connections closed at once because [`ServeOptions::max_connections`] were open.
    pub refused: u64,
}

impl ServeStats {
    /// Adds the counts of `other` (the stats of several listeners, one per worker).
    pub fn add(&mut self, other: Self) {
        self.accepted += other.accepted;
        self.closed_cleanly += other.closed_cleanly;
        self.failed += other.failed;
        self.refused += other.refused;
    }
}

/// Options of [`serve_tcp`].
#[derive(Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// The options of each connection's driver.
    pub driver: DriverConfig,
    /// TLS: every connection is a TLS handshake first (default `None`: cleartext).
    pub tls: Option<TlsAcceptor>,
    /// Most connections served at once; one past it is closed at once (default 10,000).
    pub max_connections: usize,
    /// How long a client gets to complete the TLS handshake, or to send the first bytes when
    /// sniffing (default 10 s).
    pub handshake_timeout: Duration,
    /// On cleartext connections, peek at the first bytes for the HTTP/2 connection preface
    /// (RFC 9113 §3.3, prior knowledge) and report it in [`ConnectionInfo::h2_preface`]
    /// (default off: one more system call per connection, and only for protocols whose
    /// client speaks first).
    pub sniff_h2_preface: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            driver: DriverConfig::default(),
            tls: None,
            max_connections: 10_000,
            handshake_timeout: Duration::from_secs(10),
            sniff_h2_preface: false,
        }
    }
}

impl fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeOptions")
            .field("driver", &self.driver)
            .field("tls", &self.tls.is_some())
            .field("max_connections", &self.max_connections)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("sniff_h2_preface", &self.sniff_h2_preface)
            .finish()
    }
}

impl ServeOptions {
    /// Sets [`ServeOptions::driver`].
    #[must_use]
    pub fn driver(mut self, driver: DriverConfig) -> Self {
        self.driver = driver;
        self
    }

    /// Sets [`ServeOptions::tls`].
    #[must_use]
    pub fn tls(mut self, acceptor: Option<TlsAcceptor>) -> Self {
        self.tls = acceptor;
        self
    }

    /// Sets [`ServeOptions::max_connections`].
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`ServeOptions::sniff_h2_preface`].
    #[must_use]
    pub fn sniff_h2_preface(mut self, sniff: bool) -> Self {
        self.sniff_h2_preface = sniff;
        self
    }

    /// Sets [`ServeOptions::handshake_timeout`].
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }
}

/// What is known about a connection when its machine is made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The peer's address.
    pub peer: SocketAddr,
    /// The protocol ALPN selected on a TLS connection (`b"http/1.1"`, `b"h2"`); `None` on
    /// cleartext or without ALPN. This is where a server picks the machine.
    pub alpn: Option<Vec<u8>>,
    /// A cleartext client began with the HTTP/2 connection preface (only looked for with
    /// [`ServeOptions::sniff_h2_preface`]); the bytes are still unread, for the h2 machine.
    pub h2_preface: bool,
}

/// The server's shutdown signal as each connection sees it: cloneable, and a future that
/// resolves once the server stops.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Resolves once the server stops (at once if it has).
    pub async fn signalled(mut self) {
        // A dropped sender also means stop.
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }

    /// Whether the server has begun to stop.
    pub fn is_signalled(&self) -> bool {
        *self.0.borrow()
    }
}

/// The application behind [`serve_tcp`]: a machine and a handler per connection, and what to
/// do with them when the machine has finished.
///
/// [`service_fn`] makes one from a closure when nothing follows the machine.
pub trait Service: Send + Sync + 'static {
    /// The machine of each connection.
    type Machine: StreamMachine<Error: Send, Payload: Send> + Send + 'static;
    /// Its handler.
    type Handler: Handler<Self::Machine> + Send + 'static;

    /// A machine and handler for a new connection (after the TLS handshake).
    fn connect(&self, info: &ConnectionInfo) -> (Self::Machine, Self::Handler);

    /// Called when the machine closed or handed the connection off (then `finished.io` is
    /// open and belongs to the next protocol: a WebSocket after an HTTP/1.1 `Upgrade`, driven
    /// until `shutdown`). Not called after an error. The default shuts the transport down
    /// after a hand-off.
    fn finished(
        &self,
        finished: Finished<Self::Machine, Transport, Self::Handler>,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send {
        let _ = shutdown;
        async move {
            if finished.machine.is_handed_off() {
                let mut io = finished.io;
                let _ = io.shutdown().await;
            }
        }
    }
}

/// A [`Service`] from a closure returning the machine and handler of each connection.
pub struct ServiceFn<F, M, H> {
    make: F,
    _types: PhantomData<fn() -> (M, H)>,
}

impl<F, M, H> fmt::Debug for ServiceFn<F, M, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServiceFn")
    }
}

/// A [`Service`] from `make`, called with each connection's peer address.
pub fn service_fn<F, M, H>(make: F) -> ServiceFn<F, M, H>
where
    F: Fn(SocketAddr) -> (M, H) + Send + Sync + 'static,
{
    ServiceFn {
        make,
        _types: PhantomData,
    }
}

impl<F, M, H> Service for ServiceFn<F, M, H>
where
    F: Fn(SocketAddr) -> (M, H) + Send + Sync + 'static,
    M: StreamMachine<Error: Send, Payload: Send> + Send + 'static,
    H: Handler<M> + Send + 'static,
{
    type Machine = M;
    type Handler = H;

    fn connect(&self, info: &ConnectionInfo) -> (M, H) {
        (self.make)(info.peer)
    }
}

/// Accepts connections on `listener` until `shutdown` completes, each on its own task: the
/// TLS handshake when [`ServeOptions::tls`] is set, then the machine and handler
/// [`Service::connect`] returns driven by [`drive_stream`], then [`Service::finished`].
///
/// On `shutdown` it stops accepting, signals every connection (each machine's handler starts
/// its graceful close: a GOAWAY, `Connection: close`, a close frame), waits for all of them to
/// finish (each within [`DriverConfig::shutdown_grace`]), and returns what happened.
///
/// # Errors
/// Only an error of the listener itself; errors of single connections are counted in
/// [`ServeStats::failed`].
pub async fn serve_tcp<S, F>(
    listener: TcpListener,
    options: ServeOptions,
    service: S,
    shutdown: F,
) -> io::Result<ServeStats>
where
    S: Service,
    F: Future<Output = ()>,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    let service = Arc::new(service);
    let options = Arc::new(options);
    let mut tasks: JoinSet<bool> = JoinSet::new();
    let mut stats = ServeStats::default();
    let mut shutdown = core::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    // A connection that died before accept (ECONNABORTED) or a full fd table:
                    // not the listener's fault; keep serving.
                    Err(e) if is_per_connection(&e) => continue,
                    Err(e) => return Err(e),
                };
                stats.accepted += 1;
                if tasks.len() >= options.max_connections {
                    stats.refused += 1;
                    drop(stream);
                    continue;
                }
                let stop = Shutdown(stop_rx.clone());
                tasks.spawn(connection(Arc::clone(&service), stream, peer, Arc::clone(&options), stop));
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => count(&mut stats, done),
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    // Every connection sees the signal, closes gracefully, and ends within its grace period.
    let _ = stop_tx.send(true);
    while let Some(done) = tasks.join_next().await {
        count(&mut stats, done);
    }
    Ok(stats)
}

async fn connection<S: Service>(
    service: Arc<S>,
    stream: TcpStream,
    peer: SocketAddr,
    options: Arc<ServeOptions>,
    stop: Shutdown,
) -> bool {
    let _ = stream.set_nodelay(true);
    let mut h2_preface = false;
    let transport = match &options.tls {
        None if options.sniff_h2_preface => {
            let sniff = tokio::time::timeout(options.handshake_timeout, sniff_h2(&stream));
            tokio::select! {
                done = sniff => match done {
                    Ok(Ok(found)) => h2_preface = found,
                    Ok(Err(_)) | Err(_) => return false,
                },
                () = stop.clone().signalled() => return false,
            }
            Transport::Tcp(stream)
        }
        None => Transport::Tcp(stream),
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(options.handshake_timeout, acceptor.accept(stream));
            tokio::select! {
                done = handshake => match done {
                    Ok(Ok(tls)) => Transport::Tls(Box::new(tls.into())),
                    // A failed or too slow handshake: rustls already sent its alert.
                    Ok(Err(_)) | Err(_) => return false,
                },
                () = stop.clone().signalled() => return false,
            }
        }
    };
    let info = ConnectionInfo {
        peer,
        alpn: transport.alpn_protocol().map(<[u8]>::to_vec),
        h2_preface,
    };
    let (machine, handler) = service.connect(&info);
    match drive_stream(
        machine,
        transport,
        handler,
        &options.driver,
        stop.clone().signalled(),
    )
    .await
    {
        Ok(finished) => {
            service.finished(finished, stop).await;
            true
        }
        Err(_) => false,
    }
}

/// The HTTP/2 client connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether the stream starts with the HTTP/2 preface, looking without consuming: decided at
/// the first byte that differs, or once all 24 bytes are there.
async fn sniff_h2(stream: &TcpStream) -> io::Result<bool> {
    let mut buf = [0u8; H2_PREFACE.len()];
    loop {
        let n = stream.peek(&mut buf).await?;
        if n == 0 || buf[..n] != H2_PREFACE[..n] {
            return Ok(false);
        }
        if n == H2_PREFACE.len() {
            return Ok(true);
        }
        // A prefix so far (the preface split across segments): peek returns at once while
        // any byte is buffered, so wait a little before looking again.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn count(stats: &mut ServeStats, done: Result<bool, tokio::task::JoinError>) {
    match done {
        Ok(true) => stats.closed_cleanly += 1,
        // A panicking connection task counts as failed; the server keeps running.
        Ok(false) | Err(_) => stats.failed += 1,
    }
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(24) // EMFILE: too many open files, transient
}
