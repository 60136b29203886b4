//! fasterapi-pool against crossbeam-queue (ArrayQueue, SegQueue), rtrb, disruptor and
//! lockfree-object-pool, same run, same workload.
//!
//! Queues: one producer thread and one consumer thread (1P1C), or two of each (2P2C), move
//! `MSGS` `u64`s per iteration in bursts of 1, 10 or 100 (a burst is pushed, then popped, as a
//! batch where the API has one). Pools: get + put on one thread (the fast path), and two threads
//! hammering one pool. This machine has 2 cores: 2P2C runs four threads on two cores, so it
//! measures contention plus scheduling, not parallel speed-up; waiting sides yield.

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use disruptor::Producer as _;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::{ArrayQueue, SegQueue};
use fasterapi_pool::buffer::{BufferPool, SizeClass};
use fasterapi_pool::object::Pool;
use fasterapi_pool::spsc;

const MSGS: u64 = 20_000;
const CAP: usize = 1024;
const BURSTS: [usize; 3] = [1, 10, 100];

/// Runs `iters` rounds of `MSGS` messages through a queue with `producers` and `consumers`
/// threads; returns the wall time. `make` builds per-thread closures.
fn run_threads<P, C>(producers: Vec<P>, consumers: Vec<C>) -> Duration
where
    P: FnOnce() + Send,
    C: FnOnce() + Send,
{
    let start = Instant::now();
    thread::scope(|s| {
        for c in consumers {
            s.spawn(c);
        }
        for p in producers {
            s.spawn(p);
        }
    });
    start.elapsed()
}

fn spsc_1p1c(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool/queue_1p1c");
    g.throughput(Throughput::Elements(MSGS));
    for burst in BURSTS {
        g.bench_function(BenchmarkId::new("fasterapi_spsc", burst), |b| {
            b.iter_custom(|iters| {
                let total = MSGS * iters;
                let (mut tx, mut rx) = spsc::channel::<u64>(CAP).unwrap();
                let producer = move || {
                    let mut i = 0;
                    while i < total {
                        let want = (burst as u64).min(total - i) as usize;
                        if burst == 1 {
                            if tx.push(i).is_ok() {
                                i += 1;
                            } else {
                                thread::yield_now();
                            }
                        } else {
                            // Like rtrb's `write_chunk_uninit` + `fill_from_iter` below.
                            let n = tx.push_iter(i..i + want as u64);
                            if n == 0 {
                                thread::yield_now();
                                continue;
                            }
                            i += n as u64;
                        }
                    }
                };
                let consumer = move || {
                    let mut got = 0;
                    let mut sum = 0u64;
                    while got < total {
                        if burst == 1 {
                            match rx.pop() {
                                Some(v) => {
                                    sum += v;
                                    got += 1;
                                }
                                None => thread::yield_now(),
                            }
                        } else {
                            let mut chunk = rx.read_chunk(burst);
                            let n = chunk.len();
                            if n == 0 {
                                thread::yield_now();
                                continue;
                            }
                            sum += chunk.as_slice().iter().sum::<u64>();
                            chunk.release(n);
                            got += n as u64;
                        }
                    }
                    black_box(sum);
                };
                run_threads(vec![producer], vec![consumer])
            })
        });
        g.bench_function(BenchmarkId::new("rtrb", burst), |b| {
            b.iter_custom(|iters| {
                let total = MSGS * iters;
                let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
                let producer = move || {
                    let mut i = 0;
                    while i < total {
                        if burst == 1 {
                            if tx.push(i).is_ok() {
                                i += 1;
                            } else {
                                thread::yield_now();
                            }
                        } else {
                            let n = (burst as u64).min(total - i).min(tx.slots() as u64) as usize;
                            if n == 0 {
                                thread::yield_now();
                                continue;
                            }
                            let chunk = tx.write_chunk_uninit(n).unwrap();
                            i += chunk.fill_from_iter(i..) as u64;
                        }
                    }
                };
                let consumer = move || {
                    let mut got = 0;
                    let mut sum = 0u64;
                    while got < total {
                        if burst == 1 {
                            match rx.pop() {
                                Ok(v) => {
                                    sum += v;
                                    got += 1;
                                }
                                Err(_) => thread::yield_now(),
                            }
                        } else {
                            let n = burst.min(rx.slots());
                            if n == 0 {
                                thread::yield_now();
                                continue;
                            }
                            let chunk = rx.read_chunk(n).unwrap();
                            let (a, b) = chunk.as_slices();
                            sum += a.iter().sum::<u64>() + b.iter().sum::<u64>();
                            chunk.commit_all();
                            got += n as u64;
                        }
                    }
                    black_box(sum);
                };
                run_threads(vec![producer], vec![consumer])
            })
        });
        g.bench_function(BenchmarkId::new("crossbeam_array_queue", burst), |b| {
            b.iter_custom(|iters| {
                let q = ArrayQueue::new(CAP);
                mpmc_run(
                    &q,
                    1,
                    1,
                    MSGS * iters,
                    burst,
                    |q, v| q.push(v).is_ok(),
                    ArrayQueue::pop,
                )
            })
        });
        g.bench_function(BenchmarkId::new("crossbeam_seg_queue", burst), |b| {
            b.iter_custom(|iters| {
                let q = SegQueue::new();
                let push = |q: &SegQueue<u64>, v| {
                    // Keep SegQueue bounded like the others so the comparison is fair.
                    if q.len() >= CAP {
                        return false;
                    }
                    q.push(v);
                    true
                };
                mpmc_run(&q, 1, 1, MSGS * iters, burst, push, SegQueue::pop)
            })
        });
        g.bench_function(BenchmarkId::new("disruptor", burst), |b| {
            b.iter_custom(|iters| {
                let total = MSGS * iters;
                let seen = Arc::new(AtomicU64::new(0));
                let seen2 = Arc::clone(&seen);
                let start = Instant::now();
                {
                    let processor = move |e: &Slot, _seq: i64, end: bool| {
                        black_box(e.0);
                        // Count per event, publish the count at batch ends only.
                        COUNT.with(|c| {
                            let n = c.get() + 1;
                            c.set(n);
                            if end {
                                seen2.store(n, Ordering::Release);
                            }
                        });
                    };
                    let mut producer = disruptor::build_single_producer(
                        CAP,
                        || Slot(0),
                        disruptor::BusySpinWithSpinLoopHint,
                    )
                    .handle_events_with(processor)
                    .build();
                    let mut i = 0;
                    while i < total {
                        let n = (burst as u64).min(total - i);
                        if n == 1 {
                            producer.publish(|e| e.0 = i);
                        } else {
                            producer.batch_publish(n as usize, |it| {
                                for (k, e) in it.enumerate() {
                                    e.0 = i + k as u64;
                                }
                            });
                        }
                        i += n;
                    }
                    while seen.load(Ordering::Acquire) < total {
                        thread::yield_now();
                    }
                } // dropping the producer stops and joins the processor thread
                start.elapsed()
            })
        });
    }
    g.finish();
}

