//! The connection machine: one [`Connection`] for both roles (client and server share every
//! rule except who opens streams and what a field block means).
//!
//! ```text
//!  bytes in ──▶ preface ─▶ frames ─▶ HPACK (across CONTINUATION) ─▶ §8 validation ─▶ Event
//!                              │        flow control, stream states, flood buckets
//!  actions ──▶ send_response / send_request / send_data / send_trailers / reset / ping
//!                 └─▶ control frames (encoded now) + per-stream DATA queues (Bytes, no copy)
//!  bytes out ◀── poll_transmit_vectored: control first, then DATA by RFC 9218 priority
//! ```

mod fields;
mod recv;
mod send;
mod settings;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};
use fasterapi_core::{Machine, StreamMachine, Timestamp, Transmit};
use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig};

#[cfg(feature = "http1")]
pub(crate) use fields::{BlockKind, Collector};
#[cfg(not(feature = "http1"))]
use fields::{BlockKind, Collector};
pub use fields::{Headers, RequestHead, ResponseHead};

use crate::codec::{
    DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW_SIZE, ErrorCode, FRAME_HEADER_LEN, Frame, PREFACE,
    Setting, SettingId, Settings, StreamId,
};
use crate::config::{Config, RateLimit};
use crate::error::Error;
use crate::priority::Priority;

/// DATA payloads up to this size are copied into the caller's buffer next to their frame
/// header (cheaper than a separate write); larger ones are handed out without a copy.
const COPY_PAYLOAD_MAX: usize = 1024;

/// Which end of the connection a [`Connection`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Opens streams (odd ids), sends the connection preface.
    Client,
    /// Answers streams.
    Server,
}

/// What the connection tells the application. Every stream event carries its stream id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Server: a request head arrived on a new stream. Answer with
    /// [`Connection::send_response`].
    Request {
        /// The stream.
        stream_id: StreamId,
        /// The head.
        head: RequestHead,
        /// No body follows.
        end_stream: bool,
    },
    /// Client: an informational (1xx) response head.
    Informational {
        /// The stream.
        stream_id: StreamId,
        /// The head.
        head: ResponseHead,
    },
    /// Client: the final response head.
    Response {
        /// The stream.
        stream_id: StreamId,
        /// The head.
        head: ResponseHead,
        /// No body follows.
        end_stream: bool,
    },
    /// A piece of a body: a slice of the receive buffer, no copy. With automatic window
    /// updates (the default) its flow-control credit is returned when the event is taken.
    Data {
        /// The stream.
        stream_id: StreamId,
        /// The data (empty on a bare END_STREAM).
        data: Bytes,
        /// The body ends here.
        end_stream: bool,
    },
    /// Trailer fields; the body ends here.
    Trailers {
        /// The stream.
        stream_id: StreamId,
        /// The fields.
        trailers: Headers,
    },
    /// The stream was reset: by the peer (`remote`), or by us because the peer broke a stream
    /// rule (a malformed request, a flow-control error, a stall, a refusal).
    StreamReset {
        /// The stream.
        stream_id: StreamId,
        /// The error code.
        code: ErrorCode,
        /// Whether the peer sent the RST_STREAM (or refused the stream with GOAWAY).
        remote: bool,
    },
    /// A field block on this stream decoded to more than our SETTINGS_MAX_HEADER_LIST_SIZE
    /// (RFC 9113 §10.5.1). It was still decoded, so HPACK stays in step (§4.3), and then
    /// dropped; the connection goes on. A request head (server): the machine has answered 431
    /// (Request Header Fields Too Large) by itself, and RST_STREAM NO_ERROR when the request
    /// was not complete (§8.1); the application never saw the request. Trailers, or a response
    /// head (client): the stream is reset with CANCEL and an `Event::StreamReset` follows.
    HeaderListTooLarge {
        /// The stream.
        stream_id: StreamId,
    },
    /// DATA queued on this stream was held back by flow control (a stream or connection window
    /// at zero or below), and a WINDOW_UPDATE or a larger SETTINGS_INITIAL_WINDOW_SIZE has
    /// opened both windows again (RFC 9113 §6.9): the queued data is moving, and
    /// [`Connection::send_capacity`] tells how much more fits. Raised once each time the
    /// stream was blocked.
    SendCapacity {
        /// The stream.
        stream_id: StreamId,
    },
    /// The priority of a stream changed (an RFC 9218 PRIORITY_UPDATE).
    PriorityUpdate {
        /// The stream.
        stream_id: StreamId,
        /// The new priority.
        priority: Priority,
    },
    /// The peer's SETTINGS were applied (the first one completes the connection preface).
    PeerSettings,
    /// The peer acknowledged our SETTINGS.
    SettingsAcked,
    /// The answer to [`Connection::ping`].
    PingAck {
        /// The opaque data.
        data: [u8; 8],
    },
    /// The peer is shutting down: streams above `last_stream_id` were not processed (they
    /// were reported as `StreamReset` with REFUSED_STREAM and may be retried elsewhere).
    GoAway {
        /// The last stream the peer processes.
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// The peer's diagnostic data.
        debug: Bytes,
    },
}

