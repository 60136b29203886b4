//! HTTP/2 in `serve`: the handler of one `fasterapi-http2` connection (every route on its own
//! stream), and the h2c upgrade from HTTP/1.1 (RFC 7540 §3.2, deprecated by RFC 9113 §3.1 but
//! still sent by curl `--http2`; `fasterapi-http2`'s `upgrade` helpers take it).
//!
//! Streams: `/`, `/users/{id}` and `/demo.html` are one HEADERS and one DATA; `/echo` sends
//! each received DATA back as it arrives; `/events` is an SSE ticker on the handler's timer;
//! `/ws` is a WebSocket over an extended CONNECT stream (RFC 8441), its machine fed with the
//! stream's DATA and its output sent as the stream's DATA.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use fasterapi_core::{Handler, Machine, StreamMachine, Timestamp};
use fasterapi_http2::upgrade::{H2cAccepted, server_after_upgrade};
use fasterapi_http2::{Config, Connection, ErrorCode, Event, RequestHead, StreamId};
use fasterapi_tokio::{DriverConfig, Shutdown, Transport, drive_stream};
use fasterapi_websocket::DeflateConfig;
use fasterapi_websocket::handshake::{ServerOptions, h2 as ws_h2};
use tokio::io::AsyncWriteExt;

use super::app::{App, MAX_RESULT};
use super::page::DEMO_HTML;
use super::routes::{self, Route, Routed};
use super::sse::{Tick, Ticker};
use super::ws;

/// Largest WebSocket output gathered into one DATA frame's `Bytes` at a time.
const WS_CHUNK: usize = 16 * 1024;

/// The HTTP/2 settings of every connection: the defaults, extended CONNECT (RFC 8441 §3) so
/// browsers open `/ws` over h2, and receive credit returned by the handler (not when an event
/// is taken): a stream that sends back what it receives (`/echo`, `/ws`) returns credit only
/// while the client reads, so a client that uploads without reading is held to the windows
/// (RFC 9113 §5.2) instead of filling the server's send queue.
pub(crate) fn config() -> Config {
    let mut config = Config::default();
    config.enable_connect_protocol = true;
    config.auto_window_update = false;
    config
}

/// What an open stream is doing after its request head.
#[derive(Debug)]
enum Stream {
    /// `/echo`: each DATA goes back as it arrives.
    Echo,
    /// `/demo-result`: the body is collected, then printed.
    Result(BytesMut),
    /// `/events`: a ticker sends the rest.
    Events(Ticker),
    /// `/ws`: a WebSocket echo over the stream.
    Ws(Box<fasterapi_websocket::Connection>),
}

/// The handler of one HTTP/2 connection.
#[derive(Debug)]
pub(crate) struct H2 {
    app: Arc<App>,
    streams: HashMap<StreamId, Stream>,
    /// Receive credit withheld per stream while our answer on it cannot be sent; given back
    /// on the machine's `Event::SendCapacity` (RFC 9113 §6.9), not by polling.
    held: HashMap<StreamId, u32>,
}

impl H2 {
    /// A handler for a new connection.
    pub(crate) fn new(app: Arc<App>) -> Self {
        Self {
            app,
            streams: HashMap::new(),
            held: HashMap::new(),
        }
    }

    /// Returns `n` octets of receive credit on `id`, or holds it while `id` answers with
    /// what it receives and the client's windows stop our answer (the client is not reading).
    fn credit(&mut self, conn: &mut Connection, id: StreamId, n: u32) {
        if n == 0 {
            return;
        }
        let echoes = matches!(self.streams.get(&id), Some(Stream::Echo | Stream::Ws(_)));
        if echoes && blocked(conn, id) {
            let held = self.held.entry(id).or_default();
            *held = held.saturating_add(n);
        } else {
            conn.release_capacity(id, n);
        }
    }

    /// Returns the held credit of streams that can send again or are gone.
    fn release_held(&mut self, conn: &mut Connection) {
        let streams = &self.streams;
        self.held.retain(|&id, n| {
            if streams.contains_key(&id) && blocked(conn, id) {
                return true;
            }
            conn.release_capacity(id, *n);
            false
        });
    }

