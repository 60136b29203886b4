//! The stream driver: any [`StreamMachine`] over `AsyncRead + AsyncWrite`.

use core::future::Future;
use core::time::Duration;
use std::io::{self, IoSlice};

pub use fasterapi_core::DriveError;
use fasterapi_core::{Epoch, Handler, StreamMachine, Timestamp};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Options of [`drive_stream`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DriverConfig {
    /// Size of the buffer output is encoded into (default 4 KiB: it holds framing — message
    /// heads, frame headers — while payloads the machine hands over as `Payload` are written
    /// from where they are; raise it for machines that encode bulk data into it). It is
    /// allocated per connection, so it is most of an idle connection's cost in the driver.
    pub write_buffer: usize,
    /// After the shutdown signal, how long the machine gets to finish its closing exchange
    /// before the driver gives up with [`DriveError::ShutdownTimedOut`] (default 5 s).
    pub shutdown_grace: Duration,
    /// How long the driver waits with no input, no timer and nothing to write before it gives
    /// up with [`DriveError::TimedOut`] (default `None`: the machine's own timers decide).
    pub idle_timeout: Option<Duration>,
    /// Whether to close the transport's sending side when the machine closes (default true).
    /// Turn it off to take the transport back for a protocol switch (HTTP/1.1 `Upgrade`).
    pub close_transport: bool,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            write_buffer: 4 * 1024,
            shutdown_grace: Duration::from_secs(5),
            idle_timeout: None,
            close_transport: true,
        }
    }
}

impl DriverConfig {
    /// Sets [`DriverConfig::shutdown_grace`].
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets [`DriverConfig::idle_timeout`].
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`DriverConfig::close_transport`].
    #[must_use]
    pub fn close_transport(mut self, close: bool) -> Self {
        self.close_transport = close;
        self
    }

    /// Sets [`DriverConfig::write_buffer`] (at least one byte).
    #[must_use]
    pub fn write_buffer(mut self, bytes: usize) -> Self {
        self.write_buffer = bytes.max(1);
        self
    }
}

/// The machine, the transport and the handler, given back when the machine has closed or
/// handed the connection off ([`StreamMachine::is_handed_off`]; the transport is then left
/// open, and the handler holds what the next protocol needs, e.g. an accepted WebSocket
/// handshake).
#[derive(Debug)]
pub struct Finished<M, IO, H> {
    /// The machine, closed or handed off.
    pub machine: M,
    /// The transport; its sending side is shut down when [`DriverConfig::close_transport`] and
    /// the machine closed (never after a hand-off).
    pub io: IO,
    /// The handler.
    pub handler: H,
}

/// The current time on tokio's clock (so `tokio::time::pause` drives the machines' timers).
pub(crate) fn tokio_now(epoch: &Epoch) -> Timestamp {
    epoch.timestamp(tokio::time::Instant::now().into_std())
}

/// What woke the driver.
enum Wake {
    Read(io::Result<usize>),
    Timer,
    Shutdown,
}

