//! The server engine: one connection's (or one HTTP session's) MCP state machine at the
//! message level. Transports ([`StdioServer`](crate::StdioServer), the Streamable HTTP
//! adapter) feed it payloads and write out its [`Output`]s.
//!
//! It serves both eras side by side (2026-07-28 basic/versioning §"Backward Compatibility"):
//! a request whose `_meta` carries `io.modelcontextprotocol/protocolVersion` is served
//! statelessly under that revision; otherwise the connection's `initialize` handshake decides.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use fasterapi_core::Timestamp;
use serde_json::{Map, Value, json};

use crate::codes::ErrorCode;
use crate::jsonrpc::{CodecLimits, ErrorObject, Id, Message, Notification, Payload, Request};
use crate::methods::{self, Kind, Sender};
use crate::mrtr::{self, Binding, Input, Sealing, StateKey};
use crate::server::{CompletionRef, Server, ToolCall, ToolReply, check_arguments, match_template};
use crate::tasks::{TaskConfig, TaskStore};
use crate::types::{CallToolResult, LoggingLevel};
use crate::{Error, ProtocolVersion};

/// `_meta` keys of 2026-07-28 (basic §"`_meta`").
pub mod meta {
    /// The request's protocol version.
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// The client's capabilities for this request.
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// The client's identity.
    pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
    /// The minimum log level for this request.
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    /// The server's identity, in every result.
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    /// The subscription a notification belongs to.
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
}

/// Options and limits of an [`Engine`], with safe defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The revisions served, oldest first. Default: all five.
    pub versions: Vec<ProtocolVersion>,
    /// Codec limits (message size, batch length).
    pub codec: CodecLimits,
    /// Items per page of the list methods. Default 100.
    pub page_size: usize,
    /// How long a deferred request may wait for the application before the engine answers
    /// it with an error. Default 60 s.
    pub request_timeout: Duration,
    /// How long a server→client request may wait for its response. Default 60 s.
    pub outgoing_timeout: Duration,
    /// Deferred client requests in flight at most; more are refused. Default 128.
    pub max_pending: usize,
    /// Server→client requests in flight at most. Default 16.
    pub max_outgoing: usize,
    /// 2026-07-28 cache hint `ttlMs` on list, read and discover results. Default 60 000.
    pub cache_ttl_ms: u64,
    /// 2026-07-28 cache hint `cacheScope`: `"public"` or `"private"`. Default `"public"`.
    pub cache_scope: &'static str,
    /// 2026-07-28 multi round-trip: the key that authenticates `requestState`
    /// ([`crate::mrtr`]). Default `None` (the engine has no randomness): an
    /// `InputRequiredResult` then carries no state, and a handler's state is refused.
    /// [`HttpServer`](crate::HttpServer) derives one from its session-id generator.
    pub state_key: Option<StateKey>,
    /// How long a `requestState` stays valid (sealed into it). Default 10 minutes.
    pub request_state_ttl: Duration,
    /// Tasks ([`crate::tasks`]): limits, ttl, poll interval, id source, wall clock.
    pub tasks: TaskConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            versions: ProtocolVersion::ALL.to_vec(),
            codec: CodecLimits::default(),
            page_size: 100,
            request_timeout: Duration::from_secs(60),
            outgoing_timeout: Duration::from_secs(60),
            max_pending: 128,
            max_outgoing: 16,
            cache_ttl_ms: 60_000,
            cache_scope: "public",
            state_key: None,
            request_state_ttl: Duration::from_secs(600),
            tasks: TaskConfig::default(),
        }
    }
}

/// What the engine tells the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A legacy client finished the handshake (`notifications/initialized`).
    Initialized {
        /// The negotiated revision.
        version: ProtocolVersion,
        /// The client's identity.
        client_info: Value,
    },
    /// A deferred `tools/call` waits for [`Engine::complete`].
    ToolCall {
        /// The request id.
        id: Id,
        /// The tool.
        name: String,
        /// The arguments.
        arguments: Map<String, Value>,
        /// The revision it is served under.
        version: ProtocolVersion,
        /// Whether the client asked for progress (a `progressToken`).
        wants_progress: bool,
    },
    /// The client cancelled a deferred request; answering it now is refused.
    Cancelled {
        /// The request id.
        id: Id,
        /// The client's reason.
        reason: Option<String>,
    },
    /// A deferred request timed out; the engine answered it with an error.
    TimedOut {
        /// The request id.
        id: Id,
    },
    /// The answer to a server→client request ([`Engine::request`]), or its timeout.
    Response {
        /// The id the engine gave it.
        id: i64,
        /// The result, or the error (a timeout is `REQUEST_TIMEOUT`).
        result: Result<Value, ErrorObject>,
    },
    /// A client notification the engine does not handle itself (`roots/list_changed`, …).
    Notification {
        /// The method.
        method: String,
        /// The parameters.
        params: Option<Value>,
    },
    /// A timer set with [`Engine::wake_at`] is due.
    Wake {
        /// The caller's token.
        token: u64,
    },
    /// A `tools/call` became a task ([`crate::tasks`]): run it, then
    /// [`Engine::complete_task`] or [`Engine::fail_task`].
    TaskStarted {
        /// The task id.
        task_id: String,
        /// The tool.
        name: String,
        /// The arguments.
        arguments: Map<String, Value>,
        /// The revision it is served under.
        version: ProtocolVersion,
        /// 2026-07-28: the `inputResponses` of the round that created the task.
        input_responses: Option<Value>,
    },
    /// Answers to a task's input requests ([`Engine::task_input_required`]), by key; a
    /// 2025-11-25 request that failed is `{"error": {code, message}}`.
    TaskInput {
        /// The task id.
        task_id: String,
        /// The answers.
        responses: Map<String, Value>,
    },
    /// The client cancelled a running task; finishing it now is refused.
    TaskCancelled {
        /// The task id.
        task_id: String,
    },
    /// A running task outlived its ttl and was dropped.
    TaskExpired {
        /// The task id.
        task_id: String,
    },
}

/// One unit of output: a message or a batch response, and the client request it belongs to
/// (for transports that route per request, such as a Streamable HTTP POST stream).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// What to send.
    pub payload: OutPayload,
    /// The client request this answers or reports on; `None` for connection-wide messages.
    pub related: Option<Id>,
    /// Whether this is the final message for `related` (its response).
    pub is_final: bool,
}

