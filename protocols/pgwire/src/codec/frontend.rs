//! Frontend (client → server) messages after the startup phase, §54.7.

use super::wire::{List, Reader, Sink, framed};
use super::{CodecError, Format};

/// A tagged frontend message, borrowing its body.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Frontend<'a> {
    /// `B`.
    Bind(Bind<'a>),
    /// `C`: close a prepared statement or portal.
    Close {
        /// Statement or portal.
        target: Target,
        /// Its name (empty: the unnamed one).
        name: &'a [u8],
    },
    /// `d`.
    CopyData(&'a [u8]),
    /// `c`.
    CopyDone,
    /// `f`: abort COPY FROM STDIN with this message.
    CopyFail(&'a [u8]),
    /// `D`.
    Describe {
        /// Statement or portal.
        target: Target,
        /// Its name.
        name: &'a [u8],
    },
    /// `E`.
    Execute {
        /// The portal.
        portal: &'a [u8],
        /// Row limit (0: no limit).
        max_rows: i32,
    },
    /// `H`.
    Flush,
    /// `F`: the legacy fast-path function call.
    FunctionCall {
        /// The function's oid.
        function_oid: u32,
        /// The argument formats (none, one for all, or one each).
        arg_formats: List<'a, Format>,
        /// The arguments.
        args: List<'a, Option<&'a [u8]>>,
        /// The result format.
        result_format: Format,
    },
    /// `P`.
    Parse {
        /// The statement name (empty: the unnamed statement).
        name: &'a [u8],
        /// The SQL text.
        query: &'a [u8],
        /// Parameter type oids (0: let the server infer).
        param_types: List<'a, u32>,
    },
    /// `p` as parsed: its meaning (password, SASL initial response, SASL response, GSS
    /// response) depends on the authentication request it answers, §54.7 PasswordMessage.
    AuthResponse(AuthResponse<'a>),
    /// `p` as a PasswordMessage (cleartext or `md5…`), to emit.
    PasswordMessage(&'a [u8]),
    /// `p` as a SASLInitialResponse, to emit.
    SaslInitialResponse {
        /// The selected mechanism.
        mechanism: &'a [u8],
        /// The client-first-message (`None`: no initial response).
        data: Option<&'a [u8]>,
    },
    /// `p` as a SASLResponse or GSSResponse (the body is the data), to emit.
    SaslResponse(&'a [u8]),
    /// `Q`.
    Query(&'a [u8]),
    /// `S`.
    Sync,
    /// `X`.
    Terminate,
}

/// Close and Describe apply to a prepared statement (`S`) or a portal (`P`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `S`.
    Statement,
    /// `P`.
    Portal,
}

impl Target {
    const fn byte(self) -> u8 {
        match self {
            Self::Statement => b'S',
            Self::Portal => b'P',
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        match r.u8()? {
            b'S' => Ok(Self::Statement),
            b'P' => Ok(Self::Portal),
            _ => Err(r.malformed("target is neither 'S' nor 'P'")),
        }
    }
}

/// `B`: bind parameters to a statement, making a portal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bind<'a> {
    /// The portal to create (empty: the unnamed portal).
    pub portal: &'a [u8],
    /// The prepared statement.
    pub statement: &'a [u8],
    /// Parameter formats (none: all text; one: for all; or one each).
    pub param_formats: List<'a, Format>,
    /// Parameter values (`None` is NULL).
    pub params: List<'a, Option<&'a [u8]>>,
    /// Result column formats (none: all text; one: for all; or one each).
    pub result_formats: List<'a, Format>,
}

/// The body of a `p` message, read in the context of the authentication request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthResponse<'a>(pub &'a [u8]);

impl<'a> AuthResponse<'a> {
    /// As a PasswordMessage: the password (or `md5…` hash) without its NUL.
    ///
    /// # Errors
    /// No NUL, or bytes after it.
    pub fn password(self) -> Result<&'a [u8], CodecError> {
        let mut r = Reader::new(b'p', self.0);
        let p = r.cstr()?;
        r.finish()?;
        Ok(p)
    }

    /// As a SASLInitialResponse: the mechanism and the initial response.
    ///
    /// # Errors
    /// A body that does not match the format.
    pub fn sasl_initial(self) -> Result<(&'a [u8], Option<&'a [u8]>), CodecError> {
        let mut r = Reader::new(b'p', self.0);
        let m = r.cstr()?;
        let d = r.value()?;
        r.finish()?;
        Ok((m, d))
    }

    /// As a SASLResponse or GSSResponse: the data.
    pub const fn data(self) -> &'a [u8] {
        self.0
    }
}

impl<'a> Frontend<'a> {
    /// Parses the body of the message of type `tag`.
    ///
    /// # Errors
    /// An unknown type or a body that does not match its format.
    pub fn parse(tag: u8, body: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(tag, body);
        let msg = match tag {
            b'B' => {
                let portal = r.cstr()?;
                let statement = r.cstr()?;
                let n = count(&mut r)?;
                let param_formats = List::read(&mut r, n)?;
                let n = count(&mut r)?;
                let params = List::read(&mut r, n)?;
                let n = count(&mut r)?;
                let result_formats = List::read(&mut r, n)?;
                Self::Bind(Bind {
                    portal,
                    statement,
                    param_formats,
                    params,
                    result_formats,
                })
            }
            b'C' => Self::Close {
                target: Target::read(&mut r)?,
                name: r.cstr()?,
            },
            b'd' => Self::CopyData(r.take_rest()),
            b'c' => Self::CopyDone,
            b'f' => Self::CopyFail(r.cstr()?),
            b'D' => Self::Describe {
                target: Target::read(&mut r)?,
                name: r.cstr()?,
            },
            b'E' => Self::Execute {
                portal: r.cstr()?,
                max_rows: r.i32()?,
            },
            b'H' => Self::Flush,
            b'F' => {
                let function_oid = r.u32()?;
                let n = count(&mut r)?;
                let arg_formats = List::read(&mut r, n)?;
                let n = count(&mut r)?;
                let args = List::read(&mut r, n)?;
                Self::FunctionCall {
                    function_oid,
                    arg_formats,
                    args,
                    result_format: Format(r.i16()?),
                }
            }
            b'P' => {
                let name = r.cstr()?;
                let query = r.cstr()?;
                let n = count(&mut r)?;
                Self::Parse {
                    name,
                    query,
                    param_types: List::read(&mut r, n)?,
                }
            }
            b'p' => Self::AuthResponse(AuthResponse(r.take_rest())),
            b'Q' => Self::Query(r.cstr()?),
            b'S' => Self::Sync,
            b'X' => Self::Terminate,
            other => return Err(CodecError::UnknownMessage(other)),
        };
        r.finish()?;
        Ok(msg)
    }

    /// The message's type byte.
    pub const fn tag(&self) -> u8 {
        match self {
            Self::Bind(_) => b'B',
            Self::Close { .. } => b'C',
            Self::CopyData(_) => b'd',
            Self::CopyDone => b'c',
            Self::CopyFail(_) => b'f',
            Self::Describe { .. } => b'D',
            Self::Execute { .. } => b'E',
            Self::Flush => b'H',
            Self::FunctionCall { .. } => b'F',
            Self::Parse { .. } => b'P',
            Self::AuthResponse(_)
            | Self::PasswordMessage(_)
            | Self::SaslInitialResponse { .. }
            | Self::SaslResponse(_) => b'p',
            Self::Query(_) => b'Q',
            Self::Sync => b'S',
            Self::Terminate => b'X',
        }
    }

    /// The message's name as the protocol chapter spells it.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Bind(_) => "Bind",
            Self::Close { .. } => "Close",
            Self::CopyData(_) => "CopyData",
            Self::CopyDone => "CopyDone",
            Self::CopyFail(_) => "CopyFail",
            Self::Describe { .. } => "Describe",
            Self::Execute { .. } => "Execute",
            Self::Flush => "Flush",
            Self::FunctionCall { .. } => "FunctionCall",
            Self::Parse { .. } => "Parse",
            Self::AuthResponse(_) => "AuthenticationResponse",
            Self::PasswordMessage(_) => "PasswordMessage",
            Self::SaslInitialResponse { .. } => "SASLInitialResponse",
            Self::SaslResponse(_) => "SASLResponse",
            Self::Query(_) => "Query",
            Self::Sync => "Sync",
            Self::Terminate => "Terminate",
        }
    }

    /// Writes the whole message (type byte, length, body).
    pub fn emit<S: Sink + ?Sized>(&self, s: &mut S) {
        framed(s, Some(self.tag()), |s| self.emit_body(s));
    }

    fn emit_body<S: Sink + ?Sized>(&self, s: &mut S) {
        match *self {
            Self::Bind(b) => {
                s.put_cstr(b.portal);
                s.put_cstr(b.statement);
                s.put_i16(b.param_formats.count_i16());
                b.param_formats.write(s);
                s.put_i16(b.params.count_i16());
                b.params.write(s);
                s.put_i16(b.result_formats.count_i16());
                b.result_formats.write(s);
            }
            Self::Close { target, name } | Self::Describe { target, name } => {
                s.put_u8(target.byte());
                s.put_cstr(name);
            }
            Self::CopyData(d) | Self::SaslResponse(d) => s.put(d),
            Self::AuthResponse(a) => s.put(a.0),
            Self::CopyDone | Self::Flush | Self::Sync | Self::Terminate => {}
            Self::CopyFail(m) | Self::Query(m) | Self::PasswordMessage(m) => s.put_cstr(m),
            Self::Execute { portal, max_rows } => {
                s.put_cstr(portal);
                s.put_i32(max_rows);
            }
            Self::FunctionCall {
                function_oid,
                arg_formats,
                args,
                result_format,
            } => {
                s.put_i32(function_oid as i32);
                s.put_i16(arg_formats.count_i16());
                arg_formats.write(s);
                s.put_i16(args.count_i16());
                args.write(s);
                s.put_i16(result_format.0);
            }
            Self::Parse {
                name,
                query,
                param_types,
            } => {
                s.put_cstr(name);
                s.put_cstr(query);
                s.put_i16(param_types.count_i16());
                param_types.write(s);
            }
            Self::SaslInitialResponse { mechanism, data } => {
                s.put_cstr(mechanism);
                s.put_value(data);
            }
        }
    }
}

fn count(r: &mut Reader<'_>) -> Result<usize, CodecError> {
    let n = r.i16()?;
    usize::try_from(n).map_err(|_| r.malformed("negative count"))
}
