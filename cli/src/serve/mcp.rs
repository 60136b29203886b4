//! `/mcp`: the demo MCP server of `fasterapi mcp-stdio`, over Streamable HTTP on the
//! HTTP/1.1 path.
//!
//! `fasterapi-mcp`'s [`HttpServer`] answers whole requests and holds what spans connections
//! (the legacy sessions, the stateless engine, the open SSE streams); it is shared by every
//! connection behind a mutex. A connection collects the request body (up to the server's
//! limit, checked before buffering), hands the request over, and sends the answer: a whole
//! JSON body, or an SSE stream that the connection's handler timer pulls from
//! [`HttpServer::poll_stream`] every [`POLL`] until it ends. The deferred demo tools
//! (`countdown`, `sleep`) run on the engines' own timers, fired by whichever connection polls.
//! A stream whose connection goes away is closed in the server (for 2026-07-28 that cancels
//! its requests, transports §"Cancellation").

use core::hash::BuildHasher;
use core::sync::atomic::AtomicUsize;
use core::time::Duration;
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use fasterapi_core::Timestamp;
use fasterapi_http1::{Header, IncomingRequest, ServerConnection};
use fasterapi_mcp::http::{EngineKey, HttpBody, HttpConfig, HttpServer, StreamId, StreamPoll};

use crate::mcp::{Demo, demo_server};

/// How often an open SSE stream is polled for new messages.
pub(crate) const POLL: Duration = Duration::from_millis(5);

/// An idle SSE stream gets a comment this often: it keeps intermediaries from timing it out,
/// and a write is how a client that went away is noticed (its stream is then closed in the
/// server, which for 2026-07-28 cancels its requests).
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(1);

/// The MCP state every connection shares.
#[derive(Debug)]
pub(crate) struct McpState {
    inner: Mutex<Inner>,
    max_body: usize,
}

#[derive(Debug)]
struct Inner {
    http: HttpServer,
    /// The demo's jobs per engine (request ids are per session).
    demos: BTreeMap<EngineKey, Demo>,
    in_flight: Arc<AtomicUsize>,
}

impl Inner {
    /// Fires due engine timers and runs the demo on every engine event.
    fn pump(&mut self, now: Timestamp) {
        if self.http.poll_timeout().is_some_and(|t| t <= now) {
            self.http.handle_timeout(now);
        }
        while let Some((key, event)) = self.http.poll_event() {
            let in_flight = &self.in_flight;
            let demo = self
                .demos
                .entry(key.clone())
                .or_insert_with(|| Demo::with_counter(Arc::clone(in_flight)));
            if let Some(engine) = self.http.engine_mut(&key) {
                demo.on_event(engine, event, now);
            }
        }
        // Forget the jobs of sessions that ended (DELETE, idle expiry): their timers never fire.
        let http = &mut self.http;
        self.demos.retain(|key, _| http.engine_mut(key).is_some());
    }
}

