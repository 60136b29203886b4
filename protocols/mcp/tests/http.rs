//! The Streamable HTTP rules, on requests parsed by `fasterapi-http1`'s server machine.

use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{Event as HttpEvent, IncomingRequest, ServerConnection};
use fasterapi_mcp::http::{EngineKey, HttpBody, HttpConfig, HttpResponse, HttpServer, StreamPoll};
use fasterapi_mcp::{CallToolResult, Event, Server, ToolReply, schema};
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
    HttpServer::new(Arc::new(s), HttpConfig::default(), move || {
        n += 1;
        format!("session-{n}")
    })
}

/// Parses `head` + `body` with the HTTP/1.1 server machine.
fn parse(head: &str, body: &str) -> (IncomingRequest, Vec<u8>) {
    let raw = format!("{head}Content-Length: {}\r\n\r\n{body}", body.len());
    let mut conn = ServerConnection::default();
    conn.handle_input(T0, raw.as_bytes()).unwrap();
    let (mut req, mut data) = (None, Vec::new());
    while let Some(ev) = conn.poll_event() {
        match ev {
            HttpEvent::Request(r) => req = Some(r),
            HttpEvent::Data(d) => data.extend_from_slice(&d),
            _ => {}
        }
    }
    (req.expect("a request"), data)
}

fn post(h: &mut HttpServer, extra_headers: &str, body: &Value) -> HttpResponse {
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\n{extra_headers}"
    );
    let (req, data) = parse(&head, &body.to_string());
    h.handle_request(T0, &req, &data)
}

fn json_body(r: &HttpResponse) -> Value {
    match &r.body {
        HttpBody::Full(b) => serde_json::from_slice(b).unwrap(),
        other => panic!("not a JSON body: {other:?}"),
    }
}

fn header<'a>(r: &'a HttpResponse, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn modern_call(id: i64, name: &str) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":name,"arguments":{"text":"x"},
        "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                 "io.modelcontextprotocol/clientCapabilities":{}}}})
}

const MODERN_HEADERS: &str = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\n";

fn init(h: &mut HttpServer) -> String {
    let r = post(
        h,
        "",
        &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
            "capabilities":{},"clientInfo":{"name":"c","version":"1"}}}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(json_body(&r)["result"]["protocolVersion"], "2025-11-25");
    header(&r, "mcp-session-id")
        .expect("a session id")
        .to_string()
}

#[test]
fn origin_is_validated_against_dns_rebinding() {
    let mut h = server();
    for (origin, status) in [
        ("http://evil.example", 403),
        ("http://localhost.evil.example:80", 403),
        ("null", 403),
        ("http://localhost:3000", 200),
        ("http://127.0.0.1", 200),
        ("http://[::1]:8080", 200),
    ] {
        let r = post(
            &mut h,
            &format!("Origin: {origin}\r\n{MODERN_HEADERS}Mcp-Name: echo\r\n"),
            &modern_call(1, "echo"),
        );
        assert_eq!(r.status, status, "{origin}");
    }
    // An explicit list replaces the loopback default.
    let mut config = HttpConfig::default();
    config.allowed_origins = vec!["https://app.example".into()];
    let mut h = HttpServer::new(Arc::new(Server::new("h", "1")), config, String::new);
    let ping = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    assert_eq!(
        post(&mut h, "Origin: http://localhost\r\n", &ping).status,
        403
    );
    assert_ne!(
        post(&mut h, "Origin: https://app.example\r\n", &ping).status,
        403
    );
}

#[test]
fn content_type_accept_path_and_method() {
    let mut h = server();
    let (req, body) = parse(
        "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n",
        "{}",
    );
    assert_eq!(h.handle_request(T0, &req, &body).status, 415);
    let (req, body) = parse(
        "POST /other HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n",
        "{}",
    );
    assert_eq!(h.handle_request(T0, &req, &body).status, 404);
    let (req, body) = parse("PUT /mcp HTTP/1.1\r\nHost: a\r\n", "");
    assert_eq!(h.handle_request(T0, &req, &body).status, 405);
    let (req, body) = parse(
        "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAccept: text/html\r\n",
        "{}",
    );
    assert_eq!(h.handle_request(T0, &req, &body).status, 406);
    let (req, body) = parse(
        "GET /mcp HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n",
        "",
    );
    assert_eq!(
        h.handle_request(T0, &req, &body).status,
        405,
        "no GET stream without a session"
    );
}

