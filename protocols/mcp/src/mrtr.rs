//! 2026-07-28 multi round-trip requests (basic/patterns/mrtr): a handler that needs client
//! input answers with an `InputRequiredResult` (`inputRequests` and `requestState`); the
//! client retries the request with `inputResponses` and the echoed `requestState`.
//!
//! The engine does the protocol's part, so a handler only says what it needs:
//! * the handler's own state never leaves the server unprotected: the engine seals it, with
//!   the keys and methods it asked for, the request it belongs to (method, name, a digest of
//!   the arguments) and an expiry, into a `requestState` authenticated with HMAC-SHA256 under
//!   the server's [`StateKey`] (§"Server Requirements": state is attacker-controlled input,
//!   integrity MUST be protected and failed state MUST be rejected: -32602);
//! * it checks the client declared the capability each input request needs (-32021, §"Server
//!   Requirements": MUST NOT send what the client did not declare);
//! * it validates the client's `inputResponses` (an object; each answer to a key it asked for
//!   must have the shape of that method's result: -32602), ignoring keys it did not ask for
//!   (§"Error Handling").
//!
//! A handler reads the retry through [`Input`] and asks with [`InputRequests`]:
//!
//! ```
//! use fasterapi_mcp::mrtr::InputRequests;
//! use fasterapi_mcp::{CallToolResult, Server, ToolReply, schema};
//! use serde_json::json;
//!
//! let server = Server::new("demo", "1.0").tool("greet", "Greets you", schema::object(), |call| {
//!     match call.input().accepted("name").and_then(|c| c.get("name")?.as_str()) {
//!         Some(name) => ToolReply::Done(CallToolResult::text(format!("Hello, {name}!"))),
//!         // First round, or the answer is missing: ask (again).
//!         None => ToolReply::input_required(InputRequests::new().elicit(
//!             "name",
//!             "What is your name?",
//!             json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
//!         )),
//!     }
//! });
//! # let _ = server;
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fasterapi_core::Timestamp;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::codes::ErrorCode;
use crate::jsonrpc::ErrorObject;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The secret that authenticates `requestState` (HMAC-SHA256). Give every instance of one
/// logical server the same key (a retry may reach another instance); 32 random bytes from a
/// CSPRNG. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct StateKey([u8; 32]);

impl StateKey {
    /// A key from 32 secret bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key derived (SHA-256) from secret material of any length, e.g. several values of a
    /// CSPRNG.
    pub fn derive(material: &[u8]) -> Self {
        Self(Sha256::digest(material).into())
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        <HmacSha256 as KeyInit>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StateKey(..)")
    }
}

/// The methods a server may put in `inputRequests` and the client capability each needs
/// (§"Server Requirements": `ElicitRequest`, `CreateMessageRequest` or `ListRootsRequest`).
pub const INPUT_METHODS: [(&str, &str); 3] = [
    ("elicitation/create", "elicitation"),
    ("sampling/createMessage", "sampling"),
    ("roots/list", "roots"),
];

/// The capability a server→client input method needs, `None` for a method that may not be
/// asked for.
pub fn capability_of(method: &str) -> Option<&'static str> {
    INPUT_METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, c)| *c)
}

/// An `inputRequests` map under construction: keys are the handler's names, values the
/// server→client requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputRequests(Map<String, Value>);

impl InputRequests {
    /// No requests yet.
    pub fn new() -> Self {
        Self(Map::new())
    }

    /// Adds a request `method` with `params` under `key`.
    #[must_use]
    pub fn request(mut self, key: &str, method: &str, params: Value) -> Self {
        self.0
            .insert(key.into(), json!({ "method": method, "params": params }));
        self
    }

    /// Asks the user, through a form (`elicitation/create`, mode `form`).
    #[must_use]
    pub fn elicit(self, key: &str, message: &str, requested_schema: Value) -> Self {
        self.request(
            key,
            "elicitation/create",
            json!({ "mode": "form", "message": message, "requestedSchema": requested_schema }),
        )
    }

    /// Asks the client's model (`sampling/createMessage`) one user text.
    #[must_use]
    pub fn sample_text(self, key: &str, text: &str, max_tokens: u32) -> Self {
        self.request(
            key,
            "sampling/createMessage",
            json!({
                "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
                "maxTokens": max_tokens,
            }),
        )
    }

    /// Asks for the client's roots (`roots/list`).
    #[must_use]
    pub fn list_roots(self, key: &str) -> Self {
        self.request(key, "roots/list", json!({}))
    }

    /// Keeps only the requests whose method the client declared a capability for (a
    /// handler that can do without some inputs asks only for what the client supports).
    #[must_use]
    pub fn supported_by(mut self, client_capabilities: Option<&Map<String, Value>>) -> Self {
        self.0.retain(|_, r| {
            r.get("method")
                .and_then(Value::as_str)
                .and_then(capability_of)
                .is_some_and(|c| client_capabilities.is_some_and(|caps| caps.contains_key(c)))
        });
        self
    }

