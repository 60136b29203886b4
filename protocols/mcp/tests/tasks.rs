//! Tasks, deterministic on `fasterapi_core::testing::Pair` (our client machine against our
//! stdio server on a virtual clock, input cut into 7-byte pieces): the 2025-11-25 wire
//! (`params.task`, `tasks/get|result|list|cancel`, `notifications/tasks/status`, input through
//! a waiting `tasks/result`) and the 2026-07-28 `io.modelcontextprotocol/tasks` extension
//! (server-directed tasks, `tasks/get` inlining, `tasks/update`, -32021), with ttl expiry and
//! the store limit on the virtual clock.

use core::time::Duration;
use std::sync::Arc;

use fasterapi_core::testing::Pair;
use fasterapi_mcp::tasks::{self, TaskStatus, TaskSupport};
use fasterapi_mcp::{
    CallToolResult, ClientEvent, Engine, EngineConfig, Error, ErrorObject, Event, Id,
    ProtocolVersion, Server, StdioClient, StdioServer, ToolReply, schema,
};
use serde_json::{Map, Value, json};

type P = Pair<StdioClient, StdioServer>;

fn server() -> Server {
    Server::new("t", "1")
        .tool("plain", "never a task", schema::object(), |_| {
            ToolReply::Done(CallToolResult::text("plain"))
        })
        .tool("job", "a task when allowed", schema::object(), |c| {
            if c.task {
                ToolReply::Defer
            } else {
                ToolReply::Done(CallToolResult::text("sync"))
            }
        })
        .tool_task_support("job", TaskSupport::Optional)
        .tool(
            "quick",
            "answers at once, even as a task",
            schema::object(),
            |_| ToolReply::Done(CallToolResult::text("quick")),
        )
        .tool_task_support("quick", TaskSupport::Optional)
        .tool("must", "only as a task", schema::object(), |_| {
            ToolReply::Defer
        })
        .tool_task_support("must", TaskSupport::Required)
}

fn pair_with(config: EngineConfig) -> P {
    let engine = Engine::new(Arc::new(server()), config);
    Pair::new(
        StdioClient::new(Duration::from_secs(3600)),
        StdioServer::new(engine, 1 << 20),
    )
    .with_chunk_size(7)
}

fn config() -> EngineConfig {
    let mut c = EngineConfig::default();
    c.tasks.max_tasks = 4;
    c.tasks.default_ttl = Duration::from_secs(60);
    c.tasks.max_ttl = Duration::from_secs(120);
    c.tasks.unix_ms_at_zero = 1_764_066_600_000; // 2025-11-25T10:30:00Z
    c
}

fn info() -> Value {
    json!({"name":"pair","version":"1"})
}

/// A 2025-11-25 session whose client can elicit.
fn legacy() -> P {
    let mut p = pair_with(config());
    let now = p.now();
    p.client.machine.initialize(
        now,
        ProtocolVersion::V2025_11_25,
        json!({"elicitation":{}}),
        info(),
    );
    p.drive();
    let init = responses(&mut p);
    let caps = &init[0].1.as_ref().unwrap()["capabilities"];
    assert_eq!(
        caps["tasks"],
        json!({"list":{},"cancel":{},"requests":{"tools":{"call":{}}}})
    );
    p.client.machine.notify("notifications/initialized", None);
    p.drive();
    p.server.take_events();
    p
}

/// A 2026-07-28 client, with or without the tasks extension.
fn modern(extension: bool) -> P {
    let mut p = pair_with(config());
    let mut caps = json!({"elicitation":{}});
    if extension {
        caps["extensions"] = json!({ tasks::EXTENSION: {} });
    }
    p.client
        .machine
        .set_stateless(ProtocolVersion::V2026_07_28, caps, info());
    p
}

fn responses(p: &mut P) -> Vec<(Id, Result<Value, ErrorObject>)> {
    p.client
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Response { id, result, .. } => Some((id, result)),
            _ => None,
        })
        .collect()
}

/// Sends one request and returns its answer (which must come).
fn call(p: &mut P, method: &str, params: Value) -> Result<Value, ErrorObject> {
    let now = p.now();
    let id = p.client.machine.request(now, method, Some(params));
    p.drive();
    let r = responses(p);
    let (_, result) = r
        .into_iter()
        .find(|(i, _)| *i == id)
        .unwrap_or_else(|| panic!("no answer to {method}"));
    result
}

fn code(r: Result<Value, ErrorObject>) -> i64 {
    r.expect_err("an error").code.get()
}

/// The task id of a started task, from the engine's event.
fn started(p: &mut P) -> String {
    let events = p.server.take_events();
    let [Event::TaskStarted { task_id, .. }] = &events[..] else {
        panic!("one TaskStarted, got {events:?}")
    };
    task_id.clone()
}

