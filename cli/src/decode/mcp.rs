//! `fasterapi decode mcp`: newline-delimited JSON-RPC (the MCP stdio transport, or a captured
//! sequence of Streamable HTTP bodies, one per line) as JSON Lines, one object per message
//! (see docs/cli.md, "mcp"). Framing is `fasterapi-mcp`'s [`LineReader`] (with its line-size
//! limit) and parsing its [`Payload::parse`], so the decoder accepts exactly what the engine
//! accepts; both roles read the same format.

use fasterapi_mcp::framing::LineReader;
use fasterapi_mcp::jsonrpc::{CodecLimits, Message, Payload, Rejected};
use fasterapi_mcp::stdio::DEFAULT_MAX_LINE;
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

/// The line splitter and the count of messages seen (reported with an error).
pub(crate) struct McpDecoder {
    lines: LineReader,
    limits: CodecLimits,
    /// Non-blank lines read so far.
    line: u64,
}

pub(crate) fn make(_role: Role) -> Box<dyn Decoder> {
    Box::new(McpDecoder {
        lines: LineReader::new(DEFAULT_MAX_LINE),
        limits: CodecLimits::default(),
        line: 0,
    })
}

/// One message as a JSON object; `batch` is its index in a batch.
fn to_json(message: Message, batch: Option<usize>) -> Value {
    let mut v = match message {
        Message::Request(r) => json!({
            "kind": "request", "id": r.id.to_value(), "method": r.method, "params": r.params,
        }),
        Message::Notification(n) => json!({
            "kind": "notification", "method": n.method, "params": n.params,
        }),
        Message::Response { id, result } => json!({
            "kind": "response", "id": id.to_value(), "result": result,
        }),
        Message::Error { id, error } => json!({
            "kind": "error", "id": id.map(|i| i.to_value()), "error": error,
        }),
    };
    if let (Some(i), Value::Object(m)) = (batch, &mut v) {
        m.insert("batch".into(), json!(i));
    }
    v
}

fn rejected(r: &Rejected, line: u64, batch: Option<usize>) -> DecodeError {
    let mut extra = Map::new();
    extra.insert("code".into(), json!(r.code.get()));
    extra.insert("line".into(), json!(line));
    if let Some(id) = &r.id {
        extra.insert("id".into(), id.to_value());
    }
    if let Some(i) = batch {
        extra.insert("batch".into(), json!(i));
    }
    DecodeError {
        kind: if r.code.get() == -32700 {
            "parse_error"
        } else {
            "invalid_message"
        }
        .into(),
        message: r.message.into(),
        offset: None,
        extra: Box::new(extra),
    }
}

impl McpDecoder {
    fn line(&mut self, line: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.line += 1;
        match Payload::parse(line, &self.limits) {
            Ok(Payload::Single(m)) => emit(to_json(m, None)),
            Ok(Payload::Batch(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Ok(m) => emit(to_json(m, Some(i))),
                        Err(r) => return Err(rejected(&r, self.line, Some(i))),
                    }
                }
            }
            Err(r) => return Err(rejected(&r, self.line, None)),
        }
        Ok(())
    }
}

impl Decoder for McpDecoder {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        let mut first_error = None;
        let mut lines = core::mem::replace(&mut self.lines, LineReader::new(0));
        let fed = lines.feed(input, |line| {
            if first_error.is_none() {
                if let Err(e) = self.line(line, emit) {
                    first_error = Some(e);
                }
            }
        });
        self.lines = lines;
        if let Some(e) = first_error {
            return Err(e);
        }
        fed.map_err(|e| {
            let mut extra = Map::new();
            extra.insert("limit".into(), json!(e.limit));
            DecodeError {
                kind: "line_too_long".into(),
                message: e.to_string(),
                offset: None,
                extra: Box::new(extra),
            }
        })
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        // A last message without its newline: stdio requires the newline, so it is reported
        // as incomplete rather than decoded.
        if self.lines.pending() > 0 {
            emit(json!({ "kind": "incomplete", "bytes": self.lines.pending() }));
        }
        Ok(())
    }
}
