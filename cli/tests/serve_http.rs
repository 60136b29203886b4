//! `fasterapi serve` against curl: the JSON routes, the streaming echo with a chunked upload,
//! 404 / 405, keep-alive reuse, the SSE ticker. Loopback only, bounded.

mod serve_support;

use serve_support::{Server, both_runtimes, curl, text};

both_runtimes!(
    hello_and_path_parameter,
    not_found_and_method_not_allowed,
    echo_streams_a_chunked_upload_back,
    keep_alive_reuses_the_connection,
    events_ticks_with_ids,
    malformed_first_bytes_get_400,
);

fn hello_and_path_parameter(runtime: &str) {
    let server = Server::start_on(runtime);
    let out = curl(&["-i", &server.url("/")]);
    assert!(out.status.success(), "{out:?}");
    let body = text(&out);
    assert!(body.starts_with("HTTP/1.1 200 OK\r\n"), "{body}");
    assert!(body.contains("Content-Type: application/json"), "{body}");
    assert!(body.contains(r#"{"hello":"fasterapi","#), "{body}");

    let out = curl(&[&server.url("/users/42")]);
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(user["id"], "42");
    let out = curl(&[&server.url("/users/caf%C3%A9?x=1")]);
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(user["id"], "café");
}

fn not_found_and_method_not_allowed(runtime: &str) {
    let server = Server::start_on(runtime);
    let out = curl(&["-i", &server.url("/nope")]);
    let body = text(&out);
    assert!(body.starts_with("HTTP/1.1 404 Not Found\r\n"), "{body}");

    let out = curl(&["-i", &server.url("/echo")]);
    let body = text(&out);
    assert!(
        body.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{body}"
    );
    assert!(body.contains("\r\nAllow: POST\r\n"), "{body}");

    let out = curl(&["-i", "-X", "DELETE", &server.url("/users/1")]);
    let body = text(&out);
    assert!(body.starts_with("HTTP/1.1 405"), "{body}");
    assert!(body.contains("\r\nAllow: GET, HEAD\r\n"), "{body}");
}

fn echo_streams_a_chunked_upload_back(runtime: &str) {
    let server = Server::start_on(runtime);
    let dir = std::env::temp_dir().join(format!(
        "fasterapi-serve-echo-{runtime}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("upload.bin");
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &payload).expect("write upload");
    let out = curl(&[
        "-D",
        "-",
        "-o",
        dir.join("echoed.bin").to_str().expect("utf-8 path"),
        "-H",
        "Transfer-Encoding: chunked",
        "-H",
        "Content-Type: application/x-test",
        "--data-binary",
        &format!("@{}", file.display()),
        &server.url("/echo"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let head = text(&out);
    assert!(head.contains("200 OK"), "{head}");
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert!(head.contains("Content-Type: application/x-test"), "{head}");
    let echoed = std::fs::read(dir.join("echoed.bin")).expect("echoed body");
    assert_eq!(echoed.len(), payload.len());
    assert!(echoed == payload, "the echo differs from the upload");
    let _ = std::fs::remove_dir_all(&dir);
}

fn keep_alive_reuses_the_connection(runtime: &str) {
    let server = Server::start_on(runtime);
    let out = curl(&[
        "-v",
        &server.url("/"),
        &server.url("/users/7"),
        &server.url("/nope"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        log.matches("Re-using existing connection").count(),
        2,
        "{log}"
    );
    let body = text(&out);
    assert!(
        body.contains(r#""hello":"fasterapi""#) && body.contains(r#""id":"7""#),
        "{body}"
    );
}

fn events_ticks_with_ids(runtime: &str) {
    let server = Server::start_on(runtime);
    // Ticks come every second from the first; 2.5 s holds two (curl then times out: 28).
    let out = curl(&["-N", "-i", "--max-time", "2.5", &server.url("/events")]);
    assert_eq!(out.status.code(), Some(28), "{out:?}");
    let body = text(&out);
    assert!(body.contains("Content-Type: text/event-stream"), "{body}");
    assert!(body.contains("\nid: 1\ndata: {\"tick\":1,"), "{body}");
    assert!(body.contains("\nid: 2\ndata: {\"tick\":2,"), "{body}");

    // A reconnecting client resumes after its Last-Event-ID.
    let out = curl(&[
        "-N",
        "--max-time",
        "0.8",
        "-H",
        "Last-Event-ID: 41",
        &server.url("/events"),
    ]);
    assert!(text(&out).contains("id: 42\n"), "{out:?}");
}

/// Bad bytes at the very start of a connection (inside the first 24, which the mio runtime
/// reads to tell an HTTP/2 preface from HTTP/1.1) get the same 400 as bad bytes later.
fn malformed_first_bytes_get_400(runtime: &str) {
    use std::io::{Read, Write};
    let server = Server::start_on(runtime);
    let url = server.url("");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    for request in [
        &b"G\x01T / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost\r\n\r\n",
    ] {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(core::time::Duration::from_secs(10)))
            .unwrap();
        s.write_all(request).unwrap();
        let mut answer = Vec::new();
        // The server answers, then closes: read to EOF (bounded by the timeout).
        let _ = s.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{runtime}: {answer:?}");
    }
}