    /// Whether nothing is asked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `inputRequests` object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// The client input a retried request carries, as a handler sees it (already validated by
/// the engine; the state already verified and unsealed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    responses: Option<&'a Map<String, Value>>,
    state: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// The retry's `inputResponses` and the handler's own state from the previous round.
    pub fn new(responses: Option<&'a Value>, state: Option<&'a str>) -> Self {
        Self {
            responses: responses.and_then(Value::as_object),
            state,
        }
    }

    /// Whether this is a retry with answers.
    pub fn is_retry(&self) -> bool {
        self.responses.is_some() || self.state.is_some()
    }

    /// The state the handler gave in the previous round.
    pub fn state(&self) -> Option<&'a str> {
        self.state
    }

    /// The client's answer to `key`.
    pub fn response(&self, key: &str) -> Option<&'a Value> {
        self.responses.and_then(|r| r.get(key))
    }

    /// An elicitation answer's `action` (`accept`, `decline`, `cancel`).
    pub fn action(&self, key: &str) -> Option<&'a str> {
        self.response(key)?.get("action")?.as_str()
    }

    /// The `content` of an accepted elicitation.
    pub fn accepted(&self, key: &str) -> Option<&'a Map<String, Value>> {
        let r = self.response(key)?;
        if r.get("action")?.as_str()? != "accept" {
            return None;
        }
        r.get("content")?.as_object()
    }

    /// The text of a sampling answer (`content` a text block, or the first text block of a
    /// content array).
    pub fn sampled_text(&self, key: &str) -> Option<&'a str> {
        let c = self.response(key)?.get("content")?;
        let block = match c {
            Value::Array(items) => items
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) == Some("text"))?,
            other => other,
        };
        block.get("text")?.as_str()
    }

    /// The roots of a `roots/list` answer.
    pub fn roots(&self, key: &str) -> Option<&'a [Value]> {
        self.response(key)?
            .get("roots")?
            .as_array()
            .map(Vec::as_slice)
    }
}

/// A result or a request for input, for handlers other than tools (`prompts/get`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer<T> {
    /// The complete result.
    Done(T),
    /// An `InputRequiredResult`.
    InputRequired {
        /// What to ask.
        input_requests: InputRequests,
        /// The handler's own state for the next round (sealed by the engine).
        request_state: Option<String>,
    },
}

/// What a request is: its method, the name (tool, prompt) or URI it addresses, and its
/// arguments. A `requestState` is only valid on the request it was issued for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'a> {
    pub(crate) method: &'a str,
    pub(crate) name: &'a str,
    pub(crate) arguments: Option<&'a Map<String, Value>>,
}

impl Binding<'_> {
    /// The digest of the arguments (serde_json's map is ordered, so the encoding is
    /// canonical), base64url of the first 16 bytes of SHA-256.
    fn arguments_digest(&self) -> String {
        // Encoding a map of JSON values cannot fail.
        let bytes = self
            .arguments
            .and_then(|a| serde_json::to_vec(a).ok())
            .unwrap_or_default();
        URL_SAFE_NO_PAD.encode(&Sha256::digest(&bytes)[..16])
    }
}

/// The options of the request-state protection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sealing<'a> {
    pub(crate) key: Option<&'a StateKey>,
    pub(crate) now: Timestamp,
    pub(crate) ttl: Duration,
}

/// A verified retry: the handler's state and the keys asked for in the previous round.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    pub(crate) state: Option<String>,
}

fn bad_state(why: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::INVALID_PARAMS, "Invalid requestState")
        .with_data(json!({ "reason": why }))
}

fn sign(key: &StateKey, payload_b64: &str) -> String {
    let mut mac = key.mac();
    mac.update(payload_b64.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Checks a retry's `requestState` and `inputResponses` (`params` of the request) before
/// the handler runs.
pub(crate) fn verify_retry(
    sealing: Sealing<'_>,
    binding: Binding<'_>,
    params: &Map<String, Value>,
) -> Result<Retry, ErrorObject> {
    let responses = match params.get("inputResponses") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => Some(r),
        Some(_) => return Err(invalid_responses("inputResponses must be an object")),
    };
    let token = match params.get("requestState") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(bad_state("requestState must be a string")),
    };
    let Some(token) = token else {
        // No state: answers to requests we cannot tie to a round are still checked for
        // shape (each must be a result object).
        if let Some(r) = responses {
            if r.values().any(|v| !v.is_object()) {
                return Err(invalid_responses("each input response must be an object"));
            }
        }
        return Ok(Retry::default());
    };
    let Some(key) = sealing.key else {
        // We never issue state without a key: whatever this is, it is not ours.
        return Err(bad_state("this server issued no requestState"));
    };
    let (payload_b64, tag_b64) = token
        .split_once('.')
        .ok_or_else(|| bad_state("malformed"))?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag_b64)
        .map_err(|_| bad_state("malformed"))?;
    let mut mac = key.mac();
    mac.update(payload_b64.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&tag)
        .map_err(|_| bad_state("integrity check failed"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .ok()
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
        .ok_or_else(|| bad_state("malformed"))?;
    let field = |k: &str| payload.get(k).and_then(Value::as_str);
    if field("m") != Some(binding.method)
        || field("n") != Some(binding.name)
        || field("a") != Some(binding.arguments_digest().as_str())
    {
        return Err(bad_state("issued for another request"));
    }
    let expires = payload.get("e").and_then(Value::as_u64).unwrap_or(0);
    if sealing.now.as_nanos() > expires {
        return Err(bad_state("expired"));
    }
    let asked = payload.get("k").and_then(Value::as_object);
    if let (Some(asked), Some(responses)) = (asked, responses) {
        for (k, method) in asked {
            let (Some(answer), Some(method)) = (responses.get(k), method.as_str()) else {
                continue; // a missing answer is the handler's to ask again
            };
            check_response(k, method, answer)?;
        }
    }
    Ok(Retry {
        state: field("s").map(ToString::to_string),
    })
}

fn invalid_responses(why: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::INVALID_PARAMS, "Invalid inputResponses")
        .with_data(json!({ "reason": why }))
}

