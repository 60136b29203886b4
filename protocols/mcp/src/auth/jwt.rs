//! JSON Web Tokens the client signs (RFC 7515 compact serialization): the `private_key_jwt`
//! client assertion (RFC 7523 §2.2, OpenID Connect Core §9). The signature is the
//! application's: a [`JwtSigner`] wraps its crypto provider and key.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value;

use super::pkce::b64url;

/// Signs JWS signing input with the client's private key.
pub trait JwtSigner {
    /// The JWS `alg` (RFC 7518 §3.1), e.g. `ES256`.
    fn alg(&self) -> &str;
    /// The signature over `input` (`BASE64URL(header) || '.' || BASE64URL(payload)`), in
    /// the JWS form of `alg` (for ECDSA the 64-byte `R || S`, RFC 7518 §3.4).
    fn sign(&mut self, input: &[u8]) -> Vec<u8>;
}

/// `header.claims.signature`, the header given `alg` from the signer.
pub(crate) fn sign(signer: &mut dyn JwtSigner, mut header: Value, claims: &Value) -> String {
    header["alg"] = Value::from(signer.alg());
    let mut out = b64url(header.to_string().as_bytes());
    out.push('.');
    out.push_str(&b64url(claims.to_string().as_bytes()));
    let sig = signer.sign(out.as_bytes());
    out.push('.');
    out.push_str(&b64url(&sig));
    out
}
