//! The machines' byte plumbing: the receive buffer and the transmit queue.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};
use fasterapi_core::Transmit;

/// How much of the free buffer one `input_buffer` call lends at most (it is zero-filled first).
const READ_CHUNK: usize = 16 * 1024;

/// The receive buffer: received bytes not yet handed out, within a fixed capacity.
#[derive(Debug)]
pub(crate) struct RecvBuf {
    buf: BytesMut,
    /// Bytes at the end of `buf` lent through [`RecvBuf::lend`], not yet committed.
    lent: usize,
    cap: usize,
    /// Bytes handed out or dropped since the connection began (the stream offset of `buf[0]`).
    consumed: u64,
}

impl RecvBuf {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            lent: 0,
            cap,
            consumed: 0,
        }
    }

    /// The stream offset of the first buffered byte.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Drops the part lent but never committed.
    fn settle(&mut self) {
        if self.lent > 0 {
            let len = self.buf.len() - self.lent;
            self.buf.truncate(len);
            self.lent = 0;
        }
    }

    /// Free space left under the capacity.
    pub(crate) fn space(&self) -> usize {
        self.cap.saturating_sub(self.buf.len() - self.lent)
    }

    /// Lends up to the free space for the transport to read into.
    pub(crate) fn lend(&mut self) -> &mut [u8] {
        self.settle();
        let n = self.space().min(READ_CHUNK);
        let len = self.buf.len();
        self.buf.resize(len + n, 0);
        self.lent = n;
        &mut self.buf[len..]
    }

    /// Keeps the first `n` lent bytes as received data; returns how many were kept.
    pub(crate) fn commit(&mut self, n: usize) -> usize {
        let n = n.min(self.lent);
        let len = self.buf.len() - self.lent + n;
        self.buf.truncate(len);
        self.lent = 0;
        n
    }

    /// Copies as much of `input` as fits; returns how much.
    pub(crate) fn extend(&mut self, input: &[u8]) -> usize {
        self.settle();
        let n = self.space().min(input.len());
        self.buf.extend_from_slice(&input[..n]);
        n
    }

    /// The received bytes.
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[..self.buf.len() - self.lent]
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.lent
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands out the first `n` received bytes without a copy.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        self.settle();
        self.consumed += n as u64;
        self.buf.split_to(n).freeze()
    }

    /// Forgets the first `n` received bytes.
    pub(crate) fn discard(&mut self, n: usize) {
        self.settle();
        self.consumed += n as u64;
        let _ = self.buf.split_to(n);
    }

    /// Hands out every received byte.
    pub(crate) fn take_all(&mut self) -> Bytes {
        self.settle();
        self.consumed += self.buf.len() as u64;
        self.buf.split().freeze()
    }
}

#[derive(Debug)]
enum Item {
    /// Framing encoded by the machine (heads, chunk lines), copied out.
    Frame(Vec<u8>),
    /// An application payload, handed out without a copy by the vectored poll.
    Payload(Bytes),
}

impl Item {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Frame(v) => v,
            Self::Payload(b) => b,
        }
    }
}

/// Output waiting for the transport, in order.
#[derive(Debug, Default)]
pub(crate) struct TxQueue {
    items: VecDeque<Item>,
    /// Bytes of the front item already written out.
    offset: usize,
}

impl TxQueue {
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Queues framing bytes (merged with framing queued just before).
    pub(crate) fn push_frame(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Some(Item::Frame(v)) = self.items.back_mut() {
            v.extend_from_slice(bytes);
        } else {
            self.items.push_back(Item::Frame(bytes.to_vec()));
        }
    }

    /// Queues an application payload.
    pub(crate) fn push_payload(&mut self, payload: Bytes) {
        if !payload.is_empty() {
            self.items.push_back(Item::Payload(payload));
        }
    }

    /// Copies queued bytes into `buf`; stops before a payload when `stop_at_payload`.
    fn copy(&mut self, buf: &mut [u8], stop_at_payload: bool) -> usize {
        let mut written = 0;
        while written < buf.len() {
            let Some(front) = self.items.front() else {
                break;
            };
            if stop_at_payload && matches!(front, Item::Payload(_)) {
                break;
            }
            let src = &front.bytes()[self.offset..];
            let n = src.len().min(buf.len() - written);
            buf[written..written + n].copy_from_slice(&src[..n]);
            written += n;
            self.offset += n;
            if self.offset == front.bytes().len() {
                self.items.pop_front();
                self.offset = 0;
            }
        }
        written
    }

    /// `poll_transmit`: copies everything that fits.
    pub(crate) fn poll(&mut self, buf: &mut [u8]) -> usize {
        self.copy(buf, false)
    }

    /// `poll_transmit_vectored`: copies framing, then hands out the next payload whole.
    pub(crate) fn poll_vectored(&mut self, buf: &mut [u8]) -> Transmit<Bytes> {
        let len = self.copy(buf, true);
        let payload = match self.items.pop_front() {
            Some(Item::Payload(p)) => {
                let p = p.slice(self.offset..);
                self.offset = 0;
                Some(p)
            }
            Some(frame) => {
                self.items.push_front(frame);
                None
            }
            None => None,
        };
        Transmit { len, payload }
    }
}

impl TxQueue {
    /// Appends `len` framing bytes written by `write` (which returns how many it wrote, at most
    /// `len`); on error nothing is queued.
    pub(crate) fn push_frame_with<E>(
        &mut self,
        len: usize,
        write: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<(), E> {
        if !matches!(self.items.back(), Some(Item::Frame(_))) {
            self.items.push_back(Item::Frame(Vec::with_capacity(len)));
        }
        let Some(Item::Frame(v)) = self.items.back_mut() else {
            return Ok(()); // cannot happen: a frame was pushed just above
        };
        let start = v.len();
        v.resize(start + len, 0);
        match write(&mut v[start..]) {
            Ok(n) => {
                v.truncate(start + n.min(len));
                if v.is_empty() {
                    self.items.pop_back();
                }
                Ok(())
            }
            Err(e) => {
                v.truncate(start);
                if v.is_empty() {
                    self.items.pop_back();
                }
                Err(e)
            }
        }
    }
}
