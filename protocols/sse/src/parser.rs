//! Event accumulation over the line layer (feature `alloc`): WHATWG HTML §9.2.6.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::codec::field::{Line, parse_line};
use crate::codec::line::LineScanner;
use crate::config::Limits;
use crate::error::Error;

mod whole;

/// One dispatched event.
///
/// Text is borrowed whenever it can be: from the input when the whole event arrived in the
/// input given to [`EventParser::next`] (the common case of a single `data` line costs no copy
/// at all), otherwise from the parser's buffers. It is owned only where invalid UTF-8 was
/// replaced with U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event<'a> {
    /// The event type: the last `event` field's value, or `message` when there was none or
    /// it was empty.
    pub event_type: Cow<'a, str>,
    /// The data: the `data` values joined with LF (the final LF removed).
    pub data: Cow<'a, str>,
    /// The last event ID string at dispatch: the latest `id` field seen on the stream (in this
    /// or an earlier event), or `""` when there was none or it was reset.
    pub id: Cow<'a, str>,
}

impl Event<'_> {
    /// A copy that borrows nothing. The default type `message` stays a static string, so a
    /// `data`-only event without an id costs one allocation (its data).
    pub fn into_owned(self) -> Event<'static> {
        Event {
            event_type: match self.event_type {
                Cow::Borrowed("message") => Cow::Borrowed("message"),
                other => Cow::Owned(other.into_owned()),
            },
            data: Cow::Owned(self.data.into_owned()),
            id: Cow::Owned(self.id.into_owned()),
        }
    }
}

/// What [`EventParser::next`] hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parsed<'a> {
    /// A blank line dispatched an event.
    Event(Event<'a>),
    /// A valid `retry` field set the stream's reconnection time (milliseconds). Reported when
    /// the field is processed, as §9.2.6 applies it then, not at dispatch.
    Retry(u64),
    /// A comment line's text after the `:` (only with [`EventParser::report_comments`]).
    Comment(Cow<'a, str>),
}

/// The event-stream parser: feed it the response body in chunks of any size; it hands out
/// events exactly as §9.2.6 interprets the stream, identical however the input is split.
///
/// ```
/// use fasterapi_sse::{EventParser, Parsed};
///
/// let mut parser = EventParser::new();
/// let mut events = Vec::new();
/// for chunk in [&b"data: YHOO\ndata: +2\r"[..], b"\ndata: 10\n", b"\n"] {
///     parser.feed(chunk, |p| {
///         if let Parsed::Event(e) = p {
///             events.push((e.event_type.into_owned(), e.data.into_owned()));
///         }
///     })?;
/// }
/// assert_eq!(events, [("message".to_string(), "YHOO\n+2\n10".to_string())]);
/// # Ok::<(), fasterapi_sse::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EventParser {
    limits: Limits,
    report_comments: bool,
    scanner: LineScanner,
    /// A line carried over from an earlier input (no end-of-line yet).
    line: Vec<u8>,
    /// A `data` line carried over from an earlier input whose value goes straight into
    /// `data` (one copy instead of two): its length so far, and whether the value crossed
    /// the event limit (then the rest is not buffered; the error comes at the line's end,
    /// as it does when the line arrives whole).
    data_line: Option<(usize, bool)>,
    /// The data buffer without its final LF; meaningful when `has_data`.
    data: Vec<u8>,
    has_data: bool,
    event_type: Vec<u8>,
    /// The last event ID buffer (§9.2.6), decoded, when `id_dirty`; otherwise the buffer's
    /// value is `last_id` and this is scratch space.
    id_buffer: String,
    /// The last event ID string, set from the buffer at each dispatch.
    last_id: String,
    /// `id_buffer` was set since the last dispatch.
    id_dirty: bool,
    /// `data` and `event_type` belong to the event handed out by the last call: clear them
    /// at the start of the next one.
    dispatched: bool,
    failed: Option<Error>,
    /// Stream bytes consumed by earlier calls (since `new` or `finish`).
    position: u64,
    /// Where the sticky error was detected.
    error_at: u64,
}

