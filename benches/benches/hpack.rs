//! fasterapi-hpack against the `hpack` 0.3, `loona-hpack` 0.4 and `httlib-hpack` 0.1 crates on the
//! same inputs in the same run:
//!
//! * **decode**: every block of every story of five encoder sets of hpack-test-case (nghttp2,
//!   go-hpack, node-http2-hpack, python-hpack, swift-nio-hpack-huffman: static and dynamic
//!   indexing, Huffman and raw literals), a fresh decoder per story, each field's name and value
//!   lengths summed (so every decoder must produce every field). Throughput is in wire octets.
//! * **encode**: every header list of the 32 raw-data stories, a fresh encoder per story (each
//!   library with its default strategy; the output sizes are printed at setup). `hpack` and
//!   `loona-hpack` never Huffman-code, so ours also runs with Huffman off, like for like.
//! * **huffman decode**: every name and value of the raw-data stories, Huffman-coded, decoded
//!   one string at a time (ours, `httlib-huffman` 0.3 at its fastest five-bit speed, which
//!   `httlib-hpack` uses, and `hpack`'s decoder). Throughput is in decoded octets.
//!
//! The setup checks that every decoder yields the expected fields for every story. Ten samples
//! per benchmark: the slowest anchor takes seconds per iteration.
//!
//! Run: `cargo bench -p fasterapi-benches --bench hpack -- --warm-up-time 1 --measurement-time 3`.
//! Results go in `docs/BENCHMARKS.md`.
//!
//! On a shared machine wall times are noisy, so the bench also has a count mode: with
//! `HPACK_BENCH_ONCE=encode` (or `huffman`) the binary runs each library's function once on the
//! same input and exits, for `valgrind --tool=callgrind` (instruction counts are deterministic):
//! the inclusive counts of `hpack::ours_encode`, `hpack::loona_encode`, … are the comparison.

#![allow(clippy::print_stderr, reason = "the setup reports its input sizes")]

use core::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group};
use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};
use serde_json::Value;

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

struct Story {
    blocks: Vec<Vec<u8>>,
    headers: Vec<Headers>,
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/hpack-test-case")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load(set: &str) -> Vec<Story> {
    let dir = vectors().join(set);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("hpack-test-case vectors")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            let cases = v["cases"].as_array().unwrap();
            Story {
                blocks: cases
                    .iter()
                    .map(|c| {
                        c.get("wire")
                            .and_then(Value::as_str)
                            .map(unhex)
                            .unwrap_or_default()
                    })
                    .collect(),
                headers: cases
                    .iter()
                    .map(|c| {
                        c["headers"]
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
                            .collect()
                    })
                    .collect(),
            }
        })
        .collect()
}

const DECODE_SETS: [&str; 5] = [
    "nghttp2",
    "go-hpack",
    "node-http2-hpack",
    "python-hpack",
    "swift-nio-hpack-huffman",
];

fn ours_decode(stories: &[Story], check: bool) -> usize {
    let mut sum = 0;
    for s in stories {
        let mut d = Decoder::new(DecoderConfig::default());
        for (block, expected) in s.blocks.iter().zip(&s.headers) {
            let mut n = 0;
            d.decode_block(block, |f: Field<'_>| {
                if check {
                    assert_eq!((f.name, f.value), (&expected[n].0[..], &expected[n].1[..]));
                }
                n += 1;
                sum += f.name.len() + f.value.len();
            })
            .unwrap();
            assert!(!check || n == expected.len());
        }
    }
    sum
}

fn hpack_decode(stories: &[Story], check: bool) -> usize {
    let mut sum = 0;
    for s in stories {
        let mut d = hpack::Decoder::new();
        for (block, expected) in s.blocks.iter().zip(&s.headers) {
            let mut n = 0;
            d.decode_with_cb(block, |name, value| {
                if check {
                    assert_eq!(
                        (&name[..], &value[..]),
                        (&expected[n].0[..], &expected[n].1[..])
                    );
                }
                n += 1;
                sum += name.len() + value.len();
            })
            .unwrap();
        }
    }
    sum
}

fn loona_decode(stories: &[Story], check: bool) -> usize {
    let mut sum = 0;
    for s in stories {
        let mut d = loona_hpack::Decoder::new();
        for (block, expected) in s.blocks.iter().zip(&s.headers) {
            let mut n = 0;
            d.decode_with_cb(block, |name, value| {
                if check {
                    assert_eq!(
                        (&name[..], &value[..]),
                        (&expected[n].0[..], &expected[n].1[..])
                    );
                }
                n += 1;
                sum += name.len() + value.len();
            })
            .unwrap();
        }
    }
    sum
}

fn httlib_decode(stories: &[Story], check: bool) -> usize {
    let mut sum = 0;
    let mut out = Vec::new();
    for s in stories {
        let mut d = httlib_hpack::Decoder::default();
        for (block, expected) in s.blocks.iter().zip(&s.headers) {
            // Its API consumes a `Vec` buffer: the copy is part of using it.
            let mut buf = block.clone();
            out.clear();
            d.decode(&mut buf, &mut out).unwrap();
            if check {
                let got: Headers = out.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect();
                assert_eq!(&got, expected);
            }
            sum += out.iter().map(|(n, v, _)| n.len() + v.len()).sum::<usize>();
        }
    }
    sum
}

