//! `date`, `time`, `timestamp`, `timestamptz`, `interval`: PostgreSQL's own representations
//! (days and microseconds from 2000-01-01), with the ISO text forms the session asks for
//! (`DateStyle=ISO`, `IntervalStyle=iso_8601`).

use alloc::vec::Vec;
use core::fmt::Write;

use super::{Decode, Encode, TypeError, expect, fixed, oid, text};
use crate::codec::Format;

const USECS_PER_DAY: i64 = 86_400_000_000;
/// 2000-01-01 in days from 1970-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// A `date`: days from 2000-01-01 (`i32::MAX`/`i32::MIN` are ±infinity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// A `time`: microseconds from midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

/// A `timestamp`: microseconds from 2000-01-01 00:00 (`i64::MAX`/`MIN` are ±infinity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A `timestamptz`: microseconds from 2000-01-01 00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz(pub i64);

/// An `interval`: months, days and microseconds, kept apart as PostgreSQL does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Months (years × 12 + months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub microseconds: i64,
}

/// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A little cursor over ASCII text.
struct P<'a>(&'a [u8]);

impl P<'_> {
    fn num(&mut self) -> Result<i64, TypeError> {
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 18 {
            return Err(TypeError::Invalid("number"));
        }
        let v = self.0[..n]
            .iter()
            .fold(0i64, |a, &b| a * 10 + i64::from(b - b'0'));
        self.0 = &self.0[n..];
        Ok(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.0.first() == Some(&c) {
            self.0 = &self.0[1..];
            true
        } else {
            false
        }
    }
    fn need(&mut self, c: u8) -> Result<(), TypeError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(TypeError::Invalid("separator"))
        }
    }
    /// `.ffffff` → microseconds (up to 6 digits).
    fn fraction(&mut self) -> Result<i64, TypeError> {
        if !self.eat(b'.') {
            return Ok(0);
        }
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 6 {
            return Err(TypeError::Invalid("fraction"));
        }
        let mut v = self.0[..n]
            .iter()
            .fold(0i64, |a, &b| a * 10 + i64::from(b - b'0'));
        for _ in n..6 {
            v *= 10;
        }
        self.0 = &self.0[n..];
        Ok(v)
    }
}

/// `YYYY-MM-DD` → days from 2000-01-01 (`bc`: the year is before Christ, 1 BC = year 0).
fn parse_date(p: &mut P<'_>, bc: bool) -> Result<i64, TypeError> {
    let y = p.num()?;
    p.need(b'-')?;
    let m = p.num()?;
    p.need(b'-')?;
    let d = p.num()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(TypeError::Invalid("date fields"));
    }
    let y = if bc { 1 - y } else { y };
    Ok(days_from_civil(y, m, d) - PG_EPOCH_DAYS)
}

/// `HH:MM:SS[.ffffff]` → microseconds.
fn parse_time(p: &mut P<'_>) -> Result<i64, TypeError> {
    let h = p.num()?;
    p.need(b':')?;
    let m = p.num()?;
    p.need(b':')?;
    let s = p.num()?;
    let f = p.fraction()?;
    if h > 24 || m > 59 || s > 60 {
        return Err(TypeError::Invalid("time fields"));
    }
    Ok(((h * 60 + m) * 60 + s) * 1_000_000 + f)
}

/// Strips a trailing ` BC`.
fn strip_bc(s: &str) -> (&str, bool) {
    match s.strip_suffix(" BC") {
        Some(r) => (r, true),
        None => (s, false),
    }
}

fn push_date(out: &mut Vec<u8>, days: i64) -> bool {
    let (y, m, d) = civil_from_days(days + PG_EPOCH_DAYS);
    let (y, bc) = if y <= 0 { (1 - y, true) } else { (y, false) };
    let _ = write!(Out(out), "{y:04}-{m:02}-{d:02}");
    bc
}

fn push_time(out: &mut Vec<u8>, us: i64) {
    let (s, f) = (us / 1_000_000, us % 1_000_000);
    let _ = write!(Out(out), "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if f != 0 {
        let _ = write!(Out(out), ".{f:06}");
    }
}

