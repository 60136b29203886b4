//! Type codecs: binary and text formats for the common built-in types, NULL, and
//! one-dimensional arrays of them. Decoding borrows from the row where the format allows
//! (`&str`, `&[u8]`, [`Json`]).
//!
//! ```
//! use fasterapi_pgwire::codec::Format;
//! use fasterapi_pgwire::types::{Decode, Encode, Timestamp, oid};
//! let mut buf = Vec::new();
//! Timestamp(0).encode(Format::TEXT, &mut buf).unwrap();
//! assert_eq!(buf, b"2000-01-01 00:00:00");
//! assert_eq!(i32::decode(oid::INT4, Format::BINARY, &7i32.to_be_bytes()).unwrap(), 7);
//! assert_eq!(<&str>::decode(oid::TEXT, Format::TEXT, b"hi").unwrap(), "hi");
//! ```

mod array;
mod datetime;
mod numeric;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use array::{Array, element_of};
pub use datetime::{Date, Interval, Time, Timestamp, TimestampTz};
pub use numeric::Numeric;

use crate::codec::Format;

/// Type oids of the built-in types this module codes (`pg_type.oid`).
pub mod oid {
    #![allow(missing_docs, reason = "the names are PostgreSQL's type names")]
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
    pub const BOOL_ARRAY: u32 = 1000;
    pub const BYTEA_ARRAY: u32 = 1001;
    pub const NAME_ARRAY: u32 = 1003;
    pub const INT2_ARRAY: u32 = 1005;
    pub const INT4_ARRAY: u32 = 1007;
    pub const TEXT_ARRAY: u32 = 1009;
    pub const VARCHAR_ARRAY: u32 = 1015;
    pub const INT8_ARRAY: u32 = 1016;
    pub const FLOAT4_ARRAY: u32 = 1021;
    pub const FLOAT8_ARRAY: u32 = 1022;
    pub const TIMESTAMP_ARRAY: u32 = 1115;
    pub const DATE_ARRAY: u32 = 1182;
    pub const TIME_ARRAY: u32 = 1183;
    pub const TIMESTAMPTZ_ARRAY: u32 = 1185;
    pub const INTERVAL_ARRAY: u32 = 1187;
    pub const NUMERIC_ARRAY: u32 = 1231;
    pub const UUID_ARRAY: u32 = 2951;
    pub const JSON_ARRAY: u32 = 199;
    pub const JSONB_ARRAY: u32 = 3807;

    /// The array type of element type `elem`, for the types above.
    pub const fn array_of(elem: u32) -> Option<u32> {
        Some(match elem {
            BOOL => BOOL_ARRAY,
            BYTEA => BYTEA_ARRAY,
            NAME => NAME_ARRAY,
            INT2 => INT2_ARRAY,
            INT4 => INT4_ARRAY,
            TEXT => TEXT_ARRAY,
            VARCHAR => VARCHAR_ARRAY,
            INT8 => INT8_ARRAY,
            FLOAT4 => FLOAT4_ARRAY,
            FLOAT8 => FLOAT8_ARRAY,
            TIMESTAMP => TIMESTAMP_ARRAY,
            DATE => DATE_ARRAY,
            TIME => TIME_ARRAY,
            TIMESTAMPTZ => TIMESTAMPTZ_ARRAY,
            INTERVAL => INTERVAL_ARRAY,
            NUMERIC => NUMERIC_ARRAY,
            UUID => UUID_ARRAY,
            JSON => JSON_ARRAY,
            JSONB => JSONB_ARRAY,
            _ => return None,
        })
    }
}

/// A value that does not decode as the asked type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeError {
    /// The column's type is not one this Rust type decodes.
    WrongType(u32),
    /// Bytes that do not match the type's format.
    Invalid(&'static str),
    /// SQL NULL where a value was required (decode into `Option<T>` to accept it).
    UnexpectedNull,
    /// A value that does not fit the Rust type.
    OutOfRange,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongType(o) => write!(f, "column type oid {o} does not decode as this type"),
            Self::Invalid(w) => write!(f, "invalid value: {w}"),
            Self::UnexpectedNull => f.write_str("unexpected NULL"),
            Self::OutOfRange => f.write_str("value out of range"),
        }
    }
}

