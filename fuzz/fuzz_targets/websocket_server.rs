//! The server message machine on arbitrary input: never panics, fed whole or in pieces
//! (split every `step` bytes, `ctl` picks it) gives the same events and the same error, and
//! what it queues to send is always well-formed frames. The split run takes its events with
//! `poll_message` when `ctl`'s high bit is set and keeps the `Bytes` until the end, so a
//! message's slice of the receive arena must survive all later input unchanged.
#![no_main]

use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_websocket::{Config, Connection, Error, Event, Message};
use libfuzzer_sys::fuzz_target;

fn machine() -> Connection {
    let config = Config::default()
        .max_frame_size(1 << 16)
        .max_message_size(1 << 17)
        .read_buffer(64);
    Connection::server(config)
}

fn run(data: &[u8], step: usize, zero_copy: bool) -> (Vec<Event>, Option<Error>, Vec<u8>) {
    let mut m = machine();
    let mut events = Vec::new();
    let mut messages: Vec<Message> = Vec::new();
    let mut take = |m: &mut Connection, events: &mut Vec<Event>| {
        if zero_copy {
            messages.extend(std::iter::from_fn(|| m.poll_message()));
        } else {
            events.extend(std::iter::from_fn(|| m.poll_event()));
        }
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 333];
    let mut error = None;
    for chunk in data.chunks(step) {
        let mut at = 0;
        while at < chunk.len() {
            match m.handle_input(Timestamp::ZERO, &chunk[at..]) {
                Ok(n) => at += n,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
            loop {
                let n = m.poll_transmit(Timestamp::ZERO, &mut buf);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            take(&mut m, &mut events);
        }
        if error.is_some() {
            break;
        }
    }
    loop {
        let n = m.poll_transmit(Timestamp::ZERO, &mut buf);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    take(&mut m, &mut events);
    events.extend(messages.into_iter().map(Event::from));
    (events, error.or_else(|| m.error().cloned()), out)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let whole = run(rest, rest.len().max(1), false);
    let split = run(rest, usize::from(ctl % 17) + 1, ctl & 0x80 != 0);
    assert_eq!(whole.0, split.0);
    assert_eq!(whole.1, split.1);
});
