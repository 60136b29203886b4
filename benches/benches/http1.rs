//! fasterapi-http1 against httparse, same bytes, same run.
//!
//! Inputs: httparse's own `REQ` (~700 B) and `REQ_SHORT` (copied byte for byte from httparse
//! 1.10.1 `benches/parse.rs`), the 416-byte browser GET, a response with 20 headers, a 7.6 KiB
//! head fed one byte at a time (resumable parsing), and a 1 MiB chunked body in 4 KiB chunks.
//! Run: `cargo bench -p fasterapi-benches --bench http1 -- --warm-up-time 1 --measurement-time 3`.

use core::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fasterapi_benches::GET_416;
use fasterapi_http1::{
    CHUNK_END, Chunk, ChunkHeader, ChunkedDecoder, HeaderSlot, RequestParser, ResponseParser,
    Status,
};

const REQ_SHORT: &[u8] = b"\
GET / HTTP/1.0\r\n\
Host: example.com\r\n\
Cookie: session=60; user_id=1\r\n\r\n";

const REQ: &[u8] = b"\
GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral|padding=under256\r\n\r\n";

/// A typical API response with 20 header fields.
const RESP_20: &[u8] = b"\
HTTP/1.1 200 OK\r\n\
Date: Wed, 26 Nov 2025 01:23:45 GMT\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Content-Length: 1234\r\n\
Connection: keep-alive\r\n\
Cache-Control: private, max-age=0, no-cache\r\n\
ETag: W/\"4d2-abcdef0123456789\"\r\n\
Last-Modified: Tue, 25 Nov 2025 22:10:00 GMT\r\n\
Vary: Accept-Encoding, Origin\r\n\
Server: fasterapi\r\n\
X-Request-Id: 7f3c9a2e-1b4d-4e8f-9a6b-2c5d8e1f3a7b\r\n\
X-Content-Type-Options: nosniff\r\n\
X-Frame-Options: DENY\r\n\
Strict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\n\
Access-Control-Allow-Origin: https://app.example.com\r\n\
Access-Control-Allow-Credentials: true\r\n\
Set-Cookie: session=abc123def456; Path=/; HttpOnly; Secure; SameSite=Lax\r\n\
Referrer-Policy: strict-origin-when-cross-origin\r\n\
Content-Security-Policy: default-src 'self'; img-src 'self' data:\r\n\
X-RateLimit-Limit: 1000\r\n\
X-RateLimit-Remaining: 998\r\n\r\n";

/// A 7.6 KiB request head: a request-line and 95 fields of about 80 bytes.
fn big_head() -> Vec<u8> {
    let mut v =
        b"GET /api/v1/search?q=resumable+parsing&page=2 HTTP/1.1\r\nHost: api.example.com\r\n"
            .to_vec();
    for i in 0..94 {
        v.extend_from_slice(format!("X-Custom-Header-{i:02}: ").as_bytes());
        v.extend_from_slice(
            &b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"[..(40 + i % 18)],
        );
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"\r\n");
    v
}

fn ours_request(buf: &[u8]) -> usize {
    let mut slots = [HeaderSlot::EMPTY; 128];
    let mut parser = RequestParser::default();
    match parser.parse(black_box(buf), &mut slots) {
        Ok(Status::Complete(req)) => req.head_len() + req.header_slots().len(),
        _ => unreachable!("bench input is valid"),
    }
}

fn httparse_request(buf: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(black_box(buf)) {
        Ok(httparse::Status::Complete(n)) => n + req.headers.len(),
        _ => unreachable!("bench input is valid"),
    }
}

