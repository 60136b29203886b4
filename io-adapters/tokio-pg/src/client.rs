//! `Client`: requests to the connection's task, results back as owned rows.

use core::sync::atomic::Ordering;
use std::sync::Arc;

use fasterapi_pgwire::codec::Format;
use fasterapi_pgwire::types::{Decode, Encode, TypeError};
use fasterapi_pgwire::{CancelToken, Column, Event, RequestId, RowBatch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::Error;
use crate::config::{ConnectConfig, Host};
use crate::conn::{self, Build, Command, Events, Msg, Shared};

/// A parameter value: anything with a type codec, or [`Null`].
pub trait ToParam {
    /// The type oid declared for it (0: let the server infer).
    fn param_type(&self) -> u32;
    /// Appends the binary value; `false` means NULL.
    ///
    /// # Errors
    /// The value cannot be encoded.
    fn encode_param(&self, out: &mut Vec<u8>) -> Result<bool, TypeError>;
}

impl<T: Encode + ?Sized> ToParam for T {
    fn param_type(&self) -> u32 {
        self.type_oid()
    }
    fn encode_param(&self, out: &mut Vec<u8>) -> Result<bool, TypeError> {
        self.encode(Format::BINARY, out).map(|()| true)
    }
}

/// SQL NULL as a parameter, of the given type oid (0: inferred by the server).
#[derive(Debug, Clone, Copy)]
pub struct Null(pub u32);

impl ToParam for Null {
    fn param_type(&self) -> u32 {
        self.0
    }
    fn encode_param(&self, _out: &mut Vec<u8>) -> Result<bool, TypeError> {
        Ok(false)
    }
}

/// Parameters as passed to `query`: `&[&1i32, &"text", &Null(0)]`.
pub type Params<'a> = &'a [&'a (dyn ToParam + Sync)];

/// Encoded parameters, owned so the task can build the request.
#[derive(Debug, Default)]
struct Encoded {
    types: Vec<u32>,
    data: Vec<u8>,
    /// (start, end) in `data`, or None for NULL.
    spans: Vec<Option<(usize, usize)>>,
}

impl Encoded {
    fn new(params: Params<'_>, declared: Option<&[u32]>) -> Result<Self, Error> {
        // Sized up front: growing three vectors from empty cost several allocations per call.
        let mut e = Self {
            types: declared.map_or_else(|| Vec::with_capacity(params.len()), <[u32]>::to_vec),
            data: Vec::with_capacity(params.len() * 8),
            spans: Vec::with_capacity(params.len()),
        };
        for (i, p) in params.iter().enumerate() {
            let ty = p.param_type();
            if let Some(d) = declared {
                let want = d.get(i).copied().unwrap_or(0);
                if ty != 0 && want != 0 && ty != want {
                    return Err(Error::Type(TypeError::WrongType(want)));
                }
            }
            let start = e.data.len();
            let present = p.encode_param(&mut e.data)?;
            e.spans.push(present.then_some((start, e.data.len())));
            if declared.is_none() {
                e.types.push(ty);
            }
        }
        if let Some(d) = declared {
            if d.len() != params.len() {
                return Err(Error::Config(format!(
                    "the statement takes {} parameters, {} given",
                    d.len(),
                    params.len()
                )));
            }
        }
        Ok(e)
    }

    fn values(&self) -> Vec<Option<&[u8]>> {
        self.spans
            .iter()
            .map(|s| s.map(|(a, b)| &self.data[a..b]))
            .collect()
    }
}

/// Rows of one statement, with its columns and command tag. Values are binary.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    columns: Option<Arc<[Column]>>,
    batches: Vec<RowBatch>,
    len: usize,
    tag: Option<String>,
}

impl Rows {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }
    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The columns (empty for a statement without rows).
    pub fn columns(&self) -> &[Column] {
        self.columns.as_deref().unwrap_or(&[])
    }
    /// The command tag (`SELECT 3`, `INSERT 0 1`).
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    /// Rows affected, from the command tag's last number (0 without one).
    pub fn affected(&self) -> u64 {
        self.tag
            .as_deref()
            .and_then(|t| t.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
    /// Row `i`.
    pub fn get(&self, mut i: usize) -> Option<Row<'_>> {
        for b in &self.batches {
            if i < b.len() {
                return b.row(i).map(|inner| Row {
                    inner,
                    columns: self.columns(),
                });
            }
            i -= b.len();
        }
        None
    }
    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        let columns = self.columns();
        self.batches
            .iter()
            .flat_map(move |b| b.iter().map(move |inner| Row { inner, columns }))
    }
}

