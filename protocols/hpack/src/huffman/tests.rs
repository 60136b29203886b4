use super::*;

/// Regenerates the code list from the RFC text and compares it with the checked-in `codes.rs`.
#[test]
fn codes_match_rfc() {
    // `../shared` next to the repository, else `/work/shared`.
    let next_to_repo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/specs/rfc7541.txt"
    );
    let path = if std::path::Path::new(next_to_repo).exists() {
        next_to_repo
    } else {
        "/work/shared/specs/rfc7541.txt"
    };
    let text = std::fs::read_to_string(path).expect("RFC 7541 text in shared/specs");
    let start = text.find("Appendix B.  Huffman Code").unwrap();
    let end = text.find("Appendix C.  Examples").unwrap();
    let mut seen = 0;
    for line in text[start..end].lines() {
        // "    'a' ( 97)  |00011                                         3  [ 5]"
        // The symbol column ends with ")  |" (the symbol itself may be '|' or '(').
        let Some(close) = line.find(")  |") else {
            continue;
        };
        let Some(open) = line[..close].rfind('(') else {
            continue;
        };
        let Ok(sym) = line[open + 1..close].trim().parse::<usize>() else {
            continue;
        };
        let Some(lb) = line.rfind('[') else { continue };
        let len: u8 = line[lb + 1..line.len() - 1].trim().parse().unwrap();
        let hex = line[..lb].split_whitespace().last().unwrap();
        let code = u32::from_str_radix(hex, 16).unwrap();
        assert_eq!(CODES[sym], (code, len), "symbol {sym}");
        seen += 1;
    }
    assert_eq!(seen, 257);
}

extern crate std;
use std::vec::Vec;

fn dec(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = std::vec![0u8; src.len() * 2 + 8];
    let n = decode(src, &mut out)?;
    out.truncate(n);
    Ok(out)
}

