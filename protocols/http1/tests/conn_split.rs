//! Split-invariance of the machines' events (proptest): a stream of random pipelined requests
//! (or responses) gives the same events fed whole, one byte at a time and at random split
//! points, through either input path.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ClientConnection, ConnectionError, Event, Header, ServerConnection};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Body {
    None,
    Length(Vec<u8>),
    Chunked(Vec<Vec<u8>>, bool),
}

#[derive(Debug, Clone)]
struct Message {
    method: &'static str,
    target: String,
    fields: Vec<(String, String)>,
    body: Body,
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Body::Length),
        (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..20), 0..4),
            any::<bool>()
        )
            .prop_map(|(c, t)| Body::Chunked(c, t)),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        "/[a-z0-9/?=&]{0,20}",
        proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~]{0,20}"), 0..5),
        body(),
    )
        .prop_map(|(method, target, fields, body)| Message {
            method,
            target,
            fields: fields
                .into_iter()
                .filter(|(n, _)| {
                    let n = n.to_ascii_lowercase();
                    !matches!(
                        n.as_str(),
                        "content-length"
                            | "transfer-encoding"
                            | "connection"
                            | "upgrade"
                            | "expect"
                            | "host"
                    )
                })
                .map(|(n, v)| (n, v.trim().to_owned()))
                .collect(),
            body,
        })
}

fn put_body(out: &mut Vec<u8>, body: &Body) {
    match body {
        Body::None => out.extend_from_slice(b"\r\n"),
        Body::Length(b) => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes());
            out.extend_from_slice(b);
        }
        Body::Chunked(chunks, trailer) => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for c in chunks {
                out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                out.extend_from_slice(c);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n");
            if *trailer {
                out.extend_from_slice(b"X-Trailer: yes\r\n");
            }
            out.extend_from_slice(b"\r\n");
        }
    }
}

fn request_bytes(msgs: &[Message]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(format!("{} {} HTTP/1.1\r\n", m.method, target(m)).as_bytes());
        out.extend_from_slice(b"Host: t\r\n");
        for (n, v) in &m.fields {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        put_body(&mut out, &m.body);
    }
    out
}

fn target(m: &Message) -> String {
    format!("/{}", m.target.trim_start_matches('/'))
}

fn response_bytes(msgs: &[Message]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        for (n, v) in &m.fields {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        let body = match &m.body {
            Body::None => Body::Length(Vec::new()),
            other => other.clone(),
        };
        put_body(&mut out, &body);
    }
    out
}

/// Events as comparable strings, data concatenated per message.
#[derive(Default)]
struct Log {
    lines: Vec<String>,
    data: Vec<u8>,
}

impl Log {
    fn push(&mut self, e: Event) {
        match e {
            Event::Data(d) => self.data.extend_from_slice(&d),
            other => {
                if !self.data.is_empty() {
                    self.lines.push(format!("data {:?}", self.data));
                    self.data.clear();
                }
                self.lines.push(format!("{other:?}"));
            }
        }
    }
}

/// Feeds `wire` to a server in pieces given by `cuts`, answering each request at its end.
fn run_server(
    wire: &[u8],
    cuts: &[usize],
    zero_copy: bool,
) -> (Vec<String>, Option<ConnectionError>) {
    let mut s = ServerConnection::default();
    let mut log = Log::default();
    let mut sink = [0u8; 512];
    let now = Timestamp::ZERO;
    let mut pos = 0;
    let mut cut = cuts.iter().cycle();
    let drain = |s: &mut ServerConnection, log: &mut Log, sink: &mut [u8]| {
        loop {
            while s.poll_transmit(now, sink) > 0 {}
            let Some(e) = s.poll_event() else { break };
            let end = matches!(e, Event::EndOfMessage { .. });
            log.push(e);
            if end {
                s.send_response(204, &[]).expect("respond");
            }
        }
    };
    while pos < wire.len() {
        let n = (*cut.next().unwrap_or(&1)).max(1).min(wire.len() - pos);
        let piece = &wire[pos..pos + n];
        let r = if zero_copy {
            let buf = s.input_buffer();
            let k = buf.len().min(piece.len());
            buf[..k].copy_from_slice(&piece[..k]);
            s.commit_input(now, k).map(|()| k)
        } else {
            s.handle_input(now, piece)
        };
        match r {
            Ok(k) => pos += k,
            Err(e) => return (log.lines, Some(e)),
        }
        drain(&mut s, &mut log, &mut sink);
    }
    let r = s.handle_eof(now);
    drain(&mut s, &mut log, &mut sink);
    log.push(Event::Closed); // flush data
    (log.lines, r.err().or(s.error()))
}

