//! TLS for any stream machine (feature `tls`): [`TlsStream`] wraps a machine and a rustls
//! [`ServerConnection`], so the reactor reads and writes ciphertext while the machine inside
//! sees plaintext; [`TlsHandler`] drives the machine inside with the application's handler.
//!
//! The protocol is often chosen by the handshake (ALPN): start with [`TlsStream::handshake`],
//! which hands the connection off once the handshake is done; the finish callback reads
//! [`TlsStream::alpn`] and continues with [`TlsStream::continue_with`] and the chosen machine. A
//! hand-off of the machine inside (a WebSocket upgrade) continues the same way, on the same
//! TLS session.

use core::fmt;
use core::time::Duration;
use std::io::{self, IoSlice, Read, Write};

use fasterapi_core::{Handler, Machine, StreamMachine, Timestamp};
pub use rustls::{ServerConfig, ServerConnection};

/// The largest TLS record on the wire (RFC 8446 §5.2: 2^14 + 256 for the ciphertext, and a
/// 5-byte header): one read takes at most this.
const RECORD: usize = 16_384 + 256 + 5;

/// How long [`TlsStream::handshake`] waits for the handshake to finish before it closes the
/// connection (a client that connects and stalls must not hold it).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A machine's plaintext output taken at a time, before it is encrypted.
const PLAIN_CHUNK: usize = 16_384;

/// Most payloads taken into one vectored write into rustls.
const GATHER: usize = 16;

/// A TLS failure or the machine's own error.
#[derive(Debug)]
pub enum TlsError<E> {
    /// The TLS layer refused the peer's bytes (a bad record, a failed handshake); its alert
    /// is queued for the peer.
    Tls(rustls::Error),
    /// The machine inside failed.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for TlsError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls(e) => write!(f, "TLS: {e}"),
            Self::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for TlsError<E> {}

/// A machine that does nothing: the inside of [`TlsStream::handshake`].
#[derive(Debug, Default)]
pub struct Handshake;

impl Machine for Handshake {
    type Event = core::convert::Infallible;
    type Error = core::convert::Infallible;

    fn handle_timeout(&mut self, _now: Timestamp) -> Result<(), Self::Error> {
        Ok(())
    }
    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }
    fn poll_event(&mut self) -> Option<Self::Event> {
        None
    }
    fn close(&mut self, _now: Timestamp) {}
    fn is_closed(&self) -> bool {
        false
    }
    fn poll_error(&mut self) -> Option<Self::Error> {
        None
    }
}

impl StreamMachine for Handshake {
    type Payload = &'static [u8];

    fn input_buffer(&mut self) -> &mut [u8] {
        &mut []
    }
    fn commit_input(&mut self, _now: Timestamp, _n: usize) -> Result<(), Self::Error> {
        Ok(())
    }
    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Self::Error> {
        Ok(())
    }
    fn poll_transmit(&mut self, _now: Timestamp, _buf: &mut [u8]) -> usize {
        0
    }
}

/// [`Handshake`]'s handler: it has no events.
#[derive(Debug, Default)]
pub struct NoEvents;

impl Handler<Handshake> for NoEvents {
    fn on_event(&mut self, _m: &mut Handshake, event: core::convert::Infallible, _now: Timestamp) {
        match event {}
    }
}

/// A stream machine behind TLS: ciphertext in and out, plaintext for `M`.
pub struct TlsStream<M: StreamMachine> {
    tls: ServerConnection,
    inner: M,
    /// Ciphertext read and not yet taken by rustls.
    input: Box<[u8]>,
    input_len: usize,
    /// The machine's plaintext output on its way into rustls.
    plain: Vec<u8>,
    /// Hand off once the handshake is done ([`TlsStream::handshake`]).
    until_handshake: bool,
    /// With `until_handshake`: when the handshake must be done by (set at the first turn).
    handshake_by: Option<Timestamp>,
    /// Closed before the handshake finished: it took longer than [`HANDSHAKE_TIMEOUT`], or
    /// the server is shutting down.
    timed_out: bool,
    failed: Option<TlsError<M::Error>>,
    /// Plaintext rustls holds for the machine, as its last `process_new_packets` said, less
    /// what the machine took since: the machine's input buffer is asked for only when there
    /// is plaintext to put in it (asking can cost the machine a buffer reservation).
    plain_ready: usize,
    /// rustls saw the peer's close_notify: the EOF is told once `plain_ready` is taken.
    peer_closed: bool,
    /// The socket's end arrived: told to the machine once the ciphertext read before it is
    /// decrypted and taken (the machine may have been holding the rest back).
    socket_eof: bool,
    /// The peer's TLS data ended (close_notify or EOF): told to the machine.
    eof: bool,
    notified: bool,
    /// The latest time the reactor gave: for the plaintext moved in [`StreamMachine::input_buffer`].
    now: Timestamp,
}

