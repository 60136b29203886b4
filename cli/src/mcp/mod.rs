//! `fasterapi mcp-stdio`: the demo MCP server on stdin/stdout.
//!
//! The engine is `fasterapi-mcp`'s sans-IO [`StdioServer`]; this module is its driver: a
//! thread reads stdin into a channel (stdin has no read timeout), the main loop feeds the
//! machine, writes its lines to stdout, runs the demo's deferred tools on the machine's own
//! timers, and exits when stdin closes (2026-07-28 transports/stdio §"Shutdown").

use core::sync::atomic::{AtomicUsize, Ordering};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Instant;

use core::time::Duration;

use fasterapi_core::{Epoch, Machine, StreamMachine, Timestamp};
use fasterapi_mcp::server::arg;
use fasterapi_mcp::types::{
    Content, Extra, GetPromptResult, Prompt, PromptMessage, Resource, ResourceContents,
    ResourceTemplate, Role, Tool,
};
use fasterapi_mcp::{
    CallToolResult, Engine, EngineConfig, Event, Id, Server, StdioServer, ToolReply, schema,
};
use serde_json::{Value, json};

/// The demo server: `echo`, `add` (structured output), `countdown` (progress), `sleep`
/// (cancellable), `ask_name` (2026-07-28 input_required), a static resource, a template, a
/// prompt with completion.
pub(crate) fn demo_server(in_flight: Arc<AtomicUsize>) -> Server {
    let add = Tool {
        name: "add".into(),
        description: Some("Adds two integers; structured output".into()),
        input_schema: schema::object()
            .required("a", schema::integer("first addend"))
            .required("b", schema::integer("second addend"))
            .build(),
        output_schema: Some(json!({
            "type": "object",
            "properties": { "sum": { "type": "integer" } },
            "required": ["sum"]
        })),
        extra: Extra::new(),
    };
    Server::new("fasterapi-demo", env!("CARGO_PKG_VERSION"))
        .instructions("A demo server: echo, add, countdown (progress), sleep (cancellable).")
        .tool(
            "echo",
            "Echoes its text",
            schema::object().required("text", schema::string("what to echo")),
            |call| {
                let text = call.arguments["text"].as_str().unwrap_or_default();
                ToolReply::Done(CallToolResult::text(text))
            },
        )
        .tool_with(add, |call| {
            let a = call.arguments["a"].as_i64().unwrap_or(0);
            let b = call.arguments["b"].as_i64().unwrap_or(0);
            ToolReply::Done(CallToolResult::structured(
                json!({ "sum": a.wrapping_add(b) }),
            ))
        })
        .tool(
            "countdown",
            "Counts down `steps` steps of `interval_ms`, reporting progress",
            schema::object()
                .required("steps", schema::integer("how many steps (1-100)"))
                .optional(
                    "interval_ms",
                    schema::integer("milliseconds per step (default 20)"),
                ),
            |_| ToolReply::Defer,
        )
        .tool(
            "in_flight",
            "How many deferred demo calls (countdown, sleep) are running",
            schema::object(),
            move |_| {
                let n = in_flight.load(Ordering::Relaxed);
                ToolReply::Done(CallToolResult::text(n.to_string()))
            },
        )
        .tool(
            "sleep",
            "Answers after `ms` milliseconds unless cancelled",
            schema::object().required("ms", schema::integer("milliseconds (at most 60000)")),
            |_| ToolReply::Defer,
        )
        .tool(
            "ask_name",
            "Asks the user for their name (2026-07-28 multi round-trip elicitation)",
            schema::object(),
            |call| {
                let name = call
                    .input_responses
                    .and_then(|r| r.get("name"))
                    .and_then(|r| r.get("content"))
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str);
                match name {
                    Some(name) => ToolReply::Done(CallToolResult::text(format!("Hello, {name}!"))),
                    None => ToolReply::InputRequired {
                        input_requests: serde_json::from_value(json!({
                            "name": {
                                "method": "elicitation/create",
                                "params": {
                                    "mode": "form",
                                    "message": "What is your name?",
                                    "requestedSchema": {
                                        "type": "object",
                                        "properties": { "name": { "type": "string" } },
                                        "required": ["name"]
                                    }
                                }
                            }
                        }))
                        .unwrap_or_default(),
                        request_state: Some("ask-name-1".into()),
                    },
                }
            },
        )
        .resource(
            Resource {
                uri: "demo://readme".into(),
                name: "readme".into(),
                description: Some("What this server is".into()),
                mime_type: Some("text/plain".into()),
                extra: Extra::new(),
            },
            |uri| {
                Ok(vec![ResourceContents::text(
                    uri,
                    "text/plain",
                    "fasterapi demo MCP server, sans-IO engine",
                )])
            },
        )
        .resource_template(
            ResourceTemplate {
                uri_template: "demo://greeting/{name}".into(),
                name: "greeting".into(),
                description: Some("A greeting for {name}".into()),
                mime_type: Some("text/plain".into()),
                extra: Extra::new(),
            },
            |uri, vars| {
                let name = vars.get("name").map_or("", String::as_str);
                Ok(vec![ResourceContents::text(
                    uri,
                    "text/plain",
                    format!("Hello, {name}!"),
                )])
            },
        )
        .prompt(
            Prompt {
                name: "greet".into(),
                description: Some("Greets someone".into()),
                arguments: vec![arg("name", "who to greet", true)],
                extra: Extra::new(),
            },
            |args| {
                let name = args.get("name").and_then(Value::as_str).unwrap_or_default();
                Ok(GetPromptResult {
                    description: Some("A greeting".into()),
                    messages: vec![PromptMessage {
                        role: Role::User,
                        content: Content::text(format!("Please greet {name} warmly.")),
                    }],
                    extra: Extra::new(),
                })
            },
        )
        .completion(|r| {
            ["alice", "bob", "carol"]
                .into_iter()
                .filter(|n| r.argument == "name" && n.starts_with(r.value))
                .map(String::from)
                .collect()
        })
}

