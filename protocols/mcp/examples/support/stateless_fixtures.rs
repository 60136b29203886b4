//! The conformance suite's 2026-07-28 fixtures (0.2 server scenarios): the
//! `input-required-result-*` tools and prompt (multi round-trip requests through
//! `fasterapi_mcp::mrtr`), the `server-stateless` diagnostic tools and a tool with
//! `x-mcp-header` parameters for `http-custom-header-server-validation`; and
//! `test_reconnection` (`server-sse-polling`, a resumable stream the server disconnects).

use fasterapi_mcp::mrtr::{Answer, Input, InputRequests};
use fasterapi_mcp::types::{Content, Extra, GetPromptResult, Prompt, PromptMessage, Role, Tool};
use fasterapi_mcp::{CallToolResult, Server, ToolCall, ToolReply, schema};
use serde_json::{Value, json};

fn object_schema(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required })
}

fn ask_name(key: &str, message: &str) -> InputRequests {
    InputRequests::new().elicit(
        key,
        message,
        object_schema(json!({ "name": { "type": "string" } }), &["name"]),
    )
}

fn text(t: impl Into<String>) -> ToolReply {
    ToolReply::Done(CallToolResult::text(t))
}

/// `test_input_required_result_elicitation`: asks for a name until it has one.
fn elicitation(call: &ToolCall<'_>) -> ToolReply {
    match call
        .input()
        .accepted("user_name")
        .and_then(|c| c.get("name")?.as_str())
    {
        Some(name) => text(format!("Hello, {name}!")),
        None => ToolReply::input_required(ask_name("user_name", "What is your name?")),
    }
}

fn sampling(call: &ToolCall<'_>) -> ToolReply {
    match call.input().sampled_text("capital_question") {
        Some(answer) => text(format!("The model said: {answer}")),
        None => ToolReply::input_required(InputRequests::new().sample_text(
            "capital_question",
            "What is the capital of France?",
            100,
        )),
    }
}

fn list_roots(call: &ToolCall<'_>) -> ToolReply {
    match call.input().roots("client_roots") {
        Some(roots) => {
            let uris: Vec<&str> = roots
                .iter()
                .filter_map(|r| r.get("uri")?.as_str())
                .collect();
            text(format!("Client roots: {}", uris.join(", ")))
        }
        None => ToolReply::input_required(InputRequests::new().list_roots("client_roots")),
    }
}

fn request_state(call: &ToolCall<'_>) -> ToolReply {
    let input = call.input();
    // The engine verified the sealed state; ours must be the one we gave.
    match (input.state(), input.response("confirm")) {
        (Some("awaiting-confirm"), Some(_)) => text("state-ok: confirmed"),
        _ => ToolReply::input_required_with_state(
            InputRequests::new().elicit(
                "confirm",
                "Please confirm",
                object_schema(json!({ "ok": { "type": "boolean" } }), &["ok"]),
            ),
            "awaiting-confirm",
        ),
    }
}

fn multiple(call: &ToolCall<'_>) -> ToolReply {
    let input = call.input();
    let keys = ["user_name", "greeting", "client_roots"];
    if input.state() == Some("round-1") && keys.iter().all(|k| input.response(k).is_some()) {
        return text("received all inputs: user_name, greeting, client_roots");
    }
    ToolReply::input_required_with_state(
        ask_name("user_name", "What is your name?")
            .sample_text("greeting", "Generate a greeting", 50)
            .list_roots("client_roots"),
        "round-1",
    )
}

fn multi_round(call: &ToolCall<'_>) -> ToolReply {
    let input = call.input();
    match input.state() {
        Some("round-1") if input.response("step1").is_some() => {
            ToolReply::input_required_with_state(
                InputRequests::new().elicit(
                    "step2",
                    "Step 2: What is your favorite color?",
                    object_schema(json!({ "color": { "type": "string" } }), &["color"]),
                ),
                "round-2",
            )
        }
        Some("round-2") if input.response("step2").is_some() => text("completed after two rounds"),
        Some(round @ ("round-1" | "round-2")) => {
            // The answer for this round is missing: ask again (mrtr §"Error Handling").
            let (key, message, prop) = if round == "round-1" {
                ("step1", "Step 1: What is your name?", "name")
            } else {
                ("step2", "Step 2: What is your favorite color?", "color")
            };
            ToolReply::input_required_with_state(
                InputRequests::new().elicit(
                    key,
                    message,
                    object_schema(json!({ prop: { "type": "string" } }), &[prop]),
                ),
                round,
            )
        }
        _ => ToolReply::input_required_with_state(
            ask_name("step1", "Step 1: What is your name?"),
            "round-1",
        ),
    }
}