/// One row, borrowed from its [`Rows`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    inner: fasterapi_pgwire::Row<'a>,
    columns: &'a [Column],
}

impl<'a> Row<'a> {
    /// Column `i` decoded as `T` (`Option<T>` for a nullable column; `&str` and `&[u8]`
    /// borrow).
    ///
    /// # Errors
    /// No such column, a NULL into a non-`Option`, or a type `T` does not decode.
    pub fn get<T: Decode<'a>>(&self, i: usize) -> Result<T, Error> {
        if i >= self.columns.len() {
            return Err(Error::Type(TypeError::Invalid("no such column")));
        }
        Ok(self.inner.decode(i, self.columns)?)
    }
    /// The column named `name` decoded as `T`.
    ///
    /// # Errors
    /// As for [`Row::get`].
    pub fn get_by_name<T: Decode<'a>>(&self, name: &str) -> Result<T, Error> {
        let i = self
            .columns
            .iter()
            .position(|c| c.name == name)
            .ok_or(Error::Type(TypeError::Invalid("no such column")))?;
        self.get(i)
    }
    /// The raw value of column `i` (`None` for NULL).
    pub fn raw(&self, i: usize) -> Option<&'a [u8]> {
        self.inner.get(i).flatten()
    }
    /// The number of values.
    pub fn len(&self) -> usize {
        self.inner.len()
    }
    /// No values.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// A statement described by the server: its parameter types and result columns. Running it
/// goes through the connection's statement cache (prepared once per connection).
#[derive(Debug, Clone)]
pub struct Statement {
    sql: Arc<str>,
    params: Vec<u32>,
    columns: Arc<[Column]>,
}

impl Statement {
    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }
    /// The parameter type oids.
    pub fn params(&self) -> &[u32] {
        &self.params
    }
    /// The result columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
}

/// A LISTEN/NOTIFY notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notifying backend's process id.
    pub process_id: i32,
    /// The channel.
    pub channel: String,
    /// The payload.
    pub payload: String,
}

/// The stream of notifications of a connection (from [`Client::notifications`]).
#[derive(Debug)]
pub struct Notifications {
    rx: mpsc::Receiver<Notification>,
}

impl Notifications {
    /// The next notification; `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }
}

/// Cancels the running query of a connection from anywhere (a CancelRequest on a new
/// connection, §54.2.8).
#[derive(Debug, Clone)]
pub struct CancelHandle {
    host: Host,
    token: CancelToken,
}

impl CancelHandle {
    /// Sends the CancelRequest and waits for the server to close that connection. The server
    /// never answers; whether anything was cancelled shows in the query's own result
    /// (SQLSTATE 57014). Sent in clear: PostgreSQL reads cancel requests before TLS.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn cancel(&self) -> Result<(), Error> {
        let mut s = conn::open(&self.host).await?;
        s.write_all(&self.token.encode()).await?;
        let mut b = [0u8; 16];
        let _ = tokio::time::timeout(core::time::Duration::from_secs(5), s.read(&mut b)).await;
        Ok(())
    }
}

/// An async PostgreSQL connection. Cheap to share by reference: every method takes `&self`,
/// and requests from concurrent tasks are pipelined on the one connection. Dropping every
/// handle closes the connection (Terminate).
///
/// Every future is cancellation-safe for the connection: a dropped call's request still runs
/// to its end on the server and its results are discarded, so later requests are unaffected.
#[derive(Debug)]
pub struct Client {
    tx: mpsc::UnboundedSender<Command>,
    cancel: Option<CancelHandle>,
    shared: Arc<Shared>,
    max_result: usize,
    /// Permits of the COPY window (`queue_bytes`), the most one `CopyIn::send` takes.
    copy_permits: u32,
    process_id: i32,
    tls: bool,
    channel_binding: bool,
}

