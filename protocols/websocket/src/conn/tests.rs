extern crate std;
use std::string::String;
use std::vec;
use std::vec::Vec;

use core::time::Duration;

use fasterapi_core::testing::{InputPath, Pair};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use proptest::prelude::*;

use super::*;

/// A deterministic "random" source for tests.
fn counter_rng() -> impl RandomSource + Send + 'static {
    let mut n: u8 = 0;
    move |buf: &mut [u8]| {
        for b in buf {
            n = n.wrapping_mul(31).wrapping_add(17);
            *b = n;
        }
    }
}

/// A client-to-server frame (masked).
fn cframe(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0xA1, 0xB2, 0xC3, 0xD4];
    let op = OpCode::new(first & 0x0F);
    let h = FrameHeader::new(op, payload.len() as u64)
        .fin(first & 0x80 != 0)
        .rsv1(first & 0x40 != 0)
        .mask(Some(mask));
    let mut out = vec![0; h.encoded_len()];
    h.emit(&mut out).unwrap();
    let mut p = payload.to_vec();
    crate::apply_mask(&mut p, mask, 0);
    out.extend_from_slice(&p);
    out
}

fn drain(c: &mut Connection) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = c.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
    }
}

fn events(c: &mut Connection) -> Vec<Event> {
    core::iter::from_fn(|| c.poll_event()).collect()
}

fn feed(c: &mut Connection, bytes: &[u8]) -> Result<(), Error> {
    c.handle_leftover(Timestamp::ZERO, bytes)
}

/// The close frame a server sends with `code`.
fn server_close(code: u16) -> Vec<u8> {
    let mut v = vec![0x88, 0x02];
    v.extend_from_slice(&code.to_be_bytes());
    v
}