fn decode(c: &mut Criterion) {
    let stories: Vec<Story> = DECODE_SETS.iter().flat_map(|s| load(s)).collect();
    let wire: usize = stories.iter().flat_map(|s| &s.blocks).map(Vec::len).sum();
    let blocks: usize = stories.iter().map(|s| s.blocks.len()).sum();
    let expected = ours_decode(&stories, true);
    assert_eq!(hpack_decode(&stories, true), expected);
    assert_eq!(loona_decode(&stories, true), expected);
    assert_eq!(httlib_decode(&stories, true), expected);
    eprintln!(
        "decode input: {blocks} blocks, {wire} wire octets, {expected} octets of names and values"
    );
    let mut g = c.benchmark_group("hpack/decode-stories");
    // The `hpack` crate needs seconds per iteration here: ten samples keep the run short.
    g.sample_size(10);
    g.throughput(Throughput::Bytes(wire as u64));
    g.bench_function("fasterapi-hpack", |b| {
        b.iter(|| black_box(ours_decode(black_box(&stories), false)))
    });
    g.bench_function("hpack", |b| {
        b.iter(|| black_box(hpack_decode(black_box(&stories), false)))
    });
    g.bench_function("loona-hpack", |b| {
        b.iter(|| black_box(loona_decode(black_box(&stories), false)))
    });
    g.bench_function("httlib-hpack", |b| {
        b.iter(|| black_box(httlib_decode(black_box(&stories), false)))
    });
    g.finish();
}

#[inline(never)]
fn ours_encode(stories: &[Story]) -> usize {
    ours_encode_with(stories, EncoderConfig::default())
}

/// Ours with Huffman off (what `hpack` and `loona-hpack` emit).
#[inline(never)]
fn ours_encode_raw(stories: &[Story]) -> usize {
    ours_encode_with(stories, EncoderConfig::default().with_huffman(false))
}

/// Ours with a given configuration (Huffman off matches what `hpack` and `loona-hpack` emit).
#[inline(always)]
fn ours_encode_with(stories: &[Story], config: EncoderConfig) -> usize {
    let mut total = 0;
    let mut out = Vec::with_capacity(4096);
    for s in stories {
        let mut e = Encoder::new(config);
        for h in &s.headers {
            out.clear();
            e.encode(h.iter().map(|(n, v)| Field::new(n, v)), &mut out);
            total += out.len();
        }
    }
    total
}

#[inline(never)]
fn hpack_encode(stories: &[Story]) -> usize {
    let mut total = 0;
    for s in stories {
        let mut e = hpack::Encoder::new();
        for h in &s.headers {
            total += e.encode(h.iter().map(|(n, v)| (&n[..], &v[..]))).len();
        }
    }
    total
}

#[inline(never)]
fn loona_encode(stories: &[Story]) -> usize {
    let mut total = 0;
    let mut out = Vec::with_capacity(4096);
    for s in stories {
        let mut e = loona_hpack::Encoder::new();
        for h in &s.headers {
            out.clear();
            e.encode_into(h.iter().map(|(n, v)| (&n[..], &v[..])), &mut out)
                .unwrap();
            total += out.len();
        }
    }
    total
}

#[inline(never)]
fn httlib_encode(stories: &[Story]) -> usize {
    let mut total = 0;
    let mut out = Vec::with_capacity(4096);
    let flags = httlib_hpack::Encoder::BEST_FORMAT
        | httlib_hpack::Encoder::HUFFMAN_NAME
        | httlib_hpack::Encoder::HUFFMAN_VALUE
        | httlib_hpack::Encoder::WITH_INDEXING;
    for s in stories {
        let mut e = httlib_hpack::Encoder::default();
        for h in &s.headers {
            out.clear();
            for (n, v) in h {
                // Its API takes owned `Vec`s per field: the copies are part of using it.
                e.encode((n.clone(), v.clone(), flags), &mut out).unwrap();
            }
            total += out.len();
        }
    }
    total
}

