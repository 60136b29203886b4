//! The HPACK encoder (RFC 7541 §6, §7).

use crate::config::{DEFAULT_TABLE_SIZE, EncoderConfig};
use crate::index::{Index, Key, index_storage_len};
use crate::static_table::{STATIC, name_range};
use crate::table::{ENTRY_OVERHEAD, Table, TableView, field_hashes, table_storage_len};
use crate::{Error, Field, huffman, integer};

/// An HPACK encoder with its dynamic table in caller-provided storage `S`.
///
/// Policy, per field:
/// 1. Never-indexed fields ([`Field::never_indexed`], or [`EncoderConfig::never_index`] says so):
///    a never-indexed literal (RFC 7541 §6.2.3), with an indexed name when one exists.
/// 2. A static or dynamic entry equal to the field: an indexed field (§6.1).
/// 3. Otherwise a literal with incremental indexing (§6.2.1) — unless the entry would take more
///    than three quarters of the table, which would only flush it: then without indexing (§6.2.2).
///
/// Names use the static index when there is one, else the newest dynamic entry with that name.
/// Strings are Huffman-coded when that is shorter (and [`EncoderConfig::huffman`] is on).
#[derive(Debug)]
pub struct Encoder<S> {
    storage: S,
    table: Table,
    index: Index,
    config: EncoderConfig,
    /// Size updates owed at the start of the next block: (smallest size since the last block,
    /// final size).
    pending: Option<(u32, u32)>,
}

/// Writes a string literal (RFC 7541 §5.2) into `out`, which holds at least [`raw_len`]`(s)`
/// octets: Huffman-coded when that is not longer (ties go to Huffman, as in the RFC 7541
/// Appendix C examples), raw otherwise. One pass: the code is written straight behind room for
/// the raw length prefix and kept if it fits in the raw length.
#[inline]
fn write_str(s: &[u8], huffman: bool, out: &mut [u8]) -> usize {
    let p = integer::encoded_len(s.len(), 7);
    if huffman {
        if let Some(h) = huffman::encode_within(s, &mut out[p..p + s.len()]) {
            let q = integer::encoded_len(h, 7);
            if q < p {
                // A shorter prefix for the shorter payload (only for strings of 127+ octets).
                out.copy_within(p..p + h, q);
            }
            integer::encode(h, 7, 0x80, out);
            return q + h;
        }
    }
    integer::encode(s.len(), 7, 0, out);
    out[p..p + s.len()].copy_from_slice(s);
    p + s.len()
}

/// Room [`write_str`] needs: the raw encoding's length, which the Huffman one never exceeds.
#[inline]
fn raw_len(s: &[u8]) -> usize {
    integer::encoded_len(s.len(), 7) + s.len()
}

/// The exact length [`write_str`] writes (the Huffman length computed separately).
fn str_len(s: &[u8], huffman: bool) -> usize {
    let h = huffman::encoded_len(s);
    if huffman && h <= s.len() {
        integer::encoded_len(h, 7) + h
    } else {
        raw_len(s)
    }
}

/// An indexed field (RFC 7541 §6.1).
#[inline]
fn write_index(index: usize, out: &mut [u8]) -> Result<usize, Error> {
    let needed = integer::encoded_len(index, 7);
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }
    Ok(integer::encode(index, 7, 0x80, out))
}

/// A literal field (RFC 7541 §6.2) with first octet `first`, a `prefix`-bit name index (0: the
/// name follows as a string literal) and the value, all or nothing.
#[inline]
fn write_literal(
    first: u8,
    prefix: u32,
    name_index: usize,
    name: Option<&[u8]>,
    value: &[u8],
    huffman: bool,
    out: &mut [u8],
) -> Result<usize, Error> {
    let head = integer::encoded_len(name_index, prefix);
    let bound = head + name.map_or(0, raw_len) + raw_len(value);
    if out.len() < bound {
        // Maybe the Huffman code fits: the exact length decides.
        let needed = head + name.map_or(0, |n| str_len(n, huffman)) + str_len(value, huffman);
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        // Write into a scratch-free exact layout: each string at its exact length.
        let mut n = integer::encode(name_index, prefix, first, out);
        if let Some(name) = name {
            n += write_str_exact(name, huffman, &mut out[n..]);
        }
        n += write_str_exact(value, huffman, &mut out[n..]);
        return Ok(n);
    }
    let mut n = integer::encode(name_index, prefix, first, out);
    if let Some(name) = name {
        n += write_str(name, huffman, &mut out[n..]);
    }
    n += write_str(value, huffman, &mut out[n..]);
    Ok(n)
}

