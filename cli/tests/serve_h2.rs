//! `fasterapi serve` over HTTP/2 against real peers on loopback: curl (prior knowledge, h2
//! over TLS with ALPN, the cleartext `Upgrade: h2c`), nghttp (concurrent streams, an upload),
//! h2load, Python `httpx` with http2 and Python `h2` (a WebSocket over an extended CONNECT
//! stream, RFC 8441; GOAWAY on shutdown; back-pressure on `/echo`), fasterapi-tokio's
//! `H2Client`, and headless Chromium loading `/demo.html` over h2 (its WebSocket over RFC 8441).
//! The cleartext curl, nghttp and h2load checks and the Chromium page run on both runtimes
//! (`both_runtimes!`).

mod serve_support;

use core::time::Duration;
use std::process::{Command, Output};

use serve_support::{Server, assert_demo_result, both_runtimes, curl, demo_page, run_python, text};

/// A body of `len` bytes that is not all one byte.
fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// A file in a scratch directory of its own (removed with [`remove_scratch`]).
fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fasterapi-serve-h2-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn remove_scratch(file: &std::path::Path) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

both_runtimes!(
    curl_prior_knowledge,
    curl_cleartext_upgrade_h2c,
    nghttp_concurrent_streams_and_upload,
    nghttp_small_window_echo,
    h2load_smoke,
    demo_page_in_headless_chromium_over_h2,
);

