//! The receive side: preface, frames, field blocks, flow control and stream states.

use bytes::Buf;

use super::{
    Block, BlockKind, Collector, Connection, Event, Role, SHUTDOWN_PING, Stream, StreamState,
    Target,
};
use crate::codec::{
    ErrorCode, FRAME_HEADER_LEN, Frame, FrameError, FrameType, MAX_WINDOW_SIZE, PREFACE, Parsed,
    RawFrame, Setting, SettingId, Settings, StreamId,
};
use crate::error::{Error, Flood};
use crate::priority::Priority;

impl Connection {
    /// Processes every complete frame in the receive buffer.
    pub(super) fn process(&mut self, now: fasterapi_core::Timestamp) -> Result<(), Error> {
        self.arm_timers(now);
        if self.failed {
            // After a connection error nothing more is read (§5.4.1).
            self.recv.clear();
            self.filled = 0;
            return Ok(());
        }
        let r = self.process_frames();
        self.filled = self.recv.len();
        r.map_err(|e| self.fail(e))
    }

    fn process_frames(&mut self) -> Result<(), Error> {
        if self.preface_left > 0 {
            let at = PREFACE.len() - self.preface_left;
            let k = self.preface_left.min(self.recv.len());
            if self.recv[..k] != PREFACE[at..at + k] {
                return Err(Error::BadPreface);
            }
            self.recv.advance(k);
            self.preface_left -= k;
            if self.preface_left > 0 {
                return Ok(());
            }
        }
        loop {
            let (header, total) = match RawFrame::parse(&self.recv, self.config.max_frame_size)? {
                Parsed::Partial(_) => return Ok(()),
                Parsed::Complete(raw, total) => (raw.header, total),
            };
            if !self.got_settings && (header.kind != FrameType::SETTINGS || header.has(1)) {
                // §3.4: the first frame of each side's preface is a SETTINGS frame.
                return Err(Error::MissingSettings);
            }
            if header.kind == FrameType::DATA {
                let frame = self.recv.split_to(total).freeze();
                let parsed = Frame::parse(header, &frame[FRAME_HEADER_LEN..]);
                match parsed {
                    Ok(Frame::Data {
                        stream_id,
                        data,
                        end_stream,
                        padding,
                    }) => {
                        let start = data.as_ptr() as usize - frame.as_ptr() as usize;
                        let bytes = frame.slice(start..start + data.len());
                        let pad = padding.map_or(0, |p| u32::from(p) + 1);
                        self.check_block_closed(FrameType::DATA)?;
                        self.on_data(stream_id, bytes, pad, end_stream)?;
                    }
                    Ok(_) => unreachable!("DATA parses as DATA"),
                    Err(e) => self.on_frame_error(e)?,
                }
            } else {
                let recv = core::mem::take(&mut self.recv);
                let r = match Frame::parse(header, &recv[FRAME_HEADER_LEN..total]) {
                    Ok(f) => self.on_frame(f),
                    Err(e) => self.on_frame_error(e),
                };
                self.recv = recv;
                self.recv.advance(total);
                r?;
            }
        }
    }

    fn on_frame_error(&mut self, e: FrameError) -> Result<(), Error> {
        match e.stream() {
            Some(id) if self.block.is_none() => self.reset_local(id, e.code(), true),
            _ => Err(Error::Frame(e)),
        }
    }

    /// §6.10: while a field block is open only its CONTINUATIONs may arrive.
    fn check_block_closed(&self, kind: FrameType) -> Result<(), Error> {
        if self.block.is_some() {
            return Err(Error::ExpectedContinuation { kind });
        }
        Ok(())
    }

