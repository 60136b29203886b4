//! The queue of outgoing frames and the payload type handed out without a copy.

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use fasterapi_core::Transmit;

use crate::frame::{FrameHeader, MAX_HEADER_LEN};

/// Payloads at least this long are handed out by `poll_transmit_vectored` instead of copied.
const VECTORED_MIN: usize = 4096;

/// An outgoing message payload handed to the transport by
/// [`poll_transmit_vectored`](fasterapi_core::StreamMachine::poll_transmit_vectored): the
/// machine's own buffer, moved out, or the application's `Bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload(Inner);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inner {
    Vec(Vec<u8>),
    Bytes(bytes::Bytes),
}

impl Payload {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        Self(Inner::Vec(v))
    }

    pub(crate) fn from_bytes(b: bytes::Bytes) -> Self {
        Self(Inner::Bytes(b))
    }

    /// The payload's length.
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            Inner::Vec(v) => v,
            Inner::Bytes(b) => b,
        }
    }
}

/// One frame on its way out: the encoded header, the (already masked) payload, and how much
/// of both was written.
#[derive(Debug)]
pub(crate) struct OutFrame {
    head: [u8; MAX_HEADER_LEN],
    head_len: usize,
    payload: Payload,
    written: usize,
}

impl OutFrame {
    pub(crate) fn new(header: &FrameHeader, payload: Payload) -> Self {
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header
            .emit(&mut head)
            .expect("MAX_HEADER_LEN fits every header");
        Self {
            head,
            head_len,
            payload,
            written: 0,
        }
    }

    fn len(&self) -> usize {
        self.head_len + self.payload.len()
    }
}

/// The output queue, with a count of the bytes still to write.
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    frames: VecDeque<OutFrame>,
    bytes: usize,
}

impl Outgoing {
    pub(crate) fn push(&mut self, f: OutFrame) {
        self.bytes += f.len();
        self.frames.push_back(f);
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Copies as much queued output as fits into `buf`.
    pub(crate) fn write(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let Some(f) = self.frames.front_mut() else {
                break;
            };
            let total = f.len();
            while f.written < total && n < buf.len() {
                let (src, at) = if f.written < f.head_len {
                    (&f.head[..f.head_len], f.written)
                } else {
                    (f.payload.as_ref(), f.written - f.head_len)
                };
                let k = (src.len() - at).min(buf.len() - n);
                buf[n..n + k].copy_from_slice(&src[at..at + k]);
                n += k;
                f.written += k;
                self.bytes -= k;
            }
            if f.written == total {
                self.frames.pop_front();
            }
        }
        n
    }

    /// Like [`Outgoing::write`], but a large payload at the front is handed out whole.
    pub(crate) fn write_vectored(&mut self, buf: &mut [u8]) -> Transmit<Payload> {
        if let Some(f) = self.frames.front() {
            if f.written == 0 && f.payload.len() >= VECTORED_MIN && buf.len() >= f.head_len {
                let f = self.frames.pop_front().expect("front() was Some");
                buf[..f.head_len].copy_from_slice(&f.head[..f.head_len]);
                self.bytes -= f.len();
                return Transmit {
                    len: f.head_len,
                    payload: Some(f.payload),
                };
            }
        }
        // Copy small frames, stopping before a large one so it can go out without a copy.
        let mut n = 0;
        while let Some(f) = self.frames.front() {
            if n > 0 && f.written == 0 && f.payload.len() >= VECTORED_MIN {
                break;
            }
            let k = self.write_one(&mut buf[n..]);
            if k == 0 {
                break;
            }
            n += k;
        }
        Transmit {
            len: n,
            payload: None,
        }
    }

    /// Writes from the front frame only.
    fn write_one(&mut self, buf: &mut [u8]) -> usize {
        let Some(f) = self.frames.front() else {
            return 0;
        };
        let left = f.len() - f.written;
        let k = left.min(buf.len());
        // `write` stops at the end of buf; limit it to this frame's remainder.
        self.write(&mut buf[..k])
    }
}
