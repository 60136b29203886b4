//! The `fasterapi` binary as a black box: exit codes and output shapes of docs/cli.md.

mod decode_support;

use decode_support::{fasterapi, text};

#[test]
fn decode_help_lists_codecs_and_exit_codes() {
    let out = fasterapi(&["decode", "--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("Codecs:"), "{help}");
    assert!(
        help.contains("Exit codes: 0 ok, 2 protocol error, 64 usage"),
        "{help}"
    );
}

#[test]
fn unknown_codec_is_a_usage_error() {
    let out = fasterapi(&["decode", "no-such-codec"], b"");
    assert_eq!(out.status.code(), Some(64));
    let err = text(&out.stderr);
    assert!(err.contains("invalid value 'no-such-codec'"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_flag_and_missing_command_are_usage_errors() {
    assert_eq!(
        fasterapi(&["decode", "--bogus"], b"").status.code(),
        Some(64)
    );
    assert_eq!(fasterapi(&[], b"").status.code(), Some(64));
    assert_eq!(fasterapi(&["--version"], b"").status.code(), Some(0));
}
