//! Field blocks: the owned heads handed to the application, and the validation of RFC 9113
//! §8.2 and §8.3 applied to every received block and every block the application sends.

use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;

/// Regular (non-pseudo) fields of a head or of trailers, in order, sharing one buffer.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    buf: Bytes,
    spans: Vec<[u32; 3]>, // name start, name end (= value start), value end
}

impl Headers {
    /// The fields as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.spans.iter().map(|s| {
            (
                &self.buf[s[0] as usize..s[1] as usize],
                &self.buf[s[1] as usize..s[2] as usize],
            )
        })
    }

    /// The first value of `name` (lowercase).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The value of field `i` as a ref-counted slice, without a copy.
    pub fn value_bytes(&self, i: usize) -> Option<Bytes> {
        let s = self.spans.get(i)?;
        Some(self.buf.slice(s[1] as usize..s[2] as usize))
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| {
                (
                    alloc::string::String::from_utf8_lossy(n),
                    alloc::string::String::from_utf8_lossy(v),
                )
            }))
            .finish()
    }
}

/// A received request head (§8.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestHead {
    /// `:method`.
    pub method: Bytes,
    /// `:scheme` (absent for CONNECT).
    pub scheme: Option<Bytes>,
    /// `:authority`.
    pub authority: Option<Bytes>,
    /// `:path` (absent for CONNECT).
    pub path: Option<Bytes>,
    /// `:protocol` of an extended CONNECT (RFC 8441 §4).
    pub protocol: Option<Bytes>,
    /// The regular fields.
    pub headers: Headers,
}

/// A received response head (§8.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHead {
    /// `:status`.
    pub status: u16,
    /// The regular fields.
    pub headers: Headers,
}

/// What a block is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Request,
    Response,
    Trailers,
}

const PSEUDO: [&[u8]; 6] = [
    b":method",
    b":scheme",
    b":authority",
    b":path",
    b":protocol",
    b":status",
];

/// Octets allowed in a field name after an optional leading colon (§8.2.1: not 0x00-0x20,
/// 0x41-0x5a, 0x7f-0xff, and no colon).
const NAME_OK: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        t[b] = !(b >= 0x41 && b <= 0x5a) && b != b':' as usize;
        b += 1;
    }
    t
};

/// Checks one field name and value (§8.2.1, §8.2.2); `Err` = malformed.
fn check_field(name: &[u8], value: &[u8]) -> Result<(), ()> {
    let body = name.strip_prefix(b":").unwrap_or(name);
    if body.is_empty() || !body.iter().all(|&b| NAME_OK[b as usize]) {
        return Err(());
    }
    // §8.2.1: no NUL, CR or LF anywhere; no leading or trailing SP or HTAB.
    if value
        .iter()
        .any(|&b| b < 0x0e && matches!(b, 0 | b'\n' | b'\r'))
        || matches!(value.first(), Some(b' ' | b'\t'))
        || matches!(value.last(), Some(b' ' | b'\t'))
    {
        return Err(());
    }
    // §8.2.2: connection-specific fields are malformed; TE only as "trailers".
    match name {
        b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding" | b"upgrade" => {
            Err(())
        }
        b"te" if value != b"trailers" => Err(()),
        _ => Ok(()),
    }
}

/// Collects and validates the fields of one received block, as HPACK decodes them.
#[derive(Debug)]
pub(crate) struct Collector {
    kind: BlockKind,
    buf: Vec<u8>,
    spans: Vec<[u32; 3]>,
    pseudo: [Option<(u32, u32)>; 6],
    regular_seen: bool,
    malformed: bool,
    pub(crate) content_length: Option<u64>,
    pub(crate) priority: Option<(u32, u32)>,
}

impl Collector {
    pub(crate) fn new(kind: BlockKind) -> Self {
        Self {
            kind,
            buf: Vec::with_capacity(256),
            spans: Vec::with_capacity(8),
            pseudo: [None; 6],
            regular_seen: false,
            malformed: false,
            content_length: None,
            priority: None,
        }
    }

    pub(crate) fn kind(&self) -> BlockKind {
        self.kind
    }