#[test]
fn fragments_with_interleaved_control_frames() {
    let mut s = Connection::server(Config::default());
    let mut input = cframe(0x01, b"Hel");
    input.extend(cframe(0x89, b"ping!"));
    input.extend(cframe(0x00, b"lo, "));
    input.extend(cframe(0x8A, b"pong"));
    input.extend(cframe(0x80, "wörld".as_bytes()));
    feed(&mut s, &input).unwrap();
    assert_eq!(
        events(&mut s),
        [
            Event::Ping(b"ping!".to_vec()),
            Event::Pong(b"pong".to_vec()),
            Event::Text("Hello, wörld".into()),
        ]
    );
    // The automatic pong.
    assert_eq!(drain(&mut s), b"\x8A\x05ping!");
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut s = Connection::server(Config::default().auto_pong(false));
    feed(&mut s, &cframe(0x89, b"x")).unwrap();
    assert_eq!(events(&mut s), [Event::Ping(b"x".to_vec())]);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn invalid_utf8_fails_fast_with_1007() {
    let mut s = Connection::server(Config::default());
    // The first fragment is valid, the second starts a sequence that can never be valid; the
    // message never finishes, yet the error comes at once.
    feed(&mut s, &cframe(0x01, b"ok")).unwrap();
    let e = feed(&mut s, &cframe(0x00, b"\xF4\x90\x80")).unwrap_err();
    assert_eq!(e, Error::InvalidUtf8);
    assert_eq!(drain(&mut s), server_close(1007));
    assert!(s.is_closed());
}

#[test]
fn invalid_utf8_inside_an_incomplete_frame_fails_at_once() {
    let mut s = Connection::server(Config::default());
    let frame = cframe(0x81, b"abc\xEDxyz-more-bytes");
    // Only the header and the bad bytes so far.
    let e = feed(&mut s, &frame[..6 + 5]).unwrap_err();
    assert_eq!(e, Error::InvalidUtf8);
}

#[test]
fn fragment_order_rules() {
    let mut s = Connection::server(Config::default());
    assert_eq!(
        feed(&mut s, &cframe(0x80, b"x")),
        Err(Error::UnexpectedContinuation)
    );
    assert_eq!(drain(&mut s), server_close(1002));
    let mut s = Connection::server(Config::default());
    feed(&mut s, &cframe(0x01, b"x")).unwrap();
    assert_eq!(
        feed(&mut s, &cframe(0x81, b"y")),
        Err(Error::ExpectedContinuation)
    );
}

#[test]
fn close_handshake_initiated_by_the_peer() {
    let mut s = Connection::server(Config::default());
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    feed(&mut s, &cframe(0x88, &payload)).unwrap();
    assert_eq!(
        events(&mut s),
        [Event::Close {
            code: Some(CloseCode::NORMAL),
            reason: "bye".into()
        }]
    );
    assert_eq!(drain(&mut s), server_close(1000));
    assert!(s.is_closed());
    assert_eq!(s.send_text("late"), Err(Error::Closed));
    // Bytes after the close are dropped.
    feed(&mut s, &cframe(0x81, b"ignored")).unwrap();
    assert!(events(&mut s).is_empty());
}

#[test]
fn close_codes_on_receipt() {
    for (code, answer) in [
        (1000u16, 1000u16),
        (1003, 1003),
        (1004, 1002),
        (1005, 1002),
        (1006, 1002),
        (1015, 1002),
        (1016, 1002),
        (2999, 1002),
        (3000, 3000),
        (4999, 4999),
        (5000, 1002),
        (0, 1002),
    ] {
        let mut s = Connection::server(Config::default());
        let _ = feed(&mut s, &cframe(0x88, &code.to_be_bytes()));
        assert_eq!(drain(&mut s), server_close(answer), "code {code}");
    }
    let mut s = Connection::server(Config::default());
    assert!(feed(&mut s, &cframe(0x88, b"\x03")).is_err());
    assert_eq!(drain(&mut s), server_close(1002));
    let mut s = Connection::server(Config::default());
    assert!(feed(&mut s, &cframe(0x88, b"\x03\xE8\xFF")).is_err());
    assert_eq!(drain(&mut s), server_close(1007));
    // An empty close is answered with an empty close.
    let mut s = Connection::server(Config::default());
    feed(&mut s, &cframe(0x88, b"")).unwrap();
    assert_eq!(drain(&mut s), b"\x88\x00");
}

#[test]
fn close_timeout() {
    let mut c = Connection::client(
        Config::default().close_timeout(Duration::from_secs(2)),
        counter_rng(),
    );
    c.close_with(Timestamp::from_secs(10), CloseCode::GOING_AWAY, "restart")
        .unwrap();
    assert_eq!(c.poll_timeout(), Some(Timestamp::from_secs(12)));
    assert!(c.handle_timeout(Timestamp::from_secs(11)).is_ok());
    assert!(!c.is_closed());
    assert_eq!(
        c.handle_timeout(Timestamp::from_secs(12)),
        Err(Error::CloseTimeout)
    );
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn invalid_local_actions() {
    let mut s = Connection::server(Config::default());
    assert_eq!(
        s.send_ping(&[0; 126]),
        Err(Error::ControlPayloadTooLong(126))
    );
    assert_eq!(
        s.close_with(Timestamp::ZERO, CloseCode::NO_STATUS, ""),
        Err(Error::InvalidCloseCode(CloseCode::NO_STATUS))
    );
    s.close(Timestamp::ZERO);
    s.close(Timestamp::ZERO);
    assert_eq!(drain(&mut s), server_close(1000));
    assert_eq!(s.send_binary(b"x"), Err(Error::Closed));
}

#[test]
fn limits_answer_1009() {
    let cfg = Config::default().max_frame_size(100).max_message_size(150);
    let mut s = Connection::server(cfg.clone());
    assert_eq!(
        feed(&mut s, &cframe(0x82, &[0; 101])),
        Err(Error::FrameTooLarge(101))
    );
    assert_eq!(drain(&mut s), server_close(1009));
    let mut s = Connection::server(cfg);
    feed(&mut s, &cframe(0x02, &[0; 100])).unwrap();
    assert_eq!(
        feed(&mut s, &cframe(0x80, &[0; 60])),
        Err(Error::MessageTooLarge(160))
    );
    assert_eq!(drain(&mut s), server_close(1009));
}

#[test]
fn eof_without_close_is_an_error() {
    let mut s = Connection::server(Config::default());
    assert_eq!(s.handle_eof(Timestamp::ZERO), Err(Error::UnexpectedEof));
    assert!(s.is_closed());
    // 1006 is never sent.
    assert!(drain(&mut s).is_empty());
}

#[test]
fn client_masks_and_server_does_not() {
    let mut c = Connection::client(Config::default(), counter_rng());
    c.send_text("hi").unwrap();
    let wire = drain(&mut c);
    assert_eq!(wire[1] & 0x80, 0x80);
    let mut s = Connection::server(Config::default());
    feed(&mut s, &wire).unwrap();
    assert_eq!(events(&mut s), [Event::Text("hi".into())]);
    // A client refuses a masked frame.
    let mut c = Connection::client(Config::default(), counter_rng());
    assert_eq!(
        feed(&mut c, &cframe(0x81, b"x")),
        Err(Error::Frame(crate::FrameError::Masked))
    );
}

#[test]
fn large_payloads_go_out_without_a_copy() {
    let mut s = Connection::server(Config::default());
    let big = vec![7u8; 100_000];
    s.send_text("small").unwrap();
    s.send_binary_vec(big.clone()).unwrap();
    let mut buf = [0u8; 64];
    let t = s.poll_transmit_vectored(Timestamp::ZERO, &mut buf);
    assert_eq!(&buf[..t.len], b"\x81\x05small");
    assert!(t.payload.is_none());
    let t = s.poll_transmit_vectored(Timestamp::ZERO, &mut buf);
    assert_eq!(&buf[..t.len], &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0x86, 0xA0]);
    assert_eq!(t.payload.unwrap().as_ref(), &big[..]);
    assert!(
        s.poll_transmit_vectored(Timestamp::ZERO, &mut buf)
            .is_empty()
    );
}

fn script() -> Vec<u8> {
    let mut input = cframe(0x01, "frag".as_bytes());
    input.extend(cframe(0x89, b""));
    input.extend(cframe(0x80, "mented ✓".as_bytes()));
    input.extend(cframe(0x82, &[9; 300]));
    input.extend(cframe(0x82, &[1; 70_000]));
    input.extend(cframe(0x88, &1001u16.to_be_bytes()));
    input
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn same_events_however_the_input_is_split(cuts in proptest::collection::vec(0usize..71_000, 0..8)) {
        let input = script();
        let mut whole = Connection::server(Config::default().read_buffer(1024));
        feed(&mut whole, &input).unwrap();
        let want = events(&mut whole);
        prop_assert_eq!(want.len(), 5);
        let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= input.len()).collect();
        cuts.sort_unstable();
        let mut s = Connection::server(Config::default().read_buffer(1024));
        let mut got = Vec::new();
        let mut last = 0;
        for c in cuts.into_iter().chain([input.len()]) {
            feed(&mut s, &input[last..c]).unwrap();
            got.extend(events(&mut s));
            last = c;
        }
        prop_assert_eq!(got, want);
    }
}