/// The ring's own cost without the scheduler: one thread pushes a burst, then pops it. On a
/// busy 2-core machine the 1P1C numbers are dominated by who gets a core; these are not.
///
/// Three like-for-like pairs per burst size:
/// * `fasterapi_spsc` / `rtrb`: the burst APIs fed by the same iterator
///   (`(0..burst).map(black_box)`): ours `push_iter` + `read_chunk`, rtrb `write_chunk_uninit` +
///   `fill_from_iter` + `read_chunk`; both span the wrap point in one call;
/// * `*_per_item`: `burst` single `push`es, then `burst` single `pop`s;
/// * `*_slice` (`Copy` items): ours `push_slice`/`pop_slice`, rtrb
///   `push_partial_slice`/`pop_partial_slice` (both `memcpy`).
///
/// `fasterapi_spsc_write_chunk` is the zero-copy `WriteChunk` path (a chunk stops at the end of
/// the slot array, so a burst that crosses it takes two chunks) for reference.
fn spsc_same_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool/spsc_same_thread");
    for burst in BURSTS {
        g.throughput(Throughput::Elements(burst as u64));
        let (mut tx, mut rx) = spsc::channel::<u64>(CAP).unwrap();
        g.bench_function(BenchmarkId::new("fasterapi_spsc", burst), |b| {
            b.iter(|| {
                if burst == 1 {
                    tx.push(black_box(7)).unwrap();
                    black_box(rx.pop().unwrap());
                } else {
                    let n = tx.push_iter((0..burst as u64).map(black_box));
                    assert_eq!(n, burst);
                    // A read chunk stops at the end of the slot array: a burst takes one or two.
                    let mut got = 0;
                    while got < burst {
                        let mut r = rx.read_chunk(burst - got);
                        black_box(r.as_slice().iter().sum::<u64>());
                        got += r.len();
                        r.release(burst);
                    }
                }
            })
        });
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
        g.bench_function(BenchmarkId::new("rtrb", burst), |b| {
            b.iter(|| {
                if burst == 1 {
                    tx.push(black_box(7)).unwrap();
                    black_box(rx.pop().unwrap());
                } else {
                    let w = tx.write_chunk_uninit(burst).unwrap();
                    let n = w.fill_from_iter((0..burst as u64).map(black_box));
                    assert_eq!(n, burst);
                    let r = rx.read_chunk(burst).unwrap();
                    let (x, y) = r.as_slices();
                    black_box(x.iter().sum::<u64>() + y.iter().sum::<u64>());
                    r.commit_all();
                }
            })
        });
        if burst > 1 {
            let (mut tx, mut rx) = spsc::channel::<u64>(CAP).unwrap();
            g.bench_function(BenchmarkId::new("fasterapi_spsc_write_chunk", burst), |b| {
                b.iter(|| {
                    let mut i = 0;
                    while i < burst as u64 {
                        let mut w = tx.write_chunk(burst - i as usize);
                        i += w.fill_from_iter((i..burst as u64).map(black_box)) as u64;
                    }
                    let mut got = 0;
                    while got < burst {
                        let mut r = rx.read_chunk(burst - got);
                        black_box(r.as_slice().iter().sum::<u64>());
                        got += r.len();
                        r.release(burst);
                    }
                })
            });
            let (mut tx, mut rx) = spsc::channel::<u64>(CAP).unwrap();
            g.bench_function(BenchmarkId::new("fasterapi_spsc_per_item", burst), |b| {
                b.iter(|| {
                    for i in 0..burst as u64 {
                        tx.push(black_box(i)).unwrap();
                    }
                    for _ in 0..burst {
                        black_box(rx.pop().unwrap());
                    }
                })
            });
            let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
            g.bench_function(BenchmarkId::new("rtrb_per_item", burst), |b| {
                b.iter(|| {
                    for i in 0..burst as u64 {
                        tx.push(black_box(i)).unwrap();
                    }
                    for _ in 0..burst {
                        black_box(rx.pop().unwrap());
                    }
                })
            });
            let src: Vec<u64> = (0..burst as u64).collect();
            let mut dst = vec![0u64; burst];
            let (mut tx, mut rx) = spsc::channel::<u64>(CAP).unwrap();
            g.bench_function(BenchmarkId::new("fasterapi_spsc_slice", burst), |b| {
                b.iter(|| {
                    assert_eq!(tx.push_slice(black_box(&src)), burst);
                    assert_eq!(rx.pop_slice(black_box(&mut dst)), burst);
                    black_box(&dst);
                })
            });
            let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
            g.bench_function(BenchmarkId::new("rtrb_slice", burst), |b| {
                b.iter(|| {
                    assert!(tx.push_partial_slice(black_box(&src)).1.is_empty());
                    assert!(rx.pop_partial_slice(black_box(&mut dst)).1.is_empty());
                    black_box(&dst);
                })
            });
        }
        let q = ArrayQueue::new(CAP);
        g.bench_function(BenchmarkId::new("crossbeam_array_queue", burst), |b| {
            b.iter(|| {
                for i in 0..burst as u64 {
                    q.push(black_box(i)).unwrap();
                }
                for _ in 0..burst {
                    black_box(q.pop().unwrap());
                }
            })
        });
    }
    g.finish();
}