/// A deferred demo call in progress.
#[derive(Debug)]
enum Job {
    Countdown {
        id: Id,
        done: u64,
        steps: u64,
        interval: Duration,
    },
    Sleep {
        id: Id,
    },
}

/// The application side: starts and advances the deferred tools on engine timers.
#[derive(Debug, Default)]
pub(crate) struct Demo {
    jobs: BTreeMap<u64, Job>,
    next: u64,
    /// Running jobs of every `Demo` sharing it, for the `in_flight` tool.
    in_flight: Arc<AtomicUsize>,
}

impl Demo {
    /// A demo whose running jobs are counted in `in_flight` (shared by the demos of every
    /// session of `fasterapi serve`'s `/mcp`, and by the tool that reports it).
    pub(crate) fn with_counter(in_flight: Arc<AtomicUsize>) -> Self {
        Self {
            in_flight,
            ..Self::default()
        }
    }

    /// The counter of running jobs.
    pub(crate) fn counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.in_flight)
    }

    /// Handles one engine event.
    pub(crate) fn on_event(&mut self, engine: &mut Engine, event: Event, now: Timestamp) {
        let before = self.jobs.len();
        match event {
            Event::ToolCall {
                id,
                name,
                arguments,
                ..
            } => {
                let token = self.next;
                self.next += 1;
                let int = |k: &str| arguments.get(k).and_then(Value::as_u64);
                let (job, after) = if name == "countdown" {
                    let steps = int("steps").unwrap_or(1).clamp(1, 100);
                    let interval =
                        Duration::from_millis(int("interval_ms").unwrap_or(20).min(10_000));
                    (
                        Job::Countdown {
                            id,
                            done: 0,
                            steps,
                            interval,
                        },
                        interval,
                    )
                } else {
                    let ms = int("ms").unwrap_or(0).min(60_000);
                    (Job::Sleep { id }, Duration::from_millis(ms))
                };
                self.jobs.insert(token, job);
                engine.wake_at(now.saturating_add(after), token);
            }
            Event::Cancelled { id, .. } | Event::TimedOut { id } => {
                self.jobs.retain(|_, j| match j {
                    Job::Countdown { id: i, .. } | Job::Sleep { id: i } => *i != id,
                });
            }
            Event::Wake { token } => self.wake(engine, token, now),
            _ => {}
        }
        let after = self.jobs.len();
        if after > before {
            self.in_flight.fetch_add(after - before, Ordering::Relaxed);
        } else {
            self.in_flight.fetch_sub(before - after, Ordering::Relaxed);
        }
    }

    fn wake(&mut self, engine: &mut Engine, token: u64, now: Timestamp) {
        let Some(job) = self.jobs.remove(&token) else {
            return;
        };
        match job {
            Job::Sleep { id } => {
                let _ = engine.complete(&id, CallToolResult::text("slept"));
            }
            Job::Countdown {
                id,
                done,
                steps,
                interval,
            } => {
                let done = done + 1;
                #[allow(clippy::cast_precision_loss, reason = "at most 100 steps")]
                let sent = engine.progress(
                    &id,
                    done as f64,
                    Some(steps as f64),
                    Some(&format!("step {done} of {steps}")),
                );
                if sent.is_err() {
                    return; // the call is gone (cancelled or timed out)
                }
                if done >= steps {
                    let _ = engine.complete(&id, CallToolResult::text(format!("counted {steps}")));
                } else {
                    self.jobs.insert(
                        token,
                        Job::Countdown {
                            id,
                            done,
                            steps,
                            interval,
                        },
                    );
                    engine.wake_at(now.saturating_add(interval), token);
                }
            }
        }
    }
}

