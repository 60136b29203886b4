//! `fasterapi decode h2` as a black box: the JSON Lines of docs/cli.md ("h2"), on traffic
//! captured between real peers (the committed `cli/samples/h2c-*.bin`, and a live nghttpd +
//! nghttp exchange recorded by a relay in this test) and on hand-built frames.

mod decode_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use core::time::Duration;

use serde_json::{Value, json};

use decode_support::{lines, text};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("h2", args, stdin)
}

fn sample(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One frame: the nine-octet header (RFC 9113 §4.1) and the payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("small").to_be_bytes();
    let mut f = vec![len[1], len[2], len[3], kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Our SETTINGS (empty) after the preface: the start of every server-role input here.
fn client_start() -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    v.extend(frame(0x4, 0, 0, &[]));
    v
}

fn ok(out: &Output) -> Vec<Value> {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    lines(out)
}

fn failed(out: &Output) -> (Vec<Value>, Value) {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
    let mut got = lines(out);
    let err = got.pop().expect("an error line")["error"].clone();
    assert_eq!(err["codec"], "h2");
    (got, err)
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e["event"].as_str() {
            Some("frame") => e["type"].to_string().trim_matches('"').to_owned(),
            Some(other) => other.to_owned(),
            None => panic!("no event in {e}"),
        })
        .collect()
}

/// Frames tile the input: each starts where the previous ended, the last ends at `len`.
fn assert_tiled(events: &[Value], start: u64, len: usize) {
    let mut at = start;
    for e in events.iter().filter(|e| e["event"] == "frame") {
        assert_eq!(e["offset"], at, "{e}");
        at += 9 + e["length"].as_u64().expect("length");
    }
    assert_eq!(at, len as u64);
}

fn field<'a>(frame: &'a Value, name: &str) -> &'a Value {
    frame["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {frame}"))
}

/// curl's side of an h2c GET to nghttpd, read as the server reads it.
#[test]
fn curl_request_as_server() {
    let input = sample("h2c-curl-client.bin");
    let got = ok(&decode(&["--role", "server"], &input));
    assert_eq!(
        got[0],
        json!({"event": "preface", "offset": 0, "length": 24})
    );
    assert_eq!(
        types(&got),
        [
            "preface",
            "settings",
            "window_update",
            "headers",
            "settings"
        ]
    );
    assert_tiled(&got, 24, input.len());
    assert_eq!(got[1]["settings"][2], json!(["enable_push", 0]));
    assert_eq!(got[2]["increment"], 33_488_897);
    let headers = &got[3];
    assert_eq!(headers["stream_id"], 1);
    assert_eq!(headers["flags"], json!(["end_stream", "end_headers"]));
    let names: Vec<&str> = headers["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names[..4], [":method", ":path", ":scheme", ":authority"]);
    assert_eq!(field(headers, ":method")["value"], "GET");
    assert_eq!(field(headers, "x-trace")["value"], "capture");
    // nghttp2's encoder sends authorization as a never-indexed literal (RFC 7541 §6.2.3).
    assert_eq!(
        field(headers, "authorization"),
        &json!({"name": "authorization", "value": "Bearer secret", "never_indexed": true})
    );
    assert_eq!(got[4]["flags"], json!(["ack"]));
}

/// nghttpd's answer to curl, read as the client reads it (no preface in this direction).
#[test]
fn nghttpd_response_as_client() {
    let input = sample("h2c-curl-server.bin");
    let got = ok(&decode(&["--role", "client"], &input));
    assert_eq!(types(&got), ["settings", "settings", "headers", "data"]);
    assert_tiled(&got, 0, input.len());
    assert_eq!(got[0]["settings"], json!([["max_concurrent_streams", 100]]));
    assert_eq!(field(&got[2], ":status")["value"], "200");
    assert_eq!(field(&got[2], "content-length")["value"], "19");
    assert_eq!(
        got[3],
        json!({"event": "frame", "offset": got[3]["offset"], "type": "data", "stream_id": 1,
               "flags": ["end_stream"], "length": 19, "data_length": 19,
               "data": "hello from nghttpd\n"})
    );
}

/// nghttp's two POSTs: PRIORITY frames, HEADERS with a priority block, DATA bodies, the second
/// field block decoded from the dynamic table the first filled, and nghttpd's 200 and 404.
#[test]
fn nghttp_posts_both_directions() {
    let input = sample("h2c-nghttp-client.bin");
    let got = ok(&decode(&[], &input));
    assert_tiled(&got, 24, input.len());
    let t = types(&got);
    assert!(t.iter().filter(|t| *t == "priority").count() >= 1, "{t:?}");
    let heads: Vec<&Value> = got.iter().filter(|e| e["type"] == "headers").collect();
    assert_eq!(heads.len(), 2);
    for h in &heads {
        assert_eq!(field(h, ":method")["value"], "POST");
        assert_eq!(field(h, "authorization")["never_indexed"], true);
        assert!(h["priority"]["weight"].as_u64().expect("weight") >= 1);
    }
    // The second block is shorter: it refers to the entries the first one added.
    assert!(heads[1]["fragment_length"].as_u64() < heads[0]["fragment_length"].as_u64());
    assert_eq!(field(heads[0], ":path")["value"], "/hello.txt");
    assert_eq!(field(heads[1], ":path")["value"], "/missing");
    let bodies: Vec<&Value> = got.iter().filter(|e| e["type"] == "data").collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|d| d["data"] == "hello from nghttpd\n"));
    assert_eq!(t.last().map(String::as_str), Some("goaway"));
    assert_eq!(got.last().expect("goaway")["error_code"], "no_error");

    let input = sample("h2c-nghttp-server.bin");
    let got = ok(&decode(&["--role", "client"], &input));
    assert_tiled(&got, 0, input.len());
    let statuses: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "headers")
        .map(|h| &field(h, ":status")["value"])
        .collect();
    assert_eq!(statuses, [&json!("200"), &json!("404")]);
}