    pub(crate) fn push(&mut self, name: &[u8], value: &[u8]) {
        if self.malformed {
            return;
        }
        if check_field(name, value).is_err() {
            self.malformed = true;
            return;
        }
        let start = self.buf.len() as u32;
        self.buf.extend_from_slice(name);
        let mid = self.buf.len() as u32;
        self.buf.extend_from_slice(value);
        let end = self.buf.len() as u32;
        if name.first() == Some(&b':') {
            // §8.3: pseudo-headers only before regular fields, once each, known ones only,
            // never in trailers; request ones in requests, :status in responses.
            let slot = PSEUDO.iter().position(|p| *p == name);
            let allowed = match (self.kind, slot) {
                (BlockKind::Request, Some(i)) => i < 5,
                (BlockKind::Response, Some(5)) => true,
                _ => false,
            };
            match slot {
                Some(i) if allowed && !self.regular_seen && self.pseudo[i].is_none() => {
                    self.pseudo[i] = Some((mid, end));
                }
                _ => self.malformed = true,
            }
            return;
        }
        self.regular_seen = true;
        if name == b"content-length" {
            // RFC 9110 §8.6: 1*DIGIT; repeated values must agree.
            let n = parse_u64(value);
            match (n, self.content_length) {
                (None, _) => self.malformed = true,
                (Some(n), Some(old)) if n != old => self.malformed = true,
                (Some(n), _) => self.content_length = Some(n),
            }
        } else if name == b"priority" {
            self.priority = Some((mid, end));
        }
        self.spans.push([start, mid, end]);
    }

    fn into_headers(self) -> (Headers, Bytes, [Option<(u32, u32)>; 6]) {
        let buf = Bytes::from(self.buf);
        (
            Headers {
                buf: buf.clone(),
                spans: self.spans,
            },
            buf,
            self.pseudo,
        )
    }

    /// The request head, or `None` when malformed (§8.3.1, RFC 8441 §4).
    pub(crate) fn into_request(self, connect_protocol: bool) -> Option<RequestHead> {
        if self.malformed {
            return None;
        }
        let (headers, buf, p) = self.into_headers();
        let get = |i: usize| p[i].map(|(a, b)| buf.slice(a as usize..b as usize));
        let method = get(0)?;
        let (scheme, authority, path, protocol) = (get(1), get(2), get(3), get(4));
        // §8.3.1: a Host field naming another entity than :authority is malformed.
        if let (Some(a), Some(h)) = (&authority, headers.get(b"host")) {
            if &a[..] != h {
                return None;
            }
        }
        let is_connect = &method[..] == b"CONNECT";
        if protocol.is_some() {
            // Extended CONNECT: only when we enabled it, with :scheme, :path, :authority.
            if !connect_protocol || !is_connect || scheme.is_none() || authority.is_none() {
                return None;
            }
        } else if is_connect {
            // §8.5: only :method and :authority.
            if scheme.is_some() || path.is_some() || authority.is_none() {
                return None;
            }
            return Some(RequestHead {
                method,
                scheme,
                authority,
                path,
                protocol,
                headers,
            });
        }
        scheme.as_ref()?;
        if path.as_ref().is_none_or(|p| p.is_empty()) {
            return None;
        }
        Some(RequestHead {
            method,
            scheme,
            authority,
            path,
            protocol,
            headers,
        })
    }

    /// The response head, or `None` when malformed (§8.3.2; 101 is not allowed, §8.6).
    pub(crate) fn into_response(self) -> Option<ResponseHead> {
        if self.malformed {
            return None;
        }
        let (headers, buf, p) = self.into_headers();
        let (a, b) = p[5]?;
        let s = &buf[a as usize..b as usize];
        if s.len() != 3 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let status = s.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        if !(100..=999).contains(&status) || status == 101 {
            return None;
        }
        Some(ResponseHead { status, headers })
    }

    /// Trailers (no pseudo-headers, §8.1).
    pub(crate) fn into_trailers(self) -> Option<Headers> {
        if self.malformed || self.pseudo.iter().any(Option::is_some) {
            return None;
        }
        Some(self.into_headers().0)
    }

    /// The `priority` field's value, when present.
    pub(crate) fn priority_value(&self) -> Option<&[u8]> {
        self.priority
            .map(|(a, b)| &self.buf[a as usize..b as usize])
    }
}

fn parse_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// Checks fields the application sends: valid names and values, no connection-specific
/// fields, no pseudo-headers (the machine writes those itself).
pub(crate) fn check_outgoing(fields: &[(&[u8], &[u8])]) -> Result<(), crate::Error> {
    for (n, v) in fields {
        if n.first() == Some(&b':') || check_field(n, v).is_err() {
            return Err(crate::Error::InvalidField);
        }
    }
    Ok(())
}

/// Whether a method/status pair has no content (for content-length checks, RFC 9110 §6.4.1).
pub(crate) fn response_has_no_content(request_method_head: bool, status: u16) -> bool {
    request_method_head || status == 204 || status == 304 || (100..200).contains(&status)
}
