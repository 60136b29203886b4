//! The message machine: one WebSocket connection after the handshake, server or client role,
//! on the `fasterapi-core` driving contract.

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use bytes::{Bytes, BytesMut};
use fasterapi_core::{Machine, StreamMachine, Timestamp, Transmit};

use crate::close::{CloseCode, parse_close_payload};
use crate::config::Config;
use crate::error::Error;
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, ParseRules, Role};
use crate::simd::{self, Text};
use crate::utf8::Utf8Validator;

mod message;
mod output;

pub use message::Message;
pub use output::Payload;
use output::{OutFrame, Outgoing};

/// A source of masking keys for the client role (RFC 6455 §5.3 asks for a strong source of
/// entropy: use the OS RNG or a CSPRNG). The crate never generates randomness itself.
pub trait RandomSource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> RandomSource for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf);
    }
}

impl RandomSource for Box<dyn RandomSource + Send> {
    fn fill(&mut self, buf: &mut [u8]) {
        (**self).fill(buf);
    }
}

/// What the connection reports to the application, with owned payloads
/// ([`Connection::poll_message`] hands out the same without copies).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A whole text message (reassembled from its fragments, inflated, UTF-8 checked).
    Text(String),
    /// A whole binary message.
    Binary(Vec<u8>),
    /// A ping arrived (already answered when [`Config::auto_pong`] is on).
    Ping(Vec<u8>),
    /// A pong arrived.
    Pong(Vec<u8>),
    /// The peer's close frame arrived: the closing handshake is done (our answer, if it was
    /// the peer who began, is queued). `code` is `None` for an empty close frame.
    Close {
        /// The peer's close code.
        code: Option<CloseCode>,
        /// The peer's reason.
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// We sent a close frame and wait for the peer's.
    CloseSent,
    /// The closing handshake is over or the connection failed: nothing more is read.
    Closed,
}

/// An entry of the event queue: an event, or a reaction deferred until the events before it
/// were handed out, so replies the application queues for them go out first (RFC 6455 lets
/// an endpoint finish sending before its close; Autobahn 3.x, 4.x and 7.1.6 check it).
#[derive(Debug)]
enum Queued {
    Event(Message),
    /// Answer the peer's close frame (with this code) and stop.
    CloseReply(Option<CloseCode>),
    /// Fail the connection with this error.
    Fail(Error),
}

/// The frame whose payload is arriving.
#[derive(Debug, Clone, Copy)]
struct InFrame {
    header: FrameHeader,
    remaining: u64,
    /// Payload bytes received so far (the mask phase).
    offset: usize,
}

/// A data message being received. An uncompressed message's bytes are in the connection's
/// `arena`; a compressed one's inflated bytes are in `data`.
#[derive(Debug)]
struct InMessage {
    text: bool,
    compressed: bool,
    data: Vec<u8>,
    utf8: Utf8Validator,
}

/// The receive arena's size: small messages are carved out of one allocation of this size
/// (reference-counted `Bytes` slices), larger ones get their own.
const ARENA: usize = 8 * 1024;

