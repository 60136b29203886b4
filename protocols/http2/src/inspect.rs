//! A frame-level reader for one direction of a connection, with HPACK decoding: what a
//! protocol inspector (`fasterapi decode h2`) needs. Unlike [`crate::Connection`] it keeps no
//! stream state and answers nothing; it reports every frame as it is, and the decoded field
//! list of each field block on the frame that ends it.

use alloc::vec::Vec;

use bytes::{Buf, BytesMut};
use fasterapi_hpack::{Decoder, DecoderConfig, OwnedField};

use crate::codec::{
    FRAME_HEADER_LEN, Frame, FrameType, MAX_MAX_FRAME_SIZE, PREFACE, Parsed, RawFrame, StreamId,
};
use crate::{Error, Role};

/// Reads the frames one endpoint receives.
///
/// `Role::Server` reads what a server receives (the client's bytes, starting with the
/// connection preface); `Role::Client` reads what a client receives.
///
/// ```
/// use fasterapi_http2::{inspect::FrameReader, Frame, Role, Settings, PREFACE};
///
/// let mut wire = PREFACE.to_vec();
/// let f = Frame::Settings { ack: false, settings: Settings::List(&[]) };
/// let mut buf = vec![0; f.encoded_len()];
/// f.emit(&mut buf).unwrap();
/// wire.extend(buf);
/// let mut reader = FrameReader::new(Role::Server);
/// let mut kinds = Vec::new();
/// reader.feed(&wire, |frame, _fields| kinds.push(frame.kind())).unwrap();
/// assert_eq!(kinds, [fasterapi_http2::FrameType::SETTINGS]);
/// ```
#[derive(Debug)]
pub struct FrameReader {
    buf: BytesMut,
    preface_left: usize,
    decoder: Decoder<Vec<u8>>,
    block: Option<(StreamId, Vec<OwnedField>)>,
    failed: bool,
}

impl FrameReader {
    /// A reader for what `role` receives. Field blocks are decoded with a dynamic table of
    /// up to 64 KiB and a header list of up to 1 MiB (an inspector is generous but bounded).
    pub fn new(role: Role) -> Self {
        let config = DecoderConfig::DEFAULT
            .with_max_table_size(64 * 1024)
            .with_max_header_list_size(1 << 20)
            .with_field_buffer_size(1 << 20);
        Self {
            buf: BytesMut::new(),
            preface_left: if role == Role::Server {
                PREFACE.len()
            } else {
                0
            },
            decoder: Decoder::new(config),
            block: None,
            failed: false,
        }
    }

    /// Whether the stream ended cleanly: no partial frame, no open field block.
    pub fn is_at_boundary(&self) -> bool {
        self.buf.is_empty() && self.block.is_none() && self.preface_left % PREFACE.len() == 0
    }

    /// Feeds bytes and reports every complete frame to `on_frame`, with the decoded fields
    /// when the frame ends a field block (HEADERS, PUSH_PROMISE or CONTINUATION with
    /// END_HEADERS). Frames larger than 2^24-1 cannot exist, so any length is accepted.
    ///
    /// # Errors
    /// [`Error::BadPreface`], [`Error::Frame`], [`Error::Hpack`],
    /// [`Error::ExpectedContinuation`] / [`Error::UnexpectedContinuation`]; after an error
    /// the reader refuses more input ([`Error::Closed`]).
    pub fn feed(
        &mut self,
        bytes: &[u8],
        mut on_frame: impl FnMut(&Frame<'_>, Option<&[OwnedField]>),
    ) -> Result<(), Error> {
        if self.failed {
            return Err(Error::Closed);
        }
        self.buf.extend_from_slice(bytes);
        let r = self.run(&mut on_frame);
        self.failed = r.is_err();
        r
    }

    fn run(
        &mut self,
        on_frame: &mut dyn FnMut(&Frame<'_>, Option<&[OwnedField]>),
    ) -> Result<(), Error> {
        if self.preface_left > 0 {
            let at = PREFACE.len() - self.preface_left;
            let k = self.preface_left.min(self.buf.len());
            if self.buf[..k] != PREFACE[at..at + k] {
                return Err(Error::BadPreface);
            }
            self.buf.advance(k);
            self.preface_left -= k;
            if self.preface_left > 0 {
                return Ok(());
            }
        }
        loop {
            let (raw, total) = match RawFrame::parse(&self.buf, MAX_MAX_FRAME_SIZE)? {
                Parsed::Partial(_) => return Ok(()),
                Parsed::Complete(raw, total) => (raw, total),
            };
            let frame = raw.frame()?;
            let (fragment, end) = match frame {
                Frame::Headers {
                    fragment,
                    end_headers,
                    ..
                }
                | Frame::PushPromise {
                    fragment,
                    end_headers,
                    ..
                } => {
                    if self.block.is_some() {
                        return Err(Error::ExpectedContinuation { kind: frame.kind() });
                    }
                    self.block = Some((frame.stream_id(), Vec::new()));
                    (Some(fragment), end_headers)
                }
                Frame::Continuation {
                    stream_id,
                    fragment,
                    end_headers,
                } => {
                    match &self.block {
                        Some((id, _)) if *id == stream_id => {}
                        Some(_) => {
                            return Err(Error::ExpectedContinuation {
                                kind: FrameType::CONTINUATION,
                            });
                        }
                        None => return Err(Error::UnexpectedContinuation),
                    }
                    (Some(fragment), end_headers)
                }
                _ => {
                    if self.block.is_some() {
                        return Err(Error::ExpectedContinuation { kind: frame.kind() });
                    }
                    (None, false)
                }
            };
            if let Some(fragment) = fragment {
                let (_, fields) = self.block.as_mut().expect("opened above");
                self.decoder
                    .decode_fragment(fragment, end, |f| fields.push(OwnedField::from(f)))?;
            }
            if end {
                let (_, fields) = self.block.take().expect("opened above");
                on_frame(&frame, Some(&fields));
            } else {
                on_frame(&frame, None);
            }
            debug_assert!(total >= FRAME_HEADER_LEN);
            self.buf.advance(total);
        }
    }
}
