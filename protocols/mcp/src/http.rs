//! The Streamable HTTP transport, server side, at the request level.
//!
//! [`HttpServer`] turns one complete HTTP request (a `fasterapi-http1` [`IncomingRequest`] and
//! its body) into an [`HttpResponse`]: a whole JSON body, or an SSE stream whose bytes come
//! from [`HttpServer::poll_stream`]. The connection machine (`fasterapi_http1::ServerConnection`)
//! and the driver stay the caller's: this type holds what spans connections — the legacy
//! sessions (`Mcp-Session-Id`) and the stateless engine.
//!
//! Rules implemented (2025-11-25 and 2026-07-28 transports/streamable-http):
//! * `Origin` validated against DNS rebinding: a present Origin outside the allowed list is
//!   `403 Forbidden`;
//! * POST bodies must be `application/json` (415) within the size limit (413); `Accept` must
//!   allow JSON or SSE (406);
//! * notifications and responses only: `202 Accepted`, no body;
//! * requests: `200` with `application/json` when every answer is ready at once, else
//!   `text/event-stream` carrying the related notifications and then the responses;
//! * legacy sessions: `initialize` mints a session id (from the caller's generator), later
//!   requests need it (400 without, 404 when unknown or deleted), `GET` opens the session's
//!   stream for server→client messages, `DELETE` ends the session; `MCP-Protocol-Version`
//!   must name a supported revision (400);
//! * 2026-07-28: no sessions; `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` must agree
//!   with the body (400 with `-32020 HeaderMismatch`); `GET` is 405.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use fasterapi_core::Timestamp;
use fasterapi_http1::IncomingRequest;
use serde_json::{Value, json};

use crate::codes::ErrorCode;
use crate::engine::{Engine, EngineConfig, Event, Output, meta};
use crate::jsonrpc::{ErrorObject, Id, Message, Payload};
use crate::replay::{self, ReplayBuffer, ReplayConfig};
use crate::{ProtocolVersion, Server};

/// Options of an [`HttpServer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpConfig {
    /// The MCP endpoint path. Default `/mcp`.
    pub path: String,
    /// Allowed `Origin` values (exact, e.g. `http://localhost:3000`). Empty (the default)
    /// allows only loopback origins (`localhost`, `127.0.0.1`, `[::1]`, any port).
    pub allowed_origins: Vec<String>,
    /// The largest POST body. Default 4 MiB.
    pub max_body: usize,
    /// Legacy sessions at most; `initialize` beyond it is 503. Default 1024.
    pub max_sessions: usize,
    /// A legacy session with no request and no open stream for this long is ended (its
    /// engine closed; later requests get 404, so the client starts a new one), so clients
    /// that never send `DELETE` cannot use up `max_sessions`. Default 30 minutes.
    pub session_idle: Duration,
    /// The engine options for every session and the stateless engine.
    pub engine: EngineConfig,
    /// Resumable SSE streams of legacy sessions: the per-session replay buffer
    /// ([`crate::replay`]). Default 256 events, 1 MiB.
    pub replay: ReplayConfig,
    /// The `retry` sent before the server ends a stream's connection itself
    /// ([`HttpServer::pause_stream`]). Default 1 s.
    pub sse_retry: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            path: "/mcp".into(),
            allowed_origins: Vec::new(),
            max_body: 4 * 1024 * 1024,
            max_sessions: 1024,
            session_idle: Duration::from_secs(30 * 60),
            engine: EngineConfig::default(),
            replay: ReplayConfig::default(),
            sse_retry: Duration::from_secs(1),
        }
    }
}

/// An SSE stream handed out by [`HttpServer::handle_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId(u64);

/// The body of an [`HttpResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpBody {
    /// No body.
    Empty,
    /// A whole body.
    Full(Vec<u8>),
    /// A `text/event-stream` body: pull it with [`HttpServer::poll_stream`].
    Stream(StreamId),
}

/// What to answer an HTTP request with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header fields (`Content-Type`, `Mcp-Session-Id`, …); framing is the caller's.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: HttpBody,
}

impl HttpResponse {
    fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: HttpBody::Empty,
        }
    }

    fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body: HttpBody::Full(body),
        }
    }

    fn rpc_error(status: u16, id: Option<Id>, error: ErrorObject) -> Self {
        let mut body = Vec::new();
        Message::Error { id, error }.encode(&mut body);
        Self::json(status, body)
    }

    fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "text/plain".into())],
            body: HttpBody::Full(text.as_bytes().to_vec()),
        }
    }
}

