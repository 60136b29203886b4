//! Client ↔ server conversations through `fasterapi_core::testing::Pair`, split at every chunk
//! size and encoded through output buffers of every size.

use bytes::Bytes;
use fasterapi_core::testing::{InputPath, Pair};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{
    BodyKind, ClientConnection, ConnState, ConnectionError, Event, Header, ServerConnection,
};

type P = Pair<ClientConnection, ServerConnection>;

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name: name.as_bytes(),
        value: value.as_bytes(),
    }
}

/// Concatenates Data events and normalises the rest, so split runs compare equal.
fn normalise(events: Vec<Event>) -> Vec<String> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    for e in events {
        match e {
            Event::Data(d) => body.extend_from_slice(&d),
            other => {
                if !body.is_empty() {
                    out.push(format!("data {:?}", String::from_utf8_lossy(&body)));
                    body.clear();
                }
                out.push(match other {
                    Event::Request(r) => format!(
                        "request {} {} {:?} {:?}",
                        String::from_utf8_lossy(&r.method),
                        String::from_utf8_lossy(&r.target),
                        r.headers,
                        r.body
                    ),
                    Event::Response(r) => format!("response {} {:?}", r.status, r.headers),
                    Event::Informational(r) => format!("info {} {:?}", r.status, r.headers),
                    other => format!("{other:?}"),
                });
            }
        }
    }
    if !body.is_empty() {
        out.push(format!("data {:?}", String::from_utf8_lossy(&body)));
    }
    out
}

/// One keep-alive conversation: a chunked POST with trailers, then a GET answered with a
/// chunked body, then a HEAD. Returns the normalised events of both sides.
fn conversation(mut pair: P) -> (Vec<String>, Vec<String>) {
    let mut server_events = Vec::new();
    let mut client_events = Vec::new();
    let c = &mut pair.client.machine;
    c.send_request(
        b"POST",
        b"/upload",
        &[h("Host", "example"), h("Transfer-Encoding", "chunked")],
    )
    .unwrap();
    c.send_data(Bytes::from_static(b"hello ")).unwrap();
    c.send_data(Bytes::from_static(b"world")).unwrap();
    c.send_trailers(&[h("Checksum", "abc")]).unwrap();
    pair.drive();
    let ev = pair.server.take_events();
    assert!(matches!(ev.last(), Some(Event::EndOfMessage { trailers }) if trailers.len() == 1));
    server_events.extend(ev);
    let s = &mut pair.server.machine;
    s.send_response(201, &[h("Content-Length", "7")]).unwrap();
    s.send_data(Bytes::from_static(b"created")).unwrap();
    s.end_body().unwrap();
    pair.drive();
    client_events.extend(pair.client.take_events());
    assert_eq!(pair.client.machine.our_state(), ConnState::Idle);
    assert_eq!(pair.server.machine.our_state(), ConnState::Idle);

    pair.client
        .machine
        .send_request(b"GET", b"/stream", &[h("Host", "example")])
        .unwrap();
    pair.drive();
    server_events.extend(pair.server.take_events());
    let s = &mut pair.server.machine;
    s.send_response(200, &[h("Content-Type", "text/plain")])
        .unwrap();
    for piece in ["one ", "two ", "three"] {
        s.send_data(Bytes::from(piece)).unwrap();
    }
    s.send_trailers(&[h("Server-Timing", "x;dur=1")]).unwrap();
    pair.drive();
    client_events.extend(pair.client.take_events());

    pair.client
        .machine
        .send_request(b"HEAD", b"/", &[h("Host", "example")])
        .unwrap();
    pair.drive();
    server_events.extend(pair.server.take_events());
    pair.server
        .machine
        .send_response(200, &[h("Content-Length", "1000")])
        .unwrap();
    pair.server.machine.end_body().unwrap(); // a no-op: the HEAD response ended at its head
    pair.drive();
    client_events.extend(pair.client.take_events());
    assert!(pair.client.error.is_none(), "{:?}", pair.client.error);
    assert!(pair.server.error.is_none(), "{:?}", pair.server.error);
    assert!(pair.client.machine.is_ready());
    (normalise(server_events), normalise(client_events))
}