    fn on_frame(&mut self, f: Frame<'_>) -> Result<(), Error> {
        if !matches!(f, Frame::Continuation { .. }) {
            self.check_block_closed(f.kind())?;
        }
        let now = self.now;
        match f {
            Frame::Data { .. } => unreachable!("DATA is handled with its Bytes"),
            Frame::Headers {
                stream_id,
                priority,
                fragment,
                end_stream,
                end_headers,
                ..
            } => {
                let self_dep = priority.is_some_and(|p| p.dependency == stream_id);
                self.on_headers(stream_id, fragment, end_stream, end_headers, self_dep)
            }
            Frame::Priority { stream_id, spec } => {
                if spec.dependency == stream_id {
                    // §5.3.1: a stream cannot depend on itself (stream error).
                    return self.reset_local(stream_id, ErrorCode::PROTOCOL_ERROR, true);
                }
                Ok(())
            }
            Frame::RstStream { stream_id, code } => {
                if self.is_idle(stream_id) {
                    // §6.4: RST_STREAM on an idle stream is a connection error.
                    return Err(Error::IdleStream {
                        kind: FrameType::RST_STREAM,
                        stream_id,
                    });
                }
                if self.remove_stream(stream_id).is_some() {
                    self.remember_reset(stream_id);
                    self.events.push_back(Event::StreamReset {
                        stream_id,
                        code,
                        remote: true,
                    });
                    if !self.buckets.resets.take(now) {
                        return Err(Error::Flood(Flood::Resets));
                    }
                }
                Ok(())
            }
            Frame::Settings { ack: true, .. } => {
                if self.settings_unacked > 0 {
                    self.settings_unacked -= 1;
                    self.local_settings_acked();
                    if self.settings_unacked == 0 {
                        self.settings_deadline = None;
                        self.settings_arm = false;
                    }
                    self.events.push_back(Event::SettingsAcked);
                }
                Ok(())
            }
            Frame::Settings {
                ack: false,
                settings,
            } => {
                if !self.buckets.settings.take(now) {
                    return Err(Error::Flood(Flood::Settings));
                }
                self.apply_settings(settings)?;
                self.got_settings = true;
                self.queue_control(&Frame::Settings {
                    ack: true,
                    settings: Settings::List(&[]),
                })?;
                self.events.push_back(Event::PeerSettings);
                Ok(())
            }
            Frame::PushPromise { .. } => Err(Error::PushRefused),
            Frame::Ping { ack: false, data } => {
                if !self.buckets.pings.take(now) {
                    return Err(Error::Flood(Flood::Pings));
                }
                self.queue_control(&Frame::Ping { ack: true, data })
            }
            Frame::Ping { ack: true, data } => {
                if self.draining.is_some() && data == SHUTDOWN_PING {
                    // §6.8: the client has seen our first GOAWAY; every stream it opened
                    // before has arrived.
                    self.final_goaway();
                } else {
                    self.events.push_back(Event::PingAck { data });
                }
                Ok(())
            }
            Frame::GoAway {
                last_stream_id,
                code,
                debug,
            } => {
                self.on_goaway(last_stream_id, code, debug);
                Ok(())
            }
            Frame::WindowUpdate {
                stream_id,
                increment,
            } => {
                if !self.buckets.window_updates.take(now) {
                    return Err(Error::Flood(Flood::WindowUpdates));
                }
                self.on_window_update(stream_id, increment)
            }
            Frame::Continuation {
                stream_id,
                fragment,
                end_headers,
            } => self.on_continuation(stream_id, fragment, end_headers),
            Frame::PriorityUpdate {
                prioritized_id,
                field_value,
            } => self.on_priority_update(prioritized_id, field_value),
            // §5.5: unknown frame types are ignored.
            _ => Ok(()),
        }
    }

    /// Whether `id` was never opened: above every id the peer opened, or one of ours not yet
    /// used.
    pub(super) fn is_idle(&self, id: StreamId) -> bool {
        if self.is_peer_id(id) {
            id > self.last_peer_id
        } else {
            id.get() >= self.next_local_id
        }
    }

    pub(super) fn remember_reset(&mut self, id: StreamId) {
        if self.recent_resets.len() >= self.config.reset_memory.max(1) {
            self.recent_resets.pop_front();
        }
        self.recent_resets.push_back(id);
    }

