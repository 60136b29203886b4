//! A Streamable HTTP server with the fixtures of the official conformance suite
//! (`@modelcontextprotocol/conformance`, server scenarios): the `test_*` tools, resources and
//! prompts it calls. `scripts/stages/mcp.sh full` runs the suite against it.
//!
//! Run: `cargo run -p fasterapi-mcp --example conformance_server` — prints `listening on ADDR`.
#![allow(clippy::print_stdout, reason = "an example prints its address")]

use core::hash::BuildHasher;
use core::time::Duration;
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;

use fasterapi_core::Timestamp;
use fasterapi_mcp::http::{EngineKey, HttpConfig, HttpServer};
use fasterapi_mcp::server::arg;
use fasterapi_mcp::types::{
    Content, Extra, GetPromptResult, LoggingLevel, Prompt, PromptMessage, Resource,
    ResourceContents, ResourceTemplate, Role, Tool,
};
use fasterapi_mcp::{CallToolResult, ErrorObject, Event, Id, Server, ToolReply, schema};
use serde_json::{Value, json};

mod support {
    pub(crate) mod driver;
    pub(crate) mod stateless_fixtures;
    pub(crate) mod task_fixtures;
}

/// A 1x1 red PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// An empty WAV file.
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

fn no_extra() -> Extra {
    Extra::new()
}

fn image() -> Content {
    Content::Image {
        data: PNG.into(),
        mime_type: "image/png".into(),
        extra: no_extra(),
    }
}

fn embedded(uri: &str, mime: &str, text: &str) -> Content {
    Content::Resource {
        resource: ResourceContents::text(uri, mime, text),
        extra: no_extra(),
    }
}

fn result(content: Vec<Content>) -> ToolReply {
    ToolReply::Done(CallToolResult {
        content,
        ..CallToolResult::default()
    })
}

fn resource(uri: &str, name: &str, mime: &str) -> Resource {
    Resource {
        uri: uri.into(),
        name: name.into(),
        description: None,
        mime_type: Some(mime.into()),
        extra: no_extra(),
    }
}

fn prompt(name: &str, args: Vec<fasterapi_mcp::types::PromptArgument>) -> Prompt {
    Prompt {
        name: name.into(),
        description: Some(name.into()),
        arguments: args,
        extra: no_extra(),
    }
}

fn messages(m: Vec<Content>) -> GetPromptResult {
    GetPromptResult {
        description: None,
        messages: m
            .into_iter()
            .map(|content| PromptMessage {
                role: Role::User,
                content,
            })
            .collect(),
        extra: no_extra(),
    }
}