impl Default for EventParser {
    fn default() -> Self {
        Self::new()
    }
}

/// Returns `Ok(($pos, $out))` from `next`, counting the consumed bytes first.
macro_rules! consumed {
    ($self:ident, $pos:expr, $out:expr) => {{
        $self.position += $pos as u64;
        return Ok(($pos, $out));
    }};
}

/// Borrowed data or event type of the event being accumulated within one call.
type Held<'a> = Option<&'a [u8]>;

impl EventParser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::DEFAULT)
    }

    /// A parser with `limits`.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            report_comments: false,
            scanner: LineScanner::new(),
            line: Vec::new(),
            data_line: None,
            data: Vec::new(),
            has_data: false,
            event_type: Vec::new(),
            id_buffer: String::new(),
            last_id: String::new(),
            id_dirty: false,
            dispatched: false,
            failed: None,
            position: 0,
            error_at: 0,
        }
    }

    /// Hands out comment lines as [`Parsed::Comment`] (off by default; keep-alive comments
    /// are usually noise).
    #[must_use]
    pub fn report_comments(mut self, yes: bool) -> Self {
        self.report_comments = yes;
        self
    }

    /// Starts with `id` as the last event ID, for a stream that continues an earlier one
    /// after a reconnection (browsers keep the last event ID across reconnections).
    #[must_use]
    pub fn with_last_event_id(mut self, id: &str) -> Self {
        self.id_buffer.clear();
        self.id_buffer.push_str(id);
        self.last_id.clone_from(&self.id_buffer);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The last event ID string: the id in force at the latest dispatch. This is the value a
    /// client sends as `Last-Event-ID` when it reconnects (§9.2.3).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// Feeds `input` and calls `on` for everything it completes.
    ///
    /// # Errors
    /// A crossed limit ([`Error::LineTooLong`], [`Error::EventTooLarge`]). The error is
    /// sticky: the parser returns it again until [`EventParser::finish`].
    pub fn feed(&mut self, input: &[u8], mut on: impl FnMut(Parsed<'_>)) -> Result<(), Error> {
        let mut rest = input;
        loop {
            if let Some(e) = self.failed {
                return Err(e);
            }
            self.clear_dispatched();
            if self.between_events() {
                // Whole events straight to `on` while the fast path lasts.
                let (n, _) = self.fast::<false>(rest, &mut on);
                self.position += n as u64;
                rest = &rest[n..];
            }
            let (n, parsed) = self.next_general(rest)?;
            rest = &rest[n..];
            match parsed {
                Some(p) => on(p),
                None => return Ok(()),
            }
        }
    }

    /// Parses `input` up to the next thing to report. Returns how many bytes were consumed
    /// and what was found; call again with the rest of `input`. With `None`, all of `input`
    /// was consumed (partial lines and events are kept for the next input).
    ///
    /// # Errors
    /// As for [`EventParser::feed`].
    pub fn next<'a>(&'a mut self, input: &'a [u8]) -> Result<(usize, Option<Parsed<'a>>), Error> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.clear_dispatched();
        if !self.between_events() {
            return self.next_general(input);
        }
        // The fast path: whole events straight from the input.
        let (n, found) = self.fast::<true>(input, &mut |_: Parsed<'_>| {});
        self.position += n as u64;
        if let Some((data, event_type)) = found {
            let this: &'a Self = self;
            let data = data.map_or(&this.data[..], |(s, e)| &input[s..e]);
            let event_type = event_type.map_or(&[][..], |(s, e)| &input[s..e]);
            return Ok((n, Some(Parsed::Event(this.event(data, event_type)))));
        }
        let (m, parsed) = self.next_general(&input[n..])?;
        Ok((n + m, parsed))
    }

    /// The general path of `next`: line pieces through the scanner, lines and events split
    /// across inputs, limits, and everything the fast path leaves to it.
    fn next_general<'a>(
        &'a mut self,
        input: &'a [u8],
    ) -> Result<(usize, Option<Parsed<'a>>), Error> {
        let mut pos = 0;
        // The event's data / type while they are single slices of `input`; the owned buffers
        // are then empty.
        let mut data: Held<'a> = None;
        let mut event_type: Held<'a> = None;
        loop {
            let (n, piece) = self.scanner.next(&input[pos..]);
            pos += n;
            let Some(piece) = piece else {
                self.hold(data, event_type);
                consumed!(self, pos, None);
            };
            // Stream offset where the piece's bytes end (before its end-of-line, if any); only
            // errors need it.
            let piece_end = |position: u64| {
                let eol = if !piece.line_end {
                    0
                } else if input[pos - 1] == b'\n' && pos >= 2 && input[pos - 2] == b'\r' {
                    2
                } else {
                    1
                };
                position + (pos - eol) as u64
            };
            let carried = self.data_line.map_or(self.line.len(), |(len, _)| len);
            let room = self.limits.max_line_len.saturating_sub(carried);
            if piece.bytes.len() > room {
                // The first byte past the limit.
                self.error_at =
                    piece_end(self.position).saturating_sub((piece.bytes.len() - room) as u64);
                return Err(self.fail(Error::LineTooLong {
                    limit: self.limits.max_line_len,
                }));
            }
            if let Some((len, over)) = self.data_line {
                // The rest of a carried data line goes straight into the data buffer.
                let over = over || self.data.len() + piece.bytes.len() > self.limits.max_event_len;
                if !over {
                    self.data.extend_from_slice(piece.bytes);
                }
                if !piece.line_end {
                    self.data_line = Some((len + piece.bytes.len(), over));
                    continue;
                }
                self.data_line = None;
                if over {
                    self.error_at = piece_end(self.position);
                    return Err(self.fail(Error::EventTooLarge {
                        limit: self.limits.max_event_len,
                    }));
                }
                continue;
            }
            if !piece.line_end {
                if self.line.is_empty()
                    && piece.bytes.len() > 5
                    && piece.bytes.starts_with(b"data:")
                {
                    // A data line that spans inputs: carry its value in the data buffer.
                    self.hold(data.take(), event_type.take());
                    let value = &piece.bytes[5..];
                    let value = value.strip_prefix(b" ").unwrap_or(value);
                    let sep = usize::from(self.has_data);
                    let over = self.data.len() + sep + value.len() > self.limits.max_event_len;
                    if self.has_data {
                        self.data.push(b'\n');
                    }
                    if !over {
                        self.data.extend_from_slice(value);
                    }
                    self.has_data = true;
                    self.data_line = Some((piece.bytes.len(), over));
                    continue;
                }
                self.line.extend_from_slice(piece.bytes);
                continue;
            }
            if !self.line.is_empty() {
                // A line that spans inputs: process it from the carried buffer.
                self.hold(data.take(), event_type.take());
                let mut line = core::mem::take(&mut self.line);
                line.extend_from_slice(piece.bytes);
                let result = self.process_owned(&line);
                line.clear();
                self.line = line;
                match result {
                    Ok(Step::Continue) => continue,
                    Ok(Step::Dispatch) => {
                        if self.has_data {
                            consumed!(self, pos, Some(Parsed::Event(self.dispatch(None, None))));
                        }
                        self.dispatch_nothing();
                        continue;
                    }
                    Ok(Step::Retry(ms)) => consumed!(self, pos, Some(Parsed::Retry(ms))),
                    Ok(Step::Comment(text)) => {
                        let text = Cow::Owned(String::from_utf8_lossy(&text).into_owned());
                        consumed!(self, pos, Some(Parsed::Comment(text)));
                    }
                    Err(e) => {
                        self.error_at = piece_end(self.position);
                        return Err(self.fail(e));
                    }
                }
            }
            match parse_line(piece.bytes) {
                Line::Blank => {
                    if data.is_some() || self.has_data {
                        consumed!(
                            self,
                            pos,
                            Some(Parsed::Event(self.dispatch(data, event_type)))
                        );
                    }
                    self.dispatch_nothing();
                    event_type = None;
                }
                Line::Data(value) => {
                    if let Err(e) = self.check_data(data, value.len()) {
                        self.error_at = piece_end(self.position);
                        return Err(e);
                    }
                    if data.is_none() && !self.has_data {
                        data = Some(value);
                    } else {
                        self.hold(data.take(), None);
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                    }
                }
                Line::Event(value) => {
                    self.event_type.clear();
                    event_type = Some(value);
                }
                Line::Comment(text) => {
                    if self.report_comments {
                        self.hold(data, event_type);
                        consumed!(self, pos, Some(Parsed::Comment(decode(text))));
                    }
                }
                Line::Retry(ms) => {
                    self.hold(data, event_type);
                    consumed!(self, pos, Some(Parsed::Retry(ms)));
                }
                Line::Id(value) => {
                    set_lossy(&mut self.id_buffer, value);
                    self.id_dirty = true;
                }
                Line::Ignored { .. } => {}
            }
        }
    }

    /// The stream ended (or the connection dropped). Any incomplete line and undispatched
    /// event are discarded (§9.2.6: "any pending data must be discarded"); the parser is ready
    /// for the next stream of the same source, keeping the last event ID string and clearing
    /// a sticky error. Returns whether anything was discarded.
    pub fn finish(&mut self) -> bool {
        let discarded = !self.line.is_empty()
            || self.data_line.is_some()
            || (!self.dispatched && (self.has_data || !self.event_type.is_empty()));
        self.line.clear();
        self.data_line = None;
        self.data.clear();
        self.has_data = false;
        self.event_type.clear();
        self.dispatched = false;
        self.failed = None;
        self.position = 0;
        self.scanner.reset();
        self.id_dirty = false;
        discarded
    }

    /// Stream bytes consumed so far (since [`EventParser::new`] or the last
    /// [`EventParser::finish`]).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Where the sticky error was detected, as a stream offset: for
    /// [`Error::LineTooLong`] the first byte past the limit, for [`Error::EventTooLarge`] the
    /// end of the `data` line that crossed it (before its end-of-line). `None` when there is no error.
    pub fn error_offset(&self) -> Option<u64> {
        self.failed.map(|_| self.error_at)
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = Some(e);
        e
    }

    /// Clears the buffers of the event handed out by the last call.
    #[inline]
    fn clear_dispatched(&mut self) {
        if self.dispatched {
            self.dispatched = false;
            self.data.clear();
            self.has_data = false;
            self.event_type.clear();
        }
    }

    /// The fast path ended at `rest`, one line without its end: when it is a `data` line the
    /// general path would carry straight into the data buffer, carry it the same way (so a
    /// long data line is not scanned twice) and return its length; else 0.
    fn open_data_line(&mut self, rest: &[u8]) -> usize {
        if rest.len() <= 5 || rest.len() > self.limits.max_line_len || !rest.starts_with(b"data:") {
            return 0;
        }
        let value = &rest[5..];
        let value = value.strip_prefix(b" ").unwrap_or(value);
        let sep = usize::from(self.has_data);
        let over = self.data.len() + sep + value.len() > self.limits.max_event_len;
        if self.has_data {
            self.data.push(b'\n');
        }
        if !over {
            self.data.extend_from_slice(value);
        }
        self.has_data = true;
        self.data_line = Some((rest.len(), over));
        rest.len()
    }

    /// Moves the borrowed parts of the current event into the owned buffers.
    fn hold(&mut self, data: Held<'_>, event_type: Held<'_>) {
        if let Some(d) = data {
            debug_assert!(!self.has_data);
            self.data.extend_from_slice(d);
            self.has_data = true;
        }
        if let Some(t) = event_type {
            self.event_type.clear();
            self.event_type.extend_from_slice(t);
        }
    }

    /// Checks that a `data` value of `add` bytes fits the event limit.
    fn check_data(&mut self, held: Held<'_>, add: usize) -> Result<(), Error> {
        let current = match held {
            Some(d) => d.len() + 1,
            None if self.has_data => self.data.len() + 1,
            None => 0,
        };
        if current.saturating_add(add) > self.limits.max_event_len {
            return Err(self.fail(Error::EventTooLarge {
                limit: self.limits.max_event_len,
            }));
        }
        Ok(())
    }

    fn process_owned(&mut self, line: &[u8]) -> Result<Step, Error> {
        Ok(match parse_line(line) {
            Line::Blank => Step::Dispatch,
            Line::Data(value) => {
                self.check_data(None, value.len())?;
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
                Step::Continue
            }
            Line::Event(value) => {
                self.event_type.clear();
                self.event_type.extend_from_slice(value);
                Step::Continue
            }
            Line::Comment(text) if self.report_comments => Step::Comment(text.to_vec()),
            Line::Retry(ms) => Step::Retry(ms),
            Line::Id(value) => {
                set_lossy(&mut self.id_buffer, value);
                self.id_dirty = true;
                Step::Continue
            }
            _ => Step::Continue,
        })
    }

    /// Step 1 of "dispatch the event" (§9.2.6): the last event ID string is set from the
    /// buffer.
    fn commit_id(&mut self) {
        if self.id_dirty {
            // While not dirty the buffer's value is `last_id`; `id_buffer` is then scratch
            // space for the next `id` field, so a swap does instead of a copy.
            self.id_dirty = false;
            core::mem::swap(&mut self.last_id, &mut self.id_buffer);
        }
    }

    /// Dispatch with an empty data buffer (§9.2.6 step 2): reset the buffers, no event.
    fn dispatch_nothing(&mut self) {
        self.commit_id();
        self.event_type.clear();
    }

    /// Dispatches the event (§9.2.6 "dispatch the event") when there is data; `data` /
    /// `event_type` are the parts still borrowed from the input, if any.
    fn dispatch<'a>(&'a mut self, data: Held<'a>, event_type: Held<'a>) -> Event<'a> {
        self.commit_id();
        // 3.-7. The final LF is never stored; buffers are cleared on the next call.
        self.dispatched = true;
        let this: &'a Self = self;
        let data = data.unwrap_or(&this.data);
        let event_type = event_type.unwrap_or(&this.event_type);
        this.event(data, event_type)
    }

    /// The event with this data and type and the last event ID string.
    #[inline]
    fn event<'a>(&'a self, data: &'a [u8], event_type: &'a [u8]) -> Event<'a> {
        Event {
            event_type: if event_type.is_empty() {
                Cow::Borrowed("message")
            } else {
                decode(event_type)
            },
            data: decode(data),
            id: Cow::Borrowed(&self.last_id),
        }
    }
}

enum Step {
    Continue,
    Dispatch,
    Retry(u64),
    Comment(Vec<u8>),
}

/// UTF-8 decode with U+FFFD replacement (the WHATWG decoder and `from_utf8_lossy` both
/// replace each maximal invalid subpart with one U+FFFD); borrowed when valid.
#[inline(always)]
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match crate::simd::utf8(bytes) {
        Some(s) => Cow::Borrowed(s),
        None => replace_invalid(bytes),
    }
}

/// The rare case of [`decode`], kept out of the hot loops.
#[cold]
#[inline(never)]
fn replace_invalid(bytes: &[u8]) -> Cow<'static, str> {
    Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
}

fn set_lossy(dst: &mut String, bytes: &[u8]) {
    dst.clear();
    dst.push_str(&decode(bytes));
}
