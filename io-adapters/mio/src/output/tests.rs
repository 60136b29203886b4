//! The output path against a socket that takes a few bytes at a time and blocks in between.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use fasterapi_core::{Machine, StreamMachine, Timestamp, Transmit};

use super::{Batch, Output};

/// A machine whose output is a list of (framing, payload) transmits.
struct Script {
    transmits: VecDeque<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Machine for Script {
    type Event = ();
    type Error = ();
    fn handle_timeout(&mut self, _now: Timestamp) -> Result<(), ()> {
        Ok(())
    }
    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }
    fn poll_event(&mut self) -> Option<()> {
        None
    }
    fn close(&mut self, _now: Timestamp) {}
    fn is_closed(&self) -> bool {
        self.transmits.is_empty()
    }
}

impl StreamMachine for Script {
    type Payload = Vec<u8>;
    fn input_buffer(&mut self) -> &mut [u8] {
        &mut []
    }
    fn commit_input(&mut self, _now: Timestamp, _n: usize) -> Result<(), ()> {
        Ok(())
    }
    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), ()> {
        Ok(())
    }
    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize {
        self.poll_transmit_vectored(now, buf).len
    }
    fn poll_transmit_vectored(&mut self, _now: Timestamp, buf: &mut [u8]) -> Transmit<Vec<u8>> {
        let Some((framing, payload)) = self.transmits.front_mut() else {
            return Transmit {
                len: 0,
                payload: None,
            };
        };
        // Framing that does not fit continues in the next call, as a stream machine's does.
        let n = framing.len().min(buf.len());
        buf[..n].copy_from_slice(&framing[..n]);
        framing.drain(..n);
        if !framing.is_empty() {
            return Transmit {
                len: n,
                payload: None,
            };
        }
        let payload = payload.take();
        self.transmits.pop_front();
        Transmit { len: n, payload }
    }
}

/// A socket that takes at most `chunk` bytes per write and blocks on every other write.
struct Trickle {
    got: Vec<u8>,
    chunk: usize,
    block_next: bool,
    writes: usize,
}

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.block_next = !self.block_next;
        if !self.block_next {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.writes += 1;
        let mut room = self.chunk;
        let mut n = 0;
        for b in bufs {
            let take = b.len().min(room);
            self.got.extend_from_slice(&b[..take]);
            room -= take;
            n += take;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One turn's output path: gather everything, then write the batch.
fn drain(
    out: &mut Output<Vec<u8>>,
    machine: &mut Script,
    io: &mut Trickle,
    buf: &mut [u8],
) -> bool {
    let mut batch = Batch::new();
    let gathered = out
        .gather(machine, &mut batch, io, buf, Timestamp::ZERO)
        .expect("no error");
    gathered && out.write_batch(&mut batch, io, buf).expect("no error")
}

fn script(n: usize) -> (Script, Vec<u8>) {
    let mut expected = Vec::new();
    let mut transmits = VecDeque::new();
    for i in 0..n {
        let framing = format!("head {i}\r\n").into_bytes();
        let payload = (i % 3 != 0).then(|| vec![b'a' + (i % 26) as u8; i * 7]);
        expected.extend_from_slice(&framing);
        expected.extend_from_slice(payload.as_deref().unwrap_or_default());
        transmits.push_back((framing, payload));
    }
    (Script { transmits }, expected)
}

#[test]
fn every_byte_leaves_in_order_through_partial_and_blocked_writes() {
    for chunk in [1, 3, 7, 64, 1000, 1 << 20] {
        for out_len in [1, 5, 16, 4096] {
            let (mut machine, expected) = script(40);
            let mut out = Output::new();
            let mut io = Trickle {
                got: Vec::new(),
                chunk,
                block_next: false,
                writes: 0,
            };
            let mut buf = vec![0u8; out_len];
            let mut rounds = 0;
            while !drain(&mut out, &mut machine, &mut io, &mut buf) {
                rounds += 1;
                assert!(rounds < 1_000_000, "no progress");
            }
            assert_eq!(io.got, expected, "chunk {chunk}, buffer {out_len}");
            assert!(out.pending.is_empty());
        }
    }
}

#[test]
fn pipelined_responses_leave_in_one_vectored_write() {
    let (mut machine, expected) = script(16);
    let mut out = Output::new();
    let mut io = Trickle {
        got: Vec::new(),
        chunk: usize::MAX,
        block_next: false, // the first write goes through
        writes: 0,
    };
    let mut buf = vec![0u8; 16 * 1024];
    let done = drain(&mut out, &mut machine, &mut io, &mut buf);
    assert!(done);
    assert_eq!(io.got, expected);
    assert_eq!(io.writes, 1, "16 transmits, one write");
}
