//! Every frame type of RFC 9113 §6 (and PRIORITY_UPDATE, RFC 9218 §7.1): parse and emit.

use super::{
    ErrorCode, FRAME_HEADER_LEN, FrameError, FrameHeader, FrameType, Settings, StreamId, flags,
};

/// The deprecated RFC 7540 priority fields of HEADERS and PRIORITY (§5.3.2, §6.3). Parsed so
/// the frame is understood; RFC 9218 priorities replace them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrioritySpec {
    /// The exclusive flag.
    pub exclusive: bool,
    /// The stream this one depends on.
    pub dependency: StreamId,
    /// The weight minus one (0..=255).
    pub weight: u8,
}

impl PrioritySpec {
    fn parse(b: &[u8]) -> Self {
        let dep = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        Self {
            exclusive: dep & 0x8000_0000 != 0,
            dependency: StreamId::new(dep),
            weight: b[4],
        }
    }

    fn emit(&self, out: &mut [u8]) {
        let dep = self.dependency.get() | if self.exclusive { 0x8000_0000 } else { 0 };
        out[..4].copy_from_slice(&dep.to_be_bytes());
        out[4] = self.weight;
    }
}

/// One frame, decoded: the plain representation (§6). Payload fields borrow from the input.
///
/// `padding` is the Pad Length of padded frames (`None`: not padded); the padding octets
/// themselves are zero on emit and ignored on parse. Flow control counts the whole payload,
/// padding included ([`Frame::flow_controlled_len`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame<'a> {
    /// DATA (§6.1).
    Data {
        /// The stream.
        stream_id: StreamId,
        /// The application data.
        data: &'a [u8],
        /// END_STREAM.
        end_stream: bool,
        /// Pad Length, when PADDED.
        padding: Option<u8>,
    },
    /// HEADERS (§6.2).
    Headers {
        /// The stream.
        stream_id: StreamId,
        /// The deprecated priority fields, when the PRIORITY flag is set.
        priority: Option<PrioritySpec>,
        /// The field block fragment.
        fragment: &'a [u8],
        /// END_STREAM.
        end_stream: bool,
        /// END_HEADERS.
        end_headers: bool,
        /// Pad Length, when PADDED.
        padding: Option<u8>,
    },
    /// PRIORITY (§6.3, deprecated; parsed and ignored by the machines).
    Priority {
        /// The stream.
        stream_id: StreamId,
        /// The priority fields.
        spec: PrioritySpec,
    },
    /// RST_STREAM (§6.4).
    RstStream {
        /// The stream.
        stream_id: StreamId,
        /// Why.
        code: ErrorCode,
    },
    /// SETTINGS (§6.5).
    Settings {
        /// ACK: acknowledges the peer's SETTINGS (then `settings` is empty).
        ack: bool,
        /// The parameters.
        settings: Settings<'a>,
    },
    /// PUSH_PROMISE (§6.6).
    PushPromise {
        /// The stream the promise is associated with.
        stream_id: StreamId,
        /// The stream it reserves.
        promised_id: StreamId,
        /// The field block fragment.
        fragment: &'a [u8],
        /// END_HEADERS.
        end_headers: bool,
        /// Pad Length, when PADDED.
        padding: Option<u8>,
    },
    /// PING (§6.7).
    Ping {
        /// ACK: a response.
        ack: bool,
        /// The opaque data.
        data: [u8; 8],
    },
    /// GOAWAY (§6.8).
    GoAway {
        /// The last stream the sender processed or may process.
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// Opaque diagnostic data.
        debug: &'a [u8],
    },
    /// WINDOW_UPDATE (§6.9).
    WindowUpdate {
        /// The stream, or 0 for the connection.
        stream_id: StreamId,
        /// The increment (1..=2^31-1).
        increment: u32,
    },
    /// CONTINUATION (§6.10).
    Continuation {
        /// The stream.
        stream_id: StreamId,
        /// The field block fragment.
        fragment: &'a [u8],
        /// END_HEADERS.
        end_headers: bool,
    },
    /// PRIORITY_UPDATE (RFC 9218 §7.1), always on stream 0.
    PriorityUpdate {
        /// The request stream (or push id) whose priority changes.
        prioritized_id: StreamId,
        /// The Priority Field Value (RFC 9218 §4), ASCII.
        field_value: &'a [u8],
    },
    /// A frame of a type this codec does not know: ignore it (§5.5).
    Unknown {
        /// The header.
        header: FrameHeader,
        /// The payload.
        payload: &'a [u8],
    },
}

