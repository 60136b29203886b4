//! `fasterapi serve`'s `/demo.html` in headless Chromium (Debian `chromium`, from
//! `scripts/debian-packages.txt`): the page's WebSocket echo and EventSource events arrive,
//! and it posts what it saw to `/demo-result`, which the server prints.

mod serve_support;

use core::time::Duration;
use std::process::{Command, Stdio};
use std::time::Instant;

use serve_support::{Server, wait_child};

#[test]
fn demo_page_in_headless_chromium() {
    let server = Server::start();
    let profile = std::env::temp_dir().join(format!("fasterapi-serve-chromium-{}", server.pid()));
    let mut browser = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(server.url("/demo.html"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium is installed (scripts/debian-packages.txt) and starts");
    let end = Instant::now() + Duration::from_secs(45);
    let mut result = None;
    while Instant::now() < end && result.is_none() {
        if let Some(line) = server.line(Duration::from_millis(500)) {
            result = line.strip_prefix("demo-result: ").map(str::to_owned);
        }
        if let Some(status) = browser.try_wait().expect("try_wait") {
            panic!("chromium exited early: {status}");
        }
    }
    // SIGTERM first, so the browser ends its own helper processes; then kill if need be.
    let _ = Command::new("kill")
        .args(["-s", "TERM", &browser.id().to_string()])
        .status();
    if wait_child(&mut browser, Duration::from_secs(10)).is_none() {
        let _ = browser.kill();
        let _ = browser.wait();
    }
    let _ = std::fs::remove_dir_all(&profile);
    let result = result.expect("the page posted its result within 45 s");
    let seen: serde_json::Value = serde_json::from_str(&result).expect("JSON result");
    assert_eq!(seen["ws_echo"], "hello from the browser", "{seen}");
    assert!(
        seen["ws_extensions"]
            .as_str()
            .is_some_and(|e| e.starts_with("permessage-deflate")),
        "{seen}"
    );
    let events = seen["sse_events"].as_array().expect("events");
    assert!(events.len() >= 2, "{seen}");
    assert_eq!(events[0]["id"], "1", "{seen}");
    assert_eq!(events[1]["id"], "2", "{seen}");
}