fn requests(c: &mut Criterion) {
    let big = big_head();
    let inputs: [(&str, &[u8]); 4] = [
        ("req_short", REQ_SHORT),
        ("req", REQ),
        ("get_416", GET_416),
        ("head_7k", &big),
    ];
    for (name, input) in inputs {
        assert_eq!(
            ours_request(input),
            httparse_request(input),
            "{name}: same result"
        );
        let mut g = c.benchmark_group(format!("http1_request/{name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function("fasterapi", |b| b.iter(|| ours_request(input)));
        g.bench_function("httparse", |b| b.iter(|| httparse_request(input)));
        g.finish();
    }
}

fn responses(c: &mut Criterion) {
    let mut g = c.benchmark_group("http1_response/resp_20");
    g.throughput(Throughput::Bytes(RESP_20.len() as u64));
    g.bench_function("fasterapi", |b| {
        b.iter(|| {
            let mut slots = [HeaderSlot::EMPTY; 64];
            let mut parser = ResponseParser::default();
            match parser.parse(black_box(RESP_20), &mut slots) {
                Ok(Status::Complete(resp)) => resp.head_len() + resp.header_slots().len(),
                _ => unreachable!("bench input is valid"),
            }
        });
    });
    g.bench_function("httparse", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(black_box(RESP_20)) {
                Ok(httparse::Status::Complete(n)) => n + resp.headers.len(),
                _ => unreachable!("bench input is valid"),
            }
        });
    });
    g.finish();
}

fn resumable(c: &mut Criterion) {
    let big = big_head();
    let mut g = c.benchmark_group("http1_resumable/head_7k");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("single_shot", |b| b.iter(|| ours_request(&big)));
    for step in [1usize, 64, 1460] {
        g.bench_function(format!("pieces_of_{step}"), |b| {
            b.iter(|| {
                let mut slots = [HeaderSlot::EMPTY; 128];
                let mut parser = RequestParser::default();
                let mut end = 0;
                loop {
                    end = (end + step).min(big.len());
                    if let Ok(Status::Complete(req)) =
                        parser.parse(black_box(&big[..end]), &mut slots)
                    {
                        return req.head_len();
                    }
                }
            });
        });
    }
    g.finish();
    // httparse restarts from byte 0 on every call: the same feeding is quadratic.
    let mut g = c.benchmark_group("http1_resumable/head_7k_httparse");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    for step in [1usize, 64, 1460] {
        g.bench_function(format!("pieces_of_{step}"), |b| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 128];
                let mut end = 0;
                loop {
                    end = (end + step).min(big.len());
                    let mut req = httparse::Request::new(&mut headers);
                    if let Ok(httparse::Status::Complete(n)) = req.parse(black_box(&big[..end])) {
                        return n;
                    }
                }
            });
        });
    }
    g.finish();
}

fn chunked(c: &mut Criterion) {
    let mut wire = Vec::new();
    let chunk = vec![b'x'; 4096];
    for _ in 0..256 {
        wire.extend_from_slice(ChunkHeader::new(4096).as_bytes());
        wire.extend_from_slice(&chunk);
        wire.extend_from_slice(CHUNK_END);
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    let mut g = c.benchmark_group("http1_chunked/1MiB_4KiB");
    g.throughput(Throughput::Bytes(1 << 20));
    g.bench_function("fasterapi", |b| {
        b.iter(|| {
            let mut dec = ChunkedDecoder::default();
            let (mut at, mut sum) = (0, 0usize);
            loop {
                let (n, item) = dec.decode(black_box(&wire[at..])).expect("valid");
                at += n;
                match item {
                    Some(Chunk::Data(d)) => sum += black_box(d).len(),
                    Some(Chunk::End) => return sum,
                    _ => unreachable!("complete input"),
                }
            }
        });
    });
    // The same, with every data slice copied into a body buffer (what an application that
    // collects the body pays).
    let mut body = Vec::with_capacity(1 << 20);
    g.bench_function("fasterapi_copy_out", |b| {
        b.iter(|| {
            let mut dec = ChunkedDecoder::default();
            let mut at = 0;
            body.clear();
            loop {
                let (n, item) = dec.decode(black_box(&wire[at..])).expect("valid");
                at += n;
                match item {
                    Some(Chunk::Data(d)) => body.extend_from_slice(d),
                    Some(Chunk::End) => return body.len(),
                    _ => unreachable!("complete input"),
                }
            }
        });
    });
    g.finish();
}

criterion_group!(benches, requests, responses, resumable, chunked);
criterion_main!(benches);
