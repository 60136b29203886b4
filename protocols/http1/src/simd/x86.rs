//! SSSE3 and AVX2 nibble-table scanners.
//!
//! Both take whole blocks while they fit and finish with one overlapping load of the last block
//! (its mask shifted past the bytes already examined), so no scan ends in a byte loop and most
//! fields end inside the first block (a predictable branch).

use core::arch::x86_64::{
    __m128i, __m256i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8,
    _mm_set1_epi8, _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi16, _mm256_and_si256,
    _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
    _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi16,
};

use super::Class;

/// The two nibble tables of `class` as vectors.
#[inline]
#[target_feature(enable = "ssse3")]
fn tables(class: &Class) -> (__m128i, __m128i) {
    // SAFETY: `Class::lo`/`hi` are 16 bytes; unaligned loads are allowed.
    unsafe {
        (
            _mm_loadu_si128(class.lo.as_ptr().cast::<__m128i>()),
            _mm_loadu_si128(class.hi.as_ptr().cast::<__m128i>()),
        )
    }
}

/// Bit `k` set iff `buf[at + k]` is not in the class, for 16 bytes.
#[inline]
#[target_feature(enable = "ssse3")]
fn outside16(lo: __m128i, hi: __m128i, buf: &[u8], at: usize) -> u32 {
    assert!(at + 16 <= buf.len());
    // SAFETY: `at + 16 <= buf.len()` (asserted), so the 16 bytes read are inside `buf`.
    let v = unsafe { _mm_loadu_si128(buf.as_ptr().add(at).cast::<__m128i>()) };
    let nibble = _mm_set1_epi8(0x0F);
    let l = _mm_shuffle_epi8(lo, _mm_and_si128(v, nibble));
    let h = _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
    _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(l, h), _mm_setzero_si128())) as u32 & 0xFFFF
}

/// Bit `k` set iff `buf[at + k]` is not in the class, for 32 bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn outside32(lo: __m256i, hi: __m256i, buf: &[u8], at: usize) -> u32 {
    assert!(at + 32 <= buf.len());
    // SAFETY: `at + 32 <= buf.len()` (asserted), so the 32 bytes read are inside `buf`.
    let v = unsafe { _mm256_loadu_si256(buf.as_ptr().add(at).cast::<__m256i>()) };
    let nibble = _mm256_set1_epi8(0x0F);
    let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
    let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(
        _mm256_and_si256(l, h),
        _mm256_setzero_si256(),
    )) as u32
}

/// The first offset at or after `from` whose byte is not in the class, or `buf.len()`.
/// Requires `buf.len() >= 16` and `from < buf.len()`.
#[inline]
#[target_feature(enable = "ssse3")]
pub(super) fn scan_ssse3(class: &Class, buf: &[u8], from: usize) -> usize {
    let (lo, hi) = tables(class);
    let len = buf.len();
    let mut i = from;
    while i + 32 <= len {
        let m = outside16(lo, hi, buf, i) | (outside16(lo, hi, buf, i + 16) << 16);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 32;
    }
    if i + 16 <= len {
        let m = outside16(lo, hi, buf, i);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
    }
    if i == len {
        return len;
    }
    // Fewer than 16 bytes left: look at the last 16 and drop the ones before `i`.
    let base = len - 16;
    let m = outside16(lo, hi, buf, base) >> (i - base);
    if m != 0 {
        i + m.trailing_zeros() as usize
    } else {
        len
    }
}

/// The first offset at or after `from` whose byte is not in the class, or `buf.len()`.
/// Requires `buf.len() >= 16` and `from < buf.len()`.
///
/// Small enough to inline: most fields end inside the first 32-byte block; longer ones and
/// the end of the buffer go to [`scan_avx2_rest`].
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn scan_avx2(class: &Class, buf: &[u8], from: usize) -> usize {
    if from + 32 <= buf.len() {
        let (lo, hi) = tables(class);
        let (lo2, hi2) = (
            _mm256_broadcastsi128_si256(lo),
            _mm256_broadcastsi128_si256(hi),
        );
        let m = outside32(lo2, hi2, buf, from);
        if m != 0 {
            return from + m.trailing_zeros() as usize;
        }
        return scan_avx2_rest(class, buf, from + 32);
    }
    scan_avx2_rest(class, buf, from)
}

/// [`scan_avx2`] past its first block (`from <= buf.len()`, `buf.len() >= 16`).
#[inline(never)]
#[target_feature(enable = "avx2")]
fn scan_avx2_rest(class: &Class, buf: &[u8], from: usize) -> usize {
    let (lo, hi) = tables(class);
    let (lo2, hi2) = (
        _mm256_broadcastsi128_si256(lo),
        _mm256_broadcastsi128_si256(hi),
    );
    let len = buf.len();
    let mut i = from;
    while i + 32 <= len {
        let m = outside32(lo2, hi2, buf, i);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 32;
    }
    if i == len {
        return len;
    }
    // Fewer than 32 bytes left: look at the last 32 (or 16) and drop the ones before `i`.
    let (base, m) = if len >= 32 {
        (len - 32, outside32(lo2, hi2, buf, len - 32))
    } else if len - i <= 16 {
        (len - 16, outside16(lo, hi, buf, len - 16))
    } else {
        // 16 < len - i < 32 and len < 32: two 16-byte looks cover it.
        let m = outside16(lo, hi, buf, i);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
        (len - 16, outside16(lo, hi, buf, len - 16))
    };
    let m = m >> (i - base);
    if m != 0 {
        i + m.trailing_zeros() as usize
    } else {
        len
    }
}
