//! `fasterapi serve --tls` against real peers on loopback: curl (HTTP/1.1 with ALPN, `-k` for
//! the development certificate), Python `websockets` over `wss://`, Python `httpx`, headless
//! Chromium loading `/demo.html` over https; a bad certificate or key is exit 78 with the file
//! named; `--workers` smoke runs with wrk.

mod serve_support;

use core::time::Duration;
use std::path::PathBuf;

use serve_support::{
    Server, assert_demo_result, both_runtimes, curl, demo_page, refused, run_python, text,
    wrk_smoke,
};

#[test]
fn curl_https_http1_with_alpn() {
    let server = Server::start_with(&["--tls"]);
    assert_eq!(server.scheme, "https");
    let out = curl(&[
        "-k",
        "--http1.1",
        "-v",
        "-w",
        "|%{http_version}\n",
        &server.url("/"),
        &server.url("/users/7"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let body = text(&out);
    assert!(body.contains(r#""hello":"fasterapi""#), "{body}");
    assert!(
        body.contains(&format!(r#""demo":"https://{}/demo.html""#, server.addr)),
        "{body}"
    );
    assert!(body.contains(r#""id":"7""#), "{body}");
    assert_eq!(body.matches("|1.1\n").count(), 2, "{body}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("ALPN: server accepted http/1.1"), "{log}");
    assert!(log.contains("Re-using existing connection"), "{log}");

    // Without -k the self-signed development certificate is refused (curl exit 60).
    let out = curl(&[&server.url("/")]);
    assert_eq!(out.status.code(), Some(60), "{out:?}");

    // A chunked upload echoed back over TLS.
    let out = curl(&[
        "-k",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "streamed over tls",
        &server.url("/echo"),
    ]);
    assert_eq!(text(&out), "streamed over tls", "{out:?}");
}

both_runtimes!(h2c_upgrade_is_not_offered_over_tls);

/// `Upgrade: h2c` is the cleartext form only (RFC 7540 §3.2; over TLS, ALPN picks h2): over TLS
/// the request is answered as HTTP/1.1, without a 101.
fn h2c_upgrade_is_not_offered_over_tls(runtime: &str) {
    let server = Server::start_with(&["--tls", "--runtime", runtime]);
    let out = curl(&[
        "-k",
        "--http1.1",
        "-i",
        "-H",
        "Connection: Upgrade, HTTP2-Settings",
        "-H",
        "Upgrade: h2c",
        "-H",
        "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA",
        &server.url("/"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let response = text(&out);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(!response.contains("101"), "{response}");
    assert!(response.contains(r#""hello":"fasterapi""#), "{response}");
}

const WSS_CLIENT: &str = r#"
import asyncio, ssl, sys
import websockets

async def main(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with websockets.connect(url, ssl=ctx, compression="deflate", open_timeout=5, close_timeout=5) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        text = "over tls " * 100
        await ws.send(text)
        assert await asyncio.wait_for(ws.recv(), 5) == text
        data = bytes(range(256)) * 32
        await ws.send(data)
        assert await asyncio.wait_for(ws.recv(), 5) == data
        print("ok", ext)

asyncio.run(main(sys.argv[1]))
"#;

#[test]
fn python_websockets_over_wss() {
    let server = Server::start_with(&["--tls"]);
    let url = format!("wss://{}/ws", server.addr);
    let (status, out) = run_python(WSS_CLIENT, &[&url], Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success()) && stdout.starts_with("ok permessage-deflate"),
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const HTTPX_CLIENT: &str = r#"
import sys
import httpx

with httpx.Client(verify=False, http2=False, timeout=5) as client:
    r = client.get(sys.argv[1] + "/users/caf%C3%A9")
    assert r.status_code == 200 and r.http_version == "HTTP/1.1", (r.status_code, r.http_version)
    assert r.json()["id"] == "café", r.text
    r = client.post(sys.argv[1] + "/echo", content=iter([b"one,", b"two"]))
    assert r.status_code == 200 and r.content == b"one,two", (r.status_code, r.content)
    r = client.get(sys.argv[1] + "/nope")
    assert r.status_code == 404, r.status_code
    print("ok", r.http_version)
"#;

#[test]
fn python_httpx_http1_over_tls() {
    let server = Server::start_with(&["--tls"]);
    let base = server.url("");
    let (status, out) = run_python(HTTPX_CLIENT, &[&base], Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success()) && stdout.trim() == "ok HTTP/1.1",
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_page_in_headless_chromium_over_https() {
    let server = Server::start_with(&["--tls"]);
    assert_demo_result(&demo_page(&server, &["--ignore-certificate-errors"]));
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fasterapi-serve-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn bad_certificate_or_key_is_exit_78() {
    let dir = scratch();
    let missing = dir.join("missing-cert.pem");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "this is not PEM\n").expect("write");
    let (missing_s, garbage_s) = (
        missing.to_str().expect("utf-8"),
        garbage.to_str().expect("utf-8"),
    );

    let (code, stderr) = refused(&["--tls", "--cert", missing_s, "--key", garbage_s]);
    assert_eq!(code, Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!("error: cannot read {missing_s}: ")),
        "{stderr}"
    );

    let (code, stderr) = refused(&["--tls", "--cert", garbage_s, "--key", garbage_s]);
    assert_eq!(code, Some(78), "{stderr}");
    assert!(
        stderr.contains(&format!("{garbage_s} holds no PEM CERTIFICATE section")),
        "{stderr}"
    );

    // --cert without --key (or without --tls) is a usage error.
    let (code, stderr) = refused(&["--tls", "--cert", garbage_s]);
    assert_eq!(code, Some(64), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn workers_serve_under_wrk() {
    for args in [&["--workers", "2"][..], &["--workers", "3", "--tls"][..]] {
        let mut server = Server::start_with(args);
        let first = server.url("/");
        wrk_smoke(&first);
        server.signal("INT");
        let status = server.wait(Duration::from_secs(8));
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(0),
            "{args:?}: {status:?}"
        );
    }
}
