//! `WWW-Authenticate` (RFC 9110 §11.6.1) and its `Bearer` parameters (RFC 6750 §3,
//! RFC 9728 §5.1).
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param  = token BWS "=" BWS ( token / quoted-string )
//! token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! A field may hold several challenges separated by commas, the same comma that separates
//! parameters: a new challenge starts where a token is followed by a space and not by `=`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::AuthError;

/// The longest `WWW-Authenticate` value parsed (bytes); longer is [`AuthError::Malformed`].
pub const MAX_HEADER_LEN: usize = 8 * 1024;
/// The most challenges, and the most parameters per challenge, kept.
pub const MAX_PARAMS: usize = 32;

/// One challenge: its scheme and either a token68 or parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Challenge {
    /// The auth-scheme as written (compare case-insensitively, RFC 9110 §11.1).
    pub scheme: String,
    /// A token68 credential form, if that is what followed the scheme.
    pub token68: Option<String>,
    /// The auth-params, names as written, quoted-string values unescaped.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (names are case-insensitive, RFC 9110 §11.2).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a `Bearer` challenge tells the client (RFC 6750 §3, RFC 9728 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BearerChallenge {
    /// `resource_metadata`: where the Protected Resource Metadata is (RFC 9728 §5.1).
    pub resource_metadata: Option<String>,
    /// `scope`: the scopes the request needs, space-separated (RFC 6750 §3).
    pub scope: Option<String>,
    /// `error`: `invalid_token`, `insufficient_scope`, … (RFC 6750 §3.1).
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
}

impl BearerChallenge {
    /// The `Bearer` challenge among `challenges`, else the `DPoP` one, if any.
    pub fn from_challenges(challenges: &[Challenge]) -> Option<Self> {
        // The `DPoP` scheme carries the same parameters (RFC 9449 §7.1).
        let c = challenges
            .iter()
            .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
            .or_else(|| {
                challenges
                    .iter()
                    .find(|c| c.scheme.eq_ignore_ascii_case("dpop"))
            })?;
        let get = |n: &str| c.param(n).map(ToString::to_string);
        Some(Self {
            resource_metadata: get("resource_metadata"),
            scope: get("scope"),
            error: get("error"),
            error_description: get("error_description"),
        })
    }

    /// Whether the server refused the token for lacking scope (RFC 6750 §3.1).
    pub fn insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    /// Skips whitespace and empty list elements (RFC 9110 §5.6.1: `, ,` is allowed).
    fn skip_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }
    fn token(&mut self) -> &str {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        // tchar is ASCII.
        core::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }
    /// A quoted-string (RFC 9110 §5.6.4), unescaped; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, AuthError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(AuthError::Malformed("unterminated quoted-string")),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = self
                        .s
                        .get(self.i + 1)
                        .copied()
                        .ok_or(AuthError::Malformed("unterminated quoted-pair"))?;
                    out.push(c);
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| AuthError::Malformed("quoted-string not UTF-8"))
    }
}

