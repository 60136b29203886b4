//! stdio framing: one JSON-RPC message per line (2025-11-25 and 2026-07-28 transports/stdio:
//! "Messages are delimited by newlines, and MUST NOT contain embedded newlines").
//!
//! [`LineReader`] (feature `alloc`) splits a byte stream into lines however it arrives, with a
//! line-size limit checked before the bytes are buffered. A trailing CR is stripped (CRLF
//! tolerance); lines holding only whitespace are skipped.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use core::fmt;

/// A line grew past the configured limit before its newline arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The configured limit in bytes.
    pub limit: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stdio line longer than the limit of {} bytes",
            self.limit
        )
    }
}

impl core::error::Error for LineTooLong {}

/// Strips one trailing CR; `None` for a line of only whitespace.
pub fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(line)
    }
}

/// Splits a byte stream into newline-delimited lines, split-invariant, within a limit.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct LineReader {
    pending: Vec<u8>,
    max_line: usize,
}

#[cfg(feature = "alloc")]
impl LineReader {
    /// A reader whose lines may hold at most `max_line` bytes (the newline excluded).
    pub fn new(max_line: usize) -> Self {
        Self {
            pending: Vec::new(),
            max_line,
        }
    }

    /// Bytes of an unfinished line held so far.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Feeds `data`, calling `on_line` for each complete, non-blank line (CR stripped), in
    /// order. Lines that arrive whole are passed without a copy.
    ///
    /// # Errors
    /// [`LineTooLong`] as soon as a line is known to exceed the limit; nothing past it is
    /// buffered. The lines before it were delivered.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        mut on_line: impl FnMut(&[u8]),
    ) -> Result<(), LineTooLong> {
        let limit = LineTooLong {
            limit: self.max_line,
        };
        while let Some(nl) = memchr::memchr(b'\n', data) {
            let (head, rest) = (&data[..nl], &data[nl + 1..]);
            if self.pending.is_empty() {
                if head.len() > self.max_line + usize::from(head.ends_with(b"\r")) {
                    return Err(limit);
                }
                if let Some(line) = trim_line(head) {
                    on_line(line);
                }
            } else {
                if self.pending.len() + head.len() > self.max_line + 1 {
                    return Err(limit);
                }
                self.pending.extend_from_slice(head);
                let line = core::mem::take(&mut self.pending);
                if line.len() > self.max_line + usize::from(line.ends_with(b"\r")) {
                    return Err(limit);
                }
                if let Some(l) = trim_line(&line) {
                    on_line(l);
                }
            }
            data = rest;
        }
        // One extra byte is allowed for a CR whose LF has not arrived yet.
        if self.pending.len() + data.len() > self.max_line + 1 {
            return Err(limit);
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn lines(reader: &mut LineReader, chunks: &[&[u8]]) -> Result<Vec<Vec<u8>>, LineTooLong> {
        let mut out = vec![];
        for c in chunks {
            reader.feed(c, |l| out.push(l.to_vec()))?;
        }
        Ok(out)
    }

    #[test]
    fn crlf_and_blank_lines() {
        let mut r = LineReader::new(100);
        let got = lines(&mut r, &[b"a\r\n\n  \r\nbc", b"d\n"]).unwrap();
        assert_eq!(got, vec![b"a".to_vec(), b"bcd".to_vec()]);
    }

    #[test]
    fn limit_is_exact_and_checked_before_buffering() {
        let mut r = LineReader::new(3);
        assert_eq!(lines(&mut r, &[b"abc\n"]).unwrap(), vec![b"abc".to_vec()]);
        assert_eq!(lines(&mut r, &[b"abc\r\n"]).unwrap(), vec![b"abc".to_vec()]);
        let mut r = LineReader::new(3);
        assert_eq!(
            lines(&mut r, &[b"ab", b"cde"]),
            Err(LineTooLong { limit: 3 })
        );
        assert!(r.pending() <= 4);
        let mut r = LineReader::new(3);
        assert_eq!(lines(&mut r, &[b"abcd\n"]), Err(LineTooLong { limit: 3 }));
        let mut r = LineReader::new(3);
        assert!(lines(&mut r, &[&[b'x'; 1 << 20]]).is_err());
        assert_eq!(r.pending(), 0, "an oversized chunk is never buffered");
    }

    proptest! {
        #[test]
        fn split_anywhere_gives_the_same_lines(
            text in "[a-z\\r\\n ]{0,60}",
            cuts in proptest::collection::vec(0usize..60, 0..6),
        ) {
            let bytes = text.as_bytes();
            let whole = lines(&mut LineReader::new(1000), &[bytes]).unwrap();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut chunks = vec![];
            let mut at = 0;
            for c in cuts {
                chunks.push(&bytes[at..c]);
                at = c;
            }
            chunks.push(&bytes[at..]);
            prop_assert_eq!(lines(&mut LineReader::new(1000), &chunks).unwrap(), whole.clone());
            let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(lines(&mut LineReader::new(1000), &bytewise).unwrap(), whole);
        }
    }
}
