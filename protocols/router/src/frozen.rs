//! [`FrozenRouter`]: a [`Router`] compiled into flat arrays for the hot path.
//!
//! The same tree and the same depth-first search, laid out for lookups:
//!
//! - each path segment is found with word-at-a-time loads (8 bytes, SWAR search for `/`), and its
//!   first 8 bytes become the key `head`;
//! - a node's static children are entries holding the first and last 8 bytes and the length, so a
//!   segment of up to 16 bytes is compared with three integer compares (longer ones compare the
//!   middle too); up to `LINEAR_MAX` (4) children are compared in order, more sit in a hash table
//!   keyed by `(head, last, length)`, hashed with one multiply by a per-node seed chosen at freeze
//!   time so the table has no collisions when one can be found (linear probing otherwise);
//! - each child node is stored inline in its parent's entry, so stepping down costs no extra load;
//! - nothing is recorded for parameters (see [`Params`]), and the search recurses only at nodes
//!   where a static match could still fail over to a parameter or catch-all; elsewhere it loops.
//!
//! Measured on the GitHub benchmark (`examples/lookup_timing.rs`): linear compares win when the
//! same paths repeat in the same order (the branch predictor learns them), hashing wins on
//! shuffled traffic; 4 is where neither loses much. Comparing bytes inline instead of calling
//! `memcmp` made the tree form 13 times faster.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::bytes;
use crate::error::MatchError;
use crate::params::Params;
use crate::tree::{Match, NONE, RouteInfo, Router};

/// A node, flattened.
#[derive(Clone, Copy, Debug)]
struct FNode {
    /// Multiplier of the static table's hash.
    seed: u64,
    /// What the node has: `LINEAR_STATICS`, `HASHED_STATICS`, `WILD`, `ONE_PLAIN` bits.
    kind: u32,
    /// The number of static children.
    statics: u32,
    /// The static children: with `mask == LINEAR`, `entries[table..table + statics]`, searched
    /// in order; otherwise the hash table `slots[table..table + mask + 1]` of entry indices.
    table: u32,
    mask: u32,
    /// The parameter children: `params[params..params + params_len]`, in priority order.
    params: u32,
    params_len: u32,
    /// The route whose catch-all starts at the next segment, or `NONE`.
    catch_all: u32,
    /// The route that ends here, or `NONE`.
    leaf: u32,
}

/// A static child.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// The first `min(len, 8)` bytes, little-endian, zero-padded.
    head: u64,
    /// The last 8 bytes when `len > 8`.
    last: u64,
    len: u32,
    /// Bytes `8..len - 8` in `pool`, when `len > 16`.
    mid: u32,
    /// The child itself, inline: the next step of a walk needs no other load.
    node: FNode,
}

/// A parameter child.
#[derive(Clone, Copy, Debug)]
struct FParam {
    /// `prefix` and `suffix` lengths; `pool[text..]` holds the prefix then the suffix.
    prefix_len: u32,
    suffix_len: u32,
    text: u32,
    /// The child itself, inline.
    node: FNode,
}

/// A [`Router`] compiled for lookups: same answers, faster, read-only (values aside).
///
/// ```
/// use fasterapi_router::Router;
///
/// let mut router = Router::new();
/// router.insert("/repos/{owner}/{repo}/pulls/{number}", 1)?;
/// router.insert("/repos/{owner}/{repo}/{*rest}", 2)?;
/// let router = router.freeze();
///
/// let m = router.at("/repos/rust-lang/rust/pulls/1")?;
/// assert_eq!(*m.value, 1);
/// assert_eq!(m.params.iter().collect::<Vec<_>>(),
///            [("owner", "rust-lang"), ("repo", "rust"), ("number", "1")]);
/// assert_eq!(router.at("/repos/a/b/pulls")?.params.get("rest"), Some("pulls"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FrozenRouter<T> {
    /// The root; every other node is inline in its parent's entry or parameter.
    root: FNode,
    /// Static hash tables of every node: indices into `entries`, `NONE` for empty.
    slots: Box<[u32]>,
    entries: Box<[Entry]>,
    params: Box<[FParam]>,
    pool: Box<[u8]>,
    routes: Box<[RouteInfo]>,
    values: Box<[T]>,
}

