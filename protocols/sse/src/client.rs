//! The client's reconnection machine (WHATWG HTML §9.2.2–§9.2.4), feature `alloc`.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};

use crate::config::Limits;
use crate::error::Error;
use crate::parser::{Event, EventParser, Parsed};

/// A source of randomness for the reconnection jitter, supplied by the caller (the crate never
/// draws randomness itself). Any `FnMut() -> u32` is one.
pub trait Jitter {
    /// A uniformly distributed 32-bit value.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> Jitter for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}

/// Options of the [`Client`] machine, with safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Limits on lines and events of the stream.
    pub limits: Limits,
    /// The reconnection time until the server sends `retry` (§9.2.2: "implementation-defined,
    /// probably in the region of a few seconds"); default 3 s.
    pub initial_reconnection_time: Duration,
    /// The longest delay exponential backoff grows to after consecutive failed attempts
    /// (never below the reconnection time); default 60 s.
    pub max_backoff: Duration,
    /// Jitter added to each delay: up to this many thousandths of it, drawn from the caller's
    /// [`Jitter`]; default 200 (up to +20 %). The delay is never shortened (§9.2.3 step 2).
    pub jitter_permille: u16,
    /// Dispatched events held before [`StreamMachine::handle_input`] stops consuming
    /// (back-pressure); default 1024.
    pub max_pending_events: usize,
    /// Size of the receive buffer lent by [`StreamMachine::input_buffer`]; default 16 KiB.
    pub input_buffer_len: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            limits: Limits::DEFAULT,
            initial_reconnection_time: Duration::from_secs(3),
            max_backoff: Duration::from_secs(60),
            jitter_permille: 200,
            max_pending_events: 1024,
            input_buffer_len: 16 * 1024,
        }
    }
}

/// The `readyState` of §9.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadyState {
    /// A request is in flight, or the client waits to reconnect.
    Connecting,
    /// The response was accepted; events are being received.
    Open,
    /// Failed or closed: the client does not reconnect.
    Closed,
}

/// Why the client failed the connection (§9.2.2 step 15.3 and "fail the connection").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The response status was not 200 (a 204 No Content is how a server says "stop").
    Status(u16),
    /// The response `Content-Type` was missing or not `text/event-stream`.
    ContentType,
    /// The stream crossed a limit.
    Stream(Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(s) => write!(f, "response status {s}, not 200"),
            Self::ContentType => f.write_str("response Content-Type is not text/event-stream"),
            Self::Stream(e) => write!(f, "event stream error: {e}"),
        }
    }
}

/// What the [`Client`] tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The response was accepted ("announce the connection": the `open` event).
    Open,
    /// A dispatched event (the `message` event, or the event's own type).
    Message(Event<'static>),
    /// The connection ended and will be re-established (the `error` event with readyState
    /// CONNECTING). The client asks for the new request with [`ClientEvent::Connect`] at `at`.
    Reconnecting {
        /// When the client will ask to connect again.
        at: Timestamp,
        /// The delay chosen: reconnection time, backoff and jitter.
        delay: Duration,
    },
    /// Time to send a new request: use [`Client::request_headers`] (which carries
    /// `Last-Event-ID`), then report the response with [`Client::handle_response`].
    Connect,
    /// The connection failed; the client will not reconnect (the `error` event with
    /// readyState CLOSED).
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A request is in flight: waiting for `handle_response`.
    Connecting,
    Open,
    Waiting {
        at: Timestamp,
    },
    Closed,
}

