//! The line protocol through the deterministic in-memory `Pair` on a virtual clock.

mod line;

use core::time::Duration;

use fasterapi_core::testing::{InputPath, Pair};
use fasterapi_core::{Machine, Timestamp};
use line::{LineClient, LineError, LineServer, Parrot, ServerConfig};

const SCRIPT: [&str; 4] = ["PING", "ECHO hello world", "NOPE", "QUIT"];
const ANSWERS: [&str; 4] = ["PONG", "hello world", "ERR unknown command", "BYE"];

fn pair() -> Pair<LineClient, LineServer> {
    Pair::new(LineClient::new(), LineServer::new(ServerConfig::default()))
}

fn run(mut p: Pair<LineClient, LineServer>) -> (Vec<String>, Vec<String>) {
    for line in SCRIPT {
        p.client.machine.send(line);
    }
    p.drive();
    assert!(
        p.server.is_closed() && p.client.is_closed(),
        "both sides end after QUIT"
    );
    assert!(p.client.error.is_none() && p.server.error.is_none());
    (p.client.take_events(), p.server.take_events())
}

#[test]
fn same_events_however_the_bytes_are_split() {
    let whole = run(pair());
    assert_eq!(whole.0, ANSWERS);
    assert_eq!(whole.1, SCRIPT);
    for chunk in [1, 2, 3, 7] {
        assert_eq!(
            run(pair().with_chunk_size(chunk)),
            whole,
            "chunk size {chunk}"
        );
    }
    assert_eq!(
        run(pair().with_transmit_buffer(1)),
        whole,
        "one-byte transmit buffer"
    );
    let zero_copy = pair().with_input_paths(InputPath::ZeroCopy, InputPath::ZeroCopy);
    assert_eq!(
        run(zero_copy.with_chunk_size(5)),
        whole,
        "zero-copy input path"
    );
}

#[test]
fn idle_timer_on_the_virtual_clock() {
    let mut p = pair();
    p.client.machine.send("PING");
    p.drive();
    assert_eq!(p.client.take_events(), ["PONG"]);
    assert_eq!(
        p.next_timeout(),
        Some(Timestamp::ZERO + Duration::from_secs(10))
    );
    p.advance(Duration::from_secs(9));
    assert!(p.client.take_events().is_empty(), "not idle yet");
    p.advance(Duration::from_secs(1));
    assert_eq!(p.now(), Timestamp::from_secs(10));
    assert_eq!(p.client.take_events(), ["BYE idle"]);
    assert!(p.server.is_closed());
    assert!(
        p.client.is_closed(),
        "the client sees end of stream and finishes"
    );
    assert_eq!(p.advance_to_next_timeout(), None, "no timer left");
}

#[test]
fn errors_are_kept_and_the_reaction_delivered() {
    let mut p = Pair::new(
        LineClient::new(),
        LineServer::new(ServerConfig {
            max_line: 8,
            ..Default::default()
        }),
    )
    .with_chunk_size(3);
    p.client.machine.send("ECHO too long for the limit");
    p.drive();
    assert_eq!(p.server.error, Some(LineError::TooLong { limit: 8 }));
    assert_eq!(p.client.take_events(), ["ERR line too long"]);
    assert!(p.server.is_closed());
}

#[test]
fn end_of_stream_after_and_inside_a_line() {
    let mut clean = pair();
    clean.client.machine.send("PING");
    clean.client.machine.close(Timestamp::ZERO);
    clean.drive();
    assert_eq!(clean.server.take_events(), ["PING"]);
    assert!(
        clean.server.error.is_none(),
        "a whole line then end of stream is clean"
    );

    let mut cut = pair().with_chunk_size(2);
    cut.client.machine.send_raw(b"PING\nPIN");
    cut.client.machine.close(Timestamp::ZERO);
    cut.drive();
    assert_eq!(cut.server.take_events(), ["PING"]);
    assert_eq!(cut.server.error, Some(LineError::Truncated));
}

#[test]
fn livelock_is_detected() {
    let mut p = Pair::new(Parrot(LineClient::new()), Parrot(LineClient::new()));
    p.client.machine.0.send("hello");
    let err = p.drive_bounded(1_000).expect_err("two parrots never stop");
    assert_eq!(err.steps, 1_000);
    assert!(err.to_string().contains("livelock"));
}

#[test]
fn hand_off_keeps_the_stream_for_the_next_protocol() {
    for chunk in [1, 4, 64] {
        let mut p = pair().with_chunk_size(chunk);
        p.client.machine.send("PING");
        p.client.machine.send_raw(b"SWITCH\nnew protocol bytes");
        p.drive();
        assert!(p.server.is_handed_off(), "chunk {chunk}");
        assert!(
            !p.server.is_closed() && !p.client.is_closed(),
            "no end of stream on hand-off"
        );
        assert_eq!(p.client.take_events(), ["PONG", "SWITCHED"]);
        let mut rest = p.server.machine.take_leftover();
        rest.extend(p.server.take_inbound());
        assert_eq!(rest, b"new protocol bytes", "chunk {chunk}");
    }
}