impl core::error::Error for TypeError {}

/// Decodes a non-NULL value of type `ty` in `format`.
pub trait Decode<'a>: Sized {
    /// Decodes `raw`.
    ///
    /// # Errors
    /// A type this does not decode, or malformed bytes.
    fn decode(ty: u32, format: Format, raw: &'a [u8]) -> Result<Self, TypeError>;

    /// Decodes a value that may be NULL (`None`).
    ///
    /// # Errors
    /// As for [`Decode::decode`]; NULL is [`TypeError::UnexpectedNull`].
    fn decode_nullable(ty: u32, format: Format, raw: Option<&'a [u8]>) -> Result<Self, TypeError> {
        Self::decode(ty, format, raw.ok_or(TypeError::UnexpectedNull)?)
    }
}

impl<'a, T: Decode<'a>> Decode<'a> for Option<T> {
    fn decode(ty: u32, format: Format, raw: &'a [u8]) -> Result<Self, TypeError> {
        T::decode(ty, format, raw).map(Some)
    }
    fn decode_nullable(ty: u32, format: Format, raw: Option<&'a [u8]>) -> Result<Self, TypeError> {
        raw.map(|r| T::decode(ty, format, r)).transpose()
    }
}

/// Encodes a value as a parameter.
pub trait Encode {
    /// The type oid to declare in Parse.
    fn type_oid(&self) -> u32;
    /// Appends the value in `format` (without the length word). NULL is `Option::None`,
    /// sent as the `-1` length by the caller.
    ///
    /// # Errors
    /// A value the format cannot carry (a NUL in text).
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError>;
}

fn expect(ty: u32, allowed: &[u32]) -> Result<(), TypeError> {
    if allowed.contains(&ty) {
        Ok(())
    } else {
        Err(TypeError::WrongType(ty))
    }
}

fn text(raw: &[u8]) -> Result<&str, TypeError> {
    core::str::from_utf8(raw).map_err(|_| TypeError::Invalid("text is not UTF-8"))
}

fn fixed<const N: usize>(raw: &[u8]) -> Result<[u8; N], TypeError> {
    raw.try_into()
        .map_err(|_| TypeError::Invalid("wrong binary length"))
}

fn push_display(out: &mut Vec<u8>, v: impl fmt::Display) {
    use core::fmt::Write;
    let mut s = String::new();
    let _ = write!(s, "{v}");
    out.extend_from_slice(s.as_bytes());
}

impl Decode<'_> for bool {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::BOOL])?;
        match (format, raw) {
            (Format::BINARY, [b]) => Ok(*b != 0),
            (Format::TEXT, b"t") => Ok(true),
            (Format::TEXT, b"f") => Ok(false),
            _ => Err(TypeError::Invalid("bool")),
        }
    }
}

impl Encode for bool {
    fn type_oid(&self) -> u32 {
        oid::BOOL
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        match format {
            Format::BINARY => out.push(u8::from(*self)),
            _ => out.push(if *self { b't' } else { b'f' }),
        }
        Ok(())
    }
}

macro_rules! int_codec {
    ($t:ty, $oid:expr, [$($from:expr),*]) => {
        impl Decode<'_> for $t {
            fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
                if format == Format::BINARY {
                    // A narrower integer column widens.
                    expect(ty, &[$oid $(, $from)*])?;
                    let v: i64 = match raw.len() {
                        2 => i16::from_be_bytes(fixed(raw)?).into(),
                        4 => i32::from_be_bytes(fixed(raw)?).into(),
                        8 => i64::from_be_bytes(fixed(raw)?),
                        _ => return Err(TypeError::Invalid("integer length")),
                    };
                    return <$t>::try_from(v).map_err(|_| TypeError::OutOfRange);
                }
                expect(ty, &[$oid $(, $from)*])?;
                text(raw)?.parse().map_err(|_| TypeError::Invalid("integer text"))
            }
        }
        impl Encode for $t {
            fn type_oid(&self) -> u32 {
                $oid
            }
            fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
                match format {
                    Format::BINARY => out.extend_from_slice(&self.to_be_bytes()),
                    _ => push_display(out, self),
                }
                Ok(())
            }
        }
    };
}

