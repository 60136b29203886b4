//! Protected Resource Metadata (RFC 9728 §2–3), Authorization Server Metadata (RFC 8414
//! §2–3, OpenID Connect Discovery 1.0 §3–4), registration (RFC 7591 §3.2) and token
//! (RFC 6749 §5) responses: parsed from JSON and validated, every problem a typed
//! [`AuthError`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::AuthError;
use super::url::{Url, resource_covers};

/// The largest metadata, registration or token document parsed (bytes).
pub const MAX_DOCUMENT_LEN: usize = 64 * 1024;
/// The most entries kept from a metadata array (`authorization_servers`, `scopes_supported`…).
pub const MAX_LIST: usize = 64;

fn object(body: &[u8], what: &'static str) -> Result<Map<String, Value>, AuthError> {
    if body.len() > MAX_DOCUMENT_LEN {
        return Err(AuthError::TooLarge(what));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(AuthError::BadDocument {
            what,
            why: "not a JSON object",
        }),
    }
}

fn string(
    m: &Map<String, Value>,
    k: &str,
    what: &'static str,
) -> Result<Option<String>, AuthError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AuthError::BadDocument {
            what,
            why: "a member that must be a string is not",
        }),
    }
}

fn strings(
    m: &Map<String, Value>,
    k: &str,
    what: &'static str,
) -> Result<Option<Vec<String>>, AuthError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.len() <= MAX_LIST => a
            .iter()
            .map(|v| v.as_str().map(ToString::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or(AuthError::BadDocument {
                what,
                why: "an array member holds a non-string",
            }),
        Some(Value::Array(_)) => Err(AuthError::TooLarge(what)),
        Some(_) => Err(AuthError::BadDocument {
            what,
            why: "a member that must be an array is not",
        }),
    }
}

/// OAuth 2.0 Protected Resource Metadata (RFC 9728 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceMetadata {
    /// `resource`: the protected resource's identifier (REQUIRED).
    pub resource: String,
    /// `authorization_servers`: issuer identifiers (the MCP spec requires at least one).
    pub authorization_servers: Vec<String>,
    /// `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
}

impl ResourceMetadata {
    /// Parses the document and checks it for the MCP endpoint `server_url`.
    ///
    /// # Errors
    /// [`AuthError::BadDocument`] / [`AuthError::TooLarge`] for a malformed document;
    /// [`AuthError::ResourceMismatch`] when `resource` does not cover `server_url` (RFC 9728
    /// §3.3: a client MUST NOT use metadata for another resource — it could be an
    /// impersonation); [`AuthError::NoAuthorizationServer`] without `authorization_servers`.
    pub fn parse(body: &[u8], server_url: &str) -> Result<Self, AuthError> {
        const W: &str = "protected resource metadata";
        let m = object(body, W)?;
        let resource = string(&m, "resource", W)?.ok_or(AuthError::BadDocument {
            what: W,
            why: "no `resource`",
        })?;
        if !resource_covers(&resource, server_url) {
            return Err(AuthError::ResourceMismatch {
                resource,
                server: server_url.to_string(),
            });
        }
        let authorization_servers = strings(&m, "authorization_servers", W)?.unwrap_or_default();
        if authorization_servers.is_empty() {
            return Err(AuthError::NoAuthorizationServer);
        }
        Ok(Self {
            resource,
            authorization_servers,
            scopes_supported: strings(&m, "scopes_supported", W)?,
        })
    }
}

