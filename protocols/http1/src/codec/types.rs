//! Types shared by the parsers, the framing helper and the encoders.

use core::fmt;

/// The outcome of a parse call on input that may be incomplete.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The head is complete.
    Complete(T),
    /// More bytes are needed. Append them to the buffer and call again with the whole buffer:
    /// the parser resumes where it stopped, it does not rescan.
    Partial,
}

impl<T> Status<T> {
    /// The completed value, if any.
    pub fn complete(self) -> Option<T> {
        match self {
            Self::Complete(v) => Some(v),
            Self::Partial => None,
        }
    }

    /// Whether more input is needed.
    pub const fn is_partial(&self) -> bool {
        matches!(self, Self::Partial)
    }
}

/// The HTTP version of a message. `HTTP/1.2` and later minors are read as 1.1 (RFC 9110 §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

impl Version {
    /// The version as it appears on the wire.
    pub const fn as_bytes(self) -> &'static [u8; 8] {
        match self {
            Self::Http10 => b"HTTP/1.0",
            Self::Http11 => b"HTTP/1.1",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Http10 => "HTTP/1.0",
            Self::Http11 => "HTTP/1.1",
        })
    }
}

/// One header field as borrowed slices: the parsers hand these out, the encoders take them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<'b> {
    /// The field name as received (case preserved). Parsed names are `tchar`s only.
    pub name: &'b [u8],
    /// The field value without leading and trailing whitespace. Parsed values contain no CR, LF,
    /// NUL or other controls except HTAB (unless obs-fold was allowed and used).
    pub value: &'b [u8],
}

impl<'b> Header<'b> {
    /// The name as `&str` (parsed names are ASCII, so this is `Some` for them).
    pub fn name_str(&self) -> Option<&'b str> {
        core::str::from_utf8(self.name).ok()
    }

    /// Whether the name equals `name`, ignoring ASCII case (field names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("name", &format_args!("\"{}\"", self.name.escape_ascii()))
            .field("value", &format_args!("\"{}\"", self.value.escape_ascii()))
            .finish()
    }
}

/// Where one header field lies in the parsed buffer: the caller-supplied storage for a parse.
///
/// Slots hold offsets, not slices, so a parse can be resumed after the buffer was moved or grown.
/// Provide them as a fixed slice (`[HeaderSlot::EMPTY; 64]`), or, with the `alloc` feature, a
/// `Vec<HeaderSlot>` that grows up to [`Config::max_headers`](crate::Config::max_headers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderSlot {
    pub(crate) name: u32,
    pub(crate) name_end: u32,
    pub(crate) value: u32,
    pub(crate) value_end: u32,
}

impl HeaderSlot {
    /// An unused slot, for initialising arrays.
    pub const EMPTY: Self = Self {
        name: 0,
        name_end: 0,
        value: 0,
        value_end: 0,
    };

    /// The field this slot describes, resolved against the buffer it was parsed from.
    ///
    /// Returns empty slices if `buf` is shorter than the offsets (a different buffer).
    pub fn resolve<'b>(&self, buf: &'b [u8]) -> Header<'b> {
        let get = |a: u32, b: u32| buf.get(a as usize..b as usize).unwrap_or(&[]);
        Header {
            name: get(self.name, self.name_end),
            value: get(self.value, self.value_end),
        }
    }

    /// Offset of the field value in the parsed buffer.
    pub const fn value_offset(&self) -> usize {
        self.value as usize
    }
}

/// Storage for header slots that a parser fills: a fixed slice, or (with `alloc`) a `Vec`.
pub trait HeaderStore {
    /// The slot at `index`, growing the storage if it can; `None` when the storage is full.
    fn slot_mut(&mut self, index: usize) -> Option<&mut HeaderSlot>;
    /// The slots filled so far (and possibly stale ones past the parsed count).
    fn slots(&self) -> &[HeaderSlot];
}

impl HeaderStore for [HeaderSlot] {
    #[inline]
    fn slot_mut(&mut self, index: usize) -> Option<&mut HeaderSlot> {
        self.get_mut(index)
    }
    #[inline]
    fn slots(&self) -> &[HeaderSlot] {
        self
    }
}

impl<const N: usize> HeaderStore for [HeaderSlot; N] {
    #[inline]
    fn slot_mut(&mut self, index: usize) -> Option<&mut HeaderSlot> {
        self.get_mut(index)
    }
    #[inline]
    fn slots(&self) -> &[HeaderSlot] {
        self
    }
}

#[cfg(feature = "alloc")]
impl HeaderStore for alloc::vec::Vec<HeaderSlot> {
    #[inline]
    fn slot_mut(&mut self, index: usize) -> Option<&mut HeaderSlot> {
        if index >= self.len() {
            self.resize(index + 1, HeaderSlot::EMPTY);
        }
        self.get_mut(index)
    }
    #[inline]
    fn slots(&self) -> &[HeaderSlot] {
        self
    }
}

/// Iterator over the header fields of a parsed head.
#[derive(Debug, Clone)]
pub struct Headers<'b, 'h> {
    pub(crate) buf: &'b [u8],
    pub(crate) slots: core::slice::Iter<'h, HeaderSlot>,
}

impl<'b> Iterator for Headers<'b, '_> {
    type Item = Header<'b>;

    #[inline]
    fn next(&mut self) -> Option<Header<'b>> {
        self.slots.next().map(|s| s.resolve(self.buf))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

impl ExactSizeIterator for Headers<'_, '_> {}
