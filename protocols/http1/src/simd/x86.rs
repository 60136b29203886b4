//! SSSE3 and AVX2 nibble-table scanners.

use core::arch::x86_64::{
    __m128i, __m256i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8,
    _mm_set1_epi8, _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi16, _mm256_and_si256,
    _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
    _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi16,
};

use super::Class;

/// Scans 16 bytes at a time: `Ok` with the first byte not in the class, or `Err` with the
/// offset where fewer than 16 bytes are left.
#[inline]
#[target_feature(enable = "ssse3")]
pub(super) fn scan_ssse3(class: &Class, buf: &[u8], from: usize) -> Result<usize, usize> {
    // SAFETY: `Class::lo`/`hi` are 16 bytes; unaligned loads are allowed.
    let (lo, hi) = unsafe {
        (
            _mm_loadu_si128(class.lo.as_ptr().cast::<__m128i>()),
            _mm_loadu_si128(class.hi.as_ptr().cast::<__m128i>()),
        )
    };
    let nibble = _mm_set1_epi8(0x0F);
    let zero = _mm_setzero_si128();
    let mut i = from;
    while i + 16 <= buf.len() {
        // SAFETY: `i + 16 <= buf.len()`, so the 16 bytes read are inside `buf`.
        let v = unsafe { _mm_loadu_si128(buf.as_ptr().add(i).cast::<__m128i>()) };
        let l = _mm_shuffle_epi8(lo, _mm_and_si128(v, nibble));
        let h = _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
        let bad = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(l, h), zero));
        if bad != 0 {
            return Ok(i + bad.trailing_zeros() as usize);
        }
        i += 16;
    }
    Err(i)
}

/// Scans 32 bytes at a time, then one 16-byte step: `Ok` with the first byte not in the class,
/// or `Err` with the offset where fewer than 16 bytes are left.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn scan_avx2(class: &Class, buf: &[u8], from: usize) -> Result<usize, usize> {
    // SAFETY: `Class::lo`/`hi` are 16 bytes; unaligned loads are allowed.
    let (lo, hi) = unsafe {
        (
            _mm_loadu_si128(class.lo.as_ptr().cast::<__m128i>()),
            _mm_loadu_si128(class.hi.as_ptr().cast::<__m128i>()),
        )
    };
    let lo2 = _mm256_broadcastsi128_si256(lo);
    let hi2 = _mm256_broadcastsi128_si256(hi);
    let nibble = _mm256_set1_epi8(0x0F);
    let zero = _mm256_setzero_si256();
    let mut i = from;
    while i + 32 <= buf.len() {
        // SAFETY: `i + 32 <= buf.len()`, so the 32 bytes read are inside `buf`.
        let v = unsafe { _mm256_loadu_si256(buf.as_ptr().add(i).cast::<__m256i>()) };
        let l = _mm256_shuffle_epi8(lo2, _mm256_and_si256(v, nibble));
        let h = _mm256_shuffle_epi8(hi2, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
        let bad = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(l, h), zero));
        if bad != 0 {
            return Ok(i + bad.trailing_zeros() as usize);
        }
        i += 32;
    }
    if i + 16 <= buf.len() {
        let nibble = _mm_set1_epi8(0x0F);
        // SAFETY: `i + 16 <= buf.len()`, so the 16 bytes read are inside `buf`.
        let v = unsafe { _mm_loadu_si128(buf.as_ptr().add(i).cast::<__m128i>()) };
        let l = _mm_shuffle_epi8(lo, _mm_and_si128(v, nibble));
        let h = _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
        let bad = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(l, h), _mm_setzero_si128()));
        if bad != 0 {
            return Ok(i + bad.trailing_zeros() as usize);
        }
        i += 16;
    }
    Err(i)
}
