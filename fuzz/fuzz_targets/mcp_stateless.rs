//! The 2026-07-28 decode surfaces of fasterapi-mcp and SSE resumption, on arbitrary input:
//! header values (`=?base64?…?=`: a decoded value re-encodes and decodes to itself),
//! `x-mcp-header` annotations of arbitrary schemas (every name found is an HTTP token), event
//! ids (parse ∘ format = id), a multi round-trip retry whose `requestState` and
//! `inputResponses` the fuzzer writes (a forged or altered state is never accepted), and
//! `HttpServer` requests with fuzzer-chosen `Mcp-Param-*` and `Last-Event-ID` headers on a
//! legacy session. Never panics.
#![no_main]

use std::sync::Arc;

use arbitrary::Arbitrary;
use fasterapi_core::{StreamMachine, Timestamp};
use fasterapi_http1::{Event as HttpEvent, IncomingRequest, ServerConnection};
use fasterapi_mcp::headers::{decode_value, encode_value, param_headers};
use fasterapi_mcp::http::{HttpBody, HttpConfig, HttpServer, StreamPoll};
use fasterapi_mcp::mrtr::{InputRequests, StateKey};
use fasterapi_mcp::replay::{format_event_id, parse_event_id};
use fasterapi_mcp::types::{Extra, Tool};
use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Server, ToolReply, schema};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Debug, Arbitrary)]
struct Input {
    header_value: String,
    schema: Vec<u8>,
    event_id: String,
    state: String,
    responses: Vec<u8>,
    /// Flip one byte of the genuine state (index, xor).
    tamper: Option<(u16, u8)>,
    region: String,
    last_event_id: String,
}

fn server() -> Server {
    let routed = Tool {
        name: "route".into(),
        description: None,
        input_schema: json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"N"}}}),
        output_schema: None,
        extra: Extra::new(),
    };
    Server::new("fuzz", "1")
        .tool("ask", "asks", schema::object(), |c| match c.input().state() {
            Some("mine") => ToolReply::Done(CallToolResult::text("done")),
            Some(other) => panic!("a state the handler never gave: {other:?}"),
            None => ToolReply::input_required_with_state(
                InputRequests::new()
                    .elicit("a", "?", json!({}))
                    .sample_text("b", "?", 1)
                    .list_roots("c"),
                "mine",
            ),
        })
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer)
        .tool_with(routed, |_| ToolReply::Done(CallToolResult::text("ok")))
}

