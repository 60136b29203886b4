//! The engine's hot path for `tools/call`: a typed parse of the request and a direct
//! encoding of the response.
//!
//! **In.** The general path parses a payload into a `serde_json::Value` tree (a `BTreeMap`
//! and a `String` key per member) and then classifies it. [`parse_tools_call`] reads a single
//! `tools/call` request with a typed visitor instead: `jsonrpc`, `id` and `method` borrowed
//! and checked in place, params' `name` borrowed; only `arguments` and `_meta` become
//! `Value`s (the tool handler sees them as maps), and the params map is put together from
//! them, so the engine serves the request through its one general code path. The whole
//! input is checked as UTF-8 once (simdutf8) instead of string by string. It takes only the
//! plain shape — members in
//! the order `jsonrpc`/`id`/`method` before `params`, no duplicate or unknown member, no
//! escape in `name`, `arguments` an object or null, `_meta` an object — and declines
//! anything else (`None`); the engine then takes the general path, so every error keeps its
//! code and message. Whenever it accepts, the general parse gives the same request
//! (`hot_tests.rs` checks that on arbitrary valid and invalid input).
//!
//! **Out.** The general path builds the result as a `serde_json::Value` (`CallToolResult` to a map,
//! then `resultType` and `_meta.serverInfo` added by the engine), wraps it in a
//! [`Message::Response`](crate::Message::Response) and serializes that tree again when the
//! transport writes it. [`encode_tool_response`] writes the same bytes (key order included:
//! a `Value` map is sorted, so the members are written in that order) from the typed result,
//! without the tree. It declines (returns `false`, writes nothing) for what it does not
//! reproduce byte for byte — members in `extra` — and the engine then takes the general path.
//! `hot/tests.rs` checks both give the same bytes on arbitrary results.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::ProtocolVersion;
use crate::engine::meta;
use crate::jsonrpc::{CodecLimits, Id, Request};
use crate::types::{CallToolResult, Content, Implementation};

/// A `tools/call` request as the typed parse reads it.
struct HotCall<'a> {
    id: Id,
    /// `params.name`, borrowed from the input.
    name: &'a str,
    /// `params.arguments` (an object or null) when present.
    arguments: Option<Value>,
    /// `params._meta` (an object) when present.
    meta: Option<Value>,
}

impl HotCall<'_> {
    /// The request the general parse makes of the same input: the params map holds what
    /// the typed parse read, so the engine serves it exactly as it serves the general one.
    fn into_request(self) -> Request {
        let mut params = Map::new();
        params.insert("name".into(), Value::from(self.name));
        if let Some(a) = self.arguments {
            params.insert("arguments".into(), a);
        }
        if let Some(m) = self.meta {
            params.insert("_meta".into(), m);
        }
        Request {
            id: self.id,
            method: "tools/call".into(),
            params: Some(Value::Object(params)),
        }
    }
}

/// Reads `input` as a single `tools/call` request of the plain shape (see the module docs);
/// `None` for anything else, which the general path then handles.
pub(crate) fn parse_tools_call(input: &[u8], limits: &CodecLimits) -> Option<Request> {
    if input.len() > limits.max_message_len {
        return None;
    }
    #[cfg(all(test, feature = "std"))]
    if GENERAL_ONLY.with(core::cell::Cell::get) {
        return None;
    }
    // One SIMD pass checks the whole input; the parse then skips the check per string.
    let text = simdutf8::basic::from_utf8(input).ok()?;
    serde_json::from_str::<HotCall<'_>>(text)
        .ok()
        .map(HotCall::into_request)
}

#[cfg(all(test, feature = "std"))]
std::thread_local! {
    /// Tests: send every payload down the general path, to compare the two.
    pub(crate) static GENERAL_ONLY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Ends the typed parse: the input is not of the plain shape.
fn decline<E: de::Error>() -> E {
    E::custom("not a plain tools/call")
}

impl<'de> Deserialize<'de> for HotCall<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Envelope)
    }
}

