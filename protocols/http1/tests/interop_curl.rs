//! curl against `ServerConnection` over loopback, and pipelined requests over a raw socket.
//! curl is a required peer (scripts/debian-packages.txt): a missing curl fails the test.

mod interop_support;

use core::sync::atomic::Ordering;
use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};

use interop_support::start_server;

fn curl(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl must be installed (scripts/debian-packages.txt)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    let out = child.wait_with_output().expect("curl runs");
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn curl_get() {
    let server = start_server();
    let url = format!("http://127.0.0.1:{}/hello?x=1", server.port);
    let out = curl(&["--include", &url], b"");
    let response = text(&out.stdout);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("\r\n\r\nGET /hello?x=1 0 bytes"),
        "{response}"
    );

    // A body whose length the application did not give arrives chunked.
    let url = format!("http://127.0.0.1:{}/chunked", server.port);
    let out = curl(&["--include", &url], b"");
    let response = text(&out.stdout);
    assert!(
        response.contains("Transfer-Encoding: chunked\r\n"),
        "{response}"
    );
    assert!(response.ends_with("GET /chunked 0 bytes"), "{response}");
}

#[test]
fn curl_chunked_upload_with_100_continue() {
    let server = start_server();
    let url = format!("http://127.0.0.1:{}/echo", server.port);
    let body: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let out = curl(
        &[
            "--verbose",
            "-H",
            "Transfer-Encoding: chunked",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            "@-",
            &url,
        ],
        &body,
    );
    assert_eq!(out.stdout, body, "the echoed body");
    let log = text(&out.stderr);
    assert!(log.contains("> Transfer-Encoding: chunked"), "{log}");
    // The server sent 100 Continue by itself when the application read the body.
    assert!(log.contains("< HTTP/1.1 100 Continue"), "{log}");
}

#[test]
fn curl_reuses_the_connection() {
    let server = start_server();
    let a = format!("http://127.0.0.1:{}/first", server.port);
    let b = format!("http://127.0.0.1:{}/second", server.port);
    let out = curl(&["-w", " connects=%{num_connects}\n", &a, &b], b"");
    let lines = text(&out.stdout);
    assert_eq!(
        lines,
        "GET /first 0 bytes connects=1\nGET /second 0 bytes connects=0\n"
    );
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    // HEAD then GET on one connection: the HEAD response has no body.
    let head = format!("http://127.0.0.1:{}/h", server.port);
    let out = curl(
        &["--head", &head, "--next", "-w", "%{num_connects}", &a],
        b"",
    );
    let all = text(&out.stdout);
    assert!(all.contains("Content-Length: 15\r\n"), "{all}");
    assert!(all.ends_with("GET /first 0 bytes0"), "{all}");
}

#[test]
fn pipelined_requests_over_a_raw_socket() {
    let server = start_server();
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let requests = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\
POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: x\r\n\r\n\
PUT /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nwxyz\
GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    // All at once, then in small pieces on a second connection.
    s.write_all(requests).expect("write");
    let mut all = String::new();
    s.read_to_string(&mut all)
        .expect("read until the server closes");
    let bodies: Vec<&str> = all
        .split("HTTP/1.1 200 OK\r\n")
        .skip(1)
        .map(|r| r.split("\r\n\r\n").nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        bodies,
        [
            "GET /1 0 bytes",
            "POST /2 3 bytes trailers=1",
            "PUT /3 4 bytes",
            "GET /4 0 bytes"
        ],
        "{all}"
    );
    assert!(all.contains("Connection: close\r\n"));

    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    for piece in requests.chunks(5) {
        s.write_all(piece).expect("write");
    }
    let mut again = String::new();
    s.read_to_string(&mut again).expect("read");
    assert_eq!(again.matches("HTTP/1.1 200 OK\r\n").count(), 4, "{again}");
}

#[test]
fn bad_request_gets_an_error_status() {
    let server = start_server();
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .expect("write");
    let mut all = String::new();
    s.read_to_string(&mut all).expect("read until close");
    assert!(all.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{all}");
    assert!(all.contains("Connection: close\r\n"), "{all}");
}

#[test]
fn curl_http10_keep_alive() {
    let server = start_server();
    let a = format!("http://127.0.0.1:{}/a", server.port);
    let b = format!("http://127.0.0.1:{}/b", server.port);
    let out = curl(
        &[
            "--http1.0",
            "-H",
            "Connection: keep-alive",
            "-w",
            " %{num_connects}\n",
            &a,
            &b,
        ],
        b"",
    );
    assert_eq!(text(&out.stdout), "GET /a 0 bytes 1\nGET /b 0 bytes 0\n");
    // Without keep-alive an HTTP/1.0 connection closes after each response.
    let out = curl(&["--http1.0", "-w", " %{num_connects}\n", &a, &b], b"");
    assert_eq!(text(&out.stdout), "GET /a 0 bytes 1\nGET /b 0 bytes 1\n");
}

#[test]
fn upgrade_hands_the_socket_and_leftover_over() {
    use fasterapi_core::BlockingDriver;
    use fasterapi_http1::{Event, ServerConnection};
    use interop_support::h;
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut d = BlockingDriver::new(ServerConnection::default(), stream);
        let leftover = loop {
            match d.next_event().expect("drive").expect("event") {
                Event::EndOfMessage { .. } => d
                    .machine_mut()
                    .send_response(101, &[h("Connection", "Upgrade"), h("Upgrade", "echo")])
                    .expect("101"),
                Event::Switched { leftover } => break leftover,
                _ => {}
            }
        };
        d.flush().expect("write the 101");
        // The new protocol owns the socket: echo the leftover, then what follows, upper-cased.
        let (_, mut stream) = d.into_parts();
        let mut first = leftover.to_vec();
        assert!(
            first.len() <= 5,
            "only the client's 5 bytes can be left over"
        );
        while first.len() < 5 {
            // The leftover may have arrived in a later segment than the head.
            let mut b = [0u8; 1];
            stream.read_exact(&mut b).expect("read");
            first.push(b[0]);
        }
        stream.write_all(&first.to_ascii_uppercase()).expect("echo");
        let mut rest = [0u8; 5];
        stream.read_exact(&mut rest).expect("read");
        stream.write_all(&rest.to_ascii_uppercase()).expect("echo");
    });
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello")
        .expect("write");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).expect("read head");
        head.push(b[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    let mut echoed = [0u8; 5];
    s.read_exact(&mut echoed).expect("echo of the leftover");
    assert_eq!(&echoed, b"HELLO");
    s.write_all(b"world").expect("write");
    s.read_exact(&mut echoed).expect("echo");
    assert_eq!(&echoed, b"WORLD");
    server.join().expect("server thread");
}
