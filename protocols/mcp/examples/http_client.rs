//! fasterapi-mcp's client machine over Streamable HTTP ([`HttpClient`]) against another MCP
//! server (the interop stage runs it against the official Python SDK's own HTTP server).
//!
//! Usage: `http_client modern|legacy HOST:PORT` — a scripted session on `http://HOST:PORT/mcp`
//! (`server/discover` or `initialize`, tools, resources, prompts, then `DELETE` for a
//! session), one `fasterapi_http1::ClientConnection` per POST on std sockets; prints one line
//! per check and `N passed, N failed`; exits 1 on a failure.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test program prints"
)]

use core::time::Duration;
use std::process::ExitCode;

use fasterapi_core::Epoch;
use fasterapi_mcp::http_client::HttpClient;
use fasterapi_mcp::{ProtocolVersion, StdioClient};
use serde_json::json;

mod support {
    pub(crate) mod http_session;
    pub(crate) mod sdk_checks;
}
use support::http_session::{Session, exchange};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(addr)) = (args.first(), args.get(1)) else {
        eprintln!("usage: http_client modern|legacy HOST:PORT");
        return ExitCode::from(64);
    };
    let mut s = Session {
        http: HttpClient::new(StdioClient::new(Duration::from_secs(20))),
        addr: addr.clone(),
        path: "/mcp".into(),
        epoch: Epoch::new(),
        stash: Default::default(),
        auth: None,
        on_request: None,
    };
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, detail: &dyn core::fmt::Debug| {
        if ok {
            passed += 1;
            println!("ok   [http client {mode}] {name}");
        } else {
            failed += 1;
            println!("FAIL [http client {mode}] {name}: {detail:?}");
        }
    };
    let info = json!({"name":"fasterapi-mcp-client","version":"0.1.0"});
    if mode == "modern" {
        s.http
            .set_stateless(ProtocolVersion::V2026_07_28, json!({}), info);
        let r = s.call("server/discover", json!({}));
        let ok = r.as_ref().is_ok_and(|v| {
            v["supportedVersions"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("2026-07-28")))
        });
        check("server/discover", ok, &r);
    } else {
        let id = s.http.client().initialize(
            s.epoch.now(),
            ProtocolVersion::V2025_11_25,
            json!({}),
            info,
        );
        let r = s.wait(&id);
        check(
            "initialize 2025-11-25",
            r.as_ref()
                .is_ok_and(|v| v["protocolVersion"] == "2025-11-25"),
            &r,
        );
        let sid = s.http.session_id().map(String::from);
        check("session id", sid.is_some(), &sid);
        s.http.client().notify("notifications/initialized", None);
        let r = s.call("ping", json!({}));
        check("ping", r.is_ok(), &r);
    }
    support::sdk_checks::feature_checks(&mut |m, p| s.call(m, p), &mut check);
    if let Some(headers) = s.http.delete_headers() {
        let mut status = 0;
        let r = exchange(
            addr,
            "/mcp",
            "DELETE",
            &headers,
            b"",
            &mut |r| {
                status = r.status;
                Ok(())
            },
            &mut |_| Ok(()),
        );
        check(
            "DELETE ends the session",
            r.is_ok() && (200..300).contains(&status),
            &(r, status),
        );
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
