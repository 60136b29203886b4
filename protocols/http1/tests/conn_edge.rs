//! Edge cases of the connection machines: upgrades with a body, early answers, back-pressure
//! while the application owes a response, HTTP/1.0 and informational rules.

use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{
    ClientConnection, ConnState, ConnectionConfig, ConnectionError, Event, Header, ServerConnection,
};

const NOW: Timestamp = Timestamp::ZERO;

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name: name.as_bytes(),
        value: value.as_bytes(),
    }
}

fn events<M: Machine>(m: &mut M) -> Vec<M::Event> {
    core::iter::from_fn(|| m.poll_event()).collect()
}

fn drain<M: StreamMachine>(m: &mut M) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let t = m.poll_transmit_vectored(NOW, &mut buf);
        if t.is_empty() {
            return out;
        }
        out.extend_from_slice(&buf[..t.len]);
        if let Some(p) = t.payload {
            out.extend_from_slice(p.as_ref());
        }
    }
}

#[test]
fn upgrade_answered_before_the_request_body_ends() {
    // An h2c-style upgrade carrying a body: the 101 goes out at once, the switch happens when
    // the body is complete, and the bytes after it are the new protocol's.
    let mut s = ServerConnection::default();
    s.handle_input(
        NOW,
        b"POST / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nContent-Length: 6\r\n\r\nabc",
    )
    .unwrap();
    let ev = events(&mut s);
    assert!(matches!(&ev[0], Event::Request(_)));
    assert_eq!(ev[1], Event::Data(Bytes::from_static(b"abc")));
    s.send_response(101, &[h("Upgrade", "h2c"), h("Connection", "Upgrade")])
        .unwrap();
    assert_eq!(s.our_state(), ConnState::SwitchedProtocol);
    assert_eq!(s.their_state(), ConnState::SendBody);
    s.handle_input(NOW, b"defPRI * HTTP/2.0").unwrap();
    let ev = events(&mut s);
    assert_eq!(ev[0], Event::Data(Bytes::from_static(b"def")));
    assert!(matches!(ev[1], Event::EndOfMessage { .. }));
    assert_eq!(
        ev[2],
        Event::Switched {
            leftover: Bytes::from_static(b"PRI * HTTP/2.0")
        }
    );
    assert!(drain(&mut s).starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
}

#[test]
fn declined_upgrade_goes_on_as_http11() {
    let mut s = ServerConnection::default();
    s.handle_input(
        NOW,
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    let _ = events(&mut s);
    assert_eq!(s.their_state(), ConnState::MightSwitchProtocol);
    s.send_response(426, &[h("Content-Length", "0")]).unwrap();
    s.end_body().unwrap();
    let ev = events(&mut s);
    assert!(matches!(&ev[0], Event::Request(r) if &r.target[..] == b"/next"));
}

#[test]
fn client_abandons_an_answered_upload() {
    let mut c = ClientConnection::default();
    c.send_request(
        b"PUT",
        b"/big",
        &[
            h("Host", "a"),
            h("Content-Length", "1000000"),
            h("Expect", "100-continue"),
        ],
    )
    .unwrap();
    let _ = drain(&mut c);
    c.handle_input(
        NOW,
        b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Response(r) if r.status == 413));
    assert_eq!(c.our_state(), ConnState::SendBody);
    assert!(!c.is_closed());
    c.close(NOW);
    assert!(c.is_closed());
}

#[test]
fn pipelined_bytes_wait_for_the_application() {
    let mut config = ConnectionConfig::default();
    config.max_buffer = 100;
    config.codec.max_head_size = 60;
    let mut s = ServerConnection::new(config);
    let one = b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut wire = Vec::new();
    for _ in 0..10 {
        wire.extend_from_slice(one);
    }
    // The first request is read; the rest fill the buffer and then wait (no error).
    let n = s.handle_input(NOW, &wire).unwrap();
    assert!(n <= 101, "{n}");
    let _ = events(&mut s);
    let mut pos = n;
    let mut answered = 0;
    while answered < 10 {
        s.send_response(204, &[]).unwrap();
        answered += 1;
        let _ = drain(&mut s);
        let _ = events(&mut s);
        if pos < wire.len() {
            pos += s.handle_input(NOW, &wire[pos..]).unwrap();
            let _ = events(&mut s);
        }
    }
    assert_eq!(pos, wire.len());
    assert_eq!(s.our_state(), ConnState::Idle);
}

#[test]
fn http10_and_informational_rules() {
    let mut s = ServerConnection::default();
    s.handle_input(NOW, b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let _ = events(&mut s);
    // No 1xx to an HTTP/1.0 client (RFC 9110 §15.2).
    assert_eq!(
        s.send_informational(103, &[]),
        Err(ConnectionError::InvalidState)
    );
    // Transfer-Encoding is dropped for an HTTP/1.0 client: the body ends at close.
    s.send_response(200, &[h("Transfer-Encoding", "chunked")])
        .unwrap();
    s.send_data(Bytes::from_static(b"x")).unwrap();
    s.end_body().unwrap();
    assert_eq!(
        drain(&mut s),
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nx"
    );
    assert!(s.is_closed());

    // A 101 the client did not ask for is an error.
    let mut c = ClientConnection::default();
    c.send_request(b"GET", b"/", &[h("Host", "a")]).unwrap();
    let _ = drain(&mut c);
    assert_eq!(
        c.handle_input(NOW, b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
        Err(ConnectionError::UnexpectedMessage)
    );
}

#[test]
fn close_ends_after_the_exchange() {
    let mut s = ServerConnection::default();
    s.handle_input(NOW, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let _ = events(&mut s);
    s.close(NOW);
    assert!(!s.is_closed(), "a response is owed");
    s.send_response(200, &[h("Content-Length", "0")]).unwrap();
    s.end_body().unwrap();
    let out = drain(&mut s);
    assert!(out.ends_with(b"Content-Length: 0\r\nConnection: close\r\n\r\n"));
    assert!(s.is_closed());
    // Closing an idle connection is immediate; twice is harmless.
    let mut s = ServerConnection::default();
    s.close(NOW);
    s.close(NOW);
    assert!(s.is_closed());
}

#[test]
fn body_larger_than_the_limit_with_content_length_is_refused_before_reading() {
    let mut config = ConnectionConfig::default();
    config.max_body_size = 4;
    let mut c = ClientConnection::new(config);
    c.send_request(b"GET", b"/", &[h("Host", "a")]).unwrap();
    let _ = drain(&mut c);
    assert_eq!(
        c.handle_input(NOW, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
        Err(ConnectionError::BodyTooLarge { limit: 4 })
    );
    let mut s = ServerConnection::new(config);
    let err = s
        .handle_input(
            NOW,
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
        )
        .unwrap_err();
    assert_eq!(err.status(), 413);
    assert!(drain(&mut s).starts_with(b"HTTP/1.1 413 Content Too Large\r\n"));
}

#[test]
fn end_body_after_a_pipelined_head_response() {
    let mut s = ServerConnection::default();
    s.handle_input(
        NOW,
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    let _ = events(&mut s);
    s.send_response(200, &[h("Content-Length", "3")]).unwrap();
    // The next request is read at once; ending the HEAD response is still harmless.
    s.end_body().unwrap();
    let ev = events(&mut s);
    assert!(matches!(&ev[0], Event::Request(r) if &r.target[..] == b"/b"));
    s.send_response(200, &[h("Content-Length", "3")]).unwrap();
    assert!(s.expects_body());
    s.send_data(Bytes::from_static(b"abc")).unwrap();
    s.end_body().unwrap();
    assert_eq!(
        drain(&mut s),
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    );
}

#[test]
fn too_many_header_fields_get_431() {
    let mut config = ConnectionConfig::default();
    config.codec.max_headers = 3;
    let mut s = ServerConnection::new(config);
    let err = s
        .handle_input(
            NOW,
            b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        )
        .unwrap_err();
    assert_eq!(err.status(), 431);
    assert!(drain(&mut s).starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    // Exactly the limit is fine.
    let mut s = ServerConnection::new(config);
    s.handle_input(NOW, b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n")
        .unwrap();
    assert!(matches!(&events(&mut s)[0], Event::Request(r) if r.headers.len() == 3));
}

#[test]
fn client_response_timeout() {
    let mut c = ClientConnection::default();
    let _ = drain(&mut c);
    c.send_request(b"GET", b"/", &[h("Host", "a")]).unwrap();
    // The timer starts at the next call that carries the time.
    let mut buf = [0u8; 64];
    let _ = c.poll_transmit(Timestamp::from_secs(5), &mut buf);
    assert_eq!(c.poll_timeout(), Some(Timestamp::from_secs(35)));
    c.handle_input(Timestamp::from_secs(6), b"HTTP/1.1 200 OK\r\n")
        .unwrap();
    assert_eq!(
        c.handle_timeout(Timestamp::from_secs(35)),
        Err(ConnectionError::HeaderTimeout)
    );
    assert!(c.is_closed());
}

#[test]
fn server_closing_without_an_answer_is_an_error() {
    let mut c = ClientConnection::default();
    c.send_request(b"GET", b"/", &[h("Host", "a"), h("Connection", "close")])
        .unwrap();
    let _ = drain(&mut c);
    assert!(!c.is_closed(), "the response is still owed");
    assert_eq!(c.handle_eof(NOW), Err(ConnectionError::IncompleteMessage));
    // A connection closed while idle just ends.
    let mut c = ClientConnection::default();
    c.handle_eof(NOW).unwrap();
    assert_eq!(events(&mut c), [Event::Closed]);
    assert!(c.is_closed());
}

#[test]
fn host_is_required_and_unique() {
    // RFC 9112 §3.2: 400 for HTTP/1.1 without Host, for two Host lines, for a bad Host value.
    for wire in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    ] {
        let mut s = ServerConnection::default();
        let err = s.handle_input(NOW, wire).unwrap_err();
        assert_eq!(err.status(), 400, "{:?}", String::from_utf8_lossy(wire));
        assert!(drain(&mut s).starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(s.is_closed());
    }
    // HTTP/1.0 may omit it.
    let mut s = ServerConnection::default();
    s.handle_input(NOW, b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(matches!(events(&mut s)[0], Event::Request(_)));
}