#[test]
fn status_lifecycle_and_timestamps() {
    use TaskStatus::*;
    let all = [Working, InputRequired, Completed, Failed, Cancelled];
    for from in all {
        for to in all {
            // From working or input_required to any other status; never out of a terminal one.
            let allowed = matches!(from, Working | InputRequired) && from != to;
            assert_eq!(from.can_move_to(to), allowed, "{from:?} -> {to:?}");
        }
    }
    assert_eq!(tasks::iso8601(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        tasks::iso8601(1_764_066_600_123),
        "2025-11-25T10:30:00.123Z"
    );
    assert_eq!(tasks::iso8601(951_825_600_000), "2000-02-29T12:00:00.000Z");
}

#[test]
fn legacy_task_lifecycle_with_blocking_result() {
    let mut p = legacy();
    let listed = call(&mut p, "tools/list", json!({})).unwrap();
    let job = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "job")
        .unwrap();
    assert_eq!(job["execution"]["taskSupport"], "optional");

    // The requested ttl is cut down to max_ttl.
    let created = call(
        &mut p,
        "tools/call",
        json!({"name":"job","task":{"ttl":999_999}}),
    )
    .unwrap();
    let task = &created["task"];
    assert_eq!(task["status"], "working");
    assert_eq!(task["ttl"], 120_000);
    assert_eq!(task["pollInterval"], 500);
    assert_eq!(task["createdAt"], "2025-11-25T10:30:00.000Z");
    assert!(created.get("content").is_none());
    let id = task["taskId"].as_str().unwrap().to_string();
    assert_eq!(started(&mut p), id);

    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "working");
    assert_eq!(got["taskId"], id.as_str());

    // tasks/result blocks until the task is terminal.
    p.advance(Duration::from_secs(2));
    let now = p.now();
    let waiting = p
        .client
        .machine
        .request(now, "tasks/result", Some(json!({"taskId": id})));
    p.drive();
    assert!(responses(&mut p).is_empty());
    let now = p.now();
    let e = p.server.machine.engine();
    e.complete_task(now, &id, CallToolResult::text("done"))
        .unwrap();
    p.drive();
    let events = p.client.take_events();
    let status = events.iter().find_map(|e| match e {
        ClientEvent::Notification(n) if n.method == "notifications/tasks/status" => {
            n.params.clone()
        }
        _ => None,
    });
    let status = status.expect("a status notification");
    assert_eq!(status["status"], "completed");
    assert_eq!(status["lastUpdatedAt"], "2025-11-25T10:30:02.000Z");
    assert!(status.get("_meta").is_none());
    let result = events
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Response { id: i, result, .. } if i == waiting => Some(result),
            _ => None,
        })
        .expect("tasks/result answered")
        .unwrap();
    assert_eq!(result["content"][0]["text"], "done");
    assert_eq!(result["_meta"][tasks::RELATED_TASK], json!({"taskId": id}));

    // Terminal: answered at once, and still the same; finishing again is refused.
    let again = call(&mut p, "tasks/result", json!({"taskId": id})).unwrap();
    assert_eq!(again, result);
    assert_eq!(
        call(&mut p, "tasks/get", json!({"taskId": id})).unwrap()["status"],
        "completed"
    );
    let now = p.now();
    let e = p.server.machine.engine();
    assert_eq!(
        e.complete_task(now, &id, CallToolResult::text("twice")),
        Err(Error::TaskFinished {
            status: "completed"
        })
    );
    assert_eq!(
        e.complete_task(now, "nope", CallToolResult::text("x")),
        Err(Error::UnknownTask)
    );
}

#[test]
fn legacy_tool_level_negotiation() {
    let mut p = legacy();
    // forbidden (absent) + task: -32601; required without task: -32601.
    assert_eq!(
        code(call(
            &mut p,
            "tools/call",
            json!({"name":"plain","task":{}})
        )),
        -32601
    );
    assert_eq!(
        code(call(&mut p, "tools/call", json!({"name":"must"}))),
        -32601
    );
    assert_eq!(
        code(call(&mut p, "tools/call", json!({"name":"job","task":5}))),
        -32602
    );
    // optional without task: a plain call.
    let r = call(&mut p, "tools/call", json!({"name":"job"})).unwrap();
    assert_eq!(r["content"][0]["text"], "sync");
    // A handler that answers at once still gives a task (already completed).
    let r = call(&mut p, "tools/call", json!({"name":"quick","task":{}})).unwrap();
    assert_eq!(r["task"]["status"], "completed");
    let id = r["task"]["taskId"].as_str().unwrap();
    let out = call(&mut p, "tasks/result", json!({"taskId": id})).unwrap();
    assert_eq!(out["content"][0]["text"], "quick");
    assert!(p.server.take_events().is_empty());
}

