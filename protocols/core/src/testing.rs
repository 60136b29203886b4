//! Deterministic in-memory testing of a client and a server machine (feature `testing`).
//!
//! [`Pair`] wires two [`StreamMachine`]s together through in-memory byte queues on a virtual
//! clock. Nothing is random and nothing reads a real clock, so a failing test fails the same way
//! every time. Every protocol crate's tests reuse it.
//!
//! * [`Pair::step`] moves bytes once in each direction, fires due timers, drains outputs;
//! * [`Pair::drive`] steps until nothing moves at the current time (panics on livelock);
//! * [`Pair::drive_bounded`] is the same with a step budget, returning [`Livelock`] when the
//!   machines are still busy after it;
//! * [`Pair::advance`] and [`Pair::advance_to_next_timeout`] move the virtual clock.
//!
//! Input can be cut into pieces of at most [`Pair::with_chunk_size`] bytes, to check that a
//! machine gives the same events however its input is split.

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::{Machine, StreamMachine, Timestamp};

/// How the pair hands bytes to a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InputPath {
    /// Through [`StreamMachine::handle_input`].
    #[default]
    HandleInput,
    /// Through [`StreamMachine::input_buffer`] and [`StreamMachine::commit_input`], as a
    /// zero-copy adapter would.
    ZeroCopy,
}

/// The machines were still exchanging bytes or events after the step budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Livelock {
    /// Steps taken.
    pub steps: usize,
    /// Bytes waiting for the server when it gave up.
    pub to_server: usize,
    /// Bytes waiting for the client when it gave up.
    pub to_client: usize,
}

impl fmt::Display for Livelock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "livelock: still busy after {} steps ({} bytes in flight to the server, {} to the client)",
            self.steps, self.to_server, self.to_client
        )
    }
}

impl core::error::Error for Livelock {}

/// One side of a [`Pair`]: a machine and what it produced.
pub struct Side<M: Machine> {
    /// The machine, for actions and inspection.
    pub machine: M,
    /// Events the machine produced, in order, not yet taken.
    pub events: Vec<M::Event>,
    /// The first error the machine returned; after it the machine receives no more input.
    pub error: Option<M::Error>,
    /// Bytes on their way to this machine.
    inbound: VecDeque<u8>,
    /// Whether the peer's stream has ended (it closed, or failed).
    peer_closed: bool,
    /// Whether `handle_eof` was delivered.
    eof_delivered: bool,
    /// Whether this side's own stream has ended.
    closed: bool,
    /// Whether the machine handed the connection off to another protocol.
    handed_off: bool,
    /// Bytes this machine received in all.
    pub bytes_received: u64,
}

impl<M: Machine> fmt::Debug for Side<M>
where
    M: fmt::Debug,
    M::Event: fmt::Debug,
    M::Error: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Side")
            .field("machine", &self.machine)
            .field("events", &self.events)
            .field("error", &self.error)
            .field("inbound", &self.inbound.len())
            .field("closed", &self.closed)
            .field("bytes_received", &self.bytes_received)
            .finish_non_exhaustive()
    }
}

impl<M: StreamMachine> Side<M> {
    fn new(machine: M) -> Self {
        Self {
            machine,
            events: Vec::new(),
            error: None,
            inbound: VecDeque::new(),
            peer_closed: false,
            eof_delivered: false,
            closed: false,
            handed_off: false,
            bytes_received: 0,
        }
    }

    /// Takes the events produced so far.
    pub fn take_events(&mut self) -> Vec<M::Event> {
        core::mem::take(&mut self.events)
    }

    /// Whether this side's stream has ended: the machine closed, or failed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether the machine handed the connection off (see
    /// [`StreamMachine::is_handed_off`]): it gets no more input, and the peer sees no end of
    /// stream. The bytes still on their way to it belong to the new protocol.
    pub fn is_handed_off(&self) -> bool {
        self.handed_off
    }

    /// Takes the bytes on their way to this side, to feed them to the protocol a handed-off
    /// connection switched to.
    pub fn take_inbound(&mut self) -> Vec<u8> {
        self.inbound.drain(..).collect()
    }

