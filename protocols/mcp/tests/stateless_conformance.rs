//! 2026-07-28 completeness and server-side resumability, deterministic (no sockets, no
//! clock): multi round-trip requests through the engine and the client machine, the
//! `Mcp-Param-*` header rules on both sides, and SSE replay after `Last-Event-ID` between
//! `HttpClient` and `HttpServer` through `fasterapi-http1`'s request parser.

use core::time::Duration;
use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{Event as HttpEvent, IncomingRequest, ServerConnection};
use fasterapi_mcp::http::{EngineKey, HttpBody, HttpConfig, HttpResponse, HttpServer, StreamPoll};
use fasterapi_mcp::http_client::{HttpClient, Post, ResponseBody};
use fasterapi_mcp::mrtr::{Answer, InputRequests, StateKey};
use fasterapi_mcp::replay::ReplayConfig;
use fasterapi_mcp::types::{
    Content, Extra, GetPromptResult, Prompt, PromptMessage, Resource, ResourceContents, Role, Tool,
};
use fasterapi_mcp::{
    CallToolResult, ClientEvent, Engine, EngineConfig, Event, Id, ProtocolVersion, Server,
    StdioClient, ToolReply, schema,
};
use serde_json::{Value, json};

const T0: Timestamp = Timestamp::ZERO;
const MODERN: &str = "2026-07-28";

fn greet_schema() -> Value {
    json!({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})
}

fn fixtures() -> Server {
    let header_tool = Tool {
        name: "route".into(),
        description: None,
        input_schema: json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"N"}}}),
        output_schema: None,
        extra: Extra::new(),
    };
    Server::new("s", "1")
        .tool("greet", "asks a name", schema::object(), |c| {
            match c
                .input()
                .accepted("who")
                .and_then(|m| m.get("name")?.as_str())
            {
                Some(n) if c.input().state() == Some("asked") => {
                    ToolReply::Done(CallToolResult::text(format!("Hello, {n}!")))
                }
                _ => ToolReply::input_required_with_state(
                    InputRequests::new().elicit("who", "Name?", greet_schema()),
                    "asked",
                ),
            }
        })
        .tool("sample", "asks the model", schema::object(), |c| {
            match c.input().sampled_text("q") {
                Some(t) => ToolReply::Done(CallToolResult::text(t)),
                None => ToolReply::input_required(InputRequests::new().sample_text("q", "Hi?", 5)),
            }
        })
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer)
        .resource_with_input(
            Resource {
                uri: "demo://secret".into(),
                name: "secret".into(),
                description: None,
                mime_type: None,
                extra: Extra::new(),
            },
            |uri, input| {
                Ok(match input.accepted("ok") {
                    Some(_) => Answer::Done(vec![ResourceContents::text(uri, "text/plain", "s3")]),
                    None => Answer::InputRequired {
                        input_requests: InputRequests::new().elicit("ok", "Show it?", json!({})),
                        request_state: Some("read".into()),
                    },
                })
            },
        )
        .tool_with(header_tool, |_| ToolReply::Done(CallToolResult::text("ok")))
        .prompt_with_input(
            Prompt {
                name: "ctx".into(),
                description: None,
                arguments: vec![],
                extra: Extra::new(),
            },
            |_, input| {
                Ok(match input.accepted("c") {
                    Some(_) => Answer::Done(GetPromptResult {
                        description: None,
                        messages: vec![PromptMessage {
                            role: Role::User,
                            content: Content::text("with context"),
                        }],
                        extra: Extra::new(),
                    }),
                    None => Answer::InputRequired {
                        input_requests: InputRequests::new().elicit("c", "Context?", json!({})),
                        request_state: None,
                    },
                })
            },
        )
}

fn engine_config() -> EngineConfig {
    let mut c = EngineConfig::default();
    c.state_key = Some(StateKey::new([9; 32]));
    c
}

fn engine() -> Engine {
    Engine::new(Arc::new(fixtures()), engine_config())
}

fn modern(id: i64, method: &str, mut params: Value, caps: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": caps,
    });
    json!({"jsonrpc":"2.0","id":id,"method":method,"params":params})
}

fn ask(e: &mut Engine, at: Timestamp, req: &Value) -> Value {
    e.handle_payload(at, req.to_string().as_bytes());
    let mut out = Vec::new();
    while let Some(o) = e.poll_output() {
        o.payload.encode(&mut out);
    }
    serde_json::from_slice(&out).expect("one JSON answer")
}

