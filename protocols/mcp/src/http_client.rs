//! The Streamable HTTP transport, client side, at the request level.
//!
//! [`HttpClient`] carries a [`StdioClient`] (ids, timeouts, cancellation, server requests)
//! over Streamable HTTP: every message the client machine writes becomes one POST
//! ([`HttpClient::poll_post`]), and the answer — a JSON body, an SSE stream, or `202` — is fed
//! back ([`HttpClient::handle_response_head`], [`HttpClient::handle_body`]), so the
//! application reads the same [`ClientEvent`](crate::ClientEvent)s as on stdio. The HTTP
//! connection and the driver stay the caller's.
//!
//! Rules implemented (2025-11-25 and 2026-07-28 transports/streamable-http):
//! * every POST has `Content-Type: application/json` and `Accept: application/json,
//!   text/event-stream`;
//! * legacy: the `Mcp-Session-Id` of the `initialize` answer is sent on every later request,
//!   and `MCP-Protocol-Version` once a version was negotiated; a `404` with a session means
//!   the session ended ([`HttpClientError::SessionExpired`]: start a new one);
//! * 2026-07-28: `MCP-Protocol-Version`, `Mcp-Method` and (for `tools/call`, `prompts/get`,
//!   `resources/read`) `Mcp-Name` on every POST, non-ASCII values in the `=?base64?…?=` form;
//! * legacy: an event stream that ends before its answer is resumed with `GET` and
//!   `Last-Event-ID` after the stream's `retry` ([`HttpClient::poll_resume`]);
//! * authorization (2025-11-25 `basic/authorization` §"Access Token Usage"): the token set
//!   with [`HttpClient::set_authorization`] goes on every request; a `401` (or a `403` to a
//!   request with a token) is [`HttpClientError::Unauthorized`] for the OAuth client (module
//!   `auth`), after which [`HttpClient::requeue`] sends the request again.

use core::time::Duration;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use fasterapi_core::{StreamMachine, Timestamp};
use fasterapi_sse::{EventParser, Parsed};
use serde_json::Value;

use crate::ProtocolVersion;
use crate::client::StdioClient;
use crate::framing::LineReader;
use crate::headers::{self, ParamHeader};
use crate::jsonrpc::{CodecLimits, Message, Payload};

/// One POST to send to the MCP endpoint: the method is `POST`, the target the endpoint path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Post {
    /// Header fields (framing, `Host` and `Content-Length` are the caller's).
    pub headers: Vec<(&'static str, String)>,
    /// 2026-07-28 `Mcp-Param-{Name}` fields mirrored from a `tools/call`'s arguments (their
    /// names come from the tool's schema); send them too ([`Post::all_headers`]).
    pub param_headers: Vec<(String, String)>,
    /// The JSON-RPC message.
    pub body: Vec<u8>,
}

impl Post {
    /// Every header field to send: [`Post::headers`] then [`Post::param_headers`].
    pub fn all_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(k, v)| (*k, v.as_str())).chain(
            self.param_headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

/// Tools whose `x-mcp-header` annotations the client remembers at most (from `tools/list`).
pub const MAX_TOOL_HEADERS: usize = 4096;

/// How to read the body of a response.
#[derive(Debug)]
pub enum ResponseBody {
    /// No messages (`202 Accepted`, a `DELETE`'s answer): discard the body.
    Empty,
    /// A whole JSON body, collected up to the message limit.
    Json(Vec<u8>),
    /// A `text/event-stream`: each event's data is a message.
    Sse(EventParser),
}

/// Why a response cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpClientError {
    /// `404` on a request carrying a session id: the session ended; initialize again.
    SessionExpired,
    /// A status without a JSON-RPC answer (e.g. `400` text, `403` Origin refused, `5xx`).
    Status(u16),
    /// A `200` whose content type is neither JSON nor SSE.
    ContentType(String),
    /// A body over the message limit, or an SSE stream over its limits.
    TooLarge,
    /// The body is not valid JSON-RPC.
    Malformed,
    /// `401`, or `403` to a request that carried a token: hand the response's
    /// `WWW-Authenticate` to the OAuth client (`auth::OAuthClient::handle_challenge`), then
    /// [`HttpClient::set_authorization`] and [`HttpClient::requeue`] the request.
    Unauthorized(u16),
}

