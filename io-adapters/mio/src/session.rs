//! [`Session`]: one connection's machine and handler, and the loop that drives them each time
//! the reactor finds the socket ready or a timer due.

use core::fmt;
use core::time::Duration;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream as StdTcpStream};

use fasterapi_core::{Epoch, Handler, StreamMachine, Timestamp};
use mio::net::TcpStream;

use crate::output::{Batch, Output};
use crate::{DriveError, DriverConfig};

/// Whether a read shorter than the buffer means the socket is drained, so the next read can
/// wait for the next readiness event instead of returning `WouldBlock`.
///
/// True for edge-triggered epoll and kqueue (`EV_CLEAR`): new bytes after a read raise a new
/// event, and the peer's end, which can arrive with the last bytes in one event, is reported
/// on that event (`EPOLLRDHUP`, `EV_EOF`) and keeps the connection reading. Not on Windows,
/// where mio re-arms a socket only after an operation returned `WouldBlock`.
const SHORT_READ_DRAINS: bool = cfg!(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
));

/// How a connection ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum End {
    /// The machine closed; the sending side of the socket was shut down.
    Closed,
    /// The machine handed the connection off ([`StreamMachine::is_handed_off`]): the socket is
    /// open, for the protocol the connection switched to.
    HandedOff,
}

/// What [`Session::with_finish`]'s callback gets when the connection ends: the machine, the
/// handler, the socket and how it ended.
#[non_exhaustive]
pub struct Finished<M: StreamMachine, H> {
    /// The machine, closed, handed off or failed.
    pub machine: M,
    /// The handler (holding, say, the bytes that followed an `Upgrade` handshake).
    pub handler: H,
    /// The socket, taken off the reactor; open after a hand-off, its sending side shut down
    /// after a close.
    pub stream: StdTcpStream,
    /// How the connection ended.
    pub result: Result<End, DriveError<M::Error>>,
    /// The reactor's time when the connection ended, on the clock its machines ran on: feed
    /// the next machine (the leftover bytes after a hand-off) with it.
    pub now: Timestamp,
}

impl<M: StreamMachine, H> fmt::Debug for Finished<M, H>
where
    M::Error: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finished")
            .field("stream", &self.stream)
            .field("result", &self.result)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// A connection's machine and handler, ready for a reactor: from [`Session::new`], from a
/// `(machine, handler)` pair, or with a callback for the end ([`Session::with_finish`]).
///
/// The machine type is erased, so one reactor drives connections of different protocols (an
/// HTTP/1.1 connection that upgraded continues as a WebSocket on the same reactor).
pub struct Session(pub(crate) Box<dyn Drive>);

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

/// What a [`Session::with_finish`] callback returns: the socket and the session to continue
/// with on the same reactor, or `None` to let it go.
pub type Continue = Option<(StdTcpStream, Session)>;

impl Session {
    /// `machine` driven with `handler`. When the machine hands the connection off, the socket
    /// is closed: use [`Session::with_finish`] to take it over.
    pub fn new<M, H>(machine: M, handler: H) -> Self
    where
        M: StreamMachine + 'static,
        H: Handler<M> + 'static,
    {
        Self(Box::new(Conn::<M, H, fn(Finished<M, H>) -> Continue>::new(
            machine, handler, None,
        )))
    }

    /// `machine` driven with `handler`; `on_finish` gets the machine, the handler and the
    /// socket when the connection ends, however it ends, and may return a new session to drive
    /// the same socket on the same reactor (the WebSocket after an HTTP/1.1 `Upgrade`).
    pub fn with_finish<M, H, F>(machine: M, handler: H, on_finish: F) -> Self
    where
        M: StreamMachine + 'static,
        H: Handler<M> + 'static,
        F: FnOnce(Finished<M, H>) -> Continue + 'static,
    {
        Self(Box::new(Conn::new(machine, handler, Some(on_finish))))
    }
}

impl<M, H> From<(M, H)> for Session
where
    M: StreamMachine + 'static,
    H: Handler<M> + 'static,
{
    fn from((machine, handler): (M, H)) -> Self {
        Self::new(machine, handler)
    }
}

/// What the reactor lends a connection for one turn.
pub(crate) struct Ctx<'a> {
    /// The reactor's shared output buffer.
    pub(crate) out: &'a mut [u8],
    pub(crate) epoch: &'a Epoch,
    pub(crate) config: &'a DriverConfig,
}

/// What the reactor does with a connection after its turn.
pub(crate) enum Status {
    /// Wait for readiness (writable too when output is blocked) or `deadline`; `again` when
    /// the connection used its reads for this turn and has more to read.
    Wait {
        write_interest: bool,
        deadline: Option<Timestamp>,
        again: bool,
    },
    /// The connection ended: take it off the reactor and call [`Drive::finish`].
    Done,
}

