//! Client and server machines driven against each other on core's virtual-clock Pair.

mod common;

use bytes::Bytes;
use core::time::Duration;
use fasterapi_core::testing::Pair;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http2::{
    Config, Connection, ErrorCode, Event, FrameType, OutgoingRequest, Priority, Setting, SettingId,
    StreamId,
};

fn pair(client: Config, server: Config) -> Pair<Connection, Connection> {
    let mut p = Pair::new(Connection::client(client), Connection::server(server));
    p.drive();
    let hello = [Event::PeerSettings, Event::SettingsAcked];
    for side in [p.client.take_events(), p.server.take_events()] {
        assert!(side.iter().all(|e| hello.contains(e)), "{side:?}");
        assert!(side.contains(&Event::PeerSettings));
    }
    p
}

fn get(path: &str) -> OutgoingRequest<'_> {
    OutgoingRequest::new(b"GET", b"http", b"example.com", path.as_bytes())
}

fn body_of(events: &[Event], id: StreamId) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data {
                stream_id, data, ..
            } if *stream_id == id => Some(&data[..]),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// One full exchange: request with body and trailers, response with body and trailers.
fn exchange(p: &mut Pair<Connection, Connection>) {
    let c = &mut p.client.machine;
    let id = c
        .send_request(&get("/upload").with_headers(&[(b"x-a", b"1")]), false)
        .unwrap();
    c.send_data(id, Bytes::from_static(b"hello "), false)
        .unwrap();
    c.send_data(id, Bytes::from_static(b"world"), false)
        .unwrap();
    c.send_trailers(id, &[(b"x-checksum", b"abc")]).unwrap();
    p.drive();
    let ev = p.server.take_events();
    let Some(Event::Request {
        stream_id,
        head,
        end_stream: false,
    }) = ev.iter().find(|e| matches!(e, Event::Request { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(*stream_id, id);
    assert_eq!(&head.method[..], b"GET");
    assert_eq!(head.path.as_deref(), Some(&b"/upload"[..]));
    assert_eq!(head.headers.get(b"x-a"), Some(&b"1"[..]));
    assert_eq!(body_of(&ev, id), b"hello world");
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Trailers { trailers, .. }
        if trailers.get(b"x-checksum") == Some(b"abc")))
    );
    let s = &mut p.server.machine;
    s.send_response(id, 200, &[(b"content-type", b"text/plain")], false)
        .unwrap();
    s.send_data(id, Bytes::from_static(b"ok"), false).unwrap();
    s.send_trailers(id, &[(b"grpc-status", b"0")]).unwrap();
    p.drive();
    let ev = p.client.take_events();
    assert!(ev.iter().any(
        |e| matches!(e, Event::Response { head, end_stream: false, .. }
        if head.status == 200)
    ));
    assert_eq!(body_of(&ev, id), b"ok");
    assert!(ev.iter().any(|e| matches!(e, Event::Trailers { .. })));
    assert_eq!(p.client.machine.open_streams(), 0);
    assert_eq!(p.server.machine.open_streams(), 0);
}

#[test]
fn request_and_response_with_bodies_and_trailers() {
    let mut p = pair(Config::default(), Config::default());
    exchange(&mut p);
    exchange(&mut p); // the HPACK tables stay in step
}

#[test]
fn same_events_however_input_is_split() {
    for chunk in [1, 2, 7, 100] {
        let mut p = Pair::new(
            Connection::client(Config::default()),
            Connection::server(Config::default()),
        )
        .with_chunk_size(chunk)
        .with_transmit_buffer(chunk.max(3));
        p.drive();
        exchange(&mut p);
    }
}

#[test]
fn large_body_flows_through_small_windows() {
    let mut small = Config::default();
    small.initial_window_size = 1000;
    small.connection_window_size = 65_535;
    let mut p = pair(small, small);
    let id = p.client.machine.send_request(&get("/big"), true).unwrap();
    p.drive();
    p.server.take_events();
    let body: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
    let s = &mut p.server.machine;
    s.send_response(id, 200, &[], false).unwrap();
    s.send_data(id, Bytes::from(body.clone()), true).unwrap();
    p.drive();
    let ev = p.client.take_events();
    assert_eq!(body_of(&ev, id), body);
    assert!(matches!(
        ev.last(),
        Some(Event::Data {
            end_stream: true,
            ..
        })
    ));
}

