//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong, sorted by fault. Malformed JSON-RPC from the peer is not an
/// error: it is answered on the wire with the JSON-RPC error it deserves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ----- limit exceeded (peer input) -----
    /// A stdio line grew past the configured limit (fatal for the stream).
    LineTooLong {
        /// The configured limit in bytes.
        limit: usize,
    },
    // ----- local misuse -----
    /// An action named a request that is not waiting for an answer (already answered,
    /// cancelled or timed out).
    UnknownRequest,
    /// A notification or request the negotiated revision or the client's capabilities do
    /// not allow.
    NotAllowed {
        /// The method.
        method: &'static str,
    },
    /// Progress must increase with each notification (basic/utilities/progress).
    ProgressNotIncreasing,
    /// More server→client requests in flight than the configured limit.
    TooManyOutgoing {
        /// The configured limit.
        limit: usize,
    },
    /// The engine is closed.
    Closed,
    /// An action named a task the engine does not hold (never created, or its ttl ended).
    UnknownTask,
    /// An action on a task that is already terminal (cancelled by the client, or finished).
    TaskFinished {
        /// The task's status.
        status: &'static str,
    },
    /// The task store is full (`TaskConfig::max_tasks`).
    TooManyTasks {
        /// The configured limit.
        limit: usize,
    },
    /// Task input requests that are empty, reuse a key, or exceed the per-task limit.
    InvalidTaskInput,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { limit } => {
                write!(f, "stdio line longer than the limit of {limit} bytes")
            }
            Self::UnknownRequest => f.write_str("no such request is waiting for an answer"),
            Self::NotAllowed { method } => write!(
                f,
                "{method} is not allowed by the negotiated revision or the client's capabilities"
            ),
            Self::ProgressNotIncreasing => f.write_str("progress must increase"),
            Self::TooManyOutgoing { limit } => {
                write!(f, "more than {limit} server requests in flight")
            }
            Self::Closed => f.write_str("the MCP engine is closed"),
            Self::UnknownTask => f.write_str("no such task"),
            Self::TaskFinished { status } => write!(f, "the task is already {status}"),
            Self::TooManyTasks { limit } => write!(f, "more than {limit} tasks"),
            Self::InvalidTaskInput => f.write_str(
                "task input requests must be new keys, at least one, within the per-task limit",
            ),
        }
    }
}

impl core::error::Error for Error {}
