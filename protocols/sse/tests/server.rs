//! The server stream: head, framing, keep-alive scheduling, limits, close.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_sse::{Error, EventParser, Framing, Message, Server, ServerConfig, response_head};

fn drain(s: &mut Server, buf_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; buf_len];
    loop {
        let n = s.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn head_is_an_event_stream_without_content_length() {
    let mut buf = [0u8; 256];
    let n = response_head(Framing::Chunked, &mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let n = response_head(Framing::Raw, &mut buf).unwrap();
    assert!(buf[..n].ends_with(b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"));
    assert!(
        !buf[..n]
            .windows(14)
            .any(|w| w.eq_ignore_ascii_case(b"content-length"))
    );
    assert!(matches!(
        response_head(Framing::Raw, &mut buf[..10]),
        Err(Error::BufferTooSmall { .. })
    ));
}

#[test]
fn chunked_stream_with_keep_alive_and_close() {
    let t0 = Timestamp::ZERO;
    let mut s = Server::new(t0, ServerConfig::default());
    s.send(t0, &Message::new("hi")).unwrap();
    // Output is handed out whatever the caller's buffer size.
    let out = drain(&mut s, 3);
    let head_len = response_head(Framing::Chunked, &mut [0u8; 256]).unwrap();
    assert_eq!(&out[head_len..], b"a\r\ndata: hi\n\n\r\n");
    // Activity moves the keep-alive timer.
    assert_eq!(s.poll_timeout(), Some(Timestamp::from_secs(15)));
    let t1 = Timestamp::from_secs(10);
    s.send(t1, &Message::new("again")).unwrap();
    assert_eq!(s.poll_timeout(), Some(Timestamp::from_secs(25)));
    let _ = drain(&mut s, 64);
    // Early timeouts do nothing.
    s.handle_timeout(Timestamp::from_secs(24)).unwrap();
    assert!(drain(&mut s, 64).is_empty());
    s.handle_timeout(Timestamp::from_secs(25)).unwrap();
    assert_eq!(drain(&mut s, 64), b"2\r\n:\n\r\n");
    assert_eq!(s.poll_timeout(), Some(Timestamp::from_secs(40)));
    s.close(Timestamp::from_secs(26));
    assert!(!s.is_closed(), "the last chunk is still queued");
    assert_eq!(s.send(t1, &Message::new("late")), Err(Error::Closed));
    assert_eq!(drain(&mut s, 64), b"0\r\n\r\n");
    assert!(s.is_closed());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn raw_body_parses_back() {
    let mut config = ServerConfig::default();
    config.framing = Framing::Raw;
    config.send_head = false;
    config.keep_alive = None;
    let t0 = Timestamp::ZERO;
    let mut s = Server::new(t0, config);
    assert_eq!(s.poll_timeout(), None);
    s.send(t0, &Message::new("a\nb").with_id("1").with_event("e"))
        .unwrap();
    s.send_comment(t0, "note").unwrap();
    s.send(t0, &Message::new("c")).unwrap();
    let body = drain(&mut s, 5);
    assert_eq!(
        body,
        b"event: e\nid: 1\ndata: a\ndata: b\n\n: note\ndata: c\n\n"
    );
    let mut p = EventParser::new();
    let mut got = Vec::new();
    p.feed(&body, |x| got.push(format!("{x:?}"))).unwrap();
    assert_eq!(got.len(), 2);
}

#[test]
fn send_buffer_limit() {
    let mut config = ServerConfig::default();
    config.framing = Framing::Raw;
    config.send_head = false;
    config.max_buffered = 19;
    let t0 = Timestamp::ZERO;
    let mut s = Server::new(t0, config);
    s.send(t0, &Message::new("0123456789")).unwrap(); // 18 bytes
    assert_eq!(
        s.send(t0, &Message::new("x")),
        Err(Error::SendBufferFull { limit: 19 })
    );
    // A keep-alive that does not fit is skipped (output is waiting anyway).
    s.handle_timeout(Timestamp::from_secs(15)).unwrap();
    assert_eq!(s.buffered(), 18);
    let _ = drain(&mut s, 64);
    s.send(t0, &Message::new("x")).unwrap();
    assert_eq!(
        s.send(t0, &Message::new("bad").with_id("a\nb")),
        Err(Error::InvalidField { field: "id" })
    );
}

#[test]
fn client_going_away_closes_the_stream() {
    let t0 = Timestamp::ZERO;
    let mut s = Server::new(t0, ServerConfig::default());
    assert_eq!(s.handle_input(t0, b"ignored request body").unwrap(), 20);
    s.handle_eof(t0).unwrap();
    assert!(s.is_closed());
    assert_eq!(s.buffered(), 0);
    assert_eq!(s.send(t0, &Message::new("x")), Err(Error::Closed));
    assert_eq!(s.poll_timeout(), None);
}