/// Each direction needs its role: the preface is what tells them apart.
#[test]
fn wrong_role_is_an_error() {
    let (got, err) = failed(&decode(
        &["--role", "server"],
        &sample("h2c-curl-server.bin"),
    ));
    assert!(got.is_empty());
    assert_eq!(err["kind"], "bad_preface");
    assert_eq!(err["offset"], 0);
    assert_eq!(err["code"], 1);
    assert_eq!(err["code_name"], "protocol_error");
    // As a client, the preface reads as the header of a 5 MB frame that never ends.
    let (_, err) = failed(&decode(
        &["--role", "client"],
        &sample("h2c-curl-client.bin"),
    ));
    assert_eq!(err["kind"], "truncated");
    assert_eq!(err["offset"], 0);
}

/// Every frame type's payload fields, unknown types and flags, padding, and a field block
/// spread over CONTINUATION frames (its fields reported on the frame that ends it).
#[test]
fn every_frame_type() {
    let mut input = client_start();
    // SETTINGS with an unknown id (ignored by endpoints, §6.5.2), shown by number.
    input.extend(frame(
        0x4,
        0,
        0,
        &[0, 0x3, 0, 0, 0, 7, 0x12, 0x34, 0, 0, 0, 1],
    ));
    // HEADERS (padded, with a priority block) + CONTINUATION.
    let mut payload = vec![2]; // pad length
    payload.extend([0x80, 0, 0, 0, 0x0f]); // exclusive, depends on 0, weight 16
    payload.extend([0x82, 0x84]); // :method GET, :path /
    payload.extend([0, 0]); // padding
    input.extend(frame(0x1, 0x1 | 0x8 | 0x20, 1, &payload));
    input.extend(frame(0x9, 0x4, 1, &[0x86, 0x10, 1, b'x', 1, b'y'])); // :scheme http, x: y never-indexed
    // DATA, padded, not UTF-8.
    input.extend(frame(0x0, 0x8 | 0x1, 1, &[1, 0xff, 0xfe, 0]));
    input.extend(frame(0x2, 0, 3, &[0, 0, 0, 1, 255]));
    input.extend(frame(0x3, 0, 3, &[0, 0, 0, 8]));
    input.extend(frame(0x6, 0x1, 0, b"\x01\x02\x03\x04\x05\x06\x07\x08"));
    input.extend(frame(0x8, 0, 1, &[0, 0, 0x10, 0]));
    input.extend(frame(0x10, 0, 0, b"\0\0\0\x05u=1, i"));
    input.extend(frame(0xfa, 0xff, 9, &[0xde, 0xad]));
    input.extend(frame(0x7, 0, 0, b"\0\0\0\x03\0\0\0\x0bslow down"));
    let got = ok(&decode(&[], &input));
    assert_tiled(&got, 24, input.len());
    let g = |i: usize| {
        let mut v = got[i].clone();
        let o = v.as_object_mut().expect("object");
        assert_eq!(o.remove("event"), Some(json!("frame")));
        o.remove("offset");
        v
    };
    assert_eq!(
        g(2),
        json!({"type": "settings", "stream_id": 0, "flags": [], "length": 12,
               "settings": [["max_concurrent_streams", 7], [4660, 1]]})
    );
    assert_eq!(
        g(3),
        json!({"type": "headers", "stream_id": 1, "flags": ["end_stream", "padded", "priority"],
               "length": 10, "pad_length": 2,
               "priority": {"exclusive": true, "dependency": 0, "weight": 16},
               "fragment_length": 2})
    );
    assert_eq!(
        g(4),
        json!({"type": "continuation", "stream_id": 1, "flags": ["end_headers"], "length": 6,
               "fragment_length": 6, "fields": [
                   {"name": ":method", "value": "GET", "never_indexed": false},
                   {"name": ":path", "value": "/", "never_indexed": false},
                   {"name": ":scheme", "value": "http", "never_indexed": false},
                   {"name": "x", "value": "y", "never_indexed": true}]})
    );
    assert_eq!(
        g(5),
        json!({"type": "data", "stream_id": 1, "flags": ["end_stream", "padded"], "length": 4,
               "pad_length": 1, "data_length": 2, "data": {"hex": "fffe"}})
    );
    assert_eq!(
        g(6),
        json!({"type": "priority", "stream_id": 3, "flags": [], "length": 5,
               "priority": {"exclusive": false, "dependency": 1, "weight": 256}})
    );
    assert_eq!(g(7)["error_code"], "cancel");
    assert_eq!(
        g(8),
        json!({"type": "ping", "stream_id": 0, "flags": ["ack"], "length": 8,
               "opaque": "0102030405060708"})
    );
    assert_eq!(g(9)["increment"], 4096);
    assert_eq!(
        g(10),
        json!({"type": "priority_update", "stream_id": 0, "flags": [], "length": 10,
               "prioritized_stream_id": 5, "priority_field": "u=1, i"})
    );
    assert_eq!(
        g(11),
        json!({"type": 250, "stream_id": 9, "flags": [], "unknown_flags": 255, "length": 2,
               "payload": {"hex": "dead"}})
    );
    assert_eq!(
        g(12),
        json!({"type": "goaway", "stream_id": 0, "flags": [], "length": 17,
               "last_stream_id": 3, "error_code": "enhance_your_calm", "debug": "slow down"})
    );
}

