//! `numeric` as a decimal string: the binary form is base-10000 digits with a weight, a sign
//! and a display scale; the text form is the string itself.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Decode, Encode, TypeError, expect, fixed, oid, text};
use crate::codec::Format;

/// A `numeric` value as its decimal text (`-12.3400`, `NaN`, `Infinity`, `-Infinity`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Numeric(pub String);

const NEG: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PINF: u16 = 0xD000;
const NINF: u16 = 0xF000;

impl Decode<'_> for Numeric {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::NUMERIC])?;
        if format != Format::BINARY {
            return Ok(Self(String::from(text(raw)?)));
        }
        if raw.len() < 8 {
            return Err(TypeError::Invalid("numeric header"));
        }
        let ndigits = usize::from(u16::from_be_bytes(fixed(&raw[..2])?));
        let weight = i64::from(i16::from_be_bytes(fixed(&raw[2..4])?));
        let sign = u16::from_be_bytes(fixed(&raw[4..6])?);
        let dscale = usize::from(u16::from_be_bytes(fixed(&raw[6..8])?));
        match sign {
            NAN => return Ok(Self(String::from("NaN"))),
            PINF => return Ok(Self(String::from("Infinity"))),
            NINF => return Ok(Self(String::from("-Infinity"))),
            0 | NEG => {}
            _ => return Err(TypeError::Invalid("numeric sign")),
        }
        if raw.len() != 8 + 2 * ndigits || dscale > 16_383 {
            return Err(TypeError::Invalid("numeric length"));
        }
        let digits: Vec<u16> = raw[8..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        if digits.iter().any(|&d| d >= 10_000) {
            return Err(TypeError::Invalid("numeric digit"));
        }
        let digit = |i: i64| -> u16 {
            usize::try_from(i)
                .ok()
                .and_then(|i| digits.get(i))
                .copied()
                .unwrap_or(0)
        };
        let mut s = String::new();
        if sign == NEG {
            s.push('-');
        }
        // Integer part: groups 0..=weight.
        if weight < 0 {
            s.push('0');
        } else {
            for i in 0..=weight {
                let d = digit(i);
                if i == 0 {
                    s.push_str(&alloc::format!("{d}"));
                } else {
                    s.push_str(&alloc::format!("{d:04}"));
                }
            }
        }
        if dscale > 0 {
            s.push('.');
            let mut frac = String::new();
            let mut i = weight + 1;
            while frac.len() < dscale {
                frac.push_str(&alloc::format!("{:04}", digit(i)));
                i += 1;
            }
            frac.truncate(dscale);
            s.push_str(&frac);
        }
        Ok(Self(s))
    }
}

impl Encode for Numeric {
    fn type_oid(&self) -> u32 {
        oid::NUMERIC
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if format != Format::BINARY {
            return self.0.as_str().encode(format, out);
        }
        let special = match self.0.as_str() {
            "NaN" => Some(NAN),
            "Infinity" => Some(PINF),
            "-Infinity" => Some(NINF),
            _ => None,
        };
        if let Some(sign) = special {
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&sign.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            return Ok(());
        }
        let (neg, body) = match self.0.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, self.0.strip_prefix('+').unwrap_or(&self.0)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(TypeError::Invalid("numeric text"));
        }
        let int = int.trim_start_matches('0');
        let dscale = u16::try_from(frac.len()).map_err(|_| TypeError::OutOfRange)?;
        // Pad the integer part on the left and the fraction on the right to whole groups.
        let lead = (4 - int.len() % 4) % 4;
        let trail = (4 - frac.len() % 4) % 4;
        let all: Vec<u8> = core::iter::repeat_n(b'0', lead)
            .chain(int.bytes())
            .chain(frac.bytes())
            .chain(core::iter::repeat_n(b'0', trail))
            .map(|b| b - b'0')
            .collect();
        let int_groups = (lead + int.len()) / 4;
        let mut groups: Vec<u16> = all
            .chunks(4)
            .map(|c| c.iter().fold(0u16, |a, &d| a * 10 + u16::from(d)))
            .collect();
        let mut weight = i64::try_from(int_groups).map_err(|_| TypeError::OutOfRange)? - 1;
        // Strip leading and trailing zero groups (the weight moves with leading ones).
        while groups.first() == Some(&0) {
            groups.remove(0);
            weight -= 1;
        }
        while groups.last() == Some(&0) {
            groups.pop();
        }
        if groups.is_empty() {
            weight = 0;
        }
        let n = u16::try_from(groups.len()).map_err(|_| TypeError::OutOfRange)?;
        let weight = i16::try_from(weight).map_err(|_| TypeError::OutOfRange)?;
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&(if neg { NEG } else { 0 }).to_be_bytes());
        out.extend_from_slice(&dscale.to_be_bytes());
        for g in groups {
            out.extend_from_slice(&g.to_be_bytes());
        }
        Ok(())
    }
}