impl<T: fmt::Debug> fmt::Debug for FrozenRouter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.routes
                    .iter()
                    .map(|r| &r.pattern)
                    .zip(self.values.iter()),
            )
            .finish()
    }
}

const SLASHES: u64 = u64::from_ne_bytes([b'/'; 8]);
const LO: u64 = u64::from_ne_bytes([0x01; 8]);
const HI: u64 = u64::from_ne_bytes([0x80; 8]);

/// 8 bytes of `path` from `at`, little-endian. `at + 8 <= path.len()`.
#[inline(always)]
fn load(path: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes::word(path, at))
}

/// The index of the first `/` byte in `w` (little-endian), or 8.
#[inline(always)]
fn find_slash(w: u64) -> usize {
    let x = w ^ SLASHES;
    // The lowest set bit marks the first zero byte of `x` exactly (borrows only run upwards).
    ((x.wrapping_sub(LO) & !x & HI).trailing_zeros() / 8) as usize
}

/// The low `n` bytes of `w`, `n < 8`.
#[inline(always)]
fn low_bytes(w: u64, n: usize) -> u64 {
    w & ((1u64 << (8 * n)) - 1)
}

/// The bytes `path[pos..]` when fewer than 8 remain, little-endian, zero-padded.
#[inline(always)]
fn load_tail(path: &[u8], pos: usize) -> u64 {
    let n = path.len() - pos;
    if n == 0 {
        0
    } else if path.len() >= 8 {
        load(path, path.len() - 8) >> (8 * (8 - n))
    } else {
        path[pos..]
            .iter()
            .rev()
            .fold(0, |w, &b| (w << 8) | u64::from(b))
    }
}

/// The end of the segment that starts at `pos` (the next `/`, or the end of the path) and its
/// first `min(len, 8)` bytes.
#[inline(always)]
fn scan(path: &[u8], pos: usize) -> (usize, u64) {
    let len = path.len();
    if pos + 8 > len {
        let w = load_tail(path, pos);
        let i = find_slash(w).min(len - pos);
        return (pos + i, low_bytes(w, i.min(7)));
    }
    let head = load(path, pos);
    let i = find_slash(head);
    if i < 8 {
        return (pos + i, low_bytes(head, i));
    }
    let mut p = pos + 8;
    loop {
        if p + 8 > len {
            let i = find_slash(load_tail(path, p)).min(len - p);
            return (p + i, head);
        }
        let i = find_slash(load(path, p));
        if i < 8 {
            return (p + i, head);
        }
        p += 8;
    }
}

/// The hash of a static key: its head, its length and, past 8 bytes, its last 8 bytes.
#[inline(always)]
fn hash(head: u64, last: u64, len: usize, seed: u64) -> u32 {
    let x = head ^ last.rotate_left(31) ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (x.wrapping_mul(seed) >> 32) as u32
}

fn head_of(text: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = text.len().min(8);
    w[..n].copy_from_slice(&text[..n]);
    u64::from_le_bytes(w)
}

fn last_of(text: &[u8]) -> u64 {
    if text.len() > 8 {
        load(text, text.len() - 8)
    } else {
        0
    }
}

/// Odd multipliers for the static tables, tried in order (splitmix64 from a fixed start).
fn seeds() -> impl Iterator<Item = u64> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    core::iter::from_fn(move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Some((z ^ (z >> 31)) | 1)
    })
}

/// An entry for the static child `text` (its node filled in later), its middle bytes in `pool`.
fn entry(text: &[u8], pool: &mut Vec<u8>) -> Entry {
    let mid = pool.len() as u32;
    if text.len() > 16 {
        pool.extend_from_slice(&text[8..text.len() - 8]);
    }
    Entry {
        head: head_of(text),
        last: last_of(text),
        len: text.len() as u32,
        mid,
        node: EMPTY,
    }
}

/// A placeholder node, replaced before the table is used.
const EMPTY: FNode = FNode {
    seed: 0,
    kind: 0,
    statics: 0,
    table: 0,
    mask: LINEAR,
    params: 0,
    params_len: 0,
    catch_all: NONE,
    leaf: NONE,
};

/// Nodes with at most this many static children compare them in order instead of hashing (see the
/// module docs for the measurement behind 4).
const LINEAR_MAX: usize = 4;

