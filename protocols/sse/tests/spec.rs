//! Table tests: the examples of WHATWG HTML §9.2.6 and each rule of §9.2.5/§9.2.6, each fed
//! whole and one byte at a time.

mod common;

use common::{Out, bytewise, ev, whole};

fn check(input: &[u8], expected: &[Out]) {
    assert_eq!(
        whole(input),
        expected,
        "whole: {:?}",
        input.escape_ascii().to_string()
    );
    assert_eq!(
        bytewise(input),
        expected,
        "bytewise: {:?}",
        input.escape_ascii().to_string()
    );
}

#[test]
fn spec_example_stock_ticker() {
    // §9.2.6 first example: three data lines joined with LF.
    check(
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        &[ev("message", "YHOO\n+2\n10", "")],
    );
}

#[test]
fn spec_example_four_blocks() {
    // §9.2.6 second example: comment, id set, id reset, leading space kept; the last block
    // has no trailing blank line and is not dispatched.
    let input = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
    check(
        input,
        &[
            Out::Comment(" test stream".into()),
            ev("message", "first event", "1"),
            ev("message", "second event", ""),
        ],
    );
    // Followed by the blank line, the third fires with its leading space.
    let mut closed = input.to_vec();
    closed.push(b'\n');
    let out = whole(&closed);
    assert_eq!(out.last(), Some(&ev("message", " third event", "")));
}

#[test]
fn spec_example_empty_data() {
    // §9.2.6 third example: "" then "\n"; the last block is discarded.
    check(
        b"data\n\ndata\ndata\n\ndata:",
        &[ev("message", "", ""), ev("message", "\n", "")],
    );
}

#[test]
fn spec_example_space_after_colon() {
    // §9.2.6 fourth example: two identical events.
    check(
        b"data:test\n\ndata: test\n\n",
        &[ev("message", "test", ""), ev("message", "test", "")],
    );
}

