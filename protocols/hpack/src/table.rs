//! The dynamic table (RFC 7541 §2.3.2, §4) in caller-sized storage.
//!
//! The table lives in one byte region split in two parts:
//!
//! ```text
//! [ data: 2 × capacity octets ][ meta: (capacity / 32 + 1) × 12 octets ]
//! ```
//!
//! Entry bytes (name then value) are appended to the data part; evictions drop the oldest entries
//! from its front, and when the next entry does not fit behind the newest the live bytes are moved
//! to the front (at most `capacity` octets move after at least `capacity` octets were inserted:
//! amortised O(1) per octet). Each entry needs at least 32 octets of table size (RFC 7541 §4.1),
//! so at most `capacity / 32` entries exist: the meta part is a ring of that many
//! `(offset, name length, value length)` records, giving O(1) access by index. Offsets are logical
//! (wrapping `u32`) so that moving the data never rewrites the records.

use crate::Error;

/// Octets per meta record: offset, name length, value length, name hash, name + value hash
/// (the hashes are only filled in by the encoder, which searches the table).
const META: usize = 20;

/// Per-entry overhead counted by the table size (RFC 7541 §4.1).
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// Octets of storage a table of at most `capacity` octets (the largest
/// SETTINGS_HEADER_TABLE_SIZE it will be used with) needs.
pub const fn table_storage_len(capacity: u32) -> usize {
    let c = capacity as usize;
    2 * c + (c / ENTRY_OVERHEAD + 1) * META
}

/// Index bookkeeping of one dynamic table; the bytes live in a region passed to each method.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    capacity: u32,
    data_cap: usize,
    meta_cap: usize,
    max_size: u32,
    size: usize,
    len: usize,
    /// Meta slot of the oldest entry.
    oldest: usize,
    /// Logical offset of physical position 0 of the data part.
    base: u32,
    /// Physical start of the oldest entry's bytes and end of the newest's.
    data_start: usize,
    data_end: usize,
}

impl Table {
    /// A table of at most `capacity` octets whose current maximum size is `max_size`.
    pub(crate) fn new(capacity: u32, max_size: u32) -> Self {
        Self {
            capacity,
            data_cap: 2 * capacity as usize,
            meta_cap: capacity as usize / ENTRY_OVERHEAD + 1,
            max_size: max_size.min(capacity),
            size: 0,
            len: 0,
            oldest: 0,
            base: 0,
            data_start: 0,
            data_end: 0,
        }
    }

    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    pub(crate) fn max_size(&self) -> u32 {
        self.max_size
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn slot(&self, i: usize) -> usize {
        // i = 0 is the newest entry.
        let s = self.oldest + self.len - 1 - i;
        if s >= self.meta_cap {
            s - self.meta_cap
        } else {
            s
        }
    }

    #[inline]
    fn meta(&self, region: &[u8], slot: usize) -> (u32, usize, usize) {
        let m = self.data_cap + slot * META;
        // One bounds check for the record; the fixed offsets below need none.
        let rec: &[u8; META] = region[m..m + META].try_into().expect("META octets");
        let r = |k: usize| u32::from_le_bytes([rec[k], rec[k + 1], rec[k + 2], rec[k + 3]]);
        (r(0), r(4) as usize, r(8) as usize)
    }

    /// Entry `i` (0 = newest, i.e. HPACK index 62) as `(name, value)`.
    #[inline]
    pub(crate) fn get<'r>(&self, region: &'r [u8], i: usize) -> Option<(&'r [u8], &'r [u8])> {
        if i >= self.len {
            return None;
        }
        let (off, nl, vl) = self.meta(region, self.slot(i));
        let p = off.wrapping_sub(self.base) as usize;
        Some((&region[p..p + nl], &region[p + nl..p + nl + vl]))
    }

    /// Evicts the oldest entry, telling `on_evict` its meta slot and hashes.
    fn evict_oldest(&mut self, region: &[u8], on_evict: &mut impl FnMut(Evicted)) {
        let (_, nl, vl) = self.meta(region, self.oldest);
        on_evict(Evicted {
            slot: self.oldest,
            hashes: self.hashes(region, self.oldest),
        });
        self.size -= nl + vl + ENTRY_OVERHEAD;
        self.len -= 1;
        self.oldest += 1;
        if self.oldest == self.meta_cap {
            self.oldest = 0;
        }
        if self.len == 0 {
            self.data_start = 0;
            self.data_end = 0;
        } else {
            self.data_start += nl + vl;
        }
    }