/// What [`HttpServer::poll_stream`] has for a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPoll {
    /// SSE-encoded bytes to send.
    Data(Vec<u8>),
    /// Nothing now; ask again after input, an action or a timeout.
    Pending,
    /// The stream is complete: end the body.
    End,
    /// No such stream (ended or never opened).
    Unknown,
}

/// Which engine: the stateless one or a legacy session's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EngineKey {
    /// The stateless (2026-07-28) engine.
    Stateless,
    /// A legacy session.
    Session(String),
}

#[derive(Debug)]
struct Stream {
    engine: EngineKey,
    /// Requests whose final answer ends the stream; `None` for a session's GET stream.
    waiting: Option<Vec<Id>>,
    /// Messages to send, with their event counter once given one (replayed events).
    queue: VecDeque<(Option<u64>, Vec<u8>)>,
    /// The stream's number in its event ids (a resumed stream keeps the original's).
    no: u64,
    /// A legacy session's stream with resumability on: events get ids and are recorded.
    resumable: bool,
    /// The priming event (an id, no data) was sent.
    primed: bool,
    /// The connection is gone (or was ended by [`HttpServer::pause_stream`]); messages go
    /// to the replay buffer only, until a `GET` with `Last-Event-ID` resumes the stream.
    detached: bool,
    /// [`HttpServer::pause_stream`]: after the queue, send `retry` and end the body.
    pausing: bool,
}

type SessionIdFn = dyn FnMut() -> String + Send;

/// The Streamable HTTP server: sessions, the stateless engine, and the open streams.
pub struct HttpServer {
    config: HttpConfig,
    server: Arc<Server>,
    stateless: Engine,
    sessions: BTreeMap<String, Engine>,
    /// When each session last had a request (or an open stream at an expiry check).
    last_used: BTreeMap<String, Timestamp>,
    new_session_id: Box<SessionIdFn>,
    streams: BTreeMap<StreamId, Stream>,
    next_stream: u64,
    /// Each legacy session's recorded events.
    replay: BTreeMap<String, ReplayBuffer>,
    events: VecDeque<(EngineKey, Event)>,
}

impl fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpServer")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

fn header<'a>(req: &'a IncomingRequest, name: &str) -> Option<&'a str> {
    req.header(name).and_then(|v| core::str::from_utf8(v).ok())
}

fn is_loopback_origin(origin: &str) -> bool {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let Some(rest) = rest else { return false };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().map(|h| (h, true))
    } else {
        rest.split([':', '/']).next().map(|h| (h, false))
    };
    matches!(
        host,
        Some(("localhost" | "127.0.0.1", false) | ("::1", true))
    )
}

