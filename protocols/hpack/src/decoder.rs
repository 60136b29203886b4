//! The resumable HPACK decoder (RFC 7541 §3, §6).

use crate::config::DecoderConfig;
use crate::huffman::{self, HuffmanError};
use crate::static_table::STATIC;
use crate::table::{ENTRY_OVERHEAD, Table, TableView, table_storage_len};
use crate::{Error, Field, integer};

/// How a literal affects the dynamic table (RFC 7541 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Incremental,
    WithoutIndexing,
    NeverIndexed,
}

/// A string literal's place in the representation's bytes.
#[derive(Debug, Clone, Copy)]
struct Str {
    huffman: bool,
    start: usize,
    len: usize,
}

impl Str {
    #[inline]
    fn end(&self) -> usize {
        self.start.saturating_add(self.len)
    }
}

#[derive(Debug, Clone, Copy)]
enum Name {
    Index(u32),
    Literal(Str),
}

#[derive(Debug, Clone, Copy)]
enum Repr {
    Indexed(u32),
    SizeUpdate(u32),
    Literal { kind: Kind, name: Name, value: Str },
}

#[derive(Debug, Clone, Copy)]
enum Parsed {
    /// A whole representation of this many octets.
    Complete(Repr, usize),
    /// The representation needs at least this many octets in all.
    Incomplete(usize),
    /// Discarding: a literal whose strings are not needed and do not all fit in the input. Its
    /// first `consumed` octets are used up (feeding `skip.check` with the part of the string
    /// they hold); `skip` says what follows. `evict`: it was to enter the dynamic table but is
    /// larger than the table, so the table is emptied (RFC 7541 §4.4).
    Skip {
        consumed: usize,
        skip: Skip,
        evict: bool,
    },
}

/// A string literal being skipped across fragments while discarding.
#[derive(Debug, Clone, Copy)]
struct Skip {
    /// Octets of the string still to come.
    remaining: usize,
    /// The Huffman check of a Huffman-coded string.
    check: Option<huffman::Check>,
    /// The skipped string is a literal name: the value's string follows.
    then_value: bool,
}

/// What the decoder continues with after a skipped name: the encoding of a literal without
/// indexing whose name is the empty string (RFC 7541 §6.2.2), so that the value's string is
/// parsed (and skipped) like any other.
const VALUE_NEXT: [u8; 2] = [0x00, 0x00];

/// Where a decoded name or value lives until it is reported.
#[derive(Debug, Clone, Copy)]
enum Loc {
    Static(&'static [u8]),
    Dynamic(usize),
    Input(usize, usize),
    Scratch(usize, usize),
}

/// Per-connection state apart from the storage.
#[derive(Debug, Clone)]
struct State {
    table: Table,
    /// The SETTINGS_HEADER_TABLE_SIZE in force: size updates may not exceed it.
    settings_limit: u32,
    /// After SETTINGS_HEADER_TABLE_SIZE was lowered below the table's maximum, the block must
    /// open with a size update to at most this.
    required_update: Option<u32>,
    max_list: u32,
    /// Name + value + 32 summed over this block's fields so far.
    list_size: u64,
    /// A field representation was seen in this block (size updates are over).
    fields_started: bool,
    size_updates: u8,
    /// [`DecoderConfig::discard_oversized`].
    discard_oversized: bool,
    /// This block (or the last one finished) went over `max_list`: decode but discard.
    discarding: bool,
    /// A block is in progress (a fragment without END_HEADERS was decoded).
    in_block: bool,
}

/// The smallest number of octets a string of `len` encoded octets decodes to.
#[inline]
fn min_decoded(s: Str) -> u64 {
    let len = s.len as u64;
    if s.huffman {
        (len * 8).saturating_sub(7) / 30
    } else {
        len
    }
}

impl State {
    /// The octets this block may still spend on one field's name and value.
    #[inline]
    fn field_budget(&self) -> Result<u64, Error> {
        if self.discarding {
            return Ok(u64::MAX);
        }
        let left = (self.max_list as u64).checked_sub(self.list_size + ENTRY_OVERHEAD as u64);
        left.ok_or(Error::HeaderListTooLarge {
            limit: self.max_list,
        })
    }

