//! The MCP server engine under a fuzzer-chosen mix of client messages (both eras), application
//! actions and timeouts: never panics; every request gets at most one response; nothing is
//! sent for a request after its response or cancellation; outputs are valid JSON-RPC.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use arbitrary::Arbitrary;
use fasterapi_core::Timestamp;
use fasterapi_mcp::jsonrpc::{CodecLimits, Id, Message, Payload, Rejected};
use fasterapi_mcp::tasks::TaskSupport;
use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Event, Server, ToolReply, schema};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Debug, Arbitrary)]
enum Step {
    Initialize(u8),
    Initialized,
    Request {
        id: u8,
        method: u8,
        modern: bool,
        arg: u8,
        token: bool,
    },
    Cancel(u8),
    Batch(Vec<(u8, u8)>),
    Complete(u8),
    /// An action on a started task: complete, fail, or ask for input.
    Task(u8),
    Progress(u8, u8),
    Notify(u8),
    Advance(u16),
    Raw(Vec<u8>),
    Close,
}

const METHODS: &[&str] = &[
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "subscriptions/listen",
    "resources/subscribe",
    "initialize",
    "bogus/method",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
    "tasks/update",
];
const VERSIONS: &[&str] = &[
    "2024-11-05",
    "2025-03-26",
    "2025-06-18",
    "2025-11-25",
    "2026-07-28",
    "1999-01-01",
];

fn params(method: &str, arg: u8, task: &str) -> Value {
    match method {
        "tools/call" => {
            let name = ["slow", "echo", "job"][usize::from(arg) % 3];
            let mut p = json!({"name": name, "arguments": {"text": "x"}});
            if arg % 2 == 0 {
                p["task"] = json!({"ttl": u64::from(arg) * 100});
            }
            p
        }
        "tasks/get" | "tasks/result" | "tasks/cancel" | "tasks/update" => {
            json!({"taskId": task, "inputResponses": {"k": {"action": "accept"}}})
        }
        "tasks/list" => json!({"cursor": if arg % 4 == 0 { json!("1") } else { Value::Null }}),
        "resources/read" | "resources/subscribe" => {
            json!({"uri": if arg % 2 == 0 { "demo://a" } else { "demo://b" }})
        }
        "logging/setLevel" => json!({"level": "debug"}),
        "subscriptions/listen" => {
            json!({"notifications": {"toolsListChanged": true, "taskIds": [task, "none"]}})
        }
        "tools/list" => json!({"cursor": if arg % 4 == 0 { json!("1") } else { Value::Null }}),
        _ => json!({}),
    }
}

