//! A small line protocol on the core contract, used to test the contract's drivers.
//!
//! Lines end with `\n`. The server answers `PING` with `PONG`, `ECHO text` with `text`, `QUIT`
//! with `BYE` and closes, `SWITCH` with `SWITCHED` and hands the connection off (what follows
//! belongs to another protocol); any other line gets `ERR unknown command`. A server that hears nothing
//! for `idle_timeout` says `BYE idle` and closes. Over-long lines are an error answered with
//! `ERR line too long` before closing.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use core::fmt;
use core::time::Duration;
use std::collections::VecDeque;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineError {
    TooLong { limit: usize },
    NotUtf8,
    Truncated,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            Self::NotUtf8 => f.write_str("line is not UTF-8"),
            Self::Truncated => f.write_str("stream ended inside a line"),
        }
    }
}

impl core::error::Error for LineError {}

/// Splits received bytes into lines, in a fixed-size receive buffer.
#[derive(Debug)]
struct LineReader {
    buf: Vec<u8>,
    len: usize,
    lines: VecDeque<String>,
}

impl LineReader {
    fn new(max_line: usize) -> Self {
        Self {
            buf: vec![0; max_line + 1],
            len: 0,
            lines: VecDeque::new(),
        }
    }

    fn free(&mut self) -> &mut [u8] {
        &mut self.buf[self.len..]
    }

    /// Takes `n` new bytes at the end of the buffer and splits off complete lines.
    fn commit(&mut self, n: usize) -> Result<(), LineError> {
        let start = self.len;
        self.len += n;
        let mut line_start = 0;
        // Only the new bytes are scanned: the old ones held no newline.
        for i in start..self.len {
            if self.buf[i] == b'\n' {
                let line = core::str::from_utf8(&self.buf[line_start..i])
                    .map_err(|_| LineError::NotUtf8)?;
                self.lines.push_back(line.to_owned());
                line_start = i + 1;
            }
        }
        self.buf.copy_within(line_start..self.len, 0);
        self.len -= line_start;
        if self.len == self.buf.len() {
            return Err(LineError::TooLong {
                limit: self.buf.len() - 1,
            });
        }
        Ok(())
    }

    fn has_partial_line(&self) -> bool {
        self.len > 0
    }

    /// Everything received but not yet returned as lines, raw.
    fn take_rest(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        for line in self.lines.drain(..) {
            rest.extend_from_slice(line.as_bytes());
            rest.push(b'\n');
        }
        rest.extend_from_slice(&self.buf[..self.len]);
        self.len = 0;
        rest
    }
}

/// Output bytes queued for the transport.
#[derive(Debug, Default)]
struct Outbox(VecDeque<u8>);

impl Outbox {
    fn line(&mut self, s: &str) {
        self.0.extend(s.as_bytes());
        self.0.push_back(b'\n');
    }

    fn transmit(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.0.len());
        for (dst, src) in buf.iter_mut().zip(self.0.drain(..n)) {
            *dst = src;
        }
        n
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    pub(crate) max_line: usize,
    pub(crate) idle_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_line: 256,
            idle_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug)]
pub(crate) struct LineServer {
    config: ServerConfig,
    reader: LineReader,
    out: Outbox,
    events: VecDeque<String>,
    last_input: Option<Timestamp>,
    closing: bool,
    switched: bool,
    leftover: Vec<u8>,
}

impl LineServer {
    pub(crate) fn new(config: ServerConfig) -> Self {
        Self {
            reader: LineReader::new(config.max_line),
            config,
            out: Outbox::default(),
            events: VecDeque::new(),
            last_input: None,
            closing: false,
            switched: false,
            leftover: Vec::new(),
        }
    }

    /// After `SWITCH`: the bytes received after the switch line.
    pub(crate) fn take_leftover(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.leftover)
    }

    fn answer(&mut self) {
        while let Some(line) = self.reader.lines.pop_front() {
            if self.closing || self.switched {
                break;
            }
            match line.as_str() {
                "SWITCH" => {
                    self.out.line("SWITCHED");
                    self.switched = true;
                    self.leftover = self.reader.take_rest();
                }
                "PING" => self.out.line("PONG"),
                "QUIT" => {
                    self.out.line("BYE");
                    self.closing = true;
                }
                l if l.starts_with("ECHO ") => self.out.line(&l[5..]),
                _ => self.out.line("ERR unknown command"),
            }
            self.events.push_back(line);
        }
    }
}

