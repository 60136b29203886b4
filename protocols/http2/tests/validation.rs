//! RFC 9113 rules on received frames and fields: malformed requests are stream errors
//! (RST_STREAM PROTOCOL_ERROR) and the connection carries on; state and id violations are
//! connection errors (GOAWAY).

mod common;

use common::{GET, Raw, data, frame, goaway_code, headers, resets};
use fasterapi_core::StreamMachine;
use fasterapi_http2::{Config, Connection, Error, Event, Frame, FrameType, StreamId};

fn malformed(fields: &[(&str, &str)]) {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, fields, true);
    r.feed(&h).unwrap();
    assert_eq!(resets(&r.drain()), vec![(1, 0x1)], "{fields:?}");
    assert!(
        !r.events()
            .iter()
            .any(|e| matches!(e, Event::Request { .. }))
    );
    // The connection is still fine.
    let h = r.request(3, GET, true);
    r.feed(&h).unwrap();
    assert!(
        r.events()
            .iter()
            .any(|e| matches!(e, Event::Request { .. }))
    );
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = GET.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn malformed_requests_are_stream_errors() {
    malformed(&with(&[("X-Upper", "1")]));
    malformed(&with(&[("connection", "keep-alive")]));
    malformed(&with(&[("transfer-encoding", "chunked")]));
    malformed(&with(&[("upgrade", "h2c")]));
    malformed(&with(&[("keep-alive", "5")]));
    malformed(&with(&[("host", "elsewhere.example")])); // differs from :authority
    malformed(&with(&[("te", "gzip")]));
    malformed(&with(&[("x-bad", "a\r\nb")]));
    malformed(&with(&[("x-bad", " leading")]));
    malformed(&with(&[("bad name", "1")]));
    malformed(&with(&[(":unknown", "1")]));
    malformed(&with(&[(":status", "200")]));
    malformed(&with(&[(":path", "/again")]));
    malformed(&with(&[("content-length", "1"), ("content-length", "2")]));
    malformed(&with(&[("content-length", "5")])); // END_STREAM with no body
    malformed(&[
        ("x-first", "1"),
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
    ]);
    malformed(&[(":method", "GET"), (":scheme", "http")]); // no :path
    malformed(&[(":method", "GET"), (":path", "/")]); // no :scheme
    malformed(&[
        (":method", "CONNECT"),
        (":authority", "a:1"),
        (":path", "/"),
    ]);
    malformed(&[
        (":method", "CONNECT"),
        (":scheme", "https"),
        (":authority", "a:1"),
        (":path", "/"),
        (":protocol", "websocket"),
    ]); // not enabled
}

#[test]
fn valid_requests_pass() {
    let mut r = Raw::new(Config::default());
    let h = r.request(
        1,
        &with(&[("te", "trailers"), ("content-length", "3")]),
        false,
    );
    r.feed(&h).unwrap();
    r.feed(&data(1, b"abc", true)).unwrap();
    let h = r.request(
        3,
        &[(":method", "CONNECT"), (":authority", "example.com:443")],
        false,
    );
    r.feed(&h).unwrap();
    assert!(resets(&r.drain()).is_empty());
    let ev = r.events();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Request { .. }))
            .count(),
        2
    );
    assert!(
        ev.iter().any(
            |e| matches!(e, Event::Data { end_stream: true, data, .. } if &data[..] == b"abc")
        )
    );
}

#[test]
fn content_length_must_match_the_data() {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, &with(&[("content-length", "3")]), false);
    r.feed(&h).unwrap();
    r.feed(&data(1, b"abcd", true)).unwrap();
    assert_eq!(resets(&r.drain()), vec![(1, 0x1)]);
    let h = r.request(3, &with(&[("content-length", "3")]), false);
    r.feed(&h).unwrap();
    r.feed(&data(3, b"ab", true)).unwrap();
    assert_eq!(resets(&r.drain()), vec![(3, 0x1)]);
}

