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