#[test]
fn data_goes_out_without_a_copy() {
    let mut p = pair(Config::default(), Config::default());
    let id = p.client.machine.send_request(&get("/"), true).unwrap();
    p.drive();
    let s = &mut p.server.machine;
    s.send_response(id, 200, &[], false).unwrap();
    let payload = Bytes::from(vec![7u8; 5000]);
    let ptr = payload.as_ptr();
    s.send_data(id, payload, true).unwrap();
    let mut buf = [0u8; 16 * 1024];
    let mut handed = None;
    loop {
        let t = s.poll_transmit_vectored(Timestamp::ZERO, &mut buf);
        if t.is_empty() {
            break;
        }
        if let Some(p) = t.payload {
            handed = Some(p);
        }
    }
    let handed = handed.expect("the body is handed out");
    assert_eq!(handed.as_ptr(), ptr, "the application's buffer itself");
    assert_eq!(handed.len(), 5000);
}

#[test]
fn initial_window_change_applies_to_open_streams() {
    let mut p = pair(Config::default(), Config::default());
    let id = p.client.machine.send_request(&get("/"), false).unwrap();
    p.drive();
    let before = p.client.machine.send_window(Some(id));
    assert_eq!(before, 1 << 20);
    // The server lowers INITIAL_WINDOW_SIZE with a raw SETTINGS frame.
    let f = common::frame(&fasterapi_http2::Frame::Settings {
        ack: false,
        settings: fasterapi_http2::Settings::List(&[Setting::new(
            SettingId::INITIAL_WINDOW_SIZE,
            100,
        )]),
    });
    p.client.machine.handle_input(p.now(), &f).unwrap();
    assert_eq!(p.client.machine.send_window(Some(id)), 100);
    assert_eq!(p.client.machine.peer_settings().initial_window_size, 100);
}

#[test]
fn settings_must_be_acknowledged_in_time() {
    let mut server = Connection::server(Config::default());
    let mut out = [0u8; 1024];
    let _ = server.poll_transmit(Timestamp::ZERO, &mut out);
    let deadline = server.poll_timeout().expect("SETTINGS ACK timer");
    assert_eq!(deadline, Timestamp::from_secs(10));
    // The client's preface arrives but it never acknowledges.
    let mut first = fasterapi_http2::PREFACE.to_vec();
    first.extend(common::frame(&fasterapi_http2::Frame::Settings {
        ack: false,
        settings: fasterapi_http2::Settings::List(&[]),
    }));
    server
        .handle_input(Timestamp::from_secs(1), &first)
        .unwrap();
    assert_eq!(
        server.handle_timeout(deadline),
        Err(fasterapi_http2::Error::SettingsTimeout)
    );
    let n = server.poll_transmit(deadline, &mut out);
    let wire = &out[..n];
    assert_eq!(common::goaway_code(wire), Some(0x4));
    assert!(server.is_closed());
}

#[test]
fn ack_disarms_the_settings_timer() {
    let mut p = pair(Config::default(), Config::default());
    assert_eq!(p.server.machine.poll_timeout(), None);
    assert_eq!(p.client.machine.poll_timeout(), None);
    p.advance(Duration::from_secs(60));
    assert!(p.server.error.is_none() && p.client.error.is_none());
}

#[test]
fn ping_round_trip() {
    let mut p = pair(Config::default(), Config::default());
    p.client.machine.ping(*b"12345678").unwrap();
    p.drive();
    let ev = p.client.take_events();
    assert!(ev.contains(&Event::PingAck { data: *b"12345678" }));
}

