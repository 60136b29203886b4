//! The authorization state machine: challenge → discovery → registration → authorization
//! → token, one HTTP request in flight at a time.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::challenge::{BearerChallenge, parse_www_authenticate};
use super::jwt::JwtSigner;
use super::metadata::{
    ClientCredentials, ResourceMetadata, ServerMetadata, Tokens, error_response,
    resource_metadata_urls, server_metadata_urls,
};
use super::pkce::{Pkce, b64, b64url};
use super::store::CredentialStore;
use super::url::{Url, canonical_resource, decode_form, encode_component, encode_form};
use super::{AuthError, HttpRequest, metadata};

/// Which grant gets the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// The authorization code grant with PKCE, on behalf of a user (OAuth 2.1 §4.1).
    AuthorizationCode,
    /// The client on its own behalf (OAuth 2.1 §4.2; MCP's `oauth-client-credentials`
    /// extension), with pre-registered credentials.
    ClientCredentials,
    /// A JWT the workload already holds, exchanged for a token (RFC 7523 §2.1; MCP's
    /// workload identity federation extension): [`AuthConfig::assertion`].
    JwtBearer,
    /// Enterprise-managed authorization (MCP's extension, the Identity Assertion
    /// Authorization Grant draft): the user's ID token is exchanged at the enterprise
    /// identity provider for an ID-JAG (RFC 8693 token exchange), which the authorization
    /// server takes as a JWT bearer grant (RFC 7523 §2.1): [`AuthConfig::identity_provider`].
    IdentityAssertion,
}

/// The enterprise identity provider of [`Grant::IdentityAssertion`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IdentityProvider {
    /// Its token endpoint (RFC 8693 token exchange).
    pub token_endpoint: String,
    /// The user's ID token from it (the `subject_token`).
    pub id_token: String,
    /// This client's id at the identity provider, sent as `client_id`.
    pub client_id: Option<String>,
}

impl IdentityProvider {
    /// An identity provider at `token_endpoint` that issued `id_token`.
    pub fn new(token_endpoint: impl Into<String>, id_token: impl Into<String>) -> Self {
        Self {
            token_endpoint: token_endpoint.into(),
            id_token: id_token.into(),
            client_id: None,
        }
    }
}

/// What the client is and what it may do.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The MCP endpoint, e.g. `https://mcp.example.com/mcp`.
    pub server_url: String,
    /// Where the authorization server sends the user back (the application listens there).
    pub redirect_uri: String,
    /// `client_name` for registration.
    pub client_name: String,
    /// The `https` URL of this client's Client ID Metadata Document, if it has one.
    pub client_metadata_url: Option<String>,
    /// Pre-registered credentials (used first, 2025-11-25 client registration §"priority
    /// order").
    pub pre_registered: Option<ClientCredentials>,
    /// The issuer the pre-registered credentials belong to; they are never offered to
    /// another authorization server. `None`: any.
    pub pre_registered_issuer: Option<String>,
    /// The grant.
    pub grant: Grant,
    /// Ask for `offline_access` (a refresh token) when the authorization server lists it in
    /// `scopes_supported` (2025-11-25 authorization §"Refresh Tokens").
    pub offline_access: bool,
    /// The JWT for [`Grant::JwtBearer`].
    pub assertion: Option<String>,
    /// The identity provider for [`Grant::IdentityAssertion`].
    pub identity_provider: Option<IdentityProvider>,
    /// Authorization attempts per operation before [`AuthError::RetryLimit`] (the spec's
    /// step-up retry limit); reset by [`OAuthClient::request_succeeded`].
    pub max_attempts: u32,
}

impl AuthConfig {
    /// A public client for `server_url` that receives its redirect at `redirect_uri`.
    pub fn new(server_url: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            server_url: server_url.into(),
            redirect_uri: redirect_uri.into(),
            client_name: "fasterapi-mcp".to_string(),
            client_metadata_url: None,
            pre_registered: None,
            pre_registered_issuer: None,
            grant: Grant::AuthorizationCode,
            offline_access: true,
            max_attempts: 3,
            assertion: None,
            identity_provider: None,
        }
    }
}

/// What the application does next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Send this request; feed the answer to [`OAuthClient::handle_response`].
    Send(HttpRequest),
    /// Send the user agent to this authorization URL (open a browser); feed the URL it is
    /// redirected to (the `redirect_uri` with `code`, `state`, `iss`) to
    /// [`OAuthClient::handle_redirect`].
    Authorize(String),
    /// A token is ready: retry the MCP request with [`OAuthClient::authorization_header`].
    Authorized,
}

/// Fills a buffer with cryptographically secure random bytes.
pub type RandomSource = Box<dyn FnMut(&mut [u8]) + Send>;