impl Client {
    /// Connects with `config`: opens the socket, runs TLS as `ssl_mode` says (channel binding
    /// through the server certificate), authenticates, and starts the connection's task.
    ///
    /// # Errors
    /// The socket, TLS, authentication (with the server's SQLSTATE), or the configuration.
    pub async fn connect(config: &ConnectConfig) -> Result<Self, Error> {
        let (machine, stream) = conn::establish(config).await?;
        let cancel = machine.cancel_token().map(|token| CancelHandle {
            host: config.host.clone(),
            token: token.clone(),
        });
        let process_id = cancel.as_ref().map_or(0, |c| c.token.process_id);
        let (tls, channel_binding) = (machine.is_tls(), machine.used_channel_binding());
        let shared = Arc::new(Shared::new(config.queue_bytes));
        shared.status.store(b'I', Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(conn::run(
            machine,
            stream,
            rx,
            shared.clone(),
            config.queue_bytes.max(1),
        ));
        Ok(Self {
            tx,
            cancel,
            shared,
            max_result: config.max_result_bytes,
            copy_permits: conn::copy_permits(config.queue_bytes),
            process_id,
            tls,
            channel_binding,
        })
    }

    /// Connects with a `postgres://` URL (see [`ConnectConfig::from_url`]).
    ///
    /// # Errors
    /// As for [`Client::connect`], and a bad URL.
    pub async fn connect_url(url: &str) -> Result<Self, Error> {
        Self::connect(&ConnectConfig::from_url(url)?).await
    }

    /// The backend's process id.
    pub fn process_id(&self) -> i32 {
        self.process_id
    }

    /// The session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Authentication used SCRAM-SHA-256-PLUS channel binding.
    pub fn used_channel_binding(&self) -> bool {
        self.channel_binding
    }

    /// The connection's task has ended (closed, lost, failed).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Outside a transaction (as of the last ReadyForQuery).
    pub fn is_idle(&self) -> bool {
        self.shared.status.load(Ordering::Relaxed) == b'I'
    }

    /// A handle that cancels this connection's running query.
    pub fn cancel_handle(&self) -> Option<CancelHandle> {
        self.cancel.clone()
    }

    /// Notifications from now on (LISTEN on the connection to receive any). A second call
    /// replaces the first stream. At most 4,096 unread notifications are held; more are
    /// dropped and counted ([`Client::dropped_notifications`]).
    pub fn notifications(&self) -> Notifications {
        let (tx, rx) = mpsc::channel(conn::NOTIFICATION_QUEUE);
        let _ = self.tx.send(Command::Listen(tx));
        Notifications { rx }
    }

    /// Notifications dropped because the stream was not read.
    pub fn dropped_notifications(&self) -> u64 {
        self.shared.dropped_notifications.load(Ordering::Relaxed)
    }

    /// Queues `build`, which makes `n` requests, on the task. Their events come back on the
    /// receiver with ids 0..n (their positions), which is what this returns as ids.
    fn send(&self, n: usize, build: Build) -> Result<(Vec<RequestId>, Events), Error> {
        let (events, rx) = conn::channel();
        self.tx
            .send(Command::Request { build, events })
            .map_err(|_| Error::Closed)?;
        Ok(((0..n as RequestId).collect(), rx))
    }

    /// Runs `sql` with `params` (extended protocol, binary values, through the statement
    /// cache) and returns its rows.
    ///
    /// # Errors
    /// The server's error (SQLSTATE kept), a parameter that does not encode, a closed
    /// connection.
    pub async fn query(&self, sql: &str, params: Params<'_>) -> Result<Rows, Error> {
        let enc = Encoded::new(params, None)?;
        self.run_one(sql.into(), enc).await
    }

    /// Runs `sql` like [`Client::query`] but hands the rows over as they arrive, in
    /// batches ([`RowStream::next`]), instead of collecting them: memory stays within the
    /// connection's `queue_bytes` whatever the result's size (the connection stops reading
    /// the socket while the stream is not read).
    ///
    /// # Errors
    /// A parameter that does not encode, a closed connection (the server's error comes from
    /// [`RowStream::next`]).
    pub async fn query_stream(&self, sql: &str, params: Params<'_>) -> Result<RowStream, Error> {
        let enc = Encoded::new(params, None)?;
        let sql: Arc<str> = sql.into();
        let build: Build = Box::new(move |m| {
            let values = enc.values();
            let a = m.execute(
                &sql,
                &enc.types,
                &[Format::BINARY],
                &values,
                &[Format::BINARY],
            )?;
            Ok(vec![a, m.sync()?])
        });
        let (ids, rx) = self.send(2, build)?;
        Ok(RowStream {
            rx,
            id: ids[0],
            columns: None,
            tag: None,
            done: false,
        })
    }

    /// Runs a statement described by [`Client::prepare`] (parameter types checked against it).
    ///
    /// # Errors
    /// As for [`Client::query`].
    pub async fn query_prepared(
        &self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Result<Rows, Error> {
        let enc = Encoded::new(params, Some(&statement.params))?;
        self.run_one(statement.sql.clone(), enc).await
    }

    /// Runs `sql` and returns the number of rows it affected.
    ///
    /// # Errors
    /// As for [`Client::query`].
    pub async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        Ok(self.query(sql, params).await?.affected())
    }

    async fn run_once(&self, sql: Arc<str>, enc: Arc<Encoded>) -> Result<Rows, Error> {
        let build: Build = Box::new(move |m| {
            let values = enc.values();
            let a = m.execute(
                &sql,
                &enc.types,
                &[Format::BINARY],
                &values,
                &[Format::BINARY],
            )?;
            Ok(vec![a, m.sync()?])
        });
        let (ids, mut rx) = self.send(2, build)?;
        self.collect(&mut rx, ids[0]).await
    }

    async fn run_one(&self, sql: Arc<str>, enc: Encoded) -> Result<Rows, Error> {
        let enc = Arc::new(enc);
        match self.run_once(sql.clone(), enc.clone()).await {
            // "cached plan must not change result type": the machine dropped the stale
            // statement; outside a transaction block the retry prepares it afresh.
            Err(Error::Db(e)) if e.code().as_str() == "0A000" && self.is_idle() => {
                self.run_once(sql, enc).await
            }
            r => r,
        }
    }

    /// Describes `sql` (Parse + Describe of an unnamed statement): its parameter types and
    /// columns. Running it prepares it once in the connection's cache.
    ///
    /// # Errors
    /// The server's error (a syntax error, an unknown table).
    pub async fn prepare(&self, sql: &str) -> Result<Statement, Error> {
        let text: Arc<str> = sql.into();
        let s = text.clone();
        let build: Build = Box::new(move |m| {
            let p = m.parse("", &s, &[])?;
            let d = m.describe_statement("")?;
            Ok(vec![p, d, m.sync()?])
        });
        let (ids, mut rx) = self.send(3, build)?;
        self.collect(&mut rx, ids[0]).await?;
        let mut described = None;
        loop {
            match next(&mut rx).await? {
                Event::Described {
                    params, columns, ..
                } => described = Some((params, columns)),
                Event::Done { id, .. } if id == ids[1] => break,
                Event::Failed { error, .. } => return Err(Error::Db(error)),
                Event::Aborted { .. } => return Err(Error::Aborted),
                _ => {}
            }
        }
        let (params, columns) = described.ok_or(Error::Unexpected("no ParameterDescription"))?;
        Ok(Statement {
            sql: text,
            params,
            columns,
        })
    }

    /// Runs `sql` with the simple query protocol (several statements allowed, no
    /// parameters); one [`Rows`] per statement, values in text.
    ///
    /// # Errors
    /// The server's error: the statements before the failing one ran.
    pub async fn simple_query(&self, sql: &str) -> Result<Vec<Rows>, Error> {
        let s = sql.to_owned();
        let (ids, mut rx) = self.send(1, Box::new(move |m| Ok(vec![m.query(&s)?])))?;
        let mut out = Vec::new();
        let mut cur = Rows::default();
        let mut held = Held::new(self.max_result);
        loop {
            match next(&mut rx).await? {
                Event::Columns { columns, .. } => cur.columns = Some(columns),
                Event::Rows { rows, .. } => {
                    if held.add(&rows) {
                        cur.len += rows.len();
                        cur.batches.push(rows);
                    } else {
                        cur.batches = Vec::new();
                        out = Vec::new();
                    }
                }
                Event::CommandComplete { tag, .. } => {
                    cur.tag = Some(tag);
                    out.push(core::mem::take(&mut cur));
                }
                Event::EmptyQuery { .. } => out.push(core::mem::take(&mut cur)),
                Event::CopyIn { .. } => self.refuse_copy(),
                Event::Done { id, .. } if id == ids[0] => return held.check().map(|()| out),
                Event::Failed { error, .. } => return Err(Error::Db(error)),
                _ => {}
            }
        }
    }

    /// COPY FROM STDIN through a call that is not [`Client::copy_in`]: fail it on the server
    /// so the connection moves on.
    fn refuse_copy(&self) {
        let _ = self.tx.send(Command::CopyFail(
            "COPY FROM STDIN needs Client::copy_in".into(),
        ));
    }

    async fn collect(&self, rx: &mut Events, id: RequestId) -> Result<Rows, Error> {
        let mut rows = Rows::default();
        let mut held = Held::new(self.max_result);
        loop {
            match next(rx).await? {
                Event::Columns { columns, .. } => rows.columns = Some(columns),
                Event::Rows { rows: b, .. } => {
                    if held.add(&b) {
                        rows.len += b.len();
                        rows.batches.push(b);
                    } else {
                        rows.batches = Vec::new();
                    }
                }
                Event::CommandComplete { tag, .. } => rows.tag = Some(tag),
                Event::CopyIn { .. } => self.refuse_copy(),
                Event::Done { id: d, .. } if d == id => return held.check().map(|()| rows),
                Event::Failed { id: d, error } if d == id => return Err(Error::Db(error)),
                Event::Aborted { id: d } if d == id => return Err(Error::Aborted),
                _ => {}
            }
        }
    }

    /// An explicit pipeline: statements queued with [`Pipeline::push`] are all sent before
    /// any result is read, with one Sync at the end.
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline {
            client: self,
            items: Vec::new(),
        }
    }

