//! Shared by `http2_server` and `http2_client`: one `Connection` under random input (raw and
//! as well-formed frames), random split points, random output buffer sizes, random
//! application actions and random time. It never panics, never consumes more than given, never
//! writes past the caller's buffer, and stays failed after an input error. The header list
//! limit is small (1 KiB), so oversized field blocks (decoded but discarded, refused with 431
//! or RST_STREAM) are common; `send_capacity` stays within the windows; the shutdown PING's
//! answer can be sent to finish a two-step graceful shutdown.

use arbitrary::Arbitrary;
use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_hpack::{Encoder, EncoderConfig, Field};
use fasterapi_http2::{
    Config, Connection, ErrorCode, Event, Frame, OutgoingRequest, PREFACE, Role, Setting,
    SettingId, Settings, StreamId,
};

#[derive(Arbitrary, Debug)]
pub enum Op {
    Raw(Vec<u8>),
    ZeroCopy(Vec<u8>),
    Headers {
        id: u8,
        end_stream: bool,
        split: u8,
        fields: Vec<(u8, Vec<u8>)>,
    },
    Data {
        id: u8,
        len: u16,
        end_stream: bool,
        pad: Option<u8>,
    },
    Settings(Vec<(u8, u32)>),
    SettingsAck,
    WindowUpdate {
        id: u8,
        inc: u32,
    },
    Rst {
        id: u8,
        code: u32,
    },
    Ping(bool),
    GoAway {
        last: u8,
        code: u32,
    },
    PriorityUpdate {
        id: u8,
        value: Vec<u8>,
    },
    Eof,
    Advance(u16),
    Transmit(u8),
    Vectored(u8),
    Events,
    Respond {
        id: u8,
        status: u16,
        end: bool,
    },
    Request {
        end: bool,
        connect: bool,
    },
    SendData {
        id: u8,
        len: u16,
        end: bool,
    },
    Trailers {
        id: u8,
    },
    Reset {
        id: u8,
    },
    Release {
        id: u8,
        n: u16,
    },
    Capacity {
        id: u8,
    },
    ShutdownPingAck,
    Close,
}

const NAMES: [&[u8]; 12] = [
    b":method",
    b":scheme",
    b":path",
    b":authority",
    b":status",
    b":protocol",
    b"content-length",
    b"te",
    b"connection",
    b"priority",
    b"x-a",
    b"X-Upper",
];