/// One WebSocket connection (after the handshake), server or client: frames in, events out,
/// messages in, frames out.
///
/// ```
/// use fasterapi_core::{Machine, StreamMachine, Timestamp};
/// use fasterapi_websocket::{Config, Connection, Event};
///
/// let mut server = Connection::server(Config::default());
/// // A masked text frame "hi" from a client.
/// let frame = [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];
/// server.handle_input(Timestamp::ZERO, &frame)?;
/// assert_eq!(server.poll_event(), Some(Event::Text("hi".into())));
/// server.send_text("hello")?;
/// let mut out = [0u8; 64];
/// let n = server.poll_transmit(Timestamp::ZERO, &mut out);
/// assert_eq!(&out[..n], b"\x81\x05hello");
/// # Ok::<(), fasterapi_websocket::Error>(())
/// ```
pub struct Connection {
    role: Role,
    config: Config,
    rules: ParseRules,
    rng: Option<Box<dyn RandomSource + Send>>,
    state: State,
    /// The receive buffer of the `input_buffer` path, allocated (at `Config::read_buffer`)
    /// on first use: the `handle_input` path keeps only a partial header here.
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    frame: Option<InFrame>,
    message: Option<InMessage>,
    /// The uncompressed message being received (empty between messages); each finished
    /// message is split off as `Bytes`.
    arena: BytesMut,
    control: Vec<u8>,
    #[cfg(feature = "deflate")]
    deflate: Option<crate::deflate::Codec>,
    /// Unmasked compressed bytes on their way to the inflater.
    #[cfg(feature = "deflate")]
    scratch: Vec<u8>,
    events: VecDeque<Queued>,
    /// Set once a close frame or an error was read: later input is dropped.
    stopped: bool,
    failure: Option<Error>,
    /// A failure found outside an input call, not yet reported by `poll_error`.
    late_error: Option<Error>,
    out: Outgoing,
    close_deadline: Option<Timestamp>,
    now: Timestamp,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("queued_events", &self.events.len())
            .field("queued_output", &self.out.bytes())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A server-side connection: frames it receives must be masked, frames it sends are not.
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, None)
    }

    /// A client-side connection: masks every frame it sends with keys from `rng`.
    pub fn client(config: Config, rng: impl RandomSource + Send + 'static) -> Self {
        Self::new(Role::Client, config, Some(Box::new(rng)))
    }

    fn new(role: Role, config: Config, rng: Option<Box<dyn RandomSource + Send>>) -> Self {
        let rules = ParseRules::new(role)
            .allow_rsv1(cfg!(feature = "deflate") && config.deflate.is_some())
            .max_payload(config.max_frame_size);
        #[cfg(feature = "deflate")]
        let deflate = config
            .deflate
            .as_ref()
            .map(|p| crate::deflate::Codec::new(role, p, config.compression_level));
        Self {
            role,
            rules,
            rng,
            state: State::Open,
            rbuf: Vec::new(),
            rstart: 0,
            rend: 0,
            frame: None,
            message: None,
            arena: BytesMut::new(),
            control: Vec::new(),
            #[cfg(feature = "deflate")]
            deflate,
            #[cfg(feature = "deflate")]
            scratch: Vec::new(),
            events: VecDeque::new(),
            stopped: false,
            failure: None,
            late_error: None,
            out: Outgoing::default(),
            close_deadline: None,
            now: Timestamp::ZERO,
            config,
        }
    }

    /// The role this connection plays.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The options in effect.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The error that failed the connection, if one did. Most errors are returned from the
    /// input call that found them; one found while earlier events were still queued is acted
    /// on (close frame queued) once those events were polled, and reported by `poll_error`.
    pub fn error(&self) -> Option<&Error> {
        self.failure.as_ref()
    }

    /// Whether permessage-deflate is in use.
    pub fn is_compressed(&self) -> bool {
        self.rules.allow_rsv1
    }

    /// Feeds bytes that arrived before the connection was created (read together with the
    /// handshake): the same as `handle_input`, named for the hand-over.
    ///
    /// # Errors
    /// As for [`StreamMachine::handle_input`].
    pub fn handle_leftover(&mut self, now: Timestamp, bytes: &[u8]) -> Result<(), Error> {
        let mut done = 0;
        while done < bytes.len() {
            done += self.handle_input(now, &bytes[done..])?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- actions

    /// Queues a text message.
    ///
    /// # Errors
    /// [`Error::Closed`] once our close frame is queued.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_data(OpCode::TEXT, text.as_bytes().to_vec())
    }

    /// Queues a binary message (copied).
    ///
    /// # Errors
    /// [`Error::Closed`] once our close frame is queued.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_data(OpCode::BINARY, data.to_vec())
    }

    /// Queues a binary message, taking the buffer: a server without compression hands it to
    /// the transport through `poll_transmit_vectored` without copying it.
    ///
    /// # Errors
    /// [`Error::Closed`] once our close frame is queued.
    pub fn send_binary_vec(&mut self, data: Vec<u8>) -> Result<(), Error> {
        self.send_data(OpCode::BINARY, data)
    }

    /// Queues a binary message from shared bytes: a server without compression hands them to
    /// the transport through `poll_transmit_vectored` without copying (a client must copy to
    /// mask them).
    ///
    /// # Errors
    /// [`Error::Closed`] once our close frame is queued.
    pub fn send_bytes(&mut self, data: Bytes) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        if self.role == Role::Server && !self.compress_wanted(data.len()) {
            let header = FrameHeader::new(OpCode::BINARY, data.len() as u64);
            self.out
                .push(OutFrame::new(&header, Payload::from_bytes(data)));
            return Ok(());
        }
        self.send_data(OpCode::BINARY, data.to_vec())
    }

    /// Queues a ping.
    ///
    /// # Errors
    /// [`Error::ControlPayloadTooLong`] over 125 bytes; [`Error::Closed`] once closing.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::PING, payload)
    }

    /// Queues a pong (unsolicited, or an answer when [`Config::auto_pong`] is off).
    ///
    /// # Errors
    /// [`Error::ControlPayloadTooLong`] over 125 bytes; [`Error::Closed`] once closing.
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::PONG, payload)
    }

    /// Begins the closing handshake with `code` and `reason` (at most 123 bytes). The
    /// connection then waits up to [`Config::close_timeout`] for the peer's close frame.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] for a code that may not be sent; a too long reason;
    /// [`Error::Closed`] if a close frame was already queued.
    pub fn close_with(
        &mut self,
        now: Timestamp,
        code: CloseCode,
        reason: &str,
    ) -> Result<(), Error> {
        if !code.is_valid_on_wire() {
            return Err(Error::InvalidCloseCode(code));
        }
        if reason.len() > 123 {
            return Err(Error::ControlPayloadTooLong(reason.len() + 2));
        }
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        self.queue_close(Some(code), reason.as_bytes());
        self.state = State::CloseSent;
        self.close_deadline = Some(now.saturating_add(self.config.close_timeout));
        Ok(())
    }

    fn send_data(&mut self, opcode: OpCode, data: Vec<u8>) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        let (mut data, rsv1) = self.maybe_compress(data);
        let header = FrameHeader::new(opcode, data.len() as u64)
            .rsv1(rsv1)
            .mask(self.next_mask());
        if let Some(mask) = header.mask {
            simd::apply_mask(&mut data, mask, 0);
        }
        self.out
            .push(OutFrame::new(&header, Payload::from_vec(data)));
        Ok(())
    }

    fn compress_wanted(&self, len: usize) -> bool {
        self.rules.allow_rsv1 && len >= self.config.compression_threshold
    }

    /// Compresses `data` when permessage-deflate is on and the message is long enough;
    /// the flag is RSV1.
    #[cfg(feature = "deflate")]
    fn maybe_compress(&mut self, data: Vec<u8>) -> (Vec<u8>, bool) {
        if self.compress_wanted(data.len()) {
            if let Some(d) = self.deflate.as_mut() {
                return (d.compress(&data), true);
            }
        }
        (data, false)
    }

    #[cfg(not(feature = "deflate"))]
    #[allow(
        clippy::unused_self,
        reason = "the same signature as with the deflate feature"
    )]
    fn maybe_compress(&mut self, data: Vec<u8>) -> (Vec<u8>, bool) {
        (data, false)
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > 125 {
            return Err(Error::ControlPayloadTooLong(payload.len()));
        }
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        self.queue_control(opcode, payload);
        Ok(())
    }

    fn queue_control(&mut self, opcode: OpCode, payload: &[u8]) {
        let header = FrameHeader::new(opcode, payload.len() as u64).mask(self.next_mask());
        let mut data = payload.to_vec();
        if let Some(mask) = header.mask {
            simd::apply_mask(&mut data, mask, 0);
        }
        self.out
            .push(OutFrame::new(&header, Payload::from_vec(data)));
    }

    fn queue_close(&mut self, code: Option<CloseCode>, reason: &[u8]) {
        let mut payload = Vec::with_capacity(2 + reason.len());
        if let Some(code) = code {
            payload.extend_from_slice(&code.get().to_be_bytes());
            payload.extend_from_slice(reason);
        }
        self.queue_control(OpCode::CLOSE, &payload);
    }

    /// Whether undrained output or events make the machine refuse more input for now.
    fn backpressured(&self) -> bool {
        self.out.bytes() > self.config.max_queued_output
            || self.events.len() >= self.config.max_queued_events
    }

    fn next_mask(&mut self) -> Option<[u8; 4]> {
        let rng = self.rng.as_mut()?;
        let mut m = [0u8; 4];
        rng.fill(&mut m);
        Some(m)
    }

    // ---------------------------------------------------------------- input

    /// Fails the connection (RFC 6455 §7.1.7): queues the close frame for `e` unless one was
    /// sent already, and stops reading.
    fn fail(&mut self, e: Error) -> Error {
        if self.state == State::Open {
            if let Some(code) = e.close_code().filter(|c| c.is_valid_on_wire()) {
                self.queue_close(Some(code), b"");
            }
        }
        self.state = State::Closed;
        self.stopped = true;
        self.close_deadline = None;
        self.frame = None;
        self.message = None;
        self.arena.clear();
        self.rstart = 0;
        self.rend = 0;
        self.failure = Some(e.clone());
        e
    }

    /// An input error: fails now, or after the queued events when there are any.
    fn fail_input(&mut self, e: Error) -> Result<(), Error> {
        if self.events.is_empty() {
            return Err(self.fail(e));
        }
        self.stopped = true;
        self.events.push_back(Queued::Fail(e));
        Ok(())
    }

    /// Answers the peer's close frame: the closing handshake is over.
    fn reply_to_close(&mut self, code: Option<CloseCode>) {
        if self.state == State::Open {
            // Echo the code (§5.5.1), without the reason.
            self.queue_close(code, b"");
        }
        self.state = State::Closed;
        self.stopped = true;
        self.close_deadline = None;
    }

    /// Processes received (still masked) bytes: returns how many were used. It stops early
    /// only at a partial frame header (fewer than 14 bytes left) or once reading stopped.
    fn process_bytes(&mut self, data: &[u8]) -> Result<usize, Error> {
        let mut at = 0;
        while !self.stopped {
            if let Some(mut f) = self.frame {
                let avail = data.len() - at;
                if avail == 0 && f.remaining > 0 {
                    break;
                }
                let take = usize::try_from(f.remaining).map_or(avail, |r| r.min(avail));
                let whole = f.offset == 0 && take as u64 == f.remaining;
                self.on_payload(&f, &data[at..at + take], whole)?;
                at += take;
                f.remaining -= take as u64;
                f.offset += take;
                if f.remaining == 0 {
                    self.frame = None;
                    self.on_frame_end(&f.header)?;
                } else {
                    self.frame = Some(f);
                }
            } else {
                let Some((header, len)) = FrameHeader::parse(&data[at..], &self.rules)? else {
                    break;
                };
                at += len;
                self.on_frame_start(&header)?;
                self.frame = Some(InFrame {
                    header,
                    remaining: header.payload_len,
                    offset: 0,
                });
            }
        }
        Ok(at)
    }

    /// Processes what the receive buffer holds.
    fn process(&mut self) -> Result<(), Error> {
        let rbuf = core::mem::take(&mut self.rbuf);
        let r = self.process_bytes(&rbuf[self.rstart..self.rend]);
        self.rbuf = rbuf;
        self.rstart += r?;
        if self.rstart == self.rend || self.stopped {
            self.rstart = 0;
            self.rend = 0;
        }
        Ok(())
    }

    fn on_frame_start(&mut self, h: &FrameHeader) -> Result<(), Error> {
        if h.opcode.is_control() {
            self.control.clear();
            return Ok(());
        }
        let msg = match (h.opcode, self.message.as_mut()) {
            (OpCode::CONTINUATION, None) => return Err(Error::UnexpectedContinuation),
            (OpCode::CONTINUATION, Some(m)) => m,
            (_, Some(_)) => return Err(Error::ExpectedContinuation),
            (op, None) => self.message.insert(InMessage {
                text: op == OpCode::TEXT,
                compressed: h.rsv1,
                data: Vec::new(),
                utf8: Utf8Validator::new(),
            }),
        };
        if msg.compressed {
            return Ok(());
        }
        // Without compression the wire size is the message size: refuse before buffering.
        let total = (self.arena.len() as u64).saturating_add(h.payload_len);
        if total > self.config.max_message_size {
            return Err(Error::MessageTooLarge(total));
        }
        let want = usize::try_from(h.payload_len)
            .unwrap_or(usize::MAX)
            .min(1 << 20);
        if self.arena.capacity() - self.arena.len() < want {
            self.arena.reserve(want.max(ARENA));
        }
        Ok(())
    }

    /// Takes a piece of a frame's payload, still masked: copies it where it belongs and
    /// unmasks it there. `whole`: `chunk` is the frame's entire payload.
    fn on_payload(&mut self, f: &InFrame, chunk: &[u8], whole: bool) -> Result<(), Error> {
        let h = &f.header;
        let unmask = |buf: &mut [u8]| {
            if let Some(mask) = h.mask {
                simd::apply_mask(buf, mask, f.offset);
            }
        };
        if h.opcode.is_control() {
            let start = self.control.len();
            self.control.extend_from_slice(chunk);
            unmask(&mut self.control[start..]);
            return Ok(());
        }
        let Some(msg) = self.message.as_mut() else {
            // on_frame_start made one for every data frame.
            return Err(Error::UnexpectedContinuation);
        };
        if msg.compressed {
            #[cfg(feature = "deflate")]
            {
                let mut scratch = core::mem::take(&mut self.scratch);
                scratch.clear();
                scratch.extend_from_slice(chunk);
                unmask(&mut scratch);
                let start = msg.data.len();
                let d = self.deflate.as_mut().ok_or(Error::Inflate)?;
                let r = d.inflate(&scratch, &mut msg.data, self.config.max_message_size);
                self.scratch = scratch;
                r?;
                if msg.text {
                    msg.utf8
                        .feed(&msg.data[start..])
                        .map_err(|_| Error::InvalidUtf8)?;
                }
                return Ok(());
            }
            #[cfg(not(feature = "deflate"))]
            return Err(Error::Inflate);
        }
        // A whole unfragmented text message in one piece is validated once, when it becomes a
        // `Text`: that is as early as failing fast can be.
        let single = whole && h.fin && self.arena.is_empty();
        let start = self.arena.len();
        self.arena.extend_from_slice(chunk);
        unmask(&mut self.arena[start..]);
        if msg.text && !single {
            msg.utf8
                .feed(&self.arena[start..])
                .map_err(|_| Error::InvalidUtf8)?;
        }
        Ok(())
    }

    fn on_frame_end(&mut self, h: &FrameHeader) -> Result<(), Error> {
        match h.opcode {
            OpCode::PING => {
                let payload = core::mem::take(&mut self.control);
                if self.config.auto_pong && self.state == State::Open {
                    self.queue_control(OpCode::PONG, &payload);
                }
                self.events
                    .push_back(Queued::Event(Message::Ping(Bytes::from(payload))));
            }
            OpCode::PONG => {
                let payload = core::mem::take(&mut self.control);
                self.events
                    .push_back(Queued::Event(Message::Pong(Bytes::from(payload))));
            }
            OpCode::CLOSE => {
                let payload = core::mem::take(&mut self.control);
                let parsed = parse_close_payload(&payload).map_err(Error::ClosePayload)?;
                let (code, reason) = match parsed {
                    Some((c, r)) => (Some(c), Text::from(r)),
                    None => (None, Text::default()),
                };
                self.message = None;
                self.arena.clear();
                self.stopped = true;
                if self.events.is_empty() {
                    self.reply_to_close(code);
                } else {
                    self.events.push_back(Queued::CloseReply(code));
                }
                self.events
                    .push_back(Queued::Event(Message::Close { code, reason }));
            }
            _ if h.fin => {
                let Some(mut msg) = self.message.take() else {
                    return Err(Error::UnexpectedContinuation);
                };
                #[cfg(feature = "deflate")]
                if msg.compressed {
                    let start = msg.data.len();
                    let d = self.deflate.as_mut().ok_or(Error::Inflate)?;
                    d.finish_message(&mut msg.data, self.config.max_message_size)?;
                    if msg.text {
                        msg.utf8
                            .feed(&msg.data[start..])
                            .map_err(|_| Error::InvalidUtf8)?;
                    }
                }
                let data = if msg.compressed {
                    Bytes::from(core::mem::take(&mut msg.data))
                } else {
                    self.take_arena()
                };
                let event = if msg.text {
                    msg.utf8.finish().map_err(|_| Error::InvalidUtf8)?;
                    Message::Text(Text::try_from(data).map_err(|_| Error::InvalidUtf8)?)
                } else {
                    Message::Binary(data)
                };
                self.events.push_back(Queued::Event(event));
            }
            _ => {}
        }
        Ok(())
    }
}

