//! `fasterapi serve --runtime mio` on its own: several reactor threads under wrk, the first
//! bytes choosing HTTP/1.1 or HTTP/2 however they are split, and `--tls` refused as a usage
//! error. The checks both runtimes share run on mio from the other
//! `serve_*` files (`both_runtimes!`).

mod serve_support;

use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;

use serve_support::{Server, refused, wrk_smoke};

#[test]
fn tls_needs_tokio_exit_64() {
    let (code, stderr) = refused(&["--runtime", "mio", "--tls"]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("--tls needs --runtime tokio"), "{stderr}");
}

#[test]
fn workers_serve_under_wrk() {
    let mut server = Server::start_with(&["--runtime", "mio", "--workers", "2"]);
    wrk_smoke(&server.url("/"));
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}

/// A connection to `server` with bounded reads.
fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
}

/// The HTTP/2 client preface (RFC 9113 §3.4) split inside its first line, then an empty
/// SETTINGS frame: the server answers with its own SETTINGS (frame type 4) first; and an
/// HTTP/1.1 request sent a byte at a time, starting like the preface (`P`): still HTTP/1.1.
#[test]
fn first_bytes_choose_the_protocol_however_split() {
    let server = Server::start_with(&["--runtime", "mio", "--workers", "1"]);
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut h2 = connect(&server);
    h2.write_all(&preface[..5]).expect("write");
    thread::sleep(Duration::from_millis(50));
    h2.write_all(&preface[5..]).expect("write");
    h2.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).expect("write");
    let mut head = [0_u8; 9];
    h2.read_exact(&mut head).expect("the server's first frame");
    assert_eq!(head[3], 4, "a SETTINGS frame first: {head:?}");
    assert_eq!(&head[5..], &[0, 0, 0, 0], "on stream 0: {head:?}");

    let mut h1 = connect(&server);
    for byte in
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    {
        h1.write_all(&[*byte]).expect("write");
        h1.flush().expect("flush");
    }
    let mut response = String::new();
    h1.read_to_string(&mut response).expect("the response");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
        "{response}"
    );
}
