//! The server engine's protocol rules, message by message, on a virtual clock.

use core::time::Duration;
use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_mcp::types::{Extra, Resource, ResourceContents};
use fasterapi_mcp::{
    CallToolResult, Engine, EngineConfig, Error, Event, Id, OutPayload, Server, StdioServer,
    ToolReply, schema,
};
use serde_json::{Value, json};

const T0: Timestamp = Timestamp::ZERO;
const MODERN: &str = "2026-07-28";

fn server() -> Server {
    Server::new("t", "1")
        .tool(
            "echo",
            "echo",
            schema::object().required("text", schema::string("t")),
            |c| ToolReply::Done(CallToolResult::text(c.arguments["text"].as_str().unwrap_or(""))),
        )
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer)
        .tool("ask", "needs input", schema::object(), |c| match c.input_responses {
            Some(r) => ToolReply::Done(CallToolResult::text(r["n"]["content"]["name"].to_string())),
            None => ToolReply::InputRequired {
                input_requests: serde_json::from_value(json!({
                    "n": {"method": "elicitation/create", "params": {"mode": "form", "message": "name?",
                          "requestedSchema": {"type": "object", "properties": {}}}}
                }))
                .unwrap(),
                request_state: Some("s1".into()),
            },
        })
        .tool("t2", "second", schema::object(), |_| ToolReply::Done(CallToolResult::text("")))
        .tool("t3", "third", schema::object(), |_| ToolReply::Done(CallToolResult::text("")))
        .resource(
            Resource {
                uri: "demo://r".into(),
                name: "r".into(),
                description: None,
                mime_type: None,
                extra: Extra::new(),
            },
            |u| Ok(vec![ResourceContents::text(u, "text/plain", "r")]),
        )
}

fn engine_with(config: EngineConfig) -> Engine {
    Engine::new(Arc::new(server()), config)
}

fn engine() -> Engine {
    engine_with(EngineConfig::default())
}

fn send(e: &mut Engine, v: &Value) {
    e.handle_payload(T0, v.to_string().as_bytes());
}

fn outputs(e: &mut Engine) -> Vec<Value> {
    let mut out = vec![];
    while let Some(o) = e.poll_output() {
        out.push(match o.payload {
            OutPayload::Batch(ms) => Value::Array(ms.iter().map(|m| m.to_value()).collect()),
            // A single message, maybe already encoded (the tools/call fast path).
            single => single.messages().remove(0).to_value(),
        });
    }
    out
}

fn events(e: &mut Engine) -> Vec<Event> {
    core::iter::from_fn(|| e.poll_event()).collect()
}

fn init(e: &mut Engine, version: &str) -> Value {
    send(
        e,
        &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":version,
            "capabilities":{"sampling":{}},"clientInfo":{"name":"c","version":"1"}}}),
    );
    send(
        e,
        &json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    );
    let mut out = outputs(e);
    assert_eq!(out.len(), 1);
    assert!(matches!(events(e)[..], [Event::Initialized { .. }]));
    out.remove(0)
}

fn req(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":method,"params":params})
}

fn modern(id: i64, method: &str, mut params: Value, extra_meta: Value) -> Value {
    let mut meta = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    if let (Some(m), Some(x)) = (meta.as_object_mut(), extra_meta.as_object()) {
        m.extend(x.clone());
    }
    params["_meta"] = meta;
    req(id, method, params)
}

#[test]
fn version_negotiation_answers_the_same_or_the_newest_legacy_version() {
    for (asked, got) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-11-25", "2025-11-25"),
        ("1999-01-01", "2025-11-25"),
        (MODERN, "2025-11-25"), // initialize is legacy-only
    ] {
        let mut e = engine();
        let r = init(&mut e, asked);
        assert_eq!(r["result"]["protocolVersion"], got, "{asked}");
    }
}

