//! The HPACK encoder (RFC 7541 §6, §7).

use crate::config::{DEFAULT_TABLE_SIZE, EncoderConfig};
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
    config: EncoderConfig,
    /// Size updates owed at the start of the next block: (smallest size since the last block,
    /// final size).
    pending: Option<(u32, u32)>,
}

/// One representation about to be written.
struct Plan<'f> {
    first: u8,
    prefix: u32,
    index: usize,
    name: Option<&'f [u8]>,
    value: Option<&'f [u8]>,
    insert: bool,
}

/// A string literal's encoding, decided once: `payload` octets (Huffman-coded or raw).
#[derive(Clone, Copy)]
struct StrPlan {
    huffman: bool,
    payload: usize,
}

impl StrPlan {
    #[inline]
    fn new(s: &[u8], huffman: bool) -> Self {
        if huffman {
            let h = huffman::encoded_len(s);
            // Ties go to Huffman, as in the RFC 7541 Appendix C examples.
            if h <= s.len() {
                return Self {
                    huffman: true,
                    payload: h,
                };
            }
        }
        Self {
            huffman: false,
            payload: s.len(),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        integer::encoded_len(self.payload, 7) + self.payload
    }

    #[inline]
    fn write(&self, s: &[u8], out: &mut [u8]) -> usize {
        if self.huffman {
            let n = integer::encode(self.payload, 7, 0x80, out);
            let m = huffman::encode(s, &mut out[n..n + self.payload]).expect("sized by StrPlan");
            n + m
        } else {
            let n = integer::encode(s.len(), 7, 0, out);
            out[n..n + s.len()].copy_from_slice(s);
            n + s.len()
        }
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
        Ok(Self {
            storage,
            table: Table::new(cap, initial),
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
        let region = &self.storage.as_ref()[..table_storage_len(self.table.capacity())];
        if min < fin {
            n += integer::encode(min as usize, 5, 0x20, &mut out[n..]);
            self.table.set_max_size(region, min)?;
        }
        n += integer::encode(fin as usize, 5, 0x20, &mut out[n..]);
        self.table.set_max_size(region, fin)?;
        self.pending = None;
        Ok(n)
    }

    /// Encodes one field into `out`, returning the octets written. All or nothing: on
    /// [`Error::BufferTooSmall`] nothing was written and the table did not change, so the caller
    /// can send what it has (the block may continue in a CONTINUATION frame) and retry.
    pub fn encode_field(&mut self, field: Field<'_>, out: &mut [u8]) -> Result<usize, Error> {
        let region_len = table_storage_len(self.table.capacity());
        let hashes = field_hashes(field.name, field.value);
        let plan = self.plan(field, &self.storage.as_ref()[..region_len], hashes);
        let huff = self.config.huffman;
        let name_plan = plan.name.map(|n| StrPlan::new(n, huff));
        let value_plan = plan.value.map(|v| StrPlan::new(v, huff));
        let needed = integer::encoded_len(plan.index, plan.prefix)
            + name_plan.map_or(0, |p| p.len())
            + value_plan.map_or(0, |p| p.len());
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut n = integer::encode(plan.index, plan.prefix, plan.first, out);
        if let (Some(name), Some(p)) = (plan.name, name_plan) {
            n += p.write(name, &mut out[n..]);
        }
        if let (Some(value), Some(p)) = (plan.value, value_plan) {
            n += p.write(value, &mut out[n..]);
        }
        if plan.insert {
            let region = &mut self.storage.as_mut()[..region_len];
            self.table.insert(region, field.name, field.value, hashes);
        }
        Ok(n)
    }

    fn plan<'f>(&self, field: Field<'f>, region: &[u8], hashes: (u32, u32)) -> Plan<'f> {
        let (name, value) = (field.name, field.value);
        let sensitive = field.never_indexed || (self.config.never_index)(name, value);
        let mut name_index = 0;
        if let Some((first, last)) = name_range(name) {
            name_index = first as usize;
            if !sensitive {
                for i in first..=last {
                    if STATIC[i as usize - 1].1 == value {
                        return Plan {
                            first: 0x80,
                            prefix: 7,
                            index: i as usize,
                            name: None,
                            value: None,
                            insert: false,
                        };
                    }
                }
            }
        }
        let (full, by_name) = self.table.find(region, name, value, hashes);
        if !sensitive {
            if let Some(d) = full {
                return Plan {
                    first: 0x80,
                    prefix: 7,
                    index: d + STATIC.len() + 1,
                    name: None,
                    value: None,
                    insert: false,
                };
            }
        }
        if name_index == 0 {
            if let Some(d) = by_name {
                name_index = d + STATIC.len() + 1;
            }
        }
        let lit_name = if name_index == 0 { Some(name) } else { None };
        if sensitive {
            return Plan {
                first: 0x10,
                prefix: 4,
                index: name_index,
                name: lit_name,
                value: Some(value),
                insert: false,
            };
        }
        let entry = name.len() + value.len() + ENTRY_OVERHEAD;
        if entry <= self.table.max_size() as usize * 3 / 4 {
            Plan {
                first: 0x40,
                prefix: 6,
                index: name_index,
                name: lit_name,
                value: Some(value),
                insert: true,
            }
        } else {
            Plan {
                first: 0x00,
                prefix: 4,
                index: name_index,
                name: lit_name,
                value: Some(value),
                insert: false,
            }
        }
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
        let start = out.len();
        out.resize(start + 16, 0);
        let n = self
            .start_block(&mut out[start..])
            .expect("two size updates fit in 16 octets");
        out.truncate(start + n);
        for f in fields {
            // Raw strings are never chosen when Huffman is longer: this bound always suffices.
            let bound = f.name.len() + f.value.len() + 16;
            let at = out.len();
            out.resize(at + bound, 0);
            let n = self
                .encode_field(f, &mut out[at..])
                .expect("sized by the bound above");
            out.truncate(at + n);
        }
    }
}

#[cfg(feature = "alloc")]
impl Default for Encoder<alloc::vec::Vec<u8>> {
    fn default() -> Self {
        Self::new(EncoderConfig::default())
    }
}
