//! UTF-8 checks for event text: the only module of the crate with `unsafe`.
//!
//! Most event-stream values are short ASCII (`tick 5`, an id, an event type), where
//! `core::str::from_utf8` costs more in call setup and byte-at-a-time checks than the value
//! is long. ASCII is checked a word at a time and then read as a `str` without a second
//! check; anything else goes to `simdutf8` (SIMD validation, AVX2/SSE4.2/NEON).
#![allow(unsafe_code)]

/// Values up to this long are tried as ASCII first.
const SHORT: usize = 64;

/// `bytes` as a `str` when they are UTF-8.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.len() <= SHORT && is_ascii(bytes) {
        // SAFETY: every byte is below 0x80 (checked just above), and ASCII is UTF-8.
        return Some(unsafe { core::str::from_utf8_unchecked(bytes) });
    }
    simdutf8::basic::from_utf8(bytes).ok()
}

/// Whether every byte is below 0x80 (core's check works a word at a time).
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use proptest::prelude::*;

    use super::utf8;

    proptest! {
        /// The same answer as `core::str::from_utf8`, for short and long, ASCII and not.
        #[test]
        fn agrees_with_core(bytes in proptest::collection::vec(
            prop_oneof![0u8..0x80, any::<u8>()], 0..200)) {
            prop_assert_eq!(utf8(&bytes), core::str::from_utf8(&bytes).ok());
        }

        #[test]
        fn text_is_text(s in "\\PC{0,100}") {
            prop_assert_eq!(utf8(s.as_bytes()), Some(s.as_str()));
        }
    }

    #[test]
    fn a_high_byte_anywhere_is_seen() {
        for len in 1..=70 {
            for at in 0..len {
                let mut v = vec![b'a'; len];
                v[at] = 0xff;
                assert_eq!(utf8(&v), None, "len {len} at {at}");
            }
        }
    }
}
