//! A blocking driver: any [`StreamMachine`] over `std::io::Read + Write`, with timeouts.

extern crate alloc;
extern crate std;

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use std::io::{self, ErrorKind, IoSlice, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Instant;

use crate::{Epoch, StreamMachine, Timestamp};

/// What the blocking driver needs of a transport beyond `Read + Write`.
pub trait BlockingIo: Read + Write {
    /// Bounds the next reads: `None` blocks without limit. A read that runs out of time fails
    /// with `WouldBlock` or `TimedOut`.
    ///
    /// # Errors
    /// As the transport reports them.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// Closes the sending side (a TCP FIN), so the peer reads end of stream.
    ///
    /// # Errors
    /// As the transport reports them.
    fn shutdown_write(&mut self) -> io::Result<()>;
}

impl BlockingIo for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        match self.shutdown(Shutdown::Write) {
            // The peer may have gone already; there is nothing left to tell it.
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

#[cfg(unix)]
impl BlockingIo for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }
}

/// Any `Read + Write` transport without read timeouts (a pipe, an in-memory stream, a TLS
/// stream whose socket you configure yourself): reads block until data or end of stream, so the
/// machine's timers fire only between reads, and closing the sending side only flushes.
///
/// ```
/// use fasterapi_core::{BlockingIo, Untimed};
/// use std::io::Read;
///
/// let mut io = Untimed(std::io::Cursor::new(b"hello".to_vec()));
/// io.set_read_timeout(None).unwrap(); // accepted and ignored
/// let mut buf = [0; 5];
/// io.read_exact(&mut buf).unwrap();
/// assert_eq!(&buf, b"hello");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Untimed<T>(pub T);

impl<T: Read> Read for Untimed<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<T: Write> Write for Untimed<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<T: Read + Write> BlockingIo for Untimed<T> {
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Options of the [`BlockingDriver`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DriverConfig {
    /// Size of the buffer output is encoded into (default 16 KiB).
    pub write_buffer: usize,
    /// How long [`BlockingDriver::next_event`] may wait with no byte received and no timer
    /// firing before it gives up with [`DriveError::TimedOut`] (default 30 s; `None` waits
    /// for ever, which only makes sense when the machine's own timers bound the wait).
    pub idle_timeout: Option<Duration>,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            write_buffer: 16 * 1024,
            idle_timeout: Some(Duration::from_secs(30)),
        }
    }
}

impl DriverConfig {
    /// Sets [`DriverConfig::idle_timeout`].
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`DriverConfig::write_buffer`] (at least one byte).
    #[must_use]
    pub fn write_buffer(mut self, bytes: usize) -> Self {
        self.write_buffer = bytes.max(1);
        self
    }
}

/// Why a driver stopped before its machine closed (or handed the connection off): the one
/// error of every adapter — this crate's [`BlockingDriver`], `fasterapi-tokio` and
/// `fasterapi-mio` re-export it — so an application matches the same variants on any runtime.
/// A driver reports only the variants that apply to it (the blocking driver has no shutdown
/// signal, so never [`DriveError::ShutdownTimedOut`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum DriveError<E> {
    /// The machine reported a protocol error; its reaction (a 400, a GOAWAY, a close frame)
    /// was written out first, as far as the transport took it.
    Protocol(E),
    /// The transport failed.
    Io(io::Error),
    /// Nothing arrived (and, for the blocking driver, no timer fired) within the driver's
    /// idle timeout.
    TimedOut,
    /// The machine had not closed within the driver's shutdown grace period after shutdown
    /// began.
    ShutdownTimedOut,
    /// The peer ended the stream and the machine, with nothing left to do, did not close.
    PeerGone,
    /// The machine takes no input (back-pressure: it waits for the application to act, for
    /// example to answer the request it holds) and has no event, no output and no timer, so
    /// waiting cannot help: a bug in the machine or in the application, which owes it an
    /// action. With the blocking driver: act on the machine, then call
    /// [`BlockingDriver::next_event`] again.
    Stalled,
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Io(e) => write!(f, "transport error: {e}"),
            Self::TimedOut => f.write_str("idle timeout: nothing arrived from the peer"),
            Self::ShutdownTimedOut => {
                f.write_str("the machine did not close within the shutdown grace period")
            }
            Self::PeerGone => f.write_str("the peer ended the stream"),
            Self::Stalled => f.write_str(
                "machine stalled: it takes no input until the application acts, and nothing else is pending",
            ),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::Io(e) => Some(e),
            Self::TimedOut | Self::ShutdownTimedOut | Self::PeerGone | Self::Stalled => None,
        }
    }
}

