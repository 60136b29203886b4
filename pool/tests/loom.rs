//! loom models of every atomic protocol in the crate: the SPSC ring's head/tail hand-off and the
//! index stack behind `Pool` and `BufferPool` (pop/push races, ABA window, ownership transfer of
//! the slot contents, local cache batches against shared traffic).
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p fasterapi-pool --test loom --release` (exhaustive,
//! about 2 s; `scripts/stages/pool.sh` runs it).
#![cfg(loom)]

use fasterapi_pool::buffer::{BufferPool, SizeClass};
use fasterapi_pool::object::Pool;
use fasterapi_pool::spsc;
use loom::sync::Arc;
use loom::thread;

/// The producer pushes 3 values through a 2-slot ring while the consumer pops them: every value
/// arrives once, in order, and slot reuse never races (loom tracks the slot cells).
#[test]
fn spsc_fifo_handoff_with_wraparound() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<usize>(2).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..3 {
                let mut v = i;
                loop {
                    match tx.push(v) {
                        Ok(()) => break,
                        Err(back) => {
                            v = back;
                            thread::yield_now();
                        }
                    }
                }
            }
        });
        let mut got = Vec::new();
        while got.len() < 3 {
            match rx.pop() {
                Some(v) => got.push(v),
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
        assert_eq!(rx.pop(), None);
    });
}

/// Dropping the ring with unread items drops each exactly once, whichever side goes last.
#[test]
fn spsc_drop_with_items_in_flight() {
    loom::model(|| {
        let item = Arc::new(());
        let (mut tx, rx) = spsc::channel::<Arc<()>>(2).unwrap();
        let it = item.clone();
        let producer = thread::spawn(move || {
            let _ = tx.push(it.clone());
            let _ = tx.push(it);
        });
        drop(rx);
        producer.join().unwrap();
        assert_eq!(Arc::strong_count(&item), 1);
    });
}

/// Two threads take, mutate and return objects of a 1-object pool: the object is never held by
/// both (loom would report the concurrent `with_mut`), and every write is seen by the next holder.
#[test]
fn pool_exclusive_ownership_and_handoff() {
    loom::model(|| {
        let pool = Arc::new(Pool::new(1, || 0usize).unwrap());
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            if let Some(mut g) = p2.get() {
                *g += 1;
            }
        });
        if let Some(mut g) = pool.get() {
            *g += 1;
        }
        t.join().unwrap();
        let g = pool.get().expect("the object came back");
        let m = pool.metrics();
        assert_eq!(m.in_use, 1);
        // Each successful get added one; misses are counted.
        assert_eq!(*g, m.hits - 1);
        assert_eq!(m.hits - 1 + m.misses, 2);
    });
}

/// The ABA window: with objects A (on top) and B, one thread reads `head = A, next = B` while
/// another pops A, pops B and pushes A back. Without the pop counter the stale CAS would succeed,
/// install B (still held) as the top, and hand B out twice; the tag must make it fail.
#[test]
fn pool_aba_pop_race() {
    loom::model(|| {
        let pool = Arc::new(Pool::new(2, || 0usize).unwrap());
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            let a = p2.get();
            let b = p2.get();
            drop(a);
            if let Some(mut b) = b {
                *b += 1;
            }
        });
        let mine = pool.get().map(|mut g| {
            *g += 1;
            g.index()
        });
        t.join().unwrap();
        let _ = mine;
        let m = pool.metrics();
        assert_eq!((m.in_use, m.idle), (0, 2));
        let a = pool.get().unwrap();
        let b = pool.get().unwrap();
        assert_ne!(a.index(), b.index());
        assert!(pool.get().is_none());
    });
}

/// A thread-owned local cache refilling and spilling in batches while another thread uses the
/// shared pool.
#[test]
fn pool_local_cache_against_shared_traffic() {
    loom::model(|| {
        let pool = Arc::new(Pool::new(2, || 0usize).unwrap().with_reset(|v| *v = 0));
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            let cache = p2.local_cache(2);
            if let Some(mut g) = cache.get() {
                *g = 7;
            }
        });
        if let Some(mut g) = pool.get() {
            assert_eq!(*g, 0, "returned objects are reset");
            *g = 9;
        }
        t.join().unwrap();
        let m = pool.metrics();
        assert_eq!((m.in_use, m.cached, m.idle), (0, 0, 2));
    });
}

/// Two threads share a one-buffer class and a two-buffer class: buffers are handed out
/// exclusively and all come back.
#[test]
fn buffer_pool_get_put_race() {
    loom::model(|| {
        let pool = Arc::new(
            BufferPool::new(
                16,
                &[
                    SizeClass { size: 16, count: 1 },
                    SizeClass { size: 32, count: 1 },
                ],
            )
            .unwrap(),
        );
        let p2 = pool.clone();
        let t = thread::spawn(move || p2.get(1).map(|b| b.id()));
        let mine = pool.get(1).map(|mut b| {
            b[0] = 1;
            b.id()
        });
        let theirs = t.join().unwrap();
        // Both must succeed (two buffers, each returned before the other thread might need it).
        assert!(mine.is_some() && theirs.is_some());
        let m = pool.metrics();
        assert_eq!((m.in_use, m.idle, m.misses), (0, 2, 0));
    });
}

/// A thread-owned buffer cache taking and returning batches while another thread uses the
/// shared pool: buffers stay exclusive and all come back when the cache drops.
#[test]
fn buffer_local_cache_against_shared_traffic() {
    loom::model(|| {
        let pool = Arc::new(BufferPool::new(16, &[SizeClass { size: 16, count: 2 }]).unwrap());
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            let cache = p2.local_cache(2);
            cache.get(1).map(|b| b.id())
        });
        let mine = pool.get(1).map(|b| b.id());
        let theirs = t.join().unwrap();
        assert!(mine.is_some() || theirs.is_some());
        let m = pool.metrics();
        assert_eq!((m.in_use, m.idle), (0, 2));
    });
}
