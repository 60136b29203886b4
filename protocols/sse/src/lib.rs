//! # fasterapi-sse — WHATWG Server-Sent Events, sans-IO
//!
//! The `text/event-stream` format of WHATWG HTML §9.2, as FasterAPI's two layers:
//!
//! * **codec** (no alloc, `#![no_std]`): [`LineScanner`] splits a byte stream into lines
//!   (one leading BOM stripped, CR / LF / CRLF in any mix, split anywhere), [`parse_line`]
//!   interprets one line as a field, and [`Message`] / [`encode_comment`] encode events and
//!   comments into caller buffers;
//! * **accumulation** (feature `alloc`): [`EventParser`] turns the lines into events exactly as
//!   §9.2.6 says (data joined with LF, `event`, `id` without NUL, digit-only `retry`, dispatch
//!   on a blank line, last event ID kept, UTF-8 with U+FFFD replacement), within [`Limits`],
//!   with identical results however the input is split and zero-copy events when an event
//!   arrived in one piece.
//!
//! It does no I/O: no sockets, no clocks, no randomness.
//!
//! ```text
//!   body bytes ──▶ LineScanner ──▶ parse_line ──▶ EventParser ──▶ Event { event_type, data, id }
//!   (any split)     (pieces)        (Line)         (alloc)        Parsed::Retry / Comment
//!
//!   Message { event, data, id, retry } ──encode──▶ caller's &mut [u8]
//! ```
//!
//! ```
//! use fasterapi_sse::{EventParser, Message, Parsed};
//!
//! // Encode into a caller buffer…
//! let mut buf = [0u8; 128];
//! let n = Message::new("hello\nworld").with_event("greeting").with_id("42").encode(&mut buf)?;
//!
//! // …and parse it back, in two arbitrary pieces.
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
//! * `alloc`: [`EventParser`] (event accumulation).
//!
//! With no features the crate is `#![no_std]` without allocation (the line scanner, the field
//! parser and the encoder) and builds for `thumbv7em-none-eabihf`.
//!
//! # Limits
//! [`Limits`]: lines of at most 64 KiB and event data of at most 1 MiB by default, checked
//! before bytes are buffered; crossing one is [`Error::LineTooLong`] /
//! [`Error::EventTooLarge`]. Invalid UTF-8 is never an error.
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
