//! The no-alloc layer: a streaming line scanner, a line (field) parser and the encoder.
//!
//! Everything here works on borrowed bytes and never allocates; it builds `#![no_std]` with no
//! features. [`EventParser`](crate::EventParser) (feature `alloc`) builds event accumulation on
//! top of it.

pub(crate) mod encode;
pub(crate) mod field;
pub(crate) mod line;
