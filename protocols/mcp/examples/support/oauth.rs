//! The conformance client's OAuth driver: runs `fasterapi_mcp::auth::OAuthClient` over std
//! sockets (the suite's authorization servers are plain `http` on localhost) and plays the
//! user agent — the authorization URL is fetched with a `GET` and its redirect's `Location`
//! is the callback (the suite's authorization endpoint consents at once).
//!
//! What the suite gives a scenario (`MCP_CONFORMANCE_CONTEXT`, JSON): `client_id` and
//! `client_secret` (pre-registered credentials; with `issuer`, bound to that authorization
//! server), used as the pre-registration; `private_key_pem` (an ES256 key for
//! `private_key_jwt`); `valid_jwt` (a workload JWT: the JWT bearer grant); `idp_token_endpoint`
//! / `idp_id_token` / `idp_client_id` (enterprise-managed authorization). For
//! `auth/client-credentials-*` the grant is `client_credentials`. Every run has a fresh P-256
//! DPoP key, used where the authorization server takes ES256 proofs. The Client ID Metadata
//! Document URL is the suite's fixed one, as in its reference clients.

use fasterapi_mcp::auth::{
    Action, AuthConfig, ClientCredentials, Grant, HttpRequest, IdentityProvider, JwtSigner,
    MemoryStore, OAuthClient, metadata::MAX_DOCUMENT_LEN,
};
use fasterapi_mcp::http_client::{HttpClient, Post};
use serde_json::Value;

use super::http_session::{Authorizer, exchange, field};

/// The Client ID Metadata Document URL the suite expects (`auth/basic-cimd`).
const CIMD_URL: &str = "https://conformance-test.local/client-metadata.json";
/// The loopback redirect (never listened on: the redirect is read from `Location`).
const REDIRECT_URI: &str = "http://localhost:3000/callback";
/// The most steps of one authorization (requests, redirect), against a looping server.
const MAX_STEPS: usize = 32;

/// The conformance client's OAuth: the machine and what it needs between requests.
struct ConformanceAuth {
    oauth: OAuthClient<MemoryStore>,
    /// A key the suite gave that does not load: every authorization fails with it.
    signer_error: Option<String>,
    /// The body of the request last refused, to count attempts per operation.
    last: Option<Vec<u8>>,
}

