//! The dated protocol revisions and what each one allows.

use core::fmt;

/// A dated MCP revision this crate speaks.
///
/// The initialize-based ("legacy") revisions negotiate once per connection or session; the
/// stateless ("modern") revision 2026-07-28 carries its version in every request's `_meta`
/// (2026-07-28 basic/versioning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// 2024-11-05, the first dated revision (stdio and HTTP+SSE).
    V2024_11_05,
    /// 2025-03-26: Streamable HTTP, JSON-RPC batches, tool annotations.
    V2025_03_26,
    /// 2025-06-18: structured tool output, elicitation, no batches.
    V2025_06_18,
    /// 2025-11-25: tasks, URL elicitation, icons, sampling with tools.
    V2025_11_25,
    /// 2026-07-28: stateless, per-request `_meta`, `server/discover`, `subscriptions/listen`.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every revision, oldest first.
    pub const ALL: [Self; 5] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
        Self::V2026_07_28,
    ];

    /// The newest initialize-based revision.
    pub const LATEST_LEGACY: Self = Self::V2025_11_25;

    /// The newest revision.
    pub const LATEST: Self = Self::V2026_07_28;

    /// The revision named by `s` (`"2025-06-18"`), if this crate knows it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The date string on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Whether the revision is stateless: no `initialize`, version and capabilities in every
    /// request's `_meta`.
    pub const fn is_stateless(self) -> bool {
        matches!(self, Self::V2026_07_28)
    }

    /// Whether JSON-RPC batches (arrays) are allowed: only 2025-03-26 has them
    /// (2025-03-26 basic §"JSON-RPC Batching"; removed in 2025-06-18).
    pub const fn allows_batches(self) -> bool {
        matches!(self, Self::V2025_03_26)
    }

    /// Whether tools have `outputSchema` and results `structuredContent` (2025-06-18 on).
    pub const fn has_structured_output(self) -> bool {
        matches!(
            self,
            Self::V2025_06_18 | Self::V2025_11_25 | Self::V2026_07_28
        )
    }

    /// Whether the `ping` request exists (removed in 2026-07-28).
    pub const fn has_ping(self) -> bool {
        !self.is_stateless()
    }

    /// Whether results carry `resultType` and list results carry cache hints (2026-07-28).
    pub const fn has_result_type(self) -> bool {
        self.is_stateless()
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
