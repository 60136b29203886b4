//! Property tests: split invariance (whole, byte by byte, random splits give the same
//! events), encode → parse identity, and limits.

mod common;

use common::{Out, bytewise, ev, run, run_with, split_at_points, whole};
use fasterapi_sse::{Error, EventParser, Limits, Message};
use proptest::prelude::*;

/// Byte streams made mostly of SSE-significant pieces, so the interesting paths are hit.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"event".to_vec()),
        Just(b"id".to_vec()),
        Just(b"retry".to_vec()),
        Just(b":".to_vec()),
        Just(b": ".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xEF\xBB".to_vec()),
        Just(b"\0".to_vec()),
        Just("é日".as_bytes().to_vec()),
        Just(b"\xE6\x97".to_vec()),
        Just(b"12".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..4),
        "[a-z]{0,6}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

/// Streams whose lines are often longer than the fast path's 64-byte block (it then jumps
/// with `memchr2`), among short lines, ids, UTF-8 split or not, and every line ending.
fn long_stream() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        2 => Just(b"data: ".to_vec()),
        1 => Just(b"id: ".to_vec()),
        1 => Just(b"event: ".to_vec()),
        1 => Just(b"retry: 7".to_vec()),
        1 => Just(b":".to_vec()),
        1 => Just(b"\r".to_vec()),
        3 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(b"\0".to_vec()),
        1 => Just("é日🚀".as_bytes().to_vec()),
        1 => Just(b"\xE6\x97".to_vec()),
        1 => "[a-z ]{1,8}".prop_map(String::into_bytes),
        2 => "[a-z:]{60,200}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

/// `next` (the pull API, what the client machine uses) over `chunks`: what it reported, up to
/// the first error, and the parser after.
fn pull(limits: Limits, chunks: &[&[u8]]) -> ((Vec<Out>, Option<Error>), EventParser) {
    let mut parser = EventParser::with_limits(limits).report_comments(true);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            match parser.next(rest) {
                Ok((n, Some(p))) => {
                    out.push(common::to_out(p));
                    rest = &rest[n..];
                }
                Ok((n, None)) => {
                    assert_eq!(n, rest.len(), "None means all of the input was consumed");
                    break;
                }
                Err(e) => return ((out, Some(e)), parser),
            }
        }
    }
    ((out, None), parser)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn long_lines_split_invariance(
        input in long_stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        // The fast path's line-end masks and `memchr2` jumps, and its id kept as a span of the
        // input until the call ends: the same events and the same last event ID however the
        // stream is cut, through `feed` and through `next`.
        let mut fed_whole = EventParser::new().report_comments(true);
        let expected = run_with(&mut fed_whole, &[&input]);
        prop_assert_eq!(&expected.1, &None);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let chunks = split_at_points(&input, &cuts);
        for pieces in [&bytes, &chunks] {
            let mut fed = EventParser::new().report_comments(true);
            prop_assert_eq!(&run_with(&mut fed, pieces), &expected);
            prop_assert_eq!(fed.last_event_id(), fed_whole.last_event_id());
            let (got, pulled) = pull(Limits::DEFAULT, pieces);
            prop_assert_eq!(&got, &expected);
            prop_assert_eq!(pulled.last_event_id(), fed_whole.last_event_id());
        }
    }

    #[test]
    fn split_invariance(input in stream(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let expected = whole(&input);
        prop_assert_eq!(&bytewise(&input), &expected);
        prop_assert_eq!(&run(&split_at_points(&input, &cuts)), &expected);
    }

    #[test]
    fn split_invariance_with_limits(
        input in stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        line in 0usize..24,
        event in 0usize..24,
    ) {
        // With tight limits the same events come out before the same error, however split.
        // The error offset is the same too.
        let limits = Limits::DEFAULT.with_max_line_len(line).with_max_event_len(event);
        let go = |chunks: &[&[u8]]| {
            let mut p = EventParser::with_limits(limits);
            let r = run_with(&mut p, chunks);
            (r, p.error_offset(), p.error_offset().is_none().then(|| p.position()))
        };
        let expected = go(&[&input]);
        if let Some(position) = expected.2 {
            prop_assert_eq!(position, input.len() as u64);
        }
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&go(&chunks), &expected);
        prop_assert_eq!(&go(&split_at_points(&input, &cuts)), &expected);
    }

    #[test]
    fn pull_api_matches_feed(
        input in stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        line in 0usize..40,
        event in 0usize..40,
    ) {
        // `next` (what the client machine uses) and `feed` take different routes through the
        // fast path: same events, same error, same error offset and position.
        let limits = Limits::DEFAULT.with_max_line_len(line).with_max_event_len(event);
        let chunks = split_at_points(&input, &cuts);
        let mut fed = EventParser::with_limits(limits).report_comments(true);
        let expected = run_with(&mut fed, &chunks);
        let (got, pulled) = pull(limits, &chunks);
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(pulled.error_offset(), fed.error_offset());
        prop_assert_eq!(pulled.position(), fed.position());
        prop_assert_eq!(pulled.last_event_id(), fed.last_event_id());
    }

    #[test]
    fn encode_parse_identity(
        data in "(\\PC|\r|\n){0,40}",
        event in proptest::option::of("[^\r\n]{0,10}"),
        id in proptest::option::of("[^\r\n\0]{0,10}"),
        retry in proptest::option::of(any::<u64>()),
    ) {
        let mut msg = Message::new(&data);
        msg.event = event.as_deref();
        msg.id = id.as_deref();
        msg.retry = retry;
        let mut buf = vec![0u8; msg.encoded_len().unwrap()];
        let n = msg.encode(&mut buf).unwrap();
        prop_assert_eq!(n, buf.len());
        let mut expected = Vec::new();
        if let Some(ms) = retry {
            expected.push(Out::Retry(ms));
        }
        // Line breaks come back as LF.
        let data = data.replace("\r\n", "\n").replace('\r', "\n");
        let ty = match event.as_deref() {
            None | Some("") => "message",
            Some(t) => t,
        };
        expected.push(ev(ty, &data, id.as_deref().unwrap_or("")));
        prop_assert_eq!(whole(&buf), expected.clone());
        prop_assert_eq!(bytewise(&buf), expected);
        // Too small a buffer writes nothing and says how much is needed.
        let mut small = vec![0u8; n - 1];
        prop_assert_eq!(msg.encode(&mut small), Err(Error::BufferTooSmall { needed: n }));
    }
}

