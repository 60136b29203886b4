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
#[inline]
#[must_use]
pub fn parse_line(line: &[u8]) -> Line<'_> {
    if line.is_empty() {
        return Line::Blank;
    }
    // "If the line starts with a U+003A COLON character (:) — Ignore the line."
    if line[0] == b':' {
        return Line::Comment(&line[1..]);
    }
    // The common field first, without searching for the colon.
    if let Some(value) = line.strip_prefix(b"data:") {
        return Line::Data(value.strip_prefix(b" ").unwrap_or(value));
    }
    let (name, value) = match find_colon(line) {
        Some(i) => {
            let value = &line[i + 1..];
            // "If value starts with a U+0020 SPACE character, remove it from value."
            let value = value.strip_prefix(b" ").unwrap_or(value);
            (&line[..i], value)
        }
        // "the whole line as the field name, and the empty string as the field value".
        None => (line, &line[line.len()..]),
    };
    // Field names are compared literally, with no case folding.
    match name {
        b"data" => Line::Data(value),
        b"event" => Line::Event(value),
        // "If the field value does not contain U+0000 NULL … Otherwise, ignore the field."
        b"id" if !value.contains(&0) => Line::Id(value),
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