fn elicit_caps() -> Value {
    json!({"elicitation":{}})
}

#[test]
fn request_state_is_sealed_and_tamper_evident() {
    let mut e = engine();
    let call = json!({"name":"greet","arguments":{}});
    let r = ask(
        &mut e,
        T0,
        &modern(1, "tools/call", call.clone(), elicit_caps()),
    );
    assert_eq!(r["result"]["resultType"], "input_required");
    assert_eq!(
        r["result"]["inputRequests"]["who"]["method"],
        "elicitation/create"
    );
    let state = r["result"]["requestState"].as_str().unwrap().to_string();
    assert!(
        !state.contains("asked"),
        "the handler's state is not in the clear"
    );
    let answer = json!({"who":{"action":"accept","content":{"name":"Ada"}}});
    let mut retry = modern(2, "tools/call", call.clone(), elicit_caps());
    retry["params"]["inputResponses"] = answer.clone();
    retry["params"]["requestState"] = json!(state);
    let r = ask(&mut e, T0, &retry);
    assert_eq!(r["result"]["content"][0]["text"], "Hello, Ada!");
    assert_eq!(r["result"]["resultType"], "complete");

    // Any changed byte, in the payload or the tag, fails verification with -32602.
    let (payload, tag) = state.split_once('.').unwrap();
    let flip = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b[0] = if b[0] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    for bad in [
        format!("{}.{tag}", flip(payload)),
        format!("{payload}.{}", flip(tag)),
        "garbage".to_string(),
        String::new(),
    ] {
        retry["params"]["requestState"] = json!(bad);
        let r = ask(&mut e, T0, &retry);
        assert_eq!(r["error"]["code"], -32602, "{bad}");
    }
    // Bound to the request: another tool, other arguments, another server key.
    retry["params"]["requestState"] = json!(state);
    retry["params"]["name"] = json!("sample");
    assert_eq!(ask(&mut e, T0, &retry)["error"]["code"], -32602);
    retry["params"]["name"] = json!("greet");
    retry["params"]["arguments"] = json!({"x": 1});
    assert_eq!(ask(&mut e, T0, &retry)["error"]["code"], -32602);
    retry["params"]["arguments"] = json!({});
    let mut other_key = EngineConfig::default();
    other_key.state_key = Some(StateKey::new([1; 32]));
    let mut other = Engine::new(Arc::new(fixtures()), other_key);
    assert_eq!(ask(&mut other, T0, &retry)["error"]["code"], -32602);
    // Expired after the configured lifetime.
    let late =
        T0.saturating_add(EngineConfig::default().request_state_ttl + Duration::from_secs(1));
    assert_eq!(ask(&mut e, late, &retry)["error"]["code"], -32602);
    // And still good within it.
    assert_eq!(
        ask(&mut e, T0, &retry)["result"]["content"][0]["text"],
        "Hello, Ada!"
    );
}

#[test]
fn input_responses_are_validated_and_extra_keys_ignored() {
    let mut e = engine();
    let call = json!({"name":"greet","arguments":{}});
    let r = ask(
        &mut e,
        T0,
        &modern(1, "tools/call", call.clone(), elicit_caps()),
    );
    let state = r["result"]["requestState"].clone();
    let mut retry = modern(2, "tools/call", call, elicit_caps());
    retry["params"]["requestState"] = state;
    for bad in [
        json!("not an object"),
        json!({"who": "not an object"}),
        json!({"who": {"action": "maybe"}}),
        json!({"who": {"action": "accept", "content": 5}}),
    ] {
        retry["params"]["inputResponses"] = bad.clone();
        assert_eq!(ask(&mut e, T0, &retry)["error"]["code"], -32602, "{bad}");
    }
    // A missing answer: the handler asks again (mrtr §"Error Handling"), not an error.
    retry["params"]["inputResponses"] = json!({"someone_else": {"x": 1}});
    assert_eq!(
        ask(&mut e, T0, &retry)["result"]["resultType"],
        "input_required"
    );
    // Unknown keys beside the right answer are ignored.
    retry["params"]["inputResponses"] =
        json!({"who": {"action":"accept","content":{"name":"Bo"}}, "extra": {"y": 2}});
    assert_eq!(
        ask(&mut e, T0, &retry)["result"]["content"][0]["text"],
        "Hello, Bo!"
    );
}

