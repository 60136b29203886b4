//! An echo server and an echo client for the Autobahn suite (run by `kosoku`), driven by
//! `fasterapi_core::BlockingDriver` with one thread per connection.
//!
//! ```text
//! autobahn server 127.0.0.1:9002          # then: kosoku 127.0.0.1:9002
//! autobahn client 127.0.0.1:9001 AGENT    # after: kosoku -m fuzzingserver 127.0.0.1:9001
//! ```
#![allow(clippy::print_stderr, reason = "a command-line tool reports on stderr")]

use core::error::Error;
use core::hash::{BuildHasher, Hasher};
use core::time::Duration;
use std::collections::hash_map::RandomState;
use std::net::{TcpListener, TcpStream};

use fasterapi_core::{BlockingDriver, DriverConfig};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Event as H1Event, ServerConnection};
use fasterapi_websocket::handshake::{
    ClientHandshake, ClientOptions, DefaultCrypto, ServerOptions,
};
use fasterapi_websocket::{Config, Connection, DeflateConfig, Event, http1};

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
    let mut d = BlockingDriver::with_config(
        ServerConnection::new(ConnectionConfig::default()),
        stream,
        driver_config(),
    );
    let request = loop {
        match d.next_event()? {
            Some(H1Event::Request(r)) => break r,
            Some(_) => {}
            None => return Ok(()),
        }
    };
    let options = ServerOptions::new().deflate(Some(DeflateConfig::new()));
    let accepted = match http1::accept_request(d.machine_mut(), &request, &options, &DefaultCrypto)
    {
        Ok(a) => a,
        Err(e) => {
            d.flush()?;
            return Err(e.into());
        }
    };
    let leftover = loop {
        match d.next_event()? {
            Some(H1Event::Switched { leftover }) => break leftover,
            Some(_) => {}
            None => return Ok(()),
        }
    };
    let (_, stream) = d.into_parts();
    let mut d = BlockingDriver::with_config(
        Connection::server(accepted.config(ws_config())),
        stream,
        driver_config(),
    );
    let now = d.now();
    // An error here has queued its close frame; `run` writes it out.
    let early = d.machine_mut().handle_leftover(now, &leftover);
    if early.is_ok() {
        d.run(echo)?;
    } else {
        d.flush()?;
    }
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
    mut on_event: impl FnMut(&mut Connection, Event),
) -> Result<(), BoxError> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut d = BlockingDriver::with_config(
        ClientConnection::new(ConnectionConfig::default()),
        stream,
        driver_config(),
    );
    let mut random = rng();
    let mut nonce = [0u8; 16];
    random(&mut nonce);
    let hs = ClientHandshake::new(
        ClientOptions::new().deflate(Some(DeflateConfig::new())),
        nonce,
    );
    http1::send_request(d.machine_mut(), addr, path, &hs)?;
    let response = loop {
        match d.next_event()? {
            Some(H1Event::Response(r)) => break r,
            Some(_) => {}
            None => return Err("connection closed during the handshake".into()),
        }
    };
    let accepted = http1::verify_response(&hs, &response, &DefaultCrypto)?;
    let leftover = loop {
        match d.next_event()? {
            Some(H1Event::Switched { leftover }) => break leftover,
            Some(_) => {}
            None => return Err("connection closed during the handshake".into()),
        }
    };
    let (_, stream) = d.into_parts();
    let mut d = BlockingDriver::with_config(
        Connection::client(accepted.config(ws_config()), random),
        stream,
        driver_config(),
    );
    let now = d.now();
    if d.machine_mut().handle_leftover(now, &leftover).is_ok() {
        d.run(&mut on_event)?;
    } else {
        d.flush()?;
    }
    Ok(())
}

fn client(addr: &str, agent: &str) -> Result<(), BoxError> {
    let mut count = 0u32;
    client_run(addr, "/getCaseCount", |_, e| {
        if let Event::Text(t) = e {
            count = t.trim().parse().unwrap_or(0);
        }
    })?;
    eprintln!("{count} cases");
    for case in 1..=count {
        let path = format!("/runCase?case={case}&agent={agent}");
        if let Err(e) = client_run(addr, &path, echo) {
            eprintln!("case {case}: {e}");
        }
    }
    client_run(addr, &format!("/updateReports?agent={agent}"), |_, _| {})?;
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("server") => server(args.get(2).map_or("127.0.0.1:9002", String::as_str)),
        Some("client") => client(
            args.get(2).map_or("127.0.0.1:9001", String::as_str),
            args.get(3).map_or("fasterapi", String::as_str),
        ),
        _ => Err("usage: autobahn server ADDR | autobahn client ADDR [AGENT]".into()),
    }
}
