//! NEON nibble-table scanner (aarch64 always has NEON). Same shape as the SSSE3 scanner: whole
//! 16-byte blocks, then one overlapping load of the last 16 bytes.

use core::arch::aarch64::{
    uint8x16_t, vandq_u8, vceqzq_u8, vdupq_n_u8, vget_lane_u64, vld1q_u8, vqtbl1q_u8,
    vreinterpret_u64_u8, vreinterpretq_u16_u8, vshrn_n_u16, vshrq_n_u8,
};

use super::Class;

/// Four bits per byte, all set iff `buf[at + k]` is not in the class, for 16 bytes.
#[inline]
fn outside16(lo: uint8x16_t, hi: uint8x16_t, buf: &[u8], at: usize) -> u64 {
    assert!(at + 16 <= buf.len());
    // SAFETY: `at + 16 <= buf.len()` (asserted), so the 16 bytes read are inside `buf`; NEON is
    // part of the aarch64 base ISA.
    unsafe {
        let v = vld1q_u8(buf.as_ptr().add(at));
        let l = vqtbl1q_u8(lo, vandq_u8(v, vdupq_n_u8(0x0F)));
        let h = vqtbl1q_u8(hi, vshrq_n_u8::<4>(v));
        let bad = vceqzq_u8(vandq_u8(l, h));
        // Narrow each 0x00/0xFF byte to a nibble: 4 mask bits per input byte.
        vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
            bad,
        ))))
    }
}

/// The first offset at or after `from` whose byte is not in the class, or `buf.len()`.
/// Requires `buf.len() >= 16` and `from < buf.len()`.
pub(super) fn scan(class: &Class, buf: &[u8], from: usize) -> usize {
    // SAFETY: NEON is part of the aarch64 base ISA; `Class::lo`/`hi` are 16 bytes.
    let (lo, hi) = unsafe { (vld1q_u8(class.lo.as_ptr()), vld1q_u8(class.hi.as_ptr())) };
    let len = buf.len();
    let mut i = from;
    while i + 16 <= len {
        let m = outside16(lo, hi, buf, i);
        if m != 0 {
            return i + (m.trailing_zeros() / 4) as usize;
        }
        i += 16;
    }
    if i == len {
        return len;
    }
    let base = len - 16;
    let m = outside16(lo, hi, buf, base) >> (4 * (i - base));
    if m != 0 {
        i + (m.trailing_zeros() / 4) as usize
    } else {
        len
    }
}
