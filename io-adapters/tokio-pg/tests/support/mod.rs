//! Test support: the real PostgreSQL 15 of fasterapi-pgwire's tests (its `support/server.rs`,
//! included here so both crates start and stop the server the same way) and client helpers.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

#[path = "../../../../protocols/pgwire/tests/support/server.rs"]
mod server;

pub(crate) use server::*;

use fasterapi_tokio_pg::{Client, Config, ConnectConfig, SslMode};

/// The client configuration for `user` over TCP, TLS as `mode`.
pub(crate) fn config(user: &str, password: Option<&str>, mode: SslMode) -> ConnectConfig {
    let mut pg = Config::new(user).database("postgres");
    if let Some(p) = password {
        pg = pg.password(p);
    }
    ConnectConfig::new("127.0.0.1", server().port, user)
        .pg(pg)
        .ssl_mode(mode)
}

/// A trust connection in clear.
pub(crate) async fn trust() -> Client {
    Client::connect(&config(TRUST, None, SslMode::Disable))
        .await
        .expect("connect")
}
