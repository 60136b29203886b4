//! WebSocket: the message machine of `fasterapi-websocket` ([`WsConnection`]) and its
//! HTTP/1.1 handshakes ([`WsServerHandshake`], [`WsClientHandshake`]), for the wsproto-shaped
//! `fasterapi.websocket` module.
//!
//! The handshakes take a method, a status and header lists, so any HTTP layer can use them.

use std::fs::File;
use std::io::Read;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_websocket::handshake::{
    ClientHandshake, ClientOptions, DefaultCrypto, ServerOptions, server_accept,
};
use fasterapi_websocket::{CloseCode, Config, Connection, DeflateConfig, Event};
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

create_exception!(
    _fasterapi,
    WsError,
    PyValueError,
    "The WebSocket peer broke the protocol: args are (message, close code to answer with)."
);
create_exception!(
    _fasterapi,
    WsHandshakeError,
    PyValueError,
    "A WebSocket handshake was refused: args are (message, HTTP status or None)."
);

/// Milliseconds-precise time since the first use, for the machine's close timer.
fn now() -> Timestamp {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    Timestamp::from_nanos(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
}

/// Masks and keys from the OS's entropy (RFC 6455 §5.3: a strong source), read in blocks.
#[derive(Debug)]
struct OsRandom {
    block: [u8; 256],
    used: usize,
}

impl OsRandom {
    fn new() -> PyResult<Self> {
        let mut r = Self {
            block: [0; 256],
            used: 256,
        };
        r.refill()?;
        Ok(r)
    }

    fn refill(&mut self) -> PyResult<()> {
        File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut self.block))
            .map_err(|e| PyOSError::new_err(format!("reading /dev/urandom: {e}")))?;
        self.used = 0;
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            if self.used == self.block.len() {
                // The first refill succeeded, so the device exists; a later failure keeps the
                // old block rather than panicking inside the machine.
                let _ = self.refill();
                self.used = 0;
            }
            *b = self.block[self.used];
            self.used += 1;
        }
    }
}

fn ws_error(e: &fasterapi_websocket::Error) -> PyErr {
    let code = e.close_code().map(u16::from);
    WsError::new_err((e.to_string(), code))
}

/// One WebSocket connection after the handshake, either role.
///
/// `receive(data)` returns the events the bytes completed; actions queue frames; `take_output()`
/// returns the bytes to write.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct WsConnection {
    // A Mutex only to make the class `Sync` (the client's random source is not): methods take
    // `&mut self`, so `get_mut` reaches the connection without locking. A Python object may
    // then be created in one thread and dropped in another (garbage collection).
    conn: Mutex<Connection>,
    out: Vec<u8>,
}

fn config(max_message_size: u64) -> Config {
    // Pings are reported and answered by the application, as in wsproto.
    Config::default()
        .auto_pong(false)
        .max_message_size(max_message_size)
        .max_frame_size(max_message_size)
}

impl WsConnection {
    fn with(conn: Connection) -> Self {
        Self {
            conn: Mutex::new(conn),
            out: vec![0; 64 * 1024],
        }
    }

    /// Encodes queued frames into `out`; returns the length.
    fn transmit(&mut self) -> usize {
        let conn = self.conn.get_mut().unwrap_or_else(PoisonError::into_inner);
        conn.poll_transmit(now(), &mut self.out)
    }

    fn conn(&mut self) -> &mut Connection {
        self.conn.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    fn client_conn(config: Config) -> PyResult<Self> {
        let mut rng = OsRandom::new()?;
        Ok(Self::with(Connection::client(
            config,
            move |b: &mut [u8]| {
                rng.fill(b);
            },
        )))
    }

    fn events<'py>(&mut self, py: Python<'py>, list: &Bound<'py, PyList>) -> PyResult<()> {
        while let Some(ev) = self.conn().poll_event() {
            let item: Bound<'py, PyTuple> = match ev {
                Event::Text(s) => (0u8, PyString::new(py, &s)).into_pyobject(py)?,
                Event::Binary(b) => (1u8, PyBytes::new(py, &b)).into_pyobject(py)?,
                Event::Ping(b) => (2u8, PyBytes::new(py, &b)).into_pyobject(py)?,
                Event::Pong(b) => (3u8, PyBytes::new(py, &b)).into_pyobject(py)?,
                Event::Close { code, reason } => {
                    (4u8, code.map(u16::from), PyString::new(py, &reason)).into_pyobject(py)?
                }
                _ => continue,
            };
            list.append(item)?;
        }
        Ok(())
    }
}