    /// Evicts every entry: what inserting an entry larger than the maximum size does (RFC 7541
    /// §4.4), for a decoder that skips such an entry's strings instead of decoding them.
    pub(crate) fn clear(&mut self, region: &[u8]) {
        while self.len > 0 {
            self.evict_oldest(region, &mut |_| {});
        }
    }

    /// Sets the maximum size (a dynamic table size update, RFC 7541 §4.3), evicting as needed.
    pub(crate) fn set_max_size(&mut self, region: &[u8], max_size: u32) -> Result<(), Error> {
        self.set_max_size_with(region, max_size, &mut |_| {})
    }

    /// [`Table::set_max_size`], telling `on_evict` about each evicted entry.
    pub(crate) fn set_max_size_with(
        &mut self,
        region: &[u8],
        max_size: u32,
        on_evict: &mut impl FnMut(Evicted),
    ) -> Result<(), Error> {
        if max_size > self.capacity {
            return Err(Error::TableSizeAboveCapacity {
                requested: max_size,
                capacity: self.capacity,
            });
        }
        self.max_size = max_size;
        while self.size > max_size as usize {
            self.evict_oldest(region, on_evict);
        }
        Ok(())
    }

    /// Inserts `(name, value)` as the newest entry, evicting as RFC 7541 §4.4 says: an entry larger
    /// than the maximum size empties the table and is not inserted. Returns whether it was inserted.
    pub(crate) fn insert(
        &mut self,
        region: &mut [u8],
        name: &[u8],
        value: &[u8],
        hashes: (u32, u32),
    ) -> bool {
        self.insert_with(region, name, value, hashes, &mut |_| {})
            .is_some()
    }

    /// [`Table::insert`], telling `on_evict` about each evicted entry; returns the new entry's
    /// meta slot.
    pub(crate) fn insert_with(
        &mut self,
        region: &mut [u8],
        name: &[u8],
        value: &[u8],
        hashes: (u32, u32),
        on_evict: &mut impl FnMut(Evicted),
    ) -> Option<usize> {
        let bytes = name.len() + value.len();
        let entry = bytes + ENTRY_OVERHEAD;
        if entry > self.max_size as usize {
            while self.len > 0 {
                self.evict_oldest(region, on_evict);
            }
            return None;
        }
        while self.size + entry > self.max_size as usize {
            self.evict_oldest(region, on_evict);
        }
        if self.data_end + bytes > self.data_cap {
            // Live bytes + this entry <= max_size <= capacity = data_cap / 2: fits after the move.
            region.copy_within(self.data_start..self.data_end, 0);
            self.base = self.base.wrapping_add(self.data_start as u32);
            self.data_end -= self.data_start;
            self.data_start = 0;
        }
        let p = self.data_end;
        region[p..p + name.len()].copy_from_slice(name);
        region[p + name.len()..p + bytes].copy_from_slice(value);
        self.data_end += bytes;
        let mut slot = self.oldest + self.len;
        if slot >= self.meta_cap {
            slot -= self.meta_cap;
        }
        let m = self.data_cap + slot * META;
        region[m..m + 4].copy_from_slice(&self.base.wrapping_add(p as u32).to_le_bytes());
        region[m + 4..m + 8].copy_from_slice(&(name.len() as u32).to_le_bytes());
        region[m + 8..m + 12].copy_from_slice(&(value.len() as u32).to_le_bytes());
        region[m + 12..m + 16].copy_from_slice(&hashes.0.to_le_bytes());
        region[m + 16..m + 20].copy_from_slice(&hashes.1.to_le_bytes());
        self.len += 1;
        self.size += entry;
        Some(slot)
    }

    /// The `(name hash, name + value hash)` stored with the entry in meta slot `slot`.
    #[inline]
    pub(crate) fn hashes(&self, region: &[u8], slot: usize) -> (u32, u32) {
        let m = self.data_cap + slot * META;
        let rec: &[u8; META] = region[m..m + META].try_into().expect("META octets");
        let r = |k: usize| u32::from_le_bytes([rec[k], rec[k + 1], rec[k + 2], rec[k + 3]]);
        (r(12), r(16))
    }

    /// The entry in meta slot `slot` (which must be live) as `(name, value)`.
    #[inline]
    pub(crate) fn slot_entry<'r>(&self, region: &'r [u8], slot: usize) -> (&'r [u8], &'r [u8]) {
        let (off, nl, vl) = self.meta(region, slot);
        let p = off.wrapping_sub(self.base) as usize;
        (&region[p..p + nl], &region[p + nl..p + nl + vl])
    }

    /// The 0-based dynamic index (0 = newest) of the live entry in meta slot `slot`.
    #[inline]
    pub(crate) fn slot_index(&self, slot: usize) -> usize {
        let newest = self.slot(0);
        if slot <= newest {
            newest - slot
        } else {
            newest + self.meta_cap - slot
        }
    }
}

