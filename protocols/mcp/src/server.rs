//! Declaring a server: tools, resources, templates, prompts and completions, without macros.
//!
//! A [`Server`] is the immutable description shared by every connection (`Arc<Server>`); the
//! per-connection state lives in the [`Engine`](crate::Engine).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value, json};

use crate::ProtocolVersion;
use crate::jsonrpc::ErrorObject;
use crate::mrtr::{Answer, Input, InputRequests};
use crate::types::{
    CallToolResult, Extra, GetPromptResult, Implementation, Prompt, PromptArgument, Resource,
    ResourceContents, ResourceTemplate, Tool,
};

/// What a tool handler answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolReply {
    /// The result, sent at once.
    Done(CallToolResult),
    /// A protocol error (unknown argument shape the handler refuses, …).
    Error(ErrorObject),
    /// The application answers later: the engine emits
    /// [`Event::ToolCall`](crate::Event::ToolCall) and waits for
    /// [`Engine::complete`](crate::Engine::complete) (progress, cancellation and the request
    /// timeout apply meanwhile).
    Defer,
    /// 2026-07-28 multi round-trip: an `InputRequiredResult` with these `inputRequests` and
    /// optional `requestState`; the client retries with `inputResponses`.
    InputRequired {
        /// The requests, keyed by names the handler chooses.
        input_requests: Map<String, Value>,
        /// Opaque state echoed back by the client.
        request_state: Option<String>,
    },
}

impl ToolReply {
    /// 2026-07-28: asks the client for input (no state of the handler's own).
    pub fn input_required(requests: InputRequests) -> Self {
        Self::InputRequired {
            input_requests: requests.into_map(),
            request_state: None,
        }
    }

    /// 2026-07-28: asks the client for input and keeps `state` for the next round (the
    /// engine seals it; the handler gets it back as [`Input::state`]).
    pub fn input_required_with_state(requests: InputRequests, state: impl Into<String>) -> Self {
        Self::InputRequired {
            input_requests: requests.into_map(),
            request_state: Some(state.into()),
        }
    }
}

/// A `tools/call` as the handler sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ToolCall<'a> {
    /// The tool's name.
    pub name: &'a str,
    /// The arguments (already checked against the tool's input schema).
    pub arguments: &'a Map<String, Value>,
    /// The request's `_meta`.
    pub meta: Option<&'a Map<String, Value>>,
    /// The revision the request is served under.
    pub version: ProtocolVersion,
    /// 2026-07-28 retry: the client's `inputResponses`.
    pub input_responses: Option<&'a Value>,
    /// 2026-07-28 retry: the handler's own state from the previous round (the engine
    /// verified and unsealed the `requestState` it sent).
    pub request_state: Option<&'a str>,
    /// Whether the call may run as a task ([`crate::tasks`]): the client can take one and
    /// the tool's `execution.taskSupport` allows it. [`ToolReply::Defer`] then makes it a
    /// task ([`Event::TaskStarted`](crate::Event::TaskStarted)); `Done` answers at once.
    pub task: bool,
}

impl<'a> ToolCall<'a> {
    /// 2026-07-28: the client input of a retried call ([`crate::mrtr`]).
    pub fn input(&self) -> Input<'a> {
        Input::new(self.input_responses, self.request_state)
    }

    /// 2026-07-28: the capabilities the client declared for this request
    /// (`_meta["io.modelcontextprotocol/clientCapabilities"]`).
    pub fn client_capabilities(&self) -> Option<&'a Map<String, Value>> {
        self.meta?
            .get("io.modelcontextprotocol/clientCapabilities")?
            .as_object()
    }
}

