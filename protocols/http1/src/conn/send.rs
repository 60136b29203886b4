//! Sending our message: head encoding with framing fields, body framing, trailers.

use alloc::vec::Vec;

use bytes::Bytes;

use super::error::ConnectionError;
use super::has_token;
use super::io::TxQueue;
use crate::codec::encode::{
    CHUNK_END, ChunkHeader, RequestHead, ResponseHead, request_head_len, response_head_len,
    write_request_head, write_response_head, write_trailers,
};
use crate::codec::types::{Header, Version};
use crate::error::Error;

/// What the application's own header fields say about framing and the connection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fields {
    pub(crate) content_length: Option<u64>,
    pub(crate) transfer_encoding: bool,
    pub(crate) close: bool,
    pub(crate) upgrade: bool,
    pub(crate) expect_continue: bool,
}

/// Reads the framing and connection fields among `headers`.
pub(crate) fn scan(headers: &[Header<'_>]) -> Result<Fields, ConnectionError> {
    let mut f = Fields::default();
    for h in headers {
        if h.is("content-length") {
            let v = h.value.trim_ascii();
            if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
                return Err(ConnectionError::InvalidToSend);
            }
            let n = v.iter().try_fold(0u64, |n, &d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            });
            let n = n.ok_or(ConnectionError::InvalidToSend)?;
            if f.content_length.is_some_and(|old| old != n) {
                return Err(ConnectionError::InvalidToSend);
            }
            f.content_length = Some(n);
        } else if h.is("transfer-encoding") {
            // We only frame with chunked (RFC 9112 §6.1: chunked MUST be the final coding).
            if !h.value.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                return Err(ConnectionError::InvalidToSend);
            }
            f.transfer_encoding = true;
        } else if h.is("connection") {
            f.close |= has_token(h.value, "close");
        } else if h.is("upgrade") {
            f.upgrade = true;
        } else if h.is("expect") {
            f.expect_continue |= h.value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
        }
    }
    if f.content_length.is_some() && f.transfer_encoding {
        return Err(ConnectionError::InvalidToSend);
    }
    Ok(f)
}

fn invalid(e: Error) -> ConnectionError {
    match e {
        Error::InvalidToSend => ConnectionError::InvalidToSend,
        other => ConnectionError::Parse(other),
    }
}

/// Queues a response head: `headers` then `extra` (fields the machine adds).
pub(crate) fn queue_response_head(
    tx: &mut TxQueue,
    status: u16,
    headers: &[Header<'_>],
    extra: &[Header<'_>],
) -> Result<(), ConnectionError> {
    let mut all: Vec<Header<'_>> = Vec::with_capacity(headers.len() + extra.len());
    all.extend_from_slice(headers);
    all.extend_from_slice(extra);
    let head = ResponseHead {
        version: Version::Http11,
        status,
        reason: super::reason(status),
        headers: &all,
    };
    let len = response_head_len(&head).map_err(invalid)?;
    tx.push_frame_with(len, |buf| write_response_head(&head, buf))
        .map_err(invalid)
}

/// Queues a request head: `headers` then `extra`.
pub(crate) fn queue_request_head(
    tx: &mut TxQueue,
    method: &[u8],
    target: &[u8],
    headers: &[Header<'_>],
    extra: &[Header<'_>],
) -> Result<(), ConnectionError> {
    let mut all: Vec<Header<'_>> = Vec::with_capacity(headers.len() + extra.len());
    all.extend_from_slice(headers);
    all.extend_from_slice(extra);
    let head = RequestHead {
        method,
        target,
        version: Version::Http11,
        headers: &all,
    };
    let len = request_head_len(&head).map_err(invalid)?;
    tx.push_frame_with(len, |buf| write_request_head(&head, buf))
        .map_err(invalid)
}

/// How our body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body may follow (HEAD responses, 1xx, 204, 304, requests without framing fields).
    Empty,
    /// Content-Length: `declared` in all, `sent` so far.
    Length { declared: u64, sent: u64 },
    /// Chunked transfer coding.
    Chunked,
    /// The body ends when we close the connection.
    UntilClose,
}

impl Framing {
    /// Queues a piece of body data.
    pub(crate) fn data(&mut self, tx: &mut TxQueue, data: Bytes) -> Result<(), ConnectionError> {
        if data.is_empty() {
            return Ok(()); // an empty chunk would end a chunked body
        }
        match self {
            Self::Empty => {
                return Err(ConnectionError::BodyLengthMismatch {
                    declared: 0,
                    sent: data.len() as u64,
                });
            }
            Self::Length { declared, sent } => {
                let total = *sent + data.len() as u64;
                if total > *declared {
                    return Err(ConnectionError::BodyLengthMismatch {
                        declared: *declared,
                        sent: total,
                    });
                }
                *sent = total;
                tx.push_payload(data);
            }
            Self::Chunked => {
                tx.push_frame(ChunkHeader::new(data.len() as u64).as_bytes());
                tx.push_payload(data);
                tx.push_frame(CHUNK_END);
            }
            Self::UntilClose => tx.push_payload(data),
        }
        Ok(())
    }

    /// Ends the body, with trailer fields when it is chunked.
    pub(crate) fn end(
        &mut self,
        tx: &mut TxQueue,
        trailers: &[Header<'_>],
    ) -> Result<(), ConnectionError> {
        match *self {
            Self::Length { declared, sent } if sent != declared => {
                return Err(ConnectionError::BodyLengthMismatch { declared, sent });
            }
            Self::Chunked => {
                let mut probe = [0u8; 0];
                let len = match write_trailers(trailers, &mut probe) {
                    Ok(n) => n,
                    Err(Error::BufferTooSmall { needed }) => needed,
                    Err(e) => return Err(invalid(e)),
                };
                tx.push_frame(ChunkHeader::new(0).as_bytes());
                tx.push_frame_with(len, |buf| write_trailers(trailers, buf))
                    .map_err(invalid)?;
            }
            // Trailers need chunked framing (RFC 9112 §7.1.2).
            _ if !trailers.is_empty() => return Err(ConnectionError::InvalidState),
            _ => {}
        }
        *self = Self::Empty;
        Ok(())
    }
}