/// How a connection ended, for the stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Closed,
    HandedOff,
    TimedOut,
    Failed,
}

/// A connection with its machine type erased.
pub(crate) trait Drive {
    /// The socket reported readable; `closed` when it also reported the peer's end or an
    /// error (which a read reports).
    fn set_readable(&mut self, closed: bool);
    /// One turn: due timers, then the drain rule until the connection waits or ends.
    fn turn(&mut self, io: &mut TcpStream, ctx: &mut Ctx<'_>) -> Status;
    /// Starts the graceful close: the handler's `on_shutdown` (by default the machine's
    /// `close`), and a deadline `grace` from `now`.
    fn close(&mut self, now: Timestamp, grace: Duration);
    /// Hands everything to the finish callback, if any.
    fn finish(self: Box<Self>, io: StdTcpStream, now: Timestamp) -> (Ending, Continue);
}

/// A connection of machine `M`: the machine, the handler, and the output the socket has not
/// taken yet.
struct Conn<M: StreamMachine, H, F> {
    machine: M,
    handler: H,
    on_finish: Option<F>,
    /// Output the socket has not taken yet.
    output: Output<M::Payload>,
    /// The socket may have bytes to read (edge-triggered: until a read would block).
    readable: bool,
    /// The poller reported the peer's end or an error: read until a read says so.
    closed_seen: bool,
    eof: bool,
    /// A protocol error whose reaction is being written out.
    failed: Option<M::Error>,
    result: Option<Result<End, DriveError<M::Error>>>,
    idle_since: Option<Timestamp>,
    /// When the graceful close (or writing out an error's reaction) must be done by.
    grace: Option<Timestamp>,
}

impl<M, H, F> Conn<M, H, F>
where
    M: StreamMachine,
    H: Handler<M>,
    F: FnOnce(Finished<M, H>) -> Continue,
{
    fn new(machine: M, handler: H, on_finish: Option<F>) -> Self {
        Self {
            machine,
            handler,
            on_finish,
            output: Output::new(),
            readable: false,
            closed_seen: false,
            eof: false,
            failed: None,
            result: None,
            idle_since: None,
            grace: None,
        }
    }

    fn end(&mut self, result: Result<End, DriveError<M::Error>>) -> Status {
        self.result = Some(result);
        Status::Done
    }

    /// A protocol error from an input: write out the machine's reaction, then end. The
    /// reaction gets the grace period to leave, so a peer that stops reading cannot hold the
    /// connection.
    fn fail(&mut self, e: M::Error, now: Timestamp, grace: Duration) {
        self.failed = Some(e);
        let by = now + grace;
        self.grace = Some(self.grace.map_or(by, |g| g.min(by)));
    }

    /// Due timers: the grace period, the idle timeout, the machine's and the handler's.
    fn timers(&mut self, now: Timestamp, config: &DriverConfig) -> Option<Status> {
        if self.grace.is_some_and(|g| g <= now) {
            return Some(match self.failed.take() {
                Some(e) => self.end(Err(DriveError::Protocol(e))),
                None => self.end(Err(DriveError::ShutdownTimedOut)),
            });
        }
        let idle_since = *self.idle_since.get_or_insert(now);
        if config.idle_timeout.is_some_and(|d| idle_since + d <= now) {
            return Some(self.end(Err(DriveError::TimedOut)));
        }
        if self.failed.is_none() && self.machine.poll_timeout().is_some_and(|t| t <= now) {
            if let Err(e) = self.machine.handle_timeout(now) {
                self.fail(e, now, config.shutdown_grace);
            }
        }
        if self.handler.poll_timeout().is_some_and(|t| t <= now) {
            self.handler.handle_timeout(&mut self.machine, now);
        }
        None
    }

    /// The socket refused a write.
    fn write_failed(&mut self, e: io::Error) -> Status {
        match self.failed.take() {
            // The reaction could not leave; the protocol error is the news.
            Some(p) => self.end(Err(DriveError::Protocol(p))),
            None => self.end(Err(DriveError::Io(e))),
        }
    }

    /// Where the connection waits: its earliest deadline, or the end when nothing can happen.
    fn wait(&mut self, now: Timestamp, config: &DriverConfig, blocked: bool) -> Status {
        let idle = config
            .idle_timeout
            .map(|d| self.idle_since.unwrap_or(now) + d);
        let deadline = [
            self.machine.poll_timeout(),
            self.handler.poll_timeout(),
            self.grace,
            idle,
        ]
        .into_iter()
        .flatten()
        .min();
        if !blocked && deadline.is_none() {
            let can_read = !self.eof && !self.machine.input_buffer().is_empty();
            if !can_read {
                let e = if self.eof {
                    DriveError::PeerGone
                } else {
                    DriveError::Stalled
                };
                return self.end(Err(e));
            }
        }
        Status::Wait {
            write_interest: blocked,
            deadline,
            again: false,
        }
    }
}

impl<M, H, F> Drive for Conn<M, H, F>
where
    M: StreamMachine,
    H: Handler<M>,
    F: FnOnce(Finished<M, H>) -> Continue,
{
    fn set_readable(&mut self, closed: bool) {
        self.readable = true;
        self.closed_seen |= closed;
    }

    fn turn(&mut self, io: &mut TcpStream, ctx: &mut Ctx<'_>) -> Status {
        if self.result.is_some() {
            return Status::Done;
        }
        let now = ctx.epoch.now();
        if let Some(done) = self.timers(now, ctx.config) {
            return done;
        }
        let mut reads = 0;
        let mut batch = Batch::new();
        loop {
            // The rule: take every output from the machine before reading, waiting or
            // ending. It is written below, in one vectored write, before the next read or
            // wait.
            match self
                .output
                .gather(&mut self.machine, &mut batch, io, ctx.out, now)
            {
                Ok(true) => {}
                // Back-pressure: no events, no reads until the socket takes the output.
                Ok(false) => return self.wait(now, ctx.config, true),
                Err(e) => return self.write_failed(e),
            }
            // After an input error only its reaction goes out: no more events.
            if self.failed.is_none() {
                if let Some(event) = self.machine.poll_event() {
                    // Every event at hand first (pipelined requests, a burst of HTTP/2
                    // streams), then their output is taken together: a TLS machine seals it
                    // in one record instead of one record per response.
                    self.handler.on_event(&mut self.machine, event, now);
                    while let Some(event) = self.machine.poll_event() {
                        self.handler.on_event(&mut self.machine, event, now);
                    }
                    continue;
                }
                if let Some(e) = self.machine.poll_error() {
                    self.fail(e, now, ctx.config.shutdown_grace);
                    continue;
                }
            }
            match self.output.write_batch(&mut batch, io, ctx.out) {
                Ok(true) => {}
                Ok(false) => return self.wait(now, ctx.config, true),
                Err(e) => return self.write_failed(e),
            }
            if let Some(e) = self.failed.take() {
                let _ = io.shutdown(Shutdown::Write);
                return self.end(Err(DriveError::Protocol(e)));
            }
            if self.machine.is_handed_off() {
                return self.end(Ok(End::HandedOff));
            }
            if self.machine.is_closed() {
                let _ = io.shutdown(Shutdown::Write);
                return self.end(Ok(End::Closed));
            }
            if !self.readable || self.eof {
                return self.wait(now, ctx.config, false);
            }
            if reads == ctx.config.reads_per_turn {
                // Fair to the others: come back after their turn.
                let mut status = self.wait(now, ctx.config, false);
                if let Status::Wait { again, .. } = &mut status {
                    *again = true;
                }
                return status;
            }
            let buf = self.machine.input_buffer();
            if buf.is_empty() {
                // The machine waits for the application or a timer: leave the bytes in the
                // socket (the peer's window fills, it slows down).
                return self.wait(now, ctx.config, false);
            }
            reads += 1;
            let buf_len = buf.len();
            let result = match io.read(buf) {
                Ok(0) => {
                    self.eof = true;
                    self.machine.handle_eof(now)
                }
                Ok(n) => {
                    if SHORT_READ_DRAINS && n < buf_len && !self.closed_seen {
                        // The socket had no more: skip the read that would say WouldBlock.
                        self.readable = false;
                    }
                    self.idle_since = Some(now);
                    self.machine.commit_input(now, n)
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
                Err(e) => return self.end(Err(DriveError::Io(e))),
            };
            if let Err(e) = result {
                self.fail(e, now, ctx.config.shutdown_grace);
            }
        }
    }

    fn close(&mut self, now: Timestamp, grace: Duration) {
        if self.grace.is_none() {
            // The application chooses how (a 1001 close frame, a GOAWAY); the default is
            // the machine's `close`.
            self.handler.on_shutdown(&mut self.machine, now);
            self.grace = Some(now + grace);
        }
    }

    fn finish(self: Box<Self>, io: StdTcpStream, now: Timestamp) -> (Ending, Continue) {
        let this = *self;
        let result = this.result.unwrap_or(Err(DriveError::ShutdownTimedOut));
        let ending = match &result {
            Ok(End::Closed) => Ending::Closed,
            Ok(End::HandedOff) => Ending::HandedOff,
            Err(DriveError::TimedOut) => Ending::TimedOut,
            Err(_) => Ending::Failed,
        };
        let next = this.on_finish.and_then(|f| {
            f(Finished {
                machine: this.machine,
                handler: this.handler,
                stream: io,
                result,
                now,
            })
        });
        (ending, next)
    }
}
