//! fasterapi-http1's server machine on the tokio driver, against curl and raw sockets on loopback.

use core::time::Duration;
use std::process::Command;

use bytes::{Bytes, BytesMut};
use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
use fasterapi_tokio::{DriverConfig, ServeOptions, ServeStats, serve_tcp, service_fn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Answers `GET /` with a greeting and echoes any request body back.
#[derive(Default)]
struct Echo {
    body: BytesMut,
    is_get: bool,
}

impl Echo {
    fn on_event(&mut self, conn: &mut ServerConnection, event: Event) {
        match event {
            Event::Request(req) => {
                self.is_get = &req.method[..] == b"GET";
                self.body.clear();
            }
            Event::Data(data) => self.body.extend_from_slice(&data),
            Event::EndOfMessage { .. } => {
                let body = if self.is_get {
                    Bytes::from_static(b"hello from fasterapi-tokio\n")
                } else {
                    self.body.split().freeze()
                };
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
            _ => {}
        }
    }
}

struct Server {
    addr: core::net::SocketAddr,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<ServeStats>>,
}

async fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let config = DriverConfig::default().shutdown_grace(Duration::from_secs(2));
    let done = tokio::spawn(serve_tcp(
        listener,
        ServeOptions::default().driver(config),
        service_fn(|_peer| {
            let mut echo = Echo::default();
            let handler = move |conn: &mut ServerConnection, ev: Event| echo.on_event(conn, ev);
            (ServerConnection::new(ConnectionConfig::default()), handler)
        }),
        async move {
            let _ = stopped.await;
        },
    ));
    Server { addr, stop, done }
}

impl Server {
    async fn stop(self) -> ServeStats {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.done)
            .await
            .expect("server stops within its grace period")
            .expect("server task")
            .expect("listener ok")
    }
}

fn curl(args: &[&str]) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_keep_alive_and_chunked_upload() {
    let server = start().await;
    let url = format!("http://{}/", server.addr);
    let (url2, url3) = (url.clone(), format!("http://{}/echo", server.addr));
    let out =
        tokio::task::spawn_blocking(move || curl(&["-w", "|%{num_connects}\n", &url2, &url2]))
            .await
            .expect("curl task");
    assert_eq!(
        out,
        "hello from fasterapi-tokio\n|1\nhello from fasterapi-tokio\n|0\n"
    );
    let echoed = tokio::task::spawn_blocking(move || {
        curl(&[
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "ping over chunked",
            &url3,
        ])
    })
    .await
    .expect("curl task");
    assert_eq!(echoed, "ping over chunked");
    let stats = server.stop().await;
    assert_eq!(stats.accepted, 2);
    assert_eq!(stats.failed, 0, "{stats:?}");
}

#[tokio::test]
async fn graceful_shutdown_closes_idle_keep_alive_connections() {
    let server = start().await;
    let mut sock = TcpStream::connect(server.addr).await.expect("connect");
    sock.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    let mut buf = vec![0u8; 4096];
    let n = sock.read(&mut buf).await.expect("read");
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    // The connection is idle and kept alive; stopping the server must close it cleanly.
    let stats = server.stop().await;
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection");
    read.expect("clean end of stream");
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.closed_cleanly, 1, "{stats:?}");
}

#[tokio::test]
async fn protocol_error_answers_400_then_closes() {
    let server = start().await;
    let mut sock = TcpStream::connect(server.addr).await.expect("connect");
    sock.write_all(b"GET / HTTP/1.1\nHost: bare-lf\r\n\r\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut got))
        .await
        .expect("closed after the error")
        .expect("read");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    let stats = server.stop().await;
    assert_eq!((stats.accepted, stats.failed), (1, 1), "{stats:?}");
}

/// Reports each connection's `h2_preface` and serves it with the HTTP/1.1 echo machine.
struct Sniffed(std::sync::mpsc::Sender<bool>);

impl fasterapi_tokio::Service for Sniffed {
    type Machine = ServerConnection;
    type Handler = Box<dyn FnMut(&mut ServerConnection, Event) + Send>;

    fn connect(&self, info: &fasterapi_tokio::ConnectionInfo) -> (Self::Machine, Self::Handler) {
        let _ = self.0.send(info.h2_preface);
        let mut echo = Echo::default();
        (
            ServerConnection::new(ConnectionConfig::default()),
            Box::new(move |conn: &mut ServerConnection, ev: Event| echo.on_event(conn, ev)),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_preface_sniffing_reports_prior_knowledge_clients() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (seen_tx, seen) = std::sync::mpsc::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve_tcp(
        listener,
        ServeOptions::default().sniff_h2_preface(true),
        Sniffed(seen_tx),
        async move {
            let _ = stopped.await;
        },
    ));
    // An HTTP/1.1 client (curl) is served as before: the peeked bytes are still there.
    let url = format!("http://{addr}/");
    let out = tokio::task::spawn_blocking(move || curl(&[&url]))
        .await
        .expect("curl task");
    assert_eq!(out, "hello from fasterapi-tokio\n");
    assert_eq!(seen.recv_timeout(Duration::from_secs(5)), Ok(false));

    // A prior-knowledge HTTP/2 client, its preface split over two writes.
    let mut sock = TcpStream::connect(addr).await.expect("connect");
    sock.write_all(b"PRI * HTTP/2.0\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_millis(20)).await;
    sock.write_all(b"\r\nSM\r\n\r\n").await.expect("write");
    let h2 = tokio::task::spawn_blocking(move || seen.recv_timeout(Duration::from_secs(5)))
        .await
        .expect("task");
    assert_eq!(h2, Ok(true));
    drop(sock);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("listener");
}
