//! Starts and stops `fasterapi serve` for the `serve_*` tests: loopback only, a free port,
//! bounded waits, the process killed when a test ends.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use core::time::Duration;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::Instant;

/// A running server.
pub(crate) struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    /// The server's stdout lines after the first.
    pub(crate) lines: Receiver<String>,
}

impl Server {
    /// Starts the binary with `--addr 127.0.0.1:0` and reads the port from its first line.
    pub(crate) fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
            .args(["serve", "--addr", "127.0.0.1:0"])
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
            lines,
        };
        let first = server
            .line(Duration::from_secs(10))
            .expect("the server prints its URL");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the first line names the URL");
        server.addr = url.trim_start_matches("http://").to_owned();
        assert!(server.addr.starts_with("127.0.0.1:"), "{first}");
        assert!(
            !server.addr.ends_with(":0"),
            "the actual port is printed: {first}"
        );
        server
    }

    /// `http://ADDR` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
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