    /// Finds the extent of the representation at the start of `buf`, with the header-list limit
    /// checked as soon as string lengths are known (before anything is buffered or decoded).
    #[inline(always)]
    fn parse(&mut self, buf: &[u8], region: &[u8]) -> Result<Parsed, Error> {
        let (kind, prefix) = match first_octet(buf)? {
            Head::Done(parsed) => return Ok(parsed),
            Head::Literal(kind, prefix) => (kind, prefix),
        };
        if self.discarding {
            return self.parse_discarding(buf, region);
        }
        let Some((index, mut p)) = integer::decode(buf, prefix)? else {
            return Ok(Parsed::Incomplete(buf.len() + 1));
        };
        let budget = match self.field_budget() {
            Ok(b) => b,
            Err(e) => return self.parse_failed(e, buf, region),
        };
        let mut min = 0u64;
        let name = if index == 0 {
            let s = match string(buf, p)? {
                Ok(s) => s,
                Err(at_least) => return Ok(Parsed::Incomplete(at_least)),
            };
            min = min_decoded(s);
            if min > budget {
                let e = Error::HeaderListTooLarge {
                    limit: self.max_list,
                };
                return self.parse_failed(e, buf, region);
            }
            if s.end() > buf.len() {
                return Ok(Parsed::Incomplete(s.end()));
            }
            p = s.end();
            Name::Literal(s)
        } else {
            Name::Index(index)
        };
        let value = match string(buf, p)? {
            Ok(s) => s,
            Err(at_least) => return Ok(Parsed::Incomplete(at_least)),
        };
        if min + min_decoded(value) > budget {
            let e = Error::HeaderListTooLarge {
                limit: self.max_list,
            };
            return self.parse_failed(e, buf, region);
        }
        if value.end() > buf.len() {
            return Ok(Parsed::Incomplete(value.end()));
        }
        Ok(Parsed::Complete(
            Repr::Literal { kind, name, value },
            value.end(),
        ))
    }

    /// [`State::parse`], switching to "decode but discard" when the configuration allows it and
    /// the header list limit is crossed, or a field is too long to carry across fragments in
    /// `carry` octets (with the field buffer no larger than the list limit, as HTTP/2 sizes it,
    /// such a field is over the limit but for rare long Huffman codes).
    #[inline(always)]
    fn step(&mut self, buf: &[u8], region: &[u8], carry: usize) -> Result<Parsed, Error> {
        match self.parse(buf, region)? {
            Parsed::Incomplete(at_least)
                if at_least > carry && self.discard_oversized && !self.discarding =>
            {
                self.discarding = true;
                self.parse_discarding(buf, region)
            }
            parsed => Ok(parsed),
        }
    }

    /// `parse` found the list limit crossed (`e`): with discarding allowed, parse again while
    /// discarding.
    #[cold]
    #[inline(never)]
    fn parse_failed(&mut self, e: Error, buf: &[u8], region: &[u8]) -> Result<Parsed, Error> {
        match e {
            Error::HeaderListTooLarge { .. } if self.discard_oversized => {
                self.discarding = true;
                self.parse_discarding(buf, region)
            }
            e => Err(e),
        }
    }