impl core::fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SessionExpired => f.write_str("the MCP session ended (404)"),
            Self::Status(s) => write!(f, "HTTP status {s} without a JSON-RPC answer"),
            Self::ContentType(t) => write!(f, "unexpected content type {t:?}"),
            Self::TooLarge => f.write_str("response body over the limit"),
            Self::Malformed => f.write_str("response body is not JSON-RPC"),
            Self::Unauthorized(s) => write!(f, "HTTP {s}: authorization required"),
        }
    }
}

impl core::error::Error for HttpClientError {}

/// The Streamable HTTP client transport around a [`StdioClient`].
#[derive(Debug)]
pub struct HttpClient {
    client: StdioClient,
    lines: LineReader,
    posts: VecDeque<Vec<u8>>,
    limits: CodecLimits,
    session: Option<String>,
    version: Option<String>,
    stateless: bool,
    scratch: Vec<u8>,
    /// The last `retry` field seen on an event stream (milliseconds).
    retry_ms: Option<u64>,
    /// A stream that ended before its answer: resume it with a `GET` at this time.
    resume: Option<(Timestamp, String)>,
    /// 2026-07-28: each listed tool's `x-mcp-header` annotations.
    tool_headers: BTreeMap<String, Vec<ParamHeader>>,
    /// Tools left out of `tools/list` for invalid annotations: (name, reason).
    rejected: Vec<(String, String)>,
    /// The `Authorization` value sent on every request (2025-11-25 authorization §"Token
    /// Requirements").
    authorization: Option<String>,
}

/// How long to wait before resuming a stream that never sent `retry`.
pub const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// The longest `retry` honoured, so a hostile server cannot park the client.
pub const MAX_RETRY: Duration = Duration::from_secs(60);

impl HttpClient {
    /// A transport for `client`.
    pub fn new(client: StdioClient) -> Self {
        Self {
            client,
            lines: LineReader::new(crate::stdio::DEFAULT_MAX_LINE),
            posts: VecDeque::new(),
            limits: CodecLimits::default(),
            session: None,
            version: None,
            stateless: false,
            scratch: alloc::vec![0; 16 * 1024],
            retry_ms: None,
            resume: None,
            tool_headers: BTreeMap::new(),
            rejected: Vec::new(),
            authorization: None,
        }
    }

    /// The `Authorization` field for every request from now on (`Bearer …`), or none.
    pub fn set_authorization(&mut self, value: Option<String>) {
        self.authorization = value;
    }

    /// Puts a POST's body back at the front of the queue, to be sent again (with the
    /// current headers) by the next [`HttpClient::poll_post`]: the retry after
    /// [`HttpClientError::Unauthorized`].
    pub fn requeue(&mut self, post: Post) {
        self.posts.push_front(post.body);
    }

    /// The client machine: send requests, read events.
    pub fn client(&mut self) -> &mut StdioClient {
        &mut self.client
    }

    /// Speaks the stateless revision: `_meta` on every request (see
    /// [`StdioClient::set_stateless`]) and the 2026-07-28 headers on every POST.
    pub fn set_stateless(&mut self, version: ProtocolVersion, capabilities: Value, info: Value) {
        self.version = Some(version.as_str().to_string());
        self.stateless = true;
        self.client.set_stateless(version, capabilities, info);
    }

