//! A fixed-capacity object pool: `get()` lends an object through a guard that resets it and puts
//! it back on drop. Lock-free, with an optional per-thread cache that makes the fast path free of
//! atomic read-modify-writes.
//!
//! ```
//! use fasterapi_pool::object::Pool;
//!
//! let pool = Pool::new(2, || Vec::<u8>::with_capacity(1024))
//!     .unwrap()
//!     .with_reset(|v| v.clear());
//! {
//!     let mut buf = pool.get().expect("two idle objects");
//!     buf.extend_from_slice(b"hello");
//! } // reset (cleared) and returned here
//! assert!(pool.get().unwrap().is_empty());
//! let m = pool.metrics();
//! assert_eq!((m.idle, m.in_use, m.hits, m.misses), (2, 0, 2, 0));
//! ```
//!
//! ## Progress and ABA
//!
//! The idle objects' indices live in a lock-free Treiber stack with a pop counter against ABA;
//! the crate docs give the proof sketch. `get` and the guard's
//! drop are lock-free (not wait-free). A [`LocalCache`] is owned by one thread and adds no
//! synchronization; it talks to the shared stack in batches of half its size.
//!
//! Objects are built once, at construction (`capacity` calls of `init`), and never dropped until
//! the pool is: the pool never allocates after `new`.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::Cell as LocalCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::Error;
use crate::stack::{IndexStack, LocalIndices, MAX_SLOTS};
use crate::sync::{AtomicUsize, CachePadded, Cell, Ordering};

/// The largest pool capacity on this target.
pub const MAX_CAPACITY: usize = MAX_SLOTS;

/// Relaxed event counters for the cold paths. The shared get/put path adds nothing to the two
/// CASes: hits come from the stack's pop counter, idle objects from walking the stack.
#[derive(Debug, Default)]
struct Counters {
    /// `get`s (shared or local) that found nothing.
    misses: AtomicUsize,
    /// Indices taken off the stack by local caches.
    cache_taken: AtomicUsize,
    /// Indices given back to the stack by local caches.
    cache_given: AtomicUsize,
    /// Successful `LocalCache::get`s, flushed in batches.
    cache_hits: AtomicUsize,
}

/// A fixed set of `T`s lent out one at a time. See the [module docs](self).
pub struct Pool<T> {
    slots: Box<[Cell<T>]>,
    free: IndexStack,
    reset: fn(&mut T),
    counters: CachePadded<Counters>,
}

// SAFETY: the pool owns its `T`s and hands each to one guard at a time, possibly on another
// thread: `T: Send` is required and enough, as for `Mutex<T>`.
unsafe impl<T: Send> Send for Pool<T> {}
// SAFETY: shared access only moves exclusive ownership of slots through the index stack; a slot
// is touched by the single holder of its index (see `Pooled`), so no `&T` is shared by the pool.
unsafe impl<T: Send> Sync for Pool<T> {}

/// A snapshot of a pool's counters, read piece by piece (the pop counter, a walk of the free
/// stack, relaxed cold-path counters), so one taken while other threads work is approximate; at
/// rest it is exact. `metrics()` is O(idle objects): not for hot loops.
///
/// Local caches talk to the pool in batches, and so do their counts: objects a cache holds
/// (parked in it or lent through it) count as `in_use` and `cached`, and its hits and misses are
/// added when it exchanges a batch with the pool or is dropped.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolMetrics {
    /// Total objects.
    pub capacity: usize,
    /// Objects idle in the shared pool.
    pub idle: usize,
    /// Objects out of the shared pool: lent, or held by a local cache.
    pub in_use: usize,
    /// Objects held by local caches (part of `in_use`).
    pub cached: usize,
    /// `get` calls that returned an object.
    pub hits: usize,
    /// `get` calls that found no object.
    pub misses: usize,
}

impl<T> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

fn no_reset<T>(_: &mut T) {}

impl<T> Pool<T> {
    /// Builds `capacity` objects with `init`. Allocates once, here.
    pub fn new(capacity: usize, mut init: impl FnMut() -> T) -> Result<Self, Error> {
        if capacity == 0 {
            return Err(Error::ZeroCapacity);
        }
        if capacity > MAX_CAPACITY {
            return Err(Error::CapacityTooLarge {
                requested: capacity,
                max: MAX_CAPACITY,
            });
        }
        let slots: Vec<Cell<T>> = (0..capacity).map(|_| Cell::new(init())).collect();
        Ok(Self {
            slots: slots.into_boxed_slice(),
            free: IndexStack::full(capacity),
            reset: no_reset::<T>,
            counters: CachePadded::default(),
        })
    }

    /// Sets the hook run on every object as it comes back, before anyone else can get it.
    #[must_use]
    pub fn with_reset(mut self, reset: fn(&mut T)) -> Self {
        self.reset = reset;
        self
    }