impl HttpServer {
    /// A server for `server`; `new_session_id` mints legacy session ids and must return
    /// unguessable, visible-ASCII strings (2025-11-25 transports §"Session Management": a
    /// cryptographically secure value). Unless the configuration sets them, the
    /// `requestState` key and the task id source are seeded from it too.
    pub fn new(
        server: Arc<Server>,
        config: HttpConfig,
        mut new_session_id: impl FnMut() -> String + Send + 'static,
    ) -> Self {
        let mut config = config;
        if config.engine.state_key.is_none() {
            // The engine has no randomness; the session-id generator is the caller's CSPRNG
            // (its contract above), so four of its values seed the requestState key.
            let material: String = (0..4).map(|_| new_session_id()).collect();
            config.engine.state_key = Some(crate::mrtr::StateKey::derive(material.as_bytes()));
        }
        if config.engine.tasks.ids.is_none() {
            // The stateless engine's tasks are reachable by every client, and task ids are
            // their only guard (tasks §"Task Isolation and Access Control": ids MUST be
            // cryptographically secure): keyed ids from four more CSPRNG values.
            let material: String = (0..4).map(|_| new_session_id()).collect();
            config.engine.tasks.ids = Some(crate::tasks::TaskIds::keyed(material.as_bytes()));
        }
        let stateless = Engine::new(Arc::clone(&server), config.engine.clone());
        Self {
            config,
            server,
            stateless,
            sessions: BTreeMap::new(),
            last_used: BTreeMap::new(),
            new_session_id: Box::new(new_session_id),
            streams: BTreeMap::new(),
            next_stream: 0,
            replay: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// Live legacy sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The engine behind `key`, for actions (`complete`, `progress`, `notify_*`).
    pub fn engine_mut(&mut self, key: &EngineKey) -> Option<&mut Engine> {
        match key {
            EngineKey::Stateless => Some(&mut self.stateless),
            EngineKey::Session(id) => self.sessions.get_mut(id),
        }
    }

    /// Answers one complete HTTP request.
    pub fn handle_request(
        &mut self,
        now: Timestamp,
        req: &IncomingRequest,
        body: &[u8],
    ) -> HttpResponse {
        // DNS rebinding: validate Origin first (transports §"Security Warning").
        if let Some(origin) = header(req, "origin") {
            let allowed = if self.config.allowed_origins.is_empty() {
                is_loopback_origin(origin)
            } else {
                self.config.allowed_origins.iter().any(|o| o == origin)
            };
            if !allowed {
                return HttpResponse::text(403, "Origin not allowed");
            }
        }
        let path = req.target.split(|&b| b == b'?').next().unwrap_or_default();
        if path != self.config.path.as_bytes() {
            return HttpResponse::text(404, "Not Found");
        }
        let resp = match &req.method[..] {
            b"POST" => self.post(now, req, body),
            b"GET" => self.get(req),
            b"DELETE" => self.delete(req),
            _ => HttpResponse::text(405, "Method Not Allowed"),
        };
        // The session this request used (or minted) is in use now.
        let session = header(req, "mcp-session-id")
            .map(ToString::to_string)
            .or_else(|| {
                resp.headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("mcp-session-id"))
                    .map(|(_, v)| v.clone())
            });
        if let Some(id) = session.filter(|id| self.sessions.contains_key(id)) {
            self.last_used.insert(id, now);
        }
        self.route_outputs();
        resp
    }

    fn session_of(&self, req: &IncomingRequest) -> Result<String, HttpResponse> {
        let Some(id) = header(req, "mcp-session-id") else {
            return Err(HttpResponse::rpc_error(
                400,
                None,
                ErrorObject::new(ErrorCode::INVALID_REQUEST, "Mcp-Session-Id header required"),
            ));
        };
        if !self.sessions.contains_key(id) {
            // An unknown or ended session is 404: the client starts a new one.
            return Err(HttpResponse::rpc_error(
                404,
                None,
                ErrorObject::new(ErrorCode::INVALID_REQUEST, "Session not found"),
            ));
        }
        Ok(id.into())
    }

    fn get(&mut self, req: &IncomingRequest) -> HttpResponse {
        if !header(req, "accept").is_some_and(|a| a.contains("text/event-stream")) {
            return HttpResponse::text(406, "GET needs Accept: text/event-stream");
        }
        if header(req, "mcp-session-id").is_none() {
            // The stateless revision has no GET stream (subscriptions/listen replaces it).
            return HttpResponse::text(405, "Method Not Allowed");
        }
        let session = match self.session_of(req) {
            Ok(s) => s,
            Err(r) => return r,
        };
        if let Some(last) = header(req, "last-event-id") {
            if let Some(resp) = self.resume(&session, last) {
                return resp;
            }
        }
        let key = EngineKey::Session(session);
        if self
            .streams
            .values()
            .any(|s| s.engine == key && s.waiting.is_none() && !s.detached)
        {
            return HttpResponse::text(409, "a GET stream is already open for this session");
        }
        // A standalone stream the client left without resuming it is replaced.
        self.streams
            .retain(|_, s| !(s.engine == key && s.waiting.is_none() && s.detached));
        let id = self.open_stream(key, None);
        sse_response(id, None)
    }

    /// 2025-11-25 §"Resumability and Redelivery": a `GET` with `Last-Event-ID` gets the
    /// events of that id's stream after it, and the stream goes on if it is not finished.
    /// `None` when the id names nothing resumable (the `GET` then opens the standalone
    /// stream as usual).
    fn resume(&mut self, session: &str, last: &str) -> Option<HttpResponse> {
        let (no, after) = replay::parse_event_id(last)?;
        // What the engines said meanwhile goes where it belongs first.
        self.route_outputs();
        let events = self.replay.get(session)?.after(no, after)?;
        let key = EngineKey::Session(session.into());
        let queued = events.into_iter().map(|(n, d)| (Some(n), d));
        let live = self
            .streams
            .iter_mut()
            .find(|(_, s)| s.engine == key && s.no == no && s.resumable);
        if let Some((id, st)) = live {
            if !st.detached {
                return Some(HttpResponse::text(409, "that stream is still connected"));
            }
            // Everything since the detach was recorded, so the replay is the whole backlog.
            st.queue = queued.collect();
            st.detached = false;
            st.pausing = false;
            st.primed = true;
            return Some(sse_response(*id, None));
        }
        // The stream finished while the client was away: a stream that replays and ends.
        let id = self.open_stream(key, Some(Vec::new()));
        let st = self.streams.get_mut(&id).expect("just opened");
        st.no = no;
        st.primed = true;
        st.queue = queued.collect();
        Some(sse_response(id, None))
    }

    /// Ends the connection of the SSE stream that carries `request` (or, for `None`, the
    /// session's standalone GET stream) without ending the stream: once its queued events
    /// are out, `poll_stream` sends a `retry` ([`HttpConfig::sse_retry`]) and then
    /// [`StreamPoll::End`]; the client resumes with `GET` + `Last-Event-ID` (2025-11-25
    /// transports §"Sending Messages to the Server": the server MAY close the connection
    /// after an event id, and SHOULD send `retry` first). Only resumable streams (legacy
    /// sessions, [`HttpConfig::replay`] on) can pause; returns whether one did.
    pub fn pause_stream(&mut self, key: &EngineKey, request: Option<&Id>) -> bool {
        let found = self.streams.values_mut().find(|s| {
            &s.engine == key
                && s.resumable
                && !s.detached
                && match (&s.waiting, request) {
                    (Some(w), Some(r)) => w.contains(r),
                    (None, None) => true,
                    _ => false,
                }
        });
        match found {
            Some(s) => {
                s.pausing = true;
                true
            }
            None => false,
        }
    }

    fn delete(&mut self, req: &IncomingRequest) -> HttpResponse {
        match self.session_of(req) {
            Ok(s) => {
                if let Some(mut e) = self.sessions.remove(&s) {
                    e.close();
                }
                self.last_used.remove(&s);
                self.replay.remove(&s);
                let key = EngineKey::Session(s);
                self.streams.retain(|_, st| st.engine != key);
                HttpResponse::new(200)
            }
            Err(r) => r,
        }
    }

    fn post(&mut self, now: Timestamp, req: &IncomingRequest, body: &[u8]) -> HttpResponse {
        if body.len() > self.config.max_body {
            return HttpResponse::text(413, "body too large");
        }
        let ctype = header(req, "content-type").unwrap_or_default();
        if !ctype.trim_start().starts_with("application/json") {
            return HttpResponse::text(415, "Content-Type must be application/json");
        }
        let accept = header(req, "accept").unwrap_or("*/*");
        let sse_ok = accept.contains("text/event-stream") || accept.contains("*/*");
        let json_ok = accept.contains("application/json") || accept.contains("*/*");
        if !sse_ok && !json_ok {
            return HttpResponse::text(
                406,
                "Accept must allow application/json or text/event-stream",
            );
        }
        let payload = match Payload::parse(body, &self.config.engine.codec) {
            Ok(p) => p,
            Err(r) => return HttpResponse::rpc_error(400, r.id.clone(), r.error()),
        };
        let messages: Vec<&Message> = match &payload {
            Payload::Single(m) => vec![m],
            Payload::Batch(items) => items.iter().filter_map(|r| r.as_ref().ok()).collect(),
        };
        let request_ids: Vec<Id> = messages
            .iter()
            .filter_map(|m| match m {
                Message::Request(r) => Some(r.id.clone()),
                _ => None,
            })
            .collect();
        let modern_version = messages.iter().find_map(|m| match m {
            Message::Request(r) => r
                .params
                .as_ref()
                .and_then(|p| {
                    p.pointer(&format!(
                        "/_meta/{}",
                        meta::PROTOCOL_VERSION.replace('/', "~1")
                    ))
                })
                .and_then(Value::as_str)
                .map(ToString::to_string),
            _ => None,
        });
        let is_initialize = messages
            .iter()
            .any(|m| matches!(m, Message::Request(r) if r.method == "initialize"));

        let header_version = header(req, "mcp-protocol-version")
            .and_then(ProtocolVersion::parse)
            .filter(|v| v.is_stateless());
        let key = if let Some(version) = modern_version {
            if let Err(resp) = check_modern_headers(req, &messages, &version) {
                return resp;
            }
            if let Err(resp) = check_param_headers(req, &messages, &self.server) {
                return resp;
            }
            EngineKey::Stateless
        } else if header_version.is_some() && header(req, "mcp-session-id").is_none() {
            // A 2026-07-28 request (by its header) without the `_meta` protocol version:
            // invalid params, with the request's id (basic §"`_meta`").
            let id = messages.iter().find_map(|m| match m {
                Message::Request(r) => Some(r.id.clone()),
                _ => None,
            });
            return HttpResponse::rpc_error(
                400,
                id,
                ErrorObject::invalid_params(
                    "_meta io.modelcontextprotocol/protocolVersion is required",
                ),
            );
        } else if is_initialize {
            if self.sessions.len() >= self.config.max_sessions {
                return HttpResponse::text(503, "too many sessions");
            }
            let id = (self.new_session_id)();
            let engine = Engine::new(Arc::clone(&self.server), self.config.engine.clone());
            self.sessions.insert(id.clone(), engine);
            EngineKey::Session(id)
        } else {
            let session = match self.session_of(req) {
                Ok(s) => s,
                Err(r) => return r,
            };
            if let Some(v) = header(req, "mcp-protocol-version") {
                if ProtocolVersion::parse(v)
                    .is_none_or(|v| !self.config.engine.versions.contains(&v))
                {
                    return HttpResponse::rpc_error(
                        400,
                        None,
                        ErrorObject::new(
                            ErrorCode::INVALID_REQUEST,
                            "Unsupported MCP-Protocol-Version",
                        ),
                    );
                }
            }
            EngineKey::Session(session)
        };
        let Some(engine) = self.engine_mut(&key) else {
            return HttpResponse::text(404, "Session not found");
        };
        engine.handle_payload(now, body);
        self.collect_events(&key);
        if request_ids.is_empty() {
            return HttpResponse::new(202);
        }
        let session_header = match &key {
            EngineKey::Session(id) => Some(id.clone()),
            EngineKey::Stateless => None,
        };
        if is_initialize
            && self
                .sessions
                .get(session_header.as_deref().unwrap_or(""))
                .is_some_and(|e| e.negotiated_version().is_none())
        {
            // initialize failed: no session was created after all.
            if let Some(id) = &session_header {
                let mut e = self.sessions.remove(id).expect("checked above");
                let mut out = Vec::new();
                if let Some(o) = e.poll_output() {
                    o.payload.encode(&mut out);
                }
                return HttpResponse::json(200, out);
            }
        }
        let id = self.open_stream(key, Some(request_ids));
        // Every answer ready and nothing else to say: a plain JSON response.
        if json_ok {
            self.route_outputs();
            if let Some(st) = self.streams.get(&id) {
                if st.waiting.as_ref().is_some_and(Vec::is_empty) && st.queue.len() == 1 {
                    let st = self.streams.remove(&id).expect("present");
                    let body = st.queue.into_iter().next().unwrap_or_default().1;
                    let status = if st.engine == EngineKey::Stateless {
                        stateless_status(&body)
                    } else {
                        200
                    };
                    let mut r = HttpResponse::json(status, body);
                    if let Some(s) = session_header {
                        r.headers.push(("Mcp-Session-Id", s));
                    }
                    return r;
                }
            }
        }
        sse_response(id, session_header)
    }

    fn collect_events(&mut self, key: &EngineKey) {
        let engine = match key {
            EngineKey::Stateless => &mut self.stateless,
            EngineKey::Session(id) => match self.sessions.get_mut(id) {
                Some(e) => e,
                None => return,
            },
        };
        while let Some(ev) = engine.poll_event() {
            self.events.push_back((key.clone(), ev));
        }
    }

    fn open_stream(&mut self, engine: EngineKey, waiting: Option<Vec<Id>>) -> StreamId {
        let id = StreamId(self.next_stream);
        self.next_stream += 1;
        let resumable = matches!(engine, EngineKey::Session(_)) && self.config.replay.enabled();
        self.streams.insert(
            id,
            Stream {
                engine,
                waiting,
                queue: VecDeque::new(),
                no: id.0,
                resumable,
                primed: false,
                detached: false,
                pausing: false,
            },
        );
        id
    }

    /// Records an event of a resumable stream in its session's buffer; its counter.
    fn record(&mut self, key: &EngineKey, no: u64, data: &[u8]) -> Option<u64> {
        let EngineKey::Session(s) = key else {
            return None;
        };
        let config = self.config.replay;
        Some(
            self.replay
                .entry(s.clone())
                .or_default()
                .record(&config, no, data),
        )
    }

    /// Moves every engine's output to the stream it belongs to: a request's notifications and
    /// response to the POST stream that carried it, connection-wide messages to the session's
    /// GET stream (dropped when none is open, as the transport allows).
    fn route_outputs(&mut self) {
        let keys: Vec<EngineKey> = core::iter::once(EngineKey::Stateless)
            .chain(self.sessions.keys().cloned().map(EngineKey::Session))
            .collect();
        for key in keys {
            while let Some(out) = self.engine_mut(&key).and_then(Engine::poll_output) {
                self.route(&key, out);
            }
        }
    }

    fn route(&mut self, key: &EngineKey, out: Output) {
        let mut bytes = Vec::new();
        out.payload.encode(&mut bytes);
        let target = self.streams.iter_mut().find(|(_, s)| {
            &s.engine == key
                && match (&s.waiting, &out.related) {
                    (Some(w), Some(id)) => w.contains(id),
                    (None, None) => true,
                    _ => false,
                }
        });
        let target = match target {
            Some((_, s)) => Some(s),
            // A batch response answers several requests at once.
            None if out.related.is_none() && out.is_final => self
                .streams
                .values_mut()
                .find(|s| &s.engine == key && s.waiting.as_ref().is_some_and(|w| !w.is_empty())),
            None => None,
        };
        let Some(stream) = target else { return };
        if out.is_final {
            if let Some(w) = stream.waiting.as_mut() {
                match &out.related {
                    Some(id) => w.retain(|x| x != id),
                    None => w.clear(),
                }
            }
        }
        if !stream.detached {
            stream.queue.push_back((None, bytes));
            return;
        }
        // Nobody reads it now: keep it for the resumption only.
        let (no, done) = (
            stream.no,
            stream.waiting.as_ref().is_some_and(Vec::is_empty),
        );
        if done {
            self.streams
                .retain(|_, s| !(&s.engine == key && s.no == no));
        }
        self.record(key, no, &bytes);
    }

    /// The next bytes of an SSE stream.
    pub fn poll_stream(&mut self, id: StreamId) -> StreamPoll {
        self.route_outputs();
        let Some(stream) = self.streams.get_mut(&id) else {
            return StreamPoll::Unknown;
        };
        if stream.detached {
            return StreamPoll::End;
        }
        let (key, no) = (stream.engine.clone(), stream.no);
        if stream.resumable && !stream.primed {
            // 2025-11-25 transports §"Sending Messages to the Server": an event with an id
            // and empty data first, so the client can resume from the very start.
            stream.primed = true;
            let n = match &key {
                EngineKey::Session(s) => self.replay.entry(s.clone()).or_default().next_id(),
                EngineKey::Stateless => 0,
            };
            let eid = replay::format_event_id(no, n);
            return StreamPoll::Data(sse_event(&fasterapi_sse::Message::new("").with_id(&eid)));
        }
        if let Some((n, json)) = stream.queue.pop_front() {
            let resumable = stream.resumable;
            let n = match n {
                Some(n) => Some(n),
                None if resumable => self.record(&key, no, &json),
                None => None,
            };
            let text = core::str::from_utf8(&json).unwrap_or_default();
            let eid = n.map(|n| replay::format_event_id(no, n));
            let mut msg = fasterapi_sse::Message::new(text).with_event("message");
            if let Some(e) = &eid {
                msg = msg.with_id(e);
            }
            return StreamPoll::Data(sse_event(&msg));
        }
        if stream.waiting.as_ref().is_some_and(Vec::is_empty) {
            self.streams.remove(&id);
            return StreamPoll::End;
        }
        if stream.pausing {
            // Tell the client when to come back, then end this connection.
            stream.pausing = false;
            stream.detached = true;
            let ms = u64::try_from(self.config.sse_retry.as_millis()).unwrap_or(u64::MAX);
            return StreamPoll::Data(sse_event(&fasterapi_sse::Message::empty().with_retry(ms)));
        }
        StreamPoll::Pending
    }

    /// The client went away from a stream (the connection closed): forget it. For a POST
    /// stream of the stateless revision this is the cancellation (2026-07-28 transports
    /// §"Cancellation"): its requests are cancelled.
    pub fn close_stream(&mut self, now: Timestamp, id: StreamId) {
        if let Some(st) = self.streams.get_mut(&id).filter(|s| s.resumable) {
            // 2025-11-25: a disconnection is not a cancellation; what the stream has not
            // sent is recorded for a resumption, and so is what comes later.
            st.detached = true;
            let (key, no) = (st.engine.clone(), st.no);
            let pending: Vec<(Option<u64>, Vec<u8>)> = st.queue.drain(..).collect();
            for (n, json) in pending {
                if n.is_none() {
                    self.record(&key, no, &json);
                }
            }
            if let Some(st) = self.streams.get(&id) {
                if st.waiting.as_ref().is_some_and(Vec::is_empty) {
                    self.streams.remove(&id);
                }
            }
            return;
        }
        let Some(stream) = self.streams.remove(&id) else {
            return;
        };
        let Some(waiting) = stream.waiting else {
            return;
        };
        if let Some(engine) = self.engine_mut(&stream.engine) {
            for rid in waiting {
                let n = json!({"jsonrpc":"2.0","method":"notifications/cancelled",
                    "params":{"requestId": rid.to_value(), "reason": "stream closed"}});
                engine.handle_payload(now, n.to_string().as_bytes());
            }
        }
        self.collect_events(&stream.engine);
    }

    /// Ends the sessions idle for [`HttpConfig::session_idle`]; one with an open stream is
    /// in use (its clock restarts).
    fn expire_sessions(&mut self, now: Timestamp) {
        let idle = self.config.session_idle;
        let due: Vec<String> = self
            .last_used
            .iter()
            .filter(|(_, t)| t.saturating_add(idle) <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            let key = EngineKey::Session(id.clone());
            // A stream waiting for its client to resume is not in use.
            if self
                .streams
                .values()
                .any(|st| st.engine == key && !st.detached)
            {
                self.last_used.insert(id, now);
                continue;
            }
            self.last_used.remove(&id);
            if let Some(mut e) = self.sessions.remove(&id) {
                e.close();
            }
            self.streams.retain(|_, st| st.engine != key);
        }
        // Sessions ended otherwise (DELETE, a failed initialize) are forgotten here too.
        let sessions = &self.sessions;
        self.last_used.retain(|id, _| sessions.contains_key(id));
        self.replay.retain(|id, _| sessions.contains_key(id));
    }

    /// The next application event, with the engine it came from.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<(EngineKey, Event)> {
        if self.events.is_empty() {
            let keys: Vec<EngineKey> = core::iter::once(EngineKey::Stateless)
                .chain(self.sessions.keys().cloned().map(EngineKey::Session))
                .collect();
            for key in keys {
                self.collect_events(&key);
            }
        }
        self.events.pop_front()
    }

