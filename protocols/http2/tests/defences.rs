//! Each defence of docs/http2.md as a named test: the attack is sent byte for byte, the
//! machine must end it with the documented reaction, and normal traffic must pass.

mod common;

use bytes::Bytes;
use common::{GET, Raw, data, frame, goaway_code, headers, resets, statuses};
use core::time::Duration;
use fasterapi_core::testing::Pair;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http2::{
    Config, Connection, Error, ErrorCode, Event, Flood, Frame, OutgoingRequest, RateLimit, Setting,
    SettingId, Settings, StreamId,
};

const ENHANCE_YOUR_CALM: u32 = 0xb;

fn rst(id: u32) -> Vec<u8> {
    frame(&Frame::RstStream {
        stream_id: StreamId::new(id),
        code: ErrorCode::CANCEL,
    })
}

/// Feeds `chunks` until the machine fails; returns the error and how many chunks it took.
fn until_error(r: &mut Raw, chunks: impl Iterator<Item = Vec<u8>>) -> (Error, usize) {
    for (i, c) in chunks.enumerate() {
        if let Err(e) = r.feed(&c) {
            return (e, i + 1);
        }
        let _ = r.events();
    }
    panic!("the defence never tripped")
}

#[test]
fn rapid_reset_cve_2023_44487() {
    let mut r = Raw::new(Config::default());
    let mut enc_requests = Vec::new();
    for i in 0..1500u32 {
        let id = 2 * i + 1;
        let mut v = r.request(id, GET, false);
        v.extend(rst(id));
        enc_requests.push(v);
    }
    let (e, n) = until_error(&mut r, enc_requests.into_iter());
    assert_eq!(e, Error::Flood(Flood::Resets));
    assert_eq!(n, 1001, "the burst of 1,000 passes, the next reset trips");
    assert_eq!(goaway_code(&r.drain()), Some(ENHANCE_YOUR_CALM));
    assert!(r.server.is_closed());
}

#[test]
fn resets_at_a_modest_rate_pass() {
    let mut cfg = Config::default();
    cfg.reset_rate = RateLimit::new(10, 10);
    let mut r = Raw::new(cfg);
    for i in 0..200u32 {
        let id = 2 * i + 1;
        r.now = Timestamp::from_millis(u64::from(i) * 100); // 10 per second
        let mut v = r.request(id, GET, false);
        v.extend(rst(id));
        r.feed(&v).unwrap();
        let _ = r.events();
    }
}

#[test]
fn continuation_flood() {
    let mut r = Raw::new(Config::default());
    let b = common::block(&mut r.enc, GET);
    r.feed(&headers(1, &b[..2], false, false)).unwrap();
    let empty = frame(&Frame::Continuation {
        stream_id: StreamId::new(1),
        fragment: &[],
        end_headers: false,
    });
    let (e, n) = until_error(&mut r, core::iter::repeat_n(empty, 10_000));
    assert_eq!(e, Error::HeaderBlockTooLarge);
    assert_eq!(n, 33, "32 CONTINUATIONs allowed");
    assert_eq!(goaway_code(&r.drain()), Some(ENHANCE_YOUR_CALM));
}

#[test]
fn continuation_flood_by_size() {
    // Even with a generous header list limit, the encoded block is bounded (64 KiB).
    let mut cfg = Config::default();
    cfg.max_header_list_size = 1 << 20;
    let mut r = Raw::new(cfg);
    let value = "v".repeat(10_000);
    let names: Vec<String> = (0..20).map(|i| format!("x-{i}")).collect();
    let mut fields: Vec<(&str, &str)> = GET.to_vec();
    fields.extend(names.iter().map(|n| (n.as_str(), value.as_str())));
    let block = common::block(&mut r.enc, &fields);
    assert!(block.len() > 100_000);
    let mut pieces = block.chunks(16_000);
    let first = headers(1, pieces.next().unwrap(), true, false);
    let rest = pieces.map(|c| {
        frame(&Frame::Continuation {
            stream_id: StreamId::new(1),
            fragment: c,
            end_headers: false,
        })
    });
    let (e, n) = until_error(&mut r, core::iter::once(first).chain(rest));
    assert_eq!(e, Error::HeaderBlockTooLarge);
    assert_eq!(n, 5, "4 frames of 16,000 octets fit in 64 KiB");
}