impl<M: StreamMachine> fmt::Debug for TlsStream<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("handshaking", &self.tls.is_handshaking())
            .finish_non_exhaustive()
    }
}

impl TlsStream<Handshake> {
    /// A new connection: closed when the handshake is not done within [`HANDSHAKE_TIMEOUT`],
    /// handed off when it is done, for the finish callback to
    /// pick the machine ([`TlsStream::alpn`], [`TlsStream::continue_with`]).
    pub fn handshake(tls: ServerConnection) -> Self {
        let mut s = Self::new(tls, Handshake);
        s.until_handshake = true;
        s
    }
}

impl<M: StreamMachine> TlsStream<M> {
    /// `inner` over the TLS session `tls` (any plaintext rustls holds goes to `inner` first).
    pub fn new(mut tls: ServerConnection, inner: M) -> Self {
        // The machine's output goes into rustls one transmit at a time, and only once the
        // ciphertext before it left: what rustls holds is bounded by that transmit, so its own
        // limit (64 KiB, past which it would refuse part of a large payload) is lifted.
        tls.set_buffer_limit(None);
        // What rustls already holds (plaintext that came with the handshake, a close_notify,
        // a failure) is known before the first turn.
        let (plain_ready, peer_closed, failed) = match tls.process_new_packets() {
            Ok(state) => (
                state.plaintext_bytes_to_read(),
                state.peer_has_closed(),
                None,
            ),
            Err(e) => (0, false, Some(TlsError::Tls(e))),
        };
        Self {
            tls,
            inner,
            input: vec![0; RECORD].into_boxed_slice(),
            input_len: 0,
            plain: Vec::new(),
            until_handshake: false,
            handshake_by: None,
            timed_out: false,
            failed,
            plain_ready,
            peer_closed,
            socket_eof: false,
            eof: false,
            notified: false,
            now: Timestamp::ZERO,
        }
    }