#[test]
fn lifecycle_errors() {
    let mut e = engine();
    send(&mut e, &req(1, "tools/list", json!({})));
    assert_eq!(
        outputs(&mut e)[0]["error"]["code"],
        -32600,
        "no session yet"
    );
    send(&mut e, &req(2, "ping", json!({})));
    assert_eq!(
        outputs(&mut e)[0]["result"],
        json!({}),
        "ping is allowed before initialize"
    );
    init(&mut e, "2025-06-18");
    send(
        &mut e,
        &req(3, "initialize", json!({"protocolVersion":"2025-06-18"})),
    );
    assert_eq!(
        outputs(&mut e)[0]["error"]["code"],
        -32600,
        "second initialize"
    );
    send(&mut e, &req(4, "server/discover", json!({})));
    assert_eq!(
        outputs(&mut e)[0]["error"]["code"],
        -32601,
        "not a legacy method"
    );
    send(&mut e, &req(5, "tasks/list", json!({})));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32601);
}

#[test]
fn batches_only_in_2025_03_26() {
    let batch = json!([req(1, "ping", json!({})), {"jsonrpc":"2.0","method":"x/y"}, req(2, "tools/list", json!({}))]);
    for (version, allowed) in [
        ("2024-11-05", false),
        ("2025-03-26", true),
        ("2025-06-18", false),
    ] {
        let mut e = engine();
        init(&mut e, version);
        send(&mut e, &batch);
        let out = outputs(&mut e);
        assert_eq!(out.len(), 1);
        if allowed {
            let arr = out[0].as_array().expect("a batch response");
            assert_eq!(arr.len(), 2, "no response for the notification");
            assert_eq!(arr[0]["id"], 1);
        } else {
            assert_eq!(out[0]["error"]["code"], -32600, "{version}");
            assert_eq!(out[0]["id"], Value::Null);
        }
    }
    // Before initialize, and in the stateless revision, batches are refused too.
    let mut e = engine();
    send(
        &mut e,
        &json!([modern(1, "tools/list", json!({}), json!({}))]),
    );
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32600);
}

#[test]
fn a_batch_waits_for_its_deferred_member() {
    let mut e = engine();
    init(&mut e, "2025-03-26");
    send(
        &mut e,
        &json!([
            req(1, "tools/call", json!({"name":"slow"})),
            req(2, "ping", json!({}))
        ]),
    );
    assert!(outputs(&mut e).is_empty(), "the batch answers as one");
    let [Event::ToolCall { id, .. }] = &events(&mut e)[..] else {
        panic!()
    };
    e.complete(id, CallToolResult::text("late")).unwrap();
    let out = outputs(&mut e);
    assert_eq!(out[0].as_array().map(Vec::len), Some(2));
    // A batch of notifications only gets nothing back.
    send(
        &mut e,
        &json!([{"jsonrpc":"2.0","method":"a"}, {"jsonrpc":"2.0","method":"b"}]),
    );
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn stateless_requests_carry_their_version() {
    let mut e = engine();
    send(
        &mut e,
        &modern(
            1,
            "tools/call",
            json!({"name":"echo","arguments":{"text":"x"}}),
            json!({}),
        ),
    );
    let out = outputs(&mut e);
    assert_eq!(out[0]["result"]["resultType"], "complete");
    assert_eq!(
        out[0]["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "t"
    );
    // Unsupported version: -32022 naming what is supported.
    let mut bad = modern(2, "tools/list", json!({}), json!({}));
    bad["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    send(&mut e, &bad);
    let out = outputs(&mut e);
    assert_eq!(out[0]["error"]["code"], -32022);
    assert_eq!(out[0]["error"]["data"]["requested"], "1900-01-01");
    assert!(
        out[0]["error"]["data"]["supported"]
            .as_array()
            .unwrap()
            .contains(&json!(MODERN))
    );
    // Missing clientCapabilities: -32602.
    let mut bad = modern(3, "tools/list", json!({}), json!({}));
    bad["params"]["_meta"]
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    send(&mut e, &bad);
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32602);
    // Removed methods are unknown in 2026-07-28.
    send(&mut e, &modern(4, "ping", json!({}), json!({})));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32601);
    // Cacheable results carry the hints.
    send(&mut e, &modern(5, "tools/list", json!({}), json!({})));
    let out = outputs(&mut e);
    assert_eq!(out[0]["result"]["ttlMs"], 60_000);
    assert_eq!(out[0]["result"]["cacheScope"], "public");
}

#[test]
fn old_and_new_clients_side_by_side() {
    let mut e = engine();
    init(&mut e, "2024-11-05");
    send(&mut e, &req(1, "tools/list", json!({})));
    send(&mut e, &modern(2, "tools/list", json!({}), json!({})));
    let out = outputs(&mut e);
    assert!(
        out[0]["result"].get("resultType").is_none(),
        "legacy result"
    );
    assert_eq!(
        out[1]["result"]["resultType"], "complete",
        "stateless result"
    );
}

#[test]
fn cancellation_stops_the_answer() {
    let mut e = engine();
    init(&mut e, "2025-11-25");
    send(&mut e, &req(7, "tools/call", json!({"name":"slow"})));
    assert!(matches!(events(&mut e)[..], [Event::ToolCall { .. }]));
    send(
        &mut e,
        &json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"bored"}}),
    );
    let ev = events(&mut e);
    assert!(
        matches!(&ev[..], [Event::Cancelled { id: Id::Number(7), reason: Some(r) }] if r == "bored")
    );
    assert_eq!(
        e.complete(&Id::Number(7), CallToolResult::text("x")),
        Err(Error::UnknownRequest)
    );
    assert!(outputs(&mut e).is_empty(), "no response after cancellation");
    // Cancelling something unknown is ignored.
    send(
        &mut e,
        &json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}),
    );
    assert!(events(&mut e).is_empty() && outputs(&mut e).is_empty());
}