/// PUSH_PROMISE is something only a client receives.
#[test]
fn push_promise_as_client() {
    let mut input = frame(0x4, 0, 0, &[]);
    input.extend(frame(
        0x5,
        0x4,
        1,
        &[0, 0, 0, 2, 0x82, 0x84, 0x86, 0x41, 1, b'a'],
    ));
    let got = ok(&decode(&["--role", "client"], &input));
    assert_eq!(got[1]["type"], "push_promise");
    assert_eq!(got[1]["flags"], json!(["end_headers"]));
    assert_eq!(got[1]["promised_stream_id"], 2);
    assert_eq!(got[1]["fragment_length"], 6);
    assert_eq!(field(&got[1], ":authority")["value"], "a");
}

#[test]
fn hex_input() {
    let hex: String = client_start().iter().map(|b| format!("{b:02x} ")).collect();
    let got = ok(&decode(
        &["--hex"],
        format!("# preface + SETTINGS\n{hex}\n").as_bytes(),
    ));
    assert_eq!(types(&got), ["preface", "settings"]);
    let out = decode(&["--hex"], b"50 52 4");
    assert_eq!(out.status.code(), Some(65));
}

/// Protocol errors print the frames before them, then the error, and exit 2.
#[test]
fn protocol_errors() {
    let cases: Vec<(&str, Vec<u8>, &str, u64)> = vec![
        // PING must be 8 octets (§6.7): FRAME_SIZE_ERROR.
        ("short ping", frame(0x6, 0, 0, &[0; 7]), "frame", 6),
        // SETTINGS on a stream (§6.5).
        ("settings on a stream", frame(0x4, 0, 1, &[]), "frame", 1),
        // WINDOW_UPDATE of 0 on the connection (§6.9).
        ("zero increment", frame(0x8, 0, 0, &[0; 4]), "frame", 1),
        // CONTINUATION with no open field block (§6.10).
        (
            "stray continuation",
            frame(0x9, 0x4, 1, &[0x82]),
            "unexpected_continuation",
            1,
        ),
        // Index 70 is in neither table (RFC 7541 §2.3.3): COMPRESSION_ERROR.
        ("bad index", frame(0x1, 0x4, 1, &[0xc6]), "hpack", 9),
        // A frame other than CONTINUATION inside a field block (§6.10).
        (
            "interleaved block",
            [frame(0x1, 0, 1, &[0x82]), frame(0x0, 0, 1, b"x")].concat(),
            "expected_continuation",
            1,
        ),
    ];
    for (name, bad, kind, code) in cases {
        let mut input = client_start();
        let at = input.len();
        input.extend(&bad);
        let (got, err) = failed(&decode(&[], &input));
        assert_eq!(types(&got)[..2], ["preface", "settings"], "{name}");
        assert_eq!(err["kind"], kind, "{name}: {err}");
        assert_eq!(err["code"], code, "{name}: {err}");
        let expected_at = if kind == "expected_continuation" {
            at + 10
        } else {
            at
        };
        assert_eq!(err["offset"], expected_at as u64, "{name}: {err}");
        assert!(!err["message"].as_str().expect("message").is_empty());
    }
    // A bad preface: nothing decoded.
    let (got, err) = failed(&decode(&[], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert!(got.is_empty());
    assert_eq!(err["kind"], "bad_preface");
}

/// Input that ends inside the preface, a frame header, a payload or a field block.
#[test]
fn truncated_input() {
    let start = client_start();
    let headers = frame(0x1, 0, 1, &[0x82, 0x84]);
    let cases: Vec<(Vec<u8>, u64)> = vec![
        (PREFACE[..10].to_vec(), 0),
        ([&start[..], &headers[..5]].concat(), 33),
        ([&start[..], &headers[..10]].concat(), 33),
        ([&start[..], &headers[..]].concat(), 33),
    ];
    for (input, offset) in cases {
        let (_, err) = failed(&decode(&[], &input));
        assert_eq!(err["kind"], "truncated", "{err}");
        assert_eq!(err["offset"], offset, "{err}");
    }
    // An empty input, or one that ends between frames, is fine.
    assert!(ok(&decode(&[], b"")).is_empty());
    assert!(ok(&decode(&["--role", "client"], b"")).is_empty());
    assert_eq!(
        ok(&decode(&[], PREFACE)),
        [json!({"event": "preface", "offset": 0, "length": 24})]
    );
}

#[test]
fn usage_and_input_errors() {
    let out = decode(&["--role", "proxy"], b"");
    assert_eq!(out.status.code(), Some(64));
    let out = decode(&["/nonexistent/capture.bin"], b"");
    assert_eq!(out.status.code(), Some(66));
    let help = decode_support::fasterapi(&["decode", "--help"], b"");
    assert!(text(&help.stdout).contains("h2 "), "{}", text(&help.stdout));
}

/// Copies `from` to `to`, keeping a copy, until `from` ends.
fn pump(mut from: TcpStream, mut to: TcpStream, record: Arc<Mutex<Vec<u8>>>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                record.lock().expect("lock").extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// Kills the child on drop, so a failing test leaves no server behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A live exchange: nghttp (client) → a recording relay → nghttpd --no-tls, two requests on one
/// connection; both recorded directions decode without error, each in its role.
#[test]
fn live_nghttp_through_relay() {
    let root = std::env::temp_dir().join(format!("fasterapi-h2-live-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("htdocs");
    std::fs::write(root.join("a.txt"), "live body\n").expect("file");
    // A free port for nghttpd (it cannot report one it picked).
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let _server = Child(
        Command::new("nghttpd")
            .args(["--no-tls", "-a", "127.0.0.1", "-d"])
            .arg(&root)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nghttpd (Debian nghttp2-server) must be installed"),
    );
    let mut ready = false;
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        thread::sleep(Duration::from_millis(25));
    }
    assert!(ready, "nghttpd did not start listening");
    let relay = TcpListener::bind("127.0.0.1:0").expect("relay");
    let base = format!("http://{}", relay.local_addr().expect("addr"));
    let client = Child(
        Command::new("nghttp")
            .args(["-t", "10", "-H", "x-live: 1"])
            .arg(format!("{base}/a.txt"))
            .arg(format!("{base}/none"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nghttp (Debian nghttp2-client) must be installed"),
    );
    let (down, _) = relay.accept().expect("accept");
    down.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let up = TcpStream::connect(("127.0.0.1", port)).expect("connect nghttpd");
    up.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let sent = Arc::new(Mutex::new(Vec::new()));
    let received = Arc::new(Mutex::new(Vec::new()));
    let threads = [
        {
            let (a, b, r) = (
                down.try_clone().expect("clone"),
                up.try_clone().expect("clone"),
                sent.clone(),
            );
            thread::spawn(move || pump(a, b, r))
        },
        {
            let (a, b, r) = (up, down, received.clone());
            thread::spawn(move || pump(a, b, r))
        },
    ];
    let mut client = client;
    let status = client.0.wait().expect("nghttp");
    assert!(status.success(), "nghttp failed: {status}");
    for t in threads {
        t.join().expect("relay thread");
    }
    let _ = std::fs::remove_dir_all(&root);

    let sent = sent.lock().expect("lock").clone();
    let got = ok(&decode(&["--role", "server"], &sent));
    assert_tiled(&got, 24, sent.len());
    let paths: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "headers")
        .map(|h| &field(h, ":path")["value"])
        .collect();
    assert_eq!(paths, [&json!("/a.txt"), &json!("/none")]);

    let received = received.lock().expect("lock").clone();
    let got = ok(&decode(&["--role", "client"], &received));
    assert_tiled(&got, 0, received.len());
    assert!(
        got.iter()
            .any(|e| e["type"] == "data" && e["data"] == "live body\n"),
        "{got:?}"
    );
}
