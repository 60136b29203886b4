//! The frame codec on arbitrary bytes: never panics; a header that parses re-encodes to the
//! same bytes when its length used the shortest form, and parsing a prefix never disagrees
//! with parsing the whole (a prefix is either "need more" or the same header).
#![no_main]

use fasterapi_websocket::{FrameHeader, ParseRules, Role, parse_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let role = if ctl & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let rules = ParseRules::new(role)
        .allow_rsv1(ctl & 2 != 0)
        .max_payload(u64::from(ctl) << 8);
    let whole = FrameHeader::parse(rest, &rules);
    for cut in 0..rest.len().min(14) {
        match FrameHeader::parse(&rest[..cut], &rules) {
            Ok(None) => {}
            Ok(Some(h)) => assert_eq!(Ok(Some(h)), whole),
            Err(e) => assert_eq!(Err(e), whole),
        }
    }
    if let Ok(Some((h, len))) = whole {
        let mut buf = [0u8; 14];
        let n = h.emit(&mut buf).expect("14 bytes fit any header");
        assert_eq!(n, h.encoded_len());
        if n == len {
            assert_eq!(&buf[..n], &rest[..len]);
        }
    }
    let mut copy = rest.to_vec();
    let _ = parse_frame(&mut copy, &rules);
});
