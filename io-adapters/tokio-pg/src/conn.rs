//! Connection setup and the one background task per connection that drives the machine.

use core::hash::{BuildHasherDefault, Hasher};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_pgwire::codec::TransactionStatus;
use fasterapi_pgwire::{ClientConnection, Event, RequestId};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_rustls::client::TlsStream;

use crate::Error;
use crate::config::{ConnectConfig, Host, SslMode};

/// The machine keeps no timers (`poll_timeout` is always `None`), so one constant instant
/// serves every call.
const NOW: Timestamp = Timestamp::ZERO;
/// Bytes read from the socket per call.
const READ_CHUNK: usize = 64 * 1024;
/// Notifications held for a listener that does not read; more are counted and dropped.
pub(crate) const NOTIFICATION_QUEUE: usize = 4096;

/// The socket: TCP, Unix, or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Opens the socket to `host`.
pub(crate) async fn open(host: &Host) -> Result<Stream, Error> {
    Ok(match host {
        Host::Tcp(h, port) => {
            let s = TcpStream::connect((h.as_str(), *port)).await?;
            s.set_nodelay(true)?;
            Stream::Tcp(s)
        }
        Host::Unix(dir, port) => {
            Stream::Unix(UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await?)
        }
    })
}

/// Connects, runs TLS when the machine asks, authenticates, and waits for ReadyForQuery.
pub(crate) async fn establish(config: &ConnectConfig) -> Result<(ClientConnection, Stream), Error> {
    let unix = matches!(config.host, Host::Unix(..));
    let mode = match config.ssl_mode {
        // TLS over a Unix socket is not offered by PostgreSQL: libpq skips it for `prefer`.
        SslMode::Disable => fasterapi_pgwire::SslMode::Disable,
        SslMode::Prefer if unix => fasterapi_pgwire::SslMode::Disable,
        SslMode::Prefer => fasterapi_pgwire::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyFull if unix => {
            return Err(Error::Config(
                "TLS was required but the host is a Unix socket".into(),
            ));
        }
        SslMode::Require | SslMode::VerifyFull => fasterapi_pgwire::SslMode::Require,
    };
    let mut machine = ClientConnection::with_ring(config.pg.clone().ssl_mode(mode));
    let mut stream = open(&config.host).await?;
    let mut out = vec![0u8; 16 * 1024];
    'io: loop {
        loop {
            let n = machine.poll_transmit(NOW, &mut out);
            if n == 0 {
                break;
            }
            stream.write_all(&out[..n]).await?;
            stream.flush().await?;
        }
        while let Some(event) = machine.poll_event() {
            match event {
                Event::StartTls => {
                    stream = start_tls(config, stream).await?;
                    let cert = match &stream {
                        Stream::Tls(t) => t
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|c| c.first())
                            .map(|c| c.as_ref().to_vec()),
                        _ => None,
                    };
                    machine.tls_established(cert.as_deref())?;
                    // The StartupMessage is queued now: send it before reading.
                    continue 'io;
                }
                Event::Ready { .. } => return Ok((machine, stream)),
                _ => {}
            }
        }
        if let Some(e) = machine.poll_error() {
            return Err(e.into());
        }
        let buf = machine.input_buffer();
        if !buf.is_empty() {
            let n = stream.read(buf).await?;
            if n == 0 {
                machine.handle_eof(NOW)?;
                return Err(Error::Closed);
            }
            machine.commit_input(NOW, n)?;
        }
    }
}

async fn start_tls(config: &ConnectConfig, stream: Stream) -> Result<Stream, Error> {
    let (Stream::Tcp(tcp), Host::Tcp(host, _)) = (stream, &config.host) else {
        return Err(Error::Unexpected("TLS requested on a non-TCP socket"));
    };
    let tls = crate::tls::client_config(config)?;
    let name = crate::tls::server_name(config, host)?;
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|e| Error::Tls(e.to_string()))?;
    Ok(Stream::Tls(Box::new(stream)))
}

