//! Real peers for the per-stream reactions of RFC 9113 that keep a connection going: an
//! oversized request head answered 431 (§10.5.1), sending paced by `Event::SendCapacity` under
//! a small flow-control window (§6.9), and the two-step graceful shutdown (§6.8). Python `h2`,
//! `nghttp` and `curl` are the clients; each is started here, bounded by `timeout`, and a
//! missing peer fails the test.

use core::net::SocketAddr;
use core::time::Duration;
use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::thread;

use bytes::Bytes;
use fasterapi_core::{BlockingDriver, DriverConfig, Machine};
use fasterapi_http2::{Config, Connection, Event, StreamId};

/// The `/stream` body: 200 KB.
const STREAM_LEN: usize = 200_000;
/// `/stream` is sent in pieces of this size, each only while the windows have room.
const PIECE: usize = 4096;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let p = workspace().join("target/venv/bin/python");
    assert!(
        p.exists(),
        "{} missing: scripts/test creates the venv from scripts/requirements.txt",
        p.display()
    );
    p
}

fn stream_body() -> Bytes {
    (0..STREAM_LEN).map(|i| (i % 251) as u8).collect()
}

/// What one connection saw.
#[derive(Debug, Default)]
struct Seen {
    too_large: Vec<StreamId>,
    capacity_events: usize,
    requests: Vec<StreamId>,
}

/// Queues the next pieces of `/stream` while the windows have room; true when all is queued.
fn pump(m: &mut Connection, id: StreamId, sent: &mut usize, body: &Bytes) -> bool {
    while *sent < body.len() && m.send_capacity(id) >= 0 {
        let end = (*sent + PIECE).min(body.len());
        m.send_data(id, body.slice(*sent..end), end == body.len())
            .unwrap();
        *sent = end;
    }
    *sent == body.len()
}

/// Serves one connection: `/` says hello, `/stream` sends 200 KB paced by
/// `Event::SendCapacity`, `/shutdown` starts the graceful shutdown and answers "bye" (after
/// counting the body, when there is one).
fn serve_connection(tcp: TcpStream) -> Seen {
    tcp.set_nodelay(true).unwrap();
    let mut d = BlockingDriver::with_config(
        Connection::server(Config::default()),
        tcp,
        DriverConfig::default().idle_timeout(Some(Duration::from_secs(20))),
    );
    let body = stream_body();
    let mut streaming: Option<(StreamId, usize)> = None;
    let mut uploads: HashMap<StreamId, usize> = HashMap::new();
    let mut seen = Seen::default();
    while let Some(ev) = d.next_event().expect("the connection failed") {
        let now = d.now();
        let m = d.machine_mut();
        match ev {
            Event::Request {
                stream_id,
                head,
                end_stream,
            } => {
                seen.requests.push(stream_id);
                match head.path.as_deref() {
                    Some(b"/stream") => {
                        let len = STREAM_LEN.to_string();
                        m.send_response(
                            stream_id,
                            200,
                            &[(b"content-length", len.as_bytes())],
                            false,
                        )
                        .unwrap();
                        let mut sent = 0;
                        if !pump(m, stream_id, &mut sent, &body) {
                            streaming = Some((stream_id, sent));
                        }
                    }
                    Some(b"/shutdown") => {
                        m.close(now);
                        if end_stream {
                            m.send_response(stream_id, 200, &[], false).unwrap();
                            m.send_data(stream_id, Bytes::from_static(b"bye\n"), true)
                                .unwrap();
                        } else {
                            uploads.insert(stream_id, 0);
                        }
                    }
                    _ => {
                        m.send_response(stream_id, 200, &[], false).unwrap();
                        m.send_data(stream_id, Bytes::from_static(b"hello\n"), true)
                            .unwrap();
                    }
                }
            }
            Event::SendCapacity { stream_id } => {
                seen.capacity_events += 1;
                if let Some((id, sent)) = streaming.as_mut() {
                    if *id == stream_id && pump(m, stream_id, sent, &body) {
                        streaming = None;
                    }
                }
            }
            Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                if let Some(n) = uploads.get_mut(&stream_id) {
                    *n += data.len();
                    if end_stream {
                        let answer = format!("bye after {n} octets\n");
                        m.send_response(stream_id, 200, &[], false).unwrap();
                        m.send_data(stream_id, Bytes::from(answer), true).unwrap();
                    }
                }
            }
            Event::HeaderListTooLarge { stream_id } => seen.too_large.push(stream_id),
            _ => {}
        }
    }
    seen
}