/// `FNode::mask` of a node whose static children are compared in order.
const LINEAR: u32 = u32::MAX;

/// `FNode::kind`: static children, compared in order.
const LINEAR_STATICS: u32 = 1;
/// `FNode::kind`: static children, in a hash table.
const HASHED_STATICS: u32 = 2;
/// `FNode::kind`: parameter or catch-all children, to fall back to.
const WILD: u32 = 4;
/// `FNode::kind`: exactly one parameter child, with no static text around it, and no catch-all.
const ONE_PLAIN: u32 = 8;

/// Seeds tried per table size before the next size.
const SEED_TRIES: usize = 64;

impl<T> FrozenRouter<T> {
    pub(crate) fn new(router: Router<T>) -> Self {
        // Pass 1: lay out every node's tables, children referred to by tree index.
        let mut nodes = Vec::with_capacity(router.nodes.len());
        let mut slots = Vec::new();
        let mut entries = Vec::new();
        let mut entry_child = Vec::new();
        let mut params = Vec::new();
        let mut param_child = Vec::new();
        let mut pool = Vec::new();
        for node in &router.nodes {
            let (seed, table, mask) = if node.statics.len() <= LINEAR_MAX {
                let first = entries.len() as u32;
                for (text, child) in &node.statics {
                    entries.push(entry(text, &mut pool));
                    entry_child.push(*child as usize);
                }
                (0, first, LINEAR)
            } else {
                let first = entries.len();
                for (text, child) in &node.statics {
                    entries.push(entry(text, &mut pool));
                    entry_child.push(*child as usize);
                }
                let (seed, table) = build_table(&entries[first..], first as u32);
                let at = slots.len() as u32;
                let mask = table.len() as u32 - 1;
                slots.extend(table);
                (seed, at, mask)
            };
            let first_param = params.len() as u32;
            for (shape, child) in &node.params {
                params.push(FParam {
                    prefix_len: shape.prefix.len() as u32,
                    suffix_len: shape.suffix.len() as u32,
                    text: pool.len() as u32,
                    node: EMPTY,
                });
                param_child.push(*child as usize);
                pool.extend_from_slice(&shape.prefix);
                pool.extend_from_slice(&shape.suffix);
            }
            let wild = !node.params.is_empty() || node.catch_all.is_some();
            let one_plain = node.catch_all.is_none()
                && matches!(&node.params[..], [(shape, _)] if shape.prefix.is_empty() && shape.suffix.is_empty());
            let kind = match (node.statics.len(), mask) {
                (0, _) => 0,
                (_, LINEAR) => LINEAR_STATICS,
                _ => HASHED_STATICS,
            } | if wild { WILD } else { 0 }
                | if one_plain { ONE_PLAIN } else { 0 };
            nodes.push(FNode {
                seed,
                kind,
                statics: node.statics.len() as u32,
                table,
                mask,
                params: first_param,
                params_len: node.params.len() as u32,
                catch_all: node.catch_all.unwrap_or(NONE),
                leaf: node.leaf.unwrap_or(NONE),
            });
        }
        // Pass 2: put each child inline where its parent refers to it.
        for (e, &child) in entries.iter_mut().zip(&entry_child) {
            e.node = nodes[child];
        }
        for (p, &child) in params.iter_mut().zip(&param_child) {
            p.node = nodes[child];
        }
        FrozenRouter {
            root: nodes[0],
            slots: slots.into(),
            entries: entries.into(),
            params: params.into(),
            pool: pool.into(),
            routes: router.routes.into(),
            values: router.values.into(),
        }
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The routes as written, with their values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.routes
            .iter()
            .map(|r| &*r.pattern)
            .zip(self.values.iter())
    }

    /// Looks `path` up; the same answer as [`Router::at`] on the table it was frozen from.
    #[inline]
    pub fn at<'r, 'p>(&'r self, path: &'p str) -> Result<Match<'r, 'p, T>, MatchError> {
        let r = self.find(path.as_bytes());
        if r == NONE {
            return Err(MatchError::NotFound);
        }
        let info = &self.routes[r as usize];
        Ok(Match {
            value: &self.values[r as usize],
            params: Params::new(path, &info.names, &info.at),
            route: &info.pattern,
        })
    }

