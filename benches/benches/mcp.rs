//! fasterapi-mcp: an in-process `tools/call` round trip with a 1 KiB JSON argument.
//!
//! * `engine`: request bytes → `Engine::handle_payload` → `poll_output` → response bytes;
//! * `stdio`: the same through the `StdioServer` stream machine (line framing, caller buffer);
//! * both for a legacy (2025-11-25 session) and a stateless (2026-07-28 `_meta`) request;
//! * anchor `rmcp/stateless`: the same tool on rmcp 3 (the official Rust SDK), served with
//!   `serve_directly` over an in-memory `tokio::io::duplex` on a current-thread runtime; the
//!   bench writes the same request line and reads the response line.
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
    let mut line =
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":params}).to_string();
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
    e.handle_payload(
        now,
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    while e.poll_output().is_some() {}
    while e.poll_event().is_some() {}
    e
}

mod anchor {
    use rmcp::model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities,
        ServerConfig,
    };
    use rmcp::service::{RequestContext, RunningService, serve_directly};
    use rmcp::{ErrorData, RoleServer, ServerHandler};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, WriteHalf};

    /// The same tool as ours: answers the length of `text`.
    #[derive(Clone)]
    pub(crate) struct Echo;

    impl ServerHandler for Echo {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        }

        async fn call_tool(
            &self,
            request: CallToolRequestParams,
            _context: RequestContext<RoleServer>,
        ) -> Result<CallToolResponse, ErrorData> {
            let n = request
                .arguments
                .as_ref()
                .and_then(|a| a.get("text"))
                .and_then(|t| t.as_str())
                .map_or(0, str::len);
            Ok(CallToolResult::success(vec![ContentBlock::text(n.to_string())]).into())
        }
    }

    /// The bench's end of the duplex, and the running server.
    pub(crate) struct Peer {
        pub(crate) lines: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
        pub(crate) write: WriteHalf<DuplexStream>,
        _server: RunningService<RoleServer, Echo>,
    }

    pub(crate) fn start() -> Peer {
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        let server = serve_directly::<RoleServer, _, _, _, _>(Echo, theirs, None);
        let (read, write) = tokio::io::split(ours);
        Peer {
            lines: BufReader::new(read).lines(),
            write,
            _server: server,
        }
    }

    pub(crate) async fn round_trip(peer: &mut Peer, request: &[u8]) -> String {
        peer.write.write_all(request).await.expect("write");
        peer.lines
            .next_line()
            .await
            .expect("read")
            .expect("a response line")
    }
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
                stdio
                    .handle_input(Timestamp::ZERO, black_box(&req))
                    .expect("input");
                let n = stdio.poll_transmit(Timestamp::ZERO, &mut buf);
                assert!(n > 0);
                black_box(&buf[..n]);
            });
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let req = request(true);
    let mut peer = rt.block_on(async { anchor::start() });
    let first = rt.block_on(anchor::round_trip(&mut peer, &req));
    assert!(first.contains("1013"), "rmcp answers the same: {first}");
    g.bench_function("rmcp/stateless", |b| {
        b.iter(|| black_box(rt.block_on(anchor::round_trip(&mut peer, black_box(&req)))));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
