//! `ClientConnection` under random responses, random split points and random application
//! actions: it never panics, never consumes more than it was given and never writes past the
//! caller's buffer.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Header};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Input(Vec<u8>),
    ZeroCopy(Vec<u8>),
    /// A well-formed response, so the fuzzer reaches bodies and later cycles quickly.
    Response {
        kind: u8,
        body: Vec<u8>,
        split: u8,
    },
    Eof,
    Advance(u16),
    Transmit(u8),
    Vectored(u8),
    Events,
    Request {
        method: u8,
        length: Option<u8>,
        flags: u8,
    },
    Data(Vec<u8>),
    End,
    Trailers,
    Close,
}

fn response(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    match kind % 7 {
        0 => {
            r.extend_from_slice(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
            );
            r.extend_from_slice(body);
        }
        1 => {
            r.extend_from_slice(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for piece in body.chunks(5) {
                r.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                r.extend_from_slice(piece);
                r.extend_from_slice(b"\r\n");
            }
            r.extend_from_slice(b"0\r\n\r\n");
        }
        2 => r.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n"),
        3 => r.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"),
        4 => {
            r.extend_from_slice(b"HTTP/1.0 200 OK\r\n\r\n");
            r.extend_from_slice(body);
        }
        5 => r.extend_from_slice(b"HTTP/1.1 204 No Content\r\n\r\n"),
        _ => r.extend_from_slice(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"),
    }
    r
}

fn feed(c: &mut ClientConnection, now: Timestamp, bytes: &[u8], split: usize, zero_copy: bool) {
    for piece in bytes.chunks(split.max(1)) {
        if zero_copy {
            let buf = c.input_buffer();
            let n = buf.len().min(piece.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n > 0 && c.commit_input(now, n).is_err() {
                return;
            }
        } else {
            match c.handle_input(now, piece) {
                Ok(n) => assert!(n <= piece.len()),
                Err(_) => return,
            }
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut config = ConnectionConfig::default();
    config.max_buffer = 4096;
    config.max_body_size = 1 << 16;
    config.codec.max_head_size = 2048;
    let mut c = ClientConnection::new(config);
    let mut now = Timestamp::ZERO;
    let mut out = [0u8; 256];
    for op in ops {
        match op {
            Op::Input(b) => feed(&mut c, now, &b, b.len(), false),
            Op::ZeroCopy(b) => feed(&mut c, now, &b, b.len(), true),
            Op::Response { kind, body, split } => feed(
                &mut c,
                now,
                &response(kind, &body),
                usize::from(split),
                split % 2 == 1,
            ),
            Op::Eof => {
                let _ = c.handle_eof(now);
            }
            Op::Advance(ms) => {
                now = now + core::time::Duration::from_millis(u64::from(ms) * 100);
                let _ = c.handle_timeout(now);
            }
            Op::Transmit(n) => {
                let len = usize::from(n).max(1);
                assert!(c.poll_transmit(now, &mut out[..len]) <= len);
            }
            Op::Vectored(n) => {
                let len = usize::from(n).max(1);
                assert!(c.poll_transmit_vectored(now, &mut out[..len]).len <= len);
            }
            Op::Events => while c.poll_event().is_some() {},
            Op::Request {
                method,
                length,
                flags,
            } => {
                let method: &[u8] = match method % 5 {
                    0 => b"GET",
                    1 => b"POST",
                    2 => b"HEAD",
                    3 => b"CONNECT",
                    _ => b"BAD METHOD",
                };
                let len = length.map(|l| l.to_string());
                let mut fields = vec![Header {
                    name: b"Host",
                    value: b"a",
                }];
                if let Some(l) = &len {
                    fields.push(Header {
                        name: b"Content-Length",
                        value: l.as_bytes(),
                    });
                }
                if flags & 1 == 1 {
                    fields.push(Header {
                        name: b"Transfer-Encoding",
                        value: b"chunked",
                    });
                }
                if flags & 2 == 2 {
                    fields.push(Header {
                        name: b"Upgrade",
                        value: b"x",
                    });
                }
                if flags & 4 == 4 {
                    fields.push(Header {
                        name: b"Connection",
                        value: b"close",
                    });
                }
                let _ = c.send_request(method, b"/", &fields);
            }
            Op::Data(d) => {
                let _ = c.send_data(Bytes::from(d));
            }
            Op::End => {
                let _ = c.end_body();
            }
            Op::Trailers => {
                let _ = c.send_trailers(&[Header {
                    name: b"X-T",
                    value: b"1",
                }]);
            }
            Op::Close => c.close(now),
        }
        if let Some(e) = c.error() {
            assert_eq!(c.handle_input(now, b"x"), Err(e));
        }
        let _ = c.poll_timeout();
        let _ = c.is_closed();
    }
});
