//! [`DriveError`]: why a connection ended before its machine closed.

use core::fmt;
use std::io;

/// Why a connection ended before its machine closed or handed the connection off.
#[derive(Debug)]
#[non_exhaustive]
pub enum DriveError<E> {
    /// The machine reported a protocol error; its reaction (a 400, a GOAWAY, a close frame) was
    /// written out first, as far as the socket took it.
    Protocol(E),
    /// The socket failed.
    Io(io::Error),
    /// No input arrived within [`DriverConfig::idle_timeout`](crate::DriverConfig).
    TimedOut,
    /// The machine had not closed [`DriverConfig::shutdown_grace`](crate::DriverConfig) after
    /// shutdown began.
    ShutdownTimedOut,
    /// The peer ended the stream and the machine, with nothing left to do, did not close.
    PeerGone,
    /// The machine accepts no input, has nothing to write and no timer armed (a bug in the
    /// machine or the application, which owes it an action): reported instead of waiting
    /// forever.
    Stalled,
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Io(e) => write!(f, "transport error: {e}"),
            Self::TimedOut => f.write_str("idle timeout"),
            Self::ShutdownTimedOut => {
                f.write_str("the machine did not close within the grace period")
            }
            Self::PeerGone => f.write_str("the peer ended the stream"),
            Self::Stalled => {
                f.write_str("machine stalled: no input accepted, nothing to write, no timer")
            }
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<io::Error> for DriveError<E> {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}
