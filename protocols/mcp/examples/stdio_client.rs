//! fasterapi-mcp's client machine against another MCP server on stdio (the interop stage
//! runs it against the official Python SDK's own server).
//!
//! Usage: `stdio_client modern|legacy COMMAND [ARGS…]` — spawns the server, runs a scripted
//! session (`server/discover` or `initialize`, tools, resources, prompts), prints one line
//! per check and `N passed, N failed`; exits 1 on a failure.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test program prints"
)]

use core::time::Duration;
use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use fasterapi_core::{Epoch, Machine, StreamMachine};
use fasterapi_mcp::{ClientEvent, ErrorObject, Id, ProtocolVersion, StdioClient};
use serde_json::{Value, json};

mod support {
    pub(crate) mod sdk_checks;
}

struct Session {
    client: StdioClient,
    child_in: std::process::ChildStdin,
    rx: mpsc::Receiver<Option<Vec<u8>>>,
    epoch: Epoch,
}

impl Session {
    /// Sends what is queued, then waits for the answer to `id`.
    fn wait(&mut self, id: &Id) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 8192];
        loop {
            loop {
                let n = self.client.poll_transmit(self.epoch.now(), &mut buf);
                if n == 0 {
                    break;
                }
                self.child_in
                    .write_all(&buf[..n])
                    .map_err(|e| e.to_string())?;
            }
            self.child_in.flush().map_err(|e| e.to_string())?;
            while let Some(ev) = self.client.poll_event() {
                match ev {
                    ClientEvent::Response {
                        id: got, result, ..
                    } if &got == id => {
                        return result.map_err(|e: ErrorObject| e.to_string());
                    }
                    ClientEvent::Request(r) => {
                        let e = ErrorObject::method_not_found(&r.method);
                        self.client.respond(r.id, Err(e));
                    }
                    _ => {}
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Some(bytes)) => {
                    self.client
                        .handle_input(self.epoch.now(), &bytes)
                        .map_err(|e| e.to_string())?;
                }
                Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the server closed its output".into());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Err("no answer in 20 s".into()),
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.client.request(self.epoch.now(), method, Some(params));
        self.wait(&id)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(cmd)) = (args.first(), args.get(1)) else {
        eprintln!("usage: stdio_client modern|legacy COMMAND [ARGS…]");
        return ExitCode::from(64);
    };
    let mut child = match Command::new(cmd)
        .args(&args[2..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start {cmd}: {e}");
            return ExitCode::from(66);
        }
    };
    let mut out = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::sync_channel(16);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(n) => {
                    if tx.send(Some(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut s = Session {
        client: StdioClient::new(Duration::from_secs(20)),
        child_in: child.stdin.take().expect("piped"),
        rx,
        epoch: Epoch::new(),
    };
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, detail: &dyn core::fmt::Debug| {
        if ok {
            passed += 1;
            println!("ok   [client {mode}] {name}");
        } else {
            failed += 1;
            println!("FAIL [client {mode}] {name}: {detail:?}");
        }
    };
    let info = json!({"name":"fasterapi-mcp-client","version":"0.1.0"});
    if mode == "modern" {
        s.client
            .set_stateless(ProtocolVersion::V2026_07_28, json!({}), info);
        let r = s.call("server/discover", json!({}));
        let ok = r.as_ref().is_ok_and(|v| {
            v["supportedVersions"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("2026-07-28")))
        });
        check("server/discover", ok, &r);
    } else {
        let id = s
            .client
            .initialize(s.epoch.now(), ProtocolVersion::V2025_11_25, json!({}), info);
        let r = s.wait(&id);
        check(
            "initialize 2025-11-25",
            r.as_ref()
                .is_ok_and(|v| v["protocolVersion"] == "2025-11-25"),
            &r,
        );
        s.client.notify("notifications/initialized", None);
        let r = s.call("ping", json!({}));
        check("ping", r.is_ok(), &r);
    }
    support::sdk_checks::feature_checks(&mut |m, p| s.call(m, p), &mut check);
    let r = s.call("tools/call", json!({"name":"no_such_tool","arguments":{}}));
    // SDKs answer an unknown tool either as a protocol error or as an isError result.
    let refused = match &r {
        Err(_) => true,
        Ok(v) => v["isError"] == true,
    };
    check("unknown tool refused", refused, &r);
    drop(s);
    let _ = child.wait();
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
