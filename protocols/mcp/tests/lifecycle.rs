//! Lifecycle scenarios, deterministic on `fasterapi_core::testing::Pair` (our client machine
//! against our stdio server on a virtual clock), each one a bug class reported against rmcp's
//! session handling: the engine must answer, never drop the connection or deadlock.

use core::time::Duration;
use std::sync::Arc;

use fasterapi_core::testing::Pair;
use fasterapi_core::{Machine, Timestamp};
use fasterapi_mcp::{
    CallToolResult, ClientEvent, Engine, EngineConfig, Event, Id, ProtocolVersion, Server,
    StdioClient, StdioServer, ToolReply, schema,
};
use serde_json::{Value, json};

fn pair() -> Pair<StdioClient, StdioServer> {
    let server = Server::new("t", "1")
        .tool("echo", "echo", schema::object(), |_| {
            ToolReply::Done(CallToolResult::text("e"))
        })
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer);
    let engine = Engine::new(Arc::new(server), EngineConfig::default());
    Pair::new(
        StdioClient::new(Duration::from_secs(30)),
        StdioServer::new(engine, 1 << 20),
    )
    .with_chunk_size(7)
}

fn info() -> Value {
    json!({"name":"pair","version":"1"})
}

/// The responses the client received, by id.
fn responses(p: &mut Pair<StdioClient, StdioServer>) -> Vec<(Id, Result<Value, i64>)> {
    p.client
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Response { id, result, .. } => {
                Some((id, result.map_err(|e| e.code.get())))
            }
            _ => None,
        })
        .collect()
}

fn start(p: &mut Pair<StdioClient, StdioServer>, version: ProtocolVersion) {
    let now = p.now();
    p.client
        .machine
        .initialize(now, version, json!({"sampling":{}}), info());
    p.drive();
    let r = responses(p);
    assert_eq!(r.len(), 1);
    assert!(r[0].1.is_ok());
}

#[test]
fn set_level_and_requests_before_initialized_are_served() {
    // rmcp #613 / #704 (logging/setLevel before notifications/initialized) and #783 (any
    // request before it): the handshake must survive, the requests be answered.
    let mut p = pair();
    start(&mut p, ProtocolVersion::V2025_11_25);
    let now = p.now();
    let a = p
        .client
        .machine
        .request(now, "logging/setLevel", Some(json!({"level":"info"})));
    let b = p.client.machine.request(now, "tools/list", None);
    p.drive();
    p.client.machine.notify("notifications/initialized", None);
    let c = p
        .client
        .machine
        .request(now, "tools/call", Some(json!({"name":"echo"})));
    p.drive();
    let r = responses(&mut p);
    let ids: Vec<&Id> = r.iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [&a, &b, &c]);
    assert!(r.iter().all(|(_, res)| res.is_ok()), "{r:?}");
    assert!(!p.server.is_closed() && p.server.error.is_none());
    assert!(matches!(
        p.server.take_events()[..],
        [Event::Initialized { .. }]
    ));
}

#[test]
fn discover_before_initialize_is_answered_and_the_handshake_still_works() {
    // A modern client's probe as the first message must get an answer, not a dropped
    // connection (rmcp < 3 terminated the session); a legacy handshake may follow.
    let mut p = pair();
    p.client
        .machine
        .set_stateless(ProtocolVersion::V2026_07_28, json!({}), info());
    let now = p.now();
    p.client.machine.request(now, "server/discover", None);
    p.drive();
    let r = responses(&mut p);
    let versions = r[0].1.as_ref().unwrap()["supportedVersions"].clone();
    assert!(versions.as_array().unwrap().contains(&json!("2025-11-25")));
    // initialize is never stamped with the modern _meta: the same connection goes legacy.
    start(&mut p, ProtocolVersion::V2025_06_18);
    assert_eq!(
        p.server.machine.engine().negotiated_version(),
        Some(ProtocolVersion::V2025_06_18)
    );
    assert!(!p.server.is_closed());
}

#[test]
fn a_malformed_first_message_gets_an_error_not_a_closed_connection() {
    // rmcp 3.1: `initialize` with `{}` params, or a first request without `_meta`, ended the
    // connection with nothing written. Here each gets a JSON-RPC error and the session goes on.
    let mut p = pair();
    let now = p.now();
    let bad = p.client.machine.request(now, "initialize", Some(json!({})));
    let early = p.client.machine.request(now, "tools/list", None);
    p.drive();
    let r = responses(&mut p);
    assert_eq!(r, vec![(bad, Err(-32602)), (early, Err(-32600))]);
    start(&mut p, ProtocolVersion::V2025_11_25);
}

