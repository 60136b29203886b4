extern crate std;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;

fn parse_one(wire: &[u8]) -> Result<(Frame<'_>, usize), FrameError> {
    match RawFrame::parse(wire, MAX_MAX_FRAME_SIZE)? {
        Parsed::Complete(raw, n) => Ok((raw.frame()?, n)),
        Parsed::Partial(n) => panic!("partial, need {n}"),
    }
}

fn roundtrip(f: Frame<'_>) {
    let mut buf = [0u8; 2048];
    let n = f.emit(&mut buf).expect("fits");
    assert_eq!(n, f.encoded_len());
    let (back, used) = parse_one(&buf[..n]).expect("parses");
    assert_eq!(used, n);
    assert_eq!(back, f);
    // every shorter prefix is partial, never an error
    for cut in 0..n {
        assert!(matches!(
            RawFrame::parse(&buf[..cut], MAX_MAX_FRAME_SIZE),
            Ok(Parsed::Partial(_))
        ));
    }
}

#[test]
fn rfc_example_settings_and_ping() {
    // SETTINGS with MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=65535.
    let wire = [
        0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff,
    ];
    let (f, _) = parse_one(&wire).unwrap();
    let Frame::Settings { ack, settings } = f else {
        panic!("{f:?}")
    };
    assert!(!ack);
    let v: [Setting; 2] = [
        Setting::new(SettingId::MAX_CONCURRENT_STREAMS, 100),
        Setting::new(SettingId::INITIAL_WINDOW_SIZE, 65535),
    ];
    assert_eq!(settings, Settings::List(&v));
}

#[test]
fn oversized_frame_is_refused_before_its_payload() {
    let wire = [0, 0x40, 1, 0, 0, 0, 0, 0, 1];
    assert_eq!(
        RawFrame::parse(&wire, DEFAULT_MAX_FRAME_SIZE),
        Err(FrameError::FrameTooLarge {
            length: 16385,
            max: 16384
        })
    );
}