/// The answer to `method` must have that method's result shape (schema `ElicitResult`,
/// `CreateMessageResult`, `ListRootsResult`).
fn check_response(key: &str, method: &str, answer: &Value) -> Result<(), ErrorObject> {
    let fail = |what: &str| {
        Err(
            ErrorObject::new(ErrorCode::INVALID_PARAMS, "Invalid inputResponses")
                .with_data(json!({ "key": key, "reason": what })),
        )
    };
    let Some(a) = answer.as_object() else {
        return fail("not an object");
    };
    match method {
        "elicitation/create" => {
            match a.get("action").and_then(Value::as_str) {
                Some("accept" | "decline" | "cancel") => {}
                _ => return fail("elicitation result needs action accept, decline or cancel"),
            }
            if a.get("content").is_some_and(|c| !c.is_object()) {
                return fail("elicitation content must be an object");
            }
        }
        "sampling/createMessage" => {
            if !matches!(
                a.get("role").and_then(Value::as_str),
                Some("user" | "assistant")
            ) {
                return fail("sampling result needs role");
            }
            if !a
                .get("content")
                .is_some_and(|c| c.is_object() || c.is_array())
            {
                return fail("sampling result needs content");
            }
        }
        "roots/list" => {
            let ok = a.get("roots").and_then(Value::as_array).is_some_and(|r| {
                r.iter()
                    .all(|root| root.get("uri").and_then(Value::as_str).is_some())
            });
            if !ok {
                return fail("roots result needs roots with uri");
            }
        }
        _ => {}
    }
    Ok(())
}

/// Builds the `InputRequiredResult` for a handler's request for input: checks the requests
/// and the client's capabilities, seals the state.
pub(crate) fn input_required(
    sealing: Sealing<'_>,
    binding: Binding<'_>,
    client_caps: &Map<String, Value>,
    input_requests: Map<String, Value>,
    state: Option<String>,
) -> Result<Value, ErrorObject> {
    let mut missing = Map::new();
    let mut asked = Map::new();
    for (k, r) in &input_requests {
        let method = r.get("method").and_then(Value::as_str).unwrap_or_default();
        let Some(cap) = capability_of(method) else {
            return Err(ErrorObject::internal(
                "an input request must be elicitation/create, sampling/createMessage or roots/list",
            ));
        };
        if r.get("params").is_some_and(|p| !p.is_object()) {
            return Err(ErrorObject::internal(
                "an input request's params must be an object",
            ));
        }
        // A server MUST NOT rely on capabilities the client did not declare (2026-07-28
        // basic §"`_meta`", mrtr §"Server Requirements"): -32021 with the missing ones.
        if !client_caps.contains_key(cap) {
            missing.insert(cap.into(), json!({}));
        }
        asked.insert(k.clone(), Value::from(method));
    }
    if !missing.is_empty() {
        return Err(ErrorObject::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            "Missing required client capability",
        )
        .with_data(json!({ "requiredCapabilities": missing })));
    }
    let mut result = Map::new();
    result.insert("resultType".into(), Value::from("input_required"));
    if !input_requests.is_empty() {
        result.insert("inputRequests".into(), Value::Object(input_requests));
    }
    match sealing.key {
        Some(key) => {
            let mut payload = json!({
                "m": binding.method,
                "n": binding.name,
                "a": binding.arguments_digest(),
                "e": sealing.now.saturating_add(sealing.ttl).as_nanos(),
                "k": asked,
            });
            if let Some(s) = state {
                payload["s"] = Value::from(s);
            }
            let payload_b64 = URL_SAFE_NO_PAD.encode(payload.to_string());
            let tag = sign(key, &payload_b64);
            result.insert(
                "requestState".into(),
                Value::from(alloc::format!("{payload_b64}.{tag}")),
            );
        }
        None if state.is_some() => {
            return Err(ErrorObject::internal(
                "requestState needs EngineConfig::state_key (integrity protection)",
            ));
        }
        None => {}
    }
    if !result.contains_key("inputRequests") && !result.contains_key("requestState") {
        // §"Server Requirements": at least one of the two.
        return Err(ErrorObject::internal(
            "an InputRequiredResult needs inputRequests or requestState",
        ));
    }
    Ok(Value::Object(result))
}
