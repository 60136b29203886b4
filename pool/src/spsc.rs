//! A bounded single-producer single-consumer ring buffer: wait-free `push`/`pop` and zero-copy
//! batch claim/commit of contiguous slices.
//!
//! ```
//! let (mut tx, mut rx) = fasterapi_pool::spsc::channel::<u32>(4).unwrap();
//! tx.push(1).unwrap();
//! {
//!     let mut chunk = tx.write_chunk(8); // claims up to 8 free, contiguous slots
//!     chunk.push(2).unwrap();
//!     chunk.push(3).unwrap();
//! } // dropping the chunk commits what was written: one Release store for the batch
//! assert_eq!(rx.pop(), Some(1));
//! let mut chunk = rx.read_chunk(8);
//! assert_eq!(chunk.as_slice(), &[2, 3]); // read in place, no copy
//! chunk.release(2);
//! ```
//!
//! ## Protocol
//!
//! `head` (next slot to read) is written only by the consumer, `tail` (next slot to write) only by
//! the producer. Both count up without bound (wrapping `usize`); the slot is `index & mask`, the
//! fill level `tail - head`. The producer writes a slot, then publishes it with a Release store
//! of `tail`; the consumer loads `tail` with Acquire before reading slots below it, then frees
//! them with a Release store of `head`, which the producer loads with Acquire before reusing them.
//! Each side caches the other's index and reloads it only when the cache says full/empty.
//!
//! ## Progress: wait-free
//!
//! Every operation is a bounded sequence of loads and stores: no CAS, no retry loop, no spinning.
//! A stalled producer never blocks the consumer from taking what was published, and vice versa.
//!
//! ## ABA: none possible
//!
//! Each index has a single writer and only grows, so no compare-and-swap exists to be fooled.
//! Wrap-around of the `usize` counters is harmless because only differences are used and the
//! capacity is at most [`MAX_CAPACITY`] (a quarter of the `usize` range).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::mem::MaybeUninit;

use crate::Error;
use crate::sync::{Arc, AtomicUsize, CachePadded, Cell, Ordering};

/// Largest capacity of a ring (after rounding up to a power of two).
pub const MAX_CAPACITY: usize = 1 << (usize::BITS - 2);

struct Shared<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Cell<MaybeUninit<T>>]>,
    mask: usize,
}

// SAFETY: the ring moves `T` values from the producer thread to the consumer thread and never
// shares a `&T` between them, so `T: Send` is all that is needed (like `std::sync::mpsc`).
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above: the two handles touch disjoint slots, ordered by the head/tail protocol.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    #[inline(always)]
    fn slot(&self, index: usize) -> &Cell<MaybeUninit<T>> {
        let i = index & self.mask;
        debug_assert!(i < self.slots.len());
        // SAFETY: `mask == slots.len() - 1` (set once in `channel`), so `i < slots.len()`.
        unsafe { self.slots.get_unchecked(i) }
    }

    /// Base pointer of the slots as `MaybeUninit<T>` for the chunk APIs.
    #[cfg(not(loom))]
    #[inline(always)]
    fn base(&self) -> *mut MaybeUninit<T> {
        // `Cell` is `repr(transparent)` over `UnsafeCell`, which is `repr(transparent)` over `T`,
        // so the slot array has the layout of `[MaybeUninit<T>]`, and pointers derived from an
        // `UnsafeCell` may be written through.
        self.slots.as_ptr().cast::<MaybeUninit<T>>().cast_mut()
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Both handles are gone (this is the last `Arc`), so nobody else touches the slots.
        let mut head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        while head != tail {
            // SAFETY: slots in `head..tail` were written and published and not yet read.
            self.slot(head)
                .with_mut(|p| unsafe { (*p).assume_init_drop() });
            head = head.wrapping_add(1);
        }
    }
}

/// Creates a ring holding at least `capacity` items (rounded up to a power of two) and returns
/// its two ends. Allocates once; `push`/`pop` never allocate.
pub fn channel<T>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), Error> {
    if capacity == 0 {
        return Err(Error::ZeroCapacity);
    }
    if capacity > MAX_CAPACITY {
        return Err(Error::CapacityTooLarge {
            requested: capacity,
            max: MAX_CAPACITY,
        });
    }
    let cap = capacity.next_power_of_two();
    let slots: Vec<Cell<MaybeUninit<T>>> =
        (0..cap).map(|_| Cell::new(MaybeUninit::uninit())).collect();
    let shared = Arc::new(Shared {
        head: CachePadded(AtomicUsize::new(0)),
        tail: CachePadded(AtomicUsize::new(0)),
        slots: slots.into_boxed_slice(),
        mask: cap - 1,
    });
    let producer = Producer {
        shared: shared.clone(),
        tail: 0,
        head_cache: 0,
        capacity: cap,
    };
    let consumer = Consumer {
        shared,
        head: 0,
        tail_cache: 0,
        capacity: cap,
    };
    Ok((producer, consumer))
}

