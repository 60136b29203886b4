//! The machines' byte plumbing: the receive buffer and the transmit queue.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};
use fasterapi_core::Transmit;

/// The first read lends this much; an idle connection holds no more than this.
const FIRST_READ: usize = 4 * 1024;
/// Reads that fill what was lent double the next lend, up to this.
const MAX_READ: usize = 64 * 1024;

/// The receive buffer: received bytes not yet handed out, within a fixed capacity.
///
/// `buf[..filled]` holds received bytes; `buf[filled..]` is scratch already initialized by an
/// earlier lend, reused by the next one, so a read does not zero-fill its buffer again. The lend
/// size adapts (hyper's read strategy): it starts at [`FIRST_READ`], so an idle keep-alive
/// connection costs 4 KiB, and doubles while reads fill it.
#[derive(Debug)]
pub(crate) struct RecvBuf {
    buf: BytesMut,
    /// Received bytes at the front of `buf`.
    filled: usize,
    /// Bytes after `filled` lent through [`RecvBuf::lend`], not yet committed.
    lent: usize,
    /// How much the next lend offers at most.
    read_size: usize,
    cap: usize,
    /// Bytes handed out or dropped since the connection began (the stream offset of `buf[0]`).
    consumed: u64,
}

impl RecvBuf {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            filled: 0,
            lent: 0,
            read_size: FIRST_READ,
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

    /// Free space left under the capacity.
    pub(crate) fn space(&self) -> usize {
        self.cap.saturating_sub(self.filled)
    }

    /// Makes `buf[filled..filled + n]` initialized, zero-filling only bytes never lent before.
    fn scratch(&mut self, n: usize) -> &mut [u8] {
        let end = self.filled + n;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        &mut self.buf[self.filled..end]
    }

    /// Lends up to the free space for the transport to read into (an earlier lend that was never
    /// committed is forgotten).
    pub(crate) fn lend(&mut self) -> &mut [u8] {
        let n = self.space().min(self.read_size);
        self.lent = n;
        self.scratch(n)
    }

    /// Keeps the first `n` lent bytes as received data; returns how many were kept.
    pub(crate) fn commit(&mut self, n: usize) -> usize {
        let n = n.min(self.lent);
        if n == self.lent && n == self.read_size {
            self.read_size = (self.read_size * 2).min(MAX_READ);
        }
        self.filled += n;
        self.lent = 0;
        n
    }

    /// Copies as much of `input` as fits; returns how much.
    pub(crate) fn extend(&mut self, input: &[u8]) -> usize {
        self.lent = 0;
        let n = self.space().min(input.len());
        self.scratch(n).copy_from_slice(&input[..n]);
        self.filled += n;
        n
    }

    /// The received bytes.
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    pub(crate) fn len(&self) -> usize {
        self.filled
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// Hands out the first `n` received bytes without a copy.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        let n = n.min(self.filled);
        self.lent = 0;
        self.consumed += n as u64;
        self.filled -= n;
        self.buf.split_to(n).freeze()
    }

    /// Forgets the first `n` received bytes.
    pub(crate) fn discard(&mut self, n: usize) {
        let _ = self.take(n);
    }

    /// Hands out every received byte.
    pub(crate) fn take_all(&mut self) -> Bytes {
        self.take(self.filled)
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

#[cfg(test)]
mod tests {
    use super::{FIRST_READ, MAX_READ, RecvBuf};

    fn read(buf: &mut RecvBuf, bytes: &[u8]) -> usize {
        let lent = buf.lend();
        let n = bytes.len().min(lent.len());
        lent[..n].copy_from_slice(&bytes[..n]);
        buf.commit(n)
    }

    #[test]
    fn lend_starts_small_and_doubles_while_reads_fill_it() {
        let mut buf = RecvBuf::new(1 << 20);
        assert_eq!(buf.lend().len(), FIRST_READ);
        buf.commit(FIRST_READ);
        assert_eq!(buf.lend().len(), 2 * FIRST_READ);
        buf.commit(10); // a short read keeps the size
        assert_eq!(buf.lend().len(), 2 * FIRST_READ);
        for _ in 0..10 {
            let n = buf.lend().len();
            buf.commit(n);
        }
        assert_eq!(buf.lend().len(), MAX_READ);
    }

    #[test]
    fn received_bytes_survive_reuse_of_the_scratch() {
        let mut buf = RecvBuf::new(64);
        assert_eq!(read(&mut buf, b"hello world"), 11);
        assert_eq!(&buf.take(6)[..], b"hello ");
        assert_eq!(buf.data(), b"world");
        // An uncommitted lend leaves the data alone, and stale scratch never shows up as data.
        buf.lend()[..3].copy_from_slice(b"xyz");
        assert_eq!(buf.commit(0), 0);
        assert_eq!(buf.data(), b"world");
        assert_eq!(buf.extend(b"!"), 1);
        assert_eq!(read(&mut buf, b"?"), 1);
        assert_eq!(&buf.take_all()[..], b"world!?");
        assert!(buf.is_empty());
        assert_eq!(buf.consumed(), 13);
    }

    #[test]
    fn capacity_bounds_lend_and_extend() {
        let mut buf = RecvBuf::new(8);
        assert_eq!(buf.lend().len(), 8);
        assert_eq!(buf.commit(100), 8, "commit keeps at most what was lent");
        assert_eq!(buf.space(), 0);
        assert!(buf.lend().is_empty());
        assert_eq!(buf.extend(b"more"), 0);
        buf.discard(3);
        assert_eq!(buf.extend(b"more"), 3);
        assert_eq!(buf.len(), 8);
    }
}