    fn on_headers(
        &mut self,
        id: StreamId,
        fragment: &[u8],
        end_stream: bool,
        end_headers: bool,
        self_dependency: bool,
    ) -> Result<(), Error> {
        let (target, kind) = if let Some(s) = self.streams.get(&id) {
            let kind = match self.role {
                Role::Server => BlockKind::Trailers,
                Role::Client if s.head_received => BlockKind::Trailers,
                Role::Client => BlockKind::Response,
            };
            if s.can_recv() {
                (Target::Existing, kind)
            } else {
                // §5.1 half-closed (remote): STREAM_CLOSED stream error.
                (Target::Reset(ErrorCode::STREAM_CLOSED), kind)
            }
        } else if self.is_peer_id(id) && self.role == Role::Server {
            if id <= self.last_peer_id {
                if !self.recent_resets.contains(&id) {
                    // §5.1: frames after END_STREAM / on a closed stream.
                    return Err(Error::StreamClosed(id));
                }
                (Target::Ignore, BlockKind::Request)
            } else {
                self.last_peer_id = id;
                let target = if self.goaway_sent.is_some() {
                    // §6.8: streams after our GOAWAY are not processed.
                    Target::Ignore
                } else if self.peer_open >= self.config.max_concurrent_streams as usize {
                    // §5.1.2: beyond our limit, REFUSED_STREAM.
                    Target::Reset(ErrorCode::REFUSED_STREAM)
                } else {
                    Target::New
                };
                (target, BlockKind::Request)
            }
        } else if self.is_peer_id(id) {
            // A server never opens streams without push, which we disable.
            return Err(Error::BadStreamId(id));
        } else if self.is_idle(id) {
            return Err(Error::IdleStream {
                kind: FrameType::HEADERS,
                stream_id: id,
            });
        } else if self.recent_resets.contains(&id) {
            (Target::Ignore, BlockKind::Trailers)
        } else {
            return Err(Error::StreamClosed(id));
        };
        let target = if self_dependency && target != Target::Ignore {
            Target::Reset(ErrorCode::PROTOCOL_ERROR)
        } else {
            target
        };
        self.block = Some(Block {
            stream_id: id,
            target,
            collector: Collector::new(kind),
            end_stream,
            frames: 0,
            bytes: 0,
            oversized: false,
        });
        self.feed_block(fragment, end_headers)
    }

    fn on_continuation(
        &mut self,
        id: StreamId,
        fragment: &[u8],
        end_headers: bool,
    ) -> Result<(), Error> {
        let Some(block) = self.block.as_mut() else {
            return Err(Error::UnexpectedContinuation);
        };
        if block.stream_id != id {
            return Err(Error::ExpectedContinuation {
                kind: FrameType::CONTINUATION,
            });
        }
        block.frames += 1;
        // The CONTINUATION flood defence: bounded frames per block.
        if block.frames > self.config.max_continuation_frames {
            return Err(Error::HeaderBlockTooLarge);
        }
        self.feed_block(fragment, end_headers)
    }

    fn feed_block(&mut self, fragment: &[u8], end: bool) -> Result<(), Error> {
        let mut block = self.block.take().expect("a block is open");
        block.bytes = block.bytes.saturating_add(fragment.len() as u32);
        if block.bytes > self.config.max_header_block_size {
            return Err(Error::HeaderBlockTooLarge);
        }
        let collector = &mut block.collector;
        self.decoder
            .decode_fragment(fragment, end, |f| collector.push(f.name, f.value))?;
        // Over SETTINGS_MAX_HEADER_LIST_SIZE: the decoder went on without reporting fields.
        block.oversized |= self.decoder.is_discarding();
        if end {
            self.finish_block(block)
        } else {
            self.block = Some(block);
            Ok(())
        }
    }

    fn finish_block(&mut self, block: Block) -> Result<(), Error> {
        let id = block.stream_id;
        let end_stream = block.end_stream;
        if block.oversized {
            return self.refuse_oversized(id, block.target, end_stream);
        }
        match block.target {
            Target::Ignore => Ok(()),
            Target::Reset(code) => self.reset_local(id, code, true),
            Target::New => {
                let prio = block.collector.priority_value().map(Priority::parse);
                let cl = block.collector.content_length;
                let Some(head) = block
                    .collector
                    .into_request(self.config.enable_connect_protocol)
                else {
                    return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                };
                if end_stream && cl.is_some_and(|n| n > 0) {
                    // §8.1.1: content-length disagrees with the (empty) body.
                    return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                }
                let mut s = Stream::new(
                    if end_stream {
                        StreamState::HalfClosedRemote
                    } else {
                        StreamState::Open
                    },
                    self.peer.initial_window_size,
                    self.config.initial_window_size,
                );
                s.head_received = true;
                s.content_length = cl;
                if let Some(i) = self.pending_priorities.iter().position(|(p, _)| *p == id) {
                    s.priority = self.pending_priorities.swap_remove(i).1;
                } else if let Some(p) = prio {
                    s.priority = p;
                }
                self.insert_stream(id, s);
                self.events.push_back(Event::Request {
                    stream_id: id,
                    head,
                    end_stream,
                });
                Ok(())
            }
            // The application may have reset the stream while its block was arriving.
            Target::Existing if !self.streams.contains_key(&id) => Ok(()),
            Target::Existing => match block.collector.kind() {
                BlockKind::Trailers => {
                    let Some(trailers) = block.collector.into_trailers() else {
                        return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                    };
                    // §8.1: trailers end the stream.
                    if !end_stream || !self.body_complete(id) {
                        return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                    }
                    self.events.push_back(Event::Trailers {
                        stream_id: id,
                        trailers,
                    });
                    self.remote_closed(id);
                    Ok(())
                }
                BlockKind::Response => {
                    let cl = block.collector.content_length;
                    let Some(head) = block.collector.into_response() else {
                        return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                    };
                    if head.status < 200 {
                        if end_stream {
                            return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                        }
                        self.events.push_back(Event::Informational {
                            stream_id: id,
                            head,
                        });
                        return Ok(());
                    }
                    let s = self.streams.get_mut(&id).expect("target checked");
                    s.head_received = true;
                    if !super::fields::response_has_no_content(s.head_request, head.status) {
                        s.content_length = cl;
                    }
                    if end_stream && s.content_length.is_some_and(|n| n > 0) {
                        return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
                    }
                    self.events.push_back(Event::Response {
                        stream_id: id,
                        head,
                        end_stream,
                    });
                    if end_stream {
                        self.remote_closed(id);
                    }
                    Ok(())
                }
                BlockKind::Request => unreachable!("requests only open new streams"),
            },
        }
    }