/// Our server on a free port for one connection; the thread returns what it saw.
fn server() -> (SocketAddr, thread::JoinHandle<Seen>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || serve_connection(l.accept().unwrap().0));
    (addr, h)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (is it installed?)"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn python_case(mode: &str) -> Seen {
    let (addr, h) = server();
    let out = run(Command::new("timeout")
        .arg("30")
        .arg(python())
        .arg(workspace().join("protocols/http2/tests/h2_cases.py"))
        .arg(mode)
        .arg(addr.port().to_string()));
    assert_eq!(out.trim(), "ok");
    h.join().unwrap()
}

#[test]
fn python_h2_oversized_head_gets_431_then_the_connection_goes_on() {
    let seen = python_case("oversized");
    assert_eq!(seen.too_large, [StreamId::new(1)]);
    assert_eq!(
        seen.requests,
        [StreamId::new(3)],
        "only the second request reached us"
    );
}

#[test]
fn nghttp_oversized_heads_get_431_on_one_connection() {
    // Two requests with a 20 KB field each, on one connection: two 431s, no GOAWAY.
    let (addr, h) = server();
    let huge = format!("x-huge: {}", "n".repeat(20_000));
    let out = run(Command::new("timeout")
        .args(["30", "nghttp", "-v", "-H"])
        .arg(&huge)
        .args([format!("http://{addr}/a"), format!("http://{addr}/b")]));
    assert_eq!(out.matches(":status: 431").count(), 2, "{out}");
    assert!(!out.contains("recv GOAWAY"), "{out}");
    let seen = h.join().unwrap();
    assert_eq!(seen.too_large.len(), 2);
}

#[test]
fn python_h2_small_window_download_is_paced_by_send_capacity() {
    let seen = python_case("small-window");
    assert_eq!(seen.requests, [StreamId::new(1)]);
    assert!(
        seen.capacity_events >= 10,
        "200 KB through a 1,000-octet window: {} events",
        seen.capacity_events
    );
}

#[test]
fn nghttp_small_window_download_is_paced_by_send_capacity() {
    // nghttp -w 10: a 1 KiB stream window (2^10); -W 16: a 64 KiB connection window.
    let (addr, h) = server();
    let out = Command::new("timeout")
        .args(["30", "nghttp", "-w", "10", "-W", "16"])
        .arg(format!("http://{addr}/stream"))
        .output()
        .expect("nghttp (Debian nghttp2-client) must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == stream_body(), "{} octets", out.stdout.len());
    assert!(h.join().unwrap().capacity_events >= 10);
}

#[test]
fn nghttp_requests_in_flight_finish_during_graceful_shutdown() {
    // Two requests multiplexed at once (nghttp's streams 13 and 15); the first starts the
    // shutdown. The second was sent before nghttp saw the first GOAWAY: it is processed, and
    // the final GOAWAY names it.
    let (addr, h) = server();
    let out = run(Command::new("timeout")
        .args(["30", "nghttp", "-v"])
        .args([format!("http://{addr}/shutdown"), format!("http://{addr}/")]));
    // The GOAWAYs nghttp received, by last stream id (the second may come after nghttp,
    // all answers in, has closed).
    let lines: Vec<&str> = out.lines().collect();
    let goaways: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[0].contains("recv GOAWAY"))
        .filter_map(|w| w[1].split("last_stream_id=").nth(1))
        .map(|rest| rest.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(goaways.first(), Some(&"2147483647"), "{out}");
    assert!(goaways.len() == 1 || goaways[1] == "15", "{out}");
    assert!(out.contains("recv PING frame"), "{out}");
    assert_eq!(out.matches(":status: 200").count(), 2, "{out}");
    assert_eq!(h.join().unwrap().requests.len(), 2);
}

#[test]
fn curl_upload_in_flight_finishes_during_graceful_shutdown() {
    // The shutdown starts on the request head while curl is still sending a 1 MB body: the
    // GOAWAYs and the PING arrive mid-upload, the upload and its answer complete.
    let (addr, h) = server();
    let dir = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("http2-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("upload");
    std::fs::write(&file, vec![b'u'; 1 << 20]).unwrap();
    let out = run(Command::new("timeout")
        .args([
            "30",
            "curl",
            "-sS",
            "--http2-prior-knowledge",
            "--data-binary",
        ])
        .arg(format!("@{}", file.display()))
        .arg(format!("http://{addr}/shutdown")));
    assert_eq!(out, "bye after 1048576 octets\n");
    assert_eq!(h.join().unwrap().requests.len(), 1);
}