impl Machine for LineServer {
    type Event = String;
    type Error = LineError;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), LineError> {
        if let Some(t) = self.poll_timeout() {
            if now >= t {
                self.out.line("BYE idle");
                self.closing = true;
            }
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        if self.closing || self.switched {
            return None;
        }
        Some(self.last_input.unwrap_or(Timestamp::ZERO) + self.config.idle_timeout)
    }

    fn poll_event(&mut self) -> Option<String> {
        self.events.pop_front()
    }

    fn close(&mut self, _now: Timestamp) {
        if !self.closing {
            self.out.line("BYE");
            self.closing = true;
        }
    }

    fn is_closed(&self) -> bool {
        self.closing && self.out.0.is_empty()
    }
}

impl StreamMachine for LineServer {
    type Payload = NoPayload;

    fn input_buffer(&mut self) -> &mut [u8] {
        if self.closing || self.switched {
            &mut []
        } else {
            self.reader.free()
        }
    }

    fn is_handed_off(&self) -> bool {
        self.switched && self.out.0.is_empty()
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), LineError> {
        self.last_input = Some(now);
        let r = self.reader.commit(n);
        self.answer();
        if let Err(e) = &r {
            if matches!(e, LineError::TooLong { .. }) {
                self.out.line("ERR line too long");
            }
            self.closing = true;
        }
        r
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), LineError> {
        self.closing = true;
        if self.reader.has_partial_line() {
            Err(LineError::Truncated)
        } else {
            Ok(())
        }
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        self.out.transmit(buf)
    }
}

/// The client: sends lines, reports the lines it receives.
#[derive(Debug)]
pub(crate) struct LineClient {
    reader: LineReader,
    out: Outbox,
    peer_done: bool,
    closing: bool,
}

impl LineClient {
    pub(crate) fn new() -> Self {
        Self {
            reader: LineReader::new(256),
            out: Outbox::default(),
            peer_done: false,
            closing: false,
        }
    }

    /// The action: queue one line.
    pub(crate) fn send(&mut self, line: &str) {
        self.out.line(line);
    }

    /// Queues raw bytes, newline or not (to test what a server makes of broken input).
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        self.out.0.extend(bytes);
    }
}

impl Machine for LineClient {
    type Event = String;
    type Error = LineError;

    fn handle_timeout(&mut self, _now: Timestamp) -> Result<(), LineError> {
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }

    fn poll_event(&mut self) -> Option<String> {
        self.reader.lines.pop_front()
    }

    fn close(&mut self, _now: Timestamp) {
        self.closing = true;
    }

    fn is_closed(&self) -> bool {
        (self.closing || self.peer_done) && self.out.0.is_empty() && self.reader.lines.is_empty()
    }
}

impl StreamMachine for LineClient {
    type Payload = NoPayload;

    fn input_buffer(&mut self) -> &mut [u8] {
        self.reader.free()
    }

    fn commit_input(&mut self, _now: Timestamp, n: usize) -> Result<(), LineError> {
        self.reader.commit(n)
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), LineError> {
        self.peer_done = true;
        if self.reader.has_partial_line() {
            Err(LineError::Truncated)
        } else {
            Ok(())
        }
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        self.out.transmit(buf)
    }
}

/// A machine that answers every line with the same line: two of them never stop talking.
#[derive(Debug)]
pub(crate) struct Parrot(pub(crate) LineClient);

impl Machine for Parrot {
    type Event = String;
    type Error = LineError;
    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), LineError> {
        self.0.handle_timeout(now)
    }
    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }
    fn poll_event(&mut self) -> Option<String> {
        let line = self.0.poll_event()?;
        self.0.send(&line);
        Some(line)
    }
    fn close(&mut self, now: Timestamp) {
        self.0.close(now);
    }
    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl StreamMachine for Parrot {
    type Payload = NoPayload;
    fn input_buffer(&mut self) -> &mut [u8] {
        self.0.input_buffer()
    }
    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), LineError> {
        self.0.commit_input(now, n)
    }
    fn handle_eof(&mut self, now: Timestamp) -> Result<(), LineError> {
        self.0.handle_eof(now)
    }
    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize {
        self.0.poll_transmit(now, buf)
    }
}
