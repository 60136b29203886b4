//! Real peers over loopback TCP: our [`Client`] machine reads a Python `sse-starlette` server
//! under `uvicorn` (CRLF line ends, chunked HTTP/1.1, reconnection with `Last-Event-ID`, a
//! final `204`), and Python `httpx-sse` reads our [`Server`] stream. The tests start the Python
//! side themselves (`$VENV/bin/python`, else `target/venv/bin/python`; `scripts/test`
//! installs `scripts/requirements.txt` there) and fail, never skip, when it is missing.
//!
//! Time is simulated: the reconnection delay the client asks for is honoured by moving the
//! machine's clock to the `Reconnecting { at }` it announced, not by sleeping.

use core::time::Duration;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{
    BodyKind, Chunk, ChunkedDecoder, HeaderSlot, RequestParser, ResponseParser, Status,
};
use fasterapi_sse::{Client, ClientConfig, ClientEvent, Failure, Message, Server, ServerConfig};

const TIMEOUT: Duration = Duration::from_secs(10);

fn python() -> PathBuf {
    let venv = std::env::var_os("VENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv"),
        PathBuf::from,
    );
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "{} is missing: run `python3 -m venv target/venv && target/venv/bin/pip install -r scripts/requirements.txt`",
        py.display()
    );
    py
}

/// A child process killed (and reaped) when the test ends, however it ends.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server: `/events` resumes after `Last-Event-ID` (0 when absent), sends two events per
/// connection and ends the body; from id 4 on it answers `204 No Content`, which must stop the
/// client for good.
const STARLETTE_SERVER: &str = r#"
import socket, sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

async def events(request):
    last = request.headers.get("last-event-id")
    start = int(last) + 1 if last is not None else 0
    if start >= 4:
        return Response(status_code=204)
    async def gen():
        if start == 0:
            yield ServerSentEvent(comment="hello")
            yield ServerSentEvent(retry=250)
        yield ServerSentEvent(data=f"first {start}\nsecond line", id=str(start), event="tick")
        yield ServerSentEvent(data="Grüße, 世界 🚀 " * 40, id=str(start + 1))
    # ping: far in the future, so no keep-alive comment lands in the middle of the test.
    return EventSourceResponse(gen(), ping=3600)

app = Starlette(routes=[Route("/events", events)])
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(16)  # connections wait in the backlog until uvicorn serves
print(sock.getsockname()[1], flush=True)
config = uvicorn.Config(app, log_level="warning", lifespan="off")
uvicorn.Server(config).run(sockets=[sock])
"#;

