//! "Decode but discard" (`DecoderConfig::discard_oversized`): a block over the header list
//! limit is still decoded so the dynamic table stays in step with the peer's encoder (RFC 9113
//! §4.3, §10.5.1), its remaining fields are not reported, and the decoder goes on with the next
//! block. Each test compares the dynamic table with a decoder that has no list limit.

use fasterapi_hpack::{
    Decoder, DecoderConfig, Encoder, EncoderConfig, Error, Field, OwnedField, huffman,
    huffman::HuffmanError,
};

const LIMIT: u32 = 4096;

/// A 4 KiB list limit, the default 16 KiB field buffer (at least 3.75 times the table, see
/// `DecoderConfig::discard_oversized`).
fn discarding() -> Decoder<Vec<u8>> {
    Decoder::new(
        DecoderConfig::default()
            .with_max_header_list_size(LIMIT)
            .with_discard_oversized(true),
    )
}

/// A decoder without a practical list limit: the table the peer's encoder assumes.
fn reference() -> Decoder<Vec<u8>> {
    Decoder::new(
        DecoderConfig::default()
            .with_max_header_list_size(u32::MAX)
            .with_field_buffer_size(1 << 20),
    )
}

fn table(d: &Decoder<Vec<u8>>) -> Vec<(Vec<u8>, Vec<u8>)> {
    d.table()
        .iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect()
}