/// What the task sends to a caller.
#[derive(Debug)]
pub(crate) enum Msg {
    /// An event of one of the caller's requests, its id replaced by the request's position
    /// in the list `build` returned (0, 1, …): callers know their requests without waiting
    /// for the ids (one wake-up less per call).
    /// The second field is the bytes it counts against the request's queue budget.
    Event(Event, usize),
    /// `build` refused (the machine's error); nothing was sent.
    Refused(Error),
    /// The connection failed or closed; no more events.
    Lost(Arc<str>),
}

/// Work for the machine, built on the task.
pub(crate) type Build = Box<
    dyn FnOnce(&mut ClientConnection) -> Result<Vec<RequestId>, fasterapi_pgwire::Error> + Send,
>;

/// What a caller asks of the task.
pub(crate) enum Command {
    /// Send requests; route their events to `events`, tagged with each request's position.
    Request {
        build: Build,
        events: Sender,
    },
    /// COPY data, and the permits of [`Shared::copy_window`] it holds until written out.
    CopyData(Vec<u8>, u32),
    CopyDone,
    CopyFail(String),
    /// Deliver notifications here from now on.
    Listen(mpsc::Sender<crate::Notification>),
    Close,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Request { .. } => "Request",
            Self::CopyData(..) => "CopyData",
            Self::CopyDone => "CopyDone",
            Self::CopyFail(_) => "CopyFail",
            Self::Listen(_) => "Listen",
            Self::Close => "Close",
        })
    }
}

/// State shared between the task and the client handles.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The last transaction status (`TransactionStatus` as its byte).
    pub(crate) status: AtomicU8,
    /// Notifications dropped because the listener's queue was full.
    pub(crate) dropped_notifications: AtomicU64,
    /// COPY data bytes a caller may have queued and not yet written to the socket
    /// (`queue_bytes` permits): `CopyIn::send` takes permits, the task gives them back once
    /// the data is written, so a fast producer waits for the server instead of queueing
    /// without bound. Closed when the connection is lost.
    pub(crate) copy_window: Semaphore,
}

impl Shared {
    pub(crate) fn new(queue_bytes: usize) -> Self {
        Self {
            status: AtomicU8::new(0),
            dropped_notifications: AtomicU64::new(0),
            copy_window: Semaphore::new(copy_permits(queue_bytes) as usize),
        }
    }
}

/// Permits of the COPY window for `queue_bytes` (and the most one `send` takes).
pub(crate) fn copy_permits(queue_bytes: usize) -> u32 {
    u32::try_from(queue_bytes.max(1)).unwrap_or(u32::MAX)
}

/// One call's result channel and its byte budget: the task adds what it routes, the caller
/// subtracts what it takes. Over `budget` the task stops reading the socket (back-pressure
/// to the server through TCP) until the caller drains below it or goes away.
///
/// A plain queue under a mutex with one waker: a call is one consumer and the task the one
/// producer, and one allocation per call (a tokio mpsc allocates its channel and a 32-slot
/// block) matters on round-trip-bound work.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    /// Bytes routed and not yet taken.
    pub(crate) bytes: AtomicUsize,
    /// The most `bytes` ever was.
    pub(crate) peak: AtomicUsize,
    /// The caller dropped its receiver: nothing more will be taken.
    closed: AtomicBool,
    /// Signalled by the caller after taking a message or going away.
    drained: Notify,
    inbox: Mutex<Inbox>,
}

#[derive(Debug, Default)]
struct Inbox {
    msgs: VecDeque<Msg>,
    waker: Option<Waker>,
    /// Live `Sender`s; at 0 the receiver sees the end.
    senders: usize,
}

fn lock(q: &Queue) -> std::sync::MutexGuard<'_, Inbox> {
    // A panic while holding the lock leaves a consistent queue: keep using it.
    q.inbox
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The task's end of a call's result channel.
#[derive(Debug)]
pub(crate) struct Sender {
    queue: Arc<Queue>,
}