    /// Feeds up to `chunk` bytes of inbound data (or the end of stream); true on progress.
    fn deliver(&mut self, now: Timestamp, chunk: usize, path: InputPath) -> bool {
        if self.error.is_some() || self.handed_off {
            return false;
        }
        if self.inbound.is_empty() {
            if self.peer_closed && !self.eof_delivered {
                self.eof_delivered = true;
                let r = self.machine.handle_eof(now);
                self.record(r);
                return true;
            }
            return false;
        }
        let (front, _) = self.inbound.as_slices();
        let piece = &front[..front.len().min(chunk)];
        let result = match path {
            InputPath::HandleInput => self.machine.handle_input(now, piece),
            InputPath::ZeroCopy => {
                let buf = self.machine.input_buffer();
                let n = buf.len().min(piece.len());
                buf[..n].copy_from_slice(&piece[..n]);
                if n == 0 {
                    Ok(0)
                } else {
                    self.machine.commit_input(now, n).map(|()| n)
                }
            }
        };
        match result {
            Ok(n) => {
                assert!(
                    n <= piece.len(),
                    "machine consumed more bytes than it was given"
                );
                self.inbound.drain(..n);
                self.bytes_received += n as u64;
                n > 0
            }
            Err(e) => {
                self.error = Some(e);
                true
            }
        }
    }

    fn record(&mut self, r: Result<(), M::Error>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(e);
            }
        }
    }

    /// Fires the timer if due; true on progress.
    fn fire_timer(&mut self, now: Timestamp) -> bool {
        if self.error.is_some() || self.closed || self.handed_off {
            return false;
        }
        match self.machine.poll_timeout() {
            Some(t) if t <= now => {
                let r = self.machine.handle_timeout(now);
                self.record(r);
                true
            }
            _ => false,
        }
    }

    /// Drains transmit into `out` and events into the list; true on progress.
    fn drain(&mut self, now: Timestamp, out: &mut VecDeque<u8>, scratch: &mut [u8]) -> bool {
        let mut progress = false;
        if !self.closed {
            loop {
                let t = self.machine.poll_transmit_vectored(now, scratch);
                if t.is_empty() {
                    break;
                }
                out.extend(&scratch[..t.len]);
                if let Some(p) = &t.payload {
                    out.extend(p.as_ref());
                }
                progress = true;
            }
        }
        while let Some(ev) = self.machine.poll_event() {
            self.events.push(ev);
            progress = true;
        }
        if self.error.is_none() {
            if let Some(e) = self.machine.poll_error() {
                self.error = Some(e);
                // The reaction the machine queued goes out on the next drain.
                return true;
            }
        }
        if !self.handed_off && !self.closed && self.machine.is_handed_off() {
            self.handed_off = true;
            progress = true;
        }
        if !self.closed && (self.machine.is_closed() || self.error.is_some()) {
            self.closed = true;
            progress = true;
        }
        progress
    }
}

/// A client and a server machine connected in memory, on a virtual clock.
///
/// ```text
/// let mut pair = Pair::new(client, server).with_chunk_size(1);
/// pair.client.machine.send_request(...);   // an action
/// pair.drive();                            // bytes flow both ways until quiet
/// let events = pair.server.take_events();
/// pair.advance(Duration::from_secs(30));   // idle timers fire in virtual time
/// ```
///
/// `protocols/core/tests/pair.rs` in the repository runs a complete line protocol through it.
pub struct Pair<C: Machine, S: Machine> {
    /// The client side.
    pub client: Side<C>,
    /// The server side.
    pub server: Side<S>,
    now: Timestamp,
    chunk: usize,
    client_path: InputPath,
    server_path: InputPath,
    scratch: Vec<u8>,
    /// Steps taken in all.
    pub steps: usize,
}

impl<C: Machine, S: Machine> fmt::Debug for Pair<C, S>
where
    Side<C>: fmt::Debug,
    Side<S>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pair")
            .field("now", &self.now)
            .field("steps", &self.steps)
            .field("client", &self.client)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// The step budget of [`Pair::drive`].
