//! The codec as a proxy: psql (libpq) → a relay that parses every message of both directions
//! with `MessageReader` and forwards the RE-ENCODED bytes (not the originals) → PostgreSQL 15.
//! If the session works end to end (SCRAM, queries, errors, COPY), both directions parse and
//! emit byte for byte; the relay also checks equality itself and counts what it saw.

mod support;

use core::time::Duration;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

use fasterapi_pgwire::codec::{Direction, Message, MessageReader};

/// Relays one direction, re-encoding every message; records each message's name.
fn relay(
    mut from: TcpStream,
    mut to: TcpStream,
    direction: Direction,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut reader = MessageReader::new(direction, 1 << 24);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut at = 0;
        let mut out = Vec::new();
        while let Some((msg, used)) = reader
            .next(&buf[at..])
            .expect("the codec reads the real stream")
        {
            let start = out.len();
            let name = match msg {
                Message::Startup(s) => {
                    s.emit(&mut out);
                    format!("{s:?}")
                        .split([' ', '(', '{'])
                        .next()
                        .unwrap_or("")
                        .to_owned()
                }
                Message::Frontend(f) => {
                    f.emit(&mut out);
                    f.name().to_owned()
                }
                Message::Backend(b) => {
                    b.emit(&mut out);
                    b.name().to_owned()
                }
                Message::EncryptionResponse(b) => {
                    out.push(b);
                    "EncryptionResponse".to_owned()
                }
            };
            assert_eq!(
                &out[start..],
                &buf[at..at + used],
                "{name} re-encodes to its bytes"
            );
            seen.lock().unwrap().push(name);
            at += used;
        }
        buf.drain(..at);
        if to.write_all(&out).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn psql_through_proxy(user: &str, password: &str, sql: &str) -> (String, Vec<String>, Vec<String>) {
    let srv = support::server();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let front = Arc::new(Mutex::new(Vec::new()));
    let back = Arc::new(Mutex::new(Vec::new()));
    let (f2, b2) = (front.clone(), back.clone());
    let proxy = std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let server = srv.tcp();
        for s in [&client, &server] {
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        }
        let up = std::thread::spawn({
            let (c, s) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            move || relay(c, s, Direction::Frontend, f2)
        });
        relay(server, client, Direction::Backend, b2);
        up.join().unwrap();
    });
    let out = Command::new("psql")
        .args([
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            user,
            "-d",
            "postgres",
            "-c",
            sql,
        ])
        .env("PGPASSWORD", password)
        .env("PGSSLMODE", "disable")
        .env("PGGSSENCMODE", "disable")
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .expect("run psql");
    proxy.join().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let f = front.lock().unwrap().clone();
    let b = back.lock().unwrap().clone();
    (text, f, b)
}

#[test]
fn psql_scram_session_through_a_reencoding_proxy() {
    let (out, front, back) = psql_through_proxy(
        support::SCRAM.0,
        support::SCRAM.1,
        "SELECT 1 AS one, NULL::text, 'x,y'; SELECT generate_series(1, 3)",
    );
    assert_eq!(out, "1||x,y\n1\n2\n3\n", "psql output");
    // The `p` messages read as AuthenticationResponse (their meaning depends on context).
    for m in ["Startup", "AuthenticationResponse", "Query", "Terminate"] {
        assert!(front.iter().any(|s| s == m), "frontend {m}: {front:?}");
    }
    assert_eq!(
        front
            .iter()
            .filter(|s| *s == "AuthenticationResponse")
            .count(),
        2,
        "SASL initial + final"
    );
    for m in [
        "Authentication",
        "ParameterStatus",
        "BackendKeyData",
        "ReadyForQuery",
        "RowDescription",
        "DataRow",
        "CommandComplete",
    ] {
        assert!(back.iter().any(|s| s == m), "backend {m}: {back:?}");
    }
}

#[test]
fn psql_errors_and_copy_through_a_reencoding_proxy() {
    let (out, _, back) = psql_through_proxy(support::MD5.0, support::MD5.1, "SELECT 1/0");
    assert!(out.contains("division by zero"), "{out}");
    assert!(back.iter().any(|s| s == "ErrorResponse"));
    let (out, _, back) = psql_through_proxy(
        support::TRUST,
        "",
        "COPY (SELECT i, md5(i::text) FROM generate_series(1, 2000) i) TO STDOUT",
    );
    assert_eq!(out.lines().count(), 2000);
    assert!(out.starts_with("1\tc4ca4238a0b923820dcc509a6f75849b\n"));
    assert!(back.iter().filter(|s| *s == "CopyData").count() >= 2000);
    assert!(back.iter().any(|s| s == "CopyOutResponse") && back.iter().any(|s| s == "CopyDone"));
}
