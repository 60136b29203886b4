//! Requests once the session is ready: simple and extended query, pipelining, COPY, the
//! statement cache, and how each backend message is attributed to the request it answers.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::event::{Column, Event, RequestId, RowBatch};
use super::{ClientConnection, Phase, no_nul};
use crate::codec::{Backend, Bind, Format, Frontend, List, Target};
use crate::error::{DbError, Error, SqlState};

/// One response the server owes, in the order the requests were sent.
#[derive(Debug)]
pub(crate) struct Expect {
    /// `None` for the machine's own messages (closing evicted statements).
    id: Option<RequestId>,
    kind: Kind,
    /// Whether this step ends its request (an `execute` is Parse+Describe+Bind+Execute).
    terminal: bool,
}

#[derive(Debug)]
enum Kind {
    /// A simple Query: any number of results, then ReadyForQuery. An error is held until
    /// then, so the request's last event comes with its ReadyForQuery.
    Query {
        error: Option<DbError>,
    },
    Parse {
        cached: Option<String>,
    },
    Bind,
    DescribeStatement {
        name: String,
        cached: bool,
        params: Option<Vec<u32>>,
    },
    DescribePortal,
    Execute {
        statement: Option<String>,
        columns: Option<Arc<[Column]>>,
        /// Result formats to apply to columns a later Describe supplies.
        formats: Option<Vec<Format>>,
        announced: bool,
    },
    Close,
    Sync,
}

/// The COPY sub-protocol state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Copy {
    None,
    /// COPY FROM STDIN of `id`; `resync`: a Sync sent behind the Execute was ignored by the
    /// server (§54.2.6: "ignore Flush and Sync received during copy-in mode"), so one is
    /// sent again after CopyDone/CopyFail.
    In {
        id: RequestId,
        resync: bool,
    },
    Out {
        id: RequestId,
    },
}

/// The most values in one message (`Int16` counts).
const MAX_VALUES: usize = i16::MAX as usize;

impl ClientConnection {
    fn check_ready(&self) -> Result<(), Error> {
        match self.phase {
            Phase::Ready if !matches!(self.copy, Copy::In { .. }) => Ok(()),
            Phase::Ready => Err(Error::InvalidState("COPY FROM STDIN in progress")),
            Phase::Closed => Err(Error::InvalidState("the session is closed")),
            _ => Err(Error::InvalidState("the session is not ready yet")),
        }
    }

    fn expect(&mut self, id: Option<RequestId>, kind: Kind, terminal: bool) {
        self.expects.push_back(Expect { id, kind, terminal });
    }

    /// Sends Close for statements the cache dropped, before the next request.
    fn close_dropped(&mut self) {
        for name in core::mem::take(&mut self.to_close) {
            Frontend::Close {
                target: Target::Statement,
                name: name.as_bytes(),
            }
            .emit(&mut self.out);
            self.expect(None, Kind::Close, false);
        }
    }

    /// A simple query (§54.2.2): one or more SQL statements, results for each, then
    /// ReadyForQuery. Ends with [`Event::Done`] (or [`Event::Failed`]).
    ///
    /// # Errors
    /// The session is not ready, or `sql` has a NUL.
    pub fn query(&mut self, sql: &str) -> Result<RequestId, Error> {
        self.check_ready()?;
        let sql = no_nul(sql.as_bytes())?;
        self.close_dropped();
        let id = self.id();
        Frontend::Query(sql).emit(&mut self.out);
        self.expect(Some(id), Kind::Query { error: None }, true);
        Ok(id)
    }