/// OAuth 2.0 Authorization Server Metadata (RFC 8414 §2), the members a client uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerMetadata {
    /// `issuer`.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: Option<String>,
    /// `registration_endpoint` (RFC 7591).
    pub registration_endpoint: Option<String>,
    /// `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
    /// `grant_types_supported`.
    pub grant_types_supported: Option<Vec<String>>,
    /// `code_challenge_methods_supported` (RFC 7636 via RFC 8414 §2).
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported` (absent means `client_secret_basic`).
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
    pub iss_parameter_supported: bool,
    /// `client_id_metadata_document_supported` (Client ID Metadata Documents).
    pub client_id_metadata_document_supported: bool,
    /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1).
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
}

impl ServerMetadata {
    /// Parses a metadata document fetched for `issuer`.
    ///
    /// # Errors
    /// [`AuthError::BadDocument`] / [`AuthError::TooLarge`];
    /// [`AuthError::IssuerMismatch`] when its `issuer` is not identical to the issuer the
    /// well-known URL was built from (RFC 8414 §3.3, OpenID Connect Discovery §4.3: the
    /// client MUST NOT use the metadata).
    pub fn parse(body: &[u8], issuer: &str) -> Result<Self, AuthError> {
        Self::parse_checked(body, issuer, false)
    }

    /// [`ServerMetadata::parse`] for the 2025-03-26 discovery, where the client knows no
    /// issuer, only the MCP server's origin (2025-03-26 authorization §2.3.2, "the
    /// authorization base URL"): `same_origin` also accepts an `issuer` on that origin
    /// (e.g. `https://mcp.example.com/oauth`), since the MCP server itself serves the
    /// document. The document's `issuer` is then the one recorded for RFC 9207.
    ///
    /// # Errors
    /// As [`ServerMetadata::parse`].
    pub fn parse_checked(body: &[u8], issuer: &str, same_origin: bool) -> Result<Self, AuthError> {
        const W: &str = "authorization server metadata";
        let m = object(body, W)?;
        let got = string(&m, "issuer", W)?.ok_or(AuthError::BadDocument {
            what: W,
            why: "no `issuer`",
        })?;
        let on_origin = || {
            got.strip_prefix(issuer)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if got != issuer && !(same_origin && on_origin()) {
            return Err(AuthError::IssuerMismatch {
                expected: issuer.to_string(),
                got,
            });
        }
        let url = |k: &str| -> Result<Option<String>, AuthError> {
            match string(&m, k, W)? {
                Some(u) if Url::parse(&u).is_none() => Err(AuthError::BadDocument {
                    what: W,
                    why: "an endpoint is not an absolute http(s) URL",
                }),
                u => Ok(u),
            }
        };
        let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
        Ok(Self {
            authorization_endpoint: url("authorization_endpoint")?,
            token_endpoint: url("token_endpoint")?,
            registration_endpoint: url("registration_endpoint")?,
            scopes_supported: strings(&m, "scopes_supported", W)?,
            grant_types_supported: strings(&m, "grant_types_supported", W)?,
            code_challenge_methods_supported: strings(&m, "code_challenge_methods_supported", W)?,
            token_endpoint_auth_methods_supported: strings(
                &m,
                "token_endpoint_auth_methods_supported",
                W,
            )?,
            iss_parameter_supported: flag("authorization_response_iss_parameter_supported"),
            client_id_metadata_document_supported: flag("client_id_metadata_document_supported"),
            dpop_signing_alg_values_supported: strings(&m, "dpop_signing_alg_values_supported", W)?,
            issuer: got,
        })
    }

    /// The 2025-03-26 defaults for a server without metadata (2025-03-26 authorization
    /// §2.3.3 "Fallbacks for Servers without Metadata Discovery"): `/authorize`, `/token`
    /// and `/register` at the MCP server's origin.
    pub fn fallback(origin: &str) -> Self {
        let at = |p: &str| Some(alloc::format!("{origin}{p}"));
        Self {
            issuer: origin.to_string(),
            authorization_endpoint: at("/authorize"),
            token_endpoint: at("/token"),
            registration_endpoint: at("/register"),
            code_challenge_methods_supported: Some(alloc::vec!["S256".to_string()]),
            ..Self::default()
        }
    }

    /// Whether `S256` PKCE is advertised (2025-11-25 security §"Authorization Code
    /// Protection": without `code_challenge_methods_supported` the client MUST refuse).
    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| m.iter().any(|x| x == "S256"))
    }

    /// Whether `scope` is in `scopes_supported`.
    pub fn supports_scope(&self, scope: &str) -> bool {
        self.scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x == scope))
    }

    /// Whether DPoP proofs signed with `alg` are accepted (RFC 9449 §5.1; `none` never is).
    pub fn supports_dpop_alg(&self, alg: &str) -> bool {
        alg != "none"
            && self
                .dpop_signing_alg_values_supported
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == alg))
    }

    /// Whether token endpoint auth `method` is allowed (absent list: `client_secret_basic`
    /// only, RFC 8414 §2).
    pub fn supports_auth_method(&self, method: &str) -> bool {
        match &self.token_endpoint_auth_methods_supported {
            Some(m) => m.iter().any(|x| x == method),
            None => method == "client_secret_basic",
        }
    }
}

/// The well-known URLs to try for `issuer`, in the order 2025-11-25 authorization
/// §"Authorization Server Metadata Discovery" prescribes (RFC 8414 §3.1 and §5).
pub fn server_metadata_urls(issuer: &str) -> Option<Vec<String>> {
    let u = Url::parse(issuer)?;
    let path = u.trimmed_path();
    Some(if path.is_empty() {
        alloc::vec![
            u.well_known("oauth-authorization-server"),
            u.well_known("openid-configuration"),
        ]
    } else {
        alloc::vec![
            u.well_known("oauth-authorization-server"),
            u.well_known("openid-configuration"),
            alloc::format!("{}{}/.well-known/openid-configuration", u.origin(), path),
        ]
    })
}

