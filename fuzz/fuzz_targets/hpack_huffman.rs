//! HPACK Huffman code (RFC 7541 §5.2, Appendix B), checked without a second decoder:
//!
//! - decode(encode(x)) == x;
//! - a valid Huffman string is canonical (a prefix code, padding of fewer than 8 ones), so
//!   whatever decodes must re-encode to the very same octets;
//! - the output buffer is an exact limit: the decoded length fits, one octet less is
//!   `OutputFull`, and an invalid string fails the same way at any buffer size (or with
//!   `OutputFull` when the buffer ends before the error).
#![no_main]

use fasterapi_hpack::huffman::{HuffmanError, decode, encode_to_vec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (Vec<u8>, Vec<u8>, u16)| {
    let (coded, text, cap) = data;

    let mut h = Vec::new();
    encode_to_vec(&text, &mut h);
    let mut back = vec![0u8; text.len()];
    assert_eq!(decode(&h, &mut back), Ok(text.len()));
    assert_eq!(back, text);

    let full = coded.len() * 8 / 5 + 1;
    let mut out = vec![0u8; full];
    let cap = usize::from(cap) % (full + 1);
    let mut small = vec![0u8; cap];
    match decode(&coded, &mut out) {
        Ok(n) => {
            let mut again = Vec::new();
            encode_to_vec(&out[..n], &mut again);
            assert_eq!(again, coded, "a decodable string is canonical");
            let mut exact = vec![0u8; n];
            assert_eq!(decode(&coded, &mut exact), Ok(n));
            if n > 0 {
                let mut short = vec![0u8; n - 1];
                assert_eq!(decode(&coded, &mut short), Err(HuffmanError::OutputFull));
            }
            let r = decode(&coded, &mut small);
            if cap >= n {
                assert_eq!(r, Ok(n));
                assert_eq!(&small[..n], &out[..n]);
            } else {
                assert_eq!(r, Err(HuffmanError::OutputFull));
            }
        }
        Err(e) => {
            assert_ne!(
                e,
                HuffmanError::OutputFull,
                "8/5 octets out per octet in suffice"
            );
            let r = decode(&coded, &mut small);
            assert!(
                r == Err(e) || r == Err(HuffmanError::OutputFull),
                "{r:?} vs {e:?}"
            );
        }
    }
});
