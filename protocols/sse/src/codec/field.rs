//! Interpreting one line (WHATWG HTML §9.2.6, "Lines must be processed … as follows").

/// What one complete line (without its end-of-line) means, from [`parse_line`].
///
/// Values are raw bytes: the stream is UTF-8 with replacement, and since CR, LF and `:` are
/// ASCII, decoding each value on its own gives the same text as decoding the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Line<'a> {
    /// An empty line: dispatch the event.
    Blank,
    /// A line starting with `:`; the text after the colon (a leading space is kept).
    Comment(&'a [u8]),
    /// A `data` field: append the value and an LF to the data buffer.
    Data(&'a [u8]),
    /// An `event` field: set the event type buffer.
    Event(&'a [u8]),
    /// An `id` field whose value contains no NUL: set the last event ID buffer.
    Id(&'a [u8]),
    /// A `retry` field whose value is one or more ASCII digits: the reconnection time in
    /// milliseconds (saturating at `u64::MAX`).
    Retry(u64),
    /// Any other line, which the spec ignores: an unknown field, an `id` containing NUL, a
    /// `retry` that is not all digits.
    Ignored {
        /// The field name.
        name: &'a [u8],
        /// The field value.
        value: &'a [u8],
    },
}

/// Parses one complete line (as handed out by [`LineScanner`](crate::LineScanner), without
/// its end-of-line) into its field.
///
/// ```
/// use fasterapi_sse::{Line, parse_line};
///
/// assert_eq!(parse_line(b"data: hi"), Line::Data(b"hi"));
/// assert_eq!(parse_line(b"data:  two"), Line::Data(b" two")); // only one space is removed
/// assert_eq!(parse_line(b"data"), Line::Data(b""));           // no colon: empty value
/// assert_eq!(parse_line(b": ping"), Line::Comment(b" ping"));
/// assert_eq!(parse_line(b"retry: 1500"), Line::Retry(1500));
/// assert_eq!(parse_line(b"retry: 1.5"), Line::Ignored { name: b"retry", value: b"1.5" });
/// assert_eq!(parse_line(b""), Line::Blank);
/// ```
#[inline(always)]
#[must_use]
pub fn parse_line(line: &[u8]) -> Line<'_> {
    // Dispatch on the first byte: the known fields are told apart by it, so the common lines
    // (`data:`, `id:`, `event:`) cost one prefix compare and no search for the colon.
    match line.first() {
        None => return Line::Blank,
        // "If the line starts with a U+003A COLON character (:) — Ignore the line."
        Some(b':') => return Line::Comment(&line[1..]),
        Some(b'd') => {
            if let Some(value) = line.strip_prefix(b"data:") {
                return Line::Data(strip_space(value));
            }
        }
        Some(b'i') => {
            if let Some(value) = line.strip_prefix(b"id:") {
                return id(strip_space(value), line);
            }
        }
        Some(b'e') => {
            if let Some(value) = line.strip_prefix(b"event:") {
                return Line::Event(strip_space(value));
            }
        }
        Some(_) => {}
    }
    let (name, value) = match find_colon(line) {
        Some(i) => (&line[..i], strip_space(&line[i + 1..])),
        // "the whole line as the field name, and the empty string as the field value".
        None => (line, &line[line.len()..]),
    };
    // Field names are compared literally, with no case folding.
    match name {
        b"data" => Line::Data(value),
        b"event" => Line::Event(value),
        b"id" => id(value, name),
        // "If the field value consists of only ASCII digits …. Otherwise, ignore the field."
        b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
            let ms = value.iter().fold(0u64, |acc, &d| {
                acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            });
            Line::Retry(ms)
        }
        _ => Line::Ignored { name, value },
    }
}

/// "If value starts with a U+0020 SPACE character, remove it from value."
#[inline]
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

/// An `id` field: "If the field value does not contain U+0000 NULL … Otherwise, ignore the
/// field." `line` is only used to name the field of an ignored one.
#[inline]
fn id<'a>(value: &'a [u8], line: &'a [u8]) -> Line<'a> {
    // Ids are short: a branch-free loop beats a memchr call.
    let has_nul = if value.len() <= 32 {
        value.iter().fold(false, |seen, &b| seen | (b == 0))
    } else {
        memchr::memchr(0, value).is_some()
    };
    if has_nul {
        Line::Ignored {
            name: &line[..2],
            value,
        }
    } else {
        Line::Id(value)
    }
}

/// The first `:`. Field names are short, so a plain loop over the first bytes finds it
/// faster than a SIMD search; a long line without a colon goes to `memchr`.
#[inline]
fn find_colon(line: &[u8]) -> Option<usize> {
    let head = line.len().min(16);
    if let Some(i) = line[..head].iter().position(|&b| b == b':') {
        return Some(i);
    }
    memchr::memchr(b':', &line[head..]).map(|i| i + head)
}
