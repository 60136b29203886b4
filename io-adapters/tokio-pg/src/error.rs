//! The client's errors: every one says what failed, and a server error keeps its SQLSTATE.

use core::fmt;

use fasterapi_pgwire::types::TypeError;
use fasterapi_pgwire::{DbError, SqlState};

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed.
    Io(std::io::Error),
    /// The TLS handshake or configuration failed.
    Tls(String),
    /// The protocol machine refused (authentication, channel binding, a protocol violation).
    Protocol(fasterapi_pgwire::Error),
    /// The server answered this request with an error (SQLSTATE in [`DbError::code`]).
    Db(DbError),
    /// This request never ran: an earlier request of its pipeline failed.
    Aborted,
    /// The connection is closed (by the server, a failure, or [`Client::close`](crate::Client::close)).
    Closed,
    /// The connection failed while this request was outstanding (the reason).
    ConnectionLost(String),
    /// A pool checkout waited longer than its `wait_timeout`.
    Timeout,
    /// A value did not decode or encode.
    Type(TypeError),
    /// A bad connection string or setting.
    Config(String),
    /// A collecting call's result passed `max_result_bytes` (the limit); the rest was
    /// read and discarded, the connection is usable.
    ResultTooLarge(usize),
    /// The server answered something this call did not expect (e.g. COPY from `query`).
    Unexpected(&'static str),
}

impl Error {
    /// The SQLSTATE of a server error (`Db`, or a `Protocol` error that carries one).
    pub fn sqlstate(&self) -> Option<SqlState> {
        match self {
            Self::Db(e) => Some(e.code()),
            Self::Protocol(fasterapi_pgwire::Error::Server(e)) => Some(e.code()),
            _ => None,
        }
    }

    /// The server error, when this is one.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Self::Db(e) | Self::Protocol(fasterapi_pgwire::Error::Server(e)) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O: {e}"),
            Self::Tls(e) => write!(f, "TLS: {e}"),
            Self::Protocol(e) => write!(f, "protocol: {e}"),
            Self::Db(e) => write!(
                f,
                "{}: {} (SQLSTATE {})",
                e.severity(),
                e.message(),
                e.code().as_str()
            ),
            Self::Aborted => f.write_str("not run: an earlier request of the pipeline failed"),
            Self::Closed => f.write_str("the connection is closed"),
            Self::Timeout => f.write_str("timed out waiting for a pooled connection"),
            Self::ConnectionLost(why) => write!(f, "the connection was lost: {why}"),
            Self::Type(e) => write!(f, "type: {e}"),
            Self::Config(e) => write!(f, "configuration: {e}"),
            Self::ResultTooLarge(n) => write!(
                f,
                "the result is larger than max_result_bytes ({n} bytes); use query_stream"
            ),
            Self::Unexpected(e) => write!(f, "unexpected: {e}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<fasterapi_pgwire::Error> for Error {
    fn from(e: fasterapi_pgwire::Error) -> Self {
        match e {
            fasterapi_pgwire::Error::Server(db) if !db.is_fatal() => Self::Db(db),
            e => Self::Protocol(e),
        }
    }
}

impl From<TypeError> for Error {
    fn from(e: TypeError) -> Self {
        Self::Type(e)
    }
}
