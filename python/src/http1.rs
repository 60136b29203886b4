//! HTTP/1.1: the receive side of `fasterapi.http1.Connection` ([`Http1Reader`]) and head
//! encoders, on the strict `fasterapi-http1` codec.
//!
//! The reader owns the receive buffer, so bytes from the socket are copied once (into it) and
//! parsed in place; heads come out as plain tuples the Python layer wraps in h11's event classes.

use fasterapi_http1::{
    Chunk, ChunkedDecoder, Config, HeaderSlot, RequestParser, ResponseParser, Status, Version,
};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

create_exception!(
    _fasterapi,
    ParseError,
    PyValueError,
    "The peer's bytes broke HTTP/1.1: args are (message, status code to answer with)."
);

/// How the body being read is delimited.
#[derive(Debug)]
enum Body {
    /// No body is being read (between messages).
    Idle,
    /// This many bytes are still to come.
    Length(u64),
    /// A chunked body; `at_start` says whether the next data begins a chunk.
    Chunked {
        decoder: ChunkedDecoder,
        at_start: bool,
    },
    /// The body runs until the peer closes the connection.
    Close,
}

/// The receive buffer and the head and body readers of one HTTP/1.1 connection.
///
/// `reads_requests` is true on the server side (it reads requests) and false on the client
/// side. The Python `Connection` decides which reader to use from h11's state machine.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct Http1Reader {
    buf: Vec<u8>,
    pos: usize,
    reads_requests: bool,
    config: Config,
    request_parser: RequestParser,
    response_parser: ResponseParser,
    slots: Vec<HeaderSlot>,
    body: Body,
    /// Trailer fields of the chunked body being read, until its end arrives.
    trailers: Vec<(Vec<u8>, Vec<u8>)>,
}

fn version_bytes(v: Version) -> &'static [u8] {
    match v {
        Version::Http10 => b"1.0",
        Version::Http11 => b"1.1",
    }
}

fn parse_error(e: &fasterapi_http1::Error) -> PyErr {
    ParseError::new_err((e.to_string(), e.status()))
}

/// `[(raw_name, lower_name, value), ...]`: the layout of h11's `Headers._full_items`.
fn header_list<'py, 'a>(
    py: Python<'py>,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> PyResult<Bound<'py, PyList>> {
    Ok(header_list_counted(py, fields)?.0)
}

/// [`header_list`], plus the number of Host fields and whether a Content-Length or
/// Transfer-Encoding field is present (the checks h11 runs on every head).
fn header_list_counted<'py, 'a>(
    py: Python<'py>,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> PyResult<(Bound<'py, PyList>, usize, bool)> {
    let list = PyList::empty(py);
    let mut lower = Vec::with_capacity(32);
    let mut hosts = 0;
    let mut framing = false;
    for (name, value) in fields {
        lower.clear();
        lower.extend(name.iter().map(u8::to_ascii_lowercase));
        match &lower[..] {
            b"host" => hosts += 1,
            b"content-length" | b"transfer-encoding" => framing = true,
            _ => {}
        }
        let raw = PyBytes::new(py, name);
        let low = if lower == name {
            raw.clone()
        } else {
            PyBytes::new(py, &lower)
        };
        list.append(PyTuple::new(
            py,
            [
                raw.into_any(),
                low.into_any(),
                PyBytes::new(py, value).into_any(),
            ],
        )?)?;
    }
    Ok((list, hosts, framing))
}

impl Http1Reader {
    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }
}