#[test]
fn graceful_shutdown_lets_open_streams_finish() {
    let mut p = pair(Config::default(), Config::default());
    let id = p.client.machine.send_request(&get("/"), true).unwrap();
    p.drive();
    p.server.machine.close(p.now());
    p.drive();
    assert!(
        !p.server.machine.is_closed(),
        "stream 1 still owes a response"
    );
    let ev = p.client.take_events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::GoAway { last_stream_id, code, .. }
        if *last_stream_id == id && *code == ErrorCode::NO_ERROR))
    );
    assert_eq!(
        p.client.machine.send_request(&get("/late"), true),
        Err(fasterapi_http2::Error::NoNewStreams)
    );
    p.server.machine.send_response(id, 204, &[], true).unwrap();
    p.drive();
    assert!(p.server.machine.is_closed());
    assert!(
        p.client
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::Response { .. }))
    );
}

#[test]
fn goaway_refuses_streams_above_its_last_id() {
    let mut p = pair(Config::default(), Config::default());
    let a = p.client.machine.send_request(&get("/a"), true).unwrap();
    p.drive();
    let b = p.client.machine.send_request(&get("/b"), true).unwrap();
    // The server starts its shutdown before it sees stream b, and the client does not answer
    // the PING in time: after `shutdown_ping_timeout` the final GOAWAY names stream a.
    let now = p.now();
    p.server.machine.close(now);
    let mut wire = vec![0u8; 4096];
    let n = p.server.machine.poll_transmit(now, &mut wire);
    wire.truncate(n);
    let first = common::frames(&wire);
    assert_eq!(first[0].0, FrameType::GOAWAY);
    assert_eq!(
        first[0].2[..4],
        0x7fff_ffffu32.to_be_bytes(),
        "2^31-1 first (§6.8)"
    );
    assert_eq!(first[1].0, FrameType::PING);
    let deadline = p.server.machine.poll_timeout().unwrap();
    assert_eq!(deadline, now.saturating_add(Duration::from_secs(1)));
    p.server.machine.handle_timeout(deadline).unwrap();
    let mut more = vec![0u8; 4096];
    let n = p.server.machine.poll_transmit(deadline, &mut more);
    wire.extend_from_slice(&more[..n]);
    p.client.machine.handle_input(deadline, &wire).unwrap();
    let ev: Vec<Event> = core::iter::from_fn(|| p.client.machine.poll_event()).collect();
    let goaways: Vec<StreamId> = ev
        .iter()
        .filter_map(|e| match e {
            Event::GoAway { last_stream_id, .. } => Some(*last_stream_id),
            _ => None,
        })
        .collect();
    assert_eq!(goaways, [StreamId::MAX, a]);
    assert!(ev.contains(&Event::StreamReset {
        stream_id: b,
        code: ErrorCode::REFUSED_STREAM,
        remote: true
    }));
    assert!(
        !ev.iter()
            .any(|e| matches!(e, Event::StreamReset { stream_id, .. } if *stream_id == a))
    );
}

#[test]
fn two_step_shutdown_keeps_requests_already_in_flight() {
    // RFC 9113 §6.8: a request the client sent before it saw the first GOAWAY is processed,
    // and the final GOAWAY (after the PING comes back) names it.
    let mut p = pair(Config::default(), Config::default());
    let in_flight = p.client.machine.send_request(&get("/slow"), true).unwrap();
    p.server.machine.close(p.now());
    p.drive();
    let ev = p.server.take_events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Request { stream_id, .. } if *stream_id == in_flight)),
        "{ev:?}"
    );
    assert!(
        !ev.iter().any(|e| matches!(e, Event::PingAck { .. })),
        "the shutdown PING is the machine's own"
    );
    let goaways: Vec<StreamId> = p
        .client
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::GoAway { last_stream_id, .. } => Some(last_stream_id),
            _ => None,
        })
        .collect();
    assert_eq!(goaways, [StreamId::MAX, in_flight]);
    assert_eq!(
        p.client.machine.send_request(&get("/late"), true),
        Err(fasterapi_http2::Error::NoNewStreams)
    );
    assert!(
        !p.server.machine.is_closed(),
        "the stream still owes a response"
    );
    assert_eq!(
        p.server.machine.poll_timeout(),
        None,
        "no shutdown timer left"
    );
    p.server
        .machine
        .send_response(in_flight, 200, &[], false)
        .unwrap();
    p.server
        .machine
        .send_data(in_flight, Bytes::from_static(b"done"), true)
        .unwrap();
    p.drive();
    assert_eq!(body_of(&p.client.take_events(), in_flight), b"done");
    assert!(p.server.machine.is_closed());
}

