//! Matching and insertion rules, each checked on `Router` and on its frozen form.

use fasterapi_router::{InsertError, MatchError, RouteErrorKind, Router};

/// Inserts `routes` (value = the route), then checks each `(path, Some((route, params)))` or
/// `(path, None)` on both forms.
/// The route a path must match and its parameters, or `None` for no match.
type Want<'a> = Option<(&'a str, &'a [(&'a str, &'a str)])>;

fn check(routes: &[&str], cases: &[(&str, Want<'_>)]) {
    let mut router = Router::new();
    for r in routes {
        router
            .insert(r, r.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let frozen = router.clone().freeze();
    for (path, want) in cases {
        let got = router.at(path);
        let got_frozen = frozen.at(path);
        assert_eq!(got, got_frozen, "tree and frozen differ on {path}");
        match (got, want) {
            (Ok(m), Some((route, params))) => {
                assert_eq!(m.value, route, "{path}");
                assert_eq!(m.route, *route, "{path}");
                assert_eq!(m.params.iter().collect::<Vec<_>>(), *params, "{path}");
            }
            (Err(MatchError::NotFound), None) => {}
            (got, want) => panic!("{path}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn statics() {
    check(
        &[
            "/", "/a", "/a/", "/a/b", "/ab", "//", "/a//b", "/{{x}}", "/a}}b",
        ],
        &[
            ("/", Some(("/", &[]))),
            ("/a", Some(("/a", &[]))),
            ("/a/", Some(("/a/", &[]))),
            ("/a/b", Some(("/a/b", &[]))),
            ("/ab", Some(("/ab", &[]))),
            ("//", Some(("//", &[]))),
            ("/a//b", Some(("/a//b", &[]))),
            ("/{x}", Some(("/{{x}}", &[]))),
            ("/a}b", Some(("/a}}b", &[]))),
            ("", None),
            ("a", None),
            ("/b", None),
            ("/a/b/", None),
            ("/A", None),
            ("///", None),
        ],
    );
}

#[test]
fn params_and_catch_all() {
    check(
        &[
            "/users/{id}",
            "/users/{id}/posts/{post}",
            "/files/{*path}",
            "/img/{name}.png",
            "/img/{name}.tar.gz",
            "/img/{name}.gz",
            "/v{major}/status",
            "/{{{x}}}",
        ],
        &[
            ("/users/42", Some(("/users/{id}", &[("id", "42")]))),
            ("/users/", None),
            ("/users", None),
            ("/users/42/", None),
            (
                "/users/42/posts/x%20y",
                Some((
                    "/users/{id}/posts/{post}",
                    &[("id", "42"), ("post", "x%20y")],
                )),
            ),
            ("/files/a", Some(("/files/{*path}", &[("path", "a")]))),
            ("/files/a/b/", Some(("/files/{*path}", &[("path", "a/b/")]))),
            ("/files//", Some(("/files/{*path}", &[("path", "/")]))),
            ("/files/", None),
            ("/files", None),
            (
                "/img/cat.png",
                Some(("/img/{name}.png", &[("name", "cat")])),
            ),
            ("/img/.png", None),
            (
                "/img/a.tar.gz",
                Some(("/img/{name}.tar.gz", &[("name", "a")])),
            ),
            (
                "/img/.tar.gz",
                Some(("/img/{name}.gz", &[("name", ".tar")])),
            ),
            ("/img/a.gz", Some(("/img/{name}.gz", &[("name", "a")]))),
            ("/img/a.jpg", None),
            ("/v1/status", Some(("/v{major}/status", &[("major", "1")]))),
            ("/v/status", None),
            ("/{é}", Some(("/{{{x}}}", &[("x", "é")]))),
            ("/{}", None),
        ],
    );
}

#[test]
fn priority_static_param_catch_all() {
    check(
        &["/a/b", "/a/{x}", "/a/{*rest}", "/{y}/b", "/{*all}"],
        &[
            ("/a/b", Some(("/a/b", &[]))),
            ("/a/c", Some(("/a/{x}", &[("x", "c")]))),
            ("/a/c/d", Some(("/a/{*rest}", &[("rest", "c/d")]))),
            ("/a/", Some(("/{*all}", &[("all", "a/")]))),
            ("/z/b", Some(("/{y}/b", &[("y", "z")]))),
            ("/z/c", Some(("/{*all}", &[("all", "z/c")]))),
            ("/a", Some(("/{*all}", &[("all", "a")]))),
            ("/", None),
        ],
    );
}

#[test]
fn backtracking() {
    // A static match that fails further on falls back to the parameter, then to the catch-all;
    // parameters bound on the abandoned branch are dropped.
    check(
        &[
            "/users/me/settings",
            "/users/{id}/posts",
            "/{a}/{b}/{c}/d",
            "/{*rest}",
        ],
        &[
            ("/users/me/settings", Some(("/users/me/settings", &[]))),
            (
                "/users/me/posts",
                Some(("/users/{id}/posts", &[("id", "me")])),
            ),
            (
                "/users/me/x/d",
                Some(("/{a}/{b}/{c}/d", &[("a", "users"), ("b", "me"), ("c", "x")])),
            ),
            (
                "/users/me/x/e",
                Some(("/{*rest}", &[("rest", "users/me/x/e")])),
            ),
        ],
    );
    // Among parameter shapes, the more specific one is tried first and failed over.
    check(
        &["/f/{x}.json/meta", "/f/{y}/raw"],
        &[
            ("/f/a.json/meta", Some(("/f/{x}.json/meta", &[("x", "a")]))),
            ("/f/a.json/raw", Some(("/f/{y}/raw", &[("y", "a.json")]))),
        ],
    );
}

#[test]
fn long_segments() {
    // Exercise the 8- and 16-byte edges of the frozen form's keys.
    let segs = [
        "abcdefg",
        "abcdefgh",
        "abcdefghi",
        "abcdefghabcdefgh",
        "abcdefghabcdefghi",
    ];
    let routes: Vec<String> = segs.iter().map(|s| format!("/{s}/{s}")).collect();
    let routes: Vec<&str> = routes.iter().map(|s| s.as_str()).collect();
    let cases: Vec<(String, Want<'_>)> = routes
        .iter()
        .map(|r| (r.to_string(), Some((*r, &[][..]))))
        .chain(segs.iter().map(|s| (format!("/{s}x/{s}"), None)))
        .chain(segs.iter().map(|s| (format!("/{s}/{s}/"), None)))
        .collect();
    let cases: Vec<_> = cases.iter().map(|(p, w)| (p.as_str(), *w)).collect();
    check(&routes, &cases);
}

#[test]
fn conflicts_name_both_routes_and_change_nothing() {
    let mut r = Router::new();
    r.insert("/users/{id}", 1).unwrap();
    r.insert("/files/{*path}", 2).unwrap();
    r.insert("/", 3).unwrap();
    let cases = [
        ("/users/{name}", "/users/{id}"),
        ("/users/{id}", "/users/{id}"),
        ("/files/{*rest}", "/files/{*path}"),
        ("/", "/"),
    ];
    for (new, old) in cases {
        assert_eq!(
            r.insert(new, 9),
            Err(InsertError::Conflict {
                route: new.into(),
                existing: old.into()
            })
        );
    }
    assert_eq!(
        r.insert("/users/{name}", 9).unwrap_err().to_string(),
        "route `/users/{name}` conflicts with route `/users/{id}`: they match the same paths"
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r.at("/users/1").unwrap().params.get("id"), Some("1"));
    // Not conflicts: every pair below is ordered by the priority rules.
    for route in [
        "/users/me",
        "/users/{id}/x",
        "/users/{*rest}",
        "/users/{id}.json",
        "/users/v{id}",
        "/{*all}",
        "/files/{name}",
        "/files",
    ] {
        r.insert(route, 0).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn invalid_routes() {
    let mut r = Router::new();
    for (route, at, kind) in [
        ("users", 0, RouteErrorKind::MissingLeadingSlash),
        ("/a/{id", 6, RouteErrorKind::UnclosedParam),
        ("/a/{*p}/b", 7, RouteErrorKind::CatchAllNotLast),
        ("/{a}{b}", 4, RouteErrorKind::TwoParamsInSegment),
        ("/files/{*path}/raw", 14, RouteErrorKind::CatchAllNotLast),
    ] {
        match r.insert(route, 0) {
            Err(InsertError::InvalidRoute {
                route: got,
                at: got_at,
                kind: got_kind,
            }) => {
                assert_eq!((&*got, got_at, got_kind), (route, at, kind));
            }
            other => panic!("{route}: {other:?}"),
        }
    }
    assert_eq!(
        r.insert("/{a}{b}", 0).unwrap_err().to_string(),
        "invalid route `/{a}{b}` at byte 4: only one parameter per segment"
    );
    assert!(r.is_empty());
}

#[test]
fn at_mut_and_iter() {
    let mut r = Router::new();
    r.insert("/a/{x}", 1).unwrap();
    r.insert("/b", 2).unwrap();
    *r.at_mut("/a/q").unwrap() += 10;
    assert_eq!(r.iter().collect::<Vec<_>>(), [("/a/{x}", &11), ("/b", &2)]);
    let mut f = r.freeze();
    *f.at_mut("/b").unwrap() += 10;
    assert_eq!(f.iter().collect::<Vec<_>>(), [("/a/{x}", &11), ("/b", &12)]);
    assert_eq!(f.at_mut("/c"), Err(MatchError::NotFound));
    assert_eq!(f.len(), 2);
}

#[test]
fn params_api() {
    let mut r = Router::new();
    r.insert("/{a}/{b}/{*c}", ()).unwrap();
    let m = r.at("/1/2/3/4").unwrap();
    assert_eq!(m.params.len(), 3);
    assert_eq!(m.params.get("b"), Some("2"));
    assert_eq!(m.params.get("d"), None);
    assert_eq!(m.params.get_index(2), Some(("c", "3/4")));
    assert_eq!(m.params.get_index(3), None);
    assert_eq!(
        format!("{:?}", m.params),
        r#"{"a": "1", "b": "2", "c": "3/4"}"#
    );
    let names: Vec<_> = (&m.params).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(m.params.iter().len(), 3);
}

#[test]
fn tables_are_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Router<String>>();
    shared::<fasterapi_router::FrozenRouter<String>>();
    shared::<fasterapi_router::FrozenMethodRouter<String>>();
    shared::<fasterapi_router::Match<'static, 'static, String>>();
}