#[test]
fn capabilities_versions_and_methods() {
    let mut e = engine();
    // Not declared: -32021 with a ClientCapabilities object.
    let r = ask(
        &mut e,
        T0,
        &modern(1, "tools/call", json!({"name":"sample"}), json!({})),
    );
    assert_eq!(r["error"]["code"], -32021);
    assert_eq!(
        r["error"]["data"]["requiredCapabilities"],
        json!({"sampling":{}})
    );
    // A prompt can ask too; its retry completes.
    let r = ask(
        &mut e,
        T0,
        &modern(2, "prompts/get", json!({"name":"ctx"}), elicit_caps()),
    );
    assert_eq!(r["result"]["resultType"], "input_required");
    let mut retry = modern(3, "prompts/get", json!({"name":"ctx"}), elicit_caps());
    retry["params"]["inputResponses"] = json!({"c":{"action":"accept","content":{}}});
    retry["params"]["requestState"] = r["result"]["requestState"].clone();
    let r = ask(&mut e, T0, &retry);
    assert_eq!(
        r["result"]["messages"][0]["content"]["text"],
        "with context"
    );
    // So can a resource read; the interim result carries no cache hints.
    let read = json!({"uri":"demo://secret"});
    let r = ask(
        &mut e,
        T0,
        &modern(30, "resources/read", read.clone(), elicit_caps()),
    );
    assert_eq!(r["result"]["resultType"], "input_required");
    assert!(r["result"].get("ttlMs").is_none());
    let mut retry = modern(31, "resources/read", read, elicit_caps());
    retry["params"]["inputResponses"] = json!({"ok":{"action":"accept","content":{}}});
    retry["params"]["requestState"] = r["result"]["requestState"].clone();
    let r = ask(&mut e, T0, &retry);
    assert_eq!(r["result"]["contents"][0]["text"], "s3");
    assert!(r["result"].get("ttlMs").is_some());
    // A state issued for the read does not open the prompt.
    let mut cross = modern(32, "prompts/get", json!({"name":"ctx"}), elicit_caps());
    cross["params"]["requestState"] = retry["params"]["requestState"].clone();
    assert_eq!(ask(&mut e, T0, &cross)["error"]["code"], -32602);
    // initialize under 2026-07-28 is a removed method, not the handshake.
    let r = ask(&mut e, T0, &modern(4, "initialize", json!({}), json!({})));
    assert_eq!(r["error"]["code"], -32601);
    // Legacy revisions cannot carry an InputRequiredResult.
    let init = json!({"jsonrpc":"2.0","id":5,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"c","version":"1"}}});
    ask(&mut e, T0, &init);
    let r = ask(
        &mut e,
        T0,
        &json!({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"greet"}}),
    );
    assert_eq!(r["error"]["code"], -32603);
    // Without a key the engine refuses a handler's state rather than send it unprotected.
    let mut keyless = Engine::new(Arc::new(fixtures()), EngineConfig::default());
    let r = ask(
        &mut keyless,
        T0,
        &modern(7, "tools/call", json!({"name":"greet"}), elicit_caps()),
    );
    assert_eq!(r["error"]["code"], -32603);
    let r = ask(
        &mut keyless,
        T0,
        &modern(
            8,
            "tools/call",
            json!({"name":"sample"}),
            json!({"sampling":{}}),
        ),
    );
    assert_eq!(r["result"]["resultType"], "input_required");
    assert!(r["result"].get("requestState").is_none());
}