/// One authorization request in flight: what the response is checked against (2025-11-25
/// authorization §"Authorization Response Validation": the issuer is recorded with the
/// PKCE verifier and `state`).
#[derive(Debug)]
struct Outstanding {
    state: String,
    pkce: Pkce,
    issuer: String,
    iss_supported: bool,
}

#[derive(Debug)]
enum Pending {
    Resource {
        urls: Vec<String>,
        next: usize,
    },
    Server {
        urls: Vec<String>,
        next: usize,
    },
    Register,
    /// The token exchange at the identity provider (RFC 8693).
    Exchange,
    Authorize(Outstanding),
    /// `refresh`: the refresh token being used, if this is a refresh; `request`: the
    /// request without its DPoP proof, to send again with a nonce (RFC 9449 §8), once.
    Token {
        refresh: Option<String>,
        request: Option<HttpRequest>,
    },
}

/// The OAuth client of one MCP server. See the [module docs](super).
pub struct OAuthClient<S> {
    config: AuthConfig,
    store: S,
    random: RandomSource,
    actions: VecDeque<Action>,
    pending: Option<Pending>,
    /// `resource_metadata` of the last challenge.
    challenge_metadata: Option<String>,
    /// `scope` of the last challenge.
    challenge_scope: Option<Vec<String>>,
    /// The scopes of the last authorization request (step-up requests their union with the
    /// challenge's, 2025-11-25 authorization §"Step-Up Authorization Flow").
    requested: Vec<String>,
    resource_meta: Option<ResourceMetadata>,
    /// The RFC 8707 `resource` value.
    resource: String,
    /// The issuer chosen, and whether it came from 2025-03-26 fallback (no PRM).
    issuer: String,
    legacy: bool,
    server_meta: Option<ServerMetadata>,
    client: Option<ClientCredentials>,
    tokens: Option<Tokens>,
    attempts: u32,
    refreshed: bool,
    /// The DPoP key (RFC 9449): its signer and public JWK.
    dpop: Option<(Box<dyn JwtSigner + Send>, serde_json::Value)>,
    /// The last `DPoP-Nonce` of the token endpoint and of the MCP server (RFC 9449 §8, §9).
    as_nonce: Option<String>,
    rs_nonce: Option<String>,
    /// Signs `private_key_jwt` client assertions, when the client has a key.
    signer: Option<Box<dyn JwtSigner + Send>>,
    /// The wall clock (Unix seconds) for JWT `iat`/`exp`, as the application last said.
    unix_now: u64,
}

impl<S> fmt::Debug for OAuthClient<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("server_url", &self.config.server_url)
            .field("pending", &self.pending)
            .field("issuer", &self.issuer)
            .field("authorized", &self.tokens.is_some())
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

fn scopes(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|x| !x.is_empty())
        .take(metadata::MAX_LIST)
        .map(ToString::to_string)
        .collect()
}

fn get(url: String) -> HttpRequest {
    HttpRequest {
        method: "GET",
        url,
        headers: alloc::vec![("Accept", "application/json".to_string())],
        body: Vec::new(),
    }
}

impl<S: CredentialStore> OAuthClient<S> {
    /// A client for `config.server_url`, with the tokens `store` holds for it.
    pub fn new(config: AuthConfig, store: S, random: RandomSource) -> Self {
        let tokens = store.tokens(&config.server_url);
        Self {
            config,
            store,
            random,
            actions: VecDeque::new(),
            pending: None,
            challenge_metadata: None,
            challenge_scope: None,
            requested: Vec::new(),
            resource_meta: None,
            resource: String::new(),
            issuer: String::new(),
            legacy: false,
            server_meta: None,
            client: None,
            tokens,
            attempts: 0,
            refreshed: false,
            signer: None,
            unix_now: 0,
            dpop: None,
            as_nonce: None,
            rs_nonce: None,
        }
    }

    /// Binds tokens to a key with DPoP (RFC 9449) where the authorization server supports
    /// `signer`'s algorithm: `public_jwk` is the key's public JWK (RFC 7517), sent in every
    /// proof's header. MCP requests then need [`OAuthClient::dpop_proof`].
    pub fn set_dpop(&mut self, signer: Box<dyn JwtSigner + Send>, public_jwk: serde_json::Value) {
        self.dpop = Some((signer, public_jwk));
    }

    /// A `DPoP-Nonce` header field of the answer about to be handed to
    /// [`OAuthClient::handle_response`] (the token endpoint's, RFC 9449 §8) or to
    /// [`OAuthClient::handle_challenge`] / any MCP answer (the MCP server's, §9).
    pub fn handle_dpop_nonce(&mut self, nonce: &str) {
        let n = Some(nonce.chars().take(256).collect());
        if matches!(self.pending, Some(Pending::Token { .. })) {
            self.as_nonce = n;
        } else {
            self.rs_nonce = n;
        }
    }