pub fn run(role: Role, ops: Vec<Op>) {
    let mut cfg = Config::default();
    cfg.initial_window_size = 1000;
    cfg.enable_connect_protocol = true;
    cfg.max_header_list_size = 1024;
    let mut m = Connection::new(role, cfg);
    let mut enc = Encoder::new(EncoderConfig::default());
    let mut now = Timestamp::ZERO;
    let mut failed = false;
    // Start with the peer's preface so the fuzzer reaches the frames quickly.
    let mut hello = if role == Role::Server {
        PREFACE.to_vec()
    } else {
        Vec::new()
    };
    hello.extend(emit(&Frame::Settings {
        ack: false,
        settings: Settings::List(&[]),
    }));
    feed(&mut m, now, &hello, &mut failed);
    let sid = |id: u8| StreamId::new(u32::from(id % 16));
    for op in ops {
        let wire = match op {
            Op::Raw(b) => Some(b),
            Op::ZeroCopy(b) => {
                let buf = m.input_buffer();
                let n = b.len().min(buf.len());
                buf[..n].copy_from_slice(&b[..n]);
                if m.commit_input(now, n).is_err() {
                    failed = true;
                }
                None
            }
            Op::Headers {
                id,
                end_stream,
                split,
                fields,
            } => {
                let mut block = Vec::new();
                enc.encode(
                    fields
                        .iter()
                        .map(|(n, v)| Field::new(NAMES[*n as usize % NAMES.len()], v)),
                    &mut block,
                );
                let at = (split as usize).min(block.len());
                let mut w = emit(&Frame::Headers {
                    stream_id: sid(id),
                    priority: None,
                    fragment: &block[..at],
                    end_stream,
                    end_headers: at == block.len(),
                    padding: None,
                });
                if at < block.len() {
                    w.extend(emit(&Frame::Continuation {
                        stream_id: sid(id),
                        fragment: &block[at..],
                        end_headers: true,
                    }));
                }
                Some(w)
            }
            Op::Data {
                id,
                len,
                end_stream,
                pad,
            } => {
                let d = vec![0u8; len as usize % 3000];
                Some(emit(&Frame::Data {
                    stream_id: sid(id),
                    data: &d,
                    end_stream,
                    padding: pad,
                }))
            }
            Op::Settings(list) => {
                let l: Vec<Setting> = list
                    .iter()
                    .map(|&(i, v)| Setting::new(SettingId::new(u16::from(i % 10)), v))
                    .collect();
                Some(emit(&Frame::Settings {
                    ack: false,
                    settings: Settings::List(&l),
                }))
            }
            Op::SettingsAck => Some(emit(&Frame::Settings {
                ack: true,
                settings: Settings::List(&[]),
            })),
            Op::WindowUpdate { id, inc } => Some(emit(&Frame::WindowUpdate {
                stream_id: sid(id),
                increment: inc.max(1) & 0x7fff_ffff | 1,
            })),
            Op::Rst { id, code } => Some(emit(&Frame::RstStream {
                stream_id: sid(id),
                code: ErrorCode::new(code),
            })),
            Op::Ping(ack) => Some(emit(&Frame::Ping { ack, data: [1; 8] })),
            Op::GoAway { last, code } => Some(emit(&Frame::GoAway {
                last_stream_id: sid(last),
                code: ErrorCode::new(code),
                debug: b"x",
            })),
            Op::PriorityUpdate { id, value } => Some(emit(&Frame::PriorityUpdate {
                prioritized_id: sid(id),
                field_value: &value,
            })),
            Op::Eof => {
                let _ = m.handle_eof(now);
                None
            }
            Op::Advance(ms) => {
                now = now + core::time::Duration::from_millis(u64::from(ms) * 10);
                if m.handle_timeout(now).is_err() {
                    failed = true;
                }
                None
            }
            Op::Transmit(n) => {
                let mut buf = vec![0u8; n as usize + 1];
                let k = m.poll_transmit(now, &mut buf);
                assert!(k <= buf.len());
                None
            }
            Op::Vectored(n) => {
                let mut buf = vec![0u8; n as usize + 1];
                let t = m.poll_transmit_vectored(now, &mut buf);
                assert!(t.len <= buf.len());
                None
            }
            Op::Events => {
                while let Some(e) = m.poll_event() {
                    match e {
                        Event::Request { stream_id, .. } => {
                            let _ = m.send_response(stream_id, 200, &[(b"x", b"y")], false);
                        }
                        // The machine answered (431) or reset it: not the application's.
                        Event::HeaderListTooLarge { stream_id } => {
                            assert!(m.send_response(stream_id, 200, &[], true).is_err());
                        }
                        _ => {}
                    }
                }
                None
            }
            Op::Respond { id, status, end } => {
                let _ = m.send_response(sid(id), status, &[], end);
                None
            }
            Op::Request { end, connect } => {
                let r = OutgoingRequest::new(b"GET", b"http", b"a", b"/");
                let r = if connect {
                    r.with_protocol(b"websocket")
                } else {
                    r
                };
                let _ = m.send_request(&r, end);
                None
            }
            Op::SendData { id, len, end } => {
                let _ = m.send_data(sid(id), Bytes::from(vec![3u8; len as usize % 70_000]), end);
                None
            }
            Op::Trailers { id } => {
                let _ = m.send_trailers(sid(id), &[(b"t", b"1")]);
                None
            }
            Op::Reset { id } => {
                let _ = m.reset(sid(id), ErrorCode::CANCEL);
                None
            }
            Op::Release { id, n } => {
                m.release_capacity(sid(id), u32::from(n));
                None
            }
            Op::Capacity { id } => {
                // Never more than the stream's own window (nor below what is queued).
                let c = m.send_capacity(sid(id));
                assert!(c <= m.send_window(Some(sid(id))).max(0));
                None
            }
            Op::ShutdownPingAck => Some(emit(&Frame::Ping {
                ack: true,
                data: *b"shutdown",
            })),
            Op::Close => {
                m.close(now);
                None
            }
        };
        if let Some(w) = wire {
            feed(&mut m, now, &w, &mut failed);
        }
        if failed {
            // A failed machine takes input without acting on it and queues nothing new.
            let mut buf = [0u8; 64];
            while m.poll_transmit(now, &mut buf) > 0 {}
            assert!(m.is_closed());
        }
    }
}

fn feed(m: &mut Connection, now: Timestamp, bytes: &[u8], failed: &mut bool) {
    match m.handle_input(now, bytes) {
        Ok(n) => assert!(n <= bytes.len()),
        Err(_) => *failed = true,
    }
}

fn emit(f: &Frame<'_>) -> Vec<u8> {
    let mut v = vec![0u8; f.encoded_len()];
    f.emit(&mut v).unwrap();
    v
}
