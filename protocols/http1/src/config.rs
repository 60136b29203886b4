//! Limits and leniencies, with strict, safe defaults.

/// Limits and leniency flags for head parsing and chunked decoding.
///
/// The default is strict RFC 9112 with limits that fit every real browser and client. Each
/// leniency is its own flag and is off by default; [`Config::lenient`] turns all of them on (for
/// tools that must read whatever a peer sends, never for a server facing the internet).
///
/// ```
/// let mut config = fasterapi_http1::Config::default();
/// config.allow_bare_lf = true; // accept `\n` line endings, nothing else
/// assert!(!config.allow_obs_fold);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Largest head (start-line, fields and the empty line) in bytes; past it → 431
    /// [`Error::HeadTooLarge`](crate::Error::HeadTooLarge). Default 16 KiB. Values above
    /// `u32::MAX` are treated as `u32::MAX`.
    pub max_head_size: usize,
    /// Longest request-target in bytes; past it → 414
    /// [`Error::TargetTooLong`](crate::Error::TargetTooLong). Default 8 KiB.
    pub max_target_len: usize,
    /// Most header fields; past it → 431 [`Error::TooManyHeaders`](crate::Error::TooManyHeaders).
    /// Default 128. The caller's storage may impose a smaller limit; the error names whichever is
    /// smaller.
    pub max_headers: usize,
    /// Longest chunk-extension section of one chunk, in bytes. Default 256.
    pub max_chunk_ext_len: usize,
    /// Largest trailer section, in bytes. Default 8 KiB.
    pub max_trailer_size: usize,
    /// Accept a bare LF as a line terminator (RFC 9112 §2.2 MAY). Default off: a bare LF is a
    /// request-smuggling vector when a proxy in front disagrees.
    pub allow_bare_lf: bool,
    /// Accept obs-fold (a field line continued on the next line starting with SP or HTAB). The
    /// value slice then contains the CRLF and the folding whitespace; replace each with SP before
    /// use (RFC 9112 §5.2). Default off (MUST reject with 400).
    pub allow_obs_fold: bool,
    /// Accept more than one SP between the parts of the request- and status-line. Default off.
    pub allow_multiple_spaces: bool,
    /// Accept any visible ASCII in the request-target (`"`, `<`, `>`, `\`, `^`, `` ` ``, `{`,
    /// `|`, `}` and `#`), which RFC 3986 excludes. Default off.
    pub allow_unsafe_target_chars: bool,
    /// Accept a status-line without the SP after the status code (`HTTP/1.1 200\r\n`).
    /// Default off.
    pub allow_missing_reason: bool,
}

impl Config {
    /// The strict defaults (same as [`Default::default`]).
    pub const STRICT: Self = Self {
        max_head_size: 16 * 1024,
        max_target_len: 8 * 1024,
        max_headers: 128,
        max_chunk_ext_len: 256,
        max_trailer_size: 8 * 1024,
        allow_bare_lf: false,
        allow_obs_fold: false,
        allow_multiple_spaces: false,
        allow_unsafe_target_chars: false,
        allow_missing_reason: false,
    };

    /// The strict defaults with every leniency flag turned on (limits unchanged).
    pub const fn lenient() -> Self {
        Self {
            allow_bare_lf: true,
            allow_obs_fold: true,
            allow_multiple_spaces: true,
            allow_unsafe_target_chars: true,
            allow_missing_reason: true,
            ..Self::STRICT
        }
    }

    /// `max_head_size` clamped to what offsets can address.
    pub(crate) const fn head_limit(&self) -> usize {
        if self.max_head_size > u32::MAX as usize {
            u32::MAX as usize
        } else {
            self.max_head_size
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::STRICT
    }
}
