//! Connection options with safe defaults.

use alloc::string::String;
use alloc::vec::Vec;

use crate::codec::ProtocolVersion;

/// Whether to use TLS (libpq's `sslmode`, without certificate checks: those are the TLS
/// adapter's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS if the server accepts the SSLRequest, else plain.
    #[default]
    Prefer,
    /// TLS or fail.
    Require,
}

/// How TLS starts (libpq's `sslnegotiation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslNegotiation {
    /// An SSLRequest first, then TLS on an `S` answer.
    #[default]
    Postgres,
    /// TLS from the first byte (PostgreSQL 17+; the adapter must offer ALPN `postgresql`).
    Direct,
}

/// Whether SCRAM binds to the TLS channel (libpq's `channel_binding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelBindingMode {
    /// Never use SCRAM-SHA-256-PLUS.
    Disable,
    /// Use it when TLS is on and the server offers it.
    #[default]
    Prefer,
    /// Fail unless the server authenticates with SCRAM-SHA-256-PLUS.
    Require,
}

/// Options of a [`ClientConnection`](crate::ClientConnection).
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The user (required).
    pub user: String,
    /// The password, sent only in answer to a request for it.
    pub password: Option<Vec<u8>>,
    /// The database (default: the user name, chosen by the server).
    pub database: Option<String>,
    /// `application_name`.
    pub application_name: Option<String>,
    /// Other run-time parameters for the StartupMessage.
    pub params: Vec<(String, String)>,
    /// TLS use (default prefer).
    pub ssl_mode: SslMode,
    /// How TLS starts (default SSLRequest).
    pub ssl_negotiation: SslNegotiation,
    /// SCRAM channel binding (default prefer).
    pub channel_binding: ChannelBindingMode,
    /// Whether a cleartext password may be sent when the server asks (default true, as libpq).
    pub allow_cleartext_password: bool,
    /// The protocol version requested (default 3.2; a server that knows only 3.0 says so with
    /// NegotiateProtocolVersion and the session runs 3.0).
    pub protocol_version: ProtocolVersion,
    /// The largest message body accepted from the server (default 64 MiB), checked from the
    /// header before buffering.
    pub max_message_size: u32,
    /// Prepared statements kept by [`execute`](crate::ClientConnection::execute) (default
    /// 256; 0 disables the cache and uses the unnamed statement).
    pub statement_cache_capacity: usize,
    /// The most SCRAM iterations a server may demand (default 100,000; PostgreSQL's default
    /// is 4,096), so a hostile server cannot make the client spin.
    pub max_scram_iterations: u32,
}

impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("database", &self.database)
            .field("ssl_mode", &self.ssl_mode)
            .field("channel_binding", &self.channel_binding)
            .field("protocol_version", &self.protocol_version)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults for `user`.
    pub fn new(user: &str) -> Self {
        Self {
            user: String::from(user),
            password: None,
            database: None,
            application_name: None,
            params: Vec::new(),
            ssl_mode: SslMode::Prefer,
            ssl_negotiation: SslNegotiation::Postgres,
            channel_binding: ChannelBindingMode::Prefer,
            allow_cleartext_password: true,
            protocol_version: ProtocolVersion::V3_2,
            max_message_size: 64 << 20,
            statement_cache_capacity: 256,
            max_scram_iterations: 100_000,
        }
    }

    /// Sets the password.
    #[must_use]
    pub fn password(mut self, password: impl AsRef<[u8]>) -> Self {
        self.password = Some(Vec::from(password.as_ref()));
        self
    }
    /// Sets the database.
    #[must_use]
    pub fn database(mut self, db: &str) -> Self {
        self.database = Some(String::from(db));
        self
    }
    /// Sets `application_name`.
    #[must_use]
    pub fn application_name(mut self, name: &str) -> Self {
        self.application_name = Some(String::from(name));
        self
    }
    /// Sets the TLS mode.
    #[must_use]
    pub fn ssl_mode(mut self, mode: SslMode) -> Self {
        self.ssl_mode = mode;
        self
    }
    /// Sets how TLS starts.
    #[must_use]
    pub fn ssl_negotiation(mut self, n: SslNegotiation) -> Self {
        self.ssl_negotiation = n;
        self
    }
    /// Sets the channel binding mode.
    #[must_use]
    pub fn channel_binding(mut self, mode: ChannelBindingMode) -> Self {
        self.channel_binding = mode;
        self
    }
    /// Sets the requested protocol version.
    #[must_use]
    pub fn protocol_version(mut self, v: ProtocolVersion) -> Self {
        self.protocol_version = v;
        self
    }
    /// Sets the statement cache capacity.
    #[must_use]
    pub fn statement_cache_capacity(mut self, n: usize) -> Self {
        self.statement_cache_capacity = n;
        self
    }
    /// Sets the message size limit.
    #[must_use]
    pub fn max_message_size(mut self, n: u32) -> Self {
        self.max_message_size = n;
        self
    }
    /// Adds a run-time parameter to the StartupMessage.
    #[must_use]
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((String::from(name), String::from(value)));
        self
    }
}
