//! [`Output`]: a connection's way out. A turn takes every transmit from the machine as soon as
//! it is queued (the drain rule), encoding framing into the reactor's shared buffer and keeping
//! payloads by reference in a [`Batch`], and writes the batch with one vectored write before it
//! reads, waits or ends, so the responses to pipelined requests leave in one `writev`. Only
//! what the socket does not take is kept per connection.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use fasterapi_core::{StreamMachine, Timestamp};

/// Most transmits gathered into one vectored write (two slices each).
const BATCH: usize = 16;

/// Output the socket has not taken yet, in order.
enum Pending<P> {
    /// Framing, copied out of the shared buffer.
    Framing(Vec<u8>),
    /// A payload the machine handed over.
    Payload(P),
}

impl<P: AsRef<[u8]>> Pending<P> {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Framing(v) => v,
            Self::Payload(p) => p.as_ref(),
        }
    }
}

/// A connection's unwritten output: empty, and holding no memory, while the socket keeps up.
pub(crate) struct Output<P> {
    pending: VecDeque<Pending<P>>,
    /// How much of the front entry is already written.
    front_written: usize,
}

impl<P: AsRef<[u8]>> Output<P> {
    pub(crate) fn new() -> Self {
        Self {
            pending: VecDeque::new(),
            front_written: 0,
        }
    }

    /// Takes every transmit `machine` has queued into `batch` (framing encoded into `out`),
    /// writing the batch whenever it is full: `Ok(true)` when the machine has nothing more,
    /// `Ok(false)` when the socket would block (what it did not take is kept).
    ///
    /// Pending output from an earlier turn goes first.
    pub(crate) fn gather<M, W>(
        &mut self,
        machine: &mut M,
        batch: &mut Batch<P>,
        io: &mut W,
        out: &mut [u8],
        now: Timestamp,
    ) -> io::Result<bool>
    where
        M: StreamMachine<Payload = P>,
        W: Write,
    {
        if !self.pending.is_empty() && !self.write_pending(io)? {
            return Ok(false);
        }
        loop {
            if (batch.count == BATCH || batch.used == out.len())
                && !self.write_batch(batch, io, out)?
            {
                return Ok(false);
            }
            let t = machine.poll_transmit_vectored(now, &mut out[batch.used..]);
            if t.is_empty() {
                return Ok(true);
            }
            batch.items[batch.count] = (batch.used, batch.used + t.len, t.payload);
            batch.used += t.len;
            batch.count += 1;
        }
    }

    /// Writes `batch` with one vectored write (framing from `out`, payloads by reference) and
    /// empties it: `Ok(true)` when everything left, `Ok(false)` when the socket would block
    /// (what it did not take is kept: framing copied, payloads by reference).
    pub(crate) fn write_batch<W: Write>(
        &mut self,
        batch: &mut Batch<P>,
        io: &mut W,
        out: &[u8],
    ) -> io::Result<bool> {
        if batch.count == 0 {
            return Ok(self.pending.is_empty());
        }
        let items = &mut batch.items[..batch.count];
        batch.count = 0;
        batch.used = 0;
        let mut slices = [IoSlice::new(&[]); 2 * BATCH];
        let mut n_slices = 0;
        for (start, end, payload) in items.iter() {
            for part in [
                &out[*start..*end],
                payload.as_ref().map_or(&[], AsRef::as_ref),
            ] {
                if !part.is_empty() {
                    slices[n_slices] = IoSlice::new(part);
                    n_slices += 1;
                }
            }
        }
        let (mut written, blocked) = match write_slices(io, &slices[..n_slices]) {
            Ok(n) => (n, false),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => (0, true),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => (0, false),
            Err(e) => return Err(e),
        };
        for (start, end, payload) in items.iter_mut() {
            let framing = &out[*start..*end];
            if written >= framing.len() {
                written -= framing.len();
            } else {
                self.keep(Pending::Framing(framing[written..].to_vec()), 0);
                written = 0;
            }
            if let Some(p) = payload.take() {
                let len = p.as_ref().len();
                if written >= len {
                    written -= len;
                } else {
                    self.keep(Pending::Payload(p), written);
                    written = 0;
                }
            }
        }
        if blocked {
            return Ok(false);
        }
        // A short write: the rest may still fit now.
        self.write_pending(io)
    }

    /// Queues unwritten output; `written` bytes of it are already out (only for the first).
    fn keep(&mut self, pending: Pending<P>, written: usize) {
        if self.pending.is_empty() {
            self.front_written = written;
        }
        self.pending.push_back(pending);
    }

    /// Writes the pending output until it is gone (`Ok(true)`) or the socket would block
    /// (`Ok(false)`).
    fn write_pending<W: Write>(&mut self, io: &mut W) -> io::Result<bool> {
        while !self.pending.is_empty() {
            let mut slices = [IoSlice::new(&[]); 2 * BATCH];
            let mut n_slices = 0;
            for (i, pending) in self.pending.iter().take(slices.len()).enumerate() {
                let skip = if i == 0 { self.front_written } else { 0 };
                slices[n_slices] = IoSlice::new(&pending.bytes()[skip..]);
                n_slices += 1;
            }
            let mut written = match write_slices(io, &slices[..n_slices]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            while let Some(front) = self.pending.front() {
                let left = front.bytes().len() - self.front_written;
                if written < left {
                    self.front_written += written;
                    break;
                }
                written -= left;
                self.front_written = 0;
                self.pending.pop_front();
            }
        }
        // A burst is over: do not keep its memory per idle connection.
        self.pending = VecDeque::new();
        Ok(true)
    }
}

/// Transmits taken from a machine in one turn and not written yet: ranges of the reactor's
/// shared buffer and the payloads after them. Lives on the stack for one turn; written out
/// before the turn reads, waits or ends.
pub(crate) struct Batch<P> {
    items: [(usize, usize, Option<P>); BATCH],
    count: usize,
    /// How much of the shared buffer the framing uses.
    used: usize,
}

impl<P> Batch<P> {
    pub(crate) fn new() -> Self {
        Self {
            items: core::array::from_fn(|_| (0, 0, None)),
            count: 0,
            used: 0,
        }
    }
}

/// One vectored write; a write of nothing into a non-empty request is an error, not a spin.
fn write_slices<W: Write>(io: &mut W, slices: &[IoSlice<'_>]) -> io::Result<usize> {
    let n = match slices {
        [] => return Ok(0),
        [one] => io.write(one)?,
        many => io.write_vectored(many)?,
    };
    if n == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    Ok(n)
}

#[cfg(test)]
mod tests;
