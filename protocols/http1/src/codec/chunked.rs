//! The streaming chunked-body decoder (RFC 9112 §7.1).

use super::chars::{TCHAR, VALUE, is_value};
use super::types::Header;
use crate::config::Config;
use crate::error::Error;
use crate::simd::scan;

/// One item decoded from a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Body bytes, borrowed from the input (a chunk may come in several pieces).
    Data(&'a [u8]),
    /// One trailer field (RFC 9112 §7.1.2), borrowed from the input.
    Trailer(Header<'a>),
    /// The body ended (last chunk and trailer section read).
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size,
    /// After the size: BWS, then `;` extensions or the line end.
    AfterSize,
    /// Inside chunk extensions.
    Ext,
    /// CR of the size line seen.
    SizeCr,
    Data,
    /// After data: CR expected.
    DataCr,
    /// After data: LF expected.
    DataLf,
    /// Start of a trailer line (or the final empty line).
    Trailer,
    End,
}

/// A streaming chunked decoder: feed it bytes, get borrowed data slices and trailers back.
///
/// ```
/// use fasterapi_http1::{Chunk, ChunkedDecoder};
///
/// let mut dec = ChunkedDecoder::default();
/// let wire = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nEtag: x\r\n\r\n";
/// let (mut at, mut body) = (0, Vec::new());
/// loop {
///     let (used, item) = dec.decode(&wire[at..])?;
///     at += used;
///     match item {
///         Some(Chunk::Data(d)) => body.extend_from_slice(d),
///         Some(Chunk::Trailer(h)) => assert_eq!(h.name, b"Etag"),
///         Some(Chunk::End) => break,
///         None => unreachable!("the input is complete"),
///     }
/// }
/// assert_eq!(body, b"hello world");
/// assert_eq!(at, wire.len());
/// # Ok::<(), fasterapi_http1::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// Size being read, or data bytes left in the current chunk.
    remaining: u64,
    digits: u32,
    ext_len: usize,
    trailer_len: usize,
    /// Total bytes consumed so far, for error offsets.
    offset: usize,
    max_ext: usize,
    max_trailer: usize,
    bare_lf: bool,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new(&Config::STRICT)
    }
}

impl ChunkedDecoder {
    /// A decoder with the chunk-extension and trailer limits and the bare-LF flag of `config`.
    pub const fn new(config: &Config) -> Self {
        Self {
            state: State::Size,
            remaining: 0,
            digits: 0,
            ext_len: 0,
            trailer_len: 0,
            offset: 0,
            max_ext: config.max_chunk_ext_len,
            max_trailer: config.max_trailer_size,
            bare_lf: config.allow_bare_lf,
        }
    }

    /// Whether the last chunk and trailer section have been read.
    pub const fn is_done(&self) -> bool {
        matches!(self.state, State::End)
    }

    /// Bytes of the current chunk still to come (0 between chunks).
    pub const fn remaining_in_chunk(&self) -> u64 {
        if matches!(self.state, State::Data) {
            self.remaining
        } else {
            0
        }
    }

