//! The fast path of [`EventParser::feed`](super::EventParser::feed) and
//! [`EventParser::next`](super::EventParser::next): whole events that lie in one input, scanned
//! line by line straight from the input, without the piece-by-piece bookkeeping that lines split
//! across inputs need.
//!
//! `feed` takes every whole event of an input in one loop and hands each to its callback as
//! it is found, borrowing from the input: the data of a single `data` line, the event type,
//! and the id in force (the last event ID string is copied into the parser once, when the loop
//! stops, not once per event). `next` runs the same loop and stops at the first event.
//!
//! Anything it does not handle on its own — a line not complete in this input, a CR as the
//! input's last byte (its LF may follow), a line or event over the limits, `retry`, a comment
//! to report — makes it stop before that line and hand what it saw of the event so far to the
//! general path's state (data, type, id buffer, exactly as the general path would have left
//! them), which goes on from there. The property tests compare both paths (whole input,
//! bytewise, random splits, `next` against `feed`).

use alloc::borrow::Cow;

use crate::codec::field::{Line, parse_line};
use crate::simd::eol_mask;

use super::{Event, EventParser, Parsed, decode, set_lossy};

/// A byte range of the input.
pub(super) type Span = (usize, usize);

/// The event [`EventParser::fast`] stopped at in `ONE` mode: its data (`None`: joined in the
/// parser's data buffer) and type.
pub(super) type Found = (Option<Span>, Option<Span>);

/// The line ends (CR or LF) of one input, found in order: a 64-byte block at a time as a bit
/// mask, so a short line costs a few instructions, and with `memchr2` past a block without
/// any (a long line).
struct LineEnds<'a> {
    hay: &'a [u8],
    /// Where the block of `mask` starts.
    base: usize,
    /// Bit `k` is set when `hay[base + k]` is CR or LF.
    mask: u64,
}

impl<'a> LineEnds<'a> {
    #[inline]
    fn new(hay: &'a [u8]) -> Self {
        Self {
            hay,
            base: 0,
            mask: block_mask(hay, 0),
        }
    }

    /// The first line end at or after `from`. `from` never goes back, and never before a line
    /// end already returned; after `None` the scan is over.
    #[inline]
    fn find(&mut self, from: usize) -> Option<usize> {
        loop {
            // The block may start past `from` (after a jump): then all of it counts.
            let off = from.saturating_sub(self.base);
            if off < 64 {
                let m = self.mask & (u64::MAX << off);
                if m != 0 {
                    return Some(self.base + m.trailing_zeros() as usize);
                }
            }
            let next = from.max(self.base + 64);
            if next >= self.hay.len() {
                return None;
            }
            self.base = next;
            self.mask = block_mask(self.hay, next);
            if self.mask == 0 {
                // A long line: the rest with SIMD memchr2, then a block from its line end.
                let past = next + 64;
                let j = memchr::memchr2(b'\r', b'\n', self.hay.get(past..)?)?;
                self.base = past + j;
                self.mask = block_mask(self.hay, self.base);
            }
        }
    }
}

/// The line-end mask of the 64 bytes of `hay` from `base` (fewer at its end).
#[inline]
fn block_mask(hay: &[u8], base: usize) -> u64 {
    if let Some(block) = hay.get(base..base + 64) {
        return eol_mask(block.try_into().expect("a 64-byte slice"));
    }
    let rest = hay.get(base..).unwrap_or_default();
    let mut block = [0u8; 64];
    block[..rest.len()].copy_from_slice(rest);
    eol_mask(&block)
}

/// The text of a value of `input` (U+FFFD replacement for invalid UTF-8).
#[inline(always)]
fn text(input: &[u8], (s, e): Span) -> Cow<'_, str> {
    decode(&input[s..e])
}

/// The span of `value`, a suffix of the line that starts at `start` and is `len` long.
#[inline]
fn span(start: usize, len: usize, value: &[u8]) -> Span {
    (start + len - value.len(), start + len)
}

impl EventParser {
    /// Whether the state lets the fast path start: between events, no partial line, the
    /// scanner past the BOM and not waiting for the LF of a CR.
    #[inline]
    pub(super) fn between_events(&self) -> bool {
        self.line.is_empty()
            && self.data_line.is_none()
            && !self.has_data
            && self.event_type.is_empty()
            && !self.id_dirty
            && self.scanner.is_between_lines()
    }

