//! The crate's error type and the server's error report.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::auth::{CertHashError, ScramError};
use crate::codec::CodecError;

/// A SQLSTATE code (§54.8 field `C`, Appendix A of the PostgreSQL manual): five ASCII
/// characters. Unknown codes round-trip unchanged.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SqlState(pub [u8; 5]);

impl SqlState {
    /// `00000` successful completion.
    pub const SUCCESSFUL_COMPLETION: Self = Self(*b"00000");
    /// `0A000` feature not supported; with "cached plan must not change result type" it means
    /// a prepared statement's result shape changed under it.
    pub const FEATURE_NOT_SUPPORTED: Self = Self(*b"0A000");
    /// `22012` division by zero.
    pub const DIVISION_BY_ZERO: Self = Self(*b"22012");
    /// `23505` unique violation.
    pub const UNIQUE_VIOLATION: Self = Self(*b"23505");
    /// `25P02` in failed SQL transaction.
    pub const IN_FAILED_SQL_TRANSACTION: Self = Self(*b"25P02");
    /// `26000` invalid SQL statement name (the prepared statement does not exist).
    pub const INVALID_SQL_STATEMENT_NAME: Self = Self(*b"26000");
    /// `28000` invalid authorization specification.
    pub const INVALID_AUTHORIZATION_SPECIFICATION: Self = Self(*b"28000");
    /// `28P01` invalid password.
    pub const INVALID_PASSWORD: Self = Self(*b"28P01");
    /// `42601` syntax error.
    pub const SYNTAX_ERROR: Self = Self(*b"42601");
    /// `42P01` undefined table.
    pub const UNDEFINED_TABLE: Self = Self(*b"42P01");
    /// `57014` query canceled.
    pub const QUERY_CANCELED: Self = Self(*b"57014");
    /// `57P01` admin shutdown.
    pub const ADMIN_SHUTDOWN: Self = Self(*b"57P01");

    /// The code as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("?????")
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlState({})", self.as_str())
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ErrorResponse or NoticeResponse, owned: every field as the server sent it (§54.8).
#[derive(Clone, PartialEq, Eq)]
pub struct DbError {
    fields: Vec<(u8, String)>,
}

impl DbError {
    /// From the codec's fields (text that is not UTF-8 is replaced, as the session is UTF-8).
    pub fn from_fields(fields: crate::codec::Fields<'_>) -> Self {
        Self {
            fields: fields
                .iter()
                .map(|f| (f.code, String::from_utf8_lossy(f.value).into_owned()))
                .collect(),
        }
    }

    /// The field of type `code` (`b'D'` detail, `b'H'` hint, `b'P'` position, …).
    pub fn field(&self, code: u8) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.0 == code)
            .map(|f| f.1.as_str())
    }

    /// Every field in the order sent.
    pub fn fields(&self) -> &[(u8, String)] {
        &self.fields
    }

    /// The SQLSTATE (`C`); `XX000` when the server left it out.
    pub fn code(&self) -> SqlState {
        match self.field(b'C').map(str::as_bytes) {
            Some(&[a, b, c, d, e]) => SqlState([a, b, c, d, e]),
            _ => SqlState(*b"XX000"),
        }
    }

    /// The non-localized severity (`V`, else `S`): `ERROR`, `FATAL`, `PANIC`, `WARNING`, …
    pub fn severity(&self) -> &str {
        self.field(b'V')
            .or_else(|| self.field(b'S'))
            .unwrap_or("ERROR")
    }

    /// The primary message (`M`).
    pub fn message(&self) -> &str {
        self.field(b'M').unwrap_or("")
    }

    /// Whether the server ends the session after it (FATAL, PANIC).
    pub fn is_fatal(&self) -> bool {
        matches!(self.severity(), "FATAL" | "PANIC")
    }
}

impl fmt::Debug for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DbError({} {}: {})",
            self.severity(),
            self.code(),
            self.message()
        )
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity(), self.code(), self.message())?;
        if let Some(d) = self.field(b'D') {
            write!(f, " (detail: {d})")?;
        }
        Ok(())
    }
}

impl core::error::Error for DbError {}

