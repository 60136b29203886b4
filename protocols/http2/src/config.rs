//! Limits and options of the connection machines, with safe defaults.

use core::time::Duration;

use crate::codec::{DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE};

/// A token bucket: `burst` events at once, refilled at `per_second`. Crossing it ends the
/// connection with ENHANCE_YOUR_CALM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Events allowed at once.
    pub burst: u32,
    /// Events allowed per second after the burst.
    pub per_second: u32,
}

impl RateLimit {
    /// A bucket of `burst`, refilled at `per_second`.
    pub const fn new(burst: u32, per_second: u32) -> Self {
        Self { burst, per_second }
    }

    /// No limit.
    pub const UNLIMITED: Self = Self {
        burst: u32::MAX,
        per_second: u32::MAX,
    };
}

/// Options and limits of a [`crate::Connection`]. Every field has a safe default; see
/// `docs/http2.md` for what each defence stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// SETTINGS_HEADER_TABLE_SIZE we advertise: the HPACK decoder's table. Default 4,096.
    pub header_table_size: u32,
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise; streams the peer opens beyond it are
    /// refused with REFUSED_STREAM. Default 100.
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise: each stream's receive window. Default 1 MiB.
    pub initial_window_size: u32,
    /// The connection's receive window (raised from 65,535 by a WINDOW_UPDATE at start).
    /// Default 4 MiB.
    pub connection_window_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE we advertise: longer frames are FRAME_SIZE_ERROR. Default 16,384.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce while decoding (name + value + 32
    /// per field): the HPACK bomb defence. A larger field block is still decoded for HPACK's
    /// sake but dropped, and refused on its stream only (RFC 9113 §10.5.1): a server answers a
    /// request head with 431, otherwise the stream is reset with CANCEL
    /// (`Event::HeaderListTooLarge`). Default 16 KiB.
    pub max_header_list_size: u32,
    /// Encoded octets of one field block (HEADERS + CONTINUATIONs). Default 64 KiB.
    pub max_header_block_size: u32,
    /// CONTINUATION frames in one field block (the CONTINUATION flood defence). Default 32.
    pub max_continuation_frames: u32,
    /// Send WINDOW_UPDATEs by ourselves once the application takes data events (half a
    /// window at a time). With `false` the application calls
    /// [`crate::Connection::release_capacity`]. Default `true`.
    pub auto_window_update: bool,
    /// Server: advertise SETTINGS_ENABLE_CONNECT_PROTOCOL and accept extended CONNECT
    /// (`:protocol`, RFC 8441). Default `false`.
    pub enable_connect_protocol: bool,
    /// Advertise SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218 §2.1). Default `true`.
    pub no_rfc7540_priorities: bool,
    /// How long our SETTINGS may stay unacknowledged before SETTINGS_TIMEOUT (§6.5.3).
    /// Default 10 s.
    pub settings_timeout: Duration,
    /// Server: how long graceful shutdown (`close`) waits for the answer to its PING before
    /// the final GOAWAY (RFC 9113 §6.8: first a GOAWAY with stream id 2^31-1 and a PING; when
    /// the PING comes back, every request the client sent before it saw the GOAWAY has
    /// arrived, and the final GOAWAY names the last one). Default 1 s.
    pub shutdown_ping_timeout: Duration,
    /// How long a stream may have data queued with a zero send window before it is reset
    /// with CANCEL (the zero-window stall defence). `None` waits forever. Default 30 s.
    pub send_stall_timeout: Option<Duration>,
    /// Streams reset by the peer, or by us because of the peer's malformed requests (rapid
    /// reset, CVE-2023-44487). Default 1,000 at once, then 33 per second.
    pub reset_rate: RateLimit,
    /// SETTINGS frames from the peer. Default 100, then 10 per second.
    pub settings_rate: RateLimit,
    /// PING frames from the peer (each needs an ACK). Default 100, then 10 per second.
    pub ping_rate: RateLimit,
    /// DATA frames with no data and no END_STREAM. Default 100, then 10 per second.
    pub empty_data_rate: RateLimit,
    /// WINDOW_UPDATE frames from the peer. Default 10,000, then 1,000 per second (a peer
    /// sends about one per DATA frame it reads).
    pub window_update_rate: RateLimit,
    /// Control frames (SETTINGS ACKs, PING ACKs, RST_STREAMs) we may hold for a peer that does
    /// not read them, in octets. Default 64 KiB.
    pub max_queued_control: usize,
    /// How many recently reset stream ids are remembered, so that frames the peer sent before
    /// it saw our RST_STREAM are ignored instead of treated as errors on a closed stream.
    /// Default 128.
    pub reset_memory: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Config {
    /// The defaults.
    pub const DEFAULT: Self = Self {
        header_table_size: 4096,
        max_concurrent_streams: 100,
        initial_window_size: 1 << 20,
        connection_window_size: 4 << 20,
        max_frame_size: DEFAULT_MAX_FRAME_SIZE,
        max_header_list_size: 16 * 1024,
        max_header_block_size: 64 * 1024,
        max_continuation_frames: 32,
        auto_window_update: true,
        enable_connect_protocol: false,
        no_rfc7540_priorities: true,
        settings_timeout: Duration::from_secs(10),
        shutdown_ping_timeout: Duration::from_secs(1),
        send_stall_timeout: Some(Duration::from_secs(30)),
        reset_rate: RateLimit::new(1000, 33),
        settings_rate: RateLimit::new(100, 10),
        ping_rate: RateLimit::new(100, 10),
        empty_data_rate: RateLimit::new(100, 10),
        window_update_rate: RateLimit::new(10_000, 1000),
        max_queued_control: 64 * 1024,
        reset_memory: 128,
    };

    /// The values clamped to what the protocol allows (windows to 2^31-1, frame sizes to
    /// 16,384..=2^24-1).
    pub(crate) fn clamped(mut self) -> Self {
        self.initial_window_size = self.initial_window_size.min(MAX_WINDOW_SIZE);
        self.connection_window_size = self
            .connection_window_size
            .clamp(crate::codec::DEFAULT_WINDOW_SIZE, MAX_WINDOW_SIZE);
        self.max_frame_size = self
            .max_frame_size
            .clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
        self
    }
}