#[test]
fn trailers_must_end_the_stream_and_carry_no_pseudo_headers() {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    let t = r.request(1, &[("x-t", "1")], false);
    r.feed(&t).unwrap();
    assert_eq!(resets(&r.drain()), vec![(1, 0x1)]);
    let h = r.request(3, GET, false);
    r.feed(&h).unwrap();
    let t = r.request(3, &[(":path", "/")], true);
    r.feed(&t).unwrap();
    assert_eq!(resets(&r.drain()), vec![(3, 0x1)]);
}

fn connection_error(wire: Vec<u8>, code: u32) -> Error {
    let mut r = Raw::new(Config::default());
    let e = r.feed(&wire).unwrap_err();
    assert_eq!(goaway_code(&r.drain()), Some(code), "{e:?}");
    assert!(fasterapi_core::Machine::is_closed(&r.server));
    e
}

#[test]
fn connection_errors_end_with_goaway() {
    let mut enc = fasterapi_hpack::Encoder::new(fasterapi_hpack::EncoderConfig::default());
    let b = common::block(&mut enc, GET);
    // even stream id from a client
    connection_error(headers(2, &b, true, true), 0x1);
    // DATA on an idle stream
    connection_error(data(5, b"x", false), 0x1);
    // a frame inside a field block
    let mut w = headers(1, &b[..1], true, false);
    w.extend(frame(&Frame::Ping {
        ack: false,
        data: [0; 8],
    }));
    assert_eq!(
        connection_error(w, 0x1),
        Error::ExpectedContinuation {
            kind: FrameType::PING
        }
    );
    // CONTINUATION without a block
    connection_error(
        frame(&Frame::Continuation {
            stream_id: StreamId::new(1),
            fragment: &[],
            end_headers: true,
        }),
        0x1,
    );
    // WINDOW_UPDATE overflowing the connection window
    connection_error(
        frame(&Frame::WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 0x7fff_ffff,
        }),
        0x3,
    );
    // a frame larger than our SETTINGS_MAX_FRAME_SIZE
    connection_error(data(1, &[0; 16_385], false), 0x6);
    // PUSH_PROMISE to a server
    connection_error(
        frame(&Frame::PushPromise {
            stream_id: StreamId::new(1),
            promised_id: StreamId::new(2),
            fragment: &[],
            end_headers: true,
            padding: None,
        }),
        0x1,
    );
    // RST_STREAM on an idle stream
    connection_error(
        frame(&Frame::RstStream {
            stream_id: StreamId::new(9),
            code: fasterapi_http2::ErrorCode::CANCEL,
        }),
        0x1,
    );
}

#[test]
fn stream_ids_only_grow() {
    let mut r = Raw::new(Config::default());
    let h = r.request(5, GET, true);
    r.feed(&h).unwrap();
    let h = r.request(3, GET, true);
    assert_eq!(r.feed(&h), Err(Error::StreamClosed(StreamId::new(3))));
    assert_eq!(goaway_code(&r.drain()), Some(0x5));
}

#[test]
fn stream_window_overflow_is_a_stream_error() {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    r.feed(&frame(&Frame::WindowUpdate {
        stream_id: StreamId::new(1),
        increment: 0x7fff_ffff,
    }))
    .unwrap();
    assert_eq!(resets(&r.drain()), vec![(1, 0x3)]);
}

#[test]
fn data_beyond_the_stream_window_is_a_stream_error() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 10;
    let mut r = Raw::new(cfg);
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    r.feed(&data(1, &[0; 11], false)).unwrap();
    assert_eq!(resets(&r.drain()), vec![(1, 0x3)]);
}