#[test]
fn deferred_requests_time_out() {
    let mut config = EngineConfig::default();
    config.request_timeout = Duration::from_secs(5);
    let mut e = engine_with(config);
    init(&mut e, "2025-11-25");
    send(&mut e, &req(1, "tools/call", json!({"name":"slow"})));
    let _ = events(&mut e);
    assert_eq!(e.poll_timeout(), Some(Timestamp::from_secs(5)));
    e.handle_timeout(Timestamp::from_secs(4));
    assert!(outputs(&mut e).is_empty(), "early calls are harmless");
    e.handle_timeout(Timestamp::from_secs(5));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32603);
    assert!(matches!(events(&mut e)[..], [Event::TimedOut { .. }]));
    assert_eq!(e.poll_timeout(), None);
}

#[test]
fn duplicate_in_flight_ids_are_refused() {
    let mut e = engine();
    init(&mut e, "2025-11-25");
    send(&mut e, &req(1, "tools/call", json!({"name":"slow"})));
    send(&mut e, &req(1, "ping", json!({})));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32600);
}

#[test]
fn progress_needs_a_token_and_must_increase() {
    let mut e = engine();
    init(&mut e, "2025-11-25");
    send(&mut e, &req(1, "tools/call", json!({"name":"slow"})));
    send(
        &mut e,
        &req(
            2,
            "tools/call",
            json!({"name":"slow","_meta":{"progressToken":"p"}}),
        ),
    );
    let _ = events(&mut e);
    assert_eq!(e.progress(&Id::Number(1), 1.0, None, None), Ok(false));
    assert_eq!(
        e.progress(&Id::Number(2), 1.0, Some(2.0), Some("m")),
        Ok(true)
    );
    assert_eq!(
        e.progress(&Id::Number(2), 1.0, None, None),
        Err(Error::ProgressNotIncreasing)
    );
    let out = outputs(&mut e);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0]["params"],
        json!({"progressToken":"p","progress":1.0,"total":2.0,"message":"m"})
    );
}

#[test]
fn pagination_walks_every_page() {
    let mut config = EngineConfig::default();
    config.page_size = 2;
    let mut e = engine_with(config);
    init(&mut e, "2025-11-25");
    let mut names = vec![];
    let mut cursor = Value::Null;
    for id in 1..10 {
        send(&mut e, &req(id, "tools/list", json!({"cursor": cursor})));
        let out = outputs(&mut e);
        for t in out[0]["result"]["tools"].as_array().unwrap() {
            names.push(t["name"].as_str().unwrap().to_string());
        }
        cursor = out[0]["result"]
            .get("nextCursor")
            .cloned()
            .unwrap_or(Value::Null);
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(names, ["echo", "slow", "ask", "t2", "t3"]);
    send(&mut e, &req(20, "tools/list", json!({"cursor":"zz"})));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32602);
}

