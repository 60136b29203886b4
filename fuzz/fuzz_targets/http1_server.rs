//! `ServerConnection` under random input, random split points and random application actions:
//! it never panics, never consumes more than it was given, never writes past the caller's
//! buffer, and after an input error it stays failed with its answer queued.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{ConnectionConfig, Event, Header, ServerConnection};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    /// Raw bytes through `handle_input`.
    Input(Vec<u8>),
    /// Raw bytes through `input_buffer` / `commit_input`.
    ZeroCopy(Vec<u8>),
    /// A well-formed request, so the fuzzer reaches bodies and later cycles quickly.
    Request {
        kind: u8,
        body: Vec<u8>,
        split: u8,
    },
    Eof,
    Advance(u16),
    Transmit(u8),
    Vectored(u8),
    Events,
    Respond {
        status: u16,
        length: Option<u8>,
        headers: u8,
    },
    Informational(u16),
    Data(Vec<u8>),
    End,
    Trailers(bool),
    Close,
}

fn request(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    match kind % 8 {
        0 => r.extend_from_slice(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        1 => {
            r.extend_from_slice(
                format!(
                    "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            r.extend_from_slice(body);
        }
        2 => {
            r.extend_from_slice(b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
            for piece in body.chunks(7) {
                r.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                r.extend_from_slice(piece);
                r.extend_from_slice(b"\r\n");
            }
            r.extend_from_slice(b"0\r\nT: v\r\n\r\n");
        }
        3 => r.extend_from_slice(
            b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        ),
        4 => r.extend_from_slice(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"),
        5 => r.extend_from_slice(b"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        6 => {
            r.extend_from_slice(
                format!(
                    "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            r.extend_from_slice(body);
        }
        _ => r.extend_from_slice(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
    }
    r
}

fn feed(s: &mut ServerConnection, now: Timestamp, bytes: &[u8], split: usize, zero_copy: bool) {
    for piece in bytes.chunks(split.max(1)) {
        if zero_copy {
            let buf = s.input_buffer();
            let n = buf.len().min(piece.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n > 0 && s.commit_input(now, n).is_err() {
                return;
            }
        } else {
            match s.handle_input(now, piece) {
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
    let mut s = ServerConnection::new(config);
    let mut now = Timestamp::ZERO;
    let mut out = [0u8; 256];
    for op in ops {
        match op {
            Op::Input(b) => feed(&mut s, now, &b, b.len(), false),
            Op::ZeroCopy(b) => feed(&mut s, now, &b, b.len(), true),
            Op::Request { kind, body, split } => feed(
                &mut s,
                now,
                &request(kind, &body),
                usize::from(split),
                split % 2 == 0,
            ),
            Op::Eof => {
                let _ = s.handle_eof(now);
            }
            Op::Advance(ms) => {
                now = now + core::time::Duration::from_millis(u64::from(ms) * 100);
                let _ = s.handle_timeout(now);
            }
            Op::Transmit(n) => {
                let len = usize::from(n).max(1);
                let written = s.poll_transmit(now, &mut out[..len]);
                assert!(written <= len);
            }
            Op::Vectored(n) => {
                let len = usize::from(n).max(1);
                let t = s.poll_transmit_vectored(now, &mut out[..len]);
                assert!(t.len <= len);
            }
            Op::Events => {
                while let Some(e) = s.poll_event() {
                    if let Event::Switched { .. } = e {
                        assert!(s.input_buffer().is_empty());
                    }
                }
            }
            Op::Respond {
                status,
                length,
                headers,
            } => {
                let len = length.map(|l| l.to_string());
                let mut fields = Vec::new();
                if let Some(l) = &len {
                    fields.push(Header {
                        name: b"Content-Length",
                        value: l.as_bytes(),
                    });
                }
                if headers & 1 == 1 {
                    fields.push(Header {
                        name: b"Connection",
                        value: b"close",
                    });
                }
                if headers & 2 == 2 {
                    fields.push(Header {
                        name: b"Transfer-Encoding",
                        value: b"chunked",
                    });
                }
                if headers & 4 == 4 {
                    fields.push(Header {
                        name: b"Upgrade",
                        value: b"websocket",
                    });
                }
                let _ = s.send_response(status % 700, &fields);
            }
            Op::Informational(status) => {
                let _ = s.send_informational(status % 300, &[]);
            }
            Op::Data(d) => {
                let _ = s.send_data(Bytes::from(d));
            }
            Op::End => {
                let _ = s.end_body();
            }
            Op::Trailers(valid) => {
                let name: &[u8] = if valid { b"X-T" } else { b"Bad Name" };
                let _ = s.send_trailers(&[Header { name, value: b"1" }]);
            }
            Op::Close => s.close(now),
        }
        if let Some(e) = s.error() {
            // Fatal errors stick.
            assert_eq!(s.handle_input(now, b"x"), Err(e));
        }
        let _ = s.poll_timeout();
        let _ = s.is_closed();
    }
});
