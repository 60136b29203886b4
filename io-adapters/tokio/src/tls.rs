//! TLS with rustls and the `ring` provider: certificates and keys from PEM files with errors
//! that name the file, ALPN, a development certificate made at start, and the trust of a
//! client (the webpki roots or a given root).

use core::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub use tokio_rustls::{TlsAcceptor, TlsConnector};

/// The ALPN protocol id of HTTP/1.1 (RFC 7301 §6).
pub const ALPN_HTTP1: &[u8] = b"http/1.1";
/// The ALPN protocol id of HTTP/2 over TLS (RFC 9113 §3.2).
pub const ALPN_H2: &[u8] = b"h2";

/// A certificate chain (leaf first) and its private key.
#[derive(Debug)]
pub struct CertifiedKey {
    /// The chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub key: PrivateKeyDer<'static>,
}

/// Why a TLS configuration could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// A file is not PEM, or a PEM section is damaged.
    Pem {
        /// The file.
        path: PathBuf,
        /// What the PEM parser said.
        detail: String,
    },
    /// The certificate file holds no `CERTIFICATE` section.
    NoCertificate(PathBuf),
    /// The key file holds no private key section (`PRIVATE KEY`, `RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`).
    NoKey(PathBuf),
    /// rustls refused the configuration: a key that does not match the certificate, an
    /// unsupported key type.
    Rustls(rustls::Error),
    /// The development certificate could not be generated.
    Generate(String),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Pem { path, detail } => {
                write!(f, "{} is not valid PEM: {detail}", path.display())
            }
            Self::NoCertificate(path) => {
                write!(f, "{} holds no PEM CERTIFICATE section", path.display())
            }
            Self::NoKey(path) => write!(
                f,
                "{} holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
                path.display()
            ),
            Self::Rustls(e) => write!(f, "the certificate and key are not usable: {e}"),
            Self::Generate(e) => write!(f, "cannot generate a development certificate: {e}"),
        }
    }
}

impl core::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Rustls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rustls::Error> for TlsError {
    fn from(e: rustls::Error) -> Self {
        Self::Rustls(e)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn pem_error(path: &Path, e: &pem::Error) -> TlsError {
    TlsError::Pem {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

/// Loads a certificate chain (every `CERTIFICATE` section of `cert`, leaf first) and the first
/// private key of `key` from PEM files.
///
/// # Errors
/// A file that cannot be read, is not PEM, or holds no certificate / key; each error names
/// the file.
pub fn load_pem(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read(cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(cert, &e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_owned()));
    }
    let key_pem = read(key)?;
    let key_der = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(k) => k,
        Err(pem::Error::NoItemsFound) => return Err(TlsError::NoKey(key.to_owned())),
        Err(e) => return Err(pem_error(key, &e)),
    };
    Ok(CertifiedKey {
        chain,
        key: key_der,
    })
}

/// A self-signed certificate for `names` (DNS names or IP addresses), made now with rcgen, for
/// development: clients must be told to trust it (`curl -k`, a browser's
/// `--ignore-certificate-errors`, or [`client_config`] with it as the root).
///
/// # Errors
/// [`TlsError::Generate`] (a name rcgen refuses).
pub fn dev_certificate(names: &[&str]) -> Result<CertifiedKey, TlsError> {
    let names = names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let generated =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    let key = PrivatePkcs8KeyDer::from(generated.key_pair.serialize_der());
    Ok(CertifiedKey {
        chain: vec![generated.cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(key),
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration (ring, TLS 1.2 and 1.3, no client authentication) offering the
/// `alpn` protocols in order of preference (e.g. `[ALPN_H2, ALPN_HTTP1]`; empty: no ALPN).
///
/// # Errors
/// [`TlsError::Rustls`] when the key does not match the certificate or is not supported.
pub fn server_config(
    identity: CertifiedKey,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(identity.chain, identity.key)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// Whom a client trusts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Trust {
    /// The Mozilla root programme, as shipped by `webpki-roots`.
    WebpkiRoots,
    /// Only these roots (a private CA, a development certificate).
    Roots(Vec<CertificateDer<'static>>),
}

/// A client configuration (ring, TLS 1.2 and 1.3) trusting `trust`, offering `alpn`.
///
/// # Errors
/// [`TlsError::Rustls`] when a given root is not a usable certificate.
pub fn client_config(trust: &Trust, alpn: &[&[u8]]) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    match trust {
        Trust::WebpkiRoots => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Trust::Roots(certs) => {
            for cert in certs {
                roots.add(cert.clone())?;
            }
        }
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