type ToolFn = dyn Fn(&ToolCall<'_>) -> ToolReply + Send + Sync;
type ReadFn =
    dyn Fn(&str, Input<'_>) -> Result<Answer<Vec<ResourceContents>>, ErrorObject> + Send + Sync;
type TemplateFn = dyn Fn(&str, &BTreeMap<String, String>) -> Result<Vec<ResourceContents>, ErrorObject>
    + Send
    + Sync;
type PromptFn = dyn Fn(&Map<String, Value>, Input<'_>) -> Result<Answer<GetPromptResult>, ErrorObject>
    + Send
    + Sync;
type CompleteFn = dyn Fn(&CompletionRef<'_>) -> Vec<String> + Send + Sync;

/// What `completion/complete` asks to complete.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CompletionRef<'a> {
    /// `"ref/prompt"` or `"ref/resource"`.
    pub ref_type: &'a str,
    /// The prompt name or the resource template URI.
    pub name: &'a str,
    /// The argument being completed.
    pub argument: &'a str,
    /// What the user typed so far.
    pub value: &'a str,
}

pub(crate) struct ToolEntry {
    pub(crate) tool: Tool,
    pub(crate) handler: Box<ToolFn>,
}

pub(crate) struct ResourceEntry {
    pub(crate) resource: Resource,
    pub(crate) read: Box<ReadFn>,
}

pub(crate) struct TemplateEntry {
    pub(crate) template: ResourceTemplate,
    pub(crate) read: Box<TemplateFn>,
}

pub(crate) struct PromptEntry {
    pub(crate) prompt: Prompt,
    pub(crate) get: Box<PromptFn>,
}

/// An MCP server's description: identity, tools, resources, prompts, completions.
///
/// ```
/// use fasterapi_mcp::{CallToolResult, Server, ToolReply, schema};
///
/// let server = Server::new("demo", "1.0").tool(
///     "add",
///     "Adds two integers",
///     schema::object().required("a", schema::integer("first")).required("b", schema::integer("second")),
///     |call| {
///         let a = call.arguments["a"].as_i64().unwrap_or(0);
///         let b = call.arguments["b"].as_i64().unwrap_or(0);
///         ToolReply::Done(CallToolResult::text((a + b).to_string()))
///     },
/// );
/// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["add"]);
/// ```
pub struct Server {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: Vec<ToolEntry>,
    pub(crate) resources: Vec<ResourceEntry>,
    pub(crate) templates: Vec<TemplateEntry>,
    pub(crate) prompts: Vec<PromptEntry>,
    pub(crate) completer: Option<Box<CompleteFn>>,
    pub(crate) subscribable: bool,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("info", &self.info)
            .field("tools", &self.tools.len())
            .field("resources", &self.resources.len())
            .field("templates", &self.templates.len())
            .field("prompts", &self.prompts.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server named `name` at `version`, with nothing declared yet.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            info: Implementation::new(name, version),
            instructions: None,
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            completer: None,
            subscribable: true,
        }
    }

    /// Guidance for the model, sent in the `initialize` / `server/discover` result.
    #[must_use]
    pub fn instructions(mut self, text: &str) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Declares a tool with an input schema and a handler.
    #[must_use]
    pub fn tool(
        self,
        name: &str,
        description: &str,
        input: schema::ObjectSchema,
        handler: impl Fn(&ToolCall<'_>) -> ToolReply + Send + Sync + 'static,
    ) -> Self {
        let tool = Tool {
            name: name.into(),
            description: Some(description.into()),
            input_schema: input.build(),
            output_schema: None,
            extra: Extra::new(),
        };
        self.tool_with(tool, handler)
    }

    /// Declares a fully described tool (title, annotations, `outputSchema`, …).
    #[must_use]
    pub fn tool_with(
        mut self,
        tool: Tool,
        handler: impl Fn(&ToolCall<'_>) -> ToolReply + Send + Sync + 'static,
    ) -> Self {
        self.tools.push(ToolEntry {
            tool,
            handler: Box::new(handler),
        });
        self
    }

    /// Declares a static resource and how to read it.
    #[must_use]
    pub fn resource(
        mut self,
        resource: Resource,
        read: impl Fn(&str) -> Result<Vec<ResourceContents>, ErrorObject> + Send + Sync + 'static,
    ) -> Self {
        self.resources.push(ResourceEntry {
            resource,
            read: Box::new(move |uri, _| read(uri).map(Answer::Done)),
        });
        self
    }

    /// Declares a static resource whose read may ask the client for input first (2026-07-28
    /// multi round-trip, [`crate::mrtr`]): `read` sees the retry's [`Input`] and answers
    /// [`Answer::InputRequired`] to ask. Under the legacy revisions asking is an error.
    #[must_use]
    pub fn resource_with_input(
        mut self,
        resource: Resource,
        read: impl Fn(&str, Input<'_>) -> Result<Answer<Vec<ResourceContents>>, ErrorObject>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.resources.push(ResourceEntry {
            resource,
            read: Box::new(read),
        });
        self
    }

    /// Declares a resource template (RFC 6570 level 1: `{name}` segments) and how to read a
    /// URI it matches; the handler gets the variables.
    #[must_use]
    pub fn resource_template(
        mut self,
        template: ResourceTemplate,
        read: impl Fn(&str, &BTreeMap<String, String>) -> Result<Vec<ResourceContents>, ErrorObject>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.templates.push(TemplateEntry {
            template,
            read: Box::new(read),
        });
        self
    }

    /// Declares a prompt; required arguments are checked before `get` runs.
    #[must_use]
    pub fn prompt(
        mut self,
        prompt: Prompt,
        get: impl Fn(&Map<String, Value>) -> Result<GetPromptResult, ErrorObject>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.prompts.push(PromptEntry {
            prompt,
            get: Box::new(move |args, _| get(args).map(Answer::Done)),
        });
        self
    }

    /// Declares a prompt that may ask the client for input first (2026-07-28 multi
    /// round-trip, [`crate::mrtr`]): `get` sees the retry's [`Input`] and answers
    /// [`Answer::InputRequired`] to ask. Under the legacy revisions asking is an error.
    #[must_use]
    pub fn prompt_with_input(
        mut self,
        prompt: Prompt,
        get: impl Fn(&Map<String, Value>, Input<'_>) -> Result<Answer<GetPromptResult>, ErrorObject>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.prompts.push(PromptEntry {
            prompt,
            get: Box::new(get),
        });
        self
    }

    /// Declares argument completion (`completion/complete`); at most 100 values are sent.
    #[must_use]
    pub fn completion(
        mut self,
        complete: impl Fn(&CompletionRef<'_>) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.completer = Some(Box::new(complete));
        self
    }

    /// The declared tools' names, in declaration order.
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(|t| t.tool.name.as_str())
    }

    /// The capabilities this server declares.
    pub fn capabilities(&self, version: ProtocolVersion) -> Map<String, Value> {
        let mut caps = Map::new();
        if !self.tools.is_empty() {
            caps.insert("tools".into(), json!({ "listChanged": true }));
        }
        if !self.resources.is_empty() || !self.templates.is_empty() {
            let mut r = json!({ "listChanged": true });
            if self.subscribable {
                r["subscribe"] = Value::Bool(true);
            }
            caps.insert("resources".into(), r);
        }
        if !self.prompts.is_empty() {
            caps.insert("prompts".into(), json!({ "listChanged": true }));
        }
        if self.completer.is_some() && version >= ProtocolVersion::V2025_03_26 {
            caps.insert("completions".into(), json!({}));
        }
        caps.insert("logging".into(), json!({}));
        self.add_task_capabilities(version, &mut caps);
        caps
    }

    pub(crate) fn find_tool(&self, name: &str) -> Option<&ToolEntry> {
        self.tools.iter().find(|t| t.tool.name == name)
    }
}

/// Matches `uri` against an RFC 6570 level-1 template (`file:///{path}`): literal text must
/// match exactly, each `{var}` takes a non-empty run up to the next literal character.
pub fn match_template(template: &str, uri: &str) -> Option<BTreeMap<String, String>> {
    let mut vars = BTreeMap::new();
    let (mut t, mut u) = (template, uri);
    while !t.is_empty() {
        if let Some(rest) = t.strip_prefix('{') {
            let end = rest.find('}')?;
            let name = &rest[..end];
            t = &rest[end + 1..];
            let stop = t.chars().next();
            let take = match stop {
                None => u.len(),
                Some(c) => u.find(c)?,
            };
            if take == 0 {
                return None;
            }
            vars.insert(name.to_string(), u[..take].to_string());
            u = &u[take..];
        } else {
            let lit_end = t.find('{').unwrap_or(t.len());
            u = u.strip_prefix(&t[..lit_end])?;
            t = &t[lit_end..];
        }
    }
    u.is_empty().then_some(vars)
}

/// Checks `args` against an object schema's `required` list and the declared `type` of each
/// property (string, number, integer, boolean, object, array, null).
///
/// # Errors
/// A message saying which argument is missing or has the wrong type.
pub fn check_arguments(schema: &Value, args: &Map<String, Value>) -> Result<(), String> {
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !args.contains_key(name) {
                return Err(format!("missing required argument `{name}`"));
            }
        }
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (name, value) in args {
        let Some(ty) = props.get(name).and_then(|p| p.get("type")) else {
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                return Err(format!("unexpected argument `{name}`"));
            }
            continue;
        };
        let ok = |t: &str| match t {
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => true,
        };
        let fine = match ty {
            Value::String(t) => ok(t),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(ok),
            _ => true,
        };
        if !fine {
            return Err(format!("argument `{name}` must be of type {ty}"));
        }
    }
    Ok(())
}

