//! Time as the caller passes it: integer nanoseconds on a clock of the caller's choosing.

use core::fmt;
use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time, in nanoseconds since an epoch the caller chose.
///
/// Machines never read a clock: every input and poll that needs the time takes a `Timestamp`,
/// and timers come back as a `Timestamp` from `poll_timeout`. Any monotonic clock works, so
/// tests run on a virtual clock that starts at [`Timestamp::ZERO`]. Arithmetic saturates:
/// [`Timestamp::MAX`] (about 584 years) stands for "never".
///
/// ```
/// use core::time::Duration;
/// use fasterapi_core::Timestamp;
///
/// let t = Timestamp::from_millis(1_500);
/// assert_eq!(t + Duration::from_millis(500), Timestamp::from_secs(2));
/// assert_eq!(Timestamp::from_secs(2) - t, Duration::from_millis(500));
/// assert_eq!(t - Timestamp::from_secs(2), Duration::ZERO); // saturates
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The epoch itself.
    pub const ZERO: Self = Self(0);
    /// The latest representable time, used for "never".
    pub const MAX: Self = Self(u64::MAX);

    /// `nanos` nanoseconds after the epoch.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// `micros` microseconds after the epoch (saturating).
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros.saturating_mul(1_000))
    }

    /// `millis` milliseconds after the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis.saturating_mul(1_000_000))
    }

    /// `secs` seconds after the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1_000_000_000))
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time since the epoch as a `Duration`.
    pub const fn since_epoch(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// `self + d`, or `None` past [`Timestamp::MAX`].
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let nanos = u64::try_from(d.as_nanos()).ok()?;
        self.0.checked_add(nanos).map(Self)
    }

    /// `self + d`, clamped to [`Timestamp::MAX`].
    pub fn saturating_add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self::MAX)
    }

    /// `self - d`, clamped to [`Timestamp::ZERO`].
    pub fn saturating_sub(self, d: Duration) -> Self {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self(self.0.saturating_sub(nanos))
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    pub const fn checked_duration_since(self, earlier: Self) -> Option<Duration> {
        match self.0.checked_sub(earlier.0) {
            Some(n) => Some(Duration::from_nanos(n)),
            None => None,
        }
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Timestamp {
    type Output = Self;
    /// Saturating: see [`Timestamp::saturating_add`].
    fn add(self, d: Duration) -> Self {
        self.saturating_add(d)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Self;
    /// Saturating: see [`Timestamp::saturating_sub`].
    fn sub(self, d: Duration) -> Self {
        self.saturating_sub(d)
    }
}

impl Sub for Timestamp {
    type Output = Duration;
    /// Saturating: see [`Timestamp::saturating_duration_since`].
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::MAX {
            return f.write_str("Timestamp(never)");
        }
        write!(f, "Timestamp({:?})", self.since_epoch())
    }
}

#[cfg(feature = "std")]
pub use self::std_clock::Epoch;

#[cfg(feature = "std")]
mod std_clock {
    extern crate std;

    use super::Timestamp;
    use core::time::Duration;
    use std::time::Instant;

    /// Converts between `std::time::Instant` and [`Timestamp`] with a fixed origin.
    ///
    /// `Instant` has no absolute value, so an adapter makes one `Epoch` per machine (or per
    /// runtime) and converts every instant through it. Tokio users convert with
    /// `tokio::time::Instant::into_std`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use fasterapi_core::{Epoch, Timestamp};
    ///
    /// let origin = Instant::now();
    /// let epoch = Epoch::at(origin);
    /// assert_eq!(epoch.timestamp(origin), Timestamp::ZERO);
    /// let later = origin + Duration::from_millis(7);
    /// assert_eq!(epoch.timestamp(later), Timestamp::from_millis(7));
    /// assert_eq!(epoch.instant(Timestamp::from_millis(7)), later);
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Epoch {
        origin: Instant,
    }

    impl Epoch {
        /// An epoch at the current instant.
        pub fn new() -> Self {
            Self::at(Instant::now())
        }

        /// An epoch at `origin`.
        pub const fn at(origin: Instant) -> Self {
            Self { origin }
        }

        /// The instant the epoch stands at.
        pub const fn origin(&self) -> Instant {
            self.origin
        }

        /// The current time as a [`Timestamp`].
        pub fn now(&self) -> Timestamp {
            self.timestamp(Instant::now())
        }

        /// `instant` as a [`Timestamp`]; instants before the origin map to [`Timestamp::ZERO`].
        pub fn timestamp(&self, instant: Instant) -> Timestamp {
            Timestamp::ZERO + instant.saturating_duration_since(self.origin)
        }

        /// `t` as an `Instant`, or `None` when it lies beyond what `Instant` can hold
        /// (for example [`Timestamp::MAX`], "never").
        pub fn checked_instant(&self, t: Timestamp) -> Option<Instant> {
            self.origin.checked_add(t.since_epoch())
        }

        /// `t` as an `Instant`; "never" maps to about a century from the origin.
        pub fn instant(&self, t: Timestamp) -> Instant {
            const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
            self.checked_instant(t.min(Timestamp::ZERO + CENTURY))
                .expect(
                    "an Instant a century from now is representable on every platform we support",
                )
        }
    }

    impl Default for Epoch {
        fn default() -> Self {
            Self::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp::MAX + Duration::from_secs(1), Timestamp::MAX);
        assert_eq!(Timestamp::ZERO - Duration::from_secs(1), Timestamp::ZERO);
        assert_eq!(Timestamp::from_secs(u64::MAX), Timestamp::MAX);
        assert_eq!(Timestamp::ZERO.checked_add(Duration::MAX), None);
        assert_eq!(
            Timestamp::from_secs(1).checked_duration_since(Timestamp::from_secs(2)),
            None
        );
    }

    #[test]
    fn unit_constructors_agree() {
        assert_eq!(Timestamp::from_secs(3), Timestamp::from_millis(3_000));
        assert_eq!(Timestamp::from_millis(3), Timestamp::from_micros(3_000));
        assert_eq!(Timestamp::from_micros(3), Timestamp::from_nanos(3_000));
    }

    #[test]
    fn debug_is_readable() {
        extern crate alloc;
        use alloc::format;
        assert_eq!(
            format!("{:?}", Timestamp::from_millis(1500)),
            "Timestamp(1.5s)"
        );
        assert_eq!(format!("{:?}", Timestamp::MAX), "Timestamp(never)");
    }
}
