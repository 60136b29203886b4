//! One connection of `serve`: an HTTP/1.1 or an HTTP/2 machine, picked when the connection
//! is made (ALPN `h2` on TLS, the h2 preface on cleartext), each with its own handler. The
//! enum is the `serve_tcp` service's machine; every call goes to the machine inside.

use core::fmt;
use std::sync::Arc;

use bytes::Bytes;
use fasterapi_core::{Handler, Machine, StreamMachine, Timestamp, Transmit};
use fasterapi_http1::{ConnectionConfig, ServerConnection};

use super::app::{App, Http};
use super::h2::H2;

/// The machine of one connection.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "HTTP/1.1 is the common case: kept inline, no allocation per connection"
)]
pub(crate) enum Conn {
    /// HTTP/1.1 (and the start of an h2c or WebSocket upgrade).
    H1(ServerConnection),
    /// HTTP/2: ALPN `h2` or prior knowledge.
    H2(Box<fasterapi_http2::Connection>),
}

/// An event of either machine.
#[derive(Debug)]
pub(crate) enum ConnEvent {
    /// From the HTTP/1.1 machine.
    H1(fasterapi_http1::Event),
    /// From the HTTP/2 machine.
    H2(fasterapi_http2::Event),
}

/// An error of either machine.
#[derive(Debug)]
pub(crate) enum ConnError {
    /// From the HTTP/1.1 machine.
    H1(fasterapi_http1::ConnectionError),
    /// From the HTTP/2 machine.
    H2(fasterapi_http2::Error),
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::H1(e) => write!(f, "HTTP/1.1: {e}"),
            Self::H2(e) => write!(f, "HTTP/2: {e}"),
        }
    }
}

impl core::error::Error for ConnError {}

impl Conn {
    /// An HTTP/1.1 connection and its handler. On cleartext the handler takes `Upgrade: h2c`;
    /// over TLS it does not, since h2c is the cleartext form only (RFC 7540 §3.2, and RFC 9113
    /// §3.1: over TLS, HTTP/2 is chosen by ALPN).
    pub(crate) fn http1(app: &Arc<App>, tls: bool) -> (Self, ConnHandler) {
        let handler = if tls {
            Http::new(Arc::clone(app))
        } else {
            Http::with_h2c(Arc::clone(app))
        };
        (
            Self::H1(ServerConnection::new(ConnectionConfig::default())),
            ConnHandler::H1(handler),
        )
    }

    /// An HTTP/2 connection (the client's preface is still to come) and its handler.
    pub(crate) fn http2(app: &Arc<App>) -> (Self, ConnHandler) {
        let conn = fasterapi_http2::Connection::server(super::h2::config());
        (
            Self::H2(Box::new(conn)),
            ConnHandler::H2(H2::new(Arc::clone(app))),
        )
    }
}

/// Both arms call the same method of the machine inside.
macro_rules! each {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            Conn::H1($m) => $body,
            Conn::H2($m) => $body,
        }
    };
}

impl Machine for Conn {
    type Event = ConnEvent;
    type Error = ConnError;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), ConnError> {
        match self {
            Self::H1(c) => c.handle_timeout(now).map_err(ConnError::H1),
            Self::H2(c) => c.handle_timeout(now).map_err(ConnError::H2),
        }
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        each!(self, c => c.poll_timeout())
    }

    fn poll_event(&mut self) -> Option<ConnEvent> {
        match self {
            Self::H1(c) => c.poll_event().map(ConnEvent::H1),
            Self::H2(c) => c.poll_event().map(ConnEvent::H2),
        }
    }

    fn close(&mut self, now: Timestamp) {
        each!(self, c => c.close(now));
    }

    fn is_closed(&self) -> bool {
        each!(self, c => c.is_closed())
    }

    fn poll_error(&mut self) -> Option<ConnError> {
        match self {
            Self::H1(c) => c.poll_error().map(ConnError::H1),
            Self::H2(c) => c.poll_error().map(ConnError::H2),
        }
    }
}

impl StreamMachine for Conn {
    type Payload = Bytes;

    fn handle_input(&mut self, now: Timestamp, input: &[u8]) -> Result<usize, ConnError> {
        match self {
            Self::H1(c) => c.handle_input(now, input).map_err(ConnError::H1),
            Self::H2(c) => c.handle_input(now, input).map_err(ConnError::H2),
        }
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        each!(self, c => c.input_buffer())
    }

    fn commit_input(&mut self, now: Timestamp, n: usize) -> Result<(), ConnError> {
        match self {
            Self::H1(c) => c.commit_input(now, n).map_err(ConnError::H1),
            Self::H2(c) => c.commit_input(now, n).map_err(ConnError::H2),
        }
    }

    fn handle_eof(&mut self, now: Timestamp) -> Result<(), ConnError> {
        match self {
            Self::H1(c) => c.handle_eof(now).map_err(ConnError::H1),
            Self::H2(c) => c.handle_eof(now).map_err(ConnError::H2),
        }
    }

    fn is_handed_off(&self) -> bool {
        each!(self, c => c.is_handed_off())
    }

    fn poll_transmit(&mut self, now: Timestamp, buf: &mut [u8]) -> usize {
        each!(self, c => c.poll_transmit(now, buf))
    }

    fn poll_transmit_vectored(&mut self, now: Timestamp, buf: &mut [u8]) -> Transmit<Bytes> {
        each!(self, c => c.poll_transmit_vectored(now, buf))
    }
}

/// The handler of one connection, matching its machine.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "HTTP/1.1 is the common case: kept inline, no allocation per connection"
)]
pub(crate) enum ConnHandler {
    /// For [`Conn::H1`].
    H1(Http),
    /// For [`Conn::H2`].
    H2(H2),
}

impl Handler<Conn> for ConnHandler {
    fn on_event(&mut self, conn: &mut Conn, event: ConnEvent, now: Timestamp) {
        match (self, conn, event) {
            (Self::H1(h), Conn::H1(c), ConnEvent::H1(e)) => h.on_event(c, e, now),
            (Self::H2(h), Conn::H2(c), ConnEvent::H2(e)) => h.on_event(c, e, now),
            // A machine reports only its own events, and the two are made in pairs.
            _ => {}
        }
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        match self {
            Self::H1(h) => Handler::<ServerConnection>::poll_timeout(h),
            Self::H2(h) => Handler::<fasterapi_http2::Connection>::poll_timeout(h),
        }
    }

    fn handle_timeout(&mut self, conn: &mut Conn, now: Timestamp) {
        match (self, conn) {
            (Self::H1(h), Conn::H1(c)) => h.handle_timeout(c, now),
            (Self::H2(h), Conn::H2(c)) => h.handle_timeout(c, now),
            _ => {}
        }
    }

    fn on_shutdown(&mut self, conn: &mut Conn, now: Timestamp) {
        match (self, conn) {
            (Self::H1(h), Conn::H1(c)) => h.on_shutdown(c, now),
            (Self::H2(h), Conn::H2(c)) => h.on_shutdown(c, now),
            (_, c) => c.close(now),
        }
    }
}