int_codec!(i16, oid::INT2, []);
int_codec!(i32, oid::INT4, [oid::INT2]);
int_codec!(i64, oid::INT8, [oid::INT2, oid::INT4]);

impl Decode<'_> for u32 {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::OID])?;
        match format {
            Format::BINARY => Ok(u32::from_be_bytes(fixed(raw)?)),
            _ => text(raw)?
                .parse()
                .map_err(|_| TypeError::Invalid("oid text")),
        }
    }
}

macro_rules! float_codec {
    ($t:ty, $oid:expr) => {
        impl Decode<'_> for $t {
            fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
                expect(ty, &[$oid])?;
                if format == Format::BINARY {
                    return Ok(<$t>::from_be_bytes(fixed(raw)?));
                }
                match text(raw)? {
                    "NaN" => Ok(<$t>::NAN),
                    "Infinity" => Ok(<$t>::INFINITY),
                    "-Infinity" => Ok(<$t>::NEG_INFINITY),
                    s => s.parse().map_err(|_| TypeError::Invalid("float text")),
                }
            }
        }
        impl Encode for $t {
            fn type_oid(&self) -> u32 {
                $oid
            }
            fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
                match format {
                    Format::BINARY => out.extend_from_slice(&self.to_be_bytes()),
                    _ if self.is_nan() => out.extend_from_slice(b"NaN"),
                    _ if self.is_infinite() && *self > 0.0 => out.extend_from_slice(b"Infinity"),
                    _ if self.is_infinite() => out.extend_from_slice(b"-Infinity"),
                    // Rust prints the shortest text that reads back exactly.
                    _ => push_display(out, self),
                }
                Ok(())
            }
        }
    };
}

float_codec!(f32, oid::FLOAT4);
float_codec!(f64, oid::FLOAT8);

/// The text-like types: text, varchar, bpchar, name, and numeric/json in their text form.
const TEXTUAL: &[u32] = &[oid::TEXT, oid::VARCHAR, oid::BPCHAR, oid::NAME, oid::JSON];

impl<'a> Decode<'a> for &'a str {
    fn decode(ty: u32, format: Format, raw: &'a [u8]) -> Result<Self, TypeError> {
        // Every type's text format is a string; binary is the string only for these.
        if format == Format::BINARY {
            expect(ty, TEXTUAL)?;
        }
        text(raw)
    }
}

impl Decode<'_> for String {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        <&str>::decode(ty, format, raw).map(String::from)
    }
}

impl Encode for str {
    fn type_oid(&self) -> u32 {
        oid::TEXT
    }
    fn encode(&self, _format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if self.as_bytes().contains(&0) {
            return Err(TypeError::Invalid("text with a NUL byte"));
        }
        out.extend_from_slice(self.as_bytes());
        Ok(())
    }
}

impl Encode for String {
    fn type_oid(&self) -> u32 {
        oid::TEXT
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        self.as_str().encode(format, out)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn type_oid(&self) -> u32 {
        (**self).type_oid()
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        (**self).encode(format, out)
    }
}

/// `bytea`. Binary values borrow as `&[u8]`; the text form (`\x` hex) decodes into a `Vec`.
impl<'a> Decode<'a> for &'a [u8] {
    fn decode(ty: u32, format: Format, raw: &'a [u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::BYTEA])?;
        if format == Format::BINARY {
            Ok(raw)
        } else {
            Err(TypeError::Invalid(
                "text bytea does not borrow; decode into Vec<u8>",
            ))
        }
    }
}