/// A request for [`Connection::send_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutgoingRequest<'a> {
    /// `:method`.
    pub method: &'a [u8],
    /// `:scheme` (empty for a plain CONNECT).
    pub scheme: &'a [u8],
    /// `:authority` (empty: not sent).
    pub authority: &'a [u8],
    /// `:path` (empty for a plain CONNECT).
    pub path: &'a [u8],
    /// `:protocol` for an extended CONNECT (RFC 8441).
    pub protocol: Option<&'a [u8]>,
    /// The regular fields (lowercase names).
    pub headers: &'a [(&'a [u8], &'a [u8])],
}

impl<'a> OutgoingRequest<'a> {
    /// A request with no regular fields.
    pub const fn new(
        method: &'a [u8],
        scheme: &'a [u8],
        authority: &'a [u8],
        path: &'a [u8],
    ) -> Self {
        Self {
            method,
            scheme,
            authority,
            path,
            protocol: None,
            headers: &[],
        }
    }

    /// Sets the regular fields.
    pub const fn with_headers(mut self, headers: &'a [(&'a [u8], &'a [u8])]) -> Self {
        self.headers = headers;
        self
    }

    /// Makes it an extended CONNECT for `protocol` (RFC 8441 §4): the method becomes CONNECT.
    pub const fn with_protocol(mut self, protocol: &'a [u8]) -> Self {
        self.method = b"CONNECT";
        self.protocol = Some(protocol);
        self
    }
}

/// The settings the peer announced (§6.5.2 initial values until its SETTINGS arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerSettings {
    /// SETTINGS_HEADER_TABLE_SIZE.
    pub header_table_size: u32,
    /// SETTINGS_ENABLE_PUSH.
    pub enable_push: bool,
    /// SETTINGS_MAX_CONCURRENT_STREAMS (`u32::MAX`: unlimited).
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub initial_window_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE (`u32::MAX`: unlimited).
    pub max_header_list_size: u32,
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).
    pub enable_connect_protocol: bool,
    /// SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218).
    pub no_rfc7540_priorities: bool,
}

impl Default for PeerSettings {
    fn default() -> Self {
        Self {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: u32::MAX,
            initial_window_size: DEFAULT_WINDOW_SIZE,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: u32::MAX,
            enable_connect_protocol: false,
            no_rfc7540_priorities: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Open,
    HalfClosedLocal,
    HalfClosedRemote,
}

#[derive(Debug)]
struct Stream {
    state: StreamState,
    send_window: i64,
    recv_window: i64,
    recv_pending: u32,
    queue: VecDeque<Bytes>,
    end_after_queue: bool,
    trailers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    /// Server: the final response head was sent. Client: the request was.
    head_sent: bool,
    /// Client: the final response head arrived. Server: the request head did.
    head_received: bool,
    content_length: Option<u64>,
    received: u64,
    head_request: bool,
    priority: Priority,
    stalled_since: Option<Timestamp>,
    /// Queued DATA waits for a window: raise `Event::SendCapacity` when both open.
    wants_capacity: bool,
    /// Its key in the scheduler's ready set, while it is there.
    sched: Option<(u8, u64)>,
}

impl Stream {
    fn new(state: StreamState, send_window: u32, recv_window: u32) -> Self {
        Self {
            state,
            send_window: i64::from(send_window),
            recv_window: i64::from(recv_window),
            recv_pending: 0,
            queue: VecDeque::new(),
            end_after_queue: false,
            trailers: None,
            head_sent: false,
            head_received: false,
            content_length: None,
            received: 0,
            head_request: false,
            priority: Priority::DEFAULT,
            stalled_since: None,
            wants_capacity: false,
            sched: None,
        }
    }

    fn can_send(&self) -> bool {
        matches!(
            self.state,
            StreamState::Open | StreamState::HalfClosedRemote
        )
    }

    fn can_recv(&self) -> bool {
        matches!(self.state, StreamState::Open | StreamState::HalfClosedLocal)
    }
}

/// What to do with a field block once it is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A new peer stream.
    New,
    /// An existing stream (response, trailers).
    Existing,
    /// Decode for HPACK's sake, then forget (after GOAWAY, late frames on reset streams).
    Ignore,
    /// Decode, then reset the stream with this code.
    Reset(ErrorCode),
}

#[derive(Debug)]
struct Block {
    stream_id: StreamId,
    target: Target,
    collector: Collector,
    end_stream: bool,
    frames: u32,
    bytes: u32,
    /// The decoded list went over our SETTINGS_MAX_HEADER_LIST_SIZE (HPACK decoded but
    /// discarded the rest).
    oversized: bool,
}

/// The opaque data of the PING sent with the first GOAWAY of a graceful shutdown (§6.8).
const SHUTDOWN_PING: [u8; 8] = *b"shutdown";

/// A token bucket on the virtual clock (milli-tokens, so slow rates refill smoothly).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    limit: RateLimit,
    milli: u64,
    last: Timestamp,
}

