//! The small part of URL handling OAuth discovery needs: split an absolute `http(s)` URL,
//! build the well-known URIs of RFC 8414 §3.1 / RFC 9728 §3.1, compare resources, and the
//! `application/x-www-form-urlencoded` encoding (RFC 6749 Appendix B) of requests and of
//! the authorization response.

use alloc::string::String;
use alloc::vec::Vec;

/// An absolute `http` or `https` URL split into its parts (RFC 3986 §3), borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    /// `http` or `https`, as written.
    pub(crate) scheme: &'a str,
    /// `host[:port]`.
    pub(crate) authority: &'a str,
    /// The path, `""` when absent.
    pub(crate) path: &'a str,
    /// The query without `?`, if any.
    pub(crate) query: Option<&'a str>,
    /// Whether a fragment was present (forbidden in resource identifiers, RFC 8707 §2).
    pub(crate) fragment: bool,
}

impl<'a> Url<'a> {
    /// Splits `s`; `None` unless it is an absolute `http`/`https` URL with a host and no
    /// whitespace or control characters.
    pub(crate) fn parse(s: &'a str) -> Option<Self> {
        if s.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let (scheme, rest) = s.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, _)) => (r, true),
            None => (rest, false),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        Some(Self {
            scheme,
            authority,
            path,
            query,
            fragment,
        })
    }

    /// `scheme://authority`.
    pub(crate) fn origin(&self) -> String {
        let mut o = String::with_capacity(self.scheme.len() + 3 + self.authority.len());
        o.push_str(self.scheme);
        o.push_str("://");
        o.push_str(self.authority);
        o
    }

    /// The path without its terminating `/` (RFC 8414 §3.1: "any terminating `/` MUST be
    /// removed before inserting"), `""` for the root.
    pub(crate) fn trimmed_path(&self) -> &'a str {
        self.path.trim_end_matches('/')
    }

    /// The well-known URI for `suffix` with the path inserted after it (RFC 8414 §3.1,
    /// RFC 9728 §3.1): `https://h/.well-known/<suffix><path>`.
    pub(crate) fn well_known(&self, suffix: &str) -> String {
        let mut u = self.origin();
        u.push_str("/.well-known/");
        u.push_str(suffix);
        u.push_str(self.trimmed_path());
        u
    }
}

/// Whether the protected resource `resource` (from its metadata) covers the MCP endpoint
/// `server`: same scheme and host (case-insensitive, RFC 3986 §6.2.2.1) and port, and the
/// resource's path a prefix of the server's at a segment boundary (the resource may name
/// the whole origin while the endpoint is `/mcp`). A fragment disqualifies (RFC 8707 §2).
pub(crate) fn resource_covers(resource: &str, server: &str) -> bool {
    let (Some(r), Some(s)) = (Url::parse(resource), Url::parse(server)) else {
        return false;
    };
    if r.fragment || r.query.is_some() {
        return false;
    }
    if !r.scheme.eq_ignore_ascii_case(s.scheme) || !r.authority.eq_ignore_ascii_case(s.authority) {
        return false;
    }
    let rp = r.trimmed_path();
    let sp = s.trimmed_path();
    rp.is_empty() || sp == rp || sp.strip_prefix(rp).is_some_and(|t| t.starts_with('/'))
}

/// The canonical URI of the MCP server (2025-11-25 authorization §"Canonical Server URI"):
/// lowercase scheme and host, no fragment, no terminating `/` on a bare origin.
pub(crate) fn canonical_resource(server: &str) -> Option<String> {
    let u = Url::parse(server)?;
    let mut c = String::new();
    c.push_str(&u.scheme.to_ascii_lowercase());
    c.push_str("://");
    c.push_str(&u.authority.to_ascii_lowercase());
    if u.path != "/" {
        c.push_str(u.path);
    }
    if let Some(q) = u.query {
        c.push('?');
        c.push_str(q);
    }
    Some(c)
}

/// Appends `value` percent-encoded for a form or query (RFC 3986 §2.3 unreserved characters
/// as they are, everything else as `%XX`).
pub(crate) fn encode_component(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// `k1=v1&k2=v2…`, each part percent-encoded.
pub(crate) fn encode_form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(&mut out, k);
        out.push('=');
        encode_component(&mut out, v);
    }
    out
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space); `None` on a
/// bad escape or bytes that are not UTF-8.
pub(crate) fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hi = char::from(hex[0]).to_digit(16)?;
                let lo = char::from(hex[1]).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The decoded `name=value` pairs of a query or form body; `None` on a bad escape.
pub(crate) fn decode_form(s: &str) -> Option<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_builds_well_known() {
        let u = Url::parse("http://localhost:3000/public/mcp/?x=1#f").unwrap();
        assert_eq!(u.authority, "localhost:3000");
        assert_eq!(u.path, "/public/mcp/");
        assert_eq!(u.query, Some("x=1"));
        assert!(u.fragment);
        assert_eq!(
            u.well_known("oauth-protected-resource"),
            "http://localhost:3000/.well-known/oauth-protected-resource/public/mcp"
        );
        let root = Url::parse("https://auth.example.com").unwrap();
        assert_eq!(
            root.well_known("oauth-authorization-server"),
            "https://auth.example.com/.well-known/oauth-authorization-server"
        );
        assert!(Url::parse("ftp://x/").is_none());
        assert!(Url::parse("https://user@x/").is_none());
        assert!(Url::parse("https:///x").is_none());
        assert!(Url::parse("https://x/a b").is_none());
    }

    #[test]
    fn resource_matching() {
        let s = "http://localhost:3000/mcp";
        assert!(resource_covers("http://localhost:3000/mcp", s));
        assert!(resource_covers("http://localhost:3000", s));
        assert!(resource_covers("HTTP://LOCALHOST:3000/", s));
        assert!(!resource_covers("https://evil.example.com/mcp", s));
        assert!(!resource_covers("http://localhost:3001/mcp", s));
        assert!(!resource_covers("http://localhost:3000/mc", s));
        assert!(!resource_covers("http://localhost:3000/mcp#x", s));
        assert_eq!(
            canonical_resource("HTTPS://MCP.Example.com/").as_deref(),
            Some("https://mcp.example.com")
        );
    }

    #[test]
    fn form_round_trip() {
        let f = encode_form(&[("redirect_uri", "http://l/cb?a=b c"), ("x", "é")]);
        assert_eq!(f, "redirect_uri=http%3A%2F%2Fl%2Fcb%3Fa%3Db%20c&x=%C3%A9");
        let d = decode_form(&f).unwrap();
        assert_eq!(d[0].1, "http://l/cb?a=b c");
        assert_eq!(d[1].1, "é");
        assert_eq!(decode_component("a+b%2f").as_deref(), Some("a b/"));
        assert!(decode_component("%zz").is_none());
        assert!(decode_component("%4").is_none());
        assert!(decode_component("%ff").is_none());
    }
}

#[cfg(test)]
mod props {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::{decode_form, encode_form};

    proptest! {
        /// decode(encode(x)) == x for any names and values (RFC 6749 Appendix B).
        #[test]
        fn form_round_trips(pairs in proptest::collection::vec((".{1,12}", ".{0,24}"), 0..6)) {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let decoded = decode_form(&encode_form(&refs)).unwrap();
            let want: Vec<(String, String)> = pairs.into_iter().collect();
            prop_assert_eq!(decoded, want);
        }

        /// Arbitrary text never panics the decoder.
        #[test]
        fn decode_any(s in ".{0,64}") {
            let _ = decode_form(&s);
        }
    }
}
