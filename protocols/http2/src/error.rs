//! The crate's error type.

use core::fmt;

use crate::codec::{ErrorCode, FrameError, FrameType, StreamId};

/// Which flood defence tripped (see [`crate::Config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flood {
    /// Too many streams reset (rapid reset, CVE-2023-44487).
    Resets,
    /// Too many SETTINGS frames.
    Settings,
    /// Too many PING frames.
    Pings,
    /// Too many empty DATA frames.
    EmptyData,
    /// Too many WINDOW_UPDATE frames.
    WindowUpdates,
    /// The peer does not read the control frames it makes us send.
    ControlQueue,
}

/// Everything that can go wrong on an HTTP/2 connection.
///
/// Errors returned from an input ([`fasterapi_core::StreamMachine::commit_input`], `handle_*`)
/// are connection errors: the machine has queued a GOAWAY with [`Error::code`], so write out
/// its output and close. Errors returned from actions (`send_*`, `reset`) are local misuse
/// and change nothing. Stream errors are not `Error`s: the stream is reset with RST_STREAM and
/// the application gets `Event::StreamReset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- malformed input -------------------------------------------------------------------
    /// The client preface (§3.4) did not match.
    BadPreface,
    /// A frame that breaks its own section's rules.
    Frame(FrameError),
    /// The field block could not be decoded (§4.3): COMPRESSION_ERROR.
    Hpack(fasterapi_hpack::Error),
    // --- peer misbehaved -------------------------------------------------------------------
    /// The peer's first frame was not SETTINGS (§3.4).
    MissingSettings,
    /// A frame other than CONTINUATION for the open field block (§6.10).
    ExpectedContinuation {
        /// The frame that came instead.
        kind: FrameType,
    },
    /// A CONTINUATION with no field block open (§6.10).
    UnexpectedContinuation,
    /// A stream id that is not the peer's to open, or not larger than every earlier one
    /// (§5.1.1).
    BadStreamId(StreamId),
    /// A frame on an idle stream that only an open stream may receive (§5.1).
    IdleStream {
        /// The frame type.
        kind: FrameType,
        /// The stream.
        stream_id: StreamId,
    },
    /// HEADERS on a stream that already ended in that direction (§5.1): STREAM_CLOSED.
    StreamClosed(StreamId),
    /// DATA beyond the connection's receive window (§6.9.1).
    ConnectionWindowExceeded,
    /// A WINDOW_UPDATE or INITIAL_WINDOW_SIZE change that pushes a window past 2^31-1
    /// (§6.9.1, §6.9.2).
    WindowOverflow,
    /// PUSH_PROMISE, which we disable with SETTINGS_ENABLE_PUSH = 0 (§8.4).
    PushRefused,
    /// A server that set SETTINGS_ENABLE_PUSH to 1 (§6.5.2).
    ServerEnabledPush,
    /// PRIORITY_UPDATE sent to a client, or naming stream 0 (RFC 9218 §7.1).
    BadPriorityUpdate,
    /// A stream depends on itself (§5.3.1).
    SelfDependency(StreamId),
    /// Our SETTINGS were not acknowledged in time (§6.5.3).
    SettingsTimeout,
    /// The stream ended in the middle of a frame or while streams were open.
    UnexpectedEof,
    // --- limits ----------------------------------------------------------------------------
    /// A field block longer than [`crate::Config::max_header_block_size`] or with more than
    /// [`crate::Config::max_continuation_frames`] CONTINUATIONs: ENHANCE_YOUR_CALM.
    HeaderBlockTooLarge,
    /// A flood defence tripped: ENHANCE_YOUR_CALM.
    Flood(Flood),
    // --- local misuse (returned from actions) ------------------------------------------------
    /// No open stream with this id, or it cannot take this action in its state.
    InvalidStreamState(StreamId),
    /// A field the application gave is not valid HTTP/2 (§8.2: uppercase or invalid octets,
    /// connection-specific fields, misplaced pseudo-headers).
    InvalidField,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached; retry once a stream ends.
    StreamLimit,
    /// Stream ids are exhausted, or a GOAWAY forbids new streams.
    NoNewStreams,
    /// Extended CONNECT (`:protocol`) without the peer's SETTINGS_ENABLE_CONNECT_PROTOCOL.
    ConnectProtocolDisabled,
    /// The fields exceed the peer's SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2: name + value + 32
    /// octets per field); the peer would refuse them.
    FieldsTooLarge,
    /// `update_settings` with a setting that cannot change after the start, or a value out
    /// of its range (§6.5.2).
    InvalidSetting(crate::codec::SettingId),
    /// The connection already failed or closed.
    Closed,
}

