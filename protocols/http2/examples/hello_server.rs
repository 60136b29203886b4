//! A small HTTP/2 (h2c, prior knowledge) server over std threads and fasterapi-core's
//! `BlockingDriver`: every request gets `200 hello from fasterapi`. Used by
//! `scripts/stages/http2.sh` for an h2load run.
//!
//! ```text
//! cargo run --release -p fasterapi-http2 --example hello_server -- 127.0.0.1:0
//! h2load -n 100000 -c 4 -m 32 http://127.0.0.1:<port>/
//! ```
//! It prints the bound address on its first line and serves until killed.
#![allow(clippy::print_stdout, reason = "an example that reports its address")]

use std::io::Write;
use std::net::TcpListener;

use bytes::Bytes;
use fasterapi_core::{BlockingDriver, DriverConfig};
use fasterapi_http2::{Config, Connection, Event};

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = TcpListener::bind(addr)?;
    println!("{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        stream.set_nodelay(true)?;
        std::thread::spawn(move || {
            let config = DriverConfig::default().idle_timeout(None);
            let driver =
                BlockingDriver::with_config(Connection::server(Config::default()), stream, config);
            let body = Bytes::from_static(b"hello from fasterapi\n");
            // A peer that disconnects or misbehaves ends only its own connection.
            let _ = driver.run(|conn, event| {
                if let Event::Request { stream_id, .. } = event {
                    let _ = conn
                        .send_response(stream_id, 200, &[(b"content-length", b"21")], false)
                        .and_then(|()| conn.send_data(stream_id, body.clone(), true));
                }
            });
        });
    }
    Ok(())
}