/// Feeds `wire` to a client in pieces, sending a GET before each response.
fn run_client(wire: &[u8], cuts: &[usize]) -> (Vec<String>, Option<ConnectionError>) {
    let mut c = ClientConnection::default();
    let mut log = Log::default();
    let mut sink = [0u8; 512];
    let now = Timestamp::ZERO;
    let host = [Header {
        name: b"Host",
        value: b"a",
    }];
    let drain = |c: &mut ClientConnection, log: &mut Log, sink: &mut [u8]| {
        loop {
            if c.is_ready() {
                c.send_request(b"GET", b"/", &host).expect("request");
            }
            while c.poll_transmit(now, sink) > 0 {}
            let Some(e) = c.poll_event() else { break };
            log.push(e);
        }
    };
    drain(&mut c, &mut log, &mut sink);
    let mut pos = 0;
    let mut cut = cuts.iter().cycle();
    while pos < wire.len() {
        let n = (*cut.next().unwrap_or(&1)).max(1).min(wire.len() - pos);
        match c.handle_input(now, &wire[pos..pos + n]) {
            Ok(k) => pos += k,
            Err(e) => return (log.lines, Some(e)),
        }
        drain(&mut c, &mut log, &mut sink);
    }
    log.push(Event::Closed);
    (log.lines, c.error())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn server_events_do_not_depend_on_splits(
        msgs in proptest::collection::vec(message(), 1..5),
        cuts in proptest::collection::vec(1usize..40, 1..10),
    ) {
        let wire = request_bytes(&msgs);
        let whole = run_server(&wire, &[wire.len()], false);
        prop_assert!(whole.1.is_none(), "{:?}", whole.1);
        let requests = whole.0.iter().filter(|l| l.starts_with("Request")).count();
        prop_assert_eq!(requests, msgs.len());
        prop_assert_eq!(&run_server(&wire, &[1], false), &whole);
        prop_assert_eq!(&run_server(&wire, &cuts, false), &whole);
        prop_assert_eq!(&run_server(&wire, &cuts, true), &whole);
    }

    #[test]
    fn client_events_do_not_depend_on_splits(
        msgs in proptest::collection::vec(message(), 1..5),
        cuts in proptest::collection::vec(1usize..40, 1..10),
    ) {
        let wire = response_bytes(&msgs);
        let whole = run_client(&wire, &[wire.len()]);
        prop_assert!(whole.1.is_none(), "{:?}", whole.1);
        let responses = whole.0.iter().filter(|l| l.starts_with("Response")).count();
        prop_assert_eq!(responses, msgs.len());
        prop_assert_eq!(&run_client(&wire, &[1]), &whole);
        prop_assert_eq!(&run_client(&wire, &cuts), &whole);
    }

    #[test]
    fn garbage_never_panics(
        prefix in proptest::collection::vec(message(), 0..2),
        junk in proptest::collection::vec(any::<u8>(), 0..200),
        cuts in proptest::collection::vec(1usize..40, 1..10),
    ) {
        let mut wire = request_bytes(&prefix);
        wire.extend_from_slice(&junk);
        let (_, err) = run_server(&wire, &cuts, false);
        if let Some(e) = err {
            prop_assert!((400..=505).contains(&e.status()));
        }
        let mut wire = response_bytes(&prefix);
        wire.extend_from_slice(&junk);
        let _ = run_client(&wire, &cuts);
    }
}
