//! The server side of an HTTP/1.1 connection.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use bytes::Bytes;
use fasterapi_core::{Machine, Timestamp};

use super::config::ConnectionConfig;
use super::error::ConnectionError;
use super::io::{RecvBuf, TxQueue};
use super::recv::{BodyReader, Read, field_ranges, fields, range};
use super::send::{Framing, queue_response_head, scan};
use super::{ConnState, Event, IncomingRequest, fields_have_token};
use crate::codec::framing::BodyKind;
use crate::codec::request::RequestParser;
use crate::codec::types::{Header, HeaderSlot, Status, Version};

/// What the server remembers of the request being answered.
#[derive(Debug, Clone, Copy, Default)]
struct Current {
    version11: bool,
    head: bool,
    connect: bool,
    upgrade: bool,
    /// `Expect: 100-continue` with a body: `Some(false)` until 100 is sent.
    expect: Option<bool>,
    /// The Request event was handed out; the next poll asks for the body.
    polled: bool,
}

/// The server side of an HTTP/1.1 connection: reads requests, sends responses.
///
/// Drive it through [`StreamMachine`](fasterapi_core::StreamMachine); answer each [`Event::Request`] with
/// [`send_response`](Self::send_response), then [`send_data`](Self::send_data) and
/// [`end_body`](Self::end_body) (or [`send_trailers`](Self::send_trailers)). Responses without
/// a body (to HEAD, 204, 304, 101) are complete at `send_response`.
///
/// ```
/// use fasterapi_core::{Machine, StreamMachine, Timestamp};
/// use fasterapi_http1::{Event, Header, ServerConnection};
///
/// let now = Timestamp::ZERO;
/// let mut server = ServerConnection::default();
/// server.handle_input(now, b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")?;
/// while let Some(event) = server.poll_event() {
///     if let Event::Request(req) = event {
///         assert_eq!(&req.target[..], b"/hello");
///         let headers = [Header { name: b"Content-Length", value: b"2" }];
///         server.send_response(200, &headers)?;
///         server.send_data("hi".into())?;
///         server.end_body()?;
///     }
/// }
/// let mut out = [0u8; 256];
/// let n = server.poll_transmit(now, &mut out);
/// assert_eq!(&out[..n], b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// # Ok::<(), fasterapi_http1::ConnectionError>(())
/// ```
#[derive(Debug)]
pub struct ServerConnection {
    config: ConnectionConfig,
    recv: RecvBuf,
    tx: TxQueue,
    events: VecDeque<Event>,
    parser: RequestParser,
    slots: Vec<HeaderSlot>,
    ours: ConnState,
    theirs: ConnState,
    reader: BodyReader,
    body_total: u64,
    framing: Framing,
    current: Current,
    keep_alive: bool,
    /// The last response ended at its head: `end_body` is a no-op until the next response.
    ended_at_head: bool,
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
    /// An error found outside an input call, reported by the next input or timeout.
    deferred: Option<ConnectionError>,
}

impl Default for ServerConnection {
    fn default() -> Self {
        Self::new(ConnectionConfig::DEFAULT)
    }
}

