//! fasterapi-router against matchit 0.9 and path-tree 0.8 on matchit's own benchmark: the 130
//! routes of the GitHub REST API (v3), each looked up once per iteration by a path made from the
//! route with its parameters filled in (`{p1}` becomes `p1`). Same routes, same paths, same run.
//!
//! Run: `cargo bench -p fasterapi-benches --bench router`. Results go in `docs/BENCHMARKS.md`.

use core::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fasterapi_router::Router;

/// The GitHub API routes of matchit's benchmark (`benches/bench.rs` of matchit 0.9), in order,
/// written in the `{name}` syntax that fasterapi-router and matchit share. Parameters are named
/// `p1`..`p4` by position, as there.
const GITHUB: [&str; 130] = [
    "/authorizations",
    "/authorizations/{p1}",
    "/applications/{p1}/tokens/{p2}",
    "/events",
    "/repos/{p1}/{p2}/events",
    "/networks/{p1}/{p2}/events",
    "/orgs/{p1}/events",
    "/users/{p1}/received_events",
    "/users/{p1}/received_events/public",
    "/users/{p1}/events",
    "/users/{p1}/events/public",
    "/users/{p1}/events/orgs/{p2}",
    "/feeds",
    "/notifications",
    "/repos/{p1}/{p2}/notifications",
    "/notifications/threads/{p1}",
    "/notifications/threads/{p1}/subscription",
    "/repos/{p1}/{p2}/stargazers",
    "/users/{p1}/starred",
    "/user/starred",
    "/user/starred/{p1}/{p2}",
    "/repos/{p1}/{p2}/subscribers",
    "/users/{p1}/subscriptions",
    "/user/subscriptions",
    "/repos/{p1}/{p2}/subscription",
    "/user/subscriptions/{p1}/{p2}",
    "/users/{p1}/gists",
    "/gists",
    "/gists/{p1}",
    "/gists/{p1}/star",
    "/repos/{p1}/{p2}/git/blobs/{p3}",
    "/repos/{p1}/{p2}/git/commits/{p3}",
    "/repos/{p1}/{p2}/git/refs",
    "/repos/{p1}/{p2}/git/tags/{p3}",
    "/repos/{p1}/{p2}/git/trees/{p3}",
    "/issues",
    "/user/issues",
    "/orgs/{p1}/issues",
    "/repos/{p1}/{p2}/issues",
    "/repos/{p1}/{p2}/issues/{p3}",
    "/repos/{p1}/{p2}/assignees",
    "/repos/{p1}/{p2}/assignees/{p3}",
    "/repos/{p1}/{p2}/issues/{p3}/comments",
    "/repos/{p1}/{p2}/issues/{p3}/events",
    "/repos/{p1}/{p2}/labels",
    "/repos/{p1}/{p2}/labels/{p3}",
    "/repos/{p1}/{p2}/issues/{p3}/labels",
    "/repos/{p1}/{p2}/milestones/{p3}/labels",
    "/repos/{p1}/{p2}/milestones/",
    "/repos/{p1}/{p2}/milestones/{p3}",
    "/emojis",
    "/gitignore/templates",
    "/gitignore/templates/{p1}",
    "/meta",
    "/rate_limit",
    "/users/{p1}/orgs",
    "/user/orgs",
    "/orgs/{p1}",
    "/orgs/{p1}/members",
    "/orgs/{p1}/members/{p2}",
    "/orgs/{p1}/public_members",
    "/orgs/{p1}/public_members/{p2}",
    "/orgs/{p1}/teams",
    "/teams/{p1}",
    "/teams/{p1}/members",
    "/teams/{p1}/members/{p2}",
    "/teams/{p1}/repos",
    "/teams/{p1}/repos/{p2}/{p3}",
    "/user/teams",
    "/repos/{p1}/{p2}/pulls",
    "/repos/{p1}/{p2}/pulls/{p3}",
    "/repos/{p1}/{p2}/pulls/{p3}/commits",
    "/repos/{p1}/{p2}/pulls/{p3}/files",
    "/repos/{p1}/{p2}/pulls/{p3}/merge",
    "/repos/{p1}/{p2}/pulls/{p3}/comments",
    "/user/repos",
    "/users/{p1}/repos",
    "/orgs/{p1}/repos",
    "/repositories",
    "/repos/{p1}/{p2}",
    "/repos/{p1}/{p2}/contributors",
    "/repos/{p1}/{p2}/languages",
    "/repos/{p1}/{p2}/teams",
    "/repos/{p1}/{p2}/tags",
    "/repos/{p1}/{p2}/branches",
    "/repos/{p1}/{p2}/branches/{p3}",
    "/repos/{p1}/{p2}/collaborators",
    "/repos/{p1}/{p2}/collaborators/{p3}",
    "/repos/{p1}/{p2}/comments",
    "/repos/{p1}/{p2}/commits/{p3}/comments",
    "/repos/{p1}/{p2}/commits",
    "/repos/{p1}/{p2}/commits/{p3}",
    "/repos/{p1}/{p2}/readme",
    "/repos/{p1}/{p2}/keys",
    "/repos/{p1}/{p2}/keys/{p3}",
    "/repos/{p1}/{p2}/downloads",
    "/repos/{p1}/{p2}/downloads/{p3}",
    "/repos/{p1}/{p2}/forks",
    "/repos/{p1}/{p2}/hooks",
    "/repos/{p1}/{p2}/hooks/{p3}",
    "/repos/{p1}/{p2}/releases",
    "/repos/{p1}/{p2}/releases/{p3}",
    "/repos/{p1}/{p2}/releases/{p3}/assets",
    "/repos/{p1}/{p2}/stats/contributors",
    "/repos/{p1}/{p2}/stats/commit_activity",
    "/repos/{p1}/{p2}/stats/code_frequency",
    "/repos/{p1}/{p2}/stats/participation",
    "/repos/{p1}/{p2}/stats/punch_card",
    "/repos/{p1}/{p2}/statuses/{p3}",
    "/search/repositories",
    "/search/code",
    "/search/issues",
    "/search/users",
    "/legacy/issues/search/{p1}/{p2}/{p3}/{p4}",
    "/legacy/repos/search/{p1}",
    "/legacy/user/search/{p1}",
    "/legacy/user/email/{p1}",
    "/users/{p1}",
    "/user",
    "/users",
    "/user/emails",
    "/users/{p1}/followers",
    "/user/followers",
    "/users/{p1}/following",
    "/user/following",
    "/user/following/{p1}",
    "/users/{p1}/following/{p2}",
    "/users/{p1}/keys",
    "/user/keys",
    "/user/keys/{p1}",
];

