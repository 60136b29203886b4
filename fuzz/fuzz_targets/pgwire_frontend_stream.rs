//! The codec as a server or proxy reads it: arbitrary client bytes through the frontend
//! `MessageReader` (startup phase, then tagged messages). Never panics; every message that
//! parses re-emits to exactly its bytes, and the `p` family reads in every context.
#![no_main]

use fasterapi_pgwire::codec::{Direction, Frontend, Message, MessageReader, Startup};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = MessageReader::new(Direction::Frontend, 1 << 16);
    let mut at = 0;
    while let Ok(Some((msg, n))) = reader.next(&data[at..]) {
        let mut out = Vec::new();
        match msg {
            Message::Startup(s) => {
                s.emit(&mut out);
                if let Startup::Startup { params, .. } = s {
                    for p in params.iter() {
                        assert!(!p.name.is_empty());
                    }
                }
            }
            Message::Frontend(f) => {
                f.emit(&mut out);
                if let Frontend::AuthResponse(r) = f {
                    let _ = r.password();
                    let _ = r.sasl_initial();
                }
            }
            _ => unreachable!("the frontend direction reads no backend messages"),
        }
        assert_eq!(&out[..], &data[at..at + n]);
        at += n;
    }
});