    /// Starts `COPY … FROM STDIN`: send data with [`CopyIn::send`], end with
    /// [`CopyIn::finish`]. Dropping it unfinished aborts the COPY (CopyFail).
    ///
    /// # Errors
    /// The server's error (the statement is not a COPY FROM STDIN, a bad table).
    pub async fn copy_in(&self, sql: &str) -> Result<CopyIn<'_>, Error> {
        let s = sql.to_owned();
        let (ids, mut rx) = self.send(1, Box::new(move |m| Ok(vec![m.query(&s)?])))?;
        loop {
            match next(&mut rx).await? {
                Event::CopyIn { .. } => {
                    return Ok(CopyIn {
                        client: self,
                        rx,
                        id: ids[0],
                        open: true,
                    });
                }
                Event::Failed { error, .. } => return Err(Error::Db(error)),
                Event::Done { .. } => {
                    return Err(Error::Unexpected("the statement is not COPY FROM STDIN"));
                }
                _ => {}
            }
        }
    }

    /// Starts `COPY … TO STDOUT`: read the data with [`CopyOut::next`].
    ///
    /// # Errors
    /// The server's error.
    pub async fn copy_out(&self, sql: &str) -> Result<CopyOut, Error> {
        let s = sql.to_owned();
        let (ids, mut rx) = self.send(1, Box::new(move |m| Ok(vec![m.query(&s)?])))?;
        loop {
            match next(&mut rx).await? {
                Event::CopyOut { .. } => {
                    return Ok(CopyOut {
                        rx,
                        id: ids[0],
                        done: false,
                    });
                }
                Event::CopyIn { .. } => self.refuse_copy(),
                Event::Failed { error, .. } => return Err(Error::Db(error)),
                Event::Done { .. } => {
                    return Err(Error::Unexpected("the statement is not COPY TO STDOUT"));
                }
                _ => {}
            }
        }
    }

    /// Sends Terminate and lets the task end.
    pub fn close(self) {
        let _ = self.tx.send(Command::Close);
    }
}

