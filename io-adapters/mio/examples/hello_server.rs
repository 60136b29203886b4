//! The benchmark server: fasterapi-http1 answering every request with a small JSON hello, on
//! fasterapi-mio or on fasterapi-tokio, so both adapters serve the same machine and handler.
//!
//! ```text
//! cargo run --release -p fasterapi-mio --example hello_server -- mio|tokio ADDR WORKERS
//! ```
//!
//! Prints `listening on ADDR` once it accepts, then serves until killed.
//! `benches/wrk-vs-tokio.sh` drives it with wrk.

#![allow(
    clippy::print_stdout,
    reason = "the benchmark script reads the address"
)]

use core::net::SocketAddr;
use std::io::Write;

use bytes::Bytes;
use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};

const BODY: &[u8] = br#"{"message":"hello, world"}"#;

fn hello(conn: &mut ServerConnection, event: Event) {
    if let Event::EndOfMessage { .. } = event {
        let headers = [
            Header {
                name: b"content-type",
                value: b"application/json",
            },
            Header {
                name: b"content-length",
                value: b"26",
            },
        ];
        // Refused only when the connection failed; the machine reports that itself.
        let _ = conn.send_response(200, &headers);
        let _ = conn.send_data(Bytes::from_static(BODY));
        let _ = conn.end_body();
    }
}

fn machine() -> ServerConnection {
    ServerConnection::new(ConnectionConfig::default())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = || std::io::Error::other("usage: hello_server mio|tokio ADDR WORKERS");
    let runtime = args.get(1).ok_or_else(usage)?.clone();
    let addr: SocketAddr = args.get(2).and_then(|a| a.parse().ok()).ok_or_else(usage)?;
    let workers: usize = args.get(3).and_then(|w| w.parse().ok()).ok_or_else(usage)?;
    match runtime.as_str() {
        "mio" => {
            let config = fasterapi_mio::DriverConfig::default().workers(workers);
            let server = fasterapi_mio::serve(addr, config, |_peer| (machine(), hello))?;
            announce(server.local_addr())?;
            server.join().map(drop)
        }
        "tokio" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
            .block_on(tokio_server(addr)),
        _ => Err(usage()),
    }
}

fn announce(addr: SocketAddr) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    writeln!(out, "listening on {addr}")?;
    out.flush()
}

async fn tokio_server(addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    announce(listener.local_addr()?)?;
    let config = fasterapi_tokio::DriverConfig::default();
    loop {
        let (stream, _peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let config = config.clone();
        tokio::spawn(async move {
            let never = core::future::pending::<()>();
            let _ = fasterapi_tokio::drive_stream(machine(), stream, hello, &config, never).await;
        });
    }
}
