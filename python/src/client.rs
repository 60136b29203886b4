//! The fused fast path for clients: `fasterapi-http1`'s [`ClientConnection`] machine behind
//! one call per request (`request`) and one per read (`receive`).

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ClientConnection, Event, IncomingResponse};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::server::{Http1Error, PyFields, RawHeaders, err, to_headers};

/// A client connection: `request(method, target, headers, body) -> bytes`,
/// `receive(bytes) -> [events]`.
///
/// Events are tuples: `(0, status, RawHeaders)` an informational (1xx) response, `(1, status,
/// RawHeaders)` the final response head, `(2, bytes)` body data, `(3,)` end of the response,
/// `(4, leftover)` protocol switched, `(5,)` the server closed.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct Http1Client {
    conn: ClientConnection,
    out: Vec<u8>,
}

fn head<'py>(py: Python<'py>, kind: u8, r: IncomingResponse) -> PyResult<Bound<'py, PyTuple>> {
    (kind, r.status, RawHeaders::new(r.headers)).into_pyobject(py)
}

impl Http1Client {
    fn drain<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        if self.out.is_empty() {
            self.out = vec![0; 16 * 1024];
        }
        let mut all = Vec::new();
        loop {
            let n = self.conn.poll_transmit(Timestamp::ZERO, &mut self.out);
            if n == 0 {
                return PyBytes::new(py, &all);
            }
            all.extend_from_slice(&self.out[..n]);
        }
    }
}

#[pymethods]
impl Http1Client {
    /// A connection with the machine's default limits; `max_body_size` bounds response bodies.
    #[new]
    #[pyo3(signature = (max_body_size = 64 << 20))]
    fn new(max_body_size: u64) -> Self {
        let mut config = fasterapi_http1::ConnectionConfig::default();
        config.max_body_size = max_body_size;
        config.header_read_timeout = None;
        config.idle_timeout = None;
        Self {
            conn: ClientConnection::new(config),
            out: Vec::new(),
        }
    }

    /// A whole request (a body needs a Content-Length field); returns the bytes to write.
    #[pyo3(signature = (method, target, headers, body = None))]
    fn request<'py>(
        &mut self,
        py: Python<'py>,
        method: &[u8],
        target: &[u8],
        headers: PyFields<'py>,
        body: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.conn
            .send_request(method, target, &to_headers(&headers))
            .map_err(err)?;
        if let Some(body) = body.filter(|b| !b.is_empty()) {
            self.conn
                .send_data(bytes::Bytes::copy_from_slice(body))
                .map_err(err)?;
            self.conn.end_body().map_err(err)?;
        }
        Ok(self.drain(py))
    }

    /// Feeds received bytes (`b""`: the server closed); returns the events they completed.
    /// Raises `Http1Error(message, status)`.
    fn receive<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        if data.is_empty() {
            self.conn.handle_eof(Timestamp::ZERO).map_err(err)?;
        } else {
            let mut used = 0;
            while used < data.len() {
                let n = self
                    .conn
                    .handle_input(Timestamp::ZERO, &data[used..])
                    .map_err(err)?;
                if n == 0 {
                    return Err(Http1Error::new_err((
                        "the server sent more than the connection can hold".to_string(),
                        502u16,
                    )));
                }
                used += n;
            }
        }
        let list = PyList::empty(py);
        while let Some(ev) = self.conn.poll_event() {
            let item = match ev {
                Event::Informational(r) => head(py, 0, r)?,
                Event::Response(r) => head(py, 1, r)?,
                Event::Data(b) => (2u8, PyBytes::new(py, &b)).into_pyobject(py)?,
                Event::EndOfMessage { .. } => (3u8,).into_pyobject(py)?,
                Event::Switched { leftover } => {
                    (4u8, PyBytes::new(py, &leftover)).into_pyobject(py)?
                }
                Event::Closed => (5u8,).into_pyobject(py)?,
                _ => continue,
            };
            list.append(item)?;
        }
        Ok(list)
    }

    /// Whether another request may be sent now (keep-alive, previous exchange complete).
    #[getter]
    fn is_ready(&self) -> bool {
        self.conn.is_ready()
    }
}

/// Registers the client class.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Http1Client>()
}
