//! Incremental UTF-8 validation across frame and read boundaries, failing at the first byte
//! that cannot start or continue a valid sequence (what Autobahn calls "fail fast").

/// Validates a byte stream given in pieces.
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    /// The start of a sequence cut by the end of the last piece (at most 3 bytes).
    carry: [u8; 4],
    carry_len: usize,
}

/// The stream is not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Error;

impl core::fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid UTF-8")
    }
}

impl core::error::Error for Utf8Error {}

fn seq_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl Utf8Validator {
    /// A validator at the start of a stream.
    pub const fn new() -> Self {
        Self {
            carry: [0; 4],
            carry_len: 0,
        }
    }

    /// Feeds the next piece.
    ///
    /// # Errors
    /// [`Utf8Error`] as soon as a byte proves the stream invalid (an incomplete sequence at the
    /// end of the piece is not an error yet).
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), Utf8Error> {
        if self.carry_len > 0 {
            let need = seq_len(self.carry[0]);
            let take = (need - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            match core::str::from_utf8(&self.carry[..self.carry_len]) {
                Ok(_) => self.carry_len = 0,
                Err(e) if e.error_len().is_some() => return Err(Utf8Error),
                // Still incomplete: `data` is empty.
                Err(_) => return Ok(()),
            }
        }
        match simdutf8::compat::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(Utf8Error),
            Err(e) => {
                let rest = &data[e.valid_up_to()..];
                self.carry[..rest.len()].copy_from_slice(rest);
                self.carry_len = rest.len();
                Ok(())
            }
        }
    }

    /// The stream ends here.
    ///
    /// # Errors
    /// [`Utf8Error`] when it ends inside a sequence.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let incomplete = self.carry_len != 0;
        self.carry_len = 0;
        if incomplete { Err(Utf8Error) } else { Ok(()) }
    }

    /// Forgets any partial sequence (a new message begins).
    pub fn reset(&mut self) {
        self.carry_len = 0;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use proptest::prelude::*;

    use super::Utf8Validator;

    proptest! {
        #[test]
        fn split_anywhere_matches_whole(s in proptest::collection::vec(any::<u8>(), 0..64), a in 0usize..64, b in 0usize..64) {
            let (a, b) = (a.min(s.len()), b.min(s.len()));
            let (a, b) = (a.min(b), a.max(b));
            let mut v = Utf8Validator::new();
            let r = v.feed(&s[..a]).and_then(|()| v.feed(&s[a..b])).and_then(|()| v.feed(&s[b..])).and_then(|()| v.finish());
            prop_assert_eq!(r.is_ok(), core::str::from_utf8(&s).is_ok());
        }

        #[test]
        fn valid_text_byte_by_byte(s in "\\PC*") {
            let mut v = Utf8Validator::new();
            for b in s.as_bytes() {
                prop_assert!(v.feed(core::slice::from_ref(b)).is_ok());
            }
            prop_assert!(v.finish().is_ok());
        }
    }

    #[test]
    fn fails_fast_inside_a_sequence() {
        // U+10FFFF is F4 8F BF BF; F4 90 is already out of range.
        let mut v = Utf8Validator::new();
        assert!(v.feed(&[0xF4]).is_ok());
        assert!(v.feed(&[0x90]).is_err());
        // A surrogate (ED A0) fails at its second byte.
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"ok \xED").is_ok());
        assert!(v.feed(b"\xA0").is_err());
        // Truncated at the end.
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"\xE2\x82").is_ok());
        assert!(v.finish().is_err());
    }
}
