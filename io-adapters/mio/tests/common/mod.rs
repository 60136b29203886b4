//! The test application (fasterapi-http1's server machine with a few routes) and helpers to
//! run it on a reactor or a server and talk to it with real peers.

#![allow(dead_code, unreachable_pub, reason = "each test file uses a part")]

use core::net::SocketAddr;
use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread::JoinHandle;

use bytes::{Bytes, BytesMut};
use fasterapi_core::{Handler, Timestamp};
use fasterapi_http1::{ConnectionConfig, Event, Header, IncomingRequest, ServerConnection};
use fasterapi_mio::{
    Continue, DriverConfig, End, Finished, Reactor, ServeStats, Session, ShutdownHandle,
};
use fasterapi_websocket::handshake::{Accepted, DefaultCrypto, ServerOptions};

/// How long `GET /slow` waits, on the handler's own timer, before it answers.
pub const SLOW: Duration = Duration::from_millis(50);
/// The size of `GET /big`'s body: far more than the socket buffers hold.
pub const BIG: usize = 8 << 20;

/// Routes: `GET /` greets, `POST /echo` echoes the body, `GET /big` sends [`BIG`] bytes,
/// `GET /slow` answers after [`SLOW`] from a handler timer, `GET /ws` upgrades to a WebSocket,
/// `GET /panic` panics.
#[derive(Default)]
pub struct App {
    path: Vec<u8>,
    body: BytesMut,
    /// When `/slow`'s answer is due.
    slow_at: Option<Timestamp>,
    /// After a WebSocket handshake: what the WebSocket machine needs.
    pub upgrade: Option<Accepted>,
    pub leftover: Option<Bytes>,
}

impl App {
    fn respond(conn: &mut ServerConnection, body: Bytes) {
        let len = body.len().to_string();
        let headers = [
            Header {
                name: b"content-type",
                value: b"text/plain",
            },
            Header {
                name: b"content-length",
                value: len.as_bytes(),
            },
        ];
        conn.send_response(200, &headers).expect("response");
        conn.send_data(body).expect("body");
        conn.end_body().expect("end");
    }

    fn on_request(&mut self, conn: &mut ServerConnection, req: &IncomingRequest) {
        self.path = req.target.to_vec();
        self.body.clear();
        if &req.target[..] == b"/ws" {
            let options = ServerOptions::new();
            self.upgrade =
                fasterapi_websocket::http1::accept_request(conn, req, &options, &DefaultCrypto)
                    .ok();
        }
    }
}

impl Handler<ServerConnection> for App {
    fn on_event(&mut self, conn: &mut ServerConnection, event: Event, now: Timestamp) {
        match event {
            Event::Request(req) => self.on_request(conn, &req),
            Event::Data(data) => self.body.extend_from_slice(&data),
            Event::Switched { leftover } => self.leftover = Some(leftover),
            Event::EndOfMessage { .. } if self.upgrade.is_none() => match &self.path[..] {
                b"/echo" => Self::respond(conn, self.body.split().freeze()),
                b"/big" => Self::respond(conn, Bytes::from(vec![b'x'; BIG])),
                b"/slow" => self.slow_at = Some(now + SLOW),
                b"/panic" => panic!("a handler bug (expected by the test)"),
                _ => Self::respond(conn, Bytes::from_static(b"hello from fasterapi-mio\n")),
            },
            _ => {}
        }
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        self.slow_at
    }

    fn handle_timeout(&mut self, conn: &mut ServerConnection, now: Timestamp) {
        if self.slow_at.is_some_and(|t| t <= now) {
            self.slow_at = None;
            Self::respond(conn, Bytes::from_static(b"slow hello\n"));
        }
    }
}

/// Echoes every WebSocket message back in the kind it came.
pub struct WsEcho;

impl Handler<fasterapi_websocket::Connection> for WsEcho {
    fn on_event(
        &mut self,
        ws: &mut fasterapi_websocket::Connection,
        event: fasterapi_websocket::Event,
        _now: Timestamp,
    ) {
        let _ = match event {
            fasterapi_websocket::Event::Text(text) => ws.send_text(&text),
            fasterapi_websocket::Event::Binary(data) => ws.send_binary_vec(data),
            _ => Ok(()),
        };
    }
}

/// After a WebSocket handshake, the same socket continues as a WebSocket on the same reactor.
fn continue_as_websocket(finished: Finished<ServerConnection, App>) -> Continue {
    let Finished {
        mut handler,
        stream,
        result,
        now,
        ..
    } = finished;
    if result.ok()? != End::HandedOff {
        return None;
    }
    let accepted = handler.upgrade.take()?;
    let mut ws = fasterapi_websocket::Connection::server(
        accepted.config(fasterapi_websocket::Config::default()),
    );
    let leftover = handler.leftover.take().unwrap_or_default();
    ws.handle_leftover(now, &leftover).ok()?;
    Some((stream, Session::new(ws, WsEcho)))
}

/// A new connection of the test application.
pub fn session(_peer: SocketAddr) -> Session {
    Session::with_finish(
        ServerConnection::new(ConnectionConfig::default()),
        App::default(),
        continue_as_websocket,
    )
}

/// One reactor on its own thread, listening on a free loopback port.
pub struct Running {
    pub addr: SocketAddr,
    pub stop: ShutdownHandle,
    thread: JoinHandle<std::io::Result<ServeStats>>,
}

pub fn start(config: DriverConfig) -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut reactor = Reactor::new(config)?;
        reactor.listen(listener, session)?;
        tx.send(reactor.shutdown_handle()).expect("test waits");
        reactor.run()
    });
    let stop = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("reactor starts");
    Running { addr, stop, thread }
}

impl Running {
    /// Shuts down gracefully and returns the stats, within a bounded time.
    pub fn stop(self) -> ServeStats {
        self.stop.shutdown();
        join_within(self.thread, Duration::from_secs(10))
    }
}

/// Joins `thread`, failing the test if it takes longer than `limit`.
pub fn join_within<T: Send + 'static>(
    thread: JoinHandle<std::io::Result<T>>,
    limit: Duration,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    while !thread.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the reactor did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    thread.join().expect("reactor thread").expect("reactor ok")
}

pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl must be installed (scripts/debian-packages.txt)");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A blocking loopback client with a read timeout, so no test hangs.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    sock
}

/// Reads exactly one response with a `content-length` body, leaving what follows it (a
/// pipelined response) in the socket; returns (head, body).
pub fn read_response(sock: &mut TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = sock.read(&mut byte).expect("read head");
        assert!(n > 0, "closed before a response: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("ascii head");
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .trim()
        .parse()
        .expect("length");
    let mut body = vec![0u8; len];
    sock.read_exact(&mut body).expect("read body");
    (head, body)
}

pub fn get(sock: &mut TcpStream, path: &str) -> (String, Vec<u8>) {
    // One write: a request split over writes meets Nagle and delayed ACKs (40 ms each).
    let request = format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");
    sock.write_all(request.as_bytes()).expect("write");
    read_response(sock)
}

/// Reads until the server closes; panics if it does not within the read timeout.
pub fn read_to_close(sock: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    sock.read_to_end(&mut rest)
        .expect("the server closes the connection");
    rest
}
