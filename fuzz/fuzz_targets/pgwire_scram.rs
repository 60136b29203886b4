//! The SCRAM exchange with a hostile server: arbitrary server-first and server-final
//! messages (and the whole SASL startup through the machine) never panic, never spend more
//! than the iteration limit, and never authenticate without a valid server signature.
#![no_main]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_pgwire::auth::{ChannelBinding, RingProvider, ScramClient};
use fasterapi_pgwire::codec::{Authentication, Backend, List};
use fasterapi_pgwire::{ClientConnection, Config, Event, SslMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(ctl).min(rest.len());
    let (first, fin) = rest.split_at(cut);

    // The exchange alone; the nonce is a prefix the fuzzer can hit.
    let binding = match ctl % 3 {
        0 => ChannelBinding::NotSupported,
        1 => ChannelBinding::ClientOnly,
        _ => ChannelBinding::TlsServerEndPoint(vec![7; 32]),
    };
    let mut c = ScramClient::new("", b"pencil", "abc", binding);
    if c.server_first(&RingProvider, first, 64).is_ok() {
        let _ = c.server_final(fin);
    }
    assert!(!c.is_done() || fin.starts_with(b"v="));

    // Through the machine: AuthenticationSASL, then the fuzzed continue/final, then Ok.
    let config = Config::new("u").password("pencil").ssl_mode(SslMode::Disable);
    let mut config = config;
    config.max_scram_iterations = 64;
    let mut m = ClientConnection::new(config, Box::new(RingProvider), &mut |b: &mut [u8]| b.fill(3));
    let mut buf = [0u8; 64];
    let mechs: [&[u8]; 1] = [b"SCRAM-SHA-256"];
    let mut input = Vec::new();
    Backend::Authentication(Authentication::Sasl(List::new(&mechs))).emit(&mut input);
    Backend::Authentication(Authentication::SaslContinue(first)).emit(&mut input);
    Backend::Authentication(Authentication::SaslFinal(fin)).emit(&mut input);
    Backend::Authentication(Authentication::Ok).emit(&mut input);
    while m.poll_transmit(Timestamp::ZERO, &mut buf) > 0 {}
    let result = m.handle_input(Timestamp::ZERO, &input);
    while m.poll_transmit(Timestamp::ZERO, &mut buf) > 0 {}
    // Only a server that proves it knows the password gets past authentication: fuzzed
    // bytes cannot forge the HMAC, so the startup always fails.
    assert!(result.is_err(), "authenticated by a server that proved nothing");
    assert!(std::iter::from_fn(|| m.poll_event()).all(|e| !matches!(e, Event::Ready { .. })));
});
