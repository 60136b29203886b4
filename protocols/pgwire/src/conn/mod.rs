//! The client machine: startup, TLS hooks, authentication, then requests.

mod cache;
mod event;
mod query;
#[cfg(test)]
mod tests;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use fasterapi_core::{Machine, NoPayload, StreamMachine, Timestamp};

use crate::auth::{self, ChannelBinding, CryptoProvider, RandomSource, ScramClient};
use crate::codec::{
    Authentication, Backend, CancelRequest, Frontend, List, ProtocolVersion, Startup, StartupParam,
    TransactionStatus, read_frame,
};
use crate::config::{ChannelBindingMode, Config, SslMode, SslNegotiation};
use crate::error::{DbError, Error};

pub use event::{Column, Event, RequestId, Row, RowBatch};
use query::Expect;

/// The free space offered to each read.
const READ_CHUNK: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// SSLRequest sent; one byte answers it.
    SslRequested,
    /// [`Event::StartTls`] given; waiting for `tls_established`.
    AwaitTls,
    /// StartupMessage sent; authenticating.
    Auth,
    /// Authenticated; BackendKeyData and ParameterStatus until ReadyForQuery.
    AwaitReady,
    /// Taking requests.
    Ready,
    /// Terminated or failed.
    Closed,
}

/// The cancel key of a session, to cancel its running query from another connection
/// (§54.2.8). Send [`CancelToken::encode`] as the first bytes of a new connection to the same
/// server (after TLS, if the session used it), then close it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelToken {
    /// The backend's process id.
    pub process_id: i32,
    /// Its secret key (4 bytes under 3.0, up to 256 under 3.2).
    pub secret_key: Vec<u8>,
}

impl CancelToken {
    /// The CancelRequest message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        Startup::Cancel(CancelRequest {
            process_id: self.process_id,
            secret_key: &self.secret_key,
        })
        .emit(&mut v);
        v
    }
}

/// A PostgreSQL client session as a sans-IO machine (`fasterapi_core::StreamMachine`).
///
/// Actions ([`query`](Self::query), [`execute`](Self::execute), the extended-query steps, COPY)
/// queue messages and return a [`RequestId`]; results come back as [`Event`]s tagged with it,
/// in order. Any number of requests may be in flight (pipelining).
pub struct ClientConnection {
    config: Config,
    provider: Box<dyn CryptoProvider + Send + Sync>,
    nonce: String,
    phase: Phase,
    protocol: ProtocolVersion,
    tls: bool,
    cert_hash: Option<Vec<u8>>,
    scram: Option<ScramClient>,
    password_sent: bool,
    cancel: Option<CancelToken>,
    status: TransactionStatus,
    // I/O
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    out: Vec<u8>,
    out_pos: usize,
    events: VecDeque<Event>,
    late_error: Option<Error>,
    // requests
    next_id: RequestId,
    expects: VecDeque<Expect>,
    cache: cache::StatementCache,
    to_close: Vec<String>,
    batch: Option<(RequestId, RowBatch)>,
    copy: query::Copy,
    closing: bool,
}

