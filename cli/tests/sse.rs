//! `fasterapi decode sse` as a black box: the JSON Lines of docs/cli.md ("sse").

mod decode_support;

use std::process::Output;

use serde_json::json;

use decode_support::lines;

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("sse", args, stdin)
}

#[test]
fn events_retry_comments_and_incomplete() {
    let input = b"\xEF\xBB\xBF: hi\r\nretry: 3000\nevent: add\nid: 7\ndata: a\ndata: \xFF\n\ndata: b\n\ndata: lost";
    for role in ["client", "server"] {
        let out = decode(&["--role", role], input);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Members come in the documented order, "event" first.
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            text.contains(
                "{\"event\":\"message\",\"type\":\"message\",\"data\":\"b\",\"id\":\"7\"}\n"
            ),
            "{text}"
        );
        assert_eq!(
            lines(&out),
            [
                json!({"event": "comment", "text": " hi"}),
                json!({"event": "retry", "retry": 3000}),
                json!({"event": "message", "type": "add", "data": "a\n\u{FFFD}", "id": "7"}),
                json!({"event": "message", "type": "message", "data": "b", "id": "7"}),
                json!({"event": "incomplete"}),
            ]
        );
    }
}

#[test]
fn hex_input() {
    // "data: x\n\n"
    let out = decode(&["--hex"], b"64 61 74 61 3a 20 78 0a 0a\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        [json!({"event": "message", "type": "message", "data": "x", "id": ""})]
    );
}

#[test]
fn limit_error_exits_2() {
    let mut input = b"data: ok\n\n".to_vec();
    input.extend(core::iter::repeat_n(b'a', 70 * 1024));
    let out = decode(&[], &input);
    assert_eq!(out.status.code(), Some(2));
    let l = lines(&out);
    assert_eq!(l[0]["data"], "ok");
    let err = &l[1]["error"];
    assert_eq!(err["codec"], "sse");
    assert_eq!(err["kind"], "line_too_long");
    assert_eq!(err["limit"], 65536);
    // The first byte past the 64 KiB line limit.
    assert_eq!(err["offset"], 10 + 65536);
}