    /// The protocol ALPN chose, if any.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.tls.alpn_protocol()
    }

    /// The machine inside.
    pub fn inner(&mut self) -> &mut M {
        &mut self.inner
    }

    /// Continues the TLS session with `next` (the machine ALPN chose, or the WebSocket after
    /// an upgrade): the ciphertext read and not yet decrypted and the plaintext rustls holds go
    /// to `next`. Returns the machine that was inside.
    pub fn continue_with<N: StreamMachine>(self, next: N) -> (TlsStream<N>, M) {
        let stream = TlsStream {
            tls: self.tls,
            inner: next,
            input: self.input,
            input_len: self.input_len,
            plain: self.plain,
            until_handshake: false,
            handshake_by: None,
            timed_out: false,
            failed: None,
            plain_ready: self.plain_ready,
            peer_closed: self.peer_closed,
            socket_eof: self.socket_eof,
            eof: self.eof,
            notified: self.notified,
            now: self.now,
        };
        (stream, self.inner)
    }

    /// Moves the ciphertext read into rustls and the plaintext rustls holds into the machine,
    /// as far as each takes it (rustls stops wanting to read while its plaintext waits).
    fn advance(&mut self, now: Timestamp) {
        loop {
            let mut progress = false;
            while self.failed.is_none() && self.input_len > 0 && self.tls.wants_read() {
                let mut rest = &self.input[..self.input_len];
                match self.tls.read_tls(&mut rest) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        self.failed = Some(TlsError::Tls(rustls::Error::General(e.to_string())));
                        return;
                    }
                }
                let used = self.input_len - rest.len();
                self.input.copy_within(used..self.input_len, 0);
                self.input_len -= used;
                progress = true;
                // RFC 8446 §6: on a bad record rustls queues the alert for the peer.
                match self.tls.process_new_packets() {
                    Ok(state) => {
                        self.plain_ready = state.plaintext_bytes_to_read();
                        self.peer_closed |= state.peer_has_closed();
                    }
                    Err(e) => {
                        self.failed = Some(TlsError::Tls(e));
                        return;
                    }
                }
            }
            progress |= self.pump(now);
            if !progress || self.failed.is_some() {
                return;
            }
        }
    }

    /// Moves the plaintext rustls holds into the machine; whether any moved.
    fn pump(&mut self, now: Timestamp) -> bool {
        if self.failed.is_some() || self.until_handshake || self.eof {
            return false;
        }
        let mut moved = false;
        // Only with plaintext at hand: this runs on every turn and every transmit, and the
        // machine's `input_buffer` is not free (HTTP/2's zeroes its spare room each call).
        while self.plain_ready > 0 {
            let buf = self.inner.input_buffer();
            if buf.is_empty() {
                return moved;
            }
            match self.tls.reader().read(buf) {
                Ok(0) => {
                    self.plain_ready = 0;
                    self.peer_closed = true;
                }
                Ok(n) => {
                    moved = true;
                    self.plain_ready = self.plain_ready.saturating_sub(n);
                    if let Err(e) = self.inner.commit_input(now, n) {
                        self.failed = Some(TlsError::Inner(e));
                        return true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.plain_ready = 0,
                // The peer ended without close_notify (a truncation): an EOF all the same.
                Err(_) => {
                    self.plain_ready = 0;
                    self.peer_closed = true;
                }
            }
        }
        if self.peer_closed || (self.socket_eof && self.input_len == 0) {
            self.peer_ended(now);
            return true;
        }
        moved
    }

    fn peer_ended(&mut self, now: Timestamp) {
        if !self.eof {
            self.eof = true;
            if let Err(e) = self.inner.handle_eof(now) {
                self.failed = Some(TlsError::Inner(e));
            }
        }
    }

    /// Takes the machine's plaintext output into rustls, one chunk at a time, only when
    /// rustls has no ciphertext waiting (so what rustls holds stays bounded: a chunk's worth
    /// of transmits, the last one's payload whole).
    fn encrypt(&mut self, now: Timestamp) {
        if self.tls.wants_write() || self.until_handshake {
            return;
        }
        // Every transmit at hand (HTTP/2 frames, response heads and bodies) goes into rustls
        // with one vectored write, so they leave in one TLS record instead of one each:
        // framing gathered in `plain`, payloads held here until the write.
        self.plain.resize(PLAIN_CHUNK, 0);
        let mut payloads: [(usize, Option<M::Payload>); GATHER] =
            core::array::from_fn(|_| (0, None));
        let mut count = 0;
        let mut len = 0;
        let mut total = 0;
        while count < GATHER && total < PLAIN_CHUNK {
            let t = self
                .inner
                .poll_transmit_vectored(now, &mut self.plain[len..]);
            if t.len == 0 && t.payload.is_none() {
                break;
            }
            len += t.len;
            total += t.len;
            if let Some(p) = t.payload {
                total += p.as_ref().len();
                payloads[count] = (len, Some(p));
                count += 1;
            }
        }
        if total == 0 {
            self.close_notify();
            return;
        }
        let mut slices = [IoSlice::new(&[]); 2 * GATHER + 1];
        let mut n = 0;
        let mut from = 0;
        for (to, payload) in &payloads[..count] {
            let payload = payload.as_ref().map_or(&[][..], AsRef::as_ref);
            for part in [&self.plain[from..*to], payload] {
                if !part.is_empty() {
                    slices[n] = IoSlice::new(part);
                    n += 1;
                }
            }
            from = *to;
        }
        if from < len {
            slices[n] = IoSlice::new(&self.plain[from..len]);
            n += 1;
        }
        if !write_all(&mut self.tls, &slices[..n], total) {
            self.failed = Some(TlsError::Tls(rustls::Error::General(
                "the TLS writer refused plaintext".into(),
            )));
        }
        self.close_notify();
    }

    /// After the machine's last output: the TLS close (RFC 8446 §6.1).
    fn close_notify(&mut self) {
        if self.inner.is_closed() && !self.notified && !self.tls.wants_write() {
            self.tls.send_close_notify();
            self.notified = true;
        }
    }
}

/// Writes `slices` (`total` bytes) into rustls with one vectored write, which rustls seals
/// into as few records as the lengths allow; whether rustls took them.
fn write_all(tls: &mut ServerConnection, slices: &[IoSlice<'_>], total: usize) -> bool {
    let mut writer = tls.writer();
    let Ok(mut n) = writer.write_vectored(slices) else {
        return false;
    };
    if n == total {
        return true;
    }
    // With no buffer limit rustls takes everything; what it would leave goes on in order.
    for slice in slices {
        let rest = slice.get(n..).unwrap_or(&[]);
        n = n.saturating_sub(slice.len());
        if writer.write_all(rest).is_err() {
            return false;
        }
    }
    true
}

impl<M: StreamMachine> Machine for TlsStream<M> {
    type Event = M::Event;
    type Error = TlsError<M::Error>;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Self::Error> {
        if self.until_handshake {
            match self.handshake_by {
                None => self.handshake_by = Some(now + HANDSHAKE_TIMEOUT),
                Some(by) if by <= now && self.tls.is_handshaking() => self.timed_out = true,
                Some(_) => {}
            }
        }
        self.inner.handle_timeout(now).map_err(TlsError::Inner)
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        if self.until_handshake && !self.timed_out && self.tls.is_handshaking() {
            // Before the first turn the reactor's clock is unknown here: ask for a call at once.
            return Some(self.handshake_by.unwrap_or(Timestamp::ZERO));
        }
        self.inner.poll_timeout()
    }

    fn poll_event(&mut self) -> Option<M::Event> {
        self.inner.poll_event()
    }

    fn close(&mut self, now: Timestamp) {
        if self.until_handshake && self.tls.is_handshaking() {
            // No protocol yet to close gracefully: the connection just ends.
            self.timed_out = true;
        }
        self.inner.close(now);
    }

    fn is_closed(&self) -> bool {
        self.timed_out || (self.inner.is_closed() && self.notified && !self.tls.wants_write())
    }

    fn poll_error(&mut self) -> Option<Self::Error> {
        self.failed
            .take()
            .or_else(|| self.inner.poll_error().map(TlsError::Inner))
    }
}

impl<M: StreamMachine> StreamMachine for TlsStream<M> {
    type Payload = &'static [u8];

    fn input_buffer(&mut self) -> &mut [u8] {
        // The machine may have made room since the last turn.
        self.advance(self.now);
        // Back-pressure: at most one record of ciphertext waits for rustls.
        if self.failed.is_some() || self.eof || self.timed_out {
            return &mut [];
        }
        &mut self.input[self.input_len..]
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), Self::Error> {
        self.now = now;
        self.input_len += n;
        self.advance(now);
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn handle_eof(&mut self, now: Timestamp) -> Result<(), Self::Error> {
        if self.until_handshake {
            self.peer_ended(now);
        } else {
            // The plaintext still on its way (rustls's, and the ciphertext waiting for it)
            // reaches the machine before the end does.
            self.socket_eof = true;
            self.now = now;
            self.advance(now);
        }
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn is_handed_off(&self) -> bool {
        if self.until_handshake {
            return !self.tls.is_handshaking() && !self.tls.wants_write();
        }
        self.inner.is_handed_off()
    }

    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize {
        self.now = now;
        self.advance(now);
        let mut n = 0;
        loop {
            self.encrypt(now);
            if !self.tls.wants_write() || n == buf.len() {
                return n;
            }
            match self.tls.write_tls(&mut &mut buf[n..]) {
                Ok(0) | Err(_) => return n,
                Ok(k) => n += k,
            }
        }
    }
}

/// Drives the machine inside a [`TlsStream`] with `H`.
#[derive(Debug)]
pub struct TlsHandler<H>(pub H);

impl<M: StreamMachine, H: Handler<M>> Handler<TlsStream<M>> for TlsHandler<H> {
    fn on_event(&mut self, machine: &mut TlsStream<M>, event: M::Event, now: Timestamp) {
        self.0.on_event(&mut machine.inner, event, now);
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.0.poll_timeout()
    }

    fn handle_timeout(&mut self, machine: &mut TlsStream<M>, now: Timestamp) {
        self.0.handle_timeout(&mut machine.inner, now);
    }

    fn on_shutdown(&mut self, machine: &mut TlsStream<M>, now: Timestamp) {
        self.0.on_shutdown(&mut machine.inner, now);
    }
}
