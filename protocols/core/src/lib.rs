//! # fasterapi-core — the one driving contract
//!
//! Every FasterAPI protocol crate is a **sans-IO state machine**: it turns received bytes into
//! events and the application's calls into bytes, and does nothing else — no sockets, no clocks,
//! no threads, no randomness. This crate defines how every such machine is driven, so an adapter
//! (tokio, mio, io_uring, IOCP, Python) is written once and drives every protocol.
//!
//! ```text
//!                  ┌───────────────────────── machine ─────────────────────────┐
//!  bytes in  ────▶ │ handle_input / input_buffer+commit_input / handle_eof     │
//!  time      ────▶ │ handle_timeout(now)                                       │
//!  app calls ────▶ │ send_response, send_message, query, …, close   (actions)  │
//!                  │                                                           │
//!  bytes out ◀──── │ poll_transmit(now, &mut caller_buf)  (vectored: +payload) │
//!  events    ◀──── │ poll_event()                                              │
//!  next wake ◀──── │ poll_timeout()                                            │
//!                  └───────────────────────────────────────────────────────────┘
//! ```
//!
//! **The rule**: after any input or action, drain the outputs (`poll_transmit` until it returns
//! nothing, then `poll_event`, then ask `poll_timeout`) before the next input.
//!
//! What is here:
//! * [`Machine`], [`StreamMachine`], [`DatagramMachine`]: the contract (see [`StreamMachine`]
//!   for the canonical loop as code);
//! * [`Handler`]: the application side of a driver (events and its own timers), shared by
//!   every adapter;
//! * [`Timestamp`]: time as integer nanoseconds passed in by the caller; [`Epoch`] converts
//!   from `std::time::Instant` (feature `std`);
//! * [`wire_code!`]: open newtypes for protocol code spaces (unknown values round-trip);
//! * [`BlockingDriver`] (feature `std`): runs any stream machine over blocking
//!   `Read + Write` with timeouts, for tests, examples and simple programs;
//! * `testing::Pair` (feature `testing`): a client and a server machine wired together in
//!   memory on a virtual clock, deterministic, with a bounded drive that fails on livelock.
//!
//! # Features
//! * `std` (default): [`Epoch`] and [`BlockingDriver`]; implies `alloc`.
//! * `alloc`: nothing of the contract needs it; it exists so dependants can forward it.
//! * `testing`: `testing::Pair`.
//!
//! With no features the crate is `#![no_std]` with no dependencies and builds for bare-metal
//! targets such as `thumbv7em-none-eabihf`.
//!
//! See `docs/ARCHITECTURE.md` in the repository for the layers and why output buffers belong
//! to the caller.
#![no_std]

#[cfg(feature = "std")]
mod blocking;
mod handler;
mod machine;
#[cfg(feature = "testing")]
pub mod testing;
mod timestamp;
mod wire_code;

#[cfg(feature = "std")]
pub use blocking::{BlockingDriver, BlockingIo, DriveError, DriverConfig, Untimed};
pub use handler::Handler;
pub use machine::{DatagramMachine, DatagramTransmit, Machine, NoPayload, StreamMachine, Transmit};
#[cfg(feature = "std")]
pub use timestamp::Epoch;
pub use timestamp::Timestamp;
