//! Single-threaded behaviour of every structure, plus compile-time Send/Sync checks.
#![cfg(not(loom))]
// reason: the zero-copy chunk API has one unsafe method (`assume_filled`) that the tests call.
#![allow(unsafe_code)]

extern crate alloc;

use alloc::sync::Arc;

use fasterapi_pool::buffer::{BufferPool, SizeClass};
use fasterapi_pool::mpmc::ArrayQueue;
use fasterapi_pool::object::{LocalCache, Pool, Pooled};
use fasterapi_pool::{Buffer, Error, LocalBufferCache, spsc};

const fn assert_send<T: Send>() {}
const fn assert_sync<T: Sync>() {}

// Compile-time thread-safety contract.
const _: () = {
    assert_send::<spsc::Producer<Vec<u8>>>();
    assert_send::<spsc::Consumer<Vec<u8>>>();
    assert_send::<Pool<Vec<u8>>>();
    assert_sync::<Pool<Vec<u8>>>();
    assert_sync::<Pool<core::cell::Cell<u8>>>(); // T: Send is enough, like Mutex<T>
    assert_send::<Pooled<'static, Vec<u8>>>();
    assert_sync::<Pooled<'static, Vec<u8>>>();
    assert_send::<LocalCache<'static, Vec<u8>>>();
    assert_send::<BufferPool>();
    assert_sync::<BufferPool>();
    assert_send::<Buffer<'static>>();
    assert_sync::<Buffer<'static>>();
    assert_send::<LocalBufferCache<'static>>();
    assert_send::<ArrayQueue<u64>>();
    assert_sync::<ArrayQueue<u64>>();
};

#[test]
fn spsc_rejects_bad_capacity() {
    assert_eq!(spsc::channel::<u8>(0).unwrap_err(), Error::ZeroCapacity);
    assert!(matches!(
        spsc::channel::<u8>(usize::MAX).unwrap_err(),
        Error::CapacityTooLarge { .. }
    ));
}

#[test]
fn spsc_push_pop_fifo_and_full() {
    let (mut tx, mut rx) = spsc::channel::<u32>(3).unwrap();
    assert_eq!(tx.capacity(), 4);
    for i in 0..4 {
        tx.push(i).unwrap();
    }
    assert_eq!(tx.push(9), Err(9));
    assert_eq!(tx.free(), 0);
    assert_eq!(rx.available(), 4);
    for i in 0..4 {
        assert_eq!(rx.pop(), Some(i));
    }
    assert_eq!(rx.pop(), None);
    // wrap around many times
    for i in 0..100 {
        tx.push(i).unwrap();
        tx.push(i + 1000).unwrap();
        assert_eq!(rx.pop(), Some(i));
        assert_eq!(rx.pop(), Some(i + 1000));
    }
}

#[test]
fn spsc_drops_unread_items() {
    let item = Arc::new(());
    let (mut tx, mut rx) = spsc::channel(8).unwrap();
    for _ in 0..5 {
        tx.push(item.clone()).unwrap();
    }
    drop(rx.pop());
    assert!(!tx.is_abandoned());
    drop(rx);
    assert!(tx.is_abandoned());
    assert_eq!(Arc::strong_count(&item), 5);
    drop(tx);
    assert_eq!(Arc::strong_count(&item), 1);
}

#[test]
fn spsc_chunks_are_contiguous_and_zero_copy() {
    let (mut tx, mut rx) = spsc::channel::<u8>(8).unwrap();
    // move the indices to 6 so the next chunk hits the end of the slot array
    assert_eq!(tx.push_slice(&[0; 6]), 6);
    let mut sink = [0u8; 6];
    assert_eq!(rx.pop_slice(&mut sink), 6);

    let mut chunk = tx.write_chunk(5);
    assert_eq!(chunk.len(), 2, "a chunk stops at the end of the slot array");
    chunk.push(1).unwrap();
    chunk.push(2).unwrap();
    assert_eq!(chunk.push(3), Err(3));
    assert_eq!(chunk.commit(), 2);

    let mut chunk = tx.write_chunk(5);
    assert_eq!(chunk.len(), 5);
    for (i, slot) in chunk.unfilled()[..3].iter_mut().enumerate() {
        slot.write(10 + i as u8);
    }
    // SAFETY: the three slots were just written.
    unsafe { chunk.assume_filled(3) };
    drop(chunk);

    let mut rc = rx.read_chunk(10);
    assert_eq!(rc.as_slice(), &[1, 2]);
    rc.as_mut_slice()[0] = 7;
    rc.release(1);
    assert_eq!(rc.as_slice(), &[2]);
    // one released (its slot freed at once), one stays queued
    let mut rest = [0u8; 8];
    assert_eq!(rx.pop_slice(&mut rest), 4);
    assert_eq!(&rest[..4], &[2, 10, 11, 12]);
}

