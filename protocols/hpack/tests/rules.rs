//! Decoder rules and defences, one named test each.

use fasterapi_hpack::{
    Decoder, DecoderConfig, Encoder, EncoderConfig, Error, Field, OwnedField, huffman::HuffmanError,
};

fn dec() -> Decoder<Vec<u8>> {
    Decoder::new(DecoderConfig::default())
}

fn decode(d: &mut Decoder<Vec<u8>>, block: &[u8]) -> Result<Vec<OwnedField>, Error> {
    d.decode_to_vec(block)
}

/// A literal without indexing, literal name: `0x00 len name len value`.
fn literal(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut b = vec![0x00];
    push_str(&mut b, name);
    push_str(&mut b, value);
    b
}

fn push_int(b: &mut Vec<u8>, flags: u8, prefix: u32, mut v: usize) {
    let max = (1usize << prefix) - 1;
    if v < max {
        b.push(flags | v as u8);
        return;
    }
    b.push(flags | max as u8);
    v -= max;
    while v >= 128 {
        b.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    b.push(v as u8);
}

fn push_str(b: &mut Vec<u8>, s: &[u8]) {
    push_int(b, 0, 7, s.len());
    b.extend_from_slice(s);
}

#[test]
fn hpack_bomb_header_list_limit_counts_while_decoding() {
    // One 4,000-octet entry in the table, then referenced again and again in one block: each
    // reference costs name + value + 32 (RFC 9113 §6.5.2) and the limit stops it early.
    let mut d = Decoder::new(DecoderConfig::default().with_max_header_list_size(16 * 1024));
    let mut first = vec![0x40];
    push_str(&mut first, b"x");
    push_str(&mut first, &[b'a'; 4000]);
    assert_eq!(decode(&mut d, &first).unwrap().len(), 1);
    let mut seen = 0;
    let bomb = vec![0xbe; 10_000]; // indexed field 62, ten thousand times
    let err = d.decode_block(&bomb, |_| seen += 1).unwrap_err();
    assert_eq!(err, Error::HeaderListTooLarge { limit: 16 * 1024 });
    assert_eq!(seen, 4, "16 KiB holds four 4,033-octet fields");
    assert_eq!(err.h2_error_code(), 0x9);
    // The decoder is poisoned afterwards.
    assert_eq!(decode(&mut d, &[0x82]), Err(Error::Poisoned));
    assert!(d.is_poisoned());
}

#[test]
fn hpack_bomb_huge_literal_rejected_before_buffering() {
    // A declared 1 GiB value is refused from its length alone, even split in fragments.
    let mut b = vec![0x00];
    push_str(&mut b, b"big");
    push_int(&mut b, 0, 7, 1 << 30);
    let mut d = dec();
    let limit = DecoderConfig::default().max_header_list_size;
    assert_eq!(
        d.decode_fragment(&b, false, |_| {}),
        Err(Error::HeaderListTooLarge { limit })
    );
    // Huffman: the shortest code is 5 bits, so 1 GiB of Huffman data is at least ~286 MiB.
    let mut h = vec![0x00];
    push_str(&mut h, b"big");
    push_int(&mut h, 0x80, 7, 1 << 30);
    assert_eq!(
        dec().decode_fragment(&h, false, |_| {}),
        Err(Error::HeaderListTooLarge { limit })
    );
}

#[test]
fn huffman_output_limited_while_decoding() {
    // 6,000 Huffman octets of '0' (5 bits) decode to 9,600 octets: over an 8 KiB list limit.
    let value = vec![b'0'; 9600];
    let mut coded = Vec::new();
    fasterapi_hpack::huffman::encode_to_vec(&value, &mut coded);
    let mut b = vec![0x00];
    push_str(&mut b, b"n");
    push_int(&mut b, 0x80, 7, coded.len());
    b.extend_from_slice(&coded);
    let mut d = Decoder::new(DecoderConfig::default().with_max_header_list_size(8192));
    assert_eq!(
        decode(&mut d, &b),
        Err(Error::HeaderListTooLarge { limit: 8192 })
    );
    // With a large list limit but a small field buffer, the field buffer is the limit.
    let cfg = DecoderConfig::default()
        .with_max_header_list_size(1 << 20)
        .with_field_buffer_size(4096);
    assert_eq!(
        decode(&mut Decoder::new(cfg), &b),
        Err(Error::FieldTooLarge { limit: 4096 })
    );
}

#[test]
fn straddling_field_bounded_by_carry_buffer() {
    let cfg = DecoderConfig::default()
        .with_max_header_list_size(1 << 20)
        .with_field_buffer_size(1024);
    let block = literal(b"name", &[b'v'; 2000]);
    // Whole, the raw value is read in place: no buffer needed.
    assert_eq!(
        decode(&mut Decoder::new(cfg), &block).unwrap()[0]
            .value
            .len(),
        2000
    );
    // Split inside it, the field would have to be carried: refused, not buffered.
    let mut d = Decoder::new(cfg);
    assert_eq!(
        d.decode_fragment(&block[..10], false, |_| {}),
        Err(Error::FieldTooLarge { limit: 1024 })
    );
}

#[test]
fn never_indexed_literals_are_reported() {
    // RFC 7541 C.2.3.
    let b = [
        0x10, 0x08, b'p', b'a', b's', b's', b'w', b'o', b'r', b'd', 0x06, b's', b'e', b'c', b'r',
        b'e', b't',
    ];
    let mut d = dec();
    let f = decode(&mut d, &b).unwrap();
    assert!(f[0].never_indexed);
    assert_eq!(d.table().len(), 0);
    // Re-encoding keeps it never-indexed (RFC 7541 §7.1.3).
    let mut e = Encoder::new(EncoderConfig::default());
    let mut out = Vec::new();
    e.encode([f[0].as_field()], &mut out);
    assert_eq!(out[0] & 0xf0, 0x10);
    assert!(decode(&mut dec(), &out).unwrap()[0].never_indexed);
}

#[test]
fn size_update_must_come_first() {
    let mut d = dec();
    assert_eq!(
        decode(&mut d, &[0x82, 0x3f, 0xe1, 0x01]),
        Err(Error::SizeUpdateNotAtStart)
    );
    // Two at the start are fine (smallest, then final); a third is not.
    let mut d = dec();
    assert_eq!(
        decode(&mut d, &[0x20, 0x3f, 0xe1, 0x1f, 0x82])
            .unwrap()
            .len(),
        1
    );
    assert_eq!(d.table().max_size(), 4096);
    assert_eq!(
        decode(&mut d, &[0x20, 0x20, 0x20, 0x82]),
        Err(Error::TooManySizeUpdates)
    );
}

#[test]
fn size_update_above_settings_rejected() {
    let mut d = dec();
    // 4,097 > SETTINGS_HEADER_TABLE_SIZE 4,096 (RFC 7541 §6.3).
    assert_eq!(
        decode(&mut d, &[0x3f, 0xe2, 0x1f]),
        Err(Error::SizeUpdateTooLarge {
            requested: 4097,
            limit: 4096
        })
    );
    // Lowering our setting lowers the bound and requires an update in the next block.
    let mut d = dec();
    d.set_max_table_size(100).unwrap();
    assert_eq!(decode(&mut d, &[0x82]), Err(Error::MissingSizeUpdate));
    let mut d = dec();
    d.set_max_table_size(100).unwrap();
    assert_eq!(
        decode(&mut d, &[0x3f, 0x46, 0x82]),
        Err(Error::SizeUpdateTooLarge {
            requested: 101,
            limit: 100
        })
    );
    let mut d = dec();
    d.set_max_table_size(100).unwrap();
    assert_eq!(decode(&mut d, &[0x3f, 0x45, 0x82]).unwrap().len(), 1); // update to 31 + 69 = 100
}

#[test]
fn lowered_then_raised_requires_the_smallest() {
    let cfg = DecoderConfig::default().with_max_table_size(8192);
    let mut d = Decoder::new(cfg);
    d.set_max_table_size(0).unwrap();
    d.set_max_table_size(8192).unwrap();
    // An update straight to 8,192 skips the required reduction.
    assert_eq!(
        decode(&mut d, &[0x3f, 0xe1, 0x3f, 0x82]),
        Err(Error::MissingSizeUpdate)
    );
    let mut d = Decoder::new(cfg);
    d.set_max_table_size(0).unwrap();
    d.set_max_table_size(8192).unwrap();
    assert_eq!(
        decode(&mut d, &[0x20, 0x3f, 0xe1, 0x3f, 0x82])
            .unwrap()
            .len(),
        1
    );
    assert_eq!(d.table().max_size(), 8192);
    assert!(d.set_max_table_size(8193).is_err());
}

#[test]
fn invalid_indexes() {
    assert_eq!(decode(&mut dec(), &[0x80]), Err(Error::InvalidIndex(0)));
    assert_eq!(decode(&mut dec(), &[0xbe]), Err(Error::InvalidIndex(62)));
    assert_eq!(
        decode(&mut dec(), &[0x7f, 0x00, 0x01, b'v']),
        Err(Error::InvalidIndex(63))
    );
}

#[test]
fn integer_overflow() {
    assert_eq!(
        decode(&mut dec(), &[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Err(Error::IntegerOverflow)
    );
    assert_eq!(
        decode(
            &mut dec(),
            &[0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]
        ),
        Err(Error::IntegerOverflow)
    );
}

#[test]
fn huffman_errors_in_blocks() {
    // Value "a" coded with zero padding; then an all-ones octet (8 bits of padding); then EOS.
    for (coded, err) in [
        (&[0x18][..], HuffmanError::InvalidPadding),
        (&[0xff][..], HuffmanError::PaddingTooLong),
        (&[0xff, 0xff, 0xff, 0xff][..], HuffmanError::Eos),
    ] {
        let mut b = vec![0x00, 0x01, b'n'];
        push_int(&mut b, 0x80, 7, coded.len());
        b.extend_from_slice(coded);
        assert_eq!(decode(&mut dec(), &b), Err(Error::Huffman(err)));
    }
}

#[test]
fn truncated_block() {
    let block = literal(b"name", b"value");
    for k in 1..block.len() {
        let mut d = dec();
        assert_eq!(
            decode(&mut d, &block[..k]),
            Err(Error::TruncatedBlock),
            "cut at {k}"
        );
    }
}

#[test]
fn incremental_with_evicted_name_reference() {
    // RFC 7541 §4.4: a literal whose indexed name is the entry its insertion evicts.
    let mut d = Decoder::new(DecoderConfig::default().with_max_table_size(4096));
    let mut b = vec![0x3f, 0x21]; // size update to 64
    b.push(0x40);
    push_str(&mut b, b"nm");
    push_str(&mut b, b"0123456789"); // 2 + 10 + 32 = 44
    b.push(0x7e); // literal with incremental indexing, name = index 62 (the entry above)
    push_str(&mut b, b"abcdefghij");
    let f = decode(&mut d, &b).unwrap();
    assert_eq!(f[1].name, b"nm");
    assert_eq!(f[1].value, b"abcdefghij");
    assert_eq!(d.table().len(), 1);
    assert_eq!(d.table().get(0), Some((&b"nm"[..], &b"abcdefghij"[..])));
}

#[test]
fn storage_too_small() {
    let mut small = [0u8; 100];
    let e = Decoder::with_storage(&mut small[..], DecoderConfig::default()).unwrap_err();
    assert!(matches!(e, Error::StorageTooSmall { given: 100, .. }));
    assert_eq!(e.h2_error_code(), 0x2);
}

#[test]
fn errors_display() {
    let e = Error::SizeUpdateTooLarge {
        requested: 5000,
        limit: 4096,
    };
    assert_eq!(
        e.to_string(),
        "dynamic table size update to 5000 exceeds SETTINGS_HEADER_TABLE_SIZE 4096"
    );
    assert_eq!(e.kind(), "size_update_too_large");
    let _: &dyn core::error::Error = &e;
}

#[test]
fn encoder_field_is_all_or_nothing() {
    let mut e = Encoder::new(EncoderConfig::default());
    let mut tiny = [0u8; 4];
    let f = Field::new(b"x-custom", b"a fairly long value");
    assert!(matches!(
        e.encode_field(f, &mut tiny),
        Err(Error::BufferTooSmall { .. })
    ));
    assert_eq!(e.table().len(), 0);
    let mut big = [0u8; 64];
    let n = e.encode_field(f, &mut big).unwrap();
    assert_eq!(e.table().len(), 1);
    assert_eq!(
        decode(&mut dec(), &big[..n]).unwrap()[0].value,
        b"a fairly long value"
    );
}

#[test]
fn encoder_sensitive_fields_default_policy() {
    let mut e = Encoder::new(EncoderConfig::default());
    let mut out = Vec::new();
    let long_cookie = [b'c'; 40];
    e.encode(
        [
            Field::new(b"authorization", b"Basic dXNlcjpwYXNz"),
            Field::new(b"cookie", b"id=1"),
            Field::new(b"cookie", &long_cookie),
        ],
        &mut out,
    );
    let f = decode(&mut dec(), &out).unwrap();
    assert!(f[0].never_indexed && f[1].never_indexed && !f[2].never_indexed);
    assert_eq!(e.table().len(), 1, "only the long cookie is indexed");
    // Configurable: index nothing as sensitive.
    let mut e = Encoder::new(EncoderConfig::default().with_never_index(|_, _| false));
    let mut out = Vec::new();
    e.encode(
        [Field::new(b"authorization", b"Basic dXNlcjpwYXNz")],
        &mut out,
    );
    assert!(!decode(&mut dec(), &out).unwrap()[0].never_indexed);
    assert_eq!(e.table().len(), 1);
}

#[test]
fn encoder_size_updates_smallest_first() {
    let mut e = Encoder::new(EncoderConfig::default());
    let mut d = dec();
    let mut out = Vec::new();
    e.encode([Field::new(b"x-a", b"1")], &mut out);
    decode(&mut d, &out).unwrap();
    // The peer lowers its setting to 0 then raises it to 4,096 before our next block.
    e.set_max_table_size(0);
    e.set_max_table_size(4096);
    d.set_max_table_size(0).unwrap();
    d.set_max_table_size(4096).unwrap();
    let mut out = Vec::new();
    e.encode([Field::new(b"x-a", b"1")], &mut out);
    assert_eq!(&out[..3], &[0x20, 0x3f, 0xe1]);
    assert_eq!(decode(&mut d, &out).unwrap()[0].value, b"1");
    assert_eq!(d.table().len(), 1);
    // A peer setting above our capacity is capped at the capacity, announced once.
    e.set_max_table_size(1 << 20);
    let mut out = Vec::new();
    e.encode([], &mut out);
    assert!(
        out.is_empty(),
        "4,096 already in force: nothing to announce"
    );
}
