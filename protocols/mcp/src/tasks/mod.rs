//! Tasks: a `tools/call` answered with a durable task handle that the client polls.
//!
//! Two wire forms share one bounded store per [`Engine`]:
//!
//! * **2025-11-25** (experimental, in the core protocol, basic/utilities/tasks): the server
//!   declares `capabilities.tasks` (`list`, `cancel`, `requests.tools.call`); a tool declares
//!   `execution.taskSupport`; the client *augments* a `tools/call` with `params.task` (`ttl`)
//!   and gets a `CreateTaskResult` (`{ "task": Task }`); `tasks/get`, `tasks/result` (blocks
//!   until the task is terminal, then answers exactly what the call would have),
//!   `tasks/list` (paginated), `tasks/cancel`, and `notifications/tasks/status`. Input the
//!   task needs (elicitation, sampling) goes out as server→client requests carrying
//!   `_meta["io.modelcontextprotocol/related-task"]`, on the stream of a waiting
//!   `tasks/result`.
//! * **2026-07-28**, the `io.modelcontextprotocol/tasks` extension (SEP-2663): the client
//!   declares the extension in its per-request capabilities and the *server* decides to
//!   answer with a flat `CreateTaskResult` (`resultType: "task"`, `ttlMs`,
//!   `pollIntervalMs`); `tasks/get` inlines `result`, `error` or the outstanding
//!   `inputRequests`; `tasks/update` delivers `inputResponses`; `tasks/cancel` is an empty
//!   acknowledgement; there is no `tasks/result` and no `tasks/list`. A tool whose support
//!   is `required` refuses a client without the extension with -32021.
//!
//! The application runs a task like a deferred call: the tool handler answers
//! [`ToolReply::Defer`](crate::ToolReply::Defer); when the call may run as a task
//! ([`ToolCall::task`](crate::ToolCall::task)), the engine answers with the task handle and
//! emits [`Event::TaskStarted`]; the application later calls [`Engine::complete_task`],
//! [`Engine::fail_task`] or [`Engine::task_input_required`] (the answers come back as
//! [`Event::TaskInput`]). Tasks expire `ttl` after creation through the engine's
//! `poll_timeout` / `handle_timeout` — no clocks, no threads. The store holds at most
//! [`TaskConfig::max_tasks`] tasks (finished ones until their ttl), so memory is bounded.
//!
//! ```
//! use std::sync::Arc;
//! use fasterapi_core::Timestamp;
//! use fasterapi_mcp::tasks::{EXTENSION, TaskSupport};
//! use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Event, Server, ToolReply, schema};
//! use serde_json::{Value, json};
//!
//! let server = Server::new("jobs", "1")
//!     .tool("render", "Renders", schema::object(), |call| {
//!         if call.task { ToolReply::Defer } else { ToolReply::Done(CallToolResult::text("now")) }
//!     })
//!     .tool_task_support("render", TaskSupport::Optional);
//! let mut engine = Engine::new(Arc::new(server), EngineConfig::default());
//! let meta = json!({
//!     "io.modelcontextprotocol/protocolVersion": "2026-07-28",
//!     "io.modelcontextprotocol/clientCapabilities": { "extensions": { EXTENSION: {} } },
//! });
//! let send = |e: &mut Engine, now, method: &str, params: Value| -> Value {
//!     let mut params = params;
//!     params["_meta"] = meta.clone();
//!     let m = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
//!     e.handle_payload(now, m.to_string().as_bytes());
//!     let mut out = Vec::new();
//!     e.poll_output().expect("an answer").payload.encode(&mut out);
//!     serde_json::from_slice::<Value>(&out).unwrap()["result"].clone()
//! };
//! // The server decides: the client gets a task handle at once…
//! let t0 = Timestamp::ZERO;
//! let handle = send(&mut engine, t0, "tools/call", json!({"name": "render"}));
//! assert_eq!(handle["resultType"], "task");
//! let id = handle["taskId"].as_str().unwrap().to_string();
//! // …and the application runs it from its own loop.
//! let Some(Event::TaskStarted { task_id, .. }) = engine.poll_event() else { panic!() };
//! let t1 = Timestamp::from_secs(2);
//! engine.complete_task(t1, &task_id, CallToolResult::text("rendered"))?;
//! let polled = send(&mut engine, t1, "tasks/get", json!({"taskId": id}));
//! assert_eq!(polled["status"], "completed");
//! assert_eq!(polled["result"]["content"][0]["text"], "rendered");
//! # Ok::<(), fasterapi_mcp::Error>(())
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;

use fasterapi_core::Timestamp;
use serde_json::{Map, Value, json};

use crate::codes::ErrorCode;
use crate::engine::{Ctx, Engine, Event};
use crate::jsonrpc::{ErrorObject, Id, Message, Notification};
use crate::server::Server;
use crate::types::{CallToolResult, Tool};
use crate::{Error, ProtocolVersion};

mod client;
pub(crate) use client::ClientTasks;

/// The 2026-07-28 extension identifier (SEP-2663).
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// The `_meta` key tying a message to a task (2025-11-25 tasks §"Related Task Metadata").
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// A tool's `execution.taskSupport` (2025-11-25 tasks §"Tool-Level Negotiation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskSupport {
    /// Never a task (also what an absent declaration means).
    Forbidden,
    /// A task when the client allows it, a plain call otherwise.
    Optional,
    /// Only as a task: a client that cannot take one is refused.
    Required,
}

impl TaskSupport {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    /// What `tool` declares in `execution.taskSupport` (absent: forbidden).
    pub fn of(tool: &Tool) -> Self {
        let v = tool
            .extra
            .get("execution")
            .and_then(|e| e.get("taskSupport"))
            .and_then(Value::as_str);
        match v {
            Some("optional") => Self::Optional,
            Some("required") => Self::Required,
            _ => Self::Forbidden,
        }
    }
}

