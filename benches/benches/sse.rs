//! fasterapi-sse's `EventParser` against eventsource-stream 0.2 and sse-stream 0.3 on the same
//! bytes in the same run:
//!
//! * **tiny**: 1,000 one-line events (`id: N\ndata: tick N\n\n`, about 24 bytes each);
//! * **tiny CRLF**: the same with CRLF line ends (what sse-starlette and ASP.NET send);
//! * **multi-line**: 1,000 events with `event`, `id` and three `data` lines (JSON-ish, ~110
//!   bytes each), whose data must be joined;
//! * **long UTF-8**: 64 events whose single data line is 16 KiB of mixed ASCII, Latin, CJK and
//!   emoji text.
//!
//! Each input is cut into 16 KiB chunks, as network reads would deliver it. Both anchors are
//! async `Stream`s: they are fed an in-memory `futures::stream::iter` over the same chunks and
//! driven to the end with `futures::executor::block_on` (no I/O, no runtime, the stream is
//! always ready). Ours is fed the same chunks through `EventParser::feed`. Every consumer sums
//! the events' data lengths, and the setup checks that all three agree on the events.
//!
//! Run: `cargo bench -p fasterapi-benches --bench sse -- --warm-up-time 1 --measurement-time 3`.
//! Results go in `docs/BENCHMARKS.md`.
//!
//! On a shared machine wall times are noisy, so the bench also has a count mode: with
//! `SSE_BENCH_ONCE=tiny` (or `tiny_crlf`, `multi_line`, `long_utf8`) the binary runs each parser
//! ten times over that input and exits, for `valgrind --tool=callgrind` (instruction counts are
//! deterministic): the inclusive counts of `sse::ours`, `sse::sse_stream`, … (never inlined)
//! divided by their ten calls are the comparison. With `SSE_BENCH_MIN=1` it instead times ours
//! and sse-stream alternately, one call each, 3,000 rounds per input, and prints the minimum and
//! median time per call of each and their ratios: a load burst on the shared machine hits both
//! sides alike, and the minimum is the least disturbed call.

use core::convert::Infallible;
use core::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use eventsource_stream::Eventsource;
use fasterapi_sse::{EventParser, Parsed};
use futures::StreamExt;
use futures::executor::block_on;

const CHUNK: usize = 16 * 1024;

fn tiny() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..1000 {
        s.push_str(&format!("id: {i}\ndata: tick {i}\n\n"));
    }
    s.into_bytes()
}

fn tiny_crlf() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..1000 {
        s.push_str(&format!("id: {i}\r\ndata: tick {i}\r\n\r\n"));
    }
    s.into_bytes()
}

fn multi_line() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..1000 {
        s.push_str(&format!(
            "event: update\nid: {i}\ndata: {{\"seq\": {i},\ndata:  \"user\": \"zoë\",\ndata:  \"ok\": true}}\n\n"
        ));
    }
    s.into_bytes()
}

/// The data value of each long event: 16 KiB of mixed ASCII, Latin, CJK and emoji.
fn long_value() -> String {
    let text = "Grüße, 世界! Ünïcödé テキスト 🚀🎉 ascii filler text; ";
    let mut line = String::new();
    while line.len() < 16 * 1024 {
        line.push_str(text);
    }
    line
}

fn long_utf8() -> Vec<u8> {
    let line = long_value();
    let mut s = String::new();
    for i in 0..64 {
        s.push_str(&format!("event: long\nid: {i}\ndata: {line}\n\n"));
    }
    s.into_bytes()
}

/// (events, total data bytes) from each parser.
#[inline(never)]
fn ours(chunks: &[Bytes]) -> (usize, usize) {
    let mut parser = EventParser::new();
    let (mut n, mut bytes) = (0, 0);
    for chunk in chunks {
        parser
            .feed(chunk, |p| {
                if let Parsed::Event(e) = p {
                    n += 1;
                    bytes += e.data.len();
                }
            })
            .expect("valid stream");
    }
    (n, bytes)
}

#[inline(never)]
fn eventsource_stream(chunks: &[Bytes]) -> (usize, usize) {
    let stream = futures::stream::iter(chunks.iter().map(|c| Ok::<_, Infallible>(c.clone())));
    block_on(async {
        let mut events = stream.eventsource();
        let (mut n, mut bytes) = (0, 0);
        while let Some(e) = events.next().await {
            let e = e.expect("valid stream");
            n += 1;
            bytes += e.data.len();
        }
        (n, bytes)
    })
}