/// A member name of the envelope or of the params.
enum Key {
    Jsonrpc,
    Id,
    Method,
    Params,
    Name,
    Arguments,
    Meta,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "jsonrpc" => Key::Jsonrpc,
                    "id" => Key::Id,
                    "method" => Key::Method,
                    "params" => Key::Params,
                    "name" => Key::Name,
                    "arguments" => Key::Arguments,
                    "_meta" => Key::Meta,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// An MCP id: an integer in `i64` or a string (what [`Id`] accepts from a `Value`).
struct HotId(Id);

impl<'de> Deserialize<'de> for HotId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HotId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HotId, E> {
                Ok(HotId(Id::Number(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<HotId, E> {
                i64::try_from(n)
                    .map(|n| HotId(Id::Number(n)))
                    .map_err(|_| decline())
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HotId, E> {
                Ok(HotId(Id::String(String::from(s))))
            }
        }
        d.deserialize_any(V)
    }
}

/// The envelope: `jsonrpc`, `id`, `method` = `tools/call`, then `params`.
struct Envelope;

impl<'de> Visitor<'de> for Envelope {
    type Value = HotCall<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC request")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HotCall<'de>, A::Error> {
        let (mut jsonrpc, mut id, mut method, mut params) = (false, None, false, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Jsonrpc if !jsonrpc => {
                    if map.next_value::<&str>()? != "2.0" {
                        return Err(decline());
                    }
                    jsonrpc = true;
                }
                Key::Id if id.is_none() => id = Some(map.next_value::<HotId>()?.0),
                Key::Method if !method => {
                    if map.next_value::<&str>()? != "tools/call" {
                        return Err(decline());
                    }
                    method = true;
                }
                // After `method`, so only a `tools/call`'s params are read typed.
                Key::Params if method && params.is_none() => {
                    params = Some(map.next_value::<Params<'de>>()?);
                }
                // A duplicate (the general parse keeps the last), params first, or a member
                // the general parse would read as a `Value` (depth limit included).
                _ => return Err(decline()),
            }
        }
        match (jsonrpc, id, params) {
            (true, Some(id), Some(p)) => Ok(HotCall {
                id,
                name: p.name,
                arguments: p.arguments,
                meta: p.meta,
            }),
            _ => Err(decline()),
        }
    }
}

/// `tools/call` params: `name`, optional `arguments` and `_meta`, nothing else.
struct Params<'a> {
    name: &'a str,
    arguments: Option<Value>,
    meta: Option<Value>,
}

impl<'de> Deserialize<'de> for Params<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Params<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("tools/call params")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params<'de>, A::Error> {
                let (mut name, mut arguments, mut meta) = (None, None, None);
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Name if name.is_none() => name = Some(map.next_value::<&str>()?),
                        Key::Arguments if arguments.is_none() => {
                            let v: Value = map.next_value()?;
                            if !(v.is_object() || v.is_null()) {
                                return Err(decline());
                            }
                            arguments = Some(v);
                        }
                        Key::Meta if meta.is_none() => {
                            let v: Value = map.next_value()?;
                            if !v.is_object() {
                                return Err(decline());
                            }
                            meta = Some(v);
                        }
                        // `task`, `inputResponses`, `requestState`, … and duplicates.
                        _ => return Err(decline()),
                    }
                }
                Ok(Params {
                    name: name.ok_or_else(decline)?,
                    arguments,
                    meta,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// Appends the response to `tools/call` `id` answered with `result` under `version`: the
/// bytes `Message::Response { id, result }.encode()` gives for the result the general path
/// builds. Member names are written as constant bytes, strings through serde_json's
/// escaping. Returns `false` (and writes nothing) when `result` has members in `extra`.
pub(crate) fn encode_tool_response(
    id: &Id,
    version: ProtocolVersion,
    server_info: &Implementation,
    result: &CallToolResult,
    out: &mut Vec<u8>,
) -> bool {
    if !result.extra.is_empty() {
        return false;
    }
    let start = out.len();
    let ok = write_response(id, version, server_info, result, out);
    if !ok {
        out.truncate(start);
    }
    ok
}

fn write_response(
    id: &Id,
    version: ProtocolVersion,
    info: &Implementation,
    result: &CallToolResult,
    out: &mut Vec<u8>,
) -> bool {
    // A `Value` map writes its members sorted: `_meta`, `content`, `isError`, `resultType`,
    // `structuredContent`; the envelope writes `jsonrpc`, `id`, `result`.
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    let mut ok = write_json(id, out);
    out.extend_from_slice(br#","result":{"#);
    let stateless = version.has_result_type();
    if stateless {
        // 2026-07-28 basic §"`_meta`": the server's identity on every result.
        out.extend_from_slice(br#""_meta":{""#);
        out.extend_from_slice(meta::SERVER_INFO.as_bytes());
        out.extend_from_slice(br#"":"#);
        if info.extra.is_empty() {
            out.extend_from_slice(br#"{"name":"#);
            ok &= write_json(&info.name, out);
            out.extend_from_slice(br#","version":"#);
            ok &= write_json(&info.version, out);
            out.push(b'}');
        } else {
            ok &= serde_json::to_value(info).is_ok_and(|v| write_json(&v, out));
        }
        out.extend_from_slice(b"},");
    }
    out.extend_from_slice(br#""content":["#);
    for (i, block) in result.content.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match block {
            Content::Text { text, extra } if extra.is_empty() => {
                out.extend_from_slice(br#"{"text":"#);
                ok &= write_json(text, out);
                out.extend_from_slice(br#","type":"text"}"#);
            }
            other => ok &= serde_json::to_value(other).is_ok_and(|v| write_json(&v, out)),
        }
    }
    out.push(b']');
    if let Some(e) = result.is_error {
        out.extend_from_slice(if e {
            br#","isError":true"#.as_slice()
        } else {
            br#","isError":false"#.as_slice()
        });
    }
    if stateless {
        out.extend_from_slice(br#","resultType":"complete""#);
    }
    if let Some(v) = result
        .structured_content
        .as_ref()
        .filter(|_| version.has_structured_output())
    {
        out.extend_from_slice(br#","structuredContent":"#);
        ok &= write_json(v, out);
    }
    out.extend_from_slice(b"}}");
    ok
}

/// A capacity that holds the encoded response to `result` (text blocks, short ids and
/// server names), so encoding it needs one allocation.
pub(crate) fn response_capacity(result: &CallToolResult) -> usize {
    let text: usize = result
        .content
        .iter()
        .map(|c| match c {
            Content::Text { text, .. } => text.len() + 32,
            _ => 128,
        })
        .sum();
    256 + text
        + if result.structured_content.is_some() {
            256
        } else {
            0
        }
}

/// Serializes `value` as compact JSON onto `out`; `false` on failure.
fn write_json<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> bool {
    #[cfg(feature = "std")]
    {
        serde_json::to_writer(&mut *out, value).is_ok()
    }
    #[cfg(not(feature = "std"))]
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            out.extend_from_slice(&bytes);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
#[path = "hot_tests.rs"]
mod tests;