/// The bytes a collecting call holds, against `max_result_bytes`. Over the limit the call
/// drops what it has and keeps reading to the request's end, so the connection moves on.
#[derive(Debug)]
struct Held {
    bytes: usize,
    limit: usize,
}

impl Held {
    fn new(limit: usize) -> Self {
        Self { bytes: 0, limit }
    }
    /// Counts `b`; `false` once over the limit (keep nothing more).
    fn add(&mut self, b: &RowBatch) -> bool {
        self.bytes = self.bytes.saturating_add(conn::batch_bytes(b));
        self.bytes <= self.limit
    }
    fn check(&self) -> Result<(), Error> {
        if self.bytes > self.limit {
            Err(Error::ResultTooLarge(self.limit))
        } else {
            Ok(())
        }
    }
}

async fn next(rx: &mut Events) -> Result<Event, Error> {
    match rx.recv().await {
        Some(Msg::Event(e, _)) => Ok(e),
        Some(Msg::Lost(why)) => Err(Error::ConnectionLost(why.to_string())),
        Some(Msg::Refused(e)) => Err(e),
        None => Err(Error::Closed),
    }
}

/// Statements sent together (see [`Client::pipeline`]).
#[derive(Debug)]
pub struct Pipeline<'c> {
    client: &'c Client,
    items: Vec<(Arc<str>, Encoded)>,
}