    /// The earliest deadline of any engine.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let idle = self
            .last_used
            .values()
            .min()
            .map(|t| t.saturating_add(self.config.session_idle));
        core::iter::once(&self.stateless)
            .chain(self.sessions.values())
            .filter_map(Engine::poll_timeout)
            .chain(idle)
            .min()
    }

    /// Fires due deadlines in every engine.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.stateless.handle_timeout(now);
        for e in self.sessions.values_mut() {
            e.handle_timeout(now);
        }
        self.expire_sessions(now);
        self.route_outputs();
    }
}

/// A header value, decoding the `=?base64?…?=` sentinel form (2026-07-28 transports
/// §"Value Encoding"); `None` for a malformed encoding.
pub fn decode_header_value(v: &str) -> Option<String> {
    crate::headers::decode_value(v)
}

/// 2026-07-28 maps some JSON-RPC errors to HTTP statuses: unknown method 404, version,
/// params, capability and header errors 400.
fn stateless_status(body: &[u8]) -> u16 {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/code").and_then(Value::as_i64))
        .map(ErrorCode::new);
    match code {
        Some(ErrorCode::METHOD_NOT_FOUND) => 404,
        Some(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
            | ErrorCode::INVALID_PARAMS
            | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
            | ErrorCode::HEADER_MISMATCH
            | ErrorCode::INVALID_REQUEST,
        ) => 400,
        _ => 200,
    }
}

