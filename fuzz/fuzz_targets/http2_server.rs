//! The HTTP/2 server machine under random frames, bytes, actions, buffer sizes and time.
#![no_main]

#[path = "http2_machine/mod.rs"]
mod machine;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|ops: Vec<machine::Op>| machine::run(fasterapi_http2::Role::Server, ops));
