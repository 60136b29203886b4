//! fasterapi-websocket against tungstenite and fastwebsockets, same input, same run:
//! frame parse + unmask + UTF-8 validation of 1,000 masked 125-byte text frames and of one
//! masked 1 MiB binary frame (client → server); unmask throughput next to memcpy on the same
//! 1 MiB buffer; a permessage-deflate round trip.
//!
//! Every variant starts from a fresh copy of the masked input (unmasking is in place), so the
//! copy is in every measurement alike.

use core::hint::black_box;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io::Cursor;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_websocket::{
    Config, Connection, DeflateParams, Event, FrameHeader, Message, OpCode, ParseRules, Role,
    apply_mask, parse_frame,
};

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The machine is fed the input in reads of this size, as a socket would deliver it (the
/// other two read from their in-memory stream in their own buffer sizes). Fed all at once, it
/// would queue all 1,000 events before the first is polled, and the growing queue's fresh
/// memory (page faults on every new connection) would dominate the small-frame case.
const READ: usize = 16 * 1024;

fn masked_frame(op: OpCode, payload: &[u8]) -> Vec<u8> {
    let h = FrameHeader::new(op, payload.len() as u64).mask(Some(MASK));
    let mut out = vec![0; h.encoded_len()];
    h.emit(&mut out).unwrap();
    let mut p = payload.to_vec();
    apply_mask(&mut p, MASK, 0);
    out.extend_from_slice(&p);
    out
}

/// 1,000 masked text frames of 125 bytes of mixed ASCII and multi-byte UTF-8.
fn small_frames() -> Vec<u8> {
    let text = "WebSocket ✓ frames — 125 bytes of mixed ASCII and UTF-8: ünïcödé ok. 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ";
    let text = &text[..text
        .char_indices()
        .take_while(|(i, _)| *i <= 125)
        .last()
        .unwrap()
        .0];
    let mut payload = text.as_bytes().to_vec();
    payload.resize(125, b'.');
    assert!(core::str::from_utf8(&payload).is_ok());
    (0..1000)
        .flat_map(|_| masked_frame(OpCode::TEXT, &payload))
        .collect()
}

fn big_frame() -> Vec<u8> {
    let payload: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    masked_frame(OpCode::BINARY, &payload)
}

// ----------------------------------------------------------------- fasterapi

/// The codec: parse, unmask in place, validate text.
fn ours_codec(work: &mut [u8]) -> usize {
    let rules = ParseRules::new(Role::Server);
    let mut at = 0;
    let mut total = 0;
    while at < work.len() {
        let (frame, n) = parse_frame(&mut work[at..], &rules).unwrap().unwrap();
        if frame.header.opcode == OpCode::TEXT {
            simdutf8::basic::from_utf8(frame.payload).unwrap();
        }
        total += frame.payload.len();
        at += n;
    }
    total
}

/// The whole message machine: parse, unmask, validate, reassemble; events as shared `Bytes`
/// slices of the receive buffer (`poll_message`), as tungstenite hands out `Bytes` too.
fn ours_machine(work: &[u8]) -> usize {
    let mut c = Connection::server(Config::default());
    let mut total = 0;
    let mut at = 0;
    while at < work.len() {
        let end = (at + READ).min(work.len());
        at += c.handle_input(Timestamp::ZERO, &work[at..end]).unwrap();
        while let Some(m) = c.poll_message() {
            total += match m {
                Message::Text(t) => black_box(t).len(),
                Message::Binary(b) => black_box(b).len(),
                _ => 0,
            };
        }
    }
    total
}

/// The same with owned events (`poll_event`: a `String`/`Vec` per message).
fn ours_machine_owned(work: &[u8]) -> usize {
    let mut c = Connection::server(Config::default());
    let mut total = 0;
    let mut at = 0;
    while at < work.len() {
        let end = (at + READ).min(work.len());
        at += c.handle_input(Timestamp::ZERO, &work[at..end]).unwrap();
        while let Some(e) = c.poll_event() {
            total += match e {
                Event::Text(t) => black_box(t).len(),
                Event::Binary(b) => black_box(b).len(),
                _ => 0,
            };
        }
    }
    total
}

// ----------------------------------------------------------------- tungstenite

fn tungstenite(work: &mut [u8], messages: usize) -> usize {
    use tungstenite::protocol::{Role as TRole, WebSocket, WebSocketConfig};
    let config = WebSocketConfig::default().max_message_size(Some(64 << 20));
    let mut ws = WebSocket::from_raw_socket(Cursor::new(work), TRole::Server, Some(config));
    let mut total = 0;
    for _ in 0..messages {
        total += black_box(ws.read().unwrap()).len();
    }
    total
}

// ----------------------------------------------------------------- fastwebsockets

/// An in-memory stream for fastwebsockets: reads the input, drops what is written.
struct Mem<'a> {
    data: &'a [u8],
}

