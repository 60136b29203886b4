//! The HPACK Huffman code (RFC 7541 §5.2, Appendix B), public so QPACK (RFC 9204 §4.1.2) reuses it.
//!
//! - [`encode`] / [`encoded_len`]: a 64-bit bit accumulator flushed 32 bits at a time.
//! - [`decode`]: table-driven, 13 bits at a time. An 8,192-entry table (32 KiB) built at compile
//!   time by a `const fn` from the code list maps the next 13 input bits to up to two whole
//!   symbols (header text's common 5–8-bit codes decode two per lookup). The input is read 64 bits
//!   at a time (one unaligned big-endian load per refill, the tail with overlapping loads), and
//!   with at least 56 bits buffered four lookups run without any check, their symbols gathered in
//!   one 8-octet store. The rare codes longer than 13 bits fall back to a canonical-code search by
//!   length. Padding is checked exactly: at most 7 bits, all ones (the most significant bits of
//!   EOS), and an EOS symbol in the data is an error (RFC 7541 §5.2).

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
const PEEK: u32 = 13;

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

/// Decode table entry layout: bits 0..6 total bits consumed, 6..8 number of symbols (0 = the
/// first code is longer than [`PEEK`] bits), 8..13 length of the first code, 16..24 first symbol,
/// 24..32 second symbol (0 when there is one).
static DECODE: [u32; 1 << PEEK] = build_decode_table();

