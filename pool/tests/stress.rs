//! Multi-thread stress tests with bounded iterations (smaller under miri).
#![cfg(not(loom))]

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;

use fasterapi_pool::buffer::{BufferPool, SizeClass};
use fasterapi_pool::object::Pool;
use fasterapi_pool::spsc;

const ITERS: usize = if cfg!(miri) { 200 } else { 200_000 };
const THREADS: usize = 4;

#[test]
fn spsc_transfers_every_item_in_order() {
    let (mut tx, mut rx) = spsc::channel::<usize>(16).unwrap();
    let producer = thread::spawn(move || {
        let mut i = 0;
        while i < ITERS {
            if i % 3 == 0 {
                // batch path: a chunk of up to 7
                let mut chunk = tx.write_chunk(7);
                while i < ITERS && chunk.push(i).is_ok() {
                    i += 1;
                }
            } else if i % 5 == 1 {
                // across the wrap point: an iterator, then a slice
                let n = tx.push_iter(i..(i + 9).min(ITERS));
                i += n;
                let src: Vec<usize> = (i..(i + 6).min(ITERS)).collect();
                i += tx.push_slice(&src);
                if n == 0 {
                    thread::yield_now();
                }
            } else if tx.push(i).is_ok() {
                i += 1;
            } else {
                thread::yield_now();
            }
        }
    });
    let mut expect = 0;
    while expect < ITERS {
        if expect % 2 == 0 {
            let mut chunk = rx.read_chunk(5);
            for (k, &v) in chunk.as_slice().iter().enumerate() {
                assert_eq!(v, expect + k);
            }
            let n = chunk.len();
            chunk.release(n);
            expect += n;
            if n == 0 {
                thread::yield_now();
            }
        } else if expect % 7 == 3 {
            let mut buf = [0usize; 6];
            let n = rx.pop_slice(&mut buf);
            for (k, &v) in buf[..n].iter().enumerate() {
                assert_eq!(v, expect + k);
            }
            expect += n;
            if n == 0 {
                thread::yield_now();
            }
        } else if let Some(v) = rx.pop() {
            assert_eq!(v, expect);
            expect += 1;
        } else {
            thread::yield_now();
        }
    }
    producer.join().unwrap();
    assert_eq!(rx.pop(), None);
}

#[test]
fn pool_never_lends_one_object_twice() {
    // Each object counts its holders; a double lend would see 1 on entry.
    let pool = Pool::new(3, || AtomicUsize::new(0)).unwrap();
    let barrier = Barrier::new(THREADS);
    let lent = AtomicUsize::new(0);
    thread::scope(|s| {
        for t in 0..THREADS {
            let (pool, barrier, lent) = (&pool, &barrier, &lent);
            s.spawn(move || {
                barrier.wait();
                let cache = (t % 2 == 0).then(|| pool.local_cache(2));
                for _ in 0..ITERS / THREADS {
                    let check = |holders: &AtomicUsize| {
                        assert_eq!(holders.fetch_add(1, Ordering::Relaxed), 0, "lent twice");
                        lent.fetch_add(1, Ordering::Relaxed);
                        holders.fetch_sub(1, Ordering::Relaxed);
                    };
                    match &cache {
                        Some(c) => {
                            if let Some(g) = c.get() {
                                check(&g);
                            }
                        }
                        None => {
                            if let Some(g) = pool.get() {
                                check(&g);
                            }
                        }
                    }
                }
            });
        }
    });
    let m = pool.metrics();
    assert_eq!((m.in_use, m.idle, m.cached), (0, 3, 0));
    assert_eq!(m.hits, lent.load(Ordering::Relaxed));
    assert_eq!(m.hits + m.misses, ITERS / THREADS * THREADS);
}

#[test]
fn buffer_pool_buffers_stay_exclusive() {
    let pool = BufferPool::new(
        64,
        &[
            SizeClass { size: 64, count: 2 },
            SizeClass {
                size: 128,
                count: 1,
            },
        ],
    )
    .unwrap();
    thread::scope(|s| {
        for t in 0..THREADS {
            let pool = &pool;
            s.spawn(move || {
                let tag = t as u8 + 1;
                let cache = (t % 2 == 1).then(|| pool.local_cache(1));
                for i in 0..ITERS / THREADS {
                    let check = |b: &mut [u8]| {
                        b.fill(tag);
                        thread::yield_now();
                        assert!(b.iter().all(|&x| x == tag), "buffer shared between threads");
                    };
                    match &cache {
                        Some(c) => {
                            if let Some(mut b) = c.get(1 + i % 100) {
                                check(&mut b);
                            }
                        }
                        None => {
                            if let Some(mut b) = pool.get(1 + i % 100) {
                                check(&mut b);
                            }
                        }
                    }
                }
            });
        }
    });
    let m = pool.metrics();
    assert_eq!((m.in_use, m.idle), (0, 3));
}
