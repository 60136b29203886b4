//! Reading the peer's message: owned heads from the receive buffer, and the body reader.

use alloc::vec::Vec;
use core::ops::Range;

use bytes::Bytes;

use super::Field;
use super::error::ConnectionError;
use super::io::RecvBuf;
use crate::codec::chunked::{Chunk, ChunkedDecoder};
use crate::codec::framing::BodyKind;
use crate::codec::types::Header;
use crate::config::Config;

/// Where `sub` lies inside `base` (both from the same buffer).
pub(crate) fn range(base: &[u8], sub: &[u8]) -> Range<usize> {
    let start = (sub.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    if start > base.len() || sub.len() > base.len() - start {
        return 0..0; // not inside `base`: cannot happen for parser output
    }
    start..start + sub.len()
}

/// The ranges of a head's fields, to resolve against the head once it is split off.
pub(crate) fn field_ranges<'b>(
    base: &[u8],
    headers: impl Iterator<Item = Header<'b>>,
) -> Vec<(Range<usize>, Range<usize>)> {
    headers
        .map(|h| (range(base, h.name), range(base, h.value)))
        .collect()
}

/// Owned fields from ranges into `head`.
pub(crate) fn fields(head: &Bytes, ranges: Vec<(Range<usize>, Range<usize>)>) -> Vec<Field> {
    ranges
        .into_iter()
        .map(|(n, v)| Field {
            name: head.slice(n),
            value: head.slice(v),
        })
        .collect()
}

/// What the body reader found.
#[derive(Debug)]
pub(crate) enum Read {
    /// Body bytes, sliced from the receive buffer.
    Data(Bytes),
    /// The body ended, with these trailers.
    End(Vec<Field>),
    /// Everything buffered was consumed; more input is needed.
    NeedMore,
}

/// Reads one message body out of the receive buffer.
#[derive(Debug)]
pub(crate) enum BodyReader {
    /// No body being read.
    Idle,
    /// `remaining` bytes of a Content-Length body still to come.
    Length { remaining: u64 },
    /// A chunked body.
    Chunked {
        decoder: ChunkedDecoder,
        trailers: Vec<Field>,
    },
    /// A body delimited by the end of the connection (responses only).
    UntilClose,
}

impl BodyReader {
    /// The reader for a body of `kind`.
    pub(crate) fn new(kind: BodyKind, config: &Config) -> Self {
        match kind {
            BodyKind::None | BodyKind::ContentLength(0) => Self::Length { remaining: 0 },
            BodyKind::ContentLength(n) => Self::Length { remaining: n },
            BodyKind::Chunked => Self::Chunked {
                decoder: ChunkedDecoder::new(config),
                trailers: Vec::new(),
            },
            BodyKind::CloseDelimited => Self::UntilClose,
        }
    }

    /// Reads the next piece of the body; `total` counts body bytes against `limit`.
    pub(crate) fn read(
        &mut self,
        recv: &mut RecvBuf,
        total: &mut u64,
        limit: u64,
    ) -> Result<Read, ConnectionError> {
        let too_large = ConnectionError::BodyTooLarge { limit };
        match self {
            Self::Idle => Ok(Read::NeedMore),
            Self::Length { remaining } => {
                if *remaining == 0 {
                    *self = Self::Idle;
                    return Ok(Read::End(Vec::new()));
                }
                if recv.is_empty() {
                    return Ok(Read::NeedMore);
                }
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(recv.len());
                *remaining -= n as u64;
                *total += n as u64;
                if *total > limit {
                    return Err(too_large);
                }
                Ok(Read::Data(recv.take(n)))
            }
            Self::UntilClose => {
                if recv.is_empty() {
                    return Ok(Read::NeedMore);
                }
                *total += recv.len() as u64;
                if *total > limit {
                    return Err(too_large);
                }
                Ok(Read::Data(recv.take_all()))
            }
            Self::Chunked { decoder, trailers } => loop {
                let (used, item) = decoder.decode(recv.data())?;
                match item {
                    None => {
                        recv.discard(used);
                        return Ok(Read::NeedMore);
                    }
                    Some(Chunk::Data(d)) => {
                        let len = d.len();
                        *total += len as u64;
                        if *total > limit {
                            return Err(too_large);
                        }
                        let piece = recv.take(used).slice(used - len..);
                        if !piece.is_empty() {
                            return Ok(Read::Data(piece));
                        }
                    }
                    Some(Chunk::Trailer(h)) => {
                        trailers.push(Field {
                            name: Bytes::copy_from_slice(h.name),
                            value: Bytes::copy_from_slice(h.value),
                        });
                        recv.discard(used);
                    }
                    Some(Chunk::End) => {
                        recv.discard(used);
                        let trailers = core::mem::take(trailers);
                        *self = Self::Idle;
                        return Ok(Read::End(trailers));
                    }
                }
            },
        }
    }

    /// The connection ended: a close-delimited body ends here, any other is cut short.
    pub(crate) fn eof(&mut self) -> Result<Option<Vec<Field>>, ConnectionError> {
        match self {
            Self::Idle => Ok(None),
            Self::UntilClose => {
                *self = Self::Idle;
                Ok(Some(Vec::new()))
            }
            Self::Length { remaining: 0 } => {
                *self = Self::Idle;
                Ok(Some(Vec::new()))
            }
            _ => Err(ConnectionError::IncompleteMessage),
        }
    }
}
