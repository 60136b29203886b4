//! An echo server and an echo client for the Autobahn suite (run by `kosoku`), driven by
//! `fasterapi_core::BlockingDriver` with one thread per connection.
//!
//! ```text
//! autobahn server 127.0.0.1:9002          # then: kosoku 127.0.0.1:9002
//! autobahn client 127.0.0.1:9001 AGENT N  # after: kosoku -m fuzzingserver 127.0.0.1:9001
//! ```
#![allow(clippy::print_stderr, reason = "a command-line tool reports on stderr")]

use core::error::Error;
use core::hash::{BuildHasher, Hasher};
use core::time::Duration;
use std::collections::hash_map::RandomState;
use std::net::{TcpListener, TcpStream};

use fasterapi_core::DriverConfig;
use fasterapi_websocket::handshake::{ClientOptions, ServerOptions};
use fasterapi_websocket::{Config, Connection, DeflateConfig, Event, blocking};

type BoxError = Box<dyn Error + Send + Sync>;

/// Randomness for masks and keys from the standard library's randomly keyed SipHash: good
/// enough for a test tool; real clients should use the OS RNG.
fn rng() -> impl FnMut(&mut [u8]) + Send + 'static {
    let state = RandomState::new();
    let mut counter = 0u64;
    move |buf: &mut [u8]| {
        for chunk in buf.chunks_mut(8) {
            let mut h = state.build_hasher();
            h.write_u64(counter);
            counter += 1;
            chunk.copy_from_slice(&h.finish().to_ne_bytes()[..chunk.len()]);
        }
    }
}

fn ws_config() -> Config {
    // Autobahn's 9.x cases send messages of up to 16 MiB in one frame.
    Config::default()
}

fn driver_config() -> DriverConfig {
    DriverConfig::default().idle_timeout(Some(Duration::from_secs(60)))
}

fn echo(m: &mut Connection, event: Event) {
    // A send only fails once closing, when there is nobody to echo to.
    let _ = match event {
        Event::Text(t) => m.send_text(&t),
        Event::Binary(b) => m.send_binary_vec(b),
        _ => Ok(()),
    };
}

fn serve(stream: TcpStream) -> Result<(), BoxError> {
    stream.set_nodelay(true)?;
    let options = ServerOptions::new().deflate(Some(DeflateConfig::new()));
    let d = blocking::accept(stream, &options, ws_config(), driver_config())?;
    d.run(echo)?;
    Ok(())
}

fn server(addr: &str) -> Result<(), BoxError> {
    let listener = TcpListener::bind(addr)?;
    eprintln!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("connection ended: {e}");
            }
        });
    }
    Ok(())
}

/// Connects to `path` and runs the WebSocket until it closes, calling `on_event`.
fn client_run(
    addr: &str,
    path: &str,
    on_event: impl FnMut(&mut Connection, Event),
) -> Result<(), BoxError> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    // Offering `client_no_context_takeover` lets the suite's 13.2/13.5/13.6 servers ask for
    // it (RFC 7692 §7.1.1.2: the offer says we will not use context takeover).
    let mut deflate = DeflateConfig::new();
    deflate.client_no_context_takeover = true;
    let options = ClientOptions::new().deflate(Some(deflate));
    let d = blocking::connect(
        stream,
        addr,
        path,
        options,
        ws_config(),
        driver_config(),
        rng(),
    )?;
    d.run(on_event)?;
    Ok(())
}

fn client(addr: &str, agent: &str, parallel: usize) -> Result<(), BoxError> {
    let mut count = 0u32;
    client_run(addr, "/getCaseCount", |_, e| {
        if let Event::Text(t) = e {
            count = t.trim().parse().unwrap_or(0);
        }
    })?;
    eprintln!("{count} cases, {parallel} at a time");
    // Cases are independent connections: run them on `parallel` threads.
    let next = core::sync::atomic::AtomicU32::new(1);
    std::thread::scope(|s| {
        for _ in 0..parallel.max(1) {
            s.spawn(|| {
                loop {
                    let case = next.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                    if case > count {
                        break;
                    }
                    let path = format!("/runCase?case={case}&agent={agent}");
                    if let Err(e) = client_run(addr, &path, echo) {
                        eprintln!("case {case}: {e}");
                    }
                }
            });
        }
    });
    // The suite runner may drop this last connection without a close frame: not a verdict.
    if let Err(e) = client_run(addr, &format!("/updateReports?agent={agent}"), |_, _| {}) {
        eprintln!("updateReports: {e}");
    }
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("server") => server(args.get(2).map_or("127.0.0.1:9002", String::as_str)),
        Some("client") => client(
            args.get(2).map_or("127.0.0.1:9001", String::as_str),
            args.get(3).map_or("fasterapi", String::as_str),
            args.get(4).and_then(|p| p.parse().ok()).unwrap_or(1),
        ),
        _ => Err("usage: autobahn server ADDR | autobahn client ADDR [AGENT [PARALLEL]]".into()),
    }
}
