//! Shared helpers: the hpack-test-case stories.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use serde_json::Value;

/// One header block of a story.
pub struct Case {
    pub table_size: Option<u32>,
    pub wire: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The shared specs and vectors: `../shared` next to the repository, else `/work/shared`.
pub fn shared() -> PathBuf {
    let next_to_repo = repo_root().join("../shared");
    if next_to_repo.is_dir() {
        next_to_repo
    } else {
        PathBuf::from("/work/shared")
    }
}

/// `shared/vectors/hpack-test-case`.
pub fn vectors() -> PathBuf {
    shared().join("vectors/hpack-test-case")
}

/// The encoder sets (every directory but `raw-data`), sorted.
pub fn encoder_sets() -> Vec<String> {
    let mut sets: Vec<String> = std::fs::read_dir(vectors())
        .expect("hpack-test-case vectors in ../shared/vectors")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "raw-data")
        .collect();
    sets.sort();
    sets
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The stories of one set, `(file name, cases)`, sorted by name.
pub fn stories(set: &str) -> Vec<(String, Vec<Case>)> {
    let dir = vectors().join(set);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let cases = v["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| Case {
                    table_size: c
                        .get("header_table_size")
                        .and_then(Value::as_u64)
                        .map(|n| n as u32),
                    wire: c
                        .get("wire")
                        .and_then(Value::as_str)
                        .map(unhex)
                        .unwrap_or_default(),
                    headers: c["headers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|h| h.as_object().unwrap().iter())
                        .map(|(k, v)| {
                            (
                                k.as_bytes().to_vec(),
                                v.as_str().unwrap().as_bytes().to_vec(),
                            )
                        })
                        .collect(),
                })
                .collect();
            (p.file_name().unwrap().to_string_lossy().into_owned(), cases)
        })
        .collect()
}