fn tampered(call: &ToolCall<'_>) -> ToolReply {
    match call.input().state() {
        Some("tamper-check") => text("state verified"),
        _ => ToolReply::input_required_with_state(
            ask_name("user_name", "What is your name?"),
            "tamper-check",
        ),
    }
}

/// Asks only for what the client declared (mrtr §"Server Requirements").
fn capabilities(call: &ToolCall<'_>) -> ToolReply {
    let input = call.input();
    if input.is_retry() {
        return text("capability-aware inputs received");
    }
    let wanted = ask_name("user_name", "What is your name?")
        .sample_text("greeting", "Generate a greeting", 50)
        .list_roots("client_roots")
        .supported_by(call.client_capabilities());
    if wanted.is_empty() {
        return text("the client declared no input capability; nothing to ask");
    }
    ToolReply::input_required(wanted)
}

fn prompt_with_input(
    _args: &serde_json::Map<String, Value>,
    input: Input<'_>,
) -> Result<Answer<GetPromptResult>, fasterapi_mcp::ErrorObject> {
    let Some(context) = input
        .accepted("user_context")
        .and_then(|c| c.get("context")?.as_str())
    else {
        return Ok(Answer::InputRequired {
            input_requests: InputRequests::new().elicit(
                "user_context",
                "What context should the prompt use?",
                object_schema(json!({ "context": { "type": "string" } }), &["context"]),
            ),
            request_state: None,
        });
    };
    Ok(Answer::Done(GetPromptResult {
        description: None,
        messages: vec![PromptMessage {
            role: Role::User,
            content: Content::text(format!("Use this context: {context}")),
        }],
        extra: Extra::new(),
    }))
}

/// Adds the 2026-07-28 fixtures to `s`.
pub(crate) fn add(s: Server) -> Server {
    let none = schema::object;
    let header_tool = Tool {
        name: "test_custom_headers".into(),
        description: Some("mirrors region and priority into Mcp-Param headers".into()),
        input_schema: json!({
            "type": "object",
            "properties": {
                "region": { "type": "string", "x-mcp-header": "Region" },
                "priority": { "type": "integer", "x-mcp-header": "Priority" },
                "query": { "type": "string" }
            },
            "required": ["region"]
        }),
        output_schema: None,
        extra: Extra::new(),
    };
    s.tool(
        "test_input_required_result_elicitation",
        "asks for a name",
        none(),
        elicitation,
    )
    .tool(
        "test_input_required_result_sampling",
        "asks the model",
        none(),
        sampling,
    )
    .tool(
        "test_input_required_result_list_roots",
        "asks for roots",
        none(),
        list_roots,
    )
    .tool(
        "test_input_required_result_request_state",
        "keeps request state",
        none(),
        request_state,
    )
    .tool(
        "test_input_required_result_multiple_inputs",
        "asks three things",
        none(),
        multiple,
    )
    .tool(
        "test_input_required_result_multi_round",
        "asks twice",
        none(),
        multi_round,
    )
    .tool(
        "test_input_required_result_tampered_state",
        "signed state",
        none(),
        tampered,
    )
    .tool(
        "test_input_required_result_capabilities",
        "asks only what the client supports",
        none(),
        capabilities,
    )
    .tool(
        "test_missing_capability",
        "needs sampling",
        none(),
        |_: &ToolCall<'_>| {
            // The engine refuses with -32021 when the client did not declare sampling.
            ToolReply::input_required(InputRequests::new().sample_text("q", "Say hi", 10))
        },
    )
    .tool(
        "test_streaming_elicitation",
        "asks through an InputRequiredResult",
        none(),
        elicitation,
    )
    .tool("test_logging_tool", "logs", none(), |_: &ToolCall<'_>| {
        ToolReply::Defer
    })
    .tool(
        "test_trigger_tool_change",
        "announces a tool list change",
        none(),
        |_: &ToolCall<'_>| ToolReply::Defer,
    )
    .tool(
        "test_trigger_prompt_change",
        "announces a prompt list change",
        none(),
        |_: &ToolCall<'_>| ToolReply::Defer,
    )
    .tool(
        "test_reconnection",
        "answers after the server ended the stream's connection",
        none(),
        |_: &ToolCall<'_>| ToolReply::Defer,
    )
    .tool_with(header_tool, |call: &ToolCall<'_>| {
        text(format!(
            "region={}",
            call.arguments
                .get("region")
                .and_then(Value::as_str)
                .unwrap_or("")
        ))
    })
    .prompt_with_input(
        Prompt {
            name: "test_input_required_result_prompt".into(),
            description: Some("asks for context first".into()),
            arguments: vec![],
            extra: Extra::new(),
        },
        prompt_with_input,
    )
}
