//! One place that picks the real atomics or loom's model-checked ones (`--cfg loom`).
//!
//! Every atomic protocol in this crate goes through these names so that the loom models in
//! `tests/loom.rs` exercise exactly the code that ships.

#[cfg(not(loom))]
pub(crate) use alloc::sync::Arc;
#[cfg(all(not(loom), not(target_has_atomic = "64")))]
pub(crate) use core::sync::atomic::AtomicU32;
#[cfg(all(not(loom), target_has_atomic = "64"))]
pub(crate) use core::sync::atomic::AtomicU64;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(all(loom, not(target_has_atomic = "64")))]
pub(crate) use loom::sync::atomic::AtomicU32;
#[cfg(all(loom, target_has_atomic = "64"))]
pub(crate) use loom::sync::atomic::AtomicU64;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

/// An `UnsafeCell` with loom's closure-based access API, so loom can check for data races on the
/// cell contents. Outside loom it compiles down to a plain `core::cell::UnsafeCell`.
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct Cell<T>(
    #[cfg(not(loom))] core::cell::UnsafeCell<T>,
    #[cfg(loom)] loom::cell::UnsafeCell<T>,
);

impl<T> Cell<T> {
    pub(crate) fn new(value: T) -> Self {
        #[cfg(not(loom))]
        return Self(core::cell::UnsafeCell::new(value));
        #[cfg(loom)]
        return Self(loom::cell::UnsafeCell::new(value));
    }

    /// Runs `f` with a raw pointer for reading. The caller must hold the right to read the cell.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with(f);
    }

    /// Runs `f` with a raw pointer for writing. The caller must hold the exclusive right to the
    /// cell.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with_mut(f);
    }
}

/// Pads and aligns a value to 128 bytes (two cache lines, the prefetcher pair on x86_64) so that
/// the producer's and the consumer's indices never share a line.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> core::ops::Deref for CachePadded<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}