/// An entry leaving the table: its meta slot and its `(name hash, name + value hash)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Evicted {
    pub(crate) slot: usize,
    pub(crate) hashes: (u32, u32),
}

/// A 32-bit hash of `bytes` continuing from `seed` (8 octets per step, multiply-rotate; the
/// last partial word is read with overlapping loads instead of octet by octet).
#[inline]
fn hash(bytes: &[u8], seed: u32) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let le8 = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let le4 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
    let len = bytes.len();
    let mut h = seed as u64 ^ len as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ le8(c)).wrapping_mul(K);
    }
    let rest = chunks.remainder().len();
    let tail = if rest == 0 {
        0
    } else if len >= 8 {
        // The last 8 octets, overlapping the last whole word (the length is in `h`).
        le8(&bytes[len - 8..])
    } else if len >= 4 {
        le4(bytes) | (le4(&bytes[len - 4..]) << 32)
    } else {
        bytes[0] as u64 | ((bytes[len / 2] as u64) << 8) | ((bytes[len - 1] as u64) << 16)
    };
    h = (h.rotate_left(5) ^ tail).wrapping_mul(K);
    (h >> 32) as u32 ^ h as u32
}

/// The `(name hash, name + value hash)` pair the encoder stores and searches by.
#[inline]
pub(crate) fn field_hashes(name: &[u8], value: &[u8]) -> (u32, u32) {
    let n = hash(name, 0);
    (n, hash(value, n))
}

/// A read-only view of a dynamic table, for inspection and tests.
#[derive(Debug, Clone, Copy)]
pub struct TableView<'a> {
    pub(crate) table: &'a Table,
    pub(crate) region: &'a [u8],
}

impl<'a> TableView<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// The table size as RFC 7541 §4.1 counts it (name + value + 32 per entry).
    pub fn size(&self) -> usize {
        self.table.size()
    }

    /// The current maximum size (the last dynamic table size update).
    pub fn max_size(&self) -> u32 {
        self.table.max_size()
    }

    /// Entry `i`, 0 being the newest (HPACK index `62 + i`), as `(name, value)`.
    pub fn get(&self, i: usize) -> Option<(&'a [u8], &'a [u8])> {
        self.table.get(self.region, i)
    }

    /// The entries from newest to oldest.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let (table, region) = (self.table, self.region);
        (0..table.len()).filter_map(move |i| table.get(region, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_evict_and_compact() {
        let cap = 256u32;
        let mut region = [0u8; table_storage_len(256)];
        let mut t = Table::new(cap, cap);
        // Many inserts force evictions and data moves; the newest entries always read back.
        for k in 0..500u32 {
            let name = [b'a' + (k % 26) as u8; 7];
            let value_len = (k % 40) as usize;
            let value = [b'0' + (k % 10) as u8; 40];
            assert!(t.insert(
                &mut region,
                &name,
                &value[..value_len],
                field_hashes(&name, &value[..value_len])
            ));
            assert_eq!(t.get(&region, 0), Some((&name[..], &value[..value_len])));
            // Meta slots map back to indexes, across the ring's wrap.
            for i in 0..t.len() {
                let s = t.slot(i);
                assert_eq!(t.slot_index(s), i);
                assert_eq!(Some(t.slot_entry(&region, s)), t.get(&region, i));
            }
            assert!(t.size() <= cap as usize);
            let sum: usize = (0..t.len())
                .map(|i| {
                    let (n, v) = t.get(&region, i).unwrap();
                    n.len() + v.len() + 32
                })
                .sum();
            assert_eq!(sum, t.size());
        }
        // An entry larger than the table empties it.
        let big = [b'x'; 300];
        assert!(!t.insert(&mut region, b"n", &big, (0, 0)));
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
        // Shrinking evicts from the oldest end.
        t.insert(&mut region, b"one", b"1", field_hashes(b"one", b"1"));
        t.insert(&mut region, b"two", b"2", field_hashes(b"two", b"2"));
        t.set_max_size(&region, 36).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t.get(&region, 0), Some((&b"two"[..], &b"2"[..])));
        assert_eq!(t.hashes(&region, t.slot(0)), field_hashes(b"two", b"2"));
        assert!(t.set_max_size(&region, 257).is_err());
    }
}
