//! The stdio transport as a [`StreamMachine`]: newline-delimited JSON-RPC over any reliable
//! byte stream (a child's stdin/stdout, a Unix socket, TCP), feeding an [`Engine`].

use alloc::vec;
use alloc::vec::Vec;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};

use crate::Error;
use crate::engine::{Engine, Event, Output};
use crate::framing::LineReader;

/// Default stdio line limit: 4 MiB, the codec's default message limit.
pub const DEFAULT_MAX_LINE: usize = 4 * 1024 * 1024;

/// An MCP server over a newline-delimited stream.
///
/// Output order: each [`Output`] of the engine becomes one line. The end of input closes the
/// server once its output is written (2026-07-28 transports/stdio §"Shutdown": servers exit
/// when stdin closes).
#[derive(Debug)]
pub struct StdioServer {
    engine: Engine,
    reader: LineReader,
    scratch: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
    failed: bool,
}

impl StdioServer {
    /// A server over `engine` with lines of at most `max_line` bytes.
    pub fn new(engine: Engine, max_line: usize) -> Self {
        Self {
            engine,
            reader: LineReader::new(max_line),
            scratch: vec![0; 16 * 1024],
            out: Vec::new(),
            out_pos: 0,
            eof: false,
            failed: false,
        }
    }

    /// The engine, for actions (`complete`, `progress`, `notify_*`, …).
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    fn feed(&mut self, now: Timestamp, data: &[u8]) -> Result<(), Error> {
        let engine = &mut self.engine;
        let r = self
            .reader
            .feed(data, |line| engine.handle_payload(now, line));
        r.map_err(|e| {
            self.failed = true;
            Error::LineTooLong { limit: e.limit }
        })
    }

    fn refill(&mut self) {
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            while let Some(Output { payload, .. }) = self.engine.poll_output() {
                payload.encode(&mut self.out);
                self.out.push(b'\n');
                if self.out.len() >= 64 * 1024 {
                    break;
                }
            }
        }
    }
}

impl Machine for StdioServer {
    type Event = Event;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        self.engine.handle_timeout(now);
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.engine.poll_timeout()
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.engine.poll_event()
    }

    fn close(&mut self, _now: Timestamp) {
        self.engine.close();
    }

    fn is_closed(&self) -> bool {
        (self.eof || self.failed || self.engine.is_closed()) && self.out_pos == self.out.len()
    }
}

impl StreamMachine for StdioServer {
    type Payload = NoPayload;

    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        if self.failed || self.eof {
            return Ok(input.len());
        }
        self.feed(now, input)?;
        Ok(input.len())
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        &mut self.scratch
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Error> {
        if self.failed || self.eof {
            return Ok(());
        }
        let data = core::mem::take(&mut self.scratch);
        let r = self.feed(now, &data[..n.min(data.len())]);
        self.scratch = data;
        r
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Error> {
        self.eof = true;
        self.engine.close();
        Ok(())
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        self.refill();
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        n
    }
}
