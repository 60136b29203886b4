//! Fast masking (RFC 6455 §5.3) and the [`Text`] view of validated UTF-8: the only module of
//! the crate with `unsafe`, for SIMD intrinsics and for the `str` view of bytes that SIMD
//! UTF-8 validation (simdutf8) already checked. Every vector path has the scalar twin [`apply_mask_scalar`], and the tests
//! compare them on random input at random alignments and offsets.
//!
//! * x86_64: AVX2 (32 bytes per step) when the CPU has it — detected at run time under `std`,
//!   or compiled in with `-C target-feature=+avx2` — else SSE2 (always present on x86_64);
//! * aarch64: NEON (always present);
//! * anywhere else: the scalar path, which works a `u64` at a time.
#![allow(unsafe_code)]

/// The mask rotated so that its first byte applies to payload byte `offset`.
#[inline]
fn rotated(mask: [u8; 4], offset: usize) -> [u8; 4] {
    let r = offset % 4;
    [
        mask[r],
        mask[(r + 1) % 4],
        mask[(r + 2) % 4],
        mask[(r + 3) % 4],
    ]
}

/// The portable twin: XORs `data` with `mask`, phase `offset`.
pub(crate) fn apply_mask_scalar(data: &mut [u8], mask: [u8; 4], offset: usize) {
    let m = rotated(mask, offset);
    let m8 = u64::from_ne_bytes([m[0], m[1], m[2], m[3], m[0], m[1], m[2], m[3]]);
    let mut chunks = data.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ m8).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= m[i % 4];
    }
}

/// XORs `data` with `mask`, phase `offset`, with the fastest path the CPU has.
pub(crate) fn apply_mask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    if data.len() < 16 {
        apply_mask_scalar(data, mask, offset);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked at run time or guaranteed at compile time).
            unsafe { x86::apply_mask_avx2(data, rotated(mask, offset)) };
        } else {
            // SAFETY: SSE2 is part of the x86_64 baseline.
            unsafe { x86::apply_mask_sse2(data, rotated(mask, offset)) };
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: NEON is part of the aarch64 baseline.
        unsafe { neon::apply_mask_neon(data, rotated(mask, offset)) };
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    apply_mask_scalar(data, mask, offset);
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_feature = "avx2")]
    {
        true
    }
    #[cfg(all(not(target_feature = "avx2"), feature = "std"))]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(all(not(target_feature = "avx2"), not(feature = "std")))]
    {
        false
    }
}

/// Which vector path [`apply_mask`](crate::apply_mask) takes on this CPU, for benchmark reports.
pub fn mask_backend() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() { "avx2" } else { "sse2" }
    }
    #[cfg(target_arch = "aarch64")]
    {
        "neon"
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        "scalar"
    }
}

#[cfg(feature = "alloc")]
pub use text::Text;

#[cfg(feature = "alloc")]
mod text {
    extern crate alloc;

    use alloc::string::String;
    use core::{fmt, ops::Deref};

    use bytes::Bytes;

    /// A text message: UTF-8 checked once, shared without copying (a reference-counted
    /// [`Bytes`] slice of the receive buffer) and read as a `str` through `Deref`.
    ///
    /// ```
    /// use fasterapi_websocket::Text;
    ///
    /// let t = Text::from("héllo");
    /// assert_eq!(&*t, "héllo");
    /// assert!(t.starts_with("hé"));
    /// assert!(Text::try_from(bytes::Bytes::from_static(b"\xff")).is_err());
    /// ```
    #[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Text(Bytes);

    impl Text {
        /// The text as a `str`.
        pub fn as_str(&self) -> &str {
            // SAFETY: every constructor of `Text` checks (or, from `str`/`String`, inherits)
            // that the bytes are UTF-8, and `Bytes` never changes its contents.
            unsafe { core::str::from_utf8_unchecked(&self.0) }
        }

        /// The underlying bytes (no copy).
        pub fn into_bytes(self) -> Bytes {
            self.0
        }

        /// The underlying bytes, borrowed.
        pub fn as_bytes(&self) -> &Bytes {
            &self.0
        }
    }

    impl TryFrom<Bytes> for Text {
        /// The bytes back, when they are not UTF-8.
        type Error = Bytes;

        /// Checks the bytes (SIMD UTF-8 validation) and wraps them without a copy.
        fn try_from(b: Bytes) -> Result<Self, Bytes> {
            if simdutf8::basic::from_utf8(&b).is_ok() {
                Ok(Self(b))
            } else {
                Err(b)
            }
        }
    }

    impl From<&str> for Text {
        fn from(s: &str) -> Self {
            Self(Bytes::copy_from_slice(s.as_bytes()))
        }
    }

    impl From<String> for Text {
        fn from(s: String) -> Self {
            Self(Bytes::from(s.into_bytes()))
        }
    }

    impl From<Text> for String {
        fn from(t: Text) -> Self {
            Self::from(t.as_str())
        }
    }

    impl Deref for Text {
        type Target = str;
        fn deref(&self) -> &str {
            self.as_str()
        }
    }

    impl AsRef<str> for Text {
        fn as_ref(&self) -> &str {
            self.as_str()
        }
    }

    impl AsRef<[u8]> for Text {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    impl PartialEq<str> for Text {
        fn eq(&self, other: &str) -> bool {
            self.as_str() == other
        }
    }

