//! The server side: the response head and a response-body stream with keep-alives (feature
//! `alloc`).

use alloc::vec;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::time::Duration;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};
use fasterapi_http1::{ChunkHeader, Header, ResponseHead, Version, write_response_head};

use crate::codec::encode::{KEEP_ALIVE, Message, encode_comment};
use crate::error::Error;

/// How the event stream's body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Framing {
    /// HTTP/1.1 chunked transfer coding: each write is one chunk; [`Machine::close`] sends
    /// the last chunk, so the connection can be reused.
    Chunked,
    /// The bytes as they are: the body ends when the connection closes (HTTP/1.1 with
    /// `Connection: close`), or the caller frames them itself (HTTP/2 DATA frames).
    Raw,
}

/// Options of the [`Server`] stream, with safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Body framing; default [`Framing::Chunked`].
    pub framing: Framing,
    /// Whether the stream starts with the HTTP/1.1 response head (default `true`); turn it off
    /// when the head is sent by an HTTP/2 or HTTP/3 machine.
    pub send_head: bool,
    /// A comment line is sent after this long without output, so proxies keep the connection
    /// (§9.2.7 suggests about 15 s, the default); `None` sends none.
    pub keep_alive: Option<Duration>,
    /// The most output bytes queued and not yet taken by `poll_transmit` (default 1 MiB);
    /// sending past it is [`Error::SendBufferFull`]. A keep-alive that does not fit is skipped.
    pub max_buffered: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            framing: Framing::Chunked,
            send_head: true,
            keep_alive: Some(Duration::from_secs(15)),
            max_buffered: 1024 * 1024,
        }
    }
}

/// Writes the HTTP/1.1 response head of an event stream into `out` and returns its length:
/// `200 OK`, `Content-Type: text/event-stream`, `Cache-Control: no-cache`, no
/// `Content-Length`, and `Transfer-Encoding: chunked` ([`Framing::Chunked`]) or
/// `Connection: close` ([`Framing::Raw`]). Serialized by `fasterapi-http1`.
///
/// # Errors
/// [`Error::BufferTooSmall`].
pub fn response_head(framing: Framing, out: &mut [u8]) -> Result<usize, Error> {
    let framing_header = match framing {
        Framing::Chunked => Header {
            name: b"Transfer-Encoding",
            value: b"chunked",
        },
        Framing::Raw => Header {
            name: b"Connection",
            value: b"close",
        },
    };
    let headers = [
        Header {
            name: b"Content-Type",
            value: b"text/event-stream",
        },
        Header {
            name: b"Cache-Control",
            value: b"no-cache",
        },
        framing_header,
    ];
    let head = ResponseHead {
        version: Version::Http11,
        status: 200,
        reason: b"OK",
        headers: &headers,
    };
    write_response_head(&head, out).map_err(|e| match e {
        fasterapi_http1::Error::BufferTooSmall { needed } => Error::BufferTooSmall { needed },
        // The head above is fixed and valid; nothing else can be reported.
        _ => Error::BufferTooSmall {
            needed: out.len() + 1,
        },
    })
}

/// A server's event stream as a machine: actions queue encoded events and comments, a timer
/// queues keep-alive comments when the stream is idle, and `poll_transmit` drains the bytes
/// (head, then body, framed per [`Framing`]) into the caller's buffer.
///
/// Its input side is the request body, which an event-stream request does not have: input is
/// consumed and dropped, and the end of input means the client went away (the stream closes).
///
/// ```
/// use fasterapi_core::{Machine, StreamMachine, Timestamp};
/// use fasterapi_sse::{Framing, Message, Server, ServerConfig};
/// use std::time::Duration;
///
/// let mut config = ServerConfig::default();
/// config.framing = Framing::Raw;
/// config.send_head = false;
/// let mut server = Server::new(Timestamp::ZERO, config);
/// server.send(Timestamp::ZERO, &Message::new("hello"))?;
/// let mut out = [0u8; 64];
/// let n = server.poll_transmit(Timestamp::ZERO, &mut out);
/// assert_eq!(&out[..n], b"data: hello\n\n");
///
/// // Fifteen idle seconds later a keep-alive comment is due.
/// let due = server.poll_timeout().unwrap();
/// assert_eq!(due, Timestamp::from_secs(15));
/// server.handle_timeout(due)?;
/// let n = server.poll_transmit(due, &mut out);
/// assert_eq!(&out[..n], b":\n");
/// # Ok::<(), fasterapi_sse::Error>(())
/// ```
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    out: Vec<u8>,
    /// Bytes of `out` already handed to `poll_transmit`.
    sent: usize,
    next_keep_alive: Option<Timestamp>,
    closing: bool,
    gone: bool,
    scratch: Vec<u8>,
}

