//! The opening handshake on arbitrary header lists: the HTTP/1.1 and HTTP/2 server checks and
//! the client's check of an answer never panic, and an accepted request's response is
//! accepted by a client that offered the same things.
#![no_main]

use fasterapi_websocket::DeflateConfig;
use fasterapi_websocket::handshake::{
    ClientHandshake, ClientOptions, DefaultCrypto, ServerOptions, h2, server_accept,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lines of "name:value"; the first line is the method.
    let mut lines = data.split(|&b| b == b'\n');
    let method = lines.next().unwrap_or_default();
    let headers: Vec<(&[u8], &[u8])> = lines
        .filter_map(|l| {
            let i = l.iter().skip(1).position(|&b| b == b':')? + 1;
            Some((&l[..i], &l[i + 1..]))
        })
        .collect();
    let options = ServerOptions::new()
        .protocol("chat")
        .deflate(Some(DeflateConfig::new()));
    let _ = h2::server_accept(&headers, &options);
    let hs = ClientHandshake::new(
        ClientOptions::new()
            .protocol("chat")
            .deflate(Some(DeflateConfig::new())),
        [7; 16],
    );
    let _ = hs.verify(101, &headers, &DefaultCrypto);
    let _ = hs.verify_h2(200, &headers);
    if let Ok(ok) = server_accept(method, &headers, &options, &DefaultCrypto) {
        // Replay the negotiation from the client's side with the server's key.
        let resp = ok.response_headers();
        let resp: Vec<(&[u8], &[u8])> = resp
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let ext = resp
            .iter()
            .find(|(n, _)| *n == b"Sec-WebSocket-Extensions")
            .map(|(_, v)| *v);
        if let Some(ext) = ext {
            let ext = core::str::from_utf8(ext).unwrap();
            fasterapi_websocket::extension::accept_response([ext], Some(&DeflateConfig::new()))
                .expect("the server's own answer to a valid offer is acceptable");
        }
    }
});
