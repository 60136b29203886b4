//! `fasterapi decode http1` as a black box: the sample stream, protocol errors, `--hex`, the
//! client role and the upgrade hand-off.

mod decode_support;

use std::path::PathBuf;

use serde_json::Value;

use decode_support::{fasterapi, lines};

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("error"))
        .collect()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/requests.http")
}

#[test]
fn sample_requests_decode() {
    let bytes = std::fs::read(sample()).expect("cli/samples/requests.http");
    // The sample keeps its CRLF line endings byte for byte.
    assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() > 10);
    assert!(!bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    let path = sample();
    let out = fasterapi(&["decode", "http1", path.to_str().expect("path")], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = lines(&out);
    let requests: Vec<_> = events.iter().filter(|e| e["event"] == "request").collect();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["target"], "/index.html");
    assert_eq!(requests[0]["version"], "HTTP/1.1");
    assert_eq!(requests[0]["headers"][0][0], "Host");
    assert_eq!(requests[0]["headers"][0][1], "example.com");
    assert_eq!(requests[1]["method"], "POST");
    assert_eq!(requests[1]["body"], "chunked");
    assert_eq!(requests[2]["body"]["content_length"], 11);
    let body: String = events
        .iter()
        .skip_while(|e| e["method"] != "POST")
        .take_while(|e| e["event"] != "end_of_message")
        .filter_map(|e| e["data"].as_str())
        .collect();
    assert_eq!(body, r#"{"name":"widget","n":42}"#);
    let trailers = events
        .iter()
        .filter(|e| e["event"] == "end_of_message")
        .nth(1)
        .expect("end of the POST");
    assert_eq!(trailers["trailers"][0][0], "X-Checksum");
    assert_eq!(
        kinds(&events)
            .iter()
            .filter(|k| **k == "end_of_message")
            .count(),
        4
    );
}

#[test]
fn protocol_error_exits_2_with_status() {
    let out = fasterapi(
        &["decode", "http1"],
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\nHost: a\r\n\r\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let events = lines(&out);
    assert_eq!(kinds(&events)[..2], ["request", "end_of_message"]);
    let error = &events.last().expect("error line")["error"];
    assert_eq!(error["codec"], "http1");
    assert_eq!(error["kind"], "bare_lf");
    assert_eq!(error["status"], 400);
    // The bare LF ends the second request line, 14 bytes into it.
    assert_eq!(error["offset"], 27 + 14);

    let out = fasterapi(
        &["decode", "http1"],
        b"GET / HTTP/1.1\r\nTransfer-Encoding: br\r\n\r\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let events = lines(&out);
    assert_eq!(events[0]["error"]["status"], 501);
    assert_eq!(events[0]["error"]["kind"], "unknown_transfer_coding");

    // HTTP/1.1 without Host (RFC 9112 §3.2).
    let out = fasterapi(&["decode", "http1"], b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(out.status.code(), Some(2));
    let events = lines(&out);
    assert_eq!(events[0]["error"]["status"], 400);
    assert_eq!(events[0]["error"]["kind"], "missing_host");

    // A stream cut in the middle of a body.
    let out = fasterapi(
        &["decode", "http1"],
        b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc",
    );
    assert_eq!(out.status.code(), Some(2));
    let events = lines(&out);
    assert_eq!(
        events.last().expect("error")["error"]["kind"],
        "incomplete_message"
    );
}

#[test]
fn hex_input() {
    let hex =
        b"# GET / with a Host field\n474554202f20485454502f312e310d0a 486f73743a20610d0a 0d0a\n";
    let out = fasterapi(&["decode", "http1", "--hex"], hex);
    assert_eq!(out.status.code(), Some(0));
    let events = lines(&out);
    assert_eq!(kinds(&events), ["request", "end_of_message", "closed"]);
    assert_eq!(events[0]["headers"][0][1], "a");

    let out = fasterapi(&["decode", "http1", "--hex"], b"47 4");
    assert_eq!(out.status.code(), Some(65));
}

#[test]
fn client_role_reads_responses() {
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close";
    let out = fasterapi(&["decode", "http1", "--role", "client"], wire);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let events = lines(&out);
    assert_eq!(
        kinds(&events),
        [
            "informational",
            "response",
            "data",
            "end_of_message",
            "response",
            "data",
            "end_of_message",
            "response",
            "data",
            "end_of_message",
            "closed"
        ]
    );
    assert_eq!(events[0]["status"], 100);
    assert_eq!(events[7]["body"], "close_delimited");
    assert_eq!(events[8]["data"], "until close");
}

#[test]
fn upgrade_hands_over_the_rest() {
    let wire = b"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00\xff";
    let out = fasterapi(&["decode", "http1"], wire);
    assert_eq!(out.status.code(), Some(0));
    let events = lines(&out);
    assert_eq!(kinds(&events), ["request", "end_of_message", "switched"]);
    assert_eq!(events[2]["leftover"], 3);
}
