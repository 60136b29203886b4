//! The JSON-RPC 2.0 codec: requests, notifications, responses, errors and batches.
//!
//! Parsing goes through `serde_json::Value` and classifies the object by hand, so each
//! malformed message gets the right code: invalid JSON is `-32700` with a null id, valid JSON
//! that is not a JSON-RPC message is `-32600` with the id when one could be read (JSON-RPC 2.0
//! §5). MCP narrows JSON-RPC: ids are strings or integers, never null (2026-07-28 basic
//! §"Requests").

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codes::ErrorCode;

/// A request id: a string or an integer (MCP forbids null and fractions).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

impl Id {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(Self::String(s.clone())),
            Value::Number(n) => n.as_i64().map(Self::Number),
            _ => None,
        }
    }

    /// The id as JSON.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Number(n) => Value::from(*n),
            Self::String(s) => Value::String(s.clone()),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for Id {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

/// The `error` member of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code.
    #[serde(with = "code_serde")]
    pub code: ErrorCode,
    /// A short description.
    pub message: String,
    /// Extra information, any JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

mod code_serde {
    use super::ErrorCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(c: &ErrorCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(c.get())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        i64::deserialize(d).map(ErrorCode::new)
    }
}

impl ErrorObject {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds `data`.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32602 Invalid params`.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_PARAMS, message)
    }

    /// `-32601 Method not found`, naming the method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(ErrorCode::METHOD_NOT_FOUND, "Method not found")
            .with_data(serde_json::json!({ "method": method }))
    }

    /// `-32603 Internal error`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INTERNAL_ERROR, message)
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.code.get(), self.message)
    }
}

/// A request: it expects exactly one response with the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The id.
    pub id: Id,
    /// The method name.
    pub method: String,
    /// The parameters (an object in MCP), `_meta` included.
    pub params: Option<Value>,
}

/// A notification: no id, no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method name.
    pub method: String,
    /// The parameters, `_meta` included.
    pub params: Option<Value>,
}

/// One JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A successful response.
    Response {
        /// The id of the request it answers.
        id: Id,
        /// The result.
        result: Value,
    },
    /// An error response; the id is `None` when the request's id could not be read.
    Error {
        /// The id of the request it answers.
        id: Option<Id>,
        /// The error.
        error: ErrorObject,
    },
}

/// Why a received message was rejected, with the error response it deserves.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The id of the offending request, if it could be read.
    pub id: Option<Id>,
    /// The code to answer with.
    pub code: ErrorCode,
    /// What was wrong.
    pub message: &'static str,
}

impl Rejected {
    fn new(id: Option<Id>, code: ErrorCode, message: &'static str) -> Self {
        Self { id, code, message }
    }

    /// The error object to answer with.
    pub fn error(&self) -> ErrorObject {
        ErrorObject::new(self.code, self.message)
    }

    /// The error response to send back.
    pub fn response(&self) -> Message {
        Message::Error {
            id: self.id.clone(),
            error: self.error(),
        }
    }
}

/// What one received payload held: a single message or a batch (a JSON array).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// One message.
    Single(Message),
    /// A batch: each element parsed on its own (JSON-RPC 2.0 §6).
    Batch(Vec<Result<Message, Rejected>>),
}

/// Limits the codec checks while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodecLimits {
    /// The largest message (or batch) in bytes; larger input is rejected before parsing.
    pub max_message_len: usize,
    /// The most elements a batch may have.
    pub max_batch_len: usize,
}

impl Default for CodecLimits {
    fn default() -> Self {
        Self {
            max_message_len: 4 * 1024 * 1024,
            max_batch_len: 64,
        }
    }
}

impl Message {
    /// Parses one message from a JSON object.
    ///
    /// # Errors
    /// [`Rejected`] with `-32600` when `value` is not a JSON-RPC 2.0 message.
    pub fn from_value(value: Value) -> Result<Self, Rejected> {
        let Value::Object(mut obj) = value else {
            return Err(Rejected::new(
                None,
                ErrorCode::INVALID_REQUEST,
                "a JSON-RPC message must be an object",
            ));
        };
        let raw_id = obj.remove("id");
        let null_id = raw_id.as_ref().is_some_and(Value::is_null);
        let id = match &raw_id {
            None | Some(Value::Null) => None,
            Some(v) => match Id::from_value(v) {
                Some(id) => Some(id),
                None => {
                    return Err(Rejected::new(
                        None,
                        ErrorCode::INVALID_REQUEST,
                        "id must be a string or an integer",
                    ));
                }
            },
        };
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(Rejected::new(
                id,
                ErrorCode::INVALID_REQUEST,
                "jsonrpc must be \"2.0\"",
            ));
        }
        if let Some(method) = obj.remove("method") {
            let Value::String(method) = method else {
                return Err(Rejected::new(
                    id,
                    ErrorCode::INVALID_REQUEST,
                    "method must be a string",
                ));
            };
            if null_id {
                return Err(Rejected::new(
                    None,
                    ErrorCode::INVALID_REQUEST,
                    "id must not be null",
                ));
            }
            let params = obj.remove("params");
            if let Some(p) = &params {
                // MCP params are always objects (by-name); JSON-RPC also allows arrays.
                if !p.is_object() && !p.is_array() {
                    return Err(Rejected::new(
                        id,
                        ErrorCode::INVALID_REQUEST,
                        "params must be an object or an array",
                    ));
                }
            }
            return Ok(match id {
                Some(id) => Self::Request(Request { id, method, params }),
                None => Self::Notification(Notification { method, params }),
            });
        }
        match (obj.remove("result"), obj.remove("error")) {
            (Some(result), None) => match id {
                Some(id) => Ok(Self::Response { id, result }),
                None => Err(Rejected::new(
                    None,
                    ErrorCode::INVALID_REQUEST,
                    "a result response needs an id",
                )),
            },
            (None, Some(error)) => {
                let error = ErrorObject::deserialize(error).map_err(|_| {
                    Rejected::new(
                        id.clone(),
                        ErrorCode::INVALID_REQUEST,
                        "error must have an integer code and a string message",
                    )
                })?;
                Ok(Self::Error { id, error })
            }
            _ => Err(Rejected::new(
                id,
                ErrorCode::INVALID_REQUEST,
                "a message needs exactly one of method, result or error",
            )),
        }
    }

    /// The message as a JSON value.
    pub fn to_value(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("jsonrpc".to_string(), Value::from("2.0"));
        match self {
            Self::Request(r) => {
                obj.insert("id".to_string(), r.id.to_value());
                obj.insert("method".to_string(), Value::from(r.method.as_str()));
                if let Some(p) = &r.params {
                    obj.insert("params".to_string(), p.clone());
                }
            }
            Self::Notification(n) => {
                obj.insert("method".to_string(), Value::from(n.method.as_str()));
                if let Some(p) = &n.params {
                    obj.insert("params".to_string(), p.clone());
                }
            }
            Self::Response { id, result } => {
                obj.insert("id".to_string(), id.to_value());
                obj.insert("result".to_string(), result.clone());
            }
            Self::Error { id, error } => {
                obj.insert(
                    "id".to_string(),
                    id.as_ref().map_or(Value::Null, Id::to_value),
                );
                obj.insert(
                    "error".to_string(),
                    serde_json::to_value(error).unwrap_or(Value::Null),
                );
            }
        }
        Value::Object(obj)
    }

    /// Appends the message's compact JSON (no newline inside, as stdio requires) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        // Serializing into a Vec cannot fail: every key is a string.
        #[cfg(feature = "std")]
        let _ = serde_json::to_writer(&mut *out, &Envelope(self));
        #[cfg(not(feature = "std"))]
        if let Ok(bytes) = serde_json::to_vec(&Envelope(self)) {
            out.extend_from_slice(&bytes);
        }
    }

    /// The method name, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request(r) => Some(&r.method),
            Self::Notification(n) => Some(&n.method),
            _ => None,
        }
    }
}

/// Serializes a message without building a `Value` first.
struct Envelope<'a>(&'a Message);

impl Serialize for Envelope<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("jsonrpc", "2.0")?;
        match self.0 {
            Message::Request(r) => {
                m.serialize_entry("id", &r.id)?;
                m.serialize_entry("method", &r.method)?;
                if let Some(p) = &r.params {
                    m.serialize_entry("params", p)?;
                }
            }
            Message::Notification(n) => {
                m.serialize_entry("method", &n.method)?;
                if let Some(p) = &n.params {
                    m.serialize_entry("params", p)?;
                }
            }
            Message::Response { id, result } => {
                m.serialize_entry("id", id)?;
                m.serialize_entry("result", result)?;
            }
            Message::Error { id, error } => {
                m.serialize_entry("id", id)?;
                m.serialize_entry("error", error)?;
            }
        }
        m.end()
    }
}

/// Encodes a batch response (a JSON array) into `out`.
pub fn encode_batch(messages: &[Message], out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        m.encode(out);
    }
    out.push(b']');
}

impl Payload {
    /// Parses one received payload (a stdio line, an HTTP body).
    ///
    /// # Errors
    /// [`Rejected`] with `-32700` for invalid JSON (or input over
    /// [`CodecLimits::max_message_len`], answered as `-32600`), `-32600` for an empty batch,
    /// a batch over [`CodecLimits::max_batch_len`], or a single non-message.
    pub fn parse(input: &[u8], limits: &CodecLimits) -> Result<Self, Rejected> {
        if input.len() > limits.max_message_len {
            return Err(Rejected::new(
                None,
                ErrorCode::INVALID_REQUEST,
                "message larger than the configured limit",
            ));
        }
        let value: Value = serde_json::from_slice(input)
            .map_err(|_| Rejected::new(None, ErrorCode::PARSE_ERROR, "Parse error"))?;
        match value {
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(Rejected::new(
                        None,
                        ErrorCode::INVALID_REQUEST,
                        "empty batch",
                    ));
                }
                if items.len() > limits.max_batch_len {
                    return Err(Rejected::new(
                        None,
                        ErrorCode::INVALID_REQUEST,
                        "batch has more messages than the configured limit",
                    ));
                }
                Ok(Self::Batch(
                    items.into_iter().map(Message::from_value).collect(),
                ))
            }
            other => Message::from_value(other).map(Self::Single),
        }
    }
}

#[cfg(test)]
#[path = "jsonrpc_tests.rs"]
mod tests;