#[test]
fn line_limit_is_enforced_before_buffering() {
    let limits = Limits::DEFAULT.with_max_line_len(8);
    // Exactly at the limit is fine.
    let (out, err) = run_with(&mut EventParser::with_limits(limits), &[b"data: 12\n\n"]);
    assert_eq!((out, err), (vec![ev("message", "12", "")], None));
    // One byte more fails, even though no end-of-line ever arrives.
    let mut p = EventParser::with_limits(limits);
    let (_, err) = run_with(&mut p, &[b"data: 12", b"3"]);
    assert_eq!(err, Some(Error::LineTooLong { limit: 8 }));
    assert_eq!(p.error_offset(), Some(8), "the first byte past the limit");
    // The error is sticky until finish().
    assert_eq!(
        p.feed(b"\n\n", |_| {}),
        Err(Error::LineTooLong { limit: 8 })
    );
    p.finish();
    let (out, err) = run_with(&mut p, &[b"data: ok\n\n"]);
    assert_eq!((out, err), (vec![ev("message", "ok", "")], None));
}

#[test]
fn endless_line_never_grows_past_the_limit() {
    let mut p = EventParser::with_limits(Limits::DEFAULT.with_max_line_len(1024));
    let chunk = [b'a'; 100];
    let mut fed = 0;
    let err = loop {
        match p.feed(&chunk, |_| {}) {
            Ok(()) => fed += chunk.len(),
            Err(e) => break e,
        }
        assert!(fed <= 1024);
    };
    assert_eq!(err, Error::LineTooLong { limit: 1024 });
}

#[test]
fn event_limit_counts_joined_data() {
    let limits = Limits::DEFAULT.with_max_event_len(5);
    // "ab\ncd" is 5 bytes: fits.
    let (out, err) = run_with(
        &mut EventParser::with_limits(limits),
        &[b"data: ab\ndata: cd\n\n"],
    );
    assert_eq!((out, err), (vec![ev("message", "ab\ncd", "")], None));
    // "ab\ncde" is 6: fails when the third line arrives, whole or split.
    for chunks in [
        &[&b"data: ab\ndata: cde\n\n"[..]][..],
        &[b"data: ab\n", b"data: cde\n\n"],
    ] {
        let (out, err) = run_with(&mut EventParser::with_limits(limits), chunks);
        assert_eq!(
            (out, err),
            (vec![], Some(Error::EventTooLarge { limit: 5 }))
        );
    }
    // Many empty data lines count their LFs.
    let (_, err) = run_with(
        &mut EventParser::with_limits(limits),
        &[b"data\n".repeat(7).as_slice()],
    );
    assert_eq!(err, Some(Error::EventTooLarge { limit: 5 }));
}

#[test]
fn default_limits_are_bounded() {
    let l = Limits::default();
    assert_eq!(l.max_line_len, 64 * 1024);
    assert_eq!(l.max_event_len, 1024 * 1024);
}

#[test]
fn encoder_rejects_fields_that_cannot_be_represented() {
    let mut buf = [0u8; 64];
    for (msg, field) in [
        (Message::new("x").with_event("a\nb"), "event"),
        (Message::new("x").with_event("a\r"), "event"),
        (Message::new("x").with_id("1\r\n"), "id"),
        (Message::new("x").with_id("1\0"), "id"),
    ] {
        assert_eq!(msg.encode(&mut buf), Err(Error::InvalidField { field }));
    }
    assert_eq!(
        fasterapi_sse::encode_comment("a\nb", &mut buf),
        Err(Error::InvalidField { field: "comment" })
    );
}

#[test]
fn encoder_output_shapes() {
    let mut buf = [0u8; 128];
    let n = Message::new("a\r\nb\rc\n")
        .with_retry(3000)
        .encode(&mut buf)
        .unwrap();
    assert_eq!(
        &buf[..n],
        b"retry: 3000\ndata: a\ndata: b\ndata: c\ndata:\n\n"
    );
    let n = Message::new("").with_id("").encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"id:\ndata:\n\n");
    let n = Message::new(" lead")
        .with_event(" sp")
        .encode(&mut buf)
        .unwrap();
    assert_eq!(&buf[..n], b"event:  sp\ndata:  lead\n\n");
    assert_eq!(whole(&buf[..n]), [ev(" sp", " lead", "")]);
    let n = Message::empty().with_retry(0).encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"retry: 0\n\n");
    let n = fasterapi_sse::encode_comment("ping", &mut buf).unwrap();
    assert_eq!(&buf[..n], b": ping\n");
    let n = fasterapi_sse::encode_comment("", &mut buf).unwrap();
    assert_eq!(&buf[..n], fasterapi_sse::KEEP_ALIVE);
}
