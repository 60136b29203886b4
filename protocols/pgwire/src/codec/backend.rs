//! Backend (server → client) messages, §54.7.

use core::fmt;

use super::wire::{Item, List, Reader, Sink, Text, framed};
use super::{CodecError, Format, ProtocolVersion};

/// The most items a NUL-terminated list may hold (SASL mechanisms, error fields); far above
/// what any server sends, it only bounds the walk.
const MAX_TERMINATED_ITEMS: usize = 256;

/// A backend message, borrowing its body.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Backend<'a> {
    /// `R`: one of the authentication requests.
    Authentication(Authentication<'a>),
    /// `K`: the cancel key.
    BackendKeyData(BackendKeyData<'a>),
    /// `2`.
    BindComplete,
    /// `3`.
    CloseComplete,
    /// `C`: the command tag, such as `INSERT 0 1`.
    CommandComplete(&'a [u8]),
    /// `d`.
    CopyData(&'a [u8]),
    /// `c`.
    CopyDone,
    /// `G`.
    CopyInResponse(CopyResponse<'a>),
    /// `H`.
    CopyOutResponse(CopyResponse<'a>),
    /// `W`.
    CopyBothResponse(CopyResponse<'a>),
    /// `D`: one row's values (`None` is SQL NULL).
    DataRow(List<'a, Option<&'a [u8]>>),
    /// `I`.
    EmptyQueryResponse,
    /// `E`.
    ErrorResponse(Fields<'a>),
    /// `V`: the function's result (`None` is NULL).
    FunctionCallResponse(Option<&'a [u8]>),
    /// `v`: the newest minor version the server supports and the options it did not know.
    NegotiateProtocolVersion {
        /// The newest minor version of the requested major version.
        newest_minor: i32,
        /// Protocol options (`_pq_.…`) the server did not recognize.
        unrecognized: List<'a, &'a [u8]>,
    },
    /// `n`.
    NoData,
    /// `N`.
    NoticeResponse(Fields<'a>),
    /// `A`: a NOTIFY.
    NotificationResponse {
        /// The notifying backend's process id.
        process_id: i32,
        /// The channel.
        channel: &'a [u8],
        /// The payload.
        payload: &'a [u8],
    },
    /// `t`: parameter type oids of a described statement.
    ParameterDescription(List<'a, u32>),
    /// `S`: a run-time parameter's current value.
    ParameterStatus {
        /// The parameter.
        name: &'a [u8],
        /// Its value.
        value: &'a [u8],
    },
    /// `1`.
    ParseComplete,
    /// `s`.
    PortalSuspended,
    /// `Z`.
    ReadyForQuery(TransactionStatus),
    /// `T`.
    RowDescription(List<'a, RowField<'a>>),
}

/// The `R` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authentication<'a> {
    /// 0: authenticated.
    Ok,
    /// 2.
    KerberosV5,
    /// 3: send the password in clear text.
    CleartextPassword,
    /// 5: send an MD5 hash of the password with this salt.
    Md5Password {
        /// The salt.
        salt: [u8; 4],
    },
    /// 7.
    Gss,
    /// 8.
    GssContinue(&'a [u8]),
    /// 9.
    Sspi,
    /// 10: the SASL mechanisms the server offers, in its order of preference.
    Sasl(List<'a, &'a [u8]>),
    /// 11: the server-first-message.
    SaslContinue(&'a [u8]),
    /// 12: the server-final-message.
    SaslFinal(&'a [u8]),
}

/// `K`: the process id and secret key to cancel this session's queries with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendKeyData<'a> {
    /// The backend's process id.
    pub process_id: i32,
    /// The secret key: 4 bytes before protocol 3.2, 4 to 256 bytes from 3.2 on.
    pub secret_key: &'a [u8],
}

impl BackendKeyData<'_> {
    /// Whether the key length is allowed under `version` (§54.7 BackendKeyData: "always 4
    /// bytes" before 3.2, "minimum and maximum key length are 4 and 256 bytes" from 3.2).
    pub fn key_allowed(&self, version: ProtocolVersion) -> bool {
        version.cancel_key_allowed(self.secret_key.len())
    }
}

/// The body of CopyInResponse, CopyOutResponse and CopyBothResponse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CopyResponse<'a> {
    /// The overall format: 0 text, 1 binary.
    pub format: u8,
    /// Each column's format.
    pub column_formats: List<'a, Format>,
}

/// The transaction status in ReadyForQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    /// `I`: not in a transaction block.
    Idle,
    /// `T`: in a transaction block.
    InTransaction,
    /// `E`: in a failed transaction block (commands are refused until it ends).
    Failed,
}

impl TransactionStatus {
    /// The status byte.
    pub const fn byte(self) -> u8 {
        match self {
            Self::Idle => b'I',
            Self::InTransaction => b'T',
            Self::Failed => b'E',
        }
    }
}

/// One field of a RowDescription.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RowField<'a> {
    /// The column name.
    pub name: &'a [u8],
    /// The table's oid, or 0.
    pub table_oid: u32,
    /// The column's attribute number, or 0.
    pub column_id: i16,
    /// The data type's oid.
    pub type_oid: u32,
    /// `pg_type.typlen` (negative for variable width).
    pub type_size: i16,
    /// `pg_attribute.atttypmod`.
    pub type_modifier: i32,
    /// The format of the values.
    pub format: Format,
}

impl fmt::Debug for RowField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowField")
            .field("name", &Text(self.name))
            .field("table_oid", &self.table_oid)
            .field("column_id", &self.column_id)
            .field("type_oid", &self.type_oid)
            .field("type_size", &self.type_size)
            .field("type_modifier", &self.type_modifier)
            .field("format", &self.format)
            .finish()
    }
}

impl<'a> Item<'a> for RowField<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        Ok(Self {
            name: r.cstr()?,
            table_oid: r.u32()?,
            column_id: r.i16()?,
            type_oid: r.u32()?,
            type_size: r.i16()?,
            type_modifier: r.i32()?,
            format: Format(r.i16()?),
        })
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_cstr(self.name);
        s.put_i32(self.table_oid as i32);
        s.put_i16(self.column_id);
        s.put_i32(self.type_oid as i32);
        s.put_i16(self.type_size);
        s.put_i32(self.type_modifier);
        s.put_i16(self.format.0);
    }
}

/// One field of an ErrorResponse or NoticeResponse (§54.8): a type code and its text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ErrorField<'a> {
    /// The field type (`S` severity, `C` SQLSTATE, `M` message, …).
    pub code: u8,
    /// The text.
    pub value: &'a [u8],
}

impl fmt::Debug for ErrorField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}", self.code as char, Text(self.value))
    }
}

