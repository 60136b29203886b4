//! The conformance client for the official suite's client scenarios
//! (`npx @modelcontextprotocol/conformance client --command "conformance_client" …`): the suite
//! starts a scenario server and runs `conformance_client URL` with the scenario's name in
//! `MCP_CONFORMANCE_SCENARIO`. One behaviour serves every scenario: `initialize` (2025-11-25,
//! elicitation declared), `notifications/initialized`, the session's GET stream opened (read
//! on its own thread), `tools/list`, then each listed tool the suite defines is called
//! (`add_numbers`, `test_client_elicitation_defaults`, `test_reconnection`, whose stream breaks
//! and is resumed with `Last-Event-ID`); an `elicitation/create` (on a call's stream or the
//! GET stream) is accepted with the defaults of its requested schema (SEP-1034).
//! Exits 1 when a step fails.
#![allow(clippy::print_stderr, reason = "a test program reports")]

use core::time::Duration;
use std::process::ExitCode;

use fasterapi_core::Epoch;
use fasterapi_mcp::http_client::HttpClient;
use fasterapi_mcp::jsonrpc::{CodecLimits, Message, Payload, Request};
use fasterapi_mcp::{ErrorObject, ProtocolVersion, StdioClient};
use serde_json::{Map, Value, json};

mod support {
    pub(crate) mod http_session;
    pub(crate) mod oauth;
    pub(crate) mod stateless_client;
}
use support::http_session::Session;

/// `http://HOST:PORT/PATH` → (`HOST:PORT`, `/PATH`).
fn split_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (addr, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Some((addr.to_string(), path.to_string()))
}

/// SEP-1034: accept a form elicitation with every default its schema gives.
fn answer(r: &Request) -> Result<Value, ErrorObject> {
    if r.method != "elicitation/create" {
        return Err(ErrorObject::method_not_found(&r.method));
    }
    let mut content = Map::new();
    let props = r
        .params
        .as_ref()
        .and_then(|p| p.get("requestedSchema"))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in props.into_iter().flatten() {
        if let Some(d) = schema.get("default") {
            content.insert(name.clone(), d.clone());
        }
    }
    Ok(json!({"action": "accept", "content": content}))
}

/// Reads the session's GET stream and answers each server request on it with a POST of the
/// same session; `opened` is signalled once the stream's head arrived.
fn listen(
    addr: &str,
    path: &str,
    get: &[(&'static str, String)],
    opened: &std::sync::mpsc::Sender<()>,
) {
    let mut parser = fasterapi_sse::EventParser::new();
    let mut on_head = |_: &fasterapi_http1::IncomingResponse| {
        let _ = opened.send(());
        Ok(())
    };
    let mut on_body = |d: &[u8]| {
        let mut data = Vec::new();
        parser
            .feed(d, |p| {
                if let fasterapi_sse::Parsed::Event(e) = p {
                    data.push(e.data.into_owned());
                }
            })
            .map_err(|e| e.to_string())?;
        for text in data {
            let Ok(Payload::Single(Message::Request(r))) =
                Payload::parse(text.as_bytes(), &CodecLimits::default())
            else {
                continue;
            };
            let reply = match answer(&r) {
                Ok(result) => json!({"jsonrpc": "2.0", "id": r.id, "result": result}),
                Err(e) => json!({"jsonrpc": "2.0", "id": r.id, "error": e}),
            };
            let mut headers: Vec<(&'static str, String)> = get
                .iter()
                .filter(|(k, _)| *k != "Accept")
                .cloned()
                .collect();
            headers.push(("Content-Type", "application/json".into()));
            headers.push(("Accept", "application/json, text/event-stream".into()));
            support::http_session::exchange(
                addr,
                path,
                "POST",
                &headers,
                reply.to_string().as_bytes(),
                &mut |_| Ok(()),
                &mut |_| Ok(()),
            )?;
        }
        Ok(())
    };
    let _ =
        support::http_session::exchange(addr, path, "GET", get, b"", &mut on_head, &mut on_body);
}

fn main() -> ExitCode {
    let Some((addr, path)) = std::env::args().nth(1).as_deref().and_then(split_url) else {
        eprintln!("usage: conformance_client http://HOST:PORT/PATH");
        return ExitCode::from(64);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let mut s = Session {
        http: HttpClient::new(StdioClient::new(Duration::from_secs(20))),
        addr,
        path,
        epoch: Epoch::new(),
        stash: Default::default(),
        auth: None,
        on_request: Some(Box::new(answer)),
    };
    // A protected server (the `auth/*` scenarios): OAuth on 401/403.
    let url = std::env::args().nth(1).unwrap_or_default();
    s.auth = Some(support::oauth::authorizer(&url, &scenario));
    if support::stateless_client::applies() {
        return if support::stateless_client::run(&mut s, &scenario) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let info = json!({"name": "fasterapi-mcp-conformance-client", "version": "0.1.0"});
    let caps = json!({"elicitation": {"form": {}}});
    let id = s
        .http
        .client()
        .initialize(s.epoch.now(), ProtocolVersion::V2025_11_25, caps, info);
    if let Err(e) = s.wait(&id) {
        eprintln!("[{scenario}] initialize: {e}");
        return ExitCode::from(1);
    }
    s.http.client().notify("notifications/initialized", None);
    // The session's GET stream, for server requests outside a call's stream (the TypeScript
    // SDK sends `elicitation/create` there): read on its own thread, open before any call.
    if let Some(get) = s.http.get_headers() {
        let (addr, path) = (s.addr.clone(), s.path.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || listen(&addr, &path, &get, &tx));
        let _ = rx.recv_timeout(Duration::from_secs(5));
    }
    let tools = match s.call("tools/list", json!({})) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("[{scenario}] tools/list: {e}");
            return ExitCode::from(1);
        }
    };
    let names: Vec<String> = tools["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    let mut ok = true;
    for name in names {
        let args = match name.as_str() {
            "add_numbers" => json!({"a": 5, "b": 3}),
            "test_client_elicitation_defaults" | "test_reconnection" | "test-tool" => json!({}),
            other => match support::stateless_client::tool_args(other, &tools) {
                Some(args) => args,
                None => continue,
            },
        };
        match s.call("tools/call", json!({"name": name, "arguments": args})) {
            Ok(v) if v["isError"] != true => {}
            other => {
                eprintln!("[{scenario}] tools/call {name}: {other:?}");
                ok = false;
            }
        }
    }
    if let Some(headers) = s.http.delete_headers() {
        let _ = support::http_session::exchange(
            &s.addr,
            &s.path,
            "DELETE",
            &headers,
            b"",
            &mut |_| Ok(()),
            &mut |_| Ok(()),
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