impl core::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("phase", &self.phase)
            .field("protocol", &self.protocol)
            .field("tls", &self.tls)
            .field("pending", &self.expects.len())
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    /// A session for `config`, with `provider` for SCRAM and channel binding and `random` for
    /// the SCRAM nonce (18 bytes are drawn now). The first output (SSLRequest or
    /// StartupMessage, or [`Event::StartTls`] for direct TLS) is queued at once.
    pub fn new(
        config: Config,
        provider: Box<dyn CryptoProvider + Send + Sync>,
        random: &mut dyn RandomSource,
    ) -> Self {
        let mut seed = [0u8; 18];
        random.fill(&mut seed);
        let protocol = config.protocol_version;
        let cache = cache::StatementCache::new(config.statement_cache_capacity);
        let mut c = Self {
            config,
            provider,
            nonce: ScramClient::nonce_from(&seed),
            phase: Phase::Auth,
            protocol,
            tls: false,
            cert_hash: None,
            scram: None,
            password_sent: false,
            cancel: None,
            status: TransactionStatus::Idle,
            inbuf: Vec::new(),
            in_start: 0,
            in_end: 0,
            out: Vec::new(),
            out_pos: 0,
            events: VecDeque::new(),
            late_error: None,
            next_id: 0,
            expects: VecDeque::new(),
            cache,
            to_close: Vec::new(),
            batch: None,
            copy: query::Copy::None,
            closing: false,
        };
        match (c.config.ssl_mode, c.config.ssl_negotiation) {
            (SslMode::Disable, _) => c.send_startup(),
            (_, SslNegotiation::Postgres) => {
                Startup::SslRequest.emit(&mut c.out);
                c.phase = Phase::SslRequested;
            }
            (_, SslNegotiation::Direct) => {
                c.phase = Phase::AwaitTls;
                c.events.push_back(Event::StartTls);
            }
        }
        c
    }

    /// A session using `ring` for crypto and the system's random generator.
    #[cfg(feature = "ring")]
    pub fn with_ring(config: Config) -> Self {
        Self::new(
            config,
            Box::new(auth::RingProvider),
            &mut auth::RingRandom::new(),
        )
    }

    /// Tells the machine the TLS handshake finished, with the server's leaf certificate (DER)
    /// when the adapter has it: SCRAM-SHA-256-PLUS binds to its RFC 5929 hash. Then the
    /// StartupMessage is queued; bytes fed from now on are the decrypted stream.
    ///
    /// # Errors
    /// Called when no TLS was asked for; or `channel_binding=require` with no usable
    /// certificate hash.
    pub fn tls_established(&mut self, server_cert_der: Option<&[u8]>) -> Result<(), Error> {
        if self.phase != Phase::AwaitTls {
            return Err(Error::InvalidState(
                "tls_established without a StartTls event",
            ));
        }
        self.tls = true;
        if let Some(der) = server_cert_der {
            let mut out = [0u8; 64];
            match auth::tls_server_end_point(&*self.provider, der, &mut out) {
                Ok(n) => self.cert_hash = Some(Vec::from(&out[..n])),
                Err(e) if self.config.channel_binding == ChannelBindingMode::Require => {
                    return Err(self.fail(Error::CertificateHash(e)));
                }
                Err(_) => {}
            }
        }
        self.send_startup();
        Ok(())
    }

    /// Whether the session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The protocol version in use (the requested one until the server negotiates down).
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol
    }

    /// Whether the session takes requests.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// The transaction status of the last ReadyForQuery.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.status
    }

    /// The cancel key, once the server sent it.
    pub fn cancel_token(&self) -> Option<&CancelToken> {
        self.cancel.as_ref()
    }

    /// Whether SCRAM-SHA-256-PLUS (channel binding) authenticated this session.
    pub fn used_channel_binding(&self) -> bool {
        self.scram.as_ref().is_some_and(|s| {
            s.is_done() && matches!(s.binding(), ChannelBinding::TlsServerEndPoint(_))
        })
    }

    /// Server answers still expected: one per message sent that the server answers (each
    /// Parse, Bind, Describe, Execute, Close, Sync and simple Query counts, so one cached
    /// `execute` may count several). Zero means nothing is in flight.
    pub fn pending_requests(&self) -> usize {
        self.expects.len()
    }

    /// Statements in the cache.
    pub fn cached_statements(&self) -> usize {
        self.cache.len()
    }

    fn send_startup(&mut self) {
        let mut params: Vec<StartupParam<'_>> = Vec::new();
        let c = &self.config;
        params.push(StartupParam {
            name: b"user",
            value: c.user.as_bytes(),
        });
        if let Some(db) = &c.database {
            params.push(StartupParam {
                name: b"database",
                value: db.as_bytes(),
            });
        }
        if let Some(app) = &c.application_name {
            params.push(StartupParam {
                name: b"application_name",
                value: app.as_bytes(),
            });
        }
        // Text values are decoded as UTF-8 and ISO dates (crate::types); floats exactly.
        params.push(StartupParam {
            name: b"client_encoding",
            value: b"UTF8",
        });
        params.push(StartupParam {
            name: b"DateStyle",
            value: b"ISO",
        });
        params.push(StartupParam {
            name: b"IntervalStyle",
            value: b"iso_8601",
        });
        params.push(StartupParam {
            name: b"extra_float_digits",
            value: b"3",
        });
        for (n, v) in &c.params {
            params.push(StartupParam {
                name: n.as_bytes(),
                value: v.as_bytes(),
            });
        }
        Startup::Startup {
            version: c.protocol_version,
            params: List::new(&params),
        }
        .emit(&mut self.out);
        self.phase = Phase::Auth;
    }

    /// Ends the session on a fatal error: a Terminate where the session had started.
    fn fail(&mut self, e: Error) -> Error {
        if matches!(self.phase, Phase::Ready | Phase::AwaitReady) {
            Frontend::Terminate.emit(&mut self.out);
        }
        self.phase = Phase::Closed;
        e
    }

    fn id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn push_event(&mut self, e: Event) {
        self.flush_batch();
        self.events.push_back(e);
    }

    fn flush_batch(&mut self) {
        if let Some((id, rows)) = self.batch.take() {
            self.events.push_back(Event::Rows { id, rows });
        }
    }

    /// Processes every whole message buffered.
    fn process(&mut self) -> Result<(), Error> {
        let buf = core::mem::take(&mut self.inbuf);
        let r = self.process_buf(&buf);
        self.inbuf = buf;
        self.flush_batch();
        r
    }

    fn process_buf(&mut self, buf: &[u8]) -> Result<(), Error> {
        loop {
            if self.phase == Phase::Closed || self.phase == Phase::AwaitTls {
                if self.phase == Phase::AwaitTls && self.in_start < self.in_end {
                    // CVE-2021-23222: nothing may follow the 'S' before TLS starts.
                    return Err(
                        self.fail(Error::Protocol("unencrypted bytes after the SSL answer"))
                    );
                }
                return Ok(());
            }
            let avail = &buf[self.in_start..self.in_end];
            if self.phase == Phase::SslRequested {
                let Some(&b) = avail.first() else {
                    return Ok(());
                };
                self.in_start += 1;
                match b {
                    b'S' => {
                        self.phase = Phase::AwaitTls;
                        self.push_event(Event::StartTls);
                    }
                    b'N' if self.config.ssl_mode == SslMode::Require => {
                        return Err(self.fail(Error::TlsRefused));
                    }
                    b'N' => self.send_startup(),
                    // 'E' (an ErrorResponse from a server that does not know SSLRequest) or
                    // anything else: no TLS here.
                    _ => return Err(self.fail(Error::TlsRefused)),
                }
                continue;
            }
            let frame = match read_frame(avail, self.config.max_message_size) {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(e.into())),
            };
            let (frame, used) = frame;
            self.in_start += used;
            let msg = match Backend::parse(frame.tag, frame.body) {
                Ok(m) => m,
                Err(e) => return Err(self.fail(e.into())),
            };
            let r = match self.phase {
                Phase::Auth | Phase::AwaitReady => self.on_startup_message(msg),
                _ => self.on_message(msg, frame.body),
            };
            if let Err(e) = r {
                return Err(self.fail(e));
            }
        }
    }

    fn on_startup_message(&mut self, msg: Backend<'_>) -> Result<(), Error> {
        match msg {
            Backend::NegotiateProtocolVersion { newest_minor, .. }
                if self.phase == Phase::Auth && !self.password_sent && self.scram.is_none() =>
            {
                // §54.7 calls the field the newest minor version, but servers send the whole
                // version word (PostgreSQL 15 sends 0x00030000, as libpq expects): accept
                // both, and only a downgrade within major version 3.
                let word = u32::try_from(newest_minor)
                    .map_err(|_| Error::Protocol("negative protocol version"))?;
                let minor = if word >> 16 == 0 {
                    word as u16
                } else if word >> 16 == 3 {
                    ProtocolVersion(word).minor()
                } else {
                    return Err(Error::Protocol(
                        "NegotiateProtocolVersion for another major version",
                    ));
                };
                if minor >= self.protocol.minor() {
                    return Err(Error::Protocol(
                        "NegotiateProtocolVersion without a downgrade",
                    ));
                }
                self.protocol = ProtocolVersion::v3(minor);
                Ok(())
            }
            Backend::Authentication(a) if self.phase == Phase::Auth => self.on_auth(a),
            Backend::ErrorResponse(f) => Err(Error::Server(DbError::from_fields(f))),
            Backend::NoticeResponse(f) => {
                self.push_event(Event::Notice(DbError::from_fields(f)));
                Ok(())
            }
            Backend::BackendKeyData(k) if self.phase == Phase::AwaitReady => {
                // §54.7: 4 bytes before 3.2; 4 to 256 from 3.2.
                if !k.key_allowed(self.protocol) {
                    return Err(Error::Protocol(
                        "cancel key length not allowed by the protocol version",
                    ));
                }
                self.cancel = Some(CancelToken {
                    process_id: k.process_id,
                    secret_key: Vec::from(k.secret_key),
                });
                Ok(())
            }
            Backend::ParameterStatus { name, value } if self.phase == Phase::AwaitReady => {
                self.on_parameter_status(name, value);
                Ok(())
            }
            Backend::ReadyForQuery(s) if self.phase == Phase::AwaitReady => {
                self.status = s;
                self.phase = Phase::Ready;
                let process_id = self.cancel.as_ref().map_or(0, |c| c.process_id);
                self.push_event(Event::Ready {
                    protocol: self.protocol,
                    process_id,
                });
                // Requests queued before the session was ready go out now.
                Ok(())
            }
            other => Err(Error::UnexpectedMessage {
                state: "starting up",
                tag: other.tag(),
            }),
        }
    }

    fn on_parameter_status(&mut self, name: &[u8], value: &[u8]) {
        self.push_event(Event::ParameterStatus {
            name: String::from_utf8_lossy(name).into_owned(),
            value: String::from_utf8_lossy(value).into_owned(),
        });
    }

    fn password(&self) -> Result<&[u8], Error> {
        self.config
            .password
            .as_deref()
            .ok_or(Error::PasswordRequired)
    }

    fn on_auth(&mut self, a: Authentication<'_>) -> Result<(), Error> {
        let require_cb = self.config.channel_binding == ChannelBindingMode::Require;
        match a {
            Authentication::Ok => {
                if let Some(s) = &self.scram {
                    if !s.is_done() {
                        // A server that skips the SCRAM proof could be anyone.
                        return Err(Error::Protocol("AuthenticationOk before SCRAM finished"));
                    }
                }
                if require_cb && !self.used_channel_binding() {
                    return Err(Error::ChannelBindingRequired);
                }
                self.phase = Phase::AwaitReady;
            }
            Authentication::CleartextPassword | Authentication::Md5Password { .. } => {
                if require_cb {
                    return Err(Error::ChannelBindingRequired);
                }
                if self.password_sent || self.scram.is_some() {
                    return Err(Error::Protocol("a second password request"));
                }
                let pw = self
                    .config
                    .password
                    .as_deref()
                    .ok_or(Error::PasswordRequired)?;
                let msg;
                let body: &[u8] = if let Authentication::Md5Password { salt } = a {
                    msg = auth::md5_password(self.config.user.as_bytes(), pw, salt);
                    &msg
                } else if self.config.allow_cleartext_password {
                    pw
                } else {
                    return Err(Error::CleartextRefused);
                };
                if body.contains(&0) {
                    return Err(Error::NulInString);
                }
                Frontend::PasswordMessage(body).emit(&mut self.out);
                self.password_sent = true;
            }
            Authentication::Sasl(mechs) => {
                if self.scram.is_some() || self.password_sent {
                    return Err(Error::Protocol("a second SASL request"));
                }
                let plus = mechs.iter().any(|m| m == b"SCRAM-SHA-256-PLUS");
                let plain = mechs.iter().any(|m| m == b"SCRAM-SHA-256");
                let mode = self.config.channel_binding;
                let binding = match (&self.cert_hash, self.tls, plus, mode) {
                    (
                        Some(h),
                        true,
                        true,
                        ChannelBindingMode::Prefer | ChannelBindingMode::Require,
                    ) => ChannelBinding::TlsServerEndPoint(h.clone()),
                    (_, _, _, ChannelBindingMode::Require) => {
                        return Err(Error::ChannelBindingRequired);
                    }
                    // TLS and a certificate hash, but the server offered no PLUS: "y" (RFC
                    // 5802 §6) lets a server that did offer it detect the downgrade.
                    (Some(_), true, false, ChannelBindingMode::Prefer) if plain => {
                        ChannelBinding::ClientOnly
                    }
                    _ if plain => ChannelBinding::NotSupported,
                    _ => return Err(Error::UnsupportedAuthentication("no SCRAM-SHA-256 offered")),
                };
                let pw = self.password()?;
                let scram = ScramClient::new("", pw, &self.nonce, binding);
                let first = scram.client_first();
                let mech = scram.binding().mechanism();
                Frontend::SaslInitialResponse {
                    mechanism: mech.as_bytes(),
                    data: Some(first.as_bytes()),
                }
                .emit(&mut self.out);
                self.scram = Some(scram);
            }
            Authentication::SaslContinue(data) => {
                let max = self.config.max_scram_iterations;
                let scram = self
                    .scram
                    .as_mut()
                    .ok_or(Error::Protocol("SASLContinue without SASL"))?;
                let fin = scram.server_first(&*self.provider, data, max)?;
                Frontend::SaslResponse(fin.as_bytes()).emit(&mut self.out);
            }
            Authentication::SaslFinal(data) => {
                let scram = self
                    .scram
                    .as_mut()
                    .ok_or(Error::Protocol("SASLFinal without SASL"))?;
                scram.server_final(data)?;
            }
            Authentication::KerberosV5 => {
                return Err(Error::UnsupportedAuthentication("Kerberos V5"));
            }
            Authentication::Gss | Authentication::GssContinue(_) => {
                return Err(Error::UnsupportedAuthentication("GSSAPI"));
            }
            Authentication::Sspi => return Err(Error::UnsupportedAuthentication("SSPI")),
        }
        Ok(())
    }
}

