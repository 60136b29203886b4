//! Fixed-size, aligned I/O buffers carved from one slab, in a few size classes, lent lock-free.
//!
//! ```
//! use fasterapi_pool::buffer::{BufferPool, SizeClass};
//!
//! let pool = BufferPool::new(4096, &[
//!     SizeClass { size: 4096, count: 8 },
//!     SizeClass { size: 65536, count: 2 },
//! ]).unwrap();
//! let mut buf = pool.get(1500).expect("an idle 4 KiB buffer");
//! assert_eq!(buf.len(), 4096);
//! assert_eq!(buf.as_ptr() as usize % 4096, 0);
//! buf[..5].copy_from_slice(b"hello");
//! let id = buf.id(); // the index of this buffer in `pool.iovecs()`
//! drop(buf); // back to the pool, no allocation, no deallocation
//! assert_eq!(pool.metrics().in_use, 0);
//! # let _ = id;
//! ```
//!
//! ## Layout (for io_uring registered buffers)
//!
//! One allocation, aligned to `align` (a power of two; 4096 by default use fits `O_DIRECT` and
//! page-granular registration). Classes are laid out in ascending size order; each buffer size is
//! rounded up to a multiple of `align`, so every buffer starts `align`-aligned. Buffer ids count
//! up through the classes in that order, and [`BufferPool::iovecs`] lists `(pointer, length)` in
//! id order: register them with `IORING_REGISTER_BUFFERS` and use `Buffer::id()` as
//! `buf_index`. The whole slab ([`BufferPool::slab`]) can also be registered as one region.
//!
//! ## Progress, ABA, allocation
//!
//! Each class keeps its idle buffer ids in a lock-free Treiber stack with a pop counter against
//! ABA (proof sketch in the crate docs): `get` and the guard's drop are lock-free. After `new`
//! nothing allocates or frees: the steady state is a pop and a push per buffer. Buffer contents
//! are not cleared between uses (the slab is zeroed once at creation, so no read ever sees
//! uninitialized memory).

use alloc::alloc::{alloc_zeroed, dealloc};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::cell::Cell as LocalCell;
use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::Error;
use crate::stack::{IndexStack, LocalIndices, MAX_SLOTS};
use crate::sync::{AtomicUsize, Ordering};

/// The most size classes one pool can have.
pub const MAX_CLASSES: usize = 8;

/// The alignment used by [`BufferPool::with_classes`]: one 4 KiB page.
pub const DEFAULT_ALIGN: usize = 4096;

/// One size class: `count` buffers of `size` bytes (rounded up to the pool's alignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeClass {
    /// Bytes per buffer (before rounding up to the alignment).
    pub size: usize,
    /// Number of buffers.
    pub count: usize,
}

#[derive(Debug)]
struct Class {
    size: usize,
    offset: usize,
    first_id: usize,
    count: usize,
    free: IndexStack,
    /// Cold-path counters only: hits come from the stack's pop counter, idle buffers from
    /// walking the stack, so the shared get/put path is just the two CASes.
    misses: AtomicUsize,
    /// Local-cache traffic, counted per batch.
    cache_taken: AtomicUsize,
    cache_given: AtomicUsize,
    cache_hits: AtomicUsize,
}

/// A pool of aligned buffers in one slab. See the [module docs](self).
pub struct BufferPool {
    slab: NonNull<u8>,
    layout: Layout,
    classes: Vec<Class>,
    oversized: AtomicUsize,
}

// SAFETY: the pool owns the slab; bytes are plain data and each buffer is handed to one guard at
// a time through its class's index stack, so sharing and moving the pool across threads is safe.
unsafe impl Send for BufferPool {}
// SAFETY: as above; `&BufferPool` only allows the lock-free get/put protocol and reading counters.
unsafe impl Sync for BufferPool {}

