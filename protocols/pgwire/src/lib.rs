//! # fasterapi-pgwire — the PostgreSQL frontend/backend protocol, sans-IO
//!
//! The wire protocol of PostgreSQL, versions 3.0 and 3.2 (the protocol chapter of the
//! PostgreSQL 18+ manual, §54), as a zero-copy codec and a client state machine. It does no
//! I/O: no sockets, no TLS, no clock, no randomness of its own. Bytes go in, events and bytes
//! come out; an adapter (`fasterapi_core::BlockingDriver`, the tokio adapter) moves them.
//!
//! ```text
//!                 ┌─────────────────── ClientConnection ───────────────────┐
//!  server bytes ─▶│ handle_input / input_buffer+commit_input / handle_eof  │
//!  TLS done     ─▶│ tls_established(server certificate DER)                │
//!  app calls    ─▶│ query · execute · parse/bind/describe/execute_portal · │
//!                 │ close_target · sync · flush · copy_data/done/fail      │
//!                 │                                                        │
//!  client bytes ◀─│ poll_transmit(now, &mut caller_buf)                    │
//!  events       ◀─│ poll_event: StartTls · Ready · Columns · Rows ·        │
//!                 │   CommandComplete · Done · Failed · Aborted · CopyIn … │
//!                 └────────────────────────────────────────────────────────┘
//!        codec (no alloc, both directions): read_frame · Backend · Frontend · Startup
//! ```
//!
//! * [`codec`]: every frontend and backend message of 3.0 and 3.2 in both directions, as
//!   checked views borrowing the bytes, each with `emit`; a per-message length limit checked
//!   from the header; [`codec::MessageReader`] reads either direction of a stream (what a
//!   decoder or a proxy needs). Builds with no features, no allocation.
//! * `ClientConnection` (feature `alloc`): startup requesting 3.2 with fall-back to 3.0,
//!   SSLRequest and direct TLS (the adapter runs TLS when told to), authentication by trust,
//!   cleartext, MD5, SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (`tls-server-end-point`), simple
//!   and extended query with pipelining, COPY both ways, notifications, a bounded LRU
//!   statement cache. Every action returns a `RequestId`; every result event carries it.
//! * `types` (feature `alloc`): binary and text codecs for the common types.
//! * [`auth`]: the crypto provider trait (`auth::RingProvider` with feature `ring`), SCRAM,
//!   MD5, the RFC 5929 certificate hash.
//!
//! ## Driving it
//!
//! ```no_run
//! use fasterapi_core::BlockingDriver;
//! use fasterapi_pgwire::{ClientConnection, Config, Event, SslMode};
//!
//! let config = Config::new("alice").password("secret").database("app").ssl_mode(SslMode::Disable);
//! let socket = std::net::TcpStream::connect("127.0.0.1:5432")?;
//! let mut driver = BlockingDriver::new(ClientConnection::with_ring(config), socket);
//! while let Some(event) = driver.next_event()? {
//!     if let Event::Ready { .. } = event {
//!         break;
//!     }
//! }
//! // A pipeline: two statements and one Sync, sent before anything is read.
//! let m = driver.machine_mut();
//! let a = m.execute("INSERT INTO t VALUES ($1)", &[23], &[], &[Some(b"1")], &[])?;
//! let b = m.execute("SELECT v FROM t", &[], &[], &[], &[])?;
//! let end = m.sync()?;
//! while let Some(event) = driver.next_event()? {
//!     match event {
//!         Event::Rows { id, rows } if id == b => {
//!             for row in rows.iter() {
//!                 println!("{:?}", row.get(0));
//!             }
//!         }
//!         Event::Failed { id, error } => eprintln!("request {id}: {error}"),
//!         Event::Done { id, .. } if id == end => break,
//!         _ => {}
//!     }
//! }
//! # let _ = a;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With TLS the first event is `Event::StartTls`: take the transport back
//! (`driver.into_parts()`), run the TLS handshake, call
//! `ClientConnection::tls_established` with the server's certificate, and drive the machine
//! over the TLS stream (the tests in `tests/support` do this with rustls).
//!
//! ## Features
//! * `std` (default): implies `alloc`; `Epoch`-based drivers.
//! * `alloc`: the client machine, SCRAM, the statement cache, `types`.
//! * `ring` (default): `auth::RingProvider` and `auth::RingRandom`.
//!
//! With no features the codec builds `#![no_std]` for bare-metal targets.
//!
//! ## Limits (defaults in `Config`)
//! * `max_message_size` 64 MiB: any server message longer is refused from its 5-byte header;
//! * `statement_cache_capacity` 256 statements (LRU; evicted ones are closed on the server);
//! * `max_scram_iterations` 100,000 (PostgreSQL uses 4,096);
//! * codec walks: at most 256 items in NUL-terminated lists, 32,767 in counted ones.
//!
//! See `docs/pgwire.md` for the auth matrix, pipelining rules, cache rules and how to build a
//! proxy on the codec.
#![no_std]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod auth;
pub mod codec;
#[cfg(feature = "alloc")]
mod config;
#[cfg(feature = "alloc")]
mod conn;
#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
pub mod types;

// --- public interface ---
#[cfg(feature = "alloc")]
pub use config::{ChannelBindingMode, Config, SslMode, SslNegotiation};
#[cfg(feature = "alloc")]
pub use conn::{CancelToken, ClientConnection, Column, Event, RequestId, Row, RowBatch};
#[cfg(feature = "alloc")]
pub use error::{DbError, Error, SqlState};