    /// Decodes from `input`, returning how many bytes were consumed and the next item.
    ///
    /// `None` means more input is needed: every byte was consumed, except an incomplete trailer
    /// line, which the caller must present again (with more bytes after it) on the next call.
    /// After [`Chunk::End`], bytes after the body (a pipelined message) are left unconsumed.
    /// Error offsets count from the first byte this decoder ever consumed.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<Chunk<'a>>), Error> {
        let mut i = 0;
        let item = self.run(input, &mut i);
        self.offset += i;
        item.map(|item| (i, item))
    }

    #[allow(clippy::too_many_lines)] // reason: one state loop keeps per-byte overhead low
    fn run<'a>(&mut self, input: &'a [u8], i: &mut usize) -> Result<Option<Chunk<'a>>, Error> {
        let base = self.offset;
        let at = |i: usize| base + i;
        loop {
            match self.state {
                State::Data => {
                    let avail = input.len() - *i;
                    if avail == 0 {
                        return Ok(None);
                    }
                    let n = avail.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    let data = &input[*i..*i + n];
                    *i += n;
                    self.remaining -= n as u64;
                    if self.remaining == 0 {
                        self.state = State::DataCr;
                    }
                    return Ok(Some(Chunk::Data(data)));
                }
                State::Size => {
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    let d = match b {
                        b'0'..=b'9' => b - b'0',
                        b'a'..=b'f' => b - b'a' + 10,
                        b'A'..=b'F' => b - b'A' + 10,
                        _ if self.digits > 0 => {
                            self.state = State::AfterSize;
                            continue;
                        }
                        _ => return Err(Error::InvalidChunkSize { at: at(*i) }),
                    };
                    self.digits += 1;
                    // chunk-size = 1*HEXDIG; overflow MUST be rejected (RFC 9112 §7.1).
                    self.remaining = match self.remaining.checked_mul(16) {
                        Some(v) if self.digits <= 64 => v | u64::from(d),
                        _ => return Err(Error::InvalidChunkSize { at: at(*i) }),
                    };
                    *i += 1;
                }
                State::AfterSize => {
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    match b {
                        b' ' | b'\t' => self.bump_ext()?,
                        b';' => {
                            self.bump_ext()?;
                            self.state = State::Ext;
                        }
                        b'\r' => self.state = State::SizeCr,
                        b'\n' if self.bare_lf => {
                            *i += 1;
                            self.end_size_line();
                            continue;
                        }
                        b'\n' => return Err(Error::BareLf { at: at(*i) }),
                        _ => return Err(Error::InvalidChunkSize { at: at(*i) }),
                    }
                    *i += 1;
                }
                State::Ext => {
                    // chunk-ext (RFC 9112 §7.1.1): tokens, `=`, `;`, quoted strings, BWS.
                    // Controls (including a bare LF) are rejected; the length is limited.
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    if b == b'\r' {
                        self.state = State::SizeCr;
                    } else if b == b'\n' && self.bare_lf {
                        self.end_size_line();
                        *i += 1;
                        continue;
                    } else if !is_value(b) {
                        return Err(Error::InvalidChunkExtension { at: at(*i) });
                    } else {
                        self.bump_ext()?;
                    }
                    *i += 1;
                }
                State::SizeCr => {
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    if b != b'\n' {
                        return Err(Error::BareCr { at: at(*i) - 1 });
                    }
                    *i += 1;
                    self.end_size_line();
                }
                State::DataCr => {
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    match b {
                        b'\r' => self.state = State::DataLf,
                        b'\n' if self.bare_lf => self.state = State::Size,
                        _ => return Err(Error::InvalidChunkData { at: at(*i) }),
                    }
                    *i += 1;
                }
                State::DataLf => {
                    let Some(&b) = input.get(*i) else {
                        return Ok(None);
                    };
                    if b != b'\n' {
                        return Err(Error::InvalidChunkData { at: at(*i) });
                    }
                    *i += 1;
                    self.state = State::Size;
                }
                State::Trailer => return self.trailer(input, i),
                State::End => return Ok(Some(Chunk::End)),
            }
        }
    }

    fn bump_ext(&mut self) -> Result<(), Error> {
        self.ext_len += 1;
        if self.ext_len > self.max_ext {
            return Err(Error::ChunkExtensionTooLong {
                limit: self.max_ext,
            });
        }
        Ok(())
    }

    /// The size line ended: data follows, or the trailer section after the last chunk.
    fn end_size_line(&mut self) {
        self.ext_len = 0;
        self.digits = 0;
        self.state = if self.remaining == 0 {
            State::Trailer
        } else {
            State::Data
        };
    }

    /// Reads one whole trailer line (or the final empty line) from `input[*i..]`.
    fn trailer<'a>(&mut self, input: &'a [u8], i: &mut usize) -> Result<Option<Chunk<'a>>, Error> {
        let start = *i;
        let rest = &input[start..];
        let budget = self.max_trailer - self.trailer_len;
        let Some(lf) = rest
            .iter()
            .take(budget.saturating_add(1))
            .position(|&b| b == b'\n')
        else {
            if rest.len() > budget {
                return Err(Error::TrailersTooLarge {
                    limit: self.max_trailer,
                });
            }
            return Ok(None);
        };
        if lf + 1 > budget {
            return Err(Error::TrailersTooLarge {
                limit: self.max_trailer,
            });
        }
        let at = self.offset + start;
        let line = if lf > 0 && rest[lf - 1] == b'\r' {
            &rest[..lf - 1]
        } else if self.bare_lf {
            &rest[..lf]
        } else {
            return Err(Error::BareLf { at: at + lf });
        };
        self.trailer_len += lf + 1;
        *i = start + lf + 1;
        if line.is_empty() {
            self.state = State::End;
            return Ok(Some(Chunk::End));
        }
        // field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
        let colon = scan(&TCHAR, line, 0);
        match line.get(colon) {
            Some(b':') if colon > 0 => {}
            Some(b' ' | b'\t') if colon > 0 => {
                return Err(Error::WhitespaceBeforeColon { at: at + colon });
            }
            _ => return Err(Error::InvalidHeaderName { at: at + colon }),
        }
        let mut v = colon + 1;
        let end = scan(&VALUE, line, v);
        if end < line.len() {
            let b = line[end];
            return Err(if b == b'\r' {
                Error::BareCr { at: at + end }
            } else {
                Error::InvalidHeaderValue { at: at + end }
            });
        }
        let mut e = line.len();
        while v < e && matches!(line[v], b' ' | b'\t') {
            v += 1;
        }
        while e > v && matches!(line[e - 1], b' ' | b'\t') {
            e -= 1;
        }
        Ok(Some(Chunk::Trailer(Header {
            name: &line[..colon],
            value: &line[v..e],
        })))
    }
}
