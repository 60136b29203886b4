//! # fasterapi-mcp — the Model Context Protocol, sans-IO
//!
//! A Model Context Protocol server engine that does no I/O: bytes and time in, bytes and
//! events out, on the `fasterapi-core` driving contract.
//!
//! * **codec**: [`jsonrpc`] (feature `alloc`) parses and encodes JSON-RPC 2.0 messages and
//!   batches with the right error code for each kind of malformed input; [`ErrorCode`] names
//!   the standard and MCP-allocated codes; [`framing`] splits stdio lines within a limit;
//!   [`methods`] lists every method of every dated revision; [`ProtocolVersion`] says what
//!   each revision allows. These parts build with no features.
//! * **typed messages** ([`types`]): tools, content, resources, prompts, initialize — unknown
//!   members and `_meta` preserved.
//! * **server**: [`Server`] declares tools (with JSON Schema inputs), resources, templates,
//!   prompts and completions without macros; [`Engine`] is one connection's state machine,
//!   serving the initialize-based revisions 2024-11-05 … 2025-11-25 and the stateless
//!   2026-07-28 side by side; [`StdioServer`] is the newline-delimited transport as a
//!   [`fasterapi_core::StreamMachine`]; [`StdioClient`] is a small client machine over the
//!   same framing (either era), used for the lifecycle tests and against other servers.
//! * **tasks** ([`tasks`]): a `tools/call` answered with a task handle the client polls —
//!   2025-11-25 tasks (`params.task`, blocking `tasks/result`, `tasks/list`, client-hosted
//!   sampling/elicitation tasks) and the 2026-07-28 `io.modelcontextprotocol/tasks` extension
//!   (server-directed, `tasks/get` inlining, `tasks/update`); the application runs a task from
//!   its own loop; ttl expiry on the engine's clock, a bounded store.
//! * **2026-07-28 completeness**: [`mrtr`] — multi round-trip requests (a handler asks with
//!   `InputRequests`, its state sealed into an HMAC-protected `requestState`, the client's
//!   answers validated); [`headers`] — the `Mcp-Param-*` and `=?base64?…?=` header rules of
//!   the Streamable HTTP transport; `replay` (feature `http`) — resumable SSE streams of the
//!   legacy revisions (event ids, a bounded replay buffer, `Last-Event-ID`).
//!
//! ```text
//!             ┌──────────────────── StdioServer ─────────────────────┐
//!  bytes ───▶ │ LineReader (limit) ─▶ Payload::parse ─▶ Engine       │──▶ poll_transmit: lines
//!  time  ───▶ │ handle_timeout: request timeouts, wake_at timers     │──▶ poll_event: ToolCall,
//!  actions ─▶ │ complete / fail / progress / log / notify_* / request│    Cancelled, Response, …
//!             └───────────────────────────────────────────────────────┘
//! ```
//!
//! # The driving loop
//!
//! ```
//! use std::sync::Arc;
//! use fasterapi_core::{Machine, StreamMachine, Timestamp};
//! use fasterapi_mcp::{CallToolResult, Engine, EngineConfig, Server, StdioServer, ToolReply, schema};
//!
//! let server = Server::new("demo", "1.0").tool(
//!     "echo",
//!     "Echoes its text",
//!     schema::object().required("text", schema::string("what to echo")),
//!     |call| ToolReply::Done(CallToolResult::text(call.arguments["text"].as_str().unwrap_or(""))),
//! );
//! let engine = Engine::new(Arc::new(server), EngineConfig::default());
//! let mut stdio = StdioServer::new(engine, fasterapi_mcp::stdio::DEFAULT_MAX_LINE);
//! let now = Timestamp::ZERO;
//! // A stateless 2026-07-28 request: the version rides in `_meta`.
//! stdio.handle_input(now, br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}
//! "#)?;
//! let mut out = [0u8; 4096];
//! let n = stdio.poll_transmit(now, &mut out);
//! let reply: serde_json::Value = serde_json::from_slice(&out[..n])?;
//! assert_eq!(reply["result"]["content"][0]["text"], "hi");
//! assert_eq!(reply["result"]["resultType"], "complete");
//! assert!(stdio.poll_event().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! * `std` (default): implies `alloc`.
//! * `alloc`: the JSON-RPC codec, typed messages, the server engine and the stdio machine
//!   (serde, serde_json).
//! * `http` (in `std`): the Streamable HTTP server and client transports.
//! * `auth` (in `std`): the OAuth 2.1 client of the MCP authorization spec, module `auth`
//!   (alloc only; sha2, base64). `std` adds OS randomness (getrandom) for it.
//!
//! With no features: [`ErrorCode`], [`ProtocolVersion`], [`methods`] and the line trimming of
//! [`framing`], `#![no_std]`.
//!
//! # Limits (defaults)
//! Message 4 MiB (checked on the stdio line before it is buffered), batch 64 messages,
//! deferred requests in flight 128, server requests in flight 16, request timeout 60 s,
//! JSON nesting 128 (serde_json), tasks held 128 (ttl 10 min, at most 1 h), `requestState`
//! lifetime 10 min, SSE replay 256 events / 1 MiB
//! per legacy session. See `docs/mcp.md`.
#![no_std]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "auth")]
pub mod auth;
#[cfg(feature = "alloc")]
pub mod client;
mod codes;
#[cfg(feature = "alloc")]
pub mod engine;
mod error;
pub mod framing;
#[cfg(feature = "alloc")]
pub mod headers;
#[cfg(feature = "alloc")]
mod hot;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod http_client;
#[cfg(feature = "alloc")]
pub mod jsonrpc;
pub mod methods;
#[cfg(feature = "alloc")]
pub mod mrtr;
#[cfg(feature = "http")]
pub mod replay;
#[cfg(feature = "alloc")]
pub mod server;
#[cfg(feature = "alloc")]
pub mod stdio;
#[cfg(feature = "alloc")]
pub mod tasks;
#[cfg(feature = "alloc")]
pub mod types;
mod version;

#[cfg(feature = "alloc")]
pub use client::{ClientEvent, StdioClient};
pub use codes::ErrorCode;
#[cfg(feature = "alloc")]
pub use engine::{Engine, EngineConfig, Event, OutPayload, Output};
pub use error::Error;
#[cfg(feature = "http")]
pub use http::{HttpBody, HttpConfig, HttpResponse, HttpServer, StreamPoll};
#[cfg(feature = "alloc")]
pub use jsonrpc::{ErrorObject, Id, Message};
#[cfg(feature = "alloc")]
pub use server::{Server, ToolCall, ToolReply, schema};
#[cfg(feature = "alloc")]
pub use stdio::StdioServer;
#[cfg(feature = "alloc")]
pub use types::CallToolResult;
pub use version::ProtocolVersion;
