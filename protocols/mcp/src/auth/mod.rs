//! OAuth 2.1 client for MCP's authorization spec (2025-11-25 and 2026-07-28
//! `basic/authorization`), sans-IO.
//!
//! [`OAuthClient`] turns a `401`/`403` from an MCP server into the requests that get a token:
//! Protected Resource Metadata discovery (RFC 9728), authorization server metadata (RFC 8414,
//! OpenID Connect Discovery), client registration (pre-registered, Client ID Metadata
//! Document, or RFC 7591), the authorization code grant with PKCE `S256` (RFC 7636),
//! resource indicators (RFC 8707), issuer checks (RFC 9207), refresh and
//! `client_credentials` token requests. It sends nothing itself: it hands out
//! [`HttpRequest`]s and, for the user's consent, the authorization URL
//! ([`Action::Authorize`]); the application performs them and feeds the answers back.
//!
//! ```text
//!  401/403 + WWW-Authenticate ─▶ handle_challenge ─┐
//!  HTTP answers ───────────────▶ handle_response ──┤   ┌▶ poll_action: Send(HttpRequest)
//!  redirect (callback URL) ────▶ handle_redirect ──┴──▶┤              Authorize(url)
//!                                                      └              Authorized / Failed
//!  authorization_header() ─▶ "Bearer …" on every MCP request
//! ```
//!
//! The driving loop (the application's HTTP and browser stand behind `send` and `open`):
//!
//! ```
//! use fasterapi_mcp::auth::{Action, AuthConfig, MemoryStore, OAuthClient};
//!
//! let config = AuthConfig::new("https://mcp.example.com/mcp", "http://127.0.0.1:3000/callback");
//! let mut oauth = OAuthClient::new(config, MemoryStore::default(), Box::new(|b: &mut [u8]| b.fill(7)));
//! // The MCP server answered 401.
//! oauth.handle_challenge(401, Some(r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#))?;
//! match oauth.poll_action() {
//!     Some(Action::Send(req)) => {
//!         assert_eq!(req.method, "GET");
//!         assert_eq!(req.url, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
//!         // … send it, then: oauth.handle_response(status, &headers, &body)
//!     }
//!     other => unreachable!("{other:?}"),
//! }
//! # Ok::<(), fasterapi_mcp::auth::AuthError>(())
//! ```
//!
//! Sizes are bounded: `WWW-Authenticate` values to [`challenge::MAX_HEADER_LEN`], JSON
//! documents to [`metadata::MAX_DOCUMENT_LEN`]; authorization attempts per operation to
//! [`AuthConfig::max_attempts`] (default 3).

pub mod challenge;
mod flow;
pub mod jwt;
pub mod metadata;
mod pkce;
mod store;
mod url;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use challenge::{BearerChallenge, Challenge, parse_www_authenticate};
pub use flow::{Action, AuthConfig, Grant, IdentityProvider, OAuthClient, RandomSource};
pub use jwt::JwtSigner;
pub use metadata::{ClientCredentials, ResourceMetadata, ServerMetadata, Tokens};
pub use pkce::Pkce;
pub use store::{CredentialStore, MemoryStore};

