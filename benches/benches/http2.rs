//! fasterapi-http2 against hyperium/h2, same input, same run.
//!
//! * `server_10k`: a server answering 10,000 GET requests (`200`, content-length 2, body "ok")
//!   that arrive as one pre-encoded client byte stream (preface, SETTINGS, 10,000 HEADERS with
//!   END_STREAM, HPACK-indexed like a real client's). Ours: the `Connection` machine fed in
//!   16 KiB reads, its output drained with `poll_transmit_vectored`. h2: `h2::server` over an
//!   in-memory `tokio::io::duplex` on a current-thread runtime. Both outputs go through the
//!   same frame scanner that counts the 10,000 END_STREAMs, so both do the same work.
//! * `frame_parse`: our codec parsing that same client stream frame by frame (h2's frame
//!   codec is private, so there is no anchor for this one).

use core::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_hpack::{Encoder, EncoderConfig, Field};
use fasterapi_http2::{
    Config, Connection, Event, Frame, PREFACE, Parsed, RawFrame, Settings, StreamId,
};

const REQUESTS: usize = 10_000;

fn emit(f: &Frame<'_>, out: &mut Vec<u8>) {
    let at = out.len();
    out.resize(at + f.encoded_len(), 0);
    f.emit(&mut out[at..]).unwrap();
}

/// The client's side of the connection: preface, SETTINGS, ACK, then the requests.
fn client_stream() -> Vec<u8> {
    let mut out = PREFACE.to_vec();
    emit(
        &Frame::Settings {
            ack: false,
            settings: Settings::List(&[]),
        },
        &mut out,
    );
    emit(
        &Frame::Settings {
            ack: true,
            settings: Settings::List(&[]),
        },
        &mut out,
    );
    let mut enc = Encoder::new(EncoderConfig::default());
    let mut block = Vec::new();
    for i in 0..REQUESTS {
        block.clear();
        let path = format!("/items/{}", i % 100);
        enc.encode(
            [
                Field::new(b":method", b"GET"),
                Field::new(b":scheme", b"http"),
                Field::new(b":authority", b"localhost:8080"),
                Field::new(b":path", path.as_bytes()),
                Field::new(b"user-agent", b"h2load nghttp2/1.52.0"),
                Field::new(b"accept", b"*/*"),
            ],
            &mut block,
        );
        emit(
            &Frame::Headers {
                stream_id: StreamId::new(2 * i as u32 + 1),
                priority: None,
                fragment: &block,
                end_stream: true,
                end_headers: true,
                padding: None,
            },
            &mut out,
        );
    }
    out
}

/// Counts DATA frames with END_STREAM in a server's output, fed in any pieces.
#[derive(Default)]
struct EndCounter {
    buf: Vec<u8>,
    ends: usize,
}

impl EndCounter {
    fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        let mut at = 0;
        while let Ok(Parsed::Complete(raw, n)) = RawFrame::parse(&self.buf[at..], 1 << 24) {
            if raw.header.kind == fasterapi_http2::FrameType::DATA && raw.header.has(1) {
                self.ends += 1;
            }
            at += n;
        }
        self.buf.drain(..at);
    }
}

#[inline(never)]
fn ours(input: &[u8]) -> usize {
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 20_000;
    let mut m = Connection::server(cfg);
    let ok = Bytes::from_static(b"ok");
    let now = Timestamp::ZERO;
    let mut out = vec![0u8; 64 * 1024];
    let mut counter = EndCounter::default();
    for chunk in input.chunks(16 * 1024) {
        m.handle_input(now, chunk).unwrap();
        while let Some(ev) = m.poll_event() {
            if let Event::Request { stream_id, .. } = ev {
                m.send_response(stream_id, 200, &[(b"content-length", b"2")], false)
                    .unwrap();
                m.send_data(stream_id, ok.clone(), true).unwrap();
            }
        }
        loop {
            let t = m.poll_transmit_vectored(now, &mut out);
            if t.is_empty() {
                break;
            }
            counter.feed(&out[..t.len]);
            if let Some(p) = t.payload {
                counter.feed(&p);
            }
        }
    }
    assert_eq!(counter.ends, REQUESTS);
    counter.ends
}

#[inline(never)]
fn h2_anchor(rt: &tokio::runtime::Runtime, input: &Bytes) -> usize {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let input = input.clone();
    rt.block_on(async move {
        let (client, server_io) = tokio::io::duplex(64 * 1024);
        let (mut rd, mut wr) = tokio::io::split(client);
        let writer = tokio::spawn(async move {
            wr.write_all(&input).await.unwrap();
            wr // keep the client side open
        });
        let server = tokio::spawn(async move {
            let mut conn = h2::server::Builder::new()
                .max_concurrent_streams(20_000)
                .handshake::<_, Bytes>(server_io)
                .await
                .unwrap();
            while let Some(Ok((_req, mut respond))) = conn.accept().await {
                let resp = http::Response::builder()
                    .status(200)
                    .header("content-length", "2")
                    .body(())
                    .unwrap();
                let mut send = respond.send_response(resp, false).unwrap();
                send.send_data(Bytes::from_static(b"ok"), true).unwrap();
            }
        });
        let mut counter = EndCounter::default();
        let mut buf = vec![0u8; 64 * 1024];
        while counter.ends < REQUESTS {
            let n = rd.read(&mut buf).await.unwrap();
            assert!(n > 0, "h2 closed early");
            counter.feed(&buf[..n]);
        }
        server.abort();
        writer.abort();
        counter.ends
    })
}

fn bench(c: &mut Criterion) {
    let input = client_stream();
    let mut g = c.benchmark_group("http2/server_10k");
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.sample_size(20);
    g.bench_function("fasterapi-http2", |b| {
        b.iter(|| black_box(ours(black_box(&input))))
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let shared = Bytes::from(input.clone());
    g.bench_function("h2", |b| b.iter(|| black_box(h2_anchor(&rt, &shared))));
    g.finish();

    let mut g = c.benchmark_group("http2/frame_parse");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("fasterapi-http2", |b| {
        b.iter(|| {
            let mut at = PREFACE.len();
            let mut frames = 0;
            while let Ok(Parsed::Complete(raw, n)) = RawFrame::parse(&input[at..], 16_384) {
                black_box(raw.frame().unwrap());
                frames += 1;
                at += n;
            }
            assert_eq!(frames, REQUESTS + 2);
            frames
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