#[test]
fn settings_flood() {
    let mut r = Raw::new(Config::default());
    let s = frame(&Frame::Settings {
        ack: false,
        settings: Settings::List(&[]),
    });
    let (e, n) = until_error(&mut r, core::iter::repeat_n(s, 1000));
    assert_eq!(e, Error::Flood(Flood::Settings));
    assert_eq!(n, 100, "the preface's SETTINGS counts: 99 more pass");
}

#[test]
fn ping_flood() {
    let mut r = Raw::new(Config::default());
    let p = frame(&Frame::Ping {
        ack: false,
        data: [0; 8],
    });
    let (e, n) = until_error(&mut r, core::iter::repeat_n(p, 1000));
    assert_eq!(e, Error::Flood(Flood::Pings));
    assert_eq!(n, 101);
}

#[test]
fn unread_control_frames_are_bounded() {
    let mut cfg = Config::default();
    cfg.ping_rate = RateLimit::UNLIMITED;
    let mut r = Raw::new(cfg);
    let p = frame(&Frame::Ping {
        ack: false,
        data: [0; 8],
    });
    // The attacker never reads: PING ACKs pile up until the cap.
    let (e, n) = until_error(&mut r, core::iter::repeat_n(p, 100_000));
    assert_eq!(e, Error::Flood(Flood::ControlQueue));
    assert!(n > 3000 && n < 4000, "64 KiB of 17-octet ACKs: {n}");
}

#[test]
fn empty_data_flood() {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    let (e, n) = until_error(&mut r, core::iter::repeat_n(data(1, b"", false), 1000));
    assert_eq!(e, Error::Flood(Flood::EmptyData));
    assert_eq!(n, 101);
}

#[test]
fn window_update_flood() {
    let mut r = Raw::new(Config::default());
    let w = frame(&Frame::WindowUpdate {
        stream_id: StreamId::CONNECTION,
        increment: 1,
    });
    let (e, n) = until_error(&mut r, core::iter::repeat_n(w, 20_000));
    assert_eq!(e, Error::Flood(Flood::WindowUpdates));
    assert_eq!(n, 10_001);
}

#[test]
fn hpack_bomb() {
    let mut r = Raw::new(Config::default());
    // One 4 KB field enters the dynamic table, then 1-octet references to it repeat: each
    // decodes to 4 KB, so the header list limit (16 KiB) stops it while decoding. The rest of
    // the block is decoded for HPACK's sake but never copied; the stream gets a 431 and the
    // connection goes on (RFC 9113 §10.5.1).
    let big = "x".repeat(4000);
    let mut fields: Vec<(&str, &str)> = GET.to_vec();
    fields.push(("bomb", &big));
    let mut block = common::block(&mut r.enc, &fields);
    block.extend(core::iter::repeat_n(0xbe_u8, 1000)); // indexed field 62: the newest entry
    let _ = r.events();
    r.feed(&headers(1, &block, true, true)).unwrap();
    assert_eq!(
        r.events(),
        [Event::HeaderListTooLarge {
            stream_id: StreamId::new(1)
        }]
    );
    let wire = r.drain();
    assert_eq!(goaway_code(&wire), None);
    assert_eq!(statuses(&r.out), [(1, "431".to_owned())]);
    // The next request decodes against the table the bomb left.
    let next = common::block(&mut r.enc, &fields);
    r.feed(&headers(3, &next, true, true)).unwrap();
    let ev = r.events();
    let Some(Event::Request { head, .. }) = ev.first() else {
        panic!("{ev:?}")
    };
    assert_eq!(head.headers.get(b"bomb").map(<[u8]>::len), Some(4000));
}