/// Splits a padded payload (§6.1): the Pad Length octet, then the content, then padding.
fn unpad(kind: FrameType, f: u8, payload: &[u8]) -> Result<(&[u8], Option<u8>), FrameError> {
    if f & flags::PADDED == 0 {
        return Ok((payload, None));
    }
    let (&pad, rest) = payload
        .split_first()
        .ok_or(FrameError::BadPadding { kind })?;
    // "If the length of the padding is the length of the frame payload or greater, the
    // recipient MUST treat this as a connection error of type PROTOCOL_ERROR."
    if pad as usize > rest.len() {
        return Err(FrameError::BadPadding { kind });
    }
    Ok((&rest[..rest.len() - pad as usize], Some(pad)))
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl<'a> Frame<'a> {
    /// Decodes a frame from its header and payload. The length was checked against our
    /// SETTINGS_MAX_FRAME_SIZE by [`super::RawFrame::parse`]; this checks everything else
    /// the frame's own section requires.
    ///
    /// # Errors
    /// A [`FrameError`] that says whether it is a stream or a connection error.
    pub fn parse(h: FrameHeader, payload: &'a [u8]) -> Result<Self, FrameError> {
        let id = h.stream_id;
        let kind = h.kind;
        let bad_len = || FrameError::BadLength {
            kind,
            length: payload.len() as u32,
        };
        let need_stream = || {
            if id.is_connection() {
                Err(FrameError::BadStreamId {
                    kind,
                    stream_id: id,
                })
            } else {
                Ok(())
            }
        };
        let need_connection = || {
            if id.is_connection() {
                Ok(())
            } else {
                Err(FrameError::BadStreamId {
                    kind,
                    stream_id: id,
                })
            }
        };
        Ok(match kind {
            FrameType::DATA => {
                need_stream()?;
                let (data, padding) = unpad(kind, h.flags, payload)?;
                Self::Data {
                    stream_id: id,
                    data,
                    end_stream: h.has(flags::END_STREAM),
                    padding,
                }
            }
            FrameType::HEADERS => {
                need_stream()?;
                let (mut rest, padding) = unpad(kind, h.flags, payload)?;
                let priority = if h.has(flags::PRIORITY) {
                    if rest.len() < 5 {
                        return Err(bad_len());
                    }
                    let p = PrioritySpec::parse(rest);
                    rest = &rest[5..];
                    Some(p)
                } else {
                    None
                };
                Self::Headers {
                    stream_id: id,
                    priority,
                    fragment: rest,
                    end_stream: h.has(flags::END_STREAM),
                    end_headers: h.has(flags::END_HEADERS),
                    padding,
                }
            }
            FrameType::PRIORITY => {
                need_stream()?;
                if payload.len() != 5 {
                    return Err(FrameError::BadPriorityLength { stream_id: id });
                }
                Self::Priority {
                    stream_id: id,
                    spec: PrioritySpec::parse(payload),
                }
            }
            FrameType::RST_STREAM => {
                need_stream()?;
                if payload.len() != 4 {
                    return Err(bad_len());
                }
                Self::RstStream {
                    stream_id: id,
                    code: ErrorCode::new(be32(payload)),
                }
            }
            FrameType::SETTINGS => {
                need_connection()?;
                let ack = h.has(flags::ACK);
                if ack && !payload.is_empty() {
                    return Err(FrameError::SettingsAckWithPayload);
                }
                Self::Settings {
                    ack,
                    settings: Settings::from_payload(payload)?,
                }
            }
            FrameType::PUSH_PROMISE => {
                need_stream()?;
                let (rest, padding) = unpad(kind, h.flags, payload)?;
                if rest.len() < 4 {
                    return Err(bad_len());
                }
                let promised_id = StreamId::new(be32(rest));
                if promised_id.is_connection() {
                    return Err(FrameError::BadPromisedStream);
                }
                Self::PushPromise {
                    stream_id: id,
                    promised_id,
                    fragment: &rest[4..],
                    end_headers: h.has(flags::END_HEADERS),
                    padding,
                }
            }
            FrameType::PING => {
                need_connection()?;
                let data: [u8; 8] = payload.try_into().map_err(|_| bad_len())?;
                Self::Ping {
                    ack: h.has(flags::ACK),
                    data,
                }
            }
            FrameType::GOAWAY => {
                need_connection()?;
                if payload.len() < 8 {
                    return Err(bad_len());
                }
                Self::GoAway {
                    last_stream_id: StreamId::new(be32(payload)),
                    code: ErrorCode::new(be32(&payload[4..])),
                    debug: &payload[8..],
                }
            }
            FrameType::WINDOW_UPDATE => {
                if payload.len() != 4 {
                    return Err(bad_len());
                }
                let increment = be32(payload) & 0x7fff_ffff;
                if increment == 0 {
                    return Err(FrameError::ZeroWindowIncrement { stream_id: id });
                }
                Self::WindowUpdate {
                    stream_id: id,
                    increment,
                }
            }
            FrameType::CONTINUATION => {
                need_stream()?;
                Self::Continuation {
                    stream_id: id,
                    fragment: payload,
                    end_headers: h.has(flags::END_HEADERS),
                }
            }
            FrameType::PRIORITY_UPDATE => {
                // RFC 9218 §7.1: on stream 0, else PROTOCOL_ERROR; at least the 4-octet id.
                need_connection()?;
                if payload.len() < 4 {
                    return Err(bad_len());
                }
                Self::PriorityUpdate {
                    prioritized_id: StreamId::new(be32(payload)),
                    field_value: &payload[4..],
                }
            }
            _ => Self::Unknown { header: h, payload },
        })
    }

    /// The frame type.
    pub fn kind(&self) -> FrameType {
        match self {
            Self::Data { .. } => FrameType::DATA,
            Self::Headers { .. } => FrameType::HEADERS,
            Self::Priority { .. } => FrameType::PRIORITY,
            Self::RstStream { .. } => FrameType::RST_STREAM,
            Self::Settings { .. } => FrameType::SETTINGS,
            Self::PushPromise { .. } => FrameType::PUSH_PROMISE,
            Self::Ping { .. } => FrameType::PING,
            Self::GoAway { .. } => FrameType::GOAWAY,
            Self::WindowUpdate { .. } => FrameType::WINDOW_UPDATE,
            Self::Continuation { .. } => FrameType::CONTINUATION,
            Self::PriorityUpdate { .. } => FrameType::PRIORITY_UPDATE,
            Self::Unknown { header, .. } => header.kind,
        }
    }

    /// The stream the frame is on (0 for connection frames).
    pub fn stream_id(&self) -> StreamId {
        match *self {
            Self::Data { stream_id, .. }
            | Self::Headers { stream_id, .. }
            | Self::Priority { stream_id, .. }
            | Self::RstStream { stream_id, .. }
            | Self::PushPromise { stream_id, .. }
            | Self::WindowUpdate { stream_id, .. }
            | Self::Continuation { stream_id, .. } => stream_id,
            Self::Unknown { header, .. } => header.stream_id,
            Self::Settings { .. }
            | Self::Ping { .. }
            | Self::GoAway { .. }
            | Self::PriorityUpdate { .. } => StreamId::CONNECTION,
        }
    }

    /// The octets flow control counts for this frame: the whole payload of a DATA frame,
    /// padding included (§6.9); 0 for every other type.
    pub fn flow_controlled_len(&self) -> u32 {
        match self {
            Self::Data { data, padding, .. } => {
                data.len() as u32 + padding.map_or(0, |p| p as u32 + 1)
            }
            _ => 0,
        }
    }

    fn pad_len(padding: Option<u8>) -> usize {
        padding.map_or(0, |p| p as usize + 1)
    }

    /// The payload length on the wire.
    pub fn payload_len(&self) -> usize {
        match self {
            Self::Data { data, padding, .. } => data.len() + Self::pad_len(*padding),
            Self::Headers {
                fragment,
                priority,
                padding,
                ..
            } => fragment.len() + Self::pad_len(*padding) + if priority.is_some() { 5 } else { 0 },
            Self::Priority { .. } => 5,
            Self::RstStream { .. } | Self::WindowUpdate { .. } => 4,
            Self::Settings { settings, .. } => settings.encoded_len(),
            Self::PushPromise {
                fragment, padding, ..
            } => 4 + fragment.len() + Self::pad_len(*padding),
            Self::Ping { .. } => 8,
            Self::GoAway { debug, .. } => 8 + debug.len(),
            Self::Continuation { fragment, .. } => fragment.len(),
            Self::PriorityUpdate { field_value, .. } => 4 + field_value.len(),
            Self::Unknown { payload, .. } => payload.len(),
        }
    }

    /// Octets [`Frame::emit`] writes: the header and the payload.
    pub fn encoded_len(&self) -> usize {
        FRAME_HEADER_LEN + self.payload_len()
    }

    fn flags(&self) -> u8 {
        let bit = |b: bool, f: u8| if b { f } else { 0 };
        match *self {
            Self::Data {
                end_stream,
                padding,
                ..
            } => bit(end_stream, flags::END_STREAM) | bit(padding.is_some(), flags::PADDED),
            Self::Headers {
                end_stream,
                end_headers,
                padding,
                priority,
                ..
            } => {
                bit(end_stream, flags::END_STREAM)
                    | bit(end_headers, flags::END_HEADERS)
                    | bit(padding.is_some(), flags::PADDED)
                    | bit(priority.is_some(), flags::PRIORITY)
            }
            Self::Settings { ack, .. } | Self::Ping { ack, .. } => bit(ack, flags::ACK),
            Self::PushPromise {
                end_headers,
                padding,
                ..
            } => bit(end_headers, flags::END_HEADERS) | bit(padding.is_some(), flags::PADDED),
            Self::Continuation { end_headers, .. } => bit(end_headers, flags::END_HEADERS),
            Self::Unknown { header, .. } => header.flags,
            _ => 0,
        }
    }

    /// The frame's header.
    pub fn header(&self) -> FrameHeader {
        FrameHeader {
            length: self.payload_len() as u32,
            kind: self.kind(),
            flags: self.flags(),
            stream_id: self.stream_id(),
        }
    }

    /// Writes the frame into `out` and returns [`Frame::encoded_len`]; `None` (nothing
    /// written) when `out` is too short. Padding octets are written as zero (§6.1).
    pub fn emit(&self, out: &mut [u8]) -> Option<usize> {
        let total = self.encoded_len();
        let out = out.get_mut(..total)?;
        self.header().emit(out);
        let p = &mut out[FRAME_HEADER_LEN..];
        let padded = |p: &mut [u8], padding: Option<u8>| -> usize {
            match padding {
                Some(n) => {
                    p[0] = n;
                    let end = p.len();
                    p[end - n as usize..].fill(0);
                    1
                }
                None => 0,
            }
        };
        match *self {
            Self::Data { data, padding, .. } => {
                let at = padded(p, padding);
                p[at..at + data.len()].copy_from_slice(data);
            }
            Self::Headers {
                priority,
                fragment,
                padding,
                ..
            } => {
                let mut at = padded(p, padding);
                if let Some(spec) = priority {
                    spec.emit(&mut p[at..]);
                    at += 5;
                }
                p[at..at + fragment.len()].copy_from_slice(fragment);
            }
            Self::Priority { spec, .. } => spec.emit(p),
            Self::RstStream { code, .. } => p.copy_from_slice(&code.get().to_be_bytes()),
            Self::Settings { settings, .. } => settings.emit(p),
            Self::PushPromise {
                promised_id,
                fragment,
                padding,
                ..
            } => {
                let at = padded(p, padding);
                p[at..at + 4].copy_from_slice(&promised_id.get().to_be_bytes());
                p[at + 4..at + 4 + fragment.len()].copy_from_slice(fragment);
            }
            Self::Ping { data, .. } => p.copy_from_slice(&data),
            Self::GoAway {
                last_stream_id,
                code,
                debug,
            } => {
                p[..4].copy_from_slice(&last_stream_id.get().to_be_bytes());
                p[4..8].copy_from_slice(&code.get().to_be_bytes());
                p[8..].copy_from_slice(debug);
            }
            Self::WindowUpdate { increment, .. } => {
                p.copy_from_slice(&(increment & 0x7fff_ffff).to_be_bytes());
            }
            Self::Continuation { fragment, .. } => p.copy_from_slice(fragment),
            Self::PriorityUpdate {
                prioritized_id,
                field_value,
            } => {
                p[..4].copy_from_slice(&prioritized_id.get().to_be_bytes());
                p[4..].copy_from_slice(field_value);
            }
            Self::Unknown { payload, .. } => p.copy_from_slice(payload),
        }
        Some(total)
    }
}
