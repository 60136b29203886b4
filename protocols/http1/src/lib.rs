//! A strict, SIMD-fast, resumable HTTP/1.1 codec: `#![no_std]`, zero-copy, no allocation.
//!
//! This crate turns bytes into parsed HTTP/1.1 heads and body framing, and heads and chunk
//! framing into bytes. It does no I/O: no sockets, no clocks, no threads. The connection state
//! machines (`ServerConnection`, `ClientConnection`) build on this codec.
//!
//! ```text
//!            bytes in                                bytes out
//!  +--------------------------------+      +-----------------------------------+
//!  | RequestParser / ResponseParser |      | write_request_head                |
//!  |   resumable, zero-copy -> head |      | write_response_head (head only)   |
//!  | Request::host (RFC 9112 3.2)   |      | ChunkHeader, your data, CHUNK_END |
//!  | body_kind -> BodyKind          |      | write_trailers                    |
//!  | ChunkedDecoder -> Chunk::Data  |      |   (bodies are never copied)       |
//!  +--------------------------------+      +-----------------------------------+
//! ```
//!
//! # Reading a request, in pieces
//!
//! ```
//! use fasterapi_http1::{BodyKind, HeaderSlot, RequestParser, Status};
//!
//! let wire = b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
//! let mut parser = RequestParser::default();
//! let mut slots = [HeaderSlot::EMPTY; 16]; // or a Vec<HeaderSlot> with `alloc`
//! let mut received = 0;
//! let req = loop {
//!     received = (received + 7).min(wire.len()); // bytes arrive 7 at a time
//!     match parser.parse(&wire[..received], &mut slots)? {
//!         Status::Complete(req) => break req,
//!         Status::Partial => continue, // no rescan: the parser resumes where it stopped
//!     }
//! };
//! assert_eq!(req.method(), b"POST");
//! assert_eq!(req.body_kind()?, BodyKind::ContentLength(3));
//! assert_eq!(&wire[req.head_len()..], b"abc");
//! # Ok::<(), fasterapi_http1::Error>(())
//! ```
//!
//! # Strictness
//!
//! Strict RFC 9112 is the default: bare CR/LF, controls, obs-fold, whitespace before a colon,
//! malformed or conflicting Content-Length, Content-Length with Transfer-Encoding, a request
//! Transfer-Encoding not ending in `chunked`, malformed chunk sizes and extensions are rejected
//! with an [`Error`] whose [`status`](Error::status) is the answer to send (400, 414, 431, 501,
//! 505). Each leniency is a separate opt-in flag in [`Config`]. See `docs/http1.md` for the list,
//! with the request-smuggling vectors we test.
//!
//! # Limits (defaults)
//!
//! | limit | default | error |
//! |---|---|---|
//! | [`Config::max_head_size`] | 16 KiB | 431 [`Error::HeadTooLarge`] |
//! | [`Config::max_target_len`] | 8 KiB | 414 [`Error::TargetTooLong`] |
//! | [`Config::max_headers`] (and the caller's slots) | 128 | 431 [`Error::TooManyHeaders`] |
//! | [`Config::max_chunk_ext_len`] | 256 B per chunk | 400 [`Error::ChunkExtensionTooLong`] |
//! | [`Config::max_trailer_size`] | 8 KiB | 431 [`Error::TrailersTooLarge`] |
//!
//! Limits are checked on the bytes seen so far, so a caller that stops buffering on the first
//! error never holds more than the limit.
//!
//! # Features
//!
//! - `std` (default): runtime choice of the SIMD scanner (AVX2 / SSSE3 on x86_64).
//! - `alloc`: `Vec<HeaderSlot>` as growable header storage.
//! - none: `#![no_std]`, no allocation; the SIMD backend is chosen at compile time
//!   (`target_feature`), NEON on aarch64, a table-driven scalar scanner elsewhere.
//!
//! The SIMD scanners are hand-written (the `simd` module) because no well-kept crate scans
//! for "first byte outside a character class"; `memchr` finds given bytes only.
#![no_std]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod codec;
mod config;
#[cfg(feature = "alloc")]
mod conn;
mod error;
mod simd;

// ----- public interface -----
pub use codec::chunked::{Chunk, ChunkedDecoder};
pub use codec::encode::{
    CHUNK_END, ChunkHeader, RequestHead, ResponseHead, request_head_len, response_head_len,
    write_request_head, write_response_head, write_trailers,
};
pub use codec::framing::{BodyKind, request_body, response_body};
pub use codec::head::TargetForm;
pub use codec::host::request_host;
pub use codec::request::{Request, RequestParser};
pub use codec::response::{Response, ResponseParser};
pub use codec::types::{Header, HeaderSlot, HeaderStore, Headers, Status, Version};
pub use config::Config;
#[cfg(feature = "alloc")]
pub use conn::{
    ClientConnection, ConnState, ConnectionConfig, ConnectionError, Event, Field, IncomingRequest,
    IncomingResponse, ServerConnection,
};
pub use error::Error;