pub const DRIVE_BUDGET: usize = 100_000;

impl<C: StreamMachine, S: StreamMachine> Pair<C, S> {
    /// Connects `client` and `server` at [`Timestamp::ZERO`], passing whole input.
    pub fn new(client: C, server: S) -> Self {
        Self {
            client: Side::new(client),
            server: Side::new(server),
            now: Timestamp::ZERO,
            chunk: usize::MAX,
            client_path: InputPath::HandleInput,
            server_path: InputPath::HandleInput,
            scratch: vec![0; 4096],
            steps: 0,
        }
    }

    /// Feeds input in pieces of at most `bytes` (at least 1).
    #[must_use]
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(1);
        self
    }

    /// Encodes output through a buffer of `bytes` (at least 1), to exercise machines that
    /// must continue output across calls.
    #[must_use]
    pub fn with_transmit_buffer(mut self, bytes: usize) -> Self {
        self.scratch = vec![0; bytes.max(1)];
        self
    }

    /// Chooses how each side receives its input.
    #[must_use]
    pub fn with_input_paths(mut self, client: InputPath, server: InputPath) -> Self {
        self.client_path = client;
        self.server_path = server;
        self
    }

    /// The virtual time.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// One round: drain both machines' outputs, deliver one piece of input each way, fire due
    /// timers. Returns whether anything happened. The clock does not move.
    pub fn step(&mut self) -> bool {
        self.steps += 1;
        let now = self.now;
        let mut progress = false;
        progress |= self
            .client
            .drain(now, &mut self.server.inbound, &mut self.scratch);
        progress |= self
            .server
            .drain(now, &mut self.client.inbound, &mut self.scratch);
        self.server.peer_closed |= self.client.closed;
        self.client.peer_closed |= self.server.closed;
        progress |= self.server.deliver(now, self.chunk, self.server_path);
        progress |= self.client.deliver(now, self.chunk, self.client_path);
        progress |= self.client.fire_timer(now);
        progress |= self.server.fire_timer(now);
        progress
    }

    /// Steps until nothing happens at the current time, at most `budget` steps.
    ///
    /// # Errors
    /// [`Livelock`] when the machines are still busy after `budget` steps.
    pub fn drive_bounded(&mut self, budget: usize) -> Result<usize, Livelock> {
        for taken in 0..budget {
            if !self.step() {
                return Ok(taken);
            }
        }
        Err(Livelock {
            steps: budget,
            to_server: self.server.inbound.len(),
            to_client: self.client.inbound.len(),
        })
    }

    /// Steps until nothing happens at the current time.
    ///
    /// # Panics
    /// On livelock: still busy after [`DRIVE_BUDGET`] steps. Use
    /// [`Pair::drive_bounded`] to handle it.
    pub fn drive(&mut self) {
        if let Err(livelock) = self.drive_bounded(DRIVE_BUDGET) {
            panic!("Pair::drive: {livelock}");
        }
    }

    /// The earliest timer of either machine.
    pub fn next_timeout(&mut self) -> Option<Timestamp> {
        let c = (!self.client.closed)
            .then(|| self.client.machine.poll_timeout())
            .flatten();
        let s = (!self.server.closed)
            .then(|| self.server.machine.poll_timeout())
            .flatten();
        match (c, s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Moves the clock forward by `d`, firing and driving every timer due on the way in order.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.drive();
        while let Some(t) = self.next_timeout() {
            if t > target {
                break;
            }
            self.now = self.now.max(t);
            self.drive();
        }
        self.now = self.now.max(target);
        self.drive();
    }

    /// Jumps the clock to the earliest timer and drives; returns the new time, or `None` when
    /// no timer is armed.
    pub fn advance_to_next_timeout(&mut self) -> Option<Timestamp> {
        let t = self.next_timeout()?;
        self.now = self.now.max(t);
        self.drive();
        Some(self.now)
    }
}
