//! Client-hosted tasks (2025-11-25 basic/utilities/tasks): a server may augment
//! `sampling/createMessage` and `elicitation/create` with `params.task` when the client
//! declared `tasks.requests.sampling.createMessage` / `tasks.requests.elicitation.create`.
//! [`StdioClient`] then is the receiver: it answers the request at once with a
//! `CreateTaskResult`, still hands the request to the application (which answers it with
//! [`StdioClient::respond`] as usual — the answer becomes the task's result), and serves the
//! server's `tasks/get`, `tasks/result` (blocking), `tasks/list` and `tasks/cancel` itself,
//! with `notifications/tasks/status` on each change. Bounded by the same [`TaskConfig`] as
//! the server side; ttl expiry rides on the client's `poll_timeout` / `handle_timeout`.
//! (2026-07-28 removed client-hosted tasks: servers ask through `input_required` instead.)

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use fasterapi_core::Timestamp;
use serde_json::{Map, Value, json};

use super::{TaskConfig, TaskStatus, expired, iso8601, millis, retrieved};
use crate::client::{ClientEvent, StdioClient};
use crate::jsonrpc::{ErrorObject, Id, Message, Notification, Request};

#[derive(Debug)]
struct Record {
    seq: u64,
    /// The server's request the task wraps (answered by the application).
    request: Id,
    status: TaskStatus,
    message: Option<String>,
    created: Timestamp,
    updated: Timestamp,
    ttl: Duration,
    outcome: Option<Result<Value, ErrorObject>>,
    /// The server's `tasks/result` requests waiting for the end.
    waiters: Vec<Id>,
}

/// The tasks a client hosts.
#[derive(Debug)]
pub(crate) struct ClientTasks {
    config: TaskConfig,
    /// The `capabilities.tasks` the client declared at `initialize`.
    declared: Option<Value>,
    tasks: BTreeMap<String, Record>,
    by_request: BTreeMap<Id, String>,
    /// Requests of expired tasks the application may still answer (already answered with
    /// the task handle, so a late answer is dropped); the oldest beyond `max_tasks` go.
    orphans: VecDeque<Id>,
    next_seq: u64,
    waiters: usize,
}

impl ClientTasks {
    pub(crate) fn new(config: TaskConfig) -> Self {
        Self {
            config,
            declared: None,
            tasks: BTreeMap::new(),
            by_request: BTreeMap::new(),
            orphans: VecDeque::new(),
            next_seq: 1,
            waiters: 0,
        }
    }

    /// Remembers the client's declared `tasks` capability.
    pub(crate) fn declare(&mut self, capabilities: &Value) {
        self.declared = capabilities.get("tasks").cloned();
    }

    pub(crate) fn next_expiry(&self) -> Option<Timestamp> {
        self.tasks
            .values()
            .map(|r| r.created.saturating_add(r.ttl))
            .min()
    }

    /// Whether the client declared task support for `method` (`tasks.requests.<a>.<b>`).
    fn accepts(&self, method: &str) -> bool {
        let Some((a, b)) = method.split_once('/') else {
            return false;
        };
        self.declared
            .as_ref()
            .and_then(|t| t.get("requests"))
            .and_then(|r| r.get(a))
            .and_then(|r| r.get(b))
            .is_some()
    }

    fn json(&self, id: &str) -> Value {
        let Some(r) = self.tasks.get(id) else {
            return Value::Null;
        };
        let iso = |t: Timestamp| iso8601(self.config.unix_ms_at_zero + t.as_nanos() / 1_000_000);
        let mut v = json!({
            "taskId": id,
            "status": r.status.as_str(),
            "createdAt": iso(r.created),
            "lastUpdatedAt": iso(r.updated),
            "ttl": millis(r.ttl),
            "pollInterval": millis(self.config.poll_interval).max(1),
        });
        if let Some(m) = &r.message {
            v["statusMessage"] = Value::from(m.as_str());
        }
        v
    }

    fn outcome(&self, id: &str) -> Result<Value, ErrorObject> {
        retrieved(id, self.tasks.get(id).and_then(|r| r.outcome.clone()))
    }
}

fn reply(id: Id, result: Result<Value, ErrorObject>) -> Message {
    match result {
        Ok(result) => Message::Response { id, result },
        Err(error) => Message::Error {
            id: Some(id),
            error,
        },
    }
}

impl StdioClient {
    /// Sets the limits of the tasks this client hosts (before any arrives).
    pub fn set_task_config(&mut self, config: TaskConfig) {
        self.tasks = ClientTasks::new(config);
    }

