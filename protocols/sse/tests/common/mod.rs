//! Shared helpers: feed chunks and collect what the parser reports, owned.
#![allow(dead_code, unreachable_pub)]

use fasterapi_sse::{Error, EventParser, Parsed};

/// What the parser reported, owned so runs can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Event {
        ty: String,
        data: String,
        id: String,
    },
    Retry(u64),
    Comment(String),
}

pub fn ev(ty: &str, data: &str, id: &str) -> Out {
    Out::Event {
        ty: ty.into(),
        data: data.into(),
        id: id.into(),
    }
}

pub fn to_out(p: Parsed<'_>) -> Out {
    match p {
        Parsed::Event(e) => Out::Event {
            ty: e.event_type.into_owned(),
            data: e.data.into_owned(),
            id: e.id.into_owned(),
        },
        Parsed::Retry(ms) => Out::Retry(ms),
        Parsed::Comment(c) => Out::Comment(c.into_owned()),
        _ => unreachable!("no other variant yet"),
    }
}

/// Feeds `chunks` in order to `parser`; stops at the first error.
pub fn run_with(parser: &mut EventParser, chunks: &[&[u8]]) -> (Vec<Out>, Option<Error>) {
    let mut out = Vec::new();
    for chunk in chunks {
        if let Err(e) = parser.feed(chunk, |p| out.push(to_out(p))) {
            return (out, Some(e));
        }
    }
    (out, None)
}

pub fn run(chunks: &[&[u8]]) -> Vec<Out> {
    let (out, err) = run_with(&mut EventParser::new().report_comments(true), chunks);
    assert_eq!(err, None);
    out
}

pub fn whole(input: &[u8]) -> Vec<Out> {
    run(&[input])
}

pub fn bytewise(input: &[u8]) -> Vec<Out> {
    let chunks: Vec<&[u8]> = input.chunks(1).collect();
    run(&chunks)
}

/// Splits `input` at the given cut points (taken modulo the length, sorted).
pub fn split_at_points<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut last = 0;
    for p in points {
        chunks.push(&input[last..p]);
        last = p;
    }
    chunks.push(&input[last..]);
    chunks
}