const fn build_decode_table() -> [u32; 1 << PEEK] {
    let mut t = [0u32; 1 << PEEK];
    let mut s = 0;
    while s < 256 {
        let (code, len) = CODES[s];
        let len = len as u32;
        // `decode` takes up to 7 trailing ones for padding without a lookup: no such code exists.
        assert!(len > 7 || code != (1 << len) - 1);
        if len <= PEEK {
            let shift = PEEK - len;
            let mut i = (code << shift) as usize;
            let end = ((code + 1) << shift) as usize;
            while i < end {
                t[i] = len | (1 << 6) | (len << 8) | ((s as u32) << 16);
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
            let len0 = e & 63;
            let j = (i << len0) & ((1 << PEEK) - 1);
            let e2 = first[j];
            if e2 != 0 && (e2 & 63) <= PEEK - len0 {
                let len1 = e2 & 63;
                t[i] =
                    (len0 + len1) | (2 << 6) | (len0 << 8) | (e & 0x00ff_0000) | ((e2 >> 16) << 24);
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
    // The next input bits, most significant first: the top `nbits` are unread input. The bits
    // below them may already hold the following input octets (a refill reads whole words and
    // counts only the octets that fit); later refills OR the same octets onto the same places.
    let mut bits: u64 = 0;
    let mut nbits: u32 = 0;
    let mut i = 0;
    let mut o = 0;
    loop {
        // Refill to at least 56 bits, or to the end of the input.
        if i + 8 <= src.len() {
            let w = u64::from_be_bytes(src[i..i + 8].try_into().expect("8 octets"));
            bits |= w >> nbits;
            let k = (63 - nbits) >> 3;
            i += k as usize;
            nbits += k << 3;
        } else if i < src.len() {
            let rest = src.len() - i;
            let w = if src.len() >= 8 {
                // The last 8 octets, shifted so that the unread ones come first.
                u64::from_be_bytes(src[src.len() - 8..].try_into().expect("8 octets"))
                    << ((8 - rest) << 3)
            } else {
                // The whole input is 1..=7 octets (so `i` is 0): overlapping loads, no copy.
                let be4 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64;
                if rest >= 4 {
                    (be4(src) << 32) | (be4(&src[rest - 4..]) << (64 - 8 * rest))
                } else {
                    ((src[0] as u64) << 56)
                        | ((src[rest / 2] as u64) << (56 - 8 * (rest / 2)))
                        | ((src[rest - 1] as u64) << (56 - 8 * (rest - 1)))
                }
            };
            bits |= w >> nbits;
            let k = (((63 - nbits) >> 3) as usize).min(rest);
            i += k;
            nbits += (k as u32) << 3;
        }
        // Fast: with at least 56 input bits, four lookups of up to two symbols each need no
        // checks: a long code's entry is 0 and makes no progress (caught after the four). The
        // symbols gather in a word written at once (a one-symbol entry's second octet is 0;
        // before the fourth lookup at most six symbols are in, so every pair fits the word).
        if nbits >= 56 {
            if let Some(out) = dst.get_mut(o..o + 8) {
                let mut word = 0u64;
                let mut j = 0u32;
                for _ in 0..4 {
                    let e = DECODE[(bits >> (64 - PEEK)) as usize];
                    word |= ((e >> 16) as u64) << (j << 3);
                    j += (e >> 6) & 3;
                    bits <<= e & 63;
                    nbits -= e & 63;
                }
                out.copy_from_slice(&word.to_le_bytes());
                o += j as usize;
                if DECODE[(bits >> (64 - PEEK)) as usize] & (3 << 6) != 0 {
                    continue;
                }
            }
        }
        // Checked lookups: the end of the input (an entry must not reach past `nbits`; when the
        // first of its two symbols does, that one is taken) or the last octets of `dst`.
        loop {
            let e = DECODE[(bits >> (64 - PEEK)) as usize];
            if e & (3 << 6) == 0 {
                break;
            }
            let c = if e & 63 <= nbits {
                e & 63
            } else if (e >> 8) & 31 <= nbits {
                // Only the first symbol: write it alone so `OutputFull` stays exact.
                let Some(out) = dst.get_mut(o) else {
                    break;
                };
                *out = (e >> 16) as u8;
                o += 1;
                bits <<= (e >> 8) & 31;
                nbits -= (e >> 8) & 31;
                continue;
            } else {
                break;
            };
            let Some(out) = dst.get_mut(o..o + 2) else {
                break;
            };
            out.copy_from_slice(&((e >> 16) as u16).to_le_bytes());
            o += ((e >> 6) & 3) as usize;
            bits <<= c;
            nbits -= c;
        }
        // Slow: one symbol (a code longer than PEEK bits, the last bits of the input, or the
        // last octets of `dst`), with the padding rules at the end.
        if nbits < 30 && i < src.len() {
            // A long code after some lookups: refill first.
            continue;
        }
        if nbits == 0 {
            return Ok(o);
        }
        // The next bits with ones past the end of the input (EOS's prefix).
        let win = bits | (u64::MAX >> nbits);
        if nbits <= 7 && win == u64::MAX {
            // Only padding is left: up to 7 ones (no code of 7 bits or fewer is all ones).
            return Ok(o);
        }
        let e = DECODE[(win >> (64 - PEEK)) as usize];
        let (sym, len) = if e & (3 << 6) != 0 {
            ((e >> 16) as u16 & 0xff, (e >> 8) & 31)
        } else {
            decode_long((win >> 34) as u32)
        };
        if len > nbits {
            // Fewer than 30 bits remain, so the input is exhausted: what is left is padding.
            if nbits > 7 {
                return Err(HuffmanError::PaddingTooLong);
            }
            if win != u64::MAX {
                return Err(HuffmanError::InvalidPadding);
            }
            return Ok(o);
        }
        if sym == 256 {
            return Err(HuffmanError::Eos);
        }
        let Some(slot) = dst.get_mut(o) else {
            return Err(HuffmanError::OutputFull);
        };
        *slot = sym as u8;
        o += 1;
        bits <<= len;
        nbits -= len;
    }
}

/// A resumable check of a Huffman-coded string that decodes nothing: fed the string's octets in
/// any number of pieces, it finds the errors [`decode`] finds — an EOS symbol, padding longer
/// than 7 bits, padding that is not all ones (RFC 7541 §5.2) — without an output buffer. The
/// decoder uses it for strings it skips while discarding an oversized header list, which may
/// straddle fragments and be longer than any buffer. One bit at a time over the canonical code
/// (the rejection path, not the fast one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Check {
    /// The bits of the code read so far, and how many.
    code: u32,
    len: u32,
}

impl Check {
    /// Reads the next octets of the string.
    pub(crate) fn feed(&mut self, src: &[u8]) -> Result<(), HuffmanError> {
        for &b in src {
            for shift in (0..8).rev() {
                self.code = (self.code << 1) | u32::from((b >> shift) & 1);
                self.len += 1;
                let l = self.len as usize;
                // Canonical code: the codes of one length are the smallest values of that
                // length, so a prefix of a longer code is never below `first + count`. Every
                // 30-bit sequence starts with a code, so `l` stays within the tables.
                let k = self.code.wrapping_sub(CANON.first[l]);
                if k < CANON.count[l] {
                    if CANON.by_len[(CANON.offset[l] + k) as usize] == 256 {
                        return Err(HuffmanError::Eos);
                    }
                    self.code = 0;
                    self.len = 0;
                }
            }
        }
        Ok(())
    }

    /// The string ended: what is left must be padding (at most 7 bits, all ones).
    pub(crate) fn finish(self) -> Result<(), HuffmanError> {
        if self.len > 7 {
            Err(HuffmanError::PaddingTooLong)
        } else if self.code != (1 << self.len) - 1 {
            Err(HuffmanError::InvalidPadding)
        } else {
            Ok(())
        }
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