/// What an [`Output`] holds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OutPayload {
    /// One message.
    Single(Message),
    /// A batch response (2025-03-26).
    Batch(Vec<Message>),
    /// One message already encoded as compact JSON (no newline): the engine writes a
    /// `tools/call` response answered at once straight into bytes, without building a
    /// `serde_json::Value` first. [`OutPayload::messages`] decodes it back.
    Encoded(Vec<u8>),
}

impl OutPayload {
    /// Appends the JSON encoding (no newline) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Single(m) => m.encode(out),
            Self::Batch(ms) => crate::jsonrpc::encode_batch(ms, out),
            Self::Encoded(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// The messages it holds (an [`OutPayload::Encoded`] one decoded again).
    pub fn messages(self) -> Vec<Message> {
        match self {
            Self::Single(m) => alloc::vec![m],
            Self::Batch(ms) => ms,
            Self::Encoded(bytes) => match Payload::parse(&bytes, &CodecLimits::default()) {
                Ok(Payload::Single(m)) => alloc::vec![m],
                // The engine encoded it from a message: it always decodes to one.
                _ => Vec::new(),
            },
        }
    }
}

/// The revision and client context a request is served under.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) version: ProtocolVersion,
    /// Shared with the session: requests clone a pointer, not the map.
    pub(crate) client_caps: Arc<Map<String, Value>>,
    /// 2026-07-28 per-request log level (`None`: no log notifications for it).
    pub(crate) log_level: Option<LoggingLevel>,
}

#[derive(Debug)]
struct Session {
    version: ProtocolVersion,
    client_caps: Arc<Map<String, Value>>,
    initialized: bool,
    log_level: LoggingLevel,
    subscriptions: BTreeSet<String>,
}

#[derive(Debug)]
struct Pending {
    ctx: Ctx,
    progress_token: Option<Value>,
    last_progress: Option<f64>,
    deadline: Timestamp,
    batch: Option<u64>,
    /// A `subscriptions/listen` stream: (filter, resource URIs).
    listen: Option<(Map<String, Value>, BTreeSet<String>)>,
}

#[derive(Debug)]
struct Outgoing {
    deadline: Timestamp,
}

#[derive(Debug)]
struct Batch {
    remaining: usize,
    responses: Vec<Message>,
}

/// One connection's MCP server state machine.
#[derive(Debug)]
pub struct Engine {
    pub(crate) server: Arc<Server>,
    pub(crate) config: EngineConfig,
    session: Option<Session>,
    pending: BTreeMap<Id, Pending>,
    outgoing: BTreeMap<i64, Outgoing>,
    next_outgoing: i64,
    batches: BTreeMap<u64, Batch>,
    next_batch: u64,
    wakes: Vec<(Timestamp, u64)>,
    output: VecDeque<Output>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) now: Timestamp,
    closed: bool,
    pub(crate) tasks: TaskStore,
}

fn invalid(msg: &str) -> ErrorObject {
    ErrorObject::invalid_params(msg)
}

impl Engine {
    /// An engine for one connection to `server`.
    pub fn new(server: Arc<Server>, config: EngineConfig) -> Self {
        let tasks = TaskStore::new(config.tasks.clone());
        Self {
            server,
            config,
            session: None,
            pending: BTreeMap::new(),
            outgoing: BTreeMap::new(),
            next_outgoing: 1,
            batches: BTreeMap::new(),
            next_batch: 0,
            wakes: Vec::new(),
            output: VecDeque::new(),
            events: VecDeque::new(),
            now: Timestamp::ZERO,
            closed: false,
            tasks,
        }
    }

    /// The server this engine serves.
    pub fn server(&self) -> &Arc<Server> {
        &self.server
    }

    /// The legacy revision negotiated by `initialize`, if any.
    pub fn negotiated_version(&self) -> Option<ProtocolVersion> {
        self.session.as_ref().map(|s| s.version)
    }

    /// The capabilities the legacy client declared in `initialize`.
    pub(crate) fn session_capabilities(&self) -> Option<&Map<String, Value>> {
        self.session.as_ref().map(|s| &*s.client_caps)
    }

    /// Whether the engine is closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    // ------------------------------------------------------------------ inputs

    /// Handles one received payload (a stdio line, an HTTP POST body). Malformed input is
    /// answered on the wire, never an error.
    pub fn handle_payload(&mut self, now: Timestamp, input: &[u8]) {
        self.now = now;
        if self.closed {
            return;
        }
        // A plain single `tools/call` is read by a typed parse into the same request the
        // general parse makes, without a `Value` for the envelope ([`crate::hot`]).
        if let Some(r) = crate::hot::parse_tools_call(input, &self.config.codec) {
            return self.handle_request(now, r, None);
        }
        match Payload::parse(input, &self.config.codec) {
            Err(rejected) => self.push_final(rejected.id.clone(), rejected.response()),
            Ok(Payload::Single(m)) => self.handle_message(now, m, None),
            Ok(Payload::Batch(items)) => {
                // Batches exist only in 2025-03-26 (basic §"JSON-RPC Batching"); it MUST NOT
                // carry `initialize`, so a batch needs an initialized session of that revision.
                let allowed = self
                    .session
                    .as_ref()
                    .is_some_and(|s| s.version.allows_batches());
                if !allowed {
                    self.push_final(
                        None,
                        Message::Error {
                            id: None,
                            error: ErrorObject::new(
                                ErrorCode::INVALID_REQUEST,
                                "JSON-RPC batches are not supported by the negotiated protocol version",
                            ),
                        },
                    );
                    return;
                }
                let key = self.next_batch;
                self.next_batch += 1;
                let requests = items
                    .iter()
                    .filter(|m| matches!(m, Ok(Message::Request(_)) | Err(_)))
                    .count();
                self.batches.insert(
                    key,
                    Batch {
                        remaining: requests,
                        responses: Vec::new(),
                    },
                );
                for item in items {
                    match item {
                        Ok(m) => self.handle_message(now, m, Some(key)),
                        Err(r) => self.finish(r.id.clone(), Some(key), r.response()),
                    }
                }
                self.flush_batch(key);
            }
        }
    }