impl Machine for ClientConnection {
    type Event = Event;
    type Error = Error;

    fn handle_timeout(&mut self, _now: Timestamp) -> Result<(), Error> {
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Timestamp> {
        None
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn close(&mut self, _now: Timestamp) {
        if self.closing || self.phase == Phase::Closed {
            return;
        }
        self.closing = true;
        if matches!(self.phase, Phase::Ready | Phase::AwaitReady | Phase::Auth) {
            Frontend::Terminate.emit(&mut self.out);
        }
        self.phase = Phase::Closed;
    }

    fn is_closed(&self) -> bool {
        self.phase == Phase::Closed && self.out_pos >= self.out.len()
    }

    fn poll_error(&mut self) -> Option<Error> {
        self.late_error.take()
    }
}

impl StreamMachine for ClientConnection {
    type Payload = NoPayload;

    fn input_buffer(&mut self) -> &mut [u8] {
        if matches!(self.phase, Phase::AwaitTls | Phase::Closed) {
            return &mut [];
        }
        if self.in_start > 0 {
            self.inbuf.copy_within(self.in_start..self.in_end, 0);
            self.in_end -= self.in_start;
            self.in_start = 0;
        }
        // Room for the message being read (its length is known from its header, already
        // checked against the limit), or a chunk.
        // Room for a chunk; for a long message, growth that doubles what has arrived of it,
        // so a header announcing the limit does not allocate the limit before the bytes come
        // (the header itself was already checked against the limit).
        let mut want = self.in_end + READ_CHUNK;
        if let Some(h) = self.inbuf.get(..5).filter(|_| self.in_end >= 5) {
            let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
            let total = 1 + len.min(self.config.max_message_size as usize + 4);
            if total > self.in_end {
                let step = (total - self.in_end).min(self.in_end.max(READ_CHUNK));
                want = want.max(self.in_end + step);
            }
        }
        if self.inbuf.len() < want {
            self.inbuf.resize(want, 0);
        }
        &mut self.inbuf[self.in_end..]
    }

    fn commit_input(&mut self, _now: Timestamp, n: usize) -> Result<(), Error> {
        self.in_end = (self.in_end + n).min(self.inbuf.len());
        self.process()
    }

    fn handle_eof(&mut self, _now: Timestamp) -> Result<(), Error> {
        if self.phase == Phase::Closed {
            return Ok(());
        }
        self.phase = Phase::Closed;
        self.flush_batch();
        Err(Error::UnexpectedEof)
    }

    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> usize {
        let pending = &self.out[self.out_pos..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.out_pos += n;
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        n
    }
}

/// Checks a string for the protocol: no NUL inside.
fn no_nul(s: &[u8]) -> Result<&[u8], Error> {
    if s.contains(&0) {
        Err(Error::NulInString)
    } else {
        Ok(s)
    }
}

/// The machine moves between threads with its driver (tokio tasks).
const _: fn() = || {
    fn is_send<T: Send>() {}
    is_send::<ClientConnection>();
};