impl<'a> Item<'a> for ErrorField<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, CodecError> {
        Ok(Self {
            code: r.u8()?,
            value: r.cstr()?,
        })
    }
    fn write<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put_u8(self.code);
        s.put_cstr(self.value);
    }
}

/// The fields of an ErrorResponse or NoticeResponse.
pub type Fields<'a> = List<'a, ErrorField<'a>>;

impl<'a> Fields<'a> {
    /// The first field of type `code` (`b'C'` for the SQLSTATE, `b'M'` for the message).
    pub fn field(&self, code: u8) -> Option<&'a [u8]> {
        self.iter().find(|f| f.code == code).map(|f| f.value)
    }
}

impl<'a> Backend<'a> {
    /// Parses the body of the message of type `tag`.
    ///
    /// # Errors
    /// An unknown type or a body that does not match its format.
    pub fn parse(tag: u8, body: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(tag, body);
        let msg = match tag {
            b'R' => Self::Authentication(parse_auth(&mut r)?),
            b'K' => {
                let process_id = r.i32()?;
                let secret_key = r.take_rest();
                if !(4..=256).contains(&secret_key.len()) {
                    return Err(r.malformed("secret key not 4 to 256 bytes"));
                }
                Self::BackendKeyData(BackendKeyData {
                    process_id,
                    secret_key,
                })
            }
            b'2' => Self::BindComplete,
            b'3' => Self::CloseComplete,
            b'C' => Self::CommandComplete(r.cstr()?),
            b'd' => Self::CopyData(r.take_rest()),
            b'c' => Self::CopyDone,
            b'G' => Self::CopyInResponse(parse_copy(&mut r)?),
            b'H' => Self::CopyOutResponse(parse_copy(&mut r)?),
            b'W' => Self::CopyBothResponse(parse_copy(&mut r)?),
            b'D' => {
                let n = count(&mut r)?;
                Self::DataRow(List::read(&mut r, n)?)
            }
            b'I' => Self::EmptyQueryResponse,
            b'E' => Self::ErrorResponse(List::read_terminated(&mut r, MAX_TERMINATED_ITEMS)?),
            b'N' => Self::NoticeResponse(List::read_terminated(&mut r, MAX_TERMINATED_ITEMS)?),
            b'V' => Self::FunctionCallResponse(r.value()?),
            b'v' => {
                let newest_minor = r.i32()?;
                let n = r.i32()?;
                let n = usize::try_from(n).map_err(|_| r.malformed("negative option count"))?;
                if n > r.rest().len() {
                    return Err(r.malformed("option count past the end of the message"));
                }
                Self::NegotiateProtocolVersion {
                    newest_minor,
                    unrecognized: List::read(&mut r, n)?,
                }
            }
            b'n' => Self::NoData,
            b'A' => Self::NotificationResponse {
                process_id: r.i32()?,
                channel: r.cstr()?,
                payload: r.cstr()?,
            },
            b't' => {
                let n = count(&mut r)?;
                Self::ParameterDescription(List::read(&mut r, n)?)
            }
            b'S' => Self::ParameterStatus {
                name: r.cstr()?,
                value: r.cstr()?,
            },
            b'1' => Self::ParseComplete,
            b's' => Self::PortalSuspended,
            b'Z' => Self::ReadyForQuery(match r.u8()? {
                b'I' => TransactionStatus::Idle,
                b'T' => TransactionStatus::InTransaction,
                b'E' => TransactionStatus::Failed,
                _ => return Err(r.malformed("unknown transaction status")),
            }),
            b'T' => {
                let n = count(&mut r)?;
                Self::RowDescription(List::read(&mut r, n)?)
            }
            other => return Err(CodecError::UnknownMessage(other)),
        };
        r.finish()?;
        Ok(msg)
    }

