//! fasterapi-mcp's OAuth client: the `WWW-Authenticate` parser, the metadata / registration /
//! token document parsers, and the flow machine fed arbitrary answers and redirects. None may
//! panic; every request it emits must be well-formed.
#![no_main]

use fasterapi_mcp::auth::{
    Action, AuthConfig, BearerChallenge, ClientCredentials, MemoryStore, OAuthClient,
    ResourceMetadata, ServerMetadata, Tokens, parse_www_authenticate,
};
use libfuzzer_sys::fuzz_target;

const SERVER: &str = "http://localhost:3000/mcp";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(c) = parse_www_authenticate(&text) {
        let _ = BearerChallenge::from_challenges(&c);
    }
    let _ = ResourceMetadata::parse(data, SERVER);
    let _ = ServerMetadata::parse(data, "http://localhost:3001");
    let _ = ServerMetadata::parse_checked(data, "http://localhost:3000", true);
    let _ = Tokens::parse(data, "http://localhost:3001");
    let _ = ClientCredentials::parse_registration(data);

    // The flow: chunks separated by 0xff are, in turn, the challenge, then answers (first
    // byte picks the status) or, when an authorization is pending, the callback URL.
    let mut parts = data.split(|&b| b == 0xff);
    let mut oauth = OAuthClient::new(
        AuthConfig::new(SERVER, "http://localhost:3000/cb"),
        MemoryStore::default(),
        Box::new(|b: &mut [u8]| b.fill(3)),
    );
    let header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    if oauth.handle_challenge(401, Some(&header)).is_err() {
        return;
    }
    for part in parts.take(16) {
        match oauth.poll_action() {
            Some(Action::Send(req)) => {
                assert!(req.url.starts_with("http"));
                let status =
                    [200, 201, 400, 404][usize::from(part.first().copied().unwrap_or(0) & 3)];
                if oauth
                    .handle_response(status, part.get(1..).unwrap_or_default())
                    .is_err()
                {
                    return;
                }
            }
            Some(Action::Authorize(url)) => {
                assert!(url.contains("code_challenge_method=S256"));
                let cb = String::from_utf8_lossy(part);
                if oauth.handle_redirect(&cb).is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
});