fuzz_target!(|steps: Vec<Step>| {
    let server = Server::new("fuzz", "1")
        .tool("echo", "e", schema::object(), |_| {
            ToolReply::Done(CallToolResult::text("e"))
        })
        .tool("slow", "s", schema::object(), |_| ToolReply::Defer)
        .tool("job", "j", schema::object(), |c| {
            if c.task {
                ToolReply::Defer
            } else {
                ToolReply::Done(CallToolResult::text("j"))
            }
        })
        .tool_task_support("job", TaskSupport::Optional);
    let mut config = EngineConfig::default();
    config.page_size = 1;
    let mut e = Engine::new(Arc::new(server), config);
    let mut now = Timestamp::from_secs(1);
    // Requests sent and responses seen, per id: never more responses than requests.
    let mut sent: BTreeMap<Id, usize> = BTreeMap::new();
    let mut answered: BTreeMap<Id, usize> = BTreeMap::new();
    let mut deferred: Vec<Id> = Vec::new();
    let mut tasks: Vec<String> = Vec::new();
    for step in steps.into_iter().take(64) {
        match step {
            Step::Initialize(v) => {
                let m = json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
                    "protocolVersion": VERSIONS[usize::from(v) % VERSIONS.len()],
                    "capabilities":{"sampling":{},"elicitation":{}},"clientInfo":{"name":"f","version":"1"}}});
                e.handle_payload(now, m.to_string().as_bytes());
                *sent.entry(Id::from("init")).or_default() += 1;
            }
            Step::Initialized => e.handle_payload(
                now,
                br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            ),
            Step::Request {
                id,
                method,
                modern,
                arg,
                token,
            } => {
                let method = METHODS[usize::from(method) % METHODS.len()];
                let task = tasks
                    .get(usize::from(arg) % tasks.len().max(1))
                    .map_or("none", String::as_str);
                let mut p = params(method, arg, task);
                if modern {
                    let caps = if arg % 2 == 0 {
                        json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
                    } else {
                        json!({})
                    };
                    p["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": VERSIONS[usize::from(arg) % VERSIONS.len()],
                        "io.modelcontextprotocol/clientCapabilities": caps});
                }
                if token {
                    p["_meta"]["progressToken"] = json!(id);
                }
                let m = json!({"jsonrpc":"2.0","id": id,"method": method,"params": p});
                e.handle_payload(now, m.to_string().as_bytes());
                *sent.entry(Id::Number(i64::from(id))).or_default() += 1;
            }
            Step::Cancel(id) => {
                let m = json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId": id}});
                e.handle_payload(now, m.to_string().as_bytes());
            }
            Step::Batch(items) => {
                let arr: Vec<Value> = items.iter().take(8).map(|(id, m)| {
                    let method = METHODS[usize::from(*m) % METHODS.len()];
                    json!({"jsonrpc":"2.0","id": id,"method": method,"params": params(method, *id, "none")})
                }).collect();
                e.handle_payload(now, Value::Array(arr).to_string().as_bytes());
                for (id, _) in items.iter().take(8) {
                    *sent.entry(Id::Number(i64::from(*id))).or_default() += 1;
                }
            }
            Step::Complete(i) => {
                if !deferred.is_empty() {
                    let id = deferred.remove(usize::from(i) % deferred.len());
                    let _ = e.complete(&id, CallToolResult::text("done"));
                }
            }
            Step::Task(i) => {
                if !tasks.is_empty() {
                    let id = tasks[usize::from(i) % tasks.len()].clone();
                    let _ = match i % 4 {
                        0 => e.complete_task(now, &id, CallToolResult::text("done")),
                        1 => e.fail_task(now, &id, fasterapi_mcp::ErrorObject::internal("x")),
                        2 => e
                            .task_progress(&id, f64::from(i), None, Some("p"))
                            .map(|_| ()),
                        _ => {
                            let mut ask = serde_json::Map::new();
                            ask.insert(
                                format!("k{i}"),
                                json!({"method": "elicitation/create", "params": {"message": "?"}}),
                            );
                            e.task_input_required(now, &id, ask, None)
                        }
                    };
                }
            }
            Step::Progress(i, p) => {
                if !deferred.is_empty() {
                    let id = deferred[usize::from(i) % deferred.len()].clone();
                    let _ = e.progress(&id, f64::from(p), None, Some("m"));
                }
            }
            Step::Notify(k) => match k % 3 {
                0 => e.notify_list_changed("tools"),
                1 => e.notify_resource_updated("demo://a"),
                _ => {
                    let _ = e.request(
                        now,
                        "sampling/createMessage",
                        Some(json!({})),
                        deferred.first(),
                    );
                }
            },
            Step::Advance(s) => {
                now = now.saturating_add(core::time::Duration::from_secs(u64::from(s)));
                e.handle_timeout(now);
            }
            Step::Raw(bytes) => {
                // Count what the raw bytes ask, as the engine will see it.
                let mut ids = Vec::new();
                let item = |r: Result<Message, Rejected>, ids: &mut Vec<Id>| match r {
                    Ok(Message::Request(q)) => ids.push(q.id),
                    Err(rej) => ids.extend(rej.id),
                    _ => {}
                };
                match Payload::parse(&bytes, &CodecLimits::default()) {
                    Ok(Payload::Single(m)) => item(Ok(m), &mut ids),
                    Ok(Payload::Batch(ms)) => ms.into_iter().for_each(|m| item(m, &mut ids)),
                    Err(rej) => ids.extend(rej.id),
                }
                for id in ids {
                    *sent.entry(id).or_default() += 1;
                }
                e.handle_payload(now, &bytes);
            }
            Step::Close => e.close(),
        }
        while let Some(ev) = e.poll_event() {
            match ev {
                Event::ToolCall { id, .. } => deferred.push(id),
                Event::TaskStarted { task_id, .. } => tasks.push(task_id),
                _ => {}
            }
        }
        while let Some(out) = e.poll_output() {
            for m in out.payload.messages() {
                let v = m.to_value();
                assert_eq!(v["jsonrpc"], "2.0");
                if v.get("result").is_some() || v.get("error").is_some() {
                    if let Some(id) = v
                        .get("id")
                        .and_then(|i| serde_json::from_value::<Id>(i.clone()).ok())
                    {
                        let n = answered.entry(id.clone()).or_default();
                        *n += 1;
                        assert!(
                            *n <= sent.get(&id).copied().unwrap_or(0),
                            "second response for {id}"
                        );
                    }
                }
            }
        }
    }
});
