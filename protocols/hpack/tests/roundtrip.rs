//! Property tests: decode(encode(x)) == x over several blocks sharing a context, fed whole and
//! split at random points.

use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};
use proptest::prelude::*;

type Header = (Vec<u8>, Vec<u8>, bool);

fn header() -> impl Strategy<Value = Header> {
    let name = prop_oneof![
        Just(b":path".to_vec()),
        Just(b":method".to_vec()),
        Just(b"cookie".to_vec()),
        Just(b"authorization".to_vec()),
        Just(b"accept-encoding".to_vec()),
        proptest::collection::vec(b'a'..=b'z', 1..12),
    ];
    let value = prop_oneof![
        Just(b"GET".to_vec()),
        Just(b"/".to_vec()),
        proptest::collection::vec(b' '..=b'~', 0..40),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    (name, value, proptest::bool::weighted(0.1))
}

fn blocks() -> impl Strategy<Value = Vec<Vec<Header>>> {
    proptest::collection::vec(proptest::collection::vec(header(), 0..12), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn roundtrip_whole_and_split(
        blocks in blocks(),
        table in prop_oneof![Just(0u32), Just(64), Just(256), Just(4096)],
        huffman in any::<bool>(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let mut e = Encoder::new(EncoderConfig::default().with_max_table_size(table).with_huffman(huffman));
        let mut whole = Decoder::new(DecoderConfig::default());
        let mut split = Decoder::new(DecoderConfig::default());
        for block in &blocks {
            let mut wire = Vec::new();
            e.encode(block.iter().map(|(n, v, s)| if *s { Field::never_indexed(n, v) } else { Field::new(n, v) }), &mut wire);
            let mut got = Vec::new();
            whole.decode_block(&wire, |f| got.push((f.name.to_vec(), f.value.to_vec(), f.never_indexed))).unwrap();
            prop_assert_eq!(got.len(), block.len());
            for (g, h) in got.iter().zip(block) {
                prop_assert_eq!(&g.0, &h.0);
                prop_assert_eq!(&g.1, &h.1);
                // Marked fields always arrive never-indexed (others may be too, by policy).
                prop_assert!(!h.2 || g.2);
            }
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
            points.sort();
            points.push(wire.len());
            let mut got2 = Vec::new();
            let mut at = 0;
            for (k, p) in points.iter().enumerate() {
                let last = k + 1 == points.len();
                split.decode_fragment(&wire[at..*p], last, |f| got2.push((f.name.to_vec(), f.value.to_vec(), f.never_indexed))).unwrap();
                at = *p;
            }
            prop_assert_eq!(&got2, &got);
            prop_assert_eq!(e.table().size(), whole.table().size());
            prop_assert_eq!(split.table().size(), whole.table().size());
        }
    }

    #[test]
    fn arbitrary_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), cut in any::<prop::sample::Index>()) {
        let mut d = Decoder::new(DecoderConfig::default());
        let k = cut.index(data.len() + 1);
        let _ = d.decode_fragment(&data[..k], false, |_| {});
        let _ = d.decode_fragment(&data[k..], true, |_| {});
    }
}
