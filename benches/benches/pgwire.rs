//! fasterapi-pgwire against postgres-protocol (tokio-postgres's codec), same bytes, same run:
//! decoding a 10,000-row × 10-column result (RowDescription, 10,000 DataRows,
//! CommandComplete, ReadyForQuery; 1.92 MB) and visiting every value.
//!
//! * `fasterapi_codec`: `read_frame` + `Backend::parse` over the buffer (zero-copy views);
//! * `postgres_protocol`: `backend::Message::parse` over a `BytesMut` copy of the buffer (it
//!   splits messages off the buffer it owns; the copy is made outside the timed part);
//! * `fasterapi_machine`: the whole client machine (`ClientConnection`) fed the same bytes in
//!   16 KiB reads, rows delivered as `Event::Rows` batches: what a client pays end to end.

use core::hint::black_box;

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_pgwire::codec::{
    Authentication, Backend, BackendKeyData, Format, List, RowField, TransactionStatus, read_frame,
};
use fasterapi_pgwire::{ClientConnection, Config, Event, SslMode};
use postgres_protocol::message::backend::Message;

const ROWS: usize = 10_000;
const COLS: usize = 10;

/// The server's answer to `SELECT` of 10 columns: ints, short and long text, a timestamp and
/// a NULL in every row, as a text-format result.
fn result_stream() -> Vec<u8> {
    let names: Vec<String> = (0..COLS).map(|i| format!("column_{i}")).collect();
    let fields: Vec<RowField<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| RowField {
            name: n.as_bytes(),
            table_oid: 16_384,
            column_id: i as i16 + 1,
            type_oid: [23, 25, 20, 1184, 25, 23, 701, 25, 16, 25][i],
            type_size: -1,
            type_modifier: -1,
            format: Format::TEXT,
        })
        .collect();
    let mut out = Vec::new();
    Backend::RowDescription(List::new(&fields)).emit(&mut out);
    for r in 0..ROWS {
        let id = r.to_string();
        let big = (r as u64 * 7_919).to_string();
        let vals: [Option<&[u8]>; COLS] = [
            Some(id.as_bytes()),
            Some(b"customer name here"),
            Some(big.as_bytes()),
            Some(b"2026-11-26 04:05:06.123456+00"),
            Some(b"a somewhat longer description text of a row in a table"),
            Some(b"42"),
            Some(b"3.14159265358979"),
            None,
            Some(b"t"),
            Some(b"status-active"),
        ];
        Backend::DataRow(List::new(&vals)).emit(&mut out);
    }
    Backend::CommandComplete(b"SELECT 10000").emit(&mut out);
    Backend::ReadyForQuery(TransactionStatus::Idle).emit(&mut out);
    out
}

fn fasterapi_codec(buf: &[u8]) -> usize {
    let mut at = 0;
    let mut sum = 0;
    while let Ok(Some((frame, n))) = read_frame(&buf[at..], 1 << 30) {
        at += n;
        if let Ok(Backend::DataRow(values)) = Backend::parse(frame.tag, frame.body) {
            for v in values.iter() {
                sum += v.map_or(1, <[u8]>::len);
            }
        }
    }
    sum
}

fn postgres_protocol(mut buf: BytesMut) -> usize {
    let mut sum = 0;
    while let Ok(Some(msg)) = Message::parse(&mut buf) {
        if let Message::DataRow(row) = msg {
            let body = row.buffer();
            let mut ranges = row.ranges();
            while let Ok(Some(r)) = fallible_next(&mut ranges) {
                sum += r.map_or(1, |r| body[r].len());
            }
        }
    }
    sum
}

fn fallible_next<I: fallible_iterator::FallibleIterator>(
    it: &mut I,
) -> Result<Option<I::Item>, I::Error> {
    it.next()
}

fn startup() -> Vec<u8> {
    let mut v = Vec::new();
    Backend::Authentication(Authentication::Ok).emit(&mut v);
    Backend::BackendKeyData(BackendKeyData {
        process_id: 1,
        secret_key: &[1, 2, 3, 4],
    })
    .emit(&mut v);
    Backend::ReadyForQuery(TransactionStatus::Idle).emit(&mut v);
    v
}

fn ready_machine() -> ClientConnection {
    let config = Config::new("bench").ssl_mode(SslMode::Disable);
    let mut m = ClientConnection::new(
        config,
        Box::new(fasterapi_pgwire::auth::RingProvider),
        &mut |b: &mut [u8]| b.fill(1),
    );
    let mut out = [0u8; 4096];
    while m.poll_transmit(Timestamp::ZERO, &mut out) > 0 {}
    m.handle_input(Timestamp::ZERO, &startup()).unwrap();
    while m.poll_event().is_some() {}
    m.query("SELECT * FROM t").unwrap();
    while m.poll_transmit(Timestamp::ZERO, &mut out) > 0 {}
    m
}

fn fasterapi_machine(mut m: ClientConnection, buf: &[u8]) -> usize {
    let mut sum = 0;
    let mut at = 0;
    while at < buf.len() {
        let dst = m.input_buffer();
        let n = dst.len().min(16 * 1024).min(buf.len() - at);
        dst[..n].copy_from_slice(&buf[at..at + n]);
        m.commit_input(Timestamp::ZERO, n).unwrap();
        at += n;
        while let Some(e) = m.poll_event() {
            if let Event::Rows { rows, .. } = e {
                for row in rows.iter() {
                    for v in row.iter() {
                        sum += v.map_or(1, <[u8]>::len);
                    }
                }
            }
        }
    }
    sum
}

fn decode(c: &mut Criterion) {
    let stream = result_stream();
    assert_eq!(
        fasterapi_codec(&stream),
        postgres_protocol(BytesMut::from(&stream[..]))
    );
    assert_eq!(
        fasterapi_codec(&stream),
        fasterapi_machine(ready_machine(), &stream)
    );
    let mut g = c.benchmark_group("pgwire_decode_10k_rows_x_10_cols");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("fasterapi_codec", |b| {
        b.iter(|| black_box(fasterapi_codec(black_box(&stream))))
    });
    g.bench_function("postgres_protocol", |b| {
        b.iter_batched(
            || BytesMut::from(&stream[..]),
            |buf| black_box(postgres_protocol(buf)),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("fasterapi_machine", |b| {
        b.iter_batched(
            ready_machine,
            |m| black_box(fasterapi_machine(m, black_box(&stream))),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