    /// Takes whole events from the start of `input` while it can and returns the bytes
    /// consumed (the caller counts them in `position`).
    ///
    /// Without `ONE`, every event goes to `on` and the result has no `Found`. With `ONE`, `on`
    /// is never called: the first event with data ends the scan and comes back as spans of
    /// `input`, dispatched (`dispatched` set, id committed).
    ///
    /// When it stops before a line it cannot take, the lines of the event seen so far are in
    /// the parser's state as the general path would have left them, and an open `data` line
    /// at the end of `input` is carried into the data buffer (so a long line is scanned once).
    #[inline]
    pub(super) fn fast<const ONE: bool>(
        &mut self,
        input: &[u8],
        on: &mut impl FnMut(Parsed<'_>),
    ) -> (usize, Option<Found>) {
        let max_line = self.limits.max_line_len;
        let max_event = self.limits.max_event_len;
        // The last event ID string while it is an id of this input (valid UTF-8): events
        // borrow it, and it is copied into `self.last_id` once, when the scan ends.
        let mut last_id: Option<&str> = None;
        // The start of the current line, and what the current event's lines gave so far.
        let mut at = 0;
        let mut data: Option<Span> = None;
        let mut joined = false;
        let mut event_type: Option<Span> = None;
        let mut id: Option<Span> = None;
        let mut open_line = false;
        let mut ends = LineEnds::new(input);
        loop {
            let rest = &input[at..];
            let Some(i) = ends.find(at).map(|end| end - at) else {
                open_line = true;
                break;
            };
            let used = if rest[i] == b'\n' {
                i + 1
            } else {
                match rest.get(i + 1) {
                    Some(b'\n') => i + 2,
                    Some(_) => i + 1,
                    // The LF of this CR may start the next input: the general path's scanner
                    // remembers that.
                    None => break,
                }
            };
            let line = &rest[..i];
            if line.len() > max_line {
                break;
            }
            match parse_line(line) {
                Line::Blank => {
                    at += used;
                    // "Dispatch the event" (§9.2.6), step 1: the last event ID string takes
                    // the buffer's value, whether or not an event is dispatched.
                    if let Some(span) = id.take() {
                        match text(input, span) {
                            Cow::Borrowed(value) => last_id = Some(value),
                            Cow::Owned(value) => {
                                self.last_id = value;
                                last_id = None;
                            }
                        }
                    }
                    if data.is_some() || joined {
                        if ONE {
                            if let Some(value) = last_id {
                                self.last_id.clear();
                                self.last_id.push_str(value);
                            }
                            self.dispatched = true;
                            return (at, Some((if joined { None } else { data }, event_type)));
                        }
                        let data = match data {
                            Some(span) if !joined => text(input, span),
                            _ => decode(&self.data),
                        };
                        let event_type = match event_type {
                            Some((s, e)) if e > s => text(input, (s, e)),
                            _ => Cow::Borrowed("message"),
                        };
                        on(Parsed::Event(Event {
                            event_type,
                            data,
                            id: Cow::Borrowed(last_id.unwrap_or(&self.last_id)),
                        }));
                        self.data.clear();
                    }
                    // Steps 2-7: the buffers start empty for the next event.
                    data = None;
                    joined = false;
                    event_type = None;
                    continue;
                }
                Line::Data(value) => {
                    if joined {
                        if self.data.len() + 1 + value.len() > max_event {
                            break;
                        }
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                    } else if let Some((s, e)) = data {
                        if e - s + 1 + value.len() > max_event {
                            break;
                        }
                        self.data.extend_from_slice(&input[s..e]);
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                        joined = true;
                    } else {
                        if value.len() > max_event {
                            break;
                        }
                        data = Some(span(at, i, value));
                    }
                }
                Line::Event(value) => event_type = Some(span(at, i, value)),
                Line::Id(value) => id = Some(span(at, i, value)),
                Line::Comment(_) if !self.report_comments => {}
                Line::Ignored { .. } => {}
                // `retry` and reported comments are items of their own: the general path.
                _ => break,
            }
            at += used;
        }
        // Stopped before the line at `at`: leave the state as the general path would have.
        if let Some(value) = last_id {
            self.last_id.clear();
            self.last_id.push_str(value);
        }
        if let Some((s, e)) = data {
            if !joined {
                self.data.extend_from_slice(&input[s..e]);
            }
        }
        self.has_data = joined || data.is_some();
        if let Some((s, e)) = event_type {
            self.event_type.extend_from_slice(&input[s..e]);
        }
        if let Some((s, e)) = id {
            set_lossy(&mut self.id_buffer, &input[s..e]);
            self.id_dirty = true;
        }
        if open_line {
            at += self.open_data_line(&input[at..]);
        }
        (at, None)
    }
}
