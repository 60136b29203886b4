//! [`Reactor`]: one thread, one `mio::Poll` (epoll, kqueue, IOCP), many connections.

use core::net::SocketAddr;
use core::ops::AddAssign;
use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::io;
use std::net::{TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::panic::catch_unwind;
use std::sync::Arc;

use fasterapi_core::{Epoch, Timestamp};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;

use crate::DriverConfig;
use crate::session::{Ctx, Ending, Session, Status};
use crate::timers::Timers;

const WAKER: Token = Token(usize::MAX);
const LISTENER: Token = Token(usize::MAX - 1);

/// How long accepting pauses after the process ran out of file descriptors or memory.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What a reactor (or all reactors of a [`Server`](crate::Server)) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeStats {
    /// Connections accepted and served.
    pub accepted: u64,
    /// Connections accepted past [`DriverConfig::max_connections`] and closed at once.
    pub rejected: u64,
    /// Connections whose machine closed cleanly.
    pub closed_cleanly: u64,
    /// Connections whose machine handed the connection off to another protocol.
    pub handed_off: u64,
    /// Connections dropped by [`DriverConfig::idle_timeout`].
    pub timed_out: u64,
    /// Connections that ended with a protocol error, a socket error, a stall, past the
    /// shutdown grace period, or with a panic in the application's code (the panic ends that
    /// connection only; the reactor goes on).
    pub failed: u64,
}

impl AddAssign for ServeStats {
    fn add_assign(&mut self, o: Self) {
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.closed_cleanly += o.closed_cleanly;
        self.handed_off += o.handed_off;
        self.timed_out += o.timed_out;
        self.failed += o.failed;
    }
}

/// Starts the graceful shutdown of one reactor or of every reactor of a
/// [`Server`](crate::Server), from any thread (a signal handler thread, a test).
///
/// Shutting down stops accepting, calls every machine's graceful
/// [`close`](fasterapi_core::Machine::close) (a GOAWAY, `Connection: close`, a close frame),
/// and lets each connection finish within [`DriverConfig::shutdown_grace`]; then `run` returns.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    flag: Arc<AtomicBool>,
    wakers: Vec<Arc<Waker>>,
}

impl ShutdownHandle {
    pub(crate) fn new(flag: Arc<AtomicBool>, wakers: Vec<Arc<Waker>>) -> Self {
        Self { flag, wakers }
    }

    /// Begins the graceful shutdown; calling it again is harmless.
    pub fn shutdown(&self) {
        self.flag.store(true, Ordering::Release);
        for waker in &self.wakers {
            // A failed wake means the reactor's poll is gone, i.e. it has already stopped.
            let _ = waker.wake();
        }
    }

    /// Whether shutdown has begun.
    pub fn is_shutdown(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }
}

struct Listener {
    socket: TcpListener,
    factory: Box<dyn FnMut(SocketAddr) -> Session>,
}

struct Slot {
    stream: TcpStream,
    session: Session,
    generation: u64,
    write_interest: bool,
    /// When the connection next wants its turn without readiness.
    deadline: Option<Timestamp>,
    /// Its earliest entry in the timer heap.
    armed: Option<Timestamp>,
}