fn curl_prior_knowledge(runtime: &str) {
    let server = Server::start_on(runtime);
    // One URL per run: curl 7.88 fails a second request on a reused prior-knowledge
    // connection with "Error in the HTTP2 framing layer" (against nghttpd as well).
    let mut body_text = String::new();
    for path in ["/", "/users/caf%C3%A9", "/nope"] {
        let out = curl(&[
            "--http2-prior-knowledge",
            "-w",
            "|%{http_version}\n",
            &server.url(path),
        ]);
        assert!(out.status.success(), "{out:?}");
        body_text.push_str(&text(&out));
    }
    assert!(body_text.contains(r#""protocol":"HTTP/2""#), "{body_text}");
    assert!(body_text.contains(r#""id":"café""#), "{body_text}");
    assert!(body_text.contains(r#""status":404"#), "{body_text}");
    assert_eq!(body_text.matches("|2\n").count(), 3, "{body_text}");

    // A 300 KB upload echoed back while it streams (several windows' worth of DATA).
    let file = scratch(&format!("upload-{runtime}.bin"));
    let data = body(300_000);
    std::fs::write(&file, &data).expect("write");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "--http2-prior-knowledge"])
        .args(["--data-binary", &format!("@{}", file.display())])
        .args(["-H", "content-type: application/x-test"])
        .arg(server.url("/echo"))
        .output()
        .expect("curl runs");
    remove_scratch(&file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout == data,
        "echo differs: {} bytes",
        out.stdout.len()
    );
}

#[test]
fn curl_h2_over_tls_with_alpn() {
    let server = Server::start_with(&["--tls"]);
    let out = curl(&[
        "-k",
        "--http2",
        "-v",
        "-w",
        "|%{http_version}\n",
        &server.url("/users/7"),
        &server.url("/demo.html"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let body_text = text(&out);
    assert!(body_text.contains(r#""id":"7""#), "{body_text}");
    assert!(body_text.contains("<html"), "{body_text}");
    assert_eq!(body_text.matches("|2\n").count(), 2, "{body_text}");
    let log = stderr(&out);
    assert!(log.contains("ALPN: server accepted h2"), "{log}");

    // The SSE ticker on an h2 stream: a comment, then events with ids 1 and 2.
    let out = curl(&[
        "-k",
        "--http2",
        "-N",
        "--max-time",
        "2.5",
        &server.url("/events"),
    ]);
    let events = text(&out);
    assert!(events.starts_with(": fasterapi ticker\n"), "{events}");
    assert!(events.contains("id: 1\ndata: {\"tick\":1"), "{events}");
    assert!(events.contains("id: 2\ndata: {\"tick\":2"), "{events}");
}

fn curl_cleartext_upgrade_h2c(runtime: &str) {
    let server = Server::start_on(runtime);
    let out = curl(&[
        "--http2",
        "-v",
        "-w",
        "|%{http_version}\n",
        &server.url("/users/1"),
        &server.url("/users/2"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let body_text = text(&out);
    assert!(body_text.contains(r#""id":"1""#), "{body_text}");
    assert!(body_text.contains(r#""id":"2""#), "{body_text}");
    assert_eq!(body_text.matches("|2\n").count(), 2, "{body_text}");
    let log = stderr(&out);
    assert!(log.contains("101 Switching Protocols"), "{log}");

    // An upgrade request with a body is answered in HTTP/1.1 (the helper takes none).
    let out = curl(&[
        "--http2",
        "-w",
        "|%{http_version}",
        "--data-binary",
        "kept in 1.1",
        &server.url("/echo"),
    ]);
    assert_eq!(text(&out), "kept in 1.1|1.1", "{out:?}");
}

fn nghttp(args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("20")
        .arg("nghttp")
        .args(args)
        .output()
        .expect("nghttp is installed (scripts/debian-packages.txt: nghttp2-client)")
}

fn nghttp_concurrent_streams_and_upload(runtime: &str) {
    let server = Server::start_on(runtime);
    let urls: Vec<String> = (1..=6)
        .map(|i| server.url(&format!("/users/{i}")))
        .collect();
    let mut args = vec!["-v", "-n"];
    args.extend(urls.iter().map(String::as_str));
    let out = nghttp(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = text(&out);
    assert!(
        log.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL(0x08):1"),
        "{log}"
    );
    assert_eq!(log.matches(":status: 200").count(), 6, "{log}");
    // All six requests were out before the first response came: concurrent streams.
    let last_request = log.rfind("send HEADERS frame").expect("requests sent");
    let first_response = log.find(":status: 200").expect("a response");
    assert!(last_request < first_response, "{log}");

    let file = scratch(&format!("nghttp-upload-{runtime}.bin"));
    let data = body(200_000);
    std::fs::write(&file, &data).expect("write");
    let path = file.display().to_string();
    let out = nghttp(&["-d", &path, &server.url("/echo")]);
    remove_scratch(&file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout == data,
        "echo differs: {} bytes",
        out.stdout.len()
    );
}

/// `/echo` under tiny client windows (nghttp `-w 10 -W 16`: 1,023 octets per stream,
/// 65,535 on the connection): the server holds the upload's credit while its echo waits for
/// the client's windows and gives it back on the machine's `Event::SendCapacity` (no timer
/// polls), so the 3 MB (three times our receive window) go round without a stall.
fn nghttp_small_window_echo(runtime: &str) {
    let server = Server::start_on(runtime);
    let file = scratch(&format!("nghttp-small-window-{runtime}.bin"));
    // Beyond our 1 MiB stream window: the upload needs the credit the server holds.
    let data = body(3 << 20);
    std::fs::write(&file, &data).expect("write");
    let path = file.display().to_string();
    let out = nghttp(&["-w", "10", "-W", "16", "-d", &path, &server.url("/echo")]);
    remove_scratch(&file);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout == data,
        "echo differs: {} bytes",
        out.stdout.len()
    );
}

fn h2load_smoke(runtime: &str) {
    let server = Server::start_with(&["--runtime", runtime, "--workers", "2"]);
    let out = Command::new("timeout")
        .args(["60", "h2load", "-n", "2000", "-c", "4", "-m", "10"])
        .arg(server.url("/"))
        .output()
        .expect("h2load is installed (scripts/debian-packages.txt: nghttp2-client)");
    let report = text(&out);
    assert!(out.status.success(), "{report}{}", stderr(&out));
    assert!(
        report.contains("requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed"),
        "{report}"
    );
    assert!(report.contains("status codes: 2000 2xx"), "{report}");
}

const HTTPX_H2: &str = r#"
import sys
import httpx

def check(client, base):
    r = client.get(base + "/users/caf%C3%A9")
    assert r.status_code == 200 and r.http_version == "HTTP/2", (r.status_code, r.http_version)
    assert r.json()["id"] == "café", r.text
    r = client.post(base + "/echo", content=iter([b"one,", b"two,", b"three"]))
    assert r.status_code == 200 and r.content == b"one,two,three", (r.status_code, r.content)
    r = client.get(base + "/echo")
    assert r.status_code == 405 and r.headers["allow"] == "POST", (r.status_code, r.headers)
    r = client.head(base + "/")
    assert r.status_code == 200 and r.content == b"", (r.status_code, r.content)

# Cleartext: prior knowledge (http1=False); TLS: ALPN.
with httpx.Client(http1=False, http2=True, timeout=5) as client:
    check(client, sys.argv[1])
with httpx.Client(verify=False, http2=True, timeout=5) as client:
    check(client, sys.argv[2])
print("ok")
"#;

#[test]
fn python_httpx_http2() {
    let plain = Server::start();
    let tls = Server::start_with(&["--tls"]);
    let (status, out) = run_python(
        HTTPX_H2,
        &[&plain.url(""), &tls.url("")],
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success()) && stdout.trim() == "ok",
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A WebSocket over an extended CONNECT stream (RFC 8441) with Python `h2`: the frames are
/// built by hand (masked, as a client must), the echo read back from the stream's DATA.
/// Then the server is stopped with an `/events` stream open: the stream ends and a GOAWAY
/// with NO_ERROR arrives.
const H2_WEBSOCKET: &str = r#"
import os, socket, struct, sys
import h2.connection, h2.config, h2.events, h2.settings

host, port = sys.argv[1].rsplit(":", 1)
sock = socket.create_connection((host, int(port)), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

def events():
    data = sock.recv(65536)
    if not data:
        raise SystemExit("connection closed")
    evs = conn.receive_data(data)
    sock.sendall(conn.data_to_send())
    return evs

settings = {}
while h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL not in settings:
    for e in events():
        if isinstance(e, h2.events.RemoteSettingsChanged):
            settings.update({k: v.new_value for k, v in e.changed_settings.items()})
assert settings[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL] == 1, settings

sid = conn.get_next_available_stream_id()
conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                        (":path", "/ws"), (":authority", sys.argv[1]), ("sec-websocket-version", "13")])
sock.sendall(conn.data_to_send())
status = None
while status is None:
    for e in events():
        if isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid:
            status = dict(e.headers)[":status"]
assert status == "200", status

def frame(opcode, payload):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    head = bytes([0x80 | opcode])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + masked

text = ("hello over an h2 stream " * 20).encode()
conn.send_data(sid, frame(1, text))
sock.sendall(conn.data_to_send())
got = b""
while len(got) < len(text) + 4:
    for e in events():
        if isinstance(e, h2.events.DataReceived) and e.stream_id == sid:
            got += e.data
            conn.acknowledge_received_data(e.flow_controlled_length, sid)
    sock.sendall(conn.data_to_send())
assert got[0] == 0x81 and got[1] == 126, got[:4]
assert got[4:4 + len(text)] == text, got
# A close frame: the server answers 1000 and ends the stream.
conn.send_data(sid, frame(8, struct.pack("!H", 1000)))
sock.sendall(conn.data_to_send())
closed = ended = False
while not ended:
    for e in events():
        if isinstance(e, h2.events.DataReceived) and e.stream_id == sid:
            closed |= e.data[:1] == b"\x88"
        if isinstance(e, h2.events.StreamEnded) and e.stream_id == sid:
            ended = True
assert closed
print("ws ok", flush=True)

# Shutdown: an open event stream ends, then GOAWAY NO_ERROR.
sid = conn.get_next_available_stream_id()
conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":path", "/events"),
                        (":authority", sys.argv[1])], end_stream=True)
sock.sendall(conn.data_to_send())
got_event = False
while not got_event:
    for e in events():
        got_event |= isinstance(e, h2.events.DataReceived) and b"id: 1" in e.data
print("events ok", flush=True)
sys.stdin.readline()  # the test stops the server now
# Python h2 drops frames after a GOAWAY, so the rest is read as raw frames until the
# server closes: the event stream's END_STREAM and a GOAWAY with NO_ERROR.
raw = b""
while True:
    chunk = sock.recv(65536)
    if not chunk:
        break
    raw += chunk
goaway = ended = False
while len(raw) >= 9:
    length = int.from_bytes(raw[:3], "big")
    kind, flags = raw[3], raw[4]
    stream = int.from_bytes(raw[5:9], "big") & 0x7FFFFFFF
    payload = raw[9:9 + length]
    raw = raw[9 + length:]
    if kind == 7:
        assert int.from_bytes(payload[4:8], "big") == 0, payload
        goaway = True
    if kind == 0 and stream == sid and flags & 1:
        ended = True
assert goaway and ended, (goaway, ended)
print("goaway ok", flush=True)
"#;

#[test]
fn python_h2_websocket_over_extended_connect_and_goaway() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let mut server = Server::start_with(&["--workers", "1"]);
    let mut child = Command::new(serve_support::python())
        .args(["-c", H2_WEBSOCKET, &server.addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
    let first = next();
    let second = next();
    let ready = first == "ws ok" && second == "events ok";
    if ready {
        server.signal("TERM");
        let _ = writeln!(child.stdin.as_mut().expect("piped"));
    }
    let third = if ready { next() } else { String::new() };
    let status = serve_support::wait_child(&mut child, Duration::from_secs(20));
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        ready && third == "goaway ok" && status.is_some_and(|s| s.success()),
        "{first} / {second} / {third} / {status:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exit = server.wait(Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
}

fn demo_page_in_headless_chromium_over_h2(runtime: &str) {
    let server = Server::start_with(&["--runtime", runtime, "--tls"]);
    // Chromium's net log shows how the page's WebSocket went: an extended CONNECT on the h2
    // connection (RFC 8441) when the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL.
    let log = scratch(&format!("netlog-{runtime}.json"));
    let log_flag = format!("--log-net-log={}", log.display());
    let seen = demo_page(&server, &["--ignore-certificate-errors", &log_flag]);
    let net_log = std::fs::read_to_string(&log).unwrap_or_default();
    remove_scratch(&log);
    assert_demo_result(&seen);
    assert_eq!(seen["page_protocol"], "h2", "{seen}");
    assert!(
        net_log.contains(":protocol: websocket"),
        "no extended CONNECT in Chromium's net log ({} bytes)",
        net_log.len()
    );
}

/// fasterapi-tokio's `H2Client` (prior knowledge): an upload and two GETs multiplexed on one
/// connection, answered in any order.
#[test]
fn fasterapi_h2_client_multiplexed() {
    let server = Server::start();
    let port: u16 = server
        .addr
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("a port");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut client = fasterapi_tokio::H2Client::connect("127.0.0.1", port, None)
            .await
            .expect("connects");
        let data = bytes::Bytes::from(body(200_000));
        let ct: &[(&[u8], &[u8])] = &[(b"content-type", b"application/x-test")];
        let echo = client
            .send(b"POST", "/echo", ct, Some(data.clone()))
            .await
            .expect("upload");
        let user = client
            .send(b"GET", "/users/9", &[], None)
            .await
            .expect("get");
        let hello = client.send(b"GET", "/", &[], None).await.expect("get");
        let r = client.response(hello).await.expect("hello");
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(br#"{"hello":"fasterapi""#));
        let r = client.response(user).await.expect("user");
        assert_eq!(&r.body[..], b"{\"id\":\"9\",\"name\":\"user 9\"}\n");
        let r = client.response(echo).await.expect("echo");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.headers.get(b"content-type"),
            Some(&b"application/x-test"[..])
        );
        assert!(r.body == data, "echo differs: {} bytes", r.body.len());
        client.close().await.expect("GOAWAY, then closed");
    });
}

/// Back-pressure on `/echo` over h2 (RFC 9113 §5.2): a client that uploads without reading
/// the echo is stopped by the server's windows (it returns no credit while the echo cannot
/// be sent), so the server's send queue stays bounded; once the client reads, the upload goes
/// on and the whole echo arrives.
const H2_BACKPRESSURE: &str = r#"
import socket, sys, time
import h2.connection, h2.config, h2.events

host, port = sys.argv[1].rsplit(":", 1)
sock = socket.create_connection((host, int(port)), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())
sid = conn.get_next_available_stream_id()
conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", "/echo"),
                        (":authority", sys.argv[1])])
sock.sendall(conn.data_to_send())
data = bytes(i % 251 for i in range(4 << 20))
sent, got, reading, ended = 0, [], False, False
stalled_since = None
def pump(wait):
    global ended
    sock.settimeout(wait)
    try:
        chunk = sock.recv(1 << 20)
    except socket.timeout:
        return False
    if not chunk:
        raise SystemExit("server closed")
    for e in conn.receive_data(chunk):
        if isinstance(e, h2.events.DataReceived):
            got.append(e.data)
            if reading:
                conn.acknowledge_received_data(e.flow_controlled_length, sid)
        if isinstance(e, h2.events.StreamEnded):
            ended = True
        if isinstance(e, h2.events.StreamReset):
            raise SystemExit("reset %r" % e)
    sock.sendall(conn.data_to_send())
    return True
deadline = time.time() + 30
while not ended and time.time() < deadline:
    window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
    if sent < len(data) and window > 0:
        n = min(window, len(data) - sent)
        conn.send_data(sid, data[sent:sent + n], end_stream=sent + n == len(data))
        sock.sendall(conn.data_to_send())
        sent += n
        stalled_since = None
        continue
    if not pump(0.2) and not reading:
        stalled_since = stalled_since or time.time()
        if time.time() - stalled_since > 1.0:
            # Stopped by the server: it holds what it could not send back.
            print("stalled after", sent, flush=True)
            assert sent < (3 << 19), sent
            reading = True
            received = sum(len(g) for g in got)
            conn.acknowledge_received_data(received, sid) if received else None
            sock.sendall(conn.data_to_send())
assert ended, (sent, sum(len(g) for g in got))
assert b"".join(got) == data, sum(len(g) for g in got)
print("ok", flush=True)
"#;

#[test]
fn echo_backpressure_over_h2() {
    let server = Server::start_with(&["--workers", "1"]);
    let (status, out) = run_python(H2_BACKPRESSURE, &[&server.addr], Duration::from_secs(45));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success())
            && stdout.contains("stalled after")
            && stdout.trim_end().ends_with("ok"),
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