/// The writing end of an SPSC ring. `Send`, not `Clone`: exactly one thread pushes.
///
/// Aligned to 128 bytes (two cache lines, the x86_64 prefetcher pair), like the shared indices:
/// `push` writes this handle's `tail` on every call, and two handles allocated side by side (two
/// boxed thread closures, say) would otherwise share a line, so each push and pop would steal it
/// from the other core.
#[repr(align(128))]
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Our own index (the shared copy is only ever stored by us).
    tail: usize,
    /// Last seen consumer index; reloaded only when the ring looks full.
    head_cache: usize,
    /// Copy of the slot count, kept beside the indices so the hot path reads one cache line.
    capacity: usize,
}

/// The reading end of an SPSC ring. `Send`, not `Clone`: exactly one thread pops.
///
/// Aligned to 128 bytes for the reason given on [`Producer`].
#[repr(align(128))]
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    head: usize,
    /// Last seen producer index; reloaded only when the ring looks empty.
    tail_cache: usize,
    /// Copy of the slot count.
    capacity: usize,
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

impl<T> Producer<T> {
    /// Number of slots in the ring.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Free slots, refreshing the view of the consumer (one Acquire load).
    #[inline]
    pub fn free(&mut self) -> usize {
        self.head_cache = self.shared.head.load(Ordering::Acquire);
        self.capacity() - self.tail.wrapping_sub(self.head_cache)
    }

    /// Free slots according to the cached consumer index; reloads it only if fewer than `want`.
    #[inline(always)]
    fn free_at_least(&mut self, want: usize) -> usize {
        let cap = self.capacity();
        let free = cap - self.tail.wrapping_sub(self.head_cache);
        if free >= want {
            return free;
        }
        self.head_cache = self.shared.head.load(Ordering::Acquire);
        cap - self.tail.wrapping_sub(self.head_cache)
    }

    /// Appends `value`, or gives it back when the ring is full. Wait-free.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.free_at_least(1) == 0 {
            return Err(value);
        }
        let tail = self.tail;
        // SAFETY: `tail - head < capacity`, so slot `tail` is free: the consumer released it with
        // the Release store of `head` that our Acquire load (now or earlier) observed, and it
        // reads no slot at or above the published `tail`.
        self.shared
            .slot(tail)
            .with_mut(|p| unsafe { p.write(MaybeUninit::new(value)) });
        self.tail = tail.wrapping_add(1);
        self.shared.tail.store(self.tail, Ordering::Release);
        Ok(())
    }

    /// Whether the consumer has been dropped (nothing will ever read again).
    #[cfg(not(loom))]
    pub fn is_abandoned(&self) -> bool {
        Arc::strong_count(&self.shared) == 1
    }
}

impl<T> Consumer<T> {
    /// Number of slots in the ring.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Items ready to read, refreshing the view of the producer (one Acquire load).
    #[inline]
    pub fn available(&mut self) -> usize {
        self.tail_cache = self.shared.tail.load(Ordering::Acquire);
        self.tail_cache.wrapping_sub(self.head)
    }

    #[inline(always)]
    fn available_at_least(&mut self, want: usize) -> usize {
        let avail = self.tail_cache.wrapping_sub(self.head);
        if avail >= want {
            return avail;
        }
        self.available()
    }

    /// Takes the oldest item, or `None` when the ring is empty. Wait-free.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        if self.available_at_least(1) == 0 {
            return None;
        }
        let head = self.head;
        // SAFETY: `head < tail` as published by the producer's Release store that our Acquire
        // load observed, so the slot holds an initialized value written before that store; the
        // producer does not touch it until we publish a `head` past it.
        let value = self
            .shared
            .slot(head)
            .with(|p| unsafe { (*p).assume_init_read() });
        self.head = head.wrapping_add(1);
        self.shared.head.store(self.head, Ordering::Release);
        Some(value)
    }

    /// Whether the producer has been dropped (nothing more will arrive after what is queued).
    #[cfg(not(loom))]
    pub fn is_abandoned(&self) -> bool {
        Arc::strong_count(&self.shared) == 1
    }
}

#[cfg(not(loom))]
mod chunk;
#[cfg(not(loom))]
pub use chunk::{ReadChunk, WriteChunk};