/// A task's status (2025-11-25 tasks §"Task Status Lifecycle"; the same set in SEP-2663).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskStatus {
    /// Running.
    Working,
    /// Waiting for input from the client.
    InputRequired,
    /// Finished with a result (terminal).
    Completed,
    /// Finished with an error (terminal).
    Failed,
    /// Cancelled (terminal).
    Cancelled,
}

impl TaskStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::InputRequired => "input_required",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// `completed`, `failed` and `cancelled` are terminal.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// Whether the lifecycle allows `self` → `next`: from `working` or `input_required` to
    /// any other status; never out of a terminal one (tasks §"Task Status Lifecycle" MUST).
    pub fn can_move_to(self, next: Self) -> bool {
        !self.is_terminal() && self != next
    }
}

/// Mints task ids. Without an authorization context to bind tasks to, ids MUST be
/// cryptographically secure (2025-11-25 tasks §"Task Isolation and Access Control"): give
/// one backed by a CSPRNG whenever tasks are reachable by more than one client (the
/// 2026-07-28 engine of an HTTP server).
#[derive(Clone)]
pub struct TaskIds(Arc<dyn Fn() -> String + Send + Sync>);

impl TaskIds {
    /// Ids from `mint` (must return unique, unguessable, visible-ASCII strings).
    pub fn new(mint: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self(Arc::new(mint))
    }

    /// Ids from a secret: the hex of SHA-256(secret ‖ n) for n = 1, 2, … — unique, and
    /// unguessable to anyone without `secret` (a preimage-resistant hash of a secret prefix
    /// and a counter), so no random source is needed per task. `secret` must come from a
    /// CSPRNG; `HttpServer::new` derives one from its session-id
    /// generator when no id source is configured.
    pub fn keyed(secret: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let prefix = Sha256::new_with_prefix(secret);
        let counter = AtomicUsize::new(0);
        Self::new(move || {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            let digest = prefix.clone().chain_update(n.to_be_bytes()).finalize();
            let mut id = String::with_capacity(40);
            id.push_str("task-");
            for b in &digest[..16] {
                id.push(char::from(HEX[usize::from(b >> 4)]));
                id.push(char::from(HEX[usize::from(b & 15)]));
            }
            id
        })
    }

    pub(crate) fn mint(&self) -> String {
        (self.0)()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for TaskIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskIds(..)")
    }
}

/// Limits and options of the task store, with safe defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskConfig {
    /// Tasks kept at most, finished ones included until their ttl ends; a call that would
    /// create one more is answered -32603. Default 128.
    pub max_tasks: usize,
    /// The ttl of a task the client asked no ttl for (and of every 2026-07-28 task).
    /// Default 10 min.
    pub default_ttl: Duration,
    /// The longest ttl granted (a longer request is cut down; no task is unlimited).
    /// Default 1 h.
    pub max_ttl: Duration,
    /// The `pollInterval` suggested to clients. Default 500 ms.
    pub poll_interval: Duration,
    /// Blocked 2025-11-25 `tasks/result` requests at most, over all tasks. Default 32.
    pub max_waiters: usize,
    /// Input requests one task may issue over its life. Default 32.
    pub max_input_requests: usize,
    /// The Unix time in milliseconds at `Timestamp::ZERO`, for `createdAt` and
    /// `lastUpdatedAt` (the engine reads no clock). Default 0.
    pub unix_ms_at_zero: u64,
    /// The task id source; `None` numbers tasks `task-1`, `task-2`, … which is only safe
    /// when the engine serves one client (a stdio connection, one legacy HTTP session).
    /// `HttpServer::new` fills in [`TaskIds::keyed`] ids when this is `None`.
    pub ids: Option<TaskIds>,
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self {
            max_tasks: 128,
            default_ttl: Duration::from_secs(600),
            max_ttl: Duration::from_secs(3600),
            poll_interval: Duration::from_millis(500),
            max_waiters: 32,
            max_input_requests: 32,
            unix_ms_at_zero: 0,
            ids: None,
        }
    }
}

/// How a `tools/call` runs as a task, decided before its handler.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskMode {
    /// The 2026-07-28 extension wire (else 2025-11-25).
    modern: bool,
    ttl: Duration,
}

#[derive(Debug)]
struct Record {
    seq: u64,
    modern: bool,
    status: TaskStatus,
    message: Option<String>,
    created: Timestamp,
    updated: Timestamp,
    ttl: Duration,
    caps: Arc<Map<String, Value>>,
    /// The final result or JSON-RPC error, once terminal (not for `cancelled`).
    outcome: Option<Result<Value, ErrorObject>>,
    /// Outstanding input requests: key → `{method, params}`.
    inputs: Map<String, Value>,
    /// Every key ever issued (keys are unique over a task's life, SEP-2663).
    issued: BTreeSet<String>,
    /// 2025-11-25: input requests sent to the client: outgoing request id → key.
    sent: BTreeMap<i64, String>,
    /// 2025-11-25: `tasks/result` requests waiting for the end: (id, batch).
    waiters: Vec<(Id, Option<u64>)>,
    /// 2025-11-25: the call's `progressToken` (valid for the task's life) and the last value.
    progress: Option<(Value, Option<f64>)>,
}

/// The tasks of one engine.
#[derive(Debug)]
pub(crate) struct TaskStore {
    config: TaskConfig,
    tasks: BTreeMap<String, Record>,
    by_seq: BTreeMap<u64, String>,
    next_seq: u64,
    waiters: usize,
}

impl TaskStore {
    pub(crate) fn new(config: TaskConfig) -> Self {
        Self {
            config,
            tasks: BTreeMap::new(),
            by_seq: BTreeMap::new(),
            next_seq: 1,
            waiters: 0,
        }
    }

    /// The earliest ttl end.
    pub(crate) fn next_expiry(&self) -> Option<Timestamp> {
        self.tasks
            .values()
            .map(|r| r.created.saturating_add(r.ttl))
            .min()
    }