#[test]
fn send_capacity_event_when_the_window_opens() {
    // The client opens 1,000 octets per stream; the server queues 5,000: it stalls, and each
    // WINDOW_UPDATE the client sends as it reads brings an `Event::SendCapacity`.
    let mut small = Config::default();
    small.initial_window_size = 1000;
    let mut p = pair(small, Config::default());
    let id = p.client.machine.send_request(&get("/big"), true).unwrap();
    p.drive();
    p.server.take_events();
    let s = &mut p.server.machine;
    s.send_response(id, 200, &[], false).unwrap();
    assert_eq!(s.send_capacity(id), 1000);
    s.send_data(id, Bytes::from(vec![7u8; 5000]), true).unwrap();
    assert_eq!(s.send_capacity(id), -4000, "queued beyond the window");
    // Only the server's output, not the client's answer yet.
    let mut buf = vec![0u8; 16_384];
    let n = p.server.machine.poll_transmit(p.now(), &mut buf);
    assert!(n > 1000);
    assert_eq!(p.server.machine.send_window(Some(id)), 0);
    assert_eq!(p.server.machine.send_capacity(id), -4000);
    p.client.machine.handle_input(p.now(), &buf[..n]).unwrap();
    p.drive();
    let capacity = p
        .server
        .take_events()
        .iter()
        .filter(|e| **e == Event::SendCapacity { stream_id: id })
        .count();
    assert!(capacity >= 4, "one per time the window opened: {capacity}");
    assert_eq!(body_of(&p.client.take_events(), id).len(), 5000);
}

#[test]
fn send_capacity_event_after_initial_window_size_grows() {
    // §6.9.2: a larger SETTINGS_INITIAL_WINDOW_SIZE opens every stream's window.
    let mut r = common::Raw::with_settings(
        Config::default(),
        &[Setting::new(SettingId::INITIAL_WINDOW_SIZE, 0)],
    );
    let h = r.request(1, common::GET, true);
    r.feed(&h).unwrap();
    let _ = r.events();
    let id = StreamId::new(1);
    r.server.send_response(id, 200, &[], false).unwrap();
    r.server
        .send_data(id, Bytes::from_static(b"waiting"), true)
        .unwrap();
    r.drain();
    assert!(r.events().is_empty());
    assert_eq!(r.server.send_capacity(id), -7);
    let grow = common::frame(&fasterapi_http2::Frame::Settings {
        ack: false,
        settings: fasterapi_http2::Settings::List(&[Setting::new(
            SettingId::INITIAL_WINDOW_SIZE,
            100,
        )]),
    });
    r.feed(&grow).unwrap();
    assert!(r.events().contains(&Event::SendCapacity { stream_id: id }));
    assert_eq!(r.server.send_capacity(id), 93);
    // A stream that never waited gets no event.
    let h = r.request(3, common::GET, true);
    r.feed(&h).unwrap();
    let _ = r.events();
    r.server
        .send_response(StreamId::new(3), 204, &[], true)
        .unwrap();
    r.feed(&grow).unwrap();
    assert!(
        !r.events()
            .iter()
            .any(|e| matches!(e, Event::SendCapacity { .. }))
    );
}

#[test]
fn reset_by_the_client_reaches_the_server() {
    let mut p = pair(Config::default(), Config::default());
    let id = p.client.machine.send_request(&get("/"), false).unwrap();
    p.drive();
    p.client.machine.reset(id, ErrorCode::CANCEL).unwrap();
    p.drive();
    let ev = p.server.take_events();
    assert!(ev.contains(&Event::StreamReset {
        stream_id: id,
        code: ErrorCode::CANCEL,
        remote: true
    }));
    assert_eq!(
        p.server.machine.send_response(id, 200, &[], true),
        Err(fasterapi_http2::Error::InvalidStreamState(id))
    );
}