fn fixtures() -> Server {
    let none = schema::object;
    let s = Server::new("fasterapi-conformance", "0.1.0")
        .tool("test_simple_text", "simple text", none(), |_| {
            ToolReply::Done(CallToolResult::text(
                "This is a simple text response for testing.",
            ))
        })
        .tool("test_image_content", "image", none(), |_| {
            result(vec![image()])
        })
        .tool("test_audio_content", "audio", none(), |_| {
            result(vec![Content::Audio {
                data: WAV.into(),
                mime_type: "audio/wav".into(),
                extra: no_extra(),
            }])
        })
        .tool(
            "test_embedded_resource",
            "embedded resource",
            none(),
            |_| {
                result(vec![embedded(
                    "test://embedded-resource",
                    "text/plain",
                    "This is an embedded resource content.",
                )])
            },
        )
        .tool("test_multiple_content_types", "mixed", none(), |_| {
            result(vec![
                Content::text("Multiple content types test:"),
                image(),
                embedded(
                    "test://mixed-content-resource",
                    "application/json",
                    r#"{"test":"data","value":123}"#,
                ),
            ])
        })
        .tool("test_error_handling", "always fails", none(), |_| {
            ToolReply::Done(CallToolResult::error(
                "This tool intentionally returns an error for testing",
            ))
        })
        .tool("test_tool_with_logging", "logs", none(), |_| {
            ToolReply::Defer
        })
        .tool("test_tool_with_progress", "progress", none(), |_| {
            ToolReply::Defer
        })
        .tool(
            "test_sampling",
            "samples",
            schema::object().required("prompt", schema::string("the prompt")),
            |_| ToolReply::Defer,
        )
        .tool(
            "test_elicitation",
            "elicits",
            schema::object().required("message", schema::string("the message")),
            |_| ToolReply::Defer,
        )
        .tool(
            "test_elicitation_sep1034_defaults",
            "elicits with defaults",
            none(),
            |_| ToolReply::Defer,
        )
        .tool(
            "test_elicitation_sep1330_enums",
            "elicits enums",
            none(),
            |_| ToolReply::Defer,
        );
    let json_schema_tool = Tool {
        name: "json_schema_2020_12_tool".into(),
        description: Some("Tool with JSON Schema 2020-12 features".into()),
        input_schema: json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": { "address": { "type": "object", "properties": {
                "street": { "type": "string" }, "city": { "type": "string" } } } },
            "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
            "additionalProperties": false
        }),
        output_schema: None,
        extra: no_extra(),
    };
    s.tool_with(json_schema_tool, |_| {
        ToolReply::Done(CallToolResult::text("ok"))
    })
    .resource(
        resource("test://static-text", "static-text", "text/plain"),
        |u| {
            Ok(vec![ResourceContents::text(
                u,
                "text/plain",
                "This is the content of the static text resource.",
            )])
        },
    )
    .resource(
        resource("test://static-binary", "static-binary", "image/png"),
        |u| {
            Ok(vec![ResourceContents {
                uri: u.into(),
                mime_type: Some("image/png".into()),
                text: None,
                blob: Some(PNG.into()),
                extra: no_extra(),
            }])
        },
    )
    .resource(
        resource("test://watched-resource", "watched", "text/plain"),
        |u| Ok(vec![ResourceContents::text(u, "text/plain", "watched")]),
    )
    .resource_template(
        ResourceTemplate {
            uri_template: "test://template/{id}/data".into(),
            name: "template".into(),
            description: None,
            mime_type: Some("application/json".into()),
            extra: no_extra(),
        },
        |u, vars| {
            let id = vars.get("id").cloned().unwrap_or_default();
            let text =
                json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
            Ok(vec![ResourceContents::text(
                u,
                "application/json",
                text.to_string(),
            )])
        },
    )
    .prompt(prompt("test_simple_prompt", vec![]), |_| {
        Ok(messages(vec![Content::text(
            "This is a simple prompt for testing.",
        )]))
    })
    .prompt(
        prompt(
            "test_prompt_with_arguments",
            vec![arg("arg1", "first", true), arg("arg2", "second", true)],
        ),
        |a| {
            let get = |k: &str| {
                a.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            Ok(messages(vec![Content::text(format!(
                "Prompt with arguments: arg1='{}', arg2='{}'",
                get("arg1"),
                get("arg2")
            ))]))
        },
    )
    .prompt(
        prompt(
            "test_prompt_with_embedded_resource",
            vec![arg("resourceUri", "the URI", true)],
        ),
        |a| {
            let uri = a
                .get("resourceUri")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(messages(vec![
                embedded(uri, "text/plain", "Embedded resource content for testing."),
                Content::text("Please process the embedded resource above."),
            ]))
        },
    )
    .prompt(prompt("test_prompt_with_image", vec![]), |_| {
        Ok(messages(vec![
            image(),
            Content::text("Please analyze the image above."),
        ]))
    })
    .completion(|r| {
        ["paris", "park", "parse"]
            .iter()
            .filter(|v| v.starts_with(r.value))
            .map(|v| (*v).to_string())
            .collect()
    })
}

/// Deferred fixture calls waiting on timers or client answers.
#[derive(Default)]
struct App {
    /// Timer token -> (engine, call, progress step).
    timers: BTreeMap<u64, (EngineKey, Id, u32)>,
    /// Outgoing request id -> (engine, call, tool).
    asked: BTreeMap<(EngineKey, i64), (Id, String)>,
    next: u64,
    /// The tasks fixtures' jobs.
    tasks: support::task_fixtures::Tasks,
}

