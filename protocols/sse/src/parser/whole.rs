//! The fast path of [`EventParser::next`](super::EventParser::next): whole events that lie
//! in one input, scanned line by line straight from the input, without the piece-by-piece
//! bookkeeping that lines split across inputs need.
//!
//! It only ever takes whole events. Anything it does not handle on its own — a line or event
//! not complete in this input, a CR as the input's last byte (its LF may follow), a line or
//! event over the limits, `retry`, a comment to report — makes it give up before that event,
//! with the parser's state untouched, and the general path parses it from there. So both paths
//! agree by construction on everything but speed (the split-invariance tests run both).

use crate::codec::field::{Line, parse_line};
use crate::codec::line::find_eol;

use super::EventParser;

/// A byte range of the input.
pub(super) type Span = (usize, usize);

/// A dispatched event's data (`None`: joined in the parser's data buffer) and type.
pub(super) type Found = (Option<Span>, Option<Span>);

/// What one scan found.
pub(super) enum Whole {
    /// An event with data ends at `end` (after its blank line). `data` is its single data
    /// line, or `None` when several were joined into the parser's data buffer.
    Event {
        end: usize,
        data: Option<Span>,
        event_type: Option<Span>,
        id: Option<Span>,
    },
    /// A blank line ended a block without data at `end`: only its `id` counts (§9.2.6
    /// "dispatch the event" step 1).
    NoData { end: usize, id: Option<Span> },
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

    /// Scans one whole event (or data-less block) at the start of `input`; `None` when the
    /// general path must take over. Several data lines are joined into `self.data` (cleared
    /// again when giving up).
    #[inline]
    pub(super) fn scan_whole(&mut self, input: &[u8]) -> Option<Whole> {
        let max_line = self.limits.max_line_len;
        let max_event = self.limits.max_event_len;
        let mut pos = 0;
        let mut data: Option<Span> = None;
        let mut joined = false;
        let mut event_type = None;
        let mut id = None;
        let give_up = |this: &mut Self, joined: bool| {
            if joined {
                this.data.clear();
            }
            None
        };
        loop {
            let rest = &input[pos..];
            let Some(i) = find_eol(rest) else {
                return give_up(self, joined);
            };
            let used = if rest[i] == b'\n' {
                i + 1
            } else {
                match rest.get(i + 1) {
                    Some(b'\n') => i + 2,
                    Some(_) => i + 1,
                    None => return give_up(self, joined),
                }
            };
            let line = &rest[..i];
            if line.len() > max_line {
                return give_up(self, joined);
            }
            let start = pos;
            pos += used;
            match parse_line(line) {
                Line::Blank => {
                    return Some(if data.is_some() || joined {
                        Whole::Event {
                            end: pos,
                            data: if joined { None } else { data },
                            event_type,
                            id,
                        }
                    } else {
                        Whole::NoData { end: pos, id }
                    });
                }
                Line::Data(value) => {
                    if joined {
                        if self.data.len() + 1 + value.len() > max_event {
                            return give_up(self, joined);
                        }
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                    } else if let Some((s, e)) = data {
                        if e - s + 1 + value.len() > max_event {
                            return give_up(self, joined);
                        }
                        self.data.extend_from_slice(&input[s..e]);
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                        joined = true;
                    } else {
                        if value.len() > max_event {
                            return give_up(self, joined);
                        }
                        data = Some(span(start, i, value));
                    }
                }
                Line::Event(value) => event_type = Some(span(start, i, value)),
                Line::Id(value) => id = Some(span(start, i, value)),
                Line::Comment(_) if !self.report_comments => {}
                Line::Ignored { .. } => {}
                _ => return give_up(self, joined),
            }
        }
    }
}
