//! Helpers shared by the machine tests: raw frames and field blocks written with the codec
//! and fasterapi-hpack, so attacks can be sent byte for byte.
#![allow(dead_code, reason = "each test file uses part of the helpers")]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_hpack::{Encoder, EncoderConfig, Field};
use fasterapi_http2::{Config, Connection, Event, Frame, PREFACE, Setting, Settings, StreamId};

pub(crate) fn frame(f: &Frame<'_>) -> Vec<u8> {
    let mut v = vec![0; f.encoded_len()];
    f.emit(&mut v).unwrap();
    v
}

pub(crate) fn block(enc: &mut Encoder<Vec<u8>>, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    enc.encode(
        fields
            .iter()
            .map(|(n, v)| Field::new(n.as_bytes(), v.as_bytes())),
        &mut out,
    );
    out
}

pub(crate) fn headers(id: u32, fragment: &[u8], end_stream: bool, end_headers: bool) -> Vec<u8> {
    frame(&Frame::Headers {
        stream_id: StreamId::new(id),
        priority: None,
        fragment,
        end_stream,
        end_headers,
        padding: None,
    })
}

pub(crate) fn data(id: u32, d: &[u8], end_stream: bool) -> Vec<u8> {
    frame(&Frame::Data {
        stream_id: StreamId::new(id),
        data: d,
        end_stream,
        padding: None,
    })
}

pub(crate) const GET: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":authority", "localhost"),
    (":path", "/"),
];

/// A raw client: our server machine fed hand-written bytes.
pub(crate) struct Raw {
    pub(crate) server: Connection,
    pub(crate) enc: Encoder<Vec<u8>>,
    pub(crate) now: Timestamp,
    pub(crate) out: Vec<u8>,
}

impl Raw {
    pub(crate) fn new(config: Config) -> Self {
        Self::with_settings(config, &[])
    }

    pub(crate) fn with_settings(config: Config, settings: &[Setting]) -> Self {
        let mut r = Self {
            server: Connection::server(config),
            enc: Encoder::new(EncoderConfig::default()),
            now: Timestamp::ZERO,
            out: Vec::new(),
        };
        let mut first = PREFACE.to_vec();
        first.extend(frame(&Frame::Settings {
            ack: false,
            settings: Settings::List(settings),
        }));
        first.extend(frame(&Frame::Settings {
            ack: true,
            settings: Settings::List(&[]),
        }));
        r.feed(&first).unwrap();
        r.drain();
        r
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), fasterapi_http2::Error> {
        let n = self.server.handle_input(self.now, bytes)?;
        assert_eq!(n, bytes.len());
        Ok(())
    }

    /// Writes out what the server queued; returns the frames' bytes.
    pub(crate) fn drain(&mut self) -> Vec<u8> {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        loop {
            let n = self.server.poll_transmit(self.now, &mut buf);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        self.out.extend_from_slice(&got);
        got
    }

    pub(crate) fn events(&mut self) -> Vec<Event> {
        core::iter::from_fn(|| self.server.poll_event()).collect()
    }

    pub(crate) fn request(
        &mut self,
        id: u32,
        fields: &[(&str, &str)],
        end_stream: bool,
    ) -> Vec<u8> {
        let b = block(&mut self.enc, fields);
        headers(id, &b, end_stream, true)
    }
}

/// Every frame in `wire` (server output after its SETTINGS), parsed.
pub(crate) fn frames(wire: &[u8]) -> Vec<(fasterapi_http2::FrameType, u32, Vec<u8>, u8)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Ok(fasterapi_http2::Parsed::Complete(raw, n)) =
        fasterapi_http2::RawFrame::parse(&wire[at..], 1 << 24)
    {
        out.push((
            raw.header.kind,
            raw.header.stream_id.get(),
            raw.payload.to_vec(),
            raw.header.flags,
        ));
        at += n;
    }
    out
}

/// The GOAWAY error code in `wire`, if any.
pub(crate) fn goaway_code(wire: &[u8]) -> Option<u32> {
    frames(wire)
        .into_iter()
        .find(|f| f.0 == fasterapi_http2::FrameType::GOAWAY)
        .map(|f| u32::from_be_bytes(f.2[4..8].try_into().unwrap()))
}

/// RST_STREAM codes in `wire`, by stream.
pub(crate) fn resets(wire: &[u8]) -> Vec<(u32, u32)> {
    frames(wire)
        .into_iter()
        .filter(|f| f.0 == fasterapi_http2::FrameType::RST_STREAM)
        .map(|f| (f.1, u32::from_be_bytes(f.2[..4].try_into().unwrap())))
        .collect()
}

/// `(stream, :status)` of every HEADERS frame in `wire`, decoded with one HPACK decoder from
/// the start of the server's output (the table carries across blocks).
pub(crate) fn statuses(wire: &[u8]) -> Vec<(u32, String)> {
    let mut dec = fasterapi_hpack::Decoder::new(fasterapi_hpack::DecoderConfig::default());
    frames(wire)
        .into_iter()
        .filter(|f| f.0 == fasterapi_http2::FrameType::HEADERS)
        .filter_map(|f| {
            let fields = dec.decode_to_vec(&f.2).unwrap();
            let status = fields.iter().find(|x| x.name == b":status")?;
            Some((f.1, String::from_utf8(status.value.clone()).unwrap()))
        })
        .collect()
}
