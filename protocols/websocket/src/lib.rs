//! WebSocket (RFC 6455) for FasterAPI: a sans-IO frame codec, a message machine for both
//! roles, permessage-deflate (RFC 7692) and the opening handshakes (HTTP/1.1 and RFC 8441).
//!
//! # What it does, and what it does not
//!
//! It turns received bytes into WebSocket events and the application's messages into bytes,
//! and nothing else: no sockets, no clocks, no threads, no randomness. Time comes in as a
//! [`Timestamp`](fasterapi_core::Timestamp); masking keys and handshake nonces come from a
//! caller-supplied [`RandomSource`]; SHA-1 for `Sec-WebSocket-Accept` goes through the
//! [`handshake::Sha1Provider`] trait.
//!
//! ```text
//!                      ┌──────────────── Connection (server or client) ───────────────┐
//!  bytes in ─────────▶ │ handle_input / input_buffer+commit_input / handle_eof        │
//!  close timer ──────▶ │ handle_timeout(now)                                          │
//!  send_text/_binary ▶ │ send_binary_vec / send_bytes / send_ping / close_with        │
//!                      │   frame codec (no_std, no alloc) · SIMD unmask · UTF-8 check  │
//!                      │   permessage-deflate (feature `deflate`) · limits → 1009      │
//!  bytes out ◀──────── │ poll_transmit(now, buf) / poll_transmit_vectored (+Payload)  │
//!  events ◀─────────── │ poll_event(): Text, Binary, Ping, Pong, Close                │
//!  next wake ◀──────── │ poll_timeout(): the close-handshake deadline                 │
//!                      └───────────────────────────────────────────────────────────────┘
//!  handshake::server_accept / ClientHandshake / h2 (RFC 8441) ── pure functions over
//!  header lists; http1 + blocking modules hand over from fasterapi-http1 with the leftover
//! ```
//!
//! Two layers, as every FasterAPI crate: [`frame`] is a zero-copy codec over `&[u8]` that
//! never allocates and builds `#![no_std]` with no features; [`Connection`] (feature `alloc`)
//! enforces the connection rules: fragmentation with control frames interleaved, incremental
//! UTF-8 validation that fails at the first impossible byte (close 1007), the close codes of
//! RFC 6455 §7.4 (1004–1006, 1015, 1016–2999 and values outside 1000–4999 answered with 1002),
//! the close handshake with a timeout, automatic pongs, size limits (close 1009), and the
//! replies it owes (pong, close) queued as output so a split reader and writer cannot lose them.
//!
//! # The driving loop
//!
//! ```
//! use fasterapi_core::{Machine, StreamMachine, Timestamp};
//! use fasterapi_websocket::{CloseCode, Config, Connection, Event};
//!
//! let mut server = Connection::server(Config::default());
//! let mut client = Connection::client(Config::default(), |buf: &mut [u8]| buf.fill(0x42)); // use an OS RNG
//! let mut wire = [0u8; 1024];
//! let now = Timestamp::ZERO;
//!
//! client.send_text("hello")?;
//! let n = client.poll_transmit(now, &mut wire); // drain outputs after every action
//! server.handle_input(now, &wire[..n])?;
//! while let Some(event) = server.poll_event() {
//!     if let Event::Text(text) = event {
//!         server.send_text(&text.to_uppercase())?; // an action: queues a frame
//!     }
//! }
//! let n = server.poll_transmit(now, &mut wire);
//! client.handle_input(now, &wire[..n])?;
//! assert_eq!(client.poll_event(), Some(Event::Text("HELLO".into())));
//!
//! client.close_with(now, CloseCode::NORMAL, "bye")?; // the close handshake
//! let n = client.poll_transmit(now, &mut wire);
//! server.handle_input(now, &wire[..n])?;
//! assert!(matches!(server.poll_event(), Some(Event::Close { .. })));
//! let n = server.poll_transmit(now, &mut wire); // the echoed close
//! client.handle_input(now, &wire[..n])?;
//! assert!(server.is_closed() && client.is_closed());
//! # Ok::<(), fasterapi_websocket::Error>(())
//! ```
//!
//! Over a real socket, `fasterapi_core::BlockingDriver` (or an async adapter) runs the same
//! loop; `blocking::accept` and `blocking::connect` (features `std` + `http1`) do the
//! HTTP/1.1 handshake with `fasterapi-http1` first and hand over the bytes read past it.
//!
//! # Features
//!
//! * `std` (default): runtime AVX2 detection for unmasking; implies `alloc`.
//! * `alloc`: [`Connection`], [`Config`], the [`handshake`] and [`extension`] helpers. Without
//!   it only the codec ([`frame`], [`close`], [`utf8`]) is built — for `thumbv7em-none-eabihf`.
//! * `deflate`: permessage-deflate through `flate2` with the `zlib-rs` backend (needs `std`).
//!   An 8-bit window is compressed with zlib's 9, which never emits distances over 250 bytes
//!   (see `docs/websocket.md`).
//! * `http1`: handshakes over `fasterapi-http1`'s machines (modules `http1`, and `blocking` with `std`).
//! * `bytes`: kept for compatibility (`Connection::send_bytes` and `poll_message` come with `alloc`).
//!
//! # Limits (defaults, in [`Config`])
//!
//! | limit | default | on excess |
//! |---|---|---|
//! | [`Config::max_frame_size`] | 16 MiB | close 1009, [`Error::FrameTooLarge`] (checked on the header) |
//! | [`Config::max_message_size`] | 64 MiB (after inflation) | close 1009, [`Error::MessageTooLarge`] (checked before buffering; inflation in 32 KiB steps) |
//! | control frame payload | 125 bytes (RFC) | close 1002 |
//! | [`Config::close_timeout`] | 5 s | [`Error::CloseTimeout`] from `handle_timeout` |
//! | [`Config::read_buffer`] | 64 KiB | the size lent by `input_buffer` |
//! | [`Config::max_queued_output`] / [`Config::max_queued_events`] | 4 MiB / 1024 | back-pressure: `input_buffer` lends nothing until drained |
//!
//! See `docs/websocket.md` for the guide, the Autobahn results and the design choices, and
//! `docs/BENCHMARKS.md` for measurements.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

#[cfg(all(feature = "std", feature = "http1"))]
pub mod blocking;
pub mod close;
#[cfg(feature = "alloc")]
mod config;
#[cfg(feature = "alloc")]
mod conn;
#[cfg(feature = "deflate")]
mod deflate;
mod error;
#[cfg(feature = "alloc")]
pub mod extension;
pub mod frame;
#[cfg(feature = "alloc")]
pub mod handshake;
#[cfg(feature = "http1")]
pub mod http1;
mod simd;
pub mod utf8;

// ----- public interface -----
pub use close::CloseCode;
#[cfg(feature = "alloc")]
pub use config::Config;
#[cfg(feature = "alloc")]
pub use conn::{Connection, Event, Message, Payload, RandomSource};
pub use error::Error;
#[cfg(feature = "alloc")]
pub use extension::{DeflateConfig, DeflateParams};
pub use frame::{
    Frame, FrameError, FrameHeader, OpCode, ParseRules, Role, apply_mask, parse_frame,
};
#[cfg(feature = "alloc")]
pub use simd::Text;
pub use simd::mask_backend;