/// Parses one or more `WWW-Authenticate` field values into their challenges.
///
/// # Errors
/// [`AuthError::Malformed`] on a syntax error, a value over [`MAX_HEADER_LEN`] or more than
/// [`MAX_PARAMS`] challenges or parameters.
pub fn parse_www_authenticate(value: &str) -> Result<Vec<Challenge>, AuthError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(AuthError::Malformed("WWW-Authenticate over the size limit"));
    }
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    c.skip_commas();
    while c.peek().is_some() {
        let scheme = c.token().to_string();
        if scheme.is_empty() {
            return Err(AuthError::Malformed("expected an auth-scheme"));
        }
        if out.len() == MAX_PARAMS {
            return Err(AuthError::Malformed("too many challenges"));
        }
        let mut ch = Challenge {
            scheme,
            ..Challenge::default()
        };
        c.skip_ws();
        // token68: the run of token68 characters and trailing `=` ends the challenge.
        let start = c.i;
        while c.peek().is_some_and(is_token68) {
            c.i += 1;
        }
        let body_end = c.i;
        while c.peek() == Some(b'=') {
            c.i += 1;
        }
        let after = c.i;
        c.skip_ws();
        let token68_end = matches!(c.peek(), None | Some(b','));
        if body_end > start && token68_end {
            ch.token68 = Some(value[start..after].to_string());
            out.push(ch);
            c.skip_commas();
            continue;
        }
        c.i = start;
        // auth-params until the next challenge or the end.
        loop {
            c.skip_commas();
            if c.peek().is_none() {
                break;
            }
            let save = c.i;
            let name = c.token().to_string();
            if name.is_empty() {
                return Err(AuthError::Malformed("expected an auth-param"));
            }
            c.skip_ws();
            if c.peek() != Some(b'=') {
                // A token not followed by `=`: the next challenge's scheme.
                c.i = save;
                break;
            }
            c.i += 1;
            c.skip_ws();
            let v = if c.peek() == Some(b'"') {
                c.quoted()?
            } else {
                // A token (RFC 9110 §5.6.2); leniently any visible ASCII but `,` and `"`,
                // since servers send `scope=mcp:basic` unquoted.
                let start = c.i;
                while c
                    .peek()
                    .is_some_and(|b| b.is_ascii_graphic() && b != b',' && b != b'"')
                {
                    c.i += 1;
                }
                let t = value[start..c.i].to_string();
                if t.is_empty() {
                    return Err(AuthError::Malformed("auth-param without a value"));
                }
                t
            };
            if ch.params.len() == MAX_PARAMS {
                return Err(AuthError::Malformed("too many auth-params"));
            }
            ch.params.push((name, v));
            c.skip_ws();
            match c.peek() {
                None | Some(b',') => {}
                Some(_) => return Err(AuthError::Malformed("junk after an auth-param")),
            }
        }
        out.push(ch);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6750_examples() {
        // RFC 6750 §3 examples.
        let c = parse_www_authenticate(r#"Bearer realm="example""#).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].param("REALM"), Some("example"));
        let c = parse_www_authenticate(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        )
        .unwrap();
        let b = BearerChallenge::from_challenges(&c).unwrap();
        assert_eq!(b.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            b.error_description.as_deref(),
            Some("The access token expired")
        );
        assert!(!b.insufficient_scope());
    }

    #[test]
    fn mcp_challenges() {
        // 2025-11-25 authorization §"Scope Challenge Handling" example.
        let v = r#"Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", error_description="Additional file write permission required""#;
        let b = BearerChallenge::from_challenges(&parse_www_authenticate(v).unwrap()).unwrap();
        assert!(b.insufficient_scope());
        assert_eq!(b.scope.as_deref(), Some("files:read files:write"));
        assert_eq!(
            b.resource_metadata.as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        let b = BearerChallenge::from_challenges(
            &parse_www_authenticate(r#"bearer scope=mcp:basic"#).unwrap(),
        );
        assert_eq!(b.unwrap().scope.as_deref(), Some("mcp:basic"));
    }

    #[test]
    fn several_challenges_and_token68() {
        // RFC 9110 §11.6.1 example.
        let v = r#"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"""#;
        let c = parse_www_authenticate(v).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].scheme, "Newauth");
        assert_eq!(c[1].param("type"), Some("1"));
        assert_eq!(c[1].param("title"), Some(r#"Login to "apps""#));
        let c = parse_www_authenticate("Negotiate abc+/=, Bearer scope=\"a\"").unwrap();
        assert_eq!(c[0].token68.as_deref(), Some("abc+/="));
        assert_eq!(c[1].param("scope"), Some("a"));
        let c = parse_www_authenticate("DPoP, Bearer").unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[1].params.is_empty());
    }

    #[test]
    fn malformed() {
        assert!(parse_www_authenticate(r#"Bearer scope="open"#).is_err());
        assert!(parse_www_authenticate("Bearer a=b, c=").is_err());
        // `x=` alone is a token68 with padding.
        assert!(
            parse_www_authenticate("Bearer x=").unwrap()[0]
                .token68
                .is_some()
        );
        assert!(parse_www_authenticate("Bearer a=b c").is_err());
        assert!(parse_www_authenticate("Bearer a=\"b\"x").is_err());
        assert!(parse_www_authenticate("=x").is_err());
        let long = "a".repeat(MAX_HEADER_LEN + 1);
        assert!(parse_www_authenticate(&long).is_err());
        let many = "Bearer ".to_string() + &"a=b,".repeat(MAX_PARAMS + 1);
        assert!(parse_www_authenticate(&many).is_err());
        assert!(parse_www_authenticate("").unwrap().is_empty());
    }
}

#[cfg(test)]
mod props {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::parse_www_authenticate;

    proptest! {
        /// A challenge written with quoted values parses back to the same parameters.
        #[test]
        fn quoted_params_round_trip(
            scheme in "[A-Za-z][A-Za-z0-9]{0,8}",
            params in proptest::collection::vec(("[a-z_]{1,10}", "[ -~]{0,20}"), 1..6),
        ) {
            let quoted: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            let header = format!("{scheme} {}", quoted.join(", "));
            let c = parse_www_authenticate(&header).unwrap();
            prop_assert_eq!(c.len(), 1);
            prop_assert_eq!(&c[0].scheme, &scheme);
            prop_assert_eq!(&c[0].params, &params);
        }

        /// Arbitrary text never panics the parser.
        #[test]
        fn parse_any(s in ".{0,80}") {
            let _ = parse_www_authenticate(&s);
        }
    }
}
