//! A Streamable HTTP MCP server on std threads: `fasterapi_http1::ServerConnection` per TCP
//! connection, one shared [`HttpServer`] behind a mutex. Used by the interop stage against
//! the official Python SDK.
//!
//! Run: `cargo run -p fasterapi-mcp --example http_server` — prints `listening on ADDR`, then
//! serves `http://ADDR/mcp` until killed. Tools: `echo`, `add` (structured output),
//! `countdown` (progress, deferred), `in_flight`.
#![allow(clippy::print_stdout, reason = "an example prints its address")]

use core::hash::BuildHasher;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;

use fasterapi_core::Timestamp;
use fasterapi_mcp::http::{EngineKey, HttpConfig, HttpServer};
use fasterapi_mcp::types::{Extra, Resource, ResourceContents, Tool};
use fasterapi_mcp::{CallToolResult, Event, Id, Server, ToolReply, schema};
use serde_json::{Value, json};

mod support {
    pub(crate) mod driver;
}

/// Deferred countdowns: token -> (engine, request, done, steps).
type Jobs = BTreeMap<u64, (EngineKey, Id, u64, u64)>;

fn demo(in_flight: Arc<AtomicUsize>) -> Server {
    let add = Tool {
        name: "add".into(),
        description: Some("Adds two integers; structured output".into()),
        input_schema: schema::object()
            .required("a", schema::integer("a"))
            .required("b", schema::integer("b"))
            .build(),
        output_schema: Some(
            json!({"type":"object","properties":{"sum":{"type":"integer"}},"required":["sum"]}),
        ),
        extra: Extra::new(),
    };
    Server::new("fasterapi-demo-http", "0.1.0")
        .tool(
            "echo",
            "Echoes its text",
            schema::object().required("text", schema::string("what to echo")),
            |c| {
                ToolReply::Done(CallToolResult::text(
                    c.arguments["text"].as_str().unwrap_or(""),
                ))
            },
        )
        .tool_with(add, |c| {
            let s = c.arguments["a"].as_i64().unwrap_or(0) + c.arguments["b"].as_i64().unwrap_or(0);
            ToolReply::Done(CallToolResult::structured(json!({ "sum": s })))
        })
        .tool(
            "countdown",
            "Counts down `steps` steps of 10 ms, reporting progress",
            schema::object().required("steps", schema::integer("1-100")),
            |_| ToolReply::Defer,
        )
        .tool(
            "in_flight",
            "Running countdowns",
            schema::object(),
            move |_| {
                ToolReply::Done(CallToolResult::text(
                    in_flight.load(Ordering::Relaxed).to_string(),
                ))
            },
        )
        .resource(
            Resource {
                uri: "demo://readme".into(),
                name: "readme".into(),
                description: None,
                mime_type: Some("text/plain".into()),
                extra: Extra::new(),
            },
            |u| Ok(vec![ResourceContents::text(u, "text/plain", "over HTTP")]),
        )
}

const STEP: Duration = Duration::from_millis(10);

/// The application: engine events and the countdown timers.
fn pump(
    jobs: &mut Jobs,
    next: &mut u64,
    in_flight: &AtomicUsize,
    http: &mut HttpServer,
    now: Timestamp,
) {
    while let Some((key, ev)) = http.poll_event() {
        match ev {
            Event::ToolCall { id, arguments, .. } => {
                let steps = arguments
                    .get("steps")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 100);
                let token = *next;
                *next += 1;
                if let Some(e) = http.engine_mut(&key) {
                    e.wake_at(now.saturating_add(STEP), token);
                }
                jobs.insert(token, (key, id, 0, steps));
            }
            Event::Cancelled { id, .. } | Event::TimedOut { id } => jobs.retain(|_, j| j.1 != id),
            Event::Wake { token } => {
                let Some((key, id, done, steps)) = jobs.remove(&token) else {
                    continue;
                };
                let Some(e) = http.engine_mut(&key) else {
                    continue;
                };
                let done = done + 1;
                #[allow(clippy::cast_precision_loss, reason = "at most 100")]
                if e.progress(&id, done as f64, Some(steps as f64), None)
                    .is_err()
                {
                    continue;
                }
                if done == steps {
                    let _ = e.complete(&id, CallToolResult::text(format!("counted {steps}")));
                } else {
                    e.wake_at(now.saturating_add(STEP), token);
                    jobs.insert(token, (key, id, done, steps));
                }
            }
            _ => {}
        }
    }
    in_flight.store(jobs.len(), Ordering::Relaxed);
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let hasher = RandomState::new();
    let mut counter = 0u64;
    // Demo session ids: a keyed hash of a counter (a real server uses a CSPRNG).
    let ids = move || {
        counter += 1;
        format!(
            "{:016x}{:016x}",
            hasher.hash_one(counter),
            hasher.hash_one(!counter)
        )
    };
    let http = HttpServer::new(
        Arc::new(demo(Arc::clone(&in_flight))),
        HttpConfig::default(),
        ids,
    );
    let (mut jobs, mut next) = (Jobs::new(), 0);
    support::driver::run(
        listener,
        http,
        Box::new(move |http, now| pump(&mut jobs, &mut next, &in_flight, http, now)),
    )
}
