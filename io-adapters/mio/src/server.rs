//! [`serve`]: N reactor threads, each with its own listener on one port (`SO_REUSEPORT`).

use core::net::SocketAddr;
use core::sync::atomic::AtomicBool;
use std::io;
use std::net::TcpListener as StdTcpListener;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use socket2::{Domain, Protocol, Socket, Type};

use crate::{DriverConfig, Reactor, ServeStats, Session, ShutdownHandle};

/// Listen backlog of every listener.
const BACKLOG: i32 = 1024;

/// A running server: [`DriverConfig::workers`] threads, each a [`Reactor`] with its own
/// listener on the same address. Stop it with [`Server::shutdown`] (or a
/// [`ShutdownHandle`] from [`Server::shutdown_handle`]), then [`Server::join`].
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    shutdown: ShutdownHandle,
    threads: Vec<JoinHandle<io::Result<ServeStats>>>,
}

/// Serves `addr` on [`DriverConfig::workers`] reactor threads until shut down; each accepted
/// connection is driven by the session `factory(peer)` returns on the thread that accepted it:
/// a `(machine, handler)` pair, or a [`Session`] with a finish callback (to continue after a
/// protocol switch).
///
/// On Linux every thread binds its own listener with `SO_REUSEPORT` and the kernel spreads the
/// connections over them. Elsewhere the threads share clones of one listener, each in its own
/// poller, and whichever wakes first accepts: macOS and the BSDs accept `SO_REUSEPORT` but do
/// not balance it (the last socket bound gets the connections), Windows has none.
/// Port 0 picks a free port, the same for every thread: see [`Server::local_addr`]. A port
/// another server listens on is an error, even one that also uses `SO_REUSEPORT`.
///
/// ```no_run
/// use fasterapi_http1::{ConnectionConfig, Event, ServerConnection};
/// use fasterapi_mio::{DriverConfig, serve};
///
/// # fn main() -> std::io::Result<()> {
/// let server = serve("127.0.0.1:8080".parse().unwrap(), DriverConfig::default(), |_peer| {
///     let handler = |conn: &mut ServerConnection, event: Event| { /* answer */ };
///     (ServerConnection::new(ConnectionConfig::default()), handler)
/// })?;
/// let stop = server.shutdown_handle(); // Ctrl-C handler: stop.shutdown()
/// # stop.shutdown();
/// let stats = server.join()?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// The address could not be bound (in use: [`io::ErrorKind::AddrInUse`]), or a reactor could
/// not start; threads already started are shut down first.
pub fn serve<F, S>(addr: SocketAddr, config: DriverConfig, factory: F) -> io::Result<Server>
where
    F: Fn(SocketAddr) -> S + Send + Sync + 'static,
    S: Into<Session>,
{
    let workers = config.workers.max(1);
    let addr = claim(addr)?;
    let first = bind(addr)?;
    let local_addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers {
        listeners.push(another_listener(&listeners[0], local_addr)?);
    }
    let factory = Arc::new(factory);
    let flag = Arc::new(AtomicBool::new(false));
    // Set once every thread runs: a thread whose poll or listener fails stops the others, so
    // `join` does not wait for a shutdown nobody will ask for.
    let everyone: Arc<OnceLock<ShutdownHandle>> = Arc::new(OnceLock::new());
    let mut wakers = Vec::with_capacity(workers);
    let mut threads = Vec::with_capacity(workers);
    for (i, listener) in listeners.into_iter().enumerate() {
        let (started_tx, started_rx) = mpsc::sync_channel(1);
        let factory = Arc::clone(&factory);
        let config = config.clone();
        let thread_flag = Arc::clone(&flag);
        let everyone = Arc::clone(&everyone);
        let spawned = std::thread::Builder::new()
            .name(format!("fasterapi-mio-{i}"))
            .spawn(move || {
                let started = Reactor::with_flag(config, thread_flag).and_then(|mut reactor| {
                    reactor.listen(listener, move |peer| factory(peer))?;
                    Ok(reactor)
                });
                let mut reactor = match started {
                    Ok(r) => {
                        let _ = started_tx.send(Ok(r.waker()));
                        r
                    }
                    Err(e) => {
                        let _ = started_tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                };
                let result = reactor.run();
                if result.is_err() {
                    if let Some(all) = everyone.get() {
                        all.shutdown();
                    }
                }
                result
            });
        let started = spawned.and_then(|thread| {
            threads.push(thread);
            started_rx
                .recv()
                .unwrap_or_else(|_| Err(io::Error::other("reactor thread died at start")))
        });
        match started {
            Ok(waker) => wakers.push(waker),
            Err(e) => {
                let partial = Server {
                    local_addr,
                    shutdown: ShutdownHandle::new(flag, wakers),
                    threads,
                };
                partial.shutdown();
                let _ = partial.join();
                return Err(e);
            }
        }
    }
    let shutdown = ShutdownHandle::new(flag, wakers);
    let _ = everyone.set(shutdown.clone());
    Ok(Server {
        local_addr,
        shutdown,
        threads,
    })
}

impl Server {
    /// The address every thread listens on (with the port chosen when port 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that shuts every thread down, from any thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Begins the graceful shutdown of every thread (see [`ShutdownHandle`]).
    pub fn shutdown(&self) {
        self.shutdown.shutdown();
    }

    /// Waits until every thread has stopped and adds up what they did.
    ///
    /// # Errors
    /// The first thread's failure of its poll or listener (which shuts the other threads
    /// down too); a panicked thread.
    pub fn join(self) -> io::Result<ServeStats> {
        let mut total = ServeStats::default();
        let mut first_error = None;
        for thread in self.threads {
            match thread.join() {
                Ok(Ok(stats)) => total += stats,
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(_) => {
                    first_error.get_or_insert(io::Error::other("a reactor thread panicked"));
                }
            }
        }
        first_error.map_or(Ok(total), Err)
    }
}

/// Whether the OS spreads the connections of one port over the sockets that share it with
/// `SO_REUSEPORT`.
const BALANCED_REUSEPORT: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// Checks that `addr` is free and picks the port when it is 0, with a socket bound without
/// `SO_REUSEPORT` and closed again: binding with `SO_REUSEPORT` alone would quietly share the
/// port with another server of the same user instead of failing with `AddrInUse`.
fn claim(addr: SocketAddr) -> io::Result<SocketAddr> {
    if !BALANCED_REUSEPORT {
        return Ok(addr);
    }
    let probe = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // Connections of an earlier server still in TIME_WAIT do not make the port busy.
    probe.set_reuse_address(true)?;
    probe.bind(&addr.into())?;
    probe
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::other("a TCP socket with a non-IP address"))
}

/// A listening socket on `addr`, with `SO_REUSEPORT` where it balances.
fn bind(addr: SocketAddr) -> io::Result<StdTcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// One more listener for another thread: its own socket on the same port where
/// `SO_REUSEPORT` balances, a clone of the first elsewhere.
fn another_listener(first: &StdTcpListener, addr: SocketAddr) -> io::Result<StdTcpListener> {
    if BALANCED_REUSEPORT {
        bind(addr)
    } else {
        first.try_clone()
    }
}
