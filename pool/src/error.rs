//! The crate's one error type.

use core::fmt;

/// What went wrong when building a queue or a pool. Running structures never fail: a full queue
/// or an empty pool is a normal outcome (`Err(value)` / `None`), not an error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A capacity (queue slots, pool objects, buffers of a class) of zero was asked for.
    ZeroCapacity,
    /// The capacity is larger than the structure can index on this target.
    CapacityTooLarge {
        /// The capacity that was asked for.
        requested: usize,
        /// The largest capacity this structure supports on this target.
        max: usize,
    },
    /// A buffer size of zero, or more size classes than [`crate::buffer::MAX_CLASSES`], or none.
    InvalidSizeClasses,
    /// The buffer alignment is not a power of two.
    InvalidAlignment(usize),
    /// The slab size (sum of all buffers, rounded to the alignment) overflows `isize`.
    SlabTooLarge,
    /// The global allocator could not provide the slab.
    AllocationFailed {
        /// Size in bytes of the failed allocation.
        bytes: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroCapacity => f.write_str("capacity must be at least 1"),
            Self::CapacityTooLarge { requested, max } => {
                write!(
                    f,
                    "capacity {requested} exceeds the maximum {max} on this target"
                )
            }
            Self::InvalidSizeClasses => f.write_str(
                "size classes must be 1 to MAX_CLASSES entries with non-zero buffer sizes",
            ),
            Self::InvalidAlignment(a) => write!(f, "alignment {a} is not a power of two"),
            Self::SlabTooLarge => f.write_str("buffer slab size overflows isize"),
            Self::AllocationFailed { bytes } => write!(f, "allocating a {bytes}-byte slab failed"),
        }
    }
}

impl core::error::Error for Error {}
