//! `fasterapi serve`'s `/ws` against Python `websockets` (the venv at `target/venv`, from
//! `scripts/requirements.txt`): a text and a binary message echoed with permessage-deflate on.

mod serve_support;

use core::time::Duration;
use std::process::{Command, Stdio};

use serve_support::{Server, both_runtimes, python, wait_child};

both_runtimes!(
    websocket_echo_with_permessage_deflate,
    websocket_handshake_refused_without_a_key,
    sigint_closes_websockets_with_a_close_frame,
);

const CLIENT: &str = r#"
import asyncio, sys
import websockets

async def main(url):
    async with websockets.connect(url, compression="deflate", open_timeout=5, close_timeout=5) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        assert ext.startswith("permessage-deflate"), ext
        text = "hello, fasterapi " * 40
        await ws.send(text)
        got = await asyncio.wait_for(ws.recv(), 5)
        assert got == text, got
        data = bytes(range(256)) * 64
        await ws.send(data)
        got = await asyncio.wait_for(ws.recv(), 5)
        assert got == data, len(got)
        print("ok", ext)

asyncio.run(main(sys.argv[1]))
"#;

fn websocket_echo_with_permessage_deflate(runtime: &str) {
    let server = Server::start_on(runtime);
    let mut child = Command::new(python())
        .args(["-c", CLIENT, &format!("ws://{}/ws", server.addr)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let status = wait_child(&mut child, Duration::from_secs(20));
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("python output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.is_some_and(|s| s.success()) && stdout.starts_with("ok permessage-deflate"),
        "status {status:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn websocket_handshake_refused_without_a_key(runtime: &str) {
    let server = Server::start_on(runtime);
    let out = serve_support::curl(&[
        "-i",
        "-H",
        "Connection: Upgrade",
        "-H",
        "Upgrade: websocket",
        "-H",
        "Sec-WebSocket-Version: 13",
        &server.url("/ws"),
    ]);
    let body = serve_support::text(&out);
    assert!(body.starts_with("HTTP/1.1 400"), "{body}");
}

const WAIT_FOR_CLOSE: &str = r#"
import asyncio, sys
import websockets

async def main(url):
    async with websockets.connect(url, compression="deflate", open_timeout=5, close_timeout=5) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), 5) == "ping"
        print("ready", flush=True)
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosedOK as e:
            print("closed", e.rcvd.code, e.rcvd.reason, flush=True)

asyncio.run(main(sys.argv[1]))
"#;

fn sigint_closes_websockets_with_a_close_frame(runtime: &str) {
    use std::io::{BufRead, BufReader};

    let mut server = Server::start_on(runtime);
    let mut child = Command::new(python())
        .args(["-c", WAIT_FOR_CLOSE, &format!("ws://{}/ws", server.addr)])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python starts");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(15));
    assert_eq!(
        ready.as_deref(),
        Ok("ready"),
        "the client did not get its echo"
    );
    server.signal("INT");
    let closed = rx.recv_timeout(Duration::from_secs(10));
    let status = server.wait(Duration::from_secs(8));
    if wait_child(&mut child, Duration::from_secs(10)).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    // RFC 6455 §7.4.1: 1001, the endpoint is going away (the handler's on_shutdown).
    assert_eq!(
        closed.as_deref(),
        Ok("closed 1001 server shutting down"),
        "no close frame with 1001"
    );
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}