    impl PartialEq<&str> for Text {
        fn eq(&self, other: &&str) -> bool {
            self.as_str() == *other
        }
    }

    impl fmt::Debug for Text {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(self.as_str(), f)
        }
    }

    impl fmt::Display for Text {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(self.as_str(), f)
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm_set1_epi32, _mm_storeu_si128, _mm_xor_si128,
        _mm256_loadu_si256, _mm256_set1_epi32, _mm256_storeu_si256, _mm256_xor_si256,
    };

    /// XORs `data` with the already-rotated `m`, 32 bytes per step.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn apply_mask_avx2(data: &mut [u8], m: [u8; 4]) {
        let key = i32::from_ne_bytes(m);
        let v = _mm256_set1_epi32(key);
        let mut chunks = data.chunks_exact_mut(32);
        for c in &mut chunks {
            let p = c.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `c` is 32 valid, writable bytes; loadu/storeu accept any alignment.
            unsafe { _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), v)) };
        }
        // 32 is a multiple of 4, so the phase is unchanged for the rest.
        let rest = chunks.into_remainder();
        // SAFETY: AVX2 implies SSE2.
        unsafe { apply_mask_sse2(rest, m) };
    }

    /// XORs `data` with the already-rotated `m`, 16 bytes per step.
    ///
    /// # Safety
    /// The CPU must support SSE2 (every x86_64 CPU does).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn apply_mask_sse2(data: &mut [u8], m: [u8; 4]) {
        let key = i32::from_ne_bytes(m);
        let v = _mm_set1_epi32(key);
        let mut chunks = data.chunks_exact_mut(16);
        for c in &mut chunks {
            let p = c.as_mut_ptr().cast::<__m128i>();
            // SAFETY: `c` is 16 valid, writable bytes; loadu/storeu accept any alignment.
            unsafe { _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), v)) };
        }
        super::apply_mask_scalar(chunks.into_remainder(), m, 0);
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use core::arch::aarch64::{vdupq_n_u32, veorq_u8, vld1q_u8, vreinterpretq_u8_u32, vst1q_u8};

    /// XORs `data` with the already-rotated `m`, 16 bytes per step.
    ///
    /// # Safety
    /// The CPU must support NEON (every aarch64 CPU does).
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn apply_mask_neon(data: &mut [u8], m: [u8; 4]) {
        let v = vreinterpretq_u8_u32(vdupq_n_u32(u32::from_ne_bytes(m)));
        let mut chunks = data.chunks_exact_mut(16);
        for c in &mut chunks {
            let p = c.as_mut_ptr();
            // SAFETY: `c` is 16 valid, writable bytes; vld1q/vst1q have no alignment needs.
            unsafe { vst1q_u8(p, veorq_u8(vld1q_u8(p), v)) };
        }
        super::apply_mask_scalar(chunks.into_remainder(), m, 0);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use proptest::prelude::*;

    use super::{apply_mask, apply_mask_scalar};

    fn bytewise(data: &mut [u8], mask: [u8; 4], offset: usize) {
        for (i, b) in data.iter_mut().enumerate() {
            *b ^= mask[(offset + i) % 4];
        }
    }

    proptest! {
        #[test]
        fn simd_matches_scalar(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            mask in any::<[u8; 4]>(),
            align in 0usize..64,
            offset in 0usize..8,
        ) {
            // Shift the start by `align` bytes to hit every alignment of the vector loads.
            let mut backing: Vec<u8> = vec![0; align];
            backing.extend_from_slice(&data);
            let mut a = backing.clone();
            let mut b = backing.clone();
            let mut c = backing;
            apply_mask(&mut a[align..], mask, offset);
            apply_mask_scalar(&mut b[align..], mask, offset);
            bytewise(&mut c[align..], mask, offset);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&a, &c);
            // Masking twice is the identity.
            apply_mask(&mut a[align..], mask, offset);
            prop_assert_eq!(&a[align..], &data[..]);
        }

        #[test]
        fn split_masking_matches_whole(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            mask in any::<[u8; 4]>(),
            split in 0usize..300,
        ) {
            let split = split.min(data.len());
            let mut whole = data.clone();
            apply_mask(&mut whole, mask, 0);
            let mut parts = data;
            let (a, b) = parts.split_at_mut(split);
            apply_mask(a, mask, 0);
            apply_mask(b, mask, split);
            prop_assert_eq!(whole, parts);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn every_x86_path_matches_scalar() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for align in 0..33 {
            for offset in 0..4 {
                let mask = [0x12, 0x34, 0x56, 0x78];
                let m = super::rotated(mask, offset);
                let mut want = data[align..].to_vec();
                apply_mask_scalar(&mut want, mask, offset);
                let mut sse = data[align..].to_vec();
                // SAFETY: SSE2 is part of the x86_64 baseline.
                unsafe { super::x86::apply_mask_sse2(&mut sse, m) };
                assert_eq!(sse, want);
                if std::is_x86_feature_detected!("avx2") {
                    let mut avx = data[align..].to_vec();
                    // SAFETY: AVX2 was detected just above.
                    unsafe { super::x86::apply_mask_avx2(&mut avx, m) };
                    assert_eq!(avx, want);
                }
            }
        }
    }
}
