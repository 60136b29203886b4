//! The Streamable HTTP client transport against the Streamable HTTP server of this crate:
//! every POST is rendered to bytes, parsed by `fasterapi-http1`'s server machine and answered
//! by `HttpServer`, whose JSON or SSE answer goes back through the client transport.

use core::time::Duration;
use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{Event as HttpEvent, IncomingRequest, ServerConnection};
use fasterapi_mcp::http::{HttpBody, HttpConfig, HttpServer, StreamPoll};
use fasterapi_mcp::http_client::{HttpClient, HttpClientError, Post, encode_header_value};
use fasterapi_mcp::{
    CallToolResult, ClientEvent, Event, Id, ProtocolVersion, Server, StdioClient, ToolReply,
    http::decode_header_value, schema,
};
use serde_json::{Value, json};

const T0: Timestamp = Timestamp::ZERO;

fn server() -> HttpServer {
    let s = Server::new("h", "1")
        .tool(
            "echo",
            "echo",
            schema::object().required("text", schema::string("t")),
            |c| {
                ToolReply::Done(CallToolResult::text(
                    c.arguments["text"].as_str().unwrap_or(""),
                ))
            },
        )
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer);
    let mut n = 0;
    // An explicit requestState key: the server then takes no values from the id generator.
    let mut config = HttpConfig::default();
    config.engine.state_key = Some(fasterapi_mcp::mrtr::StateKey::new([1; 32]));
    config.engine.tasks.ids = Some(fasterapi_mcp::tasks::TaskIds::keyed(&[2; 32]));
    HttpServer::new(Arc::new(s), config, move || {
        n += 1;
        format!("session-{n}")
    })
}

