//! HPACK (RFC 7541) for FasterAPI: a resumable decoder and an encoder with their dynamic tables in
//! caller-sized storage, and the Huffman code (public, for QPACK).
//!
//! This crate only turns header blocks into fields and fields into header blocks. It does no
//! I/O and owns no connection: the HTTP/2 machine (`fasterapi-http2`) feeds it HEADERS and
//! CONTINUATION payloads and tells it the SETTINGS values; QPACK reuses [`huffman`].
//!
//! ```text
//!   header block fragments ──► Decoder ──► Field { name, value, never_indexed } (callback)
//!   SETTINGS_HEADER_TABLE_SIZE ┘  │ ▲ SETTINGS_MAX_HEADER_LIST_SIZE
//!                                 ▼ │
//!                   dynamic table + field buffers in the caller's storage
//!
//!   fields ──► Encoder ──► header block octets (size updates first, then one
//!   peer's SETTINGS_HEADER_TABLE_SIZE ┘         representation per field)
//! ```
//!
//! # Driving it
//!
//! ```
//! use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};
//!
//! // No allocation needed: the tables live in storage the caller sizes.
//! let mut enc_store = [0u8; EncoderConfig::DEFAULT.storage_len()];
//! let mut dec_store = [0u8; DecoderConfig::DEFAULT.storage_len()];
//! let mut enc = Encoder::with_storage(&mut enc_store[..], EncoderConfig::default()).unwrap();
//! let mut dec = Decoder::with_storage(&mut dec_store[..], DecoderConfig::default()).unwrap();
//!
//! let mut block = [0u8; 256];
//! let mut n = enc.start_block(&mut block).unwrap();
//! for f in [Field::new(b":method", b"GET"), Field::new(b":path", b"/items/42"),
//!           Field::never_indexed(b"authorization", b"Bearer secret")] {
//!     n += enc.encode_field(f, &mut block[n..]).unwrap();
//! }
//!
//! // The block may arrive in fragments split anywhere (HEADERS + CONTINUATION).
//! let mut seen = 0;
//! let (a, b) = block[..n].split_at(7);
//! for (frag, last) in [(a, false), (b, true)] {
//!     dec.decode_fragment(frag, last, |f| {
//!         seen += 1;
//!         if f.name == b"authorization" { assert!(f.never_indexed) }
//!     }).unwrap();
//! }
//! assert_eq!(seen, 3);
//! ```
//!
//! # Features
//!
//! - `alloc`: heap-owned tables (`Decoder::new`, `Encoder::new`), `Encoder::encode` into a
//!   `Vec`, `Decoder::decode_to_vec`, [`huffman::encode_to_vec`] / [`huffman::decode_to_vec`].
//! - `std` (default): implies `alloc`; nothing else.
//!
//! Without features the crate is `#![no_std]` and never allocates.
//!
//! # Limits and defaults
//!
//! | limit | default | error |
//! | --- | --- | --- |
//! | dynamic table capacity ([`DecoderConfig::max_table_size`]) | 4,096 | [`Error::SizeUpdateTooLarge`] |
//! | header list size, name + value + 32 per field, checked while decoding | 16 KiB | [`Error::HeaderListTooLarge`] |
//! | one field (Huffman output, or a field straddling fragments) | 16 KiB | [`Error::FieldTooLarge`] |
//! | prefix integers | 32 bits | [`Error::IntegerOverflow`] |
//! | size updates per block | 2, only at its start | [`Error::TooManySizeUpdates`], [`Error::SizeUpdateNotAtStart`] |
//!
//! With [`DecoderConfig::discard_oversized`] ("decode but discard", what HTTP/2 uses) a block
//! over the header list limit is not an error: it is still decoded so the dynamic table stays in
//! step (RFC 9113 §4.3), its remaining fields are dropped without being buffered, and
//! [`Decoder::is_discarding`] tells the caller to refuse that one block (RFC 9113 §10.5.1).
//!
//! Every decoding error maps to HTTP/2 `COMPRESSION_ERROR` ([`Error::h2_error_code`]). See
//! `docs/hpack.md` for the API guide, the HPACK-bomb defence and how HTTP/2 and QPACK use it.
//!
//! # Performance
//!
//! The code is our own because the existing crates are slow or allocate per field:
//! `benches/benches/hpack.rs` compares decode and encode with the `hpack`, `loona-hpack` and
//! `httlib-hpack` crates on the hpack-test-case stories (numbers in `docs/BENCHMARKS.md`).
//! The encoder finds static names by a perfect hash and dynamic entries through a hash index in
//! its storage (no table scan), and writes each string in one pass, Huffman-coded when not
//! longer. The Huffman decoder reads 64 bits per refill and decodes up to two symbols per 13-bit
//! table lookup, four lookups per refill without checks. `docs/hpack.md` explains both; the
//! measured ratios, and the targets they meet or miss, are in `docs/BENCHMARKS.md`.
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

mod config;
mod decoder;
mod encoder;
mod error;
mod field;
pub mod huffman;
mod index;
mod integer;
mod static_table;
mod table;

// Public interface.
pub use config::{
    DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_TABLE_SIZE, DecoderConfig, EncoderConfig,
    default_never_index,
};
pub use decoder::Decoder;
pub use encoder::Encoder;
pub use error::Error;
pub use field::Field;
#[cfg(feature = "alloc")]
pub use field::OwnedField;
pub use table::{TableView, table_storage_len};
