//! The async client (fasterapi-tokio-pg) against tokio-postgres on the same real PostgreSQL
//! 15, same run (the server is started by the tokio-pg test harness: `initdb` in a temp
//! directory, a free 127.0.0.1 port, stopped when the process exits). Both clients on one
//! current-thread tokio runtime, plain TCP.
//!
//! * `select_10k`: 10,000 sequential prepared single-row `SELECT $1::int4` on one connection
//!   (each awaited before the next);
//! * `insert_10k_pipelined`: 10,000 `INSERT … VALUES ($1)` in flight at once — ours as one
//!   explicit pipeline (one Sync), tokio-postgres as 10,000 concurrent `execute` futures
//!   joined (its pipelining: one Sync per statement); also ours the tokio-postgres way
//!   (concurrent futures) for the like-for-like number;
//! * `connect_scram`: connection setup with SCRAM-SHA-256 (no TLS), then close.
//!
//! Probe mode, for counting per query with `strace -c` or callgrind (no criterion):
//! `PGCLIENT_PROBE=ours|theirs PGCLIENT_N=<queries>` runs that many `select_10k` queries on
//! one client and exits; the difference between two N cancels the setup.

use core::hint::black_box;
use std::io::Write as _;

use criterion::{Criterion, criterion_group};
use fasterapi_tokio_pg::{Client, Config, ConnectConfig, SslMode};
use futures::future::join_all;
use tokio::runtime::Runtime;

#[path = "../../io-adapters/tokio-pg/tests/support/mod.rs"]
mod support;

const N: i32 = 10_000;

fn ours_config() -> ConnectConfig {
    let (user, pw) = support::SCRAM;
    ConnectConfig::new("127.0.0.1", support::server().port, user)
        .pg(Config::new(user).password(pw).database("postgres"))
        .ssl_mode(SslMode::Disable)
}

fn theirs_config() -> tokio_postgres::Config {
    let (user, pw) = support::SCRAM;
    let mut c = tokio_postgres::Config::new();
    c.host("127.0.0.1")
        .port(support::server().port)
        .user(user)
        .password(pw)
        .dbname("postgres");
    c
}

async fn theirs_connect() -> tokio_postgres::Client {
    let (client, conn) = theirs_config()
        .connect(tokio_postgres::NoTls)
        .await
        .expect("tokio-postgres connect");
    tokio::spawn(conn);
    client
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    support::server()
        .psql("CREATE UNLOGGED TABLE IF NOT EXISTS bench_ins (v int4); GRANT ALL ON bench_ins TO PUBLIC")
        .expect("table");
    select(c, &rt);
    insert(c, &rt);
    connect(c, &rt);
}

fn select(c: &mut Criterion, rt: &Runtime) {
    let sql = "SELECT $1::int4";
    let ours = rt
        .block_on(Client::connect(&ours_config()))
        .expect("connect");
    let stmt = rt.block_on(ours.prepare(sql)).expect("prepare");
    let theirs = rt.block_on(theirs_connect());
    let tstmt = rt.block_on(theirs.prepare(sql)).expect("prepare");
    let mut g = c.benchmark_group("pgclient/select_10k");
    g.sample_size(10);
    g.bench_function("fasterapi", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut sum = 0i64;
                for i in 0..N {
                    let rows = ours.query_prepared(&stmt, &[&i]).await.expect("query");
                    sum += i64::from(rows.get(0).expect("row").get::<i32>(0).expect("int"));
                }
                black_box(sum)
            })
        })
    });
    g.bench_function("tokio_postgres", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut sum = 0i64;
                for i in 0..N {
                    let row = theirs.query_one(&tstmt, &[&i]).await.expect("query");
                    sum += i64::from(row.get::<_, i32>(0));
                }
                black_box(sum)
            })
        })
    });
    g.finish();
}