impl Pipeline<'_> {
    /// Queues `sql` with `params`.
    ///
    /// # Errors
    /// A parameter that does not encode.
    pub fn push(&mut self, sql: &str, params: Params<'_>) -> Result<&mut Self, Error> {
        self.items.push((sql.into(), Encoded::new(params, None)?));
        Ok(self)
    }

    /// The number of queued statements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sends everything, then reads the results in order: one per statement. After a failed
    /// statement the server skips the rest (§54.2.3): they are [`Error::Aborted`]; an
    /// implicit transaction rolls back the ones before.
    ///
    /// # Errors
    /// The connection failed (per-statement errors are in the list).
    pub async fn run(self) -> Result<Vec<Result<Rows, Error>>, Error> {
        let items = self.items;
        let n = items.len();
        let build: Build = Box::new(move |m| {
            let mut ids = Vec::with_capacity(items.len() + 1);
            for (sql, enc) in &items {
                let values = enc.values();
                ids.push(m.execute(
                    sql,
                    &enc.types,
                    &[Format::BINARY],
                    &values,
                    &[Format::BINARY],
                )?);
            }
            ids.push(m.sync()?);
            Ok(ids)
        });
        let (ids, mut rx) = self.client.send(n + 1, build)?;
        let mut out = Vec::with_capacity(n);
        for id in &ids[..n] {
            match self.client.collect(&mut rx, *id).await {
                Err(e @ (Error::Closed | Error::ConnectionLost(_))) => return Err(e),
                r => out.push(r),
            }
        }
        Ok(out)
    }
}

/// An open `COPY … FROM STDIN`.
#[derive(Debug)]
pub struct CopyIn<'c> {
    client: &'c Client,
    rx: Events,
    id: RequestId,
    open: bool,
}

impl CopyIn<'_> {
    /// Sends a chunk of COPY data (any split; rows may span chunks).
    ///
    /// Back-pressure: at most [`ConnectConfig::queue_bytes`](crate::ConnectConfig::queue_bytes)
    /// bytes of COPY data wait in the client at a time (handed over and not yet written to the
    /// socket); beyond that `send` waits until the server has taken some. A chunk larger than
    /// the whole window waits for the window to empty, then goes alone.
    ///
    /// # Errors
    /// The connection is closed or lost.
    pub async fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        let permits = u32::try_from(data.len())
            .unwrap_or(u32::MAX)
            .min(self.client.copy_permits);
        self.client
            .shared
            .copy_window
            .acquire_many(permits)
            .await
            .map_err(|_| Error::Closed)?
            .forget();
        self.client
            .tx
            .send(Command::CopyData(data.to_vec(), permits))
            .map_err(|_| Error::Closed)
    }

    /// Ends the COPY and returns the rows copied.
    ///
    /// # Errors
    /// The server's error (bad data: nothing was copied).
    pub async fn finish(mut self) -> Result<u64, Error> {
        self.open = false;
        self.client
            .tx
            .send(Command::CopyDone)
            .map_err(|_| Error::Closed)?;
        let rows = self.client.collect(&mut self.rx, self.id).await?;
        Ok(rows.affected())
    }

    /// Aborts the COPY with `message` (nothing is copied); returns the server's error.
    pub async fn abort(mut self, message: &str) -> Error {
        self.open = false;
        let _ = self.client.tx.send(Command::CopyFail(message.to_owned()));
        match self.client.collect(&mut self.rx, self.id).await {
            Err(e) => e,
            Ok(_) => Error::Unexpected("the server accepted an aborted COPY"),
        }
    }
}

