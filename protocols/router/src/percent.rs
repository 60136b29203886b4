//! Percent-decoding (RFC 3986 §2.1) for parameter values.
//!
//! The router matches the path as it arrives, still percent-encoded: `/files/a%2Fb` is one
//! segment, `a%2Fb`, and a parameter's value is that slice. Decode values you need decoded with
//! [`decode`] (allocates only when there is a `%`) or [`decode_into`] (no allocation). `+` is left
//! alone: it means a space only in form bodies and query strings, not in paths.

#[cfg(feature = "alloc")]
use alloc::{borrow::Cow, string::String};
use core::fmt;

/// Why a value could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A `%` not followed by two hex digits, at this byte offset of the input.
    InvalidEscape {
        /// Offset of the `%`.
        at: usize,
    },
    /// The decoded bytes are not UTF-8 (only [`decode`] checks this).
    NotUtf8,
    /// The output buffer is shorter than the decoded value.
    BufferTooSmall,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidEscape { at } => {
                write!(f, "`%` at byte {at} is not followed by two hex digits")
            }
            DecodeError::NotUtf8 => f.write_str("the decoded value is not UTF-8"),
            DecodeError::BufferTooSmall => f.write_str("the output buffer is too small"),
        }
    }
}

impl core::error::Error for DecodeError {}

#[inline]
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `input` into `out` and returns the decoded bytes (a prefix of `out`). The decoded value
/// is never longer than `input`, so an `out` as long as `input` always suffices. No allocation.
///
/// ```
/// use fasterapi_router::percent::decode_into;
/// let mut buf = [0u8; 16];
/// assert_eq!(decode_into(b"a%2Fb%20c", &mut buf), Ok(&b"a/b c"[..]));
/// assert!(decode_into(b"100%", &mut buf).is_err());
/// ```
pub fn decode_into<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], DecodeError> {
    let mut i = 0;
    let mut n = 0;
    while i < input.len() {
        let b = match input[i] {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex);
                let lo = input.get(i + 2).copied().and_then(hex);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(DecodeError::InvalidEscape { at: i });
                };
                i += 3;
                hi << 4 | lo
            }
            b => {
                i += 1;
                b
            }
        };
        *out.get_mut(n).ok_or(DecodeError::BufferTooSmall)? = b;
        n += 1;
    }
    Ok(&out[..n])
}

/// Decodes `input` to UTF-8 text: borrowed when it holds no `%`, owned otherwise.
///
/// ```
/// use fasterapi_router::percent::decode;
/// assert_eq!(decode("caf%C3%A9").unwrap(), "café");
/// assert!(matches!(decode("plain").unwrap(), std::borrow::Cow::Borrowed("plain")));
/// assert!(decode("%FF").is_err()); // not UTF-8
/// ```
#[cfg(feature = "alloc")]
pub fn decode(input: &str) -> Result<Cow<'_, str>, DecodeError> {
    if !input.as_bytes().contains(&b'%') {
        return Ok(Cow::Borrowed(input));
    }
    let mut out = alloc::vec![0u8; input.len()];
    let n = decode_into(input.as_bytes(), &mut out)?.len();
    out.truncate(n);
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| DecodeError::NotUtf8)
}

/// Decodes `input` to bytes (no UTF-8 check): borrowed when it holds no `%`.
#[cfg(feature = "alloc")]
pub fn decode_bytes(input: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    if !input.contains(&b'%') {
        return Ok(Cow::Borrowed(input));
    }
    let mut out = alloc::vec![0u8; input.len()];
    let n = decode_into(input, &mut out)?.len();
    out.truncate(n);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut buf = [0u8; 32];
        assert_eq!(decode_into(b"", &mut buf), Ok(&b""[..]));
        assert_eq!(decode_into(b"%41%62%2f%2F+", &mut buf), Ok(&b"Ab//+"[..]));
        assert_eq!(
            decode_into(b"%", &mut buf),
            Err(DecodeError::InvalidEscape { at: 0 })
        );
        assert_eq!(
            decode_into(b"ab%4", &mut buf),
            Err(DecodeError::InvalidEscape { at: 2 })
        );
        assert_eq!(
            decode_into(b"%g0", &mut buf),
            Err(DecodeError::InvalidEscape { at: 0 })
        );
        assert_eq!(
            decode_into(b"abc", &mut buf[..2]),
            Err(DecodeError::BufferTooSmall)
        );
        assert_eq!(decode_into(b"%41bc", &mut buf[..3]), Ok(&b"Abc"[..]));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn cows() {
        assert!(matches!(decode("a/b"), Ok(Cow::Borrowed("a/b"))));
        assert_eq!(decode("%E2%82%AC").unwrap(), "€");
        assert_eq!(decode("%C3"), Err(DecodeError::NotUtf8));
        assert_eq!(decode_bytes(b"%C3").unwrap().as_ref(), b"\xC3");
        assert!(matches!(decode_bytes(b"x"), Ok(Cow::Borrowed(b"x"))));
    }
}