impl ServerConnection {
    /// A server connection with `config`.
    pub fn new(config: ConnectionConfig) -> Self {
        Self {
            recv: RecvBuf::new(config.buffer_cap()),
            tx: TxQueue::default(),
            events: VecDeque::new(),
            parser: RequestParser::new(config.codec),
            slots: Vec::new(),
            ours: ConnState::Idle,
            theirs: ConnState::Idle,
            reader: BodyReader::Idle,
            body_total: 0,
            framing: Framing::Empty,
            current: Current::default(),
            keep_alive: true,
            ended_at_head: false,
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

    /// Our (the server's) state.
    pub fn our_state(&self) -> ConnState {
        self.ours
    }

    /// The client's state.
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

    /// Whether the current response must carry a body (false before `send_response`, and for
    /// responses to HEAD, 1xx, 204, 304).
    pub fn expects_body(&self) -> bool {
        self.ours == ConnState::SendBody && self.framing != Framing::Empty
    }

    // ----- actions -----

    /// Sends an informational (1xx) response other than 101: `100 Continue`, `103 Early
    /// Hints`, … Allowed before the final response; not to HTTP/1.0 clients (RFC 9110 §15.2).
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] outside a request, after the final response, to an
    /// HTTP/1.0 client, or for a status outside 100..=199 or 101;
    /// [`ConnectionError::InvalidToSend`] for bad fields.
    pub fn send_informational(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
    ) -> Result<(), ConnectionError> {
        if self.ours != ConnState::SendResponse
            || !self.current.version11
            || !(100..200).contains(&status)
            || status == 101
        {
            return Err(ConnectionError::InvalidState);
        }
        queue_response_head(&mut self.tx, status, headers, &[])?;
        if status == 100 {
            if let Some(sent) = &mut self.current.expect {
                *sent = true;
            }
        }
        Ok(())
    }

    /// Sends the final response head. The body framing follows from `headers`: a
    /// `Content-Length`, or `Transfer-Encoding: chunked`; with neither, the machine adds
    /// `Transfer-Encoding: chunked` for an HTTP/1.1 client and delimits the body by closing
    /// the connection for an HTTP/1.0 one. It adds `Connection: close` when the connection will
    /// not be reused and `Connection: keep-alive` for an HTTP/1.0 client it keeps. A 101 (to a
    /// request with `Upgrade`) or a 2xx to CONNECT switches protocols: [`Event::Switched`]
    /// follows with the client's leftover bytes.
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] when no request awaits a response, for a 1xx other
    /// than 101, or a 101 without an Upgrade request; [`ConnectionError::InvalidToSend`] for
    /// bad or conflicting fields.
    pub fn send_response(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
    ) -> Result<(), ConnectionError> {
        if self.ours != ConnState::SendResponse || !(100..=599).contains(&status) {
            return Err(ConnectionError::InvalidState);
        }
        let c = self.current;
        let switching = (status == 101 && c.upgrade) || (c.connect && (200..300).contains(&status));
        if (100..200).contains(&status) && !switching {
            return Err(ConnectionError::InvalidState);
        }
        let f = scan(headers)?;
        if switching {
            queue_response_head(&mut self.tx, status, headers, &[])?;
            self.ours = ConnState::SwitchedProtocol;
            self.ended_at_head = true;
            if self.theirs == ConnState::MightSwitchProtocol {
                self.switch();
            }
            return Ok(());
        }
        // RFC 9110 §10.1.1: a final answer without reading an announced body leaves the
        // connection in an unknown state: close it.
        let unread_body = c.expect == Some(false) && self.theirs == ConnState::SendBody;
        let mut keep = self.keep_alive && !self.closing && !f.close && !unread_body;
        let bodiless = c.head || status == 204 || status == 304;
        let filtered: Vec<Header<'_>>;
        let mut headers = headers;
        let mut extra: [Header<'static>; 2] = [EMPTY; 2];
        let mut n_extra = 0;
        self.framing = if bodiless {
            Framing::Empty
        } else if let Some(n) = f.content_length {
            Framing::Length {
                declared: n,
                sent: 0,
            }
        } else if c.version11 {
            if !f.transfer_encoding {
                extra[n_extra] = Header {
                    name: b"Transfer-Encoding",
                    value: b"chunked",
                };
                n_extra += 1;
            }
            Framing::Chunked
        } else {
            // HTTP/1.0 has no chunked coding (RFC 9112 §6.1): the body ends at close.
            if f.transfer_encoding {
                filtered = headers
                    .iter()
                    .filter(|h| !h.is("transfer-encoding"))
                    .copied()
                    .collect();
                headers = &filtered;
            }
            keep = false;
            Framing::UntilClose
        };
        if !keep && !f.close {
            extra[n_extra] = Header {
                name: b"Connection",
                value: b"close",
            };
            n_extra += 1;
        } else if keep && !c.version11 {
            extra[n_extra] = Header {
                name: b"Connection",
                value: b"keep-alive",
            };
            n_extra += 1;
        }
        queue_response_head(&mut self.tx, status, headers, &extra[..n_extra])?;
        self.keep_alive = keep;
        if let Some(sent) = &mut self.current.expect {
            *sent = true; // a final response answers the expectation
        }
        self.ours = ConnState::SendBody;
        self.ended_at_head = bodiless;
        if bodiless {
            self.our_done();
        }
        Ok(())
    }

    /// Sends a piece of the response body. The payload is handed to the transport without a
    /// copy (`poll_transmit_vectored`).
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] when no body is being sent;
    /// [`ConnectionError::BodyLengthMismatch`] past the Content-Length or for a bodiless
    /// response.
    pub fn send_data(&mut self, data: Bytes) -> Result<(), ConnectionError> {
        if data.is_empty() && self.ended_at_head {
            return Ok(());
        }
        if self.ours != ConnState::SendBody {
            return Err(ConnectionError::InvalidState);
        }
        self.framing.data(&mut self.tx, data)
    }

    /// Ends the response body with trailer fields (chunked bodies only).
    ///
    /// # Errors
    /// As [`end_body`](Self::end_body); [`ConnectionError::InvalidState`] for trailers on a
    /// body that is not chunked.
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

