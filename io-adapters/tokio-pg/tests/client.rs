//! The async client against a real PostgreSQL 15 (see `support`): authentication over TCP,
//! TLS and a Unix socket, typed rows, pipelines, COPY, NOTIFY, cancel, the statement cache.

mod support;

use core::time::Duration;
use std::sync::Arc;

use fasterapi_tokio_pg::{
    ChannelBindingMode, Client, Config, ConnectConfig, Error, Host, Null, SslMode,
};
use support::{CLEAR, MD5, SCRAM, TRUST, config, server, trust};

fn code(e: &Error) -> String {
    e.sqlstate()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_spot_checks() {
    let c = Client::connect(&config(CLEAR.0, Some(CLEAR.1), SslMode::Disable))
        .await
        .expect("cleartext");
    assert!(!c.is_tls());
    let c = Client::connect(&config(MD5.0, Some(MD5.1), SslMode::Disable))
        .await
        .expect("md5");
    assert_eq!(
        c.query("SELECT current_user::text", &[])
            .await
            .unwrap()
            .get(0)
            .unwrap()
            .get::<&str>(0)
            .unwrap(),
        MD5.0
    );
    // SCRAM in clear: no binding possible.
    let c = Client::connect(&config(SCRAM.0, Some(SCRAM.1), SslMode::Disable))
        .await
        .expect("scram");
    assert!(!c.used_channel_binding());
    // SCRAM over TLS: SCRAM-SHA-256-PLUS with tls-server-end-point, and the server agrees.
    let c = Client::connect(&config(SCRAM.0, Some(SCRAM.1), SslMode::Require))
        .await
        .expect("scram tls");
    assert!(c.is_tls() && c.used_channel_binding());
    let rows = c
        .query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    assert!(rows.get(0).unwrap().get::<bool>(0).unwrap());
    // prefer also upgrades.
    let c = Client::connect(&config(SCRAM.0, Some(SCRAM.1), SslMode::Prefer))
        .await
        .expect("prefer");
    assert!(c.is_tls() && c.used_channel_binding());
    // channel_binding=require without TLS is refused before any proof is sent.
    let mut cfg = config(SCRAM.0, Some(SCRAM.1), SslMode::Disable);
    cfg.pg = cfg.pg.channel_binding(ChannelBindingMode::Require);
    let e = Client::connect(&cfg).await.expect_err("binding required");
    assert!(
        matches!(
            e,
            Error::Protocol(fasterapi_pgwire::Error::ChannelBindingRequired)
        ),
        "{e}"
    );
    // A wrong password: the server's FATAL with its SQLSTATE.
    let e = Client::connect(&config(SCRAM.0, Some("wrong"), SslMode::Require))
        .await
        .expect_err("bad password");
    assert_eq!(code(&e), "28P01", "{e}");
    // verify-full against a root that did not sign the server certificate fails the handshake.
    let mut cfg = config(SCRAM.0, Some(SCRAM.1), SslMode::VerifyFull);
    cfg.tls_roots.push(unrelated_root());
    let e = Client::connect(&cfg).await.expect_err("unknown issuer");
    assert!(matches!(e, Error::Tls(_)), "{e}");
}

/// A CA certificate unrelated to the server's (DER), made with the openssl CLI.
fn unrelated_root() -> Vec<u8> {
    let dir = server().dir.join("unrelated");
    std::fs::create_dir_all(&dir).unwrap();
    let (key, der) = (dir.join("k.pem"), dir.join("c.der"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req", "-new", "-x509", "-days", "1", "-nodes", "-newkey", "ec", "-pkeyopt",
        ])
        .args([
            "ec_paramgen_curve:prime256v1",
            "-subj",
            "/CN=other",
            "-outform",
            "DER",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&der)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read(der).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_and_unix_socket() {
    let srv = server();
    let url = format!(
        "postgres://{}:{}@127.0.0.1:{}/postgres?sslmode=require&channel_binding=require&application_name=url%20test",
        SCRAM.0, SCRAM.1, srv.port
    );
    let c = Client::connect_url(&url).await.expect("url");
    assert!(c.used_channel_binding());
    let rows = c
        .query("SELECT current_setting('application_name')", &[])
        .await
        .unwrap();
    assert_eq!(rows.get(0).unwrap().get::<String>(0).unwrap(), "url test");
    assert!(matches!(
        Client::connect_url("mysql://x@h/db").await,
        Err(Error::Config(_))
    ));
    // The Unix socket in the server's directory (pg_hba: local trust).
    let cfg = ConnectConfig {
        host: Host::Unix(srv.dir.clone(), srv.port),
        ..ConnectConfig::new("unused", 0, TRUST).pg(Config::new(TRUST).database("postgres"))
    };
    let c = Client::connect(&cfg).await.expect("unix");
    let rows = c
        .query("SELECT inet_client_addr() IS NULL", &[])
        .await
        .unwrap();
    assert!(
        rows.get(0).unwrap().get::<bool>(0).unwrap(),
        "a Unix socket has no client address"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_rows_and_errors() {
    let c = trust().await;
    let rows = c
        .query(
            "SELECT $1::int4 + 1 AS n, $2::text AS t, $3::int8 AS nul, $4::bytea AS b, $5::float8 AS f",
            &[&41i32, &"héllo", &Null(20), &&b"\x00\xff"[..], &1.5f64],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows.columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["n", "t", "nul", "b", "f"]
    );
    let row = rows.get(0).unwrap();
    assert_eq!(row.get::<i32>(0).unwrap(), 42);
    assert_eq!(row.get_by_name::<&str>("t").unwrap(), "héllo");
    assert_eq!(row.get::<Option<i64>>(2).unwrap(), None);
    assert!(matches!(row.get::<i64>(2), Err(Error::Type(_))));
    assert_eq!(row.get::<&[u8]>(3).unwrap(), b"\x00\xff");
    assert_eq!(row.get::<f64>(4).unwrap(), 1.5);
    let many = c
        .query("SELECT g, g::text FROM generate_series(1, 5000) g", &[])
        .await
        .unwrap();
    assert_eq!(many.len(), 5000);
    assert_eq!(
        many.iter()
            .map(|r| r.get::<i32>(0).unwrap() as i64)
            .sum::<i64>(),
        5000 * 5001 / 2
    );
    assert_eq!(many.get(4999).unwrap().get::<String>(1).unwrap(), "5000");
    // A server error keeps its SQLSTATE, and the connection goes on.
    let e = c
        .query("SELECT * FROM no_such_table", &[])
        .await
        .unwrap_err();
    assert_eq!(code(&e), "42P01", "{e}");
    let e = c.execute("SELECT 1/$1::int4", &[&0i32]).await.unwrap_err();
    assert_eq!(code(&e), "22012");
    // prepare describes; query_prepared checks parameter types against it.
    let st = c.prepare("SELECT $1::int8 * 2").await.unwrap();
    assert_eq!(st.params(), [20]);
    let r = c.query_prepared(&st, &[&21i64]).await.unwrap();
    assert_eq!(r.get(0).unwrap().get::<i64>(0).unwrap(), 42);
    assert!(matches!(
        c.query_prepared(&st, &[&21i32]).await,
        Err(Error::Type(_))
    ));
    // Simple query: several statements, text values.
    let res = c.simple_query("SELECT 1; SELECT 'a', 'b'; ").await.unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(res[1].get(0).unwrap().get::<&str>(1).unwrap(), "b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_with_an_error_in_the_middle() {
    let c = trust().await;
    c.execute("CREATE TEMP TABLE p (v int4)", &[])
        .await
        .unwrap();
    let mut p = c.pipeline();
    p.push("INSERT INTO p VALUES ($1)", &[&1i32]).unwrap();
    p.push("SELECT count(*) FROM p", &[]).unwrap();
    p.push("SELECT 1/$1::int4", &[&0i32]).unwrap();
    p.push("INSERT INTO p VALUES ($1)", &[&2i32]).unwrap();
    let res = p.run().await.unwrap();
    assert_eq!(res.len(), 4);
    assert_eq!(res[0].as_ref().unwrap().affected(), 1);
    assert_eq!(
        res[1]
            .as_ref()
            .unwrap()
            .get(0)
            .unwrap()
            .get::<i64>(0)
            .unwrap(),
        1
    );
    assert_eq!(code(res[2].as_ref().unwrap_err()), "22012");
    assert!(matches!(res[3], Err(Error::Aborted)));
    // The implicit transaction of the pipeline rolled back; the connection is usable.
    let n = c.query("SELECT count(*) FROM p", &[]).await.unwrap();
    assert_eq!(n.get(0).unwrap().get::<i64>(0).unwrap(), 0);
    // Requests from concurrent tasks pipeline on one connection; each gets its own result.
    let c = Arc::new(c);
    let tasks: Vec<_> = (0..64i32)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.query("SELECT $1::int4 * 10", &[&i])
                    .await
                    .unwrap()
                    .get(0)
                    .unwrap()
                    .get::<i32>(0)
                    .unwrap()
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), i as i32 * 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_both_ways() {
    let c = trust().await;
    c.execute("CREATE TEMP TABLE cp (id int4, name text)", &[])
        .await
        .unwrap();
    let mut w = c.copy_in("COPY cp FROM STDIN").await.unwrap();
    let mut data = Vec::new();
    for i in 0..3000 {
        data.extend_from_slice(format!("{i}\tname {i}\n").as_bytes());
    }
    // Chunks that split rows.
    for chunk in data.chunks(1000) {
        w.send(chunk).await.unwrap();
    }
    assert_eq!(w.finish().await.unwrap(), 3000);
    let mut r = c
        .copy_out("COPY (SELECT * FROM cp ORDER BY id) TO STDOUT")
        .await
        .unwrap();
    let mut back = Vec::new();
    while let Some(chunk) = r.next().await {
        back.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(back, data);
    // Bad data: the server's error, nothing copied, the connection goes on.
    let mut w = c.copy_in("COPY cp FROM STDIN").await.unwrap();
    w.send(b"not-a-number\tx\n").await.unwrap();
    assert_eq!(code(&w.finish().await.unwrap_err()), "22P02");
    let w = c.copy_in("COPY cp FROM STDIN").await.unwrap();
    assert_eq!(code(&w.abort("changed my mind").await), "57014");
    {
        // Dropped unfinished: aborted on the server.
        let mut w = c.copy_in("COPY cp FROM STDIN").await.unwrap();
        w.send(b"9999\tdropped\n").await.unwrap();
    }
    let n = c.query("SELECT count(*) FROM cp", &[]).await.unwrap();
    assert_eq!(n.get(0).unwrap().get::<i64>(0).unwrap(), 3000);
}

/// `CopyIn::send` waits for the server: with the backend stopped (SIGSTOP) the sender gets
/// no further than the socket buffers plus the 64 KiB window, instead of queueing all 48 MiB
/// in the client; once the backend runs again every row arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_back_pressure() {
    const TOTAL: usize = 48 << 20;
    let c = Client::connect(&config(TRUST, None, SslMode::Disable).queue_bytes(64 * 1024))
        .await
        .expect("connect");
    c.execute("CREATE TEMP TABLE bp (id int4, pad text)", &[])
        .await
        .unwrap();
    let pid = c.process_id().to_string();
    let signal = move |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {sig}");
    };
    let sent = Arc::new(core::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    let stop = signal.clone();
    let sender = tokio::spawn(async move {
        let mut w = c.copy_in("COPY bp FROM STDIN").await.unwrap();
        stop("-STOP");
        let pad = "x".repeat(1000);
        let mut rows = 0u64;
        let mut chunk = Vec::with_capacity(64 * 1024);
        while counter.load(core::sync::atomic::Ordering::Relaxed) < TOTAL {
            chunk.clear();
            while chunk.len() < 60 * 1024 {
                chunk.extend_from_slice(format!("{rows}\t{pad}\n").as_bytes());
                rows += 1;
            }
            w.send(&chunk).await.unwrap();
            counter.fetch_add(chunk.len(), core::sync::atomic::Ordering::Relaxed);
        }
        (w.finish().await.unwrap(), rows)
    });
    // The sender stops itself once the server is stopped (or reaches TOTAL without
    // back-pressure); 1.5 s is ample for either.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stalled_at = sent.load(core::sync::atomic::Ordering::Relaxed);
    signal("-CONT");
    assert!(
        stalled_at < TOTAL / 2,
        "{stalled_at} bytes accepted while the server was stopped"
    );
    let (copied, rows) = tokio::time::timeout(Duration::from_secs(120), sender)
        .await
        .expect("the COPY finished")
        .unwrap();
    assert_eq!(copied, rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_stream() {
    let listener = trust().await;
    let mut stream = listener.notifications();
    listener.simple_query("LISTEN ch_test").await.unwrap();
    let sender = trust().await;
    sender
        .execute("SELECT pg_notify('ch_test', $1)", &[&"hello"])
        .await
        .unwrap();
    sender
        .simple_query("NOTIFY ch_test, 'second'")
        .await
        .unwrap();
    let a = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.channel.as_str(), a.payload.as_str()),
        ("ch_test", "hello")
    );
    assert_eq!(a.process_id, sender.process_id());
    let b = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.payload, "second");
    assert_eq!(listener.dropped_notifications(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_running_query() {
    let c = Arc::new(trust().await);
    let pid = c.process_id();
    let q = {
        let c = c.clone();
        tokio::spawn(async move { c.query("SELECT pg_sleep(60)", &[]).await })
    };
    // Wait until the server runs it (polled through another connection), then cancel.
    let watcher = trust().await;
    for _ in 0..600 {
        let r = watcher
            .query(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                &[&pid],
            )
            .await
            .unwrap();
        if r.get(0).unwrap().get::<i64>(0).unwrap() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.cancel_handle().unwrap().cancel().await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(30), q)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(code(&e), "57014", "{e}");
    assert_eq!(
        c.query("SELECT 7", &[])
            .await
            .unwrap()
            .get(0)
            .unwrap()
            .get::<i32>(0)
            .unwrap(),
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_calls_do_not_disturb_the_connection() {
    let c = trust().await;
    // Give up on a slow query: its result is discarded when it arrives.
    let r = tokio::time::timeout(
        Duration::from_millis(20),
        c.query("SELECT pg_sleep(0.5), 1", &[]),
    )
    .await;
    assert!(r.is_err(), "the sleep outlived the timeout");
    let rows = c.query("SELECT 'mine'", &[]).await.unwrap();
    assert_eq!(rows.get(0).unwrap().get::<&str>(0).unwrap(), "mine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_cache_after_alter_table() {
    let c = trust().await;
    c.execute("CREATE TABLE alt (a int4)", &[]).await.unwrap();
    c.execute("INSERT INTO alt VALUES (1)", &[]).await.unwrap();
    let first = c.query("SELECT * FROM alt", &[]).await.unwrap();
    assert_eq!(first.columns().len(), 1);
    // Another session changes the table under the cached plan.
    server()
        .psql("ALTER TABLE alt ADD COLUMN b text DEFAULT 'x'")
        .unwrap();
    // 0A000 "cached plan must not change result type": the cache drops it; the retry prepares again.
    let after = c.query("SELECT * FROM alt", &[]).await.unwrap();
    assert_eq!(after.columns().len(), 2);
    assert_eq!(after.get(0).unwrap().get::<&str>(1).unwrap(), "x");
    server().psql("DROP TABLE alt").unwrap();
}