    /// The message's type byte.
    pub const fn tag(&self) -> u8 {
        match self {
            Self::Authentication(_) => b'R',
            Self::BackendKeyData(_) => b'K',
            Self::BindComplete => b'2',
            Self::CloseComplete => b'3',
            Self::CommandComplete(_) => b'C',
            Self::CopyData(_) => b'd',
            Self::CopyDone => b'c',
            Self::CopyInResponse(_) => b'G',
            Self::CopyOutResponse(_) => b'H',
            Self::CopyBothResponse(_) => b'W',
            Self::DataRow(_) => b'D',
            Self::EmptyQueryResponse => b'I',
            Self::ErrorResponse(_) => b'E',
            Self::FunctionCallResponse(_) => b'V',
            Self::NegotiateProtocolVersion { .. } => b'v',
            Self::NoData => b'n',
            Self::NoticeResponse(_) => b'N',
            Self::NotificationResponse { .. } => b'A',
            Self::ParameterDescription(_) => b't',
            Self::ParameterStatus { .. } => b'S',
            Self::ParseComplete => b'1',
            Self::PortalSuspended => b's',
            Self::ReadyForQuery(_) => b'Z',
            Self::RowDescription(_) => b'T',
        }
    }

    /// The message's name as the protocol chapter spells it.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Authentication(_) => "Authentication",
            Self::BackendKeyData(_) => "BackendKeyData",
            Self::BindComplete => "BindComplete",
            Self::CloseComplete => "CloseComplete",
            Self::CommandComplete(_) => "CommandComplete",
            Self::CopyData(_) => "CopyData",
            Self::CopyDone => "CopyDone",
            Self::CopyInResponse(_) => "CopyInResponse",
            Self::CopyOutResponse(_) => "CopyOutResponse",
            Self::CopyBothResponse(_) => "CopyBothResponse",
            Self::DataRow(_) => "DataRow",
            Self::EmptyQueryResponse => "EmptyQueryResponse",
            Self::ErrorResponse(_) => "ErrorResponse",
            Self::FunctionCallResponse(_) => "FunctionCallResponse",
            Self::NegotiateProtocolVersion { .. } => "NegotiateProtocolVersion",
            Self::NoData => "NoData",
            Self::NoticeResponse(_) => "NoticeResponse",
            Self::NotificationResponse { .. } => "NotificationResponse",
            Self::ParameterDescription(_) => "ParameterDescription",
            Self::ParameterStatus { .. } => "ParameterStatus",
            Self::ParseComplete => "ParseComplete",
            Self::PortalSuspended => "PortalSuspended",
            Self::ReadyForQuery(_) => "ReadyForQuery",
            Self::RowDescription(_) => "RowDescription",
        }
    }

    /// Writes the whole message (type byte, length, body).
    pub fn emit<S: Sink + ?Sized>(&self, s: &mut S) {
        framed(s, Some(self.tag()), |s| self.emit_body(s));
    }

    fn emit_body<S: Sink + ?Sized>(&self, s: &mut S) {
        match *self {
            Self::Authentication(a) => emit_auth(a, s),
            Self::BackendKeyData(k) => {
                s.put_i32(k.process_id);
                s.put(k.secret_key);
            }
            Self::BindComplete
            | Self::CloseComplete
            | Self::CopyDone
            | Self::EmptyQueryResponse
            | Self::NoData
            | Self::ParseComplete
            | Self::PortalSuspended => {}
            Self::CommandComplete(t) => s.put_cstr(t),
            Self::CopyData(d) => s.put(d),
            Self::CopyInResponse(c) | Self::CopyOutResponse(c) | Self::CopyBothResponse(c) => {
                s.put_u8(c.format);
                s.put_i16(c.column_formats.count_i16());
                c.column_formats.write(s);
            }
            Self::DataRow(values) => {
                s.put_i16(values.count_i16());
                values.write(s);
            }
            Self::ErrorResponse(f) | Self::NoticeResponse(f) => {
                f.write(s);
                s.put_u8(0);
            }
            Self::FunctionCallResponse(v) => s.put_value(v),
            Self::NegotiateProtocolVersion {
                newest_minor,
                unrecognized,
            } => {
                s.put_i32(newest_minor);
                s.put_i32(super::len_i32(unrecognized.len()));
                unrecognized.write(s);
            }
            Self::NotificationResponse {
                process_id,
                channel,
                payload,
            } => {
                s.put_i32(process_id);
                s.put_cstr(channel);
                s.put_cstr(payload);
            }
            Self::ParameterDescription(oids) => {
                s.put_i16(oids.count_i16());
                oids.write(s);
            }
            Self::ParameterStatus { name, value } => {
                s.put_cstr(name);
                s.put_cstr(value);
            }
            Self::ReadyForQuery(t) => s.put_u8(t.byte()),
            Self::RowDescription(fields) => {
                s.put_i16(fields.count_i16());
                fields.write(s);
            }
        }
    }
}