#[test]
fn spsc_fill_from_iter_stops_at_the_chunk_end() {
    let (mut tx, mut rx) = spsc::channel::<u32>(8).unwrap();
    let mut chunk = tx.write_chunk(5);
    assert_eq!(chunk.fill_from_iter(0..3), 3);
    assert_eq!(chunk.fill_from_iter(10..100), 2);
    assert_eq!(chunk.fill_from_iter(0..1), 0);
    drop(chunk);
    let mut out = [0; 8];
    assert_eq!(rx.pop_slice(&mut out), 5);
    assert_eq!(&out[..5], &[0, 1, 2, 10, 11]);
}

#[test]
fn spsc_push_iter_spans_the_wrap_point_with_one_publish() {
    let (mut tx, mut rx) = spsc::channel::<u32>(8).unwrap();
    assert_eq!(tx.push_slice(&[0; 6]), 6);
    let mut sink = [0; 6];
    assert_eq!(rx.pop_slice(&mut sink), 6);
    // indices at 6: slots 6, 7, then 0.. after the wrap
    assert_eq!(tx.push_iter(1..=5), 5);
    assert_eq!(tx.push_iter(100..), 3, "stops when the ring is full");
    assert_eq!(tx.push_iter(0..5), 0);
    let mut out = [0; 8];
    assert_eq!(rx.pop_slice(&mut out), 8);
    assert_eq!(out, [1, 2, 3, 4, 5, 100, 101, 102]);
    // an iterator shorter than the first part, and an empty one
    assert_eq!(tx.push_iter([7u32]), 1);
    assert_eq!(tx.push_iter(core::iter::empty()), 0);
    assert_eq!(rx.pop(), Some(7));
    assert_eq!(rx.pop(), None);
}

#[test]
fn spsc_push_iter_moves_owned_items_once() {
    let item = Arc::new(());
    let (mut tx, mut rx) = spsc::channel(4).unwrap();
    tx.push(item.clone()).unwrap();
    tx.push(item.clone()).unwrap();
    assert!(rx.pop().is_some());
    assert!(rx.pop().is_some());
    // wraps after two slots; the fifth item is never taken from the iterator
    let n = tx.push_iter((0..5).map(|_| item.clone()));
    assert_eq!(n, 4);
    assert_eq!(Arc::strong_count(&item), 5);
    assert!(rx.pop().is_some());
    assert_eq!(Arc::strong_count(&item), 4);
    drop((tx, rx));
    assert_eq!(Arc::strong_count(&item), 1);
}

#[test]
fn spsc_release_frees_slots_at_once() {
    let item = Arc::new(());
    let (mut tx, mut rx) = spsc::channel(4).unwrap();
    for _ in 0..3 {
        tx.push(item.clone()).unwrap();
    }
    let mut chunk = rx.read_chunk(4);
    chunk.release(1);
    // the producer sees the slot free while the chunk still lends the other two, so forgetting
    // the chunk cannot lead to a released item being read or dropped again
    assert_eq!(tx.free(), 2);
    assert_eq!(Arc::strong_count(&item), 3);
    assert_eq!(chunk.len(), 2);
    assert_eq!(rx.available(), 2);
    drop((tx, rx));
    assert_eq!(Arc::strong_count(&item), 1);
}

#[test]
fn spsc_write_chunk_on_full_ring_is_empty() {
    let (mut tx, _rx) = spsc::channel::<u8>(2).unwrap();
    assert_eq!(tx.push_slice(&[1, 2, 3]), 2);
    let chunk = tx.write_chunk(4);
    assert!(chunk.is_empty());
}