    fn remove(&mut self, id: &str) -> Option<Record> {
        let r = self.tasks.remove(id)?;
        self.by_seq.remove(&r.seq);
        self.waiters -= r.waiters.len();
        Some(r)
    }

    fn mint(&mut self) -> Option<String> {
        for _ in 0..4 {
            let id = match &self.config.ids {
                Some(ids) => ids.mint(),
                None => format!("task-{}", self.next_seq),
            };
            if !id.is_empty() && !self.tasks.contains_key(&id) {
                return Some(id);
            }
        }
        None
    }

    fn iso(&self, t: Timestamp) -> String {
        let ms = self.config.unix_ms_at_zero + t.as_nanos() / 1_000_000;
        iso8601(ms)
    }
}

/// `unix_ms` as an RFC 3339 UTC timestamp with milliseconds (`2025-11-25T10:30:00.000Z`).
pub fn iso8601(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// What `tasks/result` answers for a terminal task: exactly the request's answer, with the
/// related-task `_meta` (§"Related Task Metadata": MUST on `tasks/result`); a cancelled task
/// has none and gets an error.
fn retrieved(
    task_id: &str,
    outcome: Option<Result<Value, ErrorObject>>,
) -> Result<Value, ErrorObject> {
    match outcome {
        Some(Ok(mut v)) => {
            if let Some(o) = v.as_object_mut() {
                let m = o.entry("_meta").or_insert_with(|| json!({}));
                if let Some(m) = m.as_object_mut() {
                    m.insert(RELATED_TASK.into(), json!({ "taskId": task_id }));
                }
            }
            Ok(v)
        }
        Some(Err(e)) => Err(e),
        None => Err(ErrorObject::internal("Task cancelled")
            .with_data(json!({ "taskId": task_id, "status": "cancelled" }))),
    }
}

/// The ids of the tasks whose `deadline` is at or before `now`.
fn expired<R>(
    tasks: &BTreeMap<String, R>,
    now: Timestamp,
    deadline: impl Fn(&R) -> Timestamp,
) -> Vec<String> {
    tasks
        .iter()
        .filter(|(_, r)| deadline(r) <= now)
        .map(|(k, _)| k.clone())
        .collect()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether `method` is one of the 2026-07-28 extension's methods (not in the core table).
pub(crate) fn is_extension_method(version: ProtocolVersion, method: &str) -> bool {
    version.is_stateless() && matches!(method, "tasks/get" | "tasks/update" | "tasks/cancel")
}

fn negotiated(ctx: &Ctx) -> bool {
    ctx.client_caps
        .get("extensions")
        .and_then(|e| e.get(EXTENSION))
        .is_some()
}

fn missing_extension() -> ErrorObject {
    // SEP-2663 §"Capability Negotiation": -32021 naming the extension.
    ErrorObject::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        "Missing required client capability",
    )
    .with_data(json!({ "requiredCapabilities": { "extensions": { EXTENSION: {} } } }))
}

fn not_found() -> ErrorObject {
    // 2025-11-25 tasks §"Protocol Errors": an unknown or expired task is -32602.
    ErrorObject::invalid_params("Failed to retrieve task: Task not found")
}

/// The capability an input request's method needs, as a static method name.
fn input_method(request: &Value) -> Option<(&'static str, &'static str)> {
    match request.get("method").and_then(Value::as_str)? {
        "elicitation/create" => Some(("elicitation/create", "elicitation")),
        "sampling/createMessage" => Some(("sampling/createMessage", "sampling")),
        "roots/list" => Some(("roots/list", "roots")),
        _ => None,
    }
}

impl Server {
    /// Sets `execution.taskSupport` of the tool named `name` (declared before).
    #[must_use]
    pub fn tool_task_support(mut self, name: &str, support: TaskSupport) -> Self {
        if let Some(t) = self.tools.iter_mut().find(|t| t.tool.name == name) {
            t.tool.extra.insert(
                "execution".into(),
                json!({ "taskSupport": support.as_str() }),
            );
        }
        self
    }

    /// Whether some tool may run as a task (then the capability is declared).
    pub fn supports_tasks(&self) -> bool {
        self.tools
            .iter()
            .any(|t| TaskSupport::of(&t.tool) != TaskSupport::Forbidden)
    }

    /// Adds the task capability of `version` to `caps`.
    pub(crate) fn add_task_capabilities(
        &self,
        version: ProtocolVersion,
        caps: &mut Map<String, Value>,
    ) {
        if !self.supports_tasks() {
            return;
        }
        if version.is_stateless() {
            let ext = caps.entry("extensions").or_insert_with(|| json!({}));
            if let Some(ext) = ext.as_object_mut() {
                ext.insert(EXTENSION.into(), json!({}));
            }
        } else if crate::methods::lookup(version, "tasks/get").is_some() {
            // The engine binds tasks to the connection (or HTTP session), so listing is safe
            // (tasks §"Task Isolation and Access Control").
            caps.insert(
                "tasks".into(),
                json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } }),
            );
        }
    }
}

impl Engine {
    fn legacy_tasks(&self, version: ProtocolVersion) -> bool {
        !version.is_stateless()
            && crate::methods::lookup(version, "tasks/get").is_some()
            && self.server.supports_tasks()
    }