impl Bucket {
    fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            milli: u64::from(limit.burst) * 1000,
            last: Timestamp::ZERO,
        }
    }

    /// Takes one token at `now`; false when the bucket is empty.
    fn take(&mut self, now: Timestamp) -> bool {
        if self.limit.burst == u32::MAX {
            return true;
        }
        let elapsed = u128::from(now.as_nanos().saturating_sub(self.last.as_nanos()));
        self.last = self.last.max(now);
        let refill = elapsed * u128::from(self.limit.per_second) / 1_000_000;
        let cap = u64::from(self.limit.burst) * 1000;
        self.milli = (u128::from(self.milli) + refill).min(u128::from(cap)) as u64;
        if self.milli >= 1000 {
            self.milli -= 1000;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct Buckets {
    resets: Bucket,
    settings: Bucket,
    pings: Bucket,
    empty_data: Bucket,
    window_updates: Bucket,
}

/// An HTTP/2 connection, client or server, on the core driving contract
/// ([`Machine`] + [`StreamMachine`] with `bytes::Bytes` payloads).
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    now: Timestamp,
    // receive side
    recv: BytesMut,
    filled: usize,
    preface_left: usize,
    got_settings: bool,
    block: Option<Block>,
    decoder: Decoder<Vec<u8>>,
    encoder: Encoder<Vec<u8>>,
    // streams
    streams: BTreeMap<StreamId, Stream>,
    /// Streams with output to send, in RFC 9218 order: (urgency, round, id).
    ready: BTreeSet<(u8, u64, StreamId)>,
    /// Open streams the peer initiated (counted against our MAX_CONCURRENT_STREAMS).
    peer_open: usize,
    last_peer_id: StreamId,
    next_local_id: u32,
    recent_resets: VecDeque<StreamId>,
    pending_priorities: Vec<(StreamId, Priority)>,
    // flow control
    conn_send_window: i64,
    conn_recv_window: i64,
    conn_recv_pending: u32,
    peer: PeerSettings,
    // our SETTINGS
    settings_unacked: u32,
    settings_deadline: Option<Timestamp>,
    settings_arm: bool,
    /// Per unacknowledged SETTINGS of ours, oldest first: the values that apply on its ACK.
    pending_settings: VecDeque<Vec<Setting>>,
    /// The HPACK decoder's table capacity (the largest SETTINGS_HEADER_TABLE_SIZE we may send).
    decoder_capacity: u32,
    /// The largest SETTINGS_MAX_HEADER_LIST_SIZE we may send (the decoder's field buffers).
    list_capacity: u32,
    // output
    out: Vec<u8>,
    out_pos: usize,
    partial: Option<Bytes>,
    scratch: Vec<u8>,
    serve_counter: u64,
    // defences
    buckets: Buckets,
    // lifecycle
    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    /// Server, graceful shutdown between its two GOAWAYs (§6.8): when to send the final one
    /// if the PING is not answered.
    draining: Option<Timestamp>,
    failed: bool,
    eof: bool,
    events: VecDeque<Event>,
}

impl Connection {
    /// A server connection: it expects the client preface and sends its SETTINGS at once.
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config)
    }

    /// A client connection: it sends the preface and its SETTINGS at once.
    pub fn client(config: Config) -> Self {
        Self::new(Role::Client, config)
    }

    /// A connection in `role`.
    pub fn new(role: Role, config: Config) -> Self {
        let config = config.clamped();
        let dec = DecoderConfig::DEFAULT
            .with_max_table_size(config.header_table_size)
            .with_max_header_list_size(config.max_header_list_size)
            .with_field_buffer_size(config.max_header_list_size.max(1024))
            // RFC 9113 §10.5.1: an oversized block is refused on its stream, but still
            // decoded so the dynamic table stays in step (§4.3).
            .with_discard_oversized(true);
        let mut c = Self {
            role,
            config,
            now: Timestamp::ZERO,
            recv: BytesMut::new(),
            filled: 0,
            preface_left: if role == Role::Server {
                PREFACE.len()
            } else {
                0
            },
            got_settings: false,
            block: None,
            decoder: Decoder::new(dec),
            encoder: Encoder::new(EncoderConfig::DEFAULT),
            streams: BTreeMap::new(),
            ready: BTreeSet::new(),
            peer_open: 0,
            last_peer_id: StreamId::CONNECTION,
            next_local_id: if role == Role::Client { 1 } else { 2 },
            recent_resets: VecDeque::new(),
            pending_priorities: Vec::new(),
            conn_send_window: i64::from(DEFAULT_WINDOW_SIZE),
            conn_recv_window: i64::from(DEFAULT_WINDOW_SIZE),
            conn_recv_pending: 0,
            peer: PeerSettings::default(),
            settings_unacked: 1,
            settings_deadline: None,
            settings_arm: true,
            pending_settings: VecDeque::from([Vec::new()]),
            decoder_capacity: config.header_table_size,
            list_capacity: config.max_header_list_size.max(1024),
            out: Vec::new(),
            out_pos: 0,
            partial: None,
            scratch: Vec::new(),
            serve_counter: 0,
            buckets: Buckets {
                resets: Bucket::new(config.reset_rate),
                settings: Bucket::new(config.settings_rate),
                pings: Bucket::new(config.ping_rate),
                empty_data: Bucket::new(config.empty_data_rate),
                window_updates: Bucket::new(config.window_update_rate),
            },
            goaway_sent: None,
            goaway_received: None,
            draining: None,
            failed: false,
            eof: false,
            events: VecDeque::new(),
        };
        if role == Role::Client {
            c.out.extend_from_slice(PREFACE);
        }
        let (list, n) = our_settings(role, &config);
        c.queue_frame(&Frame::Settings {
            ack: false,
            settings: Settings::List(&list[..n]),
        });
        let extra = config.connection_window_size - DEFAULT_WINDOW_SIZE;
        if extra > 0 {
            c.queue_frame(&Frame::WindowUpdate {
                stream_id: StreamId::CONNECTION,
                increment: extra,
            });
            c.conn_recv_window += i64::from(extra);
        }
        c
    }

    /// Server side of an h2c upgrade (RFC 7540 §3.2): the HTTP/1.1 request becomes stream 1,
    /// half-closed (remote), and the peer's HTTP2-Settings payload applies as its first
    /// SETTINGS (the 101 acknowledges it). The client preface is still expected.
    #[cfg(feature = "http1")]
    pub(crate) fn upgraded_server(
        config: Config,
        peer_settings: &[u8],
        head: RequestHead,
    ) -> Result<Self, Error> {
        let mut c = Self::new(Role::Server, config);
        let settings = Settings::from_payload(peer_settings)?;
        c.apply_settings(settings)?;
        let id = StreamId::new(1);
        let mut s = Stream::new(
            StreamState::HalfClosedRemote,
            c.peer.initial_window_size,
            c.config.initial_window_size,
        );
        s.head_received = true;
        c.insert_stream(id, s);
        c.last_peer_id = id;
        c.events.push_back(Event::Request {
            stream_id: id,
            head,
            end_stream: true,
        });
        Ok(c)
    }

    /// Client side of an h2c upgrade: stream 1 carried the HTTP/1.1 request and is
    /// half-closed (local); its response arrives as HTTP/2.
    #[cfg(feature = "http1")]
    pub(crate) fn upgraded_client(config: Config, head_request: bool) -> Self {
        let mut c = Self::new(Role::Client, config);
        let mut s = Stream::new(
            StreamState::HalfClosedLocal,
            c.peer.initial_window_size,
            c.config.initial_window_size,
        );
        s.head_sent = true;
        s.head_request = head_request;
        c.insert_stream(StreamId::new(1), s);
        c.next_local_id = 3;
        c
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer's settings as applied so far.
    pub fn peer_settings(&self) -> PeerSettings {
        self.peer
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Streams that are open or half-closed.
    pub fn open_streams(&self) -> usize {
        self.streams.len()
    }

    /// Our send window on the connection and, if `stream` is open, on that stream.
    pub fn send_window(&self, stream: Option<StreamId>) -> i64 {
        match stream {
            None => self.conn_send_window,
            Some(id) => self.streams.get(&id).map_or(0, |s| s.send_window),
        }
    }

    /// Octets of DATA `id` may still queue before they wait for the peer's flow-control
    /// windows: the smaller of the stream's and the connection's send window (none when
    /// either is below zero) minus the DATA already queued on it. Negative when queued data
    /// already waits: an `Event::SendCapacity` follows once the windows open. 0 for a stream
    /// that is not open.
    pub fn send_capacity(&self, id: StreamId) -> i64 {
        let Some(s) = self.streams.get(&id) else {
            return 0;
        };
        let queued: usize = s.queue.iter().map(Bytes::len).sum();
        s.send_window.min(self.conn_send_window).max(0) - queued as i64
    }

    /// Raises `Event::SendCapacity` for `id` if its queued DATA was waiting for a window and
    /// both windows are open now.
    fn capacity_opened(&mut self, id: StreamId) {
        let conn_open = self.conn_send_window > 0;
        if let Some(s) = self.streams.get_mut(&id) {
            if s.wants_capacity && conn_open && s.send_window > 0 {
                s.wants_capacity = false;
                self.events.push_back(Event::SendCapacity { stream_id: id });
            }
        }
    }

    fn is_peer_id(&self, id: StreamId) -> bool {
        id.is_client_initiated() == (self.role == Role::Server)
    }

    fn insert_stream(&mut self, id: StreamId, s: Stream) {
        if self.is_peer_id(id) {
            self.peer_open += 1;
        }
        self.streams.insert(id, s);
    }

    /// Forgets a stream (closed or reset) and its place in the scheduler.
    fn remove_stream(&mut self, id: StreamId) -> Option<Stream> {
        let s = self.streams.remove(&id)?;
        if self.is_peer_id(id) {
            self.peer_open -= 1;
        }
        if let Some((u, r)) = s.sched {
            self.ready.remove(&(u, r, id));
        }
        Some(s)
    }

    fn queue_frame(&mut self, f: &Frame<'_>) {
        let at = self.out.len();
        self.out.resize(at + f.encoded_len(), 0);
        f.emit(&mut self.out[at..]).expect("sized by encoded_len");
    }

    /// Queues a control frame the peer made us send, bounded by
    /// [`Config::max_queued_control`] (a peer that floods us while not reading).
    fn queue_control(&mut self, f: &Frame<'_>) -> Result<(), Error> {
        if self.out.len() - self.out_pos + f.encoded_len() > self.config.max_queued_control {
            return Err(self.fail(Error::Flood(crate::Flood::ControlQueue)));
        }
        self.queue_frame(f);
        Ok(())
    }

    /// Ends the connection with a GOAWAY carrying `e`'s code (§5.4.1), once.
    fn fail(&mut self, e: Error) -> Error {
        if !self.failed {
            self.failed = true;
            let last = self.last_peer_id;
            self.queue_frame(&Frame::GoAway {
                last_stream_id: last,
                code: e.code(),
                debug: e.kind().as_bytes(),
            });
            self.goaway_sent = Some(last);
        }
        e
    }

    fn out_pending(&self) -> bool {
        self.out_pos < self.out.len() || self.partial.is_some()
    }

    fn arm_timers(&mut self, now: Timestamp) {
        self.now = self.now.max(now);
        if self.settings_arm {
            self.settings_arm = false;
            self.settings_deadline = Some(now.saturating_add(self.config.settings_timeout));
        }
    }

    /// The final GOAWAY of a graceful shutdown, naming the last peer stream we process (§6.8).
    fn final_goaway(&mut self) {
        self.draining = None;
        if self.goaway_sent.is_none() && !self.failed {
            let last = self.last_peer_id;
            self.goaway_sent = Some(last);
            self.queue_frame(&Frame::GoAway {
                last_stream_id: last,
                code: ErrorCode::NO_ERROR,
                debug: b"",
            });
        }
    }

    fn done(&self) -> bool {
        self.failed
            || self.eof
            || (self.draining.is_none()
                && (self.goaway_sent.is_some() || self.goaway_received.is_some())
                && self.streams.is_empty()
                && self.block.is_none())
    }
}

/// The SETTINGS we announce for `role` (also the HTTP2-Settings of an h2c upgrade).
pub(crate) fn our_settings(role: Role, config: &Config) -> ([Setting; 8], usize) {
    let mut list = [Setting::new(SettingId::HEADER_TABLE_SIZE, 0); 8];
    let mut n = 0;
    let mut add = |id, v| {
        list[n] = Setting::new(id, v);
        n += 1;
    };
    add(SettingId::ENABLE_PUSH, 0);
    if config.header_table_size != 4096 {
        add(SettingId::HEADER_TABLE_SIZE, config.header_table_size);
    }
    add(
        SettingId::MAX_CONCURRENT_STREAMS,
        config.max_concurrent_streams,
    );
    add(SettingId::INITIAL_WINDOW_SIZE, config.initial_window_size);
    if config.max_frame_size != DEFAULT_MAX_FRAME_SIZE {
        add(SettingId::MAX_FRAME_SIZE, config.max_frame_size);
    }
    add(SettingId::MAX_HEADER_LIST_SIZE, config.max_header_list_size);
    if role == Role::Server && config.enable_connect_protocol {
        add(SettingId::ENABLE_CONNECT_PROTOCOL, 1);
    }
    if config.no_rfc7540_priorities {
        add(SettingId::NO_RFC7540_PRIORITIES, 1);
    }
    (list, n)
}

impl Machine for Connection {
    type Event = Event;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        self.arm_timers(now);
        if self.failed {
            return Ok(());
        }
        if self.settings_deadline.is_some_and(|d| d <= now) {
            return Err(self.fail(Error::SettingsTimeout));
        }
        if self.draining.is_some_and(|d| d <= now) {
            // The PING of a graceful shutdown went unanswered: end the wait (§6.8).
            self.final_goaway();
        }
        if let Some(t) = self.config.send_stall_timeout {
            let stalled: Vec<StreamId> = self
                .streams
                .iter()
                .filter(|(_, s)| {
                    s.stalled_since
                        .is_some_and(|at| at.saturating_add(t) <= now)
                })
                .map(|(id, _)| *id)
                .collect();
            for id in stalled {
                self.reset_local(id, ErrorCode::CANCEL, false)?;
            }
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        if self.failed {
            return None;
        }
        let stall = self.config.send_stall_timeout.and_then(|t| {
            self.streams
                .values()
                .filter_map(|s| s.stalled_since)
                .min()
                .map(|at| at.saturating_add(t))
        });
        [self.settings_deadline, stall, self.draining]
            .into_iter()
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<Event> {
        let ev = self.events.pop_front()?;
        if let Event::Data {
            stream_id, data, ..
        } = &ev
        {
            if self.config.auto_window_update && !data.is_empty() {
                self.release(*stream_id, data.len() as u32);
            }
        }
        Some(ev)
    }

    /// Graceful shutdown. A server does it in two steps (RFC 9113 §6.8): a GOAWAY with the
    /// last stream id 2^31-1 and a PING; requests the client sent before it saw that GOAWAY
    /// are still processed. Once the PING is answered (or after
    /// [`Config::shutdown_ping_timeout`]) the final GOAWAY names the last stream processed;
    /// streams up to it finish, later ones are ignored. A client (which has no streams of the
    /// peer's to keep) sends its one GOAWAY at once. Calling it again changes nothing.
    fn close(&mut self, now: Timestamp) {
        self.arm_timers(now);
        if self.goaway_sent.is_some() || self.draining.is_some() || self.failed {
            return;
        }
        if self.role == Role::Client {
            self.final_goaway();
            return;
        }
        self.queue_frame(&Frame::GoAway {
            last_stream_id: StreamId::MAX,
            code: ErrorCode::NO_ERROR,
            debug: b"",
        });
        self.queue_frame(&Frame::Ping {
            ack: false,
            data: SHUTDOWN_PING,
        });
        // From the latest time the machine has seen (an action may pass an older `now`).
        self.draining = Some(self.now.saturating_add(self.config.shutdown_ping_timeout));
    }

    fn is_closed(&self) -> bool {
        self.done() && !self.out_pending()
    }
}

impl StreamMachine for Connection {
    type Payload = Bytes;

    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        self.recv.truncate(self.filled);
        self.recv.extend_from_slice(input);
        self.filled = self.recv.len();
        self.process(now)?;
        Ok(input.len())
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        let want = FRAME_HEADER_LEN + self.config.max_frame_size as usize;
        let free = want.saturating_sub(self.filled).max(4096);
        // `recv` keeps the zeroed bytes past `filled` from the last call, so the common case
        // lends them again instead of zero-filling 16 KiB per read; it grows (and zeroes) only
        // when less than `free` is left, e.g. after a large DATA frame was handed out.
        if self.recv.len() < self.filled + free {
            self.recv.truncate(self.filled);
            self.recv.resize(self.filled + free, 0);
        }
        &mut self.recv[self.filled..]
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Error> {
        let n = n.min(self.recv.len() - self.filled);
        self.filled += n;
        // Frames are parsed from `recv` as it stands, so the unused tail goes aside while they
        // are processed and comes back after (O(1): it is the same allocation, just behind).
        let spare = self.recv.split_off(self.filled);
        let r = self.process(now);
        self.recv.unsplit(spare);
        r
    }

    fn handle_eof(&mut self, now: Timestamp) -> Result<(), Error> {
        self.arm_timers(now);
        if self.done() || (self.streams.is_empty() && self.filled == 0 && self.block.is_none()) {
            self.eof = true;
            return Ok(());
        }
        self.eof = true;
        Err(Error::UnexpectedEof)
    }

    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let t = self.poll_transmit_vectored(now, &mut buf[n..]);
            n += t.len;
            if let Some(mut p) = t.payload {
                let k = p.len().min(buf.len() - n);
                buf[n..n + k].copy_from_slice(&p[..k]);
                n += k;
                if k < p.len() {
                    self.partial = Some(p.split_off(k));
                }
            } else if t.len == 0 {
                break;
            }
        }
        n
    }

    fn poll_transmit_vectored(&mut self, now: Timestamp, buf: &mut [u8]) -> Transmit<Bytes> {
        self.arm_timers(now);
        let none = Transmit {
            len: 0,
            payload: None,
        };
        if buf.is_empty() {
            return none;
        }
        if let Some(mut p) = self.partial.take() {
            let k = p.len().min(buf.len());
            buf[..k].copy_from_slice(&p[..k]);
            if k < p.len() {
                self.partial = Some(p.split_off(k));
            }
            return Transmit {
                len: k,
                payload: None,
            };
        }
        // Fill `buf` with control frames and DATA frames whose payload is small enough to
        // copy; a larger payload is handed out after its header, without a copy.
        let mut n = 0;
        loop {
            if self.out_pos < self.out.len() {
                let k = (self.out.len() - self.out_pos).min(buf.len() - n);
                buf[n..n + k].copy_from_slice(&self.out[self.out_pos..self.out_pos + k]);
                self.out_pos += k;
                n += k;
                if self.out_pos < self.out.len() {
                    break; // `buf` is full
                }
                self.out.clear();
                self.out_pos = 0;
            }
            if self.failed || (n > 0 && buf.len() - n < FRAME_HEADER_LEN) {
                break;
            }
            match self.next_data(now) {
                send::Next::Nothing => break,
                // Trailers or a bare END_STREAM went into the control queue: send it.
                send::Next::Queued => {}
                send::Next::Data(header, payload) => {
                    if buf.len() - n >= FRAME_HEADER_LEN {
                        header.emit(&mut buf[n..]);
                        n += FRAME_HEADER_LEN;
                        if payload.len() <= COPY_PAYLOAD_MAX && payload.len() <= buf.len() - n {
                            buf[n..n + payload.len()].copy_from_slice(&payload);
                            n += payload.len();
                            continue;
                        }
                        return Transmit {
                            len: n,
                            payload: Some(payload),
                        };
                    }
                    // A buffer shorter than a frame header: go through the control queue
                    // (empty here, so the order holds).
                    let at = self.out.len();
                    self.out.resize(at + FRAME_HEADER_LEN, 0);
                    header.emit(&mut self.out[at..]);
                    self.out.extend_from_slice(&payload);
                }
            }
        }
        Transmit {
            len: n,
            payload: None,
        }
    }
}