/// [`write_str`] for an `out` that only holds the exact length ([`str_len`]).
fn write_str_exact(s: &[u8], huffman: bool, out: &mut [u8]) -> usize {
    let h = huffman::encoded_len(s);
    if huffman && h <= s.len() {
        let p = integer::encode(h, 7, 0x80, out);
        huffman::encode_within(s, &mut out[p..p + h]).expect("sized by encoded_len");
        p + h
    } else {
        let p = integer::encode(s.len(), 7, 0, out);
        out[p..p + s.len()].copy_from_slice(s);
        p + s.len()
    }
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> Encoder<S> {
    /// An encoder using `storage`, which must hold at least [`EncoderConfig::storage_len`] octets.
    pub fn with_storage(mut storage: S, config: EncoderConfig) -> Result<Self, Error> {
        let needed = config.storage_len();
        let given = storage.as_mut().len();
        if given < needed {
            return Err(Error::StorageTooSmall { needed, given });
        }
        let cap = config.max_table_size;
        let initial = cap.min(DEFAULT_TABLE_SIZE);
        let index = Index::new(
            cap,
            &mut storage.as_mut()[table_storage_len(cap)..config.storage_len()],
        );
        Ok(Self {
            storage,
            table: Table::new(cap, initial),
            index,
            config,
            // The peer's decoder starts at 4,096: a smaller table must be announced.
            pending: (cap < DEFAULT_TABLE_SIZE).then_some((cap, cap)),
        })
    }

    /// Applies the peer's SETTINGS_HEADER_TABLE_SIZE: the encoder uses the smaller of it and its
    /// own capacity, announced by size updates at the start of the next block (the smallest size
    /// set in between first, then the final one, RFC 7541 §4.2).
    pub fn set_max_table_size(&mut self, peer_setting: u32) {
        let size = peer_setting.min(self.table.capacity());
        self.pending = match self.pending {
            None if size == self.table.max_size() => None,
            None => Some((size, size)),
            Some((min, _)) => Some((min.min(size), size)),
        };
    }

    /// Starts a header block: writes any pending dynamic table size updates into `out` and
    /// returns their length (often 0). Call it before the block's first [`Encoder::encode_field`].
    pub fn start_block(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let Some((min, fin)) = self.pending else {
            return Ok(0);
        };
        let mut needed = integer::encoded_len(fin as usize, 5);
        if min < fin {
            needed += integer::encoded_len(min as usize, 5);
        }
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut n = 0;
        if min < fin {
            n += integer::encode(min as usize, 5, 0x20, &mut out[n..]);
            self.resize_table(min)?;
        }
        n += integer::encode(fin as usize, 5, 0x20, &mut out[n..]);
        self.resize_table(fin)?;
        self.pending = None;
        Ok(n)
    }

    fn resize_table(&mut self, size: u32) -> Result<(), Error> {
        let cap = self.table.capacity();
        let (t, rest) = self.storage.as_mut().split_at_mut(table_storage_len(cap));
        let ix = &mut rest[..index_storage_len(cap)];
        let index = &self.index;
        self.table
            .set_max_size_with(t, size, &mut |ev| index.evicted(ix, ev))
    }

    /// Encodes one field into `out`, returning the octets written. All or nothing: on
    /// [`Error::BufferTooSmall`] nothing was written and the table did not change, so the caller
    /// can send what it has (the block may continue in a CONTINUATION frame) and retry.
    pub fn encode_field(&mut self, field: Field<'_>, out: &mut [u8]) -> Result<usize, Error> {
        let (name, value) = (field.name, field.value);
        let sensitive = field.never_indexed || (self.config.never_index)(name, value);
        // The static table first: a full match there needs no hashing.
        let mut name_index = 0;
        if let Some((first, last)) = name_range(name) {
            name_index = first as usize;
            if !sensitive {
                for i in first..=last {
                    if STATIC[i as usize - 1].1 == value {
                        return write_index(i as usize, out);
                    }
                }
            }
        }
        if sensitive && name_index != 0 {
            // Never-indexed, static name: no table lookup (RFC 7541 §6.2.3).
            return write_literal(0x10, 4, name_index, None, value, self.config.huffman, out);
        }
        let hashes = field_hashes(name, value);
        let (table, index) = (&self.table, &self.index);
        let cap = table.capacity();
        let (t, rest) = self.storage.as_mut().split_at_mut(table_storage_len(cap));
        let ix = &mut rest[..index_storage_len(cap)];
        if !sensitive {
            let full = index.find(ix, Key::Full, hashes.1, |s| {
                table.slot_entry(t, s) == (name, value)
            });
            if let Some(s) = full {
                return write_index(table.slot_index(s) + STATIC.len() + 1, out);
            }
        }
        if name_index == 0 {
            let by_name = index.find(ix, Key::Name, hashes.0, |s| {
                table.slot_entry(t, s).0 == name
            });
            if let Some(s) = by_name {
                name_index = table.slot_index(s) + STATIC.len() + 1;
            }
        }
        let lit_name = if name_index == 0 { Some(name) } else { None };
        let huffman = self.config.huffman;
        if sensitive {
            return write_literal(0x10, 4, name_index, lit_name, value, huffman, out);
        }
        let entry = name.len() + value.len() + ENTRY_OVERHEAD;
        if entry > self.table.max_size() as usize * 3 / 4 {
            // It would only flush the table: a literal without indexing (RFC 7541 §6.2.2).
            return write_literal(0x00, 4, name_index, lit_name, value, huffman, out);
        }
        let n = write_literal(0x40, 6, name_index, lit_name, value, huffman, out)?;
        // A literal with incremental indexing (§6.2.1): the decoder inserts it, so do we.
        let (table, index) = (&mut self.table, &self.index);
        let inserted = table.insert_with(t, name, value, hashes, &mut |ev| index.evicted(ix, ev));
        if let Some(slot) = inserted {
            index.insert(ix, Key::Full, hashes.1, slot, |_| false);
            index.insert(ix, Key::Name, hashes.0, slot, |old| {
                table.slot_entry(t, old).0 == name
            });
        }
        Ok(n)
    }

    /// Checks the hash index against the table (tests): every entry is under its hash in the
    /// full table exactly once; every name's slot points at the newest entry with that name;
    /// nothing else is indexed.
    #[cfg(test)]
    pub(crate) fn check_index(&self) {
        use crate::index::Key;
        let cap = self.table.capacity();
        let (t, rest) = self.storage.as_ref().split_at(table_storage_len(cap));
        let ix = &rest[..index_storage_len(cap)];
        let len = self.table.len();
        let mut full: alloc::vec::Vec<(u32, usize)> = self.index.entries(ix, Key::Full).collect();
        let mut want: alloc::vec::Vec<(u32, usize)> = (0..len)
            .map(|i| {
                let s = self.table.slot(i);
                assert_eq!(self.table.slot_index(s), i);
                assert_eq!(Some(self.table.slot_entry(t, s)), self.table.get(t, i));
                let (n, v) = self.table.slot_entry(t, s);
                let h = field_hashes(n, v);
                assert_eq!(self.table.hashes(t, s), h);
                (h.1, s)
            })
            .collect();
        full.sort();
        want.sort();
        assert_eq!(full, want, "full index");
        let mut names: alloc::vec::Vec<(u32, usize)> = self.index.entries(ix, Key::Name).collect();
        let mut want: alloc::vec::Vec<(u32, usize)> = alloc::vec::Vec::new();
        for i in 0..len {
            let (n, _) = self.table.get(t, i).expect("live");
            // Newest first: the first entry with a name is the one its slot points at.
            if (0..i).all(|j| self.table.get(t, j).expect("live").0 != n) {
                want.push((field_hashes(n, b"").0, self.table.slot(i)));
            }
        }
        names.sort();
        want.sort();
        assert_eq!(names, want, "name index");
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> TableView<'_> {
        let region = &self.storage.as_ref()[..table_storage_len(self.table.capacity())];
        TableView {
            table: &self.table,
            region,
        }
    }
}

#[cfg(feature = "alloc")]
impl Encoder<alloc::vec::Vec<u8>> {
    /// An encoder owning a heap storage sized for `config`.
    pub fn new(config: EncoderConfig) -> Self {
        Self::with_storage(alloc::vec![0; config.storage_len()], config)
            .expect("storage sized by storage_len")
    }
}

#[cfg(feature = "alloc")]
impl<S: AsRef<[u8]> + AsMut<[u8]>> Encoder<S> {
    /// Encodes a whole header block (pending size updates, then every field), appending to `out`.
    pub fn encode<'f, I: IntoIterator<Item = Field<'f>>>(
        &mut self,
        fields: I,
        out: &mut alloc::vec::Vec<u8>,
    ) {
        // `out` grows in steps with zeroed slack behind `at`, trimmed at the end: each octet is
        // zeroed once, not once per field.
        let mut at = out.len();
        out.resize(at + 256, 0);
        at += self
            .start_block(&mut out[at..])
            .expect("two size updates fit in 256 octets");
        for f in fields {
            // Raw strings are never chosen when Huffman is longer: this bound always suffices.
            let bound = f.name.len() + f.value.len() + 16;
            if out.len() - at < bound {
                out.resize(at + bound.max(out.len() - at + 256), 0);
            }
            at += self
                .encode_field(f, &mut out[at..])
                .expect("sized by the bound above");
        }
        out.truncate(at);
    }
}

#[cfg(feature = "alloc")]
impl Default for Encoder<alloc::vec::Vec<u8>> {
    fn default() -> Self {
        Self::new(EncoderConfig::default())
    }
}
