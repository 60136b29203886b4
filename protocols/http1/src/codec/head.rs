//! The resumable head parser shared by requests and responses (RFC 9112 §2–§5).
//!
//! The state is a phase plus offsets into the caller's buffer. Every call continues from the
//! first byte not yet examined, so a head delivered in pieces costs about what it costs whole.
//! Offsets (not slices) are kept, so the buffer may move or grow between calls as long as the
//! bytes already seen stay the same.

use super::chars::{TARGET, TARGET_LENIENT, TCHAR, VALUE};
use super::types::{HeaderSlot, HeaderStore, Version};
use crate::config::Config;
use crate::error::Error;
use crate::simd::{Scalar, Scanner, WithScanner, dispatch};

/// Which start-line the parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Request,
    Response,
}

/// The form of a request-target (RFC 9112 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetForm {
    /// `/path?query` — every method except CONNECT (and `*` for OPTIONS).
    Origin,
    /// `scheme:...` — a request to a proxy.
    Absolute,
    /// `host:port` — CONNECT only.
    Authority,
    /// `*` — OPTIONS only.
    Asterisk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Request: before the method, skipping empty lines (RFC 9112 §2.2 SHOULD).
    Start,
    /// Request: CR of a leading empty line seen.
    StartCr,
    Method,
    Target,
    /// Request: 8 bytes of HTTP-version expected at `mark`.
    Version,
    /// Request: CR or LF ending the request-line expected.
    VersionEnd,
    /// Response: 8 bytes of HTTP-version expected at `mark`.
    RVersion,
    /// Response: SP after the version expected.
    RVersionSp,
    /// Response: 3 digits at `mark`.
    Status,
    /// Response: SP (or the line end) after the status expected.
    StatusSp,
    Reason,
    /// CR ending the start-line seen; LF expected.
    StartLineCr,
    LineStart,
    Name,
    /// After a field's colon, skipping OWS.
    Ows,
    Value,
    /// CR ending a field line seen; LF expected.
    ValueCr,
    /// CR of the final empty line seen; LF expected.
    EndCr,
    Done,
}

/// The resumable parser state; `RequestParser`/`ResponseParser` wrap it.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) config: Config,
    kind: Kind,
    phase: Phase,
    /// The first byte not yet examined.
    pos: usize,
    /// Start of the element being scanned.
    mark: usize,
    /// Request: method; response: reason phrase.
    pub(crate) a: (usize, usize),
    /// Request: target.
    pub(crate) target: (usize, usize),
    pub(crate) form: TargetForm,
    pub(crate) version: Version,
    pub(crate) status: u16,
    /// Header fields stored so far.
    pub(crate) count: usize,
    name: (usize, usize),
    value_start: usize,
    value_end: usize,
    pub(crate) head_len: usize,
}

/// `true` for SP and HTAB.
#[inline(always)]
const fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses `HTTP/` DIGIT `.` DIGIT at `buf[at..at + 8]` (RFC 9112 §2.3).
fn version(buf: &[u8], at: usize) -> Result<Version, Error> {
    let v = &buf[at..at + 8];
    if &v[..5] != b"HTTP/" || !v[5].is_ascii_digit() || v[6] != b'.' || !v[7].is_ascii_digit() {
        let bad = v.iter().zip(b"HTTP/0.0").position(|(&b, &p)| {
            if p == b'0' {
                !b.is_ascii_digit()
            } else {
                b != p
            }
        });
        return Err(Error::InvalidVersion {
            at: at + bad.unwrap_or(0),
        });
    }
    match (v[5], v[7]) {
        (b'1', b'0') => Ok(Version::Http10),
        (b'1', _) => Ok(Version::Http11),
        _ => Err(Error::UnsupportedVersion { at }),
    }
}

impl Head {
    pub(crate) const fn new(kind: Kind, config: Config) -> Self {
        Self {
            config,
            kind,
            phase: match kind {
                Kind::Request => Phase::Start,
                Kind::Response => Phase::RVersion,
            },
            pos: 0,
            mark: 0,
            a: (0, 0),
            target: (0, 0),
            form: TargetForm::Origin,
            version: Version::Http11,
            status: 0,
            count: 0,
            name: (0, 0),
            value_start: 0,
            value_end: 0,
            head_len: 0,
        }
    }