fn encode(c: &mut Criterion) {
    let stories = load("raw-data");
    let input: usize = stories
        .iter()
        .flat_map(|s| &s.headers)
        .flatten()
        .map(|(n, v)| n.len() + v.len())
        .sum();
    eprintln!(
        "encode input: {input} octets of names and values; output octets: fasterapi-hpack {} (no Huffman: {}), hpack {}, loona-hpack {}, httlib-hpack {}",
        ours_encode(&stories),
        ours_encode_with(&stories, EncoderConfig::default().with_huffman(false)),
        hpack_encode(&stories),
        loona_encode(&stories),
        httlib_encode(&stories)
    );
    let mut g = c.benchmark_group("hpack/encode-raw-data");
    // The `hpack` crate needs seconds per iteration here: ten samples keep the run short.
    g.sample_size(10);
    g.throughput(Throughput::Bytes(input as u64));
    g.bench_function("fasterapi-hpack", |b| {
        b.iter(|| black_box(ours_encode(black_box(&stories))))
    });
    g.bench_function("fasterapi-hpack-no-huffman", |b| {
        b.iter(|| black_box(ours_encode_raw(black_box(&stories))))
    });
    g.bench_function("hpack", |b| {
        b.iter(|| black_box(hpack_encode(black_box(&stories))))
    });
    g.bench_function("loona-hpack", |b| {
        b.iter(|| black_box(loona_encode(black_box(&stories))))
    });
    g.bench_function("httlib-hpack", |b| {
        b.iter(|| black_box(httlib_encode(black_box(&stories))))
    });
    g.finish();
}

/// Every non-empty name and value of the stories, Huffman-coded.
fn huffman_strings(stories: &[Story]) -> Vec<Vec<u8>> {
    stories
        .iter()
        .flat_map(|s| s.headers.iter().flatten())
        .flat_map(|(n, v)| [n.clone(), v.clone()])
        .filter(|s| !s.is_empty())
        .collect()
}

fn huffman_input(stories: &[Story]) -> Vec<Vec<u8>> {
    huffman_strings(stories)
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            fasterapi_hpack::huffman::encode_to_vec(s, &mut out);
            out
        })
        .collect()
}

fn huffman(c: &mut Criterion) {
    let stories = load("raw-data");
    let strings = huffman_strings(&stories);
    let coded = huffman_input(&stories);
    let decoded: usize = strings.iter().map(Vec::len).sum();
    let longest = strings.iter().map(Vec::len).max().unwrap();
    for (s, h) in strings.iter().zip(&coded) {
        let mut out = Vec::new();
        httlib_huffman::decode(h, &mut out, httlib_huffman::DecoderSpeed::FiveBits).unwrap();
        assert_eq!(&out, s);
        assert_eq!(&hpack::huffman::HuffmanDecoder::new().decode(h).unwrap(), s);
    }
    eprintln!(
        "huffman input: {} strings, {decoded} decoded octets",
        strings.len()
    );
    let mut g = c.benchmark_group("hpack/huffman-decode");
    // The `hpack` crate needs seconds per iteration here: ten samples keep the run short.
    g.sample_size(10);
    g.throughput(Throughput::Bytes(decoded as u64));
    g.bench_function("fasterapi-hpack", |b| {
        let mut buf = vec![0u8; longest + 8];
        b.iter(|| black_box(ours_huffman(black_box(&coded), &mut buf)))
    });
    g.bench_function("httlib-huffman", |b| {
        let mut buf = Vec::with_capacity(longest + 8);
        b.iter(|| black_box(httlib_huffman(black_box(&coded), &mut buf)))
    });
    g.bench_function("hpack", |b| {
        b.iter(|| {
            let mut n = 0;
            for h in black_box(&coded) {
                n += hpack::huffman::HuffmanDecoder::new()
                    .decode(h)
                    .unwrap()
                    .len();
            }
            black_box(n)
        })
    });
    g.finish();
}

/// Ours: every string decoded once into `buf`.
#[inline(never)]
fn ours_huffman(coded: &[Vec<u8>], buf: &mut [u8]) -> usize {
    coded
        .iter()
        .map(|h| fasterapi_hpack::huffman::decode(h, buf).unwrap())
        .sum()
}

/// `httlib-huffman` at its fastest speed: every string decoded once.
#[inline(never)]
fn httlib_huffman(coded: &[Vec<u8>], buf: &mut Vec<u8>) -> usize {
    let mut n = 0;
    for h in coded {
        buf.clear();
        httlib_huffman::decode(h, buf, httlib_huffman::DecoderSpeed::FiveBits).unwrap();
        n += buf.len();
    }
    n
}

/// The count mode (see the module docs): each function once, results printed.
fn once(what: &str) {
    let stories = load("raw-data");
    match what {
        "encode" => eprintln!(
            "ours {} ours-no-huffman {} hpack {} loona {} httlib {}",
            ours_encode(&stories),
            ours_encode_raw(&stories),
            hpack_encode(&stories),
            loona_encode(&stories),
            httlib_encode(&stories)
        ),
        "huffman" => {
            let coded = huffman_input(&stories);
            let mut buf = vec![0u8; 1 << 16];
            let mut v = Vec::with_capacity(1 << 16);
            eprintln!(
                "ours {} httlib {}",
                ours_huffman(&coded, &mut buf),
                httlib_huffman(&coded, &mut v)
            );
        }
        _ => panic!("HPACK_BENCH_ONCE is encode or huffman"),
    }
}

criterion_group!(benches, decode, encode, huffman);

fn main() {
    if let Some(what) = std::env::var_os("HPACK_BENCH_ONCE") {
        once(what.to_str().expect("UTF-8"));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