/// Sends one request and drives the client with the response; returns when the body ended.
fn one_connection(port: u16, client: &mut Client<impl FnMut() -> u32>, now: Timestamp) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut request = format!("GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in client.request_headers() {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();

    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (status, head_len, content_type, chunked) = loop {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the server closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
        let mut slots = [HeaderSlot::EMPTY; 32];
        let mut parser = ResponseParser::default();
        if let Status::Complete(resp) = parser.parse(&buf, &mut slots[..]).unwrap() {
            let kind = resp.body_kind(b"GET").unwrap();
            break (
                resp.status(),
                resp.head_len(),
                resp.header("content-type").map(<[u8]>::to_vec),
                kind == BodyKind::Chunked,
            );
        }
    };
    client
        .handle_response(now, status, content_type.as_deref())
        .unwrap();
    if status != 200 {
        return;
    }
    assert!(chunked, "uvicorn streams HTTP/1.1 bodies chunked");
    let mut pending = buf.split_off(head_len);
    let mut dec = ChunkedDecoder::default();
    loop {
        let mut at = 0;
        loop {
            let (used, item) = dec.decode(&pending[at..]).unwrap();
            at += used;
            match item {
                Some(Chunk::Data(d)) => {
                    let mut rest = d;
                    while !rest.is_empty() {
                        let n = client.handle_input(now, rest).unwrap();
                        rest = &rest[n..];
                    }
                }
                Some(Chunk::End) => {
                    client.handle_eof(now).unwrap();
                    return;
                }
                Some(_) => panic!("no trailers expected"),
                None => break,
            }
        }
        pending.drain(..at);
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the connection closed inside the chunked body");
        pending.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn our_client_reads_sse_starlette_and_reconnects_with_last_event_id() {
    let mut child = Command::new(python())
        .args(["-c", STARLETTE_SERVER])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _peer = Peer(child);
    let port: u16 = line.trim().parse().expect("the server prints its port");

    let mut config = ClientConfig::default();
    config.jitter_permille = 0;
    let mut client = Client::new(config, || 0u32);
    let mut now = Timestamp::ZERO;
    let mut messages = Vec::new();
    let mut delays = Vec::new();
    let mut sent_ids = Vec::new();
    let mut failure = None;
    for _ in 0..5 {
        sent_ids.push(client.last_event_id().map(str::to_owned));
        one_connection(port, &mut client, now);
        while let Some(e) = client.poll_event() {
            match e {
                ClientEvent::Open | ClientEvent::Connect => {}
                ClientEvent::Message(m) => {
                    messages.push((
                        m.event_type.into_owned(),
                        m.data.into_owned(),
                        m.id.into_owned(),
                    ));
                }
                ClientEvent::Reconnecting { at, delay } => {
                    delays.push(delay);
                    now = at;
                    client.handle_timeout(now).unwrap();
                }
                ClientEvent::Failed(f) => failure = Some(f),
                other => panic!("unexpected {other:?}"),
            }
        }
        if failure.is_some() {
            break;
        }
    }
    let long = "Grüße, 世界 🚀 ".repeat(40);
    assert_eq!(
        messages,
        [
            ("tick".into(), "first 0\nsecond line".into(), "0".into()),
            ("message".into(), long.clone(), "1".into()),
            ("tick".into(), "first 2\nsecond line".into(), "2".into()),
            ("message".into(), long, "3".into()),
        ]
    );
    // The ids the client sent: none at first, then the last one it saw.
    assert_eq!(sent_ids, [None, Some("1".into()), Some("3".into())]);
    // `retry: 250` from the first connection sets every later delay.
    assert_eq!(delays, [Duration::from_millis(250); 2]);
    assert_eq!(failure, Some(Failure::Status(204)));
}

/// The client: reads our stream with `httpx-sse` and prints each event as JSON.
const HTTPX_CLIENT: &str = r#"
import json, sys
import httpx
from httpx_sse import connect_sse

with httpx.Client(timeout=10) as client:
    with connect_sse(client, "GET", f"http://127.0.0.1:{sys.argv[1]}/events",
                     headers={"Last-Event-ID": "41"}) as source:
        assert source.response.headers["content-type"] == "text/event-stream", source.response.headers
        for sse in source.iter_sse():
            print(json.dumps({"event": sse.event, "data": sse.data, "id": sse.id, "retry": sse.retry}), flush=True)
print("done", flush=True)
"#;

#[test]
fn python_httpx_sse_reads_our_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        // The request head, parsed strictly.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        let last_id = loop {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the client closed before its request head");
            buf.extend_from_slice(&chunk[..n]);
            let mut slots = [HeaderSlot::EMPTY; 32];
            let mut parser = RequestParser::default();
            if let Status::Complete(req) = parser.parse(&buf, &mut slots[..]).unwrap() {
                assert_eq!(req.target(), b"/events");
                break req.header("last-event-id").map(<[u8]>::to_vec);
            }
        };
        let t0 = Timestamp::ZERO;
        let mut sse = Server::new(t0, ServerConfig::default());
        sse.send(
            t0,
            &Message::new("resumed after 41")
                .with_id("42")
                .with_retry(3000),
        )
        .unwrap();
        sse.send(
            t0,
            &Message::new("two\nlines\r\nand CRLF").with_event("multi"),
        )
        .unwrap();
        // An idle stream gets a keep-alive comment, which the client skips.
        let due = sse.poll_timeout().unwrap();
        sse.handle_timeout(due).unwrap();
        sse.send(due, &Message::new("Grüße, 世界 🚀").with_id("43"))
            .unwrap();
        sse.send(due, &Message::new("")).unwrap();
        sse.close(due);
        let mut out = [0u8; 100];
        loop {
            let n = sse.poll_transmit(due, &mut out);
            if n == 0 {
                break;
            }
            stream.write_all(&out[..n]).unwrap();
        }
        assert!(sse.is_closed());
        last_id
    });
    let out = Command::new(python())
        .args(["-c", HTTPX_CLIENT, &port.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let last_id = server.join().unwrap();
    assert!(out.status.success(), "httpx-sse client failed");
    assert_eq!(last_id.as_deref(), Some(&b"41"[..]));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"event": "message", "data": "resumed after 41", "id": "42", "retry": 3000}"#,
            r#"{"event": "multi", "data": "two\nlines\nand CRLF", "id": "42", "retry": null}"#,
            r#"{"event": "message", "data": "Gr\u00fc\u00dfe, \u4e16\u754c \ud83d\ude80", "id": "43", "retry": null}"#,
            r#"{"event": "message", "data": "", "id": "43", "retry": null}"#,
            "done",
        ]
    );
}