#[test]
fn legacy_failures_and_cancellation() {
    let mut p = legacy();
    let new_task = |p: &mut P| {
        let r = call(p, "tools/call", json!({"name":"must","task":{}})).unwrap();
        let id = r["task"]["taskId"].as_str().unwrap().to_string();
        assert_eq!(started(p), id);
        id
    };
    // A tool result with isError is a failed task; tasks/result still answers the result.
    let a = new_task(&mut p);
    let now = p.now();
    p.server
        .machine
        .engine()
        .complete_task(now, &a, CallToolResult::error("bad"))
        .unwrap();
    p.drive();
    let got = call(&mut p, "tasks/get", json!({"taskId": a})).unwrap();
    assert_eq!(got["status"], "failed");
    assert!(got["statusMessage"].is_string());
    let r = call(&mut p, "tasks/result", json!({"taskId": a})).unwrap();
    assert_eq!(r["isError"], true);

    // A JSON-RPC error: tasks/result answers that error.
    let b = new_task(&mut p);
    let now = p.now();
    p.server
        .machine
        .engine()
        .fail_task(now, &b, ErrorObject::invalid_params("no such city"))
        .unwrap();
    let e = call(&mut p, "tasks/result", json!({"taskId": b})).unwrap_err();
    assert_eq!((e.code.get(), e.message.as_str()), (-32602, "no such city"));

    // Cancel: the Task comes back cancelled, the application hears, its result is refused;
    // a second cancel is -32602, and so are unknown ids.
    let c = new_task(&mut p);
    let r = call(&mut p, "tasks/cancel", json!({"taskId": c})).unwrap();
    assert_eq!(r["status"], "cancelled");
    assert_eq!(
        p.server.take_events(),
        [Event::TaskCancelled { task_id: c.clone() }]
    );
    let now = p.now();
    assert!(matches!(
        p.server
            .machine
            .engine()
            .complete_task(now, &c, CallToolResult::text("late")),
        Err(Error::TaskFinished {
            status: "cancelled"
        })
    ));
    assert_eq!(
        code(call(&mut p, "tasks/cancel", json!({"taskId": c}))),
        -32602
    );
    assert_eq!(
        call(&mut p, "tasks/get", json!({"taskId": c})).unwrap()["status"],
        "cancelled"
    );
    assert!(call(&mut p, "tasks/result", json!({"taskId": c})).is_err());
    for m in ["tasks/get", "tasks/result", "tasks/cancel"] {
        assert_eq!(code(call(&mut p, m, json!({"taskId": "nope"}))), -32602);
    }
    assert_eq!(code(call(&mut p, "tasks/get", json!({}))), -32602);
}

