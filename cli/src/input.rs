//! Input for `decode`: a file or stdin, raw bytes or hex text, read in bounded chunks.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens `path`, or stdin when `None` (or `-`).
pub(crate) fn open(path: Option<&Path>) -> io::Result<Box<dyn Read>> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(p) if p.as_os_str() == "-" => Ok(Box::new(io::stdin().lock())),
        Some(p) => Ok(Box::new(File::open(p)?)),
    }
}

/// A character in `--hex` input that is neither a hex digit, white space nor a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HexError {
    /// Byte offset of the character in the text.
    pub(crate) offset: u64,
    /// The offending byte.
    pub(crate) byte: u8,
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.byte == 0 {
            write!(
                f,
                "hex input ends with an odd number of digits (at byte {})",
                self.offset
            )
        } else {
            write!(
                f,
                "hex input has {:?} at byte {}: only hex digits, white space and # comments are allowed",
                char::from(self.byte),
                self.offset
            )
        }
    }
}

/// Streaming hex-text decoder: keeps half a byte and comment state across chunks.
#[derive(Debug, Default)]
pub(crate) struct HexDecoder {
    high: Option<u8>,
    in_comment: bool,
    offset: u64,
}

impl HexDecoder {
    /// Decodes `text` into `out` (cleared first).
    pub(crate) fn decode(&mut self, text: &[u8], out: &mut Vec<u8>) -> Result<(), HexError> {
        out.clear();
        for &b in text {
            let at = self.offset;
            self.offset += 1;
            if self.in_comment {
                self.in_comment = b != b'\n';
                continue;
            }
            let nibble = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b'#' => {
                    self.in_comment = true;
                    continue;
                }
                b if b.is_ascii_whitespace() => continue,
                byte => return Err(HexError { offset: at, byte }),
            };
            match self.high.take() {
                None => self.high = Some(nibble),
                Some(h) => out.push(h << 4 | nibble),
            }
        }
        Ok(())
    }

    /// Checks the text did not end in the middle of a byte.
    pub(crate) fn finish(&self) -> Result<(), HexError> {
        match self.high {
            Some(_) => Err(HexError {
                offset: self.offset,
                byte: 0,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_across_chunks_with_comments() {
        let mut d = HexDecoder::default();
        let mut out = Vec::new();
        let mut all = Vec::new();
        for chunk in [&b"47 4"[..], b"5 # a comment with zz\n54", b"\n0d0A"] {
            d.decode(chunk, &mut out).expect("valid hex");
            all.extend_from_slice(&out);
        }
        d.finish().expect("even digits");
        assert_eq!(all, b"GET\r\n");
    }

    #[test]
    fn hex_errors_say_where() {
        let mut d = HexDecoder::default();
        let err = d
            .decode(b"47 zz", &mut Vec::new())
            .expect_err("z is not hex");
        assert_eq!(
            err,
            HexError {
                offset: 3,
                byte: b'z'
            }
        );
        let mut odd = HexDecoder::default();
        odd.decode(b"474", &mut Vec::new()).expect("digits");
        assert!(odd.finish().is_err());
    }
}