    /// The extent of the representation at the start of `buf` while discarding (RFC 9113
    /// §10.5.1: the block is still decoded so the dynamic table stays in step, §4.3). No list
    /// budget applies. A literal whose strings are not needed — it does not enter the table, or
    /// it is larger than the table — and that does not fit in `buf` is skipped without being
    /// buffered ([`Parsed::Skip`]); everything else is parsed as usual.
    #[cold]
    #[inline(never)]
    fn parse_discarding(&self, buf: &[u8], region: &[u8]) -> Result<Parsed, Error> {
        let (kind, prefix) = match first_octet(buf)? {
            Head::Done(parsed) => return Ok(parsed),
            Head::Literal(kind, prefix) => (kind, prefix),
        };
        // A literal is a field: §4.2's rule on a required size update comes first, as it does
        // for a literal skipped across fragments.
        if !self.fields_started && self.required_update.is_some() {
            return Err(Error::MissingSizeUpdate);
        }
        let Some((index, p)) = integer::decode(buf, prefix)? else {
            return Ok(Parsed::Incomplete(buf.len() + 1));
        };
        let name = if index == 0 {
            match string(buf, p)? {
                Ok(s) => Name::Literal(s),
                Err(at_least) => return Ok(Parsed::Incomplete(at_least)),
            }
        } else {
            // Resolved before the value's header is read, however the block is cut.
            self.lookup(region, index)?;
            Name::Index(index)
        };
        let name_end = match name {
            Name::Literal(s) => s.end(),
            Name::Index(_) => p,
        };
        // A name that will be skipped is checked before the value's header is read, as it is
        // when it straddles fragments, so the first error is the same however the block is cut.
        let mut name_checked = false;
        if let Name::Literal(s) = name {
            if s.end() <= buf.len()
                && (kind != Kind::Incremental || self.too_big_for_table(name, None, region)?)
            {
                check_whole(s, buf)?;
                name_checked = true;
            }
        }
        let value = if name_end <= buf.len() {
            string(buf, name_end)?
        } else {
            Err(name_end + 1)
        };
        if let Ok(v) = value {
            if v.end() <= buf.len() {
                return Ok(Parsed::Complete(
                    Repr::Literal {
                        kind,
                        name,
                        value: v,
                    },
                    v.end(),
                ));
            }
        }
        let evict = kind == Kind::Incremental;
        if evict && !self.too_big_for_table(name, value.ok(), region)? {
            // It may fit the table: it must be decoded whole, so it is carried.
            return Ok(Parsed::Incomplete(match value {
                Ok(v) => v.end(),
                Err(at_least) => at_least,
            }));
        }
        if let Name::Literal(s) = name {
            if s.end() > buf.len() {
                return Ok(Parsed::Skip {
                    consumed: buf.len(),
                    skip: Skip {
                        remaining: s.end() - buf.len(),
                        check: check_start(s, &buf[s.start.min(buf.len())..])?,
                        then_value: true,
                    },
                    evict,
                });
            }
        }
        if let Name::Literal(s) = name {
            if !name_checked {
                // The name lies whole in `buf` (too big for the table only with its value).
                check_whole(s, buf)?;
            }
        }
        match value {
            Ok(v) => Ok(Parsed::Skip {
                consumed: buf.len(),
                skip: Skip {
                    remaining: v.end() - buf.len(),
                    check: check_start(v, &buf[v.start.min(buf.len())..])?,
                    then_value: false,
                },
                evict,
            }),
            // The value's header is cut: after a long literal name, use the name up (its
            // Huffman code checked) and continue with the value alone.
            Err(_) if matches!(name, Name::Literal(s) if s.len > 0) => Ok(Parsed::Skip {
                consumed: name_end,
                skip: Skip {
                    remaining: 0,
                    check: None,
                    then_value: true,
                },
                evict,
            }),
            Err(at_least) => Ok(Parsed::Incomplete(at_least)),
        }
    }

    /// Whether a literal with incremental indexing is sure to be larger than the dynamic table
    /// (so inserting it only empties the table, RFC 7541 §4.4), judged from its name and, when
    /// known, the length of its value (a Huffman string of L octets decodes to at least
    /// (8L - 7) / 30).
    fn too_big_for_table(
        &self,
        name: Name,
        value: Option<Str>,
        region: &[u8],
    ) -> Result<bool, Error> {
        let name_len = match name {
            Name::Literal(s) => min_decoded(s),
            Name::Index(i) => self.lookup(region, i)?.0.len() as u64,
        };
        let value_len = value.map_or(0, min_decoded);
        Ok(name_len + value_len + ENTRY_OVERHEAD as u64 > u64::from(self.table.max_size()))
    }

    /// Applies one complete representation whose octets are `buf`, switching to "decode but
    /// discard" when the header list limit is crossed and the configuration allows it (nothing
    /// was applied when that error comes, so the representation is simply executed again).
    #[inline(always)]
    fn apply<F: FnMut(Field<'_>)>(
        &mut self,
        repr: Repr,
        buf: &[u8],
        region: &mut [u8],
        scratch: &mut [u8],
        emit: &mut F,
    ) -> Result<(), Error> {
        if let Err(e) = self.execute(repr, buf, region, scratch, emit) {
            return self.execute_again(e, repr, buf, region, scratch, emit);
        }
        Ok(())
    }

    /// After `execute` failed with `e`: over the limit, switch to discarding and execute the
    /// representation again; any other error stands.
    #[cold]
    #[inline(never)]
    fn execute_again<F: FnMut(Field<'_>)>(
        &mut self,
        e: Error,
        repr: Repr,
        buf: &[u8],
        region: &mut [u8],
        scratch: &mut [u8],
        emit: &mut F,
    ) -> Result<(), Error> {
        match e {
            Error::HeaderListTooLarge { .. } | Error::FieldTooLarge { .. }
                if self.discard_oversized && !self.discarding =>
            {
                self.discarding = true;
                self.execute(repr, buf, region, scratch, emit)
            }
            e => Err(e),
        }
    }