/// A session id: 128 bits from the OS CSPRNG (2025-11-25 transports §"Session Management":
/// globally unique and cryptographically secure), hex; a keyed hash of a counter only if
/// `/dev/urandom` cannot be read.
fn session_id(fallback: &RandomState, counter: u64) -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        bytes[..8].copy_from_slice(&fallback.hash_one(counter).to_le_bytes());
        bytes[8..].copy_from_slice(&fallback.hash_one(!counter).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl McpState {
    /// The demo server at `/mcp`, loopback origins only.
    pub(crate) fn new() -> Self {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let config = HttpConfig::default();
        let max_body = config.max_body;
        let hasher = RandomState::new();
        let mut counter = 0u64;
        let http = HttpServer::new(
            Arc::new(demo_server(Arc::clone(&in_flight))),
            config,
            move || {
                counter += 1;
                session_id(&hasher, counter)
            },
        );
        Self {
            inner: Mutex::new(Inner {
                http,
                demos: BTreeMap::new(),
                in_flight,
            }),
            max_body,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic under the lock is a bug; the state is still usable for the others.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One `/mcp` request on a connection: its body being collected, then its SSE answer.
#[derive(Debug)]
pub(crate) enum Exchange {
    /// The request head and its body so far; `None` once the body is over the limit.
    Body(Box<IncomingRequest>, Option<Vec<u8>>),
    /// An SSE answer in progress.
    Stream(OpenStream),
}

/// An SSE answer: closed in the server when dropped (the connection went away).
#[derive(Debug)]
pub(crate) struct OpenStream {
    state: Arc<McpState>,
    id: StreamId,
    next_poll: Timestamp,
    last_sent: Timestamp,
    done: bool,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        if !self.done {
            let mut inner = self.state.lock();
            inner.http.close_stream(self.next_poll, self.id);
        }
    }
}

impl Exchange {
    /// A request to `/mcp` whose body follows.
    pub(crate) fn start(req: &IncomingRequest) -> Self {
        Self::Body(Box::new(req.clone()), Some(Vec::new()))
    }

    /// A piece of the request body.
    pub(crate) fn data(&mut self, state: &McpState, data: &[u8]) {
        if let Self::Body(_, slot) = self {
            match slot {
                Some(body) if body.len() + data.len() <= state.max_body => {
                    body.extend_from_slice(data);
                }
                _ => *slot = None,
            }
        }
    }

    /// The request is complete: answer it. Returns the exchange to keep when the answer is
    /// an open stream.
    pub(crate) fn end(
        self,
        state: &Arc<McpState>,
        conn: &mut ServerConnection,
        now: Timestamp,
    ) -> Option<Self> {
        let Self::Body(req, body) = self else {
            return Some(self);
        };
        let Some(body) = body else {
            let text = Bytes::from_static(b"request body too large\n");
            super::routes::respond(conn, false, 413, "text/plain", &[], text);
            return None;
        };
        let response = {
            let mut inner = state.lock();
            // Events left by other connections (a closed stream's cancellation) first: the
            // demo's synchronous tools (`in_flight`) see the state they imply.
            inner.pump(now);
            let response = inner.http.handle_request(now, &req, &body);
            inner.pump(now);
            response
        };
        let mut headers: Vec<(&str, String)> = response.headers;
        match &response.body {
            HttpBody::Full(b) => headers.push(("Content-Length", b.len().to_string())),
            HttpBody::Empty => headers.push(("Content-Length", "0".into())),
            // No length: the SSE body is chunked.
            HttpBody::Stream(_) => {}
        }
        let fields: Vec<Header<'_>> = headers
            .iter()
            .map(|(k, v)| Header {
                name: k.as_bytes(),
                value: v.as_bytes(),
            })
            .collect();
        if conn.send_response(response.status, &fields).is_err() {
            return None;
        }
        match response.body {
            HttpBody::Empty => {
                let _ = conn.end_body();
                None
            }
            HttpBody::Full(b) => {
                let _ = conn.send_data(Bytes::from(b));
                let _ = conn.end_body();
                None
            }
            HttpBody::Stream(id) => {
                let mut stream = OpenStream {
                    state: Arc::clone(state),
                    id,
                    next_poll: now,
                    last_sent: now,
                    done: false,
                };
                stream.poll(conn, now);
                (!stream.done).then_some(Self::Stream(stream))
            }
        }
    }

    /// When the stream wants polling.
    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        match self {
            Self::Stream(s) => Some(s.next_poll),
            Self::Body(..) => None,
        }
    }

    /// Polls the stream; returns false once it ended.
    pub(crate) fn on_timeout(&mut self, conn: &mut ServerConnection, now: Timestamp) -> bool {
        match self {
            Self::Stream(s) => {
                s.poll(conn, now);
                !s.done
            }
            Self::Body(..) => true,
        }
    }

    /// The server shuts down: end an open stream.
    pub(crate) fn finish(&mut self, conn: &mut ServerConnection) {
        // The exchange is dropped next, which closes the stream in the server.
        if let Self::Stream(_) = self {
            let _ = conn.end_body();
        }
    }
}

impl OpenStream {
    /// Sends what the stream has now; ends the body when the stream is complete.
    fn poll(&mut self, conn: &mut ServerConnection, now: Timestamp) {
        let mut inner = self.state.lock();
        inner.pump(now);
        loop {
            match inner.http.poll_stream(self.id) {
                StreamPoll::Data(d) => {
                    if conn.send_data(Bytes::from(d)).is_err() {
                        // The connection failed: the drop closes the stream.
                        self.next_poll = now;
                        return;
                    }
                    self.last_sent = now;
                }
                StreamPoll::Pending => {
                    if now >= self.last_sent.saturating_add(KEEP_ALIVE) {
                        let _ = conn.send_data(Bytes::from_static(b": keep-alive\n\n"));
                        self.last_sent = now;
                    }
                    break;
                }
                StreamPoll::End | StreamPoll::Unknown => {
                    let _ = conn.end_body();
                    self.done = true;
                    return;
                }
            }
        }
        self.next_poll = now.saturating_add(POLL);
    }
}