    /// Handles one parsed message; `batch` names the batch it came in.
    fn handle_message(&mut self, now: Timestamp, m: Message, batch: Option<u64>) {
        match m {
            Message::Request(r) => self.handle_request(now, r, batch),
            Message::Notification(n) => self.handle_notification(n),
            Message::Response { id, result } => self.handle_response(id, Ok(result)),
            Message::Error {
                id: Some(id),
                error,
            } => self.handle_response(id, Err(error)),
            // An error without an id answers something we could not have sent: ignore.
            Message::Error { id: None, .. } => {}
        }
    }

    fn handle_response(&mut self, id: Id, result: Result<Value, ErrorObject>) {
        let Id::Number(n) = id else { return };
        if self.outgoing.remove(&n).is_some() {
            self.deliver_response(n, result);
        }
    }

    fn handle_notification(&mut self, n: Notification) {
        let params = n.params.as_ref().and_then(Value::as_object);
        match n.method.as_str() {
            "notifications/initialized" => {
                if let Some(s) = self.session.as_mut() {
                    if !s.initialized {
                        s.initialized = true;
                        let info = s.client_caps.get("__clientInfo").cloned();
                        self.events.push_back(Event::Initialized {
                            version: s.version,
                            client_info: info.unwrap_or(Value::Null),
                        });
                    }
                }
            }
            "notifications/cancelled" => {
                let Some(id) = params
                    .and_then(|p| p.get("requestId"))
                    .and_then(|v| serde_json::from_value::<Id>(v.clone()).ok())
                else {
                    return;
                };
                let reason = params
                    .and_then(|p| p.get("reason"))
                    .and_then(Value::as_str)
                    .map(ToString::to_string);
                // Cancelling an unknown or finished request is ignored
                // (basic/utilities/cancellation §"Behavior Requirements").
                self.forget_task_waiter(&id);
                if let Some(p) = self.pending.remove(&id) {
                    if let Some(b) = p.batch {
                        // No response for it: the batch waits for one fewer.
                        if let Some(batch) = self.batches.get_mut(&b) {
                            batch.remaining -= 1;
                        }
                        self.flush_batch(b);
                    }
                    if p.listen.is_none() {
                        self.events.push_back(Event::Cancelled { id, reason });
                    }
                }
            }
            _ => self.events.push_back(Event::Notification {
                method: n.method,
                params: n.params,
            }),
        }
    }