/// Builders for tool input schemas (JSON Schema objects), no macros needed.
pub mod schema {
    use alloc::string::String;
    use alloc::vec::Vec;
    use serde_json::{Map, Value, json};

    /// An object schema under construction.
    #[derive(Debug, Clone, Default)]
    pub struct ObjectSchema {
        properties: Map<String, Value>,
        required: Vec<Value>,
    }

    /// An empty object schema.
    pub fn object() -> ObjectSchema {
        ObjectSchema::default()
    }

    /// `{"type":"string","description":…}`.
    pub fn string(description: &str) -> Value {
        json!({ "type": "string", "description": description })
    }

    /// `{"type":"integer","description":…}`.
    pub fn integer(description: &str) -> Value {
        json!({ "type": "integer", "description": description })
    }

    /// `{"type":"number","description":…}`.
    pub fn number(description: &str) -> Value {
        json!({ "type": "number", "description": description })
    }

    /// `{"type":"boolean","description":…}`.
    pub fn boolean(description: &str) -> Value {
        json!({ "type": "boolean", "description": description })
    }

    impl ObjectSchema {
        /// Adds a required property.
        #[must_use]
        pub fn required(mut self, name: &str, schema: Value) -> Self {
            self.properties.insert(name.into(), schema);
            self.required.push(Value::from(name));
            self
        }

        /// Adds an optional property.
        #[must_use]
        pub fn optional(mut self, name: &str, schema: Value) -> Self {
            self.properties.insert(name.into(), schema);
            self
        }

        /// The JSON Schema.
        pub fn build(self) -> Value {
            let mut v = json!({ "type": "object", "properties": self.properties });
            if !self.required.is_empty() {
                v["required"] = Value::Array(self.required);
            }
            v
        }
    }
}

/// A prompt argument helper: `arg("topic", "What to write about", true)`.
pub fn arg(name: &str, description: &str, required: bool) -> PromptArgument {
    PromptArgument {
        name: name.into(),
        description: Some(description.into()),
        required: Some(required),
        extra: Extra::new(),
    }
}