#[test]
fn legacy_list_is_paginated() {
    let mut c = config();
    c.page_size = 2;
    let mut p = pair_with(c);
    let now = p.now();
    p.client
        .machine
        .initialize(now, ProtocolVersion::V2025_11_25, json!({}), info());
    p.drive();
    responses(&mut p);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = call(&mut p, "tools/call", json!({"name":"quick","task":{}})).unwrap();
        ids.push(r["task"]["taskId"].as_str().unwrap().to_string());
    }
    let first = call(&mut p, "tasks/list", json!({})).unwrap();
    let page: Vec<&str> = first["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert_eq!(page, [ids[0].as_str(), ids[1].as_str()]);
    let cursor = first["nextCursor"].clone();
    let second = call(&mut p, "tasks/list", json!({"cursor": cursor})).unwrap();
    assert_eq!(second["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(second["tasks"][0]["taskId"], ids[2].as_str());
    assert!(second.get("nextCursor").is_none());
    assert_eq!(
        code(call(&mut p, "tasks/list", json!({"cursor": "x"}))),
        -32602
    );
}

#[test]
fn legacy_input_goes_out_on_the_waiting_result() {
    let mut p = legacy();
    let r = call(&mut p, "tools/call", json!({"name":"job","task":{}})).unwrap();
    let id = r["task"]["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let mut ask = Map::new();
    ask.insert(
        "name".into(),
        json!({"method":"elicitation/create","params":{"message":"Name?","requestedSchema":{"type":"object","properties":{}}}}),
    );
    let now = p.now();
    let e = p.server.machine.engine();
    e.task_input_required(now, &id, ask.clone(), Some("waiting"))
        .unwrap();
    // A key is never reused; sampling was not declared by the client.
    assert_eq!(
        e.task_input_required(now, &id, ask, None),
        Err(Error::InvalidTaskInput)
    );
    let mut sample = Map::new();
    sample.insert(
        "s".into(),
        json!({"method":"sampling/createMessage","params":{}}),
    );
    assert!(matches!(
        e.task_input_required(now, &id, sample, None),
        Err(Error::NotAllowed { .. })
    ));
    p.drive();
    // Only the status notification so far: the request waits for a tasks/result stream.
    let events = p.client.take_events();
    assert!(
        events
            .iter()
            .all(|e| matches!(e, ClientEvent::Notification(_)))
    );
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "input_required");
    assert_eq!(got["statusMessage"], "waiting");

    let now = p.now();
    let waiting = p
        .client
        .machine
        .request(now, "tasks/result", Some(json!({"taskId": id})));
    p.drive();
    let events = p.client.take_events();
    let req = events
        .iter()
        .find_map(|e| match e {
            ClientEvent::Request(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the elicitation");
    assert_eq!(req.method, "elicitation/create");
    let params = req.params.clone().unwrap();
    assert_eq!(params["_meta"][tasks::RELATED_TASK]["taskId"], id.as_str());
    p.client.machine.respond(
        req.id.clone(),
        Ok(json!({"action":"accept","content":{"n":"Ada"}})),
    );
    p.drive();
    let events = p.server.take_events();
    let [
        Event::TaskInput {
            task_id,
            responses: answers,
        },
    ] = &events[..]
    else {
        panic!("task input, got {events:?}")
    };
    assert_eq!(task_id, &id);
    assert_eq!(answers["name"]["content"]["n"], "Ada");
    assert_eq!(
        p.server.machine.engine().task_status(&id),
        Some(TaskStatus::Working)
    );
    let now = p.now();
    p.server
        .machine
        .engine()
        .complete_task(now, &id, CallToolResult::text("hi Ada"))
        .unwrap();
    p.drive();
    let done = responses(&mut p);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, waiting);
    assert_eq!(done[0].1.as_ref().unwrap()["content"][0]["text"], "hi Ada");
}

#[test]
fn ttl_expiry_and_the_store_limit() {
    let mut p = legacy();
    // Four tasks fill the store (max_tasks = 4): the fifth is refused with -32603.
    let mut ids = Vec::new();
    for ttl in [1000, 1000, 5000, 5000] {
        let r = call(
            &mut p,
            "tools/call",
            json!({"name":"job","task":{"ttl": ttl}}),
        )
        .unwrap();
        ids.push(r["task"]["taskId"].as_str().unwrap().to_string());
    }
    assert_eq!(p.server.take_events().len(), 4);
    let e = call(&mut p, "tools/call", json!({"name":"job","task":{}})).unwrap_err();
    assert_eq!(e.code.get(), -32603);
    assert_eq!(e.data, Some(json!({"limit": 4})));
    // A tasks/result waiting on a task that expires gets -32602.
    let now = p.now();
    let waiting = p
        .client
        .machine
        .request(now, "tasks/result", Some(json!({"taskId": ids[0]})));
    p.drive();
    assert!(responses(&mut p).is_empty());
    // The ttl runs on the engine's timer: just before, still there; at it, gone.
    p.advance(Duration::from_millis(999));
    assert_eq!(p.server.machine.engine().task_count(), 4);
    p.advance(Duration::from_millis(1));
    assert_eq!(p.server.machine.engine().task_count(), 2);
    let mut expired: Vec<String> = p
        .server
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::TaskExpired { task_id } => Some(task_id),
            _ => None,
        })
        .collect();
    expired.sort();
    let mut want = vec![ids[0].clone(), ids[1].clone()];
    want.sort();
    assert_eq!(expired, want);
    let r = responses(&mut p);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, waiting);
    assert_eq!(r[0].1.as_ref().unwrap_err().code.get(), -32602);
    assert_eq!(
        code(call(&mut p, "tasks/get", json!({"taskId": ids[0]}))),
        -32602
    );
    // Room again; a finished task is kept until its ttl too.
    call(
        &mut p,
        "tools/call",
        json!({"name":"quick","task":{"ttl": 100}}),
    )
    .unwrap();
    assert_eq!(p.server.machine.engine().task_count(), 3);
    p.advance(Duration::from_millis(100));
    assert_eq!(p.server.machine.engine().task_count(), 2);
    p.advance(Duration::from_secs(5));
    assert_eq!(p.server.machine.engine().task_count(), 0);
    assert_eq!(p.server.machine.engine().poll_timeout(), None);
}

#[test]
fn modern_capability_and_gating() {
    let mut p = modern(false);
    let d = call(&mut p, "server/discover", json!({})).unwrap();
    assert_eq!(d["capabilities"]["extensions"][tasks::EXTENSION], json!({}));
    assert!(d["capabilities"].get("tasks").is_none());
    // Without the extension: an optional tool runs plainly, a required one is -32021,
    // the task methods are -32021.
    let r = call(&mut p, "tools/call", json!({"name":"job"})).unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "sync");
    let e = call(&mut p, "tools/call", json!({"name":"must"})).unwrap_err();
    assert_eq!(e.code.get(), -32021);
    assert_eq!(
        e.data.unwrap()["requiredCapabilities"]["extensions"][tasks::EXTENSION],
        json!({})
    );
    for m in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let params = json!({"taskId":"x","inputResponses":{}});
        assert_eq!(code(call(&mut p, m, params)), -32021, "{m}");
    }
    // A server with no task tools does not have the methods at all.
    let mut q = Pair::new(
        StdioClient::new(Duration::from_secs(60)),
        StdioServer::new(
            Engine::new(Arc::new(Server::new("n", "1")), EngineConfig::default()),
            1 << 16,
        ),
    );
    q.client.machine.set_stateless(
        ProtocolVersion::V2026_07_28,
        json!({"extensions":{ tasks::EXTENSION: {} }}),
        info(),
    );
    assert_eq!(
        code(call(&mut q, "tasks/get", json!({"taskId":"x"}))),
        -32601
    );
    let d = call(&mut q, "server/discover", json!({})).unwrap();
    assert!(d["capabilities"].get("extensions").is_none());
}

