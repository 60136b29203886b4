//! HTTP/2: the `fasterapi-http2` connection machine ([`H2Core`]), for the h2-shaped
//! `fasterapi.h2` module.
//!
//! One class for both roles. `receive(data)` returns the completed events as tuples; actions
//! queue frames; `data_to_send()` returns the bytes to write. Flow control: with
//! `auto_window_update` (the default) the machine returns the receive credit of every DATA
//! event it hands out, so the application never calls `acknowledge_received_data`; with it
//! off, `acknowledge_received_data(n, stream_id)` does it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http2::{
    Config, Connection, ErrorCode, Event, Headers, OutgoingRequest, Role, StreamId,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::h2_events as ev;

create_exception!(
    _fasterapi,
    H2Error,
    PyValueError,
    "An HTTP/2 error: args are (message, kind, error code). From `receive` it is a connection \
     error and the GOAWAY is in `data_to_send()`; from an action it is local misuse."
);

/// Monotonic time since the first use, for the machine's SETTINGS-ACK and stall timers.
fn now() -> Timestamp {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    Timestamp::from_nanos(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
}

fn h2_error(e: &fasterapi_http2::Error) -> PyErr {
    H2Error::new_err((e.to_string(), e.kind(), e.code().get()))
}

fn misuse(message: &str) -> PyErr {
    H2Error::new_err((
        message.to_string(),
        "invalid_field",
        ErrorCode::PROTOCOL_ERROR.get(),
    ))
}

/// Field lists as hyper-h2 gives them: a list of `(name, value)` bytes tuples.
fn push_fields<'py>(py: Python<'py>, list: &Bound<'py, PyList>, fields: &Headers) -> PyResult<()> {
    for (n, v) in fields.iter() {
        list.append((PyBytes::new(py, n), PyBytes::new(py, v)))?;
    }
    Ok(())
}

fn sid(id: u32) -> PyResult<StreamId> {
    if id == 0 || id > StreamId::MAX.get() {
        return Err(misuse("stream ids are 1..=2^31-1"));
    }
    Ok(StreamId::new(id))
}

/// The `(name, value)` pairs of a Python sequence, kept alive for [`field_bytes`] to borrow.
fn read_pairs<'py>(
    headers: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    let mut out = Vec::new();
    for item in headers.try_iter()? {
        out.push(item?.extract()?);
    }
    Ok(out)
}

/// A name or value: `bytes` borrowed without a copy, `str` as its UTF-8.
fn field_bytes<'a>(o: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = o.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = o.cast::<PyString>() {
        return Ok(Cow::Owned(s.to_cow()?.into_owned().into_bytes()));
    }
    Err(PyTypeError::new_err(
        "header names and values are bytes or str",
    ))
}

/// A field as byte strings (borrowed where they are `bytes`).
type Field<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// The pairs as byte strings.
fn read_fields<'a>(pairs: &'a [(Bound<'_, PyAny>, Bound<'_, PyAny>)]) -> PyResult<Vec<Field<'a>>> {
    pairs
        .iter()
        .map(|(n, v)| Ok((field_bytes(n)?, field_bytes(v)?)))
        .collect()
}

/// One HTTP/2 connection, either role, on the `fasterapi-http2` machine.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct H2Core {
    conn: Connection,
    out: Vec<u8>,
    /// Manual flow control only: octets handed out per stream and not yet acknowledged, so
    /// that `acknowledge_received_data` cannot return more credit than was used (which would
    /// push the peer's window past 2^31-1, §6.9.1). Bounded by the connection window.
    unacked: Option<HashMap<u32, u64>>,
}