    /// Mutable access to the value of the route that matches `path`.
    pub fn at_mut(&mut self, path: &str) -> Result<&mut T, MatchError> {
        match self.find(path.as_bytes()) {
            NONE => Err(MatchError::NotFound),
            r => Ok(&mut self.values[r as usize]),
        }
    }

    #[inline]
    fn find(&self, path: &[u8]) -> u32 {
        if path.first() != Some(&b'/') {
            return NONE;
        }
        self.walk(&self.root, path, 1)
    }

    /// The static child of `node` equal to `path[pos..end]` (whose head is `head`).
    #[inline(always)]
    fn lookup(
        &self,
        node: &FNode,
        path: &[u8],
        pos: usize,
        end: usize,
        head: u64,
    ) -> Option<&FNode> {
        let len = end - pos;
        let last = if len > 8 { load(path, end - 8) } else { 0 };
        let hit = |e: &'_ Entry| {
            e.head == head
                && e.len as usize == len
                && e.last == last
                && (len <= 16 || {
                    let mid = e.mid as usize;
                    bytes::eq(&self.pool[mid..mid + len - 16], &path[pos + 8..end - 8])
                })
        };
        if node.kind & LINEAR_STATICS != 0 {
            // Few children: compare them in order (no hashing; the branch predictor learns).
            let first = node.table as usize;
            return self.entries[first..first + node.statics as usize]
                .iter()
                .find(|e| hit(e))
                .map(|e| &e.node);
        }
        let mut i = hash(head, last, len, node.seed) & node.mask;
        loop {
            let e = self.slots[(node.table + i) as usize];
            if e == NONE {
                return None;
            }
            let e = &self.entries[e as usize];
            if hit(e) {
                return Some(&e.node);
            }
            i = (i + 1) & node.mask;
        }
    }

    /// The depth-first search of [`Router`]'s `walk`: loops down the tree while each node offers
    /// one way on; where a static match could still fail over to a parameter or catch-all, it
    /// recurses (out of line) for the static branch.
    #[inline(always)]
    fn walk<'a>(&'a self, mut node: &'a FNode, path: &[u8], mut pos: usize) -> u32 {
        loop {
            let (end, head) = scan(path, pos);
            let at_end = end == path.len();
            let kind = node.kind;
            if kind & (LINEAR_STATICS | HASHED_STATICS) != 0 {
                if let Some(child) = self.lookup(node, path, pos, end, head) {
                    if kind & WILD == 0 {
                        if at_end {
                            return child.leaf;
                        }
                        node = child;
                        pos = end + 1;
                        continue;
                    }
                    let r = if at_end {
                        child.leaf
                    } else {
                        self.branch(child, path, end + 1)
                    };
                    if r != NONE {
                        return r;
                    }
                }
            }
            if kind & ONE_PLAIN != 0 {
                if end == pos {
                    return NONE;
                }
                let child = &self.params[node.params as usize].node;
                if at_end {
                    return child.leaf;
                }
                node = child;
                pos = end + 1;
                continue;
            }
            if kind & WILD == 0 {
                return NONE;
            }
            return self.wild(node, path, pos, end);
        }
    }

    /// [`walk`](Self::walk) from a branch point, out of line.
    #[inline(never)]
    fn branch(&self, node: &FNode, path: &[u8], pos: usize) -> u32 {
        self.walk(node, path, pos)
    }

    /// The parameter and catch-all children of `node` for the segment `path[pos..end]`, in
    /// priority order.
    #[inline(never)]
    fn wild(&self, node: &FNode, path: &[u8], pos: usize, end: usize) -> u32 {
        let at_end = end == path.len();
        let first = node.params as usize;
        for p in &self.params[first..first + node.params_len as usize] {
            let (pl, sl) = (p.prefix_len as usize, p.suffix_len as usize);
            if end - pos <= pl + sl {
                continue;
            }
            if pl + sl != 0 {
                let t = p.text as usize;
                if !bytes::eq(&path[pos..pos + pl], &self.pool[t..t + pl])
                    || !bytes::eq(&path[end - sl..end], &self.pool[t + pl..t + pl + sl])
                {
                    continue;
                }
            }
            let r = if at_end {
                p.node.leaf
            } else {
                self.branch(&p.node, path, end + 1)
            };
            if r != NONE {
                return r;
            }
        }
        if node.catch_all != NONE && pos < path.len() {
            return node.catch_all;
        }
        NONE
    }
}

