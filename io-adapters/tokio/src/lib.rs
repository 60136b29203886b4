//! # fasterapi-tokio — every FasterAPI machine on tokio
//!
//! The protocol crates are sans-IO machines that share one driving contract
//! ([`fasterapi_core::StreamMachine`], [`fasterapi_core::DatagramMachine`]). This crate is the
//! tokio side of that contract, written once for every protocol:
//!
//! ```text
//!   TcpStream / UnixStream / TLS ──read──▶ machine.input_buffer() ─commit_input─▶ ┌─────────┐
//!                                ◀─writev── framing + payload ◀─poll_transmit──── │ machine │
//!   tokio::time::sleep_until ◀── min(machine, handler).poll_timeout ────────────── │         │
//!   shutdown signal ───────────▶ handler.on_shutdown → close (graceful)            └────┬────┘
//!   Handler::on_event(&mut machine, event) ◀────────────── poll_event ◀─────────────────┘
//! ```
//!
//! * [`drive_stream`]: any stream machine over `AsyncRead + AsyncWrite` (TCP, Unix sockets,
//!   TLS streams), reading straight into the machine's buffer, writing framing and payload with
//!   one vectored write, sleeping until the next timer, following the drain rule, applying
//!   back-pressure, and shutting down gracefully on a signal;
//! * [`drive_datagram`]: any datagram machine over a `UdpSocket`;
//! * [`serve_tcp`]: an accept loop, one task per connection (TLS first when configured), the
//!   finished machine and transport handed back to the application (a WebSocket after an
//!   HTTP/1.1 upgrade), graceful shutdown of them all;
//! * [`tls`]: rustls with ring: PEM loading with errors naming the file, ALPN, a development
//!   certificate made with rcgen, client trust (webpki roots or a given root).
//! * `HttpClient` (feature `http1`), `H2Client` (feature `http2`: HTTP/2 with multiplexed
//!   requests, prior knowledge or ALPN h2) and `WebSocketClient` (feature `websocket`; all on
//!   by default): thin clients over TCP or TLS, each a protocol machine driven by a pull loop.
//!
//! ```no_run
//! use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
//! use fasterapi_tokio::{ServeOptions, serve_tcp, service_fn};
//!
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let hello = |conn: &mut ServerConnection, event: Event| {
//!     if let Event::EndOfMessage { .. } = event {
//!         let body = bytes::Bytes::from_static(b"hello\n");
//!         let len = body.len().to_string();
//!         let headers = [Header { name: b"content-length", value: len.as_bytes() }];
//!         let _ = conn.send_response(200, &headers);
//!         let _ = conn.send_data(body);
//!         let _ = conn.end_body();
//!     }
//! };
//! let stats = serve_tcp(
//!     listener,
//!     ServeOptions::default(),
//!     service_fn(move |_peer| (ServerConnection::new(ConnectionConfig::default()), hello)),
//!     async { let _ = tokio::signal::ctrl_c().await; },
//! )
//! .await?;
//! println!("served {} connections", stats.accepted);
//! # Ok(()) }
//! ```
//!
//! Time: the drivers convert `tokio::time::Instant` to the machines' `Timestamp` through
//! [`fasterapi_core::Epoch`], so `tokio::time::pause` works in tests.
//!
//! See `docs/adapters.md` for how a driver drives any machine and how to write a new adapter.

#[cfg(feature = "http1")]
mod client;
mod datagram;
mod server;
mod stream;
pub mod tls;
mod transport;

#[cfg(feature = "websocket")]
pub use client::WebSocketClient;
#[cfg(feature = "http1")]
pub use client::{ClientError, HttpClient};
#[cfg(feature = "http2")]
pub use client::{DEFAULT_MAX_BODY, H2Client, H2Response};
pub use datagram::drive_datagram;
pub use fasterapi_core::Handler;
pub use server::{
    ConnectionInfo, ServeOptions, ServeStats, Service, ServiceFn, Shutdown, serve_tcp, service_fn,
};
pub use stream::{DriveError, DriverConfig, Finished, drive_stream};
pub use transport::Transport;