impl tokio::io::AsyncRead for Mem<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = buf.remaining().min(self.data.len());
        buf.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Mem<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn fastwebsockets(rt: &tokio::runtime::Runtime, work: &[u8], messages: usize) -> usize {
    use fastwebsockets::{FragmentCollector, Role as FRole, WebSocket};
    rt.block_on(async {
        let mut ws = WebSocket::after_handshake(Mem { data: work }, FRole::Server);
        ws.set_max_message_size(64 << 20);
        // The collector validates text as UTF-8, as the other two do.
        let mut ws = FragmentCollector::new(ws);
        let mut total = 0;
        for _ in 0..messages {
            total += ws.read_frame().await.unwrap().payload.len();
        }
        total
    })
}

// ----------------------------------------------------------------- benches

fn parse_unmask_validate(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (name, input, messages, payload) in [
        ("1000x125B_text", small_frames(), 1000, 125_000usize),
        ("1MiB_binary", big_frame(), 1, 1 << 20),
    ] {
        let mut g = c.benchmark_group(format!("websocket/parse_unmask_utf8/{name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        let mut work = input.clone();
        g.bench_function("fasterapi_codec", |b| {
            b.iter(|| {
                work.copy_from_slice(&input);
                assert_eq!(ours_codec(black_box(&mut work)), payload);
            });
        });
        g.bench_function("fasterapi_machine", |b| {
            b.iter(|| {
                work.copy_from_slice(&input);
                assert_eq!(ours_machine(black_box(&work)), payload);
            });
        });
        g.bench_function("fasterapi_machine_owned", |b| {
            b.iter(|| {
                work.copy_from_slice(&input);
                assert_eq!(ours_machine_owned(black_box(&work)), payload);
            });
        });
        g.bench_function("tungstenite", |b| {
            b.iter(|| {
                work.copy_from_slice(&input);
                assert_eq!(tungstenite(black_box(&mut work), messages), payload);
            });
        });
        g.bench_function("fastwebsockets", |b| {
            b.iter(|| {
                work.copy_from_slice(&input);
                assert_eq!(fastwebsockets(&rt, black_box(&work), messages), payload);
            });
        });
        g.finish();
    }
}

fn unmask(c: &mut Criterion) {
    let src = big_frame();
    let mut buf = src[14..].to_vec();
    let mut dst = vec![0u8; buf.len()];
    let mut g = c.benchmark_group(format!(
        "websocket/unmask_1MiB ({})",
        fasterapi_websocket::mask_backend()
    ));
    g.throughput(Throughput::Bytes(buf.len() as u64));
    g.bench_function("memcpy", |b| {
        b.iter(|| dst.copy_from_slice(black_box(&buf)))
    });
    g.bench_function("fasterapi_apply_mask", |b| {
        b.iter(|| apply_mask(black_box(&mut buf), MASK, 0))
    });
    g.bench_function("fastwebsockets_unmask", |b| {
        b.iter(|| fastwebsockets::unmask(black_box(&mut buf), MASK))
    });
    g.finish();
}

fn deflate_round_trip(c: &mut Criterion) {
    let text: String = (0..64 * 1024 / 16)
        .map(|i| format!("{:>15}\n", i * 7919))
        .collect();
    let mut g = c.benchmark_group("websocket/permessage_deflate_round_trip");
    g.throughput(Throughput::Bytes(text.len() as u64));
    for (name, takeover) in [("context_takeover", false), ("no_context_takeover", true)] {
        let mut params = DeflateParams::default();
        params.client_no_context_takeover = takeover;
        params.server_no_context_takeover = takeover;
        let cfg = Config::default().deflate(Some(params));
        let mut client = Connection::client(cfg.clone(), |b: &mut [u8]| b.fill(0x5a));
        let mut server = Connection::server(cfg);
        let mut wire = vec![0u8; 1 << 20];
        g.bench_with_input(
            BenchmarkId::new("fasterapi_64KiB_text", name),
            &text,
            |b, text| {
                b.iter(|| {
                    client.send_text(text).unwrap();
                    let n = client.poll_transmit(Timestamp::ZERO, &mut wire);
                    assert!(n < text.len());
                    server.handle_input(Timestamp::ZERO, &wire[..n]).unwrap();
                    match server.poll_event() {
                        Some(Event::Text(t)) => assert_eq!(t.len(), text.len()),
                        other => panic!("{other:?}"),
                    }
                });
            },
        );
    }
    g.finish();
}

criterion_group!(benches, parse_unmask_validate, unmask, deflate_round_trip);
criterion_main!(benches);
