//! The conformance suite's tasks fixtures (`tasks-*` server scenarios, the 2026-07-28
//! `io.modelcontextprotocol/tasks` extension) on the engine's task API: the tools, and the
//! application side that runs their tasks from the driver's pump (timers, input, results).

use core::hash::BuildHasher;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::time::{SystemTime, UNIX_EPOCH};

use fasterapi_core::Timestamp;
use fasterapi_mcp::http::HttpConfig;
use fasterapi_mcp::tasks::{TaskIds, TaskStatus, TaskSupport};
use fasterapi_mcp::{CallToolResult, Engine, ErrorObject, Event, Server, ToolReply, schema};
use serde_json::{Map, Value, json};

/// Timer tokens of this module (the rest of the example counts up from 0).
const TOKEN_BASE: u64 = 1 << 62;

fn elicit(message: &str, field: &str, ty: &str) -> Value {
    json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": message,
            "requestedSchema": {
                "type": "object",
                "properties": { field: { "type": ty } },
                "required": [field]
            }
        }
    })
}

/// `config` with task ids from the process's random hasher (a CSPRNG would be the choice
/// of a production server) and the wall clock for `createdAt`.
pub(crate) fn config(mut config: HttpConfig) -> HttpConfig {
    let hasher = RandomState::new();
    let counter = AtomicU64::new(0);
    config.engine.tasks.ids = Some(TaskIds::new(move || {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{:016x}", hasher.hash_one(n), hasher.hash_one(!n))
    }));
    config.engine.tasks.unix_ms_at_zero = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
    config
}

/// Adds the fixture tools the `tasks-*` scenarios call.
pub(crate) fn add(s: Server) -> Server {
    s.tool(
        "greet",
        "Greets someone (never a task)",
        schema::object().required("name", schema::string("who")),
        |c| {
            let name = c.arguments["name"].as_str().unwrap_or("world");
            ToolReply::Done(CallToolResult::text(format!("Hello, {name}!")))
        },
    )
    .tool(
        "slow_compute",
        "Sleeps `seconds` as a task, then answers",
        schema::object()
            .optional("seconds", schema::number("how long"))
            .optional("label", schema::string("a label")),
        |c| {
            if c.task {
                ToolReply::Defer
            } else {
                // A client without the extension gets the answer at once.
                let label = c
                    .arguments
                    .get("label")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                ToolReply::Done(CallToolResult::text(format!("computed {label}")))
            }
        },
    )
    .tool_task_support("slow_compute", TaskSupport::Optional)
    .tool(
        "failing_job",
        "Fails as a tool error after ~1 s",
        schema::object(),
        |_| ToolReply::Defer,
    )
    .tool_task_support("failing_job", TaskSupport::Required)
    .tool(
        "protocol_error_job",
        "Fails with a JSON-RPC error",
        schema::object(),
        |c| {
            if c.task {
                ToolReply::Defer
            } else {
                ToolReply::Error(ErrorObject::internal("protocol_error_job failed"))
            }
        },
    )
    .tool_task_support("protocol_error_job", TaskSupport::Optional)
    .tool(
        "confirm_delete",
        "Asks for confirmation, then deletes",
        schema::object().optional("filename", schema::string("the file")),
        |_| ToolReply::Defer,
    )
    .tool_task_support("confirm_delete", TaskSupport::Required)
    .tool(
        "multi_input",
        "Asks two questions at once",
        schema::object(),
        |_| ToolReply::Defer,
    )
    .tool_task_support("multi_input", TaskSupport::Required)
    .tool(
        "test_tool_with_task",
        "Asks for a name (multi round-trip), then runs as a task",
        schema::object(),
        |c| match c.input_responses.and_then(|r| r.get("user_name")) {
            Some(_) => ToolReply::Defer,
            None => {
                let mut requests = Map::new();
                requests.insert(
                    "user_name".into(),
                    elicit("What is your name?", "name", "string"),
                );
                ToolReply::InputRequired {
                    input_requests: requests,
                    request_state: None,
                }
            }
        },
    )
    .tool_task_support("test_tool_with_task", TaskSupport::Required)
}

/// A running fixture task.
struct Job {
    tool: String,
    arguments: Map<String, Value>,
    /// Answers gathered so far.
    answers: Map<String, Value>,
    name: Option<String>,
}