impl H2Core {
    fn events<'py>(&mut self, py: Python<'py>, list: &Bound<'py, PyList>) -> PyResult<()> {
        while let Some(ev) = self.conn.poll_event() {
            // The event that ends a stream links the `StreamEnded` after it, as in hyper-h2.
            let ended = |end: bool, id: StreamId| -> PyResult<Option<Py<ev::StreamEnded>>> {
                if !end {
                    return Ok(None);
                }
                let init = PyClassInitializer::from(ev::Event).add_subclass(ev::StreamEnded {
                    stream_id: id.get(),
                });
                Ok(Some(Bound::new(py, init)?.unbind()))
            };
            let (item, end) = match ev {
                Event::Request {
                    stream_id,
                    head,
                    end_stream,
                } => {
                    let fields = PyList::empty(py);
                    fields
                        .append((PyBytes::new(py, b":method"), PyBytes::new(py, &head.method)))?;
                    for (name, v) in [
                        (&b":scheme"[..], &head.scheme),
                        (b":authority", &head.authority),
                        (b":path", &head.path),
                        (b":protocol", &head.protocol),
                    ] {
                        if let Some(v) = v {
                            fields.append((PyBytes::new(py, name), PyBytes::new(py, v)))?;
                        }
                    }
                    push_fields(py, &fields, &head.headers)?;
                    let end = ended(end_stream, stream_id)?;
                    let e = ev::RequestReceived {
                        stream_id: stream_id.get(),
                        headers: fields.unbind(),
                        stream_ended: end.as_ref().map(|e| e.clone_ref(py)),
                        priority_updated: None,
                    };
                    (e.into_py_event(py)?, end)
                }
                Event::Response {
                    stream_id,
                    head,
                    end_stream,
                } => {
                    let fields = status_fields(py, head.status, &head.headers)?;
                    let end = ended(end_stream, stream_id)?;
                    let e = ev::ResponseReceived {
                        stream_id: stream_id.get(),
                        headers: fields.unbind(),
                        stream_ended: end.as_ref().map(|e| e.clone_ref(py)),
                        priority_updated: None,
                    };
                    (e.into_py_event(py)?, end)
                }
                Event::Informational { stream_id, head } => {
                    let fields = status_fields(py, head.status, &head.headers)?;
                    let e = ev::InformationalResponseReceived {
                        stream_id: stream_id.get(),
                        headers: fields.unbind(),
                        priority_updated: None,
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => {
                    if let Some(map) = self.unacked.as_mut().filter(|_| !data.is_empty()) {
                        *map.entry(stream_id.get()).or_insert(0) += data.len() as u64;
                    }
                    let end = ended(end_stream, stream_id)?;
                    let e = ev::DataReceived {
                        stream_id: stream_id.get(),
                        data: PyBytes::new(py, &data).unbind(),
                        flow_controlled_length: data.len(),
                        stream_ended: end.as_ref().map(|e| e.clone_ref(py)),
                    };
                    (e.into_py_event(py)?, end)
                }
                Event::Trailers {
                    stream_id,
                    trailers,
                } => {
                    let fields = PyList::empty(py);
                    push_fields(py, &fields, &trailers)?;
                    let end = ended(true, stream_id)?;
                    let e = ev::TrailersReceived {
                        stream_id: stream_id.get(),
                        headers: fields.unbind(),
                        stream_ended: end.as_ref().map(|e| e.clone_ref(py)),
                        priority_updated: None,
                    };
                    (e.into_py_event(py)?, end)
                }
                Event::StreamReset {
                    stream_id,
                    code,
                    remote,
                } => {
                    let e = ev::StreamReset {
                        stream_id: stream_id.get(),
                        error_code: code.get(),
                        remote_reset: remote,
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::PeerSettings => {
                    let e = ev::RemoteSettingsChanged {
                        settings: self.remote_settings(py)?.unbind(),
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::SettingsAcked => (ev::SettingsAcknowledged {}.into_py_event(py)?, None),
                Event::PingAck { data } => {
                    let e = ev::PingAckReceived {
                        ping_data: PyBytes::new(py, &data).unbind(),
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::GoAway {
                    last_stream_id,
                    code,
                    debug,
                } => {
                    let e = ev::ConnectionTerminated {
                        error_code: code.get(),
                        last_stream_id: last_stream_id.get(),
                        additional_data: PyBytes::new(py, &debug).unbind(),
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::PriorityUpdate {
                    stream_id,
                    priority,
                } => {
                    let e = ev::PriorityUpdated {
                        stream_id: stream_id.get(),
                        urgency: priority.urgency,
                        incremental: priority.incremental,
                    };
                    (e.into_py_event(py)?, None)
                }
                Event::SendCapacity { stream_id } => {
                    let free = self.conn.send_capacity(stream_id).max(0);
                    let e = ev::WindowUpdated {
                        stream_id: stream_id.get(),
                        delta: u32::try_from(free).unwrap_or(u32::MAX),
                    };
                    (e.into_py_event(py)?, None)
                }
                _ => continue,
            };
            list.append(item)?;
            if let Some(end) = end {
                list.append(end)?;
            }
        }
        Ok(())
    }

    fn remote_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.conn.peer_settings();
        let d = PyDict::new(py);
        d.set_item("header_table_size", s.header_table_size)?;
        d.set_item("enable_push", s.enable_push)?;
        d.set_item("max_concurrent_streams", s.max_concurrent_streams)?;
        d.set_item("initial_window_size", s.initial_window_size)?;
        d.set_item("max_frame_size", s.max_frame_size)?;
        d.set_item("max_header_list_size", s.max_header_list_size)?;
        d.set_item("enable_connect_protocol", s.enable_connect_protocol)?;
        Ok(d)
    }
}

fn status_fields<'py>(
    py: Python<'py>,
    status: u16,
    headers: &Headers,
) -> PyResult<Bound<'py, PyList>> {
    let fields = PyList::empty(py);
    let digits = status.to_string();
    fields.append((
        PyBytes::new(py, b":status"),
        PyBytes::new(py, digits.as_bytes()),
    ))?;
    push_fields(py, &fields, headers)?;
    Ok(fields)
}

#[pymethods]
impl H2Core {
    /// A connection; the client's preface and either side's SETTINGS are queued at once.
    #[new]
    #[pyo3(signature = (
        client_side,
        auto_window_update = true,
        initial_window_size = None,
        connection_window_size = None,
        max_concurrent_streams = None,
        max_frame_size = None,
        max_header_list_size = None,
    ))]
    fn new(
        client_side: bool,
        auto_window_update: bool,
        initial_window_size: Option<u32>,
        connection_window_size: Option<u32>,
        max_concurrent_streams: Option<u32>,
        max_frame_size: Option<u32>,
        max_header_list_size: Option<u32>,
    ) -> Self {
        let mut c = Config::default();
        c.auto_window_update = auto_window_update;
        if let Some(v) = initial_window_size {
            c.initial_window_size = v;
        }
        if let Some(v) = connection_window_size {
            c.connection_window_size = v;
        }
        if let Some(v) = max_concurrent_streams {
            c.max_concurrent_streams = v;
        }
        if let Some(v) = max_frame_size {
            c.max_frame_size = v;
        }
        if let Some(v) = max_header_list_size {
            c.max_header_list_size = v;
        }
        let role = if client_side {
            Role::Client
        } else {
            Role::Server
        };
        Self {
            conn: Connection::new(role, c),
            out: vec![0; 64 * 1024],
            unacked: (!auto_window_update).then(HashMap::new),
        }
    }

    /// Feeds received bytes; returns the completed events (the `h2_events` classes).
    /// Raises `H2Error` on a connection error; the GOAWAY is then in `data_to_send()`.
    fn receive<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        let mut rest = data;
        loop {
            let n = self
                .conn
                .handle_input(now(), rest)
                .map_err(|e| h2_error(&e))?;
            rest = &rest[n..];
            self.events(py, &list)?;
            if rest.is_empty() || n == 0 {
                break;
            }
        }
        if !rest.is_empty() {
            return Err(H2Error::new_err((
                "receive buffer full: send data_to_send() first".to_string(),
                "back_pressure",
                ErrorCode::ENHANCE_YOUR_CALM.get(),
            )));
        }
        Ok(list)
    }

    /// The peer closed the transport. Raises `H2Error` if streams were open.
    fn receive_eof<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let r = self.conn.handle_eof(now());
        let list = PyList::empty(py);
        self.events(py, &list)?;
        r.map_err(|e| h2_error(&e))?;
        Ok(list)
    }

    /// Runs the timers (SETTINGS acknowledgement, zero-window stall); returns the events.
    fn handle_timeout<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.conn.handle_timeout(now()).map_err(|e| h2_error(&e))?;
        let list = PyList::empty(py);
        self.events(py, &list)?;
        Ok(list)
    }

