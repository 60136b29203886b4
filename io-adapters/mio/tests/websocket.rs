//! Hand-off: an HTTP/1.1 connection upgrades to a WebSocket and continues on the same reactor,
//! against Python's `websockets` client.

mod common;

use core::time::Duration;
use std::process::Command;

use common::start;
use fasterapi_mio::DriverConfig;

/// The client: a text and a binary message echoed back, then a clean close.
const CLIENT: &str = r#"
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url):
    async with connect(url, compression=None) as ws:
        await ws.send("hello over mio")
        assert await ws.recv() == "hello over mio"
        await ws.send(b"\x00\x01binary" * 1000)
        assert await ws.recv() == b"\x00\x01binary" * 1000
    print("ok")

asyncio.run(asyncio.wait_for(main(sys.argv[1]), 10))
"#;

fn python() -> String {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/venv/bin/python");
    assert!(
        std::path::Path::new(venv).exists(),
        "{venv} missing: scripts/test creates it from scripts/requirements.txt"
    );
    venv.to_owned()
}

#[test]
fn websocket_echo_after_hand_off() {
    let server = start(DriverConfig::default().shutdown_grace(Duration::from_secs(2)));
    let url = format!("ws://{}/ws", server.addr);
    let out = Command::new(python())
        .args(["-c", CLIENT, &url])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
    let stats = server.stop();
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.handed_off, 1, "{stats:?}");
    assert_eq!(
        stats.closed_cleanly, 1,
        "the WebSocket closed cleanly: {stats:?}"
    );
    assert_eq!(stats.failed, 0, "{stats:?}");
}
