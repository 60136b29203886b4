//! Byte-class scanning: the one place this crate uses `unsafe`.
//!
//! Every hot loop of the parser asks one question: "from offset `from`, where is the first byte
//! that is *not* in this character class?" (the end of a token, of a field value, of a
//! request-target). [`scan`] answers it 16 or 32 bytes at a time with a nibble-table lookup:
//! a byte `b` is in the class iff `lo[b & 15] & hi[b >> 4] != 0`, two shuffles and an AND per
//! vector.
//!
//! Backends, fastest available first:
//! - x86_64: AVX2 (32 bytes), SSSE3 (16 bytes). Under `std` they are chosen at run time with
//!   `is_x86_feature_detected!`; without `std`, at compile time from `target_feature`.
//! - aarch64: NEON (16 bytes; always present on aarch64).
//! - everything else, and every tail shorter than a vector: a 256-entry table, one byte at a time.
//!
//! `tests` compares every backend available on the machine with the scalar twin on random input.
// SIMD intrinsics need `unsafe`; each block carries its SAFETY argument.
#![allow(unsafe_code)]
// Without `std` the backend is fixed at compile time, so the other backends go unused.
#![cfg_attr(not(feature = "std"), allow(dead_code))]

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
mod neon;

#[cfg(test)]
mod tests;

/// A set of bytes, in the two forms the scanners need.
#[derive(Debug)]
pub(crate) struct Class {
    /// `table[b]` is true iff `b` is in the class (scalar twin).
    table: [bool; 256],
    /// Indexed by the low nibble: bit `h` set iff byte `h << 4 | l` is in the class, for h < 8.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    lo: [u8; 16],
    /// Indexed by the high nibble: `1 << h` for h < 8; 0xFF (or 0) for h ≥ 8 when non-ASCII
    /// bytes are (or are not) in the class.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    hi: [u8; 16],
}

impl Class {
    /// Builds a class from a predicate over ASCII bytes and a flag for bytes 0x80..=0xFF.
    ///
    /// Panics at compile time if `high` is set and some low nibble has no ASCII member (the
    /// 0xFF high-nibble mask would then reject those high bytes).
    pub(crate) const fn new(ascii: &[u8], high: bool) -> Self {
        let mut table = [false; 256];
        let mut lo = [0u8; 16];
        let mut i = 0;
        while i < ascii.len() {
            let b = ascii[i];
            assert!(b < 0x80, "ASCII members only");
            table[b as usize] = true;
            lo[(b & 15) as usize] |= 1 << (b >> 4);
            i += 1;
        }
        let mut hi = [0u8; 16];
        let mut h = 0;
        while h < 16 {
            hi[h] = if h < 8 {
                1 << h
            } else if high {
                0xFF
            } else {
                0
            };
            h += 1;
        }
        if high {
            let mut b = 0x80;
            while b < 256 {
                table[b] = true;
                b += 1;
            }
            let mut l = 0;
            while l < 16 {
                assert!(lo[l] != 0, "a class with non-ASCII needs every low nibble");
                l += 1;
            }
        }
        Self { table, lo, hi }
    }

    /// Whether `b` is in the class.
    #[inline(always)]
    pub(crate) const fn contains(&self, b: u8) -> bool {
        self.table[b as usize]
    }
}

/// The offset of the first byte at or after `from` that is not in `class`, or `buf.len()`.
#[inline]
pub(crate) fn scan(class: &Class, buf: &[u8], from: usize) -> usize {
    if buf.len() >= from + 16 {
        return vector(class, buf, from);
    }
    scalar(class, buf, from)
}

/// The scalar twin: one table lookup per byte.
#[inline]
pub(crate) fn scalar(class: &Class, buf: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < buf.len() {
        if !class.contains(buf[i]) {
            return i;
        }
        i += 1;
    }
    buf.len()
}

/// Runs the best vector backend from `from` (requires `buf.len() >= 16`, `from < buf.len()`):
/// the offset of the first byte not in the class, or `buf.len()`.
#[inline]
fn vector(class: &Class, buf: &[u8], from: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { x86::scan_avx2(class, buf, from) };
        }
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU supports SSSE3 (checked just above).
            return unsafe { x86::scan_ssse3(class, buf, from) };
        }
        #[allow(clippy::needless_return)] // reason: other cfg branches follow
        return scalar(class, buf, from);
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std"), target_feature = "avx2"))]
    {
        // SAFETY: the crate is compiled for a CPU with AVX2 (`target_feature = "avx2"`).
        return unsafe { x86::scan_avx2(class, buf, from) };
    }
    #[cfg(all(
        target_arch = "x86_64",
        not(feature = "std"),
        not(target_feature = "avx2"),
        target_feature = "ssse3"
    ))]
    {
        // SAFETY: the crate is compiled for a CPU with SSSE3 (`target_feature = "ssse3"`).
        return unsafe { x86::scan_ssse3(class, buf, from) };
    }
    #[cfg(target_arch = "aarch64")]
    {
        return neon::scan(class, buf, from);
    }
    #[allow(unreachable_code)] // reason: reached only on targets without a vector backend
    {
        scalar(class, buf, from)
    }
}