    /// The status of a task this client hosts.
    pub fn task_status(&self, task_id: &str) -> Option<TaskStatus> {
        self.tasks.tasks.get(task_id).map(|r| r.status)
    }

    /// Handles a server request that concerns tasks; gives back the ones for the application.
    pub(crate) fn task_request(&mut self, r: Request) -> Option<Request> {
        let declared = self.tasks.declared.is_some();
        match r.method.as_str() {
            "sampling/createMessage" | "elicitation/create" => {
                let task = r
                    .params
                    .as_ref()
                    .and_then(|p| p.get("task"))
                    .and_then(Value::as_object);
                // Without the capability, task metadata is ignored (§"Task Support and
                // Handling").
                let (Some(task), true) = (task, self.tasks.accepts(&r.method)) else {
                    return Some(r);
                };
                // The id MUST NOT be one still in flight (basic §"Requests").
                if self.tasks.by_request.contains_key(&r.id) {
                    let e = ErrorObject::new(
                        crate::ErrorCode::INVALID_REQUEST,
                        "request id already in use",
                    );
                    self.queue(&reply(r.id, Err(e)));
                    return None;
                }
                let ttl = task
                    .get("ttl")
                    .and_then(Value::as_u64)
                    .map_or(self.tasks.config.default_ttl, Duration::from_millis)
                    .min(self.tasks.config.max_ttl);
                match self.create_client_task(&r.id, ttl) {
                    Ok(id) => {
                        let m = reply(r.id.clone(), Ok(json!({ "task": self.tasks.json(&id) })));
                        self.queue(&m);
                        Some(r)
                    }
                    Err(e) => {
                        self.queue(&reply(r.id, Err(e)));
                        None
                    }
                }
            }
            "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel" if declared => {
                // `tasks.list` / `tasks.cancel` say whether those exist here (§"Capabilities").
                let undeclared = match r.method.as_str() {
                    "tasks/list" => Some("list"),
                    "tasks/cancel" => Some("cancel"),
                    _ => None,
                }
                .filter(|k| {
                    self.tasks
                        .declared
                        .as_ref()
                        .and_then(|t| t.get(*k))
                        .is_none()
                });
                if undeclared.is_some() {
                    let e = ErrorObject::method_not_found(&r.method);
                    self.queue(&reply(r.id, Err(e)));
                    return None;
                }
                let answer = self.task_method(&r);
                if let Some(a) = answer {
                    self.queue(&reply(r.id, a));
                }
                None
            }
            _ => Some(r),
        }
    }

    fn create_client_task(&mut self, request: &Id, ttl: Duration) -> Result<String, ErrorObject> {
        let t = &mut self.tasks;
        if t.tasks.len() >= t.config.max_tasks {
            let limit = t.config.max_tasks;
            return Err(ErrorObject::internal(format!("more than {limit} tasks"))
                .with_data(json!({ "limit": limit })));
        }
        let seq = t.next_seq;
        t.next_seq += 1;
        let id = match &t.config.ids {
            Some(ids) => ids.mint(),
            None => format!("task-{seq}"),
        };
        if id.is_empty() || t.tasks.contains_key(&id) {
            return Err(ErrorObject::internal("could not mint a unique task id"));
        }
        let now = self.now;
        t.by_request.insert(request.clone(), id.clone());
        t.tasks.insert(
            id.clone(),
            Record {
                seq,
                request: request.clone(),
                status: TaskStatus::Working,
                message: None,
                created: now,
                updated: now,
                ttl,
                outcome: None,
                waiters: Vec::new(),
            },
        );
        Ok(id)
    }

    /// `None`: the answer comes later (a blocked `tasks/result`).
    fn task_method(&mut self, r: &Request) -> Option<Result<Value, ErrorObject>> {
        let empty = Map::new();
        let params = r
            .params
            .as_ref()
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if r.method == "tasks/list" {
            return Some(self.list_client_tasks(params));
        }
        let Some(id) = params.get("taskId").and_then(Value::as_str) else {
            return Some(Err(ErrorObject::invalid_params("taskId is required")));
        };
        let Some(status) = self.tasks.tasks.get(id).map(|t| t.status) else {
            return Some(Err(ErrorObject::invalid_params(
                "Failed to retrieve task: Task not found",
            )));
        };
        let id = String::from(id);
        match r.method.as_str() {
            "tasks/get" => Some(Ok(self.tasks.json(&id))),
            "tasks/result" if status.is_terminal() => Some(self.tasks.outcome(&id)),
            "tasks/result" => {
                if self.tasks.waiters >= self.tasks.config.max_waiters {
                    return Some(Err(ErrorObject::internal(
                        "too many tasks/result requests waiting",
                    )));
                }
                self.tasks.waiters += 1;
                if let Some(t) = self.tasks.tasks.get_mut(&id) {
                    t.waiters.push(r.id.clone());
                }
                None
            }
            _ => {
                // tasks/cancel.
                if status.is_terminal() {
                    return Some(Err(ErrorObject::invalid_params(format!(
                        "Cannot cancel task: already in terminal status '{}'",
                        status.as_str()
                    ))));
                }
                self.settle_client_task(&id, TaskStatus::Cancelled, None);
                let request = self.tasks.tasks.get(&id).map(|t| t.request.clone());
                if let Some(request) = request {
                    self.events.push_back(ClientEvent::TaskCancelled {
                        task_id: id.clone(),
                        request,
                    });
                }
                Some(Ok(self.tasks.json(&id)))
            }
        }
    }

