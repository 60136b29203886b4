//! Prefix integers (RFC 7541 §5.1).

use crate::Error;

/// Decodes an integer with an `n`-bit prefix (1..=8) from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` ends before the integer does, `Ok(Some((value, len)))`
/// otherwise. Values above `u32::MAX`, and encodings with more continuation octets than a 32-bit
/// value needs (a run of `0x80` padding), are [`Error::IntegerOverflow`] (RFC 7541 §5.1: "integer
/// values that exceed implementation limits ... MUST be treated as a decoding error").
#[inline]
pub(crate) fn decode(buf: &[u8], n: u32) -> Result<Option<(u32, usize)>, Error> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let max_prefix = (1u32 << n) - 1;
    let prefix = first as u32 & max_prefix;
    if prefix < max_prefix {
        return Ok(Some((prefix, 1)));
    }
    let mut value = max_prefix as u64;
    let mut shift = 0u32;
    let mut i = 1;
    loop {
        let Some(&b) = buf.get(i) else {
            return Ok(None);
        };
        i += 1;
        // A 32-bit value needs at most 5 continuation octets (7 bits each).
        if shift > 28 {
            return Err(Error::IntegerOverflow);
        }
        value += ((b & 0x7f) as u64) << shift;
        if value > u32::MAX as u64 {
            return Err(Error::IntegerOverflow);
        }
        shift += 7;
        if b & 0x80 == 0 {
            return Ok(Some((value as u32, i)));
        }
    }
}

/// The encoded length of `value` with an `n`-bit prefix.
#[inline]
pub(crate) fn encoded_len(value: usize, n: u32) -> usize {
    let max_prefix = (1usize << n) - 1;
    if value < max_prefix {
        return 1;
    }
    let mut v = value - max_prefix;
    let mut len = 2;
    while v >= 128 {
        v >>= 7;
        len += 1;
    }
    len
}

/// Encodes `value` with an `n`-bit prefix into `out`, or-ing `flags` into the first octet.
/// `out` must hold [`encoded_len`] octets. Returns the length written.
#[inline]
pub(crate) fn encode(value: usize, n: u32, flags: u8, out: &mut [u8]) -> usize {
    let max_prefix = (1usize << n) - 1;
    if value < max_prefix {
        out[0] = flags | value as u8;
        return 1;
    }
    out[0] = flags | max_prefix as u8;
    let mut v = value - max_prefix;
    let mut i = 1;
    while v >= 128 {
        out[i] = (v as u8 & 0x7f) | 0x80;
        v >>= 7;
        i += 1;
    }
    out[i] = v as u8;
    i + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7541_c1_examples() {
        // C.1.1: 10 with a 5-bit prefix.
        let mut b = [0u8; 8];
        assert_eq!(encode(10, 5, 0, &mut b), 1);
        assert_eq!(b[0], 0b01010);
        assert_eq!(decode(&[0b01010], 5), Ok(Some((10, 1))));
        // C.1.2: 1337 with a 5-bit prefix.
        assert_eq!(encode(1337, 5, 0, &mut b), 3);
        assert_eq!(&b[..3], &[31, 154, 10]);
        assert_eq!(decode(&[31, 154, 10], 5), Ok(Some((1337, 3))));
        assert_eq!(encoded_len(1337, 5), 3);
        // C.1.3: 42 at an octet boundary.
        assert_eq!(encode(42, 8, 0, &mut b), 1);
        assert_eq!(decode(&[42], 8), Ok(Some((42, 1))));
    }

    #[test]
    fn partial_and_overflow() {
        assert_eq!(decode(&[31, 154], 5), Ok(None));
        assert_eq!(decode(&[], 5), Ok(None));
        // u32::MAX fits; one more overflows.
        let mut b = [0u8; 8];
        let n = encode(u32::MAX as usize, 7, 0, &mut b);
        assert_eq!(decode(&b[..n], 7), Ok(Some((u32::MAX, n))));
        let n = encode(u32::MAX as usize + 1, 7, 0, &mut b);
        assert_eq!(decode(&b[..n], 7), Err(Error::IntegerOverflow));
        // Endless continuation octets are rejected after five.
        assert_eq!(
            decode(&[0x7f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0], 7),
            Err(Error::IntegerOverflow)
        );
    }

    #[test]
    fn roundtrip_all_prefixes() {
        let mut b = [0u8; 8];
        for n in 1..=8 {
            for v in [
                0usize,
                1,
                30,
                31,
                126,
                127,
                128,
                255,
                256,
                1337,
                65535,
                1 << 20,
                u32::MAX as usize,
            ] {
                let len = encode(v, n, 0, &mut b);
                assert_eq!(len, encoded_len(v, n));
                assert_eq!(
                    decode(&b[..len], n),
                    Ok(Some((v as u32, len))),
                    "v={v} n={n}"
                );
            }
        }
    }
}
