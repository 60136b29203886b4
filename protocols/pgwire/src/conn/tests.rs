//! Machine tests against scripted server bytes (the real server is in `tests/`).

extern crate std;

use alloc::boxed::Box;
use alloc::vec::Vec;

use fasterapi_core::{Machine, StreamMachine, Timestamp};

use super::*;
use crate::auth::{RingProvider, ScramError};
use crate::codec::{
    Authentication, Backend, BackendKeyData, Direction, ErrorField, Message, MessageReader,
    TransactionStatus,
};
use crate::config::SslNegotiation;

const T: Timestamp = Timestamp::from_nanos(0);

fn machine(config: Config) -> ClientConnection {
    let mut fixed = |b: &mut [u8]| b.fill(7);
    ClientConnection::new(config, Box::new(RingProvider), &mut fixed)
}

fn drain(m: &mut ClientConnection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7]; // a small buffer: output continues across calls
    loop {
        let n = m.poll_transmit(T, &mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn events(m: &mut ClientConnection) -> Vec<Event> {
    core::iter::from_fn(|| m.poll_event()).collect()
}

fn msgs(msgs: &[Backend<'_>]) -> Vec<u8> {
    let mut v = Vec::new();
    for m in msgs {
        m.emit(&mut v);
    }
    v
}

/// The frontend message tags in `bytes` (after the startup-phase message).
fn frontend_tags(bytes: &[u8]) -> Vec<u8> {
    let mut r = MessageReader::new(Direction::Frontend, 1 << 20);
    let mut at = 0;
    let mut tags = Vec::new();
    while let Some((m, n)) = r.next(&bytes[at..]).unwrap() {
        at += n;
        match m {
            Message::Frontend(f) => tags.push(f.tag()),
            Message::Startup(_) => tags.push(0),
            _ => {}
        }
    }
    tags
}

/// The tags of tagged frontend messages in `bytes` (after the startup phase).
fn tags(bytes: &[u8]) -> Vec<u8> {
    let mut at = 0;
    let mut tags = Vec::new();
    while let Some((f, n)) = read_frame(&bytes[at..], 1 << 20).unwrap() {
        tags.push(f.tag);
        at += n;
    }
    tags
}

fn plain(user: &str) -> Config {
    Config::new(user).ssl_mode(SslMode::Disable)
}

const KEY: [u8; 4] = [1, 2, 3, 4];

fn startup_ok(version_key: &[u8]) -> Vec<u8> {
    let kd = BackendKeyData {
        process_id: 99,
        secret_key: version_key,
    };
    msgs(&[
        Backend::Authentication(Authentication::Ok),
        Backend::BackendKeyData(kd),
        Backend::ParameterStatus {
            name: b"server_version",
            value: b"18.0",
        },
        Backend::ReadyForQuery(TransactionStatus::Idle),
    ])
}

#[test]
fn trust_never_sends_the_password() {
    let mut m = machine(plain("u").password("secret"));
    let out = drain(&mut m);
    assert_eq!(frontend_tags(&out), [0]);
    m.handle_input(T, &startup_ok(&KEY)).unwrap();
    assert!(drain(&mut m).is_empty(), "nothing answers AuthenticationOk");
    let ev = events(&mut m);
    assert!(matches!(
        ev.last(),
        Some(Event::Ready { process_id: 99, .. })
    ));
    // 3.2 was asked and not negotiated down: the session runs 3.2.
    assert_eq!(m.protocol_version(), ProtocolVersion::V3_2);
}

#[test]
fn long_cancel_keys_need_3_2() {
    let key = [9u8; 32];
    let mut m = machine(plain("u"));
    drain(&mut m);
    m.handle_input(T, &startup_ok(&key)).unwrap();
    assert_eq!(m.cancel_token().unwrap().secret_key.len(), 32);
    let token = m.cancel_token().unwrap().encode();
    assert_eq!(token.len(), 12 + 32);

    // After a fall-back to 3.0 the same key is a protocol violation.
    let mut m = machine(plain("u"));
    drain(&mut m);
    let mut input = msgs(&[Backend::NegotiateProtocolVersion {
        newest_minor: 0x0003_0000,
        unrecognized: List::new(&[]),
    }]);
    input.extend(startup_ok(&key));
    assert_eq!(
        m.handle_input(T, &input),
        Err(Error::Protocol(
            "cancel key length not allowed by the protocol version"
        ))
    );
    assert_eq!(m.protocol_version(), ProtocolVersion::V3_0);
    assert!(m.is_closed() || !drain(&mut m).is_empty());
}

#[test]
fn negotiation_must_downgrade() {
    let mut m = machine(plain("u"));
    drain(&mut m);
    let input = msgs(&[Backend::NegotiateProtocolVersion {
        newest_minor: 5,
        unrecognized: List::new(&[]),
    }]);
    assert!(matches!(m.handle_input(T, &input), Err(Error::Protocol(_))));
}

#[test]
fn ssl_answers() {
    // 'S' followed by unencrypted bytes: refused (CVE-2021-23222).
    let mut m = machine(Config::new("u").ssl_mode(SslMode::Require));
    assert_eq!(drain(&mut m), [0, 0, 0, 8, 4, 210, 22, 47]);
    assert!(matches!(
        m.handle_input(T, b"SZ\0\0\0\x05I"),
        Err(Error::Protocol(_))
    ));
    // 'S' alone: StartTls, then no input until the adapter finished TLS.
    let mut m = machine(Config::new("u").ssl_mode(SslMode::Require));
    drain(&mut m);
    m.handle_input(T, b"S").unwrap();
    assert_eq!(events(&mut m), [Event::StartTls]);
    assert!(m.input_buffer().is_empty());
    m.tls_established(None).unwrap();
    assert_eq!(frontend_tags(&drain(&mut m)), [0]);
    assert!(m.is_tls());
    // 'N' under require fails; under prefer the startup goes out in clear.
    let mut m = machine(Config::new("u").ssl_mode(SslMode::Require));
    drain(&mut m);
    assert_eq!(m.handle_input(T, b"N"), Err(Error::TlsRefused));
    let mut m = machine(Config::new("u"));
    drain(&mut m);
    m.handle_input(T, b"N").unwrap();
    assert_eq!(frontend_tags(&drain(&mut m)), [0]);
    assert!(!m.is_tls());
}

#[test]
fn direct_tls_starts_with_the_handshake() {
    let mut m = machine(Config::new("u").ssl_negotiation(SslNegotiation::Direct));
    assert!(drain(&mut m).is_empty(), "no SSLRequest in direct mode");
    assert_eq!(events(&mut m), [Event::StartTls]);
    m.tls_established(None).unwrap();
    assert_eq!(frontend_tags(&drain(&mut m)), [0]);
}

#[test]
fn channel_binding_require_refuses_cleartext_without_sending_it() {
    let mut m = machine(
        plain("u")
            .password("pw")
            .channel_binding(ChannelBindingMode::Require),
    );
    drain(&mut m);
    let input = msgs(&[Backend::Authentication(Authentication::CleartextPassword)]);
    assert_eq!(
        m.handle_input(T, &input),
        Err(Error::ChannelBindingRequired)
    );
    assert!(!drain(&mut m).windows(2).any(|w| w == b"pw"));
}

#[test]
fn scram_cannot_be_skipped_or_forged() {
    let mechs: [&[u8]; 1] = [b"SCRAM-SHA-256"];
    // AuthenticationOk right after the SASL start: a server that never proved itself.
    let mut m = machine(plain("u").password("pw"));
    drain(&mut m);
    let input = msgs(&[
        Backend::Authentication(Authentication::Sasl(List::new(&mechs))),
        Backend::Authentication(Authentication::Ok),
    ]);
    assert_eq!(
        m.handle_input(T, &input),
        Err(Error::Protocol("AuthenticationOk before SCRAM finished"))
    );

    // A forged server signature.
    let mut m = machine(plain("u").password("pw"));
    drain(&mut m);
    let input = msgs(&[Backend::Authentication(Authentication::Sasl(List::new(
        &mechs,
    )))]);
    m.handle_input(T, &input).unwrap();
    let out = drain(&mut m);
    // The client nonce is base64 of the 18 fixed random bytes.
    let nonce = ScramClient::nonce_from(&[7; 18]);
    assert!(out.windows(nonce.len()).any(|w| w == nonce.as_bytes()));
    let first = alloc::format!("r={nonce}srv,s=c2FsdA==,i=4096");
    m.handle_input(
        T,
        &msgs(&[Backend::Authentication(Authentication::SaslContinue(
            first.as_bytes(),
        ))]),
    )
    .unwrap();
    let fin = msgs(&[Backend::Authentication(Authentication::SaslFinal(
        b"v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ))]);
    assert_eq!(
        m.handle_input(T, &fin),
        Err(Error::Scram(ScramError::BadServerSignature))
    );
}

/// A server script after startup: the answers to `execute` + `sync` with one row.
fn select_answer() -> Vec<u8> {
    let fields = [crate::codec::RowField {
        name: b"a",
        table_oid: 0,
        column_id: 0,
        type_oid: 23,
        type_size: 4,
        type_modifier: -1,
        format: crate::codec::Format::TEXT,
    }];
    let vals: [Option<&[u8]>; 1] = [Some(b"1")];
    msgs(&[
        Backend::ParseComplete,
        Backend::ParameterDescription(List::new(&[])),
        Backend::RowDescription(List::new(&fields)),
        Backend::BindComplete,
        Backend::DataRow(List::new(&vals)),
        Backend::DataRow(List::new(&vals)),
        Backend::CommandComplete(b"SELECT 2"),
        Backend::ReadyForQuery(TransactionStatus::Idle),
    ])
}

fn ready() -> ClientConnection {
    let mut m = machine(plain("u"));
    drain(&mut m);
    m.handle_input(T, &startup_ok(&KEY)).unwrap();
    events(&mut m);
    m
}

#[test]
fn results_are_the_same_whatever_the_split() {
    let script = select_answer();
    let mut reference = None;
    for chunk in [script.len(), 1, 2, 3, 7, 64] {
        let mut m = ready();
        let id = m.execute("SELECT 1", &[], &[], &[], &[]).unwrap();
        let s = m.sync().unwrap();
        assert_eq!(tags(&drain(&mut m)), b"PDBES");
        let mut ev = Vec::new();
        for part in script.chunks(chunk) {
            m.handle_input(T, part).unwrap();
            ev.extend(events(&mut m));
        }
        // Batches may split differently: compare the rows, not the batches.
        let rows: usize = ev
            .iter()
            .map(|e| {
                if let Event::Rows { rows, .. } = e {
                    rows.len()
                } else {
                    0
                }
            })
            .sum();
        assert_eq!(rows, 2);
        let ends: Vec<_> = ev
            .iter()
            .filter(|e| !matches!(e, Event::Rows { .. }))
            .cloned()
            .collect();
        assert!(
            matches!(ends.last(), Some(Event::Done { id: i, status: Some(TransactionStatus::Idle) }) if *i == s)
        );
        assert!(
            ends.iter()
                .any(|e| matches!(e, Event::Done { id: i, .. } if *i == id))
        );
        match &reference {
            None => reference = Some(ends),
            Some(r) => assert_eq!(r, &ends, "chunk {chunk}"),
        }
    }
}

#[test]
fn limits_and_unexpected_messages() {
    // A DataRow announcing 1 GiB is refused from its header, before buffering.
    let mut m = ready();
    m.query("SELECT 1").unwrap();
    drain(&mut m);
    let r = m.handle_input(T, &[b'D', 0x40, 0, 0, 4]);
    assert!(matches!(
        r,
        Err(Error::Codec(crate::codec::CodecError::TooLarge { .. }))
    ));
    assert_eq!(tags(&drain(&mut m)), [b'X']);
    assert!(m.is_closed());

    // A result nobody asked for.
    let mut m = ready();
    assert!(matches!(
        m.handle_input(T, &msgs(&[Backend::BindComplete])),
        Err(Error::UnexpectedMessage { .. })
    ));

    // A FATAL report with nothing in flight ends the session with the server's error.
    let mut m = ready();
    let fields = [
        ErrorField {
            code: b'S',
            value: b"FATAL",
        },
        ErrorField {
            code: b'C',
            value: b"57P01",
        },
    ];
    let r = m.handle_input(T, &msgs(&[Backend::ErrorResponse(List::new(&fields))]));
    assert!(
        matches!(r, Err(Error::Server(e)) if e.code() == crate::error::SqlState::ADMIN_SHUTDOWN)
    );

    // Misuse is refused without touching the session.
    let mut m = ready();
    assert_eq!(
        m.copy_data(b"x"),
        Err(Error::InvalidState("no COPY FROM STDIN in progress"))
    );
    assert_eq!(m.query("a\0b"), Err(Error::NulInString));
    let mut early = machine(plain("u"));
    assert!(matches!(
        early.query("SELECT 1"),
        Err(Error::InvalidState(_))
    ));
    // EOF mid-session is an error; close sends Terminate.
    assert_eq!(m.handle_eof(T), Err(Error::UnexpectedEof));
    let mut m = ready();
    m.close(T);
    assert_eq!(tags(&drain(&mut m)), [b'X']);
    assert!(m.is_closed());
}

#[test]
fn a_long_row_is_buffered_as_it_arrives() {
    let mut m = ready();
    let id = m.query("SELECT big").unwrap();
    drain(&mut m);
    let big = alloc::vec![b'x'; 300_000];
    let vals: [Option<&[u8]>; 1] = [Some(&big)];
    let mut script = msgs(&[Backend::DataRow(List::new(&vals))]);
    script.extend(msgs(&[
        Backend::CommandComplete(b"SELECT 1"),
        Backend::ReadyForQuery(TransactionStatus::Idle),
    ]));
    // The header alone does not make the machine allocate the whole message.
    let first = m.input_buffer();
    first[..5].copy_from_slice(&script[..5]);
    m.commit_input(T, 5).unwrap();
    assert!(
        m.input_buffer().len() <= 2 * READ_CHUNK,
        "growth follows the bytes"
    );
    let mut at = 5;
    while at < script.len() {
        let buf = m.input_buffer();
        let n = buf.len().min(script.len() - at).min(4000);
        buf[..n].copy_from_slice(&script[at..at + n]);
        m.commit_input(T, n).unwrap();
        at += n;
    }
    let ev = events(&mut m);
    let rows = ev
        .iter()
        .find_map(|e| {
            if let Event::Rows { rows, .. } = e {
                Some(rows)
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(rows.row(0).unwrap().get(0), Some(Some(&big[..])));
    assert!(matches!(ev.last(), Some(Event::Done { id: i, .. }) if *i == id));
}

/// The gs2 header the client chose, from its SASLInitialResponse.
fn gs2_after(config: Config, tls_cert: Option<&[u8]>, mechs: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let mut m = machine(config);
    drain(&mut m);
    if m.phase == Phase::SslRequested {
        m.handle_input(T, b"S")?;
        m.tls_established(tls_cert)?;
        drain(&mut m);
    }
    m.handle_input(
        T,
        &msgs(&[Backend::Authentication(Authentication::Sasl(List::new(
            mechs,
        )))]),
    )?;
    let out = drain(&mut m);
    let (f, _) = read_frame(&out, 1 << 20).unwrap().unwrap();
    let Frontend::AuthResponse(r) = Frontend::parse(f.tag, f.body).unwrap() else {
        panic!()
    };
    let (mech, data) = r.sasl_initial().unwrap();
    let mut v = Vec::from(mech);
    v.push(b' ');
    v.extend_from_slice(data.unwrap());
    Ok(v)
}

#[test]
fn gs2_header_choice() {
    // A minimal certificate signed with ecdsa-with-SHA256.
    let cert: &[u8] = &[
        0x30, 0x0f, 0x30, 0x00, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
        0x02, 0x03, 0x01, 0x00,
    ];
    let both: [&[u8]; 2] = [b"SCRAM-SHA-256-PLUS", b"SCRAM-SHA-256"];
    let plain_only: [&[u8]; 1] = [b"SCRAM-SHA-256"];
    let tls = |cb| {
        Config::new("u")
            .password("pw")
            .ssl_mode(SslMode::Require)
            .channel_binding(cb)
    };
    let starts = |r: Result<Vec<u8>, Error>, want: &[u8]| {
        let v = r.unwrap();
        assert!(v.starts_with(want), "{:?}", String::from_utf8_lossy(&v));
    };
    starts(
        gs2_after(tls(ChannelBindingMode::Prefer), Some(cert), &both),
        b"SCRAM-SHA-256-PLUS p=tls-server-end-point",
    );
    starts(
        gs2_after(tls(ChannelBindingMode::Prefer), Some(cert), &plain_only),
        b"SCRAM-SHA-256 y,,",
    );
    starts(
        gs2_after(tls(ChannelBindingMode::Prefer), None, &both),
        b"SCRAM-SHA-256 n,,",
    );
    starts(
        gs2_after(tls(ChannelBindingMode::Disable), Some(cert), &both),
        b"SCRAM-SHA-256 n,,",
    );
    starts(
        gs2_after(plain("u").password("pw"), None, &both),
        b"SCRAM-SHA-256 n,,",
    );
    assert_eq!(
        gs2_after(tls(ChannelBindingMode::Require), Some(cert), &plain_only),
        Err(Error::ChannelBindingRequired)
    );
    assert_eq!(
        gs2_after(tls(ChannelBindingMode::Require), None, &both),
        Err(Error::ChannelBindingRequired)
    );
}
