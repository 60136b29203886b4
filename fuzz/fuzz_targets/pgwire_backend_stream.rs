//! The client machine on arbitrary server bytes after a normal startup, with requests in
//! flight: never panics, never grows without bound, and gives the same rows, events and error
//! whether the bytes come whole or in pieces (`ctl` picks the split and the requests). The
//! codec's backend reader is run on the same bytes: whatever parses re-emits identically.
#![no_main]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_pgwire::codec::{
    Authentication, Backend, BackendKeyData, Direction, Message, MessageReader, TransactionStatus,
};
use fasterapi_pgwire::{ClientConnection, Config, Error, Event, SslMode};
use libfuzzer_sys::fuzz_target;

const T: Timestamp = Timestamp::ZERO;

fn startup() -> Vec<u8> {
    let mut v = Vec::new();
    for m in [
        Backend::Authentication(Authentication::Ok),
        Backend::BackendKeyData(BackendKeyData { process_id: 1, secret_key: &[1, 2, 3, 4] }),
        Backend::ReadyForQuery(TransactionStatus::Idle),
    ] {
        m.emit(&mut v);
    }
    v
}

/// Events with row batches flattened (batches split where the input did).
fn normalize(events: Vec<Event>) -> Vec<String> {
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::Rows { id, rows } => {
                for r in rows.iter() {
                    out.push(format!("row {id} {:?}", r.iter().collect::<Vec<_>>()));
                }
            }
            other => out.push(format!("{other:?}")),
        }
    }
    out
}

fn run(ctl: u8, data: &[u8], step: usize) -> (Vec<String>, Option<Error>) {
    let config = Config::new("u")
        .password("pw")
        .ssl_mode(SslMode::Disable)
        .max_message_size(1 << 16)
        .statement_cache_capacity(usize::from(ctl & 3));
    let mut m = ClientConnection::new(
        config,
        Box::new(fasterapi_pgwire::auth::RingProvider),
        &mut |b: &mut [u8]| b.fill(1),
    );
    let mut buf = [0u8; 100];
    let mut drain = |m: &mut ClientConnection| while m.poll_transmit(T, &mut buf) > 0 {};
    drain(&mut m);
    m.handle_input(T, &startup()).expect("scripted startup");
    let mut events: Vec<Event> = std::iter::from_fn(|| m.poll_event()).collect();
    if ctl & 4 != 0 {
        m.query("SELECT 1; COPY t FROM STDIN").unwrap();
    }
    if ctl & 8 != 0 {
        m.execute("SELECT $1", &[], &[], &[Some(b"x")], &[]).unwrap();
        m.execute("SELECT 2", &[], &[], &[], &[]).unwrap();
        m.sync().unwrap();
    }
    if ctl & 16 != 0 {
        m.parse("s", "SELECT 3", &[]).unwrap();
        m.describe_statement("s").unwrap();
        m.bind("", "s", &[], &[], &[]).unwrap();
        m.execute_portal("", 1).unwrap();
        m.sync().unwrap();
    }
    let mut error = None;
    for chunk in data.chunks(step) {
        drain(&mut m);
        if let Err(e) = m.handle_input(T, chunk) {
            error = Some(e);
            break;
        }
        events.extend(std::iter::from_fn(|| m.poll_event()));
        if matches!(events.last(), Some(Event::CopyIn { .. })) {
            let _ = m.copy_done();
        }
    }
    drain(&mut m);
    events.extend(std::iter::from_fn(|| m.poll_event()));
    (normalize(events), error)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let whole = run(ctl, rest, rest.len().max(1));
    let split = run(ctl, rest, usize::from(ctl >> 5) + 1);
    // COPY IN answers depend on when the event was seen; compare only without it.
    if ctl & 4 == 0 {
        assert_eq!(whole, split);
    }

    let mut reader = MessageReader::new(Direction::Backend, 1 << 16);
    let mut at = 0;
    while let Ok(Some((msg, n))) = reader.next(&rest[at..]) {
        if let Message::Backend(b) = msg {
            let mut out = Vec::new();
            b.emit(&mut out);
            assert_eq!(&out[..], &rest[at..at + n]);
        }
        at += n;
    }
});
