//! Times lookups of a route table's own paths, as the minimum over many batches (robust when the
//! machine is busy). A development aid: `cargo run --release --example lookup_timing -- ROUTES_FILE`
//! where the file holds one route per line in `{name}` syntax; each path is its route with every
//! `{name}` replaced by `name`.
#![allow(clippy::print_stdout)] // reason: a command-line tool prints its report

use core::hint::black_box;
use std::time::Instant;

use fasterapi_router::Router;

fn main() {
    let file = std::env::args()
        .nth(1)
        .expect("usage: lookup_timing ROUTES_FILE");
    let text = std::fs::read_to_string(file).expect("readable");
    let routes: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let mut paths: Vec<String> = routes
        .iter()
        .map(|r| r.replace(['{', '}', '*'], ""))
        .collect();
    // `SHUFFLE=N`: N copies of the paths in one pseudo-random order, too long for a branch
    // predictor to learn, as traffic would come.
    if let Some(n) = std::env::var("SHUFFLE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut all: Vec<String> = (0..n).flat_map(|_| paths.iter().cloned()).collect();
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for i in (1..all.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            all.swap(i, (x % (i as u64 + 1)) as usize);
        }
        paths = all;
    }
    let mut router = Router::new();
    for r in &routes {
        router.insert(r, true).expect("valid routes");
    }
    let frozen = router.clone().freeze();
    let time = |f: &dyn Fn(&str) -> bool| {
        let mut best = f64::MAX;
        let reps = (2600 / paths.len()).max(1);
        for _ in 0..400 {
            let t = Instant::now();
            for _ in 0..reps {
                for p in black_box(&paths) {
                    assert!(f(black_box(p)));
                }
            }
            best = best.min(t.elapsed().as_secs_f64() / reps as f64);
        }
        best
    };
    let mut matchit = matchit::Router::new();
    for r in &routes {
        matchit.insert(*r, true).expect("valid routes");
    }
    let mut path_tree = path_tree::PathTree::new();
    for r in &routes {
        let colon = r.replace("{*", "*").replace('{', ":").replace('}', "");
        let _ = path_tree.insert(&colon, true);
    }
    let n = paths.len() as f64;
    let report = |name: &str, t: f64| {
        println!(
            "{name:<10} {:8.3} µs per {n} lookups ({:6.2} ns each)",
            t * 1e6,
            t * 1e9 / n
        );
    };
    // `ONLY=frozen` (or matchit, tree, path-tree) times one router, for profilers.
    let only = std::env::var("ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    for _ in 0..3 {
        if run("frozen") {
            report("frozen", time(&|p| *frozen.at(p).unwrap().value));
        }
        if run("matchit") {
            report("matchit", time(&|p| *matchit.at(p).unwrap().value));
        }
        if run("tree") {
            report("tree", time(&|p| *router.at(p).unwrap().value));
        }
        if run("path-tree") {
            report("path-tree", time(&|p| *path_tree.find(p).unwrap().0));
        }
    }
}
