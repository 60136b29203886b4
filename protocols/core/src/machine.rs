//! The one driving contract: every protocol machine is driven through these traits.
//!
//! Method groups (see `docs/ARCHITECTURE.md`):
//!
//! * **inputs**: [`StreamMachine::handle_input`] (or the zero-copy pair
//!   [`StreamMachine::input_buffer`] / [`StreamMachine::commit_input`]),
//!   [`StreamMachine::handle_eof`], [`DatagramMachine::handle_datagram`],
//!   [`Machine::handle_timeout`];
//! * **outputs**, drained in this order until each returns nothing:
//!   [`StreamMachine::poll_transmit`] (or [`StreamMachine::poll_transmit_vectored`]),
//!   [`Machine::poll_event`], then [`Machine::poll_timeout`] to learn when to call
//!   `handle_timeout` next;
//! * **actions**: each protocol's own methods (`send_response`, `send_message`, `query`, …),
//!   plus [`Machine::close`]; they only queue output and never block. Actions take no time:
//!   a timer an action starts is armed from the time of the next call that carries one, which
//!   under the rule is the `poll_transmit(now, …)` right after the action;
//! * **errors**: an input returns a fatal error directly; an error found while an action or
//!   `poll_event` processed buffered input comes from [`Machine::poll_error`];
//! * **hand-off**: [`StreamMachine::is_handed_off`] tells a driver to stop and give the
//!   transport back open, for the protocol the connection switched to.
//!
//! **The rule**: after any input or action, drain the outputs before the next input.

use core::net::SocketAddr;

use crate::Timestamp;

/// What every machine has, whatever carries its bytes.
pub trait Machine {
    /// What the machine tells the application (a request head arrived, a message, …).
    type Event;
    /// The crate's error. Returned from an input it is fatal for the connection: the machine
    /// has already queued its protocol's reaction (an HTTP 400, a GOAWAY, a close frame), so
    /// the caller drains [`StreamMachine::poll_transmit`] and then closes the transport.
    type Error;

    /// Tells the machine that `now` has been reached. Call it when the time from
    /// [`Machine::poll_timeout`] has passed; calls that come early are harmless.
    ///
    /// # Errors
    /// A timer whose expiry is fatal (a handshake that never finished, an unanswered
    /// SETTINGS) ends the connection like an input error does.
    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Self::Error>;

    /// The earliest time at which [`Machine::handle_timeout`] must be called, or `None` when no
    /// timer is armed. Ask again after every input, action or timeout: timers move.
    #[must_use]
    fn poll_timeout(&mut self) -> Option<Timestamp>;

    /// The next event for the application, or `None` when there is none now. Events carry owned
    /// or ref-counted payloads, so the application can act on the machine while holding one.
    #[must_use]
    fn poll_event(&mut self) -> Option<Self::Event>;

    /// Begins a graceful close (a GOAWAY, a close frame, `Connection: close` after the current
    /// exchange): the closing output is queued like any action's. Calling it twice is harmless.
    fn close(&mut self, now: Timestamp);

    /// Whether the machine is finished: it will produce no more output and accepts no more
    /// input, so once its transmit queue is drained the transport can be closed.
    #[must_use]
    fn is_closed(&self) -> bool;

    /// A fatal protocol error found outside an input call: while an action or
    /// [`Machine::poll_event`] processed input that was already buffered (a malformed pipelined
    /// HTTP/1.1 request that is parsed only once the response before it is done, say).
    ///
    /// Drivers ask after draining events. On `Some` the connection ends exactly as after an
    /// error returned from an input: the machine has queued its reaction, so write out
    /// [`StreamMachine::poll_transmit`], then close. The default never reports one.
    #[must_use]
    fn poll_error(&mut self) -> Option<Self::Error> {
        None
    }
}

