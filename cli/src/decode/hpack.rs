//! `fasterapi decode hpack`: HPACK header blocks as JSON Lines (see docs/cli.md, "hpack").
//!
//! One dynamic table spans the whole input. With `--hex` each line is one header block; raw
//! input is one block. HPACK is the same in both directions, so both roles decode alike.

use fasterapi_hpack::{Decoder as HpackDecoder, DecoderConfig, Error, Field};
use serde_json::{Map, Value, json};

use super::{DecodeError, Decoder};
use crate::Role;

/// The header-list and field limits of the inspector (larger than a server's defaults, so that
/// captures can be inspected; the table stays at HTTP/2's 4,096).
const LIST_LIMIT: u32 = 256 * 1024;

pub(crate) struct HpackCli {
    decoder: HpackDecoder<Vec<u8>>,
    /// Octets fed so far, and where the current block started.
    fed: u64,
    block_start: u64,
    fields: u64,
    pending: bool,
}

pub(crate) fn make(_role: Role) -> Box<dyn Decoder> {
    let config = DecoderConfig::default()
        .with_max_header_list_size(LIST_LIMIT)
        .with_field_buffer_size(LIST_LIMIT);
    Box::new(HpackCli {
        decoder: HpackDecoder::new(config),
        fed: 0,
        block_start: 0,
        fields: 0,
        pending: false,
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

fn field(f: Field<'_>) -> Value {
    json!({
        "event": "field",
        "name": bytes(f.name),
        "value": bytes(f.value),
        "never_indexed": f.never_indexed,
    })
}

impl HpackCli {
    fn error(&self, e: Error) -> DecodeError {
        let mut extra = Map::new();
        extra.insert("code".into(), json!(e.h2_error_code()));
        DecodeError {
            kind: e.kind().into(),
            message: e.to_string(),
            offset: Some(self.block_start),
            extra: Box::new(extra),
        }
    }

    fn fragment(
        &mut self,
        input: &[u8],
        end: bool,
        emit: &mut dyn FnMut(Value),
    ) -> Result<(), DecodeError> {
        let mut n = 0;
        let r = self.decoder.decode_fragment(input, end, |f| {
            n += 1;
            emit(field(f));
        });
        self.fields += n;
        self.fed += input.len() as u64;
        r.map_err(|e| self.error(e))?;
        if end {
            let t = self.decoder.table();
            emit(json!({
                "event": "block",
                "fields": self.fields,
                "table_entries": t.len(),
                "table_size": t.size(),
                "table_max_size": t.max_size(),
            }));
            self.fields = 0;
            self.pending = false;
            self.block_start = self.fed;
        }
        Ok(())
    }
}

impl Decoder for HpackCli {
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.pending = true;
        self.fragment(input, false, emit)
    }

    fn end_block(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        self.fragment(&[], true, emit)
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        // Raw (non-hex) input is one block that ends with the input.
        if self.pending {
            self.fragment(&[], true, emit)?;
        }
        Ok(())
    }
}