    /// Number of objects.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Lends an idle object, or `None` if all are in use. Lock-free.
    #[inline]
    pub fn get(&self) -> Option<Pooled<'_, T>> {
        match self.free.pop() {
            Some(index) => Some(Pooled {
                pool: self,
                index,
                _not_sync: PhantomData,
            }),
            None => {
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Creates a cache of up to `size` idle objects for one thread (`size` is clamped to
    /// `1..=capacity`). It allocates its index array once, here.
    pub fn local_cache(&self, size: usize) -> LocalCache<'_, T> {
        LocalCache {
            pool: self,
            indices: LocalIndices::new(size.clamp(1, self.capacity())),
            hits: LocalCell::new(0),
            misses: LocalCell::new(0),
        }
    }

    /// Current counters; see [`PoolMetrics`].
    pub fn metrics(&self) -> PoolMetrics {
        let c = &self.counters;
        let load = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        let taken = load(&c.cache_taken);
        let cached = taken
            .wrapping_sub(load(&c.cache_given))
            .min(self.capacity());
        let idle = self.free.count();
        let in_use = self.capacity() - idle;
        // Every successful pop is a shared hit or a cache refill.
        let shared_hits = (self.free.pops() as usize).wrapping_sub(taken);
        PoolMetrics {
            capacity: self.capacity(),
            idle,
            in_use,
            cached: cached.min(in_use),
            hits: shared_hits.wrapping_add(load(&c.cache_hits)),
            misses: load(&c.misses),
        }
    }

    /// Resets the object at `index` and returns it to the shared stack.
    #[inline]
    fn put_shared(&self, index: usize) {
        self.reset_slot(index);
        self.free.push(index);
    }

    #[inline(always)]
    fn reset_slot(&self, index: usize) {
        let reset = self.reset;
        // SAFETY: the caller holds `index` (popped and not yet pushed), so the slot is ours alone.
        self.slots[index].with_mut(|p| reset(unsafe { &mut *p }));
    }
}

/// An object lent by [`Pool::get`]; reset and returned to the pool on drop (on any thread).
pub struct Pooled<'a, T> {
    pool: &'a Pool<T>,
    index: usize,
    /// Opts out of the auto traits; `Send`/`Sync` are implemented by hand below.
    _not_sync: PhantomData<*mut T>,
}

// SAFETY: the guard may move to another thread and be dropped there (the stack push is
// thread-safe); it carries a `T`, so `T: Send`.
unsafe impl<T: Send> Send for Pooled<'_, T> {}
// SAFETY: `&Pooled` only gives `&T`.
unsafe impl<T: Sync> Sync for Pooled<'_, T> {}

/// An object lent by [`LocalCache::get`]; reset and parked in that cache on drop. Not `Send`:
/// it must be dropped on the cache's thread (it borrows the `!Sync` cache).
pub struct LocalPooled<'a, T> {
    cache: &'a LocalCache<'a, T>,
    index: usize,
}

impl<T> LocalPooled<'_, T> {
    /// The object's slot number in its pool (stable for the pool's life).
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> Deref for LocalPooled<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the slot's index, so nobody else touches the slot while the
        // returned borrow (tied to `&self`) lives.
        self.cache.pool.slots[self.index].with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for LocalPooled<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes the borrow unique.
        self.cache.pool.slots[self.index].with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: fmt::Debug> fmt::Debug for LocalPooled<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LocalPooled").field(&**self).finish()
    }
}

impl<T> Drop for LocalPooled<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.cache.put(self.index);
    }
}

impl<T> Pooled<'_, T> {
    /// The object's slot number in its pool (stable for the pool's life).
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> Deref for Pooled<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the slot's index, so nobody else touches the slot while the
        // returned borrow (tied to `&self`) lives.
        self.pool.slots[self.index].with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for Pooled<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes the borrow unique.
        self.pool.slots[self.index].with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: fmt::Debug> fmt::Debug for Pooled<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pooled").field(&**self).finish()
    }
}

impl<T> Drop for Pooled<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.pool.put_shared(self.index);
    }
}

/// A per-thread cache of idle objects in front of a [`Pool`]. It is `Send` but not `Sync`: one
/// thread owns it, so its `get` and its guards' drops use no atomic read-modify-write except when
/// it refills from, or spills to, the shared pool (half its size at a time).
pub struct LocalCache<'a, T> {
    pool: &'a Pool<T>,
    indices: LocalIndices,
    hits: LocalCell<usize>,
    misses: LocalCell<usize>,
}

impl<T> fmt::Debug for LocalCache<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCache")
            .field("indices", &self.indices)
            .finish_non_exhaustive()
    }
}

impl<T> LocalCache<'_, T> {
    /// Lends an object, from this cache if it has one, else from the pool (taking a batch).
    #[inline]
    pub fn get(&self) -> Option<LocalPooled<'_, T>> {
        let index = match self.indices.pop() {
            Some(index) => index,
            None => match self.refill() {
                Some(index) => index,
                None => {
                    self.misses.set(self.misses.get() + 1);
                    return None;
                }
            },
        };
        self.hits.set(self.hits.get() + 1);
        Some(LocalPooled { cache: self, index })
    }

    /// Idle objects parked here.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether no object is parked here.
    pub fn is_empty(&self) -> bool {
        self.indices.len() == 0
    }

    #[inline]
    fn put(&self, index: usize) {
        self.pool.reset_slot(index);
        if !self.indices.push(index) {
            self.spill(self.indices.spill_batch());
            let parked = self.indices.push(index);
            debug_assert!(parked, "a spill leaves room");
        }
    }

    #[cold]
    fn refill(&self) -> Option<usize> {
        let got = self.indices.refill(&self.pool.free);
        self.pool
            .counters
            .cache_taken
            .fetch_add(got, Ordering::Relaxed);
        self.flush_counts();
        self.indices.pop()
    }

    #[cold]
    fn spill(&self, n: usize) {
        let given = self.indices.spill(&self.pool.free, n);
        self.pool
            .counters
            .cache_given
            .fetch_add(given, Ordering::Relaxed);
        self.flush_counts();
    }

    fn flush_counts(&self) {
        let c = &self.pool.counters;
        c.cache_hits
            .fetch_add(self.hits.replace(0), Ordering::Relaxed);
        c.misses
            .fetch_add(self.misses.replace(0), Ordering::Relaxed);
    }
}

impl<T> Drop for LocalCache<'_, T> {
    fn drop(&mut self) {
        self.spill(usize::MAX);
    }
}