#[test]
fn spsc_read_chunk_release_drops_in_place() {
    let item = Arc::new(());
    let (mut tx, mut rx) = spsc::channel(4).unwrap();
    for _ in 0..3 {
        tx.push(item.clone()).unwrap();
    }
    let mut chunk = rx.read_chunk(4);
    assert_eq!(chunk.len(), 3);
    chunk.release(2);
    assert_eq!(Arc::strong_count(&item), 2);
    chunk.release(100); // clamped
    assert!(chunk.is_empty());
    assert_eq!(Arc::strong_count(&item), 1);
    assert_eq!(rx.available(), 0);
}

#[test]
fn pool_lends_resets_and_counts() {
    assert_eq!(Pool::new(0, || 0u8).unwrap_err(), Error::ZeroCapacity);
    let pool = Pool::new(2, Vec::<u8>::new)
        .unwrap()
        .with_reset(|v| v.clear());
    let mut a = pool.get().unwrap();
    a.push(1);
    let b = pool.get().unwrap();
    assert_ne!(a.index(), b.index());
    assert!(pool.get().is_none());
    let m = pool.metrics();
    assert_eq!(
        (m.capacity, m.idle, m.in_use, m.hits, m.misses),
        (2, 0, 2, 2, 1)
    );
    drop(a);
    drop(b);
    let m = pool.metrics();
    assert_eq!((m.idle, m.in_use), (2, 0));
    // both objects come back reset
    let a = pool.get().unwrap();
    let b = pool.get().unwrap();
    assert!(a.is_empty() && b.is_empty());
    assert_eq!(format!("{:?}", *a), "[]");
}

#[test]
fn pool_local_cache_batches_and_returns_on_drop() {
    let pool = Pool::new(8, || 0u64).unwrap().with_reset(|v| *v = 0);
    {
        let cache = pool.local_cache(4);
        let mut g = cache.get().unwrap();
        *g = 42;
        // refill took half the cache size (2): one lent, one parked
        assert_eq!(cache.len(), 1);
        let m = pool.metrics();
        assert_eq!((m.cached, m.in_use, m.idle), (2, 2, 6));
        drop(g);
        assert_eq!(cache.len(), 2);
        let held: Vec<_> = (0..8).map(|_| cache.get()).collect();
        assert!(
            held.iter().all(Option::is_some),
            "the cache refills from the pool"
        );
        assert!(cache.get().is_none());
        assert!(pool.get().is_none());
        drop(held); // overflow spills half back to the pool
        let m = pool.metrics();
        assert_eq!(
            (m.in_use, m.cached, m.idle),
            (cache.len(), cache.len(), 8 - cache.len())
        );
        assert!(cache.len() <= 4);
        assert!(*cache.get().unwrap() == 0, "reset ran on return");
    }
    let m = pool.metrics();
    assert_eq!(
        (m.idle, m.in_use, m.cached, m.hits, m.misses),
        (8, 0, 0, 10, 2)
    );
}

#[test]
fn buffer_pool_validates_config() {
    assert_eq!(
        BufferPool::new(3, &[SizeClass { size: 1, count: 1 }]).unwrap_err(),
        Error::InvalidAlignment(3)
    );
    assert_eq!(
        BufferPool::new(64, &[]).unwrap_err(),
        Error::InvalidSizeClasses
    );
    assert_eq!(
        BufferPool::new(64, &[SizeClass { size: 0, count: 1 }]).unwrap_err(),
        Error::InvalidSizeClasses
    );
    assert_eq!(
        BufferPool::new(64, &[SizeClass { size: 64, count: 0 }]).unwrap_err(),
        Error::ZeroCapacity
    );
    assert_eq!(
        BufferPool::new(
            64,
            &[SizeClass {
                size: usize::MAX,
                count: 2
            }]
        )
        .unwrap_err(),
        Error::SlabTooLarge
    );
    assert!(Error::SlabTooLarge.to_string().contains("slab"));
}

