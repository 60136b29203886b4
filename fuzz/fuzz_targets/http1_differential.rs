//! Differential against httparse: where we accept a request head, httparse must accept it too
//! and agree on method, target, version and header fields. (We are stricter, so httparse may
//! accept what we reject.) Skipped: HTTP/1.2+ minors, which RFC 9110 §2.5 has us read as 1.1
//! and httparse rejects.
#![no_main]

use fasterapi_http1::{HeaderSlot, RequestParser, Status, Version};
use libfuzzer_sys::fuzz_target;

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let mut slots = [HeaderSlot::EMPTY; 64];
    let mut parser = RequestParser::default();
    let Ok(Status::Complete(ours)) = parser.parse(data, &mut slots) else { return };
    // The version follows the target and one SP.
    let target_end = ours.target().as_ptr() as usize - data.as_ptr() as usize + ours.target().len();
    let version_text = &data[target_end + 1..target_end + 9];
    if version_text != b"HTTP/1.1" && version_text != b"HTTP/1.0" {
        return;
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut theirs = httparse::Request::new(&mut headers);
    match theirs.parse(data) {
        Ok(httparse::Status::Complete(n)) => {
            assert_eq!(n, ours.head_len(), "head length");
            assert_eq!(theirs.method.map(str::as_bytes), Some(ours.method()), "method");
            assert_eq!(theirs.path.map(str::as_bytes), Some(ours.target()), "target");
            let v = match ours.version() {
                Version::Http10 => 0,
                Version::Http11 => 1,
            };
            assert_eq!(theirs.version, Some(v), "version");
            assert_eq!(theirs.headers.len(), ours.header_slots().len(), "header count");
            for (t, o) in theirs.headers.iter().zip(ours.headers()) {
                assert_eq!(t.name.as_bytes(), o.name, "header name");
                assert_eq!(trim(t.value), o.value, "header value");
            }
        }
        other => panic!("we accepted, httparse said {other:?}"),
    }
});
