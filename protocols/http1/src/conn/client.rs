//! The client side of an HTTP/1.1 connection.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use bytes::Bytes;
use fasterapi_core::{Machine, Timestamp};

use super::config::ConnectionConfig;
use super::error::ConnectionError;
use super::io::{RecvBuf, TxQueue};
use super::recv::{BodyReader, Read, field_ranges, fields, range};
use super::send::{Framing, queue_request_head, scan};
use super::{ConnState, Event, IncomingResponse, fields_have_token};
use crate::codec::framing::BodyKind;
use crate::codec::response::ResponseParser;
use crate::codec::types::{Header, HeaderSlot, Status, Version};

/// What the client remembers of the request in flight.
#[derive(Debug, Clone, Copy, Default)]
struct Current {
    head: bool,
    connect: bool,
    upgrade: bool,
}

/// The client side of an HTTP/1.1 connection: sends requests, reads responses.
///
/// One request at a time: [`send_request`](Self::send_request), then
/// [`send_data`](Self::send_data) and [`end_body`](Self::end_body) (a request without
/// `Content-Length` or `Transfer-Encoding: chunked` has no body and is complete at
/// `send_request`). The response arrives as [`Event::Informational`]s, [`Event::Response`],
/// [`Event::Data`] and [`Event::EndOfMessage`]; on a kept connection the next request may be
/// sent once both messages are complete ([`our_state`](Self::our_state) is `Idle` again).
///
/// ```
/// use fasterapi_core::{Machine, StreamMachine, Timestamp};
/// use fasterapi_http1::{ClientConnection, Event, Header};
///
/// let now = Timestamp::ZERO;
/// let mut client = ClientConnection::default();
/// client.send_request(b"GET", b"/", &[Header { name: b"Host", value: b"a" }])?;
/// let mut out = [0u8; 128];
/// let n = client.poll_transmit(now, &mut out);
/// assert_eq!(&out[..n], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
/// client.handle_input(now, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")?;
/// assert!(matches!(client.poll_event(), Some(Event::Response(r)) if r.status == 200));
/// assert_eq!(client.poll_event(), Some(Event::Data("hi".into())));
/// assert!(matches!(client.poll_event(), Some(Event::EndOfMessage { .. })));
/// # Ok::<(), fasterapi_http1::ConnectionError>(())
/// ```
#[derive(Debug)]
pub struct ClientConnection {
    config: ConnectionConfig,
    recv: RecvBuf,
    tx: TxQueue,
    events: VecDeque<Event>,
    parser: ResponseParser,
    slots: Vec<HeaderSlot>,
    ours: ConnState,
    theirs: ConnState,
    reader: BodyReader,
    body_total: u64,
    framing: Framing,
    current: Current,
    keep_alive: bool,
    ended_at_head: bool,
    /// The request is complete: the response timer starts at the next call with a time.
    awaiting: bool,
    /// A request was sent and its final response is not complete yet.
    in_flight: bool,
    closing: bool,
    eof: bool,
    now: Timestamp,
    header_deadline: Option<Timestamp>,
    idle_deadline: Option<Timestamp>,
    error: Option<ConnectionError>,
    /// Stream offset of the error, when known.
    error_at: Option<u64>,
    /// Stream offset of the current body's first byte.
    body_start: u64,
    deferred: Option<ConnectionError>,
}

impl Default for ClientConnection {
    fn default() -> Self {
        Self::new(ConnectionConfig::DEFAULT)
    }
}

