//! SSE resumption end to end on `fasterapi_core::testing::Pair`: our `HttpClient` over a
//! `fasterapi-http1` client connection, our `HttpServer` over the server connection, the bytes
//! cut into 7-byte pieces and time virtual. The server ends a tool call's stream on purpose
//! (`pause_stream`: `retry`, then the end of the body), answers while the client is away,
//! and the client comes back after exactly the `retry` with `GET` + `Last-Event-ID` and gets
//! the answer — once, with nothing of the first connection sent twice.

use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use fasterapi_core::testing::Pair;
use fasterapi_core::{Machine, Timestamp};
use fasterapi_http1::{ClientConnection, Event as HttpEvent, Header, ServerConnection};
use fasterapi_mcp::http::{EngineKey, HttpBody, HttpConfig, HttpServer, StreamId, StreamPoll};
use fasterapi_mcp::http_client::{HttpClient, ResponseBody};
use fasterapi_mcp::mrtr::StateKey;
use fasterapi_mcp::{
    CallToolResult, ClientEvent, Event, Id, ProtocolVersion, Server, StdioClient, ToolReply, schema,
};
use serde_json::{Value, json};

const RETRY: Duration = Duration::from_millis(750);

struct World {
    pair: Pair<ClientConnection, ServerConnection>,
    http: HttpServer,
    client: HttpClient,
    /// The request being received by the server: head and body so far.
    incoming: Option<(fasterapi_http1::IncomingRequest, Vec<u8>)>,
    /// The SSE stream the server is sending, if any.
    stream: Option<StreamId>,
    /// The client's view of the response body being read.
    body: Option<ResponseBody>,
    /// Every body byte the client received.
    wire: Vec<u8>,
}

impl World {
    fn new() -> Self {
        let server =
            Server::new("pair", "1").tool("slow", "answers later", schema::object(), |_| {
                ToolReply::Defer
            });
        let mut config = HttpConfig::default();
        config.engine.state_key = Some(StateKey::new([2; 32]));
        config.sse_retry = RETRY;
        let mut n = 0;
        let http = HttpServer::new(Arc::new(server), config, move || {
            n += 1;
            format!("pair-{n}")
        });
        Self {
            pair: Pair::new(ClientConnection::default(), ServerConnection::default())
                .with_chunk_size(7),
            http,
            client: HttpClient::new(StdioClient::new(Duration::from_secs(30))),
            incoming: None,
            stream: None,
            body: None,
            wire: Vec::new(),
        }
    }

    fn now(&self) -> Timestamp {
        self.pair.now()
    }

    /// Sends one request from the client connection.
    fn send(&mut self, method: &str, headers: &[(&str, String)], body: &[u8]) {
        let len = body.len().to_string();
        let mut fields = vec![
            Header {
                name: b"Host",
                value: b"pair",
            },
            Header {
                name: b"Content-Length",
                value: len.as_bytes(),
            },
        ];
        fields.extend(headers.iter().map(|(k, v)| Header {
            name: k.as_bytes(),
            value: v.as_bytes(),
        }));
        let c = &mut self.pair.client.machine;
        c.send_request(method.as_bytes(), b"/mcp", &fields).unwrap();
        if !body.is_empty() {
            c.send_data(Bytes::copy_from_slice(body)).unwrap();
        }
        c.end_body().unwrap();
    }

    fn post_next(&mut self) {
        let post = self
            .client
            .poll_post(self.pair.now())
            .expect("a queued POST");
        let headers: Vec<(&str, String)> = post
            .all_headers()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        self.send("POST", &headers, &post.body);
    }