#[test]
fn server_requests_need_the_capability_and_time_out() {
    let mut e = engine();
    init(&mut e, "2025-11-25"); // declared sampling only
    assert!(matches!(
        e.request(T0, "roots/list", None, None),
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        e.request(T0, "tools/list", None, None),
        Err(Error::NotAllowed { .. })
    ));
    let id = e
        .request(
            T0,
            "sampling/createMessage",
            Some(json!({"messages":[],"maxTokens":1})),
            None,
        )
        .unwrap();
    let out = outputs(&mut e);
    assert_eq!(out[0]["method"], "sampling/createMessage");
    send(&mut e, &json!({"jsonrpc":"2.0","id":id,"result":{"ok":1}}));
    assert!(matches!(
        &events(&mut e)[..],
        [Event::Response { result: Ok(_), .. }]
    ));
    let id = e.request(T0, "ping", None, None).unwrap();
    let _ = outputs(&mut e);
    let at = e.poll_timeout().unwrap();
    e.handle_timeout(at);
    let out = outputs(&mut e);
    assert_eq!(out[0]["method"], "notifications/cancelled");
    assert_eq!(out[0]["params"]["requestId"], id);
    assert!(matches!(
        &events(&mut e)[..],
        [Event::Response { result: Err(_), .. }]
    ));
}

#[test]
fn subscriptions_listen_acknowledges_then_tags_notifications() {
    let mut e = engine();
    send(
        &mut e,
        &modern(
            9,
            "subscriptions/listen",
            json!({"notifications":{"toolsListChanged":true,"promptsListChanged":true,"resourceSubscriptions":["demo://r"]}}),
            json!({}),
        ),
    );
    let out = outputs(&mut e);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        out[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        9
    );
    assert!(
        out[0]["params"].get("promptsListChanged").is_none(),
        "no prompts: not acknowledged"
    );
    e.notify_list_changed("tools");
    e.notify_list_changed("prompts");
    e.notify_resource_updated("demo://r");
    e.notify_resource_updated("demo://other");
    let out = outputs(&mut e);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["method"], "notifications/tools/list_changed");
    assert_eq!(out[1]["params"]["uri"], "demo://r");
    assert!(
        out.iter()
            .all(|m| m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == 9)
    );
    e.close();
    let out = outputs(&mut e);
    assert_eq!(
        out[0]["id"], 9,
        "graceful end: the listen request gets its response"
    );
    assert_eq!(out[0]["result"]["resultType"], "complete");
}

#[test]
fn legacy_subscriptions_and_logging() {
    let mut e = engine();
    init(&mut e, "2025-11-25");
    e.notify_resource_updated("demo://r");
    assert!(outputs(&mut e).is_empty(), "not subscribed");
    send(
        &mut e,
        &req(1, "resources/subscribe", json!({"uri":"demo://r"})),
    );
    let _ = outputs(&mut e);
    e.notify_resource_updated("demo://r");
    assert_eq!(
        outputs(&mut e)[0]["method"],
        "notifications/resources/updated"
    );
    use fasterapi_mcp::types::LoggingLevel;
    assert!(!e.log(None, LoggingLevel::Debug, None, json!("hidden at info")));
    send(
        &mut e,
        &req(2, "logging/setLevel", json!({"level":"debug"})),
    );
    let _ = outputs(&mut e);
    assert!(e.log(None, LoggingLevel::Debug, Some("l"), json!("shown")));
    assert_eq!(outputs(&mut e)[0]["params"]["logger"], "l");
}

#[test]
fn stateless_logging_needs_a_per_request_level() {
    use fasterapi_mcp::types::LoggingLevel;
    let mut e = engine();
    send(
        &mut e,
        &modern(1, "tools/call", json!({"name":"slow"}), json!({})),
    );
    send(
        &mut e,
        &modern(
            2,
            "tools/call",
            json!({"name":"slow"}),
            json!({"io.modelcontextprotocol/logLevel":"warning"}),
        ),
    );
    let _ = events(&mut e);
    assert!(!e.log(Some(&Id::Number(1)), LoggingLevel::Error, None, json!("x")));
    assert!(!e.log(Some(&Id::Number(2)), LoggingLevel::Info, None, json!("x")));
    assert!(e.log(Some(&Id::Number(2)), LoggingLevel::Error, None, json!("x")));
    assert!(!e.log(None, LoggingLevel::Emergency, None, json!("no session")));
    assert_eq!(outputs(&mut e).len(), 1);
}

