//! Response heads: never panic; whole and split input agree; framing for every request method.
#![no_main]

use fasterapi_http1::{Config, HeaderSlot, ResponseParser, Status};
use libfuzzer_sys::fuzz_target;

fn summary(data: &[u8], config: Config, step: usize) -> Option<Result<(u16, usize), fasterapi_http1::Error>> {
    let mut parser = ResponseParser::new(config);
    let mut slots = [HeaderSlot::EMPTY; 64];
    let mut end = 0;
    loop {
        end = (end + step).min(data.len());
        match parser.parse(&data[..end], &mut slots) {
            Err(e) => return Some(Err(e)),
            Ok(Status::Complete(resp)) => {
                for method in [&b"GET"[..], b"HEAD", b"CONNECT", b"POST"] {
                    let _ = resp.body_kind(method);
                }
                assert!((100..=599).contains(&resp.status()));
                return Some(Ok((resp.status(), resp.head_len())));
            }
            Ok(Status::Partial) if end == data.len() => return None,
            Ok(Status::Partial) => {}
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&first, data)) = input.split_first() else { return };
    let step = usize::from(first % 32) + 1;
    let config = if first & 0x80 != 0 { Config::lenient() } else { Config::default() };
    assert_eq!(summary(data, config, data.len().max(1)), summary(data, config, step));
});
