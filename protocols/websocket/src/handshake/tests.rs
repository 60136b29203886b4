extern crate std;
use std::vec::Vec;

use super::*;
use crate::extension::DeflateConfig;

fn request<'a>(extra: &[(&'a [u8], &'a [u8])]) -> Vec<(&'a [u8], &'a [u8])> {
    let mut h: Vec<(&[u8], &[u8])> = std::vec![
        (b"Host", b"example.com"),
        (b"Upgrade", b"WebSocket"),
        (b"Connection", b"keep-alive, Upgrade"),
        (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        (b"Sec-WebSocket-Version", b"13"),
    ];
    h.extend_from_slice(extra);
    h
}

fn without<'a>(h: Vec<(&'a [u8], &'a [u8])>, name: &str) -> Vec<(&'a [u8], &'a [u8])> {
    h.into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()))
        .collect()
}

#[test]
fn server_checks_every_required_field() {
    let o = ServerOptions::new();
    assert!(server_accept(b"GET", &request(&[]), &o, &DefaultCrypto).is_ok());
    assert_eq!(
        server_accept(b"POST", &request(&[]), &o, &DefaultCrypto),
        Err(HandshakeError::Method)
    );
    for (name, err) in [
        ("host", HandshakeError::Header("Host")),
        ("upgrade", HandshakeError::Header("Upgrade")),
        ("connection", HandshakeError::Header("Connection")),
        (
            "sec-websocket-key",
            HandshakeError::Header("Sec-WebSocket-Key"),
        ),
        (
            "sec-websocket-version",
            HandshakeError::Header("Sec-WebSocket-Version"),
        ),
    ] {
        assert_eq!(
            server_accept(b"GET", &without(request(&[]), name), &o, &DefaultCrypto),
            Err(err)
        );
    }
    let mut h = without(request(&[]), "sec-websocket-version");
    h.push((b"Sec-WebSocket-Version", b"8"));
    let e = server_accept(b"GET", &h, &o, &DefaultCrypto).unwrap_err();
    assert_eq!(
        (e.clone(), e.status()),
        (HandshakeError::Version, Some(426))
    );
    let mut h = without(request(&[]), "sec-websocket-key");
    h.push((b"Sec-WebSocket-Key", b"short"));
    assert_eq!(
        server_accept(b"GET", &h, &o, &DefaultCrypto),
        Err(HandshakeError::InvalidKey)
    );
}

#[test]
fn subprotocol_and_deflate_negotiation() {
    let o = ServerOptions::new()
        .protocol("v2")
        .protocol("v1")
        .deflate(Some(DeflateConfig::new()));
    let h = request(&[
        (b"Sec-WebSocket-Protocol", b"v1"),
        (b"Sec-WebSocket-Protocol", b"v2, v3"),
        (
            b"Sec-WebSocket-Extensions",
            b"permessage-deflate; bogus, permessage-deflate; client_max_window_bits; server_max_window_bits=10",
        ),
    ]);
    let ok = server_accept(b"GET", &h, &o, &DefaultCrypto).unwrap();
    assert_eq!(ok.protocol.as_deref(), Some("v2"));
    assert_eq!(
        ok.extensions.as_deref(),
        Some("permessage-deflate; server_max_window_bits=10")
    );
    assert_eq!(ok.deflate.unwrap().server_max_window_bits, 10);
}

#[test]
fn client_and_server_agree() {
    let hs = ClientHandshake::new(
        ClientOptions::new()
            .protocol("chat")
            .deflate(Some(DeflateConfig {
                client_no_context_takeover: true,
                ..DeflateConfig::new()
            })),
        [9; 16],
    );
    let mut req: Vec<(&[u8], &[u8])> = std::vec![(b"Host", b"h")];
    let sent = hs.request_headers();
    req.extend(sent.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
    let ok = server_accept(
        b"GET",
        &req,
        &ServerOptions::new()
            .protocol("chat")
            .deflate(Some(DeflateConfig::new())),
        &DefaultCrypto,
    )
    .unwrap();
    let resp = ok.response_headers();
    let resp: Vec<(&[u8], &[u8])> = resp
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let got = hs.verify(101, &resp, &DefaultCrypto).unwrap();
    assert_eq!(got.protocol.as_deref(), Some("chat"));
    assert_eq!(got.deflate, ok.deflate);
    assert!(got.deflate.unwrap().client_no_context_takeover);
    // A wrong accept, a wrong status, an unoffered protocol.
    let mut bad = resp.clone();
    bad.retain(|(n, _)| *n != b"Sec-WebSocket-Accept");
    bad.push((b"Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assert_eq!(
        hs.verify(101, &bad, &DefaultCrypto),
        Err(HandshakeError::Accept)
    );
    assert_eq!(
        hs.verify(200, &resp, &DefaultCrypto),
        Err(HandshakeError::Status(200))
    );
    let mut bad = resp.clone();
    bad.retain(|(n, _)| *n != b"Sec-WebSocket-Protocol");
    bad.push((b"Sec-WebSocket-Protocol", b"other"));
    assert_eq!(
        hs.verify(101, &bad, &DefaultCrypto),
        Err(HandshakeError::Protocol)
    );
}

#[test]
fn extended_connect() {
    let hs = ClientHandshake::new(
        ClientOptions::new().deflate(Some(DeflateConfig::new())),
        [1; 16],
    );
    let req = hs.h2_request_headers("https", "example.com", "/ws");
    let req: Vec<(&[u8], &[u8])> = req
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let ok = h2::server_accept(
        &req,
        &ServerOptions::new().deflate(Some(DeflateConfig::new())),
    )
    .unwrap();
    assert!(ok.accept.is_empty());
    let resp = ok.response_headers();
    assert!(resp.iter().all(|(n, _)| *n != "Upgrade"));
    let resp: Vec<(&[u8], &[u8])> = resp
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    assert!(
        hs.verify_h2(h2::STATUS_OK, &resp)
            .unwrap()
            .deflate
            .is_some()
    );
    assert_eq!(hs.verify_h2(404, &resp), Err(HandshakeError::Status(404)));
    // Each pseudo-header is required.
    for name in [":method", ":protocol", ":scheme", ":path", ":authority"] {
        let h: Vec<_> = req
            .iter()
            .copied()
            .filter(|(n, _)| *n != name.as_bytes())
            .collect();
        assert_eq!(
            h2::server_accept(&h, &ServerOptions::new()),
            Err(HandshakeError::PseudoHeader(name))
        );
    }
    let mut h = req.clone();
    h[1] = (b":protocol", b"chat");
    assert_eq!(
        h2::server_accept(&h, &ServerOptions::new()),
        Err(HandshakeError::PseudoHeader(":protocol"))
    );
    h[1] = (b":protocol", b"websocket");
    h.push((b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="));
    assert!(h2::server_accept(&h, &ServerOptions::new()).is_err());
}
