//! The SCRAM-SHA-256 and SCRAM-SHA-256-PLUS client (RFC 5802 §3, §5, §7; RFC 7677), as
//! PostgreSQL runs it (§54.3.1): the user name in the SCRAM messages is empty (the server uses
//! the startup `user`), and the channel binding type is `tls-server-end-point`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::CryptoProvider;

/// The channel binding a SCRAM exchange uses (RFC 5802 §6: the gs2 header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelBinding {
    /// `n,,`: the client does not support channel binding (no TLS, or binding disabled).
    NotSupported,
    /// `y,,`: the client supports it but believes the server does not (TLS, but the server
    /// did not offer SCRAM-SHA-256-PLUS). A server that did offer it then fails the exchange,
    /// which is how RFC 5802 §6 detects a downgrade.
    ClientOnly,
    /// `p=tls-server-end-point,,`: bound to this certificate hash (SCRAM-SHA-256-PLUS).
    TlsServerEndPoint(Vec<u8>),
}

impl ChannelBinding {
    fn gs2_header(&self) -> &'static str {
        match self {
            Self::NotSupported => "n,,",
            Self::ClientOnly => "y,,",
            Self::TlsServerEndPoint(_) => "p=tls-server-end-point,,",
        }
    }

    /// The SASL mechanism name this binding goes with.
    pub fn mechanism(&self) -> &'static str {
        match self {
            Self::TlsServerEndPoint(_) => "SCRAM-SHA-256-PLUS",
            _ => "SCRAM-SHA-256",
        }
    }
}

/// Why a SCRAM exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScramError {
    /// A server message that does not follow RFC 5802 §7's grammar.
    Malformed(&'static str),
    /// The server nonce does not extend the client's (RFC 5802 §5.1 `r=`).
    NonceMismatch,
    /// More PBKDF2 iterations than [`ScramClient`] was allowed to spend.
    TooManyIterations(u32),
    /// The server's `e=` error.
    Server(String),
    /// The server's signature is wrong: it does not know the password (or a
    /// man-in-the-middle relayed the exchange).
    BadServerSignature,
    /// A message arrived when the exchange was not waiting for it.
    OutOfOrder,
}

impl fmt::Display for ScramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(w) => write!(f, "malformed SCRAM server message: {w}"),
            Self::NonceMismatch => {
                f.write_str("SCRAM server nonce does not extend the client nonce")
            }
            Self::TooManyIterations(n) => write!(f, "SCRAM iteration count {n} over the limit"),
            Self::Server(e) => write!(f, "SCRAM server error: {e}"),
            Self::BadServerSignature => f.write_str("SCRAM server signature does not verify"),
            Self::OutOfOrder => f.write_str("SCRAM message out of order"),
        }
    }
}

impl core::error::Error for ScramError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    SentFinal,
    Done,
}

/// One SCRAM-SHA-256(-PLUS) client exchange.
///
/// ```
/// use fasterapi_pgwire::auth::{ChannelBinding, RingProvider, ScramClient};
/// // RFC 7677 §3's exchange (user "user", password "pencil").
/// let mut c = ScramClient::new("user", b"pencil", "rOprNGfwEbeRWgbNEkqO", ChannelBinding::NotSupported);
/// assert_eq!(c.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
/// let fin = c.server_first(&RingProvider,
///     b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
///     10_000).unwrap();
/// assert_eq!(fin, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
/// c.server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").unwrap();
/// ```
pub struct ScramClient {
    state: State,
    password: Vec<u8>,
    binding: ChannelBinding,
    nonce: String,
    first_bare: String,
    server_signature: [u8; 32],
}

