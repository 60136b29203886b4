//! The HPACK Huffman code (RFC 7541 §5.2, Appendix B), public so QPACK (RFC 9204 §4.1.2) reuses it.
//!
//! - [`encode`] / [`encoded_len`]: a 64-bit bit accumulator flushed 32 bits at a time.
//! - [`decode`]: table-driven, 12 bits at a time. A 4096-entry table built at compile time by a
//!   `const fn` from the code list maps the next 12 input bits to up to two whole symbols (the
//!   common 5–7-bit codes of header text decode two per lookup); the rare codes longer than 12 bits
//!   fall back to a canonical-code search by length. Padding is checked exactly: at most 7 bits,
//!   all ones (the most significant bits of EOS), and an EOS symbol in the data is an error
//!   (RFC 7541 §5.2).

mod codes;
#[cfg(test)]
mod tests;

use core::fmt;

use codes::CODES;

/// Why a Huffman string could not be decoded (or encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HuffmanError {
    /// The string contains the EOS symbol (RFC 7541 §5.2: MUST be treated as a decoding error).
    Eos,
    /// More than 7 bits of padding (RFC 7541 §5.2: MUST be treated as a decoding error).
    PaddingTooLong,
    /// Padding that is not the most significant bits of EOS, i.e. not all ones (RFC 7541 §5.2).
    InvalidPadding,
    /// The output buffer is full.
    OutputFull,
}

impl fmt::Display for HuffmanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eos => "EOS symbol in a Huffman-coded string",
            Self::PaddingTooLong => "Huffman padding longer than 7 bits",
            Self::InvalidPadding => "Huffman padding is not the most significant bits of EOS",
            Self::OutputFull => "output buffer too small for the Huffman string",
        })
    }
}

impl core::error::Error for HuffmanError {}

/// Bits looked up at once by the decoder.
const PEEK: u32 = 12;

/// Bit lengths of the 256 octet codes.
const LENS: [u8; 256] = {
    let mut l = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        l[i] = CODES[i].1;
        i += 1;
    }
    l
};

/// Decode table entry layout: bits 0..5 total bits consumed, 5..7 number of symbols (0 = the
/// first code is longer than [`PEEK`] bits), 8..13 length of the first code, 16..24 first symbol,
/// 24..32 second symbol.
static DECODE: [u32; 1 << PEEK] = build_decode_table();

const fn build_decode_table() -> [u32; 1 << PEEK] {
    let mut t = [0u32; 1 << PEEK];
    let mut s = 0;
    while s < 256 {
        let (code, len) = CODES[s];
        let len = len as u32;
        if len <= PEEK {
            let shift = PEEK - len;
            let mut i = (code << shift) as usize;
            let end = ((code + 1) << shift) as usize;
            while i < end {
                t[i] = len | (1 << 5) | (len << 8) | ((s as u32) << 16);
                i += 1;
            }
        }
        s += 1;
    }
    let first = t;
    let mut i = 0;
    while i < (1 << PEEK) {
        let e = first[i];
        if e != 0 {
            let len0 = e & 31;
            let j = (i << len0) & ((1 << PEEK) - 1);
            let e2 = first[j];
            if e2 != 0 && (e2 & 31) <= PEEK - len0 {
                let len1 = e2 & 31;
                t[i] =
                    (len0 + len1) | (2 << 5) | (len0 << 8) | (e & 0x00ff_0000) | ((e2 >> 16) << 24);
            }
        }
        i += 1;
    }
    t
}

/// Canonical-code tables for the long-code fallback: per length, the first code, the number of
/// codes and their offset into [`BY_LEN`]. The build fails if the code is not canonical.
struct Canonical {
    first: [u32; 31],
    count: [u32; 31],
    offset: [u32; 31],
    by_len: [u16; 257],
}

