//! Limits and options of the connection machines, with safe defaults.

use core::time::Duration;

use crate::config::Config;

/// Limits, timeouts and options of a [`ServerConnection`](crate::ServerConnection) or
/// [`ClientConnection`](crate::ClientConnection).
///
/// ```
/// use core::time::Duration;
/// let mut config = fasterapi_http1::ConnectionConfig::default();
/// config.max_body_size = 1 << 20; // 1 MiB; larger request bodies get 413
/// config.header_read_timeout = Some(Duration::from_secs(10));
/// assert_eq!(config.codec.max_head_size, 16 * 1024);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// The codec's limits and leniencies: head size (431), request-target length (414), header
    /// count (431), chunk extensions and trailers. Default [`Config::STRICT`].
    pub codec: Config,
    /// Largest message body in bytes (a request body for a server: 413
    /// [`ConnectionError::BodyTooLarge`](crate::ConnectionError::BodyTooLarge); a response body
    /// for a client). Checked against Content-Length before any body byte is read, and against
    /// the running total of a chunked or close-delimited body. Default 8 MiB.
    pub max_body_size: u64,
    /// Largest number of received bytes the machine buffers (a head being parsed, pipelined
    /// requests waiting for the current response). At least `codec.max_head_size` is always
    /// allowed. Default 64 KiB.
    pub max_buffer: usize,
    /// Server: how long a request head may take to arrive once its first byte came (slowloris
    /// defence); on expiry the server answers 408 and closes. Client: how long the response
    /// head may take after the request was sent. Default 30 s; `None` disables it.
    pub header_read_timeout: Option<Duration>,
    /// How long a connection may sit idle between messages before the machine closes it
    /// quietly. Default 60 s for a server; `None` disables it.
    pub idle_timeout: Option<Duration>,
    /// Server: send `100 Continue` by itself when a request carries `Expect: 100-continue` and
    /// the application asks for the body (polls for events after the request head). When off,
    /// the application sends it with `send_informational(100, ..)`. Default on.
    pub auto_continue: bool,
}

impl ConnectionConfig {
    /// The defaults (same as [`Default::default`]).
    pub const DEFAULT: Self = Self {
        codec: Config::STRICT,
        max_body_size: 8 * 1024 * 1024,
        max_buffer: 64 * 1024,
        header_read_timeout: Some(Duration::from_secs(30)),
        idle_timeout: Some(Duration::from_secs(60)),
        auto_continue: true,
    };

    /// The receive buffer's capacity: `max_buffer`, and never less than a whole head plus one
    /// byte (so the head limit is reported as 431, never as a full buffer).
    pub(crate) fn buffer_cap(&self) -> usize {
        self.max_buffer
            .max(self.codec.max_head_size.saturating_add(1))
            .max(1)
    }
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}
