//! The OAuth client and the HTTP client transport together, deterministically: an MCP
//! request meets `401`, the authorization flow runs on canned answers shaped like the
//! 2025-11-25 authorization spec's examples, the request is retried with the token; then a
//! `403 insufficient_scope` steps up with the union of scopes, and a server that never
//! accepts ends at the retry limit.

use core::time::Duration;

use fasterapi_core::Timestamp;
use fasterapi_mcp::auth::{Action, AuthConfig, AuthError, HttpRequest, MemoryStore, OAuthClient};
use fasterapi_mcp::http_client::{HttpClient, HttpClientError, Post};
use fasterapi_mcp::{ProtocolVersion, StdioClient};
use serde_json::json;

const SERVER: &str = "https://mcp.example.com/mcp";
const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const ISSUER: &str = "https://auth.example.com";
const REDIRECT: &str = "http://127.0.0.1:8976/callback";

/// The authorization server and the protected resource's metadata endpoint, as canned
/// answers to the machine's requests: (status, body).
fn answer(req: &HttpRequest, token_no: &mut u32) -> (u16, Vec<u8>) {
    let doc = match req.url.as_str() {
        PRM => json!({
            "resource": SERVER,
            "authorization_servers": [ISSUER],
            "scopes_supported": ["mcp:basic"],
        }),
        "https://auth.example.com/.well-known/oauth-authorization-server" => json!({
            "issuer": ISSUER,
            "authorization_endpoint": "https://auth.example.com/authorize",
            "token_endpoint": "https://auth.example.com/token",
            "registration_endpoint": "https://auth.example.com/register",
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "token_endpoint_auth_methods_supported": ["none"],
        }),
        "https://auth.example.com/register" => {
            assert_eq!(req.method, "POST");
            return (201, br#"{"client_id":"client-1"}"#.to_vec());
        }
        "https://auth.example.com/token" => {
            let body = core::str::from_utf8(&req.body).unwrap();
            assert!(body.contains("grant_type=authorization_code"), "{body}");
            assert!(body.contains("client_id=client-1"), "{body}");
            assert!(body.contains("code_verifier="), "{body}");
            assert!(
                body.contains("resource=https%3A%2F%2Fmcp.example.com%2Fmcp"),
                "{body}"
            );
            *token_no += 1;
            json!({"access_token": format!("tok-{token_no}"), "token_type": "Bearer"})
        }
        other => return (404, format!("no {other}").into_bytes()),
    };
    (200, doc.to_string().into_bytes())
}

/// The user agent: the authorization server consents and redirects with `code`, the same
/// `state` and its `iss`; returns the scopes that were asked for.
fn consent(url: &str) -> (String, String) {
    let query = url.split_once('?').unwrap().1;
    let get = |k: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(get("code_challenge_method"), "S256");
    let state = get("state");
    let cb = format!("{REDIRECT}?code=c0de&state={state}&iss=https%3A%2F%2Fauth.example.com");
    (cb, get("scope").replace("%20", " ").replace("%3A", ":"))
}

/// Runs the flow to a token; returns the scopes of the authorization request.
fn authorize(oauth: &mut OAuthClient<MemoryStore>, tokens: &mut u32) -> String {
    let mut scope = String::new();
    for _ in 0..16 {
        match oauth.poll_action() {
            Some(Action::Send(req)) => {
                let (status, body) = answer(&req, tokens);
                oauth.handle_response(status, &body).unwrap();
            }
            Some(Action::Authorize(url)) => {
                let (cb, s) = consent(&url);
                scope = s;
                oauth.handle_redirect(&cb).unwrap();
            }
            Some(Action::Authorized) => return scope,
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the flow did not end");
}

fn header<'a>(post: &'a Post, name: &str) -> Option<&'a str> {
    post.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn unauthorized_then_step_up_then_retry_limit() {
    let now = Timestamp::ZERO;
    let mut http = HttpClient::new(StdioClient::new(Duration::from_secs(5)));
    let mut oauth = OAuthClient::new(
        AuthConfig::new(SERVER, REDIRECT),
        MemoryStore::default(),
        Box::new(|b: &mut [u8]| {
            for (i, x) in b.iter_mut().enumerate() {
                *x = i as u8;
            }
        }),
    );
    let mut tokens = 0;
    http.client().initialize(
        now,
        ProtocolVersion::V2025_11_25,
        json!({}),
        json!({"name": "t", "version": "1"}),
    );

    // 1. No token: 401 pointing at the PRM.
    let post = http.poll_post(now).unwrap();
    assert_eq!(header(&post, "Authorization"), None);
    assert_eq!(
        http.handle_response_head(401, None, Some("application/json"))
            .err(),
        Some(HttpClientError::Unauthorized(401))
    );
    oauth
        .handle_challenge(401, Some(&format!(r#"Bearer resource_metadata="{PRM}""#)))
        .unwrap();
    // No scope in the challenge: the PRM's scopes_supported.
    assert_eq!(authorize(&mut oauth, &mut tokens), "mcp:basic");
    http.set_authorization(oauth.authorization_header());
    let body = post.body.clone();
    http.requeue(post);
    let retry = http.poll_post(now).unwrap();
    assert_eq!(retry.body, body);
    assert_eq!(header(&retry, "Authorization"), Some("Bearer tok-1"));

    // 2. A token without enough scope: 403 insufficient_scope asks for mcp:write.
    let challenge = format!(
        r#"Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="{PRM}""#
    );
    assert_eq!(
        http.handle_response_head(403, None, Some("application/json"))
            .err(),
        Some(HttpClientError::Unauthorized(403))
    );
    oauth.handle_challenge(403, Some(&challenge)).unwrap();
    assert!(oauth.authorization_header().is_none());
    // The union of what was asked before and what the challenge needs.
    assert_eq!(authorize(&mut oauth, &mut tokens), "mcp:basic mcp:write");
    http.set_authorization(oauth.authorization_header());
    http.requeue(retry);
    let retry = http.poll_post(now).unwrap();
    assert_eq!(header(&retry, "Authorization"), Some("Bearer tok-2"));

    // 3. The server keeps refusing: the third attempt for this operation is the last.
    oauth.handle_challenge(403, Some(&challenge)).unwrap();
    authorize(&mut oauth, &mut tokens);
    assert_eq!(
        oauth.handle_challenge(403, Some(&challenge)),
        Err(AuthError::RetryLimit)
    );
    assert_eq!(tokens, 3);

    // 4. A request that goes through resets the count.
    oauth.request_succeeded();
    oauth.handle_challenge(401, None).unwrap();
    authorize(&mut oauth, &mut tokens);
    assert_eq!(tokens, 4);
}

#[test]
fn forbidden_without_a_token_is_not_an_auth_challenge() {
    let mut http = HttpClient::new(StdioClient::new(Duration::from_secs(5)));
    // A 403 to a request without a token is the Origin check or similar, not OAuth's.
    assert_eq!(
        http.handle_response_head(403, None, Some("text/plain"))
            .err(),
        Some(HttpClientError::Status(403))
    );
    http.set_authorization(Some("Bearer x".into()));
    assert_eq!(
        http.handle_response_head(403, None, Some("text/plain"))
            .err(),
        Some(HttpClientError::Unauthorized(403))
    );
    let mut oauth = OAuthClient::new(
        AuthConfig::new(SERVER, REDIRECT),
        MemoryStore::default(),
        Box::new(|b: &mut [u8]| b.fill(1)),
    );
    // …and a 403 whose challenge is not insufficient_scope is not retried.
    assert_eq!(
        oauth.handle_challenge(403, Some(r#"Bearer error="invalid_token""#)),
        Err(AuthError::Forbidden(403))
    );
}
