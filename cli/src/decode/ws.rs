//! `fasterapi decode ws`: a WebSocket byte stream (after the handshake) as JSON Lines (see
//! docs/cli.md, "ws"). `--role server` decodes what a server receives (masked frames from a
//! client), `--role client` what a client receives. One `frame` object per frame header, then
//! the message-level events of the `fasterapi-websocket` machine as each frame completes. No
//! extension is assumed (no handshake is seen), so RSV1 frames are errors, unless
//! `--permessage-deflate[=PARAMS]` says which parameters were negotiated: then compressed
//! messages are inflated (RFC 7692) and shown as sent.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_websocket::extension::{DeflateConfig, DeflateParams, accept_response};
use fasterapi_websocket::frame::MAX_HEADER_LEN;
use fasterapi_websocket::{
    Config, Connection, Error, Event, FrameHeader, OpCode, ParseRules, Role as WsRole,
};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

pub(crate) struct WsCli {
    conn: Connection,
    rules: ParseRules,
    /// Header bytes of the next frame seen so far.
    head: Vec<u8>,
    /// Payload bytes of the current frame still to come.
    remaining: u64,
    /// A fragmented data message is in progress.
    in_message: bool,
    /// Bytes fed so far, and where the current frame started.
    fed: u64,
    frame_start: u64,
}

pub(crate) fn make(role: Role) -> Box<dyn Decoder> {
    make_with(role, None)
}

/// Parses `--permessage-deflate` parameters: the negotiated extension as the server's
/// `Sec-WebSocket-Extensions` response states it (`permessage-deflate; …`, the leading name
/// optional), checked by the same rules a client applies to a response (RFC 7692 §7.1).
pub(crate) fn deflate_params(value: &str) -> Result<DeflateParams, String> {
    let value = value.trim();
    let full = if value
        .get(..18)
        .is_some_and(|p| p.eq_ignore_ascii_case("permessage-deflate"))
    {
        value.to_owned()
    } else if value.is_empty() {
        "permessage-deflate".to_owned()
    } else {
        format!("permessage-deflate; {value}")
    };
    // The widest offer: whatever the response says is what the connection uses.
    match accept_response([full.as_str()], Some(&DeflateConfig::new())) {
        Ok(Some(params)) => Ok(params),
        Ok(None) => Err(format!("no permessage-deflate in '{value}'")),
        Err(e) => Err(format!(
            "invalid permessage-deflate parameters '{value}': {e}"
        )),
    }
}

/// A decoder for `role`, with permessage-deflate in effect when `deflate` is given.
pub(crate) fn make_with(role: Role, deflate: Option<DeflateParams>) -> Box<dyn Decoder> {
    let config = Config::default().auto_pong(false).deflate(deflate);
    let (conn, role) = match role {
        Role::Server => (Connection::server(config), WsRole::Server),
        // The inspector never sends, so its masks never matter.
        Role::Client => (
            Connection::client(config, |b: &mut [u8]| b.fill(0)),
            WsRole::Client,
        ),
    };
    Box::new(WsCli {
        conn,
        rules: ParseRules::new(role)
            .allow_rsv1(deflate.is_some())
            .max_payload(Config::default().max_frame_size),
        head: Vec::with_capacity(MAX_HEADER_LEN),
        remaining: 0,
        in_message: false,
        fed: 0,
        frame_start: 0,
    })
}

fn opcode_name(op: OpCode) -> Value {
    match op.name() {
        Some(n) => json!(n.to_ascii_lowercase()),
        None => json!(op.get()),
    }
}

