//! `fasterapi decode http1`: an HTTP/1.1 byte stream through the connection machines of
//! `fasterapi-http1`, as JSON Lines (see docs/cli.md, "http1").
//!
//! `--role server` runs a `ServerConnection` over what a client sends (requests) and answers
//! each request by itself (204, or 101 / 200 to an Upgrade / CONNECT request) so that pipelined
//! requests and upgrades go on; its output is discarded. `--role client` runs a
//! `ClientConnection` over what a server sends (responses), sending a `GET` for each response
//! it expects.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{
    BodyKind, ClientConnection, ConnectionError, Event, Field, Header, IncomingResponse,
    ServerConnection, Version,
};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

enum Side {
    Server(ServerConnection),
    Client(ClientConnection),
}

/// The decoder: one machine of the chosen role.
pub(crate) struct Http1Decoder {
    side: Side,
    /// After a protocol switch the rest of the stream is another protocol's.
    switched: bool,
    /// The machine takes no more input (the connection closed).
    done: bool,
    /// Server: the request being read, answered at its end (Upgrade value, CONNECT).
    pending: Option<(Option<Vec<u8>>, bool)>,
}

pub(crate) fn make(role: Role) -> Box<dyn Decoder> {
    let side = match role {
        Role::Server => Side::Server(ServerConnection::default()),
        Role::Client => Side::Client(ClientConnection::default()),
    };
    Box::new(Http1Decoder {
        side,
        switched: false,
        done: false,
        pending: None,
    })
}

/// A byte string: a JSON string when it is UTF-8, else `{"hex": "…"}`.
fn bytes(b: &[u8]) -> Value {
    match core::str::from_utf8(b) {
        Ok(s) => json!(s),
        Err(_) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            json!({ "hex": hex })
        }
    }
}

fn fields(fields: &[Field]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| json!([bytes(&f.name), bytes(&f.value)]))
            .collect(),
    )
}

fn version(v: Version) -> &'static str {
    match v {
        Version::Http10 => "HTTP/1.0",
        Version::Http11 => "HTTP/1.1",
    }
}

fn framing(kind: BodyKind) -> Value {
    match kind {
        BodyKind::None => json!("none"),
        BodyKind::ContentLength(n) => json!({ "content_length": n }),
        BodyKind::Chunked => json!("chunked"),
        BodyKind::CloseDelimited => json!("close_delimited"),
    }
}

fn response(name: &str, r: &IncomingResponse) -> Value {
    json!({
        "event": name,
        "status": r.status,
        "reason": bytes(&r.reason),
        "version": version(r.version),
        "headers": fields(&r.headers),
        "body": framing(r.body),
    })
}

fn to_json(event: &Event) -> Value {
    match event {
        Event::Request(r) => json!({
            "event": "request",
            "method": bytes(&r.method),
            "target": bytes(&r.target),
            "version": version(r.version),
            "headers": fields(&r.headers),
            "body": framing(r.body),
        }),
        Event::Informational(r) => response("informational", r),
        Event::Response(r) => response("response", r),
        Event::Data(d) => json!({ "event": "data", "len": d.len(), "data": bytes(d) }),
        Event::EndOfMessage { trailers } => {
            json!({ "event": "end_of_message", "trailers": fields(trailers) })
        }
        Event::Switched { leftover } => {
            json!({ "event": "switched", "leftover": leftover.len() })
        }
        Event::Closed => json!({ "event": "closed" }),
        _ => json!({ "event": "other" }),
    }
}

/// `CamelCase` → `snake_case`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn error(e: ConnectionError, offset: Option<u64>) -> DecodeError {
    // The variant name, from Debug (`BareLf { at: 3 }` → `bare_lf`); codec errors by their own.
    let debug = match e {
        ConnectionError::Parse(inner) => format!("{inner:?}"),
        other => format!("{other:?}"),
    };
    let name: String = debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let mut extra = Map::new();
    extra.insert("status".into(), json!(e.status()));
    DecodeError {
        kind: snake(&name),
        message: e.to_string(),
        offset,
        extra: Box::new(extra),
    }
}

