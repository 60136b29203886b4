//! The flow on canned responses shaped like the spec's examples.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::url::decode_form;
use super::*;

const SERVER: &str = "https://mcp.example.com/mcp";
const AS: &str = "https://auth.example.com";
const CB: &str = "http://127.0.0.1:3000/callback";

fn client(config: AuthConfig) -> OAuthClient<MemoryStore> {
    OAuthClient::new(
        config,
        MemoryStore::default(),
        Box::new(|b: &mut [u8]| b.fill(9)),
    )
}

fn send(c: &mut OAuthClient<MemoryStore>) -> HttpRequest {
    match c.poll_action() {
        Some(Action::Send(r)) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn prm(scopes: Option<&str>) -> String {
    let mut v = serde_json::json!({"resource": SERVER, "authorization_servers": [AS]});
    if let Some(s) = scopes {
        v["scopes_supported"] = s.split(' ').collect::<Vec<_>>().into();
    }
    v.to_string()
}

fn as_meta(extra: serde_json::Value) -> String {
    let mut v = serde_json::json!({
        "issuer": AS,
        "authorization_endpoint": "https://auth.example.com/authorize",
        "token_endpoint": "https://auth.example.com/token",
        "registration_endpoint": "https://auth.example.com/register",
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

fn query(url: &str) -> Vec<(String, String)> {
    decode_form(url.split_once('?').unwrap().1).unwrap()
}

fn q<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Runs discovery + DCR up to the authorization URL.
fn to_authorize(c: &mut OAuthClient<MemoryStore>, meta: &str) -> Vec<(String, String)> {
    c.handle_challenge(
        401,
        Some(r#"Bearer resource_metadata="https://mcp.example.com/prm", scope="files:read""#),
    )
    .unwrap();
    assert_eq!(send(c).url, "https://mcp.example.com/prm");
    c.handle_response(200, prm(Some("a b")).as_bytes()).unwrap();
    assert_eq!(
        send(c).url,
        "https://auth.example.com/.well-known/oauth-authorization-server"
    );
    c.handle_response(200, meta.as_bytes()).unwrap();
    let reg = send(c);
    assert_eq!(reg.url, "https://auth.example.com/register");
    let body: serde_json::Value = serde_json::from_slice(&reg.body).unwrap();
    assert_eq!(body["redirect_uris"][0], CB);
    assert_eq!(body["application_type"], "native");
    assert_eq!(body["grant_types"][1], "refresh_token");
    c.handle_response(201, br#"{"client_id":"cid","client_secret":"sec"}"#)
        .unwrap();
    match c.poll_action() {
        Some(Action::Authorize(u)) => {
            assert!(u.starts_with("https://auth.example.com/authorize?"));
            query(&u)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn full_authorization_code_flow() {
    let mut c = client(AuthConfig::new(SERVER, CB));
    assert!(c.authorization_header().is_none());
    let meta = as_meta(serde_json::json!({
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "scopes_supported": ["files:read", "offline_access"],
    }));
    let p = to_authorize(&mut c, &meta);
    assert_eq!(q(&p, "response_type"), Some("code"));
    assert_eq!(q(&p, "client_id"), Some("cid"));
    assert_eq!(q(&p, "code_challenge_method"), Some("S256"));
    assert_eq!(q(&p, "resource"), Some(SERVER));
    // The challenge's scope wins over scopes_supported; offline_access since listed.
    assert_eq!(q(&p, "scope"), Some("files:read offline_access"));
    let state = q(&p, "state").unwrap().to_string();
    let challenge = q(&p, "code_challenge").unwrap().to_string();
    let cb = alloc::format!("{CB}?code=abc&state={state}&iss=https%3A%2F%2Fauth.example.com");
    c.handle_redirect(&cb).unwrap();
    let t = send(&mut c);
    assert_eq!(t.url, "https://auth.example.com/token");
    let f = decode_form(core::str::from_utf8(&t.body).unwrap()).unwrap();
    assert_eq!(q(&f, "grant_type"), Some("authorization_code"));
    assert_eq!(q(&f, "code"), Some("abc"));
    assert_eq!(q(&f, "resource"), Some(SERVER));
    assert_eq!(q(&f, "client_secret"), Some("sec"));
    let verifier = q(&f, "code_verifier").unwrap();
    let expected = Pkce::from_random(&[9; 32]);
    assert_eq!(verifier, expected.verifier);
    assert_eq!(challenge, expected.challenge);
    c.handle_response(
        200,
        br#"{"access_token":"tok","token_type":"bearer","expires_in":60,"refresh_token":"r1"}"#,
    )
    .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
    assert_eq!(c.authorization_header().as_deref(), Some("Bearer tok"));
    c.request_succeeded();
    // Expired: a 401 uses the refresh token first.
    c.handle_challenge(401, Some("Bearer error=\"invalid_token\""))
        .unwrap();
    let r = send(&mut c);
    let f = decode_form(core::str::from_utf8(&r.body).unwrap()).unwrap();
    assert_eq!(q(&f, "grant_type"), Some("refresh_token"));
    assert_eq!(q(&f, "refresh_token"), Some("r1"));
    assert_eq!(q(&f, "resource"), Some(SERVER));
    c.handle_response(200, br#"{"access_token":"tok2","token_type":"Bearer"}"#)
        .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
    assert_eq!(c.tokens().unwrap().refresh_token.as_deref(), Some("r1"));
    // Ahead of expiry: refresh_due once the clock is known, refresh() renews.
    c.set_unix_time(1_000);
    assert!(
        !c.refresh_due(1_000, 30),
        "tok2 came without the time known"
    );
    c.refresh().unwrap();
    let _ = send(&mut c);
    c.handle_response(
        200,
        br#"{"access_token":"tok3","token_type":"Bearer","expires_in":100}"#,
    )
    .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
    assert_eq!(c.tokens().unwrap().expires_at, Some(1_100));
    assert!(!c.refresh_due(1_050, 30));
    assert!(c.refresh_due(1_071, 30));
    c.refresh().unwrap();
    assert_eq!(c.refresh(), Err(AuthError::Unexpected));
}

#[test]
fn issuer_checks_of_rfc9207() {
    for (advertised, iss, ok) in [
        (true, Some("https://auth.example.com"), true),
        (true, None, false),
        (false, None, true),
        (false, Some("https://evil.example.com"), false),
        (true, Some("https://auth.example.com/"), false),
        (true, Some("HTTPS://auth.example.com"), false),
    ] {
        let mut c = client(AuthConfig::new(SERVER, CB));
        let meta = as_meta(serde_json::json!({
            "authorization_response_iss_parameter_supported": advertised,
        }));
        let p = to_authorize(&mut c, &meta);
        let mut cb = alloc::format!("{CB}?code=abc&state={}", q(&p, "state").unwrap());
        if let Some(i) = iss {
            cb.push_str("&iss=");
            url::encode_component(&mut cb, i);
        }
        let r = c.handle_redirect(&cb);
        assert_eq!(r.is_ok(), ok, "{advertised} {iss:?} {r:?}");
        assert_eq!(c.poll_action().is_some(), ok);
    }
}

#[test]
fn state_and_redirect_checks() {
    let mut c = client(AuthConfig::new(SERVER, CB));
    to_authorize(&mut c, &as_meta(serde_json::json!({})));
    assert_eq!(
        c.handle_redirect(&alloc::format!("{CB}?code=abc&state=forged")),
        Err(AuthError::StateMismatch)
    );
    let mut c = client(AuthConfig::new(SERVER, CB));
    let p = to_authorize(&mut c, &as_meta(serde_json::json!({})));
    let s = q(&p, "state").unwrap();
    assert!(matches!(
        c.handle_redirect(&alloc::format!(
            "http://127.0.0.1:3000/other?code=a&state={s}"
        )),
        Err(AuthError::Malformed(_))
    ));
    let mut c = client(AuthConfig::new(SERVER, CB));
    let p = to_authorize(&mut c, &as_meta(serde_json::json!({})));
    let s = q(&p, "state").unwrap();
    assert_eq!(
        c.handle_redirect(&alloc::format!("{CB}?error=access_denied&state={s}")),
        Err(AuthError::AuthorizationDenied {
            error: "access_denied".to_string()
        })
    );
    assert_eq!(c.handle_redirect(CB), Err(AuthError::Unexpected));
}

#[test]
fn discovery_fallbacks_and_refusals() {
    // No header: path-aware PRM, then root, then 2025-03-26 origin metadata, then defaults.
    let mut c = client(AuthConfig::new(SERVER, CB));
    c.handle_challenge(401, None).unwrap();
    for u in [
        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        "https://mcp.example.com/.well-known/oauth-protected-resource",
        "https://mcp.example.com/.well-known/oauth-authorization-server",
        "https://mcp.example.com/.well-known/openid-configuration",
    ] {
        assert_eq!(send(&mut c).url, u);
        c.handle_response(404, b"").unwrap();
    }
    assert_eq!(send(&mut c).url, "https://mcp.example.com/register");
    c.handle_response(201, br#"{"client_id":"x"}"#).unwrap();
    let Some(Action::Authorize(u)) = c.poll_action() else {
        panic!()
    };
    assert!(u.starts_with("https://mcp.example.com/authorize?"));
    assert_eq!(q(&query(&u), "resource"), Some(SERVER));
    assert_eq!(q(&query(&u), "scope"), None);

    // 2025-03-26: the origin's metadata may name an issuer on the same origin; only there.
    let doc = |iss: &str| {
        serde_json::json!({"issuer": iss, "authorization_endpoint": "https://mcp.example.com/oauth/authorize",
            "token_endpoint": "https://mcp.example.com/oauth/token", "code_challenge_methods_supported": ["S256"]})
        .to_string()
    };
    let origin = "https://mcp.example.com";
    for (iss, ok) in [
        ("https://mcp.example.com/oauth", true),
        ("https://mcp.example.com", true),
        ("https://mcp.example.com.evil.net", false),
        ("https://other.example.com/oauth", false),
    ] {
        assert_eq!(
            ServerMetadata::parse_checked(doc(iss).as_bytes(), origin, true).is_ok(),
            ok,
            "{iss}"
        );
    }
    assert!(
        ServerMetadata::parse(doc("https://mcp.example.com/oauth").as_bytes(), origin).is_err()
    );

    // Issuer with a path: the three URLs in order.
    assert_eq!(
        metadata::server_metadata_urls("https://auth.example.com/tenant1").unwrap(),
        [
            "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
            "https://auth.example.com/.well-known/openid-configuration/tenant1",
            "https://auth.example.com/tenant1/.well-known/openid-configuration",
        ]
    );

    // A PRM for another resource stops the flow.
    let mut c = client(AuthConfig::new(SERVER, CB));
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    let evil =
        br#"{"resource":"https://evil.example.com/mcp","authorization_servers":["https://a"]}"#;
    assert!(matches!(
        c.handle_response(200, evil),
        Err(AuthError::ResourceMismatch { .. })
    ));
    assert!(c.poll_action().is_none());

    // Metadata whose issuer differs from the one asked for is not used.
    let mut c = client(AuthConfig::new(SERVER, CB));
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    let poisoned = as_meta(serde_json::json!({"issuer": "https://attacker.example"}));
    assert!(matches!(
        c.handle_response(200, poisoned.as_bytes()),
        Err(AuthError::IssuerMismatch { .. })
    ));
    assert!(c.poll_action().is_none());

    // No S256: refuse.
    let mut c = client(AuthConfig::new(SERVER, CB));
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    let plain = as_meta(serde_json::json!({"code_challenge_methods_supported": ["plain"]}));
    assert_eq!(
        c.handle_response(200, plain.as_bytes()),
        Err(AuthError::PkceUnsupported)
    );
}

#[test]
fn step_up_union_and_retry_limit() {
    let mut config = AuthConfig::new(SERVER, CB);
    config.pre_registered = Some(ClientCredentials::new("pre", Some("s".to_string())));
    config.pre_registered_issuer = Some(AS.to_string());
    let mut c = client(config);
    let mut scopes = Vec::new();
    for (status, header) in [
        (401, r#"Bearer scope="mcp:basic""#),
        (
            403,
            r#"Bearer error="insufficient_scope", scope="mcp:write""#,
        ),
        (
            403,
            r#"Bearer error="insufficient_scope", scope="mcp:write""#,
        ),
    ] {
        c.handle_challenge(status, Some(header)).unwrap();
        let _ = send(&mut c);
        c.handle_response(200, prm(None).as_bytes()).unwrap();
        let _ = send(&mut c);
        c.handle_response(200, as_meta(serde_json::json!({})).as_bytes())
            .unwrap();
        // Pre-registered: no registration request.
        let Some(Action::Authorize(u)) = c.poll_action() else {
            panic!()
        };
        let p = query(&u);
        assert_eq!(q(&p, "client_id"), Some("pre"));
        scopes.push(q(&p, "scope").unwrap().to_string());
        let cb = alloc::format!("{CB}?code=c&state={}", q(&p, "state").unwrap());
        c.handle_redirect(&cb).unwrap();
        let t = send(&mut c);
        // No auth methods listed: client_secret_basic (RFC 8414 §2 default).
        assert!(
            t.headers.iter().any(|(k, v)| *k == "Authorization"
                && v == &alloc::format!("Basic {}", pkce::b64(b"pre:s")))
        );
        c.handle_response(200, br#"{"access_token":"t","token_type":"Bearer"}"#)
            .unwrap();
        assert_eq!(c.poll_action(), Some(Action::Authorized));
    }
    assert_eq!(
        scopes,
        ["mcp:basic", "mcp:basic mcp:write", "mcp:basic mcp:write"]
    );
    assert_eq!(
        c.handle_challenge(403, Some(r#"Bearer error="insufficient_scope""#)),
        Err(AuthError::RetryLimit)
    );
    // A 403 that is not about scope is not for OAuth to fix.
    let mut c = client(AuthConfig::new(SERVER, CB));
    assert_eq!(
        c.handle_challenge(403, None),
        Err(AuthError::Forbidden(403))
    );
}

#[test]
fn registrations_are_bound_to_their_issuer() {
    let mut config = AuthConfig::new(SERVER, CB);
    config.pre_registered = Some(ClientCredentials::new("pre", None));
    config.pre_registered_issuer = Some("https://other.example.com".to_string());
    config.client_metadata_url = Some("https://app.example.com/client.json".to_string());
    let mut c = client(config);
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    // CIMD advertised: the URL is the client id; the pre-registration is for another AS.
    let meta = as_meta(serde_json::json!({"client_id_metadata_document_supported": true}));
    c.handle_response(200, meta.as_bytes()).unwrap();
    let Some(Action::Authorize(u)) = c.poll_action() else {
        panic!()
    };
    assert_eq!(
        q(&query(&u), "client_id"),
        Some("https://app.example.com/client.json")
    );
}

#[test]
fn client_credentials_grant() {
    let mut config = AuthConfig::new(SERVER, CB);
    config.grant = Grant::ClientCredentials;
    config.pre_registered = Some(ClientCredentials::new("svc", Some("pw".to_string())));
    let mut c = client(config);
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(Some("mcp:basic")).as_bytes())
        .unwrap();
    let _ = send(&mut c);
    let meta = as_meta(
        serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}),
    );
    c.handle_response(200, meta.as_bytes()).unwrap();
    let t = send(&mut c);
    let f = decode_form(core::str::from_utf8(&t.body).unwrap()).unwrap();
    assert_eq!(q(&f, "grant_type"), Some("client_credentials"));
    assert_eq!(q(&f, "scope"), Some("mcp:basic"));
    assert_eq!(q(&f, "resource"), Some(SERVER));
    assert_eq!(
        c.handle_response(400, br#"{"error":"invalid_client"}"#),
        Err(AuthError::TokenRefused {
            status: 400,
            error: Some("invalid_client".to_string()),
            description: None
        })
    );
}

#[test]
fn bad_documents_are_typed_errors() {
    assert!(matches!(
        ResourceMetadata::parse(b"[]", SERVER),
        Err(AuthError::BadDocument { .. })
    ));
    assert_eq!(
        ResourceMetadata::parse(br#"{"resource":"https://mcp.example.com/mcp"}"#, SERVER),
        Err(AuthError::NoAuthorizationServer)
    );
    let big = alloc::vec![b' '; metadata::MAX_DOCUMENT_LEN + 1];
    assert!(matches!(
        ServerMetadata::parse(&big, AS),
        Err(AuthError::TooLarge(_))
    ));
    assert!(
        ServerMetadata::parse(
            br#"{"issuer":"https://auth.example.com","token_endpoint":"/token"}"#,
            AS
        )
        .is_err()
    );
    assert!(Tokens::parse(br#"{"access_token":"a","token_type":"mac"}"#, AS).is_err());
    assert!(Tokens::parse(br#"{"token_type":"Bearer"}"#, AS).is_err());
    assert!(ClientCredentials::parse_registration(br#"{"client_id":""}"#).is_err());
}

/// A signer that "signs" with a fixed tag, so the assertion's parts can be checked.
struct TagSigner;

impl JwtSigner for TagSigner {
    fn alg(&self) -> &str {
        "ES256"
    }
    fn sign(&mut self, input: &[u8]) -> Vec<u8> {
        let mut v = b"sig:".to_vec();
        v.extend_from_slice(&input[..4]);
        v
    }
}

fn b64_json(part: &str) -> serde_json::Value {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

#[test]
fn private_key_jwt_and_jwt_bearer() {
    // client_credentials with private_key_jwt (RFC 7523 §2.2, §3).
    let mut config = AuthConfig::new(SERVER, CB);
    config.grant = Grant::ClientCredentials;
    config.pre_registered = Some(ClientCredentials::new("svc", None));
    let mut c = client(config);
    c.set_signer(Box::new(TagSigner));
    c.set_unix_time(1_000);
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    let meta =
        as_meta(serde_json::json!({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}));
    c.handle_response(200, meta.as_bytes()).unwrap();
    let t = send(&mut c);
    let f = decode_form(core::str::from_utf8(&t.body).unwrap()).unwrap();
    assert_eq!(
        q(&f, "client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let jwt: Vec<&str> = q(&f, "client_assertion").unwrap().split('.').collect();
    assert_eq!(jwt.len(), 3);
    assert_eq!(b64_json(jwt[0])["alg"], "ES256");
    let claims = b64_json(jwt[1]);
    assert_eq!(claims["iss"], "svc");
    assert_eq!(claims["sub"], "svc");
    assert_eq!(claims["aud"], AS);
    assert_eq!(claims["exp"], 1_300);
    assert!(!t.headers.iter().any(|(k, _)| *k == "Authorization"));

    // The RFC 7523 §2.1 grant with the workload's JWT.
    let mut config = AuthConfig::new(SERVER, CB);
    config.grant = Grant::JwtBearer;
    config.assertion = Some("eyJ.a.b".to_string());
    config.pre_registered = Some(ClientCredentials::new("wl", None));
    let mut c = client(config);
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    let meta = as_meta(serde_json::json!({"token_endpoint_auth_methods_supported": ["none"]}));
    c.handle_response(200, meta.as_bytes()).unwrap();
    let f = decode_form(core::str::from_utf8(&send(&mut c).body).unwrap()).unwrap();
    assert_eq!(
        q(&f, "grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert_eq!(q(&f, "assertion"), Some("eyJ.a.b"));
    assert_eq!(q(&f, "client_id"), Some("wl"));
    // Refused: surfaced, no other grant tried.
    assert!(matches!(
        c.handle_response(400, br#"{"error":"invalid_grant"}"#),
        Err(AuthError::TokenRefused { .. })
    ));
    assert!(c.poll_action().is_none());
}

#[test]
fn dpop_binding_and_nonces() {
    // A counter for randomness, so each proof's jti differs.
    let mut n = 0u8;
    let mut c = OAuthClient::new(
        AuthConfig::new(SERVER, CB),
        MemoryStore::default(),
        Box::new(move |b: &mut [u8]| {
            n = n.wrapping_add(1);
            b.fill(n);
        }),
    );
    let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AQ"});
    c.set_dpop(Box::new(TagSigner), jwk.clone());
    c.set_unix_time(50);
    let meta = as_meta(serde_json::json!({"dpop_signing_alg_values_supported": ["ES256"]}));
    let p = to_authorize(&mut c, &meta);
    c.handle_redirect(&alloc::format!(
        "{CB}?code=x&state={}",
        q(&p, "state").unwrap()
    ))
    .unwrap();
    // RFC 9449 §4.2: the token request carries a proof for POST at the token endpoint.
    let t = send(&mut c);
    let proof = |r: &HttpRequest| {
        let v = &r.headers.iter().find(|(k, _)| *k == "DPoP").unwrap().1;
        let parts: Vec<&str> = v.split('.').collect();
        (b64_json(parts[0]), b64_json(parts[1]))
    };
    let (h, claims) = proof(&t);
    assert_eq!(h["typ"], "dpop+jwt");
    assert_eq!(h["jwk"], jwk);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://auth.example.com/token");
    assert_eq!(claims["iat"], 50);
    assert!(claims.get("nonce").is_none());
    // §8: use_dpop_nonce → the same request again with the server's nonce in a new proof.
    c.handle_dpop_nonce("n-as");
    c.handle_response(400, br#"{"error":"use_dpop_nonce"}"#)
        .unwrap();
    let t2 = send(&mut c);
    assert_eq!(t2.body, t.body);
    let (_, claims2) = proof(&t2);
    assert_eq!(claims2["nonce"], "n-as");
    assert_ne!(claims2["jti"], claims["jti"]);
    c.handle_response(200, br#"{"access_token":"at","token_type":"DPoP"}"#)
        .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
    // §7.1: the DPoP scheme and a proof per request with ath = BASE64URL(SHA-256(token)).
    assert_eq!(c.authorization_header().as_deref(), Some("DPoP at"));
    let v = c
        .dpop_proof("POST", "https://mcp.example.com/mcp?x=1")
        .unwrap();
    let claims = b64_json(v.split('.').nth(1).unwrap());
    assert_eq!(claims["htu"], "https://mcp.example.com/mcp");
    {
        use sha2::Digest as _;
        assert_eq!(claims["ath"], pkce::b64url(&sha2::Sha256::digest(b"at")));
    }
    // §9: the MCP server asks for its nonce; the token is kept, the request retried.
    c.request_succeeded();
    c.handle_dpop_nonce("n-rs");
    c.handle_challenge(401, Some(r#"DPoP error="use_dpop_nonce""#))
        .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
    assert_eq!(c.authorization_header().as_deref(), Some("DPoP at"));
    let v = c.dpop_proof("POST", SERVER).unwrap();
    assert_eq!(b64_json(v.split('.').nth(1).unwrap())["nonce"], "n-rs");

    // A DPoP token without a key of ours is refused; so is a server without our algorithm.
    assert!(
        Tokens::parse(br#"{"access_token":"a","token_type":"DPoP"}"#, AS)
            .unwrap()
            .is_dpop()
    );
    let mut c = client(AuthConfig::new(SERVER, CB));
    let p = to_authorize(&mut c, &as_meta(serde_json::json!({})));
    c.handle_redirect(&alloc::format!(
        "{CB}?code=x&state={}",
        q(&p, "state").unwrap()
    ))
    .unwrap();
    let t = send(&mut c);
    assert!(!t.headers.iter().any(|(k, _)| *k == "DPoP"));
    assert!(matches!(
        c.handle_response(200, br#"{"access_token":"a","token_type":"DPoP"}"#),
        Err(AuthError::BadDocument { .. })
    ));
}

#[test]
fn identity_assertion_grant() {
    let mut config = AuthConfig::new(SERVER, CB);
    config.grant = Grant::IdentityAssertion;
    config.pre_registered = Some(ClientCredentials::new("app", Some("pw".to_string())));
    let mut idp = IdentityProvider::new("https://idp.example.com/token", "id.tok.en");
    idp.client_id = Some("idp-app".to_string());
    config.identity_provider = Some(idp);
    let mut c = client(config);
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(Some("mcp:basic")).as_bytes())
        .unwrap();
    let _ = send(&mut c);
    let meta = as_meta(
        serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}),
    );
    c.handle_response(200, meta.as_bytes()).unwrap();
    // RFC 8693 §2.1 at the identity provider.
    let x = send(&mut c);
    assert_eq!(x.url, "https://idp.example.com/token");
    let f = decode_form(core::str::from_utf8(&x.body).unwrap()).unwrap();
    assert_eq!(
        q(&f, "grant_type"),
        Some("urn:ietf:params:oauth:grant-type:token-exchange")
    );
    assert_eq!(
        q(&f, "requested_token_type"),
        Some("urn:ietf:params:oauth:token-type:id-jag")
    );
    assert_eq!(
        q(&f, "subject_token_type"),
        Some("urn:ietf:params:oauth:token-type:id_token")
    );
    assert_eq!(q(&f, "subject_token"), Some("id.tok.en"));
    assert_eq!(q(&f, "audience"), Some(AS));
    assert_eq!(q(&f, "resource"), Some(SERVER));
    assert_eq!(q(&f, "client_id"), Some("idp-app"));
    // Another token type than asked for is refused.
    let mut c2 = client(AuthConfig::new(SERVER, CB));
    c2.handle_challenge(401, None).unwrap();
    assert!(metadata::exchanged_token(br#"{"access_token":"x","issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}"#, "urn:ietf:params:oauth:token-type:id-jag").is_err());
    // The ID-JAG goes to the authorization server as a JWT bearer grant, client authenticated.
    c.handle_response(
        200,
        br#"{"access_token":"j.a.g","issued_token_type":"urn:ietf:params:oauth:token-type:id-jag","token_type":"N_A"}"#,
    )
    .unwrap();
    let t = send(&mut c);
    assert_eq!(t.url, "https://auth.example.com/token");
    let f = decode_form(core::str::from_utf8(&t.body).unwrap()).unwrap();
    assert_eq!(
        q(&f, "grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert_eq!(q(&f, "assertion"), Some("j.a.g"));
    assert_eq!(q(&f, "scope"), Some("mcp:basic"));
    assert!(t.headers.iter().any(|(k, _)| *k == "Authorization"));
    c.handle_response(200, br#"{"access_token":"at","token_type":"Bearer"}"#)
        .unwrap();
    assert_eq!(c.poll_action(), Some(Action::Authorized));
}

#[test]
fn native_app_custom_scheme_redirect() {
    let cb = "com.example.app:/oauth/cb";
    let mut c = client(AuthConfig::new(SERVER, cb));
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, as_meta(serde_json::json!({})).as_bytes())
        .unwrap();
    let reg = send(&mut c);
    let body: serde_json::Value = serde_json::from_slice(&reg.body).unwrap();
    assert_eq!(body["application_type"], "native");
    c.handle_response(201, br#"{"client_id":"n"}"#).unwrap();
    let Some(Action::Authorize(u)) = c.poll_action() else {
        panic!()
    };
    let state = q(&query(&u), "state").unwrap().to_string();
    // Another app's scheme is refused; ours goes on to the token request.
    assert!(matches!(
        c.handle_redirect(&alloc::format!(
            "com.evil.app:/oauth/cb?code=x&state={state}"
        )),
        Err(AuthError::Malformed(_))
    ));
    let mut c = client(AuthConfig::new(SERVER, cb));
    c.handle_challenge(401, None).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, prm(None).as_bytes()).unwrap();
    let _ = send(&mut c);
    c.handle_response(200, as_meta(serde_json::json!({})).as_bytes())
        .unwrap();
    let _ = send(&mut c);
    c.handle_response(201, br#"{"client_id":"n"}"#).unwrap();
    let Some(Action::Authorize(u)) = c.poll_action() else {
        panic!()
    };
    let state = q(&query(&u), "state").unwrap().to_string();
    c.handle_redirect(&alloc::format!("{cb}?code=x&state={state}#"))
        .unwrap();
    assert_eq!(send(&mut c).url, "https://auth.example.com/token");
}
