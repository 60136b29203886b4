//! The SSE event-stream parser: never panics; the same bytes fed whole, one byte at a time and
//! at fuzzer-chosen split points give the same events, the same error, the same error offset
//! and the same last event ID, through the pull API (`next`) and through `feed` (whose fast
//! path hands events out in one loop per input); every event re-encodes and parses back to
//! itself.
#![no_main]

use fasterapi_sse::{Error, EventParser, Limits, Message, Parsed};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Event(String, String, String),
    Retry(u64),
    Comment(String),
}

/// Events, error, error offset, last event ID.
type Run = (Vec<Out>, Option<Error>, Option<u64>, String);

fn out(p: Parsed<'_>) -> Option<Out> {
    match p {
        Parsed::Event(e) => Some(Out::Event(
            e.event_type.into_owned(),
            e.data.into_owned(),
            e.id.into_owned(),
        )),
        Parsed::Retry(ms) => Some(Out::Retry(ms)),
        Parsed::Comment(c) => Some(Out::Comment(c.into_owned())),
        _ => None,
    }
}

/// The same stream through `feed`.
fn feed(limits: Limits, chunks: &[&[u8]]) -> Run {
    let mut parser = EventParser::with_limits(limits).report_comments(true);
    let mut events = Vec::new();
    for chunk in chunks {
        if let Err(e) = parser.feed(chunk, |p| events.extend(out(p))) {
            let id = parser.last_event_id().to_owned();
            return (events, Some(e), parser.error_offset(), id);
        }
    }
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    assert_eq!(parser.position(), total as u64);
    (events, None, None, parser.last_event_id().to_owned())
}

fn run(limits: Limits, chunks: &[&[u8]]) -> Run {
    let mut parser = EventParser::with_limits(limits).report_comments(true);
    let mut events = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        loop {
            let (n, parsed) = match parser.next(rest) {
                Ok(v) => v,
                Err(e) => {
                    let id = parser.last_event_id().to_owned();
                    return (events, Some(e), parser.error_offset(), id);
                }
            };
            assert!(n <= rest.len());
            rest = &rest[n..];
            match parsed {
                Some(p) => events.extend(out(p)),
                None => break,
            }
        }
        assert!(rest.is_empty(), "None means the whole input was consumed");
    }
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    assert_eq!(parser.position(), total as u64);
    (events, None, None, parser.last_event_id().to_owned())
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    // Header: two limit bytes and one split seed; the rest is the stream.
    let limits = Limits::DEFAULT
        .with_max_line_len(usize::from(input[0]) * 4 + 1)
        .with_max_event_len(usize::from(input[1]) * 8 + 1);
    let seed = input[2];
    let data = &input[3..];

    let whole = run(limits, &[data]);
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(run(limits, &bytewise), whole, "byte by byte");
    let step = usize::from(seed % 17) + 2;
    let mut split = Vec::new();
    let mut at = 0;
    let mut k = usize::from(seed);
    while at < data.len() {
        k = (k * 31 + 7) % 97;
        let end = (at + 1 + (k % step)).min(data.len());
        split.push(&data[at..end]);
        at = end;
    }
    assert_eq!(run(limits, &split), whole, "random split");
    assert_eq!(feed(limits, &[data]), whole, "feed, whole");
    assert_eq!(feed(limits, &bytewise), whole, "feed, byte by byte");
    assert_eq!(feed(limits, &split), whole, "feed, random split");

    // Every event encodes (its fields hold no CR, LF or NUL-bearing id) and parses back.
    let mut buf = Vec::new();
    for out in &whole.0 {
        if let Out::Event(ty, data, id) = out {
            let msg = Message::new(data).with_event(ty).with_id(id);
            buf.resize(msg.encoded_len().expect("parsed fields are encodable"), 0);
            let n = msg.encode(&mut buf).expect("buffer sized by encoded_len");
            let back = run(Limits::DEFAULT, &[&buf[..n]]);
            assert_eq!(back.0, [out.clone()], "encode -> parse");
        }
    }
});
