//! The fused fast path for servers: `fasterapi-http1`'s [`ServerConnection`] machine behind one
//! call per read (`receive`) and one per response (`respond`). The App and the asyncio driver
//! use it; it keeps every rule of the machine (keep-alive, pipelining, chunked bodies, limits,
//! the error answer with its status).

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{BodyKind, ConnState, Event, Field, Header, ServerConnection, Version};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

create_exception!(
    _fasterapi,
    Http1Error,
    PyValueError,
    "The HTTP/1.1 connection failed: args are (message, status). For a peer's fault the \
     machine queued the error response (take_output())."
);

/// The method as `str`: the common ones are interned (no allocation per request).
fn method_str<'py>(py: Python<'py>, method: &[u8]) -> Bound<'py, PyString> {
    match method {
        b"GET" => pyo3::intern!(py, "GET").clone(),
        b"POST" => pyo3::intern!(py, "POST").clone(),
        b"HEAD" => pyo3::intern!(py, "HEAD").clone(),
        b"PUT" => pyo3::intern!(py, "PUT").clone(),
        b"DELETE" => pyo3::intern!(py, "DELETE").clone(),
        other => PyString::new(py, &String::from_utf8_lossy(other)),
    }
}

pub(crate) fn err(e: fasterapi_http1::ConnectionError) -> PyErr {
    Http1Error::new_err((e.to_string(), e.status()))
}

/// A server connection: `receive(bytes) -> [events]`, `respond(status, headers, body) -> bytes`.
///
/// Events are tuples: `(0, method: str, target: str, http11: bool, headers: RawHeaders,
/// has_body: bool)` for a request head, `(1, bytes)` body data, `(2,)` end of the request,
/// `(3, leftover: bytes)` protocol switched (after a 101), `(4,)` the client closed.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct Http1Server {
    conn: ServerConnection,
    out: Vec<u8>,
    /// Bytes the machine could not take yet (pipelined requests behind an unsent response).
    pending: Vec<u8>,
}

impl Http1Server {
    fn events<'py>(&mut self, py: Python<'py>, list: &Bound<'py, PyList>) -> PyResult<()> {
        while let Some(ev) = self.conn.poll_event() {
            let item = match ev {
                Event::Request(r) => {
                    let has_body = !matches!(r.body, BodyKind::None | BodyKind::ContentLength(0));
                    PyTuple::new(
                        py,
                        [
                            0u8.into_pyobject(py)?.into_any(),
                            method_str(py, &r.method).into_any(),
                            PyString::new(py, &String::from_utf8_lossy(&r.target)).into_any(),
                            pyo3::types::PyBool::new(py, r.version == Version::Http11)
                                .to_owned()
                                .into_any(),
                            Bound::new(py, RawHeaders { fields: r.headers })?.into_any(),
                            pyo3::types::PyBool::new(py, has_body).to_owned().into_any(),
                        ],
                    )?
                }
                Event::Data(b) => (1u8, PyBytes::new(py, &b)).into_pyobject(py)?,
                Event::EndOfMessage { .. } => (2u8,).into_pyobject(py)?,
                Event::Switched { leftover } => {
                    (3u8, PyBytes::new(py, &leftover)).into_pyobject(py)?
                }
                Event::Closed => (4u8,).into_pyobject(py)?,
                _ => continue,
            };
            list.append(item)?;
        }
        Ok(())
    }

    fn feed(&mut self, data: &[u8], list: &Bound<'_, PyList>) -> PyResult<usize> {
        let py = list.py();
        let mut used = 0;
        loop {
            let n = self
                .conn
                .handle_input(Timestamp::ZERO, &data[used..])
                .map_err(err)?;
            used += n;
            self.events(py, list)?;
            if used == data.len() || n == 0 {
                return Ok(used);
            }
        }
    }

    /// Everything queued for the peer, as one bytes object (one copy for small outputs).
    fn drain<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        if self.out.is_empty() {
            self.out = vec![0; 16 * 1024];
        }
        let mut len = 0;
        loop {
            let n = self
                .conn
                .poll_transmit(Timestamp::ZERO, &mut self.out[len..]);
            len += n;
            if n == 0 || len == self.out.len() {
                break;
            }
        }
        if len < self.out.len() {
            return PyBytes::new(py, &self.out[..len]);
        }
        let mut all = self.out.clone();
        loop {
            let n = self.conn.poll_transmit(Timestamp::ZERO, &mut self.out);
            if n == 0 {
                return PyBytes::new(py, &all);
            }
            all.extend_from_slice(&self.out[..n]);
        }
    }
}

/// The header fields of a request, kept as slices of the receive buffer (no copy) until asked
/// for: `get(name)`, `items()`, `len()`, iteration over `(name, value)` bytes pairs.
#[pyclass(module = "fasterapi._fasterapi", frozen, sequence)]
#[derive(Debug)]
pub struct RawHeaders {
    fields: Vec<Field>,
}

impl RawHeaders {
    pub(crate) fn new(fields: Vec<Field>) -> Self {
        Self { fields }
    }
}