fn call(id: u32, state: Option<Value>, responses: Option<Value>) -> Value {
    let mut p = json!({"name":"ask","arguments":{},"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{"elicitation":{},"sampling":{},"roots":{}}}});
    if let Some(s) = state {
        p["requestState"] = s;
    }
    if let Some(r) = responses {
        p["inputResponses"] = r;
    }
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":p})
}

fn answer(e: &mut Engine, now: Timestamp, req: &Value) -> Value {
    e.handle_payload(now, req.to_string().as_bytes());
    let mut out = Vec::new();
    while let Some(o) = e.poll_output() {
        o.payload.encode(&mut out);
    }
    serde_json::from_slice(&out).expect("the engine answers with JSON")
}

fn field_safe(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
        .take(200)
        .collect()
}

fn parse(raw: &[u8]) -> Option<IncomingRequest> {
    let mut conn = ServerConnection::default();
    conn.handle_input(Timestamp::ZERO, raw).ok()?;
    let mut req = None;
    while let Some(ev) = fasterapi_core::Machine::poll_event(&mut conn) {
        if let HttpEvent::Request(r) = ev {
            req = Some(r);
        }
    }
    req
}

fuzz_target!(|input: Input| {
    // Header values.
    if let Some(v) = decode_value(&input.header_value) {
        assert_eq!(decode_value(&encode_value(&v)).as_deref(), Some(v.as_str()));
    }
    assert_eq!(
        decode_value(&encode_value(&input.header_value)).as_deref(),
        Some(input.header_value.as_str())
    );
    // Annotations.
    if let Ok(schema) = serde_json::from_slice::<Value>(&input.schema) {
        if let Ok(found) = param_headers(&schema) {
            for h in found {
                assert!(!h.name.is_empty() && !h.path.is_empty());
                assert!(h.field_name().bytes().all(|b| b.is_ascii_graphic()));
            }
        }
    }
    // Event ids.
    if let Some((s, n)) = parse_event_id(&input.event_id) {
        assert_eq!(parse_event_id(&format_event_id(s, n)), Some((s, n)));
    }

    // A retry with the fuzzer's state and responses.
    let mut config = EngineConfig::default();
    config.state_key = Some(StateKey::new([5; 32]));
    let mut e = Engine::new(Arc::new(server()), config);
    let now = Timestamp::from_secs(1);
    let first = answer(&mut e, now, &call(1, None, None));
    let genuine = first["result"]["requestState"]
        .as_str()
        .expect("a sealed state")
        .to_string();
    let responses = serde_json::from_slice::<Value>(&input.responses).ok();
    // The handler panics on any state it did not give: a forged one must be refused.
    let _ = answer(&mut e, now, &call(2, Some(json!(input.state)), responses.clone()));
    if let Some((i, x)) = input.tamper {
        let mut b = genuine.clone().into_bytes();
        let i = usize::from(i) % b.len();
        b[i] ^= x;
        if let Ok(s) = String::from_utf8(b) {
            let r = answer(&mut e, now, &call(3, Some(json!(s)), responses.clone()));
            if s != genuine {
                assert_eq!(r["error"]["code"], -32602, "altered state accepted: {r}");
            }
        }
    }
    let _ = answer(&mut e, now, &call(4, Some(json!(genuine)), responses));

    // HTTP: Mcp-Param-* on a 2026-07-28 call, Last-Event-ID on a legacy session.
    let mut config = HttpConfig::default();
    config.engine.state_key = Some(StateKey::new([6; 32]));
    let mut n = 0u32;
    let mut h = HttpServer::new(Arc::new(server()), config, move || {
        n += 1;
        format!("s{n}")
    });
    let region = field_safe(&input.region);
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
        "name":"route","arguments":{"region": region},"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{}}}})
    .to_string();
    let raw = format!(
        "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAccept: application/json\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: route\r\n\
         Mcp-Param-Region: {}\r\nContent-Length: {}\r\n\r\n{body}",
        field_safe(&input.header_value),
        body.len()
    );
    if let Some(req) = parse(raw.as_bytes()) {
        let r = h.handle_request(now, &req, body.as_bytes());
        assert!(r.status == 200 || r.status == 400, "{r:?}");
    }
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"f","version":"1"}}})
    .to_string();
    let raw = format!(
        "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{init}",
        init.len()
    );
    let Some(req) = parse(raw.as_bytes()) else {
        return;
    };
    let r = h.handle_request(now, &req, init.as_bytes());
    let Some((_, sid)) = r.headers.iter().find(|(k, _)| *k == "Mcp-Session-Id") else {
        return;
    };
    let slow = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow"}}).to_string();
    let raw = format!(
        "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nMcp-Session-Id: {sid}\r\nContent-Length: {}\r\n\r\n{slow}",
        slow.len()
    );
    if let Some(req) = parse(raw.as_bytes()) {
        if let HttpBody::Stream(id) = h.handle_request(now, &req, slow.as_bytes()).body {
            let _ = h.poll_stream(id);
            h.close_stream(now, id);
        }
    }
    let raw = format!(
        "GET /mcp HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\nMcp-Session-Id: {sid}\r\nLast-Event-ID: {}\r\n\r\n",
        field_safe(&input.last_event_id)
    );
    if let Some(req) = parse(raw.as_bytes()) {
        if let HttpBody::Stream(id) = h.handle_request(now, &req, b"").body {
            for _ in 0..8 {
                if !matches!(h.poll_stream(id), StreamPoll::Data(_)) {
                    break;
                }
            }
        }
    }
});
