//! `fasterapi decode h2`: one direction of an HTTP/2 connection as JSON Lines (see docs/cli.md,
//! "h2"). `--role server` reads what a server receives (the client connection preface, then
//! frames), `--role client` what a client receives (frames only). Frames are read by
//! `fasterapi-http2`'s `inspect::FrameReader`: every frame type checked against its own section
//! of RFC 9113, CONTINUATION sequencing enforced (§6.10), field blocks HPACK-decoded with one
//! dynamic table for the direction. No stream state is kept and nothing is answered.
//!
//! The reader reports decoded frames; the nine-octet header of each (its offset, length and
//! flags byte as received, unknown flag bits included) comes from a small scanner that walks
//! the same bytes, keeping at most one header's octets.

use std::collections::VecDeque;

use fasterapi_hpack::OwnedField;
use fasterapi_http2::codec::{FRAME_HEADER_LEN, FrameHeader, PREFACE, PrioritySpec, flags};
use fasterapi_http2::inspect::FrameReader;
use fasterapi_http2::{Error, ErrorCode, Frame, FrameType, Role as H2Role};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

pub(crate) struct H2Cli {
    reader: FrameReader,
    /// Preface octets still to skip (server role).
    preface_left: usize,
    preface_reported: bool,
    /// The octets of the next frame header seen so far.
    head: Vec<u8>,
    /// Payload octets of the current frame still to skip.
    skip: u64,
    /// Offset of the frame the scanner is in.
    frame_start: u64,
    /// Octets scanned so far.
    fed: u64,
    /// Headers (with their offsets) of frames scanned but not yet reported by the reader.
    pending: VecDeque<(u64, FrameHeader)>,
    /// Offset of the HEADERS or PUSH_PROMISE frame of a field block still open.
    block_start: Option<u64>,
}