impl<E> From<io::Error> for DriveError<E> {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Runs a [`StreamMachine`] over a blocking transport, following the contract: after every
/// input and action it writes out all pending output before reading again, and it calls
/// `handle_timeout` when the machine's timer is due.
///
/// ```no_run
/// # fn demo<M: fasterapi_core::StreamMachine>(machine: M) -> Result<(), Box<dyn std::error::Error>>
/// # where M::Error: std::error::Error + 'static, M::Event: std::fmt::Debug {
/// use fasterapi_core::BlockingDriver;
/// let socket = std::net::TcpStream::connect("127.0.0.1:8080")?;
/// let mut driver = BlockingDriver::new(machine, socket);
/// // driver.machine_mut().send_request(...);   // an action of the protocol
/// driver.flush()?;
/// while let Some(event) = driver.next_event()? {
///     println!("{event:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BlockingDriver<M, T> {
    machine: M,
    io: T,
    epoch: Epoch,
    config: DriverConfig,
    out: Vec<u8>,
    eof: bool,
    write_closed: bool,
}

impl<M: StreamMachine, T: BlockingIo> BlockingDriver<M, T> {
    /// Drives `machine` over `io` with the default [`DriverConfig`].
    pub fn new(machine: M, io: T) -> Self {
        Self::with_config(machine, io, DriverConfig::default())
    }

    /// Drives `machine` over `io` with `config`.
    pub fn with_config(machine: M, io: T, config: DriverConfig) -> Self {
        let out = vec![0; config.write_buffer.max(1)];
        Self {
            machine,
            io,
            epoch: Epoch::new(),
            config,
            out,
            eof: false,
            write_closed: false,
        }
    }

    /// The machine, to inspect it.
    pub fn machine(&self) -> &M {
        &self.machine
    }