impl ClientConnection {
    /// A client connection with `config`.
    pub fn new(config: ConnectionConfig) -> Self {
        Self {
            recv: RecvBuf::new(config.buffer_cap()),
            tx: TxQueue::default(),
            events: VecDeque::new(),
            parser: ResponseParser::new(config.codec),
            slots: Vec::new(),
            ours: ConnState::Idle,
            theirs: ConnState::Idle,
            reader: BodyReader::Idle,
            body_total: 0,
            framing: Framing::Empty,
            current: Current::default(),
            keep_alive: true,
            ended_at_head: false,
            awaiting: false,
            in_flight: false,
            closing: false,
            eof: false,
            now: Timestamp::ZERO,
            header_deadline: None,
            idle_deadline: None,
            error: None,
            error_at: None,
            body_start: 0,
            deferred: None,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// Our (the client's) state.
    pub fn our_state(&self) -> ConnState {
        self.ours
    }

    /// The server's state.
    pub fn their_state(&self) -> ConnState {
        self.theirs
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<ConnectionError> {
        self.error
    }

    /// Where in the received stream (bytes since the connection began) the error that ended
    /// the connection was found, when the codec reported a position.
    pub fn error_offset(&self) -> Option<u64> {
        self.error_at
    }

    /// Bytes received so far that were handed out or dropped: the stream offset of the first
    /// byte still buffered.
    pub fn consumed(&self) -> u64 {
        self.recv.consumed()
    }

    /// Whether the connection can take a new request now.
    pub fn is_ready(&self) -> bool {
        self.ours == ConnState::Idle && self.theirs == ConnState::Idle && !self.closing
    }

    // ----- actions -----

    /// Sends a request head (HTTP/1.1). The body framing follows from `headers`: with
    /// `Content-Length` or `Transfer-Encoding: chunked` a body follows through
    /// [`send_data`](Self::send_data) and [`end_body`](Self::end_body); with neither the
    /// request has no body and is complete. `Connection: close` makes this the last request.
    /// A request with `Upgrade`, or a CONNECT, may switch protocols: a 101 (or 2xx to
    /// CONNECT) ends in [`Event::Switched`].
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] while a request is in flight or the connection is
    /// closing; [`ConnectionError::InvalidToSend`] for a bad method, target or fields.
    pub fn send_request(
        &mut self,
        method: &[u8],
        target: &[u8],
        headers: &[Header<'_>],
    ) -> Result<(), ConnectionError> {
        if !self.is_ready() || self.error.is_some() {
            return Err(ConnectionError::InvalidState);
        }
        let f = scan(headers)?;
        queue_request_head(&mut self.tx, method, target, headers, &[])?;
        self.current = Current {
            head: method == b"HEAD",
            connect: method == b"CONNECT",
            upgrade: f.upgrade,
        };
        self.keep_alive = !f.close;
        self.in_flight = true;
        self.idle_deadline = None;
        self.framing = match (f.content_length, f.transfer_encoding) {
            (Some(n), _) => Framing::Length {
                declared: n,
                sent: 0,
            },
            (None, true) => Framing::Chunked,
            (None, false) => Framing::Empty,
        };
        self.ours = ConnState::SendBody;
        self.ended_at_head = matches!(
            self.framing,
            Framing::Empty | Framing::Length { declared: 0, .. }
        );
        if self.ended_at_head {
            self.framing = Framing::Empty;
            self.our_done();
        }
        Ok(())
    }

    /// Sends a piece of the request body, handed to the transport without a copy.
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] when no body is being sent;
    /// [`ConnectionError::BodyLengthMismatch`] past the Content-Length.
    pub fn send_data(&mut self, data: Bytes) -> Result<(), ConnectionError> {
        if data.is_empty() && self.ended_at_head {
            return Ok(());
        }
        if self.ours != ConnState::SendBody {
            return Err(ConnectionError::InvalidState);
        }
        self.framing.data(&mut self.tx, data)
    }

    /// Ends the request body with trailer fields (chunked bodies only).
    ///
    /// # Errors
    /// As [`end_body`](Self::end_body).
    pub fn send_trailers(&mut self, trailers: &[Header<'_>]) -> Result<(), ConnectionError> {
        if self.ended_at_head && trailers.is_empty() {
            self.ended_at_head = false;
            return Ok(());
        }
        if self.ours != ConnState::SendBody {
            return Err(ConnectionError::InvalidState);
        }
        self.framing.end(&mut self.tx, trailers)?;
        self.our_done();
        Ok(())
    }

    /// Ends the request body. After a request without a body it does nothing.
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] when no body is being sent;
    /// [`ConnectionError::BodyLengthMismatch`] when less than the Content-Length was sent.
    pub fn end_body(&mut self) -> Result<(), ConnectionError> {
        self.send_trailers(&[])
    }

    // ----- internals -----

    fn our_done(&mut self) {
        let c = self.current;
        self.ours = if c.upgrade || c.connect {
            ConnState::MightSwitchProtocol
        } else if self.keep_alive {
            ConnState::Done
        } else {
            ConnState::MustClose
        };
        self.awaiting = self.theirs == ConnState::Idle;
        self.next_cycle();
        self.pump_deferred();
    }

    fn their_done(&mut self) {
        self.in_flight = false;
        self.theirs = if self.keep_alive {
            ConnState::Done
        } else {
            ConnState::MustClose
        };
        if self.ours == ConnState::MightSwitchProtocol {
            // The switch was declined (any answer but 101 / 2xx to CONNECT).
            self.ours = if self.keep_alive {
                ConnState::Done
            } else {
                ConnState::MustClose
            };
        }
        self.next_cycle();
    }

    fn next_cycle(&mut self) {
        if self.ours == ConnState::Done && self.theirs == ConnState::Done {
            self.ours = ConnState::Idle;
            self.theirs = ConnState::Idle;
            self.current = Current::default();
            self.framing = Framing::Empty;
            self.header_deadline = None;
        }
    }

    fn pump_deferred(&mut self) {
        if let Err(e) = self.pump() {
            let e = self.fail(e);
            self.deferred = Some(e);
        }
    }

    fn pump(&mut self) -> Result<(), ConnectionError> {
        loop {
            match self.theirs {
                ConnState::Idle => {
                    if self.recv.is_empty() {
                        if self.eof {
                            if self.in_flight {
                                // The server closed without answering.
                                return Err(ConnectionError::IncompleteMessage);
                            }
                            self.theirs = ConnState::Closed;
                            self.ours = ConnState::Closed;
                            self.events.push_back(Event::Closed);
                        }
                        return Ok(());
                    }
                    if matches!(self.ours, ConnState::Idle) {
                        // Bytes with no request outstanding: kept (within the buffer limit)
                        // for the next request; at the end of the stream they are an error.
                        if self.eof {
                            return Err(ConnectionError::UnexpectedMessage);
                        }
                        return Ok(());
                    }
                    let base = self.recv.consumed();
                    let parsed = match self.parse_head() {
                        Ok(parsed) => parsed,
                        Err(e) => {
                            self.error_at = e.offset().map(|at| base + at as u64);
                            return Err(e);
                        }
                    };
                    if !parsed {
                        if self.eof {
                            return Err(ConnectionError::IncompleteMessage);
                        }
                        return Ok(());
                    }
                }
                ConnState::SendBody => {
                    let limit = self.config.max_body_size;
                    let read = self
                        .reader
                        .read(&mut self.recv, &mut self.body_total, limit);
                    if let Err(e) = &read {
                        self.error_at = e.offset().map(|at| self.body_start + at as u64);
                    }
                    match read? {
                        Read::Data(d) => self.events.push_back(Event::Data(d)),
                        Read::End(trailers) => {
                            self.events.push_back(Event::EndOfMessage { trailers });
                            self.their_done();
                        }
                        Read::NeedMore => {
                            if self.eof {
                                match self.reader.eof()? {
                                    Some(trailers) => {
                                        self.events.push_back(Event::EndOfMessage { trailers });
                                        self.keep_alive = false;
                                        self.their_done();
                                        continue;
                                    }
                                    None => return Err(ConnectionError::IncompleteMessage),
                                }
                            }
                            return Ok(());
                        }
                    }
                }
                ConnState::MustClose | ConnState::Done => {
                    // The response is complete and this connection is not reused, or the
                    // server sent something after it: ignore it, and close at the end.
                    if self.theirs == ConnState::MustClose || self.ours == ConnState::MustClose {
                        let n = self.recv.len();
                        self.recv.discard(n);
                    }
                    if self.eof {
                        self.theirs = ConnState::Closed;
                        if matches!(self.ours, ConnState::Done | ConnState::Idle) {
                            self.ours = ConnState::Closed;
                        }
                        self.events.push_back(Event::Closed);
                    }
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    /// Parses a response head; false when it is not complete yet.
    fn parse_head(&mut self) -> Result<bool, ConnectionError> {
        let data = self.recv.data();
        let resp = match self.parser.parse(data, &mut self.slots)? {
            Status::Complete(resp) => resp,
            Status::Partial => return Ok(false),
        };
        let c = self.current;
        let method: &[u8] = if c.head {
            b"HEAD"
        } else if c.connect {
            b"CONNECT"
        } else {
            b"GET"
        };
        let status = resp.status();
        let kind = resp.body_kind(method)?;
        let version11 = resp.version() == Version::Http11;
        let pairs = || resp.headers().map(|h| (h.name, h.value));
        let keep_alive = if version11 {
            !fields_have_token(pairs(), "connection", "close")
        } else {
            fields_have_token(pairs(), "connection", "keep-alive")
        };
        let reason_r = range(data, resp.reason());
        let ranges = field_ranges(data, resp.headers());
        let head_len = resp.head_len();
        let version = resp.version();
        let switching = (status == 101 && c.upgrade) || (c.connect && (200..300).contains(&status));
        if status == 101 && !c.upgrade {
            return Err(ConnectionError::UnexpectedMessage);
        }
        if let BodyKind::ContentLength(n) = kind {
            if n > self.config.max_body_size {
                return Err(ConnectionError::BodyTooLarge {
                    limit: self.config.max_body_size,
                });
            }
        }
        let head = self.recv.take(head_len);
        self.parser.reset();
        let response = IncomingResponse {
            status,
            reason: head.slice(reason_r),
            version,
            headers: fields(&head, ranges),
            body: kind,
        };
        if (100..200).contains(&status) && !switching {
            self.events.push_back(Event::Informational(response));
            return Ok(true);
        }
        self.header_deadline = None;
        self.awaiting = false;
        self.events.push_back(Event::Response(response));
        if switching {
            self.ours = ConnState::SwitchedProtocol;
            self.theirs = ConnState::SwitchedProtocol;
            let leftover = self.recv.take_all();
            self.events.push_back(Event::Switched { leftover });
            return Ok(true);
        }
        self.keep_alive &= keep_alive && !self.closing && kind != BodyKind::CloseDelimited;
        self.body_total = 0;
        self.reader = BodyReader::new(kind, &self.config.codec);
        self.body_start = self.recv.consumed();
        self.theirs = ConnState::SendBody;
        Ok(true)
    }

    fn fail(&mut self, e: ConnectionError) -> ConnectionError {
        self.ours = ConnState::Error;
        self.theirs = ConnState::Error;
        self.header_deadline = None;
        self.idle_deadline = None;
        self.error = Some(e);
        e
    }

    fn check(&mut self) -> Result<(), ConnectionError> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn arm_timers(&mut self) {
        if self.awaiting {
            // Armed here, with a fresh `now`: actions carry no time.
            self.awaiting = false;
            if self.theirs == ConnState::Idle {
                self.header_deadline = self
                    .config
                    .header_read_timeout
                    .map(|d| self.now.saturating_add(d));
            }
        }
        if self.ours == ConnState::Idle && self.theirs == ConnState::Idle {
            if self.idle_deadline.is_none() {
                self.idle_deadline = self.config.idle_timeout.map(|d| self.now.saturating_add(d));
            }
        } else {
            self.idle_deadline = None;
        }
    }

    fn input(&mut self, now: Timestamp) -> Result<(), ConnectionError> {
        self.now = self.now.max(now);
        if let Err(e) = self.pump() {
            return Err(self.fail(e));
        }
        self.arm_timers();
        Ok(())
    }

    fn accepts_input(&self) -> bool {
        self.error.is_none()
            && self.deferred.is_none()
            && !matches!(
                self.ours,
                ConnState::SwitchedProtocol | ConnState::Error | ConnState::Closed
            )
            && !matches!(self.theirs, ConnState::SwitchedProtocol | ConnState::Closed)
            && !self.eof
    }
}

impl Machine for ClientConnection {
    type Event = Event;
    type Error = ConnectionError;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), ConnectionError> {
        self.check()?;
        self.now = self.now.max(now);
        if self.header_deadline.is_some_and(|t| t <= now) {
            return Err(self.fail(ConnectionError::HeaderTimeout));
        }
        if self.idle_deadline.is_some_and(|t| t <= now) {
            self.idle_deadline = None;
            self.ours = ConnState::Closed;
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        match (self.header_deadline, self.idle_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() && self.error.is_none() {
            self.pump_deferred();
        }
        self.events.pop_front()
    }

    fn close(&mut self, now: Timestamp) {
        self.now = self.now.max(now);
        self.closing = true;
        self.keep_alive = false;
        // An upload the server already answered is abandoned (RFC 9110 §10.1.1 lets a client
        // stop sending when a final response arrives early).
        let abandoned = self.ours == ConnState::SendBody && !self.in_flight;
        if matches!(self.ours, ConnState::Idle | ConnState::Done) || abandoned {
            self.ours = ConnState::MustClose;
            self.idle_deadline = None;
        }
    }

    fn is_closed(&self) -> bool {
        self.deferred.is_none()
            && self.tx.is_empty()
            && (matches!(self.ours, ConnState::Closed | ConnState::Error)
                || (self.ours == ConnState::MustClose && !self.in_flight))
    }

    fn poll_error(&mut self) -> Option<ConnectionError> {
        // An error found while an action or poll_event processed buffered input; its
        // reaction is queued already, and later calls return it again through `check`.
        self.deferred.take()
    }
}

// A full buffer while the application owes a request (or its body) is back-pressure on it.
impl_stream_machine!(ClientConnection, owing: ConnState::Idle | ConnState::SendBody);