impl Drop for CopyIn<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self
                .client
                .tx
                .send(Command::CopyFail("the COPY was dropped".into()));
        }
    }
}

/// Rows of [`Client::query_stream`], as they arrive.
#[derive(Debug)]
pub struct RowStream {
    rx: Events,
    id: RequestId,
    columns: Option<Arc<[Column]>>,
    tag: Option<String>,
    done: bool,
}

impl RowStream {
    /// The next batch of rows (as many as arrived together); `None` at the end.
    ///
    /// # Errors
    /// The server's error, a lost connection.
    pub async fn next(&mut self) -> Option<Result<Rows, Error>> {
        if self.done {
            return None;
        }
        loop {
            match next(&mut self.rx).await {
                Ok(Event::Columns { columns, .. }) => self.columns = Some(columns),
                Ok(Event::Rows { rows, .. }) => {
                    return Some(Ok(Rows {
                        columns: self.columns.clone(),
                        len: rows.len(),
                        batches: vec![rows],
                        tag: None,
                    }));
                }
                Ok(Event::CommandComplete { tag, .. }) => self.tag = Some(tag),
                Ok(Event::Done { id, .. }) if id == self.id => {
                    self.done = true;
                    return None;
                }
                Ok(Event::Failed { error, .. }) => {
                    self.done = true;
                    return Some(Err(Error::Db(error)));
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// The command tag, once the stream has ended.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The columns (known once the first batch arrived).
    pub fn columns(&self) -> &[Column] {
        self.columns.as_deref().unwrap_or(&[])
    }

    /// Bytes decoded for this stream and not read yet (bounded by `queue_bytes` plus one
    /// socket read).
    pub fn queued_bytes(&self) -> usize {
        self.rx.queue.bytes.load(Ordering::Acquire)
    }

    /// The most [`RowStream::queued_bytes`] ever was.
    pub fn peak_queued_bytes(&self) -> usize {
        self.rx.queue.peak.load(Ordering::Acquire)
    }
}

/// An open `COPY … TO STDOUT`.
#[derive(Debug)]
pub struct CopyOut {
    rx: Events,
    id: RequestId,
    done: bool,
}

impl CopyOut {
    /// The next chunk of data (one row in text format); `None` at the end.
    ///
    /// # Errors
    /// The server's error, a lost connection.
    pub async fn next(&mut self) -> Option<Result<Vec<u8>, Error>> {
        if self.done {
            return None;
        }
        loop {
            match next(&mut self.rx).await {
                Ok(Event::CopyData { data, .. }) => return Some(Ok(data)),
                Ok(Event::Done { id, .. }) if id == self.id => {
                    self.done = true;
                    return None;
                }
                Ok(Event::Failed { error, .. }) => {
                    self.done = true;
                    return Some(Err(Error::Db(error)));
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Bytes of COPY data received and not read yet (bounded by `queue_bytes` plus one
    /// socket read: the connection stops reading the socket while this is over budget).
    pub fn queued_bytes(&self) -> usize {
        self.rx.queue.bytes.load(Ordering::Acquire)
    }

    /// The most [`CopyOut::queued_bytes`] ever was.
    pub fn peak_queued_bytes(&self) -> usize {
        self.rx.queue.peak.load(Ordering::Acquire)
    }
}
