//! The send side: actions, field block encoding, and the DATA scheduler (RFC 9218 order,
//! flow control, the zero-window stall timer).

use alloc::vec::Vec;

use bytes::Bytes;
use fasterapi_core::Timestamp;
use fasterapi_hpack::Field;

use super::{Connection, OutgoingRequest, Role, Stream, StreamState, fields};
use crate::codec::Frame;
use crate::codec::{ErrorCode, FrameHeader, FrameType, StreamId, flags};
use crate::error::Error;
use crate::priority::Priority;

/// What the scheduler produced.
pub(super) enum Next {
    Nothing,
    /// Frames went into the control queue.
    Queued,
    /// A DATA frame: its header and its payload, handed out without a copy.
    Data(FrameHeader, Bytes),
}

impl Connection {
    fn check_open(&self) -> Result<(), Error> {
        if self.failed || self.eof {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// §6.5.2: the peer's SETTINGS_MAX_HEADER_LIST_SIZE bounds what we send (name + value +
    /// 32 per field, pseudo-headers included).
    fn check_list_size<'f>(
        &self,
        fields: impl IntoIterator<Item = (&'f [u8], &'f [u8])>,
    ) -> Result<(), Error> {
        let size: u64 = fields
            .into_iter()
            .map(|(n, v)| n.len() as u64 + v.len() as u64 + 32)
            .sum();
        if size > u64::from(self.peer.max_header_list_size) {
            return Err(Error::FieldsTooLarge);
        }
        Ok(())
    }

    /// Encodes a field block and queues it as HEADERS + CONTINUATIONs sized to the peer's
    /// SETTINGS_MAX_FRAME_SIZE.
    pub(super) fn queue_block<'f>(
        &mut self,
        id: StreamId,
        fields: impl IntoIterator<Item = Field<'f>>,
        end_stream: bool,
    ) {
        let mut block = core::mem::take(&mut self.scratch);
        block.clear();
        self.encoder.encode(fields, &mut block);
        let max = self.peer.max_frame_size as usize;
        let mut chunks = block.chunks(max).peekable();
        let first = chunks.next().unwrap_or(&[]);
        self.queue_frame(&Frame::Headers {
            stream_id: id,
            priority: None,
            fragment: first,
            end_stream,
            end_headers: chunks.peek().is_none(),
            padding: None,
        });
        while let Some(c) = chunks.next() {
            self.queue_frame(&Frame::Continuation {
                stream_id: id,
                fragment: c,
                end_headers: chunks.peek().is_none(),
            });
        }
        self.scratch = block;
    }

    /// Our side of `id` ended.
    fn local_closed(&mut self, id: StreamId) {
        if let Some(s) = self.streams.get_mut(&id) {
            match s.state {
                StreamState::Open => s.state = StreamState::HalfClosedLocal,
                _ => {
                    self.remove_stream(id);
                }
            }
        }
    }

    fn sendable(&mut self, id: StreamId) -> Result<&mut Stream, Error> {
        match self.streams.get_mut(&id) {
            Some(s) if s.can_send() && s.head_sent && !s.end_after_queue => Ok(s),
            _ => Err(Error::InvalidStreamState(id)),
        }
    }

