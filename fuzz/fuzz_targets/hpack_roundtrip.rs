//! HPACK round trip: any header lists encoded by our encoder (any table size, Huffman on or
//! off) decode to the same fields with the tables in step; never-indexed fields stay so.
#![no_main]

use arbitrary::Arbitrary;
use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    table_size: u16,
    huffman: bool,
    /// A SETTINGS change by the peer before each block (None = unchanged).
    blocks: Vec<(Option<u16>, Vec<(Vec<u8>, Vec<u8>, bool)>)>,
}

fuzz_target!(|input: Input| {
    let cap = u32::from(input.table_size) % 8193;
    let mut e = Encoder::new(
        EncoderConfig::default()
            .with_max_table_size(cap)
            .with_huffman(input.huffman),
    );
    let mut d = Decoder::new(
        DecoderConfig::default()
            .with_max_table_size(8192)
            .with_max_header_list_size(u32::MAX)
            .with_field_buffer_size(1 << 20),
    );
    for (setting, block) in &input.blocks {
        if let Some(s) = setting {
            let s = u32::from(*s) % 8193;
            e.set_max_table_size(s);
            d.set_max_table_size(s).unwrap();
        }
        let mut wire = Vec::new();
        e.encode(
            block.iter().map(|(n, v, s)| {
                if *s {
                    Field::never_indexed(n, v)
                } else {
                    Field::new(n, v)
                }
            }),
            &mut wire,
        );
        let mut got = Vec::new();
        d.decode_block(&wire, |f| {
            got.push((f.name.to_vec(), f.value.to_vec(), f.never_indexed))
        })
        .expect("our own encoding decodes");
        assert_eq!(got.len(), block.len());
        for (g, h) in got.iter().zip(block) {
            assert_eq!((&g.0, &g.1), (&h.0, &h.1));
            assert!(!h.2 || g.2, "never-indexed kept");
        }
        assert_eq!(e.table().size(), d.table().size());
    }
});