impl Connection {
    /// Splits the finished message off the arena. A large message keeps its buffer to itself
    /// (freed when the application drops it; converted to a `Vec` without a copy).
    fn take_arena(&mut self) -> Bytes {
        if self.arena.len() > ARENA / 2 {
            core::mem::take(&mut self.arena).freeze()
        } else {
            self.arena.split().freeze()
        }
    }

    /// The next event, without copying its payload: what [`Machine::poll_event`] hands out,
    /// as shared [`Bytes`] slices of the receive buffer instead of owned buffers. Both take
    /// from the same queue; use one or the other.
    ///
    /// ```
    /// use fasterapi_core::{StreamMachine, Timestamp};
    /// use fasterapi_websocket::{Config, Connection, Message};
    ///
    /// let mut server = Connection::server(Config::default());
    /// server.handle_input(Timestamp::ZERO, &[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2])?;
    /// match server.poll_message() {
    ///     Some(Message::Text(t)) => assert_eq!(&*t, "hi"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), fasterapi_websocket::Error>(())
    /// ```
    pub fn poll_message(&mut self) -> Option<Message> {
        loop {
            match self.events.pop_front()? {
                Queued::Event(e) => return Some(e),
                Queued::CloseReply(code) => self.reply_to_close(code),
                Queued::Fail(e) => {
                    // Found while earlier events were queued: reported through poll_error
                    // once those events are out, as the contract's drain order has it.
                    let e = self.fail(e);
                    self.late_error = Some(e);
                }
            }
        }
    }
}