pub(crate) fn make(role: Role) -> Box<dyn Decoder> {
    let (role, preface_left) = match role {
        Role::Server => (H2Role::Server, PREFACE.len()),
        Role::Client => (H2Role::Client, 0),
    };
    Box::new(H2Cli {
        reader: FrameReader::new(role),
        preface_left,
        preface_reported: preface_left == 0,
        head: Vec::with_capacity(FRAME_HEADER_LEN),
        skip: 0,
        frame_start: preface_left as u64,
        fed: 0,
        pending: VecDeque::new(),
        block_start: None,
    })
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

/// A registered name in lowercase (`WINDOW_UPDATE` → `"window_update"`), else the number.
fn name(known: Option<&str>, value: u32) -> Value {
    match known {
        Some(n) => json!(n.to_ascii_lowercase()),
        None => json!(value),
    }
}

fn error_code(code: ErrorCode) -> Value {
    name(code.name(), code.get())
}

/// The flag names defined for `kind` (RFC 9113 §6) that are set in `bits`, and the bits that
/// have no meaning for it (ignored on receipt, §4.1).
fn flag_names(kind: FrameType, bits: u8) -> (Vec<&'static str>, u8) {
    let defined: &[(u8, &str)] = match kind {
        FrameType::DATA => &[(flags::END_STREAM, "end_stream"), (flags::PADDED, "padded")],
        FrameType::HEADERS => &[
            (flags::END_STREAM, "end_stream"),
            (flags::END_HEADERS, "end_headers"),
            (flags::PADDED, "padded"),
            (flags::PRIORITY, "priority"),
        ],
        FrameType::SETTINGS | FrameType::PING => &[(flags::ACK, "ack")],
        FrameType::PUSH_PROMISE => &[
            (flags::END_HEADERS, "end_headers"),
            (flags::PADDED, "padded"),
        ],
        FrameType::CONTINUATION => &[(flags::END_HEADERS, "end_headers")],
        _ => &[],
    };
    let mut names = Vec::new();
    let mut known = 0u8;
    for &(bit, n) in defined {
        known |= bit;
        if bits & bit != 0 {
            names.push(n);
        }
    }
    (names, bits & !known)
}

fn priority(p: &PrioritySpec) -> Value {
    json!({
        "exclusive": p.exclusive,
        "dependency": p.dependency.get(),
        "weight": u16::from(p.weight) + 1,
    })
}

fn fields(list: &[OwnedField]) -> Value {
    Value::Array(
        list.iter()
            .map(|f| {
                json!({
                    "name": bytes(&f.name),
                    "value": bytes(&f.value),
                    "never_indexed": f.never_indexed,
                })
            })
            .collect(),
    )
}

/// One `frame` object: the header, then the fields of the frame's type.
fn frame(offset: u64, h: &FrameHeader, f: &Frame<'_>, block: Option<&[OwnedField]>) -> Value {
    let (names, unknown) = flag_names(h.kind, h.flags);
    let mut o = Map::new();
    o.insert("event".into(), json!("frame"));
    o.insert("offset".into(), json!(offset));
    o.insert("type".into(), name(h.kind.name(), u32::from(h.kind.get())));
    o.insert("stream_id".into(), json!(h.stream_id.get()));
    o.insert("flags".into(), json!(names));
    if unknown != 0 {
        o.insert("unknown_flags".into(), json!(unknown));
    }
    o.insert("length".into(), json!(h.length));
    let mut put = |k: &str, v: Value| {
        o.insert(k.into(), v);
    };
    match f {
        Frame::Data { data, padding, .. } => {
            if let Some(p) = padding {
                put("pad_length", json!(p));
            }
            put("data_length", json!(data.len()));
            put("data", bytes(data));
        }
        Frame::Headers {
            priority: spec,
            fragment,
            padding,
            ..
        } => {
            if let Some(p) = padding {
                put("pad_length", json!(p));
            }
            if let Some(spec) = spec {
                put("priority", priority(spec));
            }
            put("fragment_length", json!(fragment.len()));
        }
        Frame::Priority { spec, .. } => put("priority", priority(spec)),
        Frame::RstStream { code, .. } => put("error_code", error_code(*code)),
        Frame::Settings { settings, .. } => put(
            "settings",
            Value::Array(
                settings
                    .iter()
                    .map(|s| json!([name(s.id.name(), u32::from(s.id.get())), s.value]))
                    .collect(),
            ),
        ),
        Frame::PushPromise {
            promised_id,
            fragment,
            padding,
            ..
        } => {
            if let Some(p) = padding {
                put("pad_length", json!(p));
            }
            put("promised_stream_id", json!(promised_id.get()));
            put("fragment_length", json!(fragment.len()));
        }
        Frame::Ping { data, .. } => put("opaque", json!(hex(data))),
        Frame::GoAway {
            last_stream_id,
            code,
            debug,
        } => {
            put("last_stream_id", json!(last_stream_id.get()));
            put("error_code", error_code(*code));
            put("debug", bytes(debug));
        }
        Frame::WindowUpdate { increment, .. } => put("increment", json!(increment)),
        Frame::Continuation { fragment, .. } => put("fragment_length", json!(fragment.len())),
        Frame::PriorityUpdate {
            prioritized_id,
            field_value,
        } => {
            put("prioritized_stream_id", json!(prioritized_id.get()));
            put("priority_field", bytes(field_value));
        }
        // Unknown types are ignored by endpoints (§4.1, §5.5); their payload is shown as is.
        Frame::Unknown { payload, .. } => put("payload", json!({ "hex": hex(payload) })),
        // `Frame` is non-exhaustive: a type added later is shown by its header alone.
        _ => {}
    }
    if let Some(list) = block {
        o.insert("fields".into(), fields(list));
    }
    Value::Object(o)
}

impl H2Cli {
    /// Walks `input` to record the header of every frame that starts in it.
    fn scan(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            if self.preface_left > 0 {
                let k = self.preface_left.min(input.len());
                self.preface_left -= k;
                self.fed += k as u64;
                input = &input[k..];
            } else if self.skip > 0 {
                let k = usize::try_from(self.skip).map_or(input.len(), |s| s.min(input.len()));
                self.skip -= k as u64;
                self.fed += k as u64;
                input = &input[k..];
                if self.skip == 0 {
                    self.frame_start = self.fed;
                }
            } else {
                let k = (FRAME_HEADER_LEN - self.head.len()).min(input.len());
                self.head.extend_from_slice(&input[..k]);
                self.fed += k as u64;
                input = &input[k..];
                if let Some(h) = FrameHeader::parse(&self.head) {
                    self.head.clear();
                    self.pending.push_back((self.frame_start, h));
                    self.skip = u64::from(h.length);
                    if self.skip == 0 {
                        self.frame_start = self.fed;
                    }
                }
            }
        }
    }

    /// Where the next unreported frame starts: where the reader is.
    fn reader_offset(&self) -> u64 {
        self.pending.front().map_or(self.frame_start, |(o, _)| *o)
    }

    fn error(&self, e: &Error) -> DecodeError {
        let offset = if matches!(e, Error::BadPreface) {
            0
        } else {
            self.reader_offset()
        };
        let mut extra = Map::new();
        extra.insert("code".into(), json!(e.code().get()));
        extra.insert("code_name".into(), error_code(e.code()));
        DecodeError {
            kind: e.kind().into(),
            message: e.to_string(),
            offset: Some(offset),
            extra: Box::new(extra),
        }
    }

    fn report_preface(&mut self, emit: &mut dyn FnMut(Value)) {
        if !self.preface_reported && self.preface_left == 0 {
            self.preface_reported = true;
            emit(json!({"event": "preface", "offset": 0, "length": PREFACE.len()}));
        }
    }
}