impl Server {
    /// A stream starting at `now`; with [`ServerConfig::send_head`] the response head is
    /// queued first.
    pub fn new(now: Timestamp, config: ServerConfig) -> Self {
        let mut s = Self {
            config,
            out: Vec::new(),
            sent: 0,
            next_keep_alive: None,
            closing: false,
            gone: false,
            scratch: Vec::new(),
        };
        if config.send_head {
            let mut head = [0u8; 160];
            let n = response_head(config.framing, &mut head)
                .expect("160 bytes hold the fixed event-stream head");
            s.out.extend_from_slice(&head[..n]);
        }
        s.arm(now);
        s
    }

    /// Bytes queued and not yet drained.
    pub fn buffered(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Queues `msg`, encoded and framed.
    ///
    /// # Errors
    /// [`Error::InvalidField`] (see [`Message::encode`]), [`Error::SendBufferFull`],
    /// [`Error::Closed`] after [`Machine::close`] or when the client went away.
    pub fn send(&mut self, now: Timestamp, msg: &Message<'_>) -> Result<(), Error> {
        self.check_open()?;
        let len = msg.encoded_len()?;
        self.queue(now, len, |buf| msg.encode(buf))
    }

    /// Queues a comment line (`: text`).
    ///
    /// # Errors
    /// As for [`Server::send`].
    pub fn send_comment(&mut self, now: Timestamp, text: &str) -> Result<(), Error> {
        self.check_open()?;
        let len = 2 + text.len() + 1;
        self.queue(now, len, |buf| encode_comment(text, buf))
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.closing || self.gone {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// Encodes at most `len` bytes with `encode` and queues them with their framing.
    fn queue(
        &mut self,
        now: Timestamp,
        len: usize,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
    ) -> Result<(), Error> {
        let framed = len + self.framing_overhead(len);
        if self.buffered().saturating_add(framed) > self.config.max_buffered {
            return Err(Error::SendBufferFull {
                limit: self.config.max_buffered,
            });
        }
        self.scratch.clear();
        self.scratch.resize(len, 0);
        let n = encode(&mut self.scratch)?;
        self.compact();
        let chunked = self.config.framing == Framing::Chunked;
        if chunked {
            self.out
                .extend_from_slice(ChunkHeader::new(n as u64).as_bytes());
        }
        self.out.extend_from_slice(&self.scratch[..n]);
        if chunked {
            self.out.extend_from_slice(b"\r\n");
        }
        self.arm(now);
        Ok(())
    }

    fn framing_overhead(&self, len: usize) -> usize {
        match self.config.framing {
            Framing::Chunked => ChunkHeader::new(len as u64).as_bytes().len() + 2,
            Framing::Raw => 0,
        }
    }

    /// Drops the bytes already drained once they are most of the buffer.
    fn compact(&mut self) {
        if self.sent > 0 && self.sent >= self.out.len() / 2 {
            self.out.drain(..self.sent);
            self.sent = 0;
        }
    }

    fn arm(&mut self, now: Timestamp) {
        self.next_keep_alive = self.config.keep_alive.map(|d| now.saturating_add(d));
    }
}

impl Machine for Server {
    type Event = Infallible;
    type Error = Error;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        if self.closing || self.gone {
            return Ok(());
        }
        if self.next_keep_alive.is_some_and(|t| now >= t) {
            let fits = self.buffered() + KEEP_ALIVE.len() + self.framing_overhead(KEEP_ALIVE.len())
                <= self.config.max_buffered;
            if fits {
                self.queue(now, KEEP_ALIVE.len(), |buf| {
                    buf.copy_from_slice(KEEP_ALIVE);
                    Ok(KEEP_ALIVE.len())
                })?;
            } else {
                // Output is already waiting: the connection is not idle.
                self.arm(now);
            }
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        if self.closing || self.gone {
            return None;
        }
        self.next_keep_alive
    }

    fn poll_event(&mut self) -> Option<Infallible> {
        None
    }

    /// Ends the stream: with [`Framing::Chunked`] the last chunk is queued. Queued events are
    /// still sent.
    fn close(&mut self, _now: Timestamp) {
        if self.closing || self.gone {
            return;
        }
        self.closing = true;
        if self.config.framing == Framing::Chunked {
            self.compact();
            self.out.extend_from_slice(b"0\r\n\r\n");
        }
    }

    fn is_closed(&self) -> bool {
        self.gone || (self.closing && self.buffered() == 0)
    }
}

impl StreamMachine for Server {
    type Payload = NoPayload;

    fn handle_input(&mut self, _now: Timestamp, input: &[u8]) -> Result<usize, Error> {
        Ok(input.len())
    }

    fn input_buffer(&mut self) -> &mut [u8] {
        if self.scratch.len() < 512 {
            self.scratch = vec![0; 512];
        }
        &mut self.scratch
    }

    fn commit_input(&mut self, _now: Timestamp, _n: usize) -> Result<(), Error> {
        Ok(())
    }

    /// The client closed its side: nobody reads the stream any more; queued output is dropped.
    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Error> {
        self.gone = true;
        self.out.clear();
        self.sent = 0;
        Ok(())
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        let pending = &self.out[self.sent..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.sent += n;
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
        n
    }
}
