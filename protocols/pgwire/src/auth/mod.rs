//! Authentication: the crypto provider trait, MD5 password hashing, the RFC 5929
//! `tls-server-end-point` certificate hash, and the SCRAM-SHA-256(-PLUS) client exchange.

#[cfg(feature = "ring")]
mod ring_provider;
#[cfg(feature = "alloc")]
mod scram;
#[cfg(all(test, feature = "ring"))]
mod tests;

use core::num::NonZeroU32;

#[cfg(feature = "ring")]
pub use ring_provider::{RingProvider, RingRandom};
#[cfg(feature = "alloc")]
pub use scram::{ChannelBinding, ScramClient, ScramError};

/// A hash function the protocol needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// The cryptography SCRAM and channel binding need, so the machine has no fixed crypto
/// library. `RingProvider` (feature `ring`, default) implements it.
pub trait CryptoProvider {
    /// `alg(data)`, written to the start of `out`; returns the digest length.
    fn digest(&self, alg: HashAlgorithm, data: &[u8], out: &mut [u8; 64]) -> usize;
    /// HMAC-SHA-256 of the concatenated `parts` under `key`.
    fn hmac_sha256(&self, key: &[u8], parts: &[&[u8]]) -> [u8; 32];
    /// PBKDF2 with HMAC-SHA-256 (RFC 5802's `Hi()`), one 32-byte block.
    fn pbkdf2_hmac_sha256(&self, password: &[u8], salt: &[u8], iterations: NonZeroU32) -> [u8; 32];
}

/// A source of randomness (SCRAM client nonces); the machine never draws its own.
pub trait RandomSource {
    /// Fills `buf` with unpredictable bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> RandomSource for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf);
    }
}

/// The MD5 password response (§54.3 and `AuthenticationMD5Password`):
/// `"md5" + hex(md5(hex(md5(password + user)) + salt))`, 35 ASCII bytes.
pub fn md5_password(user: &[u8], password: &[u8], salt: [u8; 4]) -> [u8; 35] {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(password);
    h.update(user);
    let inner = hex32(&h.finalize().into());
    let mut h = Md5::new();
    h.update(inner);
    h.update(salt);
    let outer = hex32(&h.finalize().into());
    let mut out = [0u8; 35];
    out[..3].copy_from_slice(b"md5");
    out[3..].copy_from_slice(&outer);
    out
}

fn hex32(d: &[u8; 16]) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    out
}

/// Why a certificate gives no `tls-server-end-point` binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertHashError {
    /// The DER does not hold an X.509 certificate's outer structure.
    Malformed,
    /// The signature algorithm has no single hash (Ed25519, Ed448) or one this crate does
    /// not provide (SHA-224); RFC 5929 §4.1 defines no binding for it.
    UnsupportedAlgorithm,
}

impl core::fmt::Display for CertHashError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "server certificate is not DER X.509",
            Self::UnsupportedAlgorithm => {
                "server certificate's signature algorithm has no tls-server-end-point hash"
            }
        })
    }
}

impl core::error::Error for CertHashError {}

/// The hash RFC 5929 §4.1 picks for `tls-server-end-point`: the certificate's signature hash,
/// except MD5 and SHA-1, which become SHA-256.
///
/// # Errors
/// A certificate that does not parse, or a signature algorithm without a usable hash.
pub fn cert_signature_hash(cert_der: &[u8]) -> Result<HashAlgorithm, CertHashError> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, … }
    let (cert, _) = der(cert_der, 0x30)?;
    let (_tbs, rest) = der_any(cert)?;
    let (alg_id, _) = der(rest, 0x30)?;
    let (oid, params) = der(alg_id, 0x06)?;
    hash_of_signature(oid, params)
}

/// The `tls-server-end-point` channel binding data: the RFC 5929 hash of the certificate.
///
/// # Errors
/// As for [`cert_signature_hash`].
pub fn tls_server_end_point(
    provider: &dyn CryptoProvider,
    cert_der: &[u8],
    out: &mut [u8; 64],
) -> Result<usize, CertHashError> {
    let alg = cert_signature_hash(cert_der)?;
    Ok(provider.digest(alg, cert_der, out))
}

const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
const DSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03];
const NIST_SIG: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
const NIST_HASH: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];

fn hash_of_signature(oid: &[u8], params: &[u8]) -> Result<HashAlgorithm, CertHashError> {
    use HashAlgorithm::{Sha256, Sha384, Sha512};
    let unsupported = Err(CertHashError::UnsupportedAlgorithm);
    if let Some(&last) = oid
        .strip_prefix(RSA)
        .and_then(|r| r.first().filter(|_| r.len() == 1))
    {
        return match last {
            // md2, md4, md5, sha1 → SHA-256 (RFC 5929 §4.1)
            2..=5 => Ok(Sha256),
            11 => Ok(Sha256),
            12 => Ok(Sha384),
            13 => Ok(Sha512),
            // RSASSA-PSS: the hash is in the parameters.
            10 => pss_hash(params),
            _ => unsupported,
        };
    }
    if oid == ECDSA_SHA1 || oid == DSA_SHA1 {
        return Ok(Sha256);
    }
    match (oid.strip_prefix(ECDSA_SHA2), oid.strip_prefix(NIST_SIG)) {
        (Some([2]), _) | (_, Some([2])) => Ok(Sha256),
        (Some([3]), _) => Ok(Sha384),
        (Some([4]), _) => Ok(Sha512),
        _ => unsupported,
    }
}

/// RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … }
fn pss_hash(params: &[u8]) -> Result<HashAlgorithm, CertHashError> {
    let (seq, _) = der(params, 0x30)?;
    if seq.first() != Some(&0xa0) {
        return Ok(HashAlgorithm::Sha256); // default SHA-1 → SHA-256
    }
    let (explicit, _) = der(seq, 0xa0)?;
    let (alg, _) = der(explicit, 0x30)?;
    let (oid, _) = der(alg, 0x06)?;
    if oid == SHA1 {
        return Ok(HashAlgorithm::Sha256);
    }
    match oid.strip_prefix(NIST_HASH) {
        Some([1]) => Ok(HashAlgorithm::Sha256),
        Some([2]) => Ok(HashAlgorithm::Sha384),
        Some([3]) => Ok(HashAlgorithm::Sha512),
        _ => Err(CertHashError::UnsupportedAlgorithm),
    }
}

/// One DER TLV of tag `tag`: its contents and what follows.
fn der(buf: &[u8], tag: u8) -> Result<(&[u8], &[u8]), CertHashError> {
    if buf.first() != Some(&tag) {
        return Err(CertHashError::Malformed);
    }
    der_any(buf)
}

fn der_any(buf: &[u8]) -> Result<(&[u8], &[u8]), CertHashError> {
    let first = *buf.get(1).ok_or(CertHashError::Malformed)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(CertHashError::Malformed);
        }
        let bytes = buf.get(2..2 + n).ok_or(CertHashError::Malformed)?;
        (
            bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b)),
            2 + n,
        )
    };
    let end = start.checked_add(len).ok_or(CertHashError::Malformed)?;
    let body = buf.get(start..end).ok_or(CertHashError::Malformed)?;
    Ok((body, &buf[end..]))
}
