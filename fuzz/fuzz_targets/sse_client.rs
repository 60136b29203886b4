//! The SSE client machine over arbitrary body bytes: never panics; with back-pressure (a small
//! pending-event limit) and fuzzer-chosen chunking through both input paths it hands out the
//! same messages as the bare parser, applies `retry`, and ends the body with a reconnection
//! whose delay is never below the reconnection time.
#![no_main]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_sse::{Client, ClientConfig, ClientEvent, EventParser, Limits, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let (step, jitter, body) = (usize::from(input[0] % 9) + 1, input[1], &input[3..]);
    let zero_copy = input[2] & 1 == 1;
    let limits = Limits::DEFAULT
        .with_max_line_len(256)
        .with_max_event_len(512);

    // What the parser alone makes of the body.
    let mut parser = EventParser::with_limits(limits);
    let mut expected = Vec::new();
    let mut retry = None;
    let parse_error = parser
        .feed(body, |p| match p {
            Parsed::Event(e) => expected.push(e.into_owned()),
            Parsed::Retry(ms) => retry = Some(ms),
            _ => {}
        })
        .err();

    let mut config = ClientConfig::default();
    config.limits = limits;
    config.max_pending_events = 2;
    config.input_buffer_len = 7;
    let mut client = Client::new(config, move || u32::from(jitter) << 24);
    let now = Timestamp::from_secs(1);
    client
        .handle_response(now, 200, Some(b"text/event-stream"))
        .unwrap();
    assert_eq!(client.poll_event(), Some(ClientEvent::Open));
    let mut got = Vec::new();
    let mut error = None;
    let mut rest = body;
    'feed: while !rest.is_empty() {
        let piece = &rest[..step.min(rest.len())];
        let used = if zero_copy {
            let buf = client.input_buffer();
            let n = buf.len().min(piece.len());
            buf[..n].copy_from_slice(&piece[..n]);
            client.commit_input(now, n).map(|()| n)
        } else {
            client.handle_input(now, piece)
        };
        match used {
            Ok(n) => rest = &rest[n..],
            Err(e) => {
                error = Some(e);
                break 'feed;
            }
        }
        while let Some(ev) = client.poll_event() {
            if let ClientEvent::Message(m) = ev {
                got.push(m);
            }
        }
    }
    while let Some(ev) = client.poll_event() {
        match ev {
            ClientEvent::Message(m) => got.push(m),
            ClientEvent::Failed(_) => assert!(error.is_some()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(error, parse_error);
    assert_eq!(got, expected);
    if error.is_some() {
        assert!(client.is_closed());
        return;
    }
    if let Some(ms) = retry {
        assert_eq!(client.reconnection_time().as_millis(), u128::from(ms));
    }
    client.handle_eof(now).unwrap();
    let Some(ClientEvent::Reconnecting { at, delay }) = client.poll_event() else {
        panic!("the end of the body reconnects")
    };
    assert!(delay >= client.reconnection_time());
    assert_eq!(client.poll_timeout(), Some(at));
    client.handle_timeout(at).unwrap();
    assert_eq!(client.poll_event(), Some(ClientEvent::Connect));
});