/// A single-threaded reactor: a `mio::Poll` (epoll on Linux, kqueue on macOS and the BSDs,
/// IOCP on Windows) driving many connections, each any [`StreamMachine`](fasterapi_core::StreamMachine)
/// with its [`Handler`](fasterapi_core::Handler), behind a [`Session`].
///
/// Per connection it follows the drain rule, reads straight into the machine's
/// `input_buffer()`, writes framing and payload with one vectored write, asks for write
/// readiness only while output is blocked (and reads nothing meanwhile: back-pressure), and
/// sleeps until the earliest of the machines' and handlers' `poll_timeout`s, kept in one
/// binary heap with lazy deletion.
///
/// ```no_run
/// use fasterapi_http1::{ConnectionConfig, Event, ServerConnection};
/// use fasterapi_mio::{DriverConfig, Reactor};
///
/// # fn main() -> std::io::Result<()> {
/// let mut reactor = Reactor::new(DriverConfig::default())?;
/// let listener = std::net::TcpListener::bind("127.0.0.1:8080")?;
/// reactor.listen(listener, |_peer| {
///     let handler = |conn: &mut ServerConnection, event: Event| { /* answer */ };
///     (ServerConnection::new(ConnectionConfig::default()), handler)
/// })?;
/// let stop = reactor.shutdown_handle(); // stop.shutdown() from another thread
/// let stats = reactor.run()?;
/// # Ok(()) }
/// ```
pub struct Reactor {
    poll: Poll,
    events: Events,
    /// This wake-up's connections: (key, readable, peer's end or error reported).
    ready: Vec<(usize, bool, bool)>,
    again: Vec<usize>,
    waker: Arc<Waker>,
    flag: Arc<AtomicBool>,
    listener: Option<Listener>,
    conns: Slab<Slot>,
    generation: u64,
    timers: Timers,
    accept_paused_until: Option<Timestamp>,
    shutting_down: bool,
    epoch: Epoch,
    out: Vec<u8>,
    config: DriverConfig,
    stats: ServeStats,
}

