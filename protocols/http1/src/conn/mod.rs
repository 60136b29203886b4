//! The HTTP/1.1 connection machines: [`ServerConnection`] and [`ClientConnection`].
//!
//! Both implement [`fasterapi_core::StreamMachine`] and follow h11's state model: each side of
//! the connection (ours and theirs) is in one [`ConnState`]; a request/response cycle moves both
//! from `Idle` through `SendBody` to `Done`, and a keep-alive connection then starts the next
//! cycle by itself. See `docs/http1.md` (section *Connections*) for the states, keep-alive,
//! pipelining, the upgrade hand-off, limits and timeouts.
//!
//! The machines own a receive buffer (a `BytesMut`): heads, header fields and body data are
//! handed to the application as [`Bytes`] slices of it, without copying. Body payloads the
//! application sends are handed back out through `poll_transmit_vectored`, also without a copy.

use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;

use crate::codec::framing::BodyKind;
use crate::codec::types::Version;

/// The `StreamMachine` impl both roles share: they differ only in the states in which the
/// application owes the peer a message, where a full receive buffer is back-pressure on the
/// application rather than the peer's fault.
macro_rules! impl_stream_machine {
    ($machine:ty, owing: $($waiting:path)|+) => {
        impl ::fasterapi_core::StreamMachine for $machine {
            type Payload = ::bytes::Bytes;

            fn is_handed_off(&self) -> bool {
                self.ours == $crate::conn::ConnState::SwitchedProtocol
                    && self.theirs == $crate::conn::ConnState::SwitchedProtocol
                    && self.tx.is_empty()
                    && self.events.is_empty()
            }

            fn handle_input(
                &mut self,
                now: ::fasterapi_core::Timestamp,
                input: &[u8],
            ) -> Result<usize, $crate::conn::ConnectionError> {
                self.check()?;
                if !self.accepts_input() {
                    return Ok(0);
                }
                let n = self.recv.extend(input);
                self.input(now)?;
                let waiting = matches!(self.ours, $($waiting)|+);
                if n == 0 && !input.is_empty() && self.events.is_empty() && self.tx.is_empty()
                    && !waiting
                {
                    return Err(self.fail($crate::conn::ConnectionError::BufferFull {
                        limit: self.recv.capacity(),
                    }));
                }
                Ok(n)
            }

            fn input_buffer(&mut self) -> &mut [u8] {
                if !self.accepts_input() {
                    return &mut [];
                }
                self.recv.lend()
            }

            fn commit_input(
                &mut self,
                now: ::fasterapi_core::Timestamp,
                n: usize,
            ) -> Result<(), $crate::conn::ConnectionError> {
                self.check()?;
                self.recv.commit(n);
                self.input(now)
            }

            fn handle_eof(
                &mut self,
                now: ::fasterapi_core::Timestamp,
            ) -> Result<(), $crate::conn::ConnectionError> {
                self.check()?;
                if self.eof {
                    return Ok(());
                }
                self.eof = true;
                self.input(now)
            }

            fn poll_transmit(&mut self, now: ::fasterapi_core::Timestamp, buf: &mut [u8]) -> usize {
                self.now = self.now.max(now);
                if self.error.is_none() && self.deferred.is_none() {
                    self.arm_timers();
                }
                self.tx.poll(buf)
            }

            fn poll_transmit_vectored(
                &mut self,
                now: ::fasterapi_core::Timestamp,
                buf: &mut [u8],
            ) -> ::fasterapi_core::Transmit<::bytes::Bytes> {
                self.now = self.now.max(now);
                if self.error.is_none() && self.deferred.is_none() {
                    self.arm_timers();
                }
                self.tx.poll_vectored(buf)
            }
        }
    };
}

mod client;
mod config;
mod error;
mod io;
mod recv;
mod send;
mod server;

pub use client::ClientConnection;
pub use config::ConnectionConfig;
pub use error::ConnectionError;
pub use server::ServerConnection;

/// The state of one side of a connection (h11's model, per role).
///
/// Our side and their side each have one; see [`ServerConnection::our_state`] and
/// [`ServerConnection::their_state`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnState {
    /// Between messages: a client may send a request; a server waits for one.
    Idle,
    /// Server only: a request arrived and the response head is not sent yet (informational
    /// responses may be sent in this state).
    SendResponse,
    /// The head was sent or received; body data follows.
    SendBody,
    /// The message is complete; the side waits for the other one to finish its message.
    Done,
    /// The message is complete and the connection will not be reused (`Connection: close`,
    /// an HTTP/1.0 peer without keep-alive, a close-delimited body, [`close`](fasterapi_core::Machine::close)).
    MustClose,
    /// The side closed its half of the connection.
    Closed,
    /// A client sent a request that may switch protocols (`Upgrade`, `CONNECT`) and waits for
    /// the answer; its bytes after the request are held for the new protocol.
    MightSwitchProtocol,
    /// The connection now carries another protocol (after 101 or a 2xx answer to CONNECT).
    SwitchedProtocol,
    /// A protocol error ended the connection.
    Error,
}

