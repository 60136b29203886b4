//! A minimal MCP client machine over a newline-delimited stream (stdio framing): it sends
//! requests and notifications, matches responses to requests, answers or surfaces server
//! requests, and times requests out on the caller's clock.
//!
//! It speaks either era: [`StdioClient::initialize`] starts a legacy session;
//! [`StdioClient::set_stateless`] stamps the 2026-07-28 `_meta` fields on every request.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};
use serde_json::{Value, json};

use crate::Error;
use crate::ProtocolVersion;
use crate::codes::ErrorCode;
use crate::engine::meta;
use crate::framing::LineReader;
use crate::jsonrpc::{CodecLimits, ErrorObject, Id, Message, Notification, Payload, Request};
use crate::tasks::{ClientTasks, TaskConfig};

/// What the client machine tells the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The answer to a request sent with [`StdioClient::request`] (a timeout is
    /// `REQUEST_TIMEOUT`, after which the client has sent `notifications/cancelled`).
    Response {
        /// The id the request was sent with.
        id: Id,
        /// The method of that request.
        method: String,
        /// The result or the error.
        result: Result<Value, ErrorObject>,
    },
    /// A request from the server (sampling, elicitation, roots, ping): answer with
    /// [`StdioClient::respond`]. `ping` is answered by the machine itself.
    Request(Request),
    /// A notification from the server (progress, log, list changes, …).
    Notification(Notification),
    /// Output the server sent that is not JSON-RPC; the line is skipped.
    Malformed(String),
    /// The server cancelled a task this client hosts ([`crate::tasks`], 2025-11-25): its
    /// request needs no answer any more (one is dropped).
    TaskCancelled {
        /// The task id.
        task_id: String,
        /// The server's request the task wrapped.
        request: Id,
    },
}

#[derive(Debug)]
struct Waiting {
    method: String,
    deadline: Timestamp,
    /// 2026-07-28: the caller's params, kept for a multi round-trip retry.
    params: Option<Value>,
}

/// A request answered with an `InputRequiredResult`, waiting for [`StdioClient::retry`].
#[derive(Debug)]
struct Interim {
    method: String,
    params: Option<Value>,
    request_state: Option<Value>,
}

/// Requests answered with `input_required` kept for a retry at most; the oldest is dropped.
pub const MAX_INTERIM: usize = 64;

/// A client over a newline-delimited stream.
#[derive(Debug)]
pub struct StdioClient {
    reader: LineReader,
    limits: CodecLimits,
    out: Vec<u8>,
    out_pos: usize,
    scratch: Vec<u8>,
    waiting: BTreeMap<Id, Waiting>,
    next_id: i64,
    timeout: Duration,
    pub(crate) now: Timestamp,
    pub(crate) events: VecDeque<ClientEvent>,
    stateless: Option<(ProtocolVersion, Value, Value)>,
    interim: BTreeMap<Id, Interim>,
    closed: bool,
    /// Tasks this client hosts for the server (2025-11-25, [`crate::tasks`]).
    pub(crate) tasks: ClientTasks,
}

