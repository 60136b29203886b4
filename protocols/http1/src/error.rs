//! The crate's one error type.
//!
//! Variants are grouped by fault: malformed input, incompatible peer, limit exceeded, local misuse.
//! Every variant that comes from peer input carries `at`, the byte offset (from the start of the
//! buffer given to the parser or decoder) where the problem was found. [`Error::status`] gives the
//! HTTP status a server should answer with (a client that receives a bad response has no one to
//! answer; a proxy would send 502).

use core::fmt;

/// Everything that can go wrong while parsing, framing, decoding or encoding HTTP/1.1.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    // ----- malformed input (400) -----
    /// The method is empty or contains a byte that is not a `tchar` (RFC 9110 §5.6.2).
    InvalidMethod {
        /// Offset of the offending byte.
        at: usize,
    },
    /// The request-target contains a byte outside RFC 3986 characters, a bad percent-escape, or
    /// its form does not fit the method (RFC 9112 §3.2).
    InvalidTarget {
        /// Offset of the offending byte.
        at: usize,
    },
    /// The HTTP-version is not `HTTP/` DIGIT `.` DIGIT (RFC 9112 §2.3).
    InvalidVersion {
        /// Offset of the offending byte.
        at: usize,
    },
    /// The request- or status-line is not separated by exactly one SP where one is required
    /// (RFC 9112 §3, §4), or ends early.
    InvalidStartLine {
        /// Offset of the offending byte.
        at: usize,
    },
    /// The status code is not three digits (RFC 9112 §4).
    InvalidStatus {
        /// Offset of the offending byte.
        at: usize,
    },
    /// A field name is empty or contains a byte that is not a `tchar` (RFC 9110 §5.1).
    InvalidHeaderName {
        /// Offset of the offending byte.
        at: usize,
    },
    /// A field value or reason phrase contains NUL, a control character or DEL
    /// (RFC 9110 §5.5, RFC 9112 §2.2).
    InvalidHeaderValue {
        /// Offset of the offending byte.
        at: usize,
    },
    /// Whitespace between a field name and its colon (RFC 9112 §5.1: MUST reject with 400).
    WhitespaceBeforeColon {
        /// Offset of the whitespace.
        at: usize,
    },
    /// Whitespace at the start of the first header line, between the start-line and the first
    /// field (RFC 9112 §2.2: MUST reject or ignore; we reject).
    WhitespaceAfterStartLine {
        /// Offset of the whitespace.
        at: usize,
    },
    /// A line folded with obs-fold (RFC 9112 §5.2: MUST reject with 400 unless allowed).
    ObsFold {
        /// Offset of the folding whitespace.
        at: usize,
    },
    /// A line ended with a bare LF (RFC 9112 §2.2; rejected unless `allow_bare_lf`).
    BareLf {
        /// Offset of the LF.
        at: usize,
    },
    /// A CR not followed by LF (RFC 9112 §2.2: MUST treat as invalid).
    BareCr {
        /// Offset of the CR.
        at: usize,
    },
    /// Content-Length is not a plain decimal number (sign, space, non-digit, empty or overflow).
    InvalidContentLength {
        /// Offset of the field value.
        at: usize,
    },
    /// Several Content-Length values that differ (RFC 9112 §6.3 item 5).
    ConflictingContentLength {
        /// Offset of the differing field value.
        at: usize,
    },
    /// Content-Length and Transfer-Encoding together (RFC 9112 §6.3 item 3; rejected as a
    /// request-smuggling vector).
    ContentLengthWithTransferEncoding {
        /// Offset of the later of the two fields.
        at: usize,
    },
    /// A request's Transfer-Encoding whose final coding is not `chunked`, `chunked` applied more
    /// than once, a malformed coding list, or Transfer-Encoding in an HTTP/1.0 message
    /// (RFC 9112 §6.1, §6.3 item 4).
    InvalidTransferEncoding {
        /// Offset of the field value.
        at: usize,
    },
    /// An HTTP/1.1 request without a Host field (RFC 9112 §3.2: MUST answer 400).
    MissingHost,
    /// More than one Host field line, or a Host value that is not `uri-host [":" port]`
    /// (RFC 9112 §3.2: MUST answer 400).
    InvalidHost {
        /// Offset of the (second or invalid) field value.
        at: usize,
    },
    /// A chunk size that is empty, not hexadecimal, or overflows `u64` (RFC 9112 §7.1).
    InvalidChunkSize {
        /// Offset of the offending byte.
        at: usize,
    },
    /// A chunk extension with a bare LF, a control character or bad syntax (RFC 9112 §7.1.1).
    InvalidChunkExtension {
        /// Offset of the offending byte.
        at: usize,
    },
    /// Chunk data not followed by CRLF (RFC 9112 §7.1).
    InvalidChunkData {
        /// Offset of the offending byte.
        at: usize,
    },

    // ----- incompatible (505, 501) -----
    /// An HTTP major version other than 1 (answer 505).
    UnsupportedVersion {
        /// Offset of the version.
        at: usize,
    },
    /// A transfer coding we do not know (RFC 9112 §6.1: a server SHOULD answer 501).
    UnknownTransferCoding {
        /// Offset of the field value.
        at: usize,
    },

    // ----- limits (431, 414, 400) -----
    /// The head grew past `max_head_size` before it was complete (answer 431).
    HeadTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The request-target grew past `max_target_len` (answer 414).
    TargetTooLong {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// More header fields than `max_headers` or than the caller's storage holds (answer 431).
    TooManyHeaders {
        /// The effective limit: the smaller of `max_headers` and the storage capacity.
        limit: usize,
    },
    /// A chunk's extensions grew past `max_chunk_ext_len` (answer 400).
    ChunkExtensionTooLong {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The trailer section grew past `max_trailer_size` bytes (answer 431).
    TrailersTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },

    // ----- local misuse (500) -----
    /// The output buffer is too small for the head or chunk header being encoded.
    BufferTooSmall {
        /// Bytes the encoding needs in total.
        needed: usize,
    },
    /// A value handed to an encoder is not valid on the wire (a method or field name that is not a
    /// token, a target or value with CR/LF/controls, a status outside 100..=999).
    InvalidToSend,
}