/// The client side of an event stream: the EventSource processing model as a machine on the
/// core contract. It owns no transport and no HTTP: the application sends each request (with
/// [`Client::request_headers`]), reports the response head with [`Client::handle_response`],
/// feeds the body through [`StreamMachine::handle_input`], and reports the end of the body or
/// a network error. The machine decides when to reconnect and hands out events.
///
/// ```
/// use fasterapi_core::{Machine, StreamMachine, Timestamp};
/// use fasterapi_sse::{Client, ClientConfig, ClientEvent};
///
/// let mut rng = 7u32;
/// let jitter = move || { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; rng };
/// let mut client = Client::new(ClientConfig::default(), jitter);
/// let t0 = Timestamp::ZERO;
///
/// // The application sends GET with client.request_headers(), then reports the response.
/// client.handle_response(t0, 200, Some(b"text/event-stream"))?;
/// client.handle_input(t0, b"id: 1\ndata: hi\n\nretry: 1000\n")?;
/// assert_eq!(client.poll_event(), Some(ClientEvent::Open));
/// assert!(matches!(client.poll_event(), Some(ClientEvent::Message(e)) if e.data == "hi"));
///
/// // The body ends: the client waits the reconnection time (plus jitter), then asks to connect.
/// client.handle_eof(t0)?;
/// let Some(ClientEvent::Reconnecting { at, .. }) = client.poll_event() else { panic!() };
/// assert_eq!(client.poll_timeout(), Some(at));
/// client.handle_timeout(at)?;
/// assert_eq!(client.poll_event(), Some(ClientEvent::Connect));
/// assert_eq!(client.last_event_id(), Some("1")); // sent as Last-Event-ID
/// # Ok::<(), fasterapi_sse::Error>(())
/// ```
#[derive(Debug)]
pub struct Client<J> {
    config: ClientConfig,
    jitter: J,
    parser: EventParser,
    state: State,
    reconnection_time: Duration,
    /// Consecutive attempts that ended before the stream opened.
    failures: u32,
    events: VecDeque<ClientEvent>,
    inbuf: Vec<u8>,
}

impl<J: Jitter> Client<J> {
    /// A client whose first request is about to be sent (readyState CONNECTING).
    pub fn new(config: ClientConfig, jitter: J) -> Self {
        Self {
            parser: EventParser::with_limits(config.limits),
            reconnection_time: config.initial_reconnection_time,
            config,
            jitter,
            state: State::Connecting,
            failures: 0,
            events: VecDeque::new(),
            inbuf: Vec::new(),
        }
    }

    /// A client resuming after `id`: its first request already carries `Last-Event-ID`.
    pub fn with_last_event_id(mut self, id: &str) -> Self {
        self.parser = core::mem::take(&mut self.parser).with_last_event_id(id);
        self
    }

    /// The readyState.
    pub fn ready_state(&self) -> ReadyState {
        match self.state {
            State::Connecting | State::Waiting { .. } => ReadyState::Connecting,
            State::Open => ReadyState::Open,
            State::Closed => ReadyState::Closed,
        }
    }

    /// The current reconnection time (the initial one or the server's last `retry`).
    pub fn reconnection_time(&self) -> Duration {
        self.reconnection_time
    }

