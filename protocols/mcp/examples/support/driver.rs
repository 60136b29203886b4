//! The std-threads driver shared by the HTTP examples: one `fasterapi_http1::ServerConnection`
//! per TCP connection, one `HttpServer` behind a mutex, and the application's `pump` (engine
//! events and timers) run under the same lock after every request and while streams wait.

use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fasterapi_core::{Epoch, Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ConnectionConfig, Event as HttpEvent, Header, ServerConnection};
use fasterapi_mcp::http::{HttpBody, HttpServer, StreamPoll};

/// The application: handles engine events and timers.
pub(crate) type Pump = Box<dyn FnMut(&mut HttpServer, Timestamp) + Send>;

struct Shared {
    http: HttpServer,
    pump: Pump,
}

impl Shared {
    fn pump(&mut self, now: Timestamp) {
        if self.http.poll_timeout().is_some_and(|t| t <= now) {
            self.http.handle_timeout(now);
        }
        (self.pump)(&mut self.http, now);
    }
}

/// Serves `listener` forever, a thread per connection.
pub(crate) fn run(listener: TcpListener, http: HttpServer, pump: Pump) -> std::io::Result<()> {
    let shared = Arc::new(Mutex::new(Shared { http, pump }));
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
                            s.pump(epoch.now());
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
                                if let Err(e) = flush(&mut conn, &mut sock, epoch.now()) {
                                    // The client went away: for 2026-07-28 that cancels.
                                    let mut s = shared.lock().expect("no poisoning");
                                    s.http.close_stream(epoch.now(), id);
                                    return Err(e);
                                }
                                let poll = {
                                    let mut s = shared.lock().expect("no poisoning");
                                    s.pump(epoch.now());
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