#[inline(never)]
fn sse_stream(chunks: &[Bytes]) -> (usize, usize) {
    let stream = futures::stream::iter(chunks.iter().map(|c| Ok::<_, Infallible>(c.clone())));
    block_on(async {
        let mut events = sse_stream::SseByteStream::new(stream);
        let (mut n, mut bytes) = (0, 0);
        while let Some(e) = events.next().await {
            let e = e.expect("valid stream");
            // sse-stream also hands out blocks without data (it is not EventSource).
            if let Some(data) = e.data {
                n += 1;
                bytes += data.len();
            }
        }
        (n, bytes)
    })
}

fn inputs() -> [(&'static str, Vec<u8>); 4] {
    [
        ("tiny_1000", tiny()),
        ("tiny_crlf_1000", tiny_crlf()),
        ("multi_line_1000", multi_line()),
        ("long_utf8_64x16k", long_utf8()),
    ]
}

fn chunked(input: &[u8]) -> Vec<Bytes> {
    input.chunks(CHUNK).map(Bytes::copy_from_slice).collect()
}

/// The count mode: each parser ten times over one input, for callgrind.
fn once(which: &str) {
    let (_, input) = inputs()
        .into_iter()
        .find(|(name, _)| name.starts_with(which) && name[which.len()..].starts_with('_'))
        .expect("SSE_BENCH_ONCE is tiny, tiny_crlf, multi_line or long_utf8");
    let chunks = chunked(&input);
    for _ in 0..10 {
        black_box(ours(black_box(&chunks)));
        black_box(sse_stream(black_box(&chunks)));
        black_box(eventsource_stream(black_box(&chunks)));
    }
}

/// The alternating mode: ours and sse-stream one call each, many rounds, minimum and median.
#[allow(clippy::print_stderr, reason = "the mode's output is its report")]
fn alternate() {
    let pick = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2])
    };
    for (name, input) in inputs() {
        let chunks = chunked(&input);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..3000 {
            let t = Instant::now();
            black_box(ours(black_box(&chunks)));
            a.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            black_box(sse_stream(black_box(&chunks)));
            b.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let ((a_min, a_med), (b_min, b_med)) = (pick(a), pick(b));
        eprintln!(
            "{name}: fasterapi-sse min {a_min:.1} µs median {a_med:.1} µs; sse-stream min {b_min:.1} µs median {b_med:.1} µs; ratio min {:.2}x median {:.2}x",
            b_min / a_min,
            b_med / a_med
        );
    }
    // The floor both parsers share on the long input: SIMD UTF-8 validation of the 64 data
    // values (each parser must check every byte it hands out as text).
    let value = long_value();
    let mut v = Vec::new();
    for _ in 0..3000 {
        let t = Instant::now();
        for _ in 0..64 {
            black_box(simdutf8::basic::from_utf8(black_box(value.as_bytes())).is_ok());
        }
        v.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (min, med) = pick(v);
    eprintln!(
        "long_utf8 floor: simdutf8 over the 64 data values min {min:.1} µs median {med:.1} µs"
    );
}

fn bench(c: &mut Criterion) {
    for (name, input) in inputs() {
        let chunks = chunked(&input);
        let expected = ours(&chunks);
        assert_eq!(
            eventsource_stream(&chunks),
            expected,
            "eventsource-stream agrees"
        );
        assert_eq!(sse_stream(&chunks), expected, "sse-stream agrees");

        let mut g = c.benchmark_group(format!("sse_parse/{name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        if name.starts_with("long") {
            // Each iteration is ~0.1-0.5 ms and the machine is shared: more samples over a
            // longer window keep the estimate from swinging with the load.
            g.sample_size(200);
            g.measurement_time(core::time::Duration::from_secs(10));
        }
        g.bench_function("fasterapi-sse", |b| b.iter(|| ours(black_box(&chunks))));
        g.bench_function("eventsource-stream", |b| {
            b.iter(|| eventsource_stream(black_box(&chunks)))
        });
        g.bench_function("sse-stream", |b| b.iter(|| sse_stream(black_box(&chunks))));
        g.finish();
    }
}

criterion_group!(benches, bench);

fn main() {
    if let Some(which) = std::env::var_os("SSE_BENCH_ONCE") {
        once(which.to_str().expect("UTF-8"));
        return;
    }
    if std::env::var_os("SSE_BENCH_MIN").is_some() {
        alternate();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
