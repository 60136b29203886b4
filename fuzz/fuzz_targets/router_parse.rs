//! fasterapi-router: insert arbitrary route strings and match arbitrary paths. Never panics; a
//! rejected route changes nothing; the tree and the frozen form always agree; every accepted
//! route without parameters matches its own text.
#![no_main]

use arbitrary::Arbitrary;
use fasterapi_router::Router;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    routes: Vec<String>,
    paths: Vec<String>,
}

fuzz_target!(|input: Input| {
    let mut router = Router::new();
    for (i, route) in input.routes.iter().take(64).enumerate() {
        let before = router.len();
        match router.insert(route, i) {
            Ok(()) => assert_eq!(router.len(), before + 1),
            Err(e) => {
                assert_eq!(router.len(), before);
                let _ = e.to_string();
            }
        }
    }
    let frozen = router.clone().freeze();
    for (route, _) in router.iter() {
        if !route.contains(['{', '}']) {
            assert_eq!(router.at(route).map(|m| m.route), Ok(route), "{route:?}");
        }
    }
    for path in input.paths.iter().take(64) {
        let got = router.at(path);
        assert_eq!(got, frozen.at(path), "{path:?}");
        if let Ok(m) = got {
            let _ = m.params.iter().count();
        }
    }
});
