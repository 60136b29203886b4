//! The std-sockets driver of the HTTP client examples: one `fasterapi_http1::ClientConnection`
//! per request, the answers fed through `HttpClient`.

use core::time::Duration;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use bytes::Bytes;
use fasterapi_core::{Epoch, Machine, StreamMachine};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Event, Header};
use fasterapi_mcp::http_client::{HttpClient, HttpClientError, Post, ResponseBody};
use fasterapi_mcp::jsonrpc::Request;
use fasterapi_mcp::{ClientEvent, ErrorObject, Id};
use serde_json::Value;

/// Answers a server request.
pub(crate) type OnRequest = Box<dyn FnMut(&Request) -> Result<Value, ErrorObject>>;

/// Authorization of the session's requests (examples/support/oauth.rs).
pub(crate) trait Authorizer {
    /// Gets authorization after a `401`/`403` to `post` (status, `WWW-Authenticate`,
    /// `DPoP-Nonce`) and sets it on the transport; the POST is then sent again.
    fn unauthorized(
        &mut self,
        http: &mut HttpClient,
        post: &Post,
        status: u16,
        www_authenticate: Option<&str>,
        dpop_nonce: Option<&str>,
    ) -> Result<(), String>;
    /// Extra header fields for one request to `url` (a DPoP proof).
    fn request_headers(&mut self, method: &str, url: &str) -> Vec<(&'static str, String)>;
}

/// The error text of a `401`/`403` exchange: this prefix, the status, a newline, the
/// `DPoP-Nonce` value, a newline, the `WWW-Authenticate` value.
const UNAUTHORIZED: &str = "\u{0}unauthorized ";

/// A client session over Streamable HTTP: the transport, the server's address and path.
pub(crate) struct Session {
    pub(crate) http: HttpClient,
    pub(crate) addr: String,
    pub(crate) path: String,
    pub(crate) epoch: Epoch,
    /// Answers the server's requests (sampling, elicitation, …); method not found if `None`.
    pub(crate) on_request: Option<OnRequest>,
    /// Events read while a response body was streaming, for `wait`.
    pub(crate) stash: VecDeque<ClientEvent>,
    /// Authorizes after a `401`/`403`; without it they fail the request.
    pub(crate) auth: Option<Box<dyn Authorizer>>,
}

/// Answers the server's requests among the client's events (stashing the others) and returns
/// the POSTs that carry the answers.
fn answer_requests(
    http: &mut HttpClient,
    on_request: &mut Option<OnRequest>,
    stash: &mut VecDeque<ClientEvent>,
    now: fasterapi_core::Timestamp,
) -> Vec<Post> {
    while let Some(ev) = http.client().poll_event() {
        match ev {
            ClientEvent::Request(r) => {
                let answer = match on_request.as_mut() {
                    Some(f) => f(&r),
                    None => Err(ErrorObject::method_not_found(&r.method)),
                };
                http.client().respond(r.id, answer);
            }
            other => stash.push_back(other),
        }
    }
    let mut posts = Vec::new();
    while let Some(p) = http.poll_post(now) {
        posts.push(p);
    }
    posts
}

/// One HTTP exchange on a fresh connection; the response body goes through `on_body`.
pub(crate) fn exchange(
    addr: &str,
    path: &str,
    method: &str,
    headers: &[(&str, String)],
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
    conn.send_request(method.as_bytes(), path.as_bytes(), &fields)
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

pub(crate) fn field(r: &fasterapi_http1::IncomingResponse, name: &str) -> Option<String> {
    r.header(name)
        .and_then(|v| core::str::from_utf8(v).ok())
        .map(String::from)
}

/// An exchange stopped on purpose: the awaited answer came on a stream that stays open.
const DONE: &str = "\u{0}answered";

/// The transport and the body being read, shared by an exchange's callbacks.
type Shared<'a> = core::cell::RefCell<(&'a mut HttpClient, Option<ResponseBody>)>;

/// One POST (or resuming GET) whose answer is fed to the transport: the server's requests on
/// its stream are answered at once (on further connections, whose own answers are fed too),
/// and reading stops as soon as the answer to `want` is in.
#[allow(
    clippy::too_many_arguments,
    reason = "the session's fields, borrowed apart"
)]
fn feed(
    http: &mut HttpClient,
    on_request: &mut Option<OnRequest>,
    stash: &mut VecDeque<ClientEvent>,
    epoch: Epoch,
    (addr, path): (&str, &str),
    method: &str,
    headers: &[(&str, String)],
    body: &[u8],
    want: Option<&Id>,
) -> Result<(), String> {
    let state: Shared<'_> = core::cell::RefCell::new((http, None));
    let r = exchange(
        addr,
        path,
        method,
        headers,
        body,
        &mut |r| {
            let sid = field(r, "mcp-session-id");
            let ctype = field(r, "content-type");
            let mut st = state.borrow_mut();
            let body =
                st.0.handle_response_head(r.status, sid.as_deref(), ctype.as_deref())
                    .map_err(|e| match e {
                        HttpClientError::Unauthorized(s) => {
                            let www = field(r, "www-authenticate").unwrap_or_default();
                            let nonce = field(r, "dpop-nonce").unwrap_or_default();
                            format!("{UNAUTHORIZED}{s}\n{nonce}\n{www}")
                        }
                        e => e.to_string(),
                    })?;
            st.1 = Some(body);
            Ok(())
        },
        &mut |d| {
            let posts = {
                let mut st = state.borrow_mut();
                let (http, body) = &mut *st;
                if let Some(body) = body.as_mut() {
                    http.handle_body(epoch.now(), body, d)
                        .map_err(|e| e.to_string())?;
                }
                answer_requests(http, on_request, stash, epoch.now())
            };
            // Server requests on this stream (elicitation during a tool call) are answered
            // while it stays open; any request queued meanwhile goes too, and its answer is
            // fed like this one's.
            for p in posts {
                let mut st = state.borrow_mut();
                feed(
                    st.0,
                    on_request,
                    stash,
                    epoch,
                    (addr, path),
                    "POST",
                    &post_headers(&p),
                    &p.body,
                    None,
                )?;
            }
            let answered = want.is_some_and(|w| {
                stash
                    .iter()
                    .any(|e| matches!(e, ClientEvent::Response { id, .. } if id == w))
            });
            if answered { Err(DONE.into()) } else { Ok(()) }
        },
    );
    match r {
        Err(e) if e == DONE => Ok(()),
        Err(e) => Err(e),
        Ok(()) => {
            let (http, body) = state.into_inner();
            if let Some(body) = body {
                http.end_body(epoch.now(), body)
                    .map_err(|e| e.to_string())?;
            }
            while let Some(ev) = http.client().poll_event() {
                stash.push_back(ev);
            }
            Ok(())
        }
    }
}

