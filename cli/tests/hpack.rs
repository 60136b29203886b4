//! `fasterapi decode hpack` as a black box: the JSON Lines of docs/cli.md ("hpack").

mod decode_support;

use std::process::Output;

use serde_json::{Value, json};

use decode_support::lines;

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("hpack", args, stdin)
}

fn field(name: &str, value: &str) -> Value {
    json!({"event": "field", "name": name, "value": value, "never_indexed": false})
}

/// RFC 7541 C.4.1 and C.4.2 (Huffman requests), one block per line, one table across lines.
const C4: &str =
    "# RFC 7541 C.4\n8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff\n\n8286 84be 5886 a8eb 1064 9cbf\n";

#[test]
fn blocks_per_line_share_one_table() {
    for role in ["server", "client"] {
        let out = decode(&["--hex", "--role", role], C4.as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = lines(&out);
        let expected = vec![
            field(":method", "GET"),
            field(":scheme", "http"),
            field(":path", "/"),
            field(":authority", "www.example.com"),
            json!({"event": "block", "fields": 4, "table_entries": 1, "table_size": 57, "table_max_size": 4096}),
            field(":method", "GET"),
            field(":scheme", "http"),
            field(":path", "/"),
            field(":authority", "www.example.com"),
            field("cache-control", "no-cache"),
            json!({"event": "block", "fields": 5, "table_entries": 2, "table_size": 110, "table_max_size": 4096}),
        ];
        assert_eq!(got, expected, "role {role}");
    }
}

#[test]
fn raw_input_is_one_block() {
    let out = decode(&[], &[0x82, 0x10, 0x01, b'a', 0x01, 0xff]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        vec![
            field(":method", "GET"),
            json!({"event": "field", "name": "a", "value": {"hex": "ff"}, "never_indexed": true}),
            json!({"event": "block", "fields": 2, "table_entries": 0, "table_size": 0, "table_max_size": 4096}),
        ]
    );
}

#[test]
fn errors_exit_2_with_the_kind() {
    // Second line: index 70 does not exist; the first block's fields stand.
    let out = decode(&["--hex"], b"82\nc6\n");
    assert_eq!(out.status.code(), Some(2));
    let got = lines(&out);
    assert_eq!(got[0], field(":method", "GET"));
    let err = &got.last().unwrap()["error"];
    assert_eq!(err["codec"], "hpack");
    assert_eq!(err["kind"], "invalid_index");
    assert_eq!(err["offset"], 1);
    assert_eq!(err["code"], 9);
    // A block cut inside a field.
    let out = decode(&["--hex"], b"4003 6162\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        lines(&out).last().unwrap()["error"]["kind"],
        "truncated_block"
    );
}