#[test]
fn oversized_request_head_gets_431_and_the_connection_goes_on() {
    // RFC 9113 §10.5.1: a 40 KB cookie over HEADERS + CONTINUATION, with a field entering the
    // dynamic table after it; the request still has a body coming.
    let mut r = Raw::new(Config::default());
    let cookie = "c".repeat(40_000);
    let mut fields: Vec<(&str, &str)> = GET.to_vec();
    fields.push(("cookie", &cookie));
    fields.push(("x-after", "indexed after the limit"));
    let block = common::block(&mut r.enc, &fields);
    let third = block.len() / 3;
    let (a, b) = block.split_at(third);
    let (b, c) = b.split_at(third);
    let mut wire = headers(1, a, false, false);
    for (frag, last) in [(b, false), (c, true)] {
        wire.extend(frame(&Frame::Continuation {
            stream_id: StreamId::new(1),
            fragment: frag,
            end_headers: last,
        }));
    }
    // The body the client sends before it sees our answer is ignored.
    wire.extend(data(1, b"late body", true));
    let _ = r.events();
    r.feed(&wire).unwrap();
    assert_eq!(
        r.events(),
        [Event::HeaderListTooLarge {
            stream_id: StreamId::new(1)
        }]
    );
    let out = r.drain();
    assert_eq!(statuses(&r.out), [(1, "431".to_owned())]);
    assert_eq!(
        resets(&out),
        [(1, 0)],
        "RST_STREAM NO_ERROR after the 431 (§8.1)"
    );
    assert_eq!(goaway_code(&out), None);
    // The same encoder goes on: `x-after` is now a one-octet reference on both sides.
    let next = r.request(
        3,
        &[GET, &[("x-after", "indexed after the limit")]].concat(),
        true,
    );
    r.feed(&next).unwrap();
    let ev = r.events();
    let Some(Event::Request { head, .. }) = ev.first() else {
        panic!("{ev:?}")
    };
    assert_eq!(
        head.headers.get(b"x-after"),
        Some(&b"indexed after the limit"[..])
    );
    r.server
        .send_response(StreamId::new(3), 204, &[], true)
        .unwrap();
    r.drain();
    assert_eq!(
        statuses(&r.out),
        [(1, "431".to_owned()), (3, "204".to_owned())]
    );
}

#[test]
fn oversized_trailers_reset_the_stream_only() {
    let mut r = Raw::new(Config::default());
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    let _ = r.events();
    let big = "t".repeat(20_000);
    let trailers = common::block(&mut r.enc, &[("x-trailer", &big)]);
    r.feed(&headers(1, &trailers, true, true)).unwrap();
    assert_eq!(
        r.events(),
        [
            Event::HeaderListTooLarge {
                stream_id: StreamId::new(1)
            },
            Event::StreamReset {
                stream_id: StreamId::new(1),
                code: ErrorCode::CANCEL,
                remote: false
            }
        ]
    );
    let out = r.drain();
    assert_eq!(resets(&out), [(1, 0x8)]);
    assert_eq!(goaway_code(&out), None);
}

#[test]
fn oversized_heads_count_against_the_reset_rate() {
    // A peer that sends oversized heads in a loop costs us a decode each: bounded like
    // rapid reset.
    let mut config = Config::default();
    config.reset_rate = RateLimit::new(5, 1);
    let mut r = Raw::new(config);
    let big = "b".repeat(20_000);
    let mut fields: Vec<(&str, &str)> = GET.to_vec();
    fields.push(("x-big", &big));
    let mut result = Ok(());
    for i in 0..10 {
        let h = r.request(1 + 2 * i, &fields, true);
        result = r.feed(&h);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(Error::Flood(Flood::Resets)));
    assert_eq!(goaway_code(&r.drain()), Some(0xb)); // ENHANCE_YOUR_CALM
}

#[test]
fn zero_window_stall() {
    // The client opens no window at all and never will.
    let mut r = Raw::with_settings(
        Config::default(),
        &[Setting::new(SettingId::INITIAL_WINDOW_SIZE, 0)],
    );
    let h = r.request(1, GET, true);
    r.feed(&h).unwrap();
    let _ = r.events();
    r.server
        .send_response(StreamId::new(1), 200, &[], false)
        .unwrap();
    r.server
        .send_data(StreamId::new(1), Bytes::from(vec![0u8; 100_000]), true)
        .unwrap();
    r.drain();
    let due = r.server.poll_timeout().expect("stall timer");
    assert_eq!(due, Timestamp::ZERO + Duration::from_secs(30));
    r.now = due;
    r.server.handle_timeout(due).unwrap();
    let wire = r.drain();
    assert_eq!(resets(&wire), vec![(1, 0x8)]); // CANCEL
    assert!(r.events().contains(&Event::StreamReset {
        stream_id: StreamId::new(1),
        code: ErrorCode::CANCEL,
        remote: false
    }));
    assert_eq!(r.server.open_streams(), 0);
}

