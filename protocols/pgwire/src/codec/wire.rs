//! Wire primitives: the body reader, the output sink, lists kept as validated wire bytes.

use core::fmt;
use core::marker::PhantomData;

use super::CodecError;

/// A cursor over one message body; every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    tag: u8,
}

impl<'a> Reader<'a> {
    /// Reads `body` of the message `tag` (the tag only names the message in errors).
    pub const fn new(tag: u8, body: &'a [u8]) -> Self {
        Self { buf: body, tag }
    }

    /// The bytes not read yet.
    pub const fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether everything was read.
    pub const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn malformed(&self, what: &'static str) -> CodecError {
        CodecError::Malformed {
            tag: self.tag,
            what,
        }
    }

    /// Takes `n` bytes.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] when fewer remain.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if n > self.buf.len() {
            return Err(self.malformed("field runs past the end of the message"));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Takes everything left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    /// Reads a `Byte1`/`Int8`.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] at the end of the message.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.bytes(1)?[0])
    }

    /// Reads an `Int16`.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] at the end of the message.
    pub fn i16(&mut self) -> Result<i16, CodecError> {
        let b = self.bytes(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    /// Reads an `Int32`.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] at the end of the message.
    pub fn i32(&mut self) -> Result<i32, CodecError> {
        let b = self.bytes(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads an `Int32` object id.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] at the end of the message.
    pub fn u32(&mut self) -> Result<u32, CodecError> {
        self.i32().map(|v| v as u32)
    }

    /// Reads a `String` (bytes up to a NUL, which is consumed and not returned).
    ///
    /// # Errors
    /// [`CodecError::Malformed`] when no NUL follows.
    pub fn cstr(&mut self) -> Result<&'a [u8], CodecError> {
        let Some(end) = self.buf.iter().position(|&b| b == 0) else {
            return Err(self.malformed("string without its terminating NUL"));
        };
        let s = &self.buf[..end];
        self.buf = &self.buf[end + 1..];
        Ok(s)
    }

    /// Reads an `Int32` length and that many bytes; `-1` is `None` (SQL NULL).
    ///
    /// # Errors
    /// [`CodecError::Malformed`] on a negative length other than -1 or a short body.
    pub fn value(&mut self) -> Result<Option<&'a [u8]>, CodecError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| self.malformed("negative value length"))?;
        self.bytes(len).map(Some)
    }

    /// Fails unless the whole body was read.
    ///
    /// # Errors
    /// [`CodecError::Malformed`] on trailing bytes.
    pub fn finish(&self) -> Result<(), CodecError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(self.malformed("trailing bytes after the last field"))
        }
    }
}

/// Where messages are encoded to. Implemented for a caller's slice ([`SliceSink`]), for a
/// byte counter ([`CountSink`]) and, with `alloc`, for `Vec<u8>`.
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
    /// How many bytes were appended so far.
    fn position(&self) -> usize;
    /// Overwrites 4 bytes written earlier at `at` (a message length, once it is known).
    fn patch(&mut self, at: usize, bytes: [u8; 4]);

    /// Appends a `Byte1`.
    fn put_u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    /// Appends an `Int16`.
    fn put_i16(&mut self, v: i16) {
        self.put(&v.to_be_bytes());
    }
    /// Appends an `Int32`.
    fn put_i32(&mut self, v: i32) {
        self.put(&v.to_be_bytes());
    }
    /// Appends a `String`: the bytes and a NUL. A NUL inside `s` would end the string early on
    /// the peer's side; callers that take strings from users check for it first.
    fn put_cstr(&mut self, s: &[u8]) {
        self.put(s);
        self.put(&[0]);
    }
    /// Appends an `Int32` length and the bytes, or `-1` for `None`.
    fn put_value(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.put_i32(-1),
            Some(b) => {
                self.put_i32(len_i32(b.len()));
                self.put(b);
            }
        }
    }
}

/// A length as the wire's `Int32`; lengths come from values the codec already bounded by the
/// message limit (at most `i32::MAX`), or from local data the machine checked.
pub(crate) fn len_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Writes a tagged message: `tag`, a length placeholder, the body from `body`, then patches the
/// length. With `tag == None` writes an untagged startup-phase message.
pub(crate) fn framed<S: Sink + ?Sized>(s: &mut S, tag: Option<u8>, body: impl FnOnce(&mut S)) {
    if let Some(t) = tag {
        s.put_u8(t);
    }
    let at = s.position();
    s.put(&[0; 4]);
    body(s);
    let len = s.position() - at;
    s.patch(at, len_i32(len).to_be_bytes());
}

/// Encodes into a caller's slice; writes what fits and counts the rest, so one pass tells both
/// the bytes written and the size needed.
#[derive(Debug)]
pub struct SliceSink<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> SliceSink<'b> {
    /// Encodes into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes written, or `Err(needed)` when `buf` was too small.
    ///
    /// # Errors
    /// The size the message needs when it did not fit.
    pub fn finish(&self) -> Result<usize, usize> {
        if self.pos <= self.buf.len() {
            Ok(self.pos)
        } else {
            Err(self.pos)
        }
    }
}

impl Sink for SliceSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if end <= self.buf.len() {
            self.buf[self.pos..end].copy_from_slice(bytes);
        }
        self.pos = end;
    }
    fn position(&self) -> usize {
        self.pos
    }
    fn patch(&mut self, at: usize, bytes: [u8; 4]) {
        if let Some(dst) = self.buf.get_mut(at..at + 4) {
            dst.copy_from_slice(&bytes);
        }
    }
}

/// Counts the bytes a message encodes to, writing nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountSink(pub usize);