#[test]
fn stateless_requests_and_header_validation() {
    let mut h = server();
    let r = post(
        &mut h,
        &format!("{MODERN_HEADERS}Mcp-Name: echo\r\n"),
        &modern_call(1, "echo"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-type"), Some("application/json"));
    assert_eq!(json_body(&r)["result"]["content"][0]["text"], "x");
    assert!(
        header(&r, "mcp-session-id").is_none(),
        "no sessions in 2026-07-28"
    );
    // Base64 sentinel form of Mcp-Name (ZWNobw== is "echo").
    let r = post(
        &mut h,
        &format!("{MODERN_HEADERS}Mcp-Name: =?base64?ZWNobw==?=\r\n"),
        &modern_call(2, "echo"),
    );
    assert_eq!(r.status, 200);
    for (headers, what) in [
        (format!("{MODERN_HEADERS}Mcp-Name: other\r\n"), "Mcp-Name"),
        (MODERN_HEADERS.to_string(), "Mcp-Name"),
        (
            "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nMcp-Name: echo\r\n"
                .into(),
            "Mcp-Method",
        ),
        (
            "MCP-Protocol-Version: 2025-11-25\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n"
                .into(),
            "MCP-Protocol-Version",
        ),
        (
            "Mcp-Method: tools/call\r\nMcp-Name: echo\r\n".into(),
            "MCP-Protocol-Version",
        ),
    ] {
        let r = post(&mut h, &headers, &modern_call(3, "echo"));
        assert_eq!(r.status, 400, "{headers}");
        let b = json_body(&r);
        assert_eq!(b["error"]["code"], -32020, "{headers}");
        assert_eq!(b["error"]["data"]["header"], what, "{headers}");
        assert_eq!(b["id"], 3);
    }
    // An unknown method is 404 with -32601; an unsupported version 400 with -32022.
    let mut m = modern_call(4, "echo");
    m["method"] = json!("nope/nope");
    let r = post(
        &mut h,
        "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: nope/nope\r\n",
        &m,
    );
    assert_eq!(
        (r.status, json_body(&r)["error"]["code"].clone()),
        (404, json!(-32601))
    );
    let mut m = modern_call(5, "echo");
    m["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let r = post(
        &mut h,
        "MCP-Protocol-Version: 2099-01-01\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n",
        &m,
    );
    assert_eq!(
        (r.status, json_body(&r)["error"]["code"].clone()),
        (400, json!(-32022))
    );
}

#[test]
fn deferred_answers_stream_over_sse_and_closing_cancels() {
    let mut h = server();
    let r = post(
        &mut h,
        &format!("{MODERN_HEADERS}Mcp-Name: slow\r\n"),
        &modern_call(1, "slow"),
    );
    assert_eq!(header(&r, "content-type"), Some("text/event-stream"));
    let HttpBody::Stream(stream) = r.body else {
        panic!()
    };
    assert_eq!(h.poll_stream(stream), StreamPoll::Pending);
    let Some((key, Event::ToolCall { id, .. })) = h.poll_event() else {
        panic!()
    };
    assert_eq!(key, EngineKey::Stateless);
    h.engine_mut(&key)
        .unwrap()
        .complete(&id, CallToolResult::text("late"))
        .unwrap();
    let StreamPoll::Data(d) = h.poll_stream(stream) else {
        panic!()
    };
    let text = String::from_utf8(d).unwrap();
    assert!(text.starts_with("event: message\ndata: {"), "{text}");
    assert!(text.contains("late") && text.ends_with("\n\n"));
    assert_eq!(h.poll_stream(stream), StreamPoll::End);
    // A stream the client drops cancels its request (2026-07-28 transports §"Cancellation").
    let r = post(
        &mut h,
        &format!("{MODERN_HEADERS}Mcp-Name: slow\r\n"),
        &modern_call(2, "slow"),
    );
    let HttpBody::Stream(stream) = r.body else {
        panic!()
    };
    let _ = h.poll_event();
    h.close_stream(T0, stream);
    assert!(matches!(h.poll_event(), Some((_, Event::Cancelled { .. }))));
    assert_eq!(h.poll_stream(stream), StreamPoll::Unknown);
}

#[test]
fn legacy_sessions() {
    let mut h = server();
    let sid = init(&mut h);
    let notif = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    assert_eq!(
        post(&mut h, &format!("Mcp-Session-Id: {sid}\r\n"), &notif).status,
        202
    );
    let list = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});
    assert_eq!(post(&mut h, "", &list).status, 400, "no session id");
    assert_eq!(post(&mut h, "Mcp-Session-Id: nope\r\n", &list).status, 404);
    let r = post(
        &mut h,
        &format!("Mcp-Session-Id: {sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n"),
        &list,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        json_body(&r)["result"]["tools"].as_array().map(Vec::len),
        Some(2)
    );
    let r = post(
        &mut h,
        &format!("Mcp-Session-Id: {sid}\r\nMCP-Protocol-Version: 1999-01-01\r\n"),
        &list,
    );
    assert_eq!(r.status, 400, "unsupported version header");
    // The GET stream carries connection-wide messages.
    let (req, body) = parse(
        &format!(
            "GET /mcp HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\nMcp-Session-Id: {sid}\r\n"
        ),
        "",
    );
    let r = h.handle_request(T0, &req, &body);
    let HttpBody::Stream(get) = r.body else {
        panic!("{r:?}")
    };
    assert_eq!(
        h.handle_request(T0, &req, &body).status,
        409,
        "one GET stream per session"
    );
    h.engine_mut(&EngineKey::Session(sid.clone()))
        .unwrap()
        .notify_list_changed("tools");
    // A resumable stream starts with a priming event: an id and no data.
    let StreamPoll::Data(d) = h.poll_stream(get) else {
        panic!()
    };
    let priming = String::from_utf8(d).unwrap();
    assert_eq!(priming, "id: 2-0\ndata:\n\n");
    let StreamPoll::Data(d) = h.poll_stream(get) else {
        panic!()
    };
    assert!(
        String::from_utf8(d)
            .unwrap()
            .contains("notifications/tools/list_changed")
    );
    // DELETE ends the session.
    let (req, body) = parse(
        &format!("DELETE /mcp HTTP/1.1\r\nHost: a\r\nMcp-Session-Id: {sid}\r\n"),
        "",
    );
    assert_eq!(h.handle_request(T0, &req, &body).status, 200);
    assert_eq!(h.session_count(), 0);
    assert_eq!(
        post(&mut h, &format!("Mcp-Session-Id: {sid}\r\n"), &list).status,
        404
    );
    assert_eq!(h.poll_stream(get), StreamPoll::Unknown);
}

