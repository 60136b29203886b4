//! One-dimensional arrays of the element types, in both formats; NULL elements are `None`.

use alloc::vec::Vec;

use super::{Decode, Encode, TypeError, fixed, oid, text};
use crate::codec::Format;

/// The element type of array type `array`, for the types this module codes.
pub fn element_of(array: u32) -> Option<u32> {
    const ELEMENTS: &[u32] = &[
        oid::BOOL,
        oid::BYTEA,
        oid::NAME,
        oid::INT2,
        oid::INT4,
        oid::TEXT,
        oid::VARCHAR,
        oid::INT8,
        oid::FLOAT4,
        oid::FLOAT8,
        oid::TIMESTAMP,
        oid::DATE,
        oid::TIME,
        oid::TIMESTAMPTZ,
        oid::INTERVAL,
        oid::NUMERIC,
        oid::UUID,
        oid::JSON,
        oid::JSONB,
    ];
    ELEMENTS
        .iter()
        .copied()
        .find(|&e| oid::array_of(e) == Some(array))
}

/// The most elements decoded from one array (bounds work on hostile input).
const MAX_ELEMENTS: usize = 1 << 24;

impl<T: for<'x> Decode<'x>> Decode<'_> for Vec<Option<T>> {
    fn decode(ty: u32, format: Format, raw: &[u8]) -> Result<Self, TypeError> {
        let elem = element_of(ty).ok_or(TypeError::WrongType(ty))?;
        if format == Format::BINARY {
            decode_binary(elem, raw)
        } else {
            decode_text(elem, text(raw)?)
        }
    }
}

fn decode_binary<T: for<'x> Decode<'x>>(
    elem: u32,
    raw: &[u8],
) -> Result<Vec<Option<T>>, TypeError> {
    let int = |at: usize| -> Result<i32, TypeError> {
        raw.get(at..at + 4)
            .map(|b| i32::from_be_bytes(fixed(b).unwrap_or([0; 4])))
            .ok_or(TypeError::Invalid("array header"))
    };
    let ndim = int(0)?;
    let elem_oid = int(8)? as u32;
    if elem_oid != elem {
        return Err(TypeError::Invalid("array element type"));
    }
    if ndim == 0 {
        return Ok(Vec::new());
    }
    if ndim != 1 {
        return Err(TypeError::Invalid("only one-dimensional arrays decode"));
    }
    let len = usize::try_from(int(12)?).map_err(|_| TypeError::Invalid("array length"))?;
    if len > MAX_ELEMENTS || len > raw.len() {
        return Err(TypeError::Invalid("array length"));
    }
    let mut at = 20;
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let n = int(at)?;
        at += 4;
        if n == -1 {
            out.push(None);
            continue;
        }
        let n = usize::try_from(n).map_err(|_| TypeError::Invalid("element length"))?;
        let v = raw
            .get(at..at + n)
            .ok_or(TypeError::Invalid("element past the end"))?;
        at += n;
        out.push(Some(T::decode(elem, Format::BINARY, v)?));
    }
    if at != raw.len() {
        return Err(TypeError::Invalid("bytes after the last element"));
    }
    Ok(out)
}

fn decode_text<T: for<'x> Decode<'x>>(elem: u32, s: &str) -> Result<Vec<Option<T>>, TypeError> {
    let inner = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or(TypeError::Invalid("array text without braces"))?;
    let mut out = Vec::new();
    if inner.is_empty() {
        return Ok(out);
    }
    let b = inner.as_bytes();
    let mut i = 0;
    let mut buf = Vec::new();
    loop {
        if out.len() >= MAX_ELEMENTS {
            return Err(TypeError::Invalid("array too long"));
        }
        buf.clear();
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    Some(b'\\') => {
                        buf.push(*b.get(i + 1).ok_or(TypeError::Invalid("array escape"))?);
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        buf.push(c);
                        i += 1;
                    }
                    None => return Err(TypeError::Invalid("unterminated array quote")),
                }
            }
            out.push(Some(T::decode(elem, Format::TEXT, &buf)?));
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' {
                if b[i] == b'{' || b[i] == b'"' {
                    return Err(TypeError::Invalid("only one-dimensional arrays decode"));
                }
                i += 1;
            }
            let item = &b[start..i];
            if item.eq_ignore_ascii_case(b"NULL") {
                out.push(None);
            } else {
                out.push(Some(T::decode(elem, Format::TEXT, item)?));
            }
        }
        match b.get(i) {
            None => return Ok(out),
            Some(b',') => i += 1,
            Some(_) => return Err(TypeError::Invalid("array separator")),
        }
    }
}

/// A one-dimensional array to encode: its element type and items (`None` is NULL).
#[derive(Debug, Clone, Copy)]
pub struct Array<'a, T> {
    /// The element type's oid.
    pub elem_oid: u32,
    /// The elements.
    pub items: &'a [Option<T>],
}

impl<T: Encode> Encode for Array<'_, T> {
    fn type_oid(&self) -> u32 {
        oid::array_of(self.elem_oid).unwrap_or(0)
    }
    fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<(), TypeError> {
        let len = i32::try_from(self.items.len()).map_err(|_| TypeError::OutOfRange)?;
        if format == Format::BINARY {
            out.extend_from_slice(&i32::from(len > 0).to_be_bytes());
            out.extend_from_slice(&i32::from(self.items.iter().any(Option::is_none)).to_be_bytes());
            out.extend_from_slice(&self.elem_oid.to_be_bytes());
            if len > 0 {
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&1i32.to_be_bytes());
            }
            for item in self.items {
                match item {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(v) => {
                        let at = out.len();
                        out.extend_from_slice(&[0; 4]);
                        v.encode(Format::BINARY, out)?;
                        let n =
                            i32::try_from(out.len() - at - 4).map_err(|_| TypeError::OutOfRange)?;
                        out[at..at + 4].copy_from_slice(&n.to_be_bytes());
                    }
                }
            }
            return Ok(());
        }
        out.push(b'{');
        let mut tmp = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match item {
                None => out.extend_from_slice(b"NULL"),
                Some(v) => {
                    tmp.clear();
                    v.encode(Format::TEXT, &mut tmp)?;
                    out.push(b'"');
                    for &c in &tmp {
                        if c == b'"' || c == b'\\' {
                            out.push(b'\\');
                        }
                        out.push(c);
                    }
                    out.push(b'"');
                }
            }
        }
        out.push(b'}');
        Ok(())
    }
}
