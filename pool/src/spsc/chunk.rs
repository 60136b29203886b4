//! Batch claim/commit of contiguous slots: the producer writes straight into the ring and the
//! consumer reads straight out of it; one index store publishes the whole batch.
//!
//! A chunk never wraps: it ends at the end of the slot array, so a batch that crosses the wrap
//! point takes two chunks (`push_slice`/`pop_slice` do that for `Copy` items).

use core::fmt;
use core::mem::MaybeUninit;

use super::{Consumer, Producer};
use crate::sync::Ordering;

/// Contiguous free slots claimed by [`Producer::write_chunk`]. Items written into it become
/// visible to the consumer when the chunk is committed or dropped.
pub struct WriteChunk<'a, T> {
    producer: &'a mut Producer<T>,
    start: *mut MaybeUninit<T>,
    len: usize,
    filled: usize,
}

/// Contiguous ready items lent by [`Consumer::read_chunk`]. Items are removed from the ring only
/// by [`ReadChunk::release`], which frees their slots at once; the rest stay queued when the chunk
/// is dropped.
pub struct ReadChunk<'a, T> {
    consumer: &'a mut Consumer<T>,
    start: *mut MaybeUninit<T>,
    len: usize,
    released: usize,
}

impl<T> fmt::Debug for WriteChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteChunk")
            .field("len", &self.len)
            .field("filled", &self.filled)
            .finish()
    }
}

impl<T> fmt::Debug for ReadChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadChunk")
            .field("len", &self.len)
            .field("released", &self.released)
            .finish()
    }
}

impl<T> Producer<T> {
    /// Claims up to `max` free slots that are contiguous in memory (fewer if the ring is fuller
    /// or the slot array ends first; possibly zero). Wait-free.
    pub fn write_chunk(&mut self, max: usize) -> WriteChunk<'_, T> {
        let free = self.free_at_least(max);
        let start_index = self.tail & self.shared.mask;
        let len = max.min(free).min(self.capacity() - start_index);
        // SAFETY: `start_index < capacity`, so the offset stays inside the slot array.
        let start = unsafe { self.shared.base().add(start_index) };
        WriteChunk {
            producer: self,
            start,
            len,
            filled: 0,
        }
    }

    /// Moves items from `iter` into the ring until the iterator ends or the ring is full (across
    /// the wrap point, unlike a [`WriteChunk`]), publishes them with one Release store, and
    /// returns how many were taken. Wait-free: at most one Acquire load of the consumer's index
    /// (only when the cached view has fewer free slots than `iter.size_hint().0`, or none), then
    /// one write per item. An iterator whose lower size hint is below the truly free space may
    /// stop early at the cached view; call again for the rest.
    ///
    /// If the iterator panics, the items already written are leaked (never published, dropped
    /// twice or read).
    #[inline]
    pub fn push_iter(&mut self, iter: impl IntoIterator<Item = T>) -> usize {
        let mut iter = iter.into_iter();
        let free = self.free_at_least(iter.size_hint().0.max(1));
        let start_index = self.tail & self.shared.mask;
        let first = free.min(self.capacity() - start_index);
        let base = self.shared.base();
        // SAFETY: `start_index < capacity`, so the offset stays inside the slot array.
        let head_part = unsafe { base.add(start_index) };
        // Two counted loops (to the end of the slot array, then from its start), each with one
        // exit test on the iterator: per item one `next` and one write, no second counter.
        let mut n = 0;
        'fill: {
            while n < first {
                let Some(value) = iter.next() else {
                    break 'fill;
                };
                // SAFETY: `n < first <= free`: slot `tail + n` is free (see `push`) and lies
                // before the end of the slot array.
                unsafe { head_part.add(n).write(MaybeUninit::new(value)) };
                n += 1;
            }
            let second = free - first;
            let mut k = 0;
            while k < second {
                let Some(value) = iter.next() else {
                    n += k;
                    break 'fill;
                };
                // SAFETY: `first + k < free`: slot `tail + first + k` is free and wraps to
                // index `k < free - first <= capacity`.
                unsafe { base.add(k).write(MaybeUninit::new(value)) };
                k += 1;
            }
            n += k;
        }
        if n > 0 {
            self.tail = self.tail.wrapping_add(n);
            self.shared.tail.store(self.tail, Ordering::Release);
        }
        n
    }

    /// Copies as many items of `src` as fit (across the wrap point), publishes them, and returns
    /// how many were taken. Wait-free.
    pub fn push_slice(&mut self, src: &[T]) -> usize
    where
        T: Copy,
    {
        let free = self.free_at_least(src.len());
        let n = src.len().min(free);
        let start_index = self.tail & self.shared.mask;
        let first = n.min(self.capacity() - start_index);
        let base = self.shared.base().cast::<T>();
        // SAFETY: the `n <= free` slots from `tail` are free (see `push`); the first `first` of
        // them lie at `start_index..start_index + first <= capacity`, the other `n - first` wrap
        // to `0..n - first`. `src` is a shared borrow the caller holds, distinct from the ring
        // (which we borrow mutably), so the ranges do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), base.add(start_index), first);
            if n > first {
                core::ptr::copy_nonoverlapping(src.as_ptr().add(first), base, n - first);
            }
        }
        if n > 0 {
            self.tail = self.tail.wrapping_add(n);
            self.shared.tail.store(self.tail, Ordering::Release);
        }
        n
    }
}