thread_local! {
    static COUNT: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

struct Slot(u64);

/// Moves `total` messages through a shared queue with `np` producers and `nc` consumers, in
/// bursts of `burst` pushes then `burst` pops; waiting sides yield.
fn mpmc_run<Q: Sync>(
    q: &Q,
    np: u64,
    nc: u64,
    total: u64,
    burst: usize,
    push: impl Fn(&Q, u64) -> bool + Send + Sync + Copy,
    pop: impl Fn(&Q) -> Option<u64> + Send + Sync + Copy,
) -> Duration {
    let per_producer = total / np;
    let total = per_producer * np;
    let consumed = AtomicU64::new(0);
    let consumed = &consumed;
    let producers: Vec<_> = (0..np)
        .map(|_| {
            move || {
                let mut i = 0;
                while i < per_producer {
                    let end = (i + burst as u64).min(per_producer);
                    while i < end {
                        if push(q, i) {
                            i += 1;
                        } else {
                            thread::yield_now();
                        }
                    }
                }
            }
        })
        .collect();
    let consumers: Vec<_> = (0..nc)
        .map(|_| {
            move || {
                let mut sum = 0u64;
                loop {
                    let mut n = 0;
                    while n < burst {
                        match pop(q) {
                            Some(v) => {
                                sum += v;
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    let done = consumed.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                    if done >= total {
                        break;
                    }
                    if n == 0 {
                        thread::yield_now();
                    }
                }
                black_box(sum);
            }
        })
        .collect();
    run_threads(producers, consumers)
}

fn mpmc_2p2c(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool/queue_2p2c");
    g.throughput(Throughput::Elements(MSGS));
    for burst in BURSTS {
        // fasterapi-pool's MPMC queue *is* crossbeam's ArrayQueue (re-exported): no separate row.
        g.bench_function(BenchmarkId::new("crossbeam_array_queue", burst), |b| {
            b.iter_custom(|iters| {
                let q = ArrayQueue::new(CAP);
                mpmc_run(
                    &q,
                    2,
                    2,
                    MSGS * iters,
                    burst,
                    |q, v| q.push(v).is_ok(),
                    ArrayQueue::pop,
                )
            })
        });
        g.bench_function(BenchmarkId::new("crossbeam_seg_queue", burst), |b| {
            b.iter_custom(|iters| {
                let q = SegQueue::new();
                let push = |q: &SegQueue<u64>, v| {
                    if q.len() >= CAP {
                        return false;
                    }
                    q.push(v);
                    true
                };
                mpmc_run(&q, 2, 2, MSGS * iters, burst, push, SegQueue::pop)
            })
        });
    }
    g.finish();
}

type Obj = Vec<u8>;

fn new_obj() -> Obj {
    Vec::with_capacity(256)
}

fn object_pool(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool/object_get_put");
    g.throughput(Throughput::Elements(1));
    let ours = Pool::new(64, new_obj).unwrap().with_reset(Vec::clear);
    g.bench_function("fasterapi_pool_shared", |b| {
        b.iter(|| {
            let mut o = ours.get().unwrap();
            o.push(1);
            black_box(&o);
        })
    });
    let cache = ours.local_cache(16);
    g.bench_function("fasterapi_pool_local_cache", |b| {
        b.iter(|| {
            let mut o = cache.get().unwrap();
            o.push(1);
            black_box(&o);
        })
    });
    drop(cache);
    let linear = lockfree_object_pool::LinearObjectPool::new(new_obj, Vec::clear);
    g.bench_function("lockfree_object_pool_linear", |b| {
        b.iter(|| {
            let mut o = linear.pull();
            o.push(1);
            black_box(&o);
        })
    });
    let spin = lockfree_object_pool::SpinLockObjectPool::new(new_obj, Vec::clear);
    g.bench_function("lockfree_object_pool_spinlock", |b| {
        b.iter(|| {
            let mut o = spin.pull();
            o.push(1);
            black_box(&o);
        })
    });
    g.finish();

    // Two threads on one pool: total wall time per get+put pair across both threads.
    let mut g = c.benchmark_group("pool/object_get_put_2threads");
    const OPS: u64 = 10_000;
    g.throughput(Throughput::Elements(2 * OPS));
    g.bench_function("fasterapi_pool_shared", |b| {
        b.iter_custom(|iters| {
            two_threads(iters * OPS, || {
                let mut o = ours.get().unwrap();
                o.push(1);
                black_box(&o);
            })
        })
    });
    g.bench_function("fasterapi_pool_local_cache", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        let cache = ours.local_cache(16);
                        for _ in 0..iters * OPS {
                            let mut o = cache.get().unwrap();
                            o.push(1);
                            black_box(&o);
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    g.bench_function("lockfree_object_pool_linear", |b| {
        b.iter_custom(|iters| {
            two_threads(iters * OPS, || {
                let mut o = linear.pull();
                o.push(1);
                black_box(&o);
            })
        })
    });
    g.finish();
}

fn two_threads(n: u64, op: impl Fn() + Sync) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..n {
                    op();
                }
            });
        }
    });
    start.elapsed()
}

