//! # fasterapi-pgwire — the PostgreSQL frontend/backend protocol, sans-IO
#![no_std]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod auth;
pub mod codec;