#[test]
fn validation_errors_carry_their_reaction() {
    // DATA on stream 0
    let e = parse_one(&[0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR);
    // padding longer than the payload
    let e = parse_one(&[0, 0, 2, 0, flags::PADDED, 0, 0, 0, 1, 2, 0]).unwrap_err();
    assert_eq!(
        e,
        FrameError::BadPadding {
            kind: FrameType::DATA
        }
    );
    // padding exactly filling the rest is fine: empty data
    let (f, _) = parse_one(&[0, 0, 2, 0, flags::PADDED, 0, 0, 0, 1, 1, 0]).unwrap();
    assert_eq!(f.flow_controlled_len(), 2);
    // PING of 7 octets
    let e = parse_one(&[0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::FRAME_SIZE_ERROR);
    // PRIORITY of 4 octets is a stream error
    let e = parse_one(&[0, 0, 4, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.stream(), Some(StreamId::new(3)));
    // WINDOW_UPDATE of 0: stream error on a stream, connection error on 0
    let e = parse_one(&[0, 0, 4, 8, 0, 0, 0, 0, 3, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.stream(), Some(StreamId::new(3)));
    let e = parse_one(&[0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.stream(), None);
    // SETTINGS ACK with payload; INITIAL_WINDOW_SIZE too large; ENABLE_PUSH 2
    let e = parse_one(&[0, 0, 6, 4, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e, FrameError::SettingsAckWithPayload);
    let e = parse_one(&[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0x80, 0, 0, 0]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::FLOW_CONTROL_ERROR);
    let e = parse_one(&[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR);
    let e = parse_one(&[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0x10, 0]).unwrap_err();
    assert!(matches!(e, FrameError::BadSetting { .. }));
    // SETTINGS of 5 octets; SETTINGS on a stream
    assert!(parse_one(&[0, 0, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    assert!(parse_one(&[0, 0, 0, 4, 0, 0, 0, 0, 1]).is_err());
    // unknown setting ids are accepted
    assert!(
        parse_one(&[
            0, 0, 6, 4, 0, 0, 0, 0, 0, 0xab, 0xcd, 0xff, 0xff, 0xff, 0xff
        ])
        .is_ok()
    );
    // PRIORITY_UPDATE on a stream
    assert!(parse_one(&[0, 0, 4, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 1]).is_err());
}

#[test]
fn unknown_types_and_flags_are_kept() {
    let (f, _) = parse_one(&[0, 0, 2, 0xfa, 0xff, 0, 0, 0, 7, 1, 2]).unwrap();
    assert_eq!(f.kind(), FrameType::new(0xfa));
    assert!(matches!(
        f,
        Frame::Unknown {
            payload: [1, 2],
            ..
        }
    ));
    // Unknown flags on PING are ignored.
    let (f, _) = parse_one(&[0, 0, 8, 6, 0xfe, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    assert_eq!(
        f,
        Frame::Ping {
            ack: false,
            data: [1, 2, 3, 4, 5, 6, 7, 8]
        }
    );
    // The reserved bit of the stream id is ignored.
    let (f, _) = parse_one(&[0, 0, 0, 0, 0, 0x80, 0, 0, 1]).unwrap();
    assert_eq!(f.stream_id(), StreamId::new(1));
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn sid() -> impl Strategy<Value = StreamId> {
    (1u32..=0x7fff_ffff).prop_map(StreamId::new)
}

fn spec() -> impl Strategy<Value = PrioritySpec> {
    (any::<bool>(), 0u32..0x7fff_ffff, any::<u8>()).prop_map(|(exclusive, d, weight)| {
        PrioritySpec {
            exclusive,
            dependency: StreamId::new(d),
            weight,
        }
    })
}

proptest! {
    #[test]
    fn data_and_headers_round_trip(id in sid(), a in bytes(300), es: bool, eh: bool,
                                   pad in proptest::option::of(any::<u8>()),
                                   prio in proptest::option::of(spec())) {
        roundtrip(Frame::Data { stream_id: id, data: &a, end_stream: es, padding: pad });
        roundtrip(Frame::Headers { stream_id: id, priority: prio, fragment: &a, end_stream: es,
                                   end_headers: eh, padding: pad });
        roundtrip(Frame::Continuation { stream_id: id, fragment: &a, end_headers: eh });
        roundtrip(Frame::PushPromise { stream_id: id, promised_id: id, fragment: &a,
                                       end_headers: eh, padding: pad });
    }

    #[test]
    fn control_frames_round_trip(id in sid(), code: u32, data: [u8; 8], ack: bool,
                                 inc in 1u32..=0x7fff_ffff, dbg in bytes(100), p in spec(),
                                 ids in proptest::collection::vec((any::<u16>(), any::<u32>()), 0..8)) {
        roundtrip(Frame::RstStream { stream_id: id, code: ErrorCode::new(code) });
        roundtrip(Frame::Ping { ack, data });
        roundtrip(Frame::GoAway { last_stream_id: id, code: ErrorCode::new(code), debug: &dbg });
        roundtrip(Frame::WindowUpdate { stream_id: id, increment: inc });
        roundtrip(Frame::WindowUpdate { stream_id: StreamId::CONNECTION, increment: inc });
        roundtrip(Frame::Priority { stream_id: id, spec: p });
        roundtrip(Frame::PriorityUpdate { prioritized_id: id, field_value: &dbg });
        let list: Vec<Setting> = ids.iter()
            .map(|&(i, v)| Setting::new(SettingId::new(i), v))
            .filter(|s| s.validate().is_ok())
            .collect();
        roundtrip(Frame::Settings { ack: false, settings: Settings::List(&list) });
        roundtrip(Frame::Settings { ack: true, settings: Settings::List(&[]) });
    }

    #[test]
    fn arbitrary_input_never_panics(wire in bytes(64)) {
        if let Ok(Parsed::Complete(raw, n)) = RawFrame::parse(&wire, 64) {
            prop_assert!(n <= wire.len());
            if let Ok(f) = raw.frame() {
                // what parses re-emits to a frame that parses to the same thing
                let mut buf = [0u8; 128];
                let m = f.emit(&mut buf).unwrap();
                let again = Frame::parse(FrameHeader::parse(&buf).unwrap(), &buf[9..m]).unwrap();
                prop_assert_eq!(again, f);
            }
        }
    }
}