#[test]
fn conversation_is_split_invariant() {
    let reference = conversation(Pair::new(
        ClientConnection::default(),
        ServerConnection::default(),
    ));
    assert_eq!(reference.0.len(), 7, "{:#?}", reference.0);
    assert!(reference.0[1].contains("hello world"));
    assert!(reference.1.iter().any(|e| e.contains("one two three")));
    assert!(reference.1.iter().any(|e| e.contains("Server-Timing")));
    for chunk in (1..=64).chain([97, 128, 200, 333, 512, 4096]) {
        for path in [InputPath::HandleInput, InputPath::ZeroCopy] {
            let pair = Pair::new(ClientConnection::default(), ServerConnection::default())
                .with_chunk_size(chunk)
                .with_transmit_buffer(chunk)
                .with_input_paths(path, path);
            assert_eq!(conversation(pair), reference, "chunk size {chunk}");
        }
    }
}

fn drain(server: &mut ServerConnection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let t = server.poll_transmit_vectored(Timestamp::ZERO, &mut buf);
        if t.is_empty() {
            return out;
        }
        out.extend_from_slice(&buf[..t.len]);
        if let Some(p) = t.payload {
            out.extend_from_slice(&p);
        }
    }
}

fn events(server: &mut ServerConnection) -> Vec<Event> {
    core::iter::from_fn(|| server.poll_event()).collect()
}

#[test]
fn pipelined_requests_wait_for_the_response() {
    let mut s = ServerConnection::default();
    let wire = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz";
    assert_eq!(s.handle_input(Timestamp::ZERO, wire).unwrap(), wire.len());
    let mut targets = Vec::new();
    for round in 0..3 {
        let ev = events(&mut s);
        let Some(Event::Request(req)) = ev.first() else {
            panic!("round {round}: {ev:?}")
        };
        targets.push(String::from_utf8(req.target.to_vec()).unwrap());
        assert!(matches!(ev.last(), Some(Event::EndOfMessage { .. })));
        // Nothing of the next request until this one is answered.
        assert_eq!(
            ev.iter().filter(|e| matches!(e, Event::Request(_))).count(),
            1
        );
        s.send_response(200, &[h("Content-Length", "2")]).unwrap();
        s.send_data(Bytes::from_static(b"ok")).unwrap();
        s.end_body().unwrap();
        let out = drain(&mut s);
        assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
        if round == 2 {
            assert!(out.windows(17).any(|w| w == b"Connection: close"));
        }
    }
    assert_eq!(targets, ["/1", "/2", "/3"]);
    assert!(s.is_closed());
}