const NOW: Timestamp = Timestamp::ZERO;

impl Http1Decoder {
    fn fail(&self, e: ConnectionError) -> DecodeError {
        let offset = match &self.side {
            Side::Server(s) => s.error_offset(),
            Side::Client(c) => c.error_offset(),
        };
        error(e, offset)
    }

    /// Hands out every event, answering as the application would, and discards the output.
    fn drain(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        let mut sink = [0u8; 4096];
        loop {
            let event = match &mut self.side {
                Side::Server(s) => {
                    while s.poll_transmit(NOW, &mut sink) > 0 {}
                    s.poll_event()
                }
                Side::Client(c) => {
                    if c.is_ready() {
                        let host = [Header {
                            name: b"Host",
                            value: b"decode",
                        }];
                        c.send_request(b"GET", b"/", &host)
                            .map_err(|e| error(e, None))?;
                    }
                    while c.poll_transmit(NOW, &mut sink) > 0 {}
                    c.poll_event()
                }
            };
            let Some(event) = event else { break };
            emit(to_json(&event));
            match (&mut self.side, &event) {
                (Side::Server(_), Event::Request(r)) => {
                    let upgrade = r.header("upgrade").map(<[u8]>::to_vec);
                    self.pending = Some((upgrade, &r.method[..] == b"CONNECT"));
                }
                (Side::Server(s), Event::EndOfMessage { .. }) => {
                    if let Some((upgrade, connect)) = self.pending.take() {
                        answer(s, upgrade, connect).map_err(|e| error(e, None))?;
                    }
                }
                (_, Event::Switched { .. }) => self.switched = true,
                (_, Event::Closed) => self.done = true,
                _ => {}
            }
        }
        let (err, closed) = match &mut self.side {
            Side::Server(s) => (s.error(), s.is_closed()),
            Side::Client(c) => (c.error(), c.is_closed()),
        };
        if let Some(e) = err {
            return Err(self.fail(e));
        }
        self.done |= closed;
        Ok(())
    }

    fn input(&mut self, input: &[u8]) -> Result<usize, ConnectionError> {
        match &mut self.side {
            Side::Server(s) => s.handle_input(NOW, input),
            Side::Client(c) => c.handle_input(NOW, input),
        }
    }
}

/// The server application of the decoder: answer once the request is complete.
///
/// 101 to an Upgrade request, 200 to CONNECT, 204 to
/// anything else.
fn answer(
    s: &mut ServerConnection,
    upgrade: Option<Vec<u8>>,
    connect: bool,
) -> Result<(), ConnectionError> {
    if let Some(proto) = upgrade {
        let headers = [
            Header {
                name: b"Connection",
                value: b"Upgrade",
            },
            Header {
                name: b"Upgrade",
                value: &proto,
            },
        ];
        return s.send_response(101, &headers);
    }
    if connect {
        return s.send_response(200, &[]);
    }
    s.send_response(204, &[])
}

impl Decoder for Http1Decoder {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        let mut rest = input;
        loop {
            self.drain(emit)?;
            if rest.is_empty() {
                return Ok(());
            }
            if self.switched {
                emit(json!({ "event": "opaque", "len": rest.len() }));
                return Ok(());
            }
            if self.done {
                emit(json!({ "event": "ignored", "len": rest.len() }));
                return Ok(());
            }
            let n = self.input(rest).map_err(|e| self.fail(e))?;
            rest = &rest[n..];
            if n == 0 {
                // Back-pressure: handle the events, then try once more.
                self.drain(emit)?;
                if self.switched || self.done {
                    continue;
                }
                let n = self.input(rest).map_err(|e| self.fail(e))?;
                if n == 0 {
                    self.done = true; // the machine takes no more input: it closed
                }
                rest = &rest[n..];
            }
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.drain(emit)?;
        if self.switched || self.done {
            return Ok(());
        }
        let r = match &mut self.side {
            Side::Server(s) => s.handle_eof(NOW),
            Side::Client(c) => c.handle_eof(NOW),
        };
        r.map_err(|e| self.fail(e))?;
        self.drain(emit)
    }
}
