//! WebSocket (RFC 6455) for FasterAPI: a sans-IO frame codec, message machine and handshakes.
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

pub use close::CloseCode;
#[cfg(feature = "alloc")]
pub use config::Config;
#[cfg(feature = "alloc")]
pub use conn::{Connection, Event, Payload, RandomSource};
pub use error::Error;
#[cfg(feature = "alloc")]
pub use extension::{DeflateConfig, DeflateParams};
pub use frame::{
    Frame, FrameError, FrameHeader, OpCode, ParseRules, Role, apply_mask, parse_frame,
};
pub use simd::mask_backend;