#[test]
fn byte_by_byte_through_the_pair() {
    for (chunk, path) in [
        (1, InputPath::HandleInput),
        (3, InputPath::ZeroCopy),
        (4096, InputPath::ZeroCopy),
    ] {
        let mut p = Pair::new(
            Connection::client(Config::default(), counter_rng()),
            Connection::server(Config::default()),
        )
        .with_chunk_size(chunk)
        .with_input_paths(path, path);
        p.client.machine.send_text("hello").unwrap();
        p.client.machine.send_binary(&[3; 5000]).unwrap();
        p.client.machine.send_ping(b"p").unwrap();
        p.drive();
        assert_eq!(
            p.server.take_events(),
            [
                Event::Text("hello".into()),
                Event::Binary(vec![3; 5000]),
                Event::Ping(b"p".to_vec())
            ]
        );
        assert_eq!(p.client.take_events(), [Event::Pong(b"p".to_vec())]);
        p.client.machine.close(p.now());
        p.drive();
        assert!(p.client.is_closed() && p.server.is_closed());
        assert!(p.client.error.is_none() && p.server.error.is_none());
        assert_eq!(
            p.server.take_events(),
            [Event::Close {
                code: Some(CloseCode::NORMAL),
                reason: String::new()
            }]
        );
    }
}

