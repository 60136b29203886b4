//! The crate against the shared JSON Schema of every dated revision and the 2026-07-28
//! examples: every method the schemas name is in the method table (and nothing else is),
//! every MCP error code is named, the engine's messages validate against the schema of the
//! revision they are served under, and the examples round-trip through the codec and types.

use std::path::PathBuf;
use std::sync::Arc;

use fasterapi_core::Timestamp;
use fasterapi_mcp::jsonrpc::{CodecLimits, Payload};
use fasterapi_mcp::methods::{self, Kind, Sender};
use fasterapi_mcp::types::{
    CallToolResult, Content, Extra, GetPromptResult, Implementation, Prompt, PromptMessage,
    Resource, ResourceContents, ResourceTemplate, Role, Tool,
};
use fasterapi_mcp::{
    Engine, EngineConfig, ErrorCode, Event, OutPayload, ProtocolVersion, Server, ToolReply, schema,
};
use serde_json::{Map, Value, json};

fn shared() -> PathBuf {
    let next_to_repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if next_to_repo.is_dir() {
        next_to_repo
    } else {
        PathBuf::from("/work/shared")
    }
}

fn load(version: ProtocolVersion) -> Value {
    let path = shared().join(format!("specs/mcp-schema-{version}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("schema JSON")
}

fn defs(schema: &Value) -> &Map<String, Value> {
    schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .expect("schema definitions")
}

/// A small JSON Schema validator for the keywords the MCP schemas use: `$ref`, `type`,
/// `required`, `properties`, `additionalProperties`, `items`, `anyOf`/`oneOf`, `allOf`,
/// `const`, `enum`.
fn validate(root: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return Ok(()); // `true` / `{}`
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().expect("ref name");
        let target = &defs(root)[name];
        validate(root, target, v, path)?;
    }
    if let Some(c) = s.get("const") {
        if c != v {
            return Err(format!("{path}: {v} != const {c}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{path}: {v} not in {e:?}"));
        }
    }
    if let Some(t) = s.get("type") {
        let ok = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => true,
        };
        let fine = match t {
            Value::String(t) => ok(t),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(ok),
            _ => true,
        };
        if !fine {
            return Err(format!("{path}: {v} is not of type {t}"));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = alts
                .iter()
                .filter_map(|a| validate(root, a, v, path).err())
                .collect();
            if errors.len() == alts.len() {
                return Err(format!("{path}: no alternative matches: {errors:?}"));
            }
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for a in all {
            validate(root, a, v, path)?;
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    return Err(format!("{path}: missing required `{r}` in {v}"));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(p) => validate(root, p, val, &format!("{path}.{k}"))?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{path}: unexpected member `{k}`"));
                    }
                    Some(extra @ Value::Object(_)) => {
                        validate(root, extra, val, &format!("{path}.{k}"))?;
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(root, items, x, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

fn validate_def(root: &Value, def: &str, v: &Value) {
    let schema = json!({ "$ref": format!("#/$defs/{def}") });
    if let Err(e) = validate(root, &schema, v, def) {
        panic!("{e}");
    }
}

/// Methods named by a union definition (`ClientRequest`, …): `anyOf` of `$ref`s or one def.
fn union_methods(root: &Value, union: &str) -> Vec<String> {
    let d = defs(root);
    let Some(u) = d.get(union) else {
        return Vec::new();
    };
    let members: Vec<&Value> = match u.get("anyOf").and_then(Value::as_array) {
        Some(alts) => alts
            .iter()
            .filter_map(|a| a.get("$ref").and_then(Value::as_str))
            .map(|r| &d[r.rsplit('/').next().expect("ref")])
            .collect(),
        None => vec![u],
    };
    members
        .iter()
        .filter_map(|m| {
            m.pointer("/properties/method/const")
                .and_then(Value::as_str)
        })
        .map(String::from)
        .collect()
}

#[test]
fn the_method_table_matches_every_schema() {
    for version in ProtocolVersion::ALL {
        let root = load(version);
        let mut in_schema: Vec<String> = defs(&root)
            .values()
            .filter_map(|d| {
                d.pointer("/properties/method/const")
                    .and_then(Value::as_str)
            })
            .map(String::from)
            .collect();
        in_schema.sort();
        in_schema.dedup();
        let mut ours: Vec<String> = methods::METHODS
            .iter()
            .filter(|m| m.in_version(version))
            .map(|m| m.name.to_string())
            .collect();
        ours.sort();
        assert_eq!(ours, in_schema, "{version}: method table vs schema");

        let cr = union_methods(&root, "ClientRequest");
        let sr = union_methods(&root, "ServerRequest");
        let cn = union_methods(&root, "ClientNotification");
        let sn = union_methods(&root, "ServerNotification");
        for name in cr.iter().chain(&sr).chain(&cn).chain(&sn) {
            let m = methods::lookup(version, name).expect("listed");
            let request = cr.contains(name) || sr.contains(name);
            assert_eq!(m.kind == Kind::Request, request, "{version} {name} kind");
            let from_client = cr.contains(name) || cn.contains(name);
            let from_server = sr.contains(name) || sn.contains(name);
            let want = match (from_client, from_server) {
                (true, true) => Sender::Both,
                (true, false) => Sender::Client,
                _ => Sender::Server,
            };
            assert_eq!(m.sender, want, "{version} {name} sender");
        }
    }
}

#[test]
fn every_schema_error_code_is_named() {
    let mut found = 0;
    for version in ProtocolVersion::ALL {
        let root = load(version);
        // Codes appear as `"code": {"const": N, …}` in the error definitions.
        for d in defs(&root).values() {
            let mut stack = vec![d];
            while let Some(x) = stack.pop() {
                match x {
                    Value::Object(o) => {
                        if let Some(c) = o
                            .get("code")
                            .and_then(|c| c.get("const"))
                            .and_then(Value::as_i64)
                        {
                            assert!(ErrorCode::new(c).is_known(), "{version}: code {c}");
                            found += 1;
                        }
                        stack.extend(o.values());
                    }
                    Value::Array(a) => stack.extend(a),
                    _ => {}
                }
            }
        }
    }
    assert!(
        found >= 8,
        "the 2026-07-28 schema names its error codes ({found})"
    );
}

fn demo() -> Server {
    let add = Tool {
        name: "add".into(),
        description: Some("adds".into()),
        input_schema: schema::object()
            .required("a", schema::integer("a"))
            .required("b", schema::integer("b"))
            .build(),
        output_schema: Some(json!({"type":"object","properties":{"sum":{"type":"integer"}}})),
        extra: Extra::new(),
    };
    Server::new("schema-test", "1.0")
        .instructions("testing")
        .tool_with(add, |c| {
            let s = c.arguments["a"].as_i64().unwrap_or(0) + c.arguments["b"].as_i64().unwrap_or(0);
            ToolReply::Done(CallToolResult::structured(json!({ "sum": s })))
        })
        .tool("slow", "deferred", schema::object(), |_| ToolReply::Defer)
        .resource(
            Resource {
                uri: "demo://a".into(),
                name: "a".into(),
                description: None,
                mime_type: Some("text/plain".into()),
                extra: Extra::new(),
            },
            |uri| Ok(vec![ResourceContents::text(uri, "text/plain", "A")]),
        )
        .resource_template(
            ResourceTemplate {
                uri_template: "demo://t/{x}".into(),
                name: "t".into(),
                description: None,
                mime_type: None,
                extra: Extra::new(),
            },
            |uri, vars| Ok(vec![ResourceContents::text(uri, "text/plain", &vars["x"])]),
        )
        .prompt(
            Prompt {
                name: "p".into(),
                description: None,
                arguments: vec![fasterapi_mcp::server::arg("who", "who", true)],
                extra: Extra::new(),
            },
            |args| {
                Ok(GetPromptResult {
                    description: None,
                    messages: vec![PromptMessage {
                        role: Role::User,
                        content: Content::text(args["who"].as_str().unwrap_or_default()),
                    }],
                    extra: Extra::new(),
                })
            },
        )
        .completion(|_| vec!["x".into()])
}

/// Sends `requests` (method, params) under `version` and returns (method, message) pairs.
fn session(version: ProtocolVersion, requests: &[(&str, Value)]) -> Vec<(String, Value)> {
    let mut e = Engine::new(Arc::new(demo()), EngineConfig::default());
    let now = Timestamp::ZERO;
    let modern = version.is_stateless();
    let mut sent = Vec::new();
    if modern {
        sent.push(String::new()); // ids start at 1
    } else {
        let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion": version.as_str(), "capabilities": {},
            "clientInfo": {"name":"t","version":"1"}}});
        e.handle_payload(now, init.to_string().as_bytes());
        e.handle_payload(
            now,
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        );
        sent.push("initialize".to_string());
    }
    for (i, (method, params)) in requests.iter().enumerate() {
        let mut params = params.clone();
        if modern {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": version.as_str(),
                "io.modelcontextprotocol/clientCapabilities": {},
                "progressToken": "tok",
            });
        } else {
            params["_meta"] = json!({ "progressToken": "tok" });
        }
        let m = json!({"jsonrpc":"2.0","id": i + 1,"method": method,"params": params});
        e.handle_payload(now, m.to_string().as_bytes());
        sent.push((*method).to_string());
    }
    while let Some(ev) = e.poll_event() {
        if let Event::ToolCall { id, .. } = ev {
            assert!(e.progress(&id, 1.0, Some(2.0), Some("half")).unwrap());
            e.complete(&id, CallToolResult::text("done")).unwrap();
        }
    }
    let mut out = Vec::new();
    while let Some(o) = e.poll_output() {
        assert!(
            !matches!(o.payload, OutPayload::Batch(_)),
            "no batch expected"
        );
        let v = o.payload.messages().remove(0).to_value();
        let method = match v.get("id").and_then(Value::as_u64) {
            Some(id) => sent[usize::try_from(id).unwrap()].clone(),
            None => v["method"].as_str().unwrap_or_default().to_string(),
        };
        out.push((method, v));
    }
    out
}