const CANON: Canonical = {
    let mut c = Canonical {
        first: [0; 31],
        count: [0; 31],
        offset: [0; 31],
        by_len: [0; 257],
    };
    let mut n = 0usize;
    let mut len = 1u32;
    while len <= 30 {
        c.offset[len as usize] = n as u32;
        let mut s = 0;
        while s < 257 {
            if CODES[s].1 as u32 == len {
                if c.count[len as usize] == 0 {
                    c.first[len as usize] = CODES[s].0;
                } else {
                    // Canonical: codes of one length are consecutive in symbol order.
                    assert!(CODES[s].0 == c.first[len as usize] + c.count[len as usize]);
                }
                c.count[len as usize] += 1;
                c.by_len[n] = s as u16;
                n += 1;
            }
            s += 1;
        }
        len += 1;
    }
    assert!(n == 257);
    c
};

/// Decodes the code at the top of a 30-bit window whose first code is longer than [`PEEK`] bits.
/// Returns `(symbol, length)`; symbol 256 is EOS.
#[inline(never)]
fn decode_long(w30: u32) -> (u16, u32) {
    let mut len = PEEK + 1;
    while len <= 30 {
        let c = w30 >> (30 - len);
        let k = c.wrapping_sub(CANON.first[len as usize]);
        if k < CANON.count[len as usize] {
            return (CANON.by_len[(CANON.offset[len as usize] + k) as usize], len);
        }
        len += 1;
    }
    // The code is complete (every 30-bit window starts with a code), so this is unreachable;
    // all ones is EOS.
    (256, 30)
}

/// The length in octets of `src` Huffman-coded (with its padding).
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src.iter().map(|&b| LENS[b as usize] as usize).sum();
    bits.div_ceil(8)
}

/// Huffman-codes `src` into `dst`, padding the last octet with the most significant bits of EOS.
/// Returns the number of octets written ([`encoded_len`]), or [`HuffmanError::OutputFull`]
/// (nothing meaningful written) when `dst` is shorter.
pub fn encode(src: &[u8], dst: &mut [u8]) -> Result<usize, HuffmanError> {
    encode_within(src, dst).ok_or(HuffmanError::OutputFull)
}

/// [`encode`] in one pass: `None` as soon as the output is known not to fit in `dst`. The
/// encoder uses it with `dst` as long as the raw string to learn "Huffman is not longer" and
/// write the code at once, without a separate [`encoded_len`] pass.
#[inline]
pub(crate) fn encode_within(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    // A 64-bit accumulator: after a flush fewer than 32 bits are pending, so one more code (at
    // most 30 bits) always fits.
    let mut acc: u64 = 0;
    let mut n: u32 = 0;
    let mut o = 0;
    for &b in src {
        let e = ENCODE[b as usize];
        let len = e as u32 & 0xff;
        acc = (acc << len) | (e >> 8);
        n += len;
        if n >= 32 {
            n -= 32;
            // 32 more output bits: the output is at least o + 4 octets long.
            dst.get_mut(o..o + 4)?
                .copy_from_slice(&((acc >> n) as u32).to_be_bytes());
            o += 4;
        }
    }
    let tail = dst.get_mut(o..o + n.div_ceil(8) as usize)?;
    let mut k = 0;
    while n >= 8 {
        n -= 8;
        tail[k] = (acc >> n) as u8;
        k += 1;
    }
    if n > 0 {
        tail[k] = ((acc << (8 - n)) as u8) | (0xff >> n);
        k += 1;
    }
    Some(o + k)
}

/// Per octet: `code << 8 | bit length`.
static ENCODE: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ((CODES[i].0 as u64) << 8) | CODES[i].1 as u64;
        i += 1;
    }
    t
};

