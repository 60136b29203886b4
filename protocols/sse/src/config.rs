//! Limits with safe defaults.

/// Limits on what a peer can make the parser buffer. Both are checked **before** bytes are
/// buffered, so memory stays bounded whatever the peer sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest line in bytes, without its end-of-line (default 64 KiB). Bounds every field,
    /// comment, `id` and `event` name.
    pub max_line_len: usize,
    /// Largest data buffer of one event in bytes: the `data` values joined with LF
    /// (default 1 MiB).
    pub max_event_len: usize,
}

impl Limits {
    /// The defaults: 64 KiB lines, 1 MiB events.
    pub const DEFAULT: Self = Self {
        max_line_len: 64 * 1024,
        max_event_len: 1024 * 1024,
    };

    /// Sets [`Limits::max_line_len`].
    #[must_use]
    pub const fn with_max_line_len(mut self, n: usize) -> Self {
        self.max_line_len = n;
        self
    }

    /// Sets [`Limits::max_event_len`].
    #[must_use]
    pub const fn with_max_event_len(mut self, n: usize) -> Self {
        self.max_event_len = n;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