fn elicit_params(tool: &str, args: &serde_json::Map<String, Value>) -> Value {
    match tool {
        "test_elicitation" => json!({
            "message": args.get("message").cloned().unwrap_or(json!("")),
            "requestedSchema": {"type": "object", "properties": {
                "username": {"type": "string", "description": "User's response"},
                "email": {"type": "string", "description": "User's email address"}},
                "required": ["username", "email"]}
        }),
        "test_elicitation_sep1034_defaults" => json!({
            "message": "Defaults for every primitive type",
            "requestedSchema": {"type": "object", "properties": {
                "name": {"type": "string", "default": "John Doe"},
                "age": {"type": "integer", "default": 30},
                "score": {"type": "number", "default": 95.5},
                "status": {"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
                "verified": {"type": "boolean", "default": true}}}
        }),
        _ => json!({
            "message": "Every enum variant",
            "requestedSchema": {"type": "object", "properties": {
                "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
                "titledSingle": {"type": "string", "oneOf": [
                    {"const": "value1", "title": "First Option"},
                    {"const": "value2", "title": "Second Option"},
                    {"const": "value3", "title": "Third Option"}]},
                "legacyEnum": {"type": "string", "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]},
                "untitledMulti": {"type": "array", "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
                "titledMulti": {"type": "array", "items": {"anyOf": [
                    {"const": "value1", "title": "First Choice"},
                    {"const": "value2", "title": "Second Choice"},
                    {"const": "value3", "title": "Third Choice"}]}}}}
        }),
    }
}

impl App {
    fn pump(&mut self, http: &mut HttpServer, now: Timestamp) {
        while let Some((key, ev)) = http.poll_event() {
            if let Event::ToolCall { id, name, .. } = &ev {
                if name == "test_reconnection" {
                    // server-sse-polling: the POST stream's connection ends after its
                    // priming event; the client resumes it with Last-Event-ID.
                    http.pause_stream(&key, Some(id));
                }
            }
            let Some(engine) = http.engine_mut(&key) else {
                continue;
            };
            let Some(ev) = self.tasks.handle(engine, ev, now) else {
                continue;
            };
            match ev {
                Event::ToolCall {
                    id,
                    name,
                    arguments,
                    ..
                } => match name.as_str() {
                    "test_tool_with_logging" | "test_logging_tool" => {
                        for (i, msg) in ["starting", "working", "done"].into_iter().enumerate() {
                            engine.log(
                                Some(&id),
                                LoggingLevel::Info,
                                Some("conformance"),
                                json!({"step": i, "message": msg}),
                            );
                        }
                        let _ = engine.complete(&id, CallToolResult::text("logged 3 messages"));
                    }
                    // server-stateless: "mutate" a list (ours are fixed) and say so to
                    // the subscriptions/listen streams that asked.
                    "test_trigger_tool_change" | "test_trigger_prompt_change" => {
                        let kind = if name == "test_trigger_tool_change" {
                            "tools"
                        } else {
                            "prompts"
                        };
                        engine.notify_list_changed(kind);
                        let _ = engine.complete(&id, CallToolResult::text("list changed"));
                    }
                    "test_reconnection" => {
                        // Answer once the client had time to come back (its retry is 1 s).
                        let token = self.next;
                        self.next += 1;
                        engine.wake_at(now.saturating_add(Duration::from_millis(300)), token);
                        self.timers.insert(token, (key, id, 2));
                    }
                    "test_tool_with_progress" => {
                        let _ = engine.progress(&id, 0.0, Some(100.0), None);
                        let token = self.next;
                        self.next += 1;
                        engine.wake_at(now.saturating_add(Duration::from_millis(50)), token);
                        self.timers.insert(token, (key, id, 1));
                    }
                    tool => {
                        let (method, params) = if tool == "test_sampling" {
                            let prompt = arguments.get("prompt").cloned().unwrap_or(json!(""));
                            (
                                "sampling/createMessage",
                                json!({
                                "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
                                "maxTokens": 100}),
                            )
                        } else {
                            ("elicitation/create", elicit_params(tool, &arguments))
                        };
                        match engine.request(now, method, Some(params), Some(&id)) {
                            Ok(out) => {
                                self.asked.insert((key, out), (id, name));
                            }
                            Err(e) => {
                                let _ = engine.fail(&id, ErrorObject::internal(e.to_string()));
                            }
                        }
                    }
                },
                Event::Wake { token } => {
                    let Some((key, id, step)) = self.timers.remove(&token) else {
                        continue;
                    };
                    let Some(engine) = http.engine_mut(&key) else {
                        continue;
                    };
                    let _ = engine.progress(&id, f64::from(step) * 50.0, Some(100.0), None);
                    if step == 2 {
                        let _ = engine.complete(&id, CallToolResult::text("progress complete"));
                    } else {
                        engine.wake_at(now.saturating_add(Duration::from_millis(50)), token);
                        self.timers.insert(token, (key, id, step + 1));
                    }
                }
                Event::Response { id: out, result } => {
                    let Some((call, tool)) = self.asked.remove(&(key.clone(), out)) else {
                        continue;
                    };
                    let text = match (&result, tool.as_str()) {
                        (Ok(r), "test_sampling") => {
                            format!(
                                "LLM response: {}",
                                r["content"]["text"].as_str().unwrap_or_default()
                            )
                        }
                        (Ok(r), "test_elicitation") => {
                            format!(
                                "User response: action={}, content={}",
                                r["action"], r["content"]
                            )
                        }
                        (Ok(r), _) => format!(
                            "Elicitation completed: action={}, content={}",
                            r["action"], r["content"]
                        ),
                        (Err(e), _) => format!("request failed: {e}"),
                    };
                    let r = if result.is_ok() {
                        CallToolResult::text(text)
                    } else {
                        CallToolResult::error(text)
                    };
                    let _ = engine.complete(&call, r);
                }
                Event::Cancelled { id, .. } | Event::TimedOut { id } => {
                    self.timers.retain(|_, t| t.1 != id);
                    self.asked.retain(|_, a| a.0 != id);
                }
                _ => {}
            }
        }
    }
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let hasher = RandomState::new();
    let mut counter = 0u64;
    let ids = move || {
        counter += 1;
        format!(
            "{:016x}{:016x}",
            hasher.hash_one(counter),
            hasher.hash_one(!counter)
        )
    };
    let http = HttpServer::new(
        Arc::new(support::task_fixtures::add(
            support::stateless_fixtures::add(fixtures()),
        )),
        support::task_fixtures::config(HttpConfig::default()),
        ids,
    );
    let mut app = App::default();
    support::driver::run(
        listener,
        http,
        Box::new(move |http, now| app.pump(http, now)),
    )
}