#[test]
fn modern_server_directed_task() {
    let mut p = modern(true);
    // The legacy `task` param is ignored: a plain tool stays plain.
    let r = call(
        &mut p,
        "tools/call",
        json!({"name":"plain","task":{"ttl":5}}),
    )
    .unwrap();
    assert_eq!(r["resultType"], "complete");
    let created = call(&mut p, "tools/call", json!({"name":"job"})).unwrap();
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    assert_eq!(created["ttlMs"], 60_000);
    assert_eq!(created["pollIntervalMs"], 500);
    for absent in ["task", "ttl", "pollInterval", "result", "requestState"] {
        assert!(created.get(absent).is_none(), "{absent}");
    }
    let id = created["taskId"].as_str().unwrap().to_string();
    assert_eq!(started(&mut p), id);
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(
        (got["resultType"].as_str(), got["status"].as_str()),
        (Some("complete"), Some("working"))
    );
    assert!(got.get("result").is_none());
    // A tool error is `completed` with the result inlined, without related-task _meta.
    let now = p.now();
    p.server
        .machine
        .engine()
        .complete_task(now, &id, CallToolResult::error("tool said no"))
        .unwrap();
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "completed");
    assert_eq!(got["result"]["isError"], true);
    assert!(got["result"].get("_meta").is_none());
    // Cancelling a terminal task is the same empty ack.
    let ack = call(&mut p, "tasks/cancel", json!({"taskId": id})).unwrap();
    assert_eq!(ack["resultType"], "complete");
    assert!(ack.get("status").is_none());
    // No tasks/result and no tasks/list in the extension.
    for m in ["tasks/result", "tasks/list"] {
        assert_eq!(code(call(&mut p, m, json!({"taskId": id}))), -32601, "{m}");
    }
    // A protocol error: `failed` with the error inlined and no result.
    let created = call(&mut p, "tools/call", json!({"name":"must"})).unwrap();
    let id = created["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let now = p.now();
    p.server
        .machine
        .engine()
        .fail_task(now, &id, ErrorObject::internal("crashed"))
        .unwrap();
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "failed");
    assert_eq!(got["error"]["code"], -32603);
    assert!(got.get("result").is_none());
    // Cancelling a running one: ack, then `cancelled`.
    let created = call(&mut p, "tools/call", json!({"name":"must"})).unwrap();
    let id = created["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let ack = call(&mut p, "tasks/cancel", json!({"taskId": id})).unwrap();
    assert!(ack.get("taskId").is_none());
    assert_eq!(
        p.server.take_events(),
        [Event::TaskCancelled {
            task_id: id.clone()
        }]
    );
    assert_eq!(
        call(&mut p, "tasks/get", json!({"taskId": id})).unwrap()["status"],
        "cancelled"
    );
    assert_eq!(
        code(call(&mut p, "tasks/cancel", json!({"taskId": "nope"}))),
        -32602
    );
}

#[test]
fn modern_input_through_update() {
    let mut p = modern(true);
    let created = call(&mut p, "tools/call", json!({"name":"must"})).unwrap();
    let id = created["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let mut ask = Map::new();
    for k in ["a", "b"] {
        ask.insert(
            k.into(),
            json!({"method":"elicitation/create","params":{"message":k}}),
        );
    }
    let now = p.now();
    p.server
        .machine
        .engine()
        .task_input_required(now, &id, ask, None)
        .unwrap();
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "input_required");
    assert_eq!(got["inputRequests"]["a"]["params"]["message"], "a");
    // A partial answer (plus an unknown key, ignored): still input_required, only b left.
    let ack = call(
        &mut p,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"a": {"action":"accept"}, "zz": {}}}),
    )
    .unwrap();
    assert_eq!(ack["resultType"], "complete");
    assert!(ack.get("status").is_none());
    let events = p.server.take_events();
    let [
        Event::TaskInput {
            responses: answers, ..
        },
    ] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!(answers.keys().collect::<Vec<_>>(), ["a"]);
    let got = call(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "input_required");
    assert_eq!(got["inputRequests"].as_object().unwrap().len(), 1);
    assert!(got["inputRequests"].get("b").is_some());
    // Answering a key twice does nothing; the last one sends the task back to working.
    call(
        &mut p,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"a": {}}}),
    )
    .unwrap();
    assert!(p.server.take_events().is_empty());
    call(
        &mut p,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"b": {"action":"decline"}}}),
    )
    .unwrap();
    assert_eq!(p.server.take_events().len(), 1);
    assert_eq!(
        call(&mut p, "tasks/get", json!({"taskId": id})).unwrap()["status"],
        "working"
    );
    assert_eq!(
        code(call(
            &mut p,
            "tasks/update",
            json!({"taskId": id, "inputResponses": 3})
        )),
        -32602
    );
}

