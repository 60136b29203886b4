//! permessage-deflate inflation with a size limit: arbitrary bytes as the payload of a
//! compressed frame never panic, never yield a message over the limit, and fail only with
//! an inflate error (1007) or a size error (1009).
#![no_main]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_websocket::{
    Config, Connection, DeflateParams, Error, Event, FrameHeader, OpCode, apply_mask,
};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 64 << 10;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, payload)) = data.split_first() else {
        return;
    };
    let mut params = DeflateParams::default();
    params.client_no_context_takeover = ctl & 1 != 0;
    let config = Config::default()
        .deflate(Some(params))
        .max_message_size(LIMIT);
    let mut m = Connection::server(config);
    let mask = [ctl, 0x37, 0xfa, 0x21];
    let op = if ctl & 2 != 0 {
        OpCode::TEXT
    } else {
        OpCode::BINARY
    };
    let h = FrameHeader::new(op, payload.len() as u64)
        .rsv1(true)
        .mask(Some(mask));
    let mut frame = vec![0u8; h.encoded_len()];
    h.emit(&mut frame).unwrap();
    let mut p = payload.to_vec();
    apply_mask(&mut p, mask, 0);
    frame.extend_from_slice(&p);
    // The same message twice: context takeover carries state from the first to the second.
    frame.extend_from_within(..);
    let mut at = 0;
    while at < frame.len() {
        match m.handle_input(Timestamp::ZERO, &frame[at..]) {
            Ok(n) => at += n,
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::Inflate | Error::MessageTooLarge(_) | Error::InvalidUtf8
                    ),
                    "{e:?}"
                );
                break;
            }
        }
        while let Some(ev) = m.poll_event() {
            match ev {
                Event::Text(t) => assert!(t.len() as u64 <= LIMIT),
                Event::Binary(b) => assert!(b.len() as u64 <= LIMIT),
                other => panic!("unexpected {other:?}"),
            }
        }
        let mut sink = [0u8; 64];
        while m.poll_transmit(Timestamp::ZERO, &mut sink) > 0 {}
    }
});