struct Out<'a>(&'a mut Vec<u8>);

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Decode<'_> for Date {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::DATE])?;
        if format == Format::BINARY {
            return Ok(Self(i32::from_be_bytes(fixed(raw)?)));
        }
        match text(raw)? {
            "infinity" => Ok(Self(i32::MAX)),
            "-infinity" => Ok(Self(i32::MIN)),
            s => {
                let (s, bc) = strip_bc(s);
                let mut p = P(s.as_bytes());
                let d = parse_date(&mut p, bc)?;
                if !p.0.is_empty() {
                    return Err(TypeError::Invalid("date text"));
                }
                i32::try_from(d)
                    .map(Self)
                    .map_err(|_| TypeError::OutOfRange)
            }
        }
    }
}

impl Encode for Date {
    fn type_oid(&self) -> u32 {
        oid::DATE
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        match (format, self.0) {
            (Format::BINARY, d) => out.extend_from_slice(&d.to_be_bytes()),
            (_, i32::MAX) => out.extend_from_slice(b"infinity"),
            (_, i32::MIN) => out.extend_from_slice(b"-infinity"),
            (_, d) => {
                if push_date(out, i64::from(d)) {
                    out.extend_from_slice(b" BC");
                }
            }
        }
        Ok(())
    }
}

impl Decode<'_> for Time {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::TIME])?;
        if format == Format::BINARY {
            return Ok(Self(i64::from_be_bytes(fixed(raw)?)));
        }
        let mut p = P(raw);
        let t = parse_time(&mut p)?;
        if !p.0.is_empty() {
            return Err(TypeError::Invalid("time text"));
        }
        Ok(Self(t))
    }
}

impl Encode for Time {
    fn type_oid(&self) -> u32 {
        oid::TIME
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if !(0..=USECS_PER_DAY).contains(&self.0) {
            return Err(TypeError::OutOfRange);
        }
        match format {
            Format::BINARY => out.extend_from_slice(&self.0.to_be_bytes()),
            _ => push_time(out, self.0),
        }
        Ok(())
    }
}

/// `date time` text → microseconds, then the zone offset in seconds when `tz`.
fn parse_timestamp(s: &str, tz: bool) -> Result<i64, TypeError> {
    let (s, bc) = strip_bc(s);
    let mut p = P(s.as_bytes());
    let days = parse_date(&mut p, bc)?;
    p.need(b' ')?;
    let t = parse_time(&mut p)?;
    let mut offset = 0i64;
    if tz {
        let sign = match p.0.first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err(TypeError::Invalid("timestamptz offset")),
        };
        p.0 = &p.0[1..];
        let h = p.num()?;
        let m = if p.eat(b':') { p.num()? } else { 0 };
        let sec = if p.eat(b':') { p.num()? } else { 0 };
        offset = sign * (h * 3600 + m * 60 + sec);
    }
    if !p.0.is_empty() {
        return Err(TypeError::Invalid("timestamp text"));
    }
    days.checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(t))
        .and_then(|v| v.checked_sub(offset * 1_000_000))
        .ok_or(TypeError::OutOfRange)
}

fn decode_ts(ty: u32, want: u32, format: Format, raw: &[u8]) -> Result<i64, TypeError> {
    expect(ty, &[want])?;
    if format == Format::BINARY {
        return Ok(i64::from_be_bytes(fixed(raw)?));
    }
    match text(raw)? {
        "infinity" => Ok(i64::MAX),
        "-infinity" => Ok(i64::MIN),
        s => parse_timestamp(s, want == oid::TIMESTAMPTZ),
    }
}

fn encode_ts(v: i64, tz: bool, format: Format, out: &mut Vec<u8>) {
    match (format, v) {
        (Format::BINARY, v) => out.extend_from_slice(&v.to_be_bytes()),
        (_, i64::MAX) => out.extend_from_slice(b"infinity"),
        (_, i64::MIN) => out.extend_from_slice(b"-infinity"),
        (_, v) => {
            let bc = push_date(out, v.div_euclid(USECS_PER_DAY));
            out.push(b' ');
            push_time(out, v.rem_euclid(USECS_PER_DAY));
            if tz {
                out.extend_from_slice(b"+00");
            }
            if bc {
                out.extend_from_slice(b" BC");
            }
        }
    }
}

