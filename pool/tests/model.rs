//! proptest: random operation sequences against sequential models (a `VecDeque` for the ring, a
//! free-set for the pools).
#![cfg(not(loom))]

extern crate alloc;

use alloc::collections::{BTreeSet, VecDeque};

use fasterapi_pool::buffer::{BufferPool, SizeClass};
use fasterapi_pool::object::Pool;
use fasterapi_pool::spsc;
use proptest::prelude::*;

const MAX_OPS: usize = if cfg!(miri) { 16 } else { 64 };

#[derive(Debug, Clone)]
enum RingOp {
    Push(u16),
    Pop,
    PushSlice(Vec<u16>),
    /// `push_iter` with an exact size hint (`false`) or a lower hint of 0 (`true`).
    PushIter(Vec<u16>, bool),
    PopSlice(usize),
    ReadRelease(usize, usize),
}

fn ring_op() -> impl Strategy<Value = RingOp> {
    prop_oneof![
        any::<u16>().prop_map(RingOp::Push),
        Just(RingOp::Pop),
        proptest::collection::vec(any::<u16>(), 0..12).prop_map(RingOp::PushSlice),
        (
            proptest::collection::vec(any::<u16>(), 0..12),
            any::<bool>()
        )
            .prop_map(|(v, f)| RingOp::PushIter(v, f)),
        (0usize..12).prop_map(RingOp::PopSlice),
        (0usize..12, 0usize..12).prop_map(|(a, b)| RingOp::ReadRelease(a, b)),
    ]
}

#[derive(Debug, Clone)]
enum PoolOp {
    Get,
    Put(usize),
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    prop_oneof![Just(PoolOp::Get), (0usize..16).prop_map(PoolOp::Put)]
}

proptest! {
    // Under miri every case costs seconds: a couple of short cases still run every code path.
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { 256 }))]

    #[test]
    fn ring_matches_vecdeque(cap in 1usize..10, ops in proptest::collection::vec(ring_op(), 0..MAX_OPS)) {
        let (mut tx, mut rx) = spsc::channel::<u16>(cap).unwrap();
        let cap = tx.capacity();
        let mut model = VecDeque::new();
        for op in ops {
            match op {
                RingOp::Push(v) => {
                    let r = tx.push(v);
                    if model.len() < cap { prop_assert!(r.is_ok()); model.push_back(v); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                RingOp::Pop => prop_assert_eq!(rx.pop(), model.pop_front()),
                RingOp::PushSlice(vs) => {
                    let n = tx.push_slice(&vs);
                    prop_assert_eq!(n, vs.len().min(cap - model.len()));
                    model.extend(&vs[..n]);
                }
                RingOp::PushIter(vs, unsized_hint) => {
                    let n = if unsized_hint {
                        tx.push_iter(vs.iter().copied().filter(|_| true))
                    } else {
                        tx.push_iter(vs.iter().copied())
                    };
                    let room = vs.len().min(cap - model.len());
                    if unsized_hint {
                        // May stop early at a stale view of the consumer, never overfill.
                        prop_assert!(n <= room);
                        // Reloads the consumer's index when the cache shows no free slot.
                        prop_assert!(n > 0 || room == 0);
                    } else {
                        prop_assert_eq!(n, room);
                    }
                    model.extend(&vs[..n]);
                }
                RingOp::PopSlice(k) => {
                    let mut dst = vec![0u16; k];
                    let n = rx.pop_slice(&mut dst);
                    prop_assert_eq!(n, k.min(model.len()));
                    let want: Vec<u16> = model.drain(..n).collect();
                    prop_assert_eq!(&dst[..n], &want[..]);
                }
                RingOp::ReadRelease(max, rel) => {
                    let mut chunk = rx.read_chunk(max);
                    prop_assert!(chunk.len() <= max.min(model.len()));
                    let seen: Vec<u16> = chunk.as_slice().to_vec();
                    let want: Vec<u16> = model.iter().take(seen.len()).copied().collect();
                    prop_assert_eq!(&seen, &want);
                    let r = rel.min(chunk.len());
                    chunk.release(rel);
                    model.drain(..r);
                }
            }
            prop_assert_eq!(rx.available(), model.len());
            prop_assert_eq!(tx.free(), cap - model.len());
        }
    }

    #[test]
    fn pool_matches_free_set(cap in 1usize..6, ops in proptest::collection::vec(pool_op(), 0..MAX_OPS)) {
        let pool = Pool::new(cap, || 0u32).unwrap().with_reset(|v| *v = 0);
        let mut held = Vec::new();
        let mut free: BTreeSet<usize> = (0..cap).collect();
        let (mut hits, mut misses) = (0, 0);
        for op in ops {
            match op {
                PoolOp::Get => match pool.get() {
                    Some(mut g) => {
                        prop_assert!(free.remove(&g.index()), "lent a slot that was not free");
                        prop_assert_eq!(*g, 0, "not reset");
                        *g = 1 + g.index() as u32;
                        hits += 1;
                        held.push(g);
                    }
                    None => { prop_assert!(free.is_empty()); misses += 1; }
                },
                PoolOp::Put(i) => {
                    if !held.is_empty() {
                        let g = held.swap_remove(i % held.len());
                        prop_assert_eq!(*g, 1 + g.index() as u32);
                        free.insert(g.index());
                    }
                }
            }
            let m = pool.metrics();
            prop_assert_eq!((m.idle, m.in_use, m.hits, m.misses), (free.len(), held.len(), hits, misses));
        }
    }

    #[test]
    fn buffer_pool_matches_free_sets(
        counts in proptest::collection::vec(1usize..4, 1..4),
        ops in proptest::collection::vec((0usize..300, any::<bool>()), 0..MAX_OPS),
    ) {
        let classes: Vec<SizeClass> =
            counts.iter().enumerate().map(|(i, &count)| SizeClass { size: 64 << i, count }).collect();
        let pool = BufferPool::new(64, &classes).unwrap();
        let mut free: Vec<usize> = counts.clone();
        let mut held = Vec::new();
        for (len, put) in ops {
            if put && !held.is_empty() {
                let b: fasterapi_pool::Buffer<'_> = held.remove(len % held.len());
                free[b.class()] += 1;
                continue;
            }
            let fit = (0..counts.len()).find(|&c| (64usize << c) >= len);
            let expect = fit.and_then(|f| (f..counts.len()).find(|&c| free[c] > 0));
            match pool.get(len) {
                Some(b) => {
                    prop_assert_eq!(Some(b.class()), expect);
                    prop_assert!(b.len() >= len);
                    free[b.class()] -= 1;
                    held.push(b);
                }
                None => prop_assert_eq!(expect, None),
            }
            prop_assert_eq!(pool.metrics().in_use, held.len());
        }
    }
}