    /// Applies one complete representation whose octets are `buf`.
    #[inline]
    fn execute<F: FnMut(Field<'_>)>(
        &mut self,
        repr: Repr,
        buf: &[u8],
        region: &mut [u8],
        scratch: &mut [u8],
        emit: &mut F,
    ) -> Result<(), Error> {
        match repr {
            Repr::SizeUpdate(size) => {
                // RFC 7541 §4.2: size updates only at the start of a block.
                if self.fields_started {
                    return Err(Error::SizeUpdateNotAtStart);
                }
                if self.size_updates == 2 {
                    return Err(Error::TooManySizeUpdates);
                }
                // RFC 7541 §6.3: MUST NOT exceed the limit the protocol set.
                if size > self.settings_limit {
                    return Err(Error::SizeUpdateTooLarge {
                        requested: size,
                        limit: self.settings_limit,
                    });
                }
                self.size_updates += 1;
                if self.required_update.is_some_and(|r| size <= r) {
                    self.required_update = None;
                }
                self.table.set_max_size(region, size)
            }
            Repr::Indexed(index) => {
                self.start_field()?;
                let (name, value) = self.lookup(region, index)?;
                if self.discarding {
                    return Ok(());
                }
                self.account(name.len() + value.len())?;
                emit(Field {
                    name,
                    value,
                    never_indexed: false,
                });
                Ok(())
            }
            Repr::Literal { kind, name, value } => {
                self.start_field()?;
                if !self.discarding {
                    let budget = self.field_budget()?;
                    let budget = usize::try_from(budget).unwrap_or(usize::MAX);
                    return self.literal(kind, name, value, buf, region, scratch, emit, budget);
                }
                self.literal_discarding(kind, name, value, buf, region, scratch, emit)
            }
        }
    }

    /// A literal while discarding: decoded only when it may enter the table.
    #[allow(clippy::too_many_arguments)]
    #[cold]
    #[inline(never)]
    fn literal_discarding<F: FnMut(Field<'_>)>(
        &mut self,
        kind: Kind,
        name: Name,
        value: Str,
        buf: &[u8],
        region: &mut [u8],
        scratch: &mut [u8],
        emit: &mut F,
    ) -> Result<(), Error> {
        if kind == Kind::Incremental && !self.too_big_for_table(name, Some(value), region)? {
            // It may enter the table: decode it, within the table's size.
            let room = (self.table.max_size() as usize).saturating_sub(ENTRY_OVERHEAD);
            match self.literal(kind, name, value, buf, region, scratch, emit, room) {
                // Decoded, it is larger than the table after all.
                Err(Error::HeaderListTooLarge { .. }) => {}
                r => return r,
            }
        }
        // Not needed: check, then forget (an oversized entry empties the table).
        match name {
            Name::Literal(s) => check_whole(s, buf)?,
            Name::Index(i) => {
                self.lookup(region, i)?;
            }
        }
        check_whole(value, buf)?;
        if kind == Kind::Incremental {
            self.table.clear(region);
        }
        Ok(())
    }