fn insert(c: &mut Criterion, rt: &Runtime) {
    let sql = "INSERT INTO bench_ins VALUES ($1)";
    let ours = rt
        .block_on(Client::connect(&ours_config()))
        .expect("connect");
    let theirs = rt.block_on(theirs_connect());
    let tstmt = rt.block_on(theirs.prepare(sql)).expect("prepare");
    let mut g = c.benchmark_group("pgclient/insert_10k_pipelined");
    g.sample_size(10);
    g.bench_function("fasterapi_pipeline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut p = ours.pipeline();
                for i in 0..N {
                    p.push(sql, &[&i]).expect("push");
                }
                let res = p.run().await.expect("pipeline");
                assert!(
                    res.iter()
                        .all(|r| r.as_ref().is_ok_and(|r| r.affected() == 1))
                );
            })
        })
    });
    g.bench_function("fasterapi_concurrent", |b| {
        b.iter(|| {
            rt.block_on(async {
                let futs = (0..N).map(|i| {
                    let ours = &ours;
                    async move { ours.execute(sql, &[&i]).await }
                });
                let res = join_all(futs).await;
                assert!(res.iter().all(|r| matches!(r, Ok(1))));
            })
        })
    });
    g.bench_function("tokio_postgres", |b| {
        b.iter(|| {
            rt.block_on(async {
                let futs = (0..N).map(|i| {
                    let (theirs, tstmt) = (&theirs, &tstmt);
                    async move { theirs.execute(tstmt, &[&i]).await }
                });
                let res = join_all(futs).await;
                assert!(res.iter().all(|r| matches!(r, Ok(1))));
            })
        })
    });
    g.finish();
    let _ = support::server().psql("TRUNCATE bench_ins");
}

fn connect(c: &mut Criterion, rt: &Runtime) {
    let config = ours_config();
    let tconfig = theirs_config();
    let mut g = c.benchmark_group("pgclient/connect_scram");
    g.sample_size(20);
    g.bench_function("fasterapi", |b| {
        b.iter(|| {
            rt.block_on(async {
                let client = Client::connect(&config).await.expect("connect");
                client.close();
            })
        })
    });
    g.bench_function("tokio_postgres", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (client, conn) = tconfig
                    .connect(tokio_postgres::NoTls)
                    .await
                    .expect("connect");
                let task = tokio::spawn(conn);
                drop(client);
                let _ = task.await;
            })
        })
    });
    g.finish();
}

/// Runs `PGCLIENT_N` sequential prepared SELECTs on the client `PGCLIENT_PROBE` names;
/// `false` when probe mode is off.
fn probe() -> bool {
    let Ok(which) = std::env::var("PGCLIENT_PROBE") else {
        return false;
    };
    let n: i32 = std::env::var("PGCLIENT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(N);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sql = "SELECT $1::int4";
    let (sum, took) = rt.block_on(async {
        let mut sum = 0i64;
        let start;
        if which == "ours" {
            let ours = Client::connect(&ours_config()).await.expect("connect");
            let stmt = ours.prepare(sql).await.expect("prepare");
            start = std::time::Instant::now();
            for i in 0..n {
                let rows = ours.query_prepared(&stmt, &[&i]).await.expect("query");
                sum += i64::from(rows.get(0).expect("row").get::<i32>(0).expect("int"));
            }
        } else {
            let theirs = theirs_connect().await;
            let tstmt = theirs.prepare(sql).await.expect("prepare");
            start = std::time::Instant::now();
            for i in 0..n {
                let row = theirs.query_one(&tstmt, &[&i]).await.expect("query");
                sum += i64::from(row.get::<_, i32>(0));
            }
        }
        (sum, start.elapsed())
    });
    // The probe's one line of output (the lints allow no println!).
    let _ = writeln!(
        std::io::stdout(),
        "{which}: {n} queries, sum {sum}, {took:?}"
    );
    true
}

criterion_group!(benches, bench);

fn main() {
    if probe() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