/// A POST's header fields, its `Mcp-Param-*` ones included.
fn post_headers(p: &Post) -> Vec<(&str, String)> {
    p.all_headers().map(|(k, v)| (k, v.to_string())).collect()
}

impl Session {
    /// Sends every queued message, then looks for the answer to `id`; a stream that ends
    /// before it is resumed with `GET` + `Last-Event-ID` after its `retry` time.
    pub(crate) fn wait(&mut self, id: &Id) -> Result<Value, String> {
        self.wait_rpc(id)?.map_err(|e| e.to_string())
    }

    /// [`Session::wait`] with the JSON-RPC error kept whole; `Err` is a transport failure.
    pub(crate) fn wait_rpc(&mut self, id: &Id) -> Result<Result<Value, ErrorObject>, String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Some(post) = self.http.poll_post(self.epoch.now()) {
                let target = (self.addr.as_str(), self.path.as_str());
                let mut headers = post_headers(&post);
                if let Some(auth) = self.auth.as_mut() {
                    let url = format!("http://{}{}", self.addr, self.path);
                    headers.extend(auth.request_headers("POST", &url));
                }
                let r = feed(
                    &mut self.http,
                    &mut self.on_request,
                    &mut self.stash,
                    self.epoch,
                    target,
                    "POST",
                    &headers,
                    &post.body,
                    Some(id),
                );
                if let (Err(e), Some(auth)) = (&r, self.auth.as_mut()) {
                    if let Some(rest) = e.strip_prefix(UNAUTHORIZED) {
                        let mut parts = rest.splitn(3, '\n');
                        let status = parts.next().and_then(|s| s.parse().ok()).unwrap_or(401);
                        let nonce = parts.next().filter(|n| !n.is_empty());
                        let www = parts.next().filter(|w| !w.is_empty());
                        auth.unauthorized(&mut self.http, &post, status, www, nonce)?;
                        self.http.requeue(post);
                        continue;
                    }
                }
                r?;
            }
            while let Some(ev) = self.http.client().poll_event() {
                self.stash.push_back(ev);
            }
            while let Some(ev) = self.stash.pop_front() {
                match ev {
                    ClientEvent::Response {
                        id: got, result, ..
                    } if &got == id => {
                        return Ok(result);
                    }
                    ClientEvent::Request(r) => {
                        let answer = match self.on_request.as_mut() {
                            Some(f) => f(&r),
                            None => Err(ErrorObject::method_not_found(&r.method)),
                        };
                        self.http.client().respond(r.id, answer);
                    }
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                return Err("no answer in 20 s".into());
            }
            if let Some(at) = self.http.resume_at() {
                // The stream broke before the answer: wait its `retry`, then resume it.
                let now = self.epoch.now();
                if at > now {
                    std::thread::sleep(at - now);
                }
                if let Some(headers) = self.http.poll_resume(self.epoch.now()) {
                    let target = (self.addr.as_str(), self.path.as_str());
                    feed(
                        &mut self.http,
                        &mut self.on_request,
                        &mut self.stash,
                        self.epoch,
                        target,
                        "GET",
                        &headers,
                        b"",
                        Some(id),
                    )?;
                }
                continue;
            }
            // An answer may still be due (a 202 for a request is not expected): poll again.
            if self.http.client().in_flight() == 0 {
                return Err("the request got no answer".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub(crate) fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self
            .http
            .client()
            .request(self.epoch.now(), method, Some(params));
        self.wait(&id)
    }
}
