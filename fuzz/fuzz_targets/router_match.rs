//! fasterapi-router: insert random routes, match random paths. Never panics; every insert fails
//! exactly when the naive reference says it must (a conflict, named by both routes); every lookup,
//! on the tree and on the frozen form, gives the reference's route and parameters.
#![no_main]

use arbitrary::Arbitrary;
use fasterapi_router::{InsertError, Router};
use libfuzzer_sys::fuzz_target;

#[path = "../../protocols/router/tests/reference/mod.rs"]
mod reference;

use reference::RefSeg;

/// A few texts so routes overlap, or any text.
const TEXTS: &[&str] = &[
    "",
    "a",
    "b",
    "ab",
    "a.b",
    "{",
    "}",
    "é",
    "abcdefgh",
    "abcdefghi",
    "abcdefghijklmnopq",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Pick(u8),
    Any(String),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Pick(i) => TEXTS[*i as usize % TEXTS.len()].to_string(),
            Text::Any(s) => s.replace('/', ""),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Seg {
    Static(Text),
    Param {
        prefix: Text,
        suffix: Text,
        alt_name: bool,
    },
    CatchAll,
}

#[derive(Arbitrary, Debug)]
enum PathGen {
    /// Route `route` (modulo the count) with these values.
    Filled {
        route: u8,
        values: Vec<Text>,
    },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    routes: Vec<Vec<Seg>>,
    paths: Vec<PathGen>,
}

fn to_ref(segs: &[Seg]) -> Vec<RefSeg> {
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate().take(8) {
        out.push(match seg {
            Seg::Static(t) => RefSeg::Static(t.get()),
            Seg::Param {
                prefix,
                suffix,
                alt_name,
            } => RefSeg::Param {
                name: format!("{}{i}", if *alt_name { "q" } else { "p" }),
                prefix: prefix.get(),
                suffix: suffix.get(),
            },
            Seg::CatchAll => {
                out.push(RefSeg::CatchAll {
                    name: format!("p{i}"),
                });
                break;
            }
        });
    }
    out
}

fn fill(route: &[RefSeg], values: &[Text]) -> String {
    let mut out = String::new();
    for (i, seg) in route.iter().enumerate() {
        out.push('/');
        let v = values.get(i).map(Text::get).unwrap_or_else(|| "v".into());
        match seg {
            RefSeg::Static(s) => out.push_str(s),
            RefSeg::Param { prefix, suffix, .. } => {
                out.push_str(prefix);
                out.push_str(&v);
                out.push_str(suffix);
            }
            RefSeg::CatchAll { .. } => out.push_str(&v),
        }
    }
    out
}

fuzz_target!(|input: Input| {
    let mut router = Router::new();
    let mut accepted: Vec<Vec<RefSeg>> = Vec::new();
    for (i, segs) in input.routes.iter().take(64).enumerate() {
        let segs = to_ref(segs);
        if segs.is_empty() {
            continue;
        }
        let text = reference::render(&segs);
        let got = router.insert(&text, i);
        match accepted.iter().find(|a| reference::conflicts(a, &segs)) {
            Some(existing) => assert_eq!(
                got,
                Err(InsertError::Conflict {
                    route: text.as_str().into(),
                    existing: reference::render(existing).into()
                })
            ),
            None => {
                assert_eq!(got, Ok(()), "{text}");
                accepted.push(segs);
            }
        }
    }
    let frozen = router.clone().freeze();
    for how in input.paths.iter().take(64) {
        let path = match how {
            PathGen::Filled { route, values } if !accepted.is_empty() => {
                fill(&accepted[*route as usize % accepted.len()], values)
            }
            PathGen::Filled { .. } => "/".to_string(),
            PathGen::Raw(s) => s.clone(),
        };
        let got = router.at(&path);
        assert_eq!(got, frozen.at(&path), "tree and frozen differ on {path:?}");
        match (got, reference::best(&accepted, &path)) {
            (Err(_), None) => {}
            (Ok(m), Some((i, params))) => {
                assert_eq!(m.route, reference::render(&accepted[i]), "{path:?}");
                let got: Vec<(String, &str)> = m.params.iter().map(|(k, v)| (k.to_string(), v)).collect();
                assert_eq!(got, params, "{path:?}");
            }
            (got, want) => panic!("{path:?}: got {got:?}, want {want:?}"),
        }
    }
});
