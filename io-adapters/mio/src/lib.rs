//! # fasterapi-mio — every FasterAPI stream machine on mio reactors
//!
//! The protocol crates are sans-IO machines that share one driving contract
//! ([`fasterapi_core::StreamMachine`]). This crate drives them on
//! [mio](https://docs.rs/mio): one thread runs one [`Reactor`] (epoll on Linux, kqueue on
//! macOS and the BSDs, IOCP on Windows) over many connections, and [`serve`] runs N of them,
//! each with its own listener on one port (`SO_REUSEPORT`):
//!
//! ```text
//!   readable ──read──▶ machine.input_buffer() ─commit_input─▶ ┌─────────┐
//!   writable ◀─writev── framing + payload ◀─poll_transmit───── │ machine │ ×N per reactor
//!   timer heap ◀── min(machine, handler).poll_timeout ──────── │         │
//!   mio::Waker (shutdown) ──▶ machine.close(now), grace ─────▶ └────┬────┘
//!   Handler::on_event(&mut machine, event) ◀──── poll_event ◀───────┘
//! ```
//!
//! Per connection the reactor follows the contract's drain rule (take every output, hand every
//! event to the [`Handler`], then read), reads straight into the machine's buffer, writes all
//! the framing and payloads a turn produced with one vectored write (the answers to pipelined
//! requests leave together), registers write interest only while output is blocked and reads
//! nothing meanwhile (back-pressure), ends the connection on an input error or
//! [`poll_error`](fasterapi_core::Machine::poll_error) once the machine's reaction is written,
//! gives the socket back on a hand-off ([`Session::with_finish`]), and wakes for the earliest
//! machine or handler timer, the idle timeout and the shutdown grace period.
//!
//! ```no_run
//! use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
//! use fasterapi_mio::{DriverConfig, serve};
//!
//! # fn main() -> std::io::Result<()> {
//! let hello = |conn: &mut ServerConnection, event: Event| {
//!     if let Event::EndOfMessage { .. } = event {
//!         let headers = [Header { name: b"content-length", value: b"6" }];
//!         let _ = conn.send_response(200, &headers);
//!         let _ = conn.send_data(bytes::Bytes::from_static(b"hello\n"));
//!         let _ = conn.end_body();
//!     }
//! };
//! let config = DriverConfig::default().workers(2);
//! let server = serve("127.0.0.1:8080".parse().unwrap(), config, move |_peer| {
//!     (ServerConnection::new(ConnectionConfig::default()), hello)
//! })?;
//! println!("listening on http://{}", server.local_addr());
//! let stop = server.shutdown_handle(); // from a Ctrl-C thread: stop.shutdown()
//! # stop.shutdown();
//! let stats = server.join()?; // after every connection closed gracefully
//! println!("served {} connections", stats.accepted);
//! # Ok(()) }
//! ```
//!
//! Time: each reactor converts `std::time::Instant` to the machines' `Timestamp` through one
//! [`fasterapi_core::Epoch`].
//!
//! Limits: [`DriverConfig::max_connections`] per reactor (default 10,000), output the socket
//! has not taken is kept per connection only as long as it is blocked (the machines bound what
//! they queue), and a connection whose machine waits on nothing is ended
//! ([`DriveError::Stalled`]) rather than kept forever.
//!
//! TLS (feature `tls`, rustls with ring): `tls::TlsStream` wraps any stream machine behind a
//! rustls `ServerConnection`, so the reactor moves ciphertext and the machine sees plaintext;
//! `TlsStream::handshake` hands off after the handshake for the machine ALPN chose.
//!
//! See `docs/adapters.md` for how a driver drives any machine.

mod config;
mod output;
mod reactor;
mod server;
mod session;
mod timers;
#[cfg(feature = "tls")]
pub mod tls;

pub use config::DriverConfig;
pub use fasterapi_core::{DriveError, Handler};
pub use reactor::{Reactor, ServeStats, ShutdownHandle};
pub use server::{Server, serve};
pub use session::{Continue, End, Finished, Session};