    fn list_client_tasks(&self, params: &Map<String, Value>) -> Result<Value, ErrorObject> {
        let after = match params.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(c)) => c
                .parse::<u64>()
                .map_err(|_| ErrorObject::invalid_params("invalid cursor"))?,
            Some(_) => return Err(ErrorObject::invalid_params("invalid cursor")),
        };
        const PAGE: usize = 100;
        let mut all: Vec<(u64, &String)> = self
            .tasks
            .tasks
            .iter()
            .filter(|(_, r)| r.seq > after)
            .map(|(k, r)| (r.seq, k))
            .collect();
        all.sort();
        let tasks: Vec<Value> = all
            .iter()
            .take(PAGE)
            .map(|(_, k)| self.tasks.json(k))
            .collect();
        let mut v = json!({ "tasks": tasks });
        if all.len() > PAGE {
            v["nextCursor"] = Value::from(all[PAGE - 1].0.to_string());
        }
        Ok(v)
    }

    /// Moves a task to a terminal status, answers its waiters, tells the server.
    fn settle_client_task(
        &mut self,
        id: &str,
        status: TaskStatus,
        outcome: Option<Result<Value, ErrorObject>>,
    ) {
        let now = self.now;
        let Some(t) = self.tasks.tasks.get_mut(id) else {
            return;
        };
        if !t.status.can_move_to(status) {
            return;
        }
        t.status = status;
        t.updated = now.max(t.created);
        t.message = match (&outcome, status) {
            (Some(Err(e)), _) => Some(e.message.clone()),
            (_, TaskStatus::Cancelled) => Some("The task was cancelled by request.".into()),
            _ => None,
        };
        t.outcome = outcome;
        let waiters = core::mem::take(&mut t.waiters);
        self.tasks.waiters -= waiters.len();
        let answer = self.tasks.outcome(id);
        for w in waiters {
            self.queue(&reply(w, answer.clone()));
        }
        let params = self.tasks.json(id);
        self.queue(&Message::Notification(Notification {
            method: "notifications/tasks/status".into(),
            params: Some(params),
        }));
    }

    /// The application's answer to a request that became a task: it is the task's result.
    /// Returns whether `id` was such a request.
    pub(crate) fn task_answer(&mut self, id: &Id, result: &Result<Value, ErrorObject>) -> bool {
        let Some(task) = self.tasks.by_request.remove(id) else {
            // The task expired: its request was answered with the handle already.
            let orphan = self.tasks.orphans.iter().position(|o| o == id);
            return orphan.is_some_and(|i| self.tasks.orphans.remove(i).is_some());
        };
        let status = if result.is_ok() {
            TaskStatus::Completed
        } else {
            TaskStatus::Failed
        };
        // A cancelled task stays cancelled: the answer is dropped.
        self.settle_client_task(&task, status, Some(result.clone()));
        true
    }

    /// Drops the tasks whose ttl ended.
    pub(crate) fn expire_client_tasks(&mut self, now: Timestamp) {
        let due = expired(&self.tasks.tasks, now, |r| r.created.saturating_add(r.ttl));
        for id in due {
            let Some(r) = self.tasks.tasks.remove(&id) else {
                continue;
            };
            if self.tasks.by_request.remove(&r.request).is_some() {
                if self.tasks.orphans.len() >= self.tasks.config.max_tasks.max(1) {
                    self.tasks.orphans.pop_front();
                }
                self.tasks.orphans.push_back(r.request.clone());
            }
            self.tasks.waiters -= r.waiters.len();
            for w in r.waiters {
                let e = ErrorObject::invalid_params("Failed to retrieve task: Task has expired");
                self.queue(&reply(w, Err(e)));
            }
        }
    }
}
