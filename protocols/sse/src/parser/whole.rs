//! The fast path of [`EventParser::next`](super::EventParser::next): whole events that lie
//! in one input, scanned line by line straight from the input, without the piece-by-piece
//! bookkeeping that lines split across inputs need.
//!
//! Anything it does not handle on its own — a line not complete in this input, a CR as the
//! input's last byte (its LF may follow), a line or event over the limits, `retry`, a comment
//! to report — makes it stop before that line and hand what it saw of the event so far to the
//! general path's state (data, type, id buffer, exactly as the general path would have left
//! them), which goes on from there. The property tests compare both paths (whole input,
//! bytewise, random splits, `next` against `feed`).

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
    /// The fast path stopped at `end`, before a line it leaves to the general path, inside an
    /// event whose lines so far gave these fields (`joined`: the data is in the parser's data
    /// buffer).
    Partial {
        end: usize,
        data: Option<Span>,
        joined: bool,
        event_type: Option<Span>,
        id: Option<Span>,
        /// It stopped because the rest of the input is one line without its end.
        open_line: bool,
    },
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

    /// Scans one whole event (or data-less block) at the start of `input`, or the part of one
    /// it can take (`Partial`); `None` when it could take nothing. Several data lines are
    /// joined into `self.data`.
    #[inline]
    pub(super) fn scan_whole(&mut self, input: &[u8]) -> Option<Whole> {
        let max_line = self.limits.max_line_len;
        let max_event = self.limits.max_event_len;
        let mut pos = 0;
        let mut data: Option<Span> = None;
        let mut joined = false;
        let mut event_type = None;
        let mut id = None;
        let mut open_line = false;
        loop {
            let rest = &input[pos..];
            let Some(i) = find_eol(rest) else {
                open_line = true;
                break;
            };
            let used = if rest[i] == b'\n' {
                i + 1
            } else {
                match rest.get(i + 1) {
                    Some(b'\n') => i + 2,
                    Some(_) => i + 1,
                    None => break,
                }
            };
            let line = &rest[..i];
            if line.len() > max_line {
                break;
            }
            let start = pos;
            match parse_line(line) {
                Line::Blank => {
                    pos += used;
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
                        data = Some(span(start, i, value));
                    }
                }
                Line::Event(value) => event_type = Some(span(start, i, value)),
                Line::Id(value) => id = Some(span(start, i, value)),
                Line::Comment(_) if !self.report_comments => {}
                Line::Ignored { .. } => {}
                _ => break,
            }
            pos += used;
        }
        (pos > 0 || open_line).then_some(Whole::Partial {
            end: pos,
            data: if joined { None } else { data },
            joined,
            event_type,
            id,
            open_line,
        })
    }
}
