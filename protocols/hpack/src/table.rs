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
    fn slot(&self, i: usize) -> usize {
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

    fn evict_oldest(&mut self, region: &[u8]) {
        let (_, nl, vl) = self.meta(region, self.oldest);
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

    /// Sets the maximum size (a dynamic table size update, RFC 7541 §4.3), evicting as needed.
    pub(crate) fn set_max_size(&mut self, region: &[u8], max_size: u32) -> Result<(), Error> {
        if max_size > self.capacity {
            return Err(Error::TableSizeAboveCapacity {
                requested: max_size,
                capacity: self.capacity,
            });
        }
        self.max_size = max_size;
        while self.size > max_size as usize {
            self.evict_oldest(region);
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
        let bytes = name.len() + value.len();
        let entry = bytes + ENTRY_OVERHEAD;
        if entry > self.max_size as usize {
            while self.len > 0 {
                self.evict_oldest(region);
            }
            return false;
        }
        while self.size + entry > self.max_size as usize {
            self.evict_oldest(region);
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
        true
    }

    /// The newest entry equal to `(name, value)` and the newest with that name, as 0-based
    /// dynamic indexes. `hashes` are [`field_hashes`] of the field; every entry must have been
    /// inserted with its hashes. The scan reads one hash per entry, newest first, and compares
    /// octets only when a hash matches.
    pub(crate) fn find(
        &self,
        region: &[u8],
        name: &[u8],
        value: &[u8],
        hashes: (u32, u32),
    ) -> (Option<usize>, Option<usize>) {
        if self.len == 0 {
            return (None, None);
        }
        let newest = self.slot(0);
        // Live slots in physical order: [oldest, end) then [0, newest] when the ring wraps.
        let first_end = (self.oldest + self.len).min(self.meta_cap);
        let wrapped = if self.oldest + self.len > self.meta_cap {
            newest + 1
        } else {
            0
        };
        let meta = &region[self.data_cap..self.data_cap + self.meta_cap * META];
        let index = |slot: usize| {
            if slot <= newest {
                newest - slot
            } else {
                newest + self.meta_cap - slot
            }
        };
        let mut name_match: Option<usize> = None;
        let ranges = [(0, wrapped), (self.oldest, first_end)];
        for (start, end) in ranges {
            for slot in (start..end).rev() {
                let m = slot * META;
                let rec: &[u8; META] = meta[m..m + META].try_into().expect("META octets");
                let nh = u32::from_le_bytes([rec[12], rec[13], rec[14], rec[15]]);
                if nh != hashes.0 {
                    continue;
                }
                let fh = u32::from_le_bytes([rec[16], rec[17], rec[18], rec[19]]);
                let i = index(slot);
                let (n, v) = self.get(region, i).expect("live slot");
                if n != name {
                    continue;
                }
                if fh == hashes.1 && v == value {
                    return (Some(i), Some(name_match.map_or(i, |m| m.min(i))));
                }
                if name_match.is_none_or(|m| i < m) {
                    name_match = Some(i);
                }
            }
        }
        (None, name_match)
    }
}

/// A 32-bit hash of `bytes` continuing from `seed` (8 octets per step, multiply-rotate).
#[inline]
fn hash(bytes: &[u8], seed: u32) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = seed as u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = 0u64;
    for (j, &b) in chunks.remainder().iter().enumerate() {
        tail |= (b as u64) << (8 * j);
    }
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
            let h = field_hashes(&name, &value[..value_len]);
            assert_eq!(t.find(&region, &name, &value[..value_len], h).0, Some(0));
            if t.len() > 1 {
                // The oldest entry is found too, across the ring's wrap.
                let (n, v) = t.get(&region, t.len() - 1).unwrap();
                let (n, v) = (n.to_vec(), v.to_vec());
                let found = t.find(&region, &n, &v, field_hashes(&n, &v)).0.unwrap();
                assert_eq!(t.get(&region, found), Some((&n[..], &v[..])));
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
        assert_eq!(
            t.find(&region, b"two", b"2", field_hashes(b"two", b"2")),
            (Some(0), Some(0))
        );
        assert_eq!(
            t.find(&region, b"two", b"3", field_hashes(b"two", b"3")),
            (None, Some(0))
        );
        assert_eq!(
            t.find(&region, b"one", b"1", field_hashes(b"one", b"1")),
            (None, None)
        );
        assert!(t.set_max_size(&region, 257).is_err());
    }
}
