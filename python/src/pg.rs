//! The PostgreSQL client machine (`fasterapi-pgwire`'s `ClientConnection`), for the sans-IO
//! `fasterapi.pg.Connection`.
//!
//! Events leave as plain tuples (`("rows", id, [[bytes | None, …], …])`, …); the Python module
//! turns them into event objects and decodes the text-format values with the column types.
//! Startup runs in clear text (`sslmode=disable`); SCRAM-SHA-256, MD5 and cleartext passwords
//! are answered by the machine with the `ring` provider.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_pgwire::codec::TransactionStatus;
use fasterapi_pgwire::{ClientConnection, Config, DbError, Event, SslMode};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

create_exception!(
    _fasterapi,
    PgProtocolError,
    PyValueError,
    "A PostgreSQL protocol error or local misuse: args are (message, SQLSTATE). After one \
     from `receive_data` the connection is unusable."
);

/// The machine takes no time of its own (no timers); a constant clock suffices.
const NOW: Timestamp = Timestamp::ZERO;

fn pg_error(e: &fasterapi_pgwire::Error) -> PyErr {
    PgProtocolError::new_err((e.to_string(), e.sqlstate().as_str().to_string()))
}

/// A server error as `(sqlstate, severity, message, [(field code, value), …])`.
fn db_error<'py>(py: Python<'py>, e: &DbError) -> PyResult<Bound<'py, PyTuple>> {
    let fields: Vec<(String, String)> = e
        .fields()
        .iter()
        .map(|(c, v)| (char::from(*c).to_string(), v.clone()))
        .collect();
    (e.code().as_str(), e.severity(), e.message(), fields).into_pyobject(py)
}

/// A sans-IO PostgreSQL client connection: feed it received bytes, send what it queues, read
/// its events as tuples.
#[pyclass(module = "fasterapi._fasterapi", unsendable)]
#[derive(Debug)]
pub struct PgConnection {
    conn: ClientConnection,
}

#[pymethods]
impl PgConnection {
    #[new]
    #[pyo3(signature = (user, database=None, password=None, application_name=None))]
    fn new(
        user: &str,
        database: Option<&str>,
        password: Option<&str>,
        application_name: Option<&str>,
    ) -> Self {
        let mut config = Config::new(user).ssl_mode(SslMode::Disable);
        if let Some(d) = database {
            config = config.database(d);
        }
        if let Some(p) = password {
            config = config.password(p);
        }
        if let Some(a) = application_name {
            config = config.application_name(a);
        }
        Self {
            conn: ClientConnection::with_ring(config),
        }
    }

    /// Feeds received bytes; `b""` means the server closed the connection. Bytes that arrive
    /// after the connection closed are dropped.
    fn receive_data(&mut self, data: &[u8]) -> PyResult<()> {
        if data.is_empty() {
            return self.conn.handle_eof(NOW).map_err(|e| pg_error(&e));
        }
        let mut rest = data;
        while !rest.is_empty() {
            let n = self
                .conn
                .handle_input(NOW, rest)
                .map_err(|e| pg_error(&e))?;
            if n == 0 {
                // The machine takes no more input: it closed (after a fatal error, already
                // raised, or `close()`). What the server still sends is of no use.
                break;
            }
            rest = &rest[n..];
        }
        Ok(())
    }

    /// Everything queued for the server (empty when nothing is).
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = self.conn.poll_transmit(NOW, &mut buf);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        PyBytes::new(py, &out)
    }

    /// The next event as a tuple, or `None`. A connection-level error found while processing
    /// input is raised here (after the events before it).
    fn next_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(event) = self.conn.poll_event() else {
            if let Some(e) = self.conn.poll_error() {
                return Err(pg_error(&e));
            }
            return Ok(None);
        };
        let t = match event {
            Event::Ready {
                protocol,
                process_id,
            } => ("ready", protocol.to_string(), process_id).into_pyobject(py)?,
            Event::ParameterStatus { name, value } => {
                ("parameter_status", name, value).into_pyobject(py)?
            }
            Event::Notice(e) => ("notice", db_error(py, &e)?).into_pyobject(py)?,
            Event::Notification {
                process_id,
                channel,
                payload,
            } => ("notification", process_id, channel, payload).into_pyobject(py)?,
            Event::Columns { id, columns } => {
                let cols: Vec<(String, u32)> = columns
                    .iter()
                    .map(|c| (c.name.clone(), c.type_oid))
                    .collect();
                ("columns", id, cols).into_pyobject(py)?
            }
            Event::Rows { id, rows } => {
                let list = PyList::empty(py);
                for row in rows.iter() {
                    let values = PyList::empty(py);
                    for v in row.iter() {
                        match v {
                            Some(b) => values.append(PyBytes::new(py, b))?,
                            None => values.append(py.None())?,
                        }
                    }
                    list.append(values)?;
                }
                ("rows", id, list).into_pyobject(py)?
            }
            Event::CommandComplete { id, tag } => {
                ("command_complete", id, tag).into_pyobject(py)?
            }
            Event::EmptyQuery { id } => ("empty_query", id).into_pyobject(py)?,
            Event::Done { id, status } => {
                let status = status.map(|s| match s {
                    TransactionStatus::Idle => "I",
                    TransactionStatus::InTransaction => "T",
                    TransactionStatus::Failed => "E",
                });
                ("done", id, status).into_pyobject(py)?
            }
            Event::Failed { id, error } => {
                ("failed", id, db_error(py, &error)?).into_pyobject(py)?
            }
            Event::Aborted { id } => ("aborted", id).into_pyobject(py)?,
            Event::Suspended { id } => ("suspended", id).into_pyobject(py)?,
            other => ("other", format!("{other:?}")).into_pyobject(py)?,
        };
        Ok(Some(t))
    }

    /// Sends a simple query (one or more statements); returns its request id.
    fn query(&mut self, sql: &str) -> PyResult<u64> {
        self.conn.query(sql).map_err(|e| pg_error(&e))
    }

    /// Runs `sql` with text parameters (`None` is NULL) through the extended protocol and the
    /// statement cache, text results; returns its request id. Call `sync()` after one or many.
    fn execute(&mut self, sql: &str, params: Vec<Option<Vec<u8>>>) -> PyResult<u64> {
        let refs: Vec<Option<&[u8]>> = params.iter().map(Option::as_deref).collect();
        self.conn
            .execute(sql, &[], &[], &refs, &[])
            .map_err(|e| pg_error(&e))
    }

    /// Sends a Sync (ends a pipeline); returns its request id.
    fn sync(&mut self) -> PyResult<u64> {
        self.conn.sync().map_err(|e| pg_error(&e))
    }

    /// Queues a Terminate.
    fn close(&mut self) {
        self.conn.close(NOW);
    }

    /// Whether the session is ready for requests.
    #[getter]
    fn is_ready(&self) -> bool {
        self.conn.is_ready()
    }

    /// Requests sent whose last event has not come yet.
    #[getter]
    fn pending_requests(&self) -> usize {
        self.conn.pending_requests()
    }
}

/// Adds the classes to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PgConnection>()?;
    m.add("PgProtocolError", m.py().get_type::<PgProtocolError>())
}