#[pymethods]
impl RawHeaders {
    fn __len__(&self) -> usize {
        self.fields.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Bound<'py, PyTuple>> {
        let n = self.fields.len() as isize;
        let i = if i < 0 { i + n } else { i };
        let f = usize::try_from(i)
            .ok()
            .and_then(|i| self.fields.get(i))
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("header index out of range"))?;
        (PyBytes::new(py, &f.name), PyBytes::new(py, &f.value)).into_pyobject(py)
    }

    /// The value of the first field named `name` (ASCII case-insensitive), or `default`.
    #[pyo3(signature = (name, default = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> Option<Bound<'py, PyAny>> {
        match self.fields.iter().find(|f| f.is(name)) {
            Some(f) => Some(PyBytes::new(py, &f.value).into_any()),
            None => default,
        }
    }

    /// All fields as `[(name, value)]` bytes pairs, in order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for f in &self.fields {
            list.append((PyBytes::new(py, &f.name), PyBytes::new(py, &f.value)))?;
        }
        Ok(list)
    }
}

/// Response fields as `(bytes, bytes)` pairs, borrowed from the Python objects (no copy).
pub(crate) type PyFields<'py> = Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>;

pub(crate) fn to_headers<'a>(headers: &'a PyFields<'_>) -> Vec<Header<'a>> {
    headers
        .iter()
        .map(|(n, v)| Header {
            name: n.as_bytes(),
            value: v.as_bytes(),
        })
        .collect()
}

#[pymethods]
impl Http1Server {
    /// A connection with the machine's default limits; `max_body_size` bounds request bodies
    /// (413 beyond it).
    #[new]
    #[pyo3(signature = (max_body_size = 8 << 20))]
    fn new(max_body_size: u64) -> Self {
        let mut config = fasterapi_http1::ConnectionConfig::default();
        config.max_body_size = max_body_size;
        // Timeouts belong to the driver (it owns the clock).
        config.header_read_timeout = None;
        config.idle_timeout = None;
        Self {
            conn: ServerConnection::new(config),
            // Sized at the first response: a connection that only parses never pays for it.
            out: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Feeds received bytes (`b""`: the client closed); returns the events they completed.
    /// Raises `Http1Error(message, status)`; the error response is then in `take_output()`.
    fn receive<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if data.is_empty() {
            self.conn.handle_eof(Timestamp::ZERO).map_err(err)?;
            self.events(py, &list)?;
            return Ok(list);
        }
        if !self.pending.is_empty() {
            self.pending.extend_from_slice(data);
            let pending = core::mem::take(&mut self.pending);
            let used = self.feed(&pending, &list)?;
            self.pending = pending[used..].to_vec();
            return Ok(list);
        }
        let used = self.feed(data, &list)?;
        if used < data.len() {
            self.pending.extend_from_slice(&data[used..]);
        }
        Ok(list)
    }

    /// Feeds bytes held back earlier (after a response freed the buffer).
    fn resume<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if !self.pending.is_empty() {
            let pending = core::mem::take(&mut self.pending);
            let used = self.feed(&pending, &list)?;
            self.pending = pending[used..].to_vec();
        } else {
            self.events(py, &list)?;
        }
        Ok(list)
    }

    /// A whole response: head, body and end; returns the bytes to write.
    #[pyo3(signature = (status, headers, body = None))]
    fn respond<'py>(
        &mut self,
        py: Python<'py>,
        status: u16,
        headers: PyFields<'py>,
        body: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.conn
            .send_response(status, &to_headers(&headers))
            .map_err(err)?;
        // A response to HEAD (or a 204/304) carries no body whatever the handler returned
        // (RFC 9110 §9.3.2, §15.3.5, §15.4.5): its head went out with the GET's Content-Length,
        // and the connection stays open for the next request.
        if let Some(body) = body.filter(|_| self.conn.expects_body()) {
            if !body.is_empty() {
                self.conn
                    .send_data(bytes::Bytes::copy_from_slice(body))
                    .map_err(err)?;
            }
        }
        self.conn.end_body().map_err(err)?;
        Ok(self.drain(py))
    }

    /// Starts a streamed response (no Content-Length: chunked for HTTP/1.1).
    fn send_head<'py>(
        &mut self,
        py: Python<'py>,
        status: u16,
        headers: PyFields<'py>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.conn
            .send_response(status, &to_headers(&headers))
            .map_err(err)?;
        Ok(self.drain(py))
    }

    /// A piece of a streamed response body.
    fn send_data<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        self.conn
            .send_data(bytes::Bytes::copy_from_slice(data))
            .map_err(err)?;
        Ok(self.drain(py))
    }

    /// Ends a streamed response.
    fn end<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.conn.end_body().map_err(err)?;
        Ok(self.drain(py))
    }

    /// Queued bytes (the error response after `Http1Error`).
    fn take_output<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.drain(py)
    }

    /// Whether the connection stays open after the current exchange.
    #[getter]
    fn keep_alive(&self) -> bool {
        !matches!(
            self.conn.our_state(),
            ConnState::MustClose | ConnState::Closed | ConnState::Error
        )
    }

    /// Whether received bytes are held back (the machine's buffer is full of pipelined
    /// requests behind the response being prepared): stop reading until `resume()`.
    #[getter]
    fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Removes and returns the held-back bytes (after a protocol switch they belong to the new
    /// protocol, after `leftover`).
    fn take_pending<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &core::mem::take(&mut self.pending))
    }

    /// Whether a response is owed now.
    #[getter]
    fn awaiting_response(&self) -> bool {
        self.conn.our_state() == ConnState::SendResponse
    }

    /// Closes our side (no more requests are read).
    fn close(&mut self) {
        self.conn.close(Timestamp::ZERO);
    }
}

/// Registers the server class.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Http1Server>()?;
    m.add_class::<RawHeaders>()?;
    m.add("Http1Error", m.py().get_type::<Http1Error>())?;
    Ok(())
}
