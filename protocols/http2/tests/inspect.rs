//! The frame-level reader (for `fasterapi decode h2`) on the byte streams our own machines
//! write, whole and one byte at a time.

use bytes::Bytes;
use fasterapi_core::testing::Pair;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http2::inspect::FrameReader;
use fasterapi_http2::{Config, Connection, Error, Frame, FrameType, OutgoingRequest, Role};

fn drain(m: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = m.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// A frame's type and, when it ends a field block, the decoded fields.
type Seen = (FrameType, Option<Vec<(String, String)>>);

fn read(role: Role, wire: &[u8], chunk: usize) -> Vec<Seen> {
    let mut r = FrameReader::new(role);
    let mut got = Vec::new();
    for piece in wire.chunks(chunk) {
        r.feed(piece, |f: &Frame<'_>, fields| {
            got.push((
                f.kind(),
                fields.map(|fs| {
                    fs.iter()
                        .map(|f| {
                            (
                                String::from_utf8_lossy(&f.name).into_owned(),
                                String::from_utf8_lossy(&f.value).into_owned(),
                            )
                        })
                        .collect()
                }),
            ));
        })
        .unwrap();
    }
    assert!(r.is_at_boundary());
    got
}

#[test]
fn reads_both_directions_however_split() {
    let mut p = Pair::new(
        Connection::client(Config::default()),
        Connection::server(Config::default()),
    );
    let req = OutgoingRequest::new(b"POST", b"https", b"example.com", b"/x")
        .with_headers(&[(b"x-long", b"a value long enough to need Huffman coding")]);
    let id = p.client.machine.send_request(&req, false).unwrap();
    p.client
        .machine
        .send_data(id, Bytes::from_static(b"body"), true)
        .unwrap();
    let client_wire = drain(&mut p.client.machine);
    p.server
        .machine
        .handle_input(Timestamp::ZERO, &client_wire)
        .unwrap();
    while p.server.machine.poll_event().is_some() {}
    p.server.machine.send_response(id, 404, &[], true).unwrap();
    let server_wire = drain(&mut p.server.machine);
    for chunk in [1, 5, usize::MAX] {
        let c = read(Role::Server, &client_wire, chunk);
        let kinds: Vec<FrameType> = c.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [
                FrameType::SETTINGS,
                FrameType::WINDOW_UPDATE,
                FrameType::HEADERS,
                FrameType::DATA
            ]
        );
        let fields = c[2].1.as_ref().unwrap();
        assert_eq!(fields[0], (":method".into(), "POST".into()));
        assert_eq!(fields[4].1, "a value long enough to need Huffman coding");
        let s = read(Role::Client, &server_wire, chunk);
        let headers = s.iter().find(|(k, _)| *k == FrameType::HEADERS).unwrap();
        assert_eq!(
            headers.1.as_ref().unwrap()[0],
            (":status".into(), "404".into())
        );
    }
}

#[test]
fn reports_protocol_errors() {
    let mut r = FrameReader::new(Role::Server);
    assert_eq!(
        r.feed(b"GET / HTTP/1.1\r\n", |_, _| {}),
        Err(Error::BadPreface)
    );
    assert_eq!(r.feed(b"x", |_, _| {}), Err(Error::Closed));
    let mut r = FrameReader::new(Role::Client);
    // CONTINUATION with no open block.
    let e = r.feed(&[0, 0, 0, 9, 4, 0, 0, 0, 1], |_, _| {});
    assert_eq!(e, Err(Error::UnexpectedContinuation));
}