#[test]
fn the_two_wires_do_not_see_each_others_tasks() {
    // One stdio connection may carry a legacy session and stateless requests side by side.
    let mut p = legacy();
    let r = call(&mut p, "tools/call", json!({"name":"must","task":{}})).unwrap();
    let legacy_id = r["task"]["taskId"].as_str().unwrap().to_string();
    p.client.machine.set_stateless(
        ProtocolVersion::V2026_07_28,
        json!({"extensions":{ tasks::EXTENSION: {} }}),
        info(),
    );
    assert_eq!(
        code(call(&mut p, "tasks/get", json!({"taskId": legacy_id}))),
        -32602
    );
}

// ------------------------------------------------------------------ client-hosted tasks

/// A 2025-11-25 session whose client hosts elicitation tasks.
fn hosting() -> P {
    let mut p = pair_with(config());
    let now = p.now();
    let caps = json!({"elicitation":{}, "tasks":{"list":{},"cancel":{},"requests":{"elicitation":{"create":{}}}}});
    p.client
        .machine
        .initialize(now, ProtocolVersion::V2025_11_25, caps, info());
    p.drive();
    responses(&mut p);
    p.client.machine.notify("notifications/initialized", None);
    p.drive();
    p.server.take_events();
    p
}

/// Sends a server→client request and returns its answer.
fn ask(p: &mut P, method: &'static str, params: Value) -> Result<Value, ErrorObject> {
    let now = p.now();
    let out = p
        .server
        .machine
        .engine()
        .request(now, method, Some(params), None)
        .unwrap();
    p.drive();
    p.server
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Response { id, result } if id == out => Some(result),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no answer to {method}"))
}

fn elicitation(ttl: u64) -> Value {
    json!({"message":"Name?","requestedSchema":{"type":"object","properties":{}},"task":{"ttl": ttl}})
}

/// The server's request as the client application sees it.
fn app_request(p: &mut P) -> Id {
    let events = p.client.take_events();
    let [ClientEvent::Request(r)] = &events[..] else {
        panic!("one request, got {events:?}")
    };
    assert!(r.params.as_ref().unwrap().get("task").is_some());
    r.id.clone()
}

#[test]
fn client_hosted_task_lifecycle() {
    let mut p = hosting();
    let created = ask(&mut p, "elicitation/create", elicitation(5000)).unwrap();
    assert_eq!(created["task"]["status"], "working");
    assert_eq!(created["task"]["ttl"], 5000);
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    let request = app_request(&mut p);
    let got = ask(&mut p, "tasks/get", json!({"taskId": id})).unwrap();
    assert_eq!(got["status"], "working");
    // The server's tasks/result blocks until the application answers the request.
    let now = p.now();
    let waiting = p
        .server
        .machine
        .engine()
        .request(now, "tasks/result", Some(json!({"taskId": id})), None)
        .unwrap();
    p.drive();
    assert!(p.server.take_events().is_empty());
    p.client.machine.respond(
        request,
        Ok(json!({"action":"accept","content":{"name":"Ada"}})),
    );
    p.drive();
    let events = p.server.take_events();
    let status = events.iter().find_map(|e| match e {
        Event::Notification { method, params } if method == "notifications/tasks/status" => {
            params.clone()
        }
        _ => None,
    });
    assert_eq!(status.unwrap()["status"], "completed");
    let result = events
        .into_iter()
        .find_map(|e| match e {
            Event::Response { id, result } if id == waiting => Some(result),
            _ => None,
        })
        .unwrap()
        .unwrap();
    assert_eq!(result["content"]["name"], "Ada");
    assert_eq!(result["_meta"][tasks::RELATED_TASK]["taskId"], id.as_str());
    let listed = ask(&mut p, "tasks/list", json!({})).unwrap();
    assert_eq!(listed["tasks"][0]["taskId"], id.as_str());
    let e = ask(&mut p, "tasks/cancel", json!({"taskId": id})).unwrap_err();
    assert_eq!(e.code.get(), -32602);
    assert_eq!(
        p.client.machine.task_status(&id),
        Some(TaskStatus::Completed)
    );
    // Expired with its ttl, on the client's timer.
    p.advance(Duration::from_secs(5));
    assert_eq!(
        ask(&mut p, "tasks/get", json!({"taskId": id}))
            .unwrap_err()
            .code
            .get(),
        -32602
    );
}

