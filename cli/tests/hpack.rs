//! `fasterapi decode hpack` as a black box: the JSON Lines of docs/cli.md ("hpack").

mod decode_support;

use std::process::Output;

use serde_json::{Value, json};

use decode_support::lines;

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("hpack", args, stdin)
}

fn field(name: &str, value: &str) -> Value {
    json!({"event": "field", "name": name, "value": value, "never_indexed": false})
}

/// RFC 7541 C.4.1 and C.4.2 (Huffman requests), one block per line, one table across lines.
const C4: &str =
    "# RFC 7541 C.4\n8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff\n\n8286 84be 5886 a8eb 1064 9cbf\n";

#[test]
fn blocks_per_line_share_one_table() {
    for role in ["server", "client"] {
        let out = decode(&["--hex", "--role", role], C4.as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = lines(&out);
        let expected = vec![
            field(":method", "GET"),
            field(":scheme", "http"),
            field(":path", "/"),
            field(":authority", "www.example.com"),
            json!({"event": "block", "fields": 4, "table_entries": 1, "table_size": 57, "table_max_size": 4096}),
            field(":method", "GET"),
            field(":scheme", "http"),
            field(":path", "/"),
            field(":authority", "www.example.com"),
            field("cache-control", "no-cache"),
            json!({"event": "block", "fields": 5, "table_entries": 2, "table_size": 110, "table_max_size": 4096}),
        ];
        assert_eq!(got, expected, "role {role}");
    }
}

#[test]
fn raw_input_is_one_block() {
    let out = decode(&[], &[0x82, 0x10, 0x01, b'a', 0x01, 0xff]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        vec![
            field(":method", "GET"),
            json!({"event": "field", "name": "a", "value": {"hex": "ff"}, "never_indexed": true}),
            json!({"event": "block", "fields": 2, "table_entries": 0, "table_size": 0, "table_max_size": 4096}),
        ]
    );
}

#[test]
fn errors_exit_2_with_the_kind() {
    // Second line: index 70 does not exist; the first block's fields stand.
    let out = decode(&["--hex"], b"82\nc6\n");
    assert_eq!(out.status.code(), Some(2));
    let got = lines(&out);
    assert_eq!(got[0], field(":method", "GET"));
    let err = &got.last().unwrap()["error"];
    assert_eq!(err["codec"], "hpack");
    assert_eq!(err["kind"], "invalid_index");
    assert_eq!(err["offset"], 1);
    assert_eq!(err["code"], 9);
    // A block cut inside a field.
    let out = decode(&["--hex"], b"4003 6162\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        lines(&out).last().unwrap()["error"]["kind"],
        "truncated_block"
    );
}

/// `fasterapi decode hpack --hex` with `stdin` written from a thread while the output is read:
/// a long story's output exceeds a pipe buffer before its input is all written.
fn decode_streaming(stdin: Vec<u8>) -> Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fasterapi"))
        .args(["decode", "hpack", "--hex"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fasterapi");
    let mut pipe = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || pipe.write_all(&stdin).expect("write stdin"));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer thread");
    out
}

/// The hpack-test-case vectors: `../shared` next to the repository, else `/work/shared`.
fn vectors() -> std::path::PathBuf {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let next_to_repo = repo.join("../shared/vectors/hpack-test-case");
    if next_to_repo.is_dir() {
        next_to_repo
    } else {
        std::path::PathBuf::from("/work/shared/vectors/hpack-test-case")
    }
}

/// Every story of two encoder sets of hpack-test-case (one with table size changes between
/// blocks), each story's `wire` blocks one per line into one process: the fields come out
/// exactly as the story lists them, and one `block` event closes each line.
#[test]
fn hpack_test_case_stories_one_block_per_line() {
    let mut stories = 0;
    for set in ["go-hpack", "nghttp2-change-table-size"] {
        let mut files: Vec<_> = std::fs::read_dir(vectors().join(set))
            .expect("hpack-test-case vectors")
            .map(|e| e.expect("dir entry").path())
            .collect();
        files.sort();
        for file in files {
            let story: Value =
                serde_json::from_slice(&std::fs::read(&file).expect("story")).expect("JSON");
            let cases = story["cases"].as_array().expect("cases");
            let mut input = format!("# {}\n", file.display());
            let mut expected = Vec::new();
            for case in cases {
                input.push_str(case["wire"].as_str().expect("wire"));
                input.push('\n');
                let headers = case["headers"].as_array().expect("headers");
                for h in headers {
                    for (name, value) in h.as_object().expect("one field") {
                        expected.push(field(name, value.as_str().expect("value")));
                    }
                }
                expected.push(json!({"event": "block", "fields": headers.len()}));
            }
            let out = decode_streaming(input.into_bytes());
            assert_eq!(out.status.code(), Some(0), "{}", file.display());
            let got: Vec<Value> = lines(&out)
                .into_iter()
                .map(|mut v| {
                    // Compare blocks by their field count; the table sizes vary by story.
                    if v["event"] == "block" {
                        v = json!({"event": "block", "fields": v["fields"]});
                    }
                    v
                })
                .collect();
            assert_eq!(got, expected, "{}", file.display());
            stories += 1;
        }
    }
    assert!(stories >= 60, "only {stories} stories found");
}
