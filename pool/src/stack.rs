//! A lock-free stack of slot indices (Treiber stack over an array, with a pop counter against
//! ABA). Shared by [`crate::object::Pool`] and [`crate::buffer::BufferPool`].
//!
//! ## Protocol
//!
//! `head` packs `(tag, index)` in one atomic word; `next[i]` links slot `i` to the slot below it.
//! `NIL` marks the empty stack and the bottom link.
//!
//! * `push(i)`: read `head`, store `next[i] = head.index` (relaxed), CAS `head` from the read
//!   word to `(head.tag, i)` with Release; retry with the fresh word on failure.
//! * `pop()`: read `head` (Acquire); if empty return `None`; read `n = next[head.index]`
//!   (relaxed), CAS `head` from the read word to `(head.tag + 1, n)` with Acquire; retry on
//!   failure.
//!
//! ## Progress: lock-free
//!
//! A CAS in a retry loop fails only because another thread's CAS on `head` succeeded in between,
//! so some operation completes in every round: lock-free, not wait-free (one thread may starve).
//!
//! ## ABA: pop counter
//!
//! The hazard: a popper reads `(t, A)` and `next[A] = B`, stalls; others pop `A`, pop `B`, push
//! `A`; a plain CAS on the index alone would succeed and install `B`, which is in use. For `head`
//! to show index `A` again after our read, at least one pop must have happened (pushes alone only
//! cover `A`), and every pop increments `tag`. So the CAS succeeds with a stale `next` only if the
//! number of pops in the window is a multiple of 2^TAG_BITS (2^32 on targets with 64-bit atomics,
//! 2^16 on 32-bit-only targets such as thumbv7em). That is the honest residue of any tagged
//! scheme; it needs a thread to be suspended inside one pop while 4 billion (or 65,536) other pops
//! complete. Slots are never freed while the stack exists, so reading a stale `next[i]` is never a
//! use-after-free, and the links are atomics, so the stale read is not a data race.
//!
//! ## Memory ordering
//!
//! All writes to `head` are read-modify-writes, so every later RMW continues the release sequence
//! of a push. A pop's Acquire (load or CAS) therefore synchronizes with the push that published
//! the index it takes, which makes both the link and the previous owner's writes to the slot
//! payload visible: ownership of a slot moves with happens-before.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::sync::{AtomicUsize, CachePadded, Ordering};

#[cfg(target_has_atomic = "64")]
mod word {
    pub(crate) type Word = u64;
    pub(crate) type AtomicWord = crate::sync::AtomicU64;
    pub(crate) const INDEX_BITS: u32 = 32;
}
#[cfg(not(target_has_atomic = "64"))]
mod word {
    pub(crate) type Word = u32;
    pub(crate) type AtomicWord = crate::sync::AtomicU32;
    pub(crate) const INDEX_BITS: u32 = 16;
}
use word::{AtomicWord, INDEX_BITS, Word};

const TAG_BITS: u32 = Word::BITS - INDEX_BITS;

const INDEX_MASK: Word = (1 << INDEX_BITS) - 1;
const NIL: Word = INDEX_MASK;

/// The largest number of slots a stack (and so a pool or a buffer size class) can hold on this
/// target: 2^32 - 1 with 64-bit atomics, 2^16 - 1 without.
pub(crate) const MAX_SLOTS: usize = NIL as usize;

#[inline(always)]
fn index_of(w: Word) -> Word {
    w & INDEX_MASK
}

#[inline(always)]
fn tag_of(w: Word) -> Word {
    w >> INDEX_BITS
}

#[inline(always)]
fn pack(tag: Word, index: Word) -> Word {
    // Wrapping shift-out of the tag's top bit is intended: the tag counts pops modulo 2^TAG_BITS.
    (tag << INDEX_BITS) | index
}

pub(crate) struct IndexStack {
    head: CachePadded<AtomicWord>,
    next: Box<[AtomicUsize]>,
    /// How many times the pop counter in `head` wrapped to 0 (for the pop count metric only).
    epochs: AtomicUsize,
}

impl core::fmt::Debug for IndexStack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IndexStack")
            .field("slots", &self.next.len())
            .finish_non_exhaustive()
    }
}

impl IndexStack {
    /// A stack holding every index `0..len`, index 0 on top. `len` must be in `1..=MAX_SLOTS`
    /// (checked by the callers, which turn it into [`crate::Error`]).
    pub(crate) fn full(len: usize) -> Self {
        debug_assert!((1..=MAX_SLOTS).contains(&len));
        let next: Vec<AtomicUsize> = (0..len)
            .map(|i| AtomicUsize::new(if i + 1 < len { i + 1 } else { NIL as usize }))
            .collect();
        Self {
            head: CachePadded(AtomicWord::new(pack(0, 0))),
            next: next.into_boxed_slice(),
            epochs: AtomicUsize::new(0),
        }
    }

