//! The authentication matrix against a real PostgreSQL 15: trust, cleartext, MD5, SCRAM, and
//! SCRAM-SHA-256-PLUS channel binding over TLS (disable / prefer / require).

mod support;

use fasterapi_core::DriveError;
use fasterapi_pgwire::codec::ProtocolVersion;
use fasterapi_pgwire::{ChannelBindingMode, Error, Event, SqlState, SslMode};
use support::{CLEAR, MD5, SCRAM, TRUST, config, connect, simple, text_rows};

fn ready_protocol(events: &[Event]) -> ProtocolVersion {
    events
        .iter()
        .find_map(|e| match e {
            Event::Ready { protocol, .. } => Some(*protocol),
            _ => None,
        })
        .expect("Ready event")
}

fn current_user(driver: &mut support::Driver) -> String {
    let ev = simple(driver, "SELECT current_user");
    text_rows(&ev)[0][0].clone().expect("not null")
}

#[test]
fn every_method_over_tcp() {
    for (user, password) in [
        (TRUST, None),
        (CLEAR.0, Some(CLEAR.1)),
        (MD5.0, Some(MD5.1)),
        (SCRAM.0, Some(SCRAM.1)),
    ] {
        let (mut d, events) =
            connect(config(user, password)).unwrap_or_else(|e| panic!("{user}: {e}"));
        // PostgreSQL 15 speaks 3.0: the 3.2 request is negotiated down.
        assert_eq!(ready_protocol(&events), ProtocolVersion::V3_0, "{user}");
        assert!(events.iter().any(|e| matches!(e, Event::ParameterStatus { name, value } if name == "client_encoding" && value == "UTF8")));
        assert_eq!(current_user(&mut d), user);
        let token = d.machine().cancel_token().expect("cancel key");
        assert_eq!(token.secret_key.len(), 4, "3.0 keys are 4 bytes");
        assert!(!d.machine().is_tls());
    }
}

#[test]
fn wrong_or_missing_passwords_fail_cleanly() {
    for (user, _) in [CLEAR, MD5, SCRAM] {
        match connect(config(user, Some("wrong"))) {
            Err(DriveError::Protocol(Error::Server(e))) => {
                assert_eq!(e.code(), SqlState::INVALID_PASSWORD, "{user}: {e}");
            }
            other => panic!("{user}: expected a password failure, got {other:?}"),
        }
        match connect(config(user, None)) {
            Err(DriveError::Protocol(Error::PasswordRequired)) => {}
            other => panic!("{user}: expected PasswordRequired, got {other:?}"),
        }
    }
}

#[test]
fn channel_binding_require_without_tls_is_refused() {
    for (user, pw) in [
        (TRUST, None),
        (CLEAR.0, Some(CLEAR.1)),
        (MD5.0, Some(MD5.1)),
        (SCRAM.0, Some(SCRAM.1)),
    ] {
        let c = config(user, pw).channel_binding(ChannelBindingMode::Require);
        match connect(c) {
            Err(DriveError::Protocol(Error::ChannelBindingRequired)) => {}
            other => panic!("{user}: expected ChannelBindingRequired, got {other:?}"),
        }
    }
}

#[test]
fn cleartext_can_be_refused_before_sending() {
    let mut c = config(CLEAR.0, Some(CLEAR.1));
    c.allow_cleartext_password = false;
    assert!(matches!(
        connect(c),
        Err(DriveError::Protocol(Error::CleartextRefused))
    ));
}

fn tls(
    user: &str,
    pw: Option<&str>,
    cb: ChannelBindingMode,
) -> Result<(support::Driver, Vec<Event>), DriveError<Error>> {
    connect(
        config(user, pw)
            .ssl_mode(SslMode::Require)
            .channel_binding(cb),
    )
}

#[test]
fn scram_plus_over_tls() {
    // prefer and require bind to the certificate; disable does not.
    for (cb, bound) in [
        (ChannelBindingMode::Prefer, true),
        (ChannelBindingMode::Require, true),
        (ChannelBindingMode::Disable, false),
    ] {
        let (mut d, _) = tls(SCRAM.0, Some(SCRAM.1), cb).unwrap_or_else(|e| panic!("{cb:?}: {e}"));
        assert!(d.machine().is_tls());
        assert_eq!(d.machine().used_channel_binding(), bound, "{cb:?}");
        let ev = simple(
            &mut d,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        );
        assert_eq!(text_rows(&ev), vec![vec![Some("t".to_owned())]]);
    }
}

#[test]
fn other_methods_over_tls() {
    for (user, pw) in [
        (TRUST, None),
        (CLEAR.0, Some(CLEAR.1)),
        (MD5.0, Some(MD5.1)),
    ] {
        let (mut d, _) =
            tls(user, pw, ChannelBindingMode::Prefer).unwrap_or_else(|e| panic!("{user}: {e}"));
        assert!(!d.machine().used_channel_binding());
        assert_eq!(current_user(&mut d), user);
        // require: these methods cannot bind, so the client refuses them.
        match tls(user, pw, ChannelBindingMode::Require) {
            Err(DriveError::Protocol(Error::ChannelBindingRequired)) => {}
            other => panic!("{user}: expected ChannelBindingRequired, got {other:?}"),
        }
    }
}

#[test]
fn ssl_prefer_uses_tls_and_disable_does_not() {
    let (d, _) = connect(config(SCRAM.0, Some(SCRAM.1)).ssl_mode(SslMode::Prefer)).unwrap();
    assert!(d.machine().is_tls());
    assert!(d.machine().used_channel_binding());
    let (d, _) = connect(config(SCRAM.0, Some(SCRAM.1)).ssl_mode(SslMode::Disable)).unwrap();
    assert!(!d.machine().is_tls());
}

#[test]
fn requesting_3_0_needs_no_negotiation() {
    let (_, events) = connect(config(TRUST, None).protocol_version(ProtocolVersion::V3_0)).unwrap();
    assert_eq!(ready_protocol(&events), ProtocolVersion::V3_0);
}