impl Decode<'_> for Timestamp {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        decode_ts(ty, oid::TIMESTAMP, format, raw).map(Self)
    }
}

impl Encode for Timestamp {
    fn type_oid(&self) -> u32 {
        oid::TIMESTAMP
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        encode_ts(self.0, false, format, out);
        Ok(())
    }
}

impl Decode<'_> for TimestampTz {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        decode_ts(ty, oid::TIMESTAMPTZ, format, raw).map(Self)
    }
}

impl Encode for TimestampTz {
    fn type_oid(&self) -> u32 {
        oid::TIMESTAMPTZ
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        encode_ts(self.0, true, format, out);
        Ok(())
    }
}

impl Decode<'_> for Interval {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::INTERVAL])?;
        if format == Format::BINARY {
            if raw.len() != 16 {
                return Err(TypeError::Invalid("interval length"));
            }
            return Ok(Self {
                microseconds: i64::from_be_bytes(fixed(&raw[..8])?),
                days: i32::from_be_bytes(fixed(&raw[8..12])?),
                months: i32::from_be_bytes(fixed(&raw[12..])?),
            });
        }
        parse_iso_interval(raw)
    }
}

/// ISO 8601 with designators, as `IntervalStyle=iso_8601` prints: `P1Y2M3DT4H5M6.5S`, each
/// field signed on its own.
fn parse_iso_interval(raw: &[u8]) -> Result<Interval, TypeError> {
    let mut p = P(raw
        .strip_prefix(b"P")
        .ok_or(TypeError::Invalid("interval without P"))?);
    let (mut months, mut days, mut us) = (0i64, 0i64, 0i64);
    let mut in_time = false;
    while !p.0.is_empty() {
        if p.eat(b'T') {
            in_time = true;
            continue;
        }
        let neg = p.eat(b'-');
        let n = p.num()?;
        let frac = if in_time { p.fraction()? } else { 0 };
        let (n, frac) = if neg { (-n, -frac) } else { (n, frac) };
        let unit = *p.0.first().ok_or(TypeError::Invalid("interval unit"))?;
        p.0 = &p.0[1..];
        match (in_time, unit) {
            (false, b'Y') => months += n * 12,
            (false, b'M') => months += n,
            (false, b'W') => days += n * 7,
            (false, b'D') => days += n,
            (true, b'H') => us += n * 3_600_000_000,
            (true, b'M') => us += n * 60_000_000,
            (true, b'S') => us += n * 1_000_000 + frac,
            _ => return Err(TypeError::Invalid("interval unit")),
        }
    }
    Ok(Interval {
        months: i32::try_from(months).map_err(|_| TypeError::OutOfRange)?,
        days: i32::try_from(days).map_err(|_| TypeError::OutOfRange)?,
        microseconds: us,
    })
}

impl Encode for Interval {
    fn type_oid(&self) -> u32 {
        oid::INTERVAL
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if format == Format::BINARY {
            out.extend_from_slice(&self.microseconds.to_be_bytes());
            out.extend_from_slice(&self.days.to_be_bytes());
            out.extend_from_slice(&self.months.to_be_bytes());
            return Ok(());
        }
        // `1 mons 2 days -04:05:06.000007`: the time part as integer fields, exact.
        let _ = write!(Out(out), "{} mons {} days ", self.months, self.days);
        if self.microseconds < 0 {
            out.push(b'-');
        }
        let us = self.microseconds.unsigned_abs();
        let (s, f) = (us / 1_000_000, us % 1_000_000);
        let _ = write!(
            Out(out),
            "{}:{:02}:{:02}.{f:06}",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
        Ok(())
    }
}

#[cfg(test)]
pub(super) fn civil_round_trip(days: i64) -> bool {
    let (y, m, d) = civil_from_days(days);
    days_from_civil(y, m, d) == days
}