    /// A field block over our SETTINGS_MAX_HEADER_LIST_SIZE, decoded for HPACK's sake: refused
    /// on its stream, the connection goes on (RFC 9113 §10.5.1). Each refusal counts against
    /// the reset rate, like any stream the peer's errors make us reset.
    fn refuse_oversized(
        &mut self,
        id: StreamId,
        target: Target,
        end_stream: bool,
    ) -> Result<(), Error> {
        match target {
            Target::Ignore => Ok(()),
            Target::Reset(code) => self.reset_local(id, code, true),
            Target::New => {
                // A server "can send an HTTP 431 (Request Header Fields Too Large)" (§10.5.1),
                // then abort the rest of the request with NO_ERROR (§8.1).
                if self.out.len() - self.out_pos > self.config.max_queued_control {
                    return Err(self.fail(Error::Flood(Flood::ControlQueue)));
                }
                self.queue_block(id, [fasterapi_hpack::Field::new(b":status", b"431")], true);
                if !end_stream {
                    self.queue_frame(&Frame::RstStream {
                        stream_id: id,
                        code: ErrorCode::NO_ERROR,
                    });
                }
                // Frames already on their way for it are ignored (their DATA still counts
                // against the connection window).
                self.remember_reset(id);
                self.events
                    .push_back(Event::HeaderListTooLarge { stream_id: id });
                if !self.buckets.resets.take(self.now) {
                    return Err(Error::Flood(Flood::Resets));
                }
                Ok(())
            }
            Target::Existing if !self.streams.contains_key(&id) => Ok(()),
            Target::Existing => {
                // Trailers, or a response a client "can discard" (§10.5.1): the stream is of
                // no more use.
                self.events
                    .push_back(Event::HeaderListTooLarge { stream_id: id });
                self.reset_local(id, ErrorCode::CANCEL, true)
            }
        }
    }

    fn body_complete(&self, id: StreamId) -> bool {
        self.streams
            .get(&id)
            .is_some_and(|s| s.content_length.is_none_or(|n| n == s.received))
    }

    /// The peer ended its side of `id`.
    pub(super) fn remote_closed(&mut self, id: StreamId) {
        if let Some(s) = self.streams.get_mut(&id) {
            match s.state {
                StreamState::Open => s.state = StreamState::HalfClosedRemote,
                _ => {
                    self.remove_stream(id);
                }
            }
        }
    }

