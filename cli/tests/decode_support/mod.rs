//! Running the `fasterapi` binary as a black box, shared by the `decode` tests.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs `fasterapi ARGS` with `stdin` as its standard input.
pub(crate) fn fasterapi(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fasterapi");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Runs `fasterapi decode CODEC ARGS`.
pub(crate) fn decode(codec: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut all = vec!["decode", codec];
    all.extend_from_slice(args);
    fasterapi(&all, stdin)
}

/// Standard output parsed as JSON Lines.
pub(crate) fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Bytes as text, lossily.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