impl<T> Consumer<T> {
    /// Lends up to `max` ready items that are contiguous in memory (fewer if fewer are ready or
    /// the slot array ends first; possibly zero). Wait-free.
    pub fn read_chunk(&mut self, max: usize) -> ReadChunk<'_, T> {
        let avail = self.available_at_least(max);
        let start_index = self.head & self.shared.mask;
        let len = max.min(avail).min(self.capacity() - start_index);
        // SAFETY: `start_index < capacity`, so the offset stays inside the slot array.
        let start = unsafe { self.shared.base().add(start_index) };
        ReadChunk {
            consumer: self,
            start,
            len,
            released: 0,
        }
    }

    /// Moves as many ready items as fit into `dst` (across the wrap point) and returns how many.
    /// Wait-free.
    pub fn pop_slice(&mut self, dst: &mut [T]) -> usize
    where
        T: Copy,
    {
        let avail = self.available_at_least(dst.len());
        let n = dst.len().min(avail);
        let start_index = self.head & self.shared.mask;
        let first = n.min(self.capacity() - start_index);
        let base = self.shared.base().cast::<T>().cast_const();
        // SAFETY: the `n <= available` slots from `head` lie below the published tail
        // (Acquire-loaded), so they hold initialized `T`s the producer does not touch until we
        // publish a `head` past them; the first `first` are at `start_index..start_index +
        // first <= capacity`, the rest wrap to `0..n - first`. `dst` is a unique borrow the
        // caller holds, distinct from the ring, so the ranges do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(base.add(start_index), dst.as_mut_ptr(), first);
            if n > first {
                core::ptr::copy_nonoverlapping(base, dst.as_mut_ptr().add(first), n - first);
            }
        }
        if n > 0 {
            // `T: Copy` has no destructor: releasing is only publishing the new head.
            self.head = self.head.wrapping_add(n);
            self.shared.head.store(self.head, Ordering::Release);
        }
        n
    }
}

