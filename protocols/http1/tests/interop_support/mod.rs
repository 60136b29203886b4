//! Shared pieces of the real-peer tests: a loopback server running `ServerConnection` under
//! `BlockingDriver`, and the paths of the peers.

#![allow(dead_code, reason = "each test file uses a subset")]

use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use bytes::Bytes;
use fasterapi_core::{BlockingDriver, DriverConfig};
use fasterapi_http1::{Event, Header, ServerConnection};

/// The repository root, from this crate's manifest directory.
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's Python; a missing venv fails the test (CI creates it, see scripts/test).
pub(crate) fn python() -> PathBuf {
    let py = repo_root().join("target/venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: create it with `python3 -m venv target/venv && target/venv/bin/pip install -r scripts/requirements.txt`",
        py.display()
    );
    py
}

/// A loopback HTTP/1.1 server on the machines: each connection runs on its own thread.
pub(crate) struct TestServer {
    pub(crate) port: u16,
    pub(crate) connections: Arc<AtomicUsize>,
}

/// What the test application answers: `{method} {target} {body length} bytes`, plus
/// ` trailers={n}` when the request body had trailers. `GET /chunked` is answered with a
/// chunked body (no length given: the machine chooses chunked); everything else with a
/// Content-Length. `/echo` answers with the request body itself.
pub(crate) fn start_server() -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || serve(stream));
        }
    });
    TestServer { port, connections }
}

fn serve(stream: TcpStream) {
    let config = DriverConfig::default().idle_timeout(Some(Duration::from_secs(15)));
    let mut driver = BlockingDriver::with_config(ServerConnection::default(), stream, config);
    let mut request = None;
    let mut body = Vec::new();
    while let Ok(Some(event)) = driver.next_event() {
        match event {
            Event::Request(r) => {
                request = Some((
                    String::from_utf8_lossy(&r.method).into_owned(),
                    String::from_utf8_lossy(&r.target).into_owned(),
                ));
                body.clear();
            }
            Event::Data(d) => body.extend_from_slice(&d),
            Event::EndOfMessage { trailers } => {
                let Some((method, target)) = request.take() else {
                    continue;
                };
                let mut text = format!("{method} {target} {} bytes", body.len());
                if !trailers.is_empty() {
                    text.push_str(&format!(" trailers={}", trailers.len()));
                }
                let payload = if target == "/echo" {
                    Bytes::from(core::mem::take(&mut body))
                } else {
                    Bytes::from(text)
                };
                let m = driver.machine_mut();
                if method == "GET" && target == "/chunked" {
                    m.send_response(200, &[h("Content-Type", "text/plain")])
                        .expect("response");
                    let (a, b) = payload.split_at(payload.len() / 2);
                    m.send_data(Bytes::copy_from_slice(a)).expect("data");
                    m.send_data(Bytes::copy_from_slice(b)).expect("data");
                    m.end_body().expect("end");
                } else {
                    let len = payload.len().to_string();
                    m.send_response(
                        200,
                        &[h("Content-Type", "text/plain"), h("Content-Length", &len)],
                    )
                    .expect("response");
                    if method != "HEAD" {
                        m.send_data(payload).expect("data");
                    }
                    m.end_body().expect("end");
                }
            }
            _ => {}
        }
    }
    let _ = driver.flush();
}

pub(crate) fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name: name.as_bytes(),
        value: value.as_bytes(),
    }
}
