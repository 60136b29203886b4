//! Close codes and close-frame payloads (RFC 6455 §5.5.1, §7.4).

use core::fmt;

fasterapi_core::wire_code! {
    /// A close status code (RFC 6455 §7.4.1, IANA "WebSocket Close Code Number Registry").
    pub struct CloseCode(u16) {
        /// Normal closure.
        NORMAL = 1000,
        /// The endpoint is going away (server shutdown, page navigation).
        GOING_AWAY = 1001,
        /// A protocol error.
        PROTOCOL_ERROR = 1002,
        /// A data type the endpoint cannot accept.
        UNSUPPORTED_DATA = 1003,
        /// Reserved; never sent.
        RESERVED = 1004,
        /// No status code was present (never sent on the wire).
        NO_STATUS = 1005,
        /// The connection closed without a close frame (never sent on the wire).
        ABNORMAL = 1006,
        /// Data inconsistent with the message type (invalid UTF-8 in a text message).
        INVALID_PAYLOAD = 1007,
        /// A message that violates the endpoint's policy.
        POLICY_VIOLATION = 1008,
        /// A message too big to process.
        MESSAGE_TOO_BIG = 1009,
        /// The client expected an extension the server did not negotiate.
        MANDATORY_EXTENSION = 1010,
        /// The server met an unexpected condition.
        INTERNAL_ERROR = 1011,
        /// The service is restarting (IANA registry).
        SERVICE_RESTART = 1012,
        /// Try again later (IANA registry).
        TRY_AGAIN_LATER = 1013,
        /// A gateway received an invalid response (IANA registry).
        BAD_GATEWAY = 1014,
        /// The TLS handshake failed (never sent on the wire).
        TLS_HANDSHAKE = 1015,
    }
}

impl CloseCode {
    /// Whether a close frame may carry this code (§7.4.1, §7.4.2): the assigned codes
    /// 1000–1003 and 1007–1014, and the registered/private ranges 3000–4999. 1004–1006, 1015,
    /// the unassigned 1016–2999 and anything outside 1000–4999 are refused on receipt.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

/// Why a close frame's payload is invalid; both are answered with a close of their own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClosePayloadError {
    /// One byte of payload: a code needs two (§5.5.1) → 1002.
    Truncated,
    /// A code that may not appear on the wire (§7.4) → 1002.
    InvalidCode(CloseCode),
    /// A reason that is not UTF-8 (§5.5.1) → 1007.
    InvalidReason,
}

impl ClosePayloadError {
    /// The close code to answer with.
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::Truncated | Self::InvalidCode(_) => CloseCode::PROTOCOL_ERROR,
            Self::InvalidReason => CloseCode::INVALID_PAYLOAD,
        }
    }
}

impl fmt::Display for ClosePayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("close payload of one byte"),
            Self::InvalidCode(c) => write!(f, "close code {} not allowed on the wire", c.get()),
            Self::InvalidReason => f.write_str("close reason is not valid UTF-8"),
        }
    }
}

impl core::error::Error for ClosePayloadError {}

/// Parses a close frame's (unmasked) payload: `None` for an empty payload, else the code and
/// the reason.
///
/// # Errors
/// A [`ClosePayloadError`] for a one-byte payload, a code not allowed on the wire, or a
/// reason that is not UTF-8.
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<(CloseCode, &str)>, ClosePayloadError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ClosePayloadError::Truncated),
        [hi, lo, reason @ ..] => {
            let code = CloseCode::new(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid_on_wire() {
                return Err(ClosePayloadError::InvalidCode(code));
            }
            let reason =
                simdutf8::basic::from_utf8(reason).map_err(|_| ClosePayloadError::InvalidReason)?;
            Ok(Some((code, reason)))
        }
    }
}