    /// The `DPoP` header field for an MCP request (`method`, absolute `url`) when the token is
    /// DPoP-bound: a fresh proof with `ath` and the MCP server's nonce (RFC 9449 §4.2, §7.1).
    pub fn dpop_proof(&mut self, method: &str, url: &str) -> Option<String> {
        let token = self
            .tokens
            .as_ref()
            .filter(|t| t.is_dpop())?
            .access_token
            .clone();
        self.proof(method, url, Some(&token), self.rs_nonce.clone())
    }

    /// A DPoP proof JWT (RFC 9449 §4.2): `typ` dpop+jwt, the public `jwk`; `jti`, `htm`,
    /// `htu` (without query and fragment), `iat`, and `ath` / `nonce` when given.
    fn proof(
        &mut self,
        method: &str,
        url: &str,
        token: Option<&str>,
        nonce: Option<String>,
    ) -> Option<String> {
        let mut jti = [0u8; 16];
        (self.random)(&mut jti);
        let (signer, jwk) = self.dpop.as_mut()?;
        let htu = url.split(['?', '#']).next().unwrap_or(url);
        let mut claims = serde_json::json!({
            "jti": b64url(&jti),
            "htm": method,
            "htu": htu,
            "iat": self.unix_now,
        });
        if let Some(t) = token {
            use sha2::Digest as _;
            claims["ath"] = b64url(&sha2::Sha256::digest(t.as_bytes())).into();
        }
        if let Some(n) = nonce {
            claims["nonce"] = n.into();
        }
        let header = serde_json::json!({"typ": "dpop+jwt", "jwk": jwk});
        Some(super::jwt::sign(signer.as_mut(), header, &claims))
    }

    /// Authenticates at the token endpoint with `private_key_jwt` (RFC 7523 §2.2) signed by
    /// `signer`, when the authorization server allows it.
    pub fn set_signer(&mut self, signer: Box<dyn JwtSigner + Send>) {
        self.signer = Some(signer);
    }

    /// The current time in Unix seconds, for signed assertions (the machine reads no clock).
    pub fn set_unix_time(&mut self, secs: u64) {
        self.unix_now = secs;
    }

    /// A client drawing randomness from the operating system.
    #[cfg(feature = "std")]
    pub fn with_os_random(config: AuthConfig, store: S) -> Self {
        Self::new(
            config,
            store,
            Box::new(|b: &mut [u8]| getrandom::fill(b).expect("the OS random source works")),
        )
    }

    /// The `Authorization` header value for MCP requests (`Bearer …`; 2025-11-25
    /// authorization §"Token Requirements": on every request, never in the query).
    pub fn authorization_header(&self) -> Option<String> {
        self.tokens.as_ref().map(|t| {
            // RFC 9449 §7.1: a DPoP-bound token goes with the DPoP scheme.
            let scheme = if t.is_dpop() { "DPoP" } else { "Bearer" };
            alloc::format!("{scheme} {}", t.access_token)
        })
    }

    /// The current tokens.
    pub fn tokens(&self) -> Option<&Tokens> {
        self.tokens.as_ref()
    }

    /// The credential store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Whether a flow is under way.
    pub fn in_progress(&self) -> bool {
        self.pending.is_some()
    }

    /// The next thing to do, if any.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The MCP request went through with the token: the next `401`/`403` starts a new
    /// count of attempts.
    pub fn request_succeeded(&mut self) {
        self.attempts = 0;
        self.refreshed = false;
    }

    /// The MCP server answered `status` (`401` or `403`) with these `WWW-Authenticate`
    /// values (joined with `, ` when there are several fields). Starts (re-)authorization.
    ///
    /// # Errors
    /// [`AuthError::Forbidden`] for a `403` that is not `insufficient_scope` (RFC 6750 §3.1)
    /// or another status; [`AuthError::RetryLimit`] after [`AuthConfig::max_attempts`];
    /// [`AuthError::Malformed`] for a header that does not parse;
    /// [`AuthError::Unexpected`] while a flow is under way.
    pub fn handle_challenge(
        &mut self,
        status: u16,
        www_authenticate: Option<&str>,
    ) -> Result<(), AuthError> {
        if self.pending.is_some() {
            return Err(AuthError::Unexpected);
        }
        let bearer = match www_authenticate {
            Some(v) => BearerChallenge::from_challenges(&parse_www_authenticate(v)?),
            None => None,
        };
        // RFC 9449 §9: the MCP server wants its nonce in the proof; the token stays good.
        if status == 401
            && bearer.as_ref().and_then(|b| b.error.as_deref()) == Some("use_dpop_nonce")
            && self.rs_nonce.is_some()
            && self.tokens.as_ref().is_some_and(Tokens::is_dpop)
        {
            self.attempts += 1;
            if self.attempts > self.config.max_attempts {
                return Err(AuthError::RetryLimit);
            }
            self.actions.push_back(Action::Authorized);
            return Ok(());
        }
        match status {
            401 => {}
            403 if bearer
                .as_ref()
                .is_some_and(BearerChallenge::insufficient_scope) => {}
            s => return Err(AuthError::Forbidden(s)),
        }
        self.attempts += 1;
        if self.attempts > self.config.max_attempts {
            return Err(AuthError::RetryLimit);
        }
        let bearer = bearer.unwrap_or_default();
        self.challenge_scope = bearer.scope.as_deref().map(scopes);
        self.challenge_metadata = bearer.resource_metadata;
        // The token did not do: forget it (RFC 6750 §3.1 invalid_token / insufficient_scope).
        let old = self.tokens.take();
        self.store.save_tokens(&self.config.server_url, None);
        // An expired token is renewed with the refresh token first (OAuth 2.1 §4.3), once.
        if status == 401 && !self.refreshed {
            if let Some(old) = old {
                if self.start_refresh(&old)? {
                    self.refreshed = true;
                    return Ok(());
                }
            }
        }
        self.discover()
    }

