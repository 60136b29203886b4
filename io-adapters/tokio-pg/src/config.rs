//! Where and how to connect: a `postgres://` URL or the builder.

use std::path::PathBuf;
use std::sync::Arc;

use fasterapi_pgwire::{ChannelBindingMode, Config};

use crate::Error;

/// TLS policy, as libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, the certificate unverified (libpq's `prefer`).
    Prefer,
    /// TLS or fail; the certificate unverified (libpq's `require`: encryption, not identity).
    Require,
    /// TLS or fail; the certificate chain and the host name verified against the roots of
    /// [`ConnectConfig::tls_roots`] (or `sslrootcert` in the URL).
    VerifyFull,
}

/// The server's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A TCP host name or address and port.
    Tcp(String, u16),
    /// A Unix socket directory and port (the socket is `<dir>/.s.PGSQL.<port>`).
    Unix(PathBuf, u16),
}

/// Everything `Client::connect` needs.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    /// The machine's configuration (user, password, database, cache size, channel binding).
    pub pg: Config,
    /// Where.
    pub host: Host,
    /// The TLS policy.
    pub ssl_mode: SslMode,
    /// Trusted roots for `VerifyFull` (DER certificates).
    pub tls_roots: Vec<Vec<u8>>,
    /// A complete rustls configuration, used instead of the one built from the fields above.
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// The name checked against the certificate under `VerifyFull` (default: the host).
    pub tls_server_name: Option<String>,
    /// Bytes of results one request may hold unread (rows or COPY data the task decoded
    /// and the caller has not taken yet) before the connection stops reading the socket
    /// until the caller catches up. Default 1 MiB.
    pub queue_bytes: usize,
    /// The largest result a collecting call (`query`, `simple_query`, a pipeline's
    /// statement) gathers; beyond it the call fails with [`Error::ResultTooLarge`] after
    /// the rest is read and discarded (the connection stays usable). Default 256 MiB; use
    /// `Client::query_stream` for larger results.
    pub max_result_bytes: usize,
}

/// The default [`ConnectConfig::queue_bytes`].
pub const DEFAULT_QUEUE_BYTES: usize = 1 << 20;
/// The default [`ConnectConfig::max_result_bytes`].
pub const DEFAULT_MAX_RESULT_BYTES: usize = 256 << 20;

impl ConnectConfig {
    /// TCP to `host:port` as `user`, TLS preferred (the certificate unverified).
    pub fn new(host: &str, port: u16, user: &str) -> Self {
        Self {
            pg: Config::new(user),
            host: Host::Tcp(host.to_owned(), port),
            ssl_mode: SslMode::Prefer,
            tls_roots: Vec::new(),
            tls_config: None,
            tls_server_name: None,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
        }
    }

    /// Sets [`ConnectConfig::queue_bytes`] (at least 1).
    pub fn queue_bytes(mut self, bytes: usize) -> Self {
        self.queue_bytes = bytes.max(1);
        self
    }

    /// Sets [`ConnectConfig::max_result_bytes`].
    pub fn max_result_bytes(mut self, bytes: usize) -> Self {
        self.max_result_bytes = bytes;
        self
    }

    /// Sets the machine's configuration (keeps the host and TLS settings).
    pub fn pg(mut self, pg: Config) -> Self {
        self.pg = pg;
        self
    }

    /// Sets the TLS policy.
    pub fn ssl_mode(mut self, mode: SslMode) -> Self {
        self.ssl_mode = mode;
        self
    }

    /// Adds a trusted root certificate (DER) for `VerifyFull`.
    pub fn tls_root(mut self, der: Vec<u8>) -> Self {
        self.tls_roots.push(der);
        self
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…&channel_binding=…`
    /// (also `postgresql://`). `host=/dir` in the query, or a host starting with `%2F`,
    /// selects a Unix socket directory. Query parameters: `sslmode`
    /// (disable/prefer/require/verify-full), `sslrootcert` (a PEM file),
    /// `channel_binding` (disable/prefer/require), `application_name`,
    /// `statement_cache_capacity`, `host`, `port`, `user`, `password`, `dbname`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the part that is wrong.
    pub fn from_url(url: &str) -> Result<Self, Error> {
        let bad = |what: &str| Error::Config(format!("{what} in the connection URL"));
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| bad("no postgres:// scheme"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (decode(u)?, Some(decode(p)?)),
            None => (decode(userinfo)?, None),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, p) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            (h.to_owned(), p.strip_prefix(':').unwrap_or(""))
        } else {
            let (h, p) = hostport.split_once(':').unwrap_or((hostport, ""));
            (decode(h)?, p)
        };
        let mut host = if host.is_empty() {
            "localhost".to_owned()
        } else {
            host
        };
        let mut port: u16 = if port.is_empty() {
            5432
        } else {
            port.parse().map_err(|_| bad("a bad port"))?
        };
        let mut user = user;
        let mut password = password;
        let mut database = decode(path)?;
        let mut ssl_mode = SslMode::Prefer;
        let mut channel_binding = None;
        let mut app = None;
        let mut cache = None;
        let mut roots = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v)?;
            match k {
                "sslmode" => {
                    ssl_mode = match v.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-full" => SslMode::VerifyFull,
                        _ => return Err(bad("an unsupported sslmode (verify-ca is not offered)")),
                    }
                }
                "channel_binding" => {
                    channel_binding = Some(match v.as_str() {
                        "disable" => ChannelBindingMode::Disable,
                        "prefer" => ChannelBindingMode::Prefer,
                        "require" => ChannelBindingMode::Require,
                        _ => return Err(bad("a bad channel_binding")),
                    })
                }
                "sslrootcert" => roots = read_pem_certs(&v)?,
                "application_name" => app = Some(v),
                "statement_cache_capacity" => {
                    cache = Some(
                        v.parse()
                            .map_err(|_| bad("a bad statement_cache_capacity"))?,
                    )
                }
                "host" => host = v,
                "port" => port = v.parse().map_err(|_| bad("a bad port"))?,
                "user" => user = v,
                "password" => password = Some(v),
                "dbname" => database = v,
                _ => return Err(Error::Config(format!("unknown URL parameter {k:?}"))),
            }
        }
        if user.is_empty() {
            return Err(bad("no user"));
        }
        let mut pg = Config::new(&user);
        if let Some(p) = password {
            pg = pg.password(p);
        }
        if !database.is_empty() {
            pg = pg.database(&database);
        }
        if let Some(cb) = channel_binding {
            pg = pg.channel_binding(cb);
        }
        if let Some(a) = app {
            pg = pg.application_name(&a);
        }
        if let Some(n) = cache {
            pg = pg.statement_cache_capacity(n);
        }
        let host = if host.starts_with('/') {
            Host::Unix(PathBuf::from(host), port)
        } else {
            Host::Tcp(host, port)
        };
        Ok(Self {
            pg,
            host,
            ssl_mode,
            tls_roots: roots,
            tls_config: None,
            tls_server_name: None,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
        })
    }
}

/// Percent-decoding of one URL part.
fn decode(s: &str) -> Result<String, Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| core::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::Config("a bad %-escape in the connection URL".into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::Config("the connection URL is not UTF-8".into()))
}

/// The certificates of a PEM file, as DER.
fn read_pem_certs(path: &str) -> Result<Vec<Vec<u8>>, Error> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| Error::Config(format!("sslrootcert {path}: {e}")))?
        .collect();
    let certs = certs.map_err(|e| Error::Config(format!("sslrootcert {path}: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("sslrootcert {path}: no certificate")));
    }
    Ok(certs.into_iter().map(|c| c.as_ref().to_vec()).collect())
}