/// A scanning backend, chosen once per parse call by [`dispatch`] so the parser's loop is
/// compiled with the backend inlined.
pub(crate) trait Scanner: Copy {
    /// Same contract as [`scan`].
    fn scan(self, class: &Class, buf: &[u8], from: usize) -> usize;
}

/// Work that runs with the best [`Scanner`] (see [`dispatch`]).
pub(crate) trait WithScanner {
    /// What the work returns.
    type Output;
    /// Runs the work. Implementations should be `#[inline(always)]`, so that they are compiled
    /// inside the target-feature wrapper that calls them.
    fn run<S: Scanner>(self, scanner: S) -> Self::Output;
}

/// The table-driven backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scalar;

impl Scanner for Scalar {
    #[inline(always)]
    fn scan(self, class: &Class, buf: &[u8], from: usize) -> usize {
        scalar(class, buf, from)
    }
}

/// The AVX2 backend. A value exists only where AVX2 is available: built by [`dispatch`] after
/// run-time detection, or at compile time when `target_feature = "avx2"`.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2 {
    _private: (),
}

#[cfg(target_arch = "x86_64")]
impl Scanner for Avx2 {
    #[inline(always)]
    fn scan(self, class: &Class, buf: &[u8], from: usize) -> usize {
        if buf.len() >= from + 16 {
            // SAFETY: an `Avx2` value exists only where AVX2 is available (see the type docs).
            return unsafe { x86::scan_avx2(class, buf, from) };
        }
        scalar(class, buf, from)
    }
}

/// The SSSE3 backend; a value exists only where SSSE3 is available, as for [`Avx2`].
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ssse3 {
    _private: (),
}

#[cfg(target_arch = "x86_64")]
impl Scanner for Ssse3 {
    #[inline(always)]
    fn scan(self, class: &Class, buf: &[u8], from: usize) -> usize {
        if buf.len() >= from + 16 {
            // SAFETY: an `Ssse3` value exists only where SSSE3 is available (see the type docs).
            return unsafe { x86::scan_ssse3(class, buf, from) };
        }
        scalar(class, buf, from)
    }
}

/// The NEON backend (always available on aarch64).
#[cfg(target_arch = "aarch64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Neon;

#[cfg(target_arch = "aarch64")]
impl Scanner for Neon {
    #[inline(always)]
    fn scan(self, class: &Class, buf: &[u8], from: usize) -> usize {
        if buf.len() >= from + 16 {
            return neon::scan(class, buf, from);
        }
        scalar(class, buf, from)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<W: WithScanner>(work: W) -> W::Output {
    work.run(Avx2 { _private: () })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
fn run_ssse3<W: WithScanner>(work: W) -> W::Output {
    work.run(Ssse3 { _private: () })
}

/// Runs `work` with the best backend for this CPU (run-time detection under `std`, compile-time
/// choice otherwise), inside a function compiled for that backend's target features.
#[inline]
pub(crate) fn dispatch<W: WithScanner>(work: W) -> W::Output {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { run_avx2(work) };
        }
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU supports SSSE3 (checked just above).
            return unsafe { run_ssse3(work) };
        }
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std"), target_feature = "avx2"))]
    {
        // SAFETY: the crate is compiled for a CPU with AVX2 (`target_feature = "avx2"`).
        return unsafe { run_avx2(work) };
    }
    #[cfg(all(
        target_arch = "x86_64",
        not(feature = "std"),
        not(target_feature = "avx2"),
        target_feature = "ssse3"
    ))]
    {
        // SAFETY: the crate is compiled for a CPU with SSSE3 (`target_feature = "ssse3"`).
        return unsafe { run_ssse3(work) };
    }
    #[cfg(target_arch = "aarch64")]
    {
        return work.run(Neon);
    }
    #[allow(unreachable_code)] // reason: reached only without a vector backend
    work.run(Scalar)
}

/// A scanner with the signature of [`scan`].
#[cfg(test)]
pub(crate) type ScanFn = fn(&Class, &[u8], usize) -> usize;

/// Every backend this machine can run, by name, for the comparison test.
#[cfg(test)]
pub(crate) fn backends() -> impl Iterator<Item = (&'static str, ScanFn)> {
    let mut list: [(&'static str, Option<ScanFn>); 3] =
        [("dispatch", Some(scan)), ("avx2", None), ("ssse3", None)];
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            list[1].1 = Some(|c, b, f| {
                if b.len() >= 16 && f < b.len() {
                    // SAFETY: AVX2 support was checked when this entry was built.
                    return unsafe { x86::scan_avx2(c, b, f) };
                }
                scalar(c, b, f)
            });
        }
        if std::is_x86_feature_detected!("ssse3") {
            list[2].1 = Some(|c, b, f| {
                if b.len() >= 16 && f < b.len() {
                    // SAFETY: SSSE3 support was checked when this entry was built.
                    return unsafe { x86::scan_ssse3(c, b, f) };
                }
                scalar(c, b, f)
            });
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        list[1] = (
            "neon",
            Some(|c, b, f| {
                if b.len() >= 16 && f < b.len() {
                    neon::scan(c, b, f)
                } else {
                    scalar(c, b, f)
                }
            }),
        );
    }
    list.into_iter()
        .filter_map(|(name, f)| f.map(|f| (name, f)))
}