#[test]
fn client_hosted_task_cancel_and_without_capability() {
    let mut p = hosting();
    let created = ask(&mut p, "elicitation/create", elicitation(60_000)).unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    let request = app_request(&mut p);
    let cancelled = ask(&mut p, "tasks/cancel", json!({"taskId": id})).unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    let events = p.client.take_events();
    assert!(events.contains(&ClientEvent::TaskCancelled {
        task_id: id.clone(),
        request: request.clone()
    }));
    // The application's late answer is dropped; the task stays cancelled.
    p.client
        .machine
        .respond(request, Ok(json!({"action":"accept"})));
    p.drive();
    assert!(p.server.take_events().is_empty());
    assert_eq!(
        ask(&mut p, "tasks/get", json!({"taskId": id})).unwrap()["status"],
        "cancelled"
    );
    assert!(ask(&mut p, "tasks/result", json!({"taskId": id})).is_err());

    // A client that declared no task support answers the request itself (metadata ignored).
    let mut p = legacy();
    let now = p.now();
    let out = p
        .server
        .machine
        .engine()
        .request(now, "elicitation/create", Some(elicitation(1000)), None)
        .unwrap();
    p.drive();
    let request = app_request(&mut p);
    p.client
        .machine
        .respond(request, Ok(json!({"action":"decline"})));
    p.drive();
    let events = p.server.take_events();
    assert!(events.contains(&Event::Response {
        id: out,
        result: Ok(json!({"action":"decline"}))
    }));
}

