//! The application: state shared by all connections, and the HTTP/1.1 handler of one
//! connection (routing, the streaming echo, the SSE ticker, the WebSocket upgrade).

use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use fasterapi_core::Timestamp;
use fasterapi_http1::{Event, Header, IncomingRequest, ServerConnection};
use fasterapi_http2::upgrade::{H2cAccepted, accept_h2c};
use fasterapi_router::FrozenMethodRouter;
use fasterapi_tokio::Handler;
use fasterapi_websocket::handshake::Accepted;

use super::mcp::{Exchange, McpState};
use super::page::DEMO_HTML;
use super::routes::{self, Route, Routed};
use super::sse::Ticker;
use super::ws;

/// Largest `/demo-result` body kept.
pub(crate) const MAX_RESULT: usize = 16 * 1024;

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct App {
    /// The routes.
    pub(crate) table: FrozenMethodRouter<Route>,
    /// The body of `GET /`, made once (it depends only on the printed URL).
    pub(crate) hello: Bytes,
    /// Set once the server shuts down: open event streams end at their next tick.
    pub(crate) stopping: AtomicBool,
    /// `/mcp`: the MCP sessions and streams.
    pub(crate) mcp: Arc<McpState>,
}

/// The response in progress on a connection, when it spans several events.
#[derive(Debug, Default)]
enum Current {
    /// Nothing, or a response already complete.
    #[default]
    None,
    /// `/echo`: body chunks go back as they arrive, under this content type. The head is
    /// sent with the first chunk, so a client's `Expect: 100-continue` gets its 100 first
    /// (the machine sends it when the body is asked for) and the connection stays reusable.
    Echo {
        /// The request's content type, echoed.
        content_type: Bytes,
        /// Whether the response head is out.
        started: bool,
    },
    /// `/demo-result`: the body is collected, then printed.
    Result(BytesMut),
    /// `/events`: a ticker owns the rest of the response.
    Events(Ticker),
    /// `/mcp`: the request body, then the SSE answer.
    Mcp(Exchange),
}

/// One connection's HTTP/1.1 handler. After a WebSocket upgrade it holds what the WebSocket
/// needs: the accepted handshake and the bytes read past it.
#[derive(Debug)]
pub(crate) struct Http {
    app: Arc<App>,
    current: Current,
    /// The accepted handshake, once the 101 is queued.
    pub(crate) upgrade: Option<Accepted>,
    /// The bytes after the handshake, once the machine switched.
    pub(crate) leftover: Option<Bytes>,
    /// An accepted h2c upgrade, once the 101 is queued: HTTP/2 follows.
    pub(crate) h2c: Option<H2cAccepted>,
    /// Whether `Upgrade: h2c` is taken.
    allow_h2c: bool,
}

impl Http {
    /// A handler for a new connection.
    pub(crate) fn new(app: Arc<App>) -> Self {
        Self {
            app,
            current: Current::None,
            upgrade: None,
            leftover: None,
            h2c: None,
            allow_h2c: false,
        }
    }

    /// A handler that also accepts `Upgrade: h2c` (its runtime continues with HTTP/2).
    pub(crate) fn with_h2c(app: Arc<App>) -> Self {
        Self {
            allow_h2c: true,
            ..Self::new(app)
        }
    }

    fn request(&mut self, conn: &mut ServerConnection, req: &IncomingRequest, now: Timestamp) {
        let head = &req.method[..] == b"HEAD";
        if self.allow_h2c && req.header("upgrade").is_some() {
            // `Upgrade: h2c` (curl --http2 on http://): 101, then HTTP/2 on the transport.
            // Refused (a body, bad settings, another protocol): answered in HTTP/1.1 below.
            if let Ok(accepted) = accept_h2c(conn, req) {
                self.h2c = Some(accepted);
                return;
            }
        }
        match routes::route(&self.app.table, &req.method, &req.target) {
            Routed::Found(route, id) => self.found(conn, req, route, id, head, now),
            Routed::NotFound => {
                let body = routes::error(404, "no such route");
                routes::respond(conn, head, 404, "application/json", &[], body);
            }
            Routed::NotAllowed(allow) => {
                let allow_header = [Header {
                    name: b"Allow",
                    value: allow.as_bytes(),
                }];
                let body = routes::error(405, &format!("method not allowed; allowed: {allow}"));
                routes::respond(conn, head, 405, "application/json", &allow_header, body);
            }
            Routed::UnknownMethod => {
                let body = routes::error(501, "unknown method");
                routes::respond(conn, head, 501, "application/json", &[], body);
            }
            Routed::BadPath => {
                let body = routes::error(400, "bad path encoding");
                routes::respond(conn, head, 400, "application/json", &[], body);
            }
        }
    }