#[pymethods]
impl WsConnection {
    /// A connection without extensions: `client` picks the role (clients mask their frames).
    #[new]
    #[pyo3(signature = (client, max_message_size = 64 << 20))]
    fn new(client: bool, max_message_size: u64) -> PyResult<Self> {
        let config = config(max_message_size);
        if client {
            Self::client_conn(config)
        } else {
            Ok(Self::with(Connection::server(config)))
        }
    }

    /// Feeds received bytes; returns the completed events as tuples: `(0, str)` text,
    /// `(1, bytes)` binary, `(2, bytes)` ping, `(3, bytes)` pong, `(4, code | None, reason)`
    /// close. Raises `WsError(message, close_code)`; the close frame to send is then in
    /// `take_output()`.
    fn receive<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        let mut rest = data;
        loop {
            let n = self
                .conn()
                .handle_input(now(), rest)
                .map_err(|e| ws_error(&e))?;
            rest = &rest[n..];
            self.events(py, &list)?;
            if rest.is_empty() || n == 0 {
                break;
            }
        }
        if !rest.is_empty() {
            return Err(WsError::new_err((
                "receive queue full: drain take_output() and events first".to_string(),
                Some(1008u16),
            )));
        }
        Ok(list)
    }

    /// The peer closed the TCP connection.
    fn receive_eof<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.conn().handle_eof(now()).map_err(|e| ws_error(&e))?;
        let list = PyList::empty(py);
        self.events(py, &list)?;
        Ok(list)
    }

    /// Queues a text message.
    fn send_text(&mut self, text: &str) -> PyResult<()> {
        self.conn().send_text(text).map_err(|e| ws_error(&e))
    }

    /// Queues a binary message.
    fn send_binary(&mut self, data: &[u8]) -> PyResult<()> {
        self.conn().send_binary(data).map_err(|e| ws_error(&e))
    }

    /// Queues a ping.
    fn send_ping(&mut self, payload: &[u8]) -> PyResult<()> {
        self.conn().send_ping(payload).map_err(|e| ws_error(&e))
    }

    /// Queues a pong.
    fn send_pong(&mut self, payload: &[u8]) -> PyResult<()> {
        self.conn().send_pong(payload).map_err(|e| ws_error(&e))
    }

    /// Starts (or answers) the closing handshake with `code` and `reason`.
    #[pyo3(signature = (code = 1000, reason = ""))]
    fn close(&mut self, code: u16, reason: &str) -> PyResult<()> {
        self.conn()
            .close_with(now(), CloseCode::from(code), reason)
            .map_err(|e| ws_error(&e))
    }

    /// Closes without a close code (answers the peer's empty close frame).
    fn close_now(&mut self) {
        self.conn().close(now());
    }

    /// The bytes to write to the peer (empty when nothing is queued).
    fn take_output<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut all: Vec<u8> = Vec::new();
        loop {
            let n = self.transmit();
            if n == 0 {
                break;
            }
            if all.is_empty() && n < self.out.len() {
                let first = PyBytes::new(py, &self.out[..n]);
                // Usually one call drains everything; check once more before returning.
                let m = self.transmit();
                if m == 0 {
                    return first;
                }
                all.extend_from_slice(first.as_bytes());
                all.extend_from_slice(&self.out[..m]);
                continue;
            }
            all.extend_from_slice(&self.out[..n]);
        }
        PyBytes::new(py, &all)
    }

    /// Whether permessage-deflate is in use.
    fn is_compressed(&mut self) -> bool {
        self.conn().is_compressed()
    }
}