impl Machine for Connection {
    type Event = Event;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        self.now = now;
        if self.state == State::CloseSent && self.close_deadline.is_some_and(|d| now >= d) {
            return Err(self.fail(Error::CloseTimeout));
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.close_deadline
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.poll_message().map(Event::from)
    }

    fn close(&mut self, now: Timestamp) {
        // Only fails when already closing, which makes a second call harmless.
        let _ = self.close_with(now, CloseCode::NORMAL, "");
    }

    fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn poll_error(&mut self) -> Option<Error> {
        self.late_error.take()
    }
}

impl StreamMachine for Connection {
    type Payload = Payload;

    /// Parses borrowed input in place: frame payloads are copied once, straight into the
    /// message (and unmasked there); only a partial header is kept in the receive buffer.
    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        self.now = now;
        if self.stopped {
            return Ok(input.len());
        }
        if self.rend > self.rstart || self.backpressured() {
            // A partial header is waiting (or we must not take more): go through the buffer.
            let buf = self.input_buffer();
            let n = buf.len().min(input.len());
            buf[..n].copy_from_slice(&input[..n]);
            self.commit_input(now, n)?;
            return Ok(n);
        }
        match self.process_bytes(input) {
            Ok(used) => {
                if !self.stopped {
                    // Fewer than MAX_HEADER_LEN bytes: a partial header.
                    let rest = &input[used..];
                    if self.rbuf.len() < rest.len() {
                        self.rbuf.resize(MAX_HEADER_LEN, 0);
                    }
                    self.rbuf[..rest.len()].copy_from_slice(rest);
                    self.rstart = 0;
                    self.rend = rest.len();
                }
                Ok(input.len())
            }
            Err(e) => self.fail_input(e).map(|()| input.len()),
        }
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        let size = self.config.read_buffer.max(MAX_HEADER_LEN + 2);
        if self.rbuf.len() < size {
            self.rbuf.resize(size, 0);
        }
        if self.stopped {
            // Whatever arrives after a close frame or an error is read and dropped.
            self.rstart = 0;
            self.rend = 0;
            return &mut self.rbuf[..];
        }
        if self.backpressured() {
            return &mut [];
        }
        if self.rstart > 0 && self.rbuf.len() - self.rend < MAX_HEADER_LEN {
            self.rbuf.copy_within(self.rstart..self.rend, 0);
            self.rend -= self.rstart;
            self.rstart = 0;
        }
        &mut self.rbuf[self.rend..]
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Error> {
        self.now = now;
        if self.stopped {
            return Ok(());
        }
        self.rend = (self.rend + n).min(self.rbuf.len());
        match self.process() {
            Ok(()) => Ok(()),
            Err(e) => self.fail_input(e),
        }
    }

    fn handle_eof(&mut self, now: Timestamp) -> Result<(), Error> {
        self.now = now;
        if self.state == State::Closed || self.stopped {
            return Ok(());
        }
        self.fail_input(Error::UnexpectedEof)
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        self.out.write(buf)
    }

    fn poll_transmit_vectored(&mut self, _now: Timestamp, buf: &mut [u8]) -> Transmit<Payload> {
        self.out.write_vectored(buf)
    }
}

#[cfg(test)]
mod tests;