    /// The session id the server gave, if any.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// The `MCP-Protocol-Version` sent, once known.
    pub fn protocol_version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The next POST to send, with everything the client machine wrote so far.
    pub fn poll_post(&mut self, now: Timestamp) -> Option<Post> {
        loop {
            let n = self.client.poll_transmit(now, &mut self.scratch);
            if n == 0 {
                break;
            }
            let posts = &mut self.posts;
            // The client writes one line per message, each within the limit it enforces.
            let _ = self
                .lines
                .feed(&self.scratch[..n], |l| posts.push_back(l.to_vec()));
        }
        let body = self.posts.pop_front()?;
        let mut headers = alloc::vec![
            ("Content-Type", "application/json".to_string()),
            ("Accept", "application/json, text/event-stream".to_string()),
        ];
        headers.extend(self.common_headers());
        let mut param_headers = Vec::new();
        if self.stateless {
            if let Ok(Payload::Single(m)) = Payload::parse(&body, &self.limits) {
                let (method, params) = match &m {
                    Message::Request(r) => (Some(r.method.as_str()), r.params.as_ref()),
                    Message::Notification(n) => (Some(n.method.as_str()), n.params.as_ref()),
                    _ => (None, None),
                };
                if let Some(method) = method {
                    headers.push(("Mcp-Method", method.to_string()));
                    let key = match method {
                        "tools/call" | "prompts/get" => Some("name"),
                        "resources/read" => Some("uri"),
                        _ => None,
                    };
                    let name = key.and_then(|k| params?.get(k)?.as_str());
                    if let Some(name) = name {
                        headers.push(("Mcp-Name", encode_header_value(name)));
                    }
                    if method == "tools/call" {
                        param_headers = self.param_headers(params);
                    }
                }
            }
        }
        Some(Post {
            headers,
            param_headers,
            body,
        })
    }

    /// 2026-07-28 transports §"Client Behavior": the `Mcp-Param-{Name}` headers of a
    /// `tools/call`, from the annotations `tools/list` gave for the tool; a value absent or
    /// `null` in the arguments is omitted.
    fn param_headers(&self, params: Option<&Value>) -> Vec<(String, String)> {
        let name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
        let args = params
            .and_then(|p| p.get("arguments"))
            .and_then(Value::as_object);
        let (Some(annotated), Some(args)) = (name.and_then(|n| self.tool_headers.get(n)), args)
        else {
            return Vec::new();
        };
        annotated
            .iter()
            .filter_map(|h| Some((h.field_name(), headers::encode_value(&h.value_in(args)?))))
            .collect()
    }

    /// Tools the client left out of `tools/list` results because their `x-mcp-header`
    /// annotations are invalid, with the reason (2026-07-28 §"Schema Extension": the client
    /// SHOULD warn). The newest 64 are kept.
    pub fn rejected_tools(&self) -> &[(String, String)] {
        &self.rejected
    }

