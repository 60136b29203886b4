//! The HTTP/2 frame codec on arbitrary bytes: `RawFrame::parse` never panics, never reports
//! more octets than it was given, and every frame that parses re-emits to octets that parse
//! to the same frame.
#![no_main]

use fasterapi_http2::{Frame, FrameHeader, Parsed, RawFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max = 1 << 14;
    let mut rest = data;
    while let Ok(Parsed::Complete(raw, n)) = RawFrame::parse(rest, max) {
        assert!(n <= rest.len() && n >= 9);
        if let Ok(frame) = raw.frame() {
            let mut out = vec![0u8; frame.encoded_len()];
            assert_eq!(frame.emit(&mut out), Some(out.len()));
            let header = FrameHeader::parse(&out).unwrap();
            let again = Frame::parse(header, &out[9..]).unwrap();
            assert_eq!(again, frame);
            let short = out.len() - 1;
            assert!(frame.emit(&mut out[..short]).is_none());
        }
        rest = &rest[n..];
    }
});
