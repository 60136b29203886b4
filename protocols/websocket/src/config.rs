//! Limits and options of the message machine, with safe defaults.

use core::time::Duration;

use crate::extension::DeflateParams;

/// Options of a [`Connection`](crate::Connection).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest frame payload accepted (default 16 MiB); larger → close 1009.
    pub max_frame_size: u64,
    /// Largest message accepted, summed over its fragments and measured after inflation
    /// (default 64 MiB); larger → close 1009.
    pub max_message_size: u64,
    /// Answer pings with pongs automatically (default `true`). Pings are reported as events
    /// either way.
    pub auto_pong: bool,
    /// How long to wait for the peer's close frame after sending ours (default 5 s).
    pub close_timeout: Duration,
    /// Size of the receive buffer lent by `input_buffer` (default 64 KiB, at least 16 bytes).
    pub read_buffer: usize,
    /// Output bytes queued before `input_buffer` stops lending space, so a peer that does not
    /// read cannot make the queue grow without bound (default 4 MiB; pings answered while the
    /// application lags count here).
    pub max_queued_output: usize,
    /// Events queued before `input_buffer` stops lending space (default 1024).
    pub max_queued_events: usize,
    /// The negotiated permessage-deflate parameters (`None`: no compression). The handshake
    /// helpers fill this in.
    pub deflate: Option<DeflateParams>,
    /// Outgoing messages shorter than this are sent uncompressed even with permessage-deflate
    /// (default 0: compress everything; RFC 7692 §6 lets each message choose).
    pub compression_threshold: usize,
    /// The zlib compression level, 0–9 (default 6).
    pub compression_level: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            auto_pong: true,
            close_timeout: Duration::from_secs(5),
            read_buffer: 64 << 10,
            max_queued_output: 4 << 20,
            max_queued_events: 1024,
            deflate: None,
            compression_threshold: 0,
            compression_level: 6,
        }
    }
}

impl Config {
    /// Sets [`Config::max_frame_size`].
    #[must_use]
    pub fn max_frame_size(mut self, bytes: u64) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Sets [`Config::max_message_size`].
    #[must_use]
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`Config::auto_pong`].
    #[must_use]
    pub fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Sets [`Config::close_timeout`].
    #[must_use]
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Sets [`Config::read_buffer`].
    #[must_use]
    pub fn read_buffer(mut self, bytes: usize) -> Self {
        self.read_buffer = bytes.max(16);
        self
    }

    /// Sets [`Config::deflate`].
    #[must_use]
    pub fn deflate(mut self, params: Option<DeflateParams>) -> Self {
        self.deflate = params;
        self
    }

    /// Sets [`Config::compression_level`] (clamped to 9).
    #[must_use]
    pub fn compression_level(mut self, level: u32) -> Self {
        self.compression_level = level.min(9);
        self
    }
}