#[test]
fn input_required_round_trip() {
    let mut config = EngineConfig::default();
    config.state_key = Some(fasterapi_mcp::mrtr::StateKey::new([7; 32]));
    let mut e = engine_with(config);
    send(
        &mut e,
        &modern(1, "tools/call", json!({"name":"ask"}), json!({})),
    );
    let out = outputs(&mut e);
    assert_eq!(out[0]["error"]["code"], -32021, "elicitation not declared");
    assert_eq!(
        out[0]["error"]["data"]["requiredCapabilities"],
        json!({"elicitation":{}})
    );
    let mut r = modern(2, "tools/call", json!({"name":"ask"}), json!({}));
    r["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation":{}});
    send(&mut e, &r);
    let out = outputs(&mut e);
    assert_eq!(out[0]["result"]["resultType"], "input_required");
    // The handler's state travels sealed (mrtr): opaque to the client.
    let state = out[0]["result"]["requestState"].clone();
    assert!(state.as_str().is_some_and(|s| !s.contains("s1")));
    let mut retry = r.clone();
    retry["id"] = json!(3);
    retry["params"]["inputResponses"] = json!({"n":{"action":"accept","content":{"name":"Ada"}}});
    retry["params"]["requestState"] = state;
    send(&mut e, &retry);
    let out = outputs(&mut e);
    assert_eq!(out[0]["result"]["content"][0]["text"], "\"Ada\"");
    // The legacy revisions cannot carry it.
    let mut e = engine();
    init(&mut e, "2025-11-25");
    send(&mut e, &req(1, "tools/call", json!({"name":"ask"})));
    assert_eq!(outputs(&mut e)[0]["error"]["code"], -32603);
}

#[test]
fn malformed_input_is_answered_not_fatal() {
    let mut e = engine();
    e.handle_payload(T0, b"{not json");
    e.handle_payload(T0, br#"{"jsonrpc":"2.0","id":5,"method":7}"#);
    let out = outputs(&mut e);
    assert_eq!(
        (out[0]["error"]["code"].clone(), out[0]["id"].clone()),
        (json!(-32700), Value::Null)
    );
    assert_eq!(
        (out[1]["error"]["code"].clone(), out[1]["id"].clone()),
        (json!(-32600), json!(5))
    );
    // Responses to unknown ids and id-less errors are ignored.
    e.handle_payload(T0, br#"{"jsonrpc":"2.0","id":77,"result":{}}"#);
    e.handle_payload(
        T0,
        br#"{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}}"#,
    );
    assert!(outputs(&mut e).is_empty() && events(&mut e).is_empty());
}

fn stdio_run(chunks: &[&[u8]]) -> Vec<u8> {
    let mut s = StdioServer::new(engine(), 1024);
    let mut out = vec![];
    let mut buf = [0u8; 7]; // tiny on purpose: output continues across calls
    for c in chunks {
        s.handle_input(T0, c).unwrap();
        loop {
            let n = s.poll_transmit(T0, &mut buf);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

#[test]
fn stdio_is_split_invariant_and_limited() {
    let mut input = Vec::new();
    for i in 0..5 {
        input.extend_from_slice(
            modern(
                i,
                "tools/call",
                json!({"name":"echo","arguments":{"text":"é\n"}}),
                json!({}),
            )
            .to_string()
            .as_bytes(),
        );
        input.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
    }
    let whole = stdio_run(&[&input]);
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(stdio_run(&bytewise), whole);
    let lines: Vec<&[u8]> = whole
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 5);
    for l in lines {
        let v: Value = serde_json::from_slice(l).unwrap();
        assert_eq!(v["result"]["content"][0]["text"], "é\n");
    }
    let mut s = StdioServer::new(engine(), 64);
    assert_eq!(
        s.handle_input(T0, &[b'x'; 100]),
        Err(Error::LineTooLong { limit: 64 })
    );
    assert!(s.is_closed());
    let mut s = StdioServer::new(engine(), 64);
    s.handle_eof(T0).unwrap();
    assert!(s.is_closed(), "stdin closed: the server ends");
}