impl Decode<'_> for Vec<u8> {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::BYTEA])?;
        if format == Format::BINARY {
            return Ok(Vec::from(raw));
        }
        let hex = raw
            .strip_prefix(b"\\x")
            .ok_or(TypeError::Invalid("bytea text without \\x"))?;
        if hex.len() % 2 != 0 {
            return Err(TypeError::Invalid("odd bytea hex"));
        }
        hex.chunks(2)
            .map(|p| Ok(hex_val(p[0])? << 4 | hex_val(p[1])?))
            .collect()
    }
}

fn hex_val(b: u8) -> Result<u8, TypeError> {
    match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        b'A'..=b'F' => Ok(b - b'A' + 10),
        _ => Err(TypeError::Invalid("hex digit")),
    }
}

fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

impl Encode for [u8] {
    fn type_oid(&self) -> u32 {
        oid::BYTEA
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if format == Format::BINARY {
            out.extend_from_slice(self);
        } else {
            out.extend_from_slice(b"\\x");
            push_hex(out, self);
        }
        Ok(())
    }
}

impl Encode for Vec<u8> {
    fn type_oid(&self) -> u32 {
        oid::BYTEA
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        self.as_slice().encode(format, out)
    }
}

/// A `uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid(pub [u8; 16]);

impl Decode<'_> for Uuid {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::UUID])?;
        if format == Format::BINARY {
            return Ok(Self(fixed(raw)?));
        }
        let digits: Vec<u8> = raw.iter().copied().filter(|&b| b != b'-').collect();
        if digits.len() != 32 || raw.len() != 36 {
            return Err(TypeError::Invalid("uuid text"));
        }
        let mut out = [0u8; 16];
        for (i, p) in digits.chunks(2).enumerate() {
            out[i] = hex_val(p[0])? << 4 | hex_val(p[1])?;
        }
        Ok(Self(out))
    }
}

impl Encode for Uuid {
    fn type_oid(&self) -> u32 {
        oid::UUID
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if format == Format::BINARY {
            out.extend_from_slice(&self.0);
            return Ok(());
        }
        for (i, range) in [0..4, 4..6, 6..8, 8..10, 10..16].into_iter().enumerate() {
            if i > 0 {
                out.push(b'-');
            }
            push_hex(out, &self.0[range]);
        }
        Ok(())
    }
}

/// `json` or `jsonb` text, borrowed (binary jsonb is a version byte, 1, then the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Json<'a>(pub &'a str);

impl<'a> Decode<'a> for Json<'a> {
    fn decode(ty: u32, format: Format, raw: &'a [u8]) -> Result<Self, TypeError> {
        expect(ty, &[oid::JSON, oid::JSONB])?;
        let raw = if ty == oid::JSONB && format == Format::BINARY {
            match raw.split_first() {
                Some((1, rest)) => rest,
                _ => return Err(TypeError::Invalid("jsonb version")),
            }
        } else {
            raw
        };
        text(raw).map(Json)
    }
}

/// Encodes as `jsonb` (the version byte in binary).
impl Encode for Json<'_> {
    fn type_oid(&self) -> u32 {
        oid::JSONB
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        if format == Format::BINARY {
            out.push(1);
        }
        self.0.encode(Format::TEXT, out)
    }
}

/// Parameter type oids and encoded values, from [`encode_params`].
pub type EncodedParams = (Vec<u32>, Vec<Option<Vec<u8>>>);

/// Encodes `values` as Bind parameters: the type oids for Parse and the value bytes, all in
/// `format`. `None` entries are NULL.
///
/// # Errors
/// A value its format cannot carry.
pub fn encode_params(
    values: &[Option<&dyn Encode>],
    format: Format,
) -> Result<EncodedParams, TypeError> {
    let mut types = Vec::with_capacity(values.len());
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match v {
            Some(v) => {
                types.push(v.type_oid());
                let mut b = Vec::new();
                v.encode(format, &mut b)?;
                out.push(Some(b));
            }
            None => {
                types.push(0);
                out.push(None);
            }
        }
    }
    Ok((types, out))
}
