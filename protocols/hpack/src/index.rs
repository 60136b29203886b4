//! The encoder's hash index over its dynamic table, in caller-sized storage.
//!
//! Two open-addressing tables (linear probing) of `2^k` slots, each slot 8 octets:
//! `(hash: u32, meta slot + 1: u32)`, 0 meaning empty.
//!
//! - **full**: keyed by the name + value hash, one slot per entry.
//! - **name**: keyed by the name hash, one slot per distinct name, pointing at the newest entry
//!   with that name.
//!
//! A lookup probes from the hash's home slot until an empty slot, comparing octets only when the
//! 32-bit hash matches, so collisions cost a compare and never a wrong answer. The table holds at
//! most `capacity / 32 + 1` entries; the index has at least 1.5 times as many slots (load ≤ 2/3).
//!
//! Consistency under eviction: entries leave the dynamic table oldest first, and the table tells
//! the encoder each one's meta slot and hashes. Its full slot is removed (found by hash and meta
//! slot). Its name slot is removed only if it still points at it: if a newer entry with the same
//! name exists, the slot already points there. If it points at the evicted entry, that entry was
//! the newest with its name and every older one is gone already, so no entry with the name is left.
//! Removal is backward-shift deletion, so there are no tombstones and probe chains stay short.

use crate::table::{ENTRY_OVERHEAD, Evicted};

#[cfg(test)]
mod tests;

/// Octets per slot.
const SLOT: usize = 8;

/// Slots per table for a dynamic table of at most `capacity` octets.
const fn slots(capacity: u32) -> usize {
    let live = capacity as usize / ENTRY_OVERHEAD + 1;
    (live + live / 2).next_power_of_two()
}

/// Octets of storage the index of a table of at most `capacity` octets needs.
pub(crate) const fn index_storage_len(capacity: u32) -> usize {
    2 * slots(capacity) * SLOT
}

/// Which of the two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Name + value hash → the entry.
    Full,
    /// Name hash → the newest entry with that name.
    Name,
}

/// The index's geometry; the slots live in a region passed to each method.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    mask: usize,
}

impl Index {
    /// An index for a table of at most `capacity` octets; `region` (of
    /// [`index_storage_len`] octets) is cleared.
    pub(crate) fn new(capacity: u32, region: &mut [u8]) -> Self {
        region.fill(0);
        Self {
            mask: slots(capacity) - 1,
        }
    }

    #[inline]
    fn base(&self, key: Key) -> usize {
        match key {
            Key::Full => 0,
            Key::Name => self.mask + 1,
        }
    }

    #[inline]
    fn read(region: &[u8], at: usize) -> u64 {
        let s: &[u8; SLOT] = region[at * SLOT..at * SLOT + SLOT]
            .try_into()
            .expect("SLOT octets");
        u64::from_le_bytes(*s)
    }

    #[inline]
    fn write(region: &mut [u8], at: usize, v: u64) {
        region[at * SLOT..at * SLOT + SLOT].copy_from_slice(&v.to_le_bytes());
    }

    #[inline]
    fn pack(hash: u32, meta_slot: usize) -> u64 {
        ((hash as u64) << 32) | (meta_slot as u64 + 1)
    }

    /// The first meta slot under `hash` for which `is_match` holds.
    #[inline]
    pub(crate) fn find(
        &self,
        region: &[u8],
        key: Key,
        hash: u32,
        mut is_match: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        let base = self.base(key);
        let mut i = hash as usize & self.mask;
        loop {
            let v = Self::read(region, base + i);
            if v == 0 {
                return None;
            }
            if (v >> 32) as u32 == hash {
                let meta = (v as u32 - 1) as usize;
                if is_match(meta) {
                    return Some(meta);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Adds `meta_slot` under `hash`, replacing the first slot under `hash` for which `replaces`
    /// holds (the name table: an older entry with the same name).
    pub(crate) fn insert(
        &self,
        region: &mut [u8],
        key: Key,
        hash: u32,
        meta_slot: usize,
        mut replaces: impl FnMut(usize) -> bool,
    ) {
        let base = self.base(key);
        let mut i = hash as usize & self.mask;
        loop {
            let v = Self::read(region, base + i);
            if v == 0 || ((v >> 32) as u32 == hash && replaces((v as u32 - 1) as usize)) {
                Self::write(region, base + i, Self::pack(hash, meta_slot));
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Removes the slot `(hash, meta_slot)` if present (backward-shift deletion).
    pub(crate) fn remove(&self, region: &mut [u8], key: Key, hash: u32, meta_slot: usize) {
        let base = self.base(key);
        let target = Self::pack(hash, meta_slot);
        let mut i = hash as usize & self.mask;
        loop {
            let v = Self::read(region, base + i);
            if v == 0 {
                return;
            }
            if v == target {
                break;
            }
            i = (i + 1) & self.mask;
        }
        // Shift later members of the probe run back into the hole when their home slot does not
        // lie (cyclically) in (hole, j].
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & self.mask;
            let v = Self::read(region, base + j);
            if v == 0 {
                break;
            }
            let home = (v >> 32) as usize & self.mask;
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                Self::write(region, base + hole, v);
                hole = j;
            }
        }
        Self::write(region, base + hole, 0);
    }

    /// Drops an entry the table evicted (see the module docs for why this keeps the name table
    /// right).
    #[inline]
    pub(crate) fn evicted(&self, region: &mut [u8], ev: Evicted) {
        self.remove(region, Key::Full, ev.hashes.1, ev.slot);
        self.remove(region, Key::Name, ev.hashes.0, ev.slot);
    }

    /// Every occupied slot of `key`'s table as `(hash, meta slot)`, for consistency checks.
    #[cfg(test)]
    pub(crate) fn entries<'r>(
        &self,
        region: &'r [u8],
        key: Key,
    ) -> impl Iterator<Item = (u32, usize)> + 'r {
        let base = self.base(key);
        (0..=self.mask)
            .map(move |i| Self::read(region, base + i))
            .filter(|&v| v != 0)
            .map(|v| ((v >> 32) as u32, (v as u32 - 1) as usize))
    }
}
