//! A Streamable HTTP MCP server on std threads: `fasterapi_http1::ServerConnection` per TCP
//! connection, one shared [`HttpServer`] behind a mutex. Used by the interop stage against
//! the official Python SDK.
//!
//! Run: `cargo run -p fasterapi-mcp --example http_server` — prints `listening on ADDR`, then
//! serves `http://ADDR/mcp` until killed. Tools: `echo`, `add` (structured output),
//! `countdown` (progress, deferred), `in_flight`.
#![allow(clippy::print_stdout, reason = "an example prints its address")]

use core::hash::BuildHasher;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fasterapi_core::{Epoch, Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ConnectionConfig, Event as HttpEvent, Header, ServerConnection};
use fasterapi_mcp::http::{EngineKey, HttpBody, HttpConfig, HttpServer, StreamPoll};
use fasterapi_mcp::types::{Extra, Resource, ResourceContents, Tool};
use fasterapi_mcp::{CallToolResult, Event, Id, Server, ToolReply, schema};
use serde_json::{Value, json};

/// Deferred countdowns: token -> (engine, request, done, steps).
type Jobs = BTreeMap<u64, (EngineKey, Id, u64, u64)>;

struct Shared {
    http: HttpServer,
    jobs: Jobs,
    next: u64,
    in_flight: Arc<AtomicUsize>,
}

fn demo(in_flight: Arc<AtomicUsize>) -> Server {
    let add = Tool {
        name: "add".into(),
        description: Some("Adds two integers; structured output".into()),
        input_schema: schema::object()
            .required("a", schema::integer("a"))
            .required("b", schema::integer("b"))
            .build(),
        output_schema: Some(
            json!({"type":"object","properties":{"sum":{"type":"integer"}},"required":["sum"]}),
        ),
        extra: Extra::new(),
    };
    Server::new("fasterapi-demo-http", "0.1.0")
        .tool(
            "echo",
            "Echoes its text",
            schema::object().required("text", schema::string("what to echo")),
            |c| {
                ToolReply::Done(CallToolResult::text(
                    c.arguments["text"].as_str().unwrap_or(""),
                ))
            },
        )
        .tool_with(add, |c| {
            let s = c.arguments["a"].as_i64().unwrap_or(0) + c.arguments["b"].as_i64().unwrap_or(0);
            ToolReply::Done(CallToolResult::structured(json!({ "sum": s })))
        })
        .tool(
            "countdown",
            "Counts down `steps` steps of 10 ms, reporting progress",
            schema::object().required("steps", schema::integer("1-100")),
            |_| ToolReply::Defer,
        )
        .tool(
            "in_flight",
            "Running countdowns",
            schema::object(),
            move |_| {
                ToolReply::Done(CallToolResult::text(
                    in_flight.load(Ordering::Relaxed).to_string(),
                ))
            },
        )
        .resource(
            Resource {
                uri: "demo://readme".into(),
                name: "readme".into(),
                description: None,
                mime_type: Some("text/plain".into()),
                extra: Extra::new(),
            },
            |u| Ok(vec![ResourceContents::text(u, "text/plain", "over HTTP")]),
        )
}

const STEP: Duration = Duration::from_millis(10);

/// Runs the application: engine events and the countdown timers.
fn pump(s: &mut Shared, now: Timestamp) {
    if s.http.poll_timeout().is_some_and(|t| t <= now) {
        s.http.handle_timeout(now);
    }
    while let Some((key, ev)) = s.http.poll_event() {
        match ev {
            Event::ToolCall { id, arguments, .. } => {
                let steps = arguments
                    .get("steps")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 100);
                let token = s.next;
                s.next += 1;
                if let Some(e) = s.http.engine_mut(&key) {
                    e.wake_at(now.saturating_add(STEP), token);
                }
                s.jobs.insert(token, (key, id, 0, steps));
            }
            Event::Cancelled { id, .. } | Event::TimedOut { id } => s.jobs.retain(|_, j| j.1 != id),
            Event::Wake { token } => {
                let Some((key, id, done, steps)) = s.jobs.remove(&token) else {
                    continue;
                };
                let Some(e) = s.http.engine_mut(&key) else {
                    continue;
                };
                let done = done + 1;
                #[allow(clippy::cast_precision_loss, reason = "at most 100")]
                if e.progress(&id, done as f64, Some(steps as f64), None)
                    .is_err()
                {
                    continue;
                }
                if done == steps {
                    let _ = e.complete(&id, CallToolResult::text(format!("counted {steps}")));
                } else {
                    e.wake_at(now.saturating_add(STEP), token);
                    s.jobs.insert(token, (key, id, done, steps));
                }
            }
            _ => {}
        }
    }
    s.in_flight.store(s.jobs.len(), Ordering::Relaxed);
}

