//! The index stays consistent with the dynamic table through inserts, evictions and size
//! updates, and the encoder's output still decodes to the input.

use alloc::vec::Vec;

use proptest::prelude::*;

use crate::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};

/// One step: encode a block of fields, or apply a peer's SETTINGS_HEADER_TABLE_SIZE.
#[derive(Debug, Clone)]
enum Op {
    Block(Vec<(Vec<u8>, Vec<u8>)>),
    Resize(u32),
}

fn field() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    // Few names and values, so names repeat with new values, fields repeat exactly, and the
    // name slots are replaced and evicted often; some static names too.
    let name = prop_oneof![
        Just(b":path".to_vec()),
        Just(b"x-a".to_vec()),
        Just(b"x-b".to_vec()),
        Just(b"x-c".to_vec()),
        proptest::collection::vec(b'a'..=b'e', 1..4),
    ];
    let value = prop_oneof![
        proptest::collection::vec(b'0'..=b'3', 0..3),
        proptest::collection::vec(any::<u8>(), 0..60),
    ];
    (name, value)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => proptest::collection::vec(field(), 0..8).prop_map(Op::Block),
        1 => prop_oneof![Just(0u32), Just(40), Just(100), Just(300), Just(512)].prop_map(Op::Resize),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn index_consistent_under_eviction(
        capacity in prop_oneof![Just(64u32), Just(200), Just(512)],
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let mut e = Encoder::new(EncoderConfig::default().with_max_table_size(capacity));
        let mut d = Decoder::new(DecoderConfig::default());
        for op in &ops {
            match op {
                Op::Resize(size) => e.set_max_table_size(*size),
                Op::Block(fields) => {
                    let mut wire = Vec::new();
                    e.encode(fields.iter().map(|(n, v)| Field::new(n, v)), &mut wire);
                    let mut got = Vec::new();
                    d.decode_block(&wire, |f| got.push((f.name.to_vec(), f.value.to_vec())))
                        .unwrap();
                    prop_assert_eq!(&got, fields);
                    prop_assert_eq!(e.table().size(), d.table().size());
                    prop_assert!(e.table().iter().eq(d.table().iter()));
                }
            }
            e.check_index();
        }
    }
}

#[test]
fn repeated_names_stay_findable_across_evictions() {
    // Six `x-name` entries of 39 octets fill a 256-octet table. Each phase cycles through six
    // new values: its first six fields evict the previous phase's entries one by one, then
    // every field is found again (one octet, an indexed field).
    let mut e = Encoder::new(EncoderConfig::default().with_max_table_size(256));
    let mut wire = Vec::new();
    for phase in 0..5u32 {
        for k in 0..30u32 {
            let v = alloc::format!("{}", phase * 10 + k % 6);
            wire.clear();
            e.encode([Field::new(b"x-name", v.as_bytes())], &mut wire);
            e.check_index();
            if phase == 0 && k == 0 {
                // The size update announcing the 256-octet table comes first.
                assert_eq!(&wire[..3], &[0x3f, 0xe1, 0x01]);
            } else if k < 6 {
                // A literal with the dynamic name index (the newest x-name), then the value.
                assert_eq!(wire[0] & 0xc0, 0x40, "phase {phase} field {k}");
                assert_eq!(wire[0], 0x40 | 62, "phase {phase} field {k}");
            } else {
                assert_eq!(wire.len(), 1, "phase {phase} field {k}");
            }
        }
    }
}