/// A non-negative `Int16` count; reading the items is bounded by the body (each takes a byte
/// or more).
fn count(r: &mut Reader<'_>) -> Result<usize, CodecError> {
    let n = r.i16()?;
    let n = usize::try_from(n).map_err(|_| r.malformed("negative count"))?;
    Ok(n)
}

fn parse_copy<'a>(r: &mut Reader<'a>) -> Result<CopyResponse<'a>, CodecError> {
    let format = r.u8()?;
    let n = count(r)?;
    Ok(CopyResponse {
        format,
        column_formats: List::read(r, n)?,
    })
}

fn parse_auth<'a>(r: &mut Reader<'a>) -> Result<Authentication<'a>, CodecError> {
    Ok(match r.i32()? {
        0 => Authentication::Ok,
        2 => Authentication::KerberosV5,
        3 => Authentication::CleartextPassword,
        5 => {
            let s = r.bytes(4)?;
            Authentication::Md5Password {
                salt: [s[0], s[1], s[2], s[3]],
            }
        }
        7 => Authentication::Gss,
        8 => Authentication::GssContinue(r.take_rest()),
        9 => Authentication::Sspi,
        10 => Authentication::Sasl(List::read_terminated(r, MAX_TERMINATED_ITEMS)?),
        11 => Authentication::SaslContinue(r.take_rest()),
        12 => Authentication::SaslFinal(r.take_rest()),
        _ => return Err(r.malformed("unknown authentication request")),
    })
}

fn emit_auth<S: Sink + ?Sized>(a: Authentication<'_>, s: &mut S) {
    match a {
        Authentication::Ok => s.put_i32(0),
        Authentication::KerberosV5 => s.put_i32(2),
        Authentication::CleartextPassword => s.put_i32(3),
        Authentication::Md5Password { salt } => {
            s.put_i32(5);
            s.put(&salt);
        }
        Authentication::Gss => s.put_i32(7),
        Authentication::GssContinue(d) => {
            s.put_i32(8);
            s.put(d);
        }
        Authentication::Sspi => s.put_i32(9),
        Authentication::Sasl(m) => {
            s.put_i32(10);
            m.write(s);
            s.put_u8(0);
        }
        Authentication::SaslContinue(d) => {
            s.put_i32(11);
            s.put(d);
        }
        Authentication::SaslFinal(d) => {
            s.put_i32(12);
            s.put(d);
        }
    }
}
