//! Character classes of RFC 9110 §5.6.2 (tchar), §5.5 (field values) and RFC 3986 (targets).

use crate::simd::Class;

const fn concat<const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(n == N, "length mismatch");
    out
}

const fn range<const N: usize>(first: u8) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = first + i as u8;
        i += 1;
    }
    out
}

const ALPHA_DIGIT: [u8; 62] =
    concat::<62>(&[&range::<26>(b'a'), &range::<26>(b'A'), &range::<10>(b'0')]);

/// `tchar` (RFC 9110 §5.6.2): methods, field names, transfer-coding names.
pub(crate) static TCHAR: Class =
    Class::new(&concat::<77>(&[&ALPHA_DIGIT, b"!#$%&'*+-.^_`|~"]), false);

/// Field-value bytes (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text. Also the reason-phrase.
pub(crate) static VALUE: Class = Class::new(&concat::<96>(&[b"\t", &range::<95>(0x20)]), true);

/// Request-target bytes (RFC 3986 unreserved, sub-delims, `:@/?[]`); `%` is left out so the
/// scanner stops at it and the escape can be checked.
pub(crate) static TARGET: Class = Class::new(
    &concat::<83>(&[&ALPHA_DIGIT, b"-._~!$&'()*+,;=:@/?[]"]),
    false,
);

/// Request-target bytes with `allow_unsafe_target_chars`: all VCHAR.
pub(crate) static TARGET_LENIENT: Class = Class::new(&range::<94>(0x21), false);

/// Whether `b` is a `tchar`.
#[inline(always)]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR.contains(b)
}

/// Whether `b` may appear in a field value.
#[inline(always)]
pub(crate) fn is_value(b: u8) -> bool {
    VALUE.contains(b)
}

/// Whether every byte of `s` is a `tchar` and `s` is not empty.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}
