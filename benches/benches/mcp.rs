//! fasterapi-mcp: an in-process `tools/call` round trip with a 1 KiB JSON argument.
//!
//! * `engine`: request bytes → `Engine::handle_payload` → `poll_output` → response bytes;
//! * `stdio`: the same through the `StdioServer` stream machine (line framing, caller buffer);
//! * both for a legacy (2025-11-25 session) and a stateless (2026-07-28 `_meta`) request.
//!
//! Criterion reports the mean and median (p50) per round trip.

use core::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fasterapi_core::{StreamMachine, Timestamp};
use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Server, StdioServer, ToolReply, schema};
use serde_json::json;

fn server() -> Server {
    Server::new("bench", "1").tool(
        "echo",
        "echoes the length of its text",
        schema::object().required("text", schema::string("1 KiB of text")),
        |call| {
            let n = call.arguments["text"].as_str().map_or(0, str::len);
            ToolReply::Done(CallToolResult::text(n.to_string()))
        },
    )
}

fn request(modern: bool) -> Vec<u8> {
    let text = "x".repeat(1024 - 11); // the argument object is 1 KiB of JSON
    let args = json!({ "text": text });
    assert_eq!(args.to_string().len(), 1024);
    let mut params = json!({ "name": "echo", "arguments": args });
    if modern {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        });
    }
    let mut line = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":params}).to_string();
    line.push('\n');
    line.into_bytes()
}

fn initialized() -> Engine {
    let mut e = Engine::new(Arc::new(server()), EngineConfig::default());
    let now = Timestamp::ZERO;
    e.handle_payload(
        now,
        br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}"#,
    );
    e.handle_payload(now, br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    while e.poll_output().is_some() {}
    while e.poll_event().is_some() {}
    e
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("mcp_tools_call_1k");
    for (name, modern) in [("legacy", false), ("stateless", true)] {
        let req = request(modern);
        let body = &req[..req.len() - 1];
        let mut engine = initialized();
        let mut out = Vec::with_capacity(4096);
        g.bench_function(format!("engine/{name}"), |b| {
            b.iter(|| {
                engine.handle_payload(Timestamp::ZERO, black_box(body));
                out.clear();
                let o = engine.poll_output().expect("a response");
                o.payload.encode(&mut out);
                black_box(&out);
            });
        });
        let mut stdio = StdioServer::new(initialized(), 1 << 20);
        let mut buf = vec![0u8; 4096];
        g.bench_function(format!("stdio/{name}"), |b| {
            b.iter(|| {
                stdio.handle_input(Timestamp::ZERO, black_box(&req)).expect("input");
                let n = stdio.poll_transmit(Timestamp::ZERO, &mut buf);
                assert!(n > 0);
                black_box(&buf[..n]);
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