    /// Ends the response body. After a response that ended at its head it does nothing.
    ///
    /// # Errors
    /// [`ConnectionError::InvalidState`] when no body is being sent;
    /// [`ConnectionError::BodyLengthMismatch`] when less than the Content-Length was sent.
    pub fn end_body(&mut self) -> Result<(), ConnectionError> {
        self.send_trailers(&[])
    }

    // ----- internals -----

    /// Our response is complete.
    fn our_done(&mut self) {
        self.ours = if self.keep_alive {
            ConnState::Done
        } else {
            ConnState::MustClose
        };
        if self.theirs == ConnState::MightSwitchProtocol {
            self.theirs = ConnState::Done; // the switch was declined
        }
        self.next_cycle();
        self.pump_deferred();
    }

    /// The client's request is complete.
    fn their_done(&mut self) {
        let c = self.current;
        if self.ours == ConnState::SwitchedProtocol {
            self.switch();
        } else if (c.upgrade || c.connect) && self.ours == ConnState::SendResponse {
            self.theirs = ConnState::MightSwitchProtocol;
        } else {
            self.theirs = if self.keep_alive {
                ConnState::Done
            } else {
                ConnState::MustClose
            };
        }
        self.next_cycle();
    }

    /// The protocol switched: hand the leftover bytes over.
    fn switch(&mut self) {
        self.theirs = ConnState::SwitchedProtocol;
        self.ours = ConnState::SwitchedProtocol;
        self.header_deadline = None;
        self.idle_deadline = None;
        let leftover = self.recv.take_all();
        self.events.push_back(Event::Switched { leftover });
    }

    /// Both messages are done on a kept connection: start the next cycle.
    fn next_cycle(&mut self) {
        if self.ours == ConnState::Done && self.theirs == ConnState::Done {
            self.ours = ConnState::Idle;
            self.theirs = ConnState::Idle;
            self.current = Current::default();
            self.framing = Framing::Empty;
            self.idle_deadline = None;
            self.header_deadline = None;
        }
    }

    /// Runs [`Self::pump`] outside an input: an error is kept for `poll_error` (and the next input).
    fn pump_deferred(&mut self) {
        if let Err(e) = self.pump() {
            let e = self.fail(e);
            self.deferred = Some(e);
        }
    }

