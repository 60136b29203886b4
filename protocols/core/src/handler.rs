//! [`Handler`]: the application side of a driver, shared by every adapter.

use crate::{Machine, Timestamp};

/// What the application does with a machine's events, and its own timers.
///
/// Every adapter (`fasterapi-tokio`, `fasterapi-mio`, …) takes a `Handler`, so one application
/// runs on any runtime. A closure `FnMut(&mut M, M::Event)` is a handler. Implement the trait for
/// an application that needs timers of its own (an SSE ticker, a keep-alive ping): the driver
/// sleeps until the earlier of the machine's and the handler's `poll_timeout`.
///
/// ```
/// use fasterapi_core::{Handler, Machine, Timestamp};
///
/// /// Counts events of any machine.
/// struct Count(usize);
///
/// impl<M: Machine> Handler<M> for Count {
///     fn on_event(&mut self, _machine: &mut M, _event: M::Event, _now: Timestamp) {
///         self.0 += 1;
///     }
/// }
/// ```
pub trait Handler<M: Machine> {
    /// Called for every event, in order; it may call the machine's actions, whose output the
    /// driver writes before reading again (the drain rule).
    fn on_event(&mut self, machine: &mut M, event: M::Event, now: Timestamp);

    /// The application's next wake-up, if any.
    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }

    /// Called once the time from [`Handler::poll_timeout`] has come.
    fn handle_timeout(&mut self, _machine: &mut M, _now: Timestamp) {}

    /// Called once when the driver's shutdown signal arrives, to start the machine's graceful
    /// close. The default is [`Machine::close`]; override it to choose how (a WebSocket close
    /// with 1001 "going away" instead of 1000, a GOAWAY with a debug message). The driver then
    /// keeps driving until the machine has closed or its grace period ends.
    fn on_shutdown(&mut self, machine: &mut M, now: Timestamp) {
        machine.close(now);
    }
}

impl<M: Machine, F: FnMut(&mut M, M::Event)> Handler<M> for F {
    fn on_event(&mut self, machine: &mut M, event: M::Event, _now: Timestamp) {
        self(machine, event);
    }
}
