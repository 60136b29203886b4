//! `fasterapi serve --runtime mio` on its own: several reactor threads under wrk, and `--tls`
//! refused as a usage error. The checks both runtimes share run on mio from the other
//! `serve_*` files (`both_runtimes!`).

mod serve_support;

use core::time::Duration;

use serve_support::{Server, refused, wrk_smoke};

#[test]
fn tls_needs_tokio_exit_64() {
    let (code, stderr) = refused(&["--runtime", "mio", "--tls"]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("--tls needs --runtime tokio"), "{stderr}");
}

#[test]
fn workers_serve_under_wrk() {
    let mut server = Server::start_with(&["--runtime", "mio", "--workers", "2"]);
    wrk_smoke(&server.url("/"));
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}