/// One SSE event's bytes.
fn sse_event(msg: &fasterapi_sse::Message<'_>) -> Vec<u8> {
    let len = msg.encoded_len().unwrap_or(0);
    let mut buf = vec![0u8; len];
    let n = msg.encode(&mut buf).unwrap_or(0);
    buf.truncate(n);
    buf
}

fn sse_response(id: StreamId, session: Option<String>) -> HttpResponse {
    let mut r = HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type", "text/event-stream".into()),
            ("Cache-Control", "no-cache".into()),
            ("X-Accel-Buffering", "no".into()),
        ],
        body: HttpBody::Stream(id),
    };
    if let Some(s) = session {
        r.headers.push(("Mcp-Session-Id", s));
    }
    r
}

/// 2026-07-28 transports/streamable-http §"Server Validation": the version header and the
/// `Mcp-Method` / `Mcp-Name` headers must agree with the body.
fn check_modern_headers(
    req: &IncomingRequest,
    messages: &[&Message],
    version: &str,
) -> Result<(), HttpResponse> {
    let mismatch = |id: Option<Id>, what: &str| {
        HttpResponse::rpc_error(
            400,
            id,
            ErrorObject::new(ErrorCode::HEADER_MISMATCH, "Header mismatch")
                .with_data(json!({ "header": what })),
        )
    };
    let [Message::Request(r)] = messages else {
        return Err(HttpResponse::rpc_error(
            400,
            None,
            ErrorObject::new(ErrorCode::INVALID_REQUEST, "one request per POST"),
        ));
    };
    let id = Some(r.id.clone());
    // A missing required header is a validation failure like a wrong one.
    if header(req, "mcp-protocol-version") != Some(version) {
        return Err(mismatch(id, "MCP-Protocol-Version"));
    }
    if header(req, "mcp-method") != Some(r.method.as_str()) {
        return Err(mismatch(id, "Mcp-Method"));
    }
    let name_field = match r.method.as_str() {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        // SEP-2663 §"Streamable HTTP: Routing Headers": the task id routes task requests.
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    };
    if let Some(field) = name_field {
        let body_name = r
            .params
            .as_ref()
            .and_then(|p| p.get(field))
            .and_then(Value::as_str);
        let decoded = header(req, "mcp-name").and_then(decode_header_value);
        if decoded.as_deref() != body_name {
            return Err(mismatch(id, "Mcp-Name"));
        }
    }
    Ok(())
}