/// The `Session::auth` of the conformance client for the MCP endpoint `server_url`.
pub(crate) fn authorizer(server_url: &str, scenario: &str) -> Box<dyn Authorizer> {
    let ctx: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(Value::Null);
    let mut config = AuthConfig::new(server_url, REDIRECT_URI);
    config.client_name = "fasterapi-mcp-conformance-client".into();
    config.client_metadata_url = Some(CIMD_URL.into());
    if let Some(id) = ctx["client_id"].as_str() {
        let secret = ctx["client_secret"].as_str().map(String::from);
        config.pre_registered = Some(ClientCredentials::new(id, secret));
        config.pre_registered_issuer = ctx["issuer"].as_str().map(String::from);
    }
    if scenario.starts_with("auth/client-credentials") {
        config.grant = Grant::ClientCredentials;
    }
    // An enterprise identity provider's ID token: token exchange, then the JWT bearer grant.
    if let (Some(endpoint), Some(id_token)) = (
        ctx["idp_token_endpoint"].as_str(),
        ctx["idp_id_token"].as_str(),
    ) {
        let mut idp = IdentityProvider::new(endpoint, id_token);
        idp.client_id = ctx["idp_client_id"].as_str().map(String::from);
        config.grant = Grant::IdentityAssertion;
        config.identity_provider = Some(idp);
    }
    // A workload JWT: the RFC 7523 grant (workload identity federation).
    if let Some(jwt) = ctx["valid_jwt"].as_str() {
        config.grant = Grant::JwtBearer;
        config.assertion = Some(jwt.into());
    }
    let mut oauth = OAuthClient::with_os_random(config, MemoryStore::default());
    let mut signer_error = None;
    if let Some(pem) = ctx["private_key_pem"].as_str() {
        match Es256::from_pem(pem) {
            Ok(k) => oauth.set_signer(Box::new(k)),
            Err(e) => signer_error = Some(e),
        }
    }
    // A fresh P-256 key for DPoP (RFC 9449), used where the authorization server takes ES256.
    match Es256::generate() {
        Ok((k, jwk)) => oauth.set_dpop(Box::new(k), jwk),
        Err(e) => signer_error = Some(e),
    }
    Box::new(ConformanceAuth {
        oauth,
        signer_error,
        last: None,
    })
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Authorizer for ConformanceAuth {
    fn unauthorized(
        &mut self,
        http: &mut HttpClient,
        post: &Post,
        status: u16,
        www: Option<&str>,
        dpop_nonce: Option<&str>,
    ) -> Result<(), String> {
        // Attempts are counted per operation: another request starts a new count.
        if self.last.as_deref() != Some(post.body.as_slice()) {
            self.oauth.request_succeeded();
            self.last = Some(post.body.clone());
        }
        if let Some(e) = &self.signer_error {
            return Err(e.clone());
        }
        self.oauth.set_unix_time(unix_now());
        if let Some(n) = dpop_nonce {
            self.oauth.handle_dpop_nonce(n);
        }
        self.oauth
            .handle_challenge(status, www)
            .map_err(|e| format!("authorization: {e}"))?;
        run(&mut self.oauth)?;
        http.set_authorization(self.oauth.authorization_header());
        Ok(())
    }

    fn request_headers(&mut self, method: &str, url: &str) -> Vec<(&'static str, String)> {
        self.oauth.set_unix_time(unix_now());
        self.oauth
            .dpop_proof(method, url)
            .map(|p| ("DPoP", p))
            .into_iter()
            .collect()
    }
}

/// Performs the machine's actions until it is authorized.
fn run(oauth: &mut OAuthClient<MemoryStore>) -> Result<(), String> {
    for _ in 0..MAX_STEPS {
        match oauth.poll_action() {
            Some(Action::Send(req)) => {
                let (status, _, nonce, body) = fetch(&req)?;
                if let Some(n) = nonce {
                    oauth.handle_dpop_nonce(&n);
                }
                oauth
                    .handle_response(status, &body)
                    .map_err(|e| format!("authorization: {e}"))?;
            }
            Some(Action::Authorize(url)) => {
                let (status, location, _, _) = fetch(&HttpRequest::get(url))?;
                let location =
                    location.ok_or_else(|| format!("authorization endpoint answered {status}"))?;
                oauth
                    .handle_redirect(&location)
                    .map_err(|e| format!("authorization: {e}"))?;
            }
            Some(Action::Authorized) => return Ok(()),
            Some(other) => return Err(format!("unhandled OAuth action {other:?}")),
            None => return Err("the OAuth flow stalled".into()),
        }
    }
    Err("the OAuth flow took too many steps".into())
}

/// An answer: status, `Location`, `DPoP-Nonce`, body.
type Answer = (u16, Option<String>, Option<String>, Vec<u8>);

/// One request of the flow (the body read up to the document limit).
fn fetch(req: &HttpRequest) -> Result<Answer, String> {
    let rest = req
        .url
        .strip_prefix("http://")
        .ok_or_else(|| format!("this driver speaks plain http only: {}", req.url))?;
    let (addr, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let headers: Vec<(&str, String)> = req.headers.iter().map(|(k, v)| (*k, v.clone())).collect();
    let mut status = 0;
    let mut location = None;
    let mut nonce = None;
    let mut body = Vec::new();
    exchange(
        addr,
        target,
        req.method,
        &headers,
        &req.body,
        &mut |r| {
            status = r.status;
            location = field(r, "location");
            nonce = field(r, "dpop-nonce");
            Ok(())
        },
        &mut |d| {
            if body.len() + d.len() > MAX_DOCUMENT_LEN {
                return Err(format!(
                    "{} answered more than {MAX_DOCUMENT_LEN} bytes",
                    req.url
                ));
            }
            body.extend_from_slice(d);
            Ok(())
        },
    )?;
    Ok((status, location, nonce, body))
}

/// ES256 with `ring` over a PKCS#8 key from PEM (the suite's `private_key_pem`).
struct Es256 {
    key: ring::signature::EcdsaKeyPair,
    rng: ring::rand::SystemRandom,
}

impl Es256 {
    fn from_pem(pem: &str) -> Result<Self, String> {
        use base64::Engine as _;
        let b64: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| format!("private key PEM: {e}"))?;
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der,
            &rng,
        )
        .map_err(|e| format!("private key: {e}"))?;
        Ok(Self { key, rng })
    }

    /// A new key and its public JWK (RFC 7518 §6.2.1: `x`, `y` from the uncompressed point).
    fn generate() -> Result<(Self, Value), String> {
        use base64::Engine as _;
        use ring::signature::KeyPair as _;
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .map_err(|e| format!("DPoP key: {e}"))?;
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
            .map_err(|e| format!("DPoP key: {e}"))?;
        let point = key.public_key().as_ref();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let jwk = serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64.encode(&point[1..33]),
            "y": b64.encode(&point[33..65]),
        });
        Ok((Self { key, rng }, jwk))
    }
}

impl JwtSigner for Es256 {
    fn alg(&self) -> &str {
        "ES256"
    }
    fn sign(&mut self, input: &[u8]) -> Vec<u8> {
        self.key
            .sign(&self.rng, input)
            .map(|s| s.as_ref().to_vec())
            .unwrap_or_default()
    }
}