    /// Decodes a literal within `budget` octets of name and value, inserts it into the table
    /// (incremental indexing) and reports it (unless discarding).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn literal<F: FnMut(Field<'_>)>(
        &mut self,
        kind: Kind,
        name: Name,
        value: Str,
        buf: &[u8],
        region: &mut [u8],
        scratch: &mut [u8],
        emit: &mut F,
        budget: usize,
    ) -> Result<(), Error> {
        let mut used = 0;
        let name_loc = match name {
            Name::Index(0) => return Err(Error::InvalidIndex(0)),
            Name::Index(i) if i as usize <= STATIC.len() => Loc::Static(STATIC[i as usize - 1].0),
            Name::Index(i) => {
                let d = i as usize - STATIC.len() - 1;
                let (n, _) = self.table.get(region, d).ok_or(Error::InvalidIndex(i))?;
                if kind == Kind::Incremental {
                    // The insertion may evict this very entry (RFC 7541 §4.4): copy
                    // the name out of the table first.
                    if n.len() > budget {
                        return Err(Error::HeaderListTooLarge {
                            limit: self.max_list,
                        });
                    }
                    if n.len() > scratch.len() {
                        return Err(Error::FieldTooLarge {
                            limit: scratch.len() as u32,
                        });
                    }
                    scratch[..n.len()].copy_from_slice(n);
                    used = n.len();
                    Loc::Scratch(0, n.len())
                } else {
                    Loc::Dynamic(d)
                }
            }
            Name::Literal(s) => self.string(s, buf, scratch, &mut used, budget)?,
        };
        let name_len = match name_loc {
            Loc::Static(s) => s.len(),
            Loc::Dynamic(d) => self.table.get(region, d).map_or(0, |(n, _)| n.len()),
            Loc::Input(_, l) | Loc::Scratch(_, l) => l,
        };
        if name_len > budget {
            return Err(Error::HeaderListTooLarge {
                limit: self.max_list,
            });
        }
        let value_loc = self.string(value, buf, scratch, &mut used, budget - name_len)?;
        let value_len = match value_loc {
            Loc::Input(_, l) | Loc::Scratch(_, l) => l,
            Loc::Static(s) => s.len(),
            Loc::Dynamic(_) => 0,
        };
        if !self.discarding {
            self.account(name_len + value_len)?;
        }
        let never_indexed = kind == Kind::NeverIndexed;
        if kind == Kind::Incremental {
            let name = resolve(name_loc, &[], &self.table, buf, scratch);
            let value = resolve(value_loc, &[], &self.table, buf, scratch);
            self.table.insert(region, name, value, (0, 0));
            if self.discarding {
                return Ok(());
            }
            emit(Field {
                name,
                value,
                never_indexed,
            });
        } else {
            let name = resolve(name_loc, region, &self.table, buf, scratch);
            let value = resolve(value_loc, region, &self.table, buf, scratch);
            emit(Field {
                name,
                value,
                never_indexed,
            });
        }
        Ok(())
    }

    /// Decodes (Huffman) or locates (raw) a string literal, within `budget` octets.
    #[inline]
    fn string(
        &self,
        s: Str,
        buf: &[u8],
        scratch: &mut [u8],
        used: &mut usize,
        budget: usize,
    ) -> Result<Loc, Error> {
        if !s.huffman {
            if s.len > budget {
                return Err(Error::HeaderListTooLarge {
                    limit: self.max_list,
                });
            }
            return Ok(Loc::Input(s.start, s.len));
        }
        let room = scratch.len() - *used;
        let limit = room.min(budget);
        let start = *used;
        match huffman::decode(
            &buf[s.start..s.start + s.len],
            &mut scratch[start..start + limit],
        ) {
            Ok(n) => {
                *used += n;
                Ok(Loc::Scratch(start, n))
            }
            Err(HuffmanError::OutputFull) if budget <= room => Err(Error::HeaderListTooLarge {
                limit: self.max_list,
            }),
            Err(HuffmanError::OutputFull) => Err(Error::FieldTooLarge {
                limit: scratch.len() as u32,
            }),
            Err(e) => Err(Error::Huffman(e)),
        }
    }

    #[inline]
    fn start_field(&mut self) -> Result<(), Error> {
        if !self.fields_started {
            self.fields_started = true;
            if self.required_update.is_some() {
                return Err(Error::MissingSizeUpdate);
            }
        }
        Ok(())
    }

    /// Counts a field against the header-list limit (RFC 9113 §6.5.2).
    #[inline]
    fn account(&mut self, name_value: usize) -> Result<(), Error> {
        self.list_size += (name_value + ENTRY_OVERHEAD) as u64;
        if self.list_size > self.max_list as u64 {
            return Err(Error::HeaderListTooLarge {
                limit: self.max_list,
            });
        }
        Ok(())
    }

    #[inline]
    fn lookup<'r>(&self, region: &'r [u8], index: u32) -> Result<(&'r [u8], &'r [u8]), Error> {
        let i = index as usize;
        if i == 0 {
            return Err(Error::InvalidIndex(0));
        }
        if i <= STATIC.len() {
            return Ok(STATIC[i - 1]);
        }
        self.table
            .get(region, i - STATIC.len() - 1)
            .ok_or(Error::InvalidIndex(index))
    }

    /// A skipped literal begins: it is a field (§4.2's order rules apply) and, when it was
    /// to enter the table but is larger than the table, it empties the table (RFC 7541 §4.4).
    fn start_skip(&mut self, evict: bool, region: &[u8]) -> Result<(), Error> {
        self.start_field()?;
        if evict {
            self.table.clear(region);
        }
        Ok(())
    }

    fn end_block(&mut self) {
        self.list_size = 0;
        self.fields_started = false;
        self.size_updates = 0;
        self.in_block = false;
    }
}

