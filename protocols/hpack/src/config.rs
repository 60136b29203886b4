//! Limits and options, with safe defaults.

use crate::index::index_storage_len;
use crate::table::table_storage_len;

/// The HTTP/2 initial value of SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).
pub const DEFAULT_TABLE_SIZE: u32 = 4096;

/// Default SETTINGS_MAX_HEADER_LIST_SIZE the decoder enforces: 16 KiB.
pub const DEFAULT_MAX_HEADER_LIST_SIZE: u32 = 16 * 1024;

/// Decoder limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderConfig {
    /// The largest SETTINGS_HEADER_TABLE_SIZE this decoder will ever advertise: the capacity of
    /// its dynamic table, and the initial limit for size updates. Default 4,096. HTTP/2 peers may
    /// use 4,096 octets before they see our SETTINGS, so a smaller capacity is only safe when the
    /// peer is known to wait.
    pub max_table_size: u32,
    /// The SETTINGS_MAX_HEADER_LIST_SIZE enforced while decoding each block: the sum over its
    /// fields of name + value + 32 (RFC 9113 §6.5.2). Default 16 KiB.
    pub max_header_list_size: u32,
    /// Capacity of each of the two field buffers: one receives Huffman-decoded names and values,
    /// the other carries the encoded bytes of a field that straddles a fragment boundary. Bounds
    /// a single field. Default: [`DEFAULT_MAX_HEADER_LIST_SIZE`].
    pub field_buffer_size: u32,
    /// What crossing [`DecoderConfig::max_header_list_size`] does. `false` (the default): the
    /// block fails with [`crate::Error::HeaderListTooLarge`] and the decoder is poisoned (the
    /// connection ends). `true`: "decode but discard" — the rest of the block is still decoded
    /// so the dynamic table stays in step with the peer's encoder (RFC 9113 §4.3, §10.5.1),
    /// but no further field is reported, strings that do not enter the table are skipped (their
    /// Huffman code still checked) without being buffered, and
    /// [`crate::Decoder::is_discarding`] tells the caller to refuse the block (HTTP/2: 431 or
    /// RST_STREAM) while the connection goes on. A field that may enter the dynamic table is
    /// still decoded whole, so it must fit the field buffer: keep `field_buffer_size` at least
    /// 3.75 times `max_table_size` (a Huffman string of L octets decodes to at least
    /// (8L - 7) / 30, so every longer field is surely larger than the table and is skipped);
    /// the defaults (16 KiB for 4,096) do.
    pub discard_oversized: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl DecoderConfig {
    /// The defaults, usable in constants (`[0u8; DecoderConfig::DEFAULT.storage_len()]`).
    pub const DEFAULT: Self = Self {
        max_table_size: DEFAULT_TABLE_SIZE,
        max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        field_buffer_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        discard_oversized: false,
    };

    /// Sets [`DecoderConfig::max_table_size`].
    pub const fn with_max_table_size(mut self, v: u32) -> Self {
        self.max_table_size = v;
        self
    }

    /// Sets [`DecoderConfig::max_header_list_size`].
    pub const fn with_max_header_list_size(mut self, v: u32) -> Self {
        self.max_header_list_size = v;
        self
    }

    /// Sets [`DecoderConfig::field_buffer_size`].
    pub const fn with_field_buffer_size(mut self, v: u32) -> Self {
        self.field_buffer_size = v;
        self
    }

    /// Sets [`DecoderConfig::discard_oversized`].
    pub const fn with_discard_oversized(mut self, v: bool) -> Self {
        self.discard_oversized = v;
        self
    }

    /// Octets of storage [`crate::Decoder::with_storage`] needs for this configuration: the
    /// dynamic table ([`table_storage_len`]) plus the two field buffers.
    pub const fn storage_len(&self) -> usize {
        table_storage_len(self.max_table_size) + 2 * self.field_buffer_size as usize
    }
}

/// The default never-index policy (RFC 7541 §7.1.3):
///
/// - `authorization` and `proxy-authorization`: always never-indexed (secrets).
/// - `cookie` shorter than 20 octets: never-indexed. Short values are low-entropy and can be
///   recovered by guessing (CRIME-style probing of the shared table); long session cookies are
///   infeasible to guess and are resent on every request, so indexing them saves the most. This
///   is nghttp2's policy.
/// - `set-cookie` is treated like `cookie`.
pub fn default_never_index(name: &[u8], value: &[u8]) -> bool {
    match name {
        b"authorization" | b"proxy-authorization" => true,
        b"cookie" | b"set-cookie" => value.len() < 20,
        _ => false,
    }
}

/// Encoder options.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct EncoderConfig {
    /// The largest dynamic table the encoder will use (its storage capacity). The table size
    /// used is the smaller of this and the peer's SETTINGS_HEADER_TABLE_SIZE. Default 4,096.
    pub max_table_size: u32,
    /// Huffman-code a string when that is shorter. Default `true`.
    pub huffman: bool,
    /// Which fields are sent as never-indexed literals (besides those marked
    /// [`crate::Field::never_indexed`]). Default [`default_never_index`].
    pub never_index: fn(&[u8], &[u8]) -> bool,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl EncoderConfig {
    /// The defaults, usable in constants (`[0u8; EncoderConfig::DEFAULT.storage_len()]`).
    pub const DEFAULT: Self = Self {
        max_table_size: DEFAULT_TABLE_SIZE,
        huffman: true,
        never_index: default_never_index,
    };

    /// Sets [`EncoderConfig::max_table_size`].
    pub const fn with_max_table_size(mut self, v: u32) -> Self {
        self.max_table_size = v;
        self
    }

    /// Sets [`EncoderConfig::huffman`].
    pub const fn with_huffman(mut self, v: bool) -> Self {
        self.huffman = v;
        self
    }

    /// Sets [`EncoderConfig::never_index`].
    pub const fn with_never_index(mut self, v: fn(&[u8], &[u8]) -> bool) -> Self {
        self.never_index = v;
        self
    }

    /// Octets of storage [`crate::Encoder::with_storage`] needs: the dynamic table
    /// ([`table_storage_len`]) plus the encoder's hash index over it (4 KiB for a 4,096-octet
    /// table).
    pub const fn storage_len(&self) -> usize {
        table_storage_len(self.max_table_size) + index_storage_len(self.max_table_size)
    }
}