/// Drives `machine` over `io` until it closes.
///
/// The loop is the contract's canonical loop: write out everything `poll_transmit_vectored`
/// gives (framing and payload in one vectored write), hand every event to `handler`, and when
/// both are drained wait for the first of: input (read straight into the machine's
/// `input_buffer`), the earlier of the machine's and the handler's timers, or `shutdown`. On
/// `shutdown` the handler's [`on_shutdown`](Handler::on_shutdown) starts the machine's graceful
/// close (by default [`close`](fasterapi_core::Machine::close)) and the driver keeps going until
/// the machine has closed or [`DriverConfig::shutdown_grace`] has passed.
///
/// Reading is cancellation-safe: a read that loses the race against a timer has consumed
/// nothing.
///
/// # Errors
/// A protocol error (after writing out the machine's reaction), a transport error, a timeout, or
/// the peer leaving while the machine still expects it.
pub async fn drive_stream<M, IO, H, S>(
    mut machine: M,
    mut io: IO,
    mut handler: H,
    config: &DriverConfig,
    shutdown: S,
) -> Result<Finished<M, IO, H>, DriveError<M::Error>>
where
    M: StreamMachine,
    IO: AsyncRead + AsyncWrite + Unpin,
    H: Handler<M>,
    S: Future<Output = ()>,
{
    let epoch = Epoch::at(tokio::time::Instant::now().into_std());
    let mut out = Output::new(config.write_buffer);
    let mut shutdown = core::pin::pin!(shutdown);
    // One timer for the connection's life, re-armed only when the deadline moves earlier or
    // after it fired (a later deadline lets it fire early once, then it is re-armed).
    let mut sleep = core::pin::pin!(tokio::time::sleep_until(tokio::time::Instant::now()));
    let mut armed: Option<Timestamp> = None;
    let mut grace_deadline: Option<Timestamp> = None;
    let mut eof = false;
    // The clock is read once per wake-up and after a write (a write may have waited for the
    // peer), not per call: one request costs two clock reads, not seven.
    let mut now = tokio_now(&epoch);
    let mut idle_since = now;
    loop {
        if flush(&mut machine, &mut io, &mut out, now).await? {
            now = tokio_now(&epoch);
        }
        if let Some(event) = machine.poll_event() {
            // All the events at hand first (pipelined requests), then one gathered write.
            handler.on_event(&mut machine, event, now);
            while let Some(event) = machine.poll_event() {
                handler.on_event(&mut machine, event, now);
            }
            continue;
        }
        if let Some(e) = machine.poll_error() {
            protocol(Err(e), &mut machine, &mut io, &mut out, now).await?;
        }
        if machine.is_handed_off() {
            // The transport belongs to the protocol the connection switched to: give it back open.
            return Ok(Finished {
                machine,
                io,
                handler,
            });
        }
        if machine.is_closed() {
            if config.close_transport {
                io.shutdown().await?;
            }
            return Ok(Finished {
                machine,
                io,
                handler,
            });
        }
        let timers = [
            machine.poll_timeout(),
            handler.poll_timeout(),
            grace_deadline,
            config.idle_timeout.map(|d| idle_since + d),
        ];
        let deadline = timers.into_iter().flatten().min();
        let wake = if deadline.is_some_and(|d| d <= now) {
            Wake::Timer
        } else {
            // An empty input buffer is back-pressure (the application owes the machine
            // something): wait for a timer or the shutdown signal instead of reading.
            let buf = machine.input_buffer();
            let can_read = !eof && !buf.is_empty();
            if !can_read && deadline.is_none() {
                return Err(if eof {
                    DriveError::PeerGone
                } else {
                    DriveError::Stalled
                });
            }
            if let Some(d) = deadline {
                if armed.is_none_or(|a| d < a) {
                    sleep.as_mut().reset(epoch.instant(d).into());
                    armed = Some(d);
                }
            }
            tokio::select! {
                r = io.read(buf), if can_read => Wake::Read(r),
                () = &mut sleep, if armed.is_some() => Wake::Timer,
                () = &mut shutdown, if grace_deadline.is_none() => Wake::Shutdown,
            }
        };
        now = tokio_now(&epoch);
        match wake {
            Wake::Read(Ok(0)) => {
                eof = true;
                let r = machine.handle_eof(now);
                protocol(r, &mut machine, &mut io, &mut out, now).await?;
            }
            Wake::Read(Ok(n)) => {
                idle_since = now;
                let r = machine.commit_input(now, n);
                protocol(r, &mut machine, &mut io, &mut out, now).await?;
            }
            Wake::Read(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Wake::Read(Err(e)) => return Err(e.into()),
            Wake::Shutdown => {
                handler.on_shutdown(&mut machine, now);
                grace_deadline = Some(now + config.shutdown_grace);
            }
            Wake::Timer => {
                if armed.is_some_and(|a| a <= now) {
                    armed = None;
                }
                if grace_deadline.is_some_and(|g| g <= now) {
                    return Err(DriveError::ShutdownTimedOut);
                }
                if config.idle_timeout.is_some_and(|d| idle_since + d <= now) {
                    return Err(DriveError::TimedOut);
                }
                if machine.poll_timeout().is_some_and(|t| t <= now) {
                    let r = machine.handle_timeout(now);
                    protocol(r, &mut machine, &mut io, &mut out, now).await?;
                }
                if handler.poll_timeout().is_some_and(|t| t <= now) {
                    handler.handle_timeout(&mut machine, now);
                }
            }
        }
    }
}

/// The output side of a driver: the buffer transmits are encoded into, and the payloads of
/// the transmits gathered for the next vectored write.
struct Output<P> {
    buf: Vec<u8>,
    payloads: Vec<Option<P>>,
}

/// Most transmits gathered into one vectored write (each is a head and a payload).
const GATHER: usize = 32;

impl<P> Output<P> {
    fn new(size: usize) -> Self {
        Self {
            buf: vec![0; size.max(1)],
            payloads: Vec::new(),
        }
    }
}

/// On a protocol error, write out the machine's reaction, then report the error.
async fn protocol<M, IO>(
    r: Result<(), M::Error>,
    machine: &mut M,
    io: &mut IO,
    out: &mut Output<M::Payload>,
    now: Timestamp,
) -> Result<(), DriveError<M::Error>>
where
    M: StreamMachine,
    IO: AsyncWrite + Unpin,
{
    match r {
        Ok(()) => Ok(()),
        Err(e) => {
            // Best effort: the peer may already be gone, and the protocol error is the news.
            let _ = flush(machine, io, out, now).await;
            let _ = io.shutdown().await;
            Err(DriveError::Protocol(e))
        }
    }
}

/// Writes out everything the machine has queued: up to [`GATHER`] transmits (framing into
/// `out`'s buffer, payloads as they are) per vectored write, so pipelined responses leave in
/// one system call. A lone transmit whose payload fits in the buffer's free space is copied
/// behind its framing and leaves in one plain write (a `send` on TCP, cheaper in the kernel
/// than a `writev`, which also goes through the file layer): the keep-alive case of one small
/// response per request. Returns whether anything was written.
async fn flush<M, IO>(
    machine: &mut M,
    io: &mut IO,
    out: &mut Output<M::Payload>,
    now: Timestamp,
) -> Result<bool, DriveError<M::Error>>
where
    M: StreamMachine,
    IO: AsyncWrite + Unpin,
{
    let mut wrote = false;
    let mut heads = [(0usize, 0usize); GATHER];
    loop {
        let mut used = 0;
        let mut count = 0;
        out.payloads.clear();
        while count < GATHER && used < out.buf.len() {
            let t = machine.poll_transmit_vectored(now, &mut out.buf[used..]);
            if t.is_empty() {
                break;
            }
            heads[count] = (used, t.len);
            used += t.len;
            out.payloads.push(t.payload);
            count += 1;
        }
        if count == 0 {
            break;
        }
        wrote = true;
        if count == 1 {
            let payload = out.payloads[0].as_ref().map_or(&[][..], AsRef::as_ref);
            if payload.len() <= out.buf.len() - used {
                out.buf[used..used + payload.len()].copy_from_slice(payload);
                used += payload.len();
                out.payloads.clear();
                io.write_all(&out.buf[..used]).await?;
                continue;
            }
        }
        let mut slices = Vec::with_capacity(2 * count);
        for (&(at, len), payload) in heads[..count].iter().zip(&out.payloads) {
            if len > 0 {
                slices.push(IoSlice::new(&out.buf[at..at + len]));
            }
            if let Some(p) = payload {
                if !p.as_ref().is_empty() {
                    slices.push(IoSlice::new(p.as_ref()));
                }
            }
        }
        write_all_slices(io, &mut slices).await?;
    }
    out.payloads.clear();
    if wrote {
        io.flush().await?;
    }
    Ok(wrote)
}

/// Writes every slice, with as few vectored writes as the transport allows.
async fn write_all_slices<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    slices: &mut [IoSlice<'_>],
) -> io::Result<()> {
    let mut rest = slices;
    while rest.iter().any(|s| !s.is_empty()) {
        let n = io.write_vectored(rest).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    Ok(())
}

/// Writes `head` then `body` with as few vectored writes as the transport allows.
pub(crate) async fn write_all_vectored<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    head: &[u8],
    body: &[u8],
) -> io::Result<()> {
    let mut slices = [IoSlice::new(head), IoSlice::new(body)];
    let skip = usize::from(head.is_empty());
    write_all_slices(io, &mut slices[skip..]).await
}
