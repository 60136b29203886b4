//! Header fields.

/// One header field, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Field<'a> {
    /// The name (HPACK itself does not check it; HTTP/2 requires lowercase).
    pub name: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// Decoding: the peer sent it as a never-indexed literal (RFC 7541 §6.2.3), so an
    /// intermediary re-encoding it MUST keep it never-indexed (§7.1.3). Encoding: send it so.
    pub never_indexed: bool,
}

impl<'a> Field<'a> {
    /// A field the encoder may index.
    pub const fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        Self {
            name,
            value,
            never_indexed: false,
        }
    }

    /// A field that must never be indexed (RFC 7541 §6.2.3).
    pub const fn never_indexed(name: &'a [u8], value: &'a [u8]) -> Self {
        Self {
            name,
            value,
            never_indexed: true,
        }
    }
}

/// One header field, owned.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OwnedField {
    /// The name.
    pub name: alloc::vec::Vec<u8>,
    /// The value.
    pub value: alloc::vec::Vec<u8>,
    /// See [`Field::never_indexed`].
    pub never_indexed: bool,
}

#[cfg(feature = "alloc")]
impl OwnedField {
    /// Borrows it as a [`Field`].
    pub fn as_field(&self) -> Field<'_> {
        Field {
            name: &self.name,
            value: &self.value,
            never_indexed: self.never_indexed,
        }
    }
}

#[cfg(feature = "alloc")]
impl From<Field<'_>> for OwnedField {
    fn from(f: Field<'_>) -> Self {
        Self {
            name: f.name.to_vec(),
            value: f.value.to_vec(),
            never_indexed: f.never_indexed,
        }
    }
}