/// Everything that ends a connection or refuses an action, sorted by fault.
///
/// Returned from an input it is fatal: the machine queued a Terminate where the session had
/// started, so drain the output and close the transport. Server errors for one request are
/// not errors here: they arrive as [`Event::Failed`](crate::Event::Failed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- malformed input / peer misbehaved ---
    /// A message that does not parse, or one over the size limit.
    Codec(CodecError),
    /// A well-formed message the protocol does not allow here.
    UnexpectedMessage {
        /// What the machine was doing.
        state: &'static str,
        /// The message's type byte.
        tag: u8,
    },
    /// Another protocol violation by the server.
    Protocol(&'static str),
    /// The SCRAM exchange failed (a bad server signature is a man-in-the-middle sign).
    Scram(ScramError),
    /// The server refused the connection or ended the session (FATAL during startup).
    Server(DbError),
    /// The stream ended while the session was open.
    UnexpectedEof,
    // --- incompatible ---
    /// TLS is required but the server refused it (`N` to SSLRequest).
    TlsRefused,
    /// The server asked for an authentication method this client does not implement.
    UnsupportedAuthentication(&'static str),
    /// `channel_binding=require`, but the server authenticated without SCRAM-SHA-256-PLUS.
    ChannelBindingRequired,
    /// The server certificate gives no channel binding data.
    CertificateHash(CertHashError),
    /// The server asked for a password and none is configured.
    PasswordRequired,
    /// The server asked for a cleartext password and the configuration forbids sending one.
    CleartextRefused,
    // --- local misuse ---
    /// An action the current state does not allow (a query before the session is ready, COPY
    /// data outside COPY IN, an action after close).
    InvalidState(&'static str),
    /// A string with a NUL byte, which the protocol cannot carry.
    NulInString,
    /// More parameters or format codes than a message can hold (32,767).
    TooManyValues(usize),
}

impl Error {
    /// A stable snake_case name of the variant, for logs and tools.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Codec(_) => "codec",
            Self::UnexpectedMessage { .. } => "unexpected_message",
            Self::Protocol(_) => "protocol",
            Self::Scram(_) => "scram",
            Self::Server(_) => "server",
            Self::UnexpectedEof => "unexpected_eof",
            Self::TlsRefused => "tls_refused",
            Self::UnsupportedAuthentication(_) => "unsupported_authentication",
            Self::ChannelBindingRequired => "channel_binding_required",
            Self::CertificateHash(_) => "certificate_hash",
            Self::PasswordRequired => "password_required",
            Self::CleartextRefused => "cleartext_refused",
            Self::InvalidState(_) => "invalid_state",
            Self::NulInString => "nul_in_string",
            Self::TooManyValues(_) => "too_many_values",
        }
    }

    /// The SQLSTATE that describes it: the server's own for [`Error::Server`], else the
    /// class a client library reports (08P01 protocol violation, 08006 connection failure,
    /// 28000 authorization, 0A000 not supported, 54000 limit).
    pub fn sqlstate(&self) -> SqlState {
        SqlState(match self {
            Self::Server(e) => return e.code(),
            Self::Codec(CodecError::TooLarge { .. }) | Self::TooManyValues(_) => *b"54000",
            Self::Codec(_) | Self::UnexpectedMessage { .. } | Self::Protocol(_) => *b"08P01",
            Self::UnexpectedEof => *b"08006",
            Self::Scram(_)
            | Self::ChannelBindingRequired
            | Self::CertificateHash(_)
            | Self::PasswordRequired
            | Self::CleartextRefused
            | Self::TlsRefused => *b"28000",
            Self::UnsupportedAuthentication(_) => *b"0A000",
            Self::InvalidState(_) | Self::NulInString => *b"55000",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(e) => write!(f, "{e}"),
            Self::UnexpectedMessage { state, tag } => {
                write!(
                    f,
                    "unexpected message '{}' while {state}",
                    tag.escape_ascii()
                )
            }
            Self::Protocol(w) => write!(f, "protocol violation: {w}"),
            Self::Scram(e) => write!(f, "{e}"),
            Self::Server(e) => write!(f, "server: {e}"),
            Self::UnexpectedEof => f.write_str("the server closed the connection"),
            Self::TlsRefused => f.write_str("TLS required but the server refused SSLRequest"),
            Self::UnsupportedAuthentication(m) => write!(f, "unsupported authentication: {m}"),
            Self::ChannelBindingRequired => {
                f.write_str("channel binding required, but the server did not use it")
            }
            Self::CertificateHash(e) => write!(f, "{e}"),
            Self::PasswordRequired => f.write_str("the server asked for a password; none is set"),
            Self::CleartextRefused => f.write_str("the server asked for a cleartext password"),
            Self::InvalidState(w) => write!(f, "invalid action: {w}"),
            Self::NulInString => f.write_str("string contains a NUL byte"),
            Self::TooManyValues(n) => write!(f, "{n} values do not fit one message"),
        }
    }
}

impl core::error::Error for Error {}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Self {
        Self::Codec(e)
    }
}

impl From<ScramError> for Error {
    fn from(e: ScramError) -> Self {
        Self::Scram(e)
    }
}
