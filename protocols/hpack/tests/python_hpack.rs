//! Interop with Python's `hpack` package (the venv `scripts/test` builds from
//! `scripts/requirements.txt`): our encoder's blocks for every raw-data story decode to the same
//! headers in Python, and Python's encoder's blocks decode exactly in ours.
//!
//! This test fails — never skips — when `target/venv/bin/python` or its `hpack` is missing.

mod common;

use std::process::Command;

use common::{repo_root, stories};
use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, sys
import hpack
stories = json.load(open(sys.argv[1]))
out = []
for story in stories:
    dec = hpack.Decoder(max_header_list_size=1 << 20)
    enc = hpack.Encoder()
    wires = []
    for case in story:
        got = [[n.decode('latin-1'), v.decode('latin-1')] for n, v in dec.decode(bytes.fromhex(case['wire']), raw=True)]
        if got != case['headers']:
            print('mismatch:', got, case['headers'], file=sys.stderr)
            sys.exit(1)
        wires.append(enc.encode([(n.encode('latin-1'), v.encode('latin-1')) for n, v in case['headers']]).hex())
    out.append(wires)
json.dump(out, sys.stdout)
"#;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

#[test]
fn python_hpack_decodes_ours_and_we_decode_python() {
    let python = repo_root().join("target/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: create it with `python3 -m venv target/venv && target/venv/bin/pip install -r scripts/requirements.txt` (scripts/test does)",
        python.display()
    );
    let raw = stories("raw-data");
    let mut input = Vec::new();
    for (_, cases) in &raw {
        let mut e = Encoder::new(EncoderConfig::default());
        let mut story = Vec::new();
        for case in cases {
            let mut wire = Vec::new();
            e.encode(
                case.headers.iter().map(|(n, v)| Field::new(n, v)),
                &mut wire,
            );
            let headers: Vec<Value> = case
                .headers
                .iter()
                .map(|(n, v)| json!([latin1(n), latin1(v)]))
                .collect();
            story.push(json!({ "wire": hex(&wire), "headers": headers }));
        }
        input.push(Value::Array(story));
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hpack-python-input.json");
    std::fs::write(&path, serde_json::to_vec(&input).unwrap()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(&path)
        .output()
        .expect("run the venv python");
    assert!(
        out.status.success(),
        "python hpack failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // Python's encodings of the same stories, decoded by us.
    let theirs: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), raw.len());
    let mut blocks = 0;
    for ((name, cases), wires) in raw.iter().zip(&theirs) {
        let mut d = Decoder::new(
            DecoderConfig::default()
                .with_max_header_list_size(1 << 20)
                .with_field_buffer_size(1 << 16),
        );
        for (i, (case, wire)) in cases.iter().zip(wires).enumerate() {
            let mut got = Vec::new();
            d.decode_block(&unhex(wire), |f| {
                got.push((f.name.to_vec(), f.value.to_vec()))
            })
            .unwrap();
            assert_eq!(got, case.headers, "python-encoded raw-data/{name} case {i}");
            blocks += 1;
        }
    }
    assert!(blocks > 400, "{blocks} blocks");
}
