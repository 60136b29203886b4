//! The client reconnection machine: response checks, Last-Event-ID, retry, backoff with
//! caller jitter, back-pressure, and a client/server Pair on a virtual clock.

use core::time::Duration;

use fasterapi_core::testing::{InputPath, Pair};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_sse::{
    Client, ClientConfig, ClientEvent, Error, Failure, Framing, Message, ReadyState, Server,
    ServerConfig,
};

type Rng = fn() -> u32;

fn no_jitter() -> u32 {
    0
}

fn max_jitter() -> u32 {
    u32::MAX
}

fn client(rng: Rng) -> Client<Rng> {
    Client::new(ClientConfig::default(), rng)
}

fn drain(c: &mut Client<Rng>) -> Vec<ClientEvent> {
    core::iter::from_fn(|| c.poll_event()).collect()
}

fn datas(events: &[ClientEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Message(m) => Some(m.data.to_string()),
            _ => None,
        })
        .collect()
}

const T0: Timestamp = Timestamp::ZERO;

#[test]
fn opens_on_200_event_stream_with_parameters() {
    for ct in [
        &b"text/event-stream"[..],
        b"Text/Event-Stream; charset=utf-8",
        b" text/event-stream ;x=y",
    ] {
        let mut c = client(no_jitter);
        c.handle_response(T0, 200, Some(ct)).unwrap();
        assert_eq!(c.ready_state(), ReadyState::Open, "{ct:?}");
        assert_eq!(drain(&mut c), [ClientEvent::Open]);
    }
}

#[test]
fn status_204_and_other_statuses_fail_for_good() {
    for status in [204, 201, 301, 404, 500] {
        let mut c = client(no_jitter);
        c.handle_response(T0, status, Some(b"text/event-stream"))
            .unwrap();
        assert_eq!(
            drain(&mut c),
            [ClientEvent::Failed(Failure::Status(status))]
        );
        assert!(c.is_closed());
        assert_eq!(c.poll_timeout(), None, "no reconnection after a failure");
        assert_eq!(
            c.handle_response(T0, 200, Some(b"text/event-stream")),
            Err(Error::Closed)
        );
    }
}

#[test]
fn wrong_or_missing_content_type_fails() {
    for ct in [
        Some(&b"text/plain"[..]),
        Some(b"text/event-streams"),
        Some(b""),
        None,
    ] {
        let mut c = client(no_jitter);
        c.handle_response(T0, 200, ct).unwrap();
        assert_eq!(drain(&mut c), [ClientEvent::Failed(Failure::ContentType)]);
        assert_eq!(c.ready_state(), ReadyState::Closed);
    }
}

#[test]
fn reconnects_after_the_body_ends_with_last_event_id_and_retry() {
    let mut c = client(no_jitter);
    let first: Vec<_> = c.request_headers().collect();
    assert_eq!(
        first,
        [
            ("Accept", "text/event-stream"),
            ("Cache-Control", "no-cache")
        ]
    );
    c.handle_response(T0, 200, Some(b"text/event-stream"))
        .unwrap();
    c.handle_input(
        T0,
        b"retry: 500\nid: 7\ndata: a\n\nid: 8\ndata: unfinished\n",
    )
    .unwrap();
    let events = drain(&mut c);
    assert_eq!(datas(&events), ["a"]);
    assert_eq!(c.reconnection_time(), Duration::from_millis(500));
    c.handle_eof(Timestamp::from_secs(1)).unwrap();
    let at = Timestamp::from_millis(1500);
    assert_eq!(
        drain(&mut c),
        [ClientEvent::Reconnecting {
            at,
            delay: Duration::from_millis(500)
        }]
    );
    assert_eq!(c.ready_state(), ReadyState::Connecting);
    assert_eq!(c.poll_timeout(), Some(at));
    // Early timeouts are harmless.
    c.handle_timeout(Timestamp::from_millis(1499)).unwrap();
    assert!(c.poll_event().is_none());
    c.handle_timeout(at).unwrap();
    assert_eq!(drain(&mut c), [ClientEvent::Connect]);
    // The unfinished event's id never took effect (§9.2.6: pending data is discarded).
    let headers: Vec<_> = c.request_headers().collect();
    assert_eq!(headers.last(), Some(&("Last-Event-ID", "7")));
    // The next stream's events without an id still carry the last one.
    c.handle_response(at, 200, Some(b"text/event-stream"))
        .unwrap();
    c.handle_input(at, b"data: b\n\n").unwrap();
    let events = drain(&mut c);
    assert!(matches!(&events[1], ClientEvent::Message(m) if m.id == "7" && m.data == "b"));
}

#[test]
fn resumes_from_a_given_last_event_id() {
    let c = client(no_jitter).with_last_event_id("42");
    assert!(c.request_headers().any(|h| h == ("Last-Event-ID", "42")));
}

#[test]
fn empty_id_resets_the_header() {
    let mut c = client(no_jitter).with_last_event_id("42");
    c.handle_response(T0, 200, Some(b"text/event-stream"))
        .unwrap();
    c.handle_input(T0, b"id\ndata: x\n\n").unwrap();
    assert_eq!(c.last_event_id(), None);
    assert_eq!(c.request_headers().count(), 2);
}