impl fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        f.debug_struct("ScramClient")
            .field("state", &self.state)
            .field("binding", &self.binding)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// Starts an exchange. `user` goes into the client-first-message (PostgreSQL sends it
    /// empty); `nonce` must be printable ASCII without `,` (base64 of caller randomness).
    pub fn new(user: &str, password: &[u8], nonce: &str, binding: ChannelBinding) -> Self {
        let mut first_bare = String::from("n=");
        // RFC 5802 §5.1: ',' and '=' in the name are escaped.
        for c in user.chars() {
            match c {
                ',' => first_bare.push_str("=2C"),
                '=' => first_bare.push_str("=3D"),
                c => first_bare.push(c),
            }
        }
        first_bare.push_str(",r=");
        first_bare.push_str(nonce);
        Self {
            state: State::Start,
            password: saslprep(password),
            binding,
            nonce: String::from(nonce),
            first_bare,
            server_signature: [0; 32],
        }
    }

    /// A nonce from 18 random bytes, as libpq makes it (24 base64 characters).
    pub fn nonce_from(random: &[u8; 18]) -> String {
        B64.encode(random)
    }

    /// The channel binding in use.
    pub fn binding(&self) -> &ChannelBinding {
        &self.binding
    }

    /// The client-first-message (gs2 header + bare message).
    pub fn client_first(&self) -> String {
        let mut s = String::from(self.binding.gs2_header());
        s.push_str(&self.first_bare);
        s
    }

    /// Takes the server-first-message and gives the client-final-message.
    ///
    /// # Errors
    /// A malformed message, a nonce that does not extend ours, an iteration count of zero or
    /// over `max_iterations`, or a call out of order.
    pub fn server_first(
        &mut self,
        provider: &dyn CryptoProvider,
        msg: &[u8],
        max_iterations: u32,
    ) -> Result<String, ScramError> {
        if self.state != State::Start {
            return Err(ScramError::OutOfOrder);
        }
        let msg = core::str::from_utf8(msg).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        if let Some(e) = msg.strip_prefix("e=") {
            return Err(ScramError::Server(String::from(e)));
        }
        let mut parts = msg.split(',');
        let nonce = parts
            .next()
            .and_then(|p| p.strip_prefix("r="))
            .ok_or(ScramError::Malformed("server-first-message without r="))?;
        let salt = parts
            .next()
            .and_then(|p| p.strip_prefix("s="))
            .ok_or(ScramError::Malformed("server-first-message without s="))?;
        let iterations = parts
            .next()
            .and_then(|p| p.strip_prefix("i="))
            .ok_or(ScramError::Malformed("server-first-message without i="))?;
        // Extensions after i= are allowed by the grammar; none is mandatory for us.
        if !nonce.starts_with(self.nonce.as_str()) || nonce.len() == self.nonce.len() {
            return Err(ScramError::NonceMismatch);
        }
        if !nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(ScramError::Malformed("nonce with non-printable characters"));
        }
        let salt = B64
            .decode(salt)
            .map_err(|_| ScramError::Malformed("salt is not base64"))?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| ScramError::Malformed("iteration count is not a number"))?;
        let Some(iter_nz) = NonZeroU32::new(iterations) else {
            return Err(ScramError::Malformed("iteration count of zero"));
        };
        if iterations > max_iterations {
            return Err(ScramError::TooManyIterations(iterations));
        }
        // c= is base64(gs2 header + channel binding data).
        let mut cbind = Vec::from(self.binding.gs2_header().as_bytes());
        if let ChannelBinding::TlsServerEndPoint(h) = &self.binding {
            cbind.extend_from_slice(h);
        }
        let mut without_proof = String::from("c=");
        without_proof.push_str(&B64.encode(&cbind));
        without_proof.push_str(",r=");
        without_proof.push_str(nonce);

        let salted = provider.pbkdf2_hmac_sha256(&self.password, &salt, iter_nz);
        let client_key = provider.hmac_sha256(&salted, &[b"Client Key"]);
        let mut stored_key = [0u8; 64];
        provider.digest(super::HashAlgorithm::Sha256, &client_key, &mut stored_key);
        let auth = [
            self.first_bare.as_bytes(),
            b",",
            msg.as_bytes(),
            b",",
            without_proof.as_bytes(),
        ];
        let client_sig = provider.hmac_sha256(&stored_key[..32], &auth);
        let mut proof = client_key;
        proof.iter_mut().zip(client_sig).for_each(|(p, s)| *p ^= s);
        let server_key = provider.hmac_sha256(&salted, &[b"Server Key"]);
        self.server_signature = provider.hmac_sha256(&server_key, &auth);

        without_proof.push_str(",p=");
        without_proof.push_str(&B64.encode(proof));
        self.state = State::SentFinal;
        Ok(without_proof)
    }

    /// Takes the server-final-message and checks the server's signature.
    ///
    /// # Errors
    /// The server's `e=` error, a malformed message, a wrong signature, or out of order.
    pub fn server_final(&mut self, msg: &[u8]) -> Result<(), ScramError> {
        if self.state != State::SentFinal {
            return Err(ScramError::OutOfOrder);
        }
        let msg = core::str::from_utf8(msg).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        if let Some(e) = msg.strip_prefix("e=") {
            return Err(ScramError::Server(String::from(e)));
        }
        let v = msg
            .split(',')
            .next()
            .and_then(|p| p.strip_prefix("v="))
            .ok_or(ScramError::Malformed("server-final-message without v="))?;
        let sig = B64
            .decode(v)
            .map_err(|_| ScramError::Malformed("verifier is not base64"))?;
        // Compare without an early exit.
        let same = sig.len() == 32
            && sig
                .iter()
                .zip(self.server_signature)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(ScramError::BadServerSignature);
        }
        self.state = State::Done;
        Ok(())
    }

    /// Whether the server's signature was verified.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }
}

/// SASLprep (RFC 4013) as far as it changes passwords without Unicode tables, and the
/// PostgreSQL fall-back (§54.3.1): a password that is not UTF-8 or has prohibited
/// characters is used as it is. Non-ASCII spaces map to U+0020 and "commonly mapped to
/// nothing" characters are removed (RFC 4013 §2.1); NFKC normalization is NOT applied, so a
/// non-ASCII password that NFKC would change must be given already normalized.
fn saslprep(password: &[u8]) -> Vec<u8> {
    let Ok(s) = core::str::from_utf8(password) else {
        return Vec::from(password);
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            // RFC 3454 C.1.2 non-ASCII spaces → SPACE.
            '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200b}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}' => out.push(' '),
            // B.1 commonly mapped to nothing.
            '\u{ad}'
            | '\u{34f}'
            | '\u{1806}'
            | '\u{180b}'..='\u{180d}'
            | '\u{200c}'
            | '\u{200d}'
            | '\u{2060}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}' => {}
            // C.2 control characters, C.3 private use, C.8/C.9 and friends: prohibited, so
            // PostgreSQL uses the raw password.
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{fff9}'..='\u{fffd}' => {
                return Vec::from(password);
            }
            c => out.push(c),
        }
    }
    out.into_bytes()
}

#[cfg(test)]
pub(super) fn tests_saslprep(p: &[u8]) -> Vec<u8> {
    saslprep(p)
}