/// One HTTP request the application sends for the OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Header fields (`Host` and `Content-Length` are the caller's).
    pub headers: Vec<(&'static str, String)>,
    /// The body (empty for `GET`).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `GET` of `url` without header fields (e.g. the authorization URL, for a driver that
    /// plays the user agent).
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: "GET",
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// Why authorization failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    // ----- malformed peer input -----
    /// A header or URL that does not parse.
    Malformed(&'static str),
    /// A JSON document (metadata, registration, token response) that is unusable.
    BadDocument {
        /// Which document.
        what: &'static str,
        /// What is wrong.
        why: &'static str,
    },
    /// A document or header over its size limit.
    TooLarge(&'static str),
    // ----- the peer misbehaved (security checks) -----
    /// The Protected Resource Metadata names another resource (RFC 9728 §3.3).
    ResourceMismatch {
        /// The metadata's `resource`.
        resource: String,
        /// The MCP endpoint.
        server: String,
    },
    /// The authorization server metadata's `issuer` differs from the issuer it was fetched
    /// for (RFC 8414 §3.3).
    IssuerMismatch {
        /// The issuer used to build the well-known URL.
        expected: String,
        /// The document's `issuer`.
        got: String,
    },
    /// The authorization response's `iss` is missing where required, or differs from the
    /// recorded issuer (RFC 9207 §2.4).
    IssuerCheck(&'static str),
    /// The authorization response's `state` is not the one sent (RFC 6749 §10.12).
    StateMismatch,
    // ----- incompatible peer -----
    /// The Protected Resource Metadata lists no authorization server.
    NoAuthorizationServer,
    /// No Protected Resource Metadata and no authorization server metadata were found.
    DiscoveryFailed,
    /// The authorization server does not advertise PKCE `S256` (MUST refuse).
    PkceUnsupported,
    /// The authorization server metadata lacks an endpoint the flow needs.
    MissingEndpoint(&'static str),
    /// No way to get a client id: nothing pre-registered for this server, no Client ID
    /// Metadata Document support, no registration endpoint.
    NoRegistration,
    /// The registration endpoint refused (RFC 7591 §3.2.2).
    RegistrationFailed {
        /// The HTTP status.
        status: u16,
        /// The `error` code, if given.
        error: Option<String>,
    },
    /// The authorization server answered the redirect with an error (RFC 6749 §4.1.2.1).
    AuthorizationDenied {
        /// The `error` code.
        error: String,
    },
    /// The token endpoint refused (RFC 6749 §5.2).
    TokenRefused {
        /// The HTTP status.
        status: u16,
        /// The `error` code, if given.
        error: Option<String>,
        /// `error_description`, if given (at most 256 characters).
        description: Option<String>,
    },
    /// A `403` that is not `insufficient_scope`, or a challenge without a `Bearer` scheme.
    Forbidden(u16),
    /// Authorization kept failing for this operation ([`AuthConfig::max_attempts`]).
    RetryLimit,
    // ----- local misuse -----
    /// An input the machine was not waiting for (e.g. a redirect with no authorization
    /// in progress).
    Unexpected,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(w) => write!(f, "malformed: {w}"),
            Self::BadDocument { what, why } => write!(f, "bad {what}: {why}"),
            Self::TooLarge(w) => write!(f, "{w} over its size limit"),
            Self::ResourceMismatch { resource, server } => write!(
                f,
                "protected resource metadata is for {resource:?}, not for {server:?}"
            ),
            Self::IssuerMismatch { expected, got } => write!(
                f,
                "authorization server metadata has issuer {got:?}, fetched for {expected:?}"
            ),
            Self::IssuerCheck(w) => write!(f, "authorization response issuer check: {w}"),
            Self::StateMismatch => f.write_str("authorization response state does not match"),
            Self::NoAuthorizationServer => {
                f.write_str("protected resource metadata lists no authorization server")
            }
            Self::DiscoveryFailed => f.write_str("no authorization server metadata found"),
            Self::PkceUnsupported => {
                f.write_str("authorization server does not advertise PKCE S256")
            }
            Self::MissingEndpoint(e) => write!(f, "authorization server metadata lacks {e}"),
            Self::NoRegistration => f.write_str("no client registration possible"),
            Self::RegistrationFailed { status, error } => {
                write!(f, "client registration failed: {status} {error:?}")
            }
            Self::AuthorizationDenied { error } => write!(f, "authorization denied: {error}"),
            Self::TokenRefused {
                status,
                error,
                description,
            } => write!(
                f,
                "token request refused: {status} {error:?} {description:?}"
            ),
            Self::Forbidden(s) => write!(f, "HTTP {s} that authorization cannot fix"),
            Self::RetryLimit => f.write_str("authorization retry limit reached"),
            Self::Unexpected => f.write_str("input not expected in this state"),
        }
    }
}

impl core::error::Error for AuthError {}

#[cfg(test)]
mod tests;
