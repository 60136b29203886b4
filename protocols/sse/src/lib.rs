//! # fasterapi-sse — WHATWG Server-Sent Events, sans-IO
//!
//! The `text/event-stream` format and the EventSource processing model of WHATWG HTML §9.2, as
//! FasterAPI's two layers:
//!
//! * **codec** (no alloc, `#![no_std]`): [`LineScanner`] splits a byte stream into lines
//!   (one leading BOM stripped, CR / LF / CRLF in any mix, split anywhere), [`parse_line`]
//!   interprets one line as a field, and [`Message`] / [`encode_comment`] encode events and
//!   comments into caller buffers;
//! * **accumulation and machines** (feature `alloc`): [`EventParser`] turns the lines into
//!   events exactly as §9.2.6 says (data joined with LF, `event`, `id` without NUL,
//!   digit-only `retry`, dispatch on a blank line, last event ID kept, UTF-8 with U+FFFD
//!   replacement), within [`Limits`], with identical results however the input is split and
//!   zero-copy events when an event arrived in one piece; [`Client`] is the reconnection
//!   machine (status and `Content-Type` checks, `Last-Event-ID`, `retry`, backoff with
//!   caller-supplied jitter) and [`Server`] the response stream (head, framing, keep-alive
//!   comments), both on the `fasterapi-core` driving contract.
//!
//! It does no I/O: no sockets, no clocks, no randomness (the client's jitter comes from the
//! caller through [`Jitter`]).
//!
//! ```text
//!                 ┌──────────── Client (alloc) ─────────────┐
//!  response head ─▶ handle_response(status, content-type)  │──▶ poll_event: Open, Message(Event),
//!  body bytes ────▶ handle_input ─▶ EventParser             │    Reconnecting{at}, Connect, Failed
//!  eof / errors ──▶ handle_eof / handle_network_error       │──▶ poll_timeout: when to reconnect
//!                 └──────────────────────────────────────────┘    request_headers: Last-Event-ID
//!
//!  body bytes ──▶ LineScanner ──▶ parse_line ──▶ EventParser ──▶ Event { event_type, data, id }
//!  (any split)    (pieces, no_std) (Line)         (alloc)         Parsed::Retry / Comment
//!
//!                 ┌──────────── Server (alloc) ─────────────┐
//!  send(Message) ─▶ encode + frame (chunked / raw)          │──▶ poll_transmit(&mut caller_buf)
//!  handle_timeout ▶ keep-alive comment when idle            │──▶ poll_timeout: next keep-alive
//!                 └──────────────────────────────────────────┘
//! ```
//!
//! # The driving loop
//!
//! A server stream and a client in memory: the server's bytes go to the client, events come
//! out, and the end of the stream makes the client schedule a reconnection at the server's
//! `retry` time.
//!
//! ```
//! use fasterapi_core::{Machine, StreamMachine, Timestamp};
//! use fasterapi_sse::{Client, ClientConfig, ClientEvent, Framing, Message, Server, ServerConfig};
//!
//! let now = Timestamp::ZERO;
//! let mut config = ServerConfig::default();
//! config.framing = Framing::Raw; // the body only: the HTTP head is the application's business
//! config.send_head = false;
//! let mut server = Server::new(now, config);
//! let mut client = Client::new(ClientConfig::default(), || 0u32); // the caller's randomness
//! client.handle_response(now, 200, Some(b"text/event-stream"))?;
//!
//! server.send(now, &Message::new("hello\nworld").with_id("1").with_retry(500))?;
//! server.close(now);
//! let mut buf = [0u8; 64]; // any size works: output continues in the next call
//! loop {
//!     // The rule: after any input or action, drain the outputs.
//!     let n = server.poll_transmit(now, &mut buf);
//!     if n == 0 {
//!         break;
//!     }
//!     let mut rest = &buf[..n];
//!     while !rest.is_empty() {
//!         let used = client.handle_input(now, rest)?;
//!         rest = &rest[used..];
//!         while let Some(event) = client.poll_event() {
//!             if let ClientEvent::Message(m) = event {
//!                 assert_eq!((&*m.data, &*m.id), ("hello\nworld", "1"));
//!             }
//!         }
//!     }
//! }
//! assert!(server.is_closed());
//! client.handle_eof(now)?; // the body ended: reconnect after `retry`
//! let Some(ClientEvent::Reconnecting { at, .. }) = client.poll_event() else { panic!() };
//! assert_eq!(at, Timestamp::from_millis(500));
//! # Ok::<(), fasterapi_sse::Error>(())
//! ```
//!
//! Encoding and parsing on their own:
//!
//! ```
//! use fasterapi_sse::{EventParser, Message, Parsed};
//!
//! // Encode into a caller buffer…
//! let mut buf = [0u8; 128];
//! let n = Message::new("hello\nworld").with_event("greeting").with_id("42").encode(&mut buf)?;
//!
//! // …and parse it back, in arbitrary pieces.
//! let mut parser = EventParser::new();
//! let mut seen = Vec::new();
//! for chunk in buf[..n].chunks(7) {
//!     parser.feed(chunk, |p| {
//!         if let Parsed::Event(e) = p {
//!             seen.push((e.event_type.into_owned(), e.data.into_owned(), e.id.into_owned()));
//!         }
//!     })?;
//! }
//! assert_eq!(seen, [("greeting".into(), "hello\nworld".into(), "42".into())]);
//! # Ok::<(), fasterapi_sse::Error>(())
//! ```
//!
//! # Features
//! * `std` (default): implies `alloc`.
//! * `alloc`: [`EventParser`], [`Client`], [`Server`] (and the `fasterapi-http1` dependency
//!   that serializes the server's response head).
//!
//! With no features the crate is `#![no_std]` without allocation (the line scanner, the field
//! parser and the encoder) and builds for `thumbv7em-none-eabihf`.
//!
//! # Limits
//! * [`Limits`]: lines of at most 64 KiB and event data of at most 1 MiB by default, checked
//!   before bytes are buffered; crossing one is [`Error::LineTooLong`] /
//!   [`Error::EventTooLarge`]. Invalid UTF-8 is never an error.
//! * [`ClientConfig`]: at most 1,024 undrained events (back-pressure), a 16 KiB receive
//!   buffer, backoff capped at 60 s.
//! * [`ServerConfig`]: at most 1 MiB of undrained output ([`Error::SendBufferFull`]).
//!
//! # Hand-written code
//! Whole events of one input are scanned from a bit mask of the CR and LF bytes of each
//! 64-byte block (SSE2 on x86_64, a scalar twin elsewhere) and `memchr2` past a block without a
//! line end; lines split across inputs with a SWAR scan over their first 64 bytes, then
//! `memchr2`. UTF-8 is validated with `simdutf8` (short ASCII values are checked as ASCII). `benches/benches/sse.rs` compares the parser with
//! `eventsource-stream` and `sse-stream` (results in `docs/BENCHMARKS.md`).
//!
//! See `docs/sse.md` in the repository for the guide.
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
mod client;
mod codec;
mod config;
mod error;
#[cfg(feature = "alloc")]
mod parser;
#[cfg(feature = "alloc")]
mod server;
#[cfg(feature = "alloc")]
mod simd;

// ----- public interface -----
#[cfg(feature = "alloc")]
pub use client::{Client, ClientConfig, ClientEvent, Failure, Jitter, ReadyState};
pub use codec::encode::{KEEP_ALIVE, Message, encode_comment};
pub use codec::field::{Line, parse_line};
pub use codec::line::{LineScanner, Piece};
pub use config::Limits;
pub use error::Error;
#[cfg(feature = "alloc")]
pub use parser::{Event, EventParser, Parsed};
#[cfg(feature = "alloc")]
pub use server::{Framing, Server, ServerConfig, response_head};