#[test]
fn pipelined_garbage_is_reported_after_the_response() {
    let mut s = ServerConnection::default();
    let wire = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\nHost: a\r\n\r\n";
    s.handle_input(Timestamp::ZERO, wire).unwrap();
    let _ = events(&mut s);
    s.send_response(204, &[]).unwrap();
    assert!(events(&mut s).is_empty());
    // Found while an action processed buffered input: reported by poll_error, and again by
    // any later input.
    assert!(!s.is_closed());
    let err = s.poll_error().expect("the deferred error");
    assert_eq!(err.status(), 400);
    assert_eq!(s.poll_error(), None, "reported once");
    assert_eq!(s.handle_timeout(Timestamp::ZERO).unwrap_err(), err);
    let out = drain(&mut s);
    assert!(out.starts_with(b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 400 Bad Request\r\n"));
    assert!(s.is_closed());
}

#[test]
fn upgrade_hands_back_leftover_bytes() {
    let mut s = ServerConnection::default();
    let wire = b"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
    s.handle_input(Timestamp::ZERO, wire).unwrap();
    let ev = events(&mut s);
    assert_eq!(ev.len(), 2);
    assert_eq!(s.their_state(), ConnState::MightSwitchProtocol);
    s.send_response(
        101,
        &[h("Connection", "Upgrade"), h("Upgrade", "websocket")],
    )
    .unwrap();
    let ev = events(&mut s);
    assert_eq!(
        ev,
        [Event::Switched {
            leftover: Bytes::from_static(b"\x81\x05hello")
        }]
    );
    assert_eq!(s.our_state(), ConnState::SwitchedProtocol);
    assert!(drain(&mut s).starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(
        !s.is_closed(),
        "the transport now belongs to the new protocol"
    );
    assert_eq!(s.handle_input(Timestamp::ZERO, b"more").unwrap(), 0);
}

#[test]
fn upgrade_through_the_pair_on_both_sides() {
    for chunk in [1, 3, 1000] {
        let mut pair = Pair::new(ClientConnection::default(), ServerConnection::default())
            .with_chunk_size(chunk);
        pair.client
            .machine
            .send_request(
                b"GET",
                b"/",
                &[
                    h("Host", "a"),
                    h("Connection", "Upgrade"),
                    h("Upgrade", "h2c"),
                ],
            )
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.client.machine.our_state(),
            ConnState::MightSwitchProtocol
        );
        let _ = pair.server.take_events();
        pair.server
            .machine
            .send_response(101, &[h("Connection", "Upgrade"), h("Upgrade", "h2c")])
            .unwrap();
        pair.drive();
        let ev = pair.client.take_events();
        assert!(
            matches!(&ev[0], Event::Response(r) if r.status == 101),
            "{ev:?}"
        );
        assert!(matches!(&ev[1], Event::Switched { leftover } if leftover.is_empty()));
        assert_eq!(pair.client.machine.our_state(), ConnState::SwitchedProtocol);
    }
    // Bytes of the new protocol right behind the 101 go back to the client application.
    let mut c = ClientConnection::default();
    c.send_request(
        b"CONNECT",
        b"example.com:443",
        &[h("Host", "example.com:443")],
    )
    .unwrap();
    let mut buf = [0u8; 256];
    let _ = c.poll_transmit(Timestamp::ZERO, &mut buf);
    c.handle_input(Timestamp::ZERO, b"HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01")
        .unwrap();
    let ev: Vec<_> = core::iter::from_fn(|| c.poll_event()).collect();
    assert!(matches!(&ev[1], Event::Switched { leftover } if &leftover[..] == b"\x16\x03\x01"));
}

#[test]
fn expect_100_continue() {
    for chunk in [1, 5, 4096] {
        let mut pair = Pair::new(ClientConnection::default(), ServerConnection::default())
            .with_chunk_size(chunk);
        pair.client
            .machine
            .send_request(
                b"PUT",
                b"/big",
                &[
                    h("Host", "a"),
                    h("Content-Length", "5"),
                    h("Expect", "100-continue"),
                ],
            )
            .unwrap();
        pair.drive();
        let ev = pair.server.take_events();
        assert!(matches!(&ev[0], Event::Request(r) if r.body == BodyKind::ContentLength(5)));
        // The application asked for more events: the server sent 100 by itself.
        let ev = pair.client.take_events();
        assert!(
            matches!(&ev[..], [Event::Informational(r)] if r.status == 100),
            "{ev:?}"
        );
        pair.client
            .machine
            .send_data(Bytes::from_static(b"12345"))
            .unwrap();
        pair.client.machine.end_body().unwrap();
        pair.drive();
        let ev = normalise(pair.server.take_events());
        assert_eq!(ev[0], "data \"12345\"");
        pair.server.machine.send_response(204, &[]).unwrap();
        pair.drive();
        assert!(pair.client.machine.is_ready());
    }
}

#[test]
fn expectation_refused_closes() {
    let mut config = fasterapi_http1::ConnectionConfig::default();
    config.auto_continue = false;
    let mut s = ServerConnection::new(config);
    s.handle_input(
        Timestamp::ZERO,
        b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let _ = events(&mut s);
    let _ = events(&mut s);
    assert!(drain(&mut s).is_empty(), "no automatic 100");
    s.send_response(417, &[h("Content-Length", "0")]).unwrap();
    s.end_body().unwrap();
    let out = drain(&mut s);
    assert!(out.starts_with(b"HTTP/1.1 417 Expectation Failed\r\n"));
    assert!(out.windows(17).any(|w| w == b"Connection: close"));
    assert!(s.is_closed());
}

#[test]
fn early_hints_and_informational() {
    let mut pair = Pair::new(ClientConnection::default(), ServerConnection::default());
    pair.client
        .machine
        .send_request(b"GET", b"/", &[h("Host", "a")])
        .unwrap();
    pair.drive();
    let _ = pair.server.take_events();
    let s = &mut pair.server.machine;
    s.send_informational(103, &[h("Link", "</style.css>; rel=preload")])
        .unwrap();
    s.send_response(200, &[h("Content-Length", "0")]).unwrap();
    s.end_body().unwrap();
    pair.drive();
    let ev = pair.client.take_events();
    assert!(
        matches!(&ev[0], Event::Informational(r) if r.status == 103 && r.header("link").is_some())
    );
    assert!(matches!(&ev[1], Event::Response(r) if r.status == 200));
    assert!(matches!(&ev[2], Event::EndOfMessage { .. }));
}

fn error_case(
    wire: &[u8],
    config: fasterapi_http1::ConnectionConfig,
) -> (ConnectionError, Vec<u8>) {
    let mut s = ServerConnection::new(config);
    let err = s.handle_input(Timestamp::ZERO, wire).unwrap_err();
    let out = drain(&mut s);
    assert!(s.is_closed());
    assert_eq!(s.our_state(), ConnState::Error);
    // Later input gets the same error again.
    assert_eq!(s.handle_input(Timestamp::ZERO, b"x"), Err(err));
    (err, out)
}

#[test]
fn errors_become_status_responses() {
    let default = fasterapi_http1::ConnectionConfig::default();
    let mut small = default;
    small.max_body_size = 10;
    small.codec.max_target_len = 16;
    small.codec.max_head_size = 100;
    let cases: &[(&[u8], u16)] = &[
        (b"GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip2\r\n\r\n", 501),
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        (b"GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n", 414),
        (b"GET / HTTP/1.1\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", 431),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ];
    for &(wire, status) in cases {
        for chunk in [1, 7, wire.len()] {
            let mut s = ServerConnection::new(small);
            let mut result = Ok(());
            for piece in wire.chunks(chunk) {
                result = s.handle_input(Timestamp::ZERO, piece).map(|_| ());
                let _ = events(&mut s);
                if result.is_err() {
                    break;
                }
            }
            let err = result.expect_err(&String::from_utf8_lossy(wire));
            assert_eq!(
                err.status(),
                status,
                "{err} for {:?}",
                String::from_utf8_lossy(wire)
            );
            let out = drain(&mut s);
            let line = format!("HTTP/1.1 {status} ");
            assert!(
                out.starts_with(line.as_bytes()),
                "{:?}",
                String::from_utf8_lossy(&out)
            );
            assert!(out.ends_with(b"Connection: close\r\nContent-Length: 0\r\n\r\n"));
            assert!(s.is_closed());
        }
    }
    let (err, out) = error_case(b"GET / HTTP/1.1\r\nHost\r\n\r\n", default);
    assert_eq!(err.status(), 400);
    assert!(out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
}

#[test]
fn header_timeout_answers_408_and_idle_timeout_closes() {
    use core::time::Duration;
    let mut pair = Pair::new(ClientConnection::default(), ServerConnection::default());
    pair.drive();
    // A silent connection is closed after the idle timeout (60 s).
    let t = pair.next_timeout().expect("idle timer armed");
    assert_eq!(t, Timestamp::from_secs(60));
    pair.advance(Duration::from_secs(61));
    assert!(pair.server.machine.is_closed());

    // Slowloris: a head that never completes gets 408 after 30 s.
    let mut s = ServerConnection::default();
    let _ = drain(&mut s);
    s.handle_input(Timestamp::from_secs(1), b"GET / HTTP/1.1\r\nHost: a\r\n")
        .unwrap();
    assert_eq!(s.poll_timeout(), Some(Timestamp::from_secs(31)));
    s.handle_timeout(Timestamp::from_secs(20)).unwrap(); // early calls are harmless
    let err = s.handle_timeout(Timestamp::from_secs(31)).unwrap_err();
    assert_eq!(err, ConnectionError::HeaderTimeout);
    assert!(drain(&mut s).starts_with(b"HTTP/1.1 408 Request Timeout\r\n"));
    assert!(s.is_closed());
}

#[test]
fn http10_keep_alive_and_close_delimited() {
    let mut s = ServerConnection::default();
    s.handle_input(
        Timestamp::ZERO,
        b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
    )
    .unwrap();
    let _ = events(&mut s);
    s.send_response(200, &[h("Content-Length", "1")]).unwrap();
    s.send_data(Bytes::from_static(b"a")).unwrap();
    s.end_body().unwrap();
    let out = drain(&mut s);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\na"
    );
    let ev = events(&mut s);
    assert!(matches!(&ev[0], Event::Request(r) if &r.target[..] == b"/b"));
    // No length, HTTP/1.0 client: the body ends at close.
    s.send_response(200, &[]).unwrap();
    s.send_data(Bytes::from_static(b"until close")).unwrap();
    s.end_body().unwrap();
    assert_eq!(
        drain(&mut s),
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"
    );
    assert!(s.is_closed());

    // The client reads a close-delimited body until EOF.
    let mut c = ClientConnection::default();
    c.send_request(b"GET", b"/", &[h("Host", "a")]).unwrap();
    let _ = c.poll_transmit(Timestamp::ZERO, &mut [0u8; 64]);
    c.handle_input(Timestamp::ZERO, b"HTTP/1.0 200 OK\r\n\r\npart one, ")
        .unwrap();
    c.handle_input(Timestamp::ZERO, b"part two").unwrap();
    c.handle_eof(Timestamp::ZERO).unwrap();
    let ev: Vec<_> = core::iter::from_fn(|| c.poll_event()).collect();
    let ev = normalise(ev);
    assert_eq!(ev[1], "data \"part one, part two\"");
    assert!(ev[2].starts_with("EndOfMessage"));
    assert_eq!(ev[3], "Closed");
    assert!(c.is_closed());
}

#[test]
fn client_rejects_bad_responses() {
    let mut c = ClientConnection::default();
    assert_eq!(
        c.handle_input(Timestamp::ZERO, b"HTTP/1.1 200 OK\r\n\r\n"),
        Ok(19)
    );
    assert_eq!(
        c.handle_eof(Timestamp::ZERO),
        Err(ConnectionError::UnexpectedMessage)
    );
    let mut c = ClientConnection::default();
    c.send_request(b"GET", b"/", &[h("Host", "a")]).unwrap();
    let _ = c.poll_transmit(Timestamp::ZERO, &mut [0u8; 64]);
    c.handle_input(
        Timestamp::ZERO,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    )
    .unwrap();
    assert_eq!(
        c.handle_eof(Timestamp::ZERO),
        Err(ConnectionError::IncompleteMessage)
    );
    assert!(c.is_closed());
    // No-body rules: 204, 304 and HEAD responses end at the head.
    for (method, status) in [(&b"GET"[..], 204), (b"GET", 304), (b"HEAD", 200)] {
        let mut c = ClientConnection::default();
        c.send_request(method, b"/", &[h("Host", "a")]).unwrap();
        let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 5\r\n\r\n");
        c.handle_input(Timestamp::ZERO, resp.as_bytes()).unwrap();
        let ev: Vec<_> = core::iter::from_fn(|| c.poll_event()).collect();
        assert!(matches!(ev[1], Event::EndOfMessage { .. }), "{ev:?}");
        assert!(c.is_ready());
    }
}

#[test]
fn misuse_is_a_local_error() {
    let mut s = ServerConnection::default();
    assert_eq!(
        s.send_response(200, &[]),
        Err(ConnectionError::InvalidState)
    );
    s.handle_input(Timestamp::ZERO, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let _ = events(&mut s);
    assert_eq!(
        s.send_response(
            200,
            &[h("Content-Length", "1"), h("Transfer-Encoding", "chunked")]
        ),
        Err(ConnectionError::InvalidToSend)
    );
    assert_eq!(
        s.send_response(101, &[]),
        Err(ConnectionError::InvalidState)
    );
    s.send_response(200, &[h("Content-Length", "2")]).unwrap();
    assert!(matches!(
        s.send_data(Bytes::from_static(b"abc")),
        Err(ConnectionError::BodyLengthMismatch { .. })
    ));
    assert!(matches!(
        s.end_body(),
        Err(ConnectionError::BodyLengthMismatch { .. })
    ));
    s.send_data(Bytes::from_static(b"ab")).unwrap();
    s.end_body().unwrap();
    assert!(!s.is_closed());
}