#[test]
fn padding_counts_toward_flow_control_and_is_returned() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 100;
    let mut r = Raw::new(cfg);
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    let padded = frame(&Frame::Data {
        stream_id: StreamId::new(1),
        data: b"abc",
        end_stream: false,
        padding: Some(60),
    });
    r.feed(&padded).unwrap();
    // 64 octets counted; the 61 of padding come back at once (more than half the window).
    let wire = r.drain();
    let updates: Vec<_> = common::frames(&wire)
        .into_iter()
        .filter(|f| f.0 == FrameType::WINDOW_UPDATE && f.1 == 1)
        .collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(
        u32::from_be_bytes(updates[0].2[..4].try_into().unwrap()),
        61
    );
    assert!(
        r.events()
            .iter()
            .any(|e| matches!(e, Event::Data { data, .. } if &data[..] == b"abc"))
    );
}

#[test]
fn released_credit_is_capped_at_what_was_received() {
    // With automatic updates off, returning more credit than was received must not send an
    // increment past the configured windows (RFC 9113 §6.9.1 caps a window at 2^31-1).
    let mut cfg = Config::default();
    cfg.auto_window_update = false;
    cfg.initial_window_size = 100;
    let mut r = Raw::new(cfg);
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    r.feed(&data(1, &[7u8; 80], false)).unwrap();
    r.drain();
    let _ = r.events();
    r.server.release_capacity(StreamId::new(1), u32::MAX);
    let wire = r.drain();
    let increments: Vec<(u32, u32)> = common::frames(&wire)
        .into_iter()
        .filter(|f| f.0 == FrameType::WINDOW_UPDATE)
        .map(|f| (f.1, u32::from_be_bytes(f.2[..4].try_into().unwrap())))
        .collect();
    // The stream gets back exactly the 80 octets; the connection (65,535 by default) has not
    // reached half its window, so it sends nothing yet, and nothing is left owed afterwards.
    assert_eq!(increments, vec![(1, 80)]);
    r.server.release_capacity(StreamId::new(1), 5);
    assert!(r.drain().is_empty(), "no credit is owed any more");
}

#[test]
fn unknown_frames_and_settings_are_ignored() {
    let mut r = Raw::new(Config::default());
    let unknown = [0, 0, 3, 0xee, 0xff, 0, 0, 0, 1, 1, 2, 3];
    r.feed(&unknown).unwrap();
    let h = r.request(1, GET, true);
    r.feed(&h).unwrap();
    assert!(
        r.events()
            .iter()
            .any(|e| matches!(e, Event::Request { .. }))
    );
}

#[test]
fn bad_preface_and_missing_settings() {
    let mut s = Connection::server(Config::default());
    assert_eq!(
        s.handle_input(fasterapi_core::Timestamp::ZERO, b"GET / HTTP/1.1\r\n\r\n"),
        Err(Error::BadPreface)
    );
    let mut s = Connection::server(Config::default());
    let mut w = fasterapi_http2::PREFACE.to_vec();
    w.extend(frame(&Frame::Ping {
        ack: false,
        data: [0; 8],
    }));
    assert_eq!(
        s.handle_input(fasterapi_core::Timestamp::ZERO, &w),
        Err(Error::MissingSettings)
    );
}

#[test]
fn a_client_refuses_push_and_priority_updates() {
    let mut c = Connection::client(Config::default());
    let now = fasterapi_core::Timestamp::ZERO;
    let settings = frame(&Frame::Settings {
        ack: false,
        settings: fasterapi_http2::Settings::List(&[]),
    });
    c.handle_input(now, &settings).unwrap();
    let pu = frame(&Frame::PriorityUpdate {
        prioritized_id: StreamId::new(1),
        field_value: b"u=1",
    });
    assert_eq!(c.handle_input(now, &pu), Err(Error::BadPriorityUpdate));
    let mut c = Connection::client(Config::default());
    let push = frame(&Frame::Settings {
        ack: false,
        settings: fasterapi_http2::Settings::List(&[fasterapi_http2::Setting::new(
            fasterapi_http2::SettingId::ENABLE_PUSH,
            1,
        )]),
    });
    assert_eq!(c.handle_input(now, &push), Err(Error::ServerEnabledPush));
}