/// The client machine retries: new id, original params, state echoed exactly or absent.
#[test]
fn client_retries_with_input_responses() {
    let mut e = engine();
    let mut c = StdioClient::new(Duration::from_secs(10));
    c.set_stateless(
        ProtocolVersion::V2026_07_28,
        elicit_caps(),
        json!({"name":"c","version":"1"}),
    );
    let mut buf = vec![0u8; 64 * 1024];
    let mut round = |c: &mut StdioClient, e: &mut Engine| -> (Value, Id, Value) {
        let n = c.poll_transmit(T0, &mut buf);
        let sent: Value = serde_json::from_slice(&buf[..n]).unwrap();
        e.handle_payload(T0, &buf[..n]);
        let mut out = Vec::new();
        while let Some(o) = e.poll_output() {
            o.payload.encode(&mut out);
            out.push(b'\n');
        }
        c.handle_input(T0, &out).unwrap();
        match c.poll_event() {
            Some(ClientEvent::Response { id, result, .. }) => (sent, id, result.unwrap()),
            other => panic!("{other:?}"),
        }
    };
    c.request(
        T0,
        "tools/call",
        Some(json!({"name":"greet","arguments":{}})),
    );
    let (first, id, result) = round(&mut c, &mut e);
    assert_eq!(result["resultType"], "input_required");
    let answers = json!({"who":{"action":"accept","content":{"name":"Cy"}}});
    let retry_id = c.retry(T0, &id, answers.clone()).unwrap();
    assert_ne!(retry_id, id, "a retry is a new request");
    assert!(
        c.retry(T0, &id, answers.clone()).is_err(),
        "one retry per result"
    );
    let (sent, _, done) = round(&mut c, &mut e);
    assert_eq!(
        sent["params"]["requestState"], result["requestState"],
        "echoed exactly"
    );
    assert_eq!(sent["params"]["inputResponses"], answers);
    assert_eq!(sent["params"]["name"], first["params"]["name"]);
    assert_eq!(done["content"][0]["text"], "Hello, Cy!");
    // No requestState in the result: none in the retry.
    c.set_stateless(
        ProtocolVersion::V2026_07_28,
        json!({"sampling":{}}),
        json!({"name":"c","version":"1"}),
    );
    let mut keyless = Engine::new(Arc::new(fixtures()), EngineConfig::default());
    c.request(
        T0,
        "tools/call",
        Some(json!({"name":"sample","arguments":{}})),
    );
    let (_, id, result) = round(&mut c, &mut keyless);
    assert!(result.get("requestState").is_none());
    let answer =
        json!({"q":{"role":"assistant","content":{"type":"text","text":"yo"},"model":"m"}});
    c.retry(T0, &id, answer).unwrap();
    let (sent, _, done) = round(&mut c, &mut keyless);
    assert!(sent["params"].get("requestState").is_none());
    assert_eq!(done["content"][0]["text"], "yo");
}

// ---------------------------------------------------------------- HTTP

fn http_server(replay: ReplayConfig) -> HttpServer {
    let mut config = HttpConfig::default();
    config.engine.state_key = Some(StateKey::new([3; 32]));
    config.replay = replay;
    config.sse_retry = Duration::from_millis(250);
    let mut n = 0;
    HttpServer::new(Arc::new(fixtures()), config, move || {
        n += 1;
        format!("s{n}")
    })
}

fn parse(method: &str, headers: &[(&str, &str)], body: &[u8]) -> IncomingRequest {
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

fn post_modern(
    h: &mut HttpServer,
    name: &str,
    args: Value,
    extra: &[(&str, &str)],
) -> HttpResponse {
    let body = modern(
        1,
        "tools/call",
        json!({"name": name, "arguments": args}),
        json!({}),
    );
    let body = body.to_string();
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", MODERN),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", name),
    ];
    headers.extend_from_slice(extra);
    h.handle_request(
        T0,
        &parse("POST", &headers, body.as_bytes()),
        body.as_bytes(),
    )
}

fn code(r: &HttpResponse) -> Option<i64> {
    let HttpBody::Full(b) = &r.body else {
        return None;
    };
    serde_json::from_slice::<Value>(b).ok()?["error"]["code"].as_i64()
}