impl core::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reactor")
            .field("connections", &self.conns.len())
            .field("shutting_down", &self.shutting_down)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Reactor {
    /// A reactor with no connections and no listener yet.
    ///
    /// # Errors
    /// The OS refused a poll instance or its waker.
    pub fn new(config: DriverConfig) -> io::Result<Self> {
        Self::with_flag(config, Arc::new(AtomicBool::new(false)))
    }

    pub(crate) fn with_flag(config: DriverConfig, flag: Arc<AtomicBool>) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        Ok(Self {
            events: Events::with_capacity(config.events.max(1)),
            ready: Vec::new(),
            again: Vec::new(),
            poll,
            waker,
            flag,
            listener: None,
            conns: Slab::new(),
            generation: 0,
            timers: Timers::default(),
            accept_paused_until: None,
            shutting_down: false,
            epoch: Epoch::new(),
            out: vec![0; config.write_buffer.max(1)],
            config,
            stats: ServeStats::default(),
        })
    }

    pub(crate) fn waker(&self) -> Arc<Waker> {
        Arc::clone(&self.waker)
    }

    /// A handle that shuts this reactor down from any thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle::new(Arc::clone(&self.flag), vec![self.waker()])
    }

    /// Accepts connections on `listener` (made non-blocking here) while the reactor runs,
    /// each driven by the session `factory(peer)` returns: a `(machine, handler)` pair or a
    /// [`Session`]. Replaces an earlier listener.
    ///
    /// # Errors
    /// The listener could not be made non-blocking or registered.
    pub fn listen<F, S>(&mut self, listener: StdTcpListener, mut factory: F) -> io::Result<()>
    where
        F: FnMut(SocketAddr) -> S + 'static,
        S: Into<Session>,
    {
        listener.set_nonblocking(true)?;
        let mut socket = TcpListener::from_std(listener);
        if let Some(mut old) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut old.socket);
        }
        self.poll
            .registry()
            .register(&mut socket, LISTENER, Interest::READABLE)?;
        self.listener = Some(Listener {
            socket,
            factory: Box::new(move |peer| factory(peer).into()),
        });
        Ok(())
    }

    /// Drives `session` over `stream` (made non-blocking here) on this reactor: a server
    /// connection accepted elsewhere, or a client connection. Its first output is written at
    /// once, as far as the socket takes it.
    ///
    /// # Errors
    /// The stream could not be made non-blocking or registered.
    pub fn register(
        &mut self,
        stream: StdTcpStream,
        session: impl Into<Session>,
    ) -> io::Result<()> {
        stream.set_nonblocking(true)?;
        self.insert(TcpStream::from_std(stream), session.into())
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// What the reactor did so far.
    pub fn stats(&self) -> ServeStats {
        self.stats
    }

    /// The listener's address, if it listens.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref()?.socket.local_addr().ok()
    }

    /// Runs until shutdown has finished every connection, or, without a listener, until
    /// the last connection ends.
    ///
    /// # Errors
    /// Only a failure of the poll itself or of the listener (not a per-connection error:
    /// those are counted in the stats).
    pub fn run(&mut self) -> io::Result<ServeStats> {
        loop {
            if self.flag.load(Ordering::Acquire) && !self.shutting_down {
                self.begin_shutdown();
            }
            if self.conns.is_empty() && (self.shutting_down || self.listener.is_none()) {
                return Ok(self.stats);
            }
            self.turn()?;
        }
    }

    /// One wake-up: poll, then connections ready, connections with reads left, due timers.
    fn turn(&mut self) -> io::Result<()> {
        let now = self.epoch.now();
        let next = [self.timers.next(), self.accept_paused_until]
            .into_iter()
            .flatten()
            .min();
        let timeout = if self.again.is_empty() {
            next.map(|d| d.saturating_duration_since(now))
        } else {
            Some(Duration::ZERO)
        };
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        self.ready.clear();
        let mut accept = false;
        for event in &self.events {
            match event.token() {
                WAKER => {}
                LISTENER => accept = true,
                // A read reports a closed or failed socket too.
                Token(key) => {
                    let closed = event.is_read_closed() || event.is_error();
                    self.ready
                        .push((key, event.is_readable() || closed, closed));
                }
            }
        }
        for i in 0..self.ready.len() {
            let (key, readable, closed) = self.ready[i];
            if let Some(slot) = self.conns.get_mut(key) {
                if readable {
                    slot.session.0.set_readable(closed);
                }
            }
            self.run_conn(key);
        }
        for key in core::mem::take(&mut self.again) {
            self.run_conn(key);
        }
        let now = self.epoch.now();
        if self.accept_paused_until.is_some_and(|t| t <= now) {
            self.accept_paused_until = None;
            accept = true;
        }
        if accept {
            self.accept()?;
        }
        while let Some((at, key, generation)) = self.timers.pop_due(now) {
            let Some(slot) = self.conns.get_mut(key) else {
                continue;
            };
            if slot.generation != generation || slot.armed != Some(at) {
                continue; // stale: the connection re-armed earlier, or the slot was reused
            }
            slot.armed = None;
            match slot.deadline {
                Some(d) if d <= now => self.run_conn(key),
                Some(d) => {
                    slot.armed = Some(d);
                    self.timers.push(d, key, generation);
                }
                None => {}
            }
        }
        if self.timers.len() > 2 * self.conns.len() + 1024 {
            let conns = &self.conns;
            self.timers.retain(|at, key, generation| {
                conns
                    .get(key)
                    .is_some_and(|s| s.generation == generation && s.armed == Some(at))
            });
        }
        Ok(())
    }

    fn accept(&mut self) -> io::Result<()> {
        loop {
            let Some(listener) = &mut self.listener else {
                return Ok(());
            };
            match listener.socket.accept() {
                Ok((stream, peer)) => {
                    if self.conns.len() >= self.config.max_connections {
                        self.stats.rejected += 1;
                        continue; // dropped: closed at once
                    }
                    self.stats.accepted += 1;
                    if self.config.nodelay {
                        let _ = stream.set_nodelay(true);
                    }
                    let factory = &mut listener.factory;
                    let Ok(session) = catch_unwind(AssertUnwindSafe(|| factory(peer))) else {
                        self.stats.failed += 1;
                        continue;
                    };
                    if self.insert(stream, session).is_err() {
                        self.stats.failed += 1;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                // The peer gave up before the accept: not the listener's fault.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if is_out_of_resources(&e) => {
                    // The pending connection stays queued and, edge-triggered, no new event
                    // would come: retry after a pause instead.
                    self.accept_paused_until = Some(self.epoch.now() + ACCEPT_BACKOFF);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn insert(&mut self, mut stream: TcpStream, session: Session) -> io::Result<()> {
        let entry = self.conns.vacant_entry();
        let key = entry.key();
        self.poll
            .registry()
            .register(&mut stream, Token(key), Interest::READABLE)?;
        self.generation += 1;
        entry.insert(Slot {
            stream,
            session,
            generation: self.generation,
            write_interest: false,
            deadline: None,
            armed: None,
        });
        if self.shutting_down {
            let now = self.epoch.now();
            self.close_conn(key, now);
        }
        self.run_conn(key);
        Ok(())
    }

    fn begin_shutdown(&mut self) {
        self.shutting_down = true;
        if let Some(mut listener) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut listener.socket);
        }
        self.accept_paused_until = None;
        let now = self.epoch.now();
        let keys: Vec<usize> = self.conns.iter().map(|(key, _)| key).collect();
        for key in keys {
            self.close_conn(key, now);
            self.run_conn(key);
        }
    }

    /// Starts the graceful close of connection `key` (the handler's `on_shutdown`).
    fn close_conn(&mut self, key: usize, now: Timestamp) {
        let grace = self.config.shutdown_grace;
        let Some(slot) = self.conns.get_mut(key) else {
            return;
        };
        if catch_unwind(AssertUnwindSafe(|| slot.session.0.close(now, grace))).is_err() {
            self.drop_conn(key);
        }
    }

    /// Gives connection `key` its turn and files it by what it waits for next.
    fn run_conn(&mut self, key: usize) {
        let Some(slot) = self.conns.get_mut(key) else {
            return;
        };
        let mut ctx = Ctx {
            out: &mut self.out,
            epoch: &self.epoch,
            config: &self.config,
        };
        // A panicking handler loses its own connection, not the reactor's other ones.
        let turn = catch_unwind(AssertUnwindSafe(|| {
            slot.session.0.turn(&mut slot.stream, &mut ctx)
        }));
        let Ok(status) = turn else {
            self.drop_conn(key);
            return;
        };
        match status {
            Status::Wait {
                write_interest,
                deadline,
                again,
            } => {
                if write_interest != slot.write_interest {
                    let interest = if write_interest {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    if self
                        .poll
                        .registry()
                        .reregister(&mut slot.stream, Token(key), interest)
                        .is_err()
                    {
                        self.drop_conn(key);
                        return;
                    }
                    slot.write_interest = write_interest;
                }
                slot.deadline = deadline;
                if let Some(d) = deadline {
                    if slot.armed.is_none_or(|a| d < a) {
                        slot.armed = Some(d);
                        self.timers.push(d, key, slot.generation);
                    }
                }
                if again {
                    self.again.push(key);
                }
            }
            Status::Done => self.finish(key),
        }
    }

    /// A connection whose handler panicked or whose registration failed: it cannot be driven
    /// any more, and its finish callback is not called.
    fn drop_conn(&mut self, key: usize) {
        let slot = self.conns.remove(key);
        let _ = self.poll.registry().deregister(&mut { slot.stream });
        self.stats.failed += 1;
    }

    fn finish(&mut self, key: usize) {
        let mut slot = self.conns.remove(key);
        let _ = self.poll.registry().deregister(&mut slot.stream);
        let stream = slot.stream.into();
        let now = self.epoch.now();
        let Ok((ending, next)) =
            catch_unwind(AssertUnwindSafe(|| slot.session.0.finish(stream, now)))
        else {
            self.stats.failed += 1;
            return;
        };
        match ending {
            Ending::Closed => self.stats.closed_cleanly += 1,
            Ending::HandedOff => self.stats.handed_off += 1,
            Ending::TimedOut => self.stats.timed_out += 1,
            Ending::Failed => self.stats.failed += 1,
        }
        if let Some((stream, session)) = next {
            if self.register(stream, session).is_err() {
                self.stats.failed += 1;
            }
        }
    }
}

/// Out of file descriptors (`EMFILE`, `ENFILE`) or buffer memory (`ENOBUFS`, `ENOMEM`).
fn is_out_of_resources(e: &io::Error) -> bool {
    // ENOMEM, ENFILE and EMFILE are 12, 23 and 24 on every unix; ENOBUFS differs.
    const ENOBUFS: i32 = if cfg!(target_os = "linux") { 105 } else { 55 };
    let code = e.raw_os_error();
    e.kind() == io::ErrorKind::OutOfMemory
        || (cfg!(unix) && matches!(code, Some(12 | 23 | 24)) || code == Some(ENOBUFS))
}