/// Counters of one size class (or, from [`BufferPool::metrics`], of all classes summed).
/// Read piece by piece (pop counter, a walk of the free stack, relaxed cold-path counters):
/// approximate while threads work, exact at rest; O(idle buffers), not for hot loops.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufferMetrics {
    /// Bytes per buffer (0 in the pool-wide sum).
    pub size: usize,
    /// Buffers in the class.
    pub capacity: usize,
    /// Buffers ready to lend.
    pub idle: usize,
    /// Buffers out of the shared pool: lent, or held by a [`LocalBufferCache`].
    pub in_use: usize,
    /// Successful `get`s served by this class (local caches add theirs per batch and on drop).
    pub hits: usize,
    /// `get`s for which this was the best-fitting class and no class could serve.
    pub misses: usize,
    /// `get`s larger than the largest class (pool-wide sum only).
    pub oversized: usize,
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("slab_len", &self.layout.size())
            .field("align", &self.layout.align())
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl BufferPool {
    /// A pool with [`DEFAULT_ALIGN`] alignment.
    pub fn with_classes(classes: &[SizeClass]) -> Result<Self, Error> {
        Self::new(DEFAULT_ALIGN, classes)
    }

    /// Allocates (zeroed) one slab holding every class's buffers, each `align`-aligned.
    pub fn new(align: usize, classes: &[SizeClass]) -> Result<Self, Error> {
        if !align.is_power_of_two() {
            return Err(Error::InvalidAlignment(align));
        }
        if classes.is_empty() || classes.len() > MAX_CLASSES || classes.iter().any(|c| c.size == 0)
        {
            return Err(Error::InvalidSizeClasses);
        }
        let mut sorted: Vec<SizeClass> = classes.to_vec();
        sorted.sort_by_key(|c| c.size);
        let mut offset = 0usize;
        let mut first_id = 0usize;
        let mut built = Vec::with_capacity(sorted.len());
        for c in &sorted {
            if c.count == 0 {
                return Err(Error::ZeroCapacity);
            }
            if c.count > MAX_SLOTS {
                return Err(Error::CapacityTooLarge {
                    requested: c.count,
                    max: MAX_SLOTS,
                });
            }
            let size = c
                .size
                .checked_next_multiple_of(align)
                .ok_or(Error::SlabTooLarge)?;
            let bytes = size.checked_mul(c.count).ok_or(Error::SlabTooLarge)?;
            built.push(Class {
                size,
                offset,
                first_id,
                count: c.count,
                free: IndexStack::full(c.count),
                misses: AtomicUsize::new(0),
                cache_taken: AtomicUsize::new(0),
                cache_given: AtomicUsize::new(0),
                cache_hits: AtomicUsize::new(0),
            });
            offset = offset.checked_add(bytes).ok_or(Error::SlabTooLarge)?;
            first_id += c.count;
        }
        let layout = Layout::from_size_align(offset, align).map_err(|_| Error::SlabTooLarge)?;
        // SAFETY: `layout` has a non-zero size (at least one class with count >= 1 and size >= 1).
        let ptr = unsafe { alloc_zeroed(layout) };
        let slab = NonNull::new(ptr).ok_or(Error::AllocationFailed { bytes: offset })?;
        Ok(Self {
            slab,
            layout,
            classes: built,
            oversized: AtomicUsize::new(0),
        })
    }

    /// Lends a buffer of at least `len` bytes: from the smallest class that fits, else the next
    /// larger class with an idle buffer; `None` if none can. Lock-free, allocation-free.
    #[inline]
    pub fn get(&self, len: usize) -> Option<Buffer<'_>> {
        let Some(first) = self.classes.iter().position(|c| c.size >= len) else {
            self.oversized.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        for class in first..self.classes.len() {
            if let Some(buf) = self.get_from(class) {
                return Some(buf);
            }
        }
        self.classes[first].misses.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// Lends a buffer of class `class` (0 = smallest) only; `None` if it has none idle (counted
    /// as a miss) or there is no such class.
    #[inline]
    pub fn get_class(&self, class: usize) -> Option<Buffer<'_>> {
        let buf = self.get_from(class);
        if buf.is_none() {
            if let Some(c) = self.classes.get(class) {
                c.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        buf
    }

    #[inline(always)]
    fn get_from(&self, class: usize) -> Option<Buffer<'_>> {
        let c = self.classes.get(class)?;
        let index = c.free.pop()?;
        Some(Buffer {
            pool: self,
            class,
            index,
            ptr: self.buffer_ptr(class, index),
            len: c.size,
        })
    }

    /// Creates a cache for one thread holding up to `per_class` idle buffers of each class
    /// (clamped to `1..=count` of the class). It allocates its index arrays once, here.
    pub fn local_cache(&self, per_class: usize) -> LocalBufferCache<'_> {
        LocalBufferCache {
            pool: self,
            classes: self
                .classes
                .iter()
                .map(|c| LocalIndices::new(per_class.clamp(1, c.count)))
                .collect(),
            hits: (0..self.classes.len()).map(|_| LocalCell::new(0)).collect(),
            misses: (0..self.classes.len()).map(|_| LocalCell::new(0)).collect(),
        }
    }

    #[inline(always)]
    fn buffer_ptr(&self, class: usize, index: usize) -> NonNull<u8> {
        let c = &self.classes[class];
        // SAFETY: `offset + index * size + size <= slab size` by construction (index < count),
        // so the pointer stays inside the slab allocation.
        unsafe { self.slab.add(c.offset + index * c.size) }
    }

    /// Number of size classes.
    pub fn classes(&self) -> usize {
        self.classes.len()
    }

    /// Total number of buffers (ids are `0..buffers()`).
    pub fn buffers(&self) -> usize {
        self.classes.iter().map(|c| c.count).sum()
    }

    /// The whole slab as `(pointer, length)`, e.g. to register it as one region.
    pub fn slab(&self) -> (*mut u8, usize) {
        (self.slab.as_ptr(), self.layout.size())
    }

    /// Every buffer as `(pointer, length)`, in id order: the `iovec` array for
    /// `IORING_REGISTER_BUFFERS`. Pointers stay valid for the pool's life; writing through them
    /// is only allowed while you hold that buffer's [`Buffer`].
    pub fn iovecs(&self) -> impl Iterator<Item = (*mut u8, usize)> + '_ {
        self.classes.iter().flat_map(move |c| {
            (0..c.count).map(move |i| {
                // SAFETY: in bounds of the slab, as in `get_from`.
                let p = unsafe { self.slab.as_ptr().add(c.offset + i * c.size) };
                (p, c.size)
            })
        })
    }

    /// Counters of class `class` (0 = smallest), or `None` if there is no such class.
    pub fn class_metrics(&self, class: usize) -> Option<BufferMetrics> {
        let c = self.classes.get(class)?;
        let taken = c.cache_taken.load(Ordering::Relaxed);
        let idle = c.free.count();
        let in_use = c.count - idle;
        let shared_hits = (c.free.pops() as usize).wrapping_sub(taken);
        let hits = shared_hits.wrapping_add(c.cache_hits.load(Ordering::Relaxed));
        Some(BufferMetrics {
            size: c.size,
            capacity: c.count,
            idle,
            in_use,
            hits,
            misses: c.misses.load(Ordering::Relaxed),
            oversized: 0,
        })
    }

    /// Counters summed over all classes, plus the oversized count.
    pub fn metrics(&self) -> BufferMetrics {
        let mut sum = BufferMetrics::default();
        for m in (0..self.classes.len()).filter_map(|i| self.class_metrics(i)) {
            sum.capacity += m.capacity;
            sum.idle += m.idle;
            sum.in_use += m.in_use;
            sum.hits += m.hits;
            sum.misses += m.misses;
        }
        sum.oversized = self.oversized.load(Ordering::Relaxed);
        sum
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        // SAFETY: `slab` came from `alloc_zeroed(self.layout)` and no `Buffer` outlives `&self`.
        unsafe { dealloc(self.slab.as_ptr(), self.layout) };
    }
}

