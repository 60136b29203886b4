//! Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.1, §4.2.2) through a small
//! crypto-provider trait, so a deployment can route SHA-1 to its own provider.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The GUID appended to the key before hashing (RFC 6455 §1.3).
pub const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// SHA-1 for the handshake. It is not used for security (RFC 6455 §10.6): it proves the
/// server understood the WebSocket handshake.
pub trait Sha1Provider {
    /// The SHA-1 digest of the concatenation of `parts`.
    fn sha1(&self, parts: &[&[u8]]) -> [u8; 20];
}

/// The default provider, using the RustCrypto `sha1` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultCrypto;

impl Sha1Provider for DefaultCrypto {
    fn sha1(&self, parts: &[&[u8]]) -> [u8; 20] {
        use sha1::Digest;
        let mut h = sha1::Sha1::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

/// Whether `key` is a valid Sec-WebSocket-Key: the base64 encoding of exactly 16 bytes
/// (§4.1, §11.3.1).
pub fn is_valid_key(key: &[u8]) -> bool {
    let mut out = [0u8; 18];
    key.len() == 24 && matches!(STANDARD.decode_slice(key, &mut out), Ok(16))
}

/// Sec-WebSocket-Accept for `key`: base64(SHA-1(key + GUID)), 28 ASCII bytes.
pub fn accept_key(key: &[u8], crypto: &impl Sha1Provider) -> [u8; 28] {
    let digest = crypto.sha1(&[key, GUID]);
    let mut out = [0u8; 28];
    let n = STANDARD
        .encode_slice(digest, &mut out)
        .expect("20 bytes encode to 28 base64 characters");
    debug_assert_eq!(n, 28);
    out
}

/// A fresh Sec-WebSocket-Key from 16 random bytes the caller supplies (§4.1: a nonce
/// randomly selected for each connection).
pub fn key_from_random(nonce: [u8; 16]) -> [u8; 24] {
    let mut out = [0u8; 24];
    STANDARD
        .encode_slice(nonce, &mut out)
        .expect("16 bytes encode to 24 base64 characters");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_example() {
        // RFC 6455 §1.3.
        let key = b"dGhlIHNhbXBsZSBub25jZQ==";
        assert!(is_valid_key(key));
        assert_eq!(
            &accept_key(key, &DefaultCrypto),
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn key_validation() {
        assert!(!is_valid_key(b""));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ")); // no padding
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ==="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j!Q=="));
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAAAA")); // 18 bytes
        assert!(is_valid_key(&key_from_random([7; 16])));
    }
}
