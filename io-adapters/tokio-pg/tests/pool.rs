//! The pool against a real PostgreSQL 15: bounded under more tasks than connections, a
//! statement cache per connection, recovery after the server kills a connection.

mod support;

use core::time::Duration;

use fasterapi_tokio_pg::{Config, Error, Pool, PoolOptions, SslMode};
use support::{SCRAM, config, server};

fn pool(max: usize, app: &str) -> Pool {
    let mut cfg = config(SCRAM.0, Some(SCRAM.1), SslMode::Disable);
    cfg.pg = Config::new(SCRAM.0)
        .password(SCRAM.1)
        .database("postgres")
        .application_name(app);
    Pool::new(
        cfg,
        PoolOptions {
            max_size: max,
            ..PoolOptions::default()
        },
    )
    .unwrap()
}

const SQL: &str =
    "SELECT $1::int4, count(*) FROM pg_stat_activity WHERE application_name = 'pool_bounded'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_under_concurrency() {
    let pool = pool(3, "pool_bounded");
    let tasks: Vec<_> = (0..24i32)
        .map(|t| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut max_seen = 0;
                for i in 0..10i32 {
                    let c = pool.get().await.unwrap();
                    let r = c.query(SQL, &[&(t * 100 + i)]).await.unwrap();
                    let row = r.get(0).unwrap();
                    assert_eq!(row.get::<i32>(0).unwrap(), t * 100 + i);
                    max_seen = max_seen.max(row.get::<i64>(1).unwrap());
                }
                max_seen
            })
        })
        .collect();
    for t in tasks {
        let seen = t.await.unwrap();
        assert!((1..=3).contains(&seen), "{seen} connections open at once");
    }
    assert!(pool.idle() <= 3);
    assert_eq!(pool.available(), 3);
    // Each connection prepared the statement once in its own cache: the server's
    // pg_prepared_statements of a pooled connection holds it.
    let c = pool.get().await.unwrap();
    let r = c
        .query(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
            &[&SQL],
        )
        .await
        .unwrap();
    assert_eq!(r.get(0).unwrap().get::<i64>(0).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_from_a_killed_connection() {
    let pool = pool(1, "pool_kill");
    let pid = pool.get().await.unwrap().process_id();
    assert_eq!(pool.idle(), 1);
    // The server ends the idle connection; the checkout's health check notices and opens a new one.
    server()
        .psql(&format!("SELECT pg_terminate_backend({pid})"))
        .unwrap();
    let c = pool.get().await.unwrap();
    assert_ne!(c.process_id(), pid);
    assert_eq!(
        c.query("SELECT 5", &[])
            .await
            .unwrap()
            .get(0)
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        5
    );
    // A connection killed while checked out fails its request clearly and is not returned.
    server()
        .psql(&format!("SELECT pg_terminate_backend({})", c.process_id()))
        .unwrap();
    let e = c.query("SELECT 1", &[]).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::ConnectionLost(_) | Error::Closed | Error::Protocol(_) | Error::Db(_)
        ),
        "{e}"
    );
    drop(c);
    let c = pool.get().await.unwrap();
    assert_eq!(
        c.query("SELECT 6", &[])
            .await
            .unwrap()
            .get(0)
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        6
    );
    // A connection returned inside a transaction is closed, not reused.
    c.simple_query("BEGIN").await.unwrap();
    let pid = c.process_id();
    drop(c);
    let c = pool.get().await.unwrap();
    assert_ne!(c.process_id(), pid);
    assert!(c.is_idle());
    // With every slot taken, get waits and times out.
    let mut cfg = config(SCRAM.0, Some(SCRAM.1), SslMode::Disable);
    cfg.pg = Config::new(SCRAM.0).password(SCRAM.1).database("postgres");
    let tiny = Pool::new(
        cfg,
        PoolOptions {
            max_size: 1,
            wait_timeout: Duration::from_millis(100),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let held = tiny.get().await.unwrap();
    assert!(matches!(tiny.get().await, Err(Error::Timeout)));
    drop(held);
    tiny.get().await.unwrap();
}