/// A buffer lent by a [`BufferPool`]; returned (not cleared) on drop.
pub struct Buffer<'a> {
    pool: &'a BufferPool,
    class: usize,
    index: usize,
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the guard is the only handle to its bytes; returning it from another thread uses the
// thread-safe stack push.
unsafe impl Send for Buffer<'_> {}
// SAFETY: `&Buffer` only gives `&[u8]`.
unsafe impl Sync for Buffer<'_> {}

impl Buffer<'_> {
    /// The buffer's id: its position in [`BufferPool::iovecs`] (io_uring `buf_index`).
    pub fn id(&self) -> usize {
        self.pool.classes[self.class].first_id + self.index
    }

    /// The size class it came from (0 = smallest).
    pub fn class(&self) -> usize {
        self.class
    }
}

impl Deref for Buffer<'_> {
    type Target = [u8];
    #[inline(always)]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is this buffer's range in the live, zero-initialized slab and the
        // guard holds it exclusively.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for Buffer<'_> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl fmt::Debug for Buffer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffer")
            .field("id", &self.id())
            .field("len", &self.len)
            .finish()
    }
}

impl Drop for Buffer<'_> {
    #[inline]
    fn drop(&mut self) {
        let c = &self.pool.classes[self.class];
        c.free.push(self.index);
    }
}

