//! [`DriverConfig`]: the options of a reactor and of [`serve`](crate::serve).

use core::time::Duration;

/// Options of a [`Reactor`](crate::Reactor) and of [`serve`](crate::serve), with safe defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DriverConfig {
    /// Size of the buffer output is encoded into, shared by the connections of a reactor
    /// (default 16 KiB). Output the socket does not take at once is kept per connection.
    pub write_buffer: usize,
    /// After shutdown begins, how long a machine gets to finish its closing exchange before
    /// the connection is dropped with [`DriveError::ShutdownTimedOut`](crate::DriveError)
    /// (default 5 s).
    pub shutdown_grace: Duration,
    /// How long a connection may go without input before it is dropped with
    /// [`DriveError::TimedOut`](crate::DriveError) (default `None`: the machine's own timers
    /// decide).
    pub idle_timeout: Option<Duration>,
    /// Most connections open at once per reactor; a connection accepted past it is closed at
    /// once and counted in [`ServeStats::rejected`](crate::ServeStats) (default 10,000).
    pub max_connections: usize,
    /// Reactor threads [`serve`](crate::serve) starts, each with its own listener bound with
    /// `SO_REUSEPORT` (default: the number of CPUs).
    pub workers: usize,
    /// Readiness events taken from the OS per wake-up (default 1,024).
    pub events: usize,
    /// Reads one connection gets per turn before the others get theirs (default 16).
    pub reads_per_turn: usize,
    /// Whether accepted sockets get `TCP_NODELAY` (default true: the machines write whole
    /// responses, so Nagle only adds latency).
    pub nodelay: bool,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            write_buffer: 16 * 1024,
            shutdown_grace: Duration::from_secs(5),
            idle_timeout: None,
            max_connections: 10_000,
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            events: 1024,
            reads_per_turn: 16,
            nodelay: true,
        }
    }
}

impl DriverConfig {
    /// Sets [`DriverConfig::write_buffer`] (at least one byte).
    #[must_use]
    pub fn write_buffer(mut self, bytes: usize) -> Self {
        self.write_buffer = bytes.max(1);
        self
    }

    /// Sets [`DriverConfig::shutdown_grace`].
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets [`DriverConfig::idle_timeout`].
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`DriverConfig::max_connections`].
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`DriverConfig::workers`] (at least one).
    #[must_use]
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Sets [`DriverConfig::events`] (at least one).
    #[must_use]
    pub fn events(mut self, events: usize) -> Self {
        self.events = events.max(1);
        self
    }

    /// Sets [`DriverConfig::reads_per_turn`] (at least one).
    #[must_use]
    pub fn reads_per_turn(mut self, reads: usize) -> Self {
        self.reads_per_turn = reads.max(1);
        self
    }

    /// Sets [`DriverConfig::nodelay`].
    #[must_use]
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }
}
