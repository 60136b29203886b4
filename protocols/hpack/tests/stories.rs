//! Every story of every encoder set in hpack-test-case decoded exactly, whole and one octet at a
//! time (so every split point of every block is exercised), and our encoder's output for
//! `raw-data` decoded back by our decoder.

mod common;

use common::{Case, encoder_sets, stories};
use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};

/// A decoder for the vectors: a 16 KiB table capacity (the largest setting they use), no
/// practical header-list limit.
fn decoder() -> Decoder<Vec<u8>> {
    Decoder::new(
        DecoderConfig::default()
            .with_max_table_size(16384)
            .with_max_header_list_size(1 << 20)
            .with_field_buffer_size(1 << 16),
    )
}

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn decode_case(d: &mut Decoder<Vec<u8>>, case: &Case, octet_at_a_time: bool) -> Pairs {
    if let Some(size) = case.table_size {
        d.set_max_table_size(size).unwrap();
    }
    let mut got = Vec::new();
    let mut push = |f: Field<'_>| got.push((f.name.to_vec(), f.value.to_vec()));
    if octet_at_a_time {
        for (i, b) in case.wire.iter().enumerate() {
            d.decode_fragment(
                core::slice::from_ref(b),
                i + 1 == case.wire.len(),
                &mut push,
            )
            .unwrap();
        }
        if case.wire.is_empty() {
            d.decode_fragment(&[], true, &mut push).unwrap();
        }
    } else {
        d.decode_block(&case.wire, &mut push).unwrap();
    }
    got
}

#[test]
fn every_story_of_every_encoder_decodes_exactly() {
    let sets = encoder_sets();
    assert!(sets.len() >= 7, "encoder sets found: {sets:?}");
    let mut blocks = 0;
    for set in &sets {
        for (name, cases) in stories(set) {
            let mut whole = decoder();
            let mut split = decoder();
            for (i, case) in cases.iter().enumerate() {
                assert_eq!(
                    decode_case(&mut whole, case, false),
                    case.headers,
                    "{set}/{name} case {i}"
                );
                assert_eq!(
                    decode_case(&mut split, case, true),
                    case.headers,
                    "{set}/{name} case {i} split"
                );
                assert_eq!(whole.table().size(), split.table().size());
                blocks += 1;
            }
        }
    }
    assert!(blocks > 3000, "{blocks} blocks");
}

/// Encodes every raw-data story with `config`, decoding each block back.
fn roundtrip_raw_data(config: EncoderConfig) -> usize {
    let mut total = 0;
    for (name, cases) in stories("raw-data") {
        let mut e = Encoder::new(config);
        let mut d = decoder();
        for (i, case) in cases.iter().enumerate() {
            let mut wire = Vec::new();
            e.encode(
                case.headers.iter().map(|(n, v)| Field::new(n, v)),
                &mut wire,
            );
            total += wire.len();
            let got = decode_case(
                &mut d,
                &Case {
                    table_size: None,
                    wire,
                    headers: Vec::new(),
                },
                false,
            );
            assert_eq!(got, case.headers, "raw-data/{name} case {i}");
            assert_eq!(
                e.table().size(),
                d.table().size(),
                "raw-data/{name} case {i}: tables in step"
            );
        }
    }
    total
}

#[test]
fn our_encoder_roundtrips_raw_data() {
    let with = roundtrip_raw_data(EncoderConfig::default());
    let without = roundtrip_raw_data(EncoderConfig::default().with_huffman(false));
    let small = roundtrip_raw_data(EncoderConfig::default().with_max_table_size(256));
    let none = roundtrip_raw_data(EncoderConfig::default().with_max_table_size(0));
    assert!(
        with < without && without < none && small < none,
        "{with} {without} {small} {none}"
    );
}