    /// A `tools/list` result over HTTP in 2026-07-28: remembers each tool's annotations and
    /// drops the tools whose annotations violate §"Schema Extension" (a MUST for clients on
    /// Streamable HTTP), so one malformed tool does not hide the others.
    fn screen_tools(&mut self, result: &mut Value) {
        let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut) else {
            return;
        };
        let mut kept = Vec::with_capacity(tools.len());
        for tool in tools.drain(..) {
            let name = tool
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let schema = tool.get("inputSchema").cloned().unwrap_or(Value::Null);
            match headers::param_headers(&schema) {
                Ok(found) => {
                    if found.is_empty() {
                        self.tool_headers.remove(&name);
                    } else if self.tool_headers.len() < MAX_TOOL_HEADERS
                        || self.tool_headers.contains_key(&name)
                    {
                        self.tool_headers.insert(name, found);
                    }
                    kept.push(tool);
                }
                Err(reason) => {
                    if self.rejected.len() >= 64 {
                        self.rejected.remove(0);
                    }
                    self.rejected.push((name, reason));
                }
            }
        }
        *tools = kept;
    }

    /// The headers of the session's `GET` stream (`None` without a session), for messages
    /// the server sends outside a request. Read its body with [`ResponseBody::Sse`].
    pub fn get_headers(&self) -> Option<Vec<(&'static str, String)>> {
        self.session.as_ref()?;
        let mut h = alloc::vec![("Accept", "text/event-stream".to_string())];
        h.extend(self.common_headers());
        Some(h)
    }

    /// The headers of a `DELETE` that ends the session (`None` without a session); the
    /// session is forgotten.
    pub fn delete_headers(&mut self) -> Option<Vec<(&'static str, String)>> {
        let h = self.common_headers();
        self.session.take()?;
        Some(h)
    }

    fn common_headers(&self) -> Vec<(&'static str, String)> {
        let mut h = Vec::new();
        if let Some(v) = &self.version {
            h.push(("MCP-Protocol-Version", v.clone()));
        }
        if let Some(s) = &self.session {
            h.push(("Mcp-Session-Id", s.clone()));
        }
        if let Some(a) = &self.authorization {
            h.push(("Authorization", a.clone()));
        }
        h
    }

    /// The head of a response to a POST or GET: how to read its body.
    ///
    /// # Errors
    /// [`HttpClientError`] when the response carries no JSON-RPC answer; the request stays
    /// waiting in the client machine until its timeout.
    pub fn handle_response_head(
        &mut self,
        status: u16,
        session_id: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<ResponseBody, HttpClientError> {
        if status == 404 && self.session.is_some() && !self.stateless {
            self.session = None;
            return Err(HttpClientError::SessionExpired);
        }
        // RFC 6750 §3.1: 401 asks for (new) authorization; 403 to a request with a token
        // may be `insufficient_scope` (the challenge says).
        if status == 401 || (status == 403 && self.authorization.is_some()) {
            return Err(HttpClientError::Unauthorized(status));
        }
        let ctype = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if (200..300).contains(&status) {
            if self.session.is_none() && !self.stateless {
                if let Some(s) = session_id.filter(|s| !s.is_empty()) {
                    self.session = Some(s.to_string());
                }
            }
            return match ctype.as_str() {
                _ if status == 202 => Ok(ResponseBody::Empty),
                "application/json" => Ok(ResponseBody::Json(Vec::new())),
                "text/event-stream" => Ok(ResponseBody::Sse(EventParser::new())),
                "" => Ok(ResponseBody::Empty),
                other => Err(HttpClientError::ContentType(other.to_string())),
            };
        }
        // An error status with a JSON-RPC error body (e.g. 400 HeaderMismatch) answers the
        // request; anything else is only a status.
        if ctype == "application/json" {
            return Ok(ResponseBody::Json(Vec::new()));
        }
        Err(HttpClientError::Status(status))
    }

    /// Body bytes of a response read as `body` says.
    ///
    /// # Errors
    /// [`HttpClientError::TooLarge`] or [`HttpClientError::Malformed`].
    pub fn handle_body(
        &mut self,
        now: Timestamp,
        body: &mut ResponseBody,
        data: &[u8],
    ) -> Result<(), HttpClientError> {
        match body {
            ResponseBody::Empty => Ok(()),
            ResponseBody::Json(buf) => {
                if buf.len() + data.len() > self.limits.max_message_len {
                    return Err(HttpClientError::TooLarge);
                }
                buf.extend_from_slice(data);
                Ok(())
            }
            ResponseBody::Sse(parser) => {
                let mut rest = data;
                loop {
                    let (n, parsed) = parser.next(rest).map_err(|_| HttpClientError::TooLarge)?;
                    rest = &rest[n..];
                    match parsed {
                        Some(Parsed::Retry(ms)) => self.retry_ms = Some(ms),
                        Some(Parsed::Event(e)) => {
                            let text = e.data.into_owned();
                            if !text.is_empty() {
                                self.deliver(now, text.as_bytes())?;
                            }
                        }
                        Some(_) => {}
                        None => return Ok(()),
                    }
                }
            }
        }
    }

    /// The response body ended.
    ///
    /// A JSON body that is not JSON-RPC becomes a
    /// [`ClientEvent::Malformed`](crate::ClientEvent::Malformed).
    ///
    /// # Errors
    /// [`HttpClientError::Malformed`] when the client machine refuses the input (over its
    /// line limit).
    ///
    /// An event stream that ends while requests are still waiting, after an event with an id,
    /// is resumed (2025-11-25 §"Resumability and Redelivery": the server may close the
    /// connection without ending the SSE stream; the client polls it with `GET` and
    /// `Last-Event-ID`, waiting the stream's `retry` first, a MUST): see
    /// [`HttpClient::poll_resume`]. The stateless revision has no resumption.
    pub fn end_body(&mut self, now: Timestamp, body: ResponseBody) -> Result<(), HttpClientError> {
        match body {
            ResponseBody::Json(buf) if !buf.is_empty() => self.deliver(now, &buf),
            ResponseBody::Sse(parser) => {
                let id = parser.last_event_id();
                if !id.is_empty() && !self.stateless && self.client.in_flight() > 0 {
                    let wait = self
                        .retry_ms
                        .map_or(DEFAULT_RETRY, Duration::from_millis)
                        .min(MAX_RETRY);
                    self.resume = Some((now.saturating_add(wait), id.to_string()));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// When a broken event stream is due to be resumed (see [`HttpClient::poll_resume`]).
    pub fn resume_at(&self) -> Option<Timestamp> {
        self.resume.as_ref().map(|(at, _)| *at)
    }

    /// The headers of the `GET` that resumes a broken event stream (with `Last-Event-ID`),
    /// once its `retry` time has come; read its body with [`ResponseBody::Sse`]. `None`
    /// when nothing is to be resumed or it is not yet time. A stream is resumed once per
    /// break: if the `GET` stream breaks too, its own end schedules the next resumption.
    pub fn poll_resume(&mut self, now: Timestamp) -> Option<Vec<(&'static str, String)>> {
        if self.resume.as_ref()?.0 > now {
            return None;
        }
        let (_, id) = self.resume.take()?;
        let mut h = self.get_headers()?;
        h.push(("Last-Event-ID", id));
        Some(h)
    }

    /// Hands one payload (a message or a batch) to the client machine as lines.
    fn deliver(&mut self, now: Timestamp, payload: &[u8]) -> Result<(), HttpClientError> {
        let messages = match Payload::parse(payload, &self.limits) {
            Ok(Payload::Single(m)) => alloc::vec![m],
            Ok(Payload::Batch(items)) => items.into_iter().filter_map(Result::ok).collect(),
            Err(_) => {
                // Not JSON-RPC (e.g. a "response" without an id): the client machine reports
                // it as `ClientEvent::Malformed` and carries on, as on stdio.
                let mut line: Vec<u8> = payload
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                    .collect();
                line.push(b'\n');
                return self
                    .client
                    .handle_input(now, &line)
                    .map(|_| ())
                    .map_err(|_| HttpClientError::Malformed);
            }
        };
        for mut m in messages {
            if let Message::Response { id, result } = &mut m {
                if self.stateless && self.client.method_of(id) == Some("tools/list") {
                    self.screen_tools(result);
                }
            }
            if let Message::Response { result, .. } = &m {
                // The initialize answer fixes the version header (legacy).
                let version = result.get("protocolVersion").and_then(Value::as_str);
                if let (None, Some(v)) = (&self.version, version) {
                    if result.get("serverInfo").is_some() {
                        self.version = Some(v.to_string());
                    }
                }
            }
            let mut line = Vec::new();
            m.encode(&mut line);
            line.push(b'\n');
            self.client
                .handle_input(now, &line)
                .map_err(|_| HttpClientError::Malformed)?;
        }
        Ok(())
    }
}

/// A header value as sent: visible ASCII as is, anything else as `=?base64?…?=` (2026-07-28
/// transports §"Value Encoding").
pub fn encode_header_value(v: &str) -> String {
    headers::encode_value(v)
}
