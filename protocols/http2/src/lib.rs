//! Sans-IO HTTP/2 (RFC 9113) for FasterAPI.
#![no_std]
#![deny(unsafe_code)]

pub mod codec;

// Public interface.
pub use codec::{
    ErrorCode, Frame, FrameError, FrameHeader, FrameType, PREFACE, Parsed, RawFrame, Setting,
    SettingId, Settings, StreamId,
};
