//! Percent-decoding inverts percent-encoding, whichever bytes are encoded.

use fasterapi_router::percent::{decode, decode_into};
use proptest::prelude::*;

proptest! {
    #[test]
    fn decode_inverts_encode(bytes in prop::collection::vec(any::<u8>(), 0..64), mask in any::<u64>(), upper: bool) {
        // Encode every byte that must be (`%`, non-ASCII-graphic) and a random choice of the rest.
        let mut enc = String::new();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'%' || !b.is_ascii_graphic() || mask >> (i % 64) & 1 == 1 {
                if upper { enc.push_str(&format!("%{b:02X}")) } else { enc.push_str(&format!("%{b:02x}")) }
            } else {
                enc.push(b as char);
            }
        }
        let mut out = vec![0u8; enc.len()];
        prop_assert_eq!(decode_into(enc.as_bytes(), &mut out).unwrap(), &bytes[..]);
        match String::from_utf8(bytes.clone()) {
            Ok(text) => prop_assert_eq!(decode(&enc).unwrap(), text),
            Err(_) => prop_assert!(decode(&enc).is_err()),
        }
    }
}