/// The well-known Protected Resource Metadata URLs for the MCP endpoint `server_url`:
/// the path-aware one, then the root (2025-11-25 authorization §"Protected Resource
/// Metadata Discovery Requirements", RFC 9728 §3.1).
pub fn resource_metadata_urls(server_url: &str) -> Option<Vec<String>> {
    let u = Url::parse(server_url)?;
    let mut v = Vec::with_capacity(2);
    if !u.trimmed_path().is_empty() {
        v.push(u.well_known("oauth-protected-resource"));
    }
    v.push(alloc::format!(
        "{}/.well-known/oauth-protected-resource",
        u.origin()
    ));
    Some(v)
}

/// A client registration: what the authorization server knows the client by.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientCredentials {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, for a confidential client.
    pub client_secret: Option<String>,
    /// `token_endpoint_auth_method` the registration fixed, if any.
    pub auth_method: Option<String>,
}

impl ClientCredentials {
    /// Credentials with an id and an optional secret.
    pub fn new(client_id: impl Into<String>, client_secret: Option<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            auth_method: None,
        }
    }

    /// Parses a registration response (RFC 7591 §3.2.1).
    ///
    /// # Errors
    /// [`AuthError::BadDocument`] without `client_id`.
    pub fn parse_registration(body: &[u8]) -> Result<Self, AuthError> {
        const W: &str = "client registration response";
        let m = object(body, W)?;
        Ok(Self {
            client_id: string(&m, "client_id", W)?
                .filter(|s| !s.is_empty())
                .ok_or(AuthError::BadDocument {
                    what: W,
                    why: "no `client_id`",
                })?,
            client_secret: string(&m, "client_secret", W)?,
            auth_method: string(&m, "token_endpoint_auth_method", W)?,
        })
    }
}

/// Tokens from a token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tokens {
    /// `access_token`.
    pub access_token: String,
    /// `token_type` (`Bearer`).
    pub token_type: String,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
    /// When it expires (Unix seconds), if the server said and the client knew the time.
    pub expires_at: Option<u64>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope` granted, if the server said.
    pub scope: Option<String>,
    /// The issuer of the authorization server that issued them.
    pub issuer: String,
}

impl Tokens {
    /// Whether the token is DPoP-bound (`token_type` DPoP, RFC 9449 §5).
    pub fn is_dpop(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("dpop")
    }

    /// Parses a successful token response from `issuer`.
    ///
    /// # Errors
    /// [`AuthError::BadDocument`] without `access_token`, or a `token_type` other than
    /// `Bearer` (compared case-insensitively, RFC 6749 §5.1).
    pub fn parse(body: &[u8], issuer: &str) -> Result<Self, AuthError> {
        const W: &str = "token response";
        let m = object(body, W)?;
        let access_token = string(&m, "access_token", W)?
            .filter(|t| !t.is_empty() && t.bytes().all(|b| (0x21..0x7f).contains(&b)))
            .ok_or(AuthError::BadDocument {
                what: W,
                why: "no usable `access_token`",
            })?;
        let token_type = string(&m, "token_type", W)?.unwrap_or_else(|| "Bearer".to_string());
        if !token_type.eq_ignore_ascii_case("bearer") && !token_type.eq_ignore_ascii_case("dpop") {
            return Err(AuthError::BadDocument {
                what: W,
                why: "`token_type` is neither Bearer nor DPoP",
            });
        }
        Ok(Self {
            access_token,
            token_type,
            expires_in: m.get("expires_in").and_then(Value::as_u64),
            expires_at: None,
            refresh_token: string(&m, "refresh_token", W)?,
            scope: string(&m, "scope", W)?,
            issuer: issuer.to_string(),
        })
    }
}

/// The token of a token exchange response (RFC 8693 §2.2.1): `access_token`, checked to be
/// of the requested `issued_token_type`.
///
/// # Errors
/// [`AuthError::BadDocument`] without a token or with another type.
pub fn exchanged_token(body: &[u8], token_type: &str) -> Result<String, AuthError> {
    const W: &str = "token exchange response";
    let m = object(body, W)?;
    if string(&m, "issued_token_type", W)?.as_deref() != Some(token_type) {
        return Err(AuthError::BadDocument {
            what: W,
            why: "not the requested issued_token_type",
        });
    }
    string(&m, "access_token", W)?
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::BadDocument {
            what: W,
            why: "no `access_token`",
        })
}

/// An error response of the token or registration endpoint (RFC 6749 §5.2): `error` and
/// `error_description`, when the body says.
pub(crate) fn error_response(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(m) = object(body, "error response") else {
        return (None, None);
    };
    let get = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(256).collect())
    };
    (get("error"), get("error_description"))
}
