//! The conformance client's 2026-07-28 flow (the suite runs a scenario introduced in that
//! revision with `MCP_CONFORMANCE_PROTOCOL_VERSION=2026-07-28`): no session; `_meta` and the
//! standard headers on every request (`HttpClient::set_stateless`); `server/discover`, retried
//! with a version from `data.supported` after `-32022`; `tools/list` (tools with invalid
//! `x-mcp-header` annotations are left out by the transport) and a call of every tool —
//! with the arguments the scenario's context names, so their `Mcp-Param-*` headers are
//! mirrored —; `resources/list` and a read of each, `prompts/list` and a get of each. Every
//! `input_required` result is answered (elicitation accepted with the schema's defaults,
//! sampling with a fixed text, roots with one root) and retried through
//! `StdioClient::retry`, which echoes `requestState`.

use fasterapi_mcp::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::http_session::Session;

/// Retries of one request at most (multi round-trip rounds).
const MAX_ROUNDS: usize = 5;

/// Whether the scenario runs at 2026-07-28.
pub(crate) fn applies() -> bool {
    std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").is_ok_and(|v| v == "2026-07-28")
}

/// Arguments for a tool a legacy-flow scenario defines (`None`: do not call it):
/// `json_schema_echo` gets the schema `tools/list` gave for `json_schema_2020_12_tool`,
/// verbatim.
pub(crate) fn tool_args(name: &str, tools: &Value) -> Option<Value> {
    if name != "json_schema_echo" {
        return None;
    }
    let focal = tools["tools"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == "json_schema_2020_12_tool")?;
    Some(json!({ "schema": focal["inputSchema"].clone() }))
}

/// The calls the scenario's context asks for (`MCP_CONFORMANCE_CONTEXT`: `toolCalls`).
fn context_calls() -> Vec<(String, Value)> {
    let ctx: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(Value::Null);
    ctx["toolCalls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["name"].as_str()?.to_string(), c["arguments"].clone())))
        .collect()
}

/// A value that satisfies a requested-schema property: its default, else one of its type.
fn sample_value(schema: &Value) -> Value {
    if let Some(d) = schema.get("default") {
        return d.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("boolean") => json!(true),
        Some("integer" | "number") => json!(1),
        _ => json!("fasterapi"),
    }
}

/// The client's answers to an `InputRequiredResult`'s `inputRequests`.
fn answer_inputs(requests: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (key, r) in requests {
        let answer = match r["method"].as_str() {
            Some("elicitation/create") => {
                let props = r["params"]["requestedSchema"]["properties"].as_object();
                let content: Map<String, Value> = props
                    .into_iter()
                    .flatten()
                    .map(|(k, s)| (k.clone(), sample_value(s)))
                    .collect();
                json!({ "action": "accept", "content": content })
            }
            Some("sampling/createMessage") => json!({
                "role": "assistant",
                "content": { "type": "text", "text": "Paris" },
                "model": "fasterapi-conformance",
                "stopReason": "endTurn",
            }),
            Some("roots/list") => json!({
                "roots": [{ "uri": "file:///tmp/fasterapi-conformance", "name": "conformance" }]
            }),
            _ => continue,
        };
        out.insert(key.clone(), answer);
    }
    Value::Object(out)
}

/// One request, its `input_required` rounds answered and retried; the complete result.
fn call(s: &mut Session, method: &str, params: Value) -> Result<Value, String> {
    let mut id = s.http.client().request(s.epoch.now(), method, Some(params));
    for _ in 0..MAX_ROUNDS {
        let result = s.wait(&id)?;
        // No `resultType` is "complete" (basic §"ResultType").
        if result["resultType"] != "input_required" {
            return Ok(result);
        }
        let empty = Map::new();
        let requests = result["inputRequests"].as_object().unwrap_or(&empty);
        let answers = answer_inputs(requests);
        id = s
            .http
            .client()
            .retry(s.epoch.now(), &id, answers)
            .map_err(|e| e.to_string())?;
    }
    Err(format!(
        "{method}: still input_required after {MAX_ROUNDS} rounds"
    ))
}

/// `server/discover`, retried once with a version the server names after `-32022`
/// (basic/versioning §"Protocol Version Negotiation").
fn discover(s: &mut Session, caps: &Value, info: &Value) -> Result<(), String> {
    for _ in 0..2 {
        let id = s
            .http
            .client()
            .request(s.epoch.now(), "server/discover", Some(json!({})));
        match s.wait_rpc(&id)? {
            Ok(_) => return Ok(()),
            Err(e) if e.code.get() == -32022 => {
                let supported = e.data.as_ref().and_then(|d| d["supported"].as_array());
                let pick = supported
                    .into_iter()
                    .flatten()
                    .filter_map(|v| ProtocolVersion::parse(v.as_str()?))
                    .filter(|v| v.is_stateless())
                    .max()
                    .ok_or("the server supports no stateless revision we speak")?;
                s.http.set_stateless(pick, caps.clone(), info.clone());
            }
            // A server without discover still serves the rest.
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// The 2026-07-28 flow; whether every tool call succeeded.
pub(crate) fn run(s: &mut Session, scenario: &str) -> bool {
    let caps = json!({ "elicitation": { "form": {} }, "sampling": {}, "roots": {} });
    let info = json!({ "name": "fasterapi-mcp-conformance-client", "version": "0.1.0" });
    s.http
        .set_stateless(ProtocolVersion::V2026_07_28, caps.clone(), info.clone());
    if let Err(e) = discover(s, &caps, &info) {
        eprintln!("[{scenario}] server/discover: {e}");
        return false;
    }
    let mut ok = true;
    let tools = call(s, "tools/list", json!({})).unwrap_or_else(|e| {
        eprintln!("[{scenario}] tools/list: {e}");
        json!({})
    });
    for (name, reason) in s.http.rejected_tools() {
        eprintln!("[{scenario}] tool {name} left out: {reason}");
    }
    let listed: Vec<String> = tools["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    let planned = context_calls();
    let mut calls: Vec<(String, Value)> = planned
        .iter()
        .filter(|(n, _)| listed.contains(n))
        .cloned()
        .collect();
    for name in &listed {
        if !planned.iter().any(|(n, _)| n == name) {
            calls.push((name.clone(), json!({})));
        }
    }
    for (name, args) in calls {
        if let Err(e) = call(s, "tools/call", json!({ "name": name, "arguments": args })) {
            eprintln!("[{scenario}] tools/call {name}: {e}");
            ok = false;
        }
    }
    // Resources and prompts where the server has them (errors are only reported).
    if let Ok(list) = call(s, "resources/list", json!({})) {
        for r in list["resources"].as_array().into_iter().flatten() {
            if let Some(uri) = r["uri"].as_str() {
                if let Err(e) = call(s, "resources/read", json!({ "uri": uri })) {
                    eprintln!("[{scenario}] resources/read {uri}: {e}");
                }
            }
        }
    }
    if let Ok(list) = call(s, "prompts/list", json!({})) {
        for p in list["prompts"].as_array().into_iter().flatten() {
            if let Some(name) = p["name"].as_str() {
                let args: Map<String, Value> = p["arguments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| Some((a["name"].as_str()?.to_string(), json!("fasterapi"))))
                    .collect();
                if let Err(e) = call(s, "prompts/get", json!({ "name": name, "arguments": args })) {
                    eprintln!("[{scenario}] prompts/get {name}: {e}");
                }
            }
        }
    }
    ok
}