#[test]
fn buffer_pool_classes_alignment_ids_and_metrics() {
    let pool = BufferPool::new(
        256,
        &[
            SizeClass {
                size: 1000,
                count: 2,
            },
            SizeClass {
                size: 100,
                count: 3,
            },
        ],
    )
    .unwrap();
    assert_eq!(pool.classes(), 2);
    assert_eq!(pool.buffers(), 5);
    let iov: Vec<_> = pool.iovecs().collect();
    assert_eq!(
        iov.iter().map(|v| v.1).collect::<Vec<_>>(),
        [256, 256, 256, 1024, 1024]
    );
    assert!(iov.iter().all(|(p, _)| *p as usize % 256 == 0));
    assert_eq!(pool.slab().1, 3 * 256 + 2 * 1024);

    let mut small = pool.get(10).unwrap();
    assert_eq!((small.len(), small.class()), (256, 0));
    assert_eq!(small.as_ptr() as *mut u8, iov[small.id()].0);
    small[0] = 0xAB;
    let s2 = pool.get(256).unwrap();
    let s3 = pool.get(1).unwrap();
    // small class exhausted: falls through to the larger class
    let spill = pool.get(1).unwrap();
    assert_eq!(spill.class(), 1);
    let big = pool.get(1024).unwrap();
    assert!(pool.get(1).is_none());
    assert!(pool.get(5000).is_none());
    assert!(pool.get_class(0).is_none());
    let m = pool.metrics();
    assert_eq!(
        (m.capacity, m.in_use, m.idle, m.hits, m.misses, m.oversized),
        (5, 5, 0, 5, 2, 1)
    );
    let ids = [small.id(), s2.id(), s3.id(), spill.id(), big.id()];
    let mut sorted = ids;
    sorted.sort_unstable();
    assert_eq!(sorted, [0, 1, 2, 3, 4]);
    drop((small, s2, s3, spill, big));
    let c0 = pool.class_metrics(0).unwrap();
    assert_eq!(
        (c0.size, c0.capacity, c0.idle, c0.in_use, c0.hits),
        (256, 3, 3, 0, 3)
    );
    assert!(pool.class_metrics(2).is_none());
    // contents are kept (not cleared) between uses
    let again = pool.get_class(0).unwrap();
    assert!(again.iter().all(|&b| b == 0) || again.contains(&0xAB));
}

#[test]
fn mpmc_is_crossbeam_array_queue() {
    let q = ArrayQueue::new(2);
    q.push(1).unwrap();
    q.push(2).unwrap();
    assert_eq!(q.push(3), Err(3));
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    assert_eq!(q.pop(), None);
}

#[test]
fn buffer_local_cache_batches_and_falls_through_classes() {
    let pool = BufferPool::new(
        64,
        &[
            SizeClass { size: 64, count: 4 },
            SizeClass {
                size: 128,
                count: 2,
            },
        ],
    )
    .unwrap();
    {
        let cache = pool.local_cache(2);
        let mut a = cache.get(10).unwrap();
        assert_eq!((a.class(), a.len()), (0, 64));
        a[..3].copy_from_slice(b"abc");
        let id = a.id();
        assert_eq!(a.as_ptr() as *mut u8, pool.iovecs().nth(id).unwrap().0);
        // refill took half of the per-class size (1): the cache is empty again, the pool lent 1
        assert_eq!(cache.len(), 0);
        assert_eq!(pool.class_metrics(0).unwrap().in_use, 1);
        drop(a);
        assert_eq!(cache.len(), 1);
        let again = cache.get(64).unwrap();
        assert_eq!(again.id(), id, "the parked buffer is reused first");
        assert_eq!(&again[..3], b"abc", "contents are not cleared");
        let held: Vec<_> = (0..5).map(|_| cache.get(1)).collect();
        assert!(
            held.iter().all(Option::is_some),
            "4 small + 2 large buffers in total"
        );
        assert_eq!(
            held.iter()
                .filter(|b| b.as_ref().unwrap().class() == 1)
                .count(),
            2
        );
        assert!(cache.get(1).is_none());
        assert!(cache.get(1000).is_none());
        drop(held);
        drop(again);
        assert!(cache.len() <= 4);
    }
    let m = pool.metrics();
    assert_eq!(
        (m.in_use, m.idle, m.hits, m.misses, m.oversized),
        (0, 6, 7, 1, 1)
    );
}