    /// Forgets the message parsed so far, keeping the configuration.
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.kind, self.config);
    }

    /// Whether the parser has started on a message (seen at least one byte).
    pub(crate) const fn in_progress(&self) -> bool {
        self.pos > 0 && !matches!(self.phase, Phase::Done)
    }

    /// Continues parsing `buf` (the whole message so far). `Ok(true)` when the head is complete.
    pub(crate) fn parse<S: HeaderStore + ?Sized>(
        &mut self,
        buf: &[u8],
        store: &mut S,
    ) -> Result<bool, Error> {
        if buf.len() < self.pos {
            // The caller handed us a different, shorter buffer: start over on it.
            self.reset();
        }
        if self.phase == Phase::Done {
            return Ok(true);
        }
        let limit = self.config.head_limit();
        let view = if buf.len() > limit {
            &buf[..limit]
        } else {
            buf
        };
        // A few new bytes (input trickling in): the table scanner, without backend selection.
        let result = if view.len() < self.pos + 16 {
            self.run(Scalar, view, store)
        } else {
            dispatch(Work {
                head: self,
                buf: view,
                store,
            })
        };
        match result {
            Ok(true) => Ok(true),
            Ok(false) if buf.len() > limit => Err(Error::HeadTooLarge { limit }),
            other => other,
        }
    }

    /// The state machine. `Ok(false)`: every byte of `buf` has been examined, more are needed.
    #[inline(always)]
    #[allow(clippy::too_many_lines)] // reason: one loop over phases keeps the hot path in one frame
    fn run<Sc: Scanner, S: HeaderStore + ?Sized>(
        &mut self,
        sc: Sc,
        buf: &[u8],
        store: &mut S,
    ) -> Result<bool, Error> {
        let cfg = self.config;
        let mut pos = self.pos;
        macro_rules! need {
            () => {{
                self.pos = pos;
                return Ok(false);
            }};
        }
        loop {
            match self.phase {
                Phase::LineStart => {
                    // Fast path: whole `name: value CRLF` lines, no state written per line.
                    // Anything else (a partial line, an error, the end) falls through to the
                    // per-phase path below, which rescans at most this one line.
                    pos = self.fast_fields(sc, buf, pos, store)?;
                    let Some(&c) = buf.get(pos) else { need!() };
                    match c {
                        b'\r' => {
                            pos += 1;
                            self.phase = Phase::EndCr;
                        }
                        b'\n' => {
                            if !cfg.allow_bare_lf {
                                return Err(Error::BareLf { at: pos });
                            }
                            self.head_len = pos + 1;
                            self.pos = pos + 1;
                            self.phase = Phase::Done;
                            return Ok(true);
                        }
                        b' ' | b'\t' => {
                            if self.count == 0 {
                                return Err(Error::WhitespaceAfterStartLine { at: pos });
                            }
                            if !cfg.allow_obs_fold {
                                return Err(Error::ObsFold { at: pos });
                            }
                            // RFC 9112 §5.2: the previous field continues on this line.
                            self.count -= 1;
                            let slot = store.slots()[self.count];
                            self.name = (slot.name as usize, slot.name_end as usize);
                            self.value_start = slot.value as usize;
                            self.phase = Phase::Value;
                        }
                        _ => {
                            self.mark = pos;
                            self.phase = Phase::Name;
                        }
                    }
                }
                Phase::Name => {
                    let e = sc.scan(&TCHAR, buf, pos);
                    let Some(&c) = buf.get(e) else {
                        pos = e;
                        need!()
                    };
                    if c != b':' || e == self.mark {
                        if is_ws(c) && e > self.mark {
                            return Err(Error::WhitespaceBeforeColon { at: e });
                        }
                        // An empty name, a byte outside tchar, or a line without a colon.
                        return Err(Error::InvalidHeaderName { at: e });
                    }
                    self.name = (self.mark, e);
                    pos = e + 1;
                    self.phase = Phase::Ows;
                }
                Phase::Ows => {
                    while let Some(&c) = buf.get(pos) {
                        if !is_ws(c) {
                            break;
                        }
                        pos += 1;
                    }
                    if pos == buf.len() {
                        need!()
                    }
                    self.value_start = pos;
                    self.phase = Phase::Value;
                }
                Phase::Value => {
                    let e = sc.scan(&VALUE, buf, pos);
                    let Some(&c) = buf.get(e) else {
                        pos = e;
                        need!()
                    };
                    self.value_end = e;
                    pos = e + 1;
                    match c {
                        b'\r' => self.phase = Phase::ValueCr,
                        b'\n' if cfg.allow_bare_lf => self.store_field(buf, store)?,
                        b'\n' => return Err(Error::BareLf { at: e }),
                        _ => return Err(Error::InvalidHeaderValue { at: e }),
                    }
                }
                Phase::ValueCr => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    if c != b'\n' {
                        return Err(Error::BareCr { at: pos - 1 });
                    }
                    pos += 1;
                    self.store_field(buf, store)?;
                }
                Phase::EndCr => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    if c != b'\n' {
                        return Err(Error::BareCr { at: pos - 1 });
                    }
                    self.head_len = pos + 1;
                    self.pos = pos + 1;
                    self.phase = Phase::Done;
                    return Ok(true);
                }
                Phase::Done => return Ok(true),

                // ----- request-line (RFC 9112 §3) -----
                Phase::Start => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    match c {
                        b'\r' => {
                            pos += 1;
                            self.phase = Phase::StartCr;
                        }
                        b'\n' if cfg.allow_bare_lf => pos += 1,
                        b'\n' => return Err(Error::BareLf { at: pos }),
                        _ => {
                            self.mark = pos;
                            self.phase = Phase::Method;
                        }
                    }
                }
                Phase::StartCr => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    if c != b'\n' {
                        return Err(Error::BareCr { at: pos - 1 });
                    }
                    pos += 1;
                    self.phase = Phase::Start;
                }
                Phase::Method => {
                    let e = sc.scan(&TCHAR, buf, pos);
                    let Some(&c) = buf.get(e) else {
                        pos = e;
                        need!()
                    };
                    if c != b' ' || e == self.mark {
                        return Err(if e == self.mark || !is_ws(c) && c != b'\r' && c != b'\n' {
                            Error::InvalidMethod { at: e }
                        } else {
                            Error::InvalidStartLine { at: e }
                        });
                    }
                    self.a = (self.mark, e);
                    pos = e + 1;
                    self.mark = pos;
                    self.phase = Phase::Target;
                }
                Phase::Target => {
                    if pos == self.mark && cfg.allow_multiple_spaces {
                        while buf.get(pos) == Some(&b' ') {
                            pos += 1;
                        }
                        self.mark = pos;
                    }
                    let class = if cfg.allow_unsafe_target_chars {
                        &TARGET_LENIENT
                    } else {
                        &TARGET
                    };
                    let mut e = sc.scan(class, buf, pos);
                    // Percent-escapes: `%` HEXDIG HEXDIG (RFC 3986 §2.1).
                    while buf.get(e) == Some(&b'%') {
                        match (buf.get(e + 1), buf.get(e + 2)) {
                            (Some(h1), Some(h2))
                                if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() =>
                            {
                                e = sc.scan(class, buf, e + 3);
                            }
                            (Some(h1), _) if !h1.is_ascii_hexdigit() => {
                                return Err(Error::InvalidTarget { at: e + 1 });
                            }
                            (Some(_), Some(_)) => return Err(Error::InvalidTarget { at: e + 2 }),
                            _ => break,
                        }
                    }
                    if e - self.mark > cfg.max_target_len {
                        return Err(Error::TargetTooLong {
                            limit: cfg.max_target_len,
                        });
                    }
                    let Some(&c) = buf.get(e) else {
                        pos = e;
                        need!()
                    };
                    if c == b'%' {
                        // An escape cut short by the end of input.
                        pos = e;
                        need!()
                    }
                    if c != b' ' {
                        return Err(if c == b'\r' || c == b'\n' {
                            Error::InvalidStartLine { at: e }
                        } else {
                            Error::InvalidTarget { at: e }
                        });
                    }
                    if e == self.mark {
                        return Err(Error::InvalidTarget { at: e });
                    }
                    self.target = (self.mark, e);
                    self.form =
                        target_form(&buf[self.a.0..self.a.1], &buf[self.mark..e], self.mark)?;
                    pos = e + 1;
                    self.mark = pos;
                    self.phase = Phase::Version;
                }
                Phase::Version => {
                    if cfg.allow_multiple_spaces && pos == self.mark {
                        while buf.get(pos) == Some(&b' ') {
                            pos += 1;
                        }
                        self.mark = pos;
                    }
                    if buf.len() < self.mark + 8 {
                        need!()
                    }
                    self.version = version(buf, self.mark)?;
                    pos = self.mark + 8;
                    self.phase = Phase::VersionEnd;
                }
                Phase::VersionEnd => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    pos += 1;
                    match c {
                        b'\r' => self.phase = Phase::StartLineCr,
                        b'\n' if cfg.allow_bare_lf => self.phase = Phase::LineStart,
                        b'\n' => return Err(Error::BareLf { at: pos - 1 }),
                        _ => return Err(Error::InvalidVersion { at: pos - 1 }),
                    }
                }
                Phase::StartLineCr => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    if c != b'\n' {
                        return Err(Error::BareCr { at: pos - 1 });
                    }
                    pos += 1;
                    self.phase = Phase::LineStart;
                }

                // ----- status-line (RFC 9112 §4) -----
                Phase::RVersion => {
                    if buf.len() < self.mark + 8 {
                        need!()
                    }
                    self.version = version(buf, self.mark)?;
                    pos = self.mark + 8;
                    self.phase = Phase::RVersionSp;
                }
                Phase::RVersionSp => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    if c != b' ' {
                        return Err(Error::InvalidStartLine { at: pos });
                    }
                    pos += 1;
                    self.mark = pos;
                    self.phase = Phase::Status;
                }
                Phase::Status => {
                    if cfg.allow_multiple_spaces && pos == self.mark {
                        while buf.get(pos) == Some(&b' ') {
                            pos += 1;
                        }
                        self.mark = pos;
                    }
                    if buf.len() < self.mark + 3 {
                        need!()
                    }
                    let d = &buf[self.mark..self.mark + 3];
                    if let Some(i) = d.iter().position(|b| !b.is_ascii_digit()) {
                        return Err(Error::InvalidStatus { at: self.mark + i });
                    }
                    let code = u16::from(d[0] - b'0') * 100
                        + u16::from(d[1] - b'0') * 10
                        + u16::from(d[2] - b'0');
                    // RFC 9110 §15: values outside 100..=599 are invalid.
                    if !(100..=599).contains(&code) {
                        return Err(Error::InvalidStatus { at: self.mark });
                    }
                    self.status = code;
                    pos = self.mark + 3;
                    self.phase = Phase::StatusSp;
                }
                Phase::StatusSp => {
                    let Some(&c) = buf.get(pos) else { need!() };
                    match c {
                        b' ' => {
                            pos += 1;
                            self.mark = pos;
                            self.phase = Phase::Reason;
                        }
                        b'\r' | b'\n' if cfg.allow_missing_reason => {
                            self.mark = pos;
                            self.phase = Phase::Reason;
                        }
                        _ => return Err(Error::InvalidStatus { at: pos }),
                    }
                }
                Phase::Reason => {
                    let e = sc.scan(&VALUE, buf, pos);
                    let Some(&c) = buf.get(e) else {
                        pos = e;
                        need!()
                    };
                    self.a = (self.mark, e);
                    pos = e + 1;
                    match c {
                        b'\r' => self.phase = Phase::StartLineCr,
                        b'\n' if cfg.allow_bare_lf => self.phase = Phase::LineStart,
                        b'\n' => return Err(Error::BareLf { at: e }),
                        _ => return Err(Error::InvalidHeaderValue { at: e }),
                    }
                }
            }
        }
    }

    /// Parses complete, well-formed field lines starting at `pos`; returns where it stopped (the
    /// start of a line it did not take).
    #[inline(always)]
    fn fast_fields<Sc: Scanner, S: HeaderStore + ?Sized>(
        &mut self,
        sc: Sc,
        buf: &[u8],
        mut pos: usize,
        store: &mut S,
    ) -> Result<usize, Error> {
        loop {
            // The name scan and the line scan start at the same byte, so they run in parallel
            // (`tchar`, `:` and OWS are all field-value bytes, so the line scan stops at CR).
            let name_end = sc.scan(&TCHAR, buf, pos);
            let value_end = sc.scan(&VALUE, buf, pos);
            if name_end == pos || buf.get(name_end) != Some(&b':') {
                return Ok(pos);
            }
            if buf.get(value_end) != Some(&b'\r') || buf.get(value_end + 1) != Some(&b'\n') {
                return Ok(pos);
            }
            let mut v = name_end + 1;
            while v < value_end && is_ws(buf[v]) {
                v += 1;
            }
            let mut end = value_end;
            while end > v && is_ws(buf[end - 1]) {
                end -= 1;
            }
            if self.count >= self.config.max_headers {
                return Err(Error::TooManyHeaders {
                    limit: self.config.max_headers,
                });
            }
            let Some(slot) = store.slot_mut(self.count) else {
                return Err(Error::TooManyHeaders { limit: self.count });
            };
            // Offsets fit u32: the parser never looks past `Config::head_limit()` <= u32::MAX.
            *slot = HeaderSlot {
                name: pos as u32,
                name_end: name_end as u32,
                value: v as u32,
                value_end: end as u32,
            };
            self.count += 1;
            pos = value_end + 2;
        }
    }

    /// Stores the field whose line just ended (value up to `value_end`, trailing OWS trimmed).
    #[inline]
    fn store_field<S: HeaderStore + ?Sized>(
        &mut self,
        buf: &[u8],
        store: &mut S,
    ) -> Result<(), Error> {
        let mut end = self.value_end;
        while end > self.value_start && is_ws(buf[end - 1]) {
            end -= 1;
        }
        if self.count >= self.config.max_headers {
            return Err(Error::TooManyHeaders {
                limit: self.config.max_headers,
            });
        }
        let Some(slot) = store.slot_mut(self.count) else {
            return Err(Error::TooManyHeaders { limit: self.count });
        };
        // Offsets fit u32: the parser never looks past `Config::head_limit()` <= u32::MAX.
        *slot = HeaderSlot {
            name: self.name.0 as u32,
            name_end: self.name.1 as u32,
            value: self.value_start as u32,
            value_end: end as u32,
        };
        self.count += 1;
        self.phase = Phase::LineStart;
        Ok(())
    }
}

