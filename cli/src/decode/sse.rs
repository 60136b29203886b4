//! `fasterapi decode sse`: a `text/event-stream` body as JSON Lines (see docs/cli.md, "sse").

use fasterapi_sse::{Error, EventParser, Parsed};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

/// The event-stream parser with comments reported; both roles read the same format.
pub(crate) struct SseDecoder {
    parser: EventParser,
}

pub(crate) fn make(_role: Role) -> Box<dyn Decoder> {
    Box::new(SseDecoder {
        parser: EventParser::new().report_comments(true),
    })
}

fn to_json(parsed: Parsed<'_>) -> Option<Value> {
    Some(match parsed {
        Parsed::Event(e) => json!({
            "event": "message",
            "type": e.event_type,
            "data": e.data,
            "id": e.id,
        }),
        Parsed::Retry(ms) => json!({ "event": "retry", "retry": ms }),
        Parsed::Comment(text) => json!({ "event": "comment", "text": text }),
        _ => return None,
    })
}

fn error(e: Error, offset: Option<u64>) -> DecodeError {
    let (kind, limit) = match e {
        Error::LineTooLong { limit } => ("line_too_long", Some(limit)),
        Error::EventTooLarge { limit } => ("event_too_large", Some(limit)),
        _ => ("other", None),
    };
    let mut extra = Map::new();
    if let Some(limit) = limit {
        extra.insert("limit".into(), json!(limit));
    }
    DecodeError {
        kind: kind.into(),
        message: e.to_string(),
        offset,
        extra: Box::new(extra),
    }
}

impl Decoder for SseDecoder {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        let mut rest = input;
        loop {
            let (n, parsed) = match self.parser.next(rest) {
                Ok(r) => r,
                Err(e) => return Err(error(e, self.parser.error_offset())),
            };
            rest = &rest[n..];
            match parsed {
                Some(p) => {
                    if let Some(v) = to_json(p) {
                        emit(v);
                    }
                }
                None => return Ok(()),
            }
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        // §9.2.6: an event not followed by a blank line is discarded at the end of the stream.
        if self.parser.finish() {
            emit(json!({ "event": "incomplete" }));
        }
        Ok(())
    }
}
