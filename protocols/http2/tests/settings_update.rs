//! `Connection::update_settings`: our SETTINGS changed after the start (RFC 9113 §6.5.3) —
//! values that let the peer do more apply when sent, stricter ones when acknowledged.

mod common;

use common::{GET, Raw, data, frame, frames, goaway_code, resets};
use core::time::Duration;
use fasterapi_core::{Machine, Timestamp};
use fasterapi_http2::{Config, Error, Event, Frame, FrameType, Setting, SettingId, Settings};

fn ack() -> Vec<u8> {
    frame(&Frame::Settings {
        ack: true,
        settings: Settings::List(&[]),
    })
}

fn requests(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Request { .. }))
        .count()
}

#[test]
fn a_lower_stream_limit_applies_once_acknowledged() {
    let mut r = Raw::new(Config::default());
    let _ = r.events();
    r.server
        .update_settings(&[Setting::new(SettingId::MAX_CONCURRENT_STREAMS, 1)])
        .unwrap();
    let out = r.drain();
    let sent = frames(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, FrameType::SETTINGS);
    assert_eq!(sent[0].2, [0, 3, 0, 0, 0, 1]);
    // Until the ACK the peer may still use the old limit (100).
    for id in [1, 3] {
        let h = r.request(id, GET, false);
        r.feed(&h).unwrap();
    }
    assert_eq!(requests(&r.events()), 2);
    assert_eq!(r.server.config().max_concurrent_streams, 100);
    r.feed(&ack()).unwrap();
    assert_eq!(r.events(), [Event::SettingsAcked]);
    assert_eq!(r.server.config().max_concurrent_streams, 1);
    // Now a third stream is beyond the limit: REFUSED_STREAM (0x7).
    let h = r.request(5, GET, true);
    r.feed(&h).unwrap();
    assert_eq!(resets(&r.drain()), [(5, 0x7)]);
}

#[test]
fn a_larger_window_applies_at_once_to_open_streams() {
    let mut config = Config::default();
    config.initial_window_size = 1000;
    let mut r = Raw::new(config);
    let h = r.request(1, GET, false);
    r.feed(&h).unwrap();
    let _ = r.events();
    r.server
        .update_settings(&[Setting::new(SettingId::INITIAL_WINDOW_SIZE, 5000)])
        .unwrap();
    assert_eq!(r.server.config().initial_window_size, 5000);
    // 3,000 octets: beyond the old window of stream 1, within the new one (§6.9.2).
    r.feed(&data(1, &[7; 3000], false)).unwrap();
    let ev = r.events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Data { data, .. } if data.len() == 3000)),
        "{ev:?}"
    );
    assert!(resets(&r.drain()).is_empty());
}

#[test]
fn a_smaller_header_table_binds_the_encoder_after_the_ack() {
    // RFC 7541 §4.2: after the ACK the peer's next block opens with a size update.
    let mut r = Raw::new(Config::default());
    r.server
        .update_settings(&[Setting::new(SettingId::HEADER_TABLE_SIZE, 0)])
        .unwrap();
    r.drain();
    r.feed(&ack()).unwrap();
    let h = r.request(1, GET, true);
    assert_eq!(
        r.feed(&h),
        Err(Error::Hpack(fasterapi_hpack::Error::MissingSizeUpdate))
    );
    assert_eq!(goaway_code(&r.drain()), Some(0x9));

    // An encoder that applied the new size sends the update and is understood.
    let mut r = Raw::new(Config::default());
    r.server
        .update_settings(&[Setting::new(SettingId::HEADER_TABLE_SIZE, 0)])
        .unwrap();
    r.drain();
    r.feed(&ack()).unwrap();
    r.enc.set_max_table_size(0);
    let h = r.request(1, GET, true);
    r.feed(&h).unwrap();
    assert_eq!(requests(&r.events()), 1);
}

#[test]
fn settings_that_cannot_change_are_refused_and_nothing_is_sent() {
    let mut r = Raw::new(Config::default());
    for s in [
        Setting::new(SettingId::ENABLE_PUSH, 1),
        Setting::new(SettingId::MAX_FRAME_SIZE, 100),
        Setting::new(SettingId::HEADER_TABLE_SIZE, 8192), // above the table's capacity
        Setting::new(SettingId::INITIAL_WINDOW_SIZE, 1 << 31),
        Setting::new(SettingId::MAX_HEADER_LIST_SIZE, 32 * 1024), // above the field buffers
    ] {
        assert_eq!(
            r.server.update_settings(&[s]),
            Err(Error::InvalidSetting(s.id))
        );
    }
    assert!(r.drain().is_empty());
}

#[test]
fn new_settings_must_be_acknowledged_in_time() {
    let mut r = Raw::new(Config::default());
    r.server
        .update_settings(&[Setting::new(SettingId::MAX_HEADER_LIST_SIZE, 4096)])
        .unwrap();
    r.drain();
    let deadline = r.server.poll_timeout().expect("the SETTINGS timer runs");
    assert_eq!(
        deadline,
        Timestamp::ZERO.saturating_add(Duration::from_secs(10))
    );
    assert_eq!(
        r.server.handle_timeout(deadline),
        Err(Error::SettingsTimeout)
    );
}
