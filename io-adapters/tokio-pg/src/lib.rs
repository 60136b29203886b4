//! # fasterapi-tokio-pg — an async PostgreSQL client on tokio
//!
//! `fasterapi-pgwire`'s sans-IO `ClientConnection` driven by one tokio task per connection.
//! Callers talk to the task through a channel; every request is tagged with the machine's
//! `RequestId`, so requests from many tasks pipeline on one connection and each gets its own
//! results.
//!
//! ```text
//!   Client::query ─┐ Command::Request(build)   ┌──────── connection task ─────────┐
//!   Pipeline::run ─┼──────── mpsc ────────────▶│ ClientConnection (pgwire machine) │◀──▶ TCP / Unix / TLS
//!   CopyIn::send  ─┘                           │ routes events by RequestId        │
//!   results ◀──────────── per-request mpsc ────┤ notifications ─▶ Notifications    │
//!                                              └───────────────────────────────────┘
//! ```
//!
//! * [`Client::connect`] / [`Client::connect_url`]: TCP or a Unix socket; TLS with rustls
//!   (`sslmode` disable / prefer / require / verify-full), SCRAM-SHA-256-PLUS channel
//!   binding through the server certificate; trust, cleartext, MD5, SCRAM.
//! * [`Client::query`] / [`Client::execute`] / [`Client::prepare`] +
//!   [`Client::query_prepared`]: the extended protocol with binary values through the
//!   connection's statement cache; typed rows with [`Row::get`] over pgwire's type codecs.
//! * [`Client::pipeline`]: several statements in flight, one Sync, results in order.
//! * [`Client::copy_in`] / [`Client::copy_out`], [`Client::notifications`],
//!   [`Client::cancel_handle`].
//! * [`Pool`]: bounded (a semaphore), idle connections in `fasterapi-pool`'s lock-free
//!   `ArrayQueue`, a health check on checkout, an idle timeout; each connection keeps its
//!   own statement cache.
//!
//! ```no_run
//! use fasterapi_tokio_pg::Client;
//!
//! # async fn run() -> Result<(), fasterapi_tokio_pg::Error> {
//! let client = Client::connect_url("postgres://alice:secret@localhost/app?sslmode=require").await?;
//! let rows = client.query("SELECT $1::int4 + 1 AS n", &[&41i32]).await?;
//! let n: i32 = rows.get(0).expect("one row").get(0)?;
//! assert_eq!(n, 42);
//! # Ok(()) }
//! ```
//!
//! Errors: [`Error`]; a server error keeps its SQLSTATE ([`Error::sqlstate`]).
//! See `docs/pgwire.md` (section "Async client").

mod client;
mod config;
mod conn;
mod error;
mod pool;
mod tls;

pub use client::{
    CancelHandle, Client, CopyIn, CopyOut, Notification, Notifications, Null, Params, Pipeline,
    Row, RowStream, Rows, Statement, ToParam,
};
pub use config::{ConnectConfig, DEFAULT_MAX_RESULT_BYTES, DEFAULT_QUEUE_BYTES, Host, SslMode};
pub use error::Error;
pub use fasterapi_pgwire::{ChannelBindingMode, Column, Config, DbError, SqlState};
pub use pool::{Pool, PoolOptions, PooledClient};