#[test]
fn engine_messages_validate_against_each_revision() {
    for version in ProtocolVersion::ALL {
        let root = load(version);
        let mut requests = vec![
            ("tools/list", json!({})),
            (
                "tools/call",
                json!({"name":"add","arguments":{"a":1,"b":2}}),
            ),
            (
                "tools/call",
                json!({"name":"add","arguments":{"a":"x","b":2}}),
            ),
            ("tools/call", json!({"name":"slow","arguments":{}})),
            ("resources/list", json!({})),
            ("resources/templates/list", json!({})),
            ("resources/read", json!({"uri":"demo://t/q"})),
            ("prompts/list", json!({})),
            ("prompts/get", json!({"name":"p","arguments":{"who":"me"}})),
            (
                "completion/complete",
                json!({"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"who","value":""}}),
            ),
            ("tools/call", json!({"name":"nope"})),
        ];
        if version.is_stateless() {
            requests.push(("server/discover", json!({})));
        } else {
            requests.push(("ping", json!({})));
            requests.push(("logging/setLevel", json!({"level":"debug"})));
        }
        let out = session(version, &requests);
        let mut checked = 0;
        for (method, msg) in &out {
            let result_def = match method.as_str() {
                "initialize" => "InitializeResult",
                "tools/list" => "ListToolsResult",
                "tools/call" => "CallToolResult",
                "resources/list" => "ListResourcesResult",
                "resources/templates/list" => "ListResourceTemplatesResult",
                "resources/read" => "ReadResourceResult",
                "prompts/list" => "ListPromptsResult",
                "prompts/get" => "GetPromptResult",
                "completion/complete" => "CompleteResult",
                "server/discover" => "DiscoverResult",
                "ping" | "logging/setLevel" => "Result",
                "notifications/progress" => {
                    validate_def(&root, "ProgressNotification", msg);
                    checked += 1;
                    continue;
                }
                other => panic!("{version}: unexpected {other}: {msg}"),
            };
            if let Some(result) = msg.get("result") {
                let envelope = if defs(&root).contains_key("JSONRPCResultResponse") {
                    "JSONRPCResultResponse"
                } else {
                    "JSONRPCResponse"
                };
                validate_def(&root, envelope, msg);
                validate_def(&root, result_def, result);
            } else {
                let envelope = if defs(&root).contains_key("JSONRPCErrorResponse") {
                    "JSONRPCErrorResponse"
                } else {
                    "JSONRPCError"
                };
                validate_def(&root, envelope, msg);
                assert_eq!(
                    method, "tools/call",
                    "{version}: only the unknown tool fails: {msg}"
                );
            }
            checked += 1;
        }
        assert_eq!(
            checked,
            requests.len() + usize::from(!version.is_stateless()) + 1,
            "{version}: every response and the progress notification"
        );
    }
}

/// The JSON examples of the 2026-07-28 schema, as (type name, value).
fn examples() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(shared().join("specs/mcp-schema-2026-07-28-examples.md"))
        .expect("examples file");
    let mut out = Vec::new();
    let mut ty = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        if let Some(b) = block.as_mut() {
            if line == "```" {
                out.push((ty.clone(), serde_json::from_str(b).expect("example JSON")));
                block = None;
            } else {
                b.push_str(line);
                b.push('\n');
            }
        } else if let Some(name) = line.strip_prefix("## ") {
            ty = name.trim().to_string();
        } else if line == "```json" {
            block = Some(String::new());
        }
    }
    out
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(ty: &str, v: &Value) {
    let typed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{ty}: {e}: {v}"));
    assert_eq!(&serde_json::to_value(typed).unwrap(), v, "{ty} round trip");
}

#[test]
fn examples_round_trip_through_codec_and_types() {
    let root = load(ProtocolVersion::V2026_07_28);
    let all = examples();
    assert!(all.len() >= 120, "examples found: {}", all.len());
    let (mut messages, mut typed) = (0, 0);
    for (ty, v) in &all {
        validate_def(&root, ty, v);
        if v.get("jsonrpc").is_some() {
            let bytes = v.to_string();
            match Payload::parse(bytes.as_bytes(), &CodecLimits::default()) {
                Ok(Payload::Single(m)) => assert_eq!(&m.to_value(), v, "{ty}"),
                other => panic!("{ty}: {other:?}"),
            }
            messages += 1;
            continue;
        }
        typed += 1;
        match ty.as_str() {
            "Tool" => round_trip::<Tool>(ty, v),
            "CallToolResult" => round_trip::<CallToolResult>(ty, v),
            "Resource" => round_trip::<Resource>(ty, v),
            "TextResourceContents" | "BlobResourceContents" => {
                round_trip::<ResourceContents>(ty, v);
            }
            "GetPromptResult" => round_trip::<GetPromptResult>(ty, v),
            "TextContent" | "ImageContent" | "AudioContent" | "ResourceLink"
            | "EmbeddedResource" => round_trip::<Content>(ty, v),
            "Implementation" => round_trip::<Implementation>(ty, v),
            _ => typed -= 1,
        }
    }
    assert!(messages >= 30, "JSON-RPC examples: {messages}");
    assert!(typed >= 15, "typed examples: {typed}");
}
