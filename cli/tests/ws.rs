//! `fasterapi decode ws` as a black box: the JSON Lines of docs/cli.md ("ws").

mod decode_support;

use std::process::Output;

use serde_json::json;

use decode_support::lines;

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("ws", args, stdin)
}

/// A masked client frame.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    assert!(payload.len() < 126);
    let mut v = vec![first, 0x80 | payload.len() as u8];
    v.extend_from_slice(&mask);
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    v
}

#[test]
fn server_role_decodes_fragments_control_frames_and_close() {
    let mut input = masked(0x01, b"Hel");
    input.extend(masked(0x89, b"hi"));
    input.extend(masked(0x80, b"lo"));
    input.extend(masked(0x82, &[0, 255]));
    input.extend(masked(0x88, b"\x03\xe8bye"));
    let out = decode(&["--role", "server"], &input);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frame = |offset: u64, fin: bool, opcode: &str, length: u64| json!({"event": "frame", "offset": offset, "fin": fin, "rsv1": false, "opcode": opcode, "masked": true, "length": length});
    assert_eq!(
        lines(&out),
        [
            frame(0, false, "text", 3),
            frame(9, true, "ping", 2),
            json!({"event": "ping", "payload": "hi"}),
            frame(17, true, "continuation", 2),
            json!({"event": "text", "length": 5, "text": "Hello"}),
            frame(25, true, "binary", 2),
            json!({"event": "binary", "length": 2, "hex": "00ff"}),
            frame(33, true, "close", 5),
            json!({"event": "close", "code": 1000, "reason": "bye"}),
        ]
    );
    // The same bytes as hex, one byte per line.
    let hex: String = input.iter().map(|b| format!("{b:02x}\n")).collect();
    let out2 = decode(&["--role", "server", "--hex"], hex.as_bytes());
    assert_eq!(lines(&out2), lines(&out));
}

#[test]
fn protocol_errors_exit_2_with_the_close_code() {
    // Unmasked frame to a server.
    let out = decode(&["--role", "server"], b"\x81\x02hi");
    assert_eq!(out.status.code(), Some(2));
    let l = lines(&out);
    let err = &l.last().unwrap()["error"];
    assert_eq!(err["kind"], "frame");
    assert_eq!(err["close_code"], 1002);
    // Invalid UTF-8 in a client's view of a server text frame.
    let out = decode(&["--role", "client"], b"\x81\x02\xc3\x28");
    assert_eq!(out.status.code(), Some(2));
    let l = lines(&out);
    assert_eq!(l[0]["event"], "frame");
    assert_eq!(l[1]["error"]["kind"], "invalid_utf8");
    assert_eq!(l[1]["error"]["close_code"], 1007);
    // Truncated input.
    let out = decode(&["--role", "client"], b"\x82\x05ab");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out).last().unwrap()["error"]["kind"], "truncated");
}

/// RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" compressed, then again with context takeover
/// (the second message refers back to the first).
const RFC_HELLO_TWICE: &[u8] = b"\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00\xc1\x05\xf2\x00\x11\x00\x00";

#[test]
fn permessage_deflate_shows_messages_inflated() {
    // Without the flag, RSV1 is a protocol error (1002).
    let out = decode(&["--role", "client"], RFC_HELLO_TWICE);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out)[0]["error"]["close_code"], 1002);

    let out = decode(
        &["--role", "client", "--permessage-deflate"],
        RFC_HELLO_TWICE,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert_eq!(l[0]["rsv1"], true);
    assert_eq!(l[0]["length"], 7);
    assert_eq!(l[1], json!({"event": "text", "length": 5, "text": "Hello"}));
    assert_eq!(l[3], json!({"event": "text", "length": 5, "text": "Hello"}));

    // §7.2.3.3: one compressed message in two fragments, masked (what a server reads).
    let mut input = masked(0x41, b"\xf2\x48\xcd");
    input.extend(masked(0x80, b"\xc9\xc9\x07\x00"));
    let out = decode(&["--permessage-deflate=permessage-deflate"], &input);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lines(&out)[2],
        json!({"event": "text", "length": 5, "text": "Hello"})
    );
}

#[test]
fn permessage_deflate_parameters_are_applied_and_checked() {
    // With server_no_context_takeover the second message cannot refer back to the first:
    // the inflater starts empty and the message does not inflate (close 1007).
    let out = decode(
        &[
            "--role",
            "client",
            "--permessage-deflate=server_no_context_takeover",
        ],
        RFC_HELLO_TWICE,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let l = lines(&out);
    assert_eq!(l[1], json!({"event": "text", "length": 5, "text": "Hello"}));
    assert_eq!(l[3]["error"]["kind"], "inflate");
    assert_eq!(l[3]["error"]["close_code"], 1007);

    // Bad parameters and the wrong codec are usage errors (64).
    for bad in [
        "server_max_window_bits=20",
        "client_max_window_bits",
        "x-webkit-deflate-frame",
    ] {
        let out = decode(&[&format!("--permessage-deflate={bad}")], b"");
        assert_eq!(out.status.code(), Some(64), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("permessage-deflate"));
    }
    let out = decode_support::decode("sse", &["--permessage-deflate"], b"");
    assert_eq!(out.status.code(), Some(64));
}

/// Python's zlib (an independent deflate) compresses three messages with a 1 KiB window and
/// context takeover, as a server with `server_max_window_bits=10` would; the decoder inflates
/// them with the same parameter.
#[test]
fn permessage_deflate_inflates_python_zlib_with_small_window() {
    const SCRIPT: &str = r#"
import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, -10)
out = b""
for i in range(3):
    msg = ("Grüße %d " % i + "abcdefgh" * 300).encode()
    data = c.compress(msg) + c.flush(zlib.Z_SYNC_FLUSH)
    assert data.endswith(b"\x00\x00\xff\xff")
    data = data[:-4]
    assert len(data) < 126 or len(data) < 65536
    head = bytes([0xC1, len(data)]) if len(data) < 126 else bytes([0xC1, 126]) + len(data).to_bytes(2, "big")
    out += head + data
sys.stdout.buffer.write(out)
"#;
    let py = std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .output()
        .expect("python3 runs");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let out = decode(
        &[
            "--role",
            "client",
            "--permessage-deflate=server_max_window_bits=10",
        ],
        &py.stdout,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let texts: Vec<String> = lines(&out)
        .iter()
        .filter(|l| l["event"] == "text")
        .map(|l| l["text"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..3)
        .map(|i| format!("Grüße {i} {}", "abcdefgh".repeat(300)))
        .collect();
    assert_eq!(texts, expected);
}