    fn era(&self, r: &Request) -> Result<Ctx, ErrorObject> {
        let params = r.params.as_ref().and_then(Value::as_object);
        let req_meta = params
            .and_then(|p| p.get("_meta"))
            .and_then(Value::as_object);
        if let Some(v) = req_meta.and_then(|m| m.get(meta::PROTOCOL_VERSION)) {
            let requested = v.as_str().unwrap_or_default();
            let version = ProtocolVersion::parse(requested)
                .filter(|v| v.is_stateless() && self.config.versions.contains(v));
            let Some(version) = version else {
                // 2026-07-28 basic/versioning §"Protocol Version Negotiation": list what we
                // support, legacy revisions included (a dual-era client may fall back).
                let all: Vec<&str> = self.config.versions.iter().map(|v| v.as_str()).collect();
                return Err(ErrorObject::new(
                    ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
                    "Unsupported protocol version",
                )
                .with_data(json!({ "supported": all, "requested": v })));
            };
            let caps = req_meta
                .and_then(|m| m.get(meta::CLIENT_CAPABILITIES))
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| {
                    invalid("_meta io.modelcontextprotocol/clientCapabilities is required")
                })?;
            let log_level = req_meta
                .and_then(|m| m.get(meta::LOG_LEVEL))
                .and_then(|l| serde_json::from_value(l.clone()).ok());
            return Ok(Ctx {
                version,
                client_caps: Arc::new(caps),
                log_level,
            });
        }
        match &self.session {
            Some(s) => Ok(Ctx {
                version: s.version,
                client_caps: Arc::clone(&s.client_caps),
                log_level: Some(s.log_level),
            }),
            None if r.method == "ping" => Ok(Ctx {
                version: ProtocolVersion::LATEST_LEGACY,
                client_caps: Arc::new(Map::new()),
                log_level: None,
            }),
            None => Err(ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                "no session: send initialize first, or carry io.modelcontextprotocol/protocolVersion in _meta",
            )),
        }
    }

    fn handle_request(&mut self, now: Timestamp, r: Request, batch: Option<u64>) {
        let id = r.id.clone();
        if self.pending.contains_key(&id) {
            // The id MUST NOT match a request still in flight (basic §"Requests").
            let e = ErrorObject::new(ErrorCode::INVALID_REQUEST, "request id already in use");
            return self.finish(
                Some(id.clone()),
                batch,
                Message::Error {
                    id: Some(id),
                    error: e,
                },
            );
        }
        if r.method == "initialize" && !carries_version(&r) {
            let m = self.initialize(&r, batch);
            return self.finish(Some(id), batch, m);
        }
        let ctx = match self.era(&r) {
            Ok(ctx) => ctx,
            Err(error) => {
                return self.finish(
                    Some(id.clone()),
                    batch,
                    Message::Error {
                        id: Some(id),
                        error,
                    },
                );
            }
        };
        let known = methods::lookup(ctx.version, &r.method)
            .filter(|m| m.kind == Kind::Request && m.sender != Sender::Server);
        // The 2026-07-28 tasks extension's methods are not in the core method table.
        let extension = crate::tasks::is_extension_method(ctx.version, &r.method);
        if known.is_none() && !extension {
            let e = ErrorObject::method_not_found(&r.method);
            return self.finish(
                Some(id.clone()),
                batch,
                Message::Error {
                    id: Some(id),
                    error: e,
                },
            );
        }
        let empty = Map::new();
        let params = r
            .params
            .as_ref()
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let result = match r.method.as_str() {
            "ping" => Ok(Some(json!({}))),
            "server/discover" => Ok(Some(self.discover())),
            "logging/setLevel" => self.set_level(params),
            "tools/list" => self.list(params, "tools", &ctx),
            "resources/list" => self.list(params, "resources", &ctx),
            "resources/templates/list" => self.list(params, "resourceTemplates", &ctx),
            "prompts/list" => self.list(params, "prompts", &ctx),
            "resources/read" => self.read(params, &ctx),
            "resources/subscribe" | "resources/unsubscribe" => {
                self.subscribe(params, r.method == "resources/subscribe")
            }
            "prompts/get" => self.get_prompt(params, &ctx),
            "completion/complete" => self.complete_args(params),
            "tools/call" => self.call_tool(now, &id, params, &ctx, batch),
            "subscriptions/listen" => self.listen(now, &id, params, &ctx),
            "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel" | "tasks/update" => {
                self.task_method(now, &r.method, &id, params, &ctx, batch)
            }
            _ => Err(ErrorObject::method_not_found(&r.method)),
        };
        match result {
            Ok(Some(v)) => {
                let v = finish_result(&self.server, &self.config, &ctx, &r.method, v);
                self.finish(Some(id.clone()), batch, Message::Response { id, result: v });
            }
            Ok(None) => {} // deferred
            Err(error) => self.finish(
                Some(id.clone()),
                batch,
                Message::Error {
                    id: Some(id),
                    error,
                },
            ),
        }
    }

    fn initialize(&mut self, r: &Request, batch: Option<u64>) -> Message {
        let id = r.id.clone();
        let fail = |e: ErrorObject| Message::Error {
            id: Some(id.clone()),
            error: e,
        };
        if batch.is_some() {
            // 2025-03-26 lifecycle: initialize MUST NOT be part of a batch.
            return fail(ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                "initialize must not be batched",
            ));
        }
        if self.session.is_some() {
            return fail(ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                "already initialized",
            ));
        }
        let params = r.params.as_ref().and_then(Value::as_object);
        let Some(requested) = params
            .and_then(|p| p.get("protocolVersion"))
            .and_then(Value::as_str)
        else {
            return fail(invalid("initialize needs params.protocolVersion"));
        };
        let legacy: Vec<ProtocolVersion> = self
            .config
            .versions
            .iter()
            .copied()
            .filter(|v| !v.is_stateless())
            .collect();
        let Some(&newest) = legacy.last() else {
            // A modern-only server names its versions (basic/versioning §"Backward
            // Compatibility").
            let all: Vec<&str> = self.config.versions.iter().map(|v| v.as_str()).collect();
            return fail(
                ErrorObject::new(
                    ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
                    "this server speaks only stateless revisions",
                )
                .with_data(json!({ "supported": all, "requested": requested })),
            );
        };
        // Lifecycle §"Version Negotiation": the same version if supported, else our latest.
        let version = ProtocolVersion::parse(requested)
            .filter(|v| legacy.contains(v))
            .unwrap_or(newest);
        let mut caps = params
            .and_then(|p| p.get("capabilities"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(info) = params.and_then(|p| p.get("clientInfo")) {
            caps.insert("__clientInfo".into(), info.clone());
        }
        self.session = Some(Session {
            version,
            client_caps: Arc::new(caps),
            initialized: false,
            log_level: LoggingLevel::Info,
            subscriptions: BTreeSet::new(),
        });
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.server.capabilities(version),
            "serverInfo": self.server.info,
        });
        if let Some(text) = &self.server.instructions {
            result["instructions"] = Value::from(text.as_str());
        }
        Message::Response { id, result }
    }

    fn discover(&self) -> Value {
        let versions: Vec<&str> = self.config.versions.iter().map(|v| v.as_str()).collect();
        let mut v = json!({
            "supportedVersions": versions,
            "capabilities": self.server.capabilities(ProtocolVersion::LATEST),
        });
        if let Some(text) = &self.server.instructions {
            v["instructions"] = Value::from(text.as_str());
        }
        v
    }

    fn set_level(&mut self, params: &Map<String, Value>) -> Result<Option<Value>, ErrorObject> {
        let level: LoggingLevel = params
            .get("level")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .ok_or_else(|| invalid("level must be a log level"))?;
        if let Some(s) = self.session.as_mut() {
            s.log_level = level;
        }
        Ok(Some(json!({})))
    }

    fn list(
        &self,
        params: &Map<String, Value>,
        key: &str,
        ctx: &Ctx,
    ) -> Result<Option<Value>, ErrorObject> {
        let s = &self.server;
        let items: Vec<Value> = match key {
            "tools" => s
                .tools
                .iter()
                .map(|t| {
                    let mut v = serde_json::to_value(&t.tool).unwrap_or(Value::Null);
                    if !ctx.version.has_structured_output() {
                        if let Some(o) = v.as_object_mut() {
                            o.remove("outputSchema");
                        }
                    }
                    v
                })
                .collect(),
            "resources" => s
                .resources
                .iter()
                .map(|r| serde_json::to_value(&r.resource).unwrap_or(Value::Null))
                .collect(),
            "resourceTemplates" => s
                .templates
                .iter()
                .map(|t| serde_json::to_value(&t.template).unwrap_or(Value::Null))
                .collect(),
            _ => s
                .prompts
                .iter()
                .map(|p| serde_json::to_value(&p.prompt).unwrap_or(Value::Null))
                .collect(),
        };
        // Pagination (server/utilities/pagination): the cursor is opaque to the client; ours
        // is the decimal offset. An invalid cursor is -32602.
        let start = match params.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(c)) => c
                .parse::<usize>()
                .ok()
                .filter(|&n| n <= items.len())
                .ok_or_else(|| invalid("invalid cursor"))?,
            Some(_) => return Err(invalid("invalid cursor")),
        };
        let end = (start + self.config.page_size.max(1)).min(items.len());
        let mut result = Map::new();
        result.insert(key.into(), Value::Array(items[start..end].to_vec()));
        if end < items.len() {
            result.insert("nextCursor".into(), Value::from(end.to_string()));
        }
        Ok(Some(Value::Object(result)))
    }

    fn read(&self, params: &Map<String, Value>, ctx: &Ctx) -> Result<Option<Value>, ErrorObject> {
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("uri is required"))?;
        let contents = if let Some(r) = self.server.resources.iter().find(|r| r.resource.uri == uri)
        {
            // A read may ask for input (2026-07-28 mrtr §"Supported Requests").
            let binding = Binding {
                method: "resources/read",
                name: uri,
                arguments: None,
            };
            let retry = if ctx.version.is_stateless() {
                mrtr::verify_retry(self.sealing(), binding, params)?
            } else {
                mrtr::Retry::default()
            };
            let input = Input::new(params.get("inputResponses"), retry.state.as_deref());
            match (r.read)(uri, input)? {
                mrtr::Answer::Done(contents) => contents,
                mrtr::Answer::InputRequired {
                    input_requests,
                    request_state,
                } => {
                    return self
                        .ask(ctx, binding, input_requests.into_map(), request_state)
                        .map(Some);
                }
            }
        } else if let Some((t, vars)) = self
            .server
            .templates
            .iter()
            .find_map(|t| match_template(&t.template.uri_template, uri).map(|v| (t, v)))
        {
            (t.read)(uri, &vars)?
        } else {
            // Resource not found: -32002 up to 2025-11-25, -32602 in 2026-07-28.
            let code = if ctx.version.is_stateless() {
                ErrorCode::INVALID_PARAMS
            } else {
                ErrorCode::RESOURCE_NOT_FOUND
            };
            return Err(
                ErrorObject::new(code, "Resource not found").with_data(json!({ "uri": uri }))
            );
        };
        Ok(Some(json!({ "contents": contents })))
    }

    fn subscribe(
        &mut self,
        params: &Map<String, Value>,
        on: bool,
    ) -> Result<Option<Value>, ErrorObject> {
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("uri is required"))?;
        if let Some(s) = self.session.as_mut() {
            if on {
                s.subscriptions.insert(uri.into());
            } else {
                s.subscriptions.remove(uri);
            }
        }
        Ok(Some(json!({})))
    }

    fn sealing(&self) -> Sealing<'_> {
        Sealing {
            key: self.config.state_key.as_ref(),
            now: self.now,
            ttl: self.config.request_state_ttl,
        }
    }

    fn get_prompt(
        &self,
        params: &Map<String, Value>,
        ctx: &Ctx,
    ) -> Result<Option<Value>, ErrorObject> {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("name is required"))?;
        let entry = self
            .server
            .prompts
            .iter()
            .find(|p| p.prompt.name == name)
            .ok_or_else(|| invalid("Unknown prompt").with_data(json!({ "name": name })))?;
        let empty = Map::new();
        let args = params
            .get("arguments")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for a in &entry.prompt.arguments {
            if a.required == Some(true) && !args.contains_key(&a.name) {
                return Err(invalid("missing required prompt argument")
                    .with_data(json!({ "argument": a.name })));
            }
        }
        let binding = Binding {
            method: "prompts/get",
            name,
            arguments: Some(args),
        };
        let retry = if ctx.version.is_stateless() {
            mrtr::verify_retry(self.sealing(), binding, params)?
        } else {
            mrtr::Retry::default()
        };
        let input = Input::new(params.get("inputResponses"), retry.state.as_deref());
        match (entry.get)(args, input)? {
            mrtr::Answer::Done(result) => {
                Ok(Some(serde_json::to_value(result).unwrap_or(Value::Null)))
            }
            mrtr::Answer::InputRequired {
                input_requests,
                request_state,
            } => self
                .ask(ctx, binding, input_requests.into_map(), request_state)
                .map(Some),
        }
    }

    /// A handler's request for client input: an `InputRequiredResult` in 2026-07-28, an
    /// error in the legacy revisions (their results cannot carry it).
    fn ask(
        &self,
        ctx: &Ctx,
        binding: Binding<'_>,
        input_requests: Map<String, Value>,
        request_state: Option<String>,
    ) -> Result<Value, ErrorObject> {
        if !ctx.version.is_stateless() {
            return Err(ErrorObject::internal(
                "the handler needs client input, which this protocol version cannot carry in a result",
            ));
        }
        mrtr::input_required(
            self.sealing(),
            binding,
            &ctx.client_caps,
            input_requests,
            request_state,
        )
    }

    fn complete_args(&self, params: &Map<String, Value>) -> Result<Option<Value>, ErrorObject> {
        let r = params.get("ref").and_then(Value::as_object);
        let ref_type = r.and_then(|r| r.get("type")).and_then(Value::as_str);
        let name = r
            .and_then(|r| r.get("name").or_else(|| r.get("uri")))
            .and_then(Value::as_str);
        let arg = params.get("argument").and_then(Value::as_object);
        let (Some(ref_type), Some(name), Some(argument), Some(value)) = (
            ref_type,
            name,
            arg.and_then(|a| a.get("name")).and_then(Value::as_str),
            arg.and_then(|a| a.get("value")).and_then(Value::as_str),
        ) else {
            return Err(invalid("completion needs ref and argument {name, value}"));
        };
        let mut values = match &self.server.completer {
            Some(c) => c(&CompletionRef {
                ref_type,
                name,
                argument,
                value,
            }),
            None => Vec::new(),
        };
        let total = values.len();
        values.truncate(100); // completion §"Completion Results": at most 100 per response
        Ok(Some(json!({
            "completion": { "values": values, "total": total, "hasMore": total > 100 }
        })))
    }

    fn call_tool(
        &mut self,
        now: Timestamp,
        id: &Id,
        params: &Map<String, Value>,
        ctx: &Ctx,
        batch: Option<u64>,
    ) -> Result<Option<Value>, ErrorObject> {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("name is required"))?;
        let server = Arc::clone(&self.server);
        let entry = server
            .find_tool(name)
            .ok_or_else(|| invalid("Unknown tool").with_data(json!({ "name": name })))?;
        let empty = Map::new();
        let args = match params.get("arguments") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(a)) => a,
            Some(_) => return Err(invalid("arguments must be an object")),
        };
        // Whether it runs as a task is decided before the handler ([`crate::tasks`]).
        let mode = self.task_mode(&entry.tool, params, ctx)?;
        // Input validation errors are tool execution errors, visible to the model
        // (2025-11-25 server/tools §"Error Handling").
        if let Err(msg) = check_arguments(&entry.tool.input_schema, args) {
            let r = CallToolResult::error(alloc::format!("Invalid arguments: {msg}"));
            return self.tool_done(now, mode, ctx, r);
        }
        let req_meta = params.get("_meta").and_then(Value::as_object);
        let binding = Binding {
            method: "tools/call",
            name,
            arguments: Some(args),
        };
        let retry = if ctx.version.is_stateless() {
            mrtr::verify_retry(self.sealing(), binding, params)?
        } else {
            mrtr::Retry::default()
        };
        let call = ToolCall {
            name,
            arguments: args,
            meta: req_meta,
            version: ctx.version,
            input_responses: params.get("inputResponses"),
            request_state: retry.state.as_deref(),
            task: mode.is_some(),
        };
        match (entry.handler)(&call) {
            // Answered at once, outside a batch and a task: encoded straight into bytes
            // ([`crate::hot`]), no `Value` tree.
            ToolReply::Done(r)
                if mode.is_none() && batch.is_none() && self.hot_done(id, ctx, &r) =>
            {
                Ok(None)
            }
            ToolReply::Done(r) => self.tool_done(now, mode, ctx, r),
            ToolReply::Error(e) => Err(e),
            ToolReply::InputRequired {
                input_requests,
                request_state,
            } => self
                .ask(ctx, binding, input_requests, request_state)
                .map(Some),
            ToolReply::Defer => {
                if let Some(mode) = mode {
                    return self.start_task(now, mode, ctx, name, params, args);
                }
                if self.pending.len() >= self.config.max_pending {
                    return Err(ErrorObject::internal("too many requests in flight"));
                }
                let progress_token = req_meta.and_then(|m| m.get("progressToken")).cloned();
                self.events.push_back(Event::ToolCall {
                    id: id.clone(),
                    name: name.into(),
                    arguments: args.clone(),
                    version: ctx.version,
                    wants_progress: progress_token.is_some(),
                });
                self.pending.insert(
                    id.clone(),
                    Pending {
                        ctx: ctx.clone(),
                        progress_token,
                        last_progress: None,
                        deadline: now.saturating_add(self.config.request_timeout),
                        batch,
                        listen: None,
                    },
                );
                Ok(None)
            }
        }
    }

    pub(crate) fn tool_result(&self, ctx: &Ctx, mut r: CallToolResult) -> Value {
        if !ctx.version.has_structured_output() {
            r.structured_content = None;
        }
        serde_json::to_value(r).unwrap_or(Value::Null)
    }

    fn listen(
        &mut self,
        now: Timestamp,
        id: &Id,
        params: &Map<String, Value>,
        ctx: &Ctx,
    ) -> Result<Option<Value>, ErrorObject> {
        let filter = params
            .get("notifications")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // Acknowledge only what this server can send (basic/patterns/subscriptions).
        let caps = self.server.capabilities(ctx.version);
        let mut ack = Map::new();
        for (key, cap) in [
            ("toolsListChanged", "tools"),
            ("promptsListChanged", "prompts"),
            ("resourcesListChanged", "resources"),
        ] {
            if filter.get(key) == Some(&Value::Bool(true)) && caps.contains_key(cap) {
                ack.insert(key.into(), Value::Bool(true));
            }
        }
        let mut uris = BTreeSet::new();
        if let Some(list) = filter
            .get("resourceSubscriptions")
            .and_then(Value::as_array)
        {
            if caps.contains_key("resources") {
                uris = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(ToString::to_string)
                    .collect();
                ack.insert(
                    "resourceSubscriptions".into(),
                    Value::Array(uris.iter().map(|u| Value::from(u.as_str())).collect()),
                );
            }
        }
        // SEP-2663 §"Task Status Notifications": `taskIds` ([`crate::tasks`]).
        if let Some(ids) = filter.get("taskIds") {
            if let Some(ids) = self.listen_task_ids(ids, ctx)? {
                ack.insert("taskIds".into(), ids);
            }
        }
        let mut params = ack.clone();
        params.insert(
            "_meta".into(),
            json!({ meta::SUBSCRIPTION_ID: id.to_value() }),
        );
        self.push(
            Some(id.clone()),
            false,
            Message::Notification(Notification {
                method: "notifications/subscriptions/acknowledged".into(),
                params: Some(Value::Object(params)),
            }),
        );
        self.pending.insert(
            id.clone(),
            Pending {
                ctx: ctx.clone(),
                progress_token: None,
                last_progress: None,
                deadline: Timestamp::MAX,
                batch: None,
                listen: Some((ack, uris)),
            },
        );
        let _ = now;
        Ok(None)
    }

    // ------------------------------------------------------------------ actions

    /// Answers a deferred `tools/call` with its result.
    ///
    /// # Errors
    /// [`Error::UnknownRequest`] when `id` is not waiting (cancelled, timed out, answered):
    /// nothing is sent, as cancellation requires.
    pub fn complete(&mut self, id: &Id, result: CallToolResult) -> Result<(), Error> {
        let p = self.take_pending(id)?;
        let v = self.tool_result(&p.ctx, result);
        let v = finish_result(&self.server, &self.config, &p.ctx, "tools/call", v);
        self.finish(
            Some(id.clone()),
            p.batch,
            Message::Response {
                id: id.clone(),
                result: v,
            },
        );
        Ok(())
    }

    /// Answers a deferred request with a JSON-RPC error.
    ///
    /// # Errors
    /// [`Error::UnknownRequest`] as for [`Engine::complete`].
    pub fn fail(&mut self, id: &Id, error: ErrorObject) -> Result<(), Error> {
        let p = self.take_pending(id)?;
        self.finish(
            Some(id.clone()),
            p.batch,
            Message::Error {
                id: Some(id.clone()),
                error,
            },
        );
        Ok(())
    }

    fn take_pending(&mut self, id: &Id) -> Result<Pending, Error> {
        match self.pending.get(id) {
            Some(p) if p.listen.is_none() => {}
            _ => return Err(Error::UnknownRequest),
        }
        self.pending.remove(id).ok_or(Error::UnknownRequest)
    }

    /// Reports progress on a deferred request. Without a `progressToken` from the client it
    /// sends nothing and returns `Ok(false)`.
    ///
    /// # Errors
    /// [`Error::UnknownRequest`], or [`Error::ProgressNotIncreasing`].
    pub fn progress(
        &mut self,
        id: &Id,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) -> Result<bool, Error> {
        let p = self.pending.get_mut(id).ok_or(Error::UnknownRequest)?;
        let Some(token) = p.progress_token.clone() else {
            return Ok(false);
        };
        if p.last_progress.is_some_and(|last| progress <= last) {
            return Err(Error::ProgressNotIncreasing);
        }
        p.last_progress = Some(progress);
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(t) = total {
            params["total"] = json!(t);
        }
        if let Some(m) = message {
            // `message` exists from 2025-03-26 on.
            if p.ctx.version >= ProtocolVersion::V2025_03_26 {
                params["message"] = Value::from(m);
            }
        }
        self.push(
            Some(id.clone()),
            false,
            Message::Notification(Notification {
                method: "notifications/progress".into(),
                params: Some(params),
            }),
        );
        Ok(true)
    }

    /// Sends a log message (`notifications/message`): for a request (`related`), at its own
    /// 2026-07-28 `logLevel` or the session's; connection-wide only in a legacy session.
    /// Returns whether it was sent (the level filter may drop it).
    pub fn log(
        &mut self,
        related: Option<&Id>,
        level: LoggingLevel,
        logger: Option<&str>,
        data: Value,
    ) -> bool {
        let min = match related.and_then(|id| self.pending.get(id)) {
            Some(p) => p.ctx.log_level,
            None => self.session.as_ref().map(|s| s.log_level),
        };
        // 2026-07-28: no notifications/message for requests without a logLevel.
        let Some(min) = min else { return false };
        if level < min {
            return false;
        }
        let mut params = json!({ "level": level, "data": data });
        if let Some(l) = logger {
            params["logger"] = Value::from(l);
        }
        self.push(
            related.cloned(),
            false,
            Message::Notification(Notification {
                method: "notifications/message".into(),
                params: Some(params),
            }),
        );
        true
    }

    /// Tells clients that a list changed: `kind` is `"tools"`, `"prompts"` or `"resources"`.
    /// Legacy sessions get `notifications/<kind>/list_changed`; 2026-07-28 listeners that
    /// asked for it get it tagged with their subscription id.
    pub fn notify_list_changed(&mut self, kind: &str) {
        let method = alloc::format!("notifications/{kind}/list_changed");
        let filter_key = alloc::format!("{kind}ListChanged");
        if self.session.as_ref().is_some_and(|s| s.initialized) {
            self.push(None, false, notification(&method, None));
        }
        let listeners: Vec<Id> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                p.listen
                    .as_ref()
                    .is_some_and(|(f, _)| f.get(&filter_key) == Some(&Value::Bool(true)))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in listeners {
            let params = json!({ "_meta": { meta::SUBSCRIPTION_ID: id.to_value() } });
            self.push(Some(id), false, notification(&method, Some(params)));
        }
    }

    /// Tells subscribers that a resource changed (`notifications/resources/updated`).
    pub fn notify_resource_updated(&mut self, uri: &str) {
        if self
            .session
            .as_ref()
            .is_some_and(|s| s.subscriptions.contains(uri))
        {
            let params = json!({ "uri": uri });
            self.push(
                None,
                false,
                notification("notifications/resources/updated", Some(params)),
            );
        }
        let listeners: Vec<Id> = self
            .pending
            .iter()
            .filter(|(_, p)| p.listen.as_ref().is_some_and(|(_, u)| u.contains(uri)))
            .map(|(id, _)| id.clone())
            .collect();
        for id in listeners {
            let params = json!({ "uri": uri, "_meta": { meta::SUBSCRIPTION_ID: id.to_value() } });
            self.push(
                Some(id),
                false,
                notification("notifications/resources/updated", Some(params)),
            );
        }
    }

    /// Sends a server→client request in the legacy session (`sampling/createMessage`,
    /// `elicitation/create`, `roots/list`, `ping`); the answer comes as
    /// [`Event::Response`] with the returned id, or a timeout error after
    /// [`EngineConfig::outgoing_timeout`]. `related` names the client request it serves (a
    /// tool call that samples), so HTTP sends it on that request's stream.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] when no legacy session is initialized, the revision lacks the
    /// method, or the client did not declare the capability it needs (lifecycle
    /// §"Capability Negotiation"); [`Error::TooManyOutgoing`].
    pub fn request(
        &mut self,
        now: Timestamp,
        method: &'static str,
        params: Option<Value>,
        related: Option<&Id>,
    ) -> Result<i64, Error> {
        let not_allowed = Error::NotAllowed { method };
        let s = self.session.as_ref().ok_or_else(|| not_allowed.clone())?;
        let info = methods::lookup(s.version, method).ok_or_else(|| not_allowed.clone())?;
        if info.kind != Kind::Request || info.sender == Sender::Client {
            return Err(not_allowed);
        }
        let cap = match method {
            "sampling/createMessage" => Some("sampling"),
            "elicitation/create" => Some("elicitation"),
            "roots/list" => Some("roots"),
            _ => None,
        };
        if cap.is_some_and(|c| !s.client_caps.contains_key(c)) {
            return Err(not_allowed);
        }
        if self.outgoing.len() >= self.config.max_outgoing {
            return Err(Error::TooManyOutgoing {
                limit: self.config.max_outgoing,
            });
        }
        let id = self.next_outgoing;
        self.next_outgoing += 1;
        self.outgoing.insert(
            id,
            Outgoing {
                deadline: now.saturating_add(self.config.outgoing_timeout),
            },
        );
        self.push(
            related.cloned(),
            false,
            Message::Request(Request {
                id: Id::Number(id),
                method: method.into(),
                params,
            }),
        );
        Ok(id)
    }

    /// The open `subscriptions/listen` requests whose acknowledged filter `matches`.
    pub(crate) fn listeners(&self, matches: impl Fn(&Map<String, Value>) -> bool) -> Vec<Id> {
        self.pending
            .iter()
            .filter(|(_, p)| p.listen.as_ref().is_some_and(|(ack, _)| matches(ack)))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Asks for [`Event::Wake`] with `token` once `at` has passed (application timers ride
    /// on the engine's [`Engine::poll_timeout`]).
    pub fn wake_at(&mut self, at: Timestamp, token: u64) {
        self.wakes.push((at, token));
    }

    /// Ends the engine: open `subscriptions/listen` streams get their graceful final
    /// response; deferred requests are answered with an error.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        let ids: Vec<Id> = self.pending.keys().cloned().collect();
        for id in ids {
            if let Some(p) = self.pending.remove(&id) {
                let m = if p.listen.is_some() {
                    let v = finish_result(&self.server, &self.config, &p.ctx, "", json!({}));
                    Message::Response {
                        id: id.clone(),
                        result: v,
                    }
                } else {
                    Message::Error {
                        id: Some(id.clone()),
                        error: ErrorObject::internal("server shutting down"),
                    }
                };
                self.finish(Some(id), p.batch, m);
            }
        }
        self.close_tasks();
        self.closed = true;
    }

    // ------------------------------------------------------------------ outputs

    /// The next message to send.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.output.pop_front()
    }

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline: a deferred request's timeout, a server request's timeout, or a
    /// [`Engine::wake_at`] timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let pending = self.pending.values().map(|p| p.deadline);
        let outgoing = self.outgoing.values().map(|o| o.deadline);
        let wakes = self.wakes.iter().map(|w| w.0);
        pending
            .chain(outgoing)
            .chain(wakes)
            .chain(self.tasks.next_expiry())
            .filter(|&t| t != Timestamp::MAX)
            .min()
    }

    /// Fires every deadline at or before `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.now = now;
        self.expire_tasks(now);
        let due: Vec<Id> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            if let Ok(p) = self.take_pending(&id) {
                self.finish(
                    Some(id.clone()),
                    p.batch,
                    Message::Error {
                        id: Some(id.clone()),
                        error: ErrorObject::internal("request timed out"),
                    },
                );
                self.events.push_back(Event::TimedOut { id });
            }
        }
        let due: Vec<i64> = self
            .outgoing
            .iter()
            .filter(|(_, o)| o.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.outgoing.remove(&id);
            // The requester SHOULD cancel what it stopped waiting for
            // (basic/utilities/cancellation §"Timeouts").
            let params = json!({ "requestId": id, "reason": "timed out" });
            self.push(
                None,
                false,
                notification("notifications/cancelled", Some(params)),
            );
            self.deliver_response(
                id,
                Err(ErrorObject::new(
                    ErrorCode::REQUEST_TIMEOUT,
                    "request timed out",
                )),
            );
        }
        let mut i = 0;
        while i < self.wakes.len() {
            if self.wakes[i].0 <= now {
                let (_, token) = self.wakes.swap_remove(i);
                self.events.push_back(Event::Wake { token });
            } else {
                i += 1;
            }
        }
    }

    // ------------------------------------------------------------------ plumbing

    pub(crate) fn push(&mut self, related: Option<Id>, is_final: bool, m: Message) {
        self.output.push_back(Output {
            payload: OutPayload::Single(m),
            related,
            is_final,
        });
    }

    fn push_final(&mut self, related: Option<Id>, m: Message) {
        self.push(related, true, m);
    }

    /// Sends the response to `tools/call` `id` encoded by [`crate::hot`]; `false` (nothing
    /// sent) when the fast encoder declines `result`.
    fn hot_done(&mut self, id: &Id, ctx: &Ctx, result: &CallToolResult) -> bool {
        // Room for the envelope, `_meta` and a short text block: one allocation, no growth.
        let mut bytes = Vec::with_capacity(crate::hot::response_capacity(result));
        let info = &self.server.info;
        if !crate::hot::encode_tool_response(id, ctx.version, info, result, &mut bytes) {
            return false;
        }
        self.output.push_back(Output {
            payload: OutPayload::Encoded(bytes),
            related: Some(id.clone()),
            is_final: true,
        });
        true
    }

    /// Sends a response, or files it into its batch.
    pub(crate) fn finish(&mut self, related: Option<Id>, batch: Option<u64>, m: Message) {
        match batch.and_then(|b| self.batches.get_mut(&b).map(|x| (b, x))) {
            Some((b, x)) => {
                x.responses.push(m);
                x.remaining = x.remaining.saturating_sub(1);
                self.flush_batch(b);
            }
            None => self.push_final(related, m),
        }
    }

    fn flush_batch(&mut self, b: u64) {
        let done = self.batches.get(&b).is_some_and(|x| x.remaining == 0);
        if done {
            if let Some(x) = self.batches.remove(&b) {
                // A batch of notifications only gets no response at all (JSON-RPC 2.0 §6).
                if !x.responses.is_empty() {
                    self.output.push_back(Output {
                        payload: OutPayload::Batch(x.responses),
                        related: None,
                        is_final: true,
                    });
                }
            }
        }
    }
}