    /// Decides, before the handler runs, whether a `tools/call` of `tool` runs as a task.
    pub(crate) fn task_mode(
        &self,
        tool: &Tool,
        params: &Map<String, Value>,
        ctx: &Ctx,
    ) -> Result<Option<TaskMode>, ErrorObject> {
        let support = TaskSupport::of(tool);
        let cfg = &self.config.tasks;
        if ctx.version.is_stateless() {
            // SEP-2663: the server decides; a legacy `task` param is ignored; a client
            // without the extension never gets a task, and a required tool refuses it.
            return match (support, negotiated(ctx)) {
                (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => Ok(None),
                (TaskSupport::Required, false) => Err(missing_extension()),
                (_, true) => Ok(Some(TaskMode {
                    modern: true,
                    ttl: cfg.default_ttl.min(cfg.max_ttl),
                })),
            };
        }
        // Receivers that do not declare the capability process requests normally, ignoring
        // task metadata (tasks §"Task Support and Handling").
        if !self.legacy_tasks(ctx.version) {
            return Ok(None);
        }
        let task = match params.get("task") {
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => Some(t),
            Some(_) => return Err(ErrorObject::invalid_params("task must be an object")),
        };
        match (support, task) {
            // Tool-level negotiation: -32601 both ways (SHOULD for forbidden, MUST for
            // required).
            (TaskSupport::Forbidden, Some(_)) => Err(ErrorObject::new(
                ErrorCode::METHOD_NOT_FOUND,
                "this tool does not support task-augmented execution",
            )),
            (TaskSupport::Required, None) => Err(ErrorObject::new(
                ErrorCode::METHOD_NOT_FOUND,
                "this tool must be called as a task (params.task)",
            )),
            (_, None) => Ok(None),
            (_, Some(t)) => {
                // The receiver MAY override the requested ttl (§"TTL and Resource
                // Management"); ours is capped so no task lives forever.
                let ttl = t
                    .get("ttl")
                    .and_then(Value::as_u64)
                    .map_or(cfg.default_ttl, Duration::from_millis)
                    .min(cfg.max_ttl);
                Ok(Some(TaskMode { modern: false, ttl }))
            }
        }
    }

    fn create_task(
        &mut self,
        now: Timestamp,
        mode: TaskMode,
        ctx: &Ctx,
    ) -> Result<String, ErrorObject> {
        let limit = self.config.tasks.max_tasks;
        if self.tasks.tasks.len() >= limit {
            let e = Error::TooManyTasks { limit };
            return Err(ErrorObject::internal(e.to_string()).with_data(json!({ "limit": limit })));
        }
        let id = self
            .tasks
            .mint()
            .ok_or_else(|| ErrorObject::internal("could not mint a unique task id"))?;
        let seq = self.tasks.next_seq;
        self.tasks.next_seq += 1;
        self.tasks.by_seq.insert(seq, id.clone());
        self.tasks.tasks.insert(
            id.clone(),
            Record {
                seq,
                modern: mode.modern,
                status: TaskStatus::Working,
                message: None,
                created: now,
                updated: now,
                ttl: mode.ttl,
                caps: Arc::clone(&ctx.client_caps),
                outcome: None,
                inputs: Map::new(),
                issued: BTreeSet::new(),
                sent: BTreeMap::new(),
                waiters: Vec::new(),
                progress: None,
            },
        );
        Ok(id)
    }

    /// The `Task` object on the record's wire (`detailed`: 2026-07-28 `DetailedTask`).
    fn task_json(&self, id: &str, detailed: bool) -> Value {
        let Some(r) = self.tasks.tasks.get(id) else {
            return Value::Null;
        };
        let cfg = &self.tasks.config;
        let mut o = Map::new();
        o.insert("taskId".into(), Value::from(id));
        o.insert("status".into(), Value::from(r.status.as_str()));
        if let Some(m) = &r.message {
            o.insert("statusMessage".into(), Value::from(m.as_str()));
        }
        o.insert("createdAt".into(), Value::from(self.tasks.iso(r.created)));
        o.insert(
            "lastUpdatedAt".into(),
            Value::from(self.tasks.iso(r.updated)),
        );
        let (ttl, poll) = if r.modern {
            ("ttlMs", "pollIntervalMs")
        } else {
            ("ttl", "pollInterval")
        };
        o.insert(ttl.into(), Value::from(millis(r.ttl)));
        o.insert(poll.into(), Value::from(millis(cfg.poll_interval).max(1)));
        if detailed {
            match (&r.status, &r.outcome) {
                (TaskStatus::InputRequired, _) => {
                    o.insert("inputRequests".into(), Value::Object(r.inputs.clone()));
                }
                (TaskStatus::Completed, Some(Ok(v))) => {
                    o.insert("result".into(), v.clone());
                }
                (TaskStatus::Failed, Some(Err(e))) => {
                    o.insert(
                        "error".into(),
                        serde_json::to_value(e).unwrap_or(Value::Null),
                    );
                }
                _ => {}
            }
        }
        Value::Object(o)
    }

    /// What a tool handler's immediate result becomes: a finished 2025-11-25 task when the
    /// call was task-augmented (the client expects a `CreateTaskResult`), else the result.
    pub(crate) fn tool_done(
        &mut self,
        now: Timestamp,
        mode: Option<TaskMode>,
        ctx: &Ctx,
        result: CallToolResult,
    ) -> Result<Option<Value>, ErrorObject> {
        let v = self.tool_result(ctx, result);
        match mode {
            Some(m) if !m.modern => {
                let id = self.create_task(now, m, ctx)?;
                self.settle(now, &id, Ok(v));
                Ok(Some(json!({ "task": self.task_json(&id, false) })))
            }
            _ => Ok(Some(v)),
        }
    }

    /// Starts a task for a deferred call: the handle now, [`Event::TaskStarted`] for the
    /// application.
    pub(crate) fn start_task(
        &mut self,
        now: Timestamp,
        mode: TaskMode,
        ctx: &Ctx,
        name: &str,
        params: &Map<String, Value>,
        arguments: &Map<String, Value>,
    ) -> Result<Option<Value>, ErrorObject> {
        let id = self.create_task(now, mode, ctx)?;
        // 2025-11-25 §"Task Progress Notifications": the token stays valid for the task's
        // life (SEP-2663 has no progress on tasks).
        let token = params
            .get("_meta")
            .and_then(|m| m.get("progressToken"))
            .filter(|_| !mode.modern)
            .cloned();
        if let (Some(t), Some(r)) = (token, self.tasks.tasks.get_mut(&id)) {
            r.progress = Some((t, None));
        }
        self.events.push_back(Event::TaskStarted {
            task_id: id.clone(),
            name: name.into(),
            arguments: arguments.clone(),
            version: ctx.version,
            input_responses: params.get("inputResponses").cloned(),
        });
        let task = self.task_json(&id, false);
        Ok(Some(if mode.modern {
            // SEP-2663 §"Task Creation": a flat `Result & Task`, `resultType: "task"`.
            let mut v = task;
            v["resultType"] = Value::from("task");
            v
        } else {
            json!({ "task": task })
        }))
    }

    /// `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`, `tasks/update`.
    pub(crate) fn task_method(
        &mut self,
        now: Timestamp,
        method: &str,
        id: &Id,
        params: &Map<String, Value>,
        ctx: &Ctx,
        batch: Option<u64>,
    ) -> Result<Option<Value>, ErrorObject> {
        let modern = ctx.version.is_stateless();
        if modern {
            if !self.server.supports_tasks() {
                return Err(ErrorObject::method_not_found(method));
            }
            // SEP-2663 §"Protocol Errors": non-declaring clients get -32021.
            if !negotiated(ctx) {
                return Err(missing_extension());
            }
        } else if !self.legacy_tasks(ctx.version) {
            // Not declared: the methods do not exist here.
            return Err(ErrorObject::method_not_found(method));
        }
        if method == "tasks/list" {
            return self.list_tasks(params).map(Some);
        }
        let task_id = params
            .get("taskId")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorObject::invalid_params("taskId is required"))?;
        // A task answers only on the wire it was created on.
        let status = match self.tasks.tasks.get(task_id) {
            Some(r) if r.modern == modern => r.status,
            _ => return Err(not_found()),
        };
        let task_id = String::from(task_id);
        match method {
            "tasks/get" => Ok(Some(self.task_json(&task_id, modern))),
            "tasks/result" => {
                if status.is_terminal() {
                    return self.task_outcome(&task_id).map(Some);
                }
                // Non-terminal: block until it is (§"Result Retrieval" MUST), bounded.
                if self.tasks.waiters >= self.tasks.config.max_waiters {
                    return Err(ErrorObject::internal(
                        "too many tasks/result requests waiting",
                    ));
                }
                self.tasks.waiters += 1;
                if let Some(r) = self.tasks.tasks.get_mut(&task_id) {
                    r.waiters.push((id.clone(), batch));
                }
                self.send_task_inputs(now, &task_id);
                Ok(None)
            }
            "tasks/cancel" => {
                if status.is_terminal() {
                    if modern {
                        // SEP-2663: the ack is idempotent.
                        return Ok(Some(json!({})));
                    }
                    // 2025-11-25 §"Task Cancellation": MUST reject with -32602.
                    return Err(ErrorObject::invalid_params(format!(
                        "Cannot cancel task: already in terminal status '{}'",
                        status.as_str()
                    )));
                }
                self.move_task(
                    now,
                    &task_id,
                    TaskStatus::Cancelled,
                    Some("The task was cancelled by request."),
                );
                self.answer_waiters(&task_id);
                self.events.push_back(Event::TaskCancelled {
                    task_id: task_id.clone(),
                });
                Ok(Some(if modern {
                    json!({})
                } else {
                    self.task_json(&task_id, false)
                }))
            }
            "tasks/update" if modern => {
                let responses = match params.get("inputResponses") {
                    Some(Value::Object(m)) => m,
                    _ => {
                        return Err(ErrorObject::invalid_params(
                            "inputResponses must be an object",
                        ));
                    }
                };
                let mut taken = Map::new();
                if let Some(r) = self.tasks.tasks.get_mut(&task_id) {
                    // Keys not outstanding are ignored (SEP-2663 §"Task Update Requests").
                    for (k, v) in responses {
                        if r.inputs.remove(k).is_some() {
                            taken.insert(k.clone(), v.clone());
                        }
                    }
                }
                self.inputs_answered(now, &task_id, taken);
                Ok(Some(json!({})))
            }
            _ => Err(ErrorObject::method_not_found(method)),
        }
    }