    /// Runs `sql` through the extended protocol with the statement cache: Parse and Describe
    /// the first time (under a cache name), then only Bind and Execute. Emits
    /// [`Event::Columns`], [`Event::Rows`], [`Event::CommandComplete`], then [`Event::Done`].
    /// No Sync is sent: call [`sync`](Self::sync) after one or many (a pipeline).
    ///
    /// `param_types` may be empty (the server infers them); `param_formats` and
    /// `result_formats` follow Bind's rule (none = text, one = for all, or one each).
    ///
    /// # Errors
    /// The session is not ready, a NUL in `sql`, or more than 32,767 values.
    pub fn execute(
        &mut self,
        sql: &str,
        param_types: &[u32],
        param_formats: &[Format],
        params: &[Option<&[u8]>],
        result_formats: &[Format],
    ) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(sql.as_bytes())?;
        for n in [
            param_types.len(),
            param_formats.len(),
            params.len(),
            result_formats.len(),
        ] {
            if n > MAX_VALUES {
                return Err(Error::TooManyValues(n));
            }
        }
        let id = self.id();
        let (name, columns) = if self.cache.capacity() == 0 {
            Frontend::Parse {
                name: b"",
                query: sql.as_bytes(),
                param_types: List::new(param_types),
            }
            .emit(&mut self.out);
            self.expect(Some(id), Kind::Parse { cached: None }, false);
            (String::new(), None)
        } else if let Some(e) = self.cache.get(sql, param_types) {
            let (name, columns) = (e.name.clone(), e.columns.clone());
            self.close_dropped();
            (name, columns)
        } else {
            let (name, evicted) = self.cache.insert(sql, param_types);
            self.to_close.extend(evicted);
            self.close_dropped();
            Frontend::Parse {
                name: name.as_bytes(),
                query: sql.as_bytes(),
                param_types: List::new(param_types),
            }
            .emit(&mut self.out);
            self.expect(
                Some(id),
                Kind::Parse {
                    cached: Some(name.clone()),
                },
                false,
            );
            Frontend::Describe {
                target: Target::Statement,
                name: name.as_bytes(),
            }
            .emit(&mut self.out);
            let kind = Kind::DescribeStatement {
                name: name.clone(),
                cached: true,
                params: None,
            };
            self.expect(Some(id), kind, false);
            (name, None)
        };
        Frontend::Bind(Bind {
            portal: b"",
            statement: name.as_bytes(),
            param_formats: List::new(param_formats),
            params: List::new(params),
            result_formats: List::new(result_formats),
        })
        .emit(&mut self.out);
        self.expect(Some(id), Kind::Bind, false);
        let unnamed = name.is_empty();
        if unnamed {
            Frontend::Describe {
                target: Target::Portal,
                name: b"",
            }
            .emit(&mut self.out);
            self.expect(Some(id), Kind::DescribePortal, false);
        }
        Frontend::Execute {
            portal: b"",
            max_rows: 0,
        }
        .emit(&mut self.out);
        let kind = Kind::Execute {
            statement: (!unnamed).then_some(name),
            // Known columns get this request's formats now; otherwise once described.
            formats: if columns.is_some() {
                None
            } else {
                Some(Vec::from(result_formats))
            },
            columns: columns.map(|c| with_formats(&c, result_formats)),
            announced: false,
        };
        self.expect(Some(id), kind, true);
        Ok(id)
    }

    /// Parse (§54.7): prepares `sql` as statement `name` (empty: unnamed). Ends with Done.
    ///
    /// # Errors
    /// Not ready, NUL, too many types.
    pub fn parse(
        &mut self,
        name: &str,
        sql: &str,
        param_types: &[u32],
    ) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(name.as_bytes())?;
        no_nul(sql.as_bytes())?;
        if param_types.len() > MAX_VALUES {
            return Err(Error::TooManyValues(param_types.len()));
        }
        self.close_dropped();
        let id = self.id();
        Frontend::Parse {
            name: name.as_bytes(),
            query: sql.as_bytes(),
            param_types: List::new(param_types),
        }
        .emit(&mut self.out);
        self.expect(Some(id), Kind::Parse { cached: None }, true);
        Ok(id)
    }

    /// Bind (§54.7): makes portal `portal` from `statement` and parameters. Ends with Done.
    ///
    /// # Errors
    /// Not ready, NUL, too many values.
    pub fn bind(
        &mut self,
        portal: &str,
        statement: &str,
        param_formats: &[Format],
        params: &[Option<&[u8]>],
        result_formats: &[Format],
    ) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(portal.as_bytes())?;
        no_nul(statement.as_bytes())?;
        for n in [param_formats.len(), params.len(), result_formats.len()] {
            if n > MAX_VALUES {
                return Err(Error::TooManyValues(n));
            }
        }
        let id = self.id();
        Frontend::Bind(Bind {
            portal: portal.as_bytes(),
            statement: statement.as_bytes(),
            param_formats: List::new(param_formats),
            params: List::new(params),
            result_formats: List::new(result_formats),
        })
        .emit(&mut self.out);
        self.expect(Some(id), Kind::Bind, true);
        Ok(id)
    }

    /// Describe a statement: [`Event::Described`], then Done.
    ///
    /// # Errors
    /// Not ready, NUL.
    pub fn describe_statement(&mut self, name: &str) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(name.as_bytes())?;
        let id = self.id();
        Frontend::Describe {
            target: Target::Statement,
            name: name.as_bytes(),
        }
        .emit(&mut self.out);
        let kind = Kind::DescribeStatement {
            name: String::from(name),
            cached: false,
            params: None,
        };
        self.expect(Some(id), kind, true);
        Ok(id)
    }

    /// Describe a portal: [`Event::Columns`] (when it returns rows), then Done.
    ///
    /// # Errors
    /// Not ready, NUL.
    pub fn describe_portal(&mut self, name: &str) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(name.as_bytes())?;
        let id = self.id();
        Frontend::Describe {
            target: Target::Portal,
            name: name.as_bytes(),
        }
        .emit(&mut self.out);
        self.expect(Some(id), Kind::DescribePortal, true);
        Ok(id)
    }

    /// Execute a portal, at most `max_rows` rows (0: all). Rows, then CommandComplete and
    /// Done, or [`Event::Suspended`] at the limit.
    ///
    /// # Errors
    /// Not ready, NUL.
    pub fn execute_portal(&mut self, portal: &str, max_rows: i32) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(portal.as_bytes())?;
        let id = self.id();
        Frontend::Execute {
            portal: portal.as_bytes(),
            max_rows,
        }
        .emit(&mut self.out);
        let kind = Kind::Execute {
            statement: None,
            columns: None,
            formats: None,
            announced: true,
        };
        self.expect(Some(id), kind, true);
        Ok(id)
    }

    /// Close a statement or portal. Ends with Done.
    ///
    /// # Errors
    /// Not ready, NUL.
    pub fn close_target(&mut self, target: Target, name: &str) -> Result<RequestId, Error> {
        self.check_ready()?;
        no_nul(name.as_bytes())?;
        let id = self.id();
        Frontend::Close {
            target,
            name: name.as_bytes(),
        }
        .emit(&mut self.out);
        self.expect(Some(id), Kind::Close, true);
        Ok(id)
    }

    /// Sync: ends a pipeline. Its Done (with the transaction status) is the pipeline's
    /// ReadyForQuery; after an error the server skipped everything up to here.
    ///
    /// # Errors
    /// Not ready.
    pub fn sync(&mut self) -> Result<RequestId, Error> {
        self.check_ready()?;
        let id = self.id();
        Frontend::Sync.emit(&mut self.out);
        self.expect(Some(id), Kind::Sync, true);
        Ok(id)
    }

    /// Flush: asks the server to send what it has without ending the pipeline.
    ///
    /// # Errors
    /// Not ready.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.check_ready()?;
        Frontend::Flush.emit(&mut self.out);
        Ok(())
    }

    fn copy_in_id(&self) -> Result<(RequestId, bool), Error> {
        match self.copy {
            Copy::In { id, resync } => Ok((id, resync)),
            _ => Err(Error::InvalidState("no COPY FROM STDIN in progress")),
        }
    }

    /// COPY FROM STDIN data (any split; rows may span calls).
    ///
    /// # Errors
    /// No COPY IN in progress.
    pub fn copy_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.copy_in_id()?;
        // One CopyData message per call, split so none exceeds 1 MiB.
        for chunk in data.chunks(1 << 20) {
            Frontend::CopyData(chunk).emit(&mut self.out);
        }
        Ok(())
    }

    /// Ends COPY FROM STDIN successfully.
    ///
    /// # Errors
    /// No COPY IN in progress.
    pub fn copy_done(&mut self) -> Result<(), Error> {
        let (_, resync) = self.copy_in_id()?;
        Frontend::CopyDone.emit(&mut self.out);
        if resync {
            Frontend::Sync.emit(&mut self.out);
        }
        self.copy = Copy::None;
        Ok(())
    }

    /// Aborts COPY FROM STDIN with `message`; the request fails with the server's error.
    ///
    /// # Errors
    /// No COPY IN in progress, or a NUL in `message`.
    pub fn copy_fail(&mut self, message: &str) -> Result<(), Error> {
        let (_, resync) = self.copy_in_id()?;
        Frontend::CopyFail(no_nul(message.as_bytes())?).emit(&mut self.out);
        if resync {
            Frontend::Sync.emit(&mut self.out);
        }
        self.copy = Copy::None;
        Ok(())
    }

    /// Ends `id`: Done unless it already ended.
    fn done(&mut self, id: Option<RequestId>, status: Option<crate::codec::TransactionStatus>) {
        if let Some(id) = id {
            self.push_event(Event::Done { id, status });
        }
    }

    fn unexpected(tag: u8) -> Error {
        Error::UnexpectedMessage {
            state: "waiting for results",
            tag,
        }
    }

    /// One backend message in the ready phase. `body` is the message body (DataRow's bytes
    /// are copied into the row batch from it).
    pub(crate) fn on_message(&mut self, msg: Backend<'_>, body: &[u8]) -> Result<(), Error> {
        match msg {
            Backend::NoticeResponse(f) => {
                self.push_event(Event::Notice(DbError::from_fields(f)));
                return Ok(());
            }
            Backend::NotificationResponse {
                process_id,
                channel,
                payload,
            } => {
                self.push_event(Event::Notification {
                    process_id,
                    channel: String::from_utf8_lossy(channel).into_owned(),
                    payload: String::from_utf8_lossy(payload).into_owned(),
                });
                return Ok(());
            }
            Backend::ParameterStatus { name, value } => {
                self.on_parameter_status(name, value);
                return Ok(());
            }
            Backend::DataRow(values) => {
                let Some(front) = self.expects.front_mut() else {
                    return Err(Self::unexpected(b'D'));
                };
                let id = front.id.ok_or(Self::unexpected(b'D'))?;
                match &mut front.kind {
                    Kind::Query { .. } => {}
                    Kind::Execute {
                        columns, announced, ..
                    } => {
                        if !*announced {
                            *announced = true;
                            if let Some(c) = columns.clone() {
                                self.push_event(Event::Columns { id, columns: c });
                            }
                        }
                    }
                    _ => return Err(Self::unexpected(b'D')),
                }
                match &mut self.batch {
                    Some((bid, rows)) if *bid == id => rows.push(&values, body),
                    _ => {
                        self.flush_batch();
                        let mut rows = RowBatch::default();
                        rows.push(&values, body);
                        self.batch = Some((id, rows));
                    }
                }
                return Ok(());
            }
            _ => {}
        }
        let tag = msg.tag();
        let sync_next = matches!(
            self.expects.get(1),
            Some(Expect {
                kind: Kind::Sync,
                ..
            })
        );
        let Some(front) = self.expects.front_mut() else {
            // Only a FATAL report may come unasked (the server is going away).
            if let Backend::ErrorResponse(f) = msg {
                return Err(Error::Server(DbError::from_fields(f)));
            }
            return Err(Self::unexpected(tag));
        };
        let id = front.id;
        let terminal = front.terminal;
        match (msg, &mut front.kind) {
            (Backend::ErrorResponse(f), _) => {
                let error = DbError::from_fields(f);
                self.on_error(error);
            }
            // --- simple query ---
            (Backend::RowDescription(fields), Kind::Query { .. }) => {
                let columns: Arc<[Column]> =
                    fields.iter().map(|f| Column::from_field(&f)).collect();
                let id = id.ok_or(Self::unexpected(tag))?;
                self.push_event(Event::Columns { id, columns });
            }
            (Backend::CommandComplete(t), Kind::Query { .. }) => {
                let tag = String::from_utf8_lossy(t).into_owned();
                self.on_command_tag(&tag);
                if let Some(id) = id {
                    self.push_event(Event::CommandComplete { id, tag });
                }
            }
            (Backend::EmptyQueryResponse, Kind::Query { .. }) => {
                if let Some(id) = id {
                    self.push_event(Event::EmptyQuery { id });
                }
            }
            (Backend::ReadyForQuery(s), Kind::Query { error }) => {
                let error = error.take();
                self.status = s;
                self.copy = Copy::None;
                self.expects.pop_front();
                match (error, id) {
                    (Some(error), Some(id)) => self.push_event(Event::Failed { id, error }),
                    (None, _) => self.done(id, Some(s)),
                    (Some(_), None) => {}
                }
            }
            (Backend::CopyInResponse(c), Kind::Query { .. } | Kind::Execute { .. }) => {
                let id = id.ok_or(Self::unexpected(tag))?;
                let resync = sync_next && matches!(front.kind, Kind::Execute { .. });
                self.copy = Copy::In { id, resync };
                let column_formats = c.column_formats.iter().map(|f| f.0).collect();
                self.push_event(Event::CopyIn {
                    id,
                    format: c.format,
                    column_formats,
                });
            }
            (Backend::CopyOutResponse(c), Kind::Query { .. } | Kind::Execute { .. }) => {
                let id = id.ok_or(Self::unexpected(tag))?;
                self.copy = Copy::Out { id };
                let column_formats = c.column_formats.iter().map(|f| f.0).collect();
                self.push_event(Event::CopyOut {
                    id,
                    format: c.format,
                    column_formats,
                });
            }
            (Backend::CopyData(d), _) => {
                let Copy::Out { id } = self.copy else {
                    return Err(Self::unexpected(tag));
                };
                self.push_event(Event::CopyData {
                    id,
                    data: Vec::from(d),
                });
            }
            (Backend::CopyDone, _) => {
                let Copy::Out { id } = self.copy else {
                    return Err(Self::unexpected(tag));
                };
                self.copy = Copy::None;
                self.push_event(Event::CopyDone { id });
            }
            (Backend::CopyBothResponse(_), _) => {
                return Err(Error::Protocol("CopyBoth (replication) is not supported"));
            }
            // --- extended query ---
            (Backend::ParseComplete, Kind::Parse { .. }) => {
                self.expects.pop_front();
                if terminal {
                    self.done(id, None);
                }
            }
            (Backend::BindComplete, Kind::Bind) => {
                self.expects.pop_front();
                if terminal {
                    self.done(id, None);
                }
            }
            (Backend::ParameterDescription(oids), Kind::DescribeStatement { params, .. }) => {
                *params = Some(oids.iter().collect());
            }
            (Backend::RowDescription(_) | Backend::NoData, Kind::DescribeStatement { .. }) => {
                let columns: Arc<[Column]> = match msg {
                    Backend::RowDescription(fields) => {
                        fields.iter().map(|f| Column::from_field(&f)).collect()
                    }
                    _ => Arc::from(Vec::new()),
                };
                let Some(Expect {
                    kind:
                        Kind::DescribeStatement {
                            name,
                            cached,
                            params,
                        },
                    ..
                }) = self.expects.pop_front()
                else {
                    return Err(Self::unexpected(tag));
                };
                if cached {
                    self.cache.set_columns(&name, columns.clone());
                    // Executes already queued for this statement learn their columns now.
                    for e in self.expects.iter_mut() {
                        if let Kind::Execute {
                            statement: Some(s),
                            columns: c @ None,
                            formats,
                            ..
                        } = &mut e.kind
                        {
                            if *s == name {
                                let f = formats.take().unwrap_or_default();
                                *c = Some(with_formats(&columns, &f));
                            }
                        }
                    }
                }
                if terminal {
                    if let Some(id) = id {
                        self.push_event(Event::Described {
                            id,
                            params: params.unwrap_or_default(),
                            columns,
                        });
                    }
                    self.done(id, None);
                }
            }
            (Backend::RowDescription(_) | Backend::NoData, Kind::DescribePortal) => {
                let columns: Option<Arc<[Column]>> = match msg {
                    Backend::RowDescription(fields) => {
                        Some(fields.iter().map(|f| Column::from_field(&f)).collect())
                    }
                    _ => None,
                };
                self.expects.pop_front();
                // The Execute of the same request announces them before its rows.
                if let Some(Expect {
                    id: eid,
                    kind: Kind::Execute { columns: c, .. },
                    ..
                }) = self.expects.front_mut()
                {
                    if *eid == id && !terminal {
                        *c = columns.clone();
                    }
                }
                if terminal {
                    if let (Some(id), Some(columns)) = (id, columns) {
                        self.push_event(Event::Columns { id, columns });
                    }
                    self.done(id, None);
                }
            }
            (
                Backend::CommandComplete(t),
                Kind::Execute {
                    columns, announced, ..
                },
            ) => {
                let tag = String::from_utf8_lossy(t).into_owned();
                if let (false, Some(c), Some(id)) = (*announced, columns.clone(), id) {
                    self.push_event(Event::Columns { id, columns: c });
                }
                self.expects.pop_front();
                self.on_command_tag(&tag);
                self.copy = Copy::None;
                if let Some(id) = id {
                    self.push_event(Event::CommandComplete { id, tag });
                }
                self.done(id, None);
            }
            (Backend::EmptyQueryResponse, Kind::Execute { .. }) => {
                self.expects.pop_front();
                if let Some(id) = id {
                    self.push_event(Event::EmptyQuery { id });
                }
                self.done(id, None);
            }
            (Backend::PortalSuspended, Kind::Execute { .. }) => {
                self.expects.pop_front();
                if let Some(id) = id {
                    self.push_event(Event::Suspended { id });
                }
            }
            (Backend::CloseComplete, Kind::Close) => {
                self.expects.pop_front();
                if terminal {
                    self.done(id, None);
                }
            }
            (Backend::ReadyForQuery(s), Kind::Sync) => {
                self.status = s;
                self.copy = Copy::None;
                self.expects.pop_front();
                self.done(id, Some(s));
            }
            _ => return Err(Self::unexpected(tag)),
        }
        Ok(())
    }

    /// DISCARD ALL and DEALLOCATE ALL drop every prepared statement on the server.
    fn on_command_tag(&mut self, tag: &str) {
        if tag == "DISCARD ALL" || tag == "DEALLOCATE ALL" {
            self.cache.clear();
            self.to_close.clear();
        }
    }

    /// An ErrorResponse for the front request; the server now skips to the next Sync
    /// (§54.2.3), so every request before it is aborted.
    fn on_error(&mut self, error: DbError) {
        self.copy = Copy::None;
        let Some(front) = self.expects.front_mut() else {
            return;
        };
        let failed_id = front.id;
        if let Kind::Query { error: held } = &mut front.kind {
            // The rest of the query string is skipped; ReadyForQuery still follows and ends
            // the request.
            held.get_or_insert(error);
            return;
        }
        let stale = is_stale_statement(&error);
        let front = self.expects.pop_front().expect("front checked above");
        self.forget_statement(&front.kind, stale);
        if let Some(id) = failed_id {
            self.push_event(Event::Failed { id, error });
        }
        let mut last_reported = failed_id;
        while let Some(e) = self.expects.front() {
            if matches!(e.kind, Kind::Sync) {
                break;
            }
            let e = self.expects.pop_front().expect("front checked above");
            self.forget_statement(&e.kind, false);
            if matches!(e.kind, Kind::Close) && e.id.is_none() {
                // Our own Close was skipped: send it again with the next request.
                continue;
            }
            if e.id.is_some() && e.id != last_reported {
                last_reported = e.id;
                if let Some(id) = e.id {
                    self.push_event(Event::Aborted { id });
                }
            }
        }
    }

    /// Cache effects of a failed or skipped step: a Parse that did not happen leaves no
    /// statement; a Bind/Execute that failed because the statement is stale drops it (and
    /// closes it on the server, where it still exists).
    fn forget_statement(&mut self, kind: &Kind, stale: bool) {
        match kind {
            Kind::Parse { cached: Some(name) } => {
                self.cache.remove(name);
            }
            Kind::DescribeStatement {
                name, cached: true, ..
            } => {
                self.cache.remove(name);
            }
            Kind::Execute {
                statement: Some(name),
                ..
            } if stale && self.cache.remove(name) => {
                self.to_close.push(name.clone());
            }
            Kind::Bind if stale => {
                // The Bind names its statement only on the wire; the Execute of the same
                // request (next in the queue) carries the name.
                if let Some(Expect {
                    kind:
                        Kind::Execute {
                            statement: Some(name),
                            ..
                        },
                    ..
                }) = self.expects.front()
                {
                    let name = name.clone();
                    if self.cache.remove(&name) {
                        self.to_close.push(name);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether `e` means a cached statement no longer matches the server: "cached plan must not
/// change result type" (0A000), or the statement is gone (26000, after a DEALLOCATE or a
/// DISCARD the cache did not see).
fn is_stale_statement(e: &DbError) -> bool {
    let code = e.code();
    (code == SqlState::FEATURE_NOT_SUPPORTED && e.message().contains("cached plan"))
        || code == SqlState::INVALID_SQL_STATEMENT_NAME
}

/// `columns` with the formats a Bind asked for (none: text; one: all; else one each).
fn with_formats(columns: &Arc<[Column]>, formats: &[Format]) -> Arc<[Column]> {
    let fmt = |i: usize| match formats {
        [] => Format::TEXT,
        [one] => *one,
        many => many.get(i).copied().unwrap_or(Format::TEXT),
    };
    if columns.iter().enumerate().all(|(i, c)| c.format == fmt(i)) {
        return columns.clone();
    }
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            format: fmt(i),
            ..c.clone()
        })
        .collect()
}
