//! `fasterapi decode pg`: a PostgreSQL wire-protocol stream as JSON Lines, read with
//! fasterapi-pgwire's `MessageReader` (see docs/cli.md, "pg"). `--role client` reads what a
//! client receives (backend messages); `--role server` what a server receives (the startup
//! phase, then frontend messages).

use fasterapi_pgwire::codec::{
    Authentication, Backend, CodecError, Direction, Fields, Format, Frontend, List, Message,
    MessageReader, Startup, Target,
};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

/// The largest message body accepted (the client machine's default limit); checked from the
/// 5-byte header before the body is buffered.
const MAX_BODY: u32 = 64 << 20;

pub(crate) struct PgDecoder {
    reader: MessageReader,
    /// Bytes not yet decoded (at most one message, bounded by `MAX_BODY`).
    buf: Vec<u8>,
    /// Offset in the input of `buf[0]`.
    offset: u64,
}

pub(crate) fn make(role: Role) -> Box<dyn Decoder> {
    let direction = match role {
        Role::Client => Direction::Backend,
        Role::Server => Direction::Frontend,
    };
    Box::new(PgDecoder {
        reader: MessageReader::new(direction, MAX_BODY),
        buf: Vec::new(),
        offset: 0,
    })
}

/// A byte string: a JSON string when UTF-8, else `{"hex": …}`.
fn bytes(b: &[u8]) -> Value {
    match core::str::from_utf8(b) {
        Ok(s) => json!(s),
        Err(_) => json!({ "hex": hex(b) }),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn formats(l: &List<'_, Format>) -> Value {
    json!(l.iter().map(|f| f.0).collect::<Vec<_>>())
}

fn values(l: &List<'_, Option<&[u8]>>) -> Value {
    json!(
        l.iter()
            .map(|v| v.map_or(Value::Null, bytes))
            .collect::<Vec<_>>()
    )
}

fn fields(f: &Fields<'_>) -> Value {
    let mut m = Map::new();
    for field in f.iter() {
        let name = match field.code {
            b'S' => "severity_localized",
            b'V' => "severity",
            b'C' => "code",
            b'M' => "message",
            b'D' => "detail",
            b'H' => "hint",
            b'P' => "position",
            b'p' => "internal_position",
            b'q' => "internal_query",
            b'W' => "where",
            b's' => "schema",
            b't' => "table",
            b'c' => "column",
            b'd' => "data_type",
            b'n' => "constraint",
            b'F' => "file",
            b'L' => "line",
            b'R' => "routine",
            other => {
                m.insert(format!("field_{}", char::from(other)), bytes(field.value));
                continue;
            }
        };
        m.insert(name.into(), bytes(field.value));
    }
    Value::Object(m)
}

fn target(t: Target) -> &'static str {
    match t {
        Target::Statement => "statement",
        _ => "portal",
    }
}

fn backend(m: &Backend<'_>) -> Value {
    match m {
        Backend::Authentication(a) => {
            let (method, extra) = match a {
                Authentication::Ok => ("ok", json!(null)),
                Authentication::KerberosV5 => ("kerberos_v5", json!(null)),
                Authentication::CleartextPassword => ("cleartext_password", json!(null)),
                Authentication::Md5Password { salt } => ("md5_password", json!(hex(salt))),
                Authentication::Gss => ("gss", json!(null)),
                Authentication::GssContinue(d) => ("gss_continue", bytes(d)),
                Authentication::Sspi => ("sspi", json!(null)),
                Authentication::Sasl(mechs) => {
                    ("sasl", json!(mechs.iter().map(bytes).collect::<Vec<_>>()))
                }
                Authentication::SaslContinue(d) => ("sasl_continue", bytes(d)),
                Authentication::SaslFinal(d) => ("sasl_final", bytes(d)),
                _ => ("other", json!(null)),
            };
            json!({ "event": "authentication", "method": method, "data": extra })
        }
        Backend::BackendKeyData(k) => json!({
            "event": "backend_key_data", "process_id": k.process_id, "secret_key": hex(k.secret_key),
        }),
        Backend::BindComplete => json!({ "event": "bind_complete" }),
        Backend::CloseComplete => json!({ "event": "close_complete" }),
        Backend::CommandComplete(tag) => json!({ "event": "command_complete", "tag": bytes(tag) }),
        Backend::CopyData(d) => json!({ "event": "copy_data", "data": bytes(d) }),
        Backend::CopyDone => json!({ "event": "copy_done" }),
        Backend::CopyInResponse(c) | Backend::CopyOutResponse(c) | Backend::CopyBothResponse(c) => {
            let event = match m {
                Backend::CopyInResponse(_) => "copy_in_response",
                Backend::CopyOutResponse(_) => "copy_out_response",
                _ => "copy_both_response",
            };
            json!({ "event": event, "format": c.format, "column_formats": formats(&c.column_formats) })
        }
        Backend::DataRow(v) => json!({ "event": "data_row", "values": values(v) }),
        Backend::EmptyQueryResponse => json!({ "event": "empty_query_response" }),
        Backend::ErrorResponse(f) => json!({ "event": "error_response", "fields": fields(f) }),
        Backend::FunctionCallResponse(v) => json!({
            "event": "function_call_response", "value": v.map_or(Value::Null, bytes),
        }),
        Backend::NegotiateProtocolVersion {
            newest_minor,
            unrecognized,
        } => json!({
            "event": "negotiate_protocol_version",
            "newest_minor": newest_minor,
            "unrecognized": unrecognized.iter().map(bytes).collect::<Vec<_>>(),
        }),
        Backend::NoData => json!({ "event": "no_data" }),
        Backend::NoticeResponse(f) => json!({ "event": "notice_response", "fields": fields(f) }),
        Backend::NotificationResponse {
            process_id,
            channel,
            payload,
        } => json!({
            "event": "notification_response", "process_id": process_id,
            "channel": bytes(channel), "payload": bytes(payload),
        }),
        Backend::ParameterDescription(types) => json!({
            "event": "parameter_description", "types": types.iter().collect::<Vec<_>>(),
        }),
        Backend::ParameterStatus { name, value } => json!({
            "event": "parameter_status", "name": bytes(name), "value": bytes(value),
        }),
        Backend::ParseComplete => json!({ "event": "parse_complete" }),
        Backend::PortalSuspended => json!({ "event": "portal_suspended" }),
        Backend::ReadyForQuery(s) => json!({
            "event": "ready_for_query", "status": char::from(s.byte()).to_string(),
        }),
        Backend::RowDescription(cols) => json!({
            "event": "row_description",
            "fields": cols.iter().map(|c| json!({
                "name": bytes(c.name), "table_oid": c.table_oid, "column_id": c.column_id,
                "type_oid": c.type_oid, "type_size": c.type_size,
                "type_modifier": c.type_modifier, "format": c.format.0,
            })).collect::<Vec<_>>(),
        }),
        _ => json!({ "event": "unknown" }),
    }
}

fn frontend(m: &Frontend<'_>) -> Value {
    match m {
        Frontend::Bind(b) => json!({
            "event": "bind", "portal": bytes(b.portal), "statement": bytes(b.statement),
            "param_formats": formats(&b.param_formats), "params": values(&b.params),
            "result_formats": formats(&b.result_formats),
        }),
        Frontend::Close { target: t, name } => {
            json!({ "event": "close", "target": target(*t), "name": bytes(name) })
        }
        Frontend::CopyData(d) => json!({ "event": "copy_data", "data": bytes(d) }),
        Frontend::CopyDone => json!({ "event": "copy_done" }),
        Frontend::CopyFail(msg) => json!({ "event": "copy_fail", "message": bytes(msg) }),
        Frontend::Describe { target: t, name } => {
            json!({ "event": "describe", "target": target(*t), "name": bytes(name) })
        }
        Frontend::Execute { portal, max_rows } => {
            json!({ "event": "execute", "portal": bytes(portal), "max_rows": max_rows })
        }
        Frontend::Flush => json!({ "event": "flush" }),
        Frontend::FunctionCall {
            function_oid,
            arg_formats,
            args,
            result_format,
        } => json!({
            "event": "function_call", "function_oid": function_oid,
            "arg_formats": formats(arg_formats), "args": values(args),
            "result_format": result_format.0,
        }),
        Frontend::Parse {
            name,
            query,
            param_types,
        } => json!({
            "event": "parse", "name": bytes(name), "query": bytes(query),
            "param_types": param_types.iter().collect::<Vec<_>>(),
        }),
        // `p` depends on the authentication request it answers, which this direction does
        // not see: the raw body.
        Frontend::AuthResponse(r) => json!({ "event": "auth_response", "data": bytes(r.0) }),
        Frontend::PasswordMessage(p) => {
            json!({ "event": "password_message", "password": bytes(p) })
        }
        Frontend::SaslInitialResponse { mechanism, data } => json!({
            "event": "sasl_initial_response", "mechanism": bytes(mechanism),
            "data": data.map_or(Value::Null, bytes),
        }),
        Frontend::SaslResponse(d) => json!({ "event": "sasl_response", "data": bytes(d) }),
        Frontend::Query(q) => json!({ "event": "query", "query": bytes(q) }),
        Frontend::Sync => json!({ "event": "sync" }),
        Frontend::Terminate => json!({ "event": "terminate" }),
        _ => json!({ "event": "unknown" }),
    }
}

fn startup(m: &Startup<'_>) -> Value {
    match m {
        Startup::Startup { version, params } => json!({
            "event": "startup",
            "version": version.to_string(),
            "params": params.iter().map(|p| json!([bytes(p.name), bytes(p.value)])).collect::<Vec<_>>(),
        }),
        Startup::SslRequest => json!({ "event": "ssl_request" }),
        Startup::GssEncRequest => json!({ "event": "gss_enc_request" }),
        Startup::Cancel(c) => json!({
            "event": "cancel_request", "process_id": c.process_id, "secret_key": hex(c.secret_key),
        }),
        _ => json!({ "event": "unknown" }),
    }
}

fn to_json(m: &Message<'_>, offset: u64, len: usize) -> Value {
    let mut v = match m {
        Message::Startup(s) => startup(s),
        Message::Frontend(f) => frontend(f),
        Message::Backend(b) => backend(b),
        Message::EncryptionResponse(b) => {
            json!({ "event": "encryption_response", "answer": char::from(*b).to_string() })
        }
    };
    if let Value::Object(o) = &mut v {
        o.insert("offset".into(), json!(offset));
        o.insert("length".into(), json!(len));
    }
    v
}

fn error(e: CodecError, offset: u64) -> DecodeError {
    let kind = match e {
        CodecError::BadLength { .. } => "bad_length",
        CodecError::TooLarge { .. } => "too_large",
        CodecError::UnknownMessage(_) => "unknown_message",
        CodecError::UnknownRequest(_) => "unknown_request",
        CodecError::Malformed { .. } => "malformed",
        _ => "other",
    };
    let mut extra = Map::new();
    if let CodecError::TooLarge { limit, .. } = e {
        extra.insert("limit".into(), json!(limit));
    }
    DecodeError {
        kind: kind.into(),
        message: e.to_string(),
        offset: Some(offset),
        extra: Box::new(extra),
    }
}

impl Decoder for PgDecoder {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.buf.extend_from_slice(input);
        let mut pos = 0;
        let result = loop {
            match self.reader.next(&self.buf[pos..]) {
                Ok(Some((msg, used))) => {
                    let at = self.offset + pos as u64;
                    emit(to_json(&msg, at, used));
                    pos += used;
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(error(e, self.offset + pos as u64)),
            }
        };
        self.buf.drain(..pos);
        self.offset += pos as u64;
        result
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        Err(DecodeError {
            kind: "truncated".into(),
            message: format!(
                "the input ends inside a message ({} bytes left)",
                self.buf.len()
            ),
            offset: Some(self.offset),
            extra: Box::default(),
        })
    }
}