#[test]
fn line_endings_in_any_mix() {
    let expected = [ev("message", "a\nb\nc", ""), ev("message", "d", "")];
    check(b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\r", &expected);
    check(
        b"data: a\r\ndata: b\r\ndata: c\r\n\r\ndata: d\r\n\r\n",
        &expected,
    );
    check(b"data: a\ndata: b\ndata: c\n\ndata: d\n\n", &expected);
}

#[test]
fn cr_then_lf_across_chunks_is_one_line_ending() {
    let out = common::run(&[b"data: a\r", b"\n", b"\r", b"\n"]);
    assert_eq!(out, [ev("message", "a", "")]);
    // LF then CR is two line endings: a blank line.
    let out = common::run(&[b"data: a\n", b"\rdata: b\n\n"]);
    assert_eq!(out, [ev("message", "a", ""), ev("message", "b", "")]);
}

#[test]
fn bom_is_stripped_once() {
    check(b"\xEF\xBB\xBFdata: x\n\n", &[ev("message", "x", "")]);
    // A second BOM is part of the first field name, which is then unknown.
    check(
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n",
        &[ev("message", "y", "")],
    );
    // A BOM later in the stream is ordinary data.
    check(
        b"data: \xEF\xBB\xBFx\n\n",
        &[ev("message", "\u{FEFF}x", "")],
    );
    // A BOM prefix that is not a BOM is kept (and decoded as U+FFFD).
    check(b"\xEF\xBBdata: x\n\ndata: y\n\n", &[ev("message", "y", "")]);
    check(b"\xEF\xBB\n:\xEF\n\n", &[Out::Comment("\u{FFFD}".into())]);
    check(b"\xEF\n", &[]);
    check(b"\xEF", &[]);
}

#[test]
fn field_parsing() {
    check(b"data:x\n\n", &[ev("message", "x", "")]);
    check(b"data:  x\n\n", &[ev("message", " x", "")]);
    check(b"data: x:y\n\n", &[ev("message", "x:y", "")]);
    check(b"data\n\n", &[ev("message", "", "")]);
    // Field names are case-sensitive and literal.
    check(b"Data: x\n\nDATA: y\n\n data: z\n\n", &[]);
    // Unknown fields are ignored but do not stop the event.
    check(b"foo: bar\ndata: x\nbar\n\n", &[ev("message", "x", "")]);
    check(
        b":comment\ndata: x\n:another\n\n",
        &[
            Out::Comment("comment".into()),
            Out::Comment("another".into()),
            ev("message", "x", ""),
        ],
    );
}

#[test]
fn event_type() {
    check(b"event: add\ndata: 1\n\n", &[ev("add", "1", "")]);
    // The event type is reset after dispatch.
    check(
        b"event: add\ndata: 1\n\ndata: 2\n\n",
        &[ev("add", "1", ""), ev("message", "2", "")],
    );
    // The last event field wins; an empty one means "message".
    check(b"event: a\nevent: b\ndata: 1\n\n", &[ev("b", "1", "")]);
    check(b"event: a\nevent\ndata: 1\n\n", &[ev("message", "1", "")]);
    // A block without data resets the type too.
    check(b"event: a\n\ndata: 1\n\n", &[ev("message", "1", "")]);
}

#[test]
fn ids() {
    // The id is kept across events until set again.
    check(
        b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
        &[
            ev("message", "a", "1"),
            ev("message", "b", "1"),
            ev("message", "c", "2"),
        ],
    );
    // An id containing NUL is ignored.
    check(
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        &[ev("message", "a", "1"), ev("message", "b", "1")],
    );
    // An id in a block without data still becomes the last event ID.
    check(b"id: 5\n\ndata: a\n\n", &[ev("message", "a", "5")]);
    // "id" with no colon resets it.
    check(
        b"id: 5\ndata: a\n\nid\ndata: b\n\n",
        &[ev("message", "a", "5"), ev("message", "b", "")],
    );
    // The id may be set after the data in the same block.
    check(b"data: a\nid: 9\n\n", &[ev("message", "a", "9")]);
}

#[test]
fn last_event_id_is_committed_at_dispatch() {
    let mut p = fasterapi_sse::EventParser::new();
    let (out, _) = common::run_with(&mut p, &[b"id: 1\ndata: a\n\nid: 2\ndata: b\n"]);
    assert_eq!(out, [ev("message", "a", "1")]);
    // The second block never finished: the source's last event ID is still 1.
    assert_eq!(p.last_event_id(), "1");
    assert!(p.finish());
    assert_eq!(p.last_event_id(), "1");
    // The next stream (after a reconnection) keeps it.
    let (out, _) = common::run_with(&mut p, &[b"data: c\n\n"]);
    assert_eq!(out, [ev("message", "c", "1")]);
}

#[test]
fn retry() {
    check(b"retry: 1500\n", &[Out::Retry(1500)]);
    check(b"retry:0\n", &[Out::Retry(0)]);
    // Only ASCII digits: anything else is ignored.
    check(
        b"retry: 1.5\nretry: -1\nretry: 1 \nretry: \nretry\nretry: +1\nretry: \xd9\xa1\n",
        &[],
    );
    // Enormous values saturate instead of overflowing.
    check(
        b"retry: 99999999999999999999999999\n",
        &[Out::Retry(u64::MAX)],
    );
    // Reported in order with events.
    check(
        b"data: a\nretry: 10\n\n",
        &[Out::Retry(10), ev("message", "a", "")],
    );
}

#[test]
fn invalid_utf8_is_replaced_never_an_error() {
    check(b"data: a\xFFb\n\n", &[ev("message", "a\u{FFFD}b", "")]);
    check(b"data: \xE2\x82\n\n", &[ev("message", "\u{FFFD}", "")]);
    check(
        b"event: \xC0\ndata: x\nid: \xF0\x9F\n\n",
        &[ev("\u{FFFD}", "x", "\u{FFFD}")],
    );
    // A multi-byte character split across chunks decodes whole.
    check("data: 日本\n\n".as_bytes(), &[ev("message", "日本", "")]);
}

#[test]
fn end_of_stream_discards_pending_event() {
    let mut p = fasterapi_sse::EventParser::new();
    let (out, _) = common::run_with(&mut p, &[b"data: a\n\ndata: b\n"]);
    assert_eq!(out, [ev("message", "a", "")]);
    assert!(p.finish());
    assert!(!p.finish());
    // A new stream starts clean: the BOM check is armed again.
    let (out, _) = common::run_with(&mut p, &[b"\xEF\xBB\xBF\n", b"data: c\n\n"]);
    assert_eq!(out, [ev("message", "c", "")]);
}

#[test]
fn borrowed_when_the_event_came_in_one_piece() {
    use std::borrow::Cow;
    let mut p = fasterapi_sse::EventParser::new();
    let input = b"event: t\ndata: hello\n\n";
    let (n, parsed) = p.next(input).unwrap();
    assert_eq!(n, input.len());
    let Some(fasterapi_sse::Parsed::Event(e)) = parsed else {
        panic!("no event")
    };
    assert!(matches!(e.data, Cow::Borrowed("hello")));
    assert!(matches!(e.event_type, Cow::Borrowed("t")));
    // The data pointer is inside the input: no copy was made.
    assert!(input.as_ptr_range().contains(&e.data.as_ptr()));
}

#[test]
fn feed_borrows_data_type_and_id_from_the_input() {
    use std::borrow::Cow;
    let mut p = fasterapi_sse::EventParser::new();
    // The start of a stream (where a BOM may be) goes through the general path.
    p.feed(b"data: first\n\n", |_| {}).unwrap();
    let input = b"id: 7\nevent: t\ndata: hello\n\ndata: again\n\n";
    let inside = |s: &str| input.as_ptr_range().contains(&s.as_ptr());
    let mut seen = 0;
    p.feed(input, |parsed| {
        let fasterapi_sse::Parsed::Event(e) = parsed else {
            panic!("only events")
        };
        // Both events borrow their data and the id in force from the input: no copy.
        assert!(matches!(e.data, Cow::Borrowed(_)) && inside(&e.data));
        assert!(matches!(e.id, Cow::Borrowed("7")) && inside(&e.id));
        if seen == 0 {
            assert!(matches!(e.event_type, Cow::Borrowed("t")) && inside(&e.event_type));
        } else {
            // The default type stays static when the event is made owned.
            assert!(matches!(e.event_type, Cow::Borrowed("message")));
            let owned = e.into_owned();
            assert!(matches!(owned.event_type, Cow::Borrowed("message")));
            assert_eq!((&*owned.data, &*owned.id), ("again", "7"));
        }
        seen += 1;
    })
    .unwrap();
    assert_eq!(seen, 2);
    // The id kept as a slice of the input is the parser's own once `feed` returns.
    assert_eq!(p.last_event_id(), "7");
}

#[test]
fn next_reports_one_thing_at_a_time() {
    let mut p = fasterapi_sse::EventParser::new();
    let input = b"data: a\n\ndata: b\n\ndata: c";
    let mut rest: &[u8] = input;
    let mut datas = Vec::new();
    loop {
        let (n, parsed) = p.next(rest).unwrap();
        rest = &rest[n..];
        match parsed {
            Some(fasterapi_sse::Parsed::Event(e)) => datas.push(e.data.into_owned()),
            Some(_) => {}
            None => break,
        }
    }
    assert!(rest.is_empty());
    assert_eq!(datas, ["a", "b"]);
}