    /// Seconds until `handle_timeout` should run, or `None`.
    fn timeout_in(&mut self) -> Option<f64> {
        let at = self.conn.poll_timeout()?;
        let left = at.as_nanos().saturating_sub(now().as_nanos());
        Some(left as f64 / 1e9)
    }

    /// Client: opens a stream with `headers` (pseudo-headers first); returns its id.
    fn send_request(&mut self, headers: &Bound<'_, PyAny>, end_stream: bool) -> PyResult<u32> {
        let pairs = read_pairs(headers)?;
        let fields = read_fields(&pairs)?;
        let (mut method, mut scheme, mut authority, mut path) = (None, None, None, None);
        let mut protocol = None;
        let mut regular: Vec<(&[u8], &[u8])> = Vec::with_capacity(fields.len());
        for (n, v) in &fields {
            let slot = match &**n {
                b":method" => &mut method,
                b":scheme" => &mut scheme,
                b":authority" => &mut authority,
                b":path" => &mut path,
                b":protocol" => &mut protocol,
                name if name.starts_with(b":") => {
                    return Err(misuse("unknown request pseudo-header"));
                }
                name => {
                    regular.push((name, &**v));
                    continue;
                }
            };
            if slot.replace(&**v).is_some() {
                return Err(misuse("repeated pseudo-header"));
            }
        }
        let Some(method) = method else {
            return Err(misuse("a request needs :method"));
        };
        let mut req = OutgoingRequest::new(
            method,
            scheme.unwrap_or(b""),
            authority.unwrap_or(b""),
            path.unwrap_or(b""),
        )
        .with_headers(&regular);
        if let Some(p) = protocol {
            req = req.with_protocol(p);
        }
        let id = self
            .conn
            .send_request(&req, end_stream)
            .map_err(|e| h2_error(&e))?;
        Ok(id.get())
    }

