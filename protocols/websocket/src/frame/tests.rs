extern crate std;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;

fn server() -> ParseRules {
    ParseRules::new(Role::Server)
}

fn client() -> ParseRules {
    ParseRules::new(Role::Client)
}

#[test]
fn rfc_examples() {
    // RFC 6455 §5.7: an unmasked "Hello" from a server.
    let mut f = *b"\x81\x05Hello";
    let (frame, n) = parse_frame(&mut f, &client()).unwrap().unwrap();
    assert_eq!(n, 7);
    assert_eq!(frame.payload, b"Hello");
    assert!(frame.header.fin);
    // A masked "Hello" from a client.
    let mut f = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let (frame, _) = parse_frame(&mut f, &server()).unwrap().unwrap();
    assert_eq!(frame.payload, b"Hello");
    // A fragmented unmasked text message: "Hel" then "lo".
    let (h, _) = FrameHeader::parse(b"\x01\x03Hel", &client())
        .unwrap()
        .unwrap();
    assert!(!h.fin);
    assert_eq!(h.opcode, OpCode::TEXT);
    let (h, _) = FrameHeader::parse(b"\x80\x02lo", &client())
        .unwrap()
        .unwrap();
    assert_eq!(h.opcode, OpCode::CONTINUATION);
    // Unmasked ping with "Hello".
    let (h, _) = FrameHeader::parse(b"\x89\x05Hello", &client())
        .unwrap()
        .unwrap();
    assert_eq!(h.opcode, OpCode::PING);
    // 256 bytes binary in a single unmasked frame: 16-bit length.
    let (h, n) = FrameHeader::parse(&[0x82, 0x7E, 0x01, 0x00], &client())
        .unwrap()
        .unwrap();
    assert_eq!((h.payload_len, n), (256, 4));
    // 64 KiB: 64-bit length.
    let (h, n) = FrameHeader::parse(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0], &client())
        .unwrap()
        .unwrap();
    assert_eq!((h.payload_len, n), (65536, 10));
}

#[test]
fn partial_headers_need_more() {
    let full = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
    for i in 0..full.len() {
        assert_eq!(FrameHeader::parse(&full[..i], &server()), Ok(None), "{i}");
    }
    assert!(FrameHeader::parse(&full, &server()).unwrap().is_some());
}

#[test]
fn rule_violations() {
    let s = server();
    assert_eq!(
        FrameHeader::parse(&[0x83, 0x80], &s),
        Err(FrameError::ReservedOpcode(3))
    );
    assert_eq!(
        FrameHeader::parse(&[0x8B, 0x80], &s),
        Err(FrameError::ReservedOpcode(0xB))
    );
    assert_eq!(
        FrameHeader::parse(&[0xA1, 0x80], &s),
        Err(FrameError::ReservedBits)
    );
    assert_eq!(
        FrameHeader::parse(&[0x91, 0x80], &s),
        Err(FrameError::ReservedBits)
    );
    assert_eq!(
        FrameHeader::parse(&[0xC1, 0x80], &s),
        Err(FrameError::ReservedBits)
    );
    let pmd = s.allow_rsv1(true);
    assert!(
        FrameHeader::parse(&[0xC1, 0x80, 0, 0, 0, 0], &pmd)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        FrameHeader::parse(&[0xC9, 0x80], &pmd),
        Err(FrameError::Rsv1OnNonDataStart)
    );
    assert_eq!(
        FrameHeader::parse(&[0xC0, 0x80], &pmd),
        Err(FrameError::Rsv1OnNonDataStart)
    );
    assert_eq!(
        FrameHeader::parse(&[0x09, 0x80], &s),
        Err(FrameError::FragmentedControl)
    );
    assert_eq!(
        FrameHeader::parse(&[0x89, 0xFE], &s),
        Err(FrameError::ControlTooLong(126))
    );
    assert_eq!(
        FrameHeader::parse(&[0x81, 0x00], &s),
        Err(FrameError::Unmasked)
    );
    assert_eq!(
        FrameHeader::parse(&[0x81, 0x80], &client()),
        Err(FrameError::Masked)
    );
    assert_eq!(
        FrameHeader::parse(&[0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], &s),
        Err(FrameError::LengthOverflow)
    );
    assert_eq!(
        FrameHeader::parse(&[0x82, 0xFE, 0x10, 0x00], &s.max_payload(100)),
        Err(FrameError::TooLarge(4096))
    );
}

fn opcode() -> impl Strategy<Value = OpCode> {
    prop_oneof![
        Just(OpCode::CONTINUATION),
        Just(OpCode::TEXT),
        Just(OpCode::BINARY),
        Just(OpCode::CLOSE),
        Just(OpCode::PING),
        Just(OpCode::PONG),
    ]
}

proptest! {
    #[test]
    fn emit_parse_round_trip(
        op in opcode(),
        fin in any::<bool>(),
        len in prop_oneof![0u64..130, 120u64..70000, 0u64..(1 << 40)],
        mask in any::<Option<[u8; 4]>>(),
        rsv1 in any::<bool>(),
    ) {
        let control = op.is_control();
        let len = if control { len % 126 } else { len };
        let fin = fin || control;
        let rsv1 = rsv1 && (op == OpCode::TEXT || op == OpCode::BINARY);
        let h = FrameHeader::new(op, len).fin(fin).rsv1(rsv1).mask(mask);
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = h.emit(&mut buf).unwrap();
        prop_assert_eq!(n, h.encoded_len());
        let role = if mask.is_some() { Role::Server } else { Role::Client };
        let rules = ParseRules::new(role).allow_rsv1(true);
        prop_assert_eq!(FrameHeader::parse(&buf[..n], &rules), Ok(Some((h, n))));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20), server_role in any::<bool>()) {
        let role = if server_role { Role::Server } else { Role::Client };
        let mut b: Vec<u8> = bytes;
        let _ = parse_frame(&mut b, &ParseRules::new(role).allow_rsv1(true));
    }
}
