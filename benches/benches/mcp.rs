//! fasterapi-mcp: an in-process `tools/call` round trip with a 1 KiB JSON argument.
//!
//! * `engine`: request bytes → `Engine::handle_payload` → `poll_output` → response bytes;
//! * `stdio`: the same through the `StdioServer` stream machine (line framing, caller buffer);
//! * both for a legacy (2025-11-25 session) and a stateless (2026-07-28 `_meta`) request;
//! * anchor `rmcp/stateless`: the same tool on rmcp 3 (the official Rust SDK), served with
//!   `serve_directly` over an in-memory `tokio::io::duplex` on a current-thread runtime; the
//!   bench writes the same request line and reads the response line.
//!
//! Criterion reports the mean (its `time:` line) and keeps the median in its estimates. After
//! the criterion groups, the bench prints its own p50 table: every round trip timed on its own
//! (`Instant` before and after, 20,001 samples per case after a warm-up), the median and p99
//! of those samples, and the ratio to rmcp's median — a p50 that does not depend on
//! criterion's mean.
//!
//! `MCP_BENCH_LOOP=<case>:<n>` runs one case `n` times and exits (no criterion, no timing):
//! run it under `valgrind --tool=callgrind` at two `n` and divide the difference of the
//! instruction counts by the difference of `n` for a load-independent cost per round trip.
//! Cases: `engine/legacy`, `engine/stateless`, `stdio/legacy`, `stdio/stateless`,
//! `rmcp/stateless`.

use core::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
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

/// One case of the bench: a closure doing one round trip.
type Case = (&'static str, Box<dyn FnMut()>);

/// Every case, each with its own engine / machine / rmcp server, ready to run.
fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for modern in [false, true] {
        let req = request(modern);
        let body = req[..req.len() - 1].to_vec();
        let mut engine = initialized();
        let mut out = Vec::with_capacity(4096);
        let label: &'static str = if modern {
            "engine/stateless"
        } else {
            "engine/legacy"
        };
        cases.push((
            label,
            Box::new(move || {
                engine.handle_payload(Timestamp::ZERO, black_box(&body));
                out.clear();
                let o = engine.poll_output().expect("a response");
                o.payload.encode(&mut out);
                black_box(&out);
            }),
        ));
        let mut stdio = StdioServer::new(initialized(), 1 << 20);
        let mut buf = vec![0u8; 4096];
        let label: &'static str = if modern {
            "stdio/stateless"
        } else {
            "stdio/legacy"
        };
        cases.push((
            label,
            Box::new(move || {
                stdio
                    .handle_input(Timestamp::ZERO, black_box(&req))
                    .expect("input");
                let n = stdio.poll_transmit(Timestamp::ZERO, &mut buf);
                assert!(n > 0);
                black_box(&buf[..n]);
            }),
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let req = request(true);
    let mut peer = rt.block_on(async { anchor::start() });
    let first = rt.block_on(anchor::round_trip(&mut peer, &req));
    assert!(first.contains("1013"), "rmcp answers the same: {first}");
    cases.push((
        "rmcp/stateless",
        Box::new(move || {
            black_box(rt.block_on(anchor::round_trip(&mut peer, black_box(&req))));
        }),
    ));
    cases
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("mcp_tools_call_1k");
    for (name, mut run) in cases() {
        g.bench_function(name, |b| b.iter(&mut run));
    }
    g.finish();
}

/// The p50 table: each round trip timed on its own.
#[allow(
    clippy::print_stdout,
    reason = "the bench's own report, next to criterion's"
)]
fn p50_report() {
    const SAMPLES: usize = 20_001;
    let timer = {
        let mut t: Vec<u64> = (0..SAMPLES)
            .map(|_| {
                let s = Instant::now();
                let e = black_box(Instant::now());
                e.duration_since(s).as_nanos() as u64
            })
            .collect();
        t.sort_unstable();
        t[SAMPLES / 2]
    };
    let mut rows = Vec::new();
    for (name, mut run) in cases() {
        for _ in 0..2_000 {
            run();
        }
        let mut t: Vec<u64> = (0..SAMPLES)
            .map(|_| {
                let s = Instant::now();
                run();
                s.elapsed().as_nanos() as u64
            })
            .collect();
        t.sort_unstable();
        rows.push((name, t[SAMPLES / 2], t[SAMPLES * 99 / 100]));
    }
    let rmcp = rows
        .iter()
        .find(|r| r.0.starts_with("rmcp"))
        .map_or(1, |r| r.1);
    println!(
        "\nmcp_tools_call_1k: p50 / p99 of {SAMPLES} single round trips (timer pair {timer} ns, included)"
    );
    println!(
        "{:<20} {:>10} {:>10} {:>12}",
        "case", "p50", "p99", "rmcp p50 /"
    );
    for (name, p50, p99) in rows {
        println!(
            "{name:<20} {:>7.2} µs {:>7.2} µs {:>11.2}x",
            p50 as f64 / 1e3,
            p99 as f64 / 1e3,
            rmcp as f64 / p50 as f64
        );
    }
}

/// `MCP_BENCH_LOOP=<case>:<n>`: runs one case `n` times, for callgrind.
fn run_loop(spec: &str) {
    let (case, n) = spec.split_once(':').expect("MCP_BENCH_LOOP=<case>:<n>");
    let n: u64 = n.parse().expect("a count");
    let (_, mut run) = cases()
        .into_iter()
        .find(|c| c.0 == case)
        .expect("a known case");
    for _ in 0..n {
        run();
    }
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(spec) = std::env::var("MCP_BENCH_LOOP") {
        run_loop(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench -- <filter>` and `--list` skip the table; so does `cargo test --benches`.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list") {
        p50_report();
    }
}
