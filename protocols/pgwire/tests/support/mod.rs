//! Test support: the real PostgreSQL 15 (`server.rs`, shared with fasterapi-tokio-pg's tests) and
//! the blocking-driver helpers that run fasterapi-pgwire's client machine against it.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

mod server;
pub(crate) mod tls;

pub(crate) use server::*;

use core::time::Duration;
use std::io::{Read, Write};

use fasterapi_core::{BlockingDriver, DriveError};
use fasterapi_pgwire::{ClientConnection, Config, Error, Event, RequestId, SslMode};

pub(crate) type Driver = BlockingDriver<ClientConnection, tls::Transport>;

/// A plain-TCP config for `user`.
pub(crate) fn config(user: &str, password: Option<&str>) -> Config {
    let mut c = Config::new(user)
        .database("postgres")
        .ssl_mode(SslMode::Disable);
    if let Some(p) = password {
        c = c.password(p);
    }
    c
}

/// Connects and runs the startup until the session is ready; TLS starts on `StartTls`.
pub(crate) fn connect(config: Config) -> Result<(Driver, Vec<Event>), DriveError<Error>> {
    let srv = server();
    let machine = ClientConnection::with_ring(config);
    let mut driver = BlockingDriver::new(machine, tls::Transport::Plain(srv.tcp()));
    let mut seen = Vec::new();
    loop {
        match driver.next_event()? {
            Some(Event::StartTls) => {
                let (mut machine, io) = driver.into_parts();
                let tls::Transport::Plain(tcp) = io else {
                    panic!("TLS twice")
                };
                let tls = tls::handshake(tcp, &srv.cert_der);
                let cert = tls.conn.peer_certificates().expect("server certificate")[0].to_vec();
                machine
                    .tls_established(Some(&cert))
                    .map_err(DriveError::Protocol)?;
                driver = BlockingDriver::new(machine, tls::Transport::Tls(Box::new(tls)));
            }
            Some(e @ Event::Ready { .. }) => {
                seen.push(e);
                return Ok((driver, seen));
            }
            Some(e) => seen.push(e),
            None => return Err(DriveError::Io(std::io::ErrorKind::UnexpectedEof.into())),
        }
    }
}

/// Connects as the trust superuser over plain TCP.
pub(crate) fn connect_trust() -> Driver {
    connect(config(TRUST, None)).expect("trust connection").0
}

/// Drives until `id` ends, collecting every event on the way (of any request).
pub(crate) fn until_done(driver: &mut Driver, id: RequestId) -> Vec<Event> {
    let mut out = Vec::new();
    loop {
        let e = driver
            .next_event()
            .expect("drive")
            .expect("connection open");
        let end = matches!(&e,
            Event::Done { id: i, .. } | Event::Failed { id: i, .. } | Event::Aborted { id: i } | Event::Suspended { id: i }
            if *i == id);
        out.push(e);
        if end {
            return out;
        }
    }
}

/// Runs a simple query and drives until it ends (Done or Failed, both at its ReadyForQuery).
pub(crate) fn simple(driver: &mut Driver, sql: &str) -> Vec<Event> {
    let id = driver.machine_mut().query(sql).expect("query");
    until_done(driver, id)
}

/// The text values of every row in `events`.
pub(crate) fn text_rows(events: &[Event]) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    for e in events {
        if let Event::Rows { rows: batch, .. } = e {
            for r in batch.iter() {
                rows.push(
                    r.iter()
                        .map(|v| v.map(|b| String::from_utf8_lossy(b).into_owned()))
                        .collect(),
                );
            }
        }
    }
    rows
}

/// Sends a CancelRequest for `token` on a new connection.
pub(crate) fn send_cancel(bytes: &[u8]) {
    let mut t = server().tcp();
    t.write_all(bytes).expect("send CancelRequest");
    t.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut sink = [0u8; 16];
    // The server closes the connection without answering (§54.2.8).
    let _ = t.read(&mut sink);
}