#[test]
fn peer_that_never_answers_close_times_out_on_the_virtual_clock() {
    let mut c = Connection::client(Config::default(), counter_rng());
    c.close(Timestamp::ZERO);
    let _ = drain(&mut c);
    let t = c.poll_timeout().unwrap();
    assert_eq!(t, Timestamp::from_secs(5));
    assert_eq!(c.handle_timeout(t), Err(Error::CloseTimeout));
}

#[cfg(feature = "deflate")]
mod deflate {
    use super::*;
    use crate::DeflateParams;

    fn pmd_pair(params: DeflateParams) -> Pair<Connection, Connection> {
        let cfg = Config::default().deflate(Some(params));
        Pair::new(
            Connection::client(cfg.clone(), counter_rng()),
            Connection::server(cfg),
        )
    }

    #[test]
    fn round_trip_with_every_parameter() {
        for snct in [false, true] {
            for cnct in [false, true] {
                for bits in [8, 9, 12, 15] {
                    let params = DeflateParams {
                        server_no_context_takeover: snct,
                        client_no_context_takeover: cnct,
                        server_max_window_bits: bits,
                        client_max_window_bits: bits,
                    };
                    let mut p = pmd_pair(params).with_chunk_size(777);
                    let text: String = (0..2000)
                        .map(|i| char::from(b'a' + (i % 7) as u8))
                        .collect();
                    for _ in 0..3 {
                        p.client.machine.send_text(&text).unwrap();
                        p.server.machine.send_binary(text.as_bytes()).unwrap();
                        p.client.machine.send_binary(b"").unwrap();
                    }
                    p.drive();
                    let want = [Event::Text(text.clone()), Event::Binary(Vec::new())];
                    let got = p.server.take_events();
                    assert_eq!(
                        got.len(),
                        6,
                        "{snct} {cnct} {bits} {:?} {:?}",
                        p.server.error,
                        p.client.error
                    );
                    assert_eq!(&got[..2], &want);
                    assert!(
                        p.client
                            .take_events()
                            .iter()
                            .all(|e| *e == Event::Binary(text.clone().into_bytes()))
                    );
                    assert!(p.server.error.is_none() && p.client.error.is_none());
                }
            }
        }
    }

    #[test]
    fn deflate_bomb_stops_at_the_limit() {
        let params = DeflateParams::default();
        let mut c = crate::deflate::Codec::new(Role::Client, &params, 9);
        let bomb = c.compress(&vec![0u8; 10 << 20]);
        assert!(bomb.len() < 20_000);
        let cfg = Config::default()
            .deflate(Some(params))
            .max_message_size(1 << 20);
        let mut s = Connection::server(cfg);
        let e = feed(&mut s, &cframe(0xC2, &bomb)).unwrap_err();
        assert!(
            matches!(e, Error::MessageTooLarge(n) if n <= (1 << 20) + 1),
            "{e:?}"
        );
        assert_eq!(drain(&mut s), server_close(1009));
    }

    #[test]
    fn garbage_does_not_inflate() {
        let cfg = Config::default().deflate(Some(DeflateParams::default()));
        let mut s = Connection::server(cfg);
        let e = feed(&mut s, &cframe(0xC1, &[0xFF; 40])).unwrap_err();
        assert_eq!(e, Error::Inflate);
        assert_eq!(drain(&mut s), server_close(1007));
    }
}