/// Puts [`VALUE_NEXT`] at the start of the carry, followed by the carried octets
/// `carry[from..to]` (the cut header of the value after a skipped name).
fn carry_prefix(
    carry: &mut [u8],
    carry_len: &mut usize,
    from: usize,
    to: usize,
) -> Result<(), Error> {
    let n = VALUE_NEXT.len() + (to - from);
    if n > carry.len() {
        return Err(Error::FieldTooLarge {
            limit: carry.len() as u32,
        });
    }
    carry.copy_within(from..to, VALUE_NEXT.len());
    carry[..VALUE_NEXT.len()].copy_from_slice(&VALUE_NEXT);
    *carry_len = n;
    Ok(())
}

/// Starts the Huffman check of a skipped string `s` with its first octets `head` (raw strings
/// need none).
fn check_start(s: Str, head: &[u8]) -> Result<Option<huffman::Check>, Error> {
    if !s.huffman {
        return Ok(None);
    }
    let mut check = huffman::Check::default();
    check.feed(head)?;
    Ok(Some(check))
}

/// Checks the Huffman code of a string that lies whole in `buf`, decoding nothing.
fn check_whole(s: Str, buf: &[u8]) -> Result<(), Error> {
    if s.huffman {
        let mut check = huffman::Check::default();
        check.feed(&buf[s.start..s.end()])?;
        check.finish()?;
    }
    Ok(())
}

#[inline]
fn resolve<'x>(
    loc: Loc,
    region: &'x [u8],
    table: &Table,
    buf: &'x [u8],
    scratch: &'x [u8],
) -> &'x [u8] {
    match loc {
        Loc::Static(s) => s,
        Loc::Dynamic(d) => table.get(region, d).map_or(&[][..], |(n, _)| n),
        Loc::Input(s, l) => &buf[s..s + l],
        Loc::Scratch(s, l) => &scratch[s..s + l],
    }
}

/// Parses a string literal's header (H bit and length) at `p`: `Ok(Ok(str))`, or
/// `Ok(Err(at_least))` when `buf` ends inside the header.
#[inline]
fn string(buf: &[u8], p: usize) -> Result<Result<Str, usize>, Error> {
    let Some(&b) = buf.get(p) else {
        return Ok(Err(p + 1));
    };
    let Some((len, n)) = integer::decode(&buf[p..], 7)? else {
        return Ok(Err(buf.len() + 1));
    };
    // The string's octets may not all be in `buf` yet: the caller checks the length against the
    // header-list budget first, then `Str::end` against `buf`.
    Ok(Ok(Str {
        huffman: b & 0x80 != 0,
        start: p + n,
        len: len as usize,
    }))
}

