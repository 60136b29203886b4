//! Sans-IO HTTP/2 (RFC 9113) for FasterAPI.
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
