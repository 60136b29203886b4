//! Sans-IO HTTP/2 (RFC 9113) for FasterAPI: a `no_std`, allocation-free frame codec, and one
//! connection machine for clients and servers on the `fasterapi-core` driving contract.
//!
//! The crate turns received bytes into events and the application's calls into bytes, and does
//! nothing else: no sockets, no clocks, no threads, no TLS. Adapters (the core's
//! `BlockingDriver`, fasterapi-tokio, …) move the bytes; the caller passes the time.
//!
//! ```text
//!                       ┌────────────────────── Connection ──────────────────────┐
//!  bytes in  ─────────▶ │ preface · frames (codec) · HPACK across CONTINUATION   │
//!  (input_buffer/commit)│ §5.1 stream states · flow control · §8 field checks    │ ─▶ Event::Request /
//!  handle_timeout(now)─▶│ SETTINGS ACK timer · zero-window stall timer           │    Response / Data /
//!                       │ flood buckets (resets, SETTINGS, PING, DATA, WINDOW)   │    Trailers / Reset …
//!  send_response ──────▶│ control frames queued now; DATA queued as Bytes,       │
//!  send_data(Bytes) ───▶│ scheduled by RFC 9218 urgency within the windows       │ ─▶ poll_transmit_vectored:
//!  send_trailers/reset ▶│                                                        │    frame header + Bytes
//!                       └────────────────────────────────────────────────────────┘    (no payload copy)
//! ```
//!
//! # Driving a server
//!
//! ```
//! use bytes::Bytes;
//! use fasterapi_core::{Machine, StreamMachine, Timestamp};
//! use fasterapi_http2::{Config, Connection, Event, OutgoingRequest};
//!
//! let mut server = Connection::server(Config::default());
//! let mut client = Connection::client(Config::default());
//! let now = Timestamp::ZERO;
//! let req = OutgoingRequest::new(b"GET", b"https", b"example.com", b"/hello");
//! let id = client.send_request(&req, true)?;
//!
//! // The rule: after any input or action, drain every output.
//! let mut wire = [0u8; 16 * 1024];
//! let mut pump = |from: &mut Connection, to: &mut Connection| -> Result<(), fasterapi_http2::Error> {
//!     loop {
//!         let n = from.poll_transmit(now, &mut wire);
//!         if n == 0 { return Ok(()) }
//!         to.handle_input(now, &wire[..n])?;
//!     }
//! };
//! pump(&mut client, &mut server)?;
//! while let Some(event) = server.poll_event() {
//!     if let Event::Request { stream_id, head, .. } = event {
//!         assert_eq!(head.path.as_deref(), Some(&b"/hello"[..]));
//!         server.send_response(stream_id, 200, &[(b"content-type", b"text/plain")], false)?;
//!         server.send_data(stream_id, Bytes::from_static(b"hi"), true)?; // not copied
//!     }
//! }
//! pump(&mut server, &mut client)?;
//! let events: Vec<Event> = std::iter::from_fn(|| client.poll_event()).collect();
//! assert!(events.iter().any(|e| matches!(e, Event::Data { stream_id, data, end_stream: true }
//!     if *stream_id == id && &data[..] == b"hi")));
//! # Ok::<(), fasterapi_http2::Error>(())
//! ```
//!
//! Over a real socket, `fasterapi_core::BlockingDriver` (or an async adapter) runs the same
//! loop; `tests/interop.rs` serves curl, nghttp, h2load and Python `h2` that way.
//!
//! # What is here
//!
//! * [`codec`]: every frame type of RFC 9113 §6 and PRIORITY_UPDATE (RFC 9218), a checked
//!   view ([`RawFrame`]) and a plain representation ([`Frame`]) with `parse` and `emit`; no
//!   features needed, no allocation.
//! * `Connection` (feature `alloc`): client and server; events carry stream ids; actions
//!   `send_request`, `send_response`, `send_data`, `send_trailers`, `reset`, `ping`,
//!   `release_capacity`, `set_priority`, `update_settings` (§6.5.3), the query `send_capacity` (with
//!   `Event::SendCapacity` when flow control lets a blocked stream send again), and the
//!   contract's `close` (a server's two-step GOAWAY: 2^31-1 with a PING, then the last
//!   stream; the open streams finish).
//! * `inspect::FrameReader` (feature `alloc`): frames of one direction with HPACK-decoded
//!   field blocks, for protocol inspectors.
//! * `upgrade` (feature `http1`): h2c by HTTP/1.1 `Upgrade` over fasterapi-http1's hand-off.
//! * [`Priority`]: RFC 9218 `priority` field values.
//!
//! # Features
//!
//! * `std` (default): implies `alloc`.
//! * `alloc`: the machines, the frame reader.
//! * `http1`: h2c upgrade helpers (depends on fasterapi-http1).
//!
//! # Limits and defaults
//!
//! | limit | default | reaction |
//! | --- | --- | --- |
//! | frame size we accept (SETTINGS_MAX_FRAME_SIZE) | 16,384 | GOAWAY FRAME_SIZE_ERROR |
//! | concurrent peer streams | 100 | RST_STREAM REFUSED_STREAM |
//! | stream / connection receive window | 1 MiB / 4 MiB | FLOW_CONTROL_ERROR |
//! | header list (HPACK bomb), checked while decoding | 16 KiB | 431 / RST_STREAM CANCEL on the stream (decoded but discarded) |
//! | encoded field block / CONTINUATIONs per block | 64 KiB / 32 | GOAWAY ENHANCE_YOUR_CALM |
//! | resets (rapid reset, CVE-2023-44487) | 1,000 then 33/s | GOAWAY ENHANCE_YOUR_CALM |
//! | SETTINGS / PING / empty DATA | 100 then 10/s each | GOAWAY ENHANCE_YOUR_CALM |
//! | WINDOW_UPDATE | 10,000 then 1,000/s | GOAWAY ENHANCE_YOUR_CALM |
//! | unread control frames queued | 64 KiB | GOAWAY ENHANCE_YOUR_CALM |
//! | SETTINGS ACK timeout | 10 s | GOAWAY SETTINGS_TIMEOUT |
//! | zero-window stall | 30 s | RST_STREAM CANCEL |
//! | unanswered shutdown PING | 1 s | the final GOAWAY goes out anyway |
//!
//! Every limit is a field of `Config`. See `docs/http2.md` for the states, flow control and
//! each defence; HPACK itself is `fasterapi-hpack`.
#![no_std]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod codec;
#[cfg(feature = "alloc")]
mod config;
#[cfg(feature = "alloc")]
mod conn;
#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
pub mod inspect;
mod priority;
#[cfg(feature = "http1")]
pub mod upgrade;

// Public interface.
pub use codec::{
    ErrorCode, Frame, FrameError, FrameHeader, FrameType, PREFACE, Parsed, RawFrame, Setting,
    SettingId, Settings, StreamId,
};
#[cfg(feature = "alloc")]
pub use config::{Config, RateLimit};
#[cfg(feature = "alloc")]
pub use conn::{
    Connection, Event, Headers, OutgoingRequest, PeerSettings, RequestHead, ResponseHead, Role,
};
#[cfg(feature = "alloc")]
pub use error::{Error, Flood};
pub use priority::Priority;