/// Decodes `block` cut into pieces at `cuts` (offsets, ascending).
fn decode_split(
    d: &mut Decoder<Vec<u8>>,
    block: &[u8],
    cuts: &[usize],
) -> Result<Vec<OwnedField>, Error> {
    let mut out = Vec::new();
    let mut at = 0;
    for &c in cuts.iter().chain([block.len()].iter()) {
        let c = c.clamp(at, block.len());
        let last = c == block.len();
        d.decode_fragment(&block[at..c], last, |f| out.push(OwnedField::from(f)))?;
        at = c;
        if last {
            break;
        }
    }
    Ok(out)
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

/// A string literal, Huffman-coded when `h`.
fn push_str(b: &mut Vec<u8>, s: &[u8], h: bool) {
    if h {
        let mut coded = Vec::new();
        huffman::encode_to_vec(s, &mut coded);
        push_int(b, 0x80, 7, coded.len());
        b.extend_from_slice(&coded);
    } else {
        push_int(b, 0, 7, s.len());
        b.extend_from_slice(s);
    }
}

/// A literal with a literal name: `first` is 0x40 (incremental indexing), 0x00 (without
/// indexing) or 0x10 (never indexed).
fn literal(first: u8, name: &[u8], value: &[u8], h: bool) -> Vec<u8> {
    let mut b = vec![first];
    push_str(&mut b, name, h);
    push_str(&mut b, value, h);
    b
}

/// Fields, then an oversized literal, then more fields that enter the table, then indexed
/// references: every kind of representation after the limit is crossed.
fn oversized_block(h: bool) -> Vec<u8> {
    let mut b = vec![0x82, 0x86]; // :method GET, :scheme http
    b.extend(literal(0x40, b"x-before", b"1", h));
    b.extend(literal(0x00, b"x-big", &[b'a'; 40_000], h)); // over the limit, over the buffer
    b.extend(literal(0x40, b"x-after", b"kept in the table", h));
    b.extend(literal(0x10, b"x-secret", &[b's'; 9000], h)); // never indexed, skipped
    b.extend(literal(0x40, &[b'n'; 3000], &[b'v'; 3000], h)); // larger than the table
    b.extend(literal(0x40, b"x-last", b"also kept", h));
    b.extend([0xbe, 0x84]); // indexed: the newest entry, :path /
    b
}

fn reported(fields: &[OwnedField]) -> Vec<&[u8]> {
    fields.iter().map(|f| &f.name[..]).collect()
}

#[test]
fn oversized_block_is_decoded_for_the_table_and_its_fields_dropped() {
    for h in [false, true] {
        let block = oversized_block(h);
        let mut d = discarding();
        let fields = decode_split(&mut d, &block, &[]).unwrap();
        assert!(d.is_discarding());
        // The fields before the limit was crossed came out; nothing after.
        assert_eq!(
            reported(&fields),
            [&b":method"[..], b":scheme", b"x-before"],
            "huffman {h}"
        );
        let mut r = reference();
        r.decode_to_vec(&block).unwrap();
        assert_eq!(table(&d), table(&r), "huffman {h}");
        assert_eq!(
            table(&d)[0],
            (b"x-last".to_vec(), b"also kept".to_vec()),
            "the oversized entry emptied the table, then x-last entered it"
        );

        // The next block decodes normally against the same table.
        let next = [0x82, 0x86, 0x84, 0xbe];
        let got = d.decode_to_vec(&next).unwrap();
        assert!(!d.is_discarding());
        assert_eq!(got, r.decode_to_vec(&next).unwrap());
        assert_eq!(got[3].value, b"also kept");
    }
}

#[test]
fn any_split_gives_the_same_table() {
    for h in [false, true] {
        let block = oversized_block(h);
        let mut r = reference();
        r.decode_to_vec(&block).unwrap();
        let expected = table(&r);
        // Every cut in the first 200 octets and around the big strings' ends, then 1-octet
        // and 7-octet fragments all the way.
        let mut cut_sets: Vec<Vec<usize>> = (0..200).map(|c| vec![c]).collect();
        for c in (0..block.len()).step_by(997) {
            cut_sets.push(vec![c, c + 1, c + 2, c + 5]);
        }
        cut_sets.push((1..block.len()).collect());
        cut_sets.push((7..block.len()).step_by(7).collect());
        for cuts in cut_sets {
            let mut d = discarding();
            let fields = decode_split(&mut d, &block, &cuts)
                .unwrap_or_else(|e| panic!("cuts {:?}: {e}", &cuts[..cuts.len().min(4)]));
            assert!(d.is_discarding());
            assert_eq!(reported(&fields).len(), 3);
            assert_eq!(table(&d), expected, "cuts {:?}", &cuts[..cuts.len().min(4)]);
        }
    }
}

#[test]
fn hpack_bomb_is_discarded_without_amplification() {
    // One 4,000-octet entry, then ten thousand one-octet references to it (40 MB decoded):
    // the references are looked up, never copied or reported.
    let mut d = Decoder::new(DecoderConfig::default().with_discard_oversized(true));
    let mut first = vec![0x40];
    push_str(&mut first, b"x", false);
    push_str(&mut first, &[b'a'; 4000], false);
    d.decode_to_vec(&first).unwrap();
    let mut seen = 0;
    d.decode_block(&[0xbe; 10_000], |_| seen += 1).unwrap();
    assert!(d.is_discarding());
    assert_eq!(seen, 4, "16 KiB holds four 4,033-octet fields");
    assert_eq!(d.decode_to_vec(&[0xbe]).unwrap()[0].value.len(), 4000);
}

#[test]
fn declared_gigabyte_string_is_skipped_not_buffered() {
    // A 1 GiB value declared, then fed in 64 KiB pieces for a while: no buffer grows (the
    // storage is fixed), and the block is still open.
    let mut d = discarding();
    let mut b = vec![0x00];
    push_str(&mut b, b"big", false);
    push_int(&mut b, 0, 7, 1 << 30);
    d.decode_fragment(&b, false, |_| panic!("nothing reported"))
        .unwrap();
    assert!(d.is_discarding());
    let piece = vec![b'z'; 64 * 1024];
    for _ in 0..16 {
        d.decode_fragment(&piece, false, |_| panic!("nothing reported"))
            .unwrap();
    }
    // Ending the block inside the string is a truncated block.
    assert_eq!(
        d.decode_fragment(&piece, true, |_| {}),
        Err(Error::TruncatedBlock)
    );
}

#[test]
fn skipped_strings_still_have_their_huffman_code_checked() {
    // RFC 7541 §5.2: padding must be the most significant bits of EOS. A skipped value whose
    // last octet is corrupted is a decoding error, whole or split anywhere.
    let mut coded = Vec::new();
    huffman::encode_to_vec(&[b'q'; 9001], &mut coded);
    // 'q' is 7 bits: 63,007 bits leave one bit of padding, which must be 1.
    *coded.last_mut().unwrap() &= 0xfe;
    let mut block = vec![0x00];
    push_str(&mut block, b"x-big", false);
    push_int(&mut block, 0x80, 7, coded.len());
    block.extend_from_slice(&coded);
    for cuts in [vec![], vec![5], vec![100, 4000], vec![block.len() - 1]] {
        let mut d = discarding();
        assert_eq!(
            decode_split(&mut d, &block, &cuts),
            Err(Error::Huffman(HuffmanError::InvalidPadding)),
            "cuts {cuts:?}"
        );
        assert!(d.is_poisoned());
    }
}

#[test]
fn rules_still_apply_while_discarding() {
    // A size update after a field, and an index past the table, stay connection errors.
    let mut big = literal(0x00, b"x-big", &[b'a'; 5000], false);
    big.push(0x3f); // size update after the first field (RFC 7541 §4.2)
    big.push(0x00);
    assert_eq!(
        discarding().decode_to_vec(&big),
        Err(Error::SizeUpdateNotAtStart)
    );
    let mut bad = literal(0x00, b"x-big", &[b'a'; 5000], false);
    bad.push(0xff); // indexed 127 + ...
    bad.push(0x10); // = 143: not in the tables
    assert_eq!(
        discarding().decode_to_vec(&bad),
        Err(Error::InvalidIndex(143))
    );
    // Without the option, crossing the limit is still the error it was.
    let mut d = Decoder::new(DecoderConfig::default().with_max_header_list_size(LIMIT));
    assert_eq!(
        d.decode_to_vec(&literal(0x00, b"x-big", &[b'a'; 5000], false)),
        Err(Error::HeaderListTooLarge { limit: LIMIT })
    );
}

proptest::proptest! {
    /// Blocks from our encoder (which indexes most fields) with random sizes, decoded with a
    /// small limit and discard on, cut at random places: after every block the table equals
    /// the unlimited decoder's, and the fields reported are the reference's when the block fit,
    /// a prefix of them when it did not.
    #[test]
    fn table_stays_in_step_with_the_encoder(
        blocks in proptest::collection::vec(
            proptest::collection::vec((0usize..6, 0usize..3000), 1..8), 1..6),
        cut in 1usize..5000,
        huffman in proptest::bool::ANY,
    ) {
        let mut enc = Encoder::new(EncoderConfig::default().with_huffman(huffman));
        let mut d = discarding();
        let mut r = reference();
        for fields in blocks {
            let owned: Vec<(Vec<u8>, Vec<u8>)> = fields
                .iter()
                .map(|&(n, len)| (format!("x-field-{n}").into_bytes(), vec![b'a' + n as u8; len]))
                .collect();
            let mut block = Vec::new();
            enc.encode(owned.iter().map(|(n, v)| Field::new(n, v)), &mut block);
            let got = decode_split(&mut d, &block, &[cut % (block.len() + 1)]).unwrap();
            let want = r.decode_to_vec(&block).unwrap();
            proptest::prop_assert_eq!(table(&d), table(&r));
            let size: usize = want.iter().map(|f| f.name.len() + f.value.len() + 32).sum();
            proptest::prop_assert_eq!(d.is_discarding(), size > LIMIT as usize);
            if d.is_discarding() {
                proptest::prop_assert!(got.len() < want.len());
                proptest::prop_assert_eq!(&got[..], &want[..got.len()]);
            } else {
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}