/// A collision-free table for `keys` if one of the tried sizes and seeds gives one; otherwise a
/// linear-probing table. At most half full either way, so a probe always reaches an empty slot.
fn build_table(keys: &[Entry], first: u32) -> (u64, Vec<u32>) {
    let n = keys.len();
    let min_size = (2 * n).next_power_of_two();
    let hashes = |seed: u64| {
        keys.iter()
            .map(move |e| hash(e.head, e.last, e.len as usize, seed))
    };
    for size in [min_size, min_size * 2, min_size * 4] {
        let mask = size as u32 - 1;
        'seed: for seed in seeds().take(SEED_TRIES) {
            let mut table = alloc::vec![NONE; size];
            for (i, h) in hashes(seed).enumerate() {
                let slot = &mut table[(h & mask) as usize];
                if *slot != NONE {
                    continue 'seed;
                }
                *slot = first + i as u32;
            }
            return (seed, table);
        }
    }
    let seed = seeds().next().expect("endless");
    let mask = min_size as u32 - 1;
    let mut table = alloc::vec![NONE; min_size];
    for (i, h) in hashes(seed).enumerate() {
        let mut s = h & mask;
        while table[s as usize] != NONE {
            s = (s + 1) & mask;
        }
        table[s as usize] = first + i as u32;
    }
    (seed, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_segment_ends() {
        let cases: &[(&str, usize, usize)] = &[
            ("/", 1, 1),
            ("/a", 1, 2),
            ("/ab/c", 1, 3),
            ("/abcdefg/", 1, 8),
            ("/abcdefgh/", 1, 9),
            ("/abcdefghi/", 1, 10),
            ("/abcdefghijklmnopqrstuvwxyz", 1, 27),
            ("/abcdefghijklmnop/qrstuvwxyz", 1, 17),
            ("/abcdefghijklmnop/qrstuvwxyz", 18, 28),
            ("/x/", 3, 3),
            ("/xxxxxxxxxxxxxxxxxxx//", 21, 21),
        ];
        for &(path, pos, end) in cases {
            let (e, head) = scan(path.as_bytes(), pos);
            assert_eq!(e, end, "{path} from {pos}");
            assert_eq!(
                head,
                head_of(&path.as_bytes()[pos..end]),
                "{path} from {pos}"
            );
        }
        // Every start in every prefix of a long path.
        let long = "/a/bb/ccc/dddddddd/eeeeeeeee/ffffffffffffffffff//g";
        for cut in 1..=long.len() {
            let p = &long.as_bytes()[..cut];
            for pos in 1..=cut {
                if p[pos - 1] != b'/' {
                    continue;
                }
                let want = p[pos..]
                    .iter()
                    .position(|&b| b == b'/')
                    .map_or(cut, |i| pos + i);
                let (e, head) = scan(p, pos);
                assert_eq!(e, want);
                assert_eq!(head, head_of(&p[pos..want]));
            }
        }
    }

    #[test]
    fn tables_are_perfect_for_small_sets() {
        let mut r = Router::new();
        for i in 0..40 {
            r.insert(&alloc::format!("/segment-{i}"), i).unwrap();
        }
        let f = r.freeze();
        for i in 0..40 {
            assert_eq!(*f.at(&alloc::format!("/segment-{i}")).unwrap().value, i);
        }
        assert!(f.at("/segment-40").is_err());
        assert!(f.at("/segment-").is_err());
    }

    #[test]
    fn colliding_keys_probe() {
        // Same head, same length, same last 8 bytes: only the middle tells them apart, so no seed
        // separates them and the table falls back to probing.
        let mut r = Router::new();
        let a = "/aaaaaaaa-x-bbbbbbbb";
        let b = "/aaaaaaaa-y-bbbbbbbb";
        r.insert(a, 1).unwrap();
        r.insert(b, 2).unwrap();
        let f = r.freeze();
        assert_eq!(*f.at(a).unwrap().value, 1);
        assert_eq!(*f.at(b).unwrap().value, 2);
        assert!(f.at("/aaaaaaaa-z-bbbbbbbb").is_err());
    }
}