    /// Whether the token expires within `margin` seconds of `unix_now` (known when the
    /// application set the time before it came: [`OAuthClient::set_unix_time`]) and can be
    /// refreshed: call [`OAuthClient::refresh`] before the next request.
    pub fn refresh_due(&self, unix_now: u64, margin: u64) -> bool {
        self.pending.is_none()
            && self.client.is_some()
            && self.tokens.as_ref().is_some_and(|t| {
                t.refresh_token.is_some()
                    && t.expires_at
                        .is_some_and(|at| unix_now.saturating_add(margin) >= at)
            })
    }

    /// Renews the token with its refresh token (OAuth 2.1 §4.3) ahead of its expiry; the
    /// answer comes as [`Action::Authorized`] (or, if the refresh token is refused, a new
    /// authorization starts).
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] without a refresh token, a known authorization server, or
    /// while a flow is under way.
    pub fn refresh(&mut self) -> Result<(), AuthError> {
        if self.pending.is_some() {
            return Err(AuthError::Unexpected);
        }
        let old = self.tokens.clone().ok_or(AuthError::Unexpected)?;
        if self.start_refresh(&old)? {
            Ok(())
        } else {
            Err(AuthError::Unexpected)
        }
    }

    /// Sends the refresh grant for `old` if it has a refresh token from the authorization
    /// server in use; `false` if it cannot.
    fn start_refresh(&mut self, old: &Tokens) -> Result<bool, AuthError> {
        let (Some(rt), Some(meta), Some(client)) = (
            old.refresh_token.clone(),
            self.server_meta.clone(),
            self.client.clone(),
        ) else {
            return Ok(false);
        };
        if old.issuer != meta.issuer {
            return Ok(false);
        }
        let fields = alloc::vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", rt.clone()),
            ("resource", self.resource.clone()),
        ];
        self.send_token(&meta, &client, fields, Some(rt))?;
        Ok(true)
    }

    /// Starts discovery: the challenge's `resource_metadata` first, then the well-known URIs
    /// (2025-11-25 authorization §"Protected Resource Metadata Discovery Requirements").
    fn discover(&mut self) -> Result<(), AuthError> {
        let mut urls = Vec::new();
        if let Some(u) = self.challenge_metadata.clone() {
            if Url::parse(&u).is_none() {
                return Err(AuthError::Malformed(
                    "resource_metadata is not an http(s) URL",
                ));
            }
            urls.push(u);
        }
        for u in resource_metadata_urls(&self.config.server_url).ok_or(AuthError::Malformed(
            "the MCP server URL is not an http(s) URL",
        ))? {
            if !urls.contains(&u) {
                urls.push(u);
            }
        }
        self.server_meta = None;
        self.client = None;
        self.resource_meta = None;
        self.send(get(urls[0].clone()), Pending::Resource { urls, next: 1 });
        Ok(())
    }

    fn send(&mut self, req: HttpRequest, pending: Pending) {
        self.pending = Some(pending);
        self.actions.push_back(Action::Send(req));
    }

    /// The answer to the last [`Action::Send`].
    ///
    /// # Errors
    /// The flow's failure (it is over): a security check that failed, a malformed document,
    /// a refusal. [`AuthError::Unexpected`] when no request was outstanding.
    pub fn handle_response(&mut self, status: u16, body: &[u8]) -> Result<(), AuthError> {
        let pending = self.pending.take().ok_or(AuthError::Unexpected)?;
        let ok = (200..300).contains(&status);
        match pending {
            Pending::Resource { urls, next } => {
                if ok {
                    let m = ResourceMetadata::parse(body, &self.config.server_url)?;
                    // RFC 9728 §7.6: the client picks; the first listed.
                    self.issuer = m.authorization_servers[0].clone();
                    self.resource = m.resource.clone();
                    self.resource_meta = Some(m);
                    self.legacy = false;
                    let urls = server_metadata_urls(&self.issuer).ok_or(AuthError::Malformed(
                        "authorization server is not an http(s) URL",
                    ))?;
                    self.send(get(urls[0].clone()), Pending::Server { urls, next: 1 });
                } else if let Some(u) = urls.get(next) {
                    self.send(
                        get(u.clone()),
                        Pending::Resource {
                            next: next + 1,
                            urls,
                        },
                    );
                } else {
                    // 2025-03-26 servers have no PRM: the authorization server is the MCP
                    // server's origin (2025-03-26 authorization §2.3.2).
                    let u = Url::parse(&self.config.server_url).ok_or(AuthError::Malformed(
                        "the MCP server URL is not an http(s) URL",
                    ))?;
                    self.issuer = u.origin();
                    self.resource = canonical_resource(&self.config.server_url).ok_or(
                        AuthError::Malformed("the MCP server URL is not an http(s) URL"),
                    )?;
                    self.legacy = true;
                    let urls = server_metadata_urls(&self.issuer).unwrap_or_default();
                    self.send(get(urls[0].clone()), Pending::Server { urls, next: 1 });
                }
            }
            Pending::Server { urls, next } => {
                if ok {
                    let m = ServerMetadata::parse_checked(body, &self.issuer, self.legacy)?;
                    self.issuer = m.issuer.clone();
                    return self.with_metadata(m);
                } else if let Some(u) = urls.get(next) {
                    self.send(
                        get(u.clone()),
                        Pending::Server {
                            next: next + 1,
                            urls,
                        },
                    );
                } else if self.legacy {
                    // 2025-03-26 authorization §2.3.3: the default endpoints.
                    return self.with_metadata(ServerMetadata::fallback(&self.issuer));
                } else {
                    return Err(AuthError::DiscoveryFailed);
                }
            }
            Pending::Exchange => {
                if !ok {
                    let (error, description) = error_response(body);
                    return Err(AuthError::TokenRefused {
                        status,
                        error,
                        description,
                    });
                }
                let jag = metadata::exchanged_token(body, ID_JAG)?;
                let meta = self.server_meta.clone().ok_or(AuthError::Unexpected)?;
                let client = self.client.clone().ok_or(AuthError::Unexpected)?;
                let mut fields = alloc::vec![
                    ("grant_type", JWT_BEARER.to_string()),
                    ("assertion", jag),
                    ("resource", self.resource.clone()),
                ];
                if !self.requested.is_empty() {
                    fields.push(("scope", self.requested.join(" ")));
                }
                return self.send_token(&meta, &client, fields, None);
            }
            Pending::Register => {
                if !ok {
                    let (error, _) = error_response(body);
                    return Err(AuthError::RegistrationFailed { status, error });
                }
                let c = ClientCredentials::parse_registration(body)?;
                self.store.save_client(&self.issuer, c.clone());
                self.client = Some(c);
                return self.proceed();
            }
            Pending::Token { refresh, request } => {
                let wants_nonce = !ok
                    && status == 400
                    && error_response(body).0.as_deref() == Some("use_dpop_nonce");
                if let (true, Some(mut req), Some(nonce)) =
                    (wants_nonce, request, self.as_nonce.clone())
                {
                    // RFC 9449 §8: the token endpoint wants its nonce in the proof.
                    let proof = self.proof("POST", &req.url, None, Some(nonce));
                    req.headers.extend(proof.map(|p| ("DPoP", p)));
                    self.send(
                        req,
                        Pending::Token {
                            refresh,
                            request: None,
                        },
                    );
                    return Ok(());
                }
                if !ok {
                    if refresh.is_some() {
                        // The refresh token is spent or revoked: authorize anew.
                        return self.discover();
                    }
                    let (error, description) = error_response(body);
                    return Err(AuthError::TokenRefused {
                        status,
                        error,
                        description,
                    });
                }
                let mut t = Tokens::parse(body, &self.issuer)?;
                if t.is_dpop() && self.dpop.is_none() {
                    return Err(AuthError::BadDocument {
                        what: "token response",
                        why: "a DPoP token without a DPoP key",
                    });
                }
                if t.refresh_token.is_none() {
                    // RFC 6749 §6: the old refresh token stays valid when no new one comes.
                    t.refresh_token = refresh;
                }
                if self.unix_now > 0 {
                    t.expires_at = t.expires_in.map(|e| self.unix_now.saturating_add(e));
                }
                self.store
                    .save_tokens(&self.config.server_url, Some(t.clone()));
                self.tokens = Some(t);
                self.actions.push_back(Action::Authorized);
            }
            p @ Pending::Authorize(_) => {
                self.pending = Some(p);
                return Err(AuthError::Unexpected);
            }
        }
        Ok(())
    }

    /// Checks the metadata for the grant, then gets a client id.
    fn with_metadata(&mut self, m: ServerMetadata) -> Result<(), AuthError> {
        if m.token_endpoint.is_none() {
            return Err(AuthError::MissingEndpoint("token_endpoint"));
        }
        if self.config.grant == Grant::AuthorizationCode {
            if m.authorization_endpoint.is_none() {
                return Err(AuthError::MissingEndpoint("authorization_endpoint"));
            }
            // 2025-11-25 security §"Authorization Code Protection": refuse without S256.
            if !m.supports_s256() {
                return Err(AuthError::PkceUnsupported);
            }
        }
        self.server_meta = Some(m.clone());
        // 2025-11-25 client registration §"priority order": pre-registered, then a
        // registration kept for this issuer, then CIMD, then DCR.
        let pre = self.config.pre_registered.clone().filter(|_| {
            self.config
                .pre_registered_issuer
                .as_ref()
                .is_none_or(|i| *i == self.issuer)
        });
        let cimd = self
            .config
            .client_metadata_url
            .clone()
            .filter(|_| m.client_id_metadata_document_supported)
            .map(|id| ClientCredentials {
                client_id: id,
                client_secret: None,
                auth_method: Some("none".to_string()),
            });
        if let Some(c) = pre.or_else(|| self.store.client(&self.issuer)).or(cimd) {
            self.client = Some(c);
            return self.proceed();
        }
        let Some(reg) = m.registration_endpoint.clone() else {
            return Err(AuthError::NoRegistration);
        };
        // RFC 7591 §2; `application_type` (OpenID Connect Registration, 2025-11-25 client
        // registration §"Application Type"); `refresh_token` among the grant types.
        let method = ["none", "client_secret_basic", "client_secret_post"]
            .into_iter()
            .find(|x| m.supports_auth_method(x))
            .unwrap_or("client_secret_basic");
        let grants: &[&str] = match self.config.grant {
            Grant::AuthorizationCode => &["authorization_code", "refresh_token"],
            Grant::ClientCredentials => &["client_credentials"],
            Grant::JwtBearer | Grant::IdentityAssertion => &[JWT_BEARER],
        };
        let body = serde_json::json!({
            "client_name": self.config.client_name,
            "redirect_uris": [self.config.redirect_uri],
            "grant_types": grants,
            "response_types": ["code"],
            "token_endpoint_auth_method": method,
            "application_type": native_or_web(&self.config.redirect_uri),
        });
        let req = HttpRequest {
            method: "POST",
            url: reg,
            headers: alloc::vec![
                ("Content-Type", "application/json".to_string()),
                ("Accept", "application/json".to_string()),
            ],
            body: body.to_string().into_bytes(),
        };
        self.send(req, Pending::Register);
        Ok(())
    }

    /// With metadata and a client id: the authorization request, or the token request of
    /// `client_credentials`.
    fn proceed(&mut self) -> Result<(), AuthError> {
        let meta = self.server_meta.clone().ok_or(AuthError::Unexpected)?;
        let client = self.client.clone().ok_or(AuthError::Unexpected)?;
        let scope = self.scope(&meta);
        self.requested = scope.clone();
        let scope = scope.join(" ");
        if self.config.grant == Grant::IdentityAssertion {
            // RFC 8693 §2.1 at the identity provider: the ID token for an ID-JAG whose
            // audience is this authorization server, for this resource.
            let idp = self
                .config
                .identity_provider
                .clone()
                .ok_or(AuthError::Unexpected)?;
            let mut fields = alloc::vec![
                ("grant_type", TOKEN_EXCHANGE.to_string()),
                ("requested_token_type", ID_JAG.to_string()),
                ("audience", self.issuer.clone()),
                ("resource", self.resource.clone()),
                ("subject_token", idp.id_token),
                ("subject_token_type", ID_TOKEN.to_string()),
            ];
            if !scope.is_empty() {
                fields.push(("scope", scope));
            }
            if let Some(id) = idp.client_id {
                fields.push(("client_id", id));
            }
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let req = HttpRequest {
                method: "POST",
                url: idp.token_endpoint,
                headers: alloc::vec![
                    (
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_string()
                    ),
                    ("Accept", "application/json".to_string()),
                ],
                body: encode_form(&pairs).into_bytes(),
            };
            self.send(req, Pending::Exchange);
            return Ok(());
        }
        let direct = match self.config.grant {
            Grant::ClientCredentials => Some(("grant_type", "client_credentials".to_string())),
            Grant::JwtBearer => Some(("grant_type", JWT_BEARER.to_string())),
            Grant::AuthorizationCode | Grant::IdentityAssertion => None,
        };
        if let Some(grant) = direct {
            let mut fields = alloc::vec![grant];
            if self.config.grant == Grant::JwtBearer {
                let a = self.config.assertion.clone().ok_or(AuthError::Unexpected)?;
                fields.push(("assertion", a));
            }
            fields.push(("resource", self.resource.clone()));
            if !scope.is_empty() {
                fields.push(("scope", scope));
            }
            return self.send_token(&meta, &client, fields, None);
        }
        let mut seed = [0u8; 48];
        (self.random)(&mut seed);
        let mut v = [0u8; 32];
        v.copy_from_slice(&seed[..32]);
        let pkce = Pkce::from_random(&v);
        let state = b64url(&seed[32..]);
        let endpoint = meta.authorization_endpoint.as_deref().unwrap_or_default();
        let mut url = String::from(endpoint);
        url.push(if endpoint.contains('?') { '&' } else { '?' });
        let mut pairs = alloc::vec![
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", state.as_str()),
            // RFC 8707 §2, 2025-11-25 authorization §"Resource Parameter Implementation".
            ("resource", self.resource.as_str()),
        ];
        if !scope.is_empty() {
            pairs.push(("scope", scope.as_str()));
        }
        url.push_str(&encode_form(&pairs));
        self.pending = Some(Pending::Authorize(Outstanding {
            state,
            pkce,
            issuer: self.issuer.clone(),
            iss_supported: meta.iss_parameter_supported,
        }));
        self.actions.push_back(Action::Authorize(url));
        Ok(())
    }

    /// The scopes to request (2025-11-25 authorization §"Scope Selection Strategy"): the
    /// challenge's (with those requested before, for step-up), else the PRM's
    /// `scopes_supported`, else none; plus `offline_access` when the server lists it.
    fn scope(&self, meta: &ServerMetadata) -> Vec<String> {
        let mut s = match &self.challenge_scope {
            Some(c) => {
                let mut u = self.requested.clone();
                for x in c {
                    if !u.contains(x) {
                        u.push(x.clone());
                    }
                }
                u
            }
            None if !self.requested.is_empty() => self.requested.clone(),
            None => self
                .resource_meta
                .as_ref()
                .and_then(|m| m.scopes_supported.clone())
                .unwrap_or_default(),
        };
        let offline = "offline_access";
        if self.config.offline_access
            && self.config.grant == Grant::AuthorizationCode
            && meta.supports_scope(offline)
            && !s.iter().any(|x| x == offline)
        {
            s.push(offline.to_string());
        }
        s
    }

    /// The redirect back from the authorization server: the callback URL with its query.
    ///
    /// # Errors
    /// [`AuthError::StateMismatch`], [`AuthError::IssuerCheck`] (RFC 9207 §2.4 — the code is
    /// then never sent), [`AuthError::AuthorizationDenied`], [`AuthError::Malformed`];
    /// [`AuthError::Unexpected`] without an authorization in progress.
    pub fn handle_redirect(&mut self, callback: &str) -> Result<(), AuthError> {
        let Some(Pending::Authorize(out)) = self.pending.take() else {
            return Err(AuthError::Unexpected);
        };
        // The redirect must come back to `redirect_uri` itself (any scheme: a native app's
        // custom scheme too), its parameters in the query (RFC 6749 §4.1.2).
        let rest = callback
            .strip_prefix(self.config.redirect_uri.as_str())
            .filter(|r| r.is_empty() || r.starts_with('?') || r.starts_with('#'))
            .ok_or(AuthError::Malformed(
                "redirect to another URL than redirect_uri",
            ))?;
        let query = rest.strip_prefix('?').unwrap_or("");
        let query = query.split('#').next().unwrap_or(query);
        if query.len() > metadata::MAX_DOCUMENT_LEN {
            return Err(AuthError::TooLarge("callback query"));
        }
        let params =
            decode_form(query).ok_or(AuthError::Malformed("callback query does not decode"))?;
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if param("state") != Some(out.state.as_str()) {
            return Err(AuthError::StateMismatch);
        }
        // RFC 9207 §2.4 and 2025-11-25 authorization §"Authorization Response Validation":
        // a present `iss` is compared by simple string comparison (no normalization); an
        // absent one is refused when the server advertised it. Before `error` is read.
        match param("iss") {
            Some(iss) if iss != out.issuer => {
                return Err(AuthError::IssuerCheck(
                    "iss differs from the recorded issuer",
                ));
            }
            None if out.iss_supported => {
                return Err(AuthError::IssuerCheck("iss missing although advertised"));
            }
            _ => {}
        }
        if let Some(e) = param("error") {
            return Err(AuthError::AuthorizationDenied {
                error: e.chars().take(256).collect(),
            });
        }
        let code = param("code")
            .filter(|c| !c.is_empty())
            .ok_or(AuthError::Malformed("callback without code"))?
            .to_string();
        let meta = self.server_meta.clone().ok_or(AuthError::Unexpected)?;
        let client = self.client.clone().ok_or(AuthError::Unexpected)?;
        let fields = alloc::vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.clone()),
            ("code_verifier", out.pkce.verifier),
            ("resource", self.resource.clone()),
        ];
        self.send_token(&meta, &client, fields, None)
    }

    /// A token request with the client's authentication (RFC 6749 §2.3.1: Basic with the
    /// form-encoded id and secret, or both in the body; a public client sends `client_id`).
    fn send_token(
        &mut self,
        meta: &ServerMetadata,
        client: &ClientCredentials,
        mut fields: Vec<(&'static str, String)>,
        refresh: Option<String>,
    ) -> Result<(), AuthError> {
        let url = meta
            .token_endpoint
            .clone()
            .ok_or(AuthError::MissingEndpoint("token_endpoint"))?;
        let method = match (&client.auth_method, &client.client_secret) {
            (Some(m), _) => m.as_str(),
            (None, None) if self.signer.is_some() && meta.supports_auth_method(PRIVATE_KEY_JWT) => {
                PRIVATE_KEY_JWT
            }
            (None, None) => "none",
            (None, Some(_)) => ["client_secret_basic", "client_secret_post", "none"]
                .into_iter()
                .find(|x| meta.supports_auth_method(x))
                .unwrap_or("client_secret_basic"),
        };
        let mut headers = alloc::vec![
            (
                "Content-Type",
                "application/x-www-form-urlencoded".to_string()
            ),
            ("Accept", "application/json".to_string()),
        ];
        let secret = client.client_secret.clone().unwrap_or_default();
        match method {
            "client_secret_basic" => {
                let mut pair = String::new();
                encode_component(&mut pair, &client.client_id);
                pair.push(':');
                encode_component(&mut pair, &secret);
                headers.push((
                    "Authorization",
                    alloc::format!("Basic {}", b64(pair.as_bytes())),
                ));
            }
            "client_secret_post" => {
                fields.push(("client_id", client.client_id.clone()));
                fields.push(("client_secret", secret));
            }
            PRIVATE_KEY_JWT => {
                let signer = self.signer.as_mut().ok_or(AuthError::NoRegistration)?;
                let mut jti = [0u8; 16];
                (self.random)(&mut jti);
                // RFC 7523 §3: iss = sub = client_id, aud = the authorization server.
                let claims = serde_json::json!({
                    "iss": client.client_id,
                    "sub": client.client_id,
                    "aud": meta.issuer,
                    "iat": self.unix_now,
                    "exp": self.unix_now + 300,
                    "jti": b64url(&jti),
                });
                let jwt =
                    super::jwt::sign(signer.as_mut(), serde_json::json!({"typ": "JWT"}), &claims);
                fields.push(("client_id", client.client_id.clone()));
                fields.push(("client_assertion_type", ASSERTION_TYPE.to_string()));
                fields.push(("client_assertion", jwt));
            }
            _ => fields.push(("client_id", client.client_id.clone())),
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut req = HttpRequest {
            method: "POST",
            url,
            headers,
            body: encode_form(&pairs).into_bytes(),
        };
        // RFC 9449 §5: a proof at the token endpoint binds the token to our key, when the
        // server says it takes our algorithm (§5.1 `dpop_signing_alg_values_supported`).
        let alg = self.dpop.as_ref().map(|(s, _)| s.alg().to_string());
        let mut retry = None;
        if alg.is_some_and(|a| meta.supports_dpop_alg(&a)) {
            retry = Some(req.clone());
            let proof = self.proof("POST", &req.url, None, self.as_nonce.clone());
            req.headers.extend(proof.map(|p| ("DPoP", p)));
        }
        self.send(
            req,
            Pending::Token {
                refresh,
                request: retry,
            },
        );
        Ok(())
    }
}

/// RFC 7523 §2.1.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// RFC 7523 §2.2.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const PRIVATE_KEY_JWT: &str = "private_key_jwt";
/// RFC 8693 §2.1.
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693 §3.
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// The Identity Assertion Authorization Grant's token type.
const ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";

/// `native` for a loopback redirect, `web` otherwise (2025-11-25 client registration
/// §"Application Type and Redirect URI Constraints").
fn native_or_web(redirect_uri: &str) -> &'static str {
    let host = Url::parse(redirect_uri).map(|u| {
        let a = u.authority;
        if a.starts_with('[') {
            a.split(']').next().unwrap_or(a).trim_start_matches('[')
        } else {
            a.split(':').next().unwrap_or(a)
        }
    });
    // A custom scheme (not http/https) is a native app's too.
    match host {
        Some("localhost" | "127.0.0.1" | "::1") | None => "native",
        Some(_) => "web",
    }
}