fn flush(conn: &mut ServerConnection, sock: &mut TcpStream, now: Timestamp) -> std::io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = conn.poll_transmit(now, &mut buf);
        if n == 0 {
            return Ok(());
        }
        sock.write_all(&buf[..n])?;
    }
}

fn serve(shared: &Mutex<Shared>, epoch: Epoch, mut sock: TcpStream) -> std::io::Result<()> {
    let mut conn = ServerConnection::new(ConnectionConfig::default());
    let mut head = None;
    let mut body = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    loop {
        let n = sock.read(&mut buf)?;
        let now = epoch.now();
        if n == 0 {
            let _ = conn.handle_eof(now);
            return Ok(());
        }
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let used = conn
                .handle_input(now, rest)
                .map_err(std::io::Error::other)?;
            rest = &rest[used..];
            while let Some(ev) = conn.poll_event() {
                match ev {
                    HttpEvent::Request(r) => {
                        head = Some(r);
                        body.clear();
                    }
                    HttpEvent::Data(d) => body.extend_from_slice(&d),
                    HttpEvent::EndOfMessage { .. } => {
                        let Some(req) = head.take() else { continue };
                        let resp = {
                            let mut s = shared.lock().expect("no poisoning");
                            let r = s.http.handle_request(epoch.now(), &req, &body);
                            pump(&mut s, epoch.now());
                            r
                        };
                        let mut headers: Vec<(&str, String)> = resp.headers.clone();
                        if let HttpBody::Full(b) = &resp.body {
                            headers.push(("Content-Length", b.len().to_string()));
                        } else if resp.body == HttpBody::Empty {
                            headers.push(("Content-Length", "0".into()));
                        }
                        let hs: Vec<Header<'_>> = headers
                            .iter()
                            .map(|(k, v)| Header {
                                name: k.as_bytes(),
                                value: v.as_bytes(),
                            })
                            .collect();
                        conn.send_response(resp.status, &hs)
                            .map_err(std::io::Error::other)?;
                        match resp.body {
                            HttpBody::Empty => conn.end_body().map_err(std::io::Error::other)?,
                            HttpBody::Full(b) => {
                                conn.send_data(Bytes::from(b))
                                    .map_err(std::io::Error::other)?;
                                conn.end_body().map_err(std::io::Error::other)?;
                            }
                            HttpBody::Stream(id) => loop {
                                flush(&mut conn, &mut sock, epoch.now())?;
                                let poll = {
                                    let mut s = shared.lock().expect("no poisoning");
                                    pump(&mut s, epoch.now());
                                    s.http.poll_stream(id)
                                };
                                match poll {
                                    StreamPoll::Data(d) => {
                                        conn.send_data(Bytes::from(d))
                                            .map_err(std::io::Error::other)?;
                                    }
                                    StreamPoll::Pending => {
                                        std::thread::sleep(Duration::from_millis(2))
                                    }
                                    StreamPoll::End | StreamPoll::Unknown => {
                                        conn.end_body().map_err(std::io::Error::other)?;
                                        break;
                                    }
                                }
                            },
                        }
                    }
                    _ => {}
                }
                flush(&mut conn, &mut sock, epoch.now())?;
            }
        }
        flush(&mut conn, &mut sock, now)?;
        if conn.is_closed() {
            return Ok(());
        }
    }
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let hasher = RandomState::new();
    let mut counter = 0u64;
    // Demo session ids: a keyed hash of a counter (a real server uses a CSPRNG).
    let ids = move || {
        counter += 1;
        format!(
            "{:016x}{:016x}",
            hasher.hash_one(counter),
            hasher.hash_one(!counter)
        )
    };
    let http = HttpServer::new(
        Arc::new(demo(Arc::clone(&in_flight))),
        HttpConfig::default(),
        ids,
    );
    let shared = Arc::new(Mutex::new(Shared {
        http,
        jobs: Jobs::new(),
        next: 0,
        in_flight,
    }));
    let epoch = Epoch::new();
    for sock in listener.incoming() {
        let sock = sock?;
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let _ = serve(&shared, epoch, sock);
        });
    }
    Ok(())
}