fn buffer_pool(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool/buffer_get_put");
    g.throughput(Throughput::Elements(1));
    let ours = BufferPool::with_classes(&[
        SizeClass {
            size: 4096,
            count: 64,
        },
        SizeClass {
            size: 16384,
            count: 16,
        },
        SizeClass {
            size: 65536,
            count: 4,
        },
    ])
    .unwrap();
    g.bench_function("fasterapi_buffer_pool", |b| {
        b.iter(|| {
            let mut buf = ours.get(black_box(1500)).unwrap();
            buf[0] = 1;
            black_box(&buf);
        })
    });
    let cache = ours.local_cache(16);
    g.bench_function("fasterapi_buffer_pool_local_cache", |b| {
        b.iter(|| {
            let mut buf = cache.get(black_box(1500)).unwrap();
            buf[0] = 1;
            black_box(&buf);
        })
    });
    drop(cache);
    // quiche-style: a queue of boxed buffers.
    let q = ArrayQueue::new(64);
    for _ in 0..64 {
        q.push(vec![0u8; 4096].into_boxed_slice()).unwrap();
    }
    g.bench_function("crossbeam_array_queue_of_boxes", |b| {
        b.iter(|| {
            let mut buf = q.pop().unwrap();
            buf[0] = 1;
            black_box(&buf);
            q.push(buf).unwrap();
        })
    });
    let linear = lockfree_object_pool::LinearObjectPool::new(|| vec![0u8; 4096], |_| {});
    g.bench_function("lockfree_object_pool_linear_4k", |b| {
        b.iter(|| {
            let mut buf = linear.pull();
            buf[0] = 1;
            black_box(&buf);
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = spsc_same_thread, spsc_1p1c, mpmc_2p2c, object_pool, buffer_pool
}
criterion_main!(benches);