fn parse(method: &str, headers: &[(&'static str, String)], body: &[u8]) -> IncomingRequest {
    let mut raw = format!("{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = raw.into_bytes();
    bytes.extend_from_slice(body);
    let mut conn = ServerConnection::default();
    conn.handle_input(T0, &bytes).unwrap();
    let mut req = None;
    while let Some(ev) = conn.poll_event() {
        if let HttpEvent::Request(r) = ev {
            req = Some(r);
        }
    }
    req.expect("a request")
}

fn header<'a>(h: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sends every queued POST, answering deferred `slow` calls with `done` once they arrive;
/// returns the POSTs sent.
fn exchange(c: &mut HttpClient, h: &mut HttpServer) -> Vec<Post> {
    let mut sent = Vec::new();
    while let Some(post) = c.poll_post(T0) {
        let req = parse("POST", &post.headers, &post.body);
        let resp = h.handle_request(T0, &req, &post.body);
        let sid = header(&resp.headers, "mcp-session-id").map(String::from);
        let ctype = header(&resp.headers, "content-type").map(String::from);
        let mut body = c
            .handle_response_head(resp.status, sid.as_deref(), ctype.as_deref())
            .unwrap_or_else(|e| panic!("{e}: {resp:?}"));
        match resp.body {
            HttpBody::Empty => {}
            HttpBody::Full(b) => c.handle_body(T0, &mut body, &b).unwrap(),
            HttpBody::Stream(id) => loop {
                while let Some((key, ev)) = h.poll_event() {
                    if let Event::ToolCall { id, .. } = ev {
                        let e = h.engine_mut(&key).unwrap();
                        e.progress(&id, 1.0, None, None).unwrap();
                        e.complete(&id, CallToolResult::text("done")).unwrap();
                    }
                }
                match h.poll_stream(id) {
                    StreamPoll::Data(d) => {
                        // Split anywhere: the SSE parser is split-invariant.
                        let (a, b) = d.split_at(d.len() / 2);
                        c.handle_body(T0, &mut body, a).unwrap();
                        c.handle_body(T0, &mut body, b).unwrap();
                    }
                    StreamPoll::Pending => panic!("the deferred call was answered"),
                    StreamPoll::End | StreamPoll::Unknown => break,
                }
            },
        }
        c.end_body(T0, body).unwrap();
        sent.push(post);
    }
    sent
}

fn responses(c: &mut HttpClient) -> Vec<(Id, Result<Value, String>)> {
    let mut out = Vec::new();
    while let Some(ev) = c.client().poll_event() {
        match ev {
            ClientEvent::Response { id, result, .. } => {
                out.push((id, result.map_err(|e| e.to_string())));
            }
            ClientEvent::Notification(n) => {
                assert_eq!(n.method, "notifications/progress");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn legacy_session_json_and_sse() {
    let mut h = server();
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    c.client().initialize(
        T0,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name": "t", "version": "1"}),
    );
    let sent = exchange(&mut c, &mut h);
    assert_eq!(header(&sent[0].headers, "mcp-session-id"), None);
    assert_eq!(c.session_id(), Some("session-1"));
    assert_eq!(c.protocol_version(), Some("2025-11-25"));
    let r = responses(&mut c);
    assert_eq!(r[0].1.as_ref().unwrap()["protocolVersion"], "2025-11-25");

    c.client().notify("notifications/initialized", None);
    let call = c.client().request(
        T0,
        "tools/call",
        Some(json!({"name": "echo", "arguments": {"text": "hi"}})),
    );
    let slow = c.client().request(
        T0,
        "tools/call",
        Some(json!({"name": "slow", "arguments": {}, "_meta": {"progressToken": 1}})),
    );
    let sent = exchange(&mut c, &mut h);
    assert_eq!(sent.len(), 3);
    for p in &sent {
        assert_eq!(header(&p.headers, "mcp-session-id"), Some("session-1"));
        assert_eq!(
            header(&p.headers, "mcp-protocol-version"),
            Some("2025-11-25")
        );
        assert_eq!(
            header(&p.headers, "mcp-method"),
            None,
            "legacy: no Mcp-Method"
        );
    }
    let r = responses(&mut c);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].0, call);
    assert_eq!(r[0].1.as_ref().unwrap()["content"][0]["text"], "hi");
    assert_eq!(r[1].0, slow, "the SSE answer");
    assert_eq!(r[1].1.as_ref().unwrap()["content"][0]["text"], "done");
    assert_eq!(c.client().in_flight(), 0);

    // The GET stream and DELETE carry the session; after DELETE the server says 404.
    let get = c.get_headers().expect("a session");
    assert_eq!(header(&get, "accept"), Some("text/event-stream"));
    let del = c.delete_headers().expect("a session");
    let resp = h.handle_request(T0, &parse("DELETE", &del, b""), b"");
    assert_eq!(resp.status, 200);
    assert_eq!(c.session_id(), None);
    assert_eq!(h.session_count(), 0);
    assert!(c.get_headers().is_none());
    // A stale session id is reported as expired.
    let mut stale = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    stale.client().initialize(
        T0,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name": "t", "version": "1"}),
    );
    exchange(&mut stale, &mut h);
    let sid = stale.session_id().unwrap().to_string();
    let resp = h.handle_request(
        T0,
        &parse("DELETE", &[("Mcp-Session-Id", sid.clone())], b""),
        b"",
    );
    assert_eq!(resp.status, 200);
    stale.client().request(T0, "tools/list", None);
    let post = stale.poll_post(T0).unwrap();
    let resp = h.handle_request(T0, &parse("POST", &post.headers, &post.body), &post.body);
    assert_eq!(resp.status, 404);
    assert_eq!(
        stale.handle_response_head(404, None, None).unwrap_err(),
        HttpClientError::SessionExpired
    );
    assert_eq!(stale.session_id(), None);
}

#[test]
fn stateless_headers_satisfy_the_server() {
    let mut h = server();
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    c.set_stateless(
        ProtocolVersion::V2026_07_28,
        json!({}),
        json!({"name": "t", "version": "1"}),
    );
    let a = c.client().request(
        T0,
        "tools/call",
        Some(json!({"name": "echo", "arguments": {"text": "x"}})),
    );
    let b = c.client().request(T0, "tools/list", None);
    let s = c.client().request(
        T0,
        "tools/call",
        Some(json!({"name": "slow", "arguments": {}})),
    );
    let sent = exchange(&mut c, &mut h);
    assert_eq!(header(&sent[0].headers, "mcp-method"), Some("tools/call"));
    assert_eq!(header(&sent[0].headers, "mcp-name"), Some("echo"));
    assert_eq!(header(&sent[1].headers, "mcp-name"), None);
    assert_eq!(
        header(&sent[0].headers, "mcp-protocol-version"),
        Some("2026-07-28")
    );
    assert!(
        sent.iter()
            .all(|p| header(&p.headers, "mcp-session-id").is_none())
    );
    assert_eq!(h.session_count(), 0);
    let r = responses(&mut c);
    let ids: Vec<&Id> = r.iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [&a, &b, &s]);
    assert!(r.iter().all(|(_, res)| res.is_ok()), "{r:?}");
    assert_eq!(r[2].1.as_ref().unwrap()["content"][0]["text"], "done");
}

#[test]
fn error_statuses() {
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    assert_eq!(
        c.handle_response_head(403, None, Some("text/plain"))
            .unwrap_err(),
        HttpClientError::Status(403)
    );
    assert_eq!(
        c.handle_response_head(200, None, Some("text/html"))
            .unwrap_err(),
        HttpClientError::ContentType("text/html".into())
    );
    // A JSON-RPC error body on a 400 is read as an answer.
    assert!(matches!(
        c.handle_response_head(400, None, Some("application/json; charset=utf-8")),
        Ok(fasterapi_mcp::http_client::ResponseBody::Json(_))
    ));
}

#[test]
fn header_values_round_trip() {
    for v in ["echo", "héllo wörld", " padded", "日本"] {
        let e = encode_header_value(v);
        assert!(e.is_ascii(), "{e}");
        assert_eq!(decode_header_value(&e).as_deref(), Some(v), "{e}");
    }
    assert_eq!(encode_header_value("echo"), "echo");
}

/// A legacy client with a session, as after the `initialize` answer of a scripted server.
fn initialized(retry_stream: &str) -> (HttpClient, Id) {
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    let init = c.client().initialize(
        T0,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name": "t", "version": "1"}),
    );
    assert!(c.poll_post(T0).is_some());
    let mut body = c
        .handle_response_head(200, Some("s1"), Some("application/json"))
        .unwrap();
    let answer = json!({"jsonrpc": "2.0", "id": init, "result": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "s", "version": "1"}}});
    c.handle_body(T0, &mut body, answer.to_string().as_bytes())
        .unwrap();
    c.end_body(T0, body).unwrap();
    assert_eq!(responses(&mut c).len(), 1);
    let call = c.client().request(
        T0,
        "tools/call",
        Some(json!({"name": "x", "arguments": {}})),
    );
    assert!(c.poll_post(T0).is_some());
    // The call's stream: a priming event, then the connection closes without the answer.
    let mut body = c
        .handle_response_head(200, Some("s1"), Some("text/event-stream"))
        .unwrap();
    c.handle_body(T0, &mut body, retry_stream.as_bytes())
        .unwrap();
    c.end_body(T0, body).unwrap();
    (c, call)
}

#[test]
fn a_broken_stream_is_resumed_after_retry_with_last_event_id() {
    let (mut c, call) = initialized("id: ev-1\nretry: 500\ndata: \n\n");
    assert_eq!(c.resume_at(), Some(T0 + Duration::from_millis(500)));
    assert_eq!(c.poll_resume(T0 + Duration::from_millis(499)), None);
    let h = c.poll_resume(T0 + Duration::from_millis(500)).expect("due");
    assert_eq!(header(&h, "last-event-id"), Some("ev-1"));
    assert_eq!(header(&h, "mcp-session-id"), Some("s1"));
    assert_eq!(header(&h, "accept"), Some("text/event-stream"));
    assert_eq!(c.poll_resume(T0 + Duration::from_secs(9)), None, "once");
    // The resumed GET stream carries the answer; its end schedules nothing more.
    let mut body = c
        .handle_response_head(200, None, Some("text/event-stream"))
        .unwrap();
    let answer = json!({"jsonrpc": "2.0", "id": call, "result": {"content": []}});
    let events = format!("id: ev-2\ndata: \n\nevent: message\nid: ev-3\ndata: {answer}\n\n");
    c.handle_body(T0, &mut body, events.as_bytes()).unwrap();
    c.end_body(T0, body).unwrap();
    let r = responses(&mut c);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, call);
    assert_eq!(c.resume_at(), None);
}

#[test]
fn resume_waits_a_default_or_capped_retry_and_needs_an_event_id() {
    let (c, _) = initialized("id: a\ndata: \n\n");
    assert_eq!(
        c.resume_at(),
        Some(T0 + fasterapi_mcp::http_client::DEFAULT_RETRY)
    );
    let (c, _) = initialized("id: a\nretry: 99999999999\ndata: \n\n");
    assert_eq!(
        c.resume_at(),
        Some(T0 + fasterapi_mcp::http_client::MAX_RETRY)
    );
    // Without an event id there is nothing to resume from.
    let (mut c, _) = initialized("retry: 10\ndata: \n\n");
    assert_eq!(c.resume_at(), None);
    assert_eq!(c.poll_resume(T0 + Duration::from_secs(100)), None);
}
