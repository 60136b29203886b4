//! The MCP client machine as the receiver of client-hosted tasks (2025-11-25): a client that
//! declared task support gets a fuzzer-chosen mix of task-augmented server requests, the
//! server's `tasks/*` requests (known and bogus ids, odd params), raw bytes, application
//! answers and timeouts. Never panics; every server request is answered at most once; every
//! output line is one JSON-RPC 2.0 message.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use core::time::Duration;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_mcp::jsonrpc::{CodecLimits, Id, Message, Payload};
use fasterapi_mcp::{ClientEvent, ProtocolVersion, StdioClient};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Debug, Arbitrary)]
enum Step {
    /// A task-augmented `elicitation/create` or `sampling/createMessage`.
    Augmented {
        id: u8,
        sampling: bool,
        ttl: u16,
        task: u8,
    },
    /// `tasks/get|result|list|cancel` on a known task (or a bogus id / params).
    TaskMethod {
        id: u8,
        method: u8,
        which: u8,
        bogus: bool,
    },
    /// The application answers a request it was handed.
    Respond {
        which: u8,
        ok: bool,
    },
    Raw(Vec<u8>),
    Advance(u16),
}

const METHODS: &[&str] = &["tasks/get", "tasks/result", "tasks/list", "tasks/cancel"];

fuzz_target!(|steps: Vec<Step>| {
    let mut c = StdioClient::new(Duration::from_secs(60));
    let mut now = Timestamp::from_secs(1);
    let caps = json!({"elicitation": {}, "sampling": {},
        "tasks": {"list": {}, "cancel": {}, "requests": {"elicitation": {"create": {}}, "sampling": {"createMessage": {}}}}});
    c.initialize(
        now,
        ProtocolVersion::V2025_11_25,
        caps,
        json!({"name": "f", "version": "1"}),
    );
    let mut handed: Vec<Id> = Vec::new();
    let mut task_ids: Vec<String> = Vec::new();
    let mut sent: BTreeMap<Id, usize> = BTreeMap::new();
    let mut answered: BTreeMap<Id, usize> = BTreeMap::new();
    let mut buf = [0u8; 4096];
    let mut pending = Vec::new();
    // The initialize request's own line is not a server request: skip it.
    while c.poll_transmit(now, &mut buf) > 0 {}
    for step in steps.into_iter().take(48) {
        let line = match step {
            Step::Augmented {
                id,
                sampling,
                ttl,
                task,
            } => {
                let method = if sampling {
                    "sampling/createMessage"
                } else {
                    "elicitation/create"
                };
                let task = match task % 3 {
                    0 => json!({"ttl": ttl}),
                    1 => json!({}),
                    _ => json!("not an object"),
                };
                let m = json!({"jsonrpc": "2.0", "id": format!("s{id}"), "method": method,
                    "params": {"message": "?", "requestedSchema": {}, "messages": [], "maxTokens": 1, "task": task}});
                Some((Id::from(format!("s{id}").as_str()), m))
            }
            Step::TaskMethod {
                id,
                method,
                which,
                bogus,
            } => {
                let method = METHODS[usize::from(method) % METHODS.len()];
                let task = task_ids
                    .get(usize::from(which) % task_ids.len().max(1))
                    .cloned()
                    .unwrap_or_else(|| "none".into());
                let params = if bogus {
                    json!({"taskId": which, "cursor": which})
                } else {
                    json!({"taskId": task, "cursor": which.to_string()})
                };
                let m = json!({"jsonrpc": "2.0", "id": i64::from(id), "method": method, "params": params});
                Some((Id::Number(i64::from(id)), m))
            }
            Step::Respond { which, ok } => {
                if !handed.is_empty() {
                    let id = handed.remove(usize::from(which) % handed.len());
                    let r = if ok {
                        Ok(json!({"action": "accept", "content": {}}))
                    } else {
                        Err(fasterapi_mcp::ErrorObject::internal("no"))
                    };
                    c.respond(id, r);
                }
                None
            }
            Step::Raw(bytes) => {
                let mut b = bytes;
                b.push(b'\n');
                let _ = c.handle_input(now, &b);
                None
            }
            Step::Advance(s) => {
                now = now.saturating_add(Duration::from_millis(u64::from(s) * 10));
                let _ = c.handle_timeout(now);
                None
            }
        };
        if let Some((id, m)) = line {
            *sent.entry(id).or_default() += 1;
            let mut b = m.to_string().into_bytes();
            b.push(b'\n');
            let _ = c.handle_input(now, &b);
        }
        while let Some(ev) = c.poll_event() {
            if let ClientEvent::Request(r) = ev {
                handed.push(r.id);
            }
        }
        loop {
            let n = c.poll_transmit(now, &mut buf);
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
        }
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let m = match Payload::parse(&line[..line.len() - 1], &CodecLimits::default()) {
                Ok(Payload::Single(m)) => m,
                other => panic!("not one JSON-RPC message: {other:?}"),
            };
            let id = match &m {
                Message::Response { id, result } => {
                    if let Some(t) = result
                        .get("task")
                        .and_then(|t| t.get("taskId"))
                        .and_then(Value::as_str)
                    {
                        task_ids.push(t.into());
                    }
                    Some(id.clone())
                }
                Message::Error { id, .. } => id.clone(),
                _ => None,
            };
            if let Some(id) = id {
                let n = answered.entry(id.clone()).or_default();
                *n += 1;
                // Raw bytes may carry requests the counter does not see: only count ours.
                if let Some(&s) = sent.get(&id) {
                    assert!(*n <= s, "second answer to {id}");
                }
            }
        }
    }
});