fn enc(src: &[u8]) -> Vec<u8> {
    let mut out = std::vec![0u8; encoded_len(src)];
    let n = encode(src, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

/// The previous decoder (same table, refilled octet by octet, one symbol at a time near the
/// end), kept as a cross-check of the word-refill decoder, including its `OutputFull` behaviour.
fn previous_decode(src: &[u8], dst: &mut [u8]) -> Result<usize, HuffmanError> {
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut i = 0;
    let mut o = 0;
    // Fast path: 32 input bits per refill, two table lookups (up to four symbols) per round.
    while i + 4 <= src.len() && o + 4 <= dst.len() {
        if nbits < 32 {
            let word = u32::from_be_bytes([src[i], src[i + 1], src[i + 2], src[i + 3]]);
            acc = (acc << 32) | word as u64;
            nbits += 32;
            i += 4;
        }
        let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
        if e & (3 << 6) == 0 {
            break;
        }
        dst[o] = (e >> 16) as u8;
        dst[o + 1] = (e >> 24) as u8;
        o += ((e >> 6) & 3) as usize;
        nbits -= e & 63;
        let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
        if e & (3 << 6) == 0 {
            break;
        }
        dst[o] = (e >> 16) as u8;
        dst[o + 1] = (e >> 24) as u8;
        o += ((e >> 6) & 3) as usize;
        nbits -= e & 63;
    }
    // General path: one symbol at a time, long codes, the end of input and the padding rules.
    loop {
        while nbits <= 56 && i < src.len() {
            acc = (acc << 8) | src[i] as u64;
            nbits += 8;
            i += 1;
        }
        if nbits >= PEEK && o + 2 <= dst.len() {
            let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
            if e & (3 << 6) != 0 {
                dst[o] = (e >> 16) as u8;
                dst[o + 1] = (e >> 24) as u8;
                o += ((e >> 6) & 3) as usize;
                nbits -= e & 63;
                continue;
            }
        }
        if nbits == 0 {
            return Ok(o);
        }
        // One symbol: a long code, the last bits, or the last octets of `dst`.
        // The next 30 bits, padded with ones past the end of the input.
        let w30 = if nbits >= 30 {
            (acc >> (nbits - 30)) as u32 & 0x3fff_ffff
        } else {
            ((acc << (30 - nbits)) as u32 | ((1u32 << (30 - nbits)) - 1)) & 0x3fff_ffff
        };
        let e = DECODE[(w30 >> (30 - PEEK)) as usize];
        let (sym, len) = if e & (3 << 6) != 0 {
            ((e >> 16) as u16 & 0xff, (e >> 8) & 31)
        } else {
            decode_long(w30)
        };
        if len > nbits {
            // Only fewer than 30 bits remain, so the input is exhausted: what is left is padding.
            if nbits > 7 {
                return Err(HuffmanError::PaddingTooLong);
            }
            let mask = (1u64 << nbits) - 1;
            if acc & mask != mask {
                return Err(HuffmanError::InvalidPadding);
            }
            return Ok(o);
        }
        if sym == 256 {
            return Err(HuffmanError::Eos);
        }
        if o >= dst.len() {
            return Err(HuffmanError::OutputFull);
        }
        dst[o] = sym as u8;
        o += 1;
        nbits -= len;
    }
}

/// A bit-by-bit reference decoder over the code list.
fn reference_decode(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = Vec::new();
    let (mut code, mut len) = (0u32, 0u8);
    for i in 0..src.len() * 8 {
        let bit = (src[i / 8] >> (7 - i % 8)) & 1;
        code = (code << 1) | bit as u32;
        len += 1;
        if let Some(sym) = CODES.iter().position(|&c| c == (code, len)) {
            if sym == 256 {
                return Err(HuffmanError::Eos);
            }
            out.push(sym as u8);
            code = 0;
            len = 0;
        }
    }
    if len > 7 {
        return Err(HuffmanError::PaddingTooLong);
    }
    if code != (1 << len) - 1 {
        return Err(HuffmanError::InvalidPadding);
    }
    Ok(out)
}

#[test]
fn rfc_examples() {
    // RFC 7541 C.4.1: "www.example.com".
    let h = enc(b"www.example.com");
    assert_eq!(
        h,
        [
            0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff
        ]
    );
    assert_eq!(dec(&h).unwrap(), b"www.example.com");
    // C.4.2: "no-cache".
    assert_eq!(enc(b"no-cache"), [0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf]);
}

#[test]
fn every_symbol_roundtrips() {
    let all: Vec<u8> = (0..=255u8).collect();
    for b in 0..=255u8 {
        assert_eq!(dec(&enc(&[b])).unwrap(), [b]);
    }
    assert_eq!(dec(&enc(&all)).unwrap(), all);
    let mut rev = all.clone();
    rev.reverse();
    assert_eq!(dec(&enc(&rev)).unwrap(), rev);
}

#[test]
fn padding_and_eos_rules() {
    // A single 'a' (00011) padded with 111: valid.
    assert_eq!(dec(&[0b0001_1111]).unwrap(), b"a");
    // Padded with zeros: not the EOS prefix.
    assert_eq!(dec(&[0b0001_1000]), Err(HuffmanError::InvalidPadding));
    // A whole octet of ones after 'a' + 3 bits: 11 bits of padding.
    assert_eq!(dec(&[0b0001_1111, 0xff]), Err(HuffmanError::PaddingTooLong));
    // Only padding: eight ones.
    assert_eq!(dec(&[0xff]), Err(HuffmanError::PaddingTooLong));
    // EOS (30 ones) followed by padding.
    assert_eq!(dec(&[0xff, 0xff, 0xff, 0xff]), Err(HuffmanError::Eos));
    // Empty input is the empty string.
    assert_eq!(dec(&[]).unwrap(), b"");
}

#[test]
fn output_limit() {
    let h = enc(b"hello world, hello world");
    let mut small = [0u8; 10];
    assert_eq!(decode(&h, &mut small), Err(HuffmanError::OutputFull));
    let mut exact = [0u8; 24];
    assert_eq!(decode(&h, &mut exact), Ok(24));
    let mut tiny = [0u8; 3];
    assert_eq!(encode(b"hello", &mut tiny), Err(HuffmanError::OutputFull));
}

proptest::proptest! {
    #[test]
    fn roundtrip(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        proptest::prop_assert_eq!(dec(&enc(&data)).unwrap(), data);
    }

    #[test]
    fn matches_reference(data in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
        proptest::prop_assert_eq!(dec(&data), reference_decode(&data));
    }

    /// Random octets (mostly errors), valid codes of random text, with and without a corrupted
    /// last octet, into output buffers of every size around the decoded length: the same result
    /// and the same output as the previous decoder.
    #[test]
    fn matches_previous_decoder(
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        text in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ascii in proptest::collection::vec(b' '..=b'~', 0..80),
        last in proptest::num::u8::ANY,
    ) {
        let mut coded = std::vec![enc(&text), enc(&ascii), data];
        let mut bad = enc(&ascii);
        if let Some(b) = bad.last_mut() {
            *b = last;
        }
        coded.push(bad);
        for src in &coded {
            let full = src.len() * 2 + 8;
            // The decoded length (when it decodes): the sizes around it decide `OutputFull`.
            let mut probe = std::vec![0u8; full];
            let d = previous_decode(src, &mut probe).unwrap_or(full / 2);
            for cap in [0, 1, 2, 7, 8, 9, full / 3, full / 2, full - 8, full,
                        d.saturating_sub(9), d.saturating_sub(8), d.saturating_sub(1), d, d + 1, d + 7, d + 8] {
                let mut a = std::vec![0u8; cap];
                let mut b = std::vec![0u8; cap];
                let ra = decode(src, &mut a);
                let rb = previous_decode(src, &mut b);
                proptest::prop_assert_eq!(ra, rb, "cap {}", cap);
                if let Ok(n) = ra {
                    proptest::prop_assert_eq!(&a[..n], &b[..n]);
                }
            }
        }
    }

    /// The skipping decoder's `Check` agrees with `decode` on every input (valid codes, their
    /// corruptions, random octets), fed whole or in pieces cut at `cut`.
    #[test]
    fn check_agrees_with_decode(
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ascii in proptest::collection::vec(b' '..=b'~', 0..80),
        last in proptest::num::u8::ANY,
        cut in 0usize..100,
    ) {
        let mut bad = enc(&ascii);
        if let Some(b) = bad.last_mut() {
            *b = last;
        }
        for src in [enc(&ascii), enc(&data), bad, data.clone()] {
            let expected = dec(&src).map(|_| ());
            let at = cut.min(src.len());
            let mut whole = Check::default();
            let whole = whole.feed(&src).and_then(|()| whole.finish());
            let mut split = Check::default();
            let split = split
                .feed(&src[..at])
                .and_then(|()| split.feed(&src[at..]))
                .and_then(|()| split.finish());
            proptest::prop_assert_eq!(whole, expected);
            proptest::prop_assert_eq!(split, expected);
        }
    }
}
