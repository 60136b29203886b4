//! Splitting a byte stream into lines (WHATWG HTML §9.2.6), whatever the chunking.

/// The UTF-8 encoding of U+FEFF, stripped once at the start of the stream.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// A piece of a line handed out by [`LineScanner::next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Bytes of the current line (never containing CR or LF).
    pub bytes: &'a [u8],
    /// Whether the line ends after these bytes. A blank line is a piece with no bytes that
    /// ends the line, when no earlier piece of the same line came before it.
    pub line_end: bool,
}

/// Splits an event stream into lines without buffering anything: it hands out borrowed pieces
/// of lines and remembers only two facts across calls (how much of a leading BOM it has seen,
/// and whether the last byte was a CR whose LF may still come).
///
/// * One leading UTF-8 BOM is stripped (the UTF-8 decode algorithm, §9.2.6), even when it
///   arrives split over several inputs.
/// * A line ends at CRLF, at an LF not preceded by CR, or at a CR not followed by LF (§9.2.6);
///   a CR at the end of one input followed by an LF at the start of the next is one line
///   ending.
///
/// Concatenate the pieces until one has `line_end` set to get each line; with `alloc`,
/// [`EventParser`](crate::EventParser) does that (with limits) and accumulates events.
///
/// ```
/// use fasterapi_sse::{LineScanner, Piece};
///
/// let mut scanner = LineScanner::new();
/// let mut input: &[u8] = b"\xEF\xBB\xBFdata: a\r";
/// let mut pieces = Vec::new();
/// while let (n, Some(piece)) = scanner.next(input) {
///     input = &input[n..];
///     pieces.push(piece);
/// }
/// assert_eq!(pieces, [Piece { bytes: b"data: a", line_end: true }]);
/// // The LF completing that CRLF arrives in the next input: it ends no second line.
/// assert_eq!(scanner.next(b"\n"), (1, None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineScanner {
    /// BOM bytes matched so far (0..=2); `None` once the start of the stream is past.
    bom_matched: Option<u8>,
    /// The last byte consumed was a CR that ended a line.
    pending_cr: bool,
}

impl Default for LineScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl LineScanner {
    /// A scanner at the start of a stream.
    pub const fn new() -> Self {
        Self {
            bom_matched: Some(0),
            pending_cr: false,
        }
    }

    /// Whether the scanner is still at the very start of the stream (inside a possible BOM).
    pub fn at_start(&self) -> bool {
        self.bom_matched.is_some()
    }

    /// Scans `input` and returns how many bytes it consumed and the next piece of a line, if
    /// any. Call again with the rest until it returns `None`; every byte of `input` is then
    /// consumed. Pieces borrow from `input` (or, for a BOM prefix that turned out not to be a
    /// BOM, from a static copy of those bytes).
    #[inline]
    #[must_use]
    pub fn next<'a>(&mut self, input: &'a [u8]) -> (usize, Option<Piece<'a>>) {
        let mut pos = 0;
        if self.pending_cr {
            let Some(&first) = input.first() else {
                return (0, None);
            };
            self.pending_cr = false;
            if first == b'\n' {
                pos = 1;
            }
        }
        if let Some(matched) = self.bom_matched {
            let mut m = usize::from(matched);
            while m < BOM.len() && pos < input.len() && input[pos] == BOM[m] {
                m += 1;
                pos += 1;
            }
            if m == BOM.len() {
                self.bom_matched = None;
            } else if pos == input.len() {
                // Still a possible BOM: remember how much of it we saw.
                self.bom_matched = Some(m as u8);
                return (pos, None);
            } else {
                // Not a BOM: the bytes seen so far are ordinary line content.
                self.bom_matched = None;
                if m > 0 {
                    let piece = Piece {
                        bytes: &BOM[..m],
                        line_end: false,
                    };
                    return (pos, Some(piece));
                }
            }
        }
        let rest = &input[pos..];
        if rest.is_empty() {
            return (pos, None);
        }
        match find_eol(rest) {
            None => (
                input.len(),
                Some(Piece {
                    bytes: rest,
                    line_end: false,
                }),
            ),
            Some(i) => {
                let mut used = i + 1;
                if rest[i] == b'\r' {
                    match rest.get(i + 1) {
                        Some(b'\n') => used += 1,
                        Some(_) => {}
                        None => self.pending_cr = true,
                    }
                }
                (
                    pos + used,
                    Some(Piece {
                        bytes: &rest[..i],
                        line_end: true,
                    }),
                )
            }
        }
    }

    /// Whether the scanner is past the BOM check and not waiting for the LF of a CR: the
    /// next byte starts a line (or continues the current one) with nothing to skip.
    #[cfg(feature = "alloc")]
    #[inline]
    pub(crate) fn is_between_lines(&self) -> bool {
        self.bom_matched.is_none() && !self.pending_cr
    }

    /// Starts over for a new stream (a reconnection): the BOM check is armed again.
    pub fn reset(&mut self) {
        *self = Self::new();
    }
}

/// The first CR or LF. Most event-stream lines are short, where setting up a SIMD search costs
/// more than the search: the first 64 bytes are scanned eight at a time in a `u64` (SWAR), the
/// rest with `memchr2`.
#[inline]
pub(crate) fn find_eol(hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    /// High bit set in each byte of `w` equal to `b`. The lowest set bit is always exact
    /// (a borrow only spreads upwards), which is the only one used.
    #[inline]
    fn bytes_equal(w: u64, b: u8) -> u64 {
        let x = w ^ (LO * u64::from(b));
        x.wrapping_sub(LO) & !x & HI
    }
    let mut i = 0;
    let head = hay.len().min(64);
    while i + 8 <= head {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let m = bytes_equal(w, b'\n') | bytes_equal(w, b'\r');
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if let Some(j) = hay[i..head].iter().position(|&b| b == b'\r' || b == b'\n') {
        return Some(i + j);
    }
    memchr::memchr2(b'\r', b'\n', &hay[head..]).map(|j| j + head)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::find_eol;

    fn naive(hay: &[u8]) -> Option<usize> {
        hay.iter().position(|&b| b == b'\r' || b == b'\n')
    }

    proptest! {
        /// The SWAR scan agrees with a plain search, wherever the line break falls (inside or
        /// after the 64-byte head, at every byte of a word) and whatever bytes surround it.
        #[test]
        fn find_eol_matches_naive(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), Just(0x0c), Just(0x8d), Just(0x8a), any::<u8>()],
                0..200,
            ),
            clear in any::<bool>(),
        ) {
            let mut hay = bytes;
            if clear {
                // Only the last byte may be a line break: the longest scans.
                let last = hay.len().saturating_sub(1);
                for b in &mut hay[..last] {
                    if *b == b'\r' || *b == b'\n' {
                        *b = b'x';
                    }
                }
            }
            prop_assert_eq!(find_eol(&hay), naive(&hay));
        }
    }
}