#[test]
fn progress_from_the_very_first_request_does_not_deadlock() {
    // rmcp #1261: a modern tools/call as the first message whose handler sends progress
    // before returning deadlocked. Here: progress, then the result.
    let mut p = pair();
    p.client
        .machine
        .set_stateless(ProtocolVersion::V2026_07_28, json!({}), info());
    let now = p.now();
    let id = p.client.machine.request(
        now,
        "tools/call",
        Some(json!({"name":"slow","_meta":{"progressToken":"t"}})),
    );
    p.drive();
    let [
        Event::ToolCall {
            id: call,
            wants_progress: true,
            ..
        },
    ] = &p.server.take_events()[..]
    else {
        panic!("a deferred call")
    };
    let engine = p.server.machine.engine();
    assert!(engine.progress(call, 1.0, Some(2.0), None).unwrap());
    assert!(engine.progress(call, 2.0, Some(2.0), None).unwrap());
    engine.complete(call, CallToolResult::text("done")).unwrap();
    p.drive();
    let events = p.client.take_events();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            ClientEvent::Notification(n) => n.method.as_str(),
            ClientEvent::Response { .. } => "response",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "notifications/progress",
            "notifications/progress",
            "response"
        ]
    );
    let ClientEvent::Response {
        id: got,
        result: Ok(r),
        ..
    } = &events[2]
    else {
        panic!()
    };
    assert_eq!((got, &r["resultType"]), (&id, &json!("complete")));
}

#[test]
fn cancellation_targets_the_clients_request_not_the_servers() {
    // rmcp #1251: a cancellation for id N must cancel the peer's request N, not our own
    // outgoing request that happens to carry the same id.
    let mut p = pair();
    start(&mut p, ProtocolVersion::V2025_11_25);
    p.client.machine.notify("notifications/initialized", None);
    p.drive();
    let _ = p.server.take_events();
    let now = p.now();
    // The server's first outgoing request gets id 1; the client's tools/call below has id 2.
    let out = p
        .server
        .machine
        .engine()
        .request(
            now,
            "sampling/createMessage",
            Some(json!({"messages":[],"maxTokens":1})),
            None,
        )
        .unwrap();
    assert_eq!(out, 1);
    let call = p
        .client
        .machine
        .request(now, "tools/call", Some(json!({"name":"slow"})));
    p.drive();
    let sampling = p
        .client
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Request(r) => Some(r),
            _ => None,
        })
        .expect("the sampling request reached the client");
    p.client.machine.cancel(&call, "changed my mind").unwrap();
    p.drive();
    let ev = p.server.take_events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Cancelled { id, .. } if *id == call)),
        "{ev:?}"
    );
    // The outgoing request is still waiting: its answer is delivered.
    p.client.machine.respond(
        sampling.id,
        Ok(json!({"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"})),
    );
    p.drive();
    let ev = p.server.take_events();
    assert!(
        matches!(
            &ev[..],
            [Event::Response {
                id: 1,
                result: Ok(_)
            }]
        ),
        "{ev:?}"
    );
    // And the cancelled call is never answered.
    assert!(
        p.server
            .machine
            .engine()
            .complete(&call, CallToolResult::text("late"))
            .is_err()
    );
    p.drive();
    assert!(responses(&mut p).is_empty());
}

#[test]
fn timeouts_on_both_sides_are_driven_by_the_virtual_clock() {
    let mut p = pair();
    start(&mut p, ProtocolVersion::V2025_11_25);
    let now = p.now();
    let id = p
        .client
        .machine
        .request(now, "tools/call", Some(json!({"name":"slow"})));
    p.drive();
    let _ = p.server.take_events();
    // The client gives up first (30 s < the engine's 60 s) and cancels; the server hears it.
    let at = p.advance_to_next_timeout().expect("a timer");
    assert_eq!(at, Timestamp::from_secs(30));
    p.drive();
    let r = responses(&mut p);
    assert_eq!(r, vec![(id, Err(-32001))]);
    assert!(
        p.server
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::Cancelled { .. }))
    );
    assert_eq!(p.client.machine.in_flight(), 0);
}

#[test]
fn closing_stdin_ends_the_server_and_answers_in_flight_requests() {
    // A closed transport must not leave a request hanging: the engine answers it while
    // closing (stdio §"Shutdown").
    let mut p = pair();
    start(&mut p, ProtocolVersion::V2025_11_25);
    let now = p.now();
    let id = p
        .client
        .machine
        .request(now, "tools/call", Some(json!({"name":"slow"})));
    p.drive();
    p.server.machine.close(now);
    p.drive();
    assert_eq!(responses(&mut p), vec![(id, Err(-32603))]);
    assert!(p.server.is_closed());
}