/// Decodes the Huffman-coded `src` into `dst`; returns the number of octets written.
///
/// Errors: [`HuffmanError::Eos`], [`HuffmanError::PaddingTooLong`],
/// [`HuffmanError::InvalidPadding`] (RFC 7541 §5.2), and [`HuffmanError::OutputFull`] when the
/// decoded string does not fit in `dst` (so `dst` doubles as an output limit).
pub fn decode(src: &[u8], dst: &mut [u8]) -> Result<usize, HuffmanError> {
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut i = 0;
    let mut o = 0;
    // Fast path: 32 input bits per refill, two table lookups (up to four symbols) per round.
    while i + 4 <= src.len() && o + 4 <= dst.len() {
        if nbits < 32 {
            let word = u32::from_be_bytes([src[i], src[i + 1], src[i + 2], src[i + 3]]);
            acc = (acc << 32) | word as u64;
            nbits += 32;
            i += 4;
        }
        let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
        if e & (3 << 5) == 0 {
            break;
        }
        dst[o] = (e >> 16) as u8;
        dst[o + 1] = (e >> 24) as u8;
        o += ((e >> 5) & 3) as usize;
        nbits -= e & 31;
        let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
        if e & (3 << 5) == 0 {
            break;
        }
        dst[o] = (e >> 16) as u8;
        dst[o + 1] = (e >> 24) as u8;
        o += ((e >> 5) & 3) as usize;
        nbits -= e & 31;
    }
    // General path: one symbol at a time, long codes, the end of input and the padding rules.
    loop {
        while nbits <= 56 && i < src.len() {
            acc = (acc << 8) | src[i] as u64;
            nbits += 8;
            i += 1;
        }
        if nbits >= PEEK && o + 2 <= dst.len() {
            let e = DECODE[((acc >> (nbits - PEEK)) & ((1 << PEEK) - 1)) as usize];
            if e & (3 << 5) != 0 {
                dst[o] = (e >> 16) as u8;
                dst[o + 1] = (e >> 24) as u8;
                o += ((e >> 5) & 3) as usize;
                nbits -= e & 31;
                continue;
            }
        }
        if nbits == 0 {
            return Ok(o);
        }
        // One symbol: a long code, the last bits, or the last octets of `dst`.
        // The next 30 bits, padded with ones past the end of the input.
        let w30 = if nbits >= 30 {
            (acc >> (nbits - 30)) as u32 & 0x3fff_ffff
        } else {
            ((acc << (30 - nbits)) as u32 | ((1u32 << (30 - nbits)) - 1)) & 0x3fff_ffff
        };
        let e = DECODE[(w30 >> (30 - PEEK)) as usize];
        let (sym, len) = if e & (3 << 5) != 0 {
            ((e >> 16) as u16 & 0xff, (e >> 8) & 31)
        } else {
            decode_long(w30)
        };
        if len > nbits {
            // Only fewer than 30 bits remain, so the input is exhausted: what is left is padding.
            if nbits > 7 {
                return Err(HuffmanError::PaddingTooLong);
            }
            let mask = (1u64 << nbits) - 1;
            if acc & mask != mask {
                return Err(HuffmanError::InvalidPadding);
            }
            return Ok(o);
        }
        if sym == 256 {
            return Err(HuffmanError::Eos);
        }
        if o >= dst.len() {
            return Err(HuffmanError::OutputFull);
        }
        dst[o] = sym as u8;
        o += 1;
        nbits -= len;
    }
}

/// Huffman-codes `src`, appending to `dst`.
#[cfg(feature = "alloc")]
pub fn encode_to_vec(src: &[u8], dst: &mut alloc::vec::Vec<u8>) {
    let start = dst.len();
    dst.resize(start + encoded_len(src), 0);
    let n = encode(src, &mut dst[start..]).expect("sized by encoded_len");
    dst.truncate(start + n);
}

/// Decodes the Huffman-coded `src`, appending to `dst`.
#[cfg(feature = "alloc")]
pub fn decode_to_vec(src: &[u8], dst: &mut alloc::vec::Vec<u8>) -> Result<(), HuffmanError> {
    let start = dst.len();
    // The shortest code is 5 bits: at most 8/5 octets out per octet in.
    dst.resize(start + src.len() * 8 / 5 + 1, 0);
    match decode(src, &mut dst[start..]) {
        Ok(n) => {
            dst.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            dst.truncate(start);
            Err(e)
        }
    }
}
