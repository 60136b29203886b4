//! Encoding events and comments into caller buffers (the authoring side of WHATWG HTML §9.2.5).

use crate::error::Error;

/// A comment line with no text: what a server sends to keep idle connections open
/// (§9.2.7 suggests one every 15 seconds or so). It dispatches nothing.
pub const KEEP_ALIVE: &[u8] = b":\n";

/// One event to encode with [`Message::encode`]. Every field is optional; an event with no
/// `data` is dispatched by no receiver, but its `id` and `retry` still take effect.
///
/// ```
/// use fasterapi_sse::Message;
///
/// let msg = Message::new("line one\nline two").with_event("update").with_id("7");
/// let mut buf = [0u8; 64];
/// let n = msg.encode(&mut buf)?;
/// assert_eq!(&buf[..n], b"event: update\nid: 7\ndata: line one\ndata: line two\n\n");
/// # Ok::<(), fasterapi_sse::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message<'a> {
    /// The event type (`event:`); receivers use `message` when absent. No CR or LF.
    pub event: Option<&'a str>,
    /// The data; split on CR, LF and CRLF into one `data:` line each, so the receiver sees
    /// the lines joined with LF.
    pub data: Option<&'a str>,
    /// The event id (`id:`), which becomes the receiver's last event ID. No CR, LF or NUL.
    /// `Some("")` resets the receiver's last event ID.
    pub id: Option<&'a str>,
    /// The reconnection time in milliseconds (`retry:`).
    pub retry: Option<u64>,
}

impl<'a> Message<'a> {
    /// An event carrying `data`.
    pub const fn new(data: &'a str) -> Self {
        Self {
            event: None,
            data: Some(data),
            id: None,
            retry: None,
        }
    }

    /// A block with no fields; add some with the `with_` methods.
    pub const fn empty() -> Self {
        Self {
            event: None,
            data: None,
            id: None,
            retry: None,
        }
    }

    /// Sets the event type.
    #[must_use]
    pub const fn with_event(mut self, event: &'a str) -> Self {
        self.event = Some(event);
        self
    }

    /// Sets the id.
    #[must_use]
    pub const fn with_id(mut self, id: &'a str) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the reconnection time in milliseconds.
    #[must_use]
    pub const fn with_retry(mut self, ms: u64) -> Self {
        self.retry = Some(ms);
        self
    }

    /// Sets the data.
    #[must_use]
    pub const fn with_data(mut self, data: &'a str) -> Self {
        self.data = Some(data);
        self
    }

    /// The number of bytes [`Message::encode`] writes, after validating the fields.
    ///
    /// # Errors
    /// [`Error::InvalidField`] for an `event` or `id` containing CR or LF, or an `id`
    /// containing NUL.
    pub fn encoded_len(&self) -> Result<usize, Error> {
        let mut len = 1; // the blank line that dispatches
        if let Some(event) = self.event {
            if has_line_break(event) {
                return Err(Error::InvalidField { field: "event" });
            }
            len += field_len(b"event", event.as_bytes());
        }
        if let Some(id) = self.id {
            if has_line_break(id) || id.as_bytes().contains(&0) {
                return Err(Error::InvalidField { field: "id" });
            }
            len += field_len(b"id", id.as_bytes());
        }
        if let Some(retry) = self.retry {
            len += b"retry: \n".len() + decimal_len(retry);
        }
        if let Some(data) = self.data {
            for line in DataLines::new(data.as_bytes()) {
                len += field_len(b"data", line);
            }
        }
        Ok(len)
    }

    /// Writes the event into `out` and returns the number of bytes written; nothing is written
    /// on error.
    ///
    /// # Errors
    /// [`Error::InvalidField`] as for [`Message::encoded_len`]; [`Error::BufferTooSmall`] when
    /// `out` cannot hold the event.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.encoded_len()?;
        let Some(out) = out.get_mut(..needed) else {
            return Err(Error::BufferTooSmall { needed });
        };
        let mut w = Writer { buf: out, len: 0 };
        if let Some(event) = self.event {
            w.field(b"event", event.as_bytes());
        }
        if let Some(id) = self.id {
            w.field(b"id", id.as_bytes());
        }
        if let Some(retry) = self.retry {
            w.put(b"retry: ");
            let mut digits = [0u8; 20];
            let n = decimal_len(retry);
            let mut v = retry;
            for d in digits[..n].iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
            w.put(&digits[..n]);
            w.put(b"\n");
        }
        if let Some(data) = self.data {
            for line in DataLines::new(data.as_bytes()) {
                w.field(b"data", line);
            }
        }
        w.put(b"\n");
        debug_assert_eq!(w.len, needed);
        Ok(w.len)
    }
}

/// Writes a comment line (`:` then a space and `text` when it is not empty) into `out` and
/// returns its length. Comments dispatch nothing; [`KEEP_ALIVE`] is the empty one.
///
/// # Errors
/// [`Error::InvalidField`] when `text` contains CR or LF; [`Error::BufferTooSmall`].
pub fn encode_comment(text: &str, out: &mut [u8]) -> Result<usize, Error> {
    if has_line_break(text) {
        return Err(Error::InvalidField { field: "comment" });
    }
    let needed = field_len(b"", text.as_bytes());
    let Some(out) = out.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed });
    };
    let mut w = Writer { buf: out, len: 0 };
    w.field(b"", text.as_bytes());
    Ok(w.len)
}

fn has_line_break(s: &str) -> bool {
    memchr::memchr2(b'\r', b'\n', s.as_bytes()).is_some()
}

/// `name:` plus ` value` when the value is not empty, plus LF. The space is always written
/// before a non-empty value, so a value that itself starts with a space survives the
/// receiver's removal of one leading space.
const fn field_len(name: &[u8], value: &[u8]) -> usize {
    name.len() + 1 + if value.is_empty() { 0 } else { 1 + value.len() } + 1
}

const fn decimal_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

struct Writer<'o> {
    buf: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn field(&mut self, name: &[u8], value: &[u8]) {
        self.put(name);
        self.put(b":");
        if !value.is_empty() {
            self.put(b" ");
            self.put(value);
        }
        self.put(b"\n");
    }
}

/// The lines of a data value split on CR, LF and CRLF. `""` is one empty line, and a value
/// ending in a line break ends with an empty line, so the receiver rebuilds the same text
/// (with every line break as LF).
struct DataLines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> DataLines<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { rest: Some(data) }
    }
}

impl<'a> Iterator for DataLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr2(b'\r', b'\n', rest) {
            None => {
                self.rest = None;
                Some(rest)
            }
            Some(i) => {
                let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                self.rest = Some(&rest[i + skip..]);
                Some(&rest[..i])
            }
        }
    }
}