#[test]
fn ten_thousand_600_byte_data_frames_pass_with_defaults() {
    let mut p = Pair::new(
        Connection::client(Config::default()),
        Connection::server(Config::default()),
    );
    p.drive();
    let req = OutgoingRequest::new(b"POST", b"http", b"localhost", b"/upload");
    let id = p.client.machine.send_request(&req, false).unwrap();
    let chunk = Bytes::from(vec![1u8; 600]);
    let mut received = 0usize;
    let mut frames = 0usize;
    for i in 0..10_000 {
        p.client
            .machine
            .send_data(id, chunk.clone(), i == 9_999)
            .unwrap();
        if i % 100 == 99 {
            p.drive();
            for e in p.server.take_events() {
                if let Event::Data { data, .. } = e {
                    received += data.len();
                    frames += 1;
                }
            }
        }
    }
    p.drive();
    assert!(p.server.error.is_none() && p.client.error.is_none());
    assert_eq!(received, 6_000_000);
    assert_eq!(frames, 10_000);
}

#[test]
fn streams_beyond_the_limit_are_refused() {
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 2;
    let mut r = Raw::new(cfg);
    for id in [1, 3, 5] {
        let h = r.request(id, GET, true);
        r.feed(&h).unwrap();
    }
    assert_eq!(resets(&r.drain()), vec![(5, 0x7)]); // REFUSED_STREAM
    let ev = r.events();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Request { .. }))
            .count(),
        2
    );
    // Once one is answered, a new one is accepted.
    r.server
        .send_response(StreamId::new(1), 204, &[], true)
        .unwrap();
    r.drain();
    let h = r.request(7, GET, true);
    r.feed(&h).unwrap();
    assert!(
        r.events()
            .iter()
            .any(|e| matches!(e, Event::Request { stream_id, .. } if stream_id.get() == 7))
    );
}

#[test]
fn oversized_response_head_resets_the_stream_on_the_client() {
    // RFC 9113 §10.5.1: "a client can discard responses that it cannot process".
    let mut client = Connection::client(Config::default());
    let now = Timestamp::ZERO;
    let get = OutgoingRequest::new(b"GET", b"http", b"example.com", b"/");
    let id = client.send_request(&get, true).unwrap();
    let mut enc = fasterapi_hpack::Encoder::new(fasterapi_hpack::EncoderConfig::default());
    let mut wire = frame(&Frame::Settings {
        ack: false,
        settings: Settings::List(&[]),
    });
    let big = "r".repeat(20_000);
    let block = common::block(&mut enc, &[(":status", "200"), ("x-big", &big)]);
    wire.extend(headers(id.get(), &block, false, true));
    client.handle_input(now, &wire).unwrap();
    let ev: Vec<Event> = core::iter::from_fn(|| client.poll_event()).collect();
    assert!(ev.contains(&Event::HeaderListTooLarge { stream_id: id }));
    assert!(ev.contains(&Event::StreamReset {
        stream_id: id,
        code: ErrorCode::CANCEL,
        remote: false
    }));
    let mut out = vec![0u8; 65_536];
    let n = client.poll_transmit(now, &mut out);
    let sent = &out[fasterapi_http2::PREFACE.len()..n];
    assert!(resets(sent).contains(&(id.get(), 0x8)));
    // The next exchange on the same connection works.
    let next = client.send_request(&get, true).unwrap();
    let block = common::block(&mut enc, &[(":status", "204")]);
    client
        .handle_input(now, &headers(next.get(), &block, true, true))
        .unwrap();
    let ev: Vec<Event> = core::iter::from_fn(|| client.poll_event()).collect();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Response { stream_id, head, .. } if *stream_id == next && head.status == 204)),
        "{ev:?}"
    );
}