impl Decoder for H2Cli {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.scan(input);
        let Self {
            reader,
            pending,
            preface_reported,
            block_start,
            ..
        } = self;
        let r = reader.feed(input, |f, block| {
            if !*preface_reported {
                // A frame follows, so the preface was complete and correct.
                *preface_reported = true;
                emit(json!({"event": "preface", "offset": 0, "length": PREFACE.len()}));
            }
            // The scanner saw every octet the reader did, so the header is queued.
            let (offset, h) = pending.pop_front().expect("scanned before fed");
            let opens = matches!(h.kind, FrameType::HEADERS | FrameType::PUSH_PROMISE);
            if block.is_some() {
                *block_start = None;
            } else if opens {
                *block_start = Some(offset);
            }
            emit(frame(offset, &h, f, block));
        });
        r.map_err(|e| self.error(&e))?;
        self.report_preface(emit);
        Ok(())
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        if self.reader.is_at_boundary() && self.preface_left % PREFACE.len() == 0 {
            return Ok(());
        }
        let what = if self.preface_left > 0 {
            "the connection preface"
        } else if !self.pending.is_empty() || !self.head.is_empty() {
            "a frame"
        } else {
            "a field block (no CONTINUATION with END_HEADERS)"
        };
        Err(DecodeError {
            kind: "truncated".into(),
            message: format!("the input ends inside {what}"),
            offset: Some(match (self.preface_left, self.block_start) {
                (1.., _) => 0,
                (0, Some(start)) if self.pending.is_empty() && self.head.is_empty() => start,
                _ => self.reader_offset(),
            }),
            extra: Box::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(role: Role, input: &[u8], piece: usize) -> (Vec<Value>, Result<(), DecodeError>) {
        let mut d = make(role);
        let mut out = Vec::new();
        let mut emit = |v: Value| out.push(v);
        let mut r = Ok(());
        for chunk in input.chunks(piece) {
            r = d.feed(chunk, &mut emit);
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = d.finish(&mut emit);
        }
        (out, r)
    }

    /// The output does not depend on how the input is split: the captured samples fed in one
    /// piece and one octet at a time (and in odd sizes) give the same lines.
    #[test]
    fn split_input_decodes_alike() {
        let samples: [(Role, &[u8]); 4] = [
            (
                Role::Server,
                include_bytes!("../../samples/h2c-curl-client.bin"),
            ),
            (
                Role::Client,
                include_bytes!("../../samples/h2c-curl-server.bin"),
            ),
            (
                Role::Server,
                include_bytes!("../../samples/h2c-nghttp-client.bin"),
            ),
            (
                Role::Client,
                include_bytes!("../../samples/h2c-nghttp-server.bin"),
            ),
        ];
        for (role, input) in samples {
            let (whole, r) = run(role, input, input.len());
            assert!(r.is_ok(), "{r:?}");
            assert!(whole.len() > 3);
            for piece in [1, 2, 7, 9, 10, 64] {
                let (split, r) = run(role, input, piece);
                assert!(r.is_ok(), "{r:?}");
                assert_eq!(split, whole, "pieces of {piece}");
            }
        }
    }

    /// An error found after split input names the same offset as after whole input.
    #[test]
    fn split_errors_keep_their_offset() {
        let mut input = PREFACE.to_vec();
        input.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS
        input.extend([0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]); // short PING
        for piece in [1, 5, input.len()] {
            let (out, r) = run(Role::Server, &input, piece);
            assert_eq!(out.len(), 2, "preface and SETTINGS");
            let e = r.expect_err("short PING");
            assert_eq!((e.kind.as_str(), e.offset), ("frame", Some(33)));
        }
    }
}
