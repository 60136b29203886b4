//! Startup-phase messages: untagged, with a request code where a tagged message has its type
//! byte (§54.7 StartupMessage, SSLRequest, GSSENCRequest, CancelRequest).

use core::fmt;

use super::wire::{Item, List, Reader, Sink, Text, framed};
use super::{CodecError, ProtocolVersion};

/// CancelRequest's code: 1234 in the high 16 bits, 5678 in the low.
pub const CANCEL_REQUEST_CODE: u32 = 80_877_102;
/// SSLRequest's code: 1234 / 5679.
pub const SSL_REQUEST_CODE: u32 = 80_877_103;
/// GSSENCRequest's code: 1234 / 5680.
pub const GSSENC_REQUEST_CODE: u32 = 80_877_104;

/// An untagged startup-phase message.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Startup<'a> {
    /// StartupMessage: the version and `name`/`value` parameters (`user` is required).
    Startup {
        /// The requested protocol version.
        version: ProtocolVersion,
        /// The parameters.
        params: List<'a, StartupParam<'a>>,
    },
    /// SSLRequest.
    SslRequest,
    /// GSSENCRequest.
    GssEncRequest,
    /// CancelRequest.
    Cancel(CancelRequest<'a>),
}

/// One `name`/`value` pair of a StartupMessage.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StartupParam<'a> {
    /// The name (`user`, `database`, `options`, `replication`, a run-time parameter, or a
    /// `_pq_.` protocol option).
    pub name: &'a [u8],
    /// The value.
    pub value: &'a [u8],
}

impl fmt::Debug for StartupParam<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}={:?}", Text(self.name), Text(self.value))
    }
}

impl<'a> Item<'a> for StartupParam<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        Ok(Self {
            name: r.cstr()?,
            value: r.cstr()?,
        })
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_cstr(self.name);
        s.put_cstr(self.value);
    }
}

/// CancelRequest: which backend to cancel, and its secret key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelRequest<'a> {
    /// The target backend's process id.
    pub process_id: i32,
    /// Its secret key: 4 bytes under protocol 3.0, up to 256 under 3.2.
    pub secret_key: &'a [u8],
}

impl CancelRequest<'_> {
    /// Whether the key length is allowed under `version` (4 bytes before 3.2; 4 to 256 from
    /// 3.2 on, §54.7 CancelRequest and BackendKeyData).
    pub fn key_allowed(&self, version: ProtocolVersion) -> bool {
        version.cancel_key_allowed(self.secret_key.len())
    }
}

/// The most parameters a StartupMessage may carry in this codec (bounds the walk).
const MAX_STARTUP_PARAMS: usize = 256;

impl<'a> Startup<'a> {
    /// Parses a startup-phase body (from [`read_startup_frame`](super::read_startup_frame)).
    ///
    /// # Errors
    /// An unknown code or a body that does not match its format.
    pub fn parse(body: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(0, body);
        let code = r.u32()?;
        let msg = match code {
            SSL_REQUEST_CODE => Self::SslRequest,
            GSSENC_REQUEST_CODE => Self::GssEncRequest,
            CANCEL_REQUEST_CODE => {
                let process_id = r.i32()?;
                let secret_key = r.take_rest();
                if !(4..=256).contains(&secret_key.len()) {
                    return Err(r.malformed("cancel key not 4 to 256 bytes"));
                }
                Self::Cancel(CancelRequest {
                    process_id,
                    secret_key,
                })
            }
            v if v >> 16 == 3 => Self::Startup {
                version: ProtocolVersion(v),
                params: List::read_terminated(&mut r, MAX_STARTUP_PARAMS)?,
            },
            other => return Err(CodecError::UnknownRequest(other)),
        };
        r.finish()?;
        Ok(msg)
    }

    /// Writes the whole message (length and body).
    pub fn emit<S: Sink + ?Sized>(&self, s: &mut S) {
        framed(s, None, |s| match *self {
            Self::Startup { version, params } => {
                s.put_i32(version.0 as i32);
                params.write(s);
                s.put_u8(0);
            }
            Self::SslRequest => s.put_i32(SSL_REQUEST_CODE as i32),
            Self::GssEncRequest => s.put_i32(GSSENC_REQUEST_CODE as i32),
            Self::Cancel(c) => {
                s.put_i32(CANCEL_REQUEST_CODE as i32);
                s.put_i32(c.process_id);
                s.put(c.secret_key);
            }
        });
    }

    /// The parameter `name` of a StartupMessage.
    pub fn param(&self, name: &[u8]) -> Option<&'a [u8]> {
        match self {
            Self::Startup { params, .. } => params.iter().find(|p| p.name == name).map(|p| p.value),
            _ => None,
        }
    }
}