impl StdioClient {
    /// A client whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            reader: LineReader::new(crate::stdio::DEFAULT_MAX_LINE),
            limits: CodecLimits::default(),
            out: Vec::new(),
            out_pos: 0,
            scratch: alloc::vec![0; 16 * 1024],
            waiting: BTreeMap::new(),
            next_id: 1,
            timeout,
            now: Timestamp::ZERO,
            events: VecDeque::new(),
            stateless: None,
            interim: BTreeMap::new(),
            closed: false,
            tasks: ClientTasks::new(TaskConfig::default()),
        }
    }

    /// Stamps `_meta` protocol version, capabilities and client info on every later request
    /// (2026-07-28 basic §"`_meta`").
    pub fn set_stateless(&mut self, version: ProtocolVersion, capabilities: Value, info: Value) {
        self.stateless = Some((version, capabilities, info));
    }

    /// Sends `initialize` for `version` (legacy); the answer is a [`ClientEvent::Response`].
    /// Send `notifications/initialized` with [`StdioClient::notify`] once it arrived.
    pub fn initialize(
        &mut self,
        now: Timestamp,
        version: ProtocolVersion,
        capabilities: Value,
        info: Value,
    ) -> Id {
        self.tasks.declare(&capabilities);
        let params = json!({
            "protocolVersion": version.as_str(),
            "capabilities": capabilities,
            "clientInfo": info,
        });
        self.send_request(now, "initialize", Some(params), false)
    }

    /// Sends a request; returns its id.
    pub fn request(&mut self, now: Timestamp, method: &str, params: Option<Value>) -> Id {
        self.send_request(now, method, params, true)
    }

    fn send_request(
        &mut self,
        now: Timestamp,
        method: &str,
        params: Option<Value>,
        stamp: bool,
    ) -> Id {
        let id = Id::Number(self.next_id);
        self.next_id += 1;
        let kept = if stamp && self.stateless.is_some() {
            params.clone()
        } else {
            None
        };
        let mut params = params;
        if let (true, Some((v, caps, info))) = (stamp, &self.stateless) {
            let p = params.get_or_insert_with(|| json!({}));
            if let Some(obj) = p.as_object_mut() {
                let m = obj.entry("_meta").or_insert_with(|| json!({}));
                if let Some(m) = m.as_object_mut() {
                    m.insert(meta::PROTOCOL_VERSION.into(), Value::from(v.as_str()));
                    m.insert(meta::CLIENT_CAPABILITIES.into(), caps.clone());
                    m.insert(meta::CLIENT_INFO.into(), info.clone());
                }
            }
        }
        self.waiting.insert(
            id.clone(),
            Waiting {
                method: method.into(),
                deadline: now.saturating_add(self.timeout),
                params: kept,
            },
        );
        self.queue(&Message::Request(Request {
            id: id.clone(),
            method: method.into(),
            params,
        }));
        id
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Option<Value>) {
        self.queue(&Message::Notification(Notification {
            method: method.into(),
            params,
        }));
    }

    /// Cancels a request of ours: sends `notifications/cancelled` and forgets the request, so
    /// a late answer is dropped.
    ///
    /// # Errors
    /// [`Error::UnknownRequest`] when it is not waiting.
    pub fn cancel(&mut self, id: &Id, reason: &str) -> Result<(), Error> {
        self.waiting.remove(id).ok_or(Error::UnknownRequest)?;
        self.notify(
            "notifications/cancelled",
            Some(json!({ "requestId": id.to_value(), "reason": reason })),
        );
        Ok(())
    }

    /// Answers a server request.
    pub fn respond(&mut self, id: Id, result: Result<Value, ErrorObject>) {
        // A request this client turned into a task: the answer is the task's result.
        if self.task_answer(&id, &result) {
            return;
        }
        let m = match result {
            Ok(result) => Message::Response { id, result },
            Err(error) => Message::Error {
                id: Some(id),
                error,
            },
        };
        self.queue(&m);
    }

    /// 2026-07-28 multi round-trip (basic/patterns/mrtr §"Client Requirements"): retries the
    /// request `id`, which was answered with an `InputRequiredResult`, with the client's
    /// `input_responses` (keyed like its `inputRequests`). The retry is a new request with a
    /// new id, the original params, and the result's `requestState` echoed exactly (none when
    /// the result had none); the state is used for this retry only. Returns the new id.
    ///
    /// # Errors
    /// [`Error::UnknownRequest`] when `id` was not answered with `input_required` (or was
    /// retried already, or dropped past [`MAX_INTERIM`]).
    pub fn retry(&mut self, now: Timestamp, id: &Id, input_responses: Value) -> Result<Id, Error> {
        let i = self.interim.remove(id).ok_or(Error::UnknownRequest)?;
        let mut params = i.params.unwrap_or_else(|| json!({}));
        if let Some(obj) = params.as_object_mut() {
            obj.insert("inputResponses".into(), input_responses);
            match i.request_state {
                Some(s) => obj.insert("requestState".into(), s),
                None => obj.remove("requestState"),
            };
        }
        Ok(self.send_request(now, &i.method, Some(params), true))
    }

    /// The method of a request still waiting for its answer.
    pub fn method_of(&self, id: &Id) -> Option<&str> {
        self.waiting.get(id).map(|w| w.method.as_str())
    }

    /// Requests still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.waiting.len()
    }

    pub(crate) fn queue(&mut self, m: &Message) {
        m.encode(&mut self.out);
        self.out.push(b'\n');
    }

    fn on_line(&mut self, line: &[u8]) {
        let msgs = match Payload::parse(line, &self.limits) {
            Ok(Payload::Single(m)) => alloc::vec![m],
            Ok(Payload::Batch(items)) => items.into_iter().filter_map(Result::ok).collect(),
            Err(_) => {
                self.events
                    .push_back(ClientEvent::Malformed(String::from_utf8_lossy(line).into()));
                return;
            }
        };
        for m in msgs {
            match m {
                Message::Response { id, result } => self.answer(id, Ok(result)),
                Message::Error {
                    id: Some(id),
                    error,
                } => self.answer(id, Err(error)),
                Message::Error { id: None, error } => self
                    .events
                    .push_back(ClientEvent::Malformed(alloc::format!("{error}"))),
                Message::Request(r) if r.method == "ping" => {
                    self.respond(r.id, Ok(json!({})));
                }
                Message::Request(r) => {
                    if let Some(r) = self.task_request(r) {
                        self.events.push_back(ClientEvent::Request(r));
                    }
                }
                Message::Notification(n) => self.events.push_back(ClientEvent::Notification(n)),
            }
        }
    }

    fn answer(&mut self, id: Id, result: Result<Value, ErrorObject>) {
        // An answer to nothing we wait for (cancelled, timed out, unknown) is dropped.
        if let Some(w) = self.waiting.remove(&id) {
            // A result without `resultType` is complete (2026-07-28 basic §"ResultType").
            let interim = result.as_ref().is_ok_and(|r| {
                r.get("resultType").and_then(Value::as_str) == Some("input_required")
            });
            if interim && w.params.is_some() {
                if self.interim.len() >= MAX_INTERIM {
                    self.interim.pop_first();
                }
                let request_state = result
                    .as_ref()
                    .ok()
                    .and_then(|r| r.get("requestState"))
                    .cloned();
                self.interim.insert(
                    id.clone(),
                    Interim {
                        method: w.method.clone(),
                        params: w.params,
                        request_state,
                    },
                );
            }
            self.events.push_back(ClientEvent::Response {
                id,
                method: w.method,
                result,
            });
        }
    }

    fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let r = self.reader.feed(data, |l| lines.push(l.to_vec()));
        for l in lines {
            self.on_line(&l);
        }
        r.map_err(|e| {
            self.closed = true;
            Error::LineTooLong { limit: e.limit }
        })
    }
}