    /// Server: answers the request on `id` with `status` and `headers` (lowercase names, no
    /// pseudo-headers). 1xx statuses are informational and may come before the final one
    /// (101 is not allowed in HTTP/2, §8.6). With `end_stream` no body follows.
    ///
    /// # Errors
    /// [`Error::InvalidStreamState`] when `id` is not a request awaiting its response;
    /// [`Error::InvalidField`] for fields HTTP/2 forbids.
    pub fn send_response(
        &mut self,
        id: StreamId,
        status: u16,
        headers: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), Error> {
        self.check_open()?;
        let informational = (100..200).contains(&status);
        if self.role != Role::Server
            || !(100..=999).contains(&status)
            || status == 101
            || (informational && end_stream)
        {
            return Err(Error::InvalidField);
        }
        fields::check_outgoing(headers)?;
        self.check_list_size(
            core::iter::once((&b":status"[..], &b"200"[..])).chain(headers.iter().copied()),
        )?;
        match self.streams.get(&id) {
            Some(s) if s.can_send() && !s.head_sent => {}
            _ => return Err(Error::InvalidStreamState(id)),
        }
        let mut digits = [0u8; 3];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = b'0' + (status / 10u16.pow(2 - i as u32) % 10) as u8;
        }
        let it = core::iter::once(Field::new(b":status", &digits))
            .chain(headers.iter().map(|(n, v)| Field::new(n, v)));
        self.queue_block(id, it, end_stream);
        if !informational {
            self.streams.get_mut(&id).expect("checked").head_sent = true;
            if end_stream {
                self.local_closed(id);
            }
        }
        Ok(())
    }

    /// Client: opens a stream with `req`; returns its id. With `end_stream` no body follows.
    ///
    /// # Errors
    /// [`Error::StreamLimit`] at the peer's SETTINGS_MAX_CONCURRENT_STREAMS;
    /// [`Error::NoNewStreams`] after a GOAWAY or when ids run out;
    /// [`Error::ConnectProtocolDisabled`] for `:protocol` without the peer's
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL; [`Error::InvalidField`].
    pub fn send_request(
        &mut self,
        req: &OutgoingRequest<'_>,
        end_stream: bool,
    ) -> Result<StreamId, Error> {
        self.check_open()?;
        if self.role != Role::Client {
            return Err(Error::InvalidField);
        }
        if self.goaway_received.is_some()
            || self.goaway_sent.is_some()
            || self.next_local_id > StreamId::MAX.get()
        {
            return Err(Error::NoNewStreams);
        }
        let ours = self.streams.len();
        if ours >= self.peer.max_concurrent_streams as usize {
            return Err(Error::StreamLimit);
        }
        if req.protocol.is_some() && !self.peer.enable_connect_protocol {
            return Err(Error::ConnectProtocolDisabled);
        }
        if req.method.is_empty() {
            return Err(Error::InvalidField);
        }
        fields::check_outgoing(req.headers)?;
        self.check_list_size(
            [
                (&b":method"[..], req.method),
                (b":scheme", req.scheme),
                (b":authority", req.authority),
                (b":path", req.path),
                (b":protocol", req.protocol.unwrap_or(b"")),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .chain(req.headers.iter().copied()),
        )?;
        let id = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        let mut s = Stream::new(
            if end_stream {
                StreamState::HalfClosedLocal
            } else {
                StreamState::Open
            },
            self.peer.initial_window_size,
            self.config.initial_window_size,
        );
        s.head_sent = true;
        s.head_request = req.method == b"HEAD";
        self.insert_stream(id, s);
        let pseudo = [
            (&b":method"[..], req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
            (b":protocol", req.protocol.unwrap_or(b"")),
        ];
        let it = pseudo
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| Field::new(n, v))
            .chain(req.headers.iter().map(|(n, v)| Field::new(n, v)));
        self.queue_block(id, it, end_stream);
        Ok(id)
    }

    /// Queues `data` on `id`; it is sent as the flow-control windows allow, in DATA frames
    /// that hand out slices of `data` without copying it. With `end_stream` the body ends
    /// after it.
    ///
    /// # Errors
    /// [`Error::InvalidStreamState`] when `id` cannot send (no head yet, or ended).
    pub fn send_data(&mut self, id: StreamId, data: Bytes, end_stream: bool) -> Result<(), Error> {
        self.check_open()?;
        let s = self.sendable(id)?;
        if !data.is_empty() {
            s.queue.push_back(data);
        }
        s.end_after_queue = end_stream;
        self.schedule(id);
        Ok(())
    }

    /// Queues trailer fields on `id`; they end the stream once its data is sent (§8.1).
    ///
    /// # Errors
    /// [`Error::InvalidStreamState`], [`Error::InvalidField`].
    pub fn send_trailers(
        &mut self,
        id: StreamId,
        trailers: &[(&[u8], &[u8])],
    ) -> Result<(), Error> {
        self.check_open()?;
        fields::check_outgoing(trailers)?;
        self.check_list_size(trailers.iter().copied())?;
        let s = self.sendable(id)?;
        s.trailers = Some(
            trailers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
        );
        s.end_after_queue = true;
        self.schedule(id);
        Ok(())
    }

    /// Resets `id` with `code` (RST_STREAM, §6.4), dropping its queued data.
    ///
    /// # Errors
    /// [`Error::InvalidStreamState`] when `id` is not open.
    pub fn reset(&mut self, id: StreamId, code: ErrorCode) -> Result<(), Error> {
        self.check_open()?;
        if self.remove_stream(id).is_none() {
            return Err(Error::InvalidStreamState(id));
        }
        self.remember_reset(id);
        self.queue_frame(&Frame::RstStream {
            stream_id: id,
            code,
        });
        Ok(())
    }

    /// Sends a PING; the answer comes as `Event::PingAck`.
    ///
    /// # Errors
    /// [`Error::Closed`].
    pub fn ping(&mut self, data: [u8; 8]) -> Result<(), Error> {
        self.check_open()?;
        self.queue_frame(&Frame::Ping { ack: false, data });
        Ok(())
    }

    /// Returns `n` octets of receive credit on `id` (and the connection) once the
    /// application has consumed them; only needed with
    /// [`crate::Config::auto_window_update`] off.
    pub fn release_capacity(&mut self, id: StreamId, n: u32) {
        if !self.failed {
            self.release(id, n);
        }
    }

    /// Sets the priority the scheduler uses for our DATA on `id` (RFC 9218).
    ///
    /// # Errors
    /// [`Error::InvalidStreamState`].
    pub fn set_priority(&mut self, id: StreamId, priority: Priority) -> Result<(), Error> {
        if !self.streams.contains_key(&id) {
            return Err(Error::InvalidStreamState(id));
        }
        self.reprioritize(id, priority);
        Ok(())
    }

    /// Puts `id` in the scheduler's ready set when it has output it may send now: data with
    /// a positive stream window, or trailers / a bare END_STREAM (which take no window). A
    /// stream with data but no window waits outside the set, its stall timer running, until a
    /// WINDOW_UPDATE or SETTINGS brings it back.
    pub(super) fn schedule(&mut self, id: StreamId) {
        let now = self.now;
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        if s.sched.is_some() || !s.can_send() || !s.head_sent {
            return;
        }
        if s.queue.is_empty() && !s.end_after_queue {
            return;
        }
        if !s.queue.is_empty() && s.send_window <= 0 {
            s.stalled_since.get_or_insert(now);
            s.wants_capacity = true;
            return;
        }
        s.stalled_since = None;
        // RFC 9218 §10: lower urgency first; within one urgency, non-incremental streams in
        // id order, incremental ones take turns.
        let round = if s.priority.incremental {
            self.serve_counter += 1;
            self.serve_counter
        } else {
            0
        };
        let key = (s.priority.urgency, round);
        s.sched = Some(key);
        self.ready.insert((key.0, key.1, id));
    }

    /// Applies a new priority to `id`, moving it in the ready set.
    pub(super) fn reprioritize(&mut self, id: StreamId, priority: Priority) {
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        s.priority = priority;
        if let Some((u, r)) = s.sched.take() {
            self.ready.remove(&(u, r, id));
            self.schedule(id);
        }
    }

    /// The connection window opened: streams waiting on it are no longer stalled.
    pub(super) fn unstall_ready(&mut self) {
        for &(_, _, id) in &self.ready {
            if let Some(s) = self.streams.get_mut(&id) {
                s.stalled_since = None;
            }
        }
    }

    /// Picks the next DATA frame from the ready set (RFC 9218 order), within the flow-control
    /// windows and the peer's SETTINGS_MAX_FRAME_SIZE.
    pub(super) fn next_data(&mut self, now: Timestamp) -> Next {
        loop {
            let Some(&(u, r, id)) = self.ready.first() else {
                return Next::Nothing;
            };
            let conn_window = self.conn_send_window;
            let Some(s) = self.streams.get_mut(&id) else {
                self.ready.remove(&(u, r, id));
                continue;
            };
            if s.queue.is_empty() {
                self.ready.remove(&(u, r, id));
                s.sched = None;
                if let Some(trailers) = s.trailers.take() {
                    let owned: Vec<Field<'_>> =
                        trailers.iter().map(|(n, v)| Field::new(n, v)).collect();
                    self.queue_block(id, owned, true);
                    self.local_closed(id);
                    return Next::Queued;
                }
                if s.end_after_queue {
                    self.local_closed(id);
                    return Next::Data(data_header(id, 0, true), Bytes::new());
                }
                continue;
            }
            if s.send_window <= 0 {
                self.ready.remove(&(u, r, id));
                s.sched = None;
                s.stalled_since.get_or_insert(now);
                s.wants_capacity = true;
                continue;
            }
            if conn_window <= 0 {
                for &(_, _, id) in &self.ready {
                    if let Some(s) = self.streams.get_mut(&id) {
                        s.stalled_since.get_or_insert(now);
                        s.wants_capacity |= !s.queue.is_empty();
                    }
                }
                return Next::Nothing;
            }
            self.ready.remove(&(u, r, id));
            s.sched = None;
            s.stalled_since = None;
            let front = s.queue.front_mut().expect("not empty");
            let n = (front.len() as i64)
                .min(s.send_window)
                .min(conn_window)
                .min(i64::from(self.peer.max_frame_size)) as usize;
            let chunk = if n == front.len() {
                s.queue.pop_front().expect("not empty")
            } else {
                front.split_to(n)
            };
            s.send_window -= n as i64;
            self.conn_send_window -= n as i64;
            let end = s.queue.is_empty() && s.end_after_queue && s.trailers.is_none();
            if end {
                self.local_closed(id);
            } else {
                self.schedule(id);
            }
            return Next::Data(data_header(id, n, end), chunk);
        }
    }
}

fn data_header(id: StreamId, len: usize, end_stream: bool) -> FrameHeader {
    debug_assert!(len < (1 << 24));
    FrameHeader {
        length: len as u32,
        kind: FrameType::DATA,
        flags: if end_stream { flags::END_STREAM } else { 0 },
        stream_id: id,
    }
}
