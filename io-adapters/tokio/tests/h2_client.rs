//! `H2Client` against nghttpd (nghttp2's server, `--no-tls`: prior knowledge) on loopback:
//! several requests multiplexed on one connection, answered out of order, a 404, and a
//! body limit that resets the stream. Against `fasterapi serve` (TLS with ALPN h2, uploads)
//! in cli/tests/serve_h2.rs.

use core::time::Duration;
use std::process::{Child, Command, Stdio};

use fasterapi_tokio::{ClientError, H2Client};

struct Nghttpd {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Nghttpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nghttpd serving a directory with `small.txt` and `big.bin` (300 KB) on a free port.
async fn nghttpd() -> Nghttpd {
    // One directory per server: the tests run in parallel and each removes its own.
    static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("fasterapi-h2-client-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("small.txt"), b"small file\n").expect("write");
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), &big).expect("write");
    // A free port: bound and released (nghttpd does not report a port 0 choice).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("nghttpd")
        .args(["--no-tls", "-a", "127.0.0.1", "-d"])
        .arg(&dir)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nghttpd is installed (scripts/debian-packages.txt: nghttp2-server)");
    let server = Nghttpd { child, port, dir };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nghttpd did not listen on {port}");
}

#[tokio::test]
async fn multiplexed_requests_against_nghttpd() {
    let server = nghttpd().await;
    let mut client = H2Client::connect("127.0.0.1", server.port, None)
        .await
        .expect("connects");
    // Three streams open at once; the answers are collected in reverse order.
    let big = client.send(b"GET", "/big.bin", &[], None).await.unwrap();
    let small = client.send(b"GET", "/small.txt", &[], None).await.unwrap();
    let missing = client.send(b"GET", "/nope", &[], None).await.unwrap();
    assert!(u32::from(big) < u32::from(small) && u32::from(small) < u32::from(missing));

    let r = client.response(missing).await.expect("404 response");
    assert_eq!(r.status, 404);
    let r = client.response(small).await.expect("small");
    assert_eq!((r.status, &r.body[..]), (200, &b"small file\n"[..]));
    assert_eq!(r.headers.get(b"content-length"), Some(&b"11"[..]));
    let r = client.response(big).await.expect("big");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 300_000);
    assert!(
        r.body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 251) as u8)
    );

    // The same connection goes on serving, then closes with GOAWAY.
    let r = client.get("/small.txt").await.expect("again");
    assert_eq!(r.status, 200);
    client.close().await.expect("clean close");
}

#[tokio::test]
async fn body_limit_resets_the_stream() {
    let server = nghttpd().await;
    let mut client = H2Client::connect("127.0.0.1", server.port, None)
        .await
        .expect("connects")
        .max_body(1000);
    let err = client.get("/big.bin").await.expect_err("over the limit");
    assert!(matches!(err, ClientError::BodyTooLarge), "{err}");
    // Only that stream was reset; the connection still works.
    let r = client.get("/small.txt").await.expect("small");
    assert_eq!(r.status, 200);
}

/// Answers every request `200` with its path as the body.
fn path_echo(conn: &mut fasterapi_http2::Connection, event: fasterapi_http2::Event) {
    if let fasterapi_http2::Event::Request {
        stream_id, head, ..
    } = event
    {
        let path = head.path.unwrap_or_default();
        conn.send_response(stream_id, 200, &[], false)
            .expect("head");
        conn.send_data(stream_id, path, true).expect("body");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_verified_tls_alpn_h2_against_serve_tcp() {
    use fasterapi_tokio::tls::{self, ALPN_H2, TlsAcceptor, Trust};
    use fasterapi_tokio::{ServeOptions, serve_tcp, service_fn};

    let identity = tls::dev_certificate(&["localhost"]).expect("dev certificate");
    let root = identity.chain[0].clone();
    let server_config = tls::server_config(identity, &[ALPN_H2]).expect("server config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_tcp(
        listener,
        ServeOptions::default().tls(Some(TlsAcceptor::from(server_config))),
        service_fn(|_peer| {
            let conn = fasterapi_http2::Connection::server(fasterapi_http2::Config::default());
            (conn, path_echo)
        }),
        async move {
            let _ = stopped.await;
        },
    ));
    let trust = Trust::Roots(vec![root]);
    let h2 = tls::client_config(&trust, &[ALPN_H2]).expect("client config");
    let mut client = H2Client::connect("localhost", port, Some(&h2))
        .await
        .expect("connects with ALPN h2");
    assert_eq!(client.transport().alpn_protocol(), Some(&b"h2"[..]));
    let mut sent = Vec::new();
    for path in ["/a", "/b", "/c"] {
        sent.push((
            path,
            client.send(b"GET", path, &[], None).await.expect("send"),
        ));
    }
    for (path, id) in sent.into_iter().rev() {
        let r = client.response(id).await.expect("response");
        assert_eq!((r.status, &r.body[..]), (200, path.as_bytes()));
    }
    client.close().await.expect("closed");

    // Without ALPN the server picks no protocol: the client refuses before any request.
    let none = tls::client_config(&trust, &[]).expect("client config");
    let err = H2Client::connect("localhost", port, Some(&none))
        .await
        .expect_err("no h2");
    assert!(matches!(err, ClientError::Unexpected(_)), "{err}");

    let _ = stop.send(());
    let stats = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("listener");
    assert!(stats.closed_cleanly >= 1, "{stats:?}");
}
