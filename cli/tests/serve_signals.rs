//! `fasterapi serve`'s life cycle: SIGINT and SIGTERM end it with exit 0 within a few seconds,
//! closing open connections gracefully; a busy port is a clear error with exit code 69.

mod serve_support;

use core::time::Duration;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Instant;

use serve_support::{Server, both_runtimes, refused, wait_child};

both_runtimes!(
    sigint_stops_with_exit_0,
    sigterm_stops_with_exit_0,
    busy_port_is_exit_69,
);

fn stops_gracefully_on(runtime: &str, signal: &str) {
    let mut server = Server::start_on(runtime);
    // An open event stream and an idle keep-alive connection when the signal comes.
    let mut events = Command::new("curl")
        .args(["-sS", "-N", "--max-time", "20", &server.url("/events")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl is installed and runs");
    let idle = std::net::TcpStream::connect(&server.addr).expect("connect");
    std::thread::sleep(Duration::from_millis(1200));
    let start = Instant::now();
    server.signal(signal);
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "{runtime} {signal}: {status:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // The event stream was ended cleanly (the last chunk sent), so curl exits 0.
    let curl_status = wait_child(&mut events, Duration::from_secs(5));
    if curl_status.is_none() {
        let _ = events.kill();
    }
    let out = events.wait_with_output().expect("curl output");
    assert_eq!(curl_status.and_then(|s| s.code()), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("id: 1\n"),
        "{out:?}"
    );
    drop(idle);
    let mut rest = Vec::new();
    while let Some(line) = server.line(Duration::from_millis(200)) {
        rest.push(line);
    }
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

fn sigint_stops_with_exit_0(runtime: &str) {
    stops_gracefully_on(runtime, "INT");
}

fn sigterm_stops_with_exit_0(runtime: &str) {
    stops_gracefully_on(runtime, "TERM");
}

fn busy_port_is_exit_69(runtime: &str) {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (code, stderr) = refused(&["--addr", &addr, "--runtime", runtime]);
    assert_eq!(code, Some(69), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {addr}: the address is already in use"
        )),
        "{stderr}"
    );
}
