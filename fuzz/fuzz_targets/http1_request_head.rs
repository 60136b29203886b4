//! Request heads: never panic; whole input and split input give the same result; a complete
//! head's framing is computed without panicking; strict acceptance implies lenient acceptance.
#![no_main]

use fasterapi_http1::{Config, HeaderSlot, RequestParser, Status};
use libfuzzer_sys::fuzz_target;

/// Owned summary of a parse, for comparing runs.
fn summary(data: &[u8], config: Config, step: usize) -> Option<Result<(usize, usize), fasterapi_http1::Error>> {
    let mut parser = RequestParser::new(config);
    let mut slots = [HeaderSlot::EMPTY; 64];
    let mut end = 0;
    loop {
        end = (end + step).min(data.len());
        match parser.parse(&data[..end], &mut slots) {
            Err(e) => return Some(Err(e)),
            Ok(Status::Complete(req)) => {
                let _ = req.body_kind();
                for h in req.headers() {
                    assert!(!h.name.is_empty());
                }
                return Some(Ok((req.head_len(), req.header_slots().len())));
            }
            Ok(Status::Partial) if end == data.len() => return None,
            Ok(Status::Partial) => {}
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&first, data)) = input.split_first() else { return };
    let step = usize::from(first % 32) + 1;
    let whole = summary(data, Config::default(), data.len().max(1));
    let split = summary(data, Config::default(), step);
    assert_eq!(whole, split, "split-dependent result");
    if let Some(Ok(_)) = whole {
        let lenient = summary(data, Config::lenient(), step);
        assert!(matches!(lenient, Some(Ok(_))), "strict accepted, lenient did not: {lenient:?}");
    }
});
