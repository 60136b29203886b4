//! Python `websockets` as a real peer in both roles: our server against its client, and our
//! client against its server, with permessage-deflate negotiated. The tests start the Python
//! side themselves (`$VENV/bin/python`, else `target/venv/bin/python`; `scripts/test` installs
//! `scripts/requirements.txt` there) and fail, never skip, when it is missing.

use core::time::Duration;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use fasterapi_core::DriverConfig;
use fasterapi_websocket::handshake::{ClientOptions, ServerOptions};
use fasterapi_websocket::{CloseCode, Config, Connection, DeflateConfig, Event, blocking};

fn python() -> PathBuf {
    let venv = std::env::var_os("VENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv"),
        PathBuf::from,
    );
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "{} is missing: run `python3 -m venv target/venv && target/venv/bin/pip install -r scripts/requirements.txt`",
        py.display()
    );
    py
}

fn rng() -> impl FnMut(&mut [u8]) + Send + 'static {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    move |buf: &mut [u8]| {
        for b in buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
}

const CLIENT: &str = r#"
import asyncio, sys
from websockets.asyncio.client import connect

async def main():
    async with connect(f"ws://127.0.0.1:{sys.argv[1]}/echo", compression="deflate", max_size=2**24) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        assert ext.startswith("permessage-deflate"), ext
        big = bytes(range(256)) * 4096
        for msg in ["hello", "ü€𝄞" * 1000, b"\x00\xff" * 5000, b"", "", big]:
            await ws.send(msg)
            got = await ws.recv()
            assert got == msg, (type(got), len(got), len(msg))
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        # Fragmented message from an async iterator.
        await ws.send(["frag", "mented"])
        assert await ws.recv() == "fragmented"
    assert ws.close_code == 1000, ws.close_code
    print("ok", flush=True)

asyncio.run(main())
"#;

#[test]
fn our_server_with_python_client() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let options = ServerOptions::new().deflate(Some(DeflateConfig::new()));
        let d =
            blocking::accept(stream, &options, Config::default(), DriverConfig::default()).unwrap();
        let mut seen = 0;
        let m = d
            .run(|m: &mut Connection, e| {
                seen += 1;
                match e {
                    Event::Text(t) => m.send_text(&t).unwrap(),
                    Event::Binary(b) => m.send_binary_vec(b).unwrap(),
                    _ => {}
                }
            })
            .unwrap();
        assert!(m.is_compressed());
        seen
    });
    let out = Command::new(python())
        .args(["-c", CLIENT, &port.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "python client failed");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    // 7 messages, 1 ping, 1 close.
    assert_eq!(server.join().unwrap(), 9);
}

const SERVER: &str = r#"
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0, compression="deflate", max_size=2**24) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"#;

#[test]
fn our_client_with_python_server() {
    let mut child = Command::new(python())
        .args(["-c", SERVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .expect("the Python server prints its port");
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let options = ClientOptions::new().deflate(Some(DeflateConfig::new()));
    let host = format!("127.0.0.1:{port}");
    let cfg = DriverConfig::default().idle_timeout(Some(Duration::from_secs(20)));
    let mut d =
        blocking::connect(stream, &host, "/", options, Config::default(), cfg, rng()).unwrap();
    assert!(d.machine().is_compressed());
    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let texts = ["hello", &"ü€𝄞".repeat(1000), ""];
    for t in texts {
        d.machine_mut().send_text(t).unwrap();
        assert_eq!(d.next_event().unwrap(), Some(Event::Text(t.to_owned())));
    }
    d.machine_mut().send_binary(&big).unwrap();
    assert_eq!(d.next_event().unwrap(), Some(Event::Binary(big)));
    d.machine_mut().send_ping(b"p").unwrap();
    assert_eq!(d.next_event().unwrap(), Some(Event::Pong(b"p".to_vec())));
    let now = d.now();
    d.machine_mut()
        .close_with(now, CloseCode::NORMAL, "done")
        .unwrap();
    assert_eq!(
        d.next_event().unwrap(),
        Some(Event::Close {
            code: Some(CloseCode::NORMAL),
            reason: "done".into()
        })
    );
    assert_eq!(d.next_event().unwrap(), None);
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}