#[test]
fn informational_then_final_response() {
    let mut p = pair(Config::default(), Config::default());
    let id = p
        .client
        .machine
        .send_request(
            &get("/").with_headers(&[(b"expect", b"100-continue")]),
            false,
        )
        .unwrap();
    p.drive();
    p.server.machine.send_response(id, 100, &[], false).unwrap();
    p.drive();
    p.client
        .machine
        .send_data(id, Bytes::from_static(b"x"), true)
        .unwrap();
    p.drive();
    p.server.machine.send_response(id, 201, &[], true).unwrap();
    p.drive();
    let ev = p.client.take_events();
    assert!(matches!(ev[0], Event::Informational { ref head, .. } if head.status == 100));
    assert!(
        matches!(ev[1], Event::Response { ref head, end_stream: true, .. } if head.status == 201)
    );
}

#[test]
fn extended_connect_needs_the_setting() {
    let mut p = pair(Config::default(), Config::default());
    let ws = OutgoingRequest::new(b"CONNECT", b"http", b"example.com", b"/chat")
        .with_protocol(b"websocket");
    assert_eq!(
        p.client.machine.send_request(&ws, false),
        Err(fasterapi_http2::Error::ConnectProtocolDisabled)
    );
    let mut cfg = Config::default();
    cfg.enable_connect_protocol = true;
    let mut p = pair(Config::default(), cfg);
    assert!(p.client.machine.peer_settings().enable_connect_protocol);
    let id = p.client.machine.send_request(&ws, false).unwrap();
    p.drive();
    let ev = p.server.take_events();
    let Some(Event::Request { head, .. }) = ev.iter().find(|e| matches!(e, Event::Request { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(head.protocol.as_deref(), Some(&b"websocket"[..]));
    assert_eq!(&head.method[..], b"CONNECT");
    // The tunnel carries data both ways.
    p.server.machine.send_response(id, 200, &[], false).unwrap();
    p.server
        .machine
        .send_data(id, Bytes::from_static(b"frame"), false)
        .unwrap();
    p.client
        .machine
        .send_data(id, Bytes::from_static(b"reply"), false)
        .unwrap();
    p.drive();
    assert_eq!(body_of(&p.client.take_events(), id), b"frame");
    assert_eq!(body_of(&p.server.take_events(), id), b"reply");
}

#[test]
fn rfc9218_urgency_orders_the_data() {
    let mut p = pair(Config::default(), Config::default());
    let low = p
        .client
        .machine
        .send_request(&get("/low").with_headers(&[(b"priority", b"u=6")]), true)
        .unwrap();
    let high = p
        .client
        .machine
        .send_request(&get("/high").with_headers(&[(b"priority", b"u=0")]), true)
        .unwrap();
    p.drive();
    let s = &mut p.server.machine;
    for id in [low, high] {
        s.send_response(id, 200, &[], false).unwrap();
        s.send_data(id, Bytes::from(vec![0u8; 40_000]), true)
            .unwrap();
    }
    p.drive();
    let ev = p.client.take_events();
    let first_data = ev
        .iter()
        .find_map(|e| match e {
            Event::Data { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .unwrap();
    assert_eq!(first_data, high);
    let last = ev
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Data { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .unwrap();
    assert_eq!(last, low);
}

#[test]
fn priority_update_changes_a_stream() {
    let mut r = common::Raw::new(Config::default());
    let h = r.request(1, common::GET, false);
    r.feed(&h).unwrap();
    let f = common::frame(&fasterapi_http2::Frame::PriorityUpdate {
        prioritized_id: StreamId::new(1),
        field_value: b"u=1, i",
    });
    r.feed(&f).unwrap();
    let ev = r.events();
    assert!(ev.contains(&Event::PriorityUpdate {
        stream_id: StreamId::new(1),
        priority: Priority {
            urgency: 1,
            incremental: true
        }
    }));
}

#[test]
fn reset_while_a_field_block_is_open() {
    let mut p = pair(Config::default(), Config::default());
    let id = p.client.machine.send_request(&get("/"), true).unwrap();
    p.drive();
    p.server.take_events();
    // The server starts a response whose block is split over HEADERS + CONTINUATION...
    let mut enc = fasterapi_hpack::Encoder::new(fasterapi_hpack::EncoderConfig::default());
    let block = common::block(&mut enc, &[(":status", "200")]);
    let now = p.now();
    let c = &mut p.client.machine;
    c.handle_input(now, &common::headers(id.get(), &[], false, false))
        .unwrap();
    // ...the client application resets the stream in between...
    c.reset(id, ErrorCode::CANCEL).unwrap();
    // ...and the rest of the block still decodes without trouble.
    let cont = common::frame(&fasterapi_http2::Frame::Continuation {
        stream_id: id,
        fragment: &block,
        end_headers: true,
    });
    c.handle_input(now, &cont).unwrap();
    assert!(!core::iter::from_fn(|| c.poll_event()).any(|e| matches!(e, Event::Response { .. })));
}

/// A client's byte stream: three requests, bodies, trailers, a PING, a reset.
fn client_wire() -> Vec<u8> {
    let mut c = Connection::client(Config::default());
    let a = c
        .send_request(&get("/a").with_headers(&[(b"x-k", b"some value")]), false)
        .unwrap();
    c.send_data(a, Bytes::from(vec![5u8; 40_000]), false)
        .unwrap();
    c.send_trailers(a, &[(b"x-t", b"1")]).unwrap();
    let b = c.send_request(&get("/b"), true).unwrap();
    let _ = b;
    c.ping(*b"abcdefgh").unwrap();
    let d = c.send_request(&get("/d"), false).unwrap();
    c.send_data(d, Bytes::from_static(b"partial"), false)
        .unwrap();
    c.reset(d, ErrorCode::CANCEL).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 777];
    loop {
        let n = c.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn server_events(wire: &[u8], cuts: &[usize], zero_copy: bool) -> (Vec<String>, Vec<u8>) {
    let mut s = Connection::server(Config::default());
    let mut events = Vec::new();
    let mut at = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    bounds.push(wire.len());
    bounds.sort_unstable();
    for end in bounds {
        let piece = &wire[at..end.max(at)];
        if zero_copy {
            let mut rest = piece;
            while !rest.is_empty() {
                let buf = s.input_buffer();
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                s.commit_input(Timestamp::ZERO, n).unwrap();
                rest = &rest[n..];
            }
        } else {
            assert_eq!(s.handle_input(Timestamp::ZERO, piece).unwrap(), piece.len());
        }
        at = end.max(at);
        while let Some(e) = s.poll_event() {
            // Data pieces may be cut differently; compare their bytes, not their framing.
            events.push(match e {
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => format!("data {stream_id} {} {end_stream}", data.len()),
                e => format!("{e:?}"),
            });
        }
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    (events, out)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn random_splits_give_the_same_events(
        cuts in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..40),
        zero_copy: bool,
    ) {
        let wire = client_wire();
        let (whole, whole_out) = server_events(&wire, &[], false);
        let (split, split_out) = server_events(&wire, &cuts, zero_copy);
        proptest::prop_assert_eq!(&whole, &split);
        proptest::prop_assert_eq!(whole_out, split_out);
        proptest::prop_assert!(whole.iter().any(|e| e.contains("Trailers")));
        proptest::prop_assert!(whole.iter().any(|e| e.contains("CANCEL")));
    }
}

#[test]
fn the_peers_header_list_limit_bounds_what_we_send() {
    let mut small = Config::default();
    small.max_header_list_size = 200;
    let mut p = pair(Config::default(), small);
    assert_eq!(p.client.machine.peer_settings().max_header_list_size, 200);
    let big = [b'v'; 100];
    let headers: [(&[u8], &[u8]); 1] = [(b"x-big", &big)];
    assert_eq!(
        p.client
            .machine
            .send_request(&get("/").with_headers(&headers), true),
        Err(fasterapi_http2::Error::FieldsTooLarge)
    );
    // Within the limit it goes through.
    p.client.machine.send_request(&get("/"), true).unwrap();
}
