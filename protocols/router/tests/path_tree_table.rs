//! path-tree's documented behaviour: the example of path-tree 0.8's crate docs (MIT OR Apache-2.0),
//! in this router's syntax (`:name` is `{name}`; `:name*`, `*` and `+` are `{*name}`), kept where
//! the two agree. Left out: routes with two parameters in one segment (`:tag/:filename.:ext`,
//! `:day-:month-:year`, `:name\::verb`), which this router rejects; and `:any*` matching an empty
//! rest (`/public/`), where our catch-all needs one byte or more, like path-tree's `+`.

use fasterapi_router::Router;

/// A path, the value of the route it must match, and the parameters.
type Case = (&'static str, i32, &'static [(&'static str, &'static str)]);

#[test]
fn path_tree_example() {
    let mut tree = Router::new();
    for (route, value) in [
        ("/", 0),
        ("/login", 1),
        ("/signup", 2),
        ("/settings", 3),
        ("/settings/{page}", 4),
        ("/{user}", 5),
        ("/{user}/{repo}", 6),
        ("/public/{*any}", 7),
        ("/{org}/{repo}/{page}", 11),
        ("/{org}/{repo}/{*rest}", 12),
        ("/api/{*rest}", 13),
    ] {
        tree.insert(route, value).unwrap();
    }
    let frozen = tree.clone().freeze();
    let cases: &[Case] = &[
        ("/", 0, &[]),
        ("/login", 1, &[]),
        ("/settings/admin", 4, &[("page", "admin")]),
        ("/viz-rs", 5, &[("user", "viz-rs")]),
        (
            "/viz-rs/path-tree",
            6,
            &[("user", "viz-rs"), ("repo", "path-tree")],
        ),
        (
            "/rust-lang/rust-analyzer/stargazers",
            11,
            &[
                ("org", "rust-lang"),
                ("repo", "rust-analyzer"),
                ("page", "stargazers"),
            ],
        ),
        (
            "/rust-lang/rust-analyzer/stargazers/404",
            12,
            &[
                ("org", "rust-lang"),
                ("repo", "rust-analyzer"),
                ("rest", "stargazers/404"),
            ],
        ),
        ("/public/js/main.js", 7, &[("any", "js/main.js")]),
        ("/api/v1", 13, &[("rest", "v1")]),
    ];
    for (path, value, params) in cases {
        for m in [tree.at(path).unwrap(), frozen.at(path).unwrap()] {
            assert_eq!(m.value, value, "{path}");
            assert_eq!(m.params.iter().collect::<Vec<_>>(), *params, "{path}");
        }
    }
}