    fn on_data(
        &mut self,
        id: StreamId,
        data: bytes::Bytes,
        pad: u32,
        end_stream: bool,
    ) -> Result<(), Error> {
        let len = data.len() as u32 + pad;
        // §6.9.1: the connection window bounds every DATA frame, whatever its stream.
        if i64::from(len) > self.conn_recv_window {
            return Err(Error::ConnectionWindowExceeded);
        }
        self.conn_recv_window -= i64::from(len);
        if data.is_empty() && !end_stream && !self.buckets.empty_data.take(self.now) {
            return Err(Error::Flood(Flood::EmptyData));
        }
        let Some(s) = self.streams.get_mut(&id) else {
            if self.is_idle(id) {
                return Err(Error::IdleStream {
                    kind: FrameType::DATA,
                    stream_id: id,
                });
            }
            self.release_connection(len);
            if self.recent_resets.contains(&id) {
                return Ok(());
            }
            return self.reset_local(id, ErrorCode::STREAM_CLOSED, true);
        };
        if !s.can_recv() {
            self.release_connection(len);
            return self.reset_local(id, ErrorCode::STREAM_CLOSED, true);
        }
        if i64::from(len) > s.recv_window {
            self.release_connection(len);
            return self.reset_local(id, ErrorCode::FLOW_CONTROL_ERROR, true);
        }
        s.recv_window -= i64::from(len);
        s.received += u64::from(data.len() as u32);
        // §8.1.1: DATA before the head, or a body longer or shorter than content-length.
        let malformed = !s.head_received
            || s.content_length
                .is_some_and(|n| s.received > n || (end_stream && s.received != n));
        if malformed {
            self.release_connection(len);
            return self.reset_local(id, ErrorCode::PROTOCOL_ERROR, true);
        }
        if pad > 0 {
            self.release(id, pad);
        }
        self.events.push_back(Event::Data {
            stream_id: id,
            data,
            end_stream,
        });
        if end_stream {
            self.remote_closed(id);
        }
        Ok(())
    }

    pub(super) fn apply_settings(&mut self, settings: Settings<'_>) -> Result<(), Error> {
        for Setting { id, value } in settings.iter() {
            match id {
                SettingId::HEADER_TABLE_SIZE => {
                    self.peer.header_table_size = value;
                    self.encoder.set_max_table_size(value);
                }
                SettingId::ENABLE_PUSH => {
                    if self.role == Role::Client && value == 1 {
                        return Err(Error::ServerEnabledPush);
                    }
                    self.peer.enable_push = value == 1;
                }
                SettingId::MAX_CONCURRENT_STREAMS => self.peer.max_concurrent_streams = value,
                SettingId::INITIAL_WINDOW_SIZE => {
                    // §6.9.2: the change applies to every open stream's send window.
                    let delta = i64::from(value) - i64::from(self.peer.initial_window_size);
                    self.peer.initial_window_size = value;
                    for s in self.streams.values_mut() {
                        s.send_window += delta;
                        if s.send_window > i64::from(MAX_WINDOW_SIZE) {
                            return Err(Error::WindowOverflow);
                        }
                    }
                    if delta > 0 {
                        let ids: alloc::vec::Vec<StreamId> = self.streams.keys().copied().collect();
                        for id in ids {
                            self.schedule(id);
                            self.capacity_opened(id);
                        }
                    }
                }
                SettingId::MAX_FRAME_SIZE => self.peer.max_frame_size = value,
                SettingId::MAX_HEADER_LIST_SIZE => self.peer.max_header_list_size = value,
                SettingId::ENABLE_CONNECT_PROTOCOL => {
                    self.peer.enable_connect_protocol = value == 1;
                }
                SettingId::NO_RFC7540_PRIORITIES => self.peer.no_rfc7540_priorities = value == 1,
                _ => {} // §6.5.2: unknown settings are ignored.
            }
        }
        Ok(())
    }

    fn on_goaway(&mut self, last: StreamId, code: ErrorCode, debug: &[u8]) {
        let last = self.goaway_received.map_or(last, |l| l.min(last));
        self.goaway_received = Some(last);
        self.events.push_back(Event::GoAway {
            last_stream_id: last,
            code,
            debug: bytes::Bytes::copy_from_slice(debug),
        });
        // §6.8: our streams above `last` were not processed; they may be retried.
        let refused: alloc::vec::Vec<StreamId> = self
            .streams
            .keys()
            .filter(|id| !self.is_peer_id(**id) && **id > last)
            .copied()
            .collect();
        for id in refused {
            self.remove_stream(id);
            self.events.push_back(Event::StreamReset {
                stream_id: id,
                code: ErrorCode::REFUSED_STREAM,
                remote: true,
            });
        }
    }

