//! The `ring` crypto provider.

use core::num::NonZeroU32;

use ring::rand::SecureRandom;

use super::{CryptoProvider, HashAlgorithm, RandomSource};

/// [`CryptoProvider`] over `ring`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RingProvider;

impl CryptoProvider for RingProvider {
    fn digest(&self, alg: HashAlgorithm, data: &[u8], out: &mut [u8; 64]) -> usize {
        let alg = match alg {
            HashAlgorithm::Sha256 => &ring::digest::SHA256,
            HashAlgorithm::Sha384 => &ring::digest::SHA384,
            HashAlgorithm::Sha512 => &ring::digest::SHA512,
        };
        let d = ring::digest::digest(alg, data);
        let d = d.as_ref();
        out[..d.len()].copy_from_slice(d);
        d.len()
    }

    fn hmac_sha256(&self, key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
        let mut ctx = ring::hmac::Context::with_key(&key);
        for p in parts {
            ctx.update(p);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }

    fn pbkdf2_hmac_sha256(&self, password: &[u8], salt: &[u8], iterations: NonZeroU32) -> [u8; 32] {
        let mut out = [0u8; 32];
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            salt,
            password,
            &mut out,
        );
        out
    }
}

/// [`RandomSource`] over `ring`'s system random generator.
#[derive(Debug)]
pub struct RingRandom(ring::rand::SystemRandom);

impl RingRandom {
    /// The operating system's generator.
    pub fn new() -> Self {
        Self(ring::rand::SystemRandom::new())
    }
}

impl Default for RingRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomSource for RingRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        // The system generator only fails when the OS has no entropy source at all, which
        // leaves no safe nonce to use: that is an environment fault, not peer input.
        self.0
            .fill(buf)
            .expect("the operating system's random generator failed");
    }
}
