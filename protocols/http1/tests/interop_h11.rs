//! Python `h11` as the peer in both roles: an h11 client against `ServerConnection`, and
//! `ClientConnection` against an h11 server. The venv (`target/venv`, with h11 from
//! scripts/requirements.txt) is required: a missing peer fails the test.

mod interop_support;

use core::sync::atomic::Ordering;
use core::time::Duration;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use fasterapi_core::{BlockingDriver, DriverConfig};
use fasterapi_http1::{ClientConnection, ConnState, Event};
use interop_support::{h, python, start_server};
use serde_json::Value;

const H11_CLIENT: &str = r#"
import json, socket, sys
import h11

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
conn = h11.Connection(our_role=h11.CLIENT)
out = []

def send(event):
    data = conn.send(event)
    if data:
        sock.sendall(data)

def response():
    resp, body, info = None, b"", []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
        elif isinstance(event, h11.InformationalResponse):
            info.append(event.status_code)
        elif isinstance(event, h11.Response):
            resp = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            headers = {k.decode(): v.decode() for k, v in resp.headers}
            out.append({"status": resp.status_code, "body": body.decode(),
                        "headers": headers, "info": info})
            return

send(h11.Request(method="GET", target="/chunked", headers=[("Host", "x")]))
send(h11.EndOfMessage())
response()
conn.start_next_cycle()

send(h11.Request(method="POST", target="/upload",
                 headers=[("Host", "x"), ("Transfer-Encoding", "chunked"),
                          ("Expect", "100-continue")]))
send(h11.Data(data=b"hello "))
send(h11.Data(data=b"world"))
send(h11.EndOfMessage(headers=[("X-Sum", "11")]))
response()
conn.start_next_cycle()

send(h11.Request(method="HEAD", target="/head",
                 headers=[("Host", "x"), ("Connection", "close")]))
send(h11.EndOfMessage())
response()
out.append({"our_state": str(conn.our_state), "their_state": str(conn.their_state)})
print(json.dumps(out))
"#;

