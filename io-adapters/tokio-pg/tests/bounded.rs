//! Bounded memory against a real PostgreSQL 15 (see `support`): COPY OUT and streamed rows
//! read slowly stay within the connection's `queue_bytes` (the task stops reading the
//! socket), requests pipelined behind them wait and arrive intact, and the collecting
//! calls' `max_result_bytes` fails cleanly with the connection still usable.

mod support;

use core::time::Duration;

use fasterapi_tokio_pg::{Client, Error, SslMode};
use support::{TRUST, config};

/// One socket read of overshoot (the task's read chunk) plus one message.
const OVERSHOOT: usize = 64 * 1024 + 1024;

async fn client(queue_bytes: usize, max_result_bytes: usize) -> Client {
    let cfg = config(TRUST, None, SslMode::Disable)
        .queue_bytes(queue_bytes)
        .max_result_bytes(max_result_bytes);
    Client::connect(&cfg).await.expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_out_read_slowly_stays_bounded() {
    const BUDGET: usize = 256 * 1024;
    const ROWS: usize = 100_000;
    let c = client(BUDGET, usize::MAX).await;
    // About 21 MB of COPY data.
    let mut out = c
        .copy_out("COPY (SELECT i, repeat('x', 200) FROM generate_series(1, 100000) i) TO STDOUT")
        .await
        .unwrap();
    // Not read: the server keeps sending, the task must stop at the budget (waited for in
    // bounded steps; a loaded machine may take a while to fill it).
    for _ in 0..200 {
        if out.queued_bytes() >= BUDGET {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer: it must not grow past budget + one read.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = out.queued_bytes();
    assert!(
        waiting >= BUDGET,
        "the queue filled to its budget: {waiting}"
    );
    assert!(waiting <= BUDGET + OVERSHOOT, "queued {waiting}");
    // A request pipelined behind the COPY waits for it and comes back intact.
    let reader = async {
        let (mut lines, mut bytes) = (0usize, 0usize);
        while let Some(chunk) = out.next().await {
            let chunk = chunk.unwrap();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            bytes += chunk.len();
            if lines % 1000 == 0 {
                tokio::task::yield_now().await;
            }
        }
        (lines, bytes, out.peak_queued_bytes())
    };
    let behind = c.query("SELECT 42::int4", &[]);
    let ((lines, bytes, peak), behind) = tokio::join!(reader, behind);
    assert_eq!(lines, ROWS);
    let expected: usize = (1..=ROWS).map(|i| i.to_string().len() + 1 + 200 + 1).sum();
    assert_eq!(bytes, expected);
    assert!(peak <= BUDGET + OVERSHOOT, "peak {peak}");
    assert_eq!(behind.unwrap().get(0).unwrap().get::<i32>(0).unwrap(), 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_query_of_100k_rows() {
    const BUDGET: usize = 64 * 1024;
    // The collecting limit does not apply to streams.
    let c = client(BUDGET, 1024).await;
    let mut s = c
        .query_stream(
            "SELECT i, repeat('y', 50) FROM generate_series(1, $1) i",
            &[&100_000i32],
        )
        .await
        .unwrap();
    for _ in 0..200 {
        if s.queued_bytes() >= BUDGET {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(s.queued_bytes() <= BUDGET + OVERSHOOT);
    let mut next = 1i32;
    while let Some(batch) = s.next().await {
        let batch = batch.unwrap();
        for row in batch.iter() {
            assert_eq!(row.get::<i32>(0).unwrap(), next);
            assert_eq!(row.get::<&str>(1).unwrap().len(), 50);
            next += 1;
        }
    }
    assert_eq!(next, 100_001);
    assert_eq!(s.tag(), Some("SELECT 100000"));
    assert_eq!(s.columns().len(), 2);
    let peak = s.peak_queued_bytes();
    assert!((BUDGET..=BUDGET + OVERSHOOT).contains(&peak), "peak {peak}");
    // A server error arrives through the stream.
    let mut s = c.query_stream("SELECT 1/0", &[]).await.unwrap();
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.sqlstate().unwrap().as_str(), "22012");
    assert!(s.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_unblocks_the_connection() {
    let c = client(16 * 1024, usize::MAX).await;
    let mut s = c
        .query_stream(
            "SELECT repeat('z', 100) FROM generate_series(1, 200000)",
            &[],
        )
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    drop(s);
    // The rest is read and discarded; the next request runs.
    let r = c.query("SELECT 7::int4", &[]).await.unwrap();
    assert_eq!(r.get(0).unwrap().get::<i32>(0).unwrap(), 7);
    let mut out = c
        .copy_out("COPY (SELECT repeat('w', 100) FROM generate_series(1, 200000)) TO STDOUT")
        .await
        .unwrap();
    assert!(out.next().await.unwrap().is_ok());
    drop(out);
    assert_eq!(c.execute("SELECT 1", &[]).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_size_limit_then_a_working_query() {
    let c = client(1 << 20, 100_000).await;
    let e = c
        .query("SELECT i FROM generate_series(1, 100000) i", &[])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ResultTooLarge(100_000)), "{e}");
    let r = c.query("SELECT 5::int4", &[]).await.unwrap();
    assert_eq!(r.get(0).unwrap().get::<i32>(0).unwrap(), 5);
    let e = c
        .simple_query("SELECT 1; SELECT i FROM generate_series(1, 100000) i")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ResultTooLarge(_)), "{e}");
    // Under the limit, and a pipeline where one statement is over it.
    let r = c
        .query("SELECT i FROM generate_series(1, 1000) i", &[])
        .await
        .unwrap();
    assert_eq!(r.len(), 1000);
    let mut p = c.pipeline();
    p.push("SELECT i FROM generate_series(1, 100000) i", &[])
        .unwrap();
    p.push("SELECT 9::int4", &[]).unwrap();
    let out = p.run().await.unwrap();
    assert!(matches!(out[0], Err(Error::ResultTooLarge(_))));
    assert_eq!(
        out[1]
            .as_ref()
            .unwrap()
            .get(0)
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        9
    );
    assert!(c.is_idle());
}