/// `route` with `{pN}` rewritten by `f("pN")`.
fn rewrite(route: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("closed");
        out.push_str(&rest[..open]);
        out.push_str(&f(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn compare_routers(c: &mut Criterion) {
    let paths: Vec<String> = GITHUB
        .iter()
        .map(|r| rewrite(r, |p| p.to_string()))
        .collect();
    let colon: Vec<String> = GITHUB
        .iter()
        .map(|r| rewrite(r, |p| format!(":{p}")))
        .collect();

    let mut ours = Router::new();
    for route in GITHUB {
        ours.insert(route, true).unwrap();
    }
    let mut matchit = matchit::Router::new();
    for route in GITHUB {
        matchit.insert(route, true).unwrap();
    }
    let mut path_tree = path_tree::PathTree::new();
    for route in &colon {
        let _ = path_tree.insert(route, true);
    }
    // Every router finds every path, with the same parameters.
    let frozen = ours.clone().freeze();
    for path in &paths {
        let want: Vec<(&str, &str)> = matchit.at(path).unwrap().params.iter().collect();
        assert_eq!(
            ours.at(path).unwrap().params.iter().collect::<Vec<_>>(),
            want,
            "{path}"
        );
        assert_eq!(
            frozen.at(path).unwrap().params.iter().collect::<Vec<_>>(),
            want,
            "{path}"
        );
        let (_, p) = path_tree.find(path).unwrap();
        assert_eq!(p.params(), want, "{path}");
    }

    let mut group = c.benchmark_group("router/github-130");
    group.bench_function("fasterapi-router (frozen)", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = black_box(frozen.at(path).unwrap());
                assert!(*m.value);
            }
        });
    });
    group.bench_function("fasterapi-router (tree)", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = black_box(ours.at(path).unwrap());
                assert!(*m.value);
            }
        });
    });
    group.bench_function("matchit 0.9", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = black_box(matchit.at(path).unwrap());
                assert!(*m.value);
            }
        });
    });
    group.bench_function("path-tree 0.8", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = black_box(path_tree.find(path).unwrap());
                assert!(*m.0);
            }
        });
    });
    group.finish();

    // The same paths, 20 copies in one fixed pseudo-random order: too long a sequence for the
    // branch predictor to learn, as real traffic would come. Time per iteration is for 2600 lookups.
    let mut shuffled: Vec<&str> = (0..20)
        .flat_map(|_| paths.iter().map(String::as_str))
        .collect();
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let mut group = c.benchmark_group("router/github-130-shuffled-x20");
    group.bench_function("fasterapi-router (frozen)", |b| {
        b.iter(|| {
            for path in black_box(&shuffled) {
                assert!(*black_box(frozen.at(path).unwrap()).value);
            }
        });
    });
    group.bench_function("matchit 0.9", |b| {
        b.iter(|| {
            for path in black_box(&shuffled) {
                assert!(*black_box(matchit.at(path).unwrap()).value);
            }
        });
    });
    group.bench_function("path-tree 0.8", |b| {
        b.iter(|| {
            for path in black_box(&shuffled) {
                assert!(*black_box(path_tree.find(path).unwrap()).0);
            }
        });
    });
    group.finish();

    // fasterapi-router cuts parameter values out of the path when they are read, where matchit and
    // path-tree record them while matching: this group reads every value, so each router pays for
    // its parameters once.
    let mut group = c.benchmark_group("router/github-130+params");
    group.bench_function("fasterapi-router (frozen)", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = frozen.at(path).unwrap();
                for (k, v) in &m.params {
                    black_box((k, v));
                }
            }
        });
    });
    group.bench_function("matchit 0.9", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let m = matchit.at(path).unwrap();
                for (k, v) in m.params.iter() {
                    black_box((k, v));
                }
            }
        });
    });
    group.bench_function("path-tree 0.8", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let (_, p) = path_tree.find(path).unwrap();
                for (k, v) in p.params_iter() {
                    black_box((k, v));
                }
            }
        });
    });
    group.finish();
}

criterion_group!(benches, compare_routers);
criterion_main!(benches);