    fn on_window_update(&mut self, id: StreamId, inc: u32) -> Result<(), Error> {
        if id.is_connection() {
            self.conn_send_window += i64::from(inc);
            if self.conn_send_window > i64::from(MAX_WINDOW_SIZE) {
                return Err(Error::WindowOverflow);
            }
            self.unstall_ready();
            let ready: alloc::vec::Vec<StreamId> =
                self.ready.iter().map(|&(_, _, id)| id).collect();
            for id in ready {
                self.capacity_opened(id);
            }
            return Ok(());
        }
        if let Some(s) = self.streams.get_mut(&id) {
            s.send_window += i64::from(inc);
            if s.send_window > i64::from(MAX_WINDOW_SIZE) {
                // §6.9.1: a stream error on a stream.
                return self.reset_local(id, ErrorCode::FLOW_CONTROL_ERROR, true);
            }
            self.schedule(id);
            self.capacity_opened(id);
            Ok(())
        } else if self.is_idle(id) {
            Err(Error::IdleStream {
                kind: FrameType::WINDOW_UPDATE,
                stream_id: id,
            })
        } else {
            Ok(())
        }
    }

    fn on_priority_update(&mut self, id: StreamId, value: &[u8]) -> Result<(), Error> {
        // RFC 9218 §7.1: only clients send it, and only for client-initiated streams.
        if self.role == Role::Client || id.is_connection() || !id.is_client_initiated() {
            return Err(Error::BadPriorityUpdate);
        }
        if let Some(s) = self.streams.get_mut(&id) {
            let priority = s.priority.parse_onto(value);
            self.reprioritize(id, priority);
            self.events.push_back(Event::PriorityUpdate {
                stream_id: id,
                priority,
            });
        } else if self.is_idle(id) {
            // Kept for the stream's HEADERS, bounded like the streams themselves.
            let p = Priority::parse(value);
            if let Some(e) = self.pending_priorities.iter_mut().find(|(s, _)| *s == id) {
                e.1 = p;
            } else if self.pending_priorities.len() < self.config.max_concurrent_streams as usize {
                self.pending_priorities.push((id, p));
            } else {
                return Err(Error::BadPriorityUpdate);
            }
        }
        Ok(())
    }

    /// Returns `n` octets of receive credit on the connection.
    ///
    /// Credit is capped at what was received and not yet returned, so the window never grows
    /// past the configured size and no increment can overflow the peer's view (RFC 9113 §6.9.1).
    pub(super) fn release_connection(&mut self, n: u32) {
        let owed = i64::from(self.config.connection_window_size)
            - self.conn_recv_window
            - i64::from(self.conn_recv_pending);
        let n = clamp_credit(n, owed);
        self.conn_recv_pending = self.conn_recv_pending.saturating_add(n);
        if self.conn_recv_pending >= self.config.connection_window_size / 2 && !self.failed {
            let inc = self.conn_recv_pending;
            self.conn_recv_pending = 0;
            self.conn_recv_window += i64::from(inc);
            self.queue_frame(&Frame::WindowUpdate {
                stream_id: StreamId::CONNECTION,
                increment: inc,
            });
        }
    }

    /// Returns `n` octets of receive credit on `id` and the connection.
    pub(super) fn release(&mut self, id: StreamId, n: u32) {
        self.release_connection(n);
        let half = self.config.initial_window_size / 2;
        let failed = self.failed;
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        if !s.can_recv() {
            return;
        }
        let owed =
            i64::from(self.config.initial_window_size) - s.recv_window - i64::from(s.recv_pending);
        let n = clamp_credit(n, owed);
        s.recv_pending = s.recv_pending.saturating_add(n);
        if s.recv_pending >= half.max(1) && !failed {
            let inc = s.recv_pending;
            s.recv_pending = 0;
            s.recv_window += i64::from(inc);
            self.queue_frame(&Frame::WindowUpdate {
                stream_id: id,
                increment: inc,
            });
        }
    }

    /// Resets `id` because of a stream error or a local decision; `count` charges the
    /// rapid-reset bucket (resets the peer provoked).
    pub(super) fn reset_local(
        &mut self,
        id: StreamId,
        code: ErrorCode,
        count: bool,
    ) -> Result<(), Error> {
        self.remove_stream(id);
        self.remember_reset(id);
        self.queue_control(&Frame::RstStream {
            stream_id: id,
            code,
        })?;
        self.events.push_back(Event::StreamReset {
            stream_id: id,
            code,
            remote: false,
        });
        if count && !self.buckets.resets.take(self.now) {
            return Err(Error::Flood(Flood::Resets));
        }
        Ok(())
    }
}

/// `n` octets of credit, at most `owed` (received and not yet returned), never negative.
fn clamp_credit(n: u32, owed: i64) -> u32 {
    u32::try_from(owed.clamp(0, i64::from(n))).unwrap_or(0)
}
