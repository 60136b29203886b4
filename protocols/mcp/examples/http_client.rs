//! fasterapi-mcp's client machine over Streamable HTTP ([`HttpClient`]) against another MCP
//! server (the interop stage runs it against the official Python SDK's own HTTP server).
//!
//! Usage: `http_client modern|legacy HOST:PORT` — a scripted session on `http://HOST:PORT/mcp`
//! (`server/discover` or `initialize`, tools, resources, prompts, then `DELETE` for a
//! session), one `fasterapi_http1::ClientConnection` per POST on std sockets; prints one line
//! per check and `N passed, N failed`; exits 1 on a failure.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test program prints"
)]

use core::time::Duration;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

use bytes::Bytes;
use fasterapi_core::{Epoch, Machine, StreamMachine};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Event, Header};
use fasterapi_mcp::http_client::HttpClient;
use fasterapi_mcp::{ClientEvent, ErrorObject, Id, ProtocolVersion, StdioClient};
use serde_json::{Value, json};

struct Session {
    http: HttpClient,
    addr: String,
    epoch: Epoch,
}

/// One HTTP exchange on a fresh connection; the response body goes through `on_body`.
fn exchange(
    addr: &str,
    method: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
    on_head: &mut dyn FnMut(&fasterapi_http1::IncomingResponse) -> Result<(), String>,
    on_body: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let epoch = Epoch::new();
    let mut conn = ClientConnection::new(ConnectionConfig::default());
    let len = body.len().to_string();
    let mut fields: Vec<Header<'_>> = vec![
        Header {
            name: b"Host",
            value: addr.as_bytes(),
        },
        Header {
            name: b"Content-Length",
            value: len.as_bytes(),
        },
        Header {
            name: b"Connection",
            value: b"close",
        },
    ];
    fields.extend(headers.iter().map(|(k, v)| Header {
        name: k.as_bytes(),
        value: v.as_bytes(),
    }));
    conn.send_request(method.as_bytes(), b"/mcp", &fields)
        .map_err(|e| e.to_string())?;
    if !body.is_empty() {
        conn.send_data(Bytes::copy_from_slice(body))
            .map_err(|e| e.to_string())?;
    }
    conn.end_body().map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        loop {
            let n = conn.poll_transmit(epoch.now(), &mut buf);
            if n == 0 {
                break;
            }
            sock.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        }
        while let Some(ev) = conn.poll_event() {
            match ev {
                Event::Response(r) => on_head(&r)?,
                Event::Data(d) => on_body(&d)?,
                Event::EndOfMessage { .. } | Event::Closed => return Ok(()),
                _ => {}
            }
        }
        let n = sock.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            conn.handle_eof(epoch.now()).map_err(|e| e.to_string())?;
        } else {
            conn.handle_input(epoch.now(), &buf[..n])
                .map_err(|e| e.to_string())?;
        }
    }
}

fn field(r: &fasterapi_http1::IncomingResponse, name: &str) -> Option<String> {
    r.header(name)
        .and_then(|v| core::str::from_utf8(v).ok())
        .map(String::from)
}

