//! `fasterapi decode mcp` as a black box: the JSON Lines of docs/cli.md ("mcp"), on
//! hand-written input and on what `fasterapi mcp-stdio` really writes.

mod decode_support;

use std::process::Output;

use serde_json::json;

use decode_support::{fasterapi, lines};

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("mcp", args, stdin)
}

#[test]
fn every_kind_split_lines_and_batches() {
    let input = concat!(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}\r\n",
        "\n",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{\"tools\":[]}}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}\n",
        "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]\n",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"me"
    );
    for role in ["server", "client"] {
        let out = decode(&["--role", role], input.as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            lines(&out),
            [
                json!({"kind": "request", "id": 1, "method": "tools/list", "params": {}}),
                json!({"kind": "notification", "method": "notifications/initialized", "params": null}),
                json!({"kind": "response", "id": "a", "result": {"tools": []}}),
                json!({"kind": "error", "id": 2, "error": {"code": -32601, "message": "Method not found"}}),
                json!({"kind": "request", "id": 3, "method": "ping", "params": null, "batch": 0}),
                json!({"kind": "notification", "method": "x", "params": null, "batch": 1}),
                json!({"kind": "incomplete", "bytes": 27}),
            ]
        );
    }
}

#[test]
fn hex_input() {
    // {"jsonrpc":"2.0","method":"m"}\n
    let hex = "7b226a736f6e727063223a22322e30222c226d6574686f64223a226d227d0a\n";
    let out = decode(&["--hex"], hex.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lines(&out),
        [json!({"kind": "notification", "method": "m", "params": null})]
    );
}

#[test]
fn bad_json_and_non_messages_exit_2() {
    let out = decode(
        &[],
        b"{\"jsonrpc\":\"2.0\",\"method\":\"ok\"}\n{not json\n{}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let l = lines(&out);
    assert_eq!(l[0]["method"], "ok");
    let err = &l[1]["error"];
    assert_eq!(err["codec"], "mcp");
    assert_eq!(err["kind"], "parse_error");
    assert_eq!(err["code"], -32700);
    assert_eq!(err["line"], 2);
    assert_eq!(l.len(), 2, "decoding stops at the first error");

    let out = decode(&[], b"{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"m\"}\n");
    assert_eq!(out.status.code(), Some(2));
    let err = &lines(&out)[0]["error"];
    assert_eq!(err["kind"], "invalid_message");
    assert_eq!(err["code"], -32600);

    let out = decode(&[], b"[]\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out)[0]["error"]["kind"], "invalid_message");
}

#[test]
fn line_limit_exits_2() {
    // Over the stdio transport's 4 MiB line limit, without a newline: refused before buffering.
    let input = vec![b'a'; 4 * 1024 * 1024 + 2];
    let out = decode(&[], &input);
    assert_eq!(out.status.code(), Some(2));
    let err = &lines(&out)[0]["error"];
    assert_eq!(err["kind"], "line_too_long");
    assert_eq!(err["limit"], 4 * 1024 * 1024);
}

#[test]
fn decodes_what_mcp_stdio_writes() {
    // A real producer: the demo server answers an initialize and a tools/call.
    let session = concat!(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",",
        "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":40}}}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"}\n",
    );
    let server = fasterapi(&["mcp-stdio"], session.as_bytes());
    assert_eq!(
        server.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&server.stderr)
    );
    let out = decode(&["--role", "client"], &server.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert_eq!(l.len(), 3, "{l:?}");
    assert_eq!(l[0]["kind"], "response");
    assert_eq!(l[0]["id"], 1);
    assert_eq!(l[0]["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(l[1]["kind"], "response");
    assert_eq!(l[1]["result"]["structuredContent"], json!({"sum": 42}));
    assert_eq!(l[2]["kind"], "error");
    assert_eq!(l[2]["id"], 3);
    assert_eq!(l[2]["error"]["code"], -32601);
}
