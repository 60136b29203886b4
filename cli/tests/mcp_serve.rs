//! `fasterapi serve`'s `/mcp` against curl, on both runtimes: a legacy session (initialize,
//! session id, JSON and SSE answers, the GET stream, DELETE), a stateless 2026-07-28 request,
//! the Origin check and the refusals. The Python SDKs and the MCP Inspector run against the
//! same route in `scripts/stages/mcp.sh`.

mod serve_support;

use serve_support::{Server, both_runtimes, curl, text};

both_runtimes!(legacy_session_over_curl, stateless_request_and_refusals);

const ACCEPT: &str = "Accept: application/json, text/event-stream";
const JSON: &str = "Content-Type: application/json";

fn post(server: &Server, headers: &[&str], body: &str) -> String {
    let url = server.url("/mcp");
    let mut args = vec![
        "-s",
        "-i",
        "--max-time",
        "20",
        "-X",
        "POST",
        "-H",
        ACCEPT,
        "-H",
        JSON,
    ];
    for h in headers {
        args.extend(["-H", h]);
    }
    args.extend(["--data-binary", body, url.as_str()]);
    text(&curl(&args))
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn legacy_session_over_curl(runtime: &str) {
    let server = Server::start_on(runtime);
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    let r = post(&server, &[], init);
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains(r#""protocolVersion":"2025-11-25""#), "{r}");
    assert!(r.contains(r#""name":"fasterapi-demo""#), "{r}");
    let sid = header(&r, "mcp-session-id")
        .expect("a session id")
        .to_string();
    assert_eq!(sid.len(), 32, "128 bits in hex: {sid}");
    let session = format!("Mcp-Session-Id: {sid}");
    let version = "MCP-Protocol-Version: 2025-11-25";

    let r = post(
        &server,
        &[&session],
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    assert!(r.starts_with("HTTP/1.1 202 Accepted\r\n"), "{r}");

    // An answer ready at once is JSON.
    let call = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}"#;
    let r = post(&server, &[&session, version], call);
    assert!(r.contains("Content-Type: application/json"), "{r}");
    assert!(r.contains(r#""structuredContent":{"sum":42}"#), "{r}");

    // A deferred one streams its progress, then the result, and the stream ends.
    let countdown = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"countdown","arguments":{"steps":3,"interval_ms":10},"_meta":{"progressToken":"p"}}}"#;
    let r = post(&server, &[&session, version], countdown);
    assert!(r.contains("Content-Type: text/event-stream"), "{r}");
    let progress: Vec<&str> = r
        .lines()
        .filter(|l| l.contains("notifications/progress"))
        .collect();
    assert_eq!(progress.len(), 3, "{r}");
    let done = r.find(r#""text":"counted 3""#).expect("the result");
    assert!(
        r.rfind("notifications/progress").unwrap() < done,
        "progress first: {r}"
    );

    // Without the session id: 400; an unknown one: 404.
    let list = r#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#;
    assert!(post(&server, &[version], list).starts_with("HTTP/1.1 400"));
    assert!(post(&server, &["Mcp-Session-Id: nope", version], list).starts_with("HTTP/1.1 404"));

    // The GET stream opens (the SSE head arrives; curl gives up after a moment).
    let url = server.url("/mcp");
    let get = curl(&[
        "-s",
        "-i",
        "--max-time",
        "1",
        "-H",
        "Accept: text/event-stream",
        "-H",
        &session,
        &url,
    ]);
    let g = text(&get);
    assert!(g.starts_with("HTTP/1.1 200 OK\r\n"), "{g}");
    assert!(g.contains("Content-Type: text/event-stream"), "{g}");

    // DELETE ends the session.
    let del = curl(&[
        "-s", "-i", "-X", "DELETE", "-H", &session, "-H", version, &url,
    ]);
    assert!(
        text(&del).starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        text(&del)
    );
    assert!(post(&server, &[&session, version], list).starts_with("HTTP/1.1 404"));
}

fn stateless_request_and_refusals(runtime: &str) {
    let server = Server::start_on(runtime);
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let modern = [
        "MCP-Protocol-Version: 2026-07-28",
        "Mcp-Method: tools/call",
        "Mcp-Name: echo",
    ];
    let r = post(&server, &modern, call);
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(header(&r, "mcp-session-id").is_none(), "no session: {r}");
    assert!(
        r.contains(r#""text":"hi""#) && r.contains(r#""resultType":"complete""#),
        "{r}"
    );
    // A header that disagrees with the body: 400 with HeaderMismatch (-32020).
    let r = post(&server, &[modern[0], modern[1], "Mcp-Name: add"], call);
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert!(r.contains("-32020"), "{r}");

    // DNS rebinding: a foreign Origin is 403 before anything else.
    let r = post(&server, &["Origin: http://evil.example"], call);
    assert!(r.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{r}");
    let r = post(
        &server,
        &[
            "Origin: http://localhost:5173",
            modern[0],
            modern[1],
            modern[2],
        ],
        call,
    );
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");

    // Not JSON: 415; another method: 405 with Allow.
    let url = server.url("/mcp");
    let out = curl(&[
        "-s",
        "-i",
        "-X",
        "POST",
        "-H",
        ACCEPT,
        "-H",
        "Content-Type: text/plain",
        "--data",
        "x",
        &url,
    ]);
    assert!(text(&out).starts_with("HTTP/1.1 415"), "{}", text(&out));
    let out = curl(&["-s", "-i", "-X", "PUT", &url]);
    let t = text(&out);
    assert!(t.starts_with("HTTP/1.1 405"), "{t}");
    let allow = header(&t, "allow").expect("Allow");
    for m in ["GET", "POST", "DELETE"] {
        assert!(allow.contains(m), "{allow}");
    }
}