    fn found(
        &mut self,
        conn: &mut ServerConnection,
        req: &IncomingRequest,
        route: Route,
        id: Option<String>,
        head: bool,
        now: Timestamp,
    ) {
        let json = "application/json";
        match route {
            Route::Hello => {
                routes::respond(conn, head, 200, json, &[], self.app.hello.clone());
            }
            Route::User => {
                let body = routes::user(id.as_deref().unwrap_or_default());
                routes::respond(conn, head, 200, json, &[], body);
            }
            Route::Page => {
                let body = Bytes::from_static(DEMO_HTML.as_bytes());
                routes::respond(conn, head, 200, "text/html; charset=utf-8", &[], body);
            }
            Route::Echo => {
                let content_type = req
                    .header("content-type")
                    .unwrap_or(b"application/octet-stream");
                self.current = Current::Echo {
                    content_type: Bytes::copy_from_slice(content_type),
                    started: false,
                };
            }
            Route::DemoResult => self.current = Current::Result(BytesMut::new()),
            Route::Events => {
                let last_id = req.header("last-event-id");
                if let Some(ticker) = Ticker::start(conn, now, last_id, head) {
                    self.current = Current::Events(ticker);
                }
            }
            Route::Mcp => self.current = Current::Mcp(Exchange::start(req)),
            Route::Ws => {
                // The helper queues 101, or the 400/426 refusal with its reason.
                self.upgrade = ws::accept(conn, req);
            }
        }
    }

    fn end_of_request(&mut self, conn: &mut ServerConnection, now: Timestamp) {
        match core::mem::take(&mut self.current) {
            Current::Echo {
                content_type,
                started,
            } => {
                if started || echo_head(conn, &content_type) {
                    let _ = conn.end_body();
                }
            }
            Current::Result(body) => {
                println!("demo-result: {}", String::from_utf8_lossy(&body));
                routes::respond(conn, false, 204, "text/plain", &[], Bytes::new());
            }
            // The ticker keeps the response open after the (empty) request body.
            events @ Current::Events(_) => self.current = events,
            Current::Mcp(exchange) => {
                if let Some(open) = exchange.end(&self.app.mcp, conn, now) {
                    self.current = Current::Mcp(open);
                }
            }
            Current::None => {}
        }
    }
}

/// The head of an `/echo` response: no Content-Length, so the body is chunked and each
/// received piece goes back as one chunk.
fn echo_head(conn: &mut ServerConnection, content_type: &[u8]) -> bool {
    let headers = [Header {
        name: b"Content-Type",
        value: content_type,
    }];
    conn.send_response(200, &headers).is_ok()
}

impl Handler<ServerConnection> for Http {
    fn on_event(&mut self, conn: &mut ServerConnection, event: Event, now: Timestamp) {
        match event {
            Event::Request(req) => self.request(conn, &req, now),
            Event::Data(data) => match &mut self.current {
                Current::Echo {
                    content_type,
                    started,
                } if !data.is_empty() => {
                    if !*started {
                        *started = echo_head(conn, content_type);
                    }
                    let _ = conn.send_data(data);
                }
                Current::Result(body) if body.len() + data.len() <= MAX_RESULT => {
                    body.extend_from_slice(&data);
                }
                Current::Mcp(exchange) => exchange.data(&self.app.mcp, &data),
                _ => {}
            },
            Event::EndOfMessage { .. } => self.end_of_request(conn, now),
            Event::Switched { leftover } => self.leftover = Some(leftover),
            _ => {}
        }
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        match &mut self.current {
            Current::Events(ticker) => ticker.poll_timeout(),
            Current::Mcp(exchange) => exchange.poll_timeout(),
            _ => None,
        }
    }

    fn handle_timeout(&mut self, conn: &mut ServerConnection, now: Timestamp) {
        if let Current::Mcp(exchange) = &mut self.current {
            if self.app.stopping.load(Ordering::Relaxed) {
                exchange.finish(conn);
                self.current = Current::None;
            } else if !exchange.on_timeout(conn, now) {
                self.current = Current::None;
            }
            return;
        }
        let Current::Events(ticker) = &mut self.current else {
            return;
        };
        let open = if self.app.stopping.load(Ordering::Relaxed) {
            ticker.finish(conn)
        } else {
            ticker.on_timeout(conn, now)
        };
        if !open {
            self.current = Current::None;
        }
    }
}