impl Clone for Sender {
    fn clone(&self) -> Self {
        lock(&self.queue).senders += 1;
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let waker = {
            let mut inbox = lock(&self.queue);
            inbox.senders -= 1;
            if inbox.senders == 0 {
                inbox.waker.take()
            } else {
                None
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Sender {
    /// Queues `m`; `false` when the caller is gone.
    fn push(&self, m: Msg) -> bool {
        let waker = {
            let mut inbox = lock(&self.queue);
            // Checked under the lock: the receiver's drop sets it before emptying the queue.
            if self.queue.closed.load(Ordering::Acquire) {
                return false;
            }
            inbox.msgs.push_back(m);
            inbox.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    fn send(&self, m: Msg) {
        self.push(m);
    }
}

/// The caller's end of a call's result channel; memory held in it is bounded by the
/// connection's `queue_bytes` (plus one socket read of overshoot).
#[derive(Debug)]
pub(crate) struct Events {
    pub(crate) queue: Arc<Queue>,
}

/// A fresh result channel.
pub(crate) fn channel() -> (Sender, Events) {
    let queue = Arc::new(Queue::default());
    {
        let mut inbox = lock(&queue);
        inbox.senders = 1;
        // A call's usual events (columns, rows, complete, done, the Sync's done) fit without
        // growing the queue twice on the round trip.
        inbox.msgs.reserve(4);
    }
    (
        Sender {
            queue: queue.clone(),
        },
        Events { queue },
    )
}

impl Events {
    /// The next message; `None` once the task dropped every sender.
    pub(crate) async fn recv(&mut self) -> Option<Msg> {
        let m = core::future::poll_fn(|cx| {
            let mut inbox = lock(&self.queue);
            if let Some(m) = inbox.msgs.pop_front() {
                return Poll::Ready(Some(m));
            }
            if inbox.senders == 0 {
                return Poll::Ready(None);
            }
            match &inbox.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => inbox.waker = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
        .await?;
        if let Msg::Event(_, n) = &m {
            if *n > 0 {
                self.queue.bytes.fetch_sub(*n, Ordering::AcqRel);
                self.queue.drained.notify_one();
            }
        }
        Some(m)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.queue.closed.store(true, Ordering::Release);
        // What was queued is freed now, not when the last sender goes.
        let msgs = core::mem::take(&mut lock(&self.queue).msgs);
        drop(msgs);
        self.queue.drained.notify_one();
    }
}

/// The bytes a batch holds (values plus a small per-value and per-row overhead).
pub(crate) fn batch_bytes(b: &fasterapi_pgwire::RowBatch) -> usize {
    b.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| 4 + r.get(i).flatten().map_or(0, <[u8]>::len))
                .sum::<usize>()
                + 8
        })
        .sum()
}

/// The bytes an event holds, as counted against its call's budget.
fn event_bytes(event: &Event) -> usize {
    match event {
        Event::CopyData { data, .. } => data.len(),
        Event::Rows { rows, .. } => batch_bytes(rows),
        _ => 0,
    }
}

/// Hashes a request id with one multiply (Fibonacci hashing): ids are the machine's own
/// counter, not peer input, so SipHash's flood resistance buys nothing here and cost about
/// 450 instructions per routed event (callgrind, `select_10k`).
#[derive(Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

struct Task {
    machine: ClientConnection,
    routes: HashMap<RequestId, (Sender, usize), BuildHasherDefault<IdHasher>>,
    /// The queue over budget the task waits on before reading the socket again.
    blocked: Option<Arc<Queue>>,
    budget: usize,
    listener: Option<mpsc::Sender<crate::Notification>>,
    shared: Arc<Shared>,
    /// COPY window permits of data handed to the machine, not yet in the write buffer.
    copy_queued: u32,
    /// COPY window permits of data in the write buffer, given back once it is written.
    copy_unwritten: u32,
}

fn request_of(event: &Event) -> Option<(RequestId, bool)> {
    Some(match event {
        Event::Columns { id, .. }
        | Event::Rows { id, .. }
        | Event::CommandComplete { id, .. }
        | Event::EmptyQuery { id }
        | Event::Described { id, .. }
        | Event::CopyIn { id, .. }
        | Event::CopyOut { id, .. }
        | Event::CopyData { id, .. }
        | Event::CopyDone { id } => (*id, false),
        Event::Done { id, .. }
        | Event::Failed { id, .. }
        | Event::Aborted { id }
        | Event::Suspended { id } => (*id, true),
        _ => return None,
    })
}

/// Sets the request id an event carries.
fn retag(event: &mut Event, to: RequestId) {
    match event {
        Event::Columns { id, .. }
        | Event::Rows { id, .. }
        | Event::CommandComplete { id, .. }
        | Event::EmptyQuery { id }
        | Event::Described { id, .. }
        | Event::CopyIn { id, .. }
        | Event::CopyOut { id, .. }
        | Event::CopyData { id, .. }
        | Event::CopyDone { id }
        | Event::Done { id, .. }
        | Event::Failed { id, .. }
        | Event::Aborted { id }
        | Event::Suspended { id } => *id = to,
        _ => {}
    }
}

impl Task {
    fn route(&mut self, event: Event) {
        if let Event::Notification {
            process_id,
            channel,
            payload,
        } = event
        {
            if let Some(l) = &self.listener {
                let n = crate::Notification {
                    process_id,
                    channel,
                    payload,
                };
                if l.try_send(n).is_err() {
                    self.shared
                        .dropped_notifications
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
            return;
        }
        if let Event::Done {
            status: Some(s), ..
        } = &event
        {
            self.shared.status.store(status_byte(*s), Ordering::Relaxed);
        }
        let Some((id, last)) = request_of(&event) else {
            return;
        };
        if let Some((tx, i)) = self.routes.get(&id) {
            let mut event = event;
            retag(&mut event, *i as RequestId);
            let n = event_bytes(&event);
            let q = &tx.queue;
            // Counted before sending: the caller subtracts as soon as it receives.
            let now = q.bytes.fetch_add(n, Ordering::AcqRel) + n;
            if !tx.push(Msg::Event(event, n)) {
                q.bytes.fetch_sub(n, Ordering::AcqRel);
            } else if n > 0 {
                q.peak.fetch_max(now, Ordering::Relaxed);
                if now > self.budget && self.blocked.is_none() {
                    self.blocked = Some(q.clone());
                }
            }
        }
        if last {
            self.routes.remove(&id);
        }
    }

    fn command(&mut self, c: Command) {
        match c {
            Command::Request { build, events } => match build(&mut self.machine) {
                Ok(list) => {
                    for (i, id) in list.into_iter().enumerate() {
                        self.routes.insert(id, (events.clone(), i));
                    }
                }
                Err(e) => events.send(Msg::Refused(e.into())),
            },
            // A COPY step out of turn is refused by the machine; the request it belongs to
            // still ends (with the server's error), so nothing else needs telling.
            Command::CopyData(d, permits) => {
                drop(self.machine.copy_data(&d));
                self.copy_queued += permits;
            }
            Command::CopyDone => drop(self.machine.copy_done()),
            Command::CopyFail(m) => drop(self.machine.copy_fail(&m)),
            Command::Listen(tx) => self.listener = Some(tx),
            Command::Close => self.machine.close(NOW),
        }
    }

    /// The write buffer went out: its COPY data no longer counts against the window.
    fn copy_written(&mut self) {
        let n = core::mem::take(&mut self.copy_unwritten);
        if n > 0 {
            self.shared.copy_window.add_permits(n as usize);
        }
    }

    fn lose(&mut self, why: &str) {
        // Senders waiting for COPY window fail with `Closed` instead of waiting forever.
        self.shared.copy_window.close();
        let why: Arc<str> = Arc::from(why);
        for (_, (tx, _)) in self.routes.drain() {
            tx.send(Msg::Lost(why.clone()));
        }
    }
}

pub(crate) fn status_byte(s: TransactionStatus) -> u8 {
    match s {
        TransactionStatus::Idle => b'I',
        TransactionStatus::InTransaction => b'T',
        _ => b'E',
    }
}

/// Drives the machine until it closes or the socket fails; requests arrive on `rx`.
pub(crate) async fn run(
    machine: ClientConnection,
    stream: Stream,
    mut rx: mpsc::UnboundedReceiver<Command>,
    shared: Arc<Shared>,
    budget: usize,
) {
    let mut task = Task {
        machine,
        routes: HashMap::default(),
        blocked: None,
        budget,
        listener: None,
        shared,
        copy_queued: 0,
        copy_unwritten: 0,
    };
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut rbuf = vec![0u8; READ_CHUNK];
    let mut wbuf: Vec<u8> = Vec::new();
    let mut scratch = vec![0u8; 16 * 1024];
    let mut wpos = 0;
    let mut commands_open = true;
    let why = loop {
        loop {
            let n = task.machine.poll_transmit(NOW, &mut scratch);
            if n == 0 {
                break;
            }
            wbuf.extend_from_slice(&scratch[..n]);
        }
        // Everything the machine had to send is in `wbuf` now, COPY data included.
        task.copy_unwritten += core::mem::take(&mut task.copy_queued);
        while let Some(event) = task.machine.poll_event() {
            task.route(event);
        }
        if let Some(e) = task.machine.poll_error() {
            break format!("protocol error: {e}");
        }
        if wpos < wbuf.len() {
            // One non-blocking attempt now: a request just queued goes out on this turn
            // instead of the next turn of the select below (one wake-up less per call).
            // Pending leaves it to the select's write branch.
            let attempt = core::future::poll_fn(|cx| {
                Poll::Ready(Pin::new(&mut wr).poll_write(cx, &wbuf[wpos..]))
            })
            .await;
            match attempt {
                Poll::Ready(Ok(0)) => break "write: the socket is closed".to_owned(),
                Poll::Ready(Ok(n)) => {
                    wpos += n;
                    if wpos == wbuf.len() {
                        wbuf.clear();
                        wpos = 0;
                        task.copy_written();
                        if let Err(e) = wr.flush().await {
                            break format!("write: {e}");
                        }
                    }
                }
                Poll::Ready(Err(e)) => break format!("write: {e}"),
                Poll::Pending => {}
            }
        }
        if task.machine.is_closed() && wpos == wbuf.len() {
            let _ = wr.shutdown().await;
            break "the connection was closed".to_owned();
        }
        if let Some(q) = &task.blocked {
            if q.bytes.load(Ordering::Acquire) <= task.budget || q.closed.load(Ordering::Acquire) {
                task.blocked = None;
            }
        }
        let waiting = task.blocked.clone();
        tokio::select! {
            // Back-pressure: while a caller's queue is over budget the socket is not read
            // (the machine is not fed, so nothing more is decoded); requests behind it wait
            // in the socket and the server's buffers, in order.
            () = async { if let Some(q) = &waiting { q.drained.notified().await } }, if waiting.is_some() => {}
            r = rd.read(&mut rbuf), if waiting.is_none() => match r {
                Ok(0) => match task.machine.handle_eof(NOW) {
                    Err(e) => break format!("the server closed the connection: {e}"),
                    Ok(()) => break "the server closed the connection".to_owned(),
                },
                Ok(n) => {
                    if let Err(e) = feed(&mut task.machine, &rbuf[..n]) {
                        while let Some(event) = task.machine.poll_event() {
                            task.route(event);
                        }
                        break format!("protocol error: {e}");
                    }
                }
                Err(e) => break format!("read: {e}"),
            },
            r = wr.write(&wbuf[wpos..]), if wpos < wbuf.len() => match r {
                Ok(0) => break "write: the socket is closed".to_owned(),
                Ok(n) => {
                    wpos += n;
                    if wpos == wbuf.len() {
                        wbuf.clear();
                        wpos = 0;
                        task.copy_written();
                        // TLS holds records until flushed; for TCP and Unix this is a no-op.
                        if let Err(e) = wr.flush().await {
                            break format!("write: {e}");
                        }
                    }
                }
                Err(e) => break format!("write: {e}"),
            },
            c = rx.recv(), if commands_open => match c {
                Some(c) => {
                    task.command(c);
                    while let Ok(c) = rx.try_recv() {
                        task.command(c);
                    }
                }
                None => {
                    commands_open = false;
                    task.machine.close(NOW);
                }
            },
        }
    };
    task.lose(&why);
}

/// Hands bytes read from the socket to the machine.
fn feed(machine: &mut ClientConnection, mut bytes: &[u8]) -> Result<(), fasterapi_pgwire::Error> {
    while !bytes.is_empty() {
        let buf = machine.input_buffer();
        if buf.is_empty() {
            return Err(fasterapi_pgwire::Error::Protocol(
                "bytes arrived while the machine takes no input",
            ));
        }
        let n = buf.len().min(bytes.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        machine.commit_input(NOW, n)?;
        bytes = &bytes[n..];
    }
    Ok(())
}