#[test]
fn h11_client_against_server_machine() {
    let server = start_server();
    let out = Command::new(python())
        .args(["-c", H11_CLIENT, &server.port.to_string()])
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "h11 client failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).expect("the script prints JSON");
    assert_eq!(v[0]["status"], 200);
    assert_eq!(v[0]["body"], "GET /chunked 0 bytes");
    assert_eq!(v[0]["headers"]["transfer-encoding"], "chunked");
    assert_eq!(v[1]["body"], "POST /upload 11 bytes trailers=1");
    // The server answered the expectation by itself when the application read the body.
    assert_eq!(v[1]["info"][0], 100);
    assert_eq!(v[2]["body"], "");
    assert_eq!(v[2]["headers"]["content-length"], "18");
    assert_eq!(v[2]["headers"]["connection"], "close");
    assert_eq!(v[3]["our_state"], "MUST_CLOSE");
    assert_eq!(v[3]["their_state"], "MUST_CLOSE");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

const H11_SERVER: &str = r#"
import json, socket, sys
import h11

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
listener.settimeout(15)
print(listener.getsockname()[1], flush=True)
sock, _ = listener.accept()
sock.settimeout(15)
conn = h11.Connection(our_role=h11.SERVER)
log = []

def send(event):
    data = conn.send(event)
    if data:
        sock.sendall(data)

while True:
    request, body, trailers = None, b"", []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
            continue
        if isinstance(event, h11.ConnectionClosed):
            print(json.dumps(log), flush=True)
            sys.exit(0)
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            trailers = [(k.decode(), v.decode()) for k, v in event.headers]
            break
    log.append({"method": request.method.decode(), "target": request.target.decode(),
                "body": body.decode(), "trailers": trailers})
    payload = b"%s %s %d" % (request.method, request.target, len(body))
    if request.target == b"/chunked":
        send(h11.Response(status_code=200, headers=[("Transfer-Encoding", "chunked")]))
        send(h11.Data(data=payload[:4]))
        send(h11.Data(data=payload[4:]))
        send(h11.EndOfMessage(headers=[("X-Done", "1")]))
    elif request.target == b"/early":
        send(h11.InformationalResponse(status_code=103, headers=[("Link", "</a.css>; rel=preload")]))
        send(h11.Response(status_code=204, headers=[]))
        send(h11.EndOfMessage())
    else:
        send(h11.Response(status_code=200, headers=[("Content-Length", str(len(payload)))]))
        send(h11.Data(data=payload))
        send(h11.EndOfMessage())
    if conn.our_state is h11.MUST_CLOSE:
        sock.close()
        print(json.dumps(log), flush=True)
        sys.exit(0)
    conn.start_next_cycle()
"#;

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Driver = BlockingDriver<ClientConnection, TcpStream>;

/// Reads one whole response: (status, informational statuses, body, trailer count).
fn response(d: &mut Driver) -> (u16, Vec<u16>, String, usize) {
    let mut status = 0;
    let mut info = Vec::new();
    let mut body = Vec::new();
    loop {
        match d.next_event().expect("drive").expect("an event") {
            Event::Informational(r) => info.push(r.status),
            Event::Response(r) => status = r.status,
            Event::Data(b) => body.extend_from_slice(&b),
            Event::EndOfMessage { trailers } => {
                return (
                    status,
                    info,
                    String::from_utf8(body).expect("utf-8"),
                    trailers.len(),
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn client_machine_against_h11_server() {
    let mut child = Kill(
        Command::new(python())
            .args(["-c", H11_SERVER])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run python"),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut port = String::new();
    stdout.read_line(&mut port).expect("port line");
    let port: u16 = port.trim().parse().unwrap_or_else(|_| {
        let mut err = String::new();
        let _ = child
            .0
            .stderr
            .take()
            .map(|mut e| e.read_to_string(&mut err));
        panic!("h11 server did not start: {port:?} {err}")
    });
    let socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let config = DriverConfig::default().idle_timeout(Some(Duration::from_secs(15)));
    let mut d = BlockingDriver::with_config(ClientConnection::default(), socket, config);

    d.machine_mut()
        .send_request(b"GET", b"/chunked", &[h("Host", "x")])
        .expect("request");
    assert_eq!(response(&mut d), (200, vec![], "GET /chunked 0".into(), 1));
    assert_eq!(d.machine().our_state(), ConnState::Idle);

    d.machine_mut()
        .send_request(b"GET", b"/early", &[h("Host", "x")])
        .expect("request");
    assert_eq!(response(&mut d), (204, vec![103], String::new(), 0));

    let m = d.machine_mut();
    m.send_request(b"PUT", b"/len", &[h("Host", "x"), h("Content-Length", "5")])
        .expect("request");
    m.send_data(Bytes::from_static(b"hello")).expect("data");
    m.end_body().expect("end");
    assert_eq!(response(&mut d), (200, vec![], "PUT /len 5".into(), 0));

    let m = d.machine_mut();
    m.send_request(
        b"POST",
        b"/stream",
        &[
            h("Host", "x"),
            h("Transfer-Encoding", "chunked"),
            h("Connection", "close"),
        ],
    )
    .expect("request");
    m.send_data(Bytes::from_static(b"abc")).expect("data");
    m.send_data(Bytes::from_static(b"defgh")).expect("data");
    m.send_trailers(&[h("X-Sum", "8")]).expect("trailers");
    assert_eq!(response(&mut d), (200, vec![], "POST /stream 8".into(), 0));
    // Connection: close: the machine closes after the exchange.
    while let Some(ev) = d.next_event().expect("drive") {
        assert_eq!(ev, Event::Closed);
    }
    assert!(fasterapi_core::Machine::is_closed(d.machine()));

    let mut log = String::new();
    stdout.read_to_string(&mut log).expect("h11 log");
    let status = child.0.wait().expect("wait");
    assert!(status.success(), "h11 server failed: {log}");
    assert!(
        log.contains(r#""body": "abcdefgh", "trailers": [["x-sum", "8"]]"#),
        "{log}"
    );
    assert!(
        log.contains(r#""method": "PUT", "target": "/len", "body": "hello""#),
        "{log}"
    );
}