    /// Processes buffered input as far as the states allow.
    fn pump(&mut self) -> Result<(), ConnectionError> {
        loop {
            match self.theirs {
                ConnState::Idle => {
                    if self.ours != ConnState::Idle {
                        return Ok(()); // pipelined: wait for the current response
                    }
                    if self.recv.is_empty() {
                        if self.eof {
                            self.theirs = ConnState::Closed;
                            self.ours = ConnState::Closed;
                            self.events.push_back(Event::Closed);
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
                                return Err(ConnectionError::IncompleteMessage);
                            }
                            return Ok(());
                        }
                    }
                }
                ConnState::MustClose | ConnState::Closed => {
                    // The client said it sends nothing more: ignore what it sends anyway.
                    let n = self.recv.len();
                    self.recv.discard(n);
                    if self.eof && self.theirs == ConnState::MustClose {
                        self.theirs = ConnState::Closed;
                    }
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    /// Parses a request head from the buffer; false when it is not complete yet.
    fn parse_head(&mut self) -> Result<bool, ConnectionError> {
        let data = self.recv.data();
        let req = match self.parser.parse(data, &mut self.slots)? {
            Status::Complete(req) => req,
            Status::Partial => return Ok(false),
        };
        let kind = req.body_kind()?;
        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to
        // any request with several Host lines or an invalid one.
        req.host()?;
        let version11 = req.version() == Version::Http11;
        let pairs = || req.headers().map(|h| (h.name, h.value));
        let keep_alive = if version11 {
            !fields_have_token(pairs(), "connection", "close")
        } else {
            fields_have_token(pairs(), "connection", "keep-alive")
        };
        let has_body = !matches!(kind, BodyKind::None | BodyKind::ContentLength(0));
        let expect = version11
            && has_body
            && req
                .header("expect")
                .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"100-continue"));
        let method = req.method();
        let current = Current {
            version11,
            head: method == b"HEAD",
            connect: method == b"CONNECT",
            upgrade: req.header("upgrade").is_some(),
            expect: expect.then_some(false),
            polled: false,
        };
        let method_r = range(data, method);
        let target_r = range(data, req.target());
        let ranges = field_ranges(data, req.headers());
        let head_len = req.head_len();
        let version = req.version();
        if let BodyKind::ContentLength(n) = kind {
            if n > self.config.max_body_size {
                return Err(ConnectionError::BodyTooLarge {
                    limit: self.config.max_body_size,
                });
            }
        }
        let head = self.recv.take(head_len);
        self.parser.reset();
        self.header_deadline = None;
        self.idle_deadline = None;
        self.current = current;
        self.keep_alive = keep_alive && !self.closing;
        self.body_total = 0;
        self.reader = BodyReader::new(kind, &self.config.codec);
        self.body_start = self.recv.consumed();
        self.events.push_back(Event::Request(IncomingRequest {
            method: head.slice(method_r),
            target: head.slice(target_r),
            version,
            headers: fields(&head, ranges),
            body: kind,
        }));
        self.ours = ConnState::SendResponse;
        self.theirs = ConnState::SendBody;
        Ok(true)
    }

    /// A fatal error: queue the answer if a response can still be sent, and stop.
    fn fail(&mut self, e: ConnectionError) -> ConnectionError {
        if matches!(self.ours, ConnState::Idle | ConnState::SendResponse) {
            let status = e.status();
            let headers = [
                Header {
                    name: b"Connection",
                    value: b"close",
                },
                Header {
                    name: b"Content-Length",
                    value: b"0",
                },
            ];
            // The fields are constants: queuing cannot fail.
            let _ = queue_response_head(&mut self.tx, status, &headers, &[]);
        }
        self.ours = ConnState::Error;
        self.theirs = ConnState::Error;
        self.header_deadline = None;
        self.idle_deadline = None;
        self.error = Some(e);
        e
    }

    /// Before an input: a stored error is returned again.
    fn check(&mut self) -> Result<(), ConnectionError> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Arms the header-read and idle timers from the current state.
    fn arm_timers(&mut self) {
        let idle_between = self.ours == ConnState::Idle && self.theirs == ConnState::Idle;
        if !idle_between {
            return;
        }
        if self.recv.is_empty() {
            self.header_deadline = None;
            if self.idle_deadline.is_none() {
                self.idle_deadline = self.config.idle_timeout.map(|d| self.now.saturating_add(d));
            }
        } else {
            self.idle_deadline = None;
            if self.header_deadline.is_none() {
                self.header_deadline = self
                    .config
                    .header_read_timeout
                    .map(|d| self.now.saturating_add(d));
            }
        }
    }

    fn input(&mut self, now: Timestamp) -> Result<(), ConnectionError> {
        self.now = self.now.max(now);
        let r = self.pump();
        if let Err(e) = r {
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
                ConnState::Error | ConnState::MustClose | ConnState::Closed
            )
            && !matches!(self.theirs, ConnState::SwitchedProtocol | ConnState::Closed)
            && !self.eof
    }
}

const EMPTY: Header<'static> = Header {
    name: b"",
    value: b"",
};

impl Machine for ServerConnection {
    type Event = Event;
    type Error = ConnectionError;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), ConnectionError> {
        self.check()?;
        self.now = self.now.max(now);
        if self.header_deadline.is_some_and(|t| t <= now) {
            return Err(self.fail(ConnectionError::HeaderTimeout));
        }
        if self.idle_deadline.is_some_and(|t| t <= now) {
            // RFC 9112 §9.5: a server may close an idle connection at any time.
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
        if self.events.is_empty() {
            let c = self.current;
            if self.config.auto_continue
                && c.polled
                && c.expect == Some(false)
                && self.ours == ConnState::SendResponse
                && self.theirs == ConnState::SendBody
            {
                // The application asks for the body: tell the client to send it.
                let _ = self.send_informational(100, &[]);
            }
            if self.error.is_none() {
                self.pump_deferred();
            }
        }
        let event = self.events.pop_front()?;
        if matches!(event, Event::Request(_)) {
            self.current.polled = true;
        }
        Some(event)
    }

    fn close(&mut self, now: Timestamp) {
        self.now = self.now.max(now);
        self.closing = true;
        self.keep_alive = false;
        match self.ours {
            ConnState::Idle | ConnState::Done => {
                self.ours = ConnState::MustClose;
                self.header_deadline = None;
                self.idle_deadline = None;
            }
            _ => {}
        }
    }

    fn is_closed(&self) -> bool {
        self.deferred.is_none()
            && self.tx.is_empty()
            && matches!(
                self.ours,
                ConnState::MustClose | ConnState::Closed | ConnState::Error
            )
    }

    fn poll_error(&mut self) -> Option<ConnectionError> {
        // An error found while an action or poll_event processed buffered input; its
        // reaction is queued already, and later calls return it again through `check`.
        self.deferred.take()
    }
}

// A full buffer while the application owes a response is back-pressure on it.
impl_stream_machine!(ServerConnection, owing: ConnState::SendResponse | ConnState::SendBody);
