//! Random route sets and paths: `Router`, its frozen form and the naive reference matcher agree on
//! which inserts fail, on match or no match, on the route and on every parameter.

mod reference;

use fasterapi_router::{InsertError, Router};
use proptest::prelude::*;
use reference::RefSeg;

/// Few distinct texts, so routes overlap and conflict often; lengths around the 8- and 16-byte
/// edges of the frozen form's keys; braces to exercise escaping.
const TEXTS: &[&str] = &[
    "",
    "a",
    "b",
    "ab",
    "a.b",
    "{",
    "}}",
    "é",
    "abcdefgh",
    "abcdefghi",
    "abcdefghijklmnopq",
];
const AFFIXES: &[&str] = &["", "a", "b", ".b", "ab", "{"];

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(TEXTS).prop_map(String::from)
}

fn affix() -> impl Strategy<Value = String> {
    prop::sample::select(AFFIXES).prop_map(String::from)
}

/// A segment; names are filled in by `route` (distinct within a route, two spellings each so
/// that same-shape routes with other names come up).
fn segment() -> impl Strategy<Value = RefSeg> {
    prop_oneof![
        4 => text().prop_map(RefSeg::Static),
        3 => (affix(), affix()).prop_map(|(prefix, suffix)| RefSeg::Param {
            name: String::new(),
            prefix,
            suffix
        }),
        1 => Just(RefSeg::CatchAll { name: String::new() }),
    ]
}

fn route() -> impl Strategy<Value = Vec<RefSeg>> {
    (prop::collection::vec(segment(), 1..5), any::<bool>()).prop_map(|(mut segs, alt)| {
        // A catch-all only last: cut after the first one.
        if let Some(i) = segs
            .iter()
            .position(|s| matches!(s, RefSeg::CatchAll { .. }))
        {
            segs.truncate(i + 1);
        }
        for (i, seg) in segs.iter_mut().enumerate() {
            let n = format!("{}{i}", if alt { "q" } else { "p" });
            match seg {
                RefSeg::Param { name, .. } | RefSeg::CatchAll { name } => *name = n,
                RefSeg::Static(_) => {}
            }
        }
        segs
    })
}

/// A path: either one of the routes filled in with random values, or random segments.
fn path_for(routes: Vec<Vec<RefSeg>>) -> impl Strategy<Value = String> {
    let n = routes.len();
    let value = prop::sample::select(&["x", "a", "ab", "b.b", "é", "{", "a/b", "", ".b"][..]);
    let filled = (0..n.max(1), prop::collection::vec(value, 5)).prop_map(move |(i, vals)| {
        let Some(route) = routes.get(i) else {
            return "/".to_string();
        };
        let mut out = String::new();
        for (seg, v) in route.iter().zip(vals) {
            out.push('/');
            match seg {
                RefSeg::Static(s) => out.push_str(s),
                RefSeg::Param { prefix, suffix, .. } => {
                    out.push_str(prefix);
                    out.push_str(&v.replace('/', ""));
                    out.push_str(suffix);
                }
                RefSeg::CatchAll { .. } => out.push_str(v),
            }
        }
        out
    });
    let random = (prop::collection::vec(text(), 1..6), any::<bool>()).prop_map(|(segs, slash)| {
        let p = format!("/{}", segs.join("/"));
        if slash { p } else { p[1..].to_string() }
    });
    prop_oneof![3 => filled, 2 => random, 1 => ".{0,20}"]
}

fn case() -> impl Strategy<Value = (Vec<Vec<RefSeg>>, Vec<String>)> {
    prop::collection::vec(route(), 0..24).prop_flat_map(|routes| {
        let paths = prop::collection::vec(path_for(routes.clone()), 1..32);
        (Just(routes), paths)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn router_agrees_with_reference((routes, paths) in case()) {
        let mut router = Router::new();
        let mut accepted: Vec<Vec<RefSeg>> = Vec::new();
        for (i, segs) in routes.iter().enumerate() {
            let text = reference::render(segs);
            prop_assert!(reference::valid(segs), "generator made an invalid route");
            match accepted.iter().find(|a| reference::conflicts(a, segs)) {
                Some(existing) => {
                    let want = InsertError::Conflict {
                        route: text.as_str().into(),
                        existing: reference::render(existing).into(),
                    };
                    prop_assert_eq!(router.insert(&text, i), Err(want));
                }
                None => {
                    prop_assert_eq!(router.insert(&text, i), Ok(()), "{}", text);
                    accepted.push(segs.clone());
                }
            }
        }
        let frozen = router.clone().freeze();
        for path in &paths {
            let want = reference::best(&accepted, path);
            let got = router.at(path);
            prop_assert_eq!(&got, &frozen.at(path), "tree and frozen differ on {:?}", path);
            match (got, want) {
                (Err(_), None) => {}
                (Ok(m), Some((i, params))) => {
                    prop_assert_eq!(m.route, reference::render(&accepted[i]), "{:?}", path);
                    let got: Vec<(String, &str)> =
                        m.params.iter().map(|(k, v)| (k.to_string(), v)).collect();
                    prop_assert_eq!(got, params, "{:?}", path);
                }
                (got, want) => prop_assert!(false, "{:?}: got {:?}, want {:?}", path, got, want),
            }
        }
    }
}
