//! Standalone blocking handshakes (features `std` + `http1`): HTTP/1.1 upgrade over any
//! [`BlockingIo`] transport with `fasterapi-http1`'s machines, handing the transport and the
//! bytes read past the handshake to a [`Connection`] in a [`BlockingDriver`]. For tests,
//! examples, tools and simple thread-per-connection programs.

extern crate alloc;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use fasterapi_core::{BlockingDriver, BlockingIo, DriveError, DriverConfig};
use fasterapi_http1::{
    ClientConnection, ConnectionConfig, ConnectionError, Event as H1Event, ServerConnection,
};

use crate::handshake::{
    ClientHandshake, ClientOptions, DefaultCrypto, HandshakeError, ServerOptions,
};
use crate::http1::{UpgradeError, accept_request, send_request, verify_response};
use crate::{Config, Connection, RandomSource};

/// Why a blocking handshake failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// The WebSocket handshake was refused (by us as a server, after answering; or by the
    /// server we connected to).
    Handshake(HandshakeError),
    /// The HTTP/1.1 exchange failed.
    Http(String),
    /// The peer closed the connection before the handshake finished.
    Closed,
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(e) => write!(f, "handshake refused: {e}"),
            Self::Http(e) => write!(f, "HTTP/1.1 exchange failed: {e}"),
            Self::Closed => f.write_str("connection closed during the handshake"),
        }
    }
}

impl core::error::Error for HandshakeFailure {}

impl<E: fmt::Display> From<DriveError<E>> for HandshakeFailure {
    fn from(e: DriveError<E>) -> Self {
        Self::Http(e.to_string())
    }
}

impl From<UpgradeError> for HandshakeFailure {
    fn from(e: UpgradeError) -> Self {
        match e {
            UpgradeError::Handshake(h) => Self::Handshake(h),
            UpgradeError::Http(h) => Self::Http(h.to_string()),
        }
    }
}

impl From<ConnectionError> for HandshakeFailure {
    fn from(e: ConnectionError) -> Self {
        Self::Http(e.to_string())
    }
}

/// Server side: reads the HTTP/1.1 upgrade request from `io`, answers it (101, or 400/426
/// on a refusal), and returns a driver running a server [`Connection`] configured from
/// `config` and the negotiated extensions, with the leftover bytes already fed.
///
/// # Errors
/// A [`HandshakeFailure`]; a refusal has been written to `io`.
pub fn accept<T: BlockingIo>(
    io: T,
    options: &ServerOptions,
    config: Config,
    driver: DriverConfig,
) -> Result<BlockingDriver<Connection, T>, HandshakeFailure> {
    let mut d = BlockingDriver::with_config(
        ServerConnection::new(ConnectionConfig::default()),
        io,
        driver.clone(),
    );
    let request = loop {
        match d.next_event()? {
            Some(H1Event::Request(r)) => break r,
            Some(_) => {}
            None => return Err(HandshakeFailure::Closed),
        }
    };
    let accepted = match accept_request(d.machine_mut(), &request, options, &DefaultCrypto) {
        Ok(a) => a,
        Err(e) => {
            d.flush()?;
            return Err(e.into());
        }
    };
    let leftover = loop {
        match d.next_event()? {
            Some(H1Event::Switched { leftover }) => break leftover,
            Some(_) => {}
            None => return Err(HandshakeFailure::Closed),
        }
    };
    let (_, io) = d.into_parts();
    let mut d =
        BlockingDriver::with_config(Connection::server(accepted.config(config)), io, driver);
    let now = d.now();
    // An error here has queued its close frame: the caller's first `next_event` writes it
    // and reports the connection closed.
    let _ = d.machine_mut().handle_leftover(now, &leftover);
    Ok(d)
}

/// Client side: sends `GET path` with the upgrade to `host` over `io`, checks the answer, and
/// returns a driver running a client [`Connection`] (masks from `rng`, which also makes the
/// key) with the leftover bytes already fed.
///
/// # Errors
/// A [`HandshakeFailure`].
pub fn connect<T: BlockingIo>(
    io: T,
    host: &str,
    path: &str,
    options: ClientOptions,
    config: Config,
    driver: DriverConfig,
    mut rng: impl RandomSource + Send + 'static,
) -> Result<BlockingDriver<Connection, T>, HandshakeFailure> {
    let mut d = BlockingDriver::with_config(
        ClientConnection::new(ConnectionConfig::default()),
        io,
        driver.clone(),
    );
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce);
    let hs = ClientHandshake::new(options, nonce);
    send_request(d.machine_mut(), host, path, &hs)?;
    let response = loop {
        match d.next_event()? {
            Some(H1Event::Response(r)) => break r,
            Some(_) => {}
            None => return Err(HandshakeFailure::Closed),
        }
    };
    let accepted =
        verify_response(&hs, &response, &DefaultCrypto).map_err(HandshakeFailure::Handshake)?;
    let leftover = loop {
        match d.next_event()? {
            Some(H1Event::Switched { leftover }) => break leftover,
            Some(_) => {}
            None => return Err(HandshakeFailure::Closed),
        }
    };
    let (_, io) = d.into_parts();
    let conn = Connection::client(
        accepted.config(config),
        Box::new(rng) as Box<dyn RandomSource + Send>,
    );
    let mut d = BlockingDriver::with_config(conn, io, driver);
    let now = d.now();
    let _ = d.machine_mut().handle_leftover(now, &leftover);
    Ok(d)
}