impl Error {
    /// The HTTP status a server should answer this error with.
    pub const fn status(&self) -> u16 {
        match self {
            Self::UnsupportedVersion { .. } => 505,
            Self::UnknownTransferCoding { .. } => 501,
            Self::HeadTooLarge { .. }
            | Self::TooManyHeaders { .. }
            | Self::TrailersTooLarge { .. } => 431,
            Self::TargetTooLong { .. } => 414,
            Self::BufferTooSmall { .. } | Self::InvalidToSend => 500,
            _ => 400,
        }
    }

    /// The offset in the input where the problem was found, for errors caused by input.
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            Self::InvalidMethod { at }
            | Self::InvalidTarget { at }
            | Self::InvalidVersion { at }
            | Self::InvalidStartLine { at }
            | Self::InvalidStatus { at }
            | Self::InvalidHeaderName { at }
            | Self::InvalidHeaderValue { at }
            | Self::WhitespaceBeforeColon { at }
            | Self::WhitespaceAfterStartLine { at }
            | Self::ObsFold { at }
            | Self::BareLf { at }
            | Self::BareCr { at }
            | Self::InvalidContentLength { at }
            | Self::ConflictingContentLength { at }
            | Self::ContentLengthWithTransferEncoding { at }
            | Self::InvalidTransferEncoding { at }
            | Self::InvalidHost { at }
            | Self::InvalidChunkSize { at }
            | Self::InvalidChunkExtension { at }
            | Self::InvalidChunkData { at }
            | Self::UnsupportedVersion { at }
            | Self::UnknownTransferCoding { at } => Some(at),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Self::InvalidMethod { .. } => "invalid method",
            Self::InvalidTarget { .. } => "invalid request-target",
            Self::InvalidVersion { .. } => "invalid HTTP-version",
            Self::InvalidStartLine { .. } => "malformed start-line",
            Self::InvalidStatus { .. } => "invalid status code",
            Self::InvalidHeaderName { .. } => "invalid field name",
            Self::InvalidHeaderValue { .. } => "control character in field value or reason",
            Self::WhitespaceBeforeColon { .. } => "whitespace between field name and colon",
            Self::WhitespaceAfterStartLine { .. } => "whitespace before the first field line",
            Self::ObsFold { .. } => "obsolete line folding",
            Self::BareLf { .. } => "bare LF line ending",
            Self::BareCr { .. } => "bare CR",
            Self::InvalidContentLength { .. } => "invalid Content-Length",
            Self::ConflictingContentLength { .. } => "differing Content-Length values",
            Self::ContentLengthWithTransferEncoding { .. } => {
                "Content-Length together with Transfer-Encoding"
            }
            Self::InvalidTransferEncoding { .. } => "invalid Transfer-Encoding",
            Self::MissingHost => "HTTP/1.1 request without Host",
            Self::InvalidHost { .. } => "duplicate or invalid Host",
            Self::InvalidChunkSize { .. } => "invalid chunk size",
            Self::InvalidChunkExtension { .. } => "invalid chunk extension",
            Self::InvalidChunkData { .. } => "chunk data not followed by CRLF",
            Self::UnsupportedVersion { .. } => "unsupported HTTP major version",
            Self::UnknownTransferCoding { .. } => "unknown transfer coding",
            Self::HeadTooLarge { limit } => {
                return write!(f, "message head larger than {limit} bytes");
            }
            Self::TargetTooLong { limit } => {
                return write!(f, "request-target longer than {limit} bytes");
            }
            Self::TooManyHeaders { limit } => {
                return write!(f, "more than {limit} header fields");
            }
            Self::ChunkExtensionTooLong { limit } => {
                return write!(f, "chunk extensions longer than {limit} bytes");
            }
            Self::TrailersTooLarge { limit } => {
                return write!(f, "trailer section larger than {limit} bytes");
            }
            Self::BufferTooSmall { needed } => {
                return write!(f, "output buffer too small: {needed} bytes needed");
            }
            Self::InvalidToSend => "value not valid on the wire",
        };
        match self.offset() {
            Some(at) => write!(f, "{what} at byte {at}"),
            None => f.write_str(what),
        }
    }
}

impl core::error::Error for Error {}