/// A machine over a reliable, ordered byte stream (TCP, TLS, a Unix socket, a pipe).
///
/// # The canonical loop
///
/// ```no_run
/// use fasterapi_core::{Epoch, Machine, StreamMachine};
/// use std::io::{ErrorKind, Read, Write};
/// use std::time::{Duration, Instant};
///
/// fn run<M>(
///     machine: &mut M,
///     socket: &mut std::net::TcpStream,
///     mut on_event: impl FnMut(&mut M, M::Event),
/// ) -> Result<(), Box<dyn std::error::Error>>
/// where
///     M: StreamMachine,
///     M::Error: std::error::Error + 'static,
/// {
///     let epoch = Epoch::new();
///     let mut out = vec![0u8; 16 * 1024];
///     let mut eof = false;
///     let mut failed: Option<M::Error> = None;
///     loop {
///         // The rule: after any input or action, drain every output.
///         loop {
///             let n = machine.poll_transmit(epoch.now(), &mut out);
///             if n == 0 {
///                 break;
///             }
///             socket.write_all(&out[..n])?;
///         }
///         if let Some(e) = failed.take() {
///             return Err(e.into()); // its reaction (a 400, a GOAWAY) is written out
///         }
///         if let Some(event) = machine.poll_event() {
///             on_event(machine, event); // actions queue output: loop to drain it
///             continue;
///         }
///         if let Some(e) = machine.poll_error() {
///             failed = Some(e);
///             continue;
///         }
///         if machine.is_closed() || machine.is_handed_off() {
///             return Ok(());
///         }
///         if eof {
///             // Nothing more will arrive: only the machine's own timers can still act.
///             let Some(t) = machine.poll_timeout() else { return Ok(()) };
///             std::thread::sleep(epoch.instant(t).saturating_duration_since(Instant::now()));
///             failed = machine.handle_timeout(epoch.now()).err();
///             continue;
///         }
///         // Sleep until input arrives or the machine's timer is due.
///         let wait = machine
///             .poll_timeout()
///             .map(|t| epoch.instant(t).saturating_duration_since(Instant::now()));
///         socket.set_read_timeout(wait.map(|d| d.max(Duration::from_millis(1))))?;
///         let result = match socket.read(machine.input_buffer()) {
///             Ok(0) => {
///                 eof = true;
///                 machine.handle_eof(epoch.now())
///             }
///             Ok(n) => machine.commit_input(epoch.now(), n),
///             Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
///                 machine.handle_timeout(epoch.now())
///             }
///             Err(e) => return Err(e.into()),
///         };
///         failed = result.err();
///     }
/// }
/// ```
///
/// [`BlockingDriver`](crate::BlockingDriver) is this loop, finished, with timeouts and error
/// handling; the runtime adapters are the same loop over their event loops.
pub trait StreamMachine: Machine {
    /// An application payload the machine hands out without copying it, through
    /// [`StreamMachine::poll_transmit_vectored`] (for example `bytes::Bytes`). Machines that
    /// never do so use [`NoPayload`].
    type Payload: AsRef<[u8]>;

    /// Feeds received bytes; returns how many were consumed.
    ///
    /// A machine consumes fewer than it was given only under back-pressure (see
    /// [`StreamMachine::input_buffer`]): drain its outputs or act, then call again with the
    /// rest. A peer that sends more than a limit allows gets a limit error, not back-pressure.
    ///
    /// The default copies through [`StreamMachine::input_buffer`] and
    /// [`StreamMachine::commit_input`]; machines that can parse borrowed input in place
    /// override it.
    ///
    /// # Errors
    /// Malformed input, a protocol violation or a crossed limit; see [`Machine::Error`].
    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, Self::Error> {
        let mut consumed = 0;
        while consumed < input.len() {
            let buf = self.input_buffer();
            let n = buf.len().min(input.len() - consumed);
            if n == 0 {
                break;
            }
            buf[..n].copy_from_slice(&input[consumed..consumed + n]);
            self.commit_input(now, n)?;
            consumed += n;
        }
        Ok(consumed)
    }