impl Sink for CountSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn position(&self) -> usize {
        self.0
    }
    fn patch(&mut self, _at: usize, _bytes: [u8; 4]) {}
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn position(&self) -> usize {
        self.len()
    }
    fn patch(&mut self, at: usize, bytes: [u8; 4]) {
        self[at..at + 4].copy_from_slice(&bytes);
    }
}

/// One element of a repeated field, read and written the same way everywhere it appears.
pub trait Item<'a>: Sized + Copy {
    /// Reads one element.
    ///
    /// # Errors
    /// A short or malformed element.
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError>;
    /// Writes one element.
    fn write<S: Sink + ?Sized>(&self, s: &mut S);
}

impl<'a> Item<'a> for Option<&'a [u8]> {
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        r.value()
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_value(*self);
    }
}

/// A `String` element (SASL mechanism names, unrecognized protocol options).
impl<'a> Item<'a> for &'a [u8] {
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        r.cstr()
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_cstr(self);
    }
}

/// An object id element (parameter types).
impl Item<'_> for u32 {
    fn read(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        r.u32()
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_i32(*self as i32);
    }
}

/// A repeated field: either validated wire bytes (from `parse`, zero-copy) or a caller's slice
/// (to `emit`). Both iterate the same items, and compare equal when their items do.
pub struct List<'a, T> {
    repr: Repr<'a, T>,
}

enum Repr<'a, T> {
    Wire { bytes: &'a [u8], count: usize },
    Items(&'a [T]),
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for List<'_, T> {}
impl<T> Clone for Repr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Repr<'_, T> {}

impl<'a, T: Item<'a>> List<'a, T> {
    /// A list of the caller's items, to emit.
    pub const fn new(items: &'a [T]) -> Self {
        Self {
            repr: Repr::Items(items),
        }
    }

    /// Items already validated by [`List::read`] (kept bytes and their count).
    #[cfg(feature = "alloc")]
    pub(crate) const fn from_validated(bytes: &'a [u8], count: usize) -> Self {
        Self {
            repr: Repr::Wire { bytes, count },
        }
    }

    /// Reads `count` items from `r`, validating each, and keeps their bytes.
    ///
    /// # Errors
    /// The first malformed item.
    pub fn read(r: &mut Reader<'a>, count: usize) -> Result<Self, CodecError> {
        let start = r.rest();
        for _ in 0..count {
            T::read(r)?;
        }
        let used = start.len() - r.rest().len();
        Ok(Self {
            repr: Repr::Wire {
                bytes: &start[..used],
                count,
            },
        })
    }

    /// Reads items until a NUL byte (which is consumed), as SASL mechanism lists and error
    /// fields end, stopping at `max` items.
    ///
    /// # Errors
    /// A malformed item, no terminator, or more than `max` items.
    pub fn read_terminated(r: &mut Reader<'a>, max: usize) -> Result<Self, CodecError> {
        let start = r.rest();
        let mut count = 0;
        loop {
            match r.rest().first() {
                Some(0) => break,
                Some(_) if count < max => {
                    T::read(r)?;
                    count += 1;
                }
                Some(_) => return Err(r.malformed("too many list items")),
                None => return Err(r.malformed("list without its terminating NUL")),
            }
        }
        let used = start.len() - r.rest().len();
        r.u8()?;
        Ok(Self {
            repr: Repr::Wire {
                bytes: &start[..used],
                count,
            },
        })
    }

    /// How many items.
    pub const fn len(&self) -> usize {
        match self.repr {
            Repr::Wire { count, .. } => count,
            Repr::Items(items) => items.len(),
        }
    }

    /// Whether there are no items.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items in order.
    pub fn iter(&self) -> ListIter<'a, T> {
        match self.repr {
            Repr::Wire { bytes, count } => ListIter {
                inner: IterRepr::Wire(Reader::new(0, bytes), count),
                _t: PhantomData,
            },
            Repr::Items(items) => ListIter {
                inner: IterRepr::Items(items.iter()),
                _t: PhantomData,
            },
        }
    }

    /// The `n`th item (walks the list: O(n) for parsed lists).
    pub fn get(&self, n: usize) -> Option<T> {
        self.iter().nth(n)
    }

    /// Writes every item (not the count or terminator, which belong to the message).
    pub fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        match self.repr {
            Repr::Wire { bytes, .. } => s.put(bytes),
            Repr::Items(items) => items.iter().for_each(|i| i.write(s)),
        }
    }

    /// The count as an `Int16`, as most lists carry it; lists from `parse` always fit, a
    /// caller's longer list is cut off by the peer's count (the machine checks counts first).
    pub(crate) fn count_i16(&self) -> i16 {
        i16::try_from(self.len()).unwrap_or(i16::MAX)
    }
}

/// Iterator over a [`List`].
pub struct ListIter<'a, T> {
    inner: IterRepr<'a, T>,
    _t: PhantomData<T>,
}

enum IterRepr<'a, T> {
    Wire(Reader<'a>, usize),
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: Item<'a>> Iterator for ListIter<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterRepr::Wire(r, left) => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // The bytes were validated by `List::read`; a failure here cannot happen, and
                // would only end the iteration early.
                T::read(r).ok()
            }
            IterRepr::Items(it) => it.next().copied(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.inner {
            IterRepr::Wire(_, left) => *left,
            IterRepr::Items(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl<'a, T: Item<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Item<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: Item<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> fmt::Debug for ListIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ListIter")
    }
}

/// Shows bytes as text where they are UTF-8, for `Debug`.
pub(crate) struct Text<'a>(pub &'a [u8]);

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(s) => fmt::Debug::fmt(s, f),
            Err(_) => fmt::Debug::fmt(self.0, f),
        }
    }
}