fn header_pairs(headers: &[(Vec<u8>, Vec<u8>)]) -> Vec<(&[u8], &[u8])> {
    headers.iter().map(|(n, v)| (&n[..], &v[..])).collect()
}

/// The server side of the HTTP/1.1 handshake (RFC 6455 §4.2): checks the request and chooses
/// the subprotocol and permessage-deflate parameters.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct WsServerHandshake {
    accepted: fasterapi_websocket::handshake::Accepted,
}

#[pymethods]
impl WsServerHandshake {
    /// Raises `WsHandshakeError(message, status)` (400, or 426 for a wrong version).
    #[new]
    #[pyo3(signature = (method, headers, protocols = Vec::new(), deflate = false))]
    fn new(
        method: &[u8],
        headers: Vec<(Vec<u8>, Vec<u8>)>,
        protocols: Vec<String>,
        deflate: bool,
    ) -> PyResult<Self> {
        let mut options = ServerOptions::new().deflate(deflate.then(DeflateConfig::new));
        for p in &protocols {
            options = options.protocol(p);
        }
        let accepted = server_accept(method, &header_pairs(&headers), &options, &DefaultCrypto)
            .map_err(|e| WsHandshakeError::new_err((e.to_string(), e.status())))?;
        Ok(Self { accepted })
    }

    /// The 101 response's header fields: `[(name, value)]`.
    fn response_headers(&self) -> Vec<(String, String)> {
        self.accepted
            .response_headers()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// The chosen subprotocol.
    #[getter]
    fn protocol(&self) -> Option<String> {
        self.accepted.protocol.clone()
    }

    /// The Sec-WebSocket-Extensions response value, if an extension was accepted.
    #[getter]
    fn extensions(&self) -> Option<String> {
        self.accepted.extensions.clone()
    }

    /// The server connection with the negotiated parameters.
    #[pyo3(signature = (max_message_size = 64 << 20))]
    fn connection(&self, max_message_size: u64) -> WsConnection {
        WsConnection::with(Connection::server(
            self.accepted.config(config(max_message_size)),
        ))
    }
}

/// The client side of the HTTP/1.1 handshake: the request fields, then the check of the answer.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct WsClientHandshake {
    handshake: ClientHandshake,
}

#[pymethods]
impl WsClientHandshake {
    /// A handshake with a fresh random key, offering `protocols` and permessage-deflate.
    #[new]
    #[pyo3(signature = (protocols = Vec::new(), deflate = false))]
    fn new(protocols: Vec<String>, deflate: bool) -> PyResult<Self> {
        let mut options = ClientOptions::new().deflate(deflate.then(DeflateConfig::new));
        for p in &protocols {
            options = options.protocol(p);
        }
        let mut nonce = [0u8; 16];
        OsRandom::new()?.fill(&mut nonce);
        Ok(Self {
            handshake: ClientHandshake::new(options, nonce),
        })
    }

    /// The request fields besides Host: `[(name, value)]`.
    fn request_headers(&self) -> Vec<(String, String)> {
        self.handshake
            .request_headers()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// Checks the server's answer; returns `(subprotocol, client connection)`. Raises
    /// `WsHandshakeError(message, None)`.
    #[pyo3(signature = (status, headers, max_message_size = 64 << 20))]
    fn verify(
        &self,
        status: u16,
        headers: Vec<(Vec<u8>, Vec<u8>)>,
        max_message_size: u64,
    ) -> PyResult<(Option<String>, WsConnection)> {
        let ok = self
            .handshake
            .verify(status, &header_pairs(&headers), &DefaultCrypto)
            .map_err(|e| WsHandshakeError::new_err((e.to_string(), e.status())))?;
        let conn = WsConnection::client_conn(ok.config(config(max_message_size)))?;
        Ok((ok.protocol.clone(), conn))
    }
}

/// Registers the WebSocket classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WsConnection>()?;
    m.add_class::<WsServerHandshake>()?;
    m.add_class::<WsClientHandshake>()?;
    m.add("WsError", m.py().get_type::<WsError>())?;
    m.add("WsHandshakeError", m.py().get_type::<WsHandshakeError>())?;
    Ok(())
}