/// One `Head::run` call, handed to [`dispatch`] so it runs with the best scanner inlined.
struct Work<'a, 'b, S: ?Sized> {
    head: &'a mut Head,
    buf: &'b [u8],
    store: &'a mut S,
}

impl<S: HeaderStore + ?Sized> WithScanner for Work<'_, '_, S> {
    type Output = Result<bool, Error>;

    #[inline(always)]
    fn run<Sc: Scanner>(self, scanner: Sc) -> Self::Output {
        self.head.run(scanner, self.buf, self.store)
    }
}

/// Checks the request-target's form against the method (RFC 9112 §3.2.1–§3.2.4).
fn target_form(method: &[u8], target: &[u8], at: usize) -> Result<TargetForm, Error> {
    let bad = |i: usize| Err(Error::InvalidTarget { at: at + i });
    if method == b"CONNECT" {
        // authority-form = uri-host ":" port
        let Some(colon) = target.iter().rposition(|&b| b == b':') else {
            return bad(0);
        };
        let port = &target[colon + 1..];
        if colon == 0 || port.is_empty() || !port.iter().all(u8::is_ascii_digit) {
            return bad(colon);
        }
        if let Some(i) = target[..colon]
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'@'))
        {
            return bad(i);
        }
        return Ok(TargetForm::Authority);
    }
    match target[0] {
        b'/' => Ok(TargetForm::Origin),
        b'*' if target.len() == 1 => {
            if method == b"OPTIONS" {
                Ok(TargetForm::Asterisk)
            } else {
                bad(0)
            }
        }
        b if b.is_ascii_alphabetic() => {
            // absolute-form: scheme ":" hier-part (RFC 3986 §3.1)
            for (i, &b) in target.iter().enumerate() {
                match b {
                    b':' if i > 0 => return Ok(TargetForm::Absolute),
                    b if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') => {}
                    _ => return bad(i),
                }
            }
            bad(target.len() - 1)
        }
        _ => bad(0),
    }
}
