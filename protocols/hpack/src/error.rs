//! The crate's error type.

use core::fmt;

use crate::huffman::HuffmanError;

/// Everything that can go wrong while decoding or encoding HPACK.
///
/// Every decoding error is fatal for the connection: the decoder's dynamic table can no longer be
/// trusted to match the peer's, so HTTP/2 answers any of them with a connection error of type
/// `COMPRESSION_ERROR` (RFC 9113 §4.3; [`Error::h2_error_code`]). After an error the decoder
/// refuses further input ([`Error::Poisoned`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- malformed input -------------------------------------------------------------------
    /// A prefix integer (RFC 7541 §5.1) does not fit in 32 bits or has too many continuation
    /// octets.
    IntegerOverflow,
    /// An index of 0, or one past the end of the static and dynamic tables (RFC 7541 §2.3.3).
    InvalidIndex(u32),
    /// A Huffman-coded string literal is invalid (RFC 7541 §5.2): an EOS symbol, padding longer
    /// than 7 bits, or padding that is not the most significant bits of EOS.
    Huffman(HuffmanError),
    /// The header block ended in the middle of a field representation.
    TruncatedBlock,
    // --- peer misbehaved --------------------------------------------------------------------
    /// A dynamic table size update after the first field of a block (RFC 7541 §4.2).
    SizeUpdateNotAtStart,
    /// A dynamic table size update larger than the SETTINGS_HEADER_TABLE_SIZE we sent
    /// (RFC 7541 §6.3).
    SizeUpdateTooLarge {
        /// The size the peer asked for.
        requested: u32,
        /// Our limit.
        limit: u32,
    },
    /// The first block after we lowered SETTINGS_HEADER_TABLE_SIZE below the table's size did not
    /// start with a size update (RFC 7541 §4.2).
    MissingSizeUpdate,
    /// More than two size updates at the start of one block (an encoder signals at most the
    /// smallest and the final size, RFC 7541 §4.2).
    TooManySizeUpdates,
    // --- limits ----------------------------------------------------------------------------
    /// The decoded header list would exceed the configured maximum header list size (RFC 9113
    /// §6.5.2: the sum of name + value + 32 octets per field). Checked before the bytes are
    /// decoded or buffered: this is the HPACK bomb defence.
    HeaderListTooLarge {
        /// The configured limit.
        limit: u32,
    },
    /// A single field (or a field representation straddling a fragment boundary) does not fit
    /// in the decoder's bounded field buffer.
    FieldTooLarge {
        /// The buffer's capacity in octets.
        limit: u32,
    },
    // --- local misuse ----------------------------------------------------------------------
    /// The storage given to a table is smaller than [`crate::DecoderConfig::storage_len`] requires.
    StorageTooSmall {
        /// Octets needed.
        needed: usize,
        /// Octets given.
        given: usize,
    },
    /// The output buffer is too small for the next representation; nothing was written and the
    /// encoder's state did not change.
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
    },
    /// A table size setting above the capacity the table was created with.
    TableSizeAboveCapacity {
        /// The size asked for.
        requested: u32,
        /// The capacity.
        capacity: u32,
    },
    /// The decoder failed earlier and refuses further input.
    Poisoned,
}

impl Error {
    /// The HTTP/2 error code (RFC 9113 §7) for this error: `COMPRESSION_ERROR` (0x9) for every
    /// decoding error. Local misuse ([`Error::StorageTooSmall`], [`Error::BufferTooSmall`],
    /// [`Error::TableSizeAboveCapacity`]) is `INTERNAL_ERROR` (0x2).
    pub const fn h2_error_code(&self) -> u32 {
        match self {
            Self::StorageTooSmall { .. }
            | Self::BufferTooSmall { .. }
            | Self::TableSizeAboveCapacity { .. } => 0x2,
            _ => 0x9,
        }
    }

    /// A stable `snake_case` name for the variant (used by the CLI's JSON output).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::IntegerOverflow => "integer_overflow",
            Self::InvalidIndex(_) => "invalid_index",
            Self::Huffman(_) => "huffman",
            Self::TruncatedBlock => "truncated_block",
            Self::SizeUpdateNotAtStart => "size_update_not_at_start",
            Self::SizeUpdateTooLarge { .. } => "size_update_too_large",
            Self::MissingSizeUpdate => "missing_size_update",
            Self::TooManySizeUpdates => "too_many_size_updates",
            Self::HeaderListTooLarge { .. } => "header_list_too_large",
            Self::FieldTooLarge { .. } => "field_too_large",
            Self::StorageTooSmall { .. } => "storage_too_small",
            Self::BufferTooSmall { .. } => "buffer_too_small",
            Self::TableSizeAboveCapacity { .. } => "table_size_above_capacity",
            Self::Poisoned => "poisoned",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IntegerOverflow => f.write_str("HPACK integer overflows 32 bits"),
            Self::InvalidIndex(i) => write!(f, "HPACK index {i} is not in the static or dynamic table"),
            Self::Huffman(e) => write!(f, "invalid Huffman string: {e}"),
            Self::TruncatedBlock => f.write_str("header block ends inside a field representation"),
            Self::SizeUpdateNotAtStart => {
                f.write_str("dynamic table size update after the first field of the block")
            }
            Self::SizeUpdateTooLarge { requested, limit } => write!(
                f,
                "dynamic table size update to {requested} exceeds SETTINGS_HEADER_TABLE_SIZE {limit}"
            ),
            Self::MissingSizeUpdate => f.write_str(
                "header block does not start with the dynamic table size update required after SETTINGS_HEADER_TABLE_SIZE was lowered",
            ),
            Self::TooManySizeUpdates => {
                f.write_str("more than two dynamic table size updates in one block")
            }
            Self::HeaderListTooLarge { limit } => {
                write!(f, "header list exceeds the maximum header list size of {limit} octets")
            }
            Self::FieldTooLarge { limit } => {
                write!(f, "header field exceeds the {limit}-octet field buffer")
            }
            Self::StorageTooSmall { needed, given } => {
                write!(f, "table storage of {given} octets is smaller than the {needed} needed")
            }
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} octets needed")
            }
            Self::TableSizeAboveCapacity { requested, capacity } => write!(
                f,
                "table size {requested} exceeds the capacity {capacity} the table was created with"
            ),
            Self::Poisoned => f.write_str("the HPACK decoder failed earlier and refuses input"),
        }
    }
}

impl core::error::Error for Error {}

impl From<HuffmanError> for Error {
    fn from(e: HuffmanError) -> Self {
        Self::Huffman(e)
    }
}
