//! rustls for the client: a verifying configuration (`verify-full`) or libpq's
//! `prefer`/`require` semantics (encrypted, the certificate's identity not checked; its
//! handshake signature still is).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::Error;
use crate::config::{ConnectConfig, SslMode};

/// The rustls configuration for `config`.
pub(crate) fn client_config(config: &ConnectConfig) -> Result<Arc<rustls::ClientConfig>, Error> {
    if let Some(c) = &config.tls_config {
        return Ok(c.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let tls = if config.ssl_mode == SslMode::VerifyFull {
        if config.tls_roots.is_empty() {
            return Err(Error::Config(
                "sslmode=verify-full needs a trusted root (sslrootcert or tls_root)".into(),
            ));
        }
        let mut roots = rustls::RootCertStore::empty();
        for der in &config.tls_roots {
            roots
                .add(CertificateDer::from(der.clone()))
                .map_err(|e| Error::Tls(format!("root certificate: {e}")))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified { provider }))
            .with_no_client_auth()
    };
    Ok(Arc::new(tls))
}

/// The server name for SNI and verification.
pub(crate) fn server_name(
    config: &ConnectConfig,
    host: &str,
) -> Result<ServerName<'static>, Error> {
    let name = config.tls_server_name.as_deref().unwrap_or(host);
    ServerName::try_from(name.to_owned())
        .map_err(|e| Error::Tls(format!("server name {name:?}: {e}")))
}

/// Accepts any certificate (libpq `require`), but checks that the server holds its key.
#[derive(Debug)]
struct Unverified {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
