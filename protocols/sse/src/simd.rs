//! UTF-8 checks for event text and the line-end mask of a 64-byte block: the only module of
//! the crate with `unsafe`.
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

/// Bit `k` set for each CR or LF at `block[k]`: SSE2 (part of the x86_64 baseline, so no
/// runtime detection) on x86_64, [`eol_mask_scalar`] elsewhere.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn eol_mask(block: &[u8; 64]) -> u64 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for k in 0..4 {
        // SAFETY: SSE2 is enabled on every x86_64 target; the unaligned load reads the 16
        // bytes `block[16 * k..16 * k + 16]`, inside the 64-byte array.
        let hits = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let cr = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8));
            let lf = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8));
            _mm_movemask_epi8(_mm_or_si128(cr, lf))
        };
        // The movemask has one bit per byte in its low 16 bits.
        mask |= u64::from(hits as u16) << (16 * k);
    }
    mask
}

/// The scalar twin of [`eol_mask`] (and its implementation off x86_64).
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline]
pub(crate) fn eol_mask_scalar(block: &[u8; 64]) -> u64 {
    block.iter().enumerate().fold(0, |mask, (k, &b)| {
        mask | (u64::from(b == b'\r' || b == b'\n') << k)
    })
}

/// Bit `k` set for each CR or LF at `block[k]`.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn eol_mask(block: &[u8; 64]) -> u64 {
    eol_mask_scalar(block)
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use proptest::prelude::*;

    use super::{eol_mask, eol_mask_scalar, utf8};

    proptest! {
        /// The same answer as `core::str::from_utf8`, for short and long, ASCII and not.
        #[test]
        fn agrees_with_core(bytes in proptest::collection::vec(
            prop_oneof![0u8..0x80, any::<u8>()], 0..200)) {
            prop_assert_eq!(utf8(&bytes), core::str::from_utf8(&bytes).ok());
        }

        /// The SIMD line-end mask agrees with the scalar twin on random blocks rich in CR, LF
        /// and bytes that differ from them in one bit.
        #[test]
        fn eol_mask_agrees_with_scalar(bytes in proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(0x8d), Just(0x8a), Just(0x0b), any::<u8>()], 64)) {
            let block: [u8; 64] = bytes.try_into().expect("64 bytes");
            let naive = (0..64).fold(0u64, |m, k| {
                m | (u64::from(block[k] == b'\r' || block[k] == b'\n') << k)
            });
            prop_assert_eq!(eol_mask_scalar(&block), naive);
            prop_assert_eq!(eol_mask(&block), naive);
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