impl Error {
    /// The error code a GOAWAY carries for this error.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::Frame(e) => e.code(),
            Self::Hpack(e) => ErrorCode::new(e.h2_error_code()),
            Self::StreamClosed(_) => ErrorCode::STREAM_CLOSED,
            Self::ConnectionWindowExceeded | Self::WindowOverflow => ErrorCode::FLOW_CONTROL_ERROR,
            Self::SettingsTimeout => ErrorCode::SETTINGS_TIMEOUT,
            Self::HeaderBlockTooLarge | Self::Flood(_) => ErrorCode::ENHANCE_YOUR_CALM,
            Self::UnexpectedEof => ErrorCode::NO_ERROR,
            Self::InvalidStreamState(_)
            | Self::InvalidField
            | Self::StreamLimit
            | Self::NoNewStreams
            | Self::ConnectProtocolDisabled
            | Self::FieldsTooLarge
            | Self::InvalidSetting(_)
            | Self::Closed => ErrorCode::INTERNAL_ERROR,
            _ => ErrorCode::PROTOCOL_ERROR,
        }
    }

    /// A stable `snake_case` name (for the CLI's JSON output).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::BadPreface => "bad_preface",
            Self::Frame(_) => "frame",
            Self::Hpack(_) => "hpack",
            Self::MissingSettings => "missing_settings",
            Self::ExpectedContinuation { .. } => "expected_continuation",
            Self::UnexpectedContinuation => "unexpected_continuation",
            Self::BadStreamId(_) => "bad_stream_id",
            Self::IdleStream { .. } => "idle_stream",
            Self::StreamClosed(_) => "stream_closed",
            Self::ConnectionWindowExceeded => "connection_window_exceeded",
            Self::WindowOverflow => "window_overflow",
            Self::PushRefused => "push_refused",
            Self::ServerEnabledPush => "server_enabled_push",
            Self::BadPriorityUpdate => "bad_priority_update",
            Self::SelfDependency(_) => "self_dependency",
            Self::SettingsTimeout => "settings_timeout",
            Self::UnexpectedEof => "unexpected_eof",
            Self::HeaderBlockTooLarge => "header_block_too_large",
            Self::Flood(_) => "flood",
            Self::InvalidStreamState(_) => "invalid_stream_state",
            Self::InvalidField => "invalid_field",
            Self::StreamLimit => "stream_limit",
            Self::NoNewStreams => "no_new_streams",
            Self::ConnectProtocolDisabled => "connect_protocol_disabled",
            Self::FieldsTooLarge => "fields_too_large",
            Self::InvalidSetting(_) => "invalid_setting",
            Self::Closed => "closed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPreface => f.write_str("the client connection preface does not match"),
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::Hpack(e) => write!(f, "field block: {e}"),
            Self::MissingSettings => f.write_str("the peer's first frame is not SETTINGS"),
            Self::ExpectedContinuation { kind } => {
                write!(
                    f,
                    "{kind} frame inside a field block (CONTINUATION expected)"
                )
            }
            Self::UnexpectedContinuation => f.write_str("CONTINUATION without a field block"),
            Self::BadStreamId(id) => write!(f, "the peer may not open stream {id}"),
            Self::IdleStream { kind, stream_id } => {
                write!(f, "{kind} frame on idle stream {stream_id}")
            }
            Self::StreamClosed(id) => write!(f, "HEADERS on closed stream {id}"),
            Self::ConnectionWindowExceeded => f.write_str("DATA beyond the connection window"),
            Self::WindowOverflow => f.write_str("flow-control window above 2^31-1"),
            Self::PushRefused => f.write_str("PUSH_PROMISE although push is disabled"),
            Self::ServerEnabledPush => f.write_str("server sent SETTINGS_ENABLE_PUSH = 1"),
            Self::BadPriorityUpdate => f.write_str("invalid PRIORITY_UPDATE"),
            Self::SelfDependency(id) => write!(f, "stream {id} depends on itself"),
            Self::SettingsTimeout => f.write_str("SETTINGS not acknowledged in time"),
            Self::UnexpectedEof => f.write_str("the peer closed the transport mid-connection"),
            Self::HeaderBlockTooLarge => f.write_str("field block exceeds the configured limits"),
            Self::Flood(k) => write!(f, "flood defence tripped: {k:?}"),
            Self::InvalidStreamState(id) => write!(f, "stream {id} cannot take this action"),
            Self::InvalidField => f.write_str("invalid field for HTTP/2"),
            Self::StreamLimit => f.write_str("the peer's concurrent stream limit is reached"),
            Self::NoNewStreams => f.write_str("no new streams may be opened"),
            Self::ConnectProtocolDisabled => {
                f.write_str("the peer did not enable extended CONNECT")
            }
            Self::FieldsTooLarge => {
                f.write_str("fields exceed the peer's SETTINGS_MAX_HEADER_LIST_SIZE")
            }
            Self::InvalidSetting(id) => write!(f, "{id} cannot be set to that value now"),
            Self::Closed => f.write_str("the connection is closed"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::Hpack(e) => Some(e),
            _ => None,
        }
    }
}

impl From<FrameError> for Error {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}

impl From<fasterapi_hpack::Error> for Error {
    fn from(e: fasterapi_hpack::Error) -> Self {
        Self::Hpack(e)
    }
}
