//! Where client registrations and tokens live between runs: a trait the application
//! implements (a keychain, a file), and an in-memory one.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use super::metadata::{ClientCredentials, Tokens};

/// Storage for client registrations (keyed by the authorization server's issuer: 2025-11-25
/// client registration §"Authorization Server Binding" — credentials of one server are never
/// offered to another) and tokens (keyed by the MCP server's URL).
///
/// Refresh tokens are secrets: keep them confidential at rest (OAuth 2.1 §4.3).
pub trait CredentialStore {
    /// The registration made with the authorization server `issuer`.
    fn client(&self, issuer: &str) -> Option<ClientCredentials>;
    /// Keeps a registration made with `issuer`.
    fn save_client(&mut self, issuer: &str, client: ClientCredentials);
    /// The tokens for the MCP server `server`.
    fn tokens(&self, server: &str) -> Option<Tokens>;
    /// Keeps (`Some`) or forgets (`None`) the tokens for `server`.
    fn save_tokens(&mut self, server: &str, tokens: Option<Tokens>);
}

/// A [`CredentialStore`] in memory, for one process.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    clients: BTreeMap<String, ClientCredentials>,
    tokens: BTreeMap<String, Tokens>,
}

impl CredentialStore for MemoryStore {
    fn client(&self, issuer: &str) -> Option<ClientCredentials> {
        self.clients.get(issuer).cloned()
    }
    fn save_client(&mut self, issuer: &str, client: ClientCredentials) {
        self.clients.insert(issuer.to_string(), client);
    }
    fn tokens(&self, server: &str) -> Option<Tokens> {
        self.tokens.get(server).cloned()
    }
    fn save_tokens(&mut self, server: &str, tokens: Option<Tokens>) {
        match tokens {
            Some(t) => {
                self.tokens.insert(server.to_string(), t);
            }
            None => {
                self.tokens.remove(server);
            }
        }
    }
}