#[test]
fn param_headers_are_checked_against_the_body() {
    let mut h = http_server(ReplayConfig::default());
    let ok = |r: &HttpResponse| r.status == 200 && code(r).is_none();
    assert!(ok(&post_modern(
        &mut h,
        "route",
        json!({"region":"eu"}),
        &[("Mcp-Param-Region", "eu")]
    )));
    // Names are case-insensitive; integers compare numerically.
    assert!(ok(&post_modern(
        &mut h,
        "route",
        json!({"n": 42}),
        &[("mcp-param-n", "42.0")]
    )));
    assert!(ok(&post_modern(
        &mut h,
        "route",
        json!({"region":"Hello, 世界"}),
        &[("Mcp-Param-Region", "=?base64?SGVsbG8sIOS4lueVjA==?=")]
    )));
    // Not in the body: no header expected.
    assert!(ok(&post_modern(&mut h, "route", json!({}), &[])));
    for (args, headers) in [
        (json!({"region":"eu"}), vec![]),
        (json!({"region":"eu"}), vec![("Mcp-Param-Region", "us")]),
        (
            json!({"region":"Hello"}),
            vec![("Mcp-Param-Region", "=?base64?SGVsbG8?=")],
        ),
        (
            json!({"region":"Hello"}),
            vec![("Mcp-Param-Region", "=?base64?SGVs!!!bG8=?=")],
        ),
        (json!({}), vec![("Mcp-Param-Region", "eu")]),
        (json!({"n": 42}), vec![("Mcp-Param-N", "43")]),
    ] {
        let r = post_modern(&mut h, "route", args.clone(), &headers);
        assert_eq!(
            (r.status, code(&r)),
            (400, Some(-32020)),
            "{args} {headers:?}"
        );
    }
    // A 2026-07-28 request (by its header) without _meta: -32602 with its id.
    let body = br#"{"jsonrpc":"2.0","id":77,"method":"tools/list","params":{}}"#;
    let req = parse(
        "POST",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("MCP-Protocol-Version", MODERN),
            ("Mcp-Method", "tools/list"),
        ],
        body,
    );
    let r = h.handle_request(T0, &req, body);
    assert_eq!((r.status, code(&r)), (400, Some(-32602)));
    let HttpBody::Full(b) = &r.body else { panic!() };
    assert_eq!(serde_json::from_slice::<Value>(b).unwrap()["id"], 77);
}

