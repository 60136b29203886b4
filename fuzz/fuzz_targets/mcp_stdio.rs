//! The MCP stdio server machine over arbitrary bytes: never panics; gives the same output
//! whether the input arrives whole or in fuzzer-chosen pieces; every output line is one
//! JSON-RPC 2.0 message (or batch) with no embedded newline.
#![no_main]

use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Server, StdioServer, ToolReply, schema};
use libfuzzer_sys::fuzz_target;

fn machine() -> StdioServer {
    let server = Server::new("fuzz", "1")
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
    StdioServer::new(Engine::new(Arc::new(server), EngineConfig::default()), 4096)
}

fn run(input: &[u8], step: usize) -> (Vec<u8>, bool) {
    let mut m = machine();
    let now = Timestamp::from_secs(1);
    let mut out = Vec::new();
    let mut buf = [0u8; 61];
    let mut failed = false;
    for piece in input.chunks(step) {
        if m.handle_input(now, piece).is_err() {
            failed = true;
        }
        while m.poll_event().is_some() {}
        loop {
            let n = m.poll_transmit(now, &mut buf);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        if failed {
            break;
        }
    }
    (out, failed)
}

fuzz_target!(|input: &[u8]| {
    if input.is_empty() {
        return;
    }
    let step = usize::from(input[0] % 13) + 1;
    let body = &input[1..];
    let whole = run(body, body.len().max(1));
    let pieces = run(body, step);
    assert_eq!(whole, pieces, "split invariance");
    for line in whole.0.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).expect("valid JSON out");
        let msgs = match &v {
            serde_json::Value::Array(a) => a.clone(),
            _ => vec![v.clone()],
        };
        for m in msgs {
            assert_eq!(m["jsonrpc"], "2.0");
        }
    }
});
