//! The HPACK decoder on arbitrary blocks: never panics, and a block fed whole or in fragments
//! (split every `step` octets) gives the same fields, the same error and the same table.
#![no_main]

use fasterapi_hpack::{Decoder, DecoderConfig, Error};
use libfuzzer_sys::fuzz_target;

type Fields = Vec<(Vec<u8>, Vec<u8>, bool)>;

fn config() -> DecoderConfig {
    // Buffers larger than any fuzz input's decoded field, so splitting never changes the outcome.
    DecoderConfig::default()
        .with_max_table_size(8192)
        .with_max_header_list_size(1 << 20)
        .with_field_buffer_size(1 << 20)
}

/// Decodes `blocks` (separated by the caller) with fragments of `step` octets.
fn run(blocks: &[&[u8]], step: usize, size: Option<u32>) -> (Fields, Option<Error>, usize) {
    let mut d = Decoder::new(config());
    let mut fields = Vec::new();
    for block in blocks {
        if let Some(s) = size {
            d.set_max_table_size(s).unwrap();
        }
        let mut at = 0;
        loop {
            let end = (at + step).min(block.len());
            let last = end == block.len();
            let r = d.decode_fragment(&block[at..end], last, |f| {
                fields.push((f.name.to_vec(), f.value.to_vec(), f.never_indexed))
            });
            if let Err(e) = r {
                return (fields, Some(e), d.table().size());
            }
            at = end;
            if last {
                break;
            }
        }
    }
    (fields, None, d.table().size())
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    // 0xFF 0xFE separates blocks (a rare pair in HPACK); ctl picks the split and the settings.
    let mut blocks: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < rest.len() {
        if rest[i] == 0xff && rest[i + 1] == 0xfe {
            blocks.push(&rest[start..i]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    blocks.push(&rest[start..]);
    let size = (ctl & 0x80 != 0).then_some(u32::from(ctl & 0x70) * 64);
    let step = usize::from(ctl & 0x0f) + 1;
    let whole = run(&blocks, usize::MAX, size);
    let split = run(&blocks, step, size);
    assert_eq!(whole, split);
});