/// Runs the demo server on stdin/stdout until stdin closes.
pub(crate) fn run_stdio() -> ExitCode {
    let mut demo = Demo::default();
    let server = demo_server(demo.counter());
    let engine = Engine::new(Arc::new(server), EngineConfig::default());
    let mut machine = StdioServer::new(engine, fasterapi_mcp::stdio::DEFAULT_MAX_LINE);
    let (tx, rx) = mpsc::sync_channel::<Option<Vec<u8>>>(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(n) => {
                    if tx.send(Some(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let epoch = Epoch::new();
    let mut stdout = std::io::stdout().lock();
    let mut out = vec![0u8; 64 * 1024];
    loop {
        // The rule: after any input or action, drain every output.
        loop {
            let n = machine.poll_transmit(epoch.now(), &mut out);
            if n == 0 {
                break;
            }
            if stdout.write_all(&out[..n]).is_err() {
                return ExitCode::from(74);
            }
        }
        if stdout.flush().is_err() {
            return ExitCode::from(74);
        }
        if let Some(event) = machine.poll_event() {
            demo.on_event(machine.engine(), event, epoch.now());
            continue;
        }
        if machine.is_closed() {
            return ExitCode::SUCCESS;
        }
        let wait = machine
            .poll_timeout()
            .map(|t| epoch.instant(t).saturating_duration_since(Instant::now()));
        let received = match wait {
            Some(d) => rx.recv_timeout(d),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let now = epoch.now();
        let result = match received {
            Ok(Some(bytes)) => machine.handle_input(now, &bytes).map(|_| ()),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => machine.handle_eof(now),
            Err(RecvTimeoutError::Timeout) => machine.handle_timeout(now),
        };
        if let Err(e) = result {
            eprintln!("fasterapi mcp-stdio: {e}");
            let n = machine.poll_transmit(now, &mut out);
            let _ = stdout.write_all(&out[..n]);
            return ExitCode::from(2);
        }
    }
}
