//! NEON nibble-table scanner (aarch64 always has NEON).

use core::arch::aarch64::{
    vandq_u8, vceqzq_u8, vdupq_n_u8, vget_lane_u64, vld1q_u8, vqtbl1q_u8, vreinterpret_u64_u8,
    vreinterpretq_u16_u8, vshrn_n_u16, vshrq_n_u8,
};

use super::Class;

/// Scans 16 bytes at a time: `Ok` with the first byte not in the class, or `Err` with the
/// offset where fewer than 16 bytes are left.
pub(super) fn scan(class: &Class, buf: &[u8], from: usize) -> Result<usize, usize> {
    // SAFETY: NEON is part of the aarch64 base ISA; `Class::lo`/`hi` are 16 bytes.
    let (lo, hi, nibble) = unsafe {
        (
            vld1q_u8(class.lo.as_ptr()),
            vld1q_u8(class.hi.as_ptr()),
            vdupq_n_u8(0x0F),
        )
    };
    let mut i = from;
    while i + 16 <= buf.len() {
        // SAFETY: `i + 16 <= buf.len()`, so the 16 bytes read are inside `buf`; NEON is part of
        // the aarch64 base ISA.
        let mask = unsafe {
            let v = vld1q_u8(buf.as_ptr().add(i));
            let l = vqtbl1q_u8(lo, vandq_u8(v, nibble));
            let h = vqtbl1q_u8(hi, vshrq_n_u8::<4>(v));
            let bad = vceqzq_u8(vandq_u8(l, h));
            // Narrow each 0x00/0xFF byte to a nibble: 4 mask bits per input byte.
            vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
                bad,
            ))))
        };
        if mask != 0 {
            return Ok(i + (mask.trailing_zeros() / 4) as usize);
        }
        i += 16;
    }
    Err(i)
}
