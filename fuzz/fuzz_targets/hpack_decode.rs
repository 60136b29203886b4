//! The HPACK decoder on arbitrary blocks: never panics, and a block fed whole or in fragments
//! (split every `step` octets) gives the same fields, the same error and the same table.
//!
//! The same blocks also go through a decoder in "decode but discard" mode
//! (`DecoderConfig::discard_oversized`) with a small header list limit picked by the input:
//! split or whole it agrees with itself, it fails on the blocks the unlimited decoder fails on,
//! its dynamic table always equals the unlimited decoder's (RFC 9113 §4.3: discarding must
//! not desynchronise HPACK), and the fields it reports are the unlimited decoder's — all of
//! them for a block within the limit, a prefix of them for a block it discarded.
#![no_main]

use fasterapi_hpack::{Decoder, DecoderConfig, Error};
use libfuzzer_sys::fuzz_target;

type Fields = Vec<(Vec<u8>, Vec<u8>, bool)>;
type Table = Vec<(Vec<u8>, Vec<u8>)>;

/// What a run saw: per block its fields and whether it was discarded, the first error, the
/// final table.
#[derive(Debug, PartialEq)]
struct Outcome {
    blocks: Vec<(Fields, bool)>,
    error: Option<Error>,
    table: Table,
}

fn config() -> DecoderConfig {
    // Buffers larger than any fuzz input's decoded field, so splitting never changes the outcome.
    DecoderConfig::default()
        .with_max_table_size(8192)
        .with_max_header_list_size(1 << 20)
        .with_field_buffer_size(1 << 20)
}

/// Decodes `blocks` (separated by the caller) with fragments of `step` octets.
fn run(blocks: &[&[u8]], step: usize, size: Option<u32>, config: DecoderConfig) -> Outcome {
    let mut d = Decoder::new(config);
    let mut out = Outcome {
        blocks: Vec::new(),
        error: None,
        table: Vec::new(),
    };
    'blocks: for block in blocks {
        if let Some(s) = size {
            d.set_max_table_size(s).unwrap();
        }
        let mut fields = Vec::new();
        let mut at = 0;
        loop {
            let end = (at + step).min(block.len());
            let last = end == block.len();
            let r = d.decode_fragment(&block[at..end], last, |f| {
                fields.push((f.name.to_vec(), f.value.to_vec(), f.never_indexed))
            });
            if let Err(e) = r {
                out.error = Some(e);
                break 'blocks;
            }
            at = end;
            if last {
                break;
            }
        }
        out.blocks.push((fields, d.is_discarding()));
    }
    out.table = d
        .table()
        .iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let Some((&limit, rest)) = rest.split_first() else {
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
    let whole = run(&blocks, usize::MAX, size, config());
    let split = run(&blocks, step, size, config());
    assert_eq!(whole, split);

    // Decode but discard, with a list limit of 0..=2,040 octets.
    let discard = config()
        .with_max_header_list_size(u32::from(limit) * 8)
        .with_discard_oversized(true);
    let d_whole = run(&blocks, usize::MAX, size, discard);
    let d_split = run(&blocks, step, size, discard);
    // After an error the decoder is poisoned and its table no longer matters (a skipped
    // literal too large for the table may have emptied it before the error was found).
    assert_eq!(d_whole.blocks, d_split.blocks);
    assert_eq!(d_whole.error, d_split.error);
    if d_whole.error.is_none() {
        assert_eq!(d_whole.table, d_split.table);
    }
    // Both fail on the same representation, though not always with the same error: while
    // discarding, a cut literal's name index is resolved (to judge it against the table)
    // before the unlimited decoder would see the cut (`InvalidIndex` for `TruncatedBlock`).
    assert_eq!(d_whole.error.is_some(), whole.error.is_some());
    if whole.error.is_none() {
        assert_eq!(d_whole.table, whole.table);
    }
    assert_eq!(d_whole.blocks.len(), whole.blocks.len());
    for ((got, discarded), (want, _)) in d_whole.blocks.iter().zip(&whole.blocks) {
        if *discarded {
            assert!(got.len() < want.len() && want.starts_with(got));
        } else {
            assert_eq!(got, want);
        }
    }
});