#[test]
fn idle_sessions_end_unless_in_use() {
    let idle = HttpConfig::default().session_idle;
    let mut h = server();
    let (a, b) = (init(&mut h), init(&mut h));
    assert_eq!(h.session_count(), 2);
    assert_eq!(h.poll_timeout(), Some(T0.saturating_add(idle)));
    // b keeps its GET stream open: in use.
    let (req, body) = parse(
        &format!(
            "GET /mcp HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\nMcp-Session-Id: {b}\r\n"
        ),
        "",
    );
    let HttpBody::Stream(get) = h.handle_request(T0, &req, &body).body else {
        panic!("a GET stream");
    };
    // Just before the deadline nothing ends.
    let before = T0.saturating_add(idle - core::time::Duration::from_millis(1));
    h.handle_timeout(before);
    assert_eq!(h.session_count(), 2);
    let due = T0.saturating_add(idle);
    h.handle_timeout(due);
    assert_eq!(h.session_count(), 1, "a ended, b kept by its stream");
    let list = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});
    assert_eq!(
        post(&mut h, &format!("Mcp-Session-Id: {a}\r\n"), &list).status,
        404
    );
    // b's clock restarted at the check; with its stream gone it ends a period later.
    assert_eq!(h.poll_timeout(), Some(due.saturating_add(idle)));
    h.close_stream(due, get);
    h.handle_timeout(due.saturating_add(idle));
    assert_eq!(h.session_count(), 0);
    assert_eq!(h.poll_timeout(), None);
}