    /// Takes an index off the stack, or `None` when it is empty. Lock-free.
    #[inline]
    pub(crate) fn pop(&self) -> Option<usize> {
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let index = index_of(head);
            if index == NIL {
                return None;
            }
            // May be stale if `index` was popped and pushed back since we read `head`; then the
            // tag has moved on and the CAS below fails (see the module docs on ABA).
            let below = self.next[index as usize].load(Ordering::Relaxed) as Word;
            let new = pack(tag_of(head).wrapping_add(1), below);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    if tag_of(new) == 0 {
                        // Rare (every 2^TAG_BITS pops): keeps the pop count metric exact.
                        self.epochs.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(index as usize);
                }
                Err(actual) => head = actual,
            }
        }
    }

    /// Puts back an index that the caller owns (got from `pop`, or never handed out). Lock-free.
    #[inline]
    pub(crate) fn push(&self, index: usize) {
        debug_assert!(index < self.next.len());
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            self.next[index].store(index_of(head) as usize, Ordering::Relaxed);
            let new = pack(tag_of(head), index as Word);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }
}

impl IndexStack {
    /// Successful pops since creation (the tag plus its wrap count). Approximate while other
    /// threads work, exact at rest; costs the hot path nothing.
    #[allow(clippy::useless_conversion)] // reason: `Word` is u32 on targets without 64-bit atomics
    pub(crate) fn pops(&self) -> u64 {
        let tag = u64::from(tag_of(self.head.load(Ordering::Relaxed)));
        let epochs = self.epochs.load(Ordering::Relaxed) as u64;
        (epochs << TAG_BITS).wrapping_add(tag)
    }

    /// Indices in the stack, by walking the links (at most `len` steps). Approximate while other
    /// threads work, exact at rest. O(idle): meant for metrics, not hot paths.
    pub(crate) fn count(&self) -> usize {
        let mut n = 0;
        let mut i = index_of(self.head.load(Ordering::Acquire));
        while i != NIL && n < self.next.len() {
            n += 1;
            i = self.next[i as usize].load(Ordering::Relaxed) as Word;
        }
        n
    }
}

/// A thread-owned array of indices taken from an [`IndexStack`] in batches: the engine of the
/// pools' local caches. `!Sync` (plain `Cell`s): no atomics on its fast path.
pub(crate) struct LocalIndices {
    slots: Box<[core::cell::Cell<usize>]>,
    len: core::cell::Cell<usize>,
}

impl core::fmt::Debug for LocalIndices {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalIndices")
            .field("size", &self.slots.len())
            .field("len", &self.len.get())
            .finish()
    }
}

impl LocalIndices {
    /// An empty cache of `size` (at least 1) indices. Allocates once, here.
    pub(crate) fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            slots: (0..size).map(|_| core::cell::Cell::new(0)).collect(),
            len: core::cell::Cell::new(0),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    #[inline(always)]
    pub(crate) fn pop(&self) -> Option<usize> {
        let len = self.len.get().checked_sub(1)?;
        self.len.set(len);
        Some(self.slots[len].get())
    }

    /// Parks `index`; returns `false` (and parks nothing) when full.
    #[inline(always)]
    pub(crate) fn push(&self, index: usize) -> bool {
        let len = self.len.get();
        match self.slots.get(len) {
            Some(slot) => {
                slot.set(index);
                self.len.set(len + 1);
                true
            }
            None => false,
        }
    }

    /// Takes indices from `stack` until half full; returns how many it took.
    #[cold]
    pub(crate) fn refill(&self, stack: &IndexStack) -> usize {
        let want = self.slots.len().div_ceil(2);
        let before = self.len.get();
        while self.len.get() < want {
            match stack.pop() {
                Some(index) => {
                    let _ = self.push(index);
                }
                None => break,
            }
        }
        self.len.get() - before
    }

    /// Returns up to `n` parked indices to `stack`; returns how many it gave back.
    #[cold]
    pub(crate) fn spill(&self, stack: &IndexStack, n: usize) -> usize {
        let mut given = 0;
        while given < n {
            match self.pop() {
                Some(index) => stack.push(index),
                None => break,
            }
            given += 1;
        }
        given
    }

    /// Half the size plus one: how many a full cache gives back before parking one more.
    pub(crate) fn spill_batch(&self) -> usize {
        self.slots.len() / 2 + 1
    }
}