/// A byte string: a JSON string when it is UTF-8, else `{"hex": "…"}`.
fn bytes(b: &[u8]) -> Value {
    match core::str::from_utf8(b) {
        Ok(s) => json!(s),
        Err(_) => json!({ "hex": hex(b) }),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn event(e: Event) -> Value {
    match e {
        Event::Text(t) => json!({"event": "text", "length": t.len(), "text": t}),
        Event::Binary(b) => json!({"event": "binary", "length": b.len(), "hex": hex(&b)}),
        Event::Ping(p) => json!({"event": "ping", "payload": bytes(&p)}),
        Event::Pong(p) => json!({"event": "pong", "payload": bytes(&p)}),
        Event::Close { code, reason } => {
            json!({"event": "close", "code": code.map(|c| c.get()), "reason": reason})
        }
        other => json!({"event": "other", "debug": format!("{other:?}")}),
    }
}

impl WsCli {
    fn error(&self, e: &Error) -> DecodeError {
        let mut extra = Map::new();
        extra.insert("close_code".into(), json!(e.close_code().map(|c| c.get())));
        DecodeError {
            kind: e.kind().into(),
            message: e.to_string(),
            offset: Some(self.frame_start),
            extra: Box::new(extra),
        }
    }

    /// Feeds bytes of one frame to the machine and reports its events. Frames go in one at a
    /// time and events are drained after each, so an error is always reported by the input
    /// call that found it.
    fn push(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        let r = self.conn.handle_input(Timestamp::ZERO, input);
        self.drain(emit);
        match r {
            Ok(n) if n == input.len() => Ok(()),
            Ok(_) => Err(DecodeError {
                kind: "stalled".into(),
                message: "the machine stopped taking input".into(),
                offset: Some(self.frame_start),
                extra: Box::default(),
            }),
            Err(e) => Err(self.error(&e)),
        }
    }

    fn drain(&mut self, emit: &mut dyn FnMut(Value)) {
        // What the machine would send (close answers) is not part of the decoded stream.
        let mut sink = [0u8; 512];
        while self.conn.poll_transmit(Timestamp::ZERO, &mut sink) > 0 {}
        while let Some(e) = self.conn.poll_event() {
            emit(event(e));
        }
    }
}

impl Decoder for WsCli {
    fn feed(&mut self, mut input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        while !input.is_empty() {
            if self.conn.is_closed() {
                // After the closing handshake nothing more is decoded.
                emit(json!({"event": "ignored", "length": input.len()}));
                self.fed += input.len() as u64;
                return Ok(());
            }
            if self.remaining == 0 {
                // Collect a header, at most MAX_HEADER_LEN bytes.
                let take = (MAX_HEADER_LEN - self.head.len()).min(input.len());
                let before = self.head.len();
                self.head.extend_from_slice(&input[..take]);
                match FrameHeader::parse(&self.head, &self.rules) {
                    Ok(None) => {
                        input = &input[take..];
                        self.fed += take as u64;
                        continue;
                    }
                    Ok(Some((h, len))) => {
                        let used = len - before;
                        emit(json!({
                            "event": "frame",
                            "offset": self.frame_start,
                            "fin": h.fin,
                            "rsv1": h.rsv1,
                            "opcode": opcode_name(h.opcode),
                            "masked": h.mask.is_some(),
                            "length": h.payload_len,
                        }));
                        let head = core::mem::take(&mut self.head);
                        self.push(&head[..len], emit)?;
                        input = &input[used..];
                        self.fed += used as u64;
                        self.remaining = h.payload_len;
                        if !h.opcode.is_control() {
                            self.in_message = !h.fin;
                        }
                        if self.remaining == 0 {
                            self.frame_start = self.fed;
                        }
                    }
                    Err(_) => {
                        // The machine applies the same rules and says it best.
                        let head = core::mem::take(&mut self.head);
                        self.push(&head, emit)?;
                        return Err(DecodeError {
                            kind: "frame".into(),
                            message: "invalid frame header".into(),
                            offset: Some(self.frame_start),
                            extra: Box::default(),
                        });
                    }
                }
            } else {
                let take =
                    usize::try_from(self.remaining).map_or(input.len(), |r| r.min(input.len()));
                self.push(&input[..take], emit)?;
                input = &input[take..];
                self.fed += take as u64;
                self.remaining -= take as u64;
                if self.remaining == 0 {
                    self.frame_start = self.fed;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        if self.conn.is_closed()
            || (self.head.is_empty() && self.remaining == 0 && !self.in_message)
        {
            return Ok(());
        }
        Err(DecodeError {
            kind: "truncated".into(),
            message: "the input ends inside a frame or a fragmented message".into(),
            offset: Some(self.frame_start),
            extra: Box::default(),
        })
    }
}