    /// The machine, to call its actions; follow with [`BlockingDriver::flush`] or
    /// [`BlockingDriver::next_event`], which both write out what the action queued.
    pub fn machine_mut(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The clock origin the driver converts `Instant`s with.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The current time on the driver's clock.
    pub fn now(&self) -> Timestamp {
        self.epoch.now()
    }

    /// Gives back the machine and the transport.
    pub fn into_parts(self) -> (M, T) {
        (self.machine, self.io)
    }

    /// Writes out everything the machine has queued; once the machine reports
    /// [`is_closed`](crate::Machine::is_closed), also closes the sending side.
    ///
    /// # Errors
    /// [`DriveError::Io`] when the transport fails.
    pub fn flush(&mut self) -> Result<(), DriveError<M::Error>> {
        loop {
            let t = self
                .machine
                .poll_transmit_vectored(self.epoch.now(), &mut self.out);
            if t.is_empty() {
                break;
            }
            match &t.payload {
                Some(payload) => write_both(&mut self.io, &self.out[..t.len], payload.as_ref())?,
                None => self.io.write_all(&self.out[..t.len])?,
            }
        }
        self.io.flush()?;
        if self.machine.is_closed() && !self.write_closed {
            self.write_closed = true;
            self.io.shutdown_write()?;
        }
        Ok(())
    }

    /// Runs the machine until it has an event for the application and returns it; `None` once
    /// the machine is closed or has handed the connection off (take the transport back with
    /// [`BlockingDriver::into_parts`]), or the peer closed the stream and the machine has
    /// nothing more to report, with all output written.
    ///
    /// # Errors
    /// A protocol error (after writing out the machine's reaction), a transport error, the
    /// idle timeout, or a stalled machine.
    pub fn next_event(&mut self) -> Result<Option<M::Event>, DriveError<M::Error>> {
        let mut idle_since = Instant::now();
        loop {
            self.flush()?;
            if let Some(event) = self.machine.poll_event() {
                return Ok(Some(event));
            }
            if let Some(e) = self.machine.poll_error() {
                // Best effort, as for input errors: the reaction first, then the error.
                let _ = self.flush();
                return Err(DriveError::Protocol(e));
            }
            if self.machine.is_closed() || self.machine.is_handed_off() {
                return Ok(None);
            }
            let timer = self.machine.poll_timeout();
            if self.eof {
                // Only the machine's own timers can still make progress.
                let Some(at) = timer else { return Ok(None) };
                std::thread::sleep(
                    self.epoch
                        .instant(at)
                        .saturating_duration_since(Instant::now()),
                );
                self.on_timeout()?;
                continue;
            }
            let now = Instant::now();
            let mut deadline = timer.map(|t| self.epoch.instant(t));
            let idle_deadline = self.config.idle_timeout.map(|d| idle_since + d);
            if let Some(idle) = idle_deadline {
                deadline = Some(deadline.map_or(idle, |d| d.min(idle)));
            }
            if let Some(d) = deadline {
                if d <= now {
                    if timer.is_some_and(|t| self.epoch.instant(t) <= now) {
                        self.on_timeout()?;
                        idle_since = Instant::now();
                        continue;
                    }
                    return Err(DriveError::TimedOut);
                }
            }
            // A zero read timeout is an error on most platforms: wait at least a millisecond.
            let wait = deadline.map(|d| (d - now).max(Duration::from_millis(1)));
            self.io.set_read_timeout(wait)?;
            let buf = self.machine.input_buffer();
            if buf.is_empty() {
                return Err(DriveError::Stalled);
            }
            match self.io.read(buf) {
                Ok(0) => {
                    self.eof = true;
                    let r = self.machine.handle_eof(self.epoch.now());
                    self.on_result(r)?;
                }
                Ok(n) => {
                    idle_since = Instant::now();
                    let r = self.machine.commit_input(self.epoch.now(), n);
                    self.on_result(r)?;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Runs the machine until it is closed or the stream ends, handing every event to
    /// `on_event` (which may call the machine's actions), and gives back the machine.
    ///
    /// # Errors
    /// As for [`BlockingDriver::next_event`].
    pub fn run(
        mut self,
        mut on_event: impl FnMut(&mut M, M::Event),
    ) -> Result<M, DriveError<M::Error>> {
        while let Some(event) = self.next_event()? {
            on_event(&mut self.machine, event);
        }
        self.flush()?;
        Ok(self.machine)
    }

    fn on_timeout(&mut self) -> Result<(), DriveError<M::Error>> {
        let r = self.machine.handle_timeout(self.epoch.now());
        self.on_result(r)
    }

    /// On a protocol error, write out the reaction the machine queued, then report the error.
    fn on_result(&mut self, r: Result<(), M::Error>) -> Result<(), DriveError<M::Error>> {
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                // Best effort: the peer may be gone already, and the protocol error is what
                // the caller needs to see.
                let _ = self.flush();
                Err(DriveError::Protocol(e))
            }
        }
    }
}

/// Writes `head` then `body` with vectored writes: framing and payload leave in one
/// `writev` (one segment on a `TCP_NODELAY` socket) instead of two writes.
fn write_both(io: &mut impl Write, mut head: &[u8], mut body: &[u8]) -> io::Result<()> {
    while !head.is_empty() {
        match io.write_vectored(&[IoSlice::new(head), IoSlice::new(body)]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) if n < head.len() => head = &head[n..],
            Ok(n) => {
                body = &body[n - head.len()..];
                head = &[];
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    io.write_all(body)
}

#[cfg(test)]
mod write_both_tests {
    use super::*;

    /// A writer that takes at most `step` bytes per call, through `write_vectored` too, and is
    /// interrupted every other call.
    struct Trickle {
        out: Vec<u8>,
        step: usize,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 0 {
                return Err(ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(self.step);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            self.write(first)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_split_writes_head_then_body_once() {
        let head: Vec<u8> = (0..23).collect();
        let body: Vec<u8> = (100..140).collect();
        for step in 1..=70 {
            let mut w = Trickle {
                out: Vec::new(),
                step,
                calls: 0,
            };
            write_both(&mut w, &head, &body).unwrap();
            assert_eq!(w.out, [&head[..], &body[..]].concat(), "step {step}");
        }
        let mut w = Trickle {
            out: Vec::new(),
            step: 0,
            calls: 0,
        };
        assert_eq!(
            write_both(&mut w, &head, &body).unwrap_err().kind(),
            ErrorKind::WriteZero
        );
    }
}