/// One header field with owned (ref-counted) name and value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name as received (case preserved).
    pub name: Bytes,
    /// The field value without surrounding whitespace.
    pub value: Bytes,
}

impl Field {
    /// Whether the name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.name.escape_ascii(),
            self.value.escape_ascii()
        )
    }
}

/// The first value of the field named `name` in `fields`.
fn find<'f>(fields: &'f [Field], name: &str) -> Option<&'f [u8]> {
    fields.iter().find(|f| f.is(name)).map(|f| &f.value[..])
}

/// A request head received by a [`ServerConnection`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRequest {
    /// The method (case-sensitive token).
    pub method: Bytes,
    /// The request-target as received.
    pub target: Bytes,
    /// The HTTP version of the request.
    pub version: Version,
    /// The header fields, in order.
    pub headers: Vec<Field>,
    /// How the request body is framed.
    pub body: BodyKind,
}

impl IncomingRequest {
    /// The first value of the header field `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find(&self.headers, name)
    }
}

/// A response head received by a [`ClientConnection`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase (clients ignore it).
    pub reason: Bytes,
    /// The HTTP version of the response.
    pub version: Version,
    /// The header fields, in order.
    pub headers: Vec<Field>,
    /// How the response body is framed.
    pub body: BodyKind,
}

impl IncomingResponse {
    /// The first value of the header field `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find(&self.headers, name)
    }
}

/// What a connection machine tells the application, from
/// [`poll_event`](fasterapi_core::Machine::poll_event).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Server: a request head arrived. Body events follow, then [`Event::EndOfMessage`].
    Request(IncomingRequest),
    /// Client: an informational (1xx) response other than a protocol switch, such as
    /// `100 Continue` or `103 Early Hints`. The final response is still to come.
    Informational(IncomingResponse),
    /// Client: the final response head arrived. Body events follow, then
    /// [`Event::EndOfMessage`] (or [`Event::Switched`] after 101 or a 2xx answer to CONNECT).
    Response(IncomingResponse),
    /// A piece of the body: a slice of the receive buffer, no copy.
    Data(Bytes),
    /// The message (request or response) is complete; chunked bodies may carry trailer fields.
    EndOfMessage {
        /// The trailer fields (empty unless the body was chunked and had some).
        trailers: Vec<Field>,
    },
    /// The connection switched to another protocol (101 Switching Protocols, or a 2xx answer to
    /// CONNECT). `leftover` holds the bytes already received that belong to the new protocol;
    /// the machine takes no more input: hand the transport and `leftover` to the new protocol.
    Switched {
        /// Bytes received after the HTTP/1.1 exchange.
        leftover: Bytes,
    },
    /// The peer closed the connection cleanly, between messages (or at the end of a
    /// close-delimited response).
    Closed,
}

/// The canonical reason phrase for `status` (RFC 9110 §15), or `""`.
const fn reason(status: u16) -> &'static [u8] {
    match status {
        100 => b"Continue",
        101 => b"Switching Protocols",
        103 => b"Early Hints",
        200 => b"OK",
        201 => b"Created",
        202 => b"Accepted",
        204 => b"No Content",
        206 => b"Partial Content",
        301 => b"Moved Permanently",
        302 => b"Found",
        303 => b"See Other",
        304 => b"Not Modified",
        307 => b"Temporary Redirect",
        308 => b"Permanent Redirect",
        400 => b"Bad Request",
        401 => b"Unauthorized",
        403 => b"Forbidden",
        404 => b"Not Found",
        405 => b"Method Not Allowed",
        408 => b"Request Timeout",
        411 => b"Length Required",
        413 => b"Content Too Large",
        414 => b"URI Too Long",
        417 => b"Expectation Failed",
        426 => b"Upgrade Required",
        431 => b"Request Header Fields Too Large",
        500 => b"Internal Server Error",
        501 => b"Not Implemented",
        502 => b"Bad Gateway",
        503 => b"Service Unavailable",
        505 => b"HTTP Version Not Supported",
        _ => b"",
    }
}

/// Whether a comma-separated header value list contains `token` (ASCII case-insensitive).
fn has_token(value: &[u8], token: &str) -> bool {
    value.split(|&b| b == b',').any(|t| {
        let t = t.trim_ascii();
        t.eq_ignore_ascii_case(token.as_bytes())
    })
}

/// Whether any field named `name` lists `token`.
fn fields_have_token<'a>(
    mut fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    name: &str,
    token: &str,
) -> bool {
    fields.any(|(n, v)| n.eq_ignore_ascii_case(name.as_bytes()) && has_token(v, token))
}