#[test]
fn shared_bytes_go_out_without_a_copy() {
    let big = Bytes::from(vec![5u8; 50_000]);
    let mut s = Connection::server(Config::default());
    s.send_bytes(big.clone()).unwrap();
    let mut buf = [0u8; 16];
    let t = s.poll_transmit_vectored(Timestamp::ZERO, &mut buf);
    assert_eq!(&buf[..t.len], &[0x82, 0x7E, 0xC3, 0x50]);
    let payload = t.payload.unwrap();
    // The very same allocation, not a copy.
    assert_eq!(payload.as_ref().as_ptr(), big.as_ptr());
    // A client must mask, so it copies; the bytes on the wire still decode.
    let mut c = Connection::client(Config::default(), counter_rng());
    c.send_bytes(big.clone()).unwrap();
    let wire = drain(&mut c);
    let mut server = Connection::server(Config::default());
    feed(&mut server, &wire).unwrap();
    assert_eq!(events(&mut server), [Event::Binary(big.to_vec())]);
}

#[test]
fn poll_message_shares_the_receive_buffer() {
    let mut c = Connection::server(Config::default());
    let mut wire = cframe(0x81, "héllo".as_bytes());
    wire.extend(cframe(0x82, &[1, 2, 3]));
    wire.extend(cframe(0x89, b"p"));
    // A fragmented text message with a ping in the middle.
    wire.extend(cframe(0x01, "wör".as_bytes()));
    wire.extend(cframe(0x89, b"q"));
    wire.extend(cframe(0x80, "ld".as_bytes()));
    feed(&mut c, &wire).unwrap();
    let Some(Message::Text(a)) = c.poll_message() else {
        panic!("text expected")
    };
    let Some(Message::Binary(b)) = c.poll_message() else {
        panic!("binary expected")
    };
    assert_eq!(&*a, "héllo");
    assert_eq!(&b[..], &[1, 2, 3]);
    // Both are slices of one allocation (the arena), next to each other.
    assert_eq!(a.as_bytes().as_ptr().wrapping_add(a.len()), b.as_ptr());
    assert_eq!(
        c.poll_message(),
        Some(Message::Ping(Bytes::from_static(b"p")))
    );
    assert_eq!(
        c.poll_message(),
        Some(Message::Ping(Bytes::from_static(b"q")))
    );
    assert_eq!(c.poll_message(), Some(Message::Text(Text::from("wörld"))));
    assert_eq!(c.poll_message(), None);
    // The messages outlive later input that reuses the arena.
    feed(&mut c, &cframe(0x81, b"next")).unwrap();
    assert_eq!(events(&mut c), [Event::Text("next".into())]);
    assert_eq!(&*a, "héllo");
}

#[test]
fn poll_message_large_binary_owns_its_buffer() {
    let mut c = Connection::server(Config::default());
    let payload: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    feed(&mut c, &cframe(0x82, &payload)).unwrap();
    let Some(Message::Binary(b)) = c.poll_message() else {
        panic!("binary expected")
    };
    let ptr = b.as_ptr();
    let v = Vec::from(b);
    assert_eq!(v, payload);
    assert_eq!(
        v.as_ptr(),
        ptr,
        "a large message converts to a Vec without a copy"
    );
}

#[test]
fn poll_message_invalid_utf8_single_frame_fails_1007() {
    let mut c = Connection::server(Config::default());
    assert_eq!(
        feed(&mut c, &cframe(0x81, b"ok\xff")),
        Err(Error::InvalidUtf8)
    );
    assert_eq!(c.poll_message(), None);
    assert_eq!(drain(&mut c), b"\x88\x02\x03\xef");
}

#[test]
fn poll_message_close_reason_is_text() {
    let mut c = Connection::server(Config::default());
    feed(&mut c, &cframe(0x88, b"\x03\xe8bye")).unwrap();
    assert_eq!(
        c.poll_message(),
        Some(Message::Close {
            code: Some(CloseCode::NORMAL),
            reason: Text::from("bye")
        })
    );
}