    /// The last event ID string, `None` when empty (then no `Last-Event-ID` is sent, §9.2.3).
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.parser.last_event_id()).filter(|id| !id.is_empty())
    }

    /// The header fields for each request: `Accept: text/event-stream`,
    /// `Cache-Control: no-cache` and, when there is a last event ID, `Last-Event-ID`.
    pub fn request_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            Some(("Accept", "text/event-stream")),
            Some(("Cache-Control", "no-cache")),
            self.last_event_id().map(|id| ("Last-Event-ID", id)),
        ]
        .into_iter()
        .flatten()
    }

    /// Reports the response head to the request in flight (§9.2.2 step 15): status 200 with
    /// `Content-Type: text/event-stream` opens the stream; any other status (204 included) or
    /// type fails the connection for good.
    ///
    /// # Errors
    /// [`Error::Closed`] when the client is closed.
    pub fn handle_response(
        &mut self,
        _now: Timestamp,
        status: u16,
        content_type: Option<&[u8]>,
    ) -> Result<(), Error> {
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        if status != 200 {
            self.fail(Failure::Status(status));
        } else if !content_type.is_some_and(is_event_stream) {
            self.fail(Failure::ContentType);
        } else {
            self.parser.finish();
            self.state = State::Open;
            self.failures = 0;
            self.events.push_back(ClientEvent::Open);
        }
        Ok(())
    }

    /// The request or the connection failed with a network error: the client reconnects
    /// (§9.2.2 step 15.2), with exponential backoff when the stream never opened.
    pub fn handle_network_error(&mut self, now: Timestamp) {
        match self.state {
            State::Connecting => {
                self.failures = self.failures.saturating_add(1);
                self.reestablish(now);
            }
            State::Open => self.reestablish(now),
            State::Waiting { .. } | State::Closed => {}
        }
    }

    fn fail(&mut self, why: Failure) {
        self.parser.finish();
        self.state = State::Closed;
        self.events.push_back(ClientEvent::Failed(why));
    }

    /// "Reestablish the connection" (§9.2.3): wait the reconnection time, then some more.
    fn reestablish(&mut self, now: Timestamp) {
        self.parser.finish();
        let delay = self.delay();
        let at = now.saturating_add(delay);
        self.state = State::Waiting { at };
        self.events
            .push_back(ClientEvent::Reconnecting { at, delay });
    }

    /// The reconnection time, doubled for each consecutive failed attempt up to `max_backoff`
    /// (never below the reconnection time), plus up to `jitter_permille` of it at random.
    fn delay(&mut self) -> Duration {
        let base = self.reconnection_time;
        let cap = self.config.max_backoff.max(base);
        let factor = 1u32 << self.failures.min(16);
        let delay = base.checked_mul(factor).map_or(cap, |d| d.min(cap));
        let span = delay.as_nanos() * u128::from(self.config.jitter_permille) / 1000;
        let extra = (span * u128::from(self.jitter.next_u32())) >> 32;
        let extra = Duration::from_nanos(u64::try_from(extra).unwrap_or(u64::MAX));
        delay.saturating_add(extra)
    }

    fn parse(&mut self, input: &[u8], bounded: bool) -> Result<usize, Error> {
        let mut pos = 0;
        while !bounded || self.events.len() < self.config.max_pending_events {
            match self.parser.next(&input[pos..]) {
                Ok((n, parsed)) => {
                    pos += n;
                    match parsed {
                        Some(Parsed::Event(e)) => {
                            self.events.push_back(ClientEvent::Message(e.into_owned()));
                        }
                        // §9.2.6: "set the event stream's reconnection time to that integer".
                        Some(Parsed::Retry(ms)) => {
                            self.reconnection_time = Duration::from_millis(ms);
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                Err(e) => {
                    self.fail(Failure::Stream(e));
                    return Err(e);
                }
            }
        }
        Ok(pos)
    }
}

/// Whether a `Content-Type` value's MIME type essence is `text/event-stream` (parameters such
/// as `charset` are allowed; type and subtype are case-insensitive).
fn is_event_stream(value: &[u8]) -> bool {
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"text/event-stream")
}

impl<J: Jitter> Machine for Client<J> {
    type Event = ClientEvent;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        if let State::Waiting { at } = self.state {
            if now >= at {
                self.state = State::Connecting;
                self.events.push_back(ClientEvent::Connect);
            }
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        match self.state {
            State::Waiting { at } => Some(at),
            _ => None,
        }
    }

    fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// `EventSource.close()`: no more reconnections, no event.
    fn close(&mut self, _now: Timestamp) {
        self.parser.finish();
        self.state = State::Closed;
    }

    fn is_closed(&self) -> bool {
        self.state == State::Closed
    }
}

/// The response body of the current connection. Bytes that arrive while no stream is open
/// (before [`Client::handle_response`], after a failure, while waiting to reconnect) belong to
/// a connection the client has given up on and are dropped.
impl<J: Jitter> StreamMachine for Client<J> {
    type Payload = NoPayload;

    /// Parses in place, without a copy; stops consuming while
    /// [`ClientConfig::max_pending_events`] events wait in `poll_event`.
    fn handle_input(&mut self, _now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        if self.state != State::Open {
            return Ok(input.len());
        }
        self.parse(input, true)
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        if self.state == State::Open && self.events.len() >= self.config.max_pending_events {
            return &mut [];
        }
        if self.inbuf.len() != self.config.input_buffer_len {
            self.inbuf = vec![0; self.config.input_buffer_len];
        }
        &mut self.inbuf
    }

    fn commit_input(&mut self, _now: Timestamp, n: usize) -> Result<(), Error> {
        if self.state != State::Open {
            return Ok(());
        }
        let buf = core::mem::take(&mut self.inbuf);
        let n = n.min(buf.len());
        let result = self.parse(&buf[..n], false);
        self.inbuf = buf;
        result.map(drop)
    }

    /// The body ended: reconnect (§9.2.2 step 14). Before any response it is a network error.
    fn handle_eof(&mut self, now: Timestamp) -> Result<(), Error> {
        self.handle_network_error(now);
        Ok(())
    }

    fn poll_transmit(&mut self, _now: Timestamp, _buf: &mut [u8]) -> usize {
        0
    }
}
