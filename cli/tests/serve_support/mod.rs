//! Starts and stops `fasterapi serve` for the `serve_*` tests: loopback only, a free port,
//! bounded waits, the process killed when a test ends.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use core::time::Duration;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::Instant;

/// For each test function `name(runtime: &str)`, a module `name` with the `#[test]`s `tokio`
/// and `mio`, each calling it with `--runtime`'s value: one check, run on both runtimes.
#[allow(unused_macros, reason = "each test file uses a part of the helpers")]
macro_rules! both_runtimes {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn tokio() {
                super::$name("tokio");
            }

            #[test]
            fn mio() {
                super::$name("mio");
            }
        }
    )+};
}
#[allow(unused_imports, reason = "each test file uses a part of the helpers")]
pub(crate) use both_runtimes;

/// A running server.
pub(crate) struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    /// `http` or `https` (with `--tls`).
    pub(crate) scheme: &'static str,
    /// The server's stdout lines after the first.
    pub(crate) lines: Receiver<String>,
}

impl Server {
    /// Starts the binary with `--addr 127.0.0.1:0` and reads the port from its first line.
    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    /// As [`Server::start`], on `runtime` (`tokio` or `mio`, from [`both_runtimes!`]).
    pub(crate) fn start_on(runtime: &str) -> Self {
        Self::start_with(&["--runtime", runtime])
    }

    /// As [`Server::start`], with more arguments (`--tls`, `--workers N`).
    pub(crate) fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the fasterapi binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            addr: String::new(),
            scheme: "http",
            lines,
        };
        let first = server
            .line(Duration::from_secs(10))
            .expect("the server prints its URL");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .expect("the first line names the URL");
        let (scheme, addr) = url.split_once("://").expect("a URL");
        server.scheme = if scheme == "https" { "https" } else { "http" };
        server.addr = addr.to_owned();
        assert!(server.addr.starts_with("127.0.0.1:"), "{first}");
        assert!(
            !server.addr.ends_with(":0"),
            "the actual port is printed: {first}"
        );
        server
    }

    /// `http://ADDR` (or `https://`) + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// The next stdout line, waiting at most `timeout`.
    pub(crate) fn line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (a `kill -s` name) to this server's process only.
    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits for the process to exit, at most `timeout`.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_child(&mut self.child, timeout)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` at most `timeout`, polling.
pub(crate) fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= end {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs curl (a missing curl is a failure) with `--max-time 10` unless the arguments set one.
pub(crate) fn curl(args: &[&str]) -> Output {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--no-progress-meter"]);
    if !args.contains(&"--max-time") {
        cmd.args(["--max-time", "10"]);
    }
    cmd.args(args)
        .output()
        .expect("curl is installed (scripts/debian-packages.txt) and runs")
}

/// curl's stdout as text.
pub(crate) fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Python of the venv at `target/venv` (made by scripts/test from scripts/requirements.txt).
pub(crate) fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join("target/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test (it creates the venv from scripts/requirements.txt)",
        python.display()
    );
    python
}

/// Runs a Python script with arguments, at most `timeout`; the status (`None`: killed) and
/// the output.
pub(crate) fn run_python(
    script: &str,
    args: &[&str],
    timeout: Duration,
) -> (Option<ExitStatus>, Output) {
    let mut child = Command::new(python())
        .args(["-c", script])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let status = wait_child(&mut child, timeout);
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("python output");
    (status, out)
}

/// Loads `/demo.html` in headless Chromium (Debian `chromium`) with `flags` added, and
/// returns what the page posted to `/demo-result` (printed by the server), within 45 s.
pub(crate) fn demo_page(server: &Server, flags: &[&str]) -> serde_json::Value {
    let profile = std::env::temp_dir().join(format!(
        "fasterapi-serve-chromium-{}-{}",
        std::process::id(),
        server.pid()
    ));
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
        .args(flags)
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
    serde_json::from_str(&result).expect("JSON result")
}

/// Checks what the demo page saw: its WebSocket echo with permessage-deflate, and two SSE
/// events with ids 1 and 2.
pub(crate) fn assert_demo_result(seen: &serde_json::Value) {
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

/// Runs `serve` with `args` that must fail before serving (on `--addr 127.0.0.1:0` unless
/// `args` name an address), at most 10 s; its exit code and stderr.
pub(crate) fn refused(args: &[&str]) -> (Option<i32>, String) {
    let addr: &[&str] = if args.contains(&"--addr") {
        &[]
    } else {
        &["--addr", "127.0.0.1:0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
        .arg("serve")
        .args(addr)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fasterapi binary starts");
    let status = wait_child(&mut child, Duration::from_secs(10));
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("output");
    (
        status.and_then(|s| s.code()),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// wrk for one second against `url`: it must complete requests with no errors.
pub(crate) fn wrk_smoke(url: &str) {
    let out = Command::new("wrk")
        .args(["-t1", "-c8", "-d1s", "--timeout", "5s", url])
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
}