    fn list_tasks(&self, params: &Map<String, Value>) -> Result<Value, ErrorObject> {
        // Cursor: the opaque sequence number of the last task of the previous page.
        let after = match params.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(c)) => c
                .parse::<u64>()
                .map_err(|_| ErrorObject::invalid_params("invalid cursor"))?,
            Some(_) => return Err(ErrorObject::invalid_params("invalid cursor")),
        };
        let page = self.config.page_size.max(1);
        let mut tasks = Vec::new();
        let mut last = None;
        let mut more = false;
        for (seq, id) in self.tasks.by_seq.range(after + 1..) {
            if self.tasks.tasks.get(id).is_some_and(|r| r.modern) {
                continue;
            }
            if tasks.len() == page {
                more = true;
                break;
            }
            tasks.push(self.task_json(id, false));
            last = Some(*seq);
        }
        let mut v = json!({ "tasks": tasks });
        if let (true, Some(l)) = (more, last) {
            v["nextCursor"] = Value::from(l.to_string());
        }
        Ok(v)
    }

    /// What `tasks/result` answers for a terminal task: exactly the call's answer, with the
    /// related-task `_meta` (§"Related Task Metadata": MUST on `tasks/result`).
    fn task_outcome(&self, task_id: &str) -> Result<Value, ErrorObject> {
        retrieved(
            task_id,
            self.tasks
                .tasks
                .get(task_id)
                .and_then(|r| r.outcome.clone()),
        )
    }

    /// Moves a task to `next` (checked by the caller), stamps it, and tells a 2025-11-25
    /// client (`notifications/tasks/status`, §"Task Notifications": without related-task).
    fn move_task(
        &mut self,
        now: Timestamp,
        task_id: &str,
        next: TaskStatus,
        message: Option<&str>,
    ) {
        let Some(r) = self.tasks.tasks.get_mut(task_id) else {
            return;
        };
        r.status = next;
        r.updated = now.max(r.created);
        if let Some(m) = message {
            r.message = Some(m.into());
        }
        if next.is_terminal() {
            r.inputs.clear();
        }
        // Legacy tasks exist only in a session.
        if !r.modern {
            let params = self.task_json(task_id, false);
            self.push(
                None,
                false,
                Message::Notification(Notification {
                    method: "notifications/tasks/status".into(),
                    params: Some(params),
                }),
            );
            return;
        }
        // SEP-2663 §"Task Status Notifications": the DetailedTask, to the
        // `subscriptions/listen` streams that asked for this task.
        let listeners = self.listeners(|ack| {
            ack.get("taskIds")
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(task_id)))
        });
        for id in listeners {
            let mut params = self.task_json(task_id, true);
            params["_meta"] = json!({ crate::engine::meta::SUBSCRIPTION_ID: id.to_value() });
            self.push(
                Some(id),
                false,
                Message::Notification(Notification {
                    method: "notifications/tasks".into(),
                    params: Some(params),
                }),
            );
        }
    }

    /// `subscriptions/listen` with `notifications.taskIds` (SEP-2663): the ids acknowledged
    /// (the client's own 2026-07-28 tasks that exist); -32021 without the extension.
    pub(crate) fn listen_task_ids(
        &self,
        ids: &Value,
        ctx: &Ctx,
    ) -> Result<Option<Value>, ErrorObject> {
        if !ctx.version.is_stateless() || !self.server.supports_tasks() {
            return Ok(None);
        }
        if !negotiated(ctx) {
            return Err(missing_extension());
        }
        let ids = ids
            .as_array()
            .ok_or_else(|| ErrorObject::invalid_params("taskIds must be an array"))?;
        let known: Vec<Value> = ids
            .iter()
            .filter_map(Value::as_str)
            .filter(|id| self.tasks.tasks.get(*id).is_some_and(|r| r.modern))
            .map(Value::from)
            .collect();
        Ok(Some(Value::Array(known)))
    }

    /// Stores the call's final answer and moves the task to its terminal status.
    fn settle(&mut self, now: Timestamp, task_id: &str, outcome: Result<Value, ErrorObject>) {
        let Some(r) = self.tasks.tasks.get_mut(task_id) else {
            return;
        };
        let (status, message) = match &outcome {
            // 2025-11-25: a tool result with isError is a failed task; SEP-2663 keeps it
            // `completed` and reserves `failed` for JSON-RPC errors.
            Ok(v) if !r.modern && v.get("isError") == Some(&Value::Bool(true)) => (
                TaskStatus::Failed,
                Some(String::from("Tool execution failed")),
            ),
            Ok(_) => (TaskStatus::Completed, None),
            Err(e) => (TaskStatus::Failed, Some(e.message.clone())),
        };
        r.outcome = Some(outcome);
        self.move_task(now, task_id, status, message.as_deref());
        self.answer_waiters(task_id);
    }

    fn answer_waiters(&mut self, task_id: &str) {
        let waiters = match self.tasks.tasks.get_mut(task_id) {
            Some(r) => core::mem::take(&mut r.waiters),
            None => return,
        };
        self.tasks.waiters -= waiters.len();
        let answer = self.task_outcome(task_id);
        for (id, batch) in waiters {
            let m = match &answer {
                Ok(v) => Message::Response {
                    id: id.clone(),
                    result: v.clone(),
                },
                Err(e) => Message::Error {
                    id: Some(id.clone()),
                    error: e.clone(),
                },
            };
            self.finish(Some(id), batch, m);
        }
    }

    /// 2025-11-25: sends the task's unsent input requests to the client, tagged with the
    /// task, on the stream of a waiting `tasks/result` (§"Input Required Status").
    fn send_task_inputs(&mut self, now: Timestamp, task_id: &str) {
        let Some(r) = self.tasks.tasks.get(task_id) else {
            return;
        };
        let Some((waiter, _)) = r.waiters.first().cloned() else {
            return;
        };
        if r.modern {
            return;
        }
        let sent: BTreeSet<&String> = r.sent.values().collect();
        let unsent: Vec<(String, Value)> = r
            .inputs
            .iter()
            .filter(|(k, _)| !sent.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, request) in unsent {
            let Some((method, _)) = input_method(&request) else {
                continue;
            };
            let mut params = request.get("params").cloned().unwrap_or_else(|| json!({}));
            if let Some(p) = params.as_object_mut() {
                let m = p.entry("_meta").or_insert_with(|| json!({}));
                if let Some(m) = m.as_object_mut() {
                    m.insert(RELATED_TASK.into(), json!({ "taskId": task_id }));
                }
            }
            match self.request(now, method, Some(params), Some(&waiter)) {
                Ok(out) => {
                    if let Some(r) = self.tasks.tasks.get_mut(task_id) {
                        r.sent.insert(out, key);
                    }
                }
                Err(e) => {
                    // It cannot go out: answer it as an error so the task can go on.
                    let mut taken = Map::new();
                    if let Some(r) = self.tasks.tasks.get_mut(task_id) {
                        r.inputs.remove(&key);
                    }
                    taken.insert(
                        key,
                        json!({ "error": { "code": -32603, "message": e.to_string() } }),
                    );
                    self.inputs_answered(now, task_id, taken);
                }
            }
        }
    }

    /// Answers to input requests arrived: tell the application, and go back to `working`
    /// once none is outstanding (§"Input Required Status": SHOULD).
    fn inputs_answered(&mut self, now: Timestamp, task_id: &str, responses: Map<String, Value>) {
        if responses.is_empty() {
            return;
        }
        let back = self
            .tasks
            .tasks
            .get(task_id)
            .is_some_and(|r| r.status == TaskStatus::InputRequired && r.inputs.is_empty());
        if back {
            self.move_task(now, task_id, TaskStatus::Working, None);
        }
        self.events.push_back(Event::TaskInput {
            task_id: task_id.into(),
            responses,
        });
    }

    /// A response to a server→client request: a task's input, or [`Event::Response`].
    pub(crate) fn deliver_response(&mut self, id: i64, result: Result<Value, ErrorObject>) {
        let owner = self
            .tasks
            .tasks
            .iter()
            .find(|(_, r)| r.sent.contains_key(&id))
            .map(|(k, _)| k.clone());
        let Some(task_id) = owner else {
            self.events.push_back(Event::Response { id, result });
            return;
        };
        let now = self.now;
        let mut taken = Map::new();
        if let Some(r) = self.tasks.tasks.get_mut(&task_id) {
            if let Some(key) = r.sent.remove(&id) {
                r.inputs.remove(&key);
                let v = match result {
                    Ok(v) => v,
                    Err(e) => json!({ "error": e }),
                };
                taken.insert(key, v);
            }
        }
        self.inputs_answered(now, &task_id, taken);
    }

    /// A cancelled `tasks/result` request stops waiting.
    pub(crate) fn forget_task_waiter(&mut self, id: &Id) {
        for r in self.tasks.tasks.values_mut() {
            let before = r.waiters.len();
            r.waiters.retain(|(w, _)| w != id);
            self.tasks.waiters -= before - r.waiters.len();
        }
    }

    /// Drops tasks whose ttl ended (§"TTL and Resource Management": MAY delete, results
    /// included); a running one gives [`Event::TaskExpired`].
    pub(crate) fn expire_tasks(&mut self, now: Timestamp) {
        let due = expired(&self.tasks.tasks, now, |r| r.created.saturating_add(r.ttl));
        for task_id in due {
            let Some(r) = self.tasks.remove(&task_id) else {
                continue;
            };
            for (id, batch) in r.waiters {
                let e = ErrorObject::invalid_params("Failed to retrieve task: Task has expired");
                self.finish(
                    Some(id.clone()),
                    batch,
                    Message::Error {
                        id: Some(id),
                        error: e,
                    },
                );
            }
            if !r.status.is_terminal() {
                self.events.push_back(Event::TaskExpired { task_id });
            }
        }
    }

    /// On close: waiting `tasks/result` requests get an error.
    pub(crate) fn close_tasks(&mut self) {
        let ids: Vec<String> = self.tasks.tasks.keys().cloned().collect();
        for task_id in ids {
            let waiters = match self.tasks.tasks.get_mut(&task_id) {
                Some(r) => core::mem::take(&mut r.waiters),
                None => continue,
            };
            self.tasks.waiters -= waiters.len();
            for (id, batch) in waiters {
                self.finish(
                    Some(id.clone()),
                    batch,
                    Message::Error {
                        id: Some(id),
                        error: ErrorObject::internal("server shutting down"),
                    },
                );
            }
        }
    }

    fn running_task(&self, task_id: &str) -> Result<TaskStatus, Error> {
        let r = self.tasks.tasks.get(task_id).ok_or(Error::UnknownTask)?;
        if r.status.is_terminal() {
            return Err(Error::TaskFinished {
                status: r.status.as_str(),
            });
        }
        Ok(r.status)
    }

    // ------------------------------------------------------------------ actions

    /// Finishes a task with the tool's result (a result with `isError` is a failed task in
    /// 2025-11-25, a completed one in 2026-07-28). Waiting `tasks/result` requests are
    /// answered.
    ///
    /// # Errors
    /// [`Error::UnknownTask`] (never created, or expired), [`Error::TaskFinished`] (already
    /// terminal, e.g. cancelled by the client: the result is dropped, as cancelled tasks stay
    /// cancelled).
    pub fn complete_task(
        &mut self,
        now: Timestamp,
        task_id: &str,
        result: CallToolResult,
    ) -> Result<(), Error> {
        self.running_task(task_id)?;
        let version = if self.tasks.tasks.get(task_id).is_some_and(|r| r.modern) {
            ProtocolVersion::LATEST
        } else {
            ProtocolVersion::LATEST_LEGACY
        };
        let ctx = Ctx {
            version,
            client_caps: Arc::new(Map::new()),
            log_level: None,
        };
        let v = self.tool_result(&ctx, result);
        self.settle(now, task_id, Ok(v));
        Ok(())
    }

    /// Finishes a task with a JSON-RPC error (status `failed`; `tasks/result` answers the
    /// error, `tasks/get` of 2026-07-28 inlines it).
    ///
    /// # Errors
    /// As [`Engine::complete_task`].
    pub fn fail_task(
        &mut self,
        now: Timestamp,
        task_id: &str,
        error: ErrorObject,
    ) -> Result<(), Error> {
        self.running_task(task_id)?;
        self.settle(now, task_id, Err(error));
        Ok(())
    }

    /// Asks the client for input: `requests` maps keys (unique over the task's life) to
    /// `{ "method": "elicitation/create" | "sampling/createMessage" | "roots/list",
    /// "params": … }`. The task moves to `input_required`; 2026-07-28 clients read them from
    /// `tasks/get` and answer with `tasks/update`; 2025-11-25 clients get them as requests
    /// tagged with the task on the stream of their `tasks/result`. The answers come as
    /// [`Event::TaskInput`]; once none is outstanding the task is `working` again.
    ///
    /// # Errors
    /// As [`Engine::complete_task`]; [`Error::NotAllowed`] for a method the client did not
    /// declare the capability for (or another method); [`Error::InvalidTaskInput`] for an
    /// empty map, a key used before, or more than [`TaskConfig::max_input_requests`].
    pub fn task_input_required(
        &mut self,
        now: Timestamp,
        task_id: &str,
        requests: Map<String, Value>,
        message: Option<&str>,
    ) -> Result<(), Error> {
        let status = self.running_task(task_id)?;
        let limit = self.tasks.config.max_input_requests;
        let r = self.tasks.tasks.get(task_id).ok_or(Error::UnknownTask)?;
        if requests.is_empty() || r.issued.len() + requests.len() > limit {
            return Err(Error::InvalidTaskInput);
        }
        for (k, req) in &requests {
            if r.issued.contains(k) {
                return Err(Error::InvalidTaskInput);
            }
            let (method, cap) = input_method(req).ok_or(Error::NotAllowed {
                method: "input request",
            })?;
            // A server MUST NOT rely on capabilities the client did not declare.
            if !r.caps.contains_key(cap) {
                return Err(Error::NotAllowed { method });
            }
        }
        let r = self
            .tasks
            .tasks
            .get_mut(task_id)
            .ok_or(Error::UnknownTask)?;
        for (k, req) in requests {
            r.issued.insert(k.clone());
            r.inputs.insert(k, req);
        }
        if status == TaskStatus::InputRequired {
            if let Some(m) = message {
                r.message = Some(m.into());
            }
            r.updated = now.max(r.created);
        } else {
            self.move_task(now, task_id, TaskStatus::InputRequired, message);
        }
        self.send_task_inputs(now, task_id);
        Ok(())
    }

    /// Reports progress on a 2025-11-25 task whose call carried a `progressToken` (the
    /// notification carries the related-task `_meta`); `Ok(false)` without a token.
    ///
    /// # Errors
    /// As [`Engine::complete_task`] (no progress once terminal);
    /// [`Error::ProgressNotIncreasing`].
    pub fn task_progress(
        &mut self,
        task_id: &str,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) -> Result<bool, Error> {
        self.running_task(task_id)?;
        let r = self
            .tasks
            .tasks
            .get_mut(task_id)
            .ok_or(Error::UnknownTask)?;
        let Some((token, last)) = r.progress.as_mut() else {
            return Ok(false);
        };
        if last.is_some_and(|l| progress <= l) {
            return Err(Error::ProgressNotIncreasing);
        }
        *last = Some(progress);
        let mut params = json!({
            "progressToken": token.clone(),
            "progress": progress,
            "_meta": { RELATED_TASK: { "taskId": task_id } },
        });
        if let Some(t) = total {
            params["total"] = json!(t);
        }
        if let Some(m) = message {
            params["message"] = Value::from(m);
        }
        self.push(
            None,
            false,
            Message::Notification(Notification {
                method: "notifications/progress".into(),
                params: Some(params),
            }),
        );
        Ok(true)
    }

    /// 2025-11-25: sends a task-augmented `sampling/createMessage` or `elicitation/create`
    /// to a client that declared `tasks.requests.sampling.createMessage` /
    /// `tasks.requests.elicitation.create` (`params.task` with `ttl`). Its answer
    /// ([`Event::Response`]) is a `CreateTaskResult`; follow the task with
    /// [`Engine::request_client_task`].
    ///
    /// # Errors
    /// [`Error::NotAllowed`] without a 2025-11-25 session or without that capability; as
    /// [`Engine::request`] otherwise.
    pub fn request_as_task(
        &mut self,
        now: Timestamp,
        method: &'static str,
        mut params: Value,
        ttl: Duration,
        related: Option<&Id>,
    ) -> Result<i64, Error> {
        let declared = self.client_tasks().and_then(|t| {
            let (a, b) = method.split_once('/')?;
            t.get("requests")?.get(a)?.get(b)
        });
        if declared.is_none() || !params.is_object() {
            return Err(Error::NotAllowed { method });
        }
        params["task"] = json!({ "ttl": millis(ttl) });
        self.request(now, method, Some(params), related)
    }

    /// 2025-11-25: `tasks/get`, `tasks/result`, `tasks/list` or `tasks/cancel` to the client
    /// about the tasks it hosts (answers as [`Event::Response`]); `tasks/list` and
    /// `tasks/cancel` need the client's `tasks.list` / `tasks.cancel`.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for another method or a missing capability; as
    /// [`Engine::request`] otherwise.
    pub fn request_client_task(
        &mut self,
        now: Timestamp,
        method: &'static str,
        task_id: Option<&str>,
        related: Option<&Id>,
    ) -> Result<i64, Error> {
        let cap = match method {
            "tasks/get" | "tasks/result" => None,
            "tasks/list" => Some("list"),
            "tasks/cancel" => Some("cancel"),
            _ => return Err(Error::NotAllowed { method }),
        };
        let tasks = self.client_tasks().ok_or(Error::NotAllowed { method })?;
        if cap.is_some_and(|c| tasks.get(c).is_none()) {
            return Err(Error::NotAllowed { method });
        }
        let params = task_id.map(|t| json!({ "taskId": t }));
        self.request(now, method, params, related)
    }

    fn client_tasks(&self) -> Option<&Value> {
        let v = self.negotiated_version()?;
        crate::methods::lookup(v, "tasks/get")?;
        self.session_capabilities()?.get("tasks")
    }

    /// The status of a task this engine holds.
    pub fn task_status(&self, task_id: &str) -> Option<TaskStatus> {
        self.tasks.tasks.get(task_id).map(|r| r.status)
    }

    /// Tasks held (finished ones until their ttl ends).
    pub fn task_count(&self) -> usize {
        self.tasks.tasks.len()
    }
}

#[cfg(test)]
mod keyed_ids {
    use super::TaskIds;

    #[test]
    fn keyed_ids_are_distinct_per_call_and_per_secret() {
        let a = TaskIds::keyed(b"secret one");
        let b = TaskIds::keyed(b"secret two");
        let first: alloc::vec::Vec<_> = (0..100).map(|_| a.mint()).collect();
        let mut sorted = first.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 100, "ids repeat");
        assert!(
            first
                .iter()
                .all(|id| id.len() == 37 && id.starts_with("task-"))
        );
        assert!(first[0].bytes().skip(5).all(|c| c.is_ascii_hexdigit()));
        // Another secret gives another sequence; the same secret the same one.
        assert_ne!(b.mint(), first[0]);
        assert_eq!(TaskIds::keyed(b"secret one").mint(), first[0]);
    }
}
