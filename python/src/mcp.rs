//! The MCP server engine (`fasterapi-mcp`'s `Engine` in its `StdioServer` framing machine) and
//! the JSON-RPC codec, for `fasterapi.mcp`.
//!
//! JSON crosses the boundary as text: Python's `json` module on one side, `serde_json` on the
//! other. Tools registered from Python are declared to the engine with a handler that defers
//! (`ToolReply::Defer`): the engine checks the arguments against the input schema, emits
//! `("tool_call", id, name, arguments)`, and the Python side answers with `complete` or `fail`.

use std::sync::Arc;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_mcp::jsonrpc::{CodecLimits, Payload};
use fasterapi_mcp::types::{Extra, Tool};
use fasterapi_mcp::{
    CallToolResult, Engine, EngineConfig, ErrorCode, ErrorObject, Event, Id, Message, Server,
    StdioServer, ToolReply,
};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use serde_json::Value;

create_exception!(
    _fasterapi,
    McpError,
    PyValueError,
    "An MCP error: args are (message, JSON-RPC code). From `parse_message` the message was \
     rejected (the code is the one to answer with); from an action it is local misuse."
);

/// The engine's clock: its request timeouts are not armed by this binding's blocking runner,
/// which answers every tool call before reading on.
const NOW: Timestamp = Timestamp::ZERO;

fn misuse(message: impl Into<String>) -> PyErr {
    McpError::new_err((message.into(), ErrorCode::INVALID_PARAMS.get()))
}

fn json_in<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| misuse(format!("{what}: {e}")))
}

/// Parses one JSON-RPC payload (a message or a batch); returns it re-serialized as JSON text
/// (a batch as an array, with `null` for members that were rejected). Raises `McpError` with
/// the code to answer with when the payload is rejected.
#[pyfunction]
fn mcp_parse_message(data: &[u8]) -> PyResult<String> {
    let to_err = |r: &fasterapi_mcp::jsonrpc::Rejected| {
        McpError::new_err((r.message.to_string(), r.code.get()))
    };
    match Payload::parse(data, &CodecLimits::default()) {
        Ok(Payload::Single(m)) => Ok(m.to_value().to_string()),
        Ok(Payload::Batch(items)) => Ok(Value::Array(
            items
                .iter()
                .map(|r| r.as_ref().map_or(Value::Null, Message::to_value))
                .collect(),
        )
        .to_string()),
        Err(r) => Err(to_err(&r)),
    }
}

/// Checks that `json` is one JSON-RPC 2.0 message and returns its wire form (one line, no
/// trailing newline).
#[pyfunction]
fn mcp_serialize_message<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyBytes>> {
    let value: Value = json_in("message", json)?;
    let m = Message::from_value(value)
        .map_err(|r| McpError::new_err((r.message.to_string(), r.code.get())))?;
    let mut out = Vec::new();
    m.encode(&mut out);
    Ok(PyBytes::new(py, &out))
}

/// An MCP server on stdio framing: declare tools, then feed bytes and answer tool calls.
#[pyclass(module = "fasterapi._fasterapi", unsendable)]
#[derive(Debug)]
pub struct McpServer {
    name: String,
    version: String,
    instructions: Option<String>,
    tools: Vec<Tool>,
    stdio: Option<StdioServer>,
}

impl McpServer {
    fn machine(&mut self) -> &mut StdioServer {
        let (name, version, instructions, tools) = (
            &self.name,
            &self.version,
            &self.instructions,
            &mut self.tools,
        );
        self.stdio.get_or_insert_with(|| {
            let mut server = Server::new(name, version);
            if let Some(i) = instructions {
                server = server.instructions(i);
            }
            for tool in tools.drain(..) {
                server = server.tool_with(tool, |_| ToolReply::Defer);
            }
            let engine = Engine::new(Arc::new(server), EngineConfig::default());
            StdioServer::new(engine, fasterapi_mcp::stdio::DEFAULT_MAX_LINE)
        })
    }
}

#[pymethods]
impl McpServer {
    #[new]
    #[pyo3(signature = (name, version, instructions=None))]
    fn new(name: String, version: String, instructions: Option<String>) -> Self {
        Self {
            name,
            version,
            instructions,
            tools: Vec::new(),
            stdio: None,
        }
    }