    /// The free part of the machine's receive buffer, for the transport to read into without
    /// a copy.
    ///
    /// Empty while the machine applies back-pressure: it waits for its outputs to be drained,
    /// or for the application to act (to answer the request it holds while pipelined requests
    /// fill the buffer). Stop reading until an action, a timer or a drain changes that; with
    /// nothing left to drain, nothing armed and no action coming, the connection is stuck,
    /// which drivers report instead of spinning.
    fn input_buffer(&mut self) -> &mut [u8];

    /// Tells the machine that the first `n` bytes of [`StreamMachine::input_buffer`] now hold
    /// received data, and processes them.
    ///
    /// # Errors
    /// As for [`StreamMachine::handle_input`].
    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Self::Error>;

    /// The peer closed its sending side (a read returned 0 bytes). Some protocols end a
    /// message here (an HTTP/1.0 body); for others it is an error if a message was in flight.
    ///
    /// # Errors
    /// The stream ended where the protocol does not allow it to.
    fn handle_eof(&mut self, now: Timestamp) -> Result<(), Self::Error>;

    /// Whether the machine has handed the connection over to another protocol (an HTTP/1.1
    /// `Upgrade` to WebSocket or h2c, a tunnel after CONNECT): it takes no more input and has
    /// written its last byte, and the transport must stay open for the new protocol. Drivers
    /// stop and give the transport back without closing it; the bytes that arrived after the
    /// hand-over come with the machine's own switch event. The default never hands off.
    #[must_use]
    fn is_handed_off(&self) -> bool {
        false
    }

    /// Encodes the next output bytes into `buf`, which the caller owns; returns how many were
    /// written, `0` when nothing is queued. Any `buf` of one byte or more works: a stream has
    /// no boundaries, so output that does not fit continues in the next call.
    #[must_use]
    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize;

    /// The vectored form: encodes framing into `buf` and may hand out the application payload
    /// that follows it without copying. The caller writes `buf[..len]` and then the whole
    /// payload, in that order, before calling again. Mixing this with
    /// [`StreamMachine::poll_transmit`] is allowed; both give the same byte stream.
    ///
    /// The default never hands out a payload.
    fn poll_transmit_vectored(
        &mut self,
        now: Timestamp,
        buf: &mut [u8],
    ) -> Transmit<Self::Payload> {
        Transmit {
            len: self.poll_transmit(now, buf),
            payload: None,
        }
    }
}

/// Output of [`StreamMachine::poll_transmit_vectored`]: `len` bytes of the caller's buffer, then
/// an optional payload owned by the caller from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Transmit<P> {
    /// How many bytes were encoded into the caller's buffer.
    pub len: usize,
    /// A payload to write after those bytes, handed over without a copy.
    pub payload: Option<P>,
}

impl<P: AsRef<[u8]>> Transmit<P> {
    /// The total number of bytes to write.
    pub fn total_len(&self) -> usize {
        self.len + self.payload.as_ref().map_or(0, |p| p.as_ref().len())
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.total_len() == 0
    }
}

/// The payload type of machines that never hand out a payload: it has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPayload {}

impl AsRef<[u8]> for NoPayload {
    fn as_ref(&self) -> &[u8] {
        match *self {}
    }
}

/// A machine over datagrams (QUIC over UDP).
pub trait DatagramMachine: Machine {
    /// Feeds one received datagram from `remote`.
    ///
    /// # Errors
    /// Only errors fatal to the whole machine; a bad datagram is dropped, as the protocols
    /// that run over datagrams require.
    fn handle_datagram(
        &mut self,
        now: Timestamp,
        remote: SocketAddr,
        datagram: &[u8],
    ) -> Result<(), Self::Error>;

    /// Encodes the next datagram into `buf`, which the caller owns and sizes for the path's
    /// largest datagram; `None` when nothing is queued.
    #[must_use]
    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> Option<DatagramTransmit>;
}

/// One datagram written by [`DatagramMachine::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatagramTransmit {
    /// Where to send it.
    pub remote: SocketAddr,
    /// Its length in the caller's buffer.
    pub len: usize,
}

impl DatagramTransmit {
    /// A datagram of `len` bytes for `remote`.
    pub const fn new(remote: SocketAddr, len: usize) -> Self {
        Self { remote, len }
    }
}