    /// Server: the response head (`:status` among `headers`); 1xx heads may come first.
    fn send_response(
        &mut self,
        stream_id: u32,
        headers: &Bound<'_, PyAny>,
        end_stream: bool,
    ) -> PyResult<()> {
        let pairs = read_pairs(headers)?;
        let fields = read_fields(&pairs)?;
        let mut status = None;
        let mut regular: Vec<(&[u8], &[u8])> = Vec::with_capacity(fields.len());
        for (n, v) in &fields {
            if &**n == b":status" {
                let s = core::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<u16>().ok())
                    .ok_or_else(|| misuse(":status must be three digits"))?;
                if status.replace(s).is_some() {
                    return Err(misuse("repeated :status"));
                }
            } else if n.starts_with(b":") {
                return Err(misuse("a response carries only :status"));
            } else {
                regular.push((&**n, &**v));
            }
        }
        let status = status.ok_or_else(|| misuse("a response needs :status"))?;
        self.conn
            .send_response(sid(stream_id)?, status, &regular, end_stream)
            .map_err(|e| h2_error(&e))
    }

    /// Trailer fields; they end the stream.
    fn send_trailers(&mut self, stream_id: u32, headers: &Bound<'_, PyAny>) -> PyResult<()> {
        let pairs = read_pairs(headers)?;
        let fields = read_fields(&pairs)?;
        let list: Vec<(&[u8], &[u8])> = fields.iter().map(|(n, v)| (&**n, &**v)).collect();
        self.conn
            .send_trailers(sid(stream_id)?, &list)
            .map_err(|e| h2_error(&e))
    }

    /// Queues body bytes (sent as the windows allow; no window check needed by the caller).
    fn send_data(&mut self, stream_id: u32, data: &[u8], end_stream: bool) -> PyResult<()> {
        self.conn
            .send_data(sid(stream_id)?, Bytes::copy_from_slice(data), end_stream)
            .map_err(|e| h2_error(&e))
    }

    /// Resets a stream with RST_STREAM `error_code`.
    fn reset_stream(&mut self, stream_id: u32, error_code: u32) -> PyResult<()> {
        self.conn
            .reset(sid(stream_id)?, ErrorCode::new(error_code))
            .map_err(|e| h2_error(&e))
    }

    /// Sends a PING with 8 opaque bytes.
    fn ping(&mut self, data: &[u8]) -> PyResult<()> {
        let data: [u8; 8] = data
            .try_into()
            .map_err(|_| misuse("PING data is exactly 8 bytes"))?;
        self.conn.ping(data).map_err(|e| h2_error(&e))
    }

    /// Sends GOAWAY (NO_ERROR); open streams may finish.
    fn close(&mut self) {
        self.conn.close(now());
    }

    /// Returns `n` octets of receive credit on `stream_id` and the connection (only needed
    /// with `auto_window_update=False`).
    /// Raises `H2Error` if `n` is more than the stream's data handed out and not yet
    /// acknowledged.
    fn acknowledge_received_data(&mut self, n: u32, stream_id: u32) -> PyResult<()> {
        let id = sid(stream_id)?;
        let Some(map) = &mut self.unacked else {
            return Ok(()); // automatic: the credit was returned already
        };
        let left = map.get(&stream_id).copied().unwrap_or(0);
        if u64::from(n) > left {
            return Err(misuse(
                "acknowledged more than was received and not yet acknowledged on the stream",
            ));
        }
        if left == u64::from(n) {
            map.remove(&stream_id);
        } else {
            map.insert(stream_id, left - u64::from(n));
        }
        self.conn.release_capacity(id, n);
        Ok(())
    }

    /// How many octets we may send now on `stream_id` (or the connection with `None`).
    #[pyo3(signature = (stream_id = None))]
    fn send_window(&self, stream_id: Option<u32>) -> PyResult<i64> {
        Ok(self.conn.send_window(stream_id.map(sid).transpose()?))
    }

    /// The peer's settings as applied so far, by name.
    #[pyo3(name = "remote_settings")]
    fn py_remote_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.remote_settings(py)
    }

    /// Streams that are open or half-closed.
    fn open_streams(&self) -> usize {
        self.conn.open_streams()
    }

    /// Whether the connection is over and everything was written.
    fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// The bytes to write, at most `amount` (all queued output with `None`).
    #[pyo3(signature = (amount = None))]
    fn data_to_send<'py>(&mut self, py: Python<'py>, amount: Option<usize>) -> Bound<'py, PyBytes> {
        let limit = amount.unwrap_or(usize::MAX);
        let room = limit.min(self.out.len());
        let first = self.conn.poll_transmit(now(), &mut self.out[..room]);
        if first == 0 || first == limit {
            return PyBytes::new(py, &self.out[..first]);
        }
        let mut all = self.out[..first].to_vec();
        while all.len() < limit {
            let room = (limit - all.len()).min(self.out.len());
            let n = self.conn.poll_transmit(now(), &mut self.out[..room]);
            if n == 0 {
                break;
            }
            all.extend_from_slice(&self.out[..n]);
        }
        PyBytes::new(py, &all)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<H2Core>()?;
    m.add("H2Error", m.py().get_type::<H2Error>())?;
    Ok(())
}