/// 2026-07-28 transports §"Custom Headers from Tool Parameters": for a `tools/call` of a tool
/// whose schema has `x-mcp-header` annotations, each `Mcp-Param-{Name}` must be present when
/// the argument is, decode, and match it; a header with invalid characters or a malformed
/// encoding is rejected too (400, -32020).
fn check_param_headers(
    req: &IncomingRequest,
    messages: &[&Message],
    server: &Server,
) -> Result<(), HttpResponse> {
    let [Message::Request(r)] = messages else {
        return Ok(());
    };
    if r.method != "tools/call" {
        return Ok(());
    }
    let params = r.params.as_ref();
    let Some(tool) = params
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .and_then(|n| server.find_tool(n))
    else {
        return Ok(()); // an unknown tool is the engine's error
    };
    // The server's own schemas are checked when declared; an invalid one mirrors nothing.
    let Ok(annotated) = crate::headers::param_headers(&tool.tool.input_schema) else {
        return Ok(());
    };
    let empty = serde_json::Map::new();
    let args = params
        .and_then(|p| p.get("arguments"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for h in &annotated {
        let field = h.field_name();
        let raw = req.header(&field);
        let mismatch = |why: &str| {
            HttpResponse::rpc_error(
                400,
                Some(r.id.clone()),
                ErrorObject::new(ErrorCode::HEADER_MISMATCH, "Header mismatch")
                    .with_data(json!({ "header": field, "reason": why })),
            )
        };
        let body = {
            let (last, parents) = h.path.split_last().expect("annotations have a path");
            let mut obj = Some(args);
            for k in parents {
                obj = obj.and_then(|o| o.get(k)).and_then(Value::as_object);
            }
            obj.and_then(|o| o.get(last)).filter(|v| !v.is_null())
        };
        match (raw, body) {
            (None, None) => {}
            (None, Some(_)) => return Err(mismatch("missing")),
            (Some(raw), body) => {
                let decoded = core::str::from_utf8(raw)
                    .ok()
                    .and_then(crate::headers::decode_value)
                    .ok_or_else(|| mismatch("invalid value"))?;
                let Some(body) = body else {
                    return Err(mismatch("no such argument in the body"));
                };
                if !crate::headers::matches_value(&decoded, body) {
                    return Err(mismatch("does not match the body"));
                }
            }
        }
    }
    Ok(())
}