#[pymethods]
impl Http1Reader {
    /// A reader; `max_head_size` bounds an incomplete head (431 beyond it).
    #[new]
    #[pyo3(signature = (reads_requests, max_head_size = 16 * 1024))]
    fn new(reads_requests: bool, max_head_size: usize) -> Self {
        let mut config = Config::STRICT;
        config.max_head_size = max_head_size;
        config.max_target_len = max_head_size;
        // h11 (and most clients) accept a status line without the SP before an empty reason
        // (`HTTP/1.1 200`); RFC 9112 §4 asks for the SP, but clients may be lenient.
        config.allow_missing_reason = !reads_requests;
        Self {
            buf: Vec::new(),
            pos: 0,
            reads_requests,
            config,
            request_parser: RequestParser::new(config),
            response_parser: ResponseParser::new(config),
            slots: Vec::new(),
            body: Body::Idle,
            trailers: Vec::new(),
        }
    }

    /// Appends received bytes to the buffer.
    fn extend(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    fn __len__(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The unread bytes (a copy; the buffer keeps them).
    fn peek<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.unread())
    }

    /// Removes and returns up to `n` unread bytes (all of them by default).
    #[pyo3(signature = (n = usize::MAX))]
    fn take<'py>(&mut self, py: Python<'py>, n: usize) -> Bound<'py, PyBytes> {
        let n = n.min(self.unread().len());
        let out = PyBytes::new(py, &self.unread()[..n]);
        self.consume(n);
        out
    }

    /// Whether the unread bytes start with an empty line (h11 rejects that before a head).
    fn starts_with_empty_line(&self) -> bool {
        let u = self.unread();
        u.starts_with(b"\r\n") || u.starts_with(b"\n")
    }

    /// Parses a request head (server side) or a response head (client side).
    ///
    /// Returns `None` until the head is complete, then `(method, target, version, headers,
    /// hosts, framing)` for a request or `(status, reason, version, headers, hosts, framing)`
    /// for a response, where `headers` is `[(raw_name, lower_name, value)]`, `hosts` the number
    /// of Host fields and `framing` whether Content-Length or Transfer-Encoding is present.
    /// Raises `ParseError(message, status)`.
    fn read_head<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let start = self.pos;
        let buf = &self.buf[start..];
        if buf.is_empty() {
            return Ok(None);
        }
        let (tuple, head_len) = if self.reads_requests {
            let req = match self.request_parser.parse(buf, &mut self.slots) {
                Ok(Status::Complete(req)) => req,
                Ok(Status::Partial) => return Ok(None),
                Err(e) => return Err(parse_error(&e)),
            };
            let (headers, hosts, framing) =
                header_list_counted(py, req.headers().map(|h| (h.name, h.value)))?;
            let t = PyTuple::new(
                py,
                [
                    PyBytes::new(py, req.method()).into_any(),
                    PyBytes::new(py, req.target()).into_any(),
                    PyBytes::new(py, version_bytes(req.version())).into_any(),
                    headers.into_any(),
                    hosts.into_pyobject(py)?.into_any(),
                    pyo3::types::PyBool::new(py, framing).to_owned().into_any(),
                ],
            )?;
            (t, req.head_len())
        } else {
            let resp = match self.response_parser.parse(buf, &mut self.slots) {
                Ok(Status::Complete(resp)) => resp,
                Ok(Status::Partial) => return Ok(None),
                Err(e) => return Err(parse_error(&e)),
            };
            let (headers, hosts, framing) =
                header_list_counted(py, resp.headers().map(|h| (h.name, h.value)))?;
            let t = PyTuple::new(
                py,
                [
                    resp.status().into_pyobject(py)?.into_any(),
                    PyBytes::new(py, resp.reason()).into_any(),
                    PyBytes::new(py, version_bytes(resp.version())).into_any(),
                    headers.into_any(),
                    hosts.into_pyobject(py)?.into_any(),
                    pyo3::types::PyBool::new(py, framing).to_owned().into_any(),
                ],
            )?;
            (t, resp.head_len())
        };
        self.request_parser.reset();
        self.response_parser.reset();
        self.consume(head_len);
        Ok(Some(tuple))
    }

    /// Starts reading a body: `kind` is `"content-length"` (with `length`), `"chunked"` or
    /// `"http/1.0"` (until the connection closes), h11's framing names.
    #[pyo3(signature = (kind, length = 0))]
    fn start_body(&mut self, kind: &str, length: u64) -> PyResult<()> {
        self.body = match kind {
            "content-length" => Body::Length(length),
            "chunked" => Body::Chunked {
                decoder: ChunkedDecoder::new(&self.config),
                at_start: true,
            },
            "http/1.0" => Body::Close,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown body framing {other:?}"
                )));
            }
        };
        Ok(())
    }

    /// Reads the next body event: `None` (need data), `(data, chunk_start, chunk_end)` for
    /// data, or `[(raw_name, lower_name, value)]` trailers at the end of the message.
    fn read_body<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &mut self.body {
            Body::Idle => Err(PyValueError::new_err("no body is being read")),
            Body::Length(0) => {
                self.body = Body::Idle;
                Ok(Some(PyList::empty(py).into_any()))
            }
            Body::Length(left) => {
                let n = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(self.buf.len() - self.pos);
                if n == 0 {
                    return Ok(None);
                }
                *left -= n as u64;
                let data = PyBytes::new(py, &self.buf[self.pos..self.pos + n]);
                self.consume(n);
                Ok(Some(
                    PyTuple::new(
                        py,
                        [
                            data.into_any(),
                            false.into_pyobject(py)?.to_owned().into_any(),
                            false.into_pyobject(py)?.to_owned().into_any(),
                        ],
                    )?
                    .into_any(),
                ))
            }
            Body::Close => {
                let n = self.buf.len() - self.pos;
                if n == 0 {
                    return Ok(None);
                }
                let data = PyBytes::new(py, &self.buf[self.pos..]);
                self.consume(n);
                let f = false.into_pyobject(py)?.to_owned().into_any();
                Ok(Some(
                    PyTuple::new(py, [data.into_any(), f.clone(), f])?.into_any(),
                ))
            }
            Body::Chunked { .. } => self.read_chunked(py),
        }
    }

    /// At end of input while reading a body: `"eom"` for a close-delimited body (it ends
    /// here), otherwise a description of what is missing.
    fn body_eof_state(&self) -> String {
        match &self.body {
            Body::Idle => "idle".into(),
            Body::Close => "eom".into(),
            Body::Length(n) => format!("{n} bytes missing"),
            Body::Chunked { .. } => "incomplete chunked read".into(),
        }
    }
}