#[test]
fn backoff_doubles_for_failed_attempts_and_is_capped() {
    let mut config = ClientConfig::default();
    config.max_backoff = Duration::from_secs(20);
    let mut c = Client::new(config, no_jitter as Rng);
    let mut now = T0;
    let mut delays = Vec::new();
    for _ in 0..5 {
        c.handle_network_error(now);
        let Some(ClientEvent::Reconnecting { at, delay }) = c.poll_event() else {
            panic!("expected a reconnection")
        };
        delays.push(delay.as_secs());
        now = at;
        c.handle_timeout(now).unwrap();
        assert_eq!(c.poll_event(), Some(ClientEvent::Connect));
    }
    assert_eq!(delays, [6, 12, 20, 20, 20]);
    // A stream that opened resets the backoff: its end waits the plain reconnection time.
    c.handle_response(now, 200, Some(b"text/event-stream"))
        .unwrap();
    c.handle_eof(now).unwrap();
    let events = drain(&mut c);
    assert_eq!(
        events[1],
        ClientEvent::Reconnecting {
            at: now.saturating_add(Duration::from_secs(3)),
            delay: Duration::from_secs(3)
        }
    );
}

#[test]
fn jitter_comes_from_the_caller_and_only_lengthens() {
    let mut c = client(max_jitter);
    c.handle_network_error(T0);
    let Some(ClientEvent::Reconnecting { delay, .. }) = c.poll_event() else {
        panic!()
    };
    // One failure: 6 s, plus at most 20 % of it.
    assert!(
        delay > Duration::from_secs(6) && delay < Duration::from_millis(7200),
        "{delay:?}"
    );
    let mut counter = 0u32;
    let mut c = Client::new(ClientConfig::default(), move || {
        counter += 1;
        counter << 30
    });
    c.handle_network_error(T0);
    let Some(ClientEvent::Reconnecting { delay, .. }) = c.poll_event() else {
        panic!()
    };
    // 6 s + 1/4 of 1.2 s.
    assert_eq!(delay, Duration::from_millis(6300));
}

#[test]
fn limit_errors_fail_the_connection() {
    let mut config = ClientConfig::default();
    config.limits = config.limits.with_max_line_len(4);
    let mut c = Client::new(config, no_jitter as Rng);
    c.handle_response(T0, 200, Some(b"text/event-stream"))
        .unwrap();
    let err = c.handle_input(T0, b"data: too long\n").unwrap_err();
    assert_eq!(err, Error::LineTooLong { limit: 4 });
    assert_eq!(drain(&mut c)[1], ClientEvent::Failed(Failure::Stream(err)));
    assert!(c.is_closed());
}

#[test]
fn back_pressure_stops_consuming_until_events_are_drained() {
    let mut config = ClientConfig::default();
    config.max_pending_events = 2;
    let mut c = Client::new(config, no_jitter as Rng);
    c.handle_response(T0, 200, Some(b"text/event-stream"))
        .unwrap();
    assert_eq!(c.poll_event(), Some(ClientEvent::Open));
    let input = b"data: 1\n\ndata: 2\n\ndata: 3\n\n";
    let n = c.handle_input(T0, input).unwrap();
    assert_eq!(n, 18);
    assert!(c.input_buffer().is_empty());
    assert_eq!(datas(&drain(&mut c)), ["1", "2"]);
    let m = c.handle_input(T0, &input[n..]).unwrap();
    assert_eq!(n + m, input.len());
    assert_eq!(datas(&drain(&mut c)), ["3"]);
}

#[test]
fn close_stops_everything() {
    let mut c = client(no_jitter);
    c.handle_network_error(T0);
    let _ = drain(&mut c);
    c.close(T0);
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(Timestamp::from_secs(100)).unwrap();
    assert_eq!(c.poll_event(), None);
}

fn raw_server() -> Server {
    let mut config = ServerConfig::default();
    config.framing = Framing::Raw;
    config.send_head = false;
    Server::new(T0, config)
}

fn pair_run(chunk: usize, path: InputPath) -> Vec<ClientEvent> {
    let mut c = client(no_jitter);
    c.handle_response(T0, 200, Some(b"text/event-stream"))
        .unwrap();
    let mut p = Pair::new(c, raw_server())
        .with_chunk_size(chunk)
        .with_input_paths(path, InputPath::HandleInput);
    let s = &mut p.server.machine;
    s.send(T0, &Message::new("first\nsecond").with_id("1"))
        .unwrap();
    s.send(T0, &Message::new("x").with_event("tick").with_retry(250))
        .unwrap();
    s.send_comment(T0, "ignored").unwrap();
    s.send(T0, &Message::new("日本語 ✓")).unwrap();
    p.drive();
    // Idle: the server's keep-alive fires on the virtual clock; the client ignores it.
    p.advance(Duration::from_secs(15));
    p.drive();
    p.server.machine.close(p.now());
    p.drive();
    p.client.take_events()
}

#[test]
fn pair_same_events_however_split() {
    let whole = pair_run(usize::MAX, InputPath::HandleInput);
    assert_eq!(datas(&whole), ["first\nsecond", "x", "日本語 ✓"]);
    assert!(matches!(&whole[2], ClientEvent::Message(m) if m.event_type == "tick" && m.id == "1"));
    // The server closed: the client schedules a reconnect after retry: 250.
    assert!(
        matches!(whole.last(), Some(ClientEvent::Reconnecting { delay, .. }) if *delay == Duration::from_millis(250))
    );
    for chunk in [1, 2, 3, 7] {
        assert_eq!(
            pair_run(chunk, InputPath::HandleInput),
            whole,
            "chunk {chunk}"
        );
        assert_eq!(
            pair_run(chunk, InputPath::ZeroCopy),
            whole,
            "zero-copy chunk {chunk}"
        );
    }
}