/// A resumable HPACK decoder with its dynamic table, field buffers and carry buffer in one
/// caller-provided storage `S` (`&mut [u8]`, `[u8; N]`, or with `alloc` a `Vec<u8>`).
///
/// Feed a header block whole with [`Decoder::decode_block`], or in fragments split anywhere
/// (HEADERS + CONTINUATION payloads) with [`Decoder::decode_fragment`]; each decoded field is
/// reported to a callback as it completes, borrowing from the input, the storage or the static
/// table. After any error the decoder is poisoned: the connection must end with
/// `COMPRESSION_ERROR`.
#[derive(Debug)]
pub struct Decoder<S> {
    storage: S,
    state: State,
    table_len: usize,
    buf_len: usize,
    carry_len: usize,
    /// A string being skipped across fragments while discarding.
    skip: Option<Skip>,
    poisoned: bool,
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> Decoder<S> {
    /// A decoder using `storage`, which must hold at least [`DecoderConfig::storage_len`] octets.
    pub fn with_storage(mut storage: S, config: DecoderConfig) -> Result<Self, Error> {
        let needed = config.storage_len();
        let given = storage.as_mut().len();
        if given < needed {
            return Err(Error::StorageTooSmall { needed, given });
        }
        let cap = config.max_table_size;
        let initial = cap.min(crate::config::DEFAULT_TABLE_SIZE);
        Ok(Self {
            storage,
            state: State {
                table: Table::new(cap, initial),
                settings_limit: cap,
                required_update: (cap < crate::config::DEFAULT_TABLE_SIZE).then_some(cap),
                max_list: config.max_header_list_size,
                list_size: 0,
                fields_started: false,
                size_updates: 0,
                discard_oversized: config.discard_oversized,
                discarding: false,
                in_block: false,
            },
            table_len: table_storage_len(cap),
            buf_len: config.field_buffer_size as usize,
            carry_len: 0,
            skip: None,
            poisoned: false,
        })
    }

    /// Applies a new SETTINGS_HEADER_TABLE_SIZE of ours once the peer acknowledged it. Lowering it
    /// below the table's current maximum requires the peer's next block to start with a size
    /// update to at most the smallest value set (RFC 7541 §4.2). Values above the configured
    /// [`DecoderConfig::max_table_size`] are [`Error::TableSizeAboveCapacity`].
    pub fn set_max_table_size(&mut self, size: u32) -> Result<(), Error> {
        let capacity = self.state.table.capacity();
        if size > capacity {
            return Err(Error::TableSizeAboveCapacity {
                requested: size,
                capacity,
            });
        }
        if size < self.state.table.max_size() {
            self.state.required_update =
                Some(self.state.required_update.map_or(size, |r| r.min(size)));
        }
        self.state.settings_limit = size;
        Ok(())
    }

    /// Sets the SETTINGS_MAX_HEADER_LIST_SIZE enforced from the next field on.
    pub fn set_max_header_list_size(&mut self, size: u32) {
        self.state.max_list = size;
    }

    /// Decodes one whole header block.
    pub fn decode_block<F: FnMut(Field<'_>)>(
        &mut self,
        block: &[u8],
        emit: F,
    ) -> Result<(), Error> {
        self.decode_fragment(block, true, emit)
    }

    /// Decodes the next fragment of a header block; `end_of_block` marks the last one (the frame
    /// with END_HEADERS). Fields are reported as they complete; a field representation that
    /// straddles the end of `fragment` is kept (at most [`DecoderConfig::field_buffer_size`]
    /// octets, else [`Error::FieldTooLarge`]) and finished by the next call.
    pub fn decode_fragment<F: FnMut(Field<'_>)>(
        &mut self,
        fragment: &[u8],
        end_of_block: bool,
        mut emit: F,
    ) -> Result<(), Error> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        let r = self.run(fragment, end_of_block, &mut emit);
        if r.is_err() {
            self.poisoned = true;
        }
        r
    }

    fn run<F: FnMut(Field<'_>)>(
        &mut self,
        mut input: &[u8],
        end: bool,
        emit: &mut F,
    ) -> Result<(), Error> {
        let storage = self.storage.as_mut();
        let (region, rest) = storage.split_at_mut(self.table_len);
        let (scratch, rest) = rest.split_at_mut(self.buf_len);
        let carry = &mut rest[..self.buf_len];
        let state = &mut self.state;
        if !state.in_block {
            state.in_block = true;
            state.discarding = false;
        }
        loop {
            // A string skipped while discarding, across fragments.
            if let Some(skip) = self.skip.as_mut() {
                let k = skip.remaining.min(input.len());
                if let Some(check) = skip.check.as_mut() {
                    check.feed(&input[..k])?;
                }
                skip.remaining -= k;
                input = &input[k..];
                if skip.remaining > 0 {
                    break;
                }
                if let Some(check) = skip.check {
                    check.finish()?;
                }
                if skip.then_value {
                    carry_prefix(carry, &mut self.carry_len, 0, 0)?;
                }
                self.skip = None;
            }
            // A representation that straddled the previous fragment.
            if self.carry_len > 0 {
                match state.step(&carry[..self.carry_len], region, carry.len())? {
                    Parsed::Complete(repr, n) => {
                        debug_assert_eq!(n, self.carry_len);
                        self.carry_len = 0;
                        state.apply(repr, &carry[..n], region, scratch, emit)?;
                    }
                    Parsed::Incomplete(at_least) => {
                        if at_least > carry.len() {
                            return Err(Error::FieldTooLarge {
                                limit: carry.len() as u32,
                            });
                        }
                        if input.is_empty() {
                            break;
                        }
                        let take = (at_least - self.carry_len).min(input.len());
                        carry[self.carry_len..self.carry_len + take]
                            .copy_from_slice(&input[..take]);
                        self.carry_len += take;
                        input = &input[take..];
                    }
                    Parsed::Skip {
                        consumed,
                        skip,
                        evict,
                    } => {
                        state.start_skip(evict, region)?;
                        let len = self.carry_len;
                        self.carry_len = 0;
                        if skip.remaining > 0 {
                            self.skip = Some(skip);
                        } else {
                            carry_prefix(carry, &mut self.carry_len, consumed, len)?;
                        }
                    }
                }
                continue;
            }
            while !input.is_empty() {
                match state.parse(input, region)? {
                    Parsed::Complete(repr, n) => {
                        state.apply(repr, &input[..n], region, scratch, emit)?;
                        input = &input[n..];
                    }
                    Parsed::Incomplete(at_least) => {
                        if at_least > carry.len() {
                            if state.discard_oversized && !state.discarding {
                                state.discarding = true;
                                continue;
                            }
                            return Err(Error::FieldTooLarge {
                                limit: carry.len() as u32,
                            });
                        }
                        carry[..input.len()].copy_from_slice(input);
                        self.carry_len = input.len();
                        input = &[];
                    }
                    Parsed::Skip {
                        consumed,
                        skip,
                        evict,
                    } => {
                        state.start_skip(evict, region)?;
                        let rest = &input[consumed..];
                        input = &[];
                        if skip.remaining > 0 {
                            self.skip = Some(skip);
                        } else {
                            // The value's cut header: carried after `VALUE_NEXT`.
                            if VALUE_NEXT.len() + rest.len() > carry.len() {
                                return Err(Error::FieldTooLarge {
                                    limit: carry.len() as u32,
                                });
                            }
                            carry[..rest.len()].copy_from_slice(rest);
                            carry_prefix(carry, &mut self.carry_len, 0, rest.len())?;
                        }
                    }
                }
            }
            break;
        }
        if end {
            if self.carry_len > 0 || self.skip.is_some() {
                return Err(Error::TruncatedBlock);
            }
            state.end_block();
        }
        Ok(())
    }

