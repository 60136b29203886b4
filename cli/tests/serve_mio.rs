//! `fasterapi serve --runtime mio` on its own: several reactor threads under wrk, the first
//! bytes choosing HTTP/1.1 or HTTP/2 however they are split, and TLS (curl with ALPN h2 and
//! http/1.1, Python `websockets` over `wss://`). The checks both runtimes share run on mio from the other
//! `serve_*` files (`both_runtimes!`).

mod serve_support;

use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;

use serve_support::{Server, curl, run_python, text, wrk_smoke};

/// `--tls` on mio: curl over HTTP/1.1 and h2, each protocol chosen by ALPN (checked in curl's
/// log), a 300 KB upload echoed back on each (many TLS records both ways, with back-pressure
/// between rustls and the machine), then a graceful stop on SIGTERM.
#[test]
fn tls_curl_http1_and_h2_by_alpn() {
    let mut server = Server::start_with(&["--runtime", "mio", "--tls", "--workers", "1"]);
    assert_eq!(server.scheme, "https");
    let file = std::env::temp_dir().join(format!("fasterapi-serve-mio-tls-{}", server.pid()));
    let data: Vec<u8> = (0..300_000_u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &data).expect("write");
    for (flag, alpn, version) in [("--http1.1", "http/1.1", "1.1"), ("--http2", "h2", "2")] {
        let out = curl(&[
            "-k",
            "-v",
            flag,
            "-w",
            "|%{http_version}",
            &server.url("/users/7"),
        ]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        assert!(
            log.contains(&format!("ALPN: server accepted {alpn}")),
            "{log}"
        );
        let body = text(&out);
        assert!(body.starts_with(r#"{"id":"7""#), "{body}");
        assert!(body.ends_with(&format!("|{version}")), "{body}");

        let upload = format!("@{}", file.display());
        let out = curl(&["-k", flag, "--data-binary", &upload, &server.url("/echo")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == data,
            "{flag}: echo differs: {} bytes",
            out.stdout.len()
        );
    }
    let _ = std::fs::remove_file(&file);
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}

const WSS_CLIENT: &str = r#"
import asyncio, os, ssl, sys
import websockets

async def main():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with websockets.connect(sys.argv[1], ssl=ctx, compression="deflate") as ws:
        # The random bytes do not compress: a 300 KB frame through TLS both ways.
        for message in ["hello", "x" * 100_000, os.urandom(300_000)]:
            await ws.send(message)
            echoed = await asyncio.wait_for(ws.recv(), 5)
            assert echoed == message, len(echoed)
        ext = ws.response.headers.get("sec-websocket-extensions", "")
        print("ok", ext)

asyncio.run(main())
"#;

/// Python `websockets` over `wss://` on mio: the HTTP/1.1 handshake, then the WebSocket on the
/// same TLS session and reactor, with permessage-deflate; one message of 300 KB that does not
/// compress.
#[test]
fn tls_python_websockets_wss() {
    let server = Server::start_with(&["--runtime", "mio", "--tls", "--workers", "1"]);
    let url = format!("wss://{}/ws", server.addr);
    let (status, out) = run_python(WSS_CLIENT, &[&url], Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success()) && stdout.starts_with("ok permessage-deflate"),
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
/// HTTP/1.1 request head sent a byte at a time, starting like the preface (`P`): still
/// HTTP/1.1.
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
    // The head a byte at a time; the body in one write, so it echoes as one chunk.
    for byte in b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    {
        h1.write_all(&[*byte]).expect("write");
        h1.flush().expect("flush");
    }
    h1.write_all(b"ok").expect("write");
    let mut response = String::new();
    h1.read_to_string(&mut response).expect("the response");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
        "{response}"
    );
}

/// Plaintext HTTP sent to the TLS port: rustls refuses the record, its alert goes out (a TLS
/// alert record, content type 21) and the connection closes; the server serves on.
#[test]
fn tls_refuses_plaintext_with_an_alert() {
    let server = Server::start_with(&["--runtime", "mio", "--tls", "--workers", "1"]);
    let mut plain = connect(&server);
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut answer = Vec::new();
    plain
        .read_to_end(&mut answer)
        .expect("closed, not timed out");
    assert_eq!(answer.first(), Some(&21), "an alert record: {answer:?}");
    let out = curl(&["-k", &server.url("/users/1")]);
    assert!(text(&out).starts_with(r#"{"id":"1""#), "{out:?}");
}

/// A client that stalls before its protocol is known is let go after 10 s instead of holding
/// its connection: in the TLS handshake (silent, or half a record) and, in cleartext, silent
/// or with half the HTTP/2 preface; reads bounded at 30 s.
#[test]
fn stalled_first_bytes_are_closed() {
    let server = Server::start_with(&["--runtime", "mio", "--tls", "--workers", "1"]);
    let clear = Server::start_with(&["--runtime", "mio", "--workers", "1"]);
    let mut silent = connect(&server);
    let mut partial = connect(&server);
    partial.write_all(&[22, 3, 1]).expect("write");
    let mut clear_silent = connect(&clear);
    let mut clear_partial = connect(&clear);
    clear_partial.write_all(b"PRI * HTTP/2.0").expect("write");
    for stream in [
        &mut silent,
        &mut partial,
        &mut clear_silent,
        &mut clear_partial,
    ] {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .expect("closed by the server, not timed out");
        assert!(answer.is_empty(), "{answer:?}");
    }
}