/// The application side of the fixture tasks.
#[derive(Default)]
pub(crate) struct Tasks {
    jobs: BTreeMap<String, Job>,
    timers: BTreeMap<u64, String>,
    next: u64,
}

fn text_of(answer: &Value) -> Option<String> {
    answer
        .get("content")?
        .as_object()?
        .values()
        .find_map(|v| v.as_str().map(String::from))
}

impl Tasks {
    fn after(&mut self, engine: &mut Engine, now: Timestamp, ms: u64, task: &str) {
        let token = TOKEN_BASE + self.next;
        self.next += 1;
        engine.wake_at(now.saturating_add(Duration::from_millis(ms)), token);
        self.timers.insert(token, task.into());
    }

    /// Handles this module's events; gives the others back.
    pub(crate) fn handle(
        &mut self,
        engine: &mut Engine,
        ev: Event,
        now: Timestamp,
    ) -> Option<Event> {
        match ev {
            Event::TaskStarted {
                task_id,
                name,
                arguments,
                input_responses,
                ..
            } => {
                let gathered = input_responses
                    .as_ref()
                    .and_then(|r| r.get("user_name"))
                    .and_then(text_of);
                self.jobs.insert(
                    task_id.clone(),
                    Job {
                        tool: name.clone(),
                        arguments: arguments.clone(),
                        answers: Map::new(),
                        name: gathered,
                    },
                );
                match name.as_str() {
                    "slow_compute" => {
                        let secs = arguments
                            .get("seconds")
                            .and_then(Value::as_f64)
                            .unwrap_or(0.0);
                        self.after(engine, now, (secs.max(0.0) * 1000.0) as u64, &task_id);
                    }
                    "confirm_delete" => {
                        let mut r = Map::new();
                        r.insert(
                            "confirm".into(),
                            elicit("Delete the file?", "confirm", "boolean"),
                        );
                        let _ = engine.task_input_required(
                            now,
                            &task_id,
                            r,
                            Some("Waiting for confirmation"),
                        );
                    }
                    "multi_input" => {
                        let mut r = Map::new();
                        r.insert("first".into(), elicit("First name?", "name", "string"));
                        r.insert("second".into(), elicit("Second name?", "name", "string"));
                        let _ = engine.task_input_required(now, &task_id, r, None);
                    }
                    _ => self.after(engine, now, 500, &task_id),
                }
                None
            }
            Event::TaskInput { task_id, responses } => {
                let job = self.jobs.get_mut(&task_id)?;
                job.answers.extend(responses);
                // Still waiting for another answer: stay parked.
                if engine.task_status(&task_id) != Some(TaskStatus::Working) {
                    return None;
                }
                let text = match job.tool.as_str() {
                    "confirm_delete" => {
                        let file = job
                            .arguments
                            .get("filename")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let accepted = job.answers.get("confirm").and_then(|a| a.get("action"))
                            == Some(&json!("accept"));
                        if accepted {
                            format!("Deleted {file}")
                        } else {
                            format!("Kept {file}")
                        }
                    }
                    _ => format!("Got {} answers", job.answers.len()),
                };
                let _ = engine.complete_task(now, &task_id, CallToolResult::text(text));
                self.jobs.remove(&task_id);
                None
            }
            Event::Wake { token } if token >= TOKEN_BASE => {
                let task_id = self.timers.remove(&token)?;
                let job = self.jobs.remove(&task_id)?;
                let _ = match job.tool.as_str() {
                    "failing_job" => engine.complete_task(
                        now,
                        &task_id,
                        CallToolResult::error("failing_job failed, as it always does"),
                    ),
                    "protocol_error_job" => engine.fail_task(
                        now,
                        &task_id,
                        ErrorObject::internal("protocol_error_job crashed"),
                    ),
                    "test_tool_with_task" => {
                        let name = job.name.unwrap_or_default();
                        engine.complete_task(
                            now,
                            &task_id,
                            CallToolResult::text(format!("Hello, {name}!")),
                        )
                    }
                    _ => {
                        let label = job
                            .arguments
                            .get("label")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        engine.complete_task(
                            now,
                            &task_id,
                            CallToolResult::text(format!("computed {label}")),
                        )
                    }
                };
                None
            }
            Event::TaskCancelled { task_id } | Event::TaskExpired { task_id } => {
                self.jobs.remove(&task_id);
                self.timers.retain(|_, t| *t != task_id);
                None
            }
            other => Some(other),
        }
    }
}
