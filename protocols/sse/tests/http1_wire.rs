//! The server's bytes are valid HTTP/1.1 to `fasterapi-http1`'s strict parsers: the response
//! head (status, `Content-Type`, `Cache-Control`, chunked framing, no `Content-Length`) and the
//! chunked body, whose de-chunked bytes (fed one byte at a time) drive the client machine.

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{BodyKind, Chunk, ChunkedDecoder, HeaderSlot, ResponseParser, Status};
use fasterapi_sse::{Client, ClientConfig, ClientEvent, Message, Server, ServerConfig};

fn drain(server: &mut Server, now: Timestamp, wire: &mut Vec<u8>) {
    let mut buf = [0u8; 13];
    loop {
        let n = server.poll_transmit(now, &mut buf);
        if n == 0 {
            return;
        }
        wire.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn server_stream_parses_as_http1_and_feeds_the_client() {
    let t0 = Timestamp::ZERO;
    let mut server = Server::new(t0, ServerConfig::default());
    let mut wire = Vec::new();
    server.send(t0, &Message::new("one").with_id("1")).unwrap();
    server
        .send(
            t0,
            &Message::new("two\nlines")
                .with_event("multi")
                .with_retry(1500),
        )
        .unwrap();
    drain(&mut server, t0, &mut wire);
    // An idle stream gets a keep-alive comment.
    let due = server.poll_timeout().unwrap();
    server.handle_timeout(due).unwrap();
    server.send_comment(due, "hello").unwrap();
    server.send(due, &Message::new("three")).unwrap();
    server.close(due);
    drain(&mut server, due, &mut wire);
    assert!(server.is_closed());

    // The head.
    let mut slots = [HeaderSlot::EMPTY; 16];
    let mut parser = ResponseParser::default();
    let Status::Complete(resp) = parser.parse(&wire, &mut slots[..]).unwrap() else {
        panic!("the head is complete")
    };
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.header("content-type"), Some(&b"text/event-stream"[..]));
    assert_eq!(resp.header("cache-control"), Some(&b"no-cache"[..]));
    assert_eq!(resp.header("content-length"), None);
    assert_eq!(resp.body_kind(b"GET").unwrap(), BodyKind::Chunked);
    let head_len = resp.head_len();
    let content_type = resp.header("content-type");

    // The body, de-chunked one byte at a time, into the client.
    let mut client = Client::new(ClientConfig::default(), || 0u32);
    client
        .handle_response(t0, resp.status(), content_type)
        .unwrap();
    let mut dec = ChunkedDecoder::default();
    let mut pending: Vec<u8> = Vec::new();
    let mut ended = false;
    for &b in &wire[head_len..] {
        assert!(!ended, "nothing after the last chunk");
        pending.push(b);
        let mut at = 0;
        loop {
            let (used, item) = dec.decode(&pending[at..]).unwrap();
            at += used;
            match item {
                Some(Chunk::Data(d)) => {
                    let mut rest = d;
                    while !rest.is_empty() {
                        let n = client.handle_input(due, rest).unwrap();
                        rest = &rest[n..];
                    }
                }
                Some(Chunk::End) => {
                    ended = true;
                    break;
                }
                Some(_) => panic!("no trailers"),
                None => break,
            }
        }
        pending.drain(..at);
    }
    assert!(ended, "the last chunk arrived");
    client.handle_eof(due).unwrap();
    let events: Vec<ClientEvent> = core::iter::from_fn(|| client.poll_event()).collect();
    let messages: Vec<(String, String, String)> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Message(m) => Some((
                m.event_type.to_string(),
                m.data.to_string(),
                m.id.to_string(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("message".into(), "one".into(), "1".into()),
            ("multi".into(), "two\nlines".into(), "1".into()),
            ("message".into(), "three".into(), "1".into()),
        ]
    );
    assert_eq!(events[0], ClientEvent::Open);
    assert!(matches!(
        events.last(),
        Some(ClientEvent::Reconnecting { delay, .. }) if delay.as_millis() == 1500
    ));
}