#[test]
fn legacy_task_progress_lives_with_the_task() {
    let mut p = legacy();
    let r = call(
        &mut p,
        "tools/call",
        json!({"name":"job","task":{},"_meta":{"progressToken":"tok"}}),
    )
    .unwrap();
    let id = r["task"]["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let e = p.server.machine.engine();
    assert_eq!(e.task_progress(&id, 1.0, Some(2.0), Some("half")), Ok(true));
    assert_eq!(
        e.task_progress(&id, 1.0, None, None),
        Err(Error::ProgressNotIncreasing)
    );
    p.drive();
    let events = p.client.take_events();
    let [ClientEvent::Notification(n)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(n.method, "notifications/progress");
    let params = n.params.clone().unwrap();
    assert_eq!(params["progressToken"], "tok");
    assert_eq!(params["_meta"][tasks::RELATED_TASK]["taskId"], id.as_str());
    let now = p.now();
    let e = p.server.machine.engine();
    e.complete_task(now, &id, CallToolResult::text("ok"))
        .unwrap();
    // No progress after the end.
    assert!(matches!(
        e.task_progress(&id, 2.0, None, None),
        Err(Error::TaskFinished { .. })
    ));
}

#[test]
fn modern_status_notifications_on_listen() {
    // Without the extension, asking for task notifications is -32021.
    let mut p = modern(false);
    let e = call(
        &mut p,
        "subscriptions/listen",
        json!({"notifications":{"taskIds":["x"]}}),
    )
    .unwrap_err();
    assert_eq!(e.code.get(), -32021);

    let mut p = modern(true);
    let created = call(&mut p, "tools/call", json!({"name":"must"})).unwrap();
    let id = created["taskId"].as_str().unwrap().to_string();
    started(&mut p);
    let now = p.now();
    let listen = p.client.machine.request(
        now,
        "subscriptions/listen",
        Some(json!({"notifications":{"taskIds":[id, "unknown"]}})),
    );
    p.drive();
    let events = p.client.take_events();
    let ack = events
        .iter()
        .find_map(|e| match e {
            ClientEvent::Notification(n)
                if n.method == "notifications/subscriptions/acknowledged" =>
            {
                n.params.clone()
            }
            _ => None,
        })
        .expect("an acknowledgement");
    // Only the task that exists is acknowledged.
    assert_eq!(ack["taskIds"], json!([id]));
    let now = p.now();
    p.server
        .machine
        .engine()
        .complete_task(now, &id, CallToolResult::text("fin"))
        .unwrap();
    p.drive();
    let events = p.client.take_events();
    let [ClientEvent::Notification(n)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(n.method, "notifications/tasks");
    let params = n.params.clone().unwrap();
    assert_eq!(params["status"], "completed");
    assert_eq!(params["result"]["content"][0]["text"], "fin");
    assert_eq!(
        params["_meta"]["io.modelcontextprotocol/subscriptionId"],
        listen.to_value()
    );
}

#[test]
fn client_hosted_answer_after_expiry_is_dropped() {
    // Found by fuzz/fuzz_targets/mcp_client_tasks.rs: the request was answered with the task
    // handle, so an answer after the task's ttl must not become a second response.
    let mut p = hosting();
    let created = ask(&mut p, "elicitation/create", elicitation(1000)).unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    let request = app_request(&mut p);
    p.advance(Duration::from_secs(1));
    assert_eq!(p.client.machine.task_status(&id), None);
    p.client
        .machine
        .respond(request, Ok(json!({"action":"accept"})));
    p.drive();
    assert!(p.server.take_events().is_empty());
}

#[test]
fn client_refuses_a_task_request_id_in_flight() {
    // Found by the same fuzz target: a server reusing an id still in flight gets -32600 and
    // the application is not handed the request twice.
    use fasterapi_core::{Machine, StreamMachine, Timestamp};
    let mut c = StdioClient::new(Duration::from_secs(60));
    let caps = json!({"elicitation":{}, "tasks":{"requests":{"elicitation":{"create":{}}}}});
    let t = Timestamp::ZERO;
    c.initialize(t, ProtocolVersion::V2025_11_25, caps, info());
    let line = b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"elicitation/create\",\"params\":{\"message\":\"?\",\"requestedSchema\":{},\"task\":{}}}\n";
    c.handle_input(t, line).unwrap();
    c.handle_input(t, line).unwrap();
    let mut out = vec![0u8; 8192];
    let n = c.poll_transmit(t, &mut out);
    let text = String::from_utf8_lossy(&out[..n]).to_string();
    let answers: Vec<Value> = text
        .lines()
        .skip(1) // initialize
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{text}");
    assert!(answers[0]["result"]["task"]["taskId"].is_string());
    assert_eq!(answers[1]["error"]["code"], -32600);
    let handed = core::iter::from_fn(|| c.poll_event())
        .filter(|e| matches!(e, ClientEvent::Request(_)))
        .count();
    assert_eq!(handed, 1);
}

#[test]
fn server_side_helpers_for_client_hosted_tasks() {
    // Refused when the client declared no task support for the method.
    let mut p = legacy();
    let now = p.now();
    let params = json!({"message":"?","requestedSchema":{"type":"object","properties":{}}});
    let e = p.server.machine.engine();
    assert!(matches!(
        e.request_as_task(
            now,
            "elicitation/create",
            params.clone(),
            Duration::from_secs(5),
            None
        ),
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        e.request_client_task(now, "tasks/list", None, None),
        Err(Error::NotAllowed { .. })
    ));

    let mut p = hosting();
    let now = p.now();
    let e = p.server.machine.engine();
    assert!(matches!(
        e.request_as_task(
            now,
            "sampling/createMessage",
            json!({}),
            Duration::from_secs(5),
            None
        ),
        Err(Error::NotAllowed { .. })
    ));
    let out = e
        .request_as_task(
            now,
            "elicitation/create",
            params,
            Duration::from_secs(5),
            None,
        )
        .unwrap();
    p.drive();
    let created = p
        .server
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Response { id, result } if id == out => Some(result),
            _ => None,
        })
        .unwrap()
        .unwrap();
    assert_eq!(created["task"]["ttl"], 5000);
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    app_request(&mut p);
    let now = p.now();
    let e = p.server.machine.engine();
    let get = e
        .request_client_task(now, "tasks/get", Some(&id), None)
        .unwrap();
    let list = e
        .request_client_task(now, "tasks/list", None, None)
        .unwrap();
    assert!(matches!(
        e.request_client_task(now, "tools/call", None, None),
        Err(Error::NotAllowed { .. })
    ));
    p.drive();
    let events = p.server.take_events();
    let answer = |want: i64| {
        events
            .iter()
            .find_map(|e| match e {
                Event::Response { id, result } if *id == want => Some(result.clone()),
                _ => None,
            })
            .unwrap()
            .unwrap()
    };
    assert_eq!(answer(get)["status"], "working");
    assert_eq!(answer(list)["tasks"][0]["taskId"], id.as_str());
}

#[test]
fn client_without_list_or_cancel_refuses_them() {
    use fasterapi_core::{Machine, StreamMachine, Timestamp};
    let mut c = StdioClient::new(Duration::from_secs(60));
    let caps = json!({"elicitation":{}, "tasks":{"requests":{"elicitation":{"create":{}}}}});
    let t = Timestamp::ZERO;
    c.initialize(t, ProtocolVersion::V2025_11_25, caps, info());
    for (id, m) in [(1, "tasks/list"), (2, "tasks/cancel"), (3, "tasks/get")] {
        let line = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{m}\",\"params\":{{\"taskId\":\"x\"}}}}\n"
        );
        c.handle_input(t, line.as_bytes()).unwrap();
    }
    let mut out = vec![0u8; 8192];
    let n = c.poll_transmit(t, &mut out);
    let codes: Vec<i64> = String::from_utf8_lossy(&out[..n])
        .lines()
        .skip(1)
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["error"]["code"]
                .as_i64()
                .unwrap()
        })
        .collect();
    // list and cancel were not declared: -32601; get exists, the task does not: -32602.
    assert_eq!(codes, [-32601, -32601, -32602]);
    assert!(c.poll_event().is_none());
}