    /// Declares a tool; `input_schema` and `output_schema` are JSON Schema objects as JSON
    /// text. Only before the first input.
    #[pyo3(signature = (name, description, input_schema, output_schema=None))]
    fn add_tool(
        &mut self,
        name: String,
        description: String,
        input_schema: &str,
        output_schema: Option<&str>,
    ) -> PyResult<()> {
        if self.stdio.is_some() {
            return Err(misuse("tools must be declared before the server starts"));
        }
        if self.tools.iter().any(|t| t.name == name) {
            return Err(misuse(format!("tool {name:?} declared twice")));
        }
        let input_schema: Value = json_in("input_schema", input_schema)?;
        if !input_schema.is_object() {
            return Err(misuse("input_schema must be a JSON object"));
        }
        let output_schema = output_schema
            .map(|s| json_in::<Value>("output_schema", s))
            .transpose()?;
        self.tools.push(Tool {
            name,
            description: Some(description),
            input_schema,
            output_schema,
            extra: Extra::new(),
        });
        Ok(())
    }

    /// Feeds bytes read from stdin; `b""` is end of input (the engine closes).
    fn receive_data(&mut self, data: &[u8]) -> PyResult<()> {
        let m = self.machine();
        let r = if data.is_empty() {
            m.handle_eof(NOW)
        } else {
            m.handle_input(NOW, data).map(|_| ())
        };
        r.map_err(|e| McpError::new_err((e.to_string(), ErrorCode::INVALID_REQUEST.get())))
    }

    /// Everything to write to stdout (newline-delimited JSON-RPC).
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let m = self.machine();
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = m.poll_transmit(NOW, &mut buf);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        PyBytes::new(py, &out)
    }

    /// The next event as a tuple, or `None`: `("tool_call", id_json, name, arguments_json)`,
    /// `("initialized", version, client_info_json)`, `("cancelled", id_json, reason)`,
    /// `("timed_out", id_json)`, `("notification", method, params_json)`, `("other", debug)`.
    fn next_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(event) = self.machine().poll_event() else {
            return Ok(None);
        };
        let id_json = |id: &Id| id.to_value().to_string();
        let t = match event {
            Event::ToolCall {
                id,
                name,
                arguments,
                ..
            } => (
                "tool_call",
                id_json(&id),
                name,
                Value::Object(arguments).to_string(),
            )
                .into_pyobject(py)?,
            Event::Initialized {
                version,
                client_info,
            } => ("initialized", version.to_string(), client_info.to_string()).into_pyobject(py)?,
            Event::Cancelled { id, reason } => {
                ("cancelled", id_json(&id), reason).into_pyobject(py)?
            }
            Event::TimedOut { id } => ("timed_out", id_json(&id)).into_pyobject(py)?,
            Event::Notification { method, params } => {
                ("notification", method, params.map(|p| p.to_string())).into_pyobject(py)?
            }
            other => ("other", format!("{other:?}")).into_pyobject(py)?,
        };
        Ok(Some(t))
    }

    /// Answers the deferred tool call `id_json` with a `CallToolResult` given as JSON text
    /// (`{"content": [...], "structuredContent": ..., "isError": ...}`).
    fn complete(&mut self, id_json: &str, result_json: &str) -> PyResult<()> {
        let id: Id = json_in("id", id_json)?;
        let result: CallToolResult = json_in("result", result_json)?;
        self.machine()
            .engine()
            .complete(&id, result)
            .map_err(|e| misuse(e.to_string()))
    }

    /// Answers the deferred request `id_json` with a JSON-RPC error.
    fn fail(&mut self, id_json: &str, code: i64, message: &str) -> PyResult<()> {
        let id: Id = json_in("id", id_json)?;
        self.machine()
            .engine()
            .fail(&id, ErrorObject::new(ErrorCode::new(code), message))
            .map_err(|e| misuse(e.to_string()))
    }

    /// Whether the session ended and everything was written.
    #[getter]
    fn is_closed(&mut self) -> bool {
        self.machine().is_closed()
    }
}

/// Adds the functions and classes to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mcp_parse_message, m)?)?;
    m.add_function(wrap_pyfunction!(mcp_serialize_message, m)?)?;
    m.add_class::<McpServer>()?;
    m.add("McpError", m.py().get_type::<McpError>())
}