impl<T> WriteChunk<'_, T> {
    /// Number of slots claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no slot could be claimed (the ring is full).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots written so far.
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// Writes the next slot, or gives `value` back if the chunk is full.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.filled == self.len {
            return Err(value);
        }
        // SAFETY: `filled < len`: the slot is inside the claimed, free range.
        unsafe { self.start.add(self.filled).write(MaybeUninit::new(value)) };
        self.filled += 1;
        Ok(())
    }

    /// Writes items from `iter` into the unwritten slots until either runs out; returns how
    /// many were written. (If the iterator panics, the items written so far are leaked, never
    /// dropped twice or published half-written.)
    #[inline]
    pub fn fill_from_iter(&mut self, iter: impl IntoIterator<Item = T>) -> usize {
        let room = self.len - self.filled;
        // SAFETY: `filled <= len`, so the base stays inside the claimed range.
        let base = unsafe { self.start.add(self.filled) };
        let mut n = 0;
        for value in iter.into_iter().take(room) {
            // SAFETY: `n < room`: the slot is inside the claimed, free range.
            unsafe { base.add(n).write(MaybeUninit::new(value)) };
            n += 1;
        }
        self.filled += n;
        n
    }

    /// The claimed slots not yet written, for writing in place (e.g. `read(2)` into a `u8` ring).
    /// Mark what was written with [`WriteChunk::assume_filled`].
    pub fn unfilled(&mut self) -> &mut [MaybeUninit<T>] {
        // SAFETY: the range `filled..len` is claimed by this chunk and exclusively ours: the
        // consumer never reads at or past the published tail, and `&mut self` borrows the producer.
        unsafe {
            core::slice::from_raw_parts_mut(self.start.add(self.filled), self.len - self.filled)
        }
    }

    /// Marks the first `n` slots of [`WriteChunk::unfilled`] as written.
    ///
    /// # Safety
    ///
    /// Those `n` slots must hold initialized values, and `n <= self.unfilled().len()`.
    pub unsafe fn assume_filled(&mut self, n: usize) {
        debug_assert!(n <= self.len - self.filled);
        self.filled += n;
    }

    /// Publishes the written slots to the consumer (one Release store) and returns their number.
    /// Dropping the chunk does the same.
    pub fn commit(self) -> usize {
        self.filled
    }
}

impl<T: Copy> WriteChunk<'_, T> {
    /// Copies as many items of `src` as fit into the unwritten slots and returns how many.
    pub fn copy_from_slice(&mut self, src: &[T]) -> usize {
        let n = src.len().min(self.len - self.filled);
        // SAFETY: `n` slots from `filled` are inside the claimed free range, which does not overlap
        // `src` (a shared borrow the caller holds, distinct from the ring we borrow mutably).
        unsafe {
            core::ptr::copy_nonoverlapping(
                src.as_ptr(),
                self.start.add(self.filled).cast::<T>(),
                n,
            );
        }
        self.filled += n;
        n
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        if self.filled > 0 {
            let p = &mut *self.producer;
            p.tail = p.tail.wrapping_add(self.filled);
            p.shared.tail.store(p.tail, Ordering::Release);
        }
    }
}

impl<T> ReadChunk<'_, T> {
    /// Items still lent (not yet released).
    pub fn len(&self) -> usize {
        self.len - self.released
    }

    /// Whether nothing is lent.
    pub fn is_empty(&self) -> bool {
        self.len == self.released
    }

    /// The lent items, oldest first, in place.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `released..len` lies below the published tail (Acquire-loaded), so those slots
        // hold initialized values the producer will not touch until `head` passes them.
        unsafe {
            core::slice::from_raw_parts(self.start.add(self.released).cast::<T>(), self.len())
        }
    }

    /// The lent items, mutable in place.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`, and `&mut self` borrows the consumer exclusively.
        unsafe {
            core::slice::from_raw_parts_mut(self.start.add(self.released).cast::<T>(), self.len())
        }
    }

    /// Drops the oldest `n` lent items (clamped to [`ReadChunk::len`]) and frees their slots for
    /// the producer (one Release store).
    pub fn release(&mut self, n: usize) {
        let n = n.min(self.len());
        if n == 0 {
            return;
        }
        // SAFETY: `released + n <= len`: the range stays inside the lent chunk.
        let first = unsafe { self.start.add(self.released) }.cast::<T>();
        self.released += n;
        // Publishes the new `head` after the items are dropped, even if a `Drop` panics, so a
        // slot is never read (or dropped) twice. Publishing here rather than when the chunk is
        // dropped also keeps `mem::forget(chunk)` sound.
        struct Advance<'c, T> {
            consumer: &'c mut Consumer<T>,
            n: usize,
        }
        impl<T> Drop for Advance<'_, T> {
            fn drop(&mut self) {
                let c = &mut *self.consumer;
                c.head = c.head.wrapping_add(self.n);
                c.shared.head.store(c.head, Ordering::Release);
            }
        }
        let _advance = Advance {
            consumer: &mut *self.consumer,
            n,
        };
        // SAFETY: the `n` slots from `first` are initialized and lent to us; the producer cannot
        // reuse them until `_advance` publishes the new head, after which we never read them.
        unsafe { core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(first, n)) };
    }
}