impl Machine for StdioClient {
    type Event = ClientEvent;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        self.now = now;
        self.expire_client_tasks(now);
        let due: Vec<Id> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            if let Some(w) = self.waiting.remove(&id) {
                // The requester SHOULD cancel what it stopped waiting for (cancellation
                // §"Timeouts").
                self.notify(
                    "notifications/cancelled",
                    Some(json!({ "requestId": id.to_value(), "reason": "timed out" })),
                );
                self.events.push_back(ClientEvent::Response {
                    id,
                    method: w.method,
                    result: Err(ErrorObject::new(
                        ErrorCode::REQUEST_TIMEOUT,
                        "request timed out",
                    )),
                });
            }
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.waiting
            .values()
            .map(|w| w.deadline)
            .chain(self.tasks.next_expiry())
            .min()
    }

    fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn close(&mut self, _now: Timestamp) {
        self.closed = true;
    }

    fn is_closed(&self) -> bool {
        self.closed && self.out_pos == self.out.len()
    }
}

impl StreamMachine for StdioClient {
    type Payload = NoPayload;

    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        self.now = now;
        if !self.closed {
            self.feed(input)?;
        }
        Ok(input.len())
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        &mut self.scratch
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Error> {
        self.now = now;
        let data = core::mem::take(&mut self.scratch);
        let r = if self.closed {
            Ok(())
        } else {
            self.feed(&data[..n.min(data.len())])
        };
        self.scratch = data;
        r
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Error> {
        self.closed = true;
        Ok(())
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        n
    }
}
