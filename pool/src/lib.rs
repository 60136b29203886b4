//! Queues and pools for moving work and memory between threads without locks.
//!
//! | structure | module | progress | ABA strategy |
//! |---|---|---|---|
//! | SPSC ring, batch claim/commit | [`spsc`] | wait-free | none possible: single writer per index |
//! | bounded MPMC queue | [`mpmc`] (crossbeam `ArrayQueue`) | blocking in the formal sense | lap stamps |
//! | object pool `Pool<T>` | [`object`] | lock-free; [`object::LocalCache`] is thread-local | pop counter tag |
//! | buffer pool | [`buffer`] | lock-free; [`buffer::LocalBufferCache`] is thread-local | pop counter tag |
//!
//! ```text
//!   producer ──push/write_chunk──▶ [ SPSC ring ] ──pop/read_chunk──▶ consumer
//!   threads  ──get()──▶ Pool<T> / BufferPool ──guard──▶ use ──drop(guard): reset, put back──▶
//! ```
//!
//! The crate is `#![no_std]` and needs `alloc` (each structure allocates once, when it is built,
//! and never again). Everything that needs compare-and-swap is compiled only where the target has
//! pointer-sized atomics (`cfg(target_has_atomic = "ptr")`); the pools use 64-bit tagged words
//! where `target_has_atomic = "64"` and 32-bit ones otherwise (e.g. `thumbv7em-none-eabihf`).
//!
//! ## The index stack behind both pools (proof sketch)
//!
//! Idle slots are kept in a Treiber stack of indices: `head` packs `(tag, index)` in one atomic
//! word, `next[i]` links slot `i` downwards. `push(i)`: `next[i] = head.index`, CAS `head` to
//! `(tag, i)` (Release). `pop()`: read `head` (Acquire), read `next[head.index]`, CAS `head` to
//! `(tag + 1, next)` (Acquire).
//!
//! * **Lock-free**: a CAS fails only if another CAS on `head` succeeded since the read, so every
//!   round of retries completes at least one operation system-wide. Not wait-free: a thread can
//!   lose every race.
//! * **ABA**: for `head` to show the same index again after a pop read it, some pop must have
//!   happened in between (pushes alone only cover it), and each pop bumps `tag`. A stale CAS
//!   succeeds only if the pops in that window number a multiple of 2^32 (2^16 on targets without
//!   64-bit atomics). Slots are never freed while the pool lives, so a stale `next` read is never
//!   a use-after-free, and links are atomics, so it is not a data race either.
//! * **Ownership**: an index is either in the stack or held by exactly one guard. All writes to
//!   `head` are RMWs, so the Acquire in pop synchronizes with the Release push that published the
//!   index; the previous holder's writes to the object or buffer happen-before the next holder's.
//!
//! These protocols are model-checked with loom (`RUSTFLAGS="--cfg loom" cargo test -p
//! fasterapi-pool --test loom --release`) and the test suite runs under miri; see `docs/pool.md`.
//!
//! ## Features
//!
//! * `std` (default): crossbeam's backoff yields to the OS scheduler instead of only spinning.
//!   Nothing else needs `std`; the local caches ([`object::LocalCache`],
//!   [`buffer::LocalBufferCache`]) are explicit per-thread handles rather than `thread_local!`s,
//!   so they work without `std` too.

#![no_std]
// reason: this crate implements lock-free data structures; every unsafe block carries a
// `// SAFETY:` comment and the crate is checked with miri and loom (see docs/pool.md).
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

mod error;
pub use error::Error;

#[cfg(target_has_atomic = "ptr")]
mod sync;

#[cfg(target_has_atomic = "ptr")]
mod stack;

#[cfg(target_has_atomic = "ptr")]
pub mod buffer;
#[cfg(target_has_atomic = "ptr")]
pub mod mpmc;
#[cfg(target_has_atomic = "ptr")]
pub mod object;
#[cfg(target_has_atomic = "ptr")]
pub mod spsc;

#[cfg(target_has_atomic = "ptr")]
pub use buffer::{Buffer, BufferPool, LocalBuffer, LocalBufferCache, SizeClass};
#[cfg(target_has_atomic = "ptr")]
pub use object::{LocalCache, LocalPooled, Pool, Pooled};