/// A per-thread cache of idle buffers in front of a [`BufferPool`], one small stack per size
/// class. `Send` but not `Sync`: its `get` and its guards' drops use no atomic read-modify-write
/// except when a class refills from, or spills to, the shared pool (half its size at a time).
pub struct LocalBufferCache<'a> {
    pool: &'a BufferPool,
    classes: Box<[LocalIndices]>,
    hits: Box<[LocalCell<usize>]>,
    misses: Box<[LocalCell<usize>]>,
}

impl fmt::Debug for LocalBufferCache<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalBufferCache")
            .field("classes", &self.classes)
            .finish_non_exhaustive()
    }
}

impl LocalBufferCache<'_> {
    /// Lends a buffer of at least `len` bytes, like [`BufferPool::get`]: smallest fitting class
    /// first (from this cache, else a batch from the pool), then larger classes.
    #[inline]
    pub fn get(&self, len: usize) -> Option<LocalBuffer<'_>> {
        let pool = self.pool;
        let Some(first) = pool.classes.iter().position(|c| c.size >= len) else {
            pool.oversized.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        for class in first..pool.classes.len() {
            let index = match self.classes[class].pop() {
                Some(index) => Some(index),
                None => self.refill(class),
            };
            if let Some(index) = index {
                self.hits[class].set(self.hits[class].get() + 1);
                return Some(LocalBuffer {
                    cache: self,
                    class,
                    index,
                    ptr: pool.buffer_ptr(class, index),
                    len: pool.classes[class].size,
                });
            }
        }
        self.misses[first].set(self.misses[first].get() + 1);
        None
    }

    /// Idle buffers parked here, over all classes.
    pub fn len(&self) -> usize {
        self.classes.iter().map(LocalIndices::len).sum()
    }

    /// Whether no buffer is parked here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn put(&self, class: usize, index: usize) {
        let cache = &self.classes[class];
        if !cache.push(index) {
            self.spill(class, cache.spill_batch());
            let parked = cache.push(index);
            debug_assert!(parked, "a spill leaves room");
        }
    }

    #[cold]
    fn refill(&self, class: usize) -> Option<usize> {
        let c = &self.pool.classes[class];
        let got = self.classes[class].refill(&c.free);
        c.cache_taken.fetch_add(got, Ordering::Relaxed);
        self.flush_counts(class);
        self.classes[class].pop()
    }

    #[cold]
    fn spill(&self, class: usize, n: usize) {
        let c = &self.pool.classes[class];
        let given = self.classes[class].spill(&c.free, n);
        c.cache_given.fetch_add(given, Ordering::Relaxed);
        self.flush_counts(class);
    }

    fn flush_counts(&self, class: usize) {
        let c = &self.pool.classes[class];
        c.cache_hits
            .fetch_add(self.hits[class].replace(0), Ordering::Relaxed);
        c.misses
            .fetch_add(self.misses[class].replace(0), Ordering::Relaxed);
    }
}

impl Drop for LocalBufferCache<'_> {
    fn drop(&mut self) {
        for class in 0..self.classes.len() {
            self.spill(class, usize::MAX);
        }
    }
}

/// A buffer lent by a [`LocalBufferCache`]; parked back in that cache on drop. Not `Send`: it
/// must be dropped on the cache's thread.
pub struct LocalBuffer<'a> {
    cache: &'a LocalBufferCache<'a>,
    class: usize,
    index: usize,
    ptr: NonNull<u8>,
    len: usize,
}

impl LocalBuffer<'_> {
    /// The buffer's id: its position in [`BufferPool::iovecs`] (io_uring `buf_index`).
    pub fn id(&self) -> usize {
        self.cache.pool.classes[self.class].first_id + self.index
    }

    /// The size class it came from (0 = smallest).
    pub fn class(&self) -> usize {
        self.class
    }
}

impl Deref for LocalBuffer<'_> {
    type Target = [u8];
    #[inline(always)]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is this buffer's range in the live, zero-initialized slab and the
        // guard holds it exclusively.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for LocalBuffer<'_> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl fmt::Debug for LocalBuffer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalBuffer")
            .field("id", &self.id())
            .field("len", &self.len)
            .finish()
    }
}

impl Drop for LocalBuffer<'_> {
    #[inline]
    fn drop(&mut self) {
        self.cache.put(self.class, self.index);
    }
}