/// Whether a request carries the 2026-07-28 `_meta` protocol version (then `initialize` is
/// just an unknown method, not the legacy handshake).
fn carries_version(r: &Request) -> bool {
    r.params
        .as_ref()
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(meta::PROTOCOL_VERSION))
        .is_some()
}

fn notification(method: &str, params: Option<Value>) -> Message {
    Message::Notification(Notification {
        method: method.into(),
        params,
    })
}

/// Adds what a revision requires on every result: 2026-07-28 `resultType`, `serverInfo` in
/// `_meta`, and the cache hints on cacheable results (server/utilities/caching).
pub(crate) fn finish_result(
    server: &Server,
    config: &EngineConfig,
    ctx: &Ctx,
    method: &str,
    mut v: Value,
) -> Value {
    if !ctx.version.has_result_type() {
        return v;
    }
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    obj.entry("resultType")
        .or_insert_with(|| Value::from("complete"));
    let m = obj.entry("_meta").or_insert_with(|| json!({}));
    if let Some(m) = m.as_object_mut() {
        m.entry(meta::SERVER_INFO)
            .or_insert_with(|| serde_json::to_value(&server.info).unwrap_or(Value::Null));
    }
    // An InputRequiredResult is not the method's result: no cache hints on it.
    let interim = obj.get("resultType").and_then(Value::as_str) == Some("input_required");
    if !interim
        && matches!(
            method,
            "tools/list"
                | "prompts/list"
                | "resources/list"
                | "resources/read"
                | "resources/templates/list"
                | "server/discover"
        )
    {
        obj.insert("ttlMs".into(), Value::from(config.cache_ttl_ms));
        obj.insert("cacheScope".into(), Value::from(config.cache_scope));
    }
    v
}