impl Session {
    /// Sends every queued message, then looks for the answer to `id`.
    fn wait(&mut self, id: &Id) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Some(post) = self.http.poll_post(self.epoch.now()) {
                let epoch = self.epoch;
                // The head and body callbacks share the transport and the body reader.
                let state = core::cell::RefCell::new((&mut self.http, None));
                exchange(
                    &self.addr,
                    "POST",
                    &post.headers,
                    &post.body,
                    &mut |r| {
                        let sid = field(r, "mcp-session-id");
                        let ctype = field(r, "content-type");
                        let mut st = state.borrow_mut();
                        let body =
                            st.0.handle_response_head(r.status, sid.as_deref(), ctype.as_deref())
                                .map_err(|e| e.to_string())?;
                        st.1 = Some(body);
                        Ok(())
                    },
                    &mut |d| {
                        let mut st = state.borrow_mut();
                        let (http, body) = &mut *st;
                        match body.as_mut() {
                            Some(body) => http
                                .handle_body(epoch.now(), body, d)
                                .map_err(|e| e.to_string()),
                            None => Ok(()),
                        }
                    },
                )?;
                let (http, body) = state.into_inner();
                if let Some(body) = body {
                    http.end_body(epoch.now(), body)
                        .map_err(|e| e.to_string())?;
                }
            }
            while let Some(ev) = self.http.client().poll_event() {
                match ev {
                    ClientEvent::Response {
                        id: got, result, ..
                    } if &got == id => {
                        return result.map_err(|e: ErrorObject| e.to_string());
                    }
                    ClientEvent::Request(r) => {
                        let e = ErrorObject::method_not_found(&r.method);
                        self.http.client().respond(r.id, Err(e));
                    }
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                return Err("no answer in 20 s".into());
            }
            // An answer may still be due (a 202 for a request is not expected): poll again.
            if self.http.client().in_flight() == 0 {
                return Err("the request got no answer".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self
            .http
            .client()
            .request(self.epoch.now(), method, Some(params));
        self.wait(&id)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(addr)) = (args.first(), args.get(1)) else {
        eprintln!("usage: http_client modern|legacy HOST:PORT");
        return ExitCode::from(64);
    };
    let mut s = Session {
        http: HttpClient::new(StdioClient::new(Duration::from_secs(20))),
        addr: addr.clone(),
        epoch: Epoch::new(),
    };
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, detail: &dyn core::fmt::Debug| {
        if ok {
            passed += 1;
            println!("ok   [http client {mode}] {name}");
        } else {
            failed += 1;
            println!("FAIL [http client {mode}] {name}: {detail:?}");
        }
    };
    let info = json!({"name":"fasterapi-mcp-client","version":"0.1.0"});
    if mode == "modern" {
        s.http
            .set_stateless(ProtocolVersion::V2026_07_28, json!({}), info);
        let r = s.call("server/discover", json!({}));
        let ok = r.as_ref().is_ok_and(|v| {
            v["supportedVersions"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("2026-07-28")))
        });
        check("server/discover", ok, &r);
    } else {
        let id = s.http.client().initialize(
            s.epoch.now(),
            ProtocolVersion::V2025_11_25,
            json!({}),
            info,
        );
        let r = s.wait(&id);
        check(
            "initialize 2025-11-25",
            r.as_ref()
                .is_ok_and(|v| v["protocolVersion"] == "2025-11-25"),
            &r,
        );
        let sid = s.http.session_id().map(String::from);
        check("session id", sid.is_some(), &sid);
        s.http.client().notify("notifications/initialized", None);
        let r = s.call("ping", json!({}));
        check("ping", r.is_ok(), &r);
    }
    let r = s.call("tools/list", json!({}));
    let names: Vec<String> = r
        .as_ref()
        .map(|v| {
            v["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    check(
        "tools/list",
        names.contains(&"add".into()) && names.contains(&"shout".into()),
        &r,
    );
    let r = s.call(
        "tools/call",
        json!({"name":"add","arguments":{"a":40,"b":2}}),
    );
    check(
        "tools/call add",
        r.as_ref().is_ok_and(|v| v["content"][0]["text"] == "42"),
        &r,
    );
    let r = s.call(
        "tools/call",
        json!({"name":"shout","arguments":{"text":"hey"}}),
    );
    check(
        "tools/call shout",
        r.as_ref().is_ok_and(|v| v["content"][0]["text"] == "HEY"),
        &r,
    );
    let r = s.call("resources/read", json!({"uri":"sdk://greeting"}));
    check(
        "resources/read",
        r.as_ref()
            .is_ok_and(|v| v["contents"][0]["text"] == "hello from the SDK"),
        &r,
    );
    let r = s.call(
        "prompts/get",
        json!({"name":"review","arguments":{"code":"x = 1"}}),
    );
    check(
        "prompts/get",
        r.as_ref().is_ok_and(|v| {
            v["messages"][0]["content"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("x = 1"))
        }),
        &r,
    );
    if let Some(headers) = s.http.delete_headers() {
        let mut status = 0;
        let r = exchange(
            addr,
            "DELETE",
            &headers,
            b"",
            &mut |r| {
                status = r.status;
                Ok(())
            },
            &mut |_| Ok(()),
        );
        check(
            "DELETE ends the session",
            r.is_ok() && (200..300).contains(&status),
            &(r, status),
        );
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