impl Http1Reader {
    fn read_chunked<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        loop {
            let Body::Chunked { decoder, at_start } = &mut self.body else {
                return Ok(None);
            };
            let input = &self.buf[self.pos..];
            let (used, item) = decoder.decode(input).map_err(|e| parse_error(&e))?;
            match item {
                Some(Chunk::Data(d)) => {
                    let start = core::mem::take(at_start);
                    let end = decoder.remaining_in_chunk() == 0;
                    if end {
                        *at_start = true;
                    }
                    let data = PyBytes::new(py, d);
                    self.consume(used);
                    return Ok(Some(
                        PyTuple::new(
                            py,
                            [
                                data.into_any(),
                                start.into_pyobject(py)?.to_owned().into_any(),
                                end.into_pyobject(py)?.to_owned().into_any(),
                            ],
                        )?
                        .into_any(),
                    ));
                }
                Some(Chunk::Trailer(h)) => {
                    self.trailers.push((h.name.to_vec(), h.value.to_vec()));
                    self.consume(used);
                }
                Some(Chunk::End) => {
                    self.consume(used);
                    self.body = Body::Idle;
                    let trailers = core::mem::take(&mut self.trailers);
                    let list = header_list(py, trailers.iter().map(|(n, v)| (&n[..], &v[..])))?;
                    return Ok(Some(list.into_any()));
                }
                None => {
                    self.consume(used);
                    return Ok(None);
                }
            }
        }
    }
}

/// Registers the HTTP/1.1 classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Http1Reader>()?;
    m.add("ParseError", m.py().get_type::<ParseError>())?;
    Ok(())
}
