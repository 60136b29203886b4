//! The pull loop under the clients: write what the machine queued, then read, wait for a
//! timer, until the machine has an event.

use fasterapi_core::{Epoch, StreamMachine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::stream::{tokio_now, write_all_vectored};
use crate::transport::Transport;

/// A machine and its transport, driven on demand.
#[derive(Debug)]
pub(crate) struct Pump<M> {
    pub(crate) machine: M,
    pub(crate) io: Transport,
    out: Vec<u8>,
    epoch: Epoch,
    eof: bool,
}

/// Why the pull loop stopped without an event.
pub(crate) enum Stop<E> {
    /// The machine reported a protocol error (its reaction was written out).
    Protocol(E),
    /// The transport failed.
    Io(std::io::Error),
    /// The peer ended the stream with nothing pending.
    PeerGone,
}

impl<M: StreamMachine> Pump<M> {
    pub(crate) fn new(machine: M, io: Transport) -> Self {
        Self {
            machine,
            io,
            out: vec![0; 4 * 1024],
            epoch: Epoch::at(tokio::time::Instant::now().into_std()),
            eof: false,
        }
    }

    /// The machine's current time.
    pub(crate) fn now(&self) -> fasterapi_core::Timestamp {
        tokio_now(&self.epoch)
    }

    /// Writes out everything the machine queued.
    pub(crate) async fn flush(&mut self) -> std::io::Result<()> {
        let mut wrote = false;
        loop {
            let t = self
                .machine
                .poll_transmit_vectored(tokio_now(&self.epoch), &mut self.out);
            if t.is_empty() {
                break;
            }
            wrote = true;
            let payload: &[u8] = t.payload.as_ref().map_or(&[], |p| p.as_ref());
            write_all_vectored(&mut self.io, &self.out[..t.len], payload).await?;
        }
        if wrote {
            self.io.flush().await?;
        }
        Ok(())
    }

    /// Writes out what is queued, then closes the transport's sending side (for TLS, after a
    /// `close_notify` alert, so the peer sees a clean end rather than a truncation).
    pub(crate) async fn shutdown(&mut self) -> std::io::Result<()> {
        self.flush().await?;
        self.io.shutdown().await
    }

    /// The machine's next event; `Ok(None)` once it has closed or handed the transport off.
    pub(crate) async fn next_event(&mut self) -> Result<Option<M::Event>, Stop<M::Error>> {
        loop {
            self.flush().await.map_err(Stop::Io)?;
            if let Some(event) = self.machine.poll_event() {
                return Ok(Some(event));
            }
            if let Some(e) = self.machine.poll_error() {
                return Err(self.fail(e).await);
            }
            if self.machine.is_handed_off() || self.machine.is_closed() {
                return Ok(None);
            }
            let deadline = self.machine.poll_timeout();
            let now = tokio_now(&self.epoch);
            if deadline.is_some_and(|d| d <= now) {
                if let Err(e) = self.machine.handle_timeout(now) {
                    return Err(self.fail(e).await);
                }
                continue;
            }
            let eof = self.eof;
            let buf = self.machine.input_buffer();
            let can_read = !eof && !buf.is_empty();
            let Some(wake) = deadline.or(can_read.then_some(now)) else {
                return Err(Stop::PeerGone);
            };
            let sleep = tokio::time::sleep_until(self.epoch.instant(wake).into());
            let read = tokio::select! {
                r = self.io.read(buf), if can_read => r,
                () = sleep, if deadline.is_some() => continue,
            };
            let now = tokio_now(&self.epoch);
            let r = match read {
                Ok(0) => {
                    self.eof = true;
                    self.machine.handle_eof(now)
                }
                Ok(n) => self.machine.commit_input(now, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(()),
                Err(e) => return Err(Stop::Io(e)),
            };
            if let Err(e) = r {
                return Err(self.fail(e).await);
            }
        }
    }

    async fn fail(&mut self, e: M::Error) -> Stop<M::Error> {
        // Best effort: the protocol error is the news.
        let _ = self.flush().await;
        Stop::Protocol(e)
    }
}