    /// Moves bytes and events until nothing changes.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            self.pair.drive();
            let mut progressed = false;
            for ev in self.pair.server.take_events() {
                progressed = true;
                match ev {
                    HttpEvent::Request(r) => self.incoming = Some((r, Vec::new())),
                    HttpEvent::Data(d) => {
                        if let Some((_, b)) = self.incoming.as_mut() {
                            b.extend_from_slice(&d);
                        }
                    }
                    HttpEvent::EndOfMessage { .. } => self.answer_request(),
                    _ => {}
                }
            }
            progressed |= self.pump_stream();
            for ev in self.pair.client.take_events() {
                progressed = true;
                self.on_client_event(ev);
            }
            if !progressed {
                return;
            }
        }
        panic!("no quiescence");
    }

    fn answer_request(&mut self) {
        let (req, body) = self.incoming.take().expect("a request head");
        let now = self.pair.now();
        let resp = self.http.handle_request(now, &req, &body);
        let mut headers: Vec<(&str, String)> = resp.headers.clone();
        match &resp.body {
            HttpBody::Full(b) => headers.push(("Content-Length", b.len().to_string())),
            HttpBody::Empty => headers.push(("Content-Length", "0".into())),
            HttpBody::Stream(_) => headers.push(("Transfer-Encoding", "chunked".into())),
        }
        let fields: Vec<Header<'_>> = headers
            .iter()
            .map(|(k, v)| Header {
                name: k.as_bytes(),
                value: v.as_bytes(),
            })
            .collect();
        let s = &mut self.pair.server.machine;
        s.send_response(resp.status, &fields).unwrap();
        match resp.body {
            HttpBody::Full(b) => {
                s.send_data(Bytes::from(b)).unwrap();
                s.end_body().unwrap();
            }
            HttpBody::Empty => s.end_body().unwrap(),
            HttpBody::Stream(id) => self.stream = Some(id),
        }
    }

    /// Pulls the open SSE stream into the server connection; whether anything moved.
    fn pump_stream(&mut self) -> bool {
        let Some(id) = self.stream else {
            return false;
        };
        let mut moved = false;
        loop {
            match self.http.poll_stream(id) {
                StreamPoll::Data(d) => {
                    self.pair.server.machine.send_data(Bytes::from(d)).unwrap();
                    moved = true;
                }
                StreamPoll::Pending => return moved,
                StreamPoll::End | StreamPoll::Unknown => {
                    self.pair.server.machine.end_body().unwrap();
                    self.stream = None;
                    return true;
                }
            }
        }
    }

    fn on_client_event(&mut self, ev: HttpEvent) {
        let now = self.pair.now();
        match ev {
            HttpEvent::Response(r) => {
                let field = |n: &str| {
                    r.header(n)
                        .and_then(|v| core::str::from_utf8(v).ok())
                        .map(String::from)
                };
                let body = self
                    .client
                    .handle_response_head(
                        r.status,
                        field("mcp-session-id").as_deref(),
                        field("content-type").as_deref(),
                    )
                    .unwrap();
                self.body = Some(body);
                self.wire.push(b'\n');
            }
            HttpEvent::Data(d) => {
                let body = self.body.as_mut().expect("a response head first");
                self.wire.extend_from_slice(&d);
                self.client.handle_body(now, body, &d).unwrap();
            }
            HttpEvent::EndOfMessage { .. } => {
                let body = self.body.take().expect("a response");
                self.client.end_body(now, body).unwrap();
            }
            _ => {}
        }
    }

    /// Every SSE event id the client received, in order.
    fn event_ids(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.wire)
            .lines()
            .filter_map(|l| l.strip_prefix("id: ").map(String::from))
            .collect()
    }

    fn client_events(&mut self) -> Vec<ClientEvent> {
        let mut out = Vec::new();
        while let Some(ev) = self.client.client().poll_event() {
            out.push(ev);
        }
        out
    }
}

fn answer_of(events: &[ClientEvent], id: &Id) -> Option<Value> {
    events.iter().find_map(|e| match e {
        ClientEvent::Response {
            id: got,
            result: Ok(r),
            ..
        } if got == id => Some(r.clone()),
        _ => None,
    })
}

#[test]
fn a_paused_stream_resumes_after_its_retry_on_the_virtual_clock() {
    let mut w = World::new();
    let now = w.now();
    let init = w.client.client().initialize(
        now,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name": "pair", "version": "1"}),
    );
    w.post_next();
    w.settle();
    assert!(answer_of(&w.client_events(), &init).is_some());
    w.client.client().notify("notifications/initialized", None);
    w.post_next();
    w.settle();
    let key = EngineKey::Session(w.client.session_id().expect("a session").to_string());

    let now = w.now();
    let call = w.client.client().request(
        now,
        "tools/call",
        Some(json!({"name": "slow", "arguments": {}, "_meta": {"progressToken": "p"}})),
    );
    w.post_next();
    w.settle();
    let server_call = loop {
        match w.http.poll_event() {
            Some((_, Event::ToolCall { id, .. })) => break id,
            Some(_) => {}
            None => panic!("the deferred call reached the application"),
        }
    };
    // Progress reaches the client on the live stream.
    let engine = w.http.engine_mut(&key).unwrap();
    assert!(engine.progress(&server_call, 1.0, None, None).unwrap());
    w.settle();
    let seen = w.client_events();
    assert!(seen.iter().any(
        |e| matches!(e, ClientEvent::Notification(n) if n.method == "notifications/progress")
    ));
    assert_eq!(
        w.event_ids().len(),
        2,
        "priming and progress: {:?}",
        w.event_ids()
    );

    // The server ends the connection; the answer comes while the client is away.
    assert!(w.http.pause_stream(&key, Some(&server_call)));
    w.settle();
    assert!(w.stream.is_none(), "the body ended");
    let paused_at = w.now();
    assert_eq!(w.client.resume_at(), Some(paused_at.saturating_add(RETRY)));
    let engine = w.http.engine_mut(&key).unwrap();
    engine
        .complete(&server_call, CallToolResult::text("answered while away"))
        .unwrap();
    assert!(answer_of(&w.client_events(), &call).is_none());

    // Not before the retry...
    w.pair.advance(RETRY - Duration::from_millis(1));
    assert!(w.client.poll_resume(w.now()).is_none());
    // ...then GET + Last-Event-ID, replaying only what the client missed.
    w.pair.advance(Duration::from_millis(1));
    let get = w.client.poll_resume(w.now()).expect("due");
    let last = get
        .iter()
        .find(|(k, _)| *k == "Last-Event-ID")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(Some(&last), w.event_ids().last());
    w.send("GET", &get, b"");
    w.settle();
    let events = w.client_events();
    let answer = answer_of(&events, &call).expect("the answer after resuming");
    assert_eq!(answer["content"][0]["text"], "answered while away");
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, ClientEvent::Notification(_)))
            .count(),
        0,
        "the progress already seen is not replayed"
    );
    let ids = w.event_ids();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no event twice: {ids:?}");
    assert_eq!(ids.len(), 3, "priming, progress, answer: {ids:?}");
    assert_eq!(w.client.client().in_flight(), 0);
}
