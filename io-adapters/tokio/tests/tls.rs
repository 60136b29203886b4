//! TLS: PEM loading with errors that name the file, and fasterapi-http1's server machine
//! behind `serve_tcp` with a TLS acceptor (a development certificate, ALPN http/1.1), against
//! curl on loopback.

use core::time::Duration;
use std::path::PathBuf;
use std::process::Command;

use bytes::Bytes;
use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
use fasterapi_tokio::tls::{self, ALPN_HTTP1, TlsAcceptor, TlsError};
use fasterapi_tokio::{ServeOptions, serve_tcp, service_fn};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A scratch directory for this test process.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fasterapi-tokio-tls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A self-signed certificate and key as PEM text.
fn pem_pair() -> (String, String) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("rcgen");
    (generated.cert.pem(), generated.key_pair.serialize_pem())
}

#[test]
fn pem_files_load_and_bad_ones_name_the_file() {
    let dir = scratch("pem");
    let (cert_pem, key_pem) = pem_pair();
    let (other_cert, other_key) = pem_pair();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let garbage = dir.join("garbage.pem");
    let other = dir.join("other-key.pem");
    std::fs::write(&cert, &cert_pem).expect("write");
    std::fs::write(&key, &key_pem).expect("write");
    std::fs::write(&garbage, "not a certificate\n").expect("write");
    std::fs::write(&other, &other_key).expect("write");
    drop(other_cert);

    let identity = tls::load_pem(&cert, &key).expect("a valid pair loads");
    assert_eq!(identity.chain.len(), 1);
    tls::server_config(identity, &[ALPN_HTTP1]).expect("a matching pair is usable");

    let missing = dir.join("missing.pem");
    let e = tls::load_pem(&missing, &key).expect_err("missing file");
    assert!(matches!(e, TlsError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.pem"), "{e}");

    let e = tls::load_pem(&garbage, &key).expect_err("no certificate");
    assert!(matches!(e, TlsError::NoCertificate(_)), "{e:?}");
    assert!(e.to_string().contains("garbage.pem"), "{e}");

    // A certificate where the key should be: no private key in it.
    let e = tls::load_pem(&cert, &cert).expect_err("no key");
    assert!(matches!(e, TlsError::NoKey(_)), "{e:?}");
    assert!(e.to_string().contains("cert.pem"), "{e}");

    // A key of another certificate: rustls refuses the pair.
    let mismatched = tls::load_pem(&cert, &other).expect("both files parse");
    let e = tls::server_config(mismatched, &[ALPN_HTTP1]).expect_err("mismatched key");
    assert!(matches!(e, TlsError::Rustls(_)), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn hello(conn: &mut ServerConnection, event: Event) {
    if let Event::EndOfMessage { .. } = event {
        let body = Bytes::from_static(b"hello over tls\n");
        let len = body.len().to_string();
        let headers = [Header {
            name: b"content-length",
            value: len.as_bytes(),
        }];
        conn.send_response(200, &headers).expect("response");
        conn.send_data(body).expect("body");
        conn.end_body().expect("end");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_over_tls_negotiates_http1_with_alpn() {
    let identity = tls::dev_certificate(&["localhost", "127.0.0.1"]).expect("dev certificate");
    let config = tls::server_config(identity, &[ALPN_HTTP1]).expect("server config");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ServeOptions::default().tls(Some(TlsAcceptor::from(config)));
    let server = tokio::spawn(serve_tcp(
        listener,
        options,
        service_fn(|_peer| (ServerConnection::new(ConnectionConfig::default()), hello)),
        async move {
            let _ = stopped.await;
        },
    ));
    let url = format!("https://{addr}/");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args([
                "-sS",
                "-v",
                "-k",
                "--max-time",
                "10",
                "-w",
                "|%{http_version}\n",
            ])
            .args([&url, &url])
            .output()
            .expect("curl is installed (scripts/debian-packages.txt)")
    })
    .await
    .expect("curl task");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello over tls\n|1.1\nhello over tls\n|1.1\n"
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("ALPN: server accepted http/1.1"), "{log}");
    assert!(log.contains("Re-using existing connection"), "{log}");

    // A cleartext request on the TLS port is a failed handshake, not a crash.
    let plain = format!("http://{addr}/");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-sS", "--max-time", "5", &plain])
            .output()
            .expect("curl runs")
    })
    .await
    .expect("curl task");
    assert!(!out.status.success(), "{out:?}");

    let _ = stop.send(());
    let stats = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("listener");
    assert_eq!(stats.accepted, 2, "{stats:?}");
    assert_eq!(stats.closed_cleanly, 1, "{stats:?}");
    assert_eq!(stats.failed, 1, "{stats:?}");
}
