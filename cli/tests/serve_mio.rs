//! `fasterapi serve --runtime mio` on its own: several reactor threads under wrk, and `--tls`
//! refused as a usage error. The checks both runtimes share run on mio from the other
//! `serve_*` files (`both_runtimes!`).

mod serve_support;

use core::time::Duration;
use std::process::{Command, Stdio};

use serve_support::{Server, wait_child};

#[test]
fn tls_needs_tokio_exit_64() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
        .args(["serve", "--addr", "127.0.0.1:0", "--runtime", "mio", "--tls"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fasterapi binary starts");
    let status = wait_child(&mut child, Duration::from_secs(10));
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("output");
    assert_eq!(status.and_then(|s| s.code()), Some(64), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--tls needs --runtime tokio"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing served: {out:?}");
}

#[test]
fn workers_serve_under_wrk() {
    let mut server = Server::start_with(&["--runtime", "mio", "--workers", "2"]);
    let out = Command::new("wrk")
        .args(["-t2", "-c16", "-d1s", "--timeout", "5s", &server.url("/")])
        .output()
        .expect("wrk is installed (scripts/debian-packages.txt)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    let requests: u64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count: {report}"));
    assert!(requests > 0, "{report}");
    assert!(!report.contains("Socket errors"), "{report}");
    assert!(!report.contains("Non-2xx"), "{report}");
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}