    fn request(
        &mut self,
        conn: &mut Connection,
        id: StreamId,
        head: &RequestHead,
        end_stream: bool,
        now: Timestamp,
    ) {
        let is_head = &head.method[..] == b"HEAD";
        if let Some(protocol) = &head.protocol {
            // An extended CONNECT (RFC 8441 §4): only WebSocket, only on /ws.
            let path = head.path.as_deref().unwrap_or_default();
            let path = path.split(|&b| b == b'?').next().unwrap_or_default();
            if &protocol[..] == b"websocket" && path == b"/ws" {
                self.websocket(conn, id, head, now);
            } else {
                respond(
                    conn,
                    id,
                    false,
                    404,
                    JSON,
                    routes::error(404, "no such route"),
                );
            }
            return;
        }
        let path = head.path.as_deref().unwrap_or_default();
        match routes::route(&self.app.table, &head.method, path) {
            Routed::Found(route, param) => {
                self.found(conn, id, head, route, param, is_head, end_stream, now);
            }
            Routed::NotFound => {
                respond(
                    conn,
                    id,
                    is_head,
                    404,
                    JSON,
                    routes::error(404, "no such route"),
                );
            }
            Routed::NotAllowed(allow) => {
                let body = routes::error(405, &format!("method not allowed; allowed: {allow}"));
                let extra = [(&b"allow"[..], allow.as_bytes())];
                respond_with(conn, id, is_head, 405, JSON, &extra, body);
            }
            Routed::UnknownMethod => {
                respond(
                    conn,
                    id,
                    is_head,
                    501,
                    JSON,
                    routes::error(501, "unknown method"),
                );
            }
            Routed::BadPath => {
                respond(
                    conn,
                    id,
                    is_head,
                    400,
                    JSON,
                    routes::error(400, "bad path encoding"),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn found(
        &mut self,
        conn: &mut Connection,
        id: StreamId,
        head: &RequestHead,
        route: Route,
        param: Option<String>,
        is_head: bool,
        end_stream: bool,
        now: Timestamp,
    ) {
        match route {
            Route::Hello => respond(conn, id, is_head, 200, JSON, hello(&self.app)),
            Route::User => {
                let body = routes::user(param.as_deref().unwrap_or_default());
                respond(conn, id, is_head, 200, JSON, body);
            }
            Route::Page => {
                let body = Bytes::from_static(DEMO_HTML.as_bytes());
                respond(conn, id, is_head, 200, "text/html; charset=utf-8", body);
            }
            Route::Echo => {
                let content_type = head
                    .headers
                    .get(b"content-type")
                    .unwrap_or(b"application/octet-stream");
                // No content-length: the body goes back piece by piece as it arrives.
                let headers = [(&b"content-type"[..], content_type)];
                if conn.send_response(id, 200, &headers, end_stream).is_ok() && !end_stream {
                    self.streams.insert(id, Stream::Echo);
                }
            }
            Route::DemoResult => {
                if end_stream {
                    finish_result(conn, id, &[]);
                } else {
                    self.streams.insert(id, Stream::Result(BytesMut::new()));
                }
            }
            Route::Events => {
                let headers = [
                    (&b"content-type"[..], &b"text/event-stream"[..]),
                    (b"cache-control", b"no-cache"),
                ];
                if conn.send_response(id, 200, &headers, is_head).is_err() || is_head {
                    return;
                }
                let mut ticker = Ticker::new(now, head.headers.get(b"last-event-id"));
                if let Some(comment) = Ticker::comment() {
                    let _ = conn.send_data(id, comment, false);
                }
                if tick(conn, id, &mut ticker, now) {
                    self.streams.insert(id, Stream::Events(ticker));
                }
            }
            Route::Ws => {
                // A plain GET: WebSocket over HTTP/2 takes an extended CONNECT.
                let body = routes::error(
                    400,
                    "WebSocket over HTTP/2 needs an extended CONNECT (RFC 8441)",
                );
                respond(conn, id, is_head, 400, JSON, body);
            }
            // Routes this handler does not serve over HTTP/2 yet (/mcp: its Streamable
            // HTTP exchange is written for the HTTP/1.1 machine); clients retry in HTTP/1.1
            // (RFC 9113 §8.7's HTTP_1_1_REQUIRED).
            #[allow(unreachable_patterns, reason = "routes are added by other features")]
            _ => {
                let _ = conn.reset(id, ErrorCode::HTTP_1_1_REQUIRED);
            }
        }
    }

    /// RFC 8441: checks the extended CONNECT, answers 200 with the negotiated extension, and
    /// keeps a WebSocket machine for the stream.
    fn websocket(
        &mut self,
        conn: &mut Connection,
        id: StreamId,
        head: &RequestHead,
        now: Timestamp,
    ) {
        let mut fields: Vec<(&[u8], &[u8])> = vec![
            (b":method", &head.method),
            (b":protocol", head.protocol.as_deref().unwrap_or_default()),
            (b":scheme", head.scheme.as_deref().unwrap_or_default()),
            (b":path", head.path.as_deref().unwrap_or_default()),
            (b":authority", head.authority.as_deref().unwrap_or_default()),
        ];
        fields.extend(head.headers.iter());
        let options = ServerOptions::new().deflate(Some(DeflateConfig::new()));
        let accepted = match ws_h2::server_accept(&fields, &options) {
            Ok(accepted) => accepted,
            Err(e) => {
                let status = e.status().unwrap_or(400);
                let body = routes::error(status, &e.to_string());
                respond(conn, id, false, status, JSON, body);
                return;
            }
        };
        let lower: Vec<(String, &str)> = accepted
            .response_headers()
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect();
        let headers: Vec<(&[u8], &[u8])> = lower
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        if conn
            .send_response(id, ws_h2::STATUS_OK, &headers, false)
            .is_err()
        {
            return;
        }
        match ws::machine(&accepted, &Bytes::new(), now) {
            Some(machine) => {
                self.streams.insert(id, Stream::Ws(Box::new(machine)));
            }
            None => {
                let _ = conn.reset(id, ErrorCode::INTERNAL_ERROR);
            }
        }
    }

    fn data(
        &mut self,
        conn: &mut Connection,
        id: StreamId,
        data: Bytes,
        end: bool,
        now: Timestamp,
    ) {
        let Some(stream) = self.streams.get_mut(&id) else {
            return;
        };
        let open = match stream {
            Stream::Echo => {
                // The machine sends within the peer's windows; the body keeps its pieces.
                let _ = conn.send_data(id, data, end);
                !end
            }
            Stream::Result(body) => {
                if body.len() + data.len() <= MAX_RESULT {
                    body.extend_from_slice(&data);
                }
                if end {
                    finish_result(conn, id, body);
                }
                !end
            }
            // An event stream has no request body to speak of; it goes on.
            Stream::Events(_) => true,
            Stream::Ws(machine) => {
                let mut rest = &data[..];
                let mut failed = false;
                while !rest.is_empty() && !failed {
                    match machine.handle_input(now, rest) {
                        Ok(0) => failed = !pump_ws(conn, id, machine, now),
                        Ok(n) => rest = &rest[n..],
                        Err(_) => failed = true,
                    }
                    failed |= !pump_ws(conn, id, machine, now);
                }
                if end && !failed {
                    // The peer ended its half: the WebSocket's transport hit its end.
                    let _ = machine.handle_eof(now);
                }
                pump_ws(conn, id, machine, now) && !failed
            }
        };
        if !open {
            self.streams.remove(&id);
        }
    }
}

/// Whether DATA queued on `id` waits for the client's flow-control windows (RFC 9113 §6.9);
/// the machine raises `Event::SendCapacity` when they open again.
fn blocked(conn: &Connection, id: StreamId) -> bool {
    conn.send_capacity(id) < 0
}

/// The `application/json` content type.
const JSON: &str = "application/json";

/// `GET /` over HTTP/2: the hello with `"protocol": "HTTP/2"` (made once per process from the
/// HTTP/1.1 body).
fn hello(app: &App) -> Bytes {
    static HELLO: OnceLock<Bytes> = OnceLock::new();
    HELLO
        .get_or_init(|| {
            let mut value: serde_json::Value =
                serde_json::from_slice(&app.hello).unwrap_or_default();
            if let Some(obj) = value.as_object_mut() {
                obj.insert("protocol".into(), "HTTP/2".into());
            }
            routes::json(&value)
        })
        .clone()
}

fn respond(conn: &mut Connection, id: StreamId, head: bool, status: u16, ct: &str, body: Bytes) {
    respond_with(conn, id, head, status, ct, &[], body);
}

/// A whole response with a content-length (no DATA for HEAD).
fn respond_with(
    conn: &mut Connection,
    id: StreamId,
    head: bool,
    status: u16,
    content_type: &str,
    extra: &[(&[u8], &[u8])],
    body: Bytes,
) {
    let len = body.len().to_string();
    let mut headers: Vec<(&[u8], &[u8])> = Vec::with_capacity(2 + extra.len());
    headers.push((b"content-type", content_type.as_bytes()));
    headers.push((b"content-length", len.as_bytes()));
    headers.extend_from_slice(extra);
    let bodyless = head || body.is_empty();
    // Refused only when the stream is gone (reset by the peer meanwhile): nothing to answer.
    if conn.send_response(id, status, &headers, bodyless).is_ok() && !bodyless {
        let _ = conn.send_data(id, body, true);
    }
}

/// `/demo-result`: prints what the page saw, answers 204.
fn finish_result(conn: &mut Connection, id: StreamId, body: &[u8]) {
    println!("demo-result: {}", String::from_utf8_lossy(body));
    let _ = conn.send_response(id, 204, &[], true);
}

/// Sends the ticker's due event; false when the stream ended.
fn tick(conn: &mut Connection, id: StreamId, ticker: &mut Ticker, now: Timestamp) -> bool {
    match ticker.due(now) {
        Tick::NotYet => true,
        Tick::Event(event) => conn.send_data(id, event, false).is_ok(),
        Tick::End => {
            let _ = conn.send_data(id, Bytes::new(), true);
            false
        }
    }
}

/// Hands the WebSocket machine's events to the echo and its output to the stream as DATA;
/// ends the stream once the WebSocket has closed. False when the stream is done.
fn pump_ws(
    conn: &mut Connection,
    id: StreamId,
    machine: &mut fasterapi_websocket::Connection,
    now: Timestamp,
) -> bool {
    let mut echo = ws::Echo;
    let mut buf = [0u8; 512];
    loop {
        while let Some(event) = machine.poll_event() {
            echo.on_event(machine, event, now);
        }
        let mut out = BytesMut::new();
        while out.len() < WS_CHUNK {
            let t = machine.poll_transmit_vectored(now, &mut buf);
            if t.is_empty() {
                break;
            }
            out.extend_from_slice(&buf[..t.len]);
            if let Some(payload) = &t.payload {
                out.extend_from_slice(payload.as_ref());
            }
        }
        if out.is_empty() {
            break;
        }
        if conn.send_data(id, out.freeze(), false).is_err() {
            return false;
        }
    }
    let failed = machine.poll_error().is_some();
    if failed || machine.is_closed() {
        // The close handshake is done (or the WebSocket failed): end our half.
        let _ = conn.send_data(id, Bytes::new(), true);
        return false;
    }
    true
}

impl Handler<Connection> for H2 {
    fn on_event(&mut self, conn: &mut Connection, event: Event, now: Timestamp) {
        match event {
            Event::Request {
                stream_id,
                head,
                end_stream,
            } => self.request(conn, stream_id, &head, end_stream, now),
            Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                let n = u32::try_from(data.len()).unwrap_or(u32::MAX);
                self.data(conn, stream_id, data, end_stream, now);
                self.credit(conn, stream_id, n);
                if !self.streams.contains_key(&stream_id) {
                    self.release_held(conn);
                }
            }
            Event::Trailers { stream_id, .. } => {
                self.data(conn, stream_id, Bytes::new(), true, now);
            }
            Event::StreamReset { stream_id, .. } => {
                self.streams.remove(&stream_id);
                self.release_held(conn);
            }
            // The client read some of our answer and opened its windows.
            Event::SendCapacity { .. } => self.release_held(conn),
            _ => {}
        }
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.streams
            .values_mut()
            .filter_map(|s| match s {
                Stream::Events(ticker) => ticker.poll_timeout(),
                Stream::Ws(machine) => machine.poll_timeout(),
                _ => None,
            })
            .min()
    }

    fn handle_timeout(&mut self, conn: &mut Connection, now: Timestamp) {
        let stopping = self
            .app
            .stopping
            .load(core::sync::atomic::Ordering::Relaxed);
        self.streams.retain(|&id, stream| match stream {
            Stream::Events(_) if stopping => {
                let _ = conn.send_data(id, Bytes::new(), true);
                false
            }
            Stream::Events(ticker) => tick(conn, id, ticker, now),
            Stream::Ws(machine) => {
                if machine.poll_timeout().is_some_and(|t| t <= now) {
                    let _ = machine.handle_timeout(now);
                }
                pump_ws(conn, id, machine, now)
            }
            _ => true,
        });
    }

    /// GOAWAY (the machine's `close`), after ending the event streams and starting each
    /// WebSocket's close handshake (1001, going away); open echoes may finish.
    fn on_shutdown(&mut self, conn: &mut Connection, now: Timestamp) {
        self.streams.retain(|&id, stream| match stream {
            Stream::Events(_) => {
                let _ = conn.send_data(id, Bytes::new(), true);
                false
            }
            Stream::Ws(machine) => {
                ws::Echo.on_shutdown(machine, now);
                pump_ws(conn, id, machine, now)
            }
            _ => true,
        });
        conn.close(now);
    }
}

/// After an h2c upgrade (the 101 is out): the HTTP/2 connection over the same transport, fed
/// first with the bytes read past the upgrade request; stream 1 is that request.
pub(crate) async fn after_upgrade(
    mut io: Transport,
    accepted: H2cAccepted,
    leftover: &Bytes,
    app: Arc<App>,
    config: &DriverConfig,
    shutdown: Shutdown,
) -> bool {
    let Ok(mut conn) = server_after_upgrade(self::config(), accepted) else {
        let _ = io.shutdown().await;
        return false;
    };
    let mut rest = &leftover[..];
    while !rest.is_empty() {
        match conn.handle_input(Timestamp::ZERO, rest) {
            Ok(n) if n > 0 => rest = &rest[n..],
            // The preface and SETTINGS fit the receive buffer; anything else is a bad peer.
            _ => {
                let _ = io.shutdown().await;
                return false;
            }
        }
    }
    drive_stream(conn, io, H2::new(app), config, shutdown.signalled())
        .await
        .is_ok()
}