    /// Whether the block being decoded, or the last one finished, went over
    /// [`DecoderConfig::max_header_list_size`] (or held a field longer than the
    /// [`DecoderConfig::field_buffer_size`]) with [`DecoderConfig::discard_oversized`] on:
    /// its remaining fields were decoded for the dynamic table's sake but not reported, so the
    /// fields reported for it are incomplete and must be dropped. The HTTP/2 reaction is a 431
    /// response or a RST_STREAM on that stream (RFC 9113 §10.5.1), not a connection error.
    /// Cleared when the next block starts.
    pub fn is_discarding(&self) -> bool {
        self.state.discarding
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> TableView<'_> {
        TableView {
            table: &self.state.table,
            region: &self.storage.as_ref()[..self.table_len],
        }
    }

    /// Whether the decoder failed and refuses input.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

#[cfg(feature = "alloc")]
impl Decoder<alloc::vec::Vec<u8>> {
    /// A decoder owning a heap storage sized for `config`.
    pub fn new(config: DecoderConfig) -> Self {
        Self::with_storage(alloc::vec![0; config.storage_len()], config)
            .expect("storage sized by storage_len")
    }

    /// Decodes one whole header block into owned fields.
    pub fn decode_to_vec(
        &mut self,
        block: &[u8],
    ) -> Result<alloc::vec::Vec<crate::OwnedField>, Error> {
        let mut out = alloc::vec::Vec::new();
        self.decode_block(block, |f| out.push(crate::OwnedField::from(f)))?;
        Ok(out)
    }
}

#[cfg(feature = "alloc")]
impl Default for Decoder<alloc::vec::Vec<u8>> {
    fn default() -> Self {
        Self::new(DecoderConfig::default())
    }
}

/// What the first octet of a representation says (RFC 7541 §6): an indexed field or a size
/// update, whole (they carry no strings), or a literal's kind and its index prefix width.
enum Head {
    Done(Parsed),
    Literal(Kind, u32),
}

/// Reads the first octet of `buf` (not empty) for [`State::parse`] and the discarding parse.
#[inline(always)]
fn first_octet(buf: &[u8]) -> Result<Head, Error> {
    let b = buf[0];
    Ok(if b & 0x80 != 0 {
        Head::Done(match integer::decode(buf, 7)? {
            Some((i, n)) => Parsed::Complete(Repr::Indexed(i), n),
            None => Parsed::Incomplete(buf.len() + 1),
        })
    } else if b & 0xc0 == 0x40 {
        Head::Literal(Kind::Incremental, 6)
    } else if b & 0xe0 == 0x20 {
        Head::Done(match integer::decode(buf, 5)? {
            Some((v, n)) => Parsed::Complete(Repr::SizeUpdate(v), n),
            None => Parsed::Incomplete(buf.len() + 1),
        })
    } else if b & 0xf0 == 0x10 {
        Head::Literal(Kind::NeverIndexed, 4)
    } else {
        Head::Literal(Kind::WithoutIndexing, 4)
    })
}