#[test]
fn client_mirrors_param_headers_and_drops_invalid_tools() {
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    c.set_stateless(
        ProtocolVersion::V2026_07_28,
        json!({}),
        json!({"name":"c","version":"1"}),
    );
    let id = c.client().request(T0, "tools/list", None);
    let _ = c.poll_post(T0).unwrap();
    let tools = json!({"jsonrpc":"2.0","id": id.to_value(),"result":{"tools":[
        {"name":"good","inputSchema":{"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "deep":{"type":"object","properties":{"flag":{"type":"boolean","x-mcp-header":"Flag"}}}}}},
        {"name":"bad","inputSchema":{"type":"object","properties":{
            "x":{"type":"number","x-mcp-header":"X"}}}},
        {"name":"dup","inputSchema":{"type":"object","properties":{
            "a":{"type":"string","x-mcp-header":"A"},"b":{"type":"string","x-mcp-header":"a"}}}}
    ]}});
    let mut body = c
        .handle_response_head(200, None, Some("application/json"))
        .unwrap();
    c.handle_body(T0, &mut body, tools.to_string().as_bytes())
        .unwrap();
    c.end_body(T0, body).unwrap();
    let Some(ClientEvent::Response { result: Ok(r), .. }) = c.client().poll_event() else {
        panic!()
    };
    let names: Vec<&str> = r["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["good"]);
    assert_eq!(c.rejected_tools().len(), 2);
    c.client().request(
        T0,
        "tools/call",
        Some(json!({"name":"good","arguments":{"region":" padded ","deep":{"flag":true}}})),
    );
    let post: Post = c.poll_post(T0).unwrap();
    let all: Vec<(String, String)> = post
        .all_headers()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    assert!(all.contains(&("mcp-param-region".into(), "=?base64?IHBhZGRlZCA=?=".into())));
    assert!(all.contains(&("mcp-param-flag".into(), "true".into())));
    // A null value: no header.
    c.client().request(
        T0,
        "tools/call",
        Some(json!({"name":"good","arguments":{"region":null}})),
    );
    assert!(c.poll_post(T0).unwrap().param_headers.is_empty());
}

/// Sends one POST or GET through the server and the client; returns the stream id if the
/// answer is a stream (its bytes are fed by the caller).
fn send(
    c: &mut HttpClient,
    h: &mut HttpServer,
    method: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (Option<fasterapi_mcp::http::StreamId>, ResponseBody) {
    let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = h.handle_request(T0, &parse(method, &hs, body), body);
    let sid = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("mcp-session-id"))
        .map(|(_, v)| v.clone());
    let ctype = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    let mut rb = c
        .handle_response_head(resp.status, sid.as_deref(), ctype.as_deref())
        .unwrap();
    match resp.body {
        HttpBody::Full(b) => {
            c.handle_body(T0, &mut rb, &b).unwrap();
            (None, rb)
        }
        HttpBody::Stream(id) => (Some(id), rb),
        HttpBody::Empty => (None, rb),
    }
}

fn post_next(
    c: &mut HttpClient,
    h: &mut HttpServer,
) -> (Option<fasterapi_mcp::http::StreamId>, ResponseBody) {
    let p = c.poll_post(T0).expect("a POST");
    let headers: Vec<(&str, String)> = p.all_headers().map(|(k, v)| (k, v.to_string())).collect();
    send(c, h, "POST", &headers, &p.body)
}

/// Pumps a stream into the client until it is pending or ends; whether it ended.
fn pump(
    c: &mut HttpClient,
    h: &mut HttpServer,
    id: fasterapi_mcp::http::StreamId,
    body: &mut ResponseBody,
) -> bool {
    loop {
        match h.poll_stream(id) {
            StreamPoll::Data(d) => c.handle_body(T0, body, &d).unwrap(),
            StreamPoll::Pending => return false,
            StreamPoll::End | StreamPoll::Unknown => return true,
        }
    }
}

fn legacy_session(c: &mut HttpClient, h: &mut HttpServer) {
    c.client().initialize(
        T0,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name":"c","version":"1"}),
    );
    let (_, body) = post_next(c, h);
    c.end_body(T0, body).unwrap();
    assert!(matches!(
        c.client().poll_event(),
        Some(ClientEvent::Response { .. })
    ));
    c.client().notify("notifications/initialized", None);
    let (_, body) = post_next(c, h);
    c.end_body(T0, body).unwrap();
}

fn finish_slow(h: &mut HttpServer) {
    while let Some((key, ev)) = h.poll_event() {
        if let Event::ToolCall { id, .. } = ev {
            h.engine_mut(&key)
                .unwrap()
                .complete(&id, CallToolResult::text("late"))
                .unwrap();
        }
    }
}

fn answer(c: &mut HttpClient) -> Value {
    loop {
        match c.client().poll_event() {
            Some(ClientEvent::Response { result, .. }) => return result.unwrap(),
            Some(_) => {}
            None => panic!("no answer"),
        }
    }
}

#[test]
fn a_dropped_post_stream_is_replayed_after_last_event_id() {
    let mut h = http_server(ReplayConfig::default());
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    legacy_session(&mut c, &mut h);
    c.client().request(
        T0,
        "tools/call",
        Some(json!({"name":"slow","arguments":{}})),
    );
    let (Some(stream), mut body) = post_next(&mut c, &mut h) else {
        panic!("an SSE answer")
    };
    assert!(
        !pump(&mut c, &mut h, stream, &mut body),
        "primed, then waiting"
    );
    // The connection drops: not a cancellation; the answer comes meanwhile.
    h.close_stream(T0, stream);
    c.end_body(T0, body).unwrap();
    finish_slow(&mut h);
    assert!(h.poll_event().is_none(), "no Cancelled event");
    let at = c
        .resume_at()
        .expect("the client resumes (it saw an event id)");
    let get = c.poll_resume(at).expect("GET with Last-Event-ID");
    assert!(
        get.iter()
            .any(|(k, v)| *k == "Last-Event-ID" && v.starts_with(&format!("{}-", 1)))
    );
    let (Some(replay), mut body) = send(&mut c, &mut h, "GET", &get, b"") else {
        panic!()
    };
    assert!(
        pump(&mut c, &mut h, replay, &mut body),
        "a finished stream replays and ends"
    );
    c.end_body(T0, body).unwrap();
    assert_eq!(answer(&mut c)["content"][0]["text"], "late");
}

#[test]
fn a_paused_stream_sends_retry_and_resumes_live() {
    let mut h = http_server(ReplayConfig::default());
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    legacy_session(&mut c, &mut h);
    // A second stream, whose events must never show up on the first's resumption.
    let key = EngineKey::Session(c.session_id().unwrap().to_string());
    c.client().request(
        T0,
        "tools/call",
        Some(json!({"name":"slow","arguments":{}})),
    );
    let (Some(stream), mut body) = post_next(&mut c, &mut h) else {
        panic!()
    };
    let call = loop {
        match h.poll_event() {
            Some((_, Event::ToolCall { id, .. })) => break id,
            Some(_) => {}
            None => panic!("the deferred call"),
        }
    };
    assert!(h.pause_stream(&key, Some(&call)));
    assert!(
        pump(&mut c, &mut h, stream, &mut body),
        "the server ended the connection"
    );
    c.end_body(T0, body).unwrap();
    assert_eq!(
        c.resume_at(),
        Some(T0.saturating_add(Duration::from_millis(250))),
        "its retry"
    );
    // A notification for the whole session goes elsewhere (no GET stream: dropped).
    h.engine_mut(&key).unwrap().notify_list_changed("tools");
    let get = c
        .poll_resume(T0.saturating_add(Duration::from_millis(250)))
        .unwrap();
    let (Some(again), mut body) = send(&mut c, &mut h, "GET", &get, b"") else {
        panic!()
    };
    assert_eq!(again, stream, "the same stream goes on");
    assert!(!pump(&mut c, &mut h, again, &mut body));
    h.engine_mut(&key)
        .unwrap()
        .progress(&call, 1.0, None, None)
        .unwrap();
    h.engine_mut(&key)
        .unwrap()
        .complete(&call, CallToolResult::text("back"))
        .unwrap();
    assert!(pump(&mut c, &mut h, again, &mut body));
    c.end_body(T0, body).unwrap();
    assert_eq!(answer(&mut c)["content"][0]["text"], "back");
    // An id that names nothing resumable opens the standalone stream instead.
    let sid = c.session_id().unwrap().to_string();
    let get = |last: &str| {
        parse(
            "GET",
            &[
                ("Accept", "text/event-stream"),
                ("Mcp-Session-Id", &sid),
                ("Last-Event-ID", last),
            ],
            b"",
        )
    };
    let r = h.handle_request(T0, &get("nonsense"), b"");
    assert!(matches!(r.body, HttpBody::Stream(_)), "a plain GET stream");
}

#[test]
fn replay_limits_end_resumability_instead_of_leaving_holes() {
    let mut replay = ReplayConfig::default();
    replay.max_events = 1;
    let mut h = http_server(replay);
    let mut c = HttpClient::new(StdioClient::new(Duration::from_secs(10)));
    legacy_session(&mut c, &mut h);
    let key = EngineKey::Session(c.session_id().unwrap().to_string());
    // Asks for progress, so the stream carries two events after the priming one.
    c.client().request(
        T0,
        "tools/call",
        Some(json!({"name":"slow","arguments":{},"_meta":{"progressToken":1}})),
    );
    let (Some(stream), mut body) = post_next(&mut c, &mut h) else {
        panic!()
    };
    assert!(!pump(&mut c, &mut h, stream, &mut body));
    h.close_stream(T0, stream);
    c.end_body(T0, body).unwrap();
    let call = loop {
        if let Some((_, Event::ToolCall { id, .. })) = h.poll_event() {
            break id;
        }
    };
    h.engine_mut(&key)
        .unwrap()
        .progress(&call, 1.0, None, None)
        .unwrap();
    h.engine_mut(&key)
        .unwrap()
        .complete(&call, CallToolResult::text("x"))
        .unwrap();
    let get = c.poll_resume(Timestamp::MAX).unwrap();
    let (stream, _) = send(&mut c, &mut h, "GET", &get, b"");
    // The progress event was evicted by the response: no partial replay; the GET is the
    // session's standalone stream, which never carries the response.
    let stream = stream.unwrap();
    let mut seen = Vec::new();
    while let StreamPoll::Data(d) = h.poll_stream(stream) {
        seen.extend_from_slice(&d);
    }
    let text = String::from_utf8(seen).unwrap();
    assert!(!text.contains("\"x\""), "{text}");
}

#[test]
fn stateless_streams_have_no_ids_and_a_disconnect_cancels() {
    let mut h = http_server(ReplayConfig::default());
    let r = post_modern(&mut h, "slow", json!({}), &[]);
    let HttpBody::Stream(id) = r.body else {
        panic!("{r:?}")
    };
    assert!(
        matches!(h.poll_stream(id), StreamPoll::Pending),
        "no priming event"
    );
    assert!(!h.pause_stream(&EngineKey::Stateless, None));
    h.close_stream(T0, id);
    let mut cancelled = false;
    while let Some((_, ev)) = h.poll_event() {
        cancelled |= matches!(ev, Event::Cancelled { .. });
    }
    assert!(cancelled);
}
