//! The `tools/call` hot path through the public API: heap allocations per round trip
//! (counted by a global allocator that wraps the system one), and the JSON-RPC error codes
//! of malformed `tools/call` requests, which the typed parse leaves to the general path.
// A `GlobalAlloc` impl is unsafe by definition; this one only counts and forwards to `System`.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use std::alloc::System;
use std::sync::Arc;

use fasterapi_core::{StreamMachine, Timestamp};
use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Server, StdioServer, ToolReply, schema};
use serde_json::{Value, json};

/// Counts the allocations (`alloc`, `alloc_zeroed`, `realloc`) of the thread that asked.
struct Counting;

std::thread_local! {
    static COUNT: Cell<Option<u64>> = const { Cell::new(None) };
}

fn count() {
    // `try_with`: the allocator may run while the thread's locals are torn down.
    let _ = COUNT.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// caller's contract is `System`'s; counting touches only a const-initialized thread local
// without a destructor, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(Some(0)));
    f();
    COUNT.with(|c| c.replace(None)).unwrap_or(0)
}

/// The bench's server: one tool answering the length of its text.
fn server() -> Arc<Server> {
    Arc::new(Server::new("bench", "1").tool(
        "echo",
        "echoes the length of its text",
        schema::object().required("text", schema::string("1 KiB of text")),
        |call| {
            let n = call.arguments["text"].as_str().map_or(0, str::len);
            ToolReply::Done(CallToolResult::text(n.to_string()))
        },
    ))
}

/// The bench's request: 1 KiB of arguments; `modern` adds the 2026-07-28 `_meta`.
fn request(modern: bool) -> Vec<u8> {
    let args = json!({ "text": "x".repeat(1024 - 11) });
    let mut params = json!({ "name": "echo", "arguments": args });
    if modern {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        });
    }
    json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":params})
        .to_string()
        .into_bytes()
}

fn initialized() -> Engine {
    let mut e = Engine::new(server(), EngineConfig::default());
    e.handle_payload(
        Timestamp::ZERO,
        br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}"#,
    );
    e.handle_payload(
        Timestamp::ZERO,
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    while e.poll_output().is_some() {}
    while e.poll_event().is_some() {}
    e
}

/// One engine round trip; the response in `out`.
fn round_trip(e: &mut Engine, req: &[u8], out: &mut Vec<u8>) {
    e.handle_payload(Timestamp::ZERO, req);
    out.clear();
    e.poll_output().expect("a response").payload.encode(out);
}

/// Allocations per round trip, after a warm-up that sizes the queues and buffers.
fn per_round_trip(modern: bool) -> u64 {
    let (mut e, req, mut out) = (initialized(), request(modern), Vec::with_capacity(4096));
    for _ in 0..10 {
        round_trip(&mut e, &req, &mut out);
    }
    let n = allocations(|| {
        for _ in 0..100 {
            round_trip(&mut e, &req, &mut out);
        }
    });
    let reply: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(reply["result"]["content"][0]["text"], "1013");
    n / 100
}

// What is left per round trip, legacy: the arguments map (node, key, the 1 KiB string), the
// params map put together for the engine (node, three keys, the name), the method string;
// the handler's result (its `Vec` and `String`); the encoded response. Stateless adds the
// `_meta` map (node, two keys, the version) and the per-request capabilities `Arc`.
//
// serde_json's `preserve_order` feature (the CLI turns it on, and `cargo test --workspace` unifies
// it into this crate) makes every map an `IndexMap`: an entries `Vec` beside the hash table, one
// more allocation per non-empty map (arguments and params; stateless also `_meta`).
#[test]
fn allocations_per_tools_call_stay_bounded() {
    let mut probe = serde_json::Map::new();
    probe.insert("b".into(), Value::Null);
    probe.insert("a".into(), Value::Null);
    let index_maps = u64::from(probe.keys().next().map(String::as_str) == Some("b"));
    let legacy = per_round_trip(false);
    let stateless = per_round_trip(true);
    assert!(
        legacy <= 12 + 2 * index_maps,
        "legacy: {legacy} allocations per round trip"
    );
    assert!(
        stateless <= 18 + 3 * index_maps,
        "stateless: {stateless} allocations per round trip"
    );
}

#[test]
fn stdio_round_trip_allocates_no_more_than_the_engine() {
    let mut stdio = StdioServer::new(initialized(), 1 << 20);
    let mut req = request(false);
    req.push(b'\n');
    let mut buf = vec![0u8; 4096];
    let mut trip = |stdio: &mut StdioServer| {
        stdio.handle_input(Timestamp::ZERO, &req).expect("input");
        let n = stdio.poll_transmit(Timestamp::ZERO, &mut buf);
        assert!(n > 0 && buf[n - 1] == b'\n');
    };
    for _ in 0..10 {
        trip(&mut stdio);
    }
    let n = allocations(|| {
        for _ in 0..100 {
            trip(&mut stdio);
        }
    }) / 100;
    assert!(
        n <= per_round_trip(false),
        "stdio: {n} allocations per round trip"
    );
}

/// Malformed `tools/call` requests get the general path's codes (JSON-RPC 2.0 §5.1, MCP).
#[test]
fn malformed_tools_calls_keep_their_error_codes() {
    let cases: &[(&[u8], Value, i64)] = &[
        (br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo""#, Value::Null, -32700),
        (b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"\xff\"}}", Value::Null, -32700),
        (br#"{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"echo"}}"#, Value::Null, -32600),
        (br#"{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"echo"}}"#, Value::Null, -32600),
        (br#"{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#, json!(1), -32600),
        (br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":"x"}"#, json!(2), -32600),
        (br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}"#, json!(3), -32602),
        (br#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"nope"}}"#, json!(4), -32602),
        (br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":[]}}"#, json!(5), -32602),
        (br#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}"#, json!(6), -32022),
        (br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#, json!(7), -32602),
    ];
    for (input, id, code) in cases {
        let mut e = initialized();
        e.handle_payload(Timestamp::ZERO, input);
        let mut out = Vec::new();
        e.poll_output().expect("an answer").payload.encode(&mut out);
        let reply: Value = serde_json::from_slice(&out).expect("JSON");
        let what = String::from_utf8_lossy(input);
        assert_eq!(reply["id"], *id, "{what}");
        assert_eq!(reply["error"]["code"], *code, "{what}: {reply}");
    }
    // Before initialize, without _meta: no session (-32600); a wrong argument type is a tool
    // error (isError), not a protocol error.
    let mut e = Engine::new(server(), EngineConfig::default());
    e.handle_payload(Timestamp::ZERO, &request(false));
    let mut out = Vec::new();
    e.poll_output().expect("an answer").payload.encode(&mut out);
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["error"]["code"],
        -32600
    );
    let mut e = initialized();
    e.handle_payload(
        Timestamp::ZERO,
        br#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"text":5}}}"#,
    );
    out.clear();
    e.poll_output().expect("an answer").payload.encode(&mut out);
    let reply: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(reply["result"]["isError"], true, "{reply}");
}
