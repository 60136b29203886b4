//! # fasterapi-pgwire — the PostgreSQL frontend/backend protocol, sans-IO
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
pub use config::{ChannelBindingMode, Config, SslMode, SslNegotiation};
#[cfg(feature = "alloc")]
pub use conn::{CancelToken, ClientConnection, Column, Event, RequestId, Row, RowBatch};
#[cfg(feature = "alloc")]
pub use error::{DbError, Error, SqlState};
#[cfg(feature = "alloc")]
pub mod types;
