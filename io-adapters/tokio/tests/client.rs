//! The thin clients against real peers on loopback: `HttpClient` against fasterapi-http1's
//! server behind `serve_tcp` over verified TLS (keep-alive, a streamed upload, a streamed
//! response) and against Python's `http.server`; `WebSocketClient` against a Python
//! `websockets` server, cleartext and over verified TLS, with permessage-deflate.

use core::time::Duration;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use bytes::{Bytes, BytesMut};
use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
use fasterapi_tokio::tls::{self, ALPN_HTTP1, TlsAcceptor, Trust};
use fasterapi_tokio::{HttpClient, ServeOptions, WebSocketClient, serve_tcp, service_fn};
use fasterapi_websocket::handshake::ClientOptions;
use fasterapi_websocket::{CloseCode, DeflateConfig, Event as WsEvent};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Answers `GET` with 3 chunks and echoes a request body back, chunked.
#[derive(Default)]
struct Chunky {
    post: bool,
    started: bool,
}

impl Chunky {
    fn on_event(&mut self, conn: &mut ServerConnection, event: Event) {
        match event {
            Event::Request(req) => {
                self.post = &req.method[..] == b"POST";
                self.started = false;
            }
            Event::Data(data) if self.post => {
                if !self.started {
                    conn.send_response(200, &[]).expect("head");
                    self.started = true;
                }
                conn.send_data(data).expect("echo");
            }
            Event::EndOfMessage { .. } => {
                if !self.started {
                    conn.send_response(200, &[]).expect("head");
                }
                if !self.post {
                    for piece in ["one ", "two ", "three"] {
                        conn.send_data(Bytes::from_static(piece.as_bytes()))
                            .expect("chunk");
                    }
                }
                conn.end_body().expect("end");
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_client_over_verified_tls_keep_alive_and_streams() {
    let identity = tls::dev_certificate(&["localhost"]).expect("dev certificate");
    let root = identity.chain[0].clone();
    let server_config = tls::server_config(identity, &[ALPN_HTTP1]).expect("server config");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve_tcp(
        listener,
        ServeOptions::default().tls(Some(TlsAcceptor::from(server_config))),
        service_fn(|_peer| {
            let mut app = Chunky::default();
            let handler = move |c: &mut ServerConnection, e: Event| app.on_event(c, e);
            (ServerConnection::new(ConnectionConfig::default()), handler)
        }),
        async move {
            let _ = stopped.await;
        },
    ));

    let trust = Trust::Roots(vec![root]);
    let client_config = tls::client_config(&trust, &[ALPN_HTTP1]).expect("client config");
    let mut client = HttpClient::connect("localhost", port, Some(&client_config))
        .await
        .expect("TLS connection verified against the development root");
    assert_eq!(client.transport().alpn_protocol(), Some(ALPN_HTTP1));

    // A response body streamed in pieces.
    client
        .send_request(b"GET", b"/", &[])
        .await
        .expect("request");
    let response = client.response().await.expect("response");
    assert_eq!(response.status, 200);
    let mut pieces = Vec::new();
    while let Some(piece) = client.data().await.expect("body") {
        pieces.push(piece);
    }
    assert_eq!(pieces.concat(), b"one two three");
    assert!(client.is_reusable());

    // A request body streamed in chunks on the same connection, echoed back.
    let chunked = [Header {
        name: b"Transfer-Encoding",
        value: b"chunked",
    }];
    client
        .send_request(b"POST", b"/echo", &chunked)
        .await
        .expect("request");
    let mut sent = BytesMut::new();
    for i in 0..50u32 {
        let chunk = Bytes::from(vec![(i % 251) as u8; 1000 + i as usize]);
        sent.extend_from_slice(&chunk);
        client.send_data(chunk).await.expect("chunk");
    }
    client.end_body().await.expect("end");
    let response = client.response().await.expect("response");
    assert_eq!(response.status, 200);
    let mut echoed = BytesMut::new();
    while let Some(piece) = client.data().await.expect("body") {
        echoed.extend_from_slice(&piece);
    }
    assert!(
        echoed == sent,
        "{} bytes echoed of {}",
        echoed.len(),
        sent.len()
    );

    // An untrusted server is refused: the webpki roots do not know the development root.
    let webpki = tls::client_config(&Trust::WebpkiRoots, &[ALPN_HTTP1]).expect("client config");
    let refused = HttpClient::connect("localhost", port, Some(&webpki)).await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");

    client.close().await.expect("clean close");
    let _ = stop.send(());
    let stats = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("listener");
    // Both requests went over one connection; the refused one is the second.
    assert_eq!(stats.accepted, 2, "{stats:?}");
    assert_eq!(stats.failed, 1, "{stats:?}");
}

/// A child process killed when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program args`, and returns it with the first stdout line.
fn start_peer(program: &PathBuf, args: &[&str]) -> (Peer, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the peer starts");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(15))
        .expect("the peer prints its port");
    (Peer(child), line)
}

fn python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: scripts/test creates it from scripts/requirements.txt",
        venv.display()
    );
    venv
}

#[tokio::test]
async fn http_client_against_python_http_server() {
    let dir = std::env::temp_dir().join(format!("fasterapi-tokio-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.join("file.bin"), &content).expect("write");
    let dir_s = dir.to_str().expect("utf-8").to_owned();
    let (_peer, line) = start_peer(
        &python(),
        &[
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            &dir_s,
        ],
    );
    // "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
    let port: u16 = line
        .split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    let mut client = HttpClient::connect("127.0.0.1", port, None)
        .await
        .expect("connect");
    let (response, body) = client.get("/file.bin").await.expect("GET");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), Some(&b"100000"[..]));
    assert!(body == content, "{} bytes", body.len());
    // http.server answers HTTP/1.0 and closes: the connection is not reused.
    assert!(!client.is_reusable());

    let mut client = HttpClient::connect("127.0.0.1", port, None)
        .await
        .expect("connect");
    let (response, _) = client.get("/missing").await.expect("GET");
    assert_eq!(response.status, 404);
    let _ = std::fs::remove_dir_all(&dir);
}

const WS_SERVER: &str = r#"
import asyncio, ssl, sys
import websockets

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    ctx = None
    if len(sys.argv) > 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    async with websockets.serve(echo, "127.0.0.1", 0, ssl=ctx, compression="deflate") as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"#;

async fn websocket_echo(port: u16, host: &str, tls: Option<&std::sync::Arc<rustls::ClientConfig>>) {
    let options = ClientOptions::new().deflate(Some(DeflateConfig::new()));
    let mut ws = WebSocketClient::connect(host, port, "/", tls, options)
        .await
        .expect("handshake with the Python websockets server");
    assert!(
        ws.accepted().deflate.is_some(),
        "permessage-deflate negotiated"
    );
    let text = "hello from fasterapi-tokio ".repeat(50);
    ws.send_text(&text).await.expect("send");
    match ws.recv().await.expect("recv") {
        Some(WsEvent::Text(echo)) => assert_eq!(echo, text),
        other => panic!("expected the text echo, got {other:?}"),
    }
    let data: Vec<u8> = (0..70_000u32).map(|i| (i % 256) as u8).collect();
    ws.send_binary(data.clone()).await.expect("send");
    match ws.recv().await.expect("recv") {
        Some(WsEvent::Binary(echo)) => assert!(echo == data, "{} bytes", echo.len()),
        other => panic!("expected the binary echo, got {other:?}"),
    }
    let theirs = ws.close(CloseCode::NORMAL, "done").await.expect("close");
    assert_eq!(theirs, Some(CloseCode::NORMAL));
}

#[tokio::test]
async fn websocket_client_against_python_websockets() {
    let script = python();
    let (_peer, line) = start_peer(&script, &["-c", WS_SERVER]);
    let port: u16 = line.trim().parse().expect("port");
    websocket_echo(port, "127.0.0.1", None).await;
}

#[tokio::test]
async fn websocket_client_over_verified_tls_against_python_websockets() {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("rcgen");
    let dir = std::env::temp_dir().join(format!("fasterapi-tokio-wss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).expect("write");
    std::fs::write(&key, generated.key_pair.serialize_pem()).expect("write");
    let (_peer, line) = start_peer(
        &python(),
        &[
            "-c",
            WS_SERVER,
            cert.to_str().expect("utf-8"),
            key.to_str().expect("utf-8"),
        ],
    );
    let port: u16 = line.trim().parse().expect("port");
    let trust = Trust::Roots(vec![generated.cert.der().clone()]);
    let config = tls::client_config(&trust, &[]).expect("client config");
    websocket_echo(port, "localhost", Some(&config)).await;
    let _ = std::fs::remove_dir_all(&dir);
}
