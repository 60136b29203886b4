//! The chunked decoder: accept/reject table (whole, byte by byte, random splits) and limits.

use core::mem::discriminant;
use std::vec;
use std::vec::Vec;

use super::harness::{Rng, splittings};
use crate::{Chunk, ChunkedDecoder, Config, Error};

/// Decoded body and trailers, or the error.
type Decoded = Result<(Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>, usize), Error>;

/// Feeds `input` to a decoder in pieces ending at `cuts`, keeping unconsumed bytes as the
/// contract asks. Returns body, trailers and bytes consumed, or the error; `Ok` only at End.
pub(super) fn decode_split(input: &[u8], config: &Config, cuts: &[usize]) -> Option<Decoded> {
    let mut dec = ChunkedDecoder::new(config);
    let (mut body, mut trailers) = (Vec::new(), Vec::new());
    let mut pending: Vec<u8> = Vec::new();
    let mut consumed = 0;
    let mut fed = 0;
    for &end in cuts {
        pending.extend_from_slice(&input[fed..end]);
        fed = end;
        let mut at = 0;
        loop {
            match dec.decode(&pending[at..]) {
                Err(e) => return Some(Err(e)),
                Ok((n, item)) => {
                    at += n;
                    match item {
                        Some(Chunk::Data(d)) => body.extend_from_slice(d),
                        Some(Chunk::Trailer(h)) => {
                            trailers.push((h.name.to_vec(), h.value.to_vec()))
                        }
                        Some(Chunk::End) => return Some(Ok((body, trailers, consumed + at))),
                        None => break,
                    }
                }
            }
        }
        consumed += at;
        pending.drain(..at);
    }
    None
}

/// Decodes every way and checks the results agree.
fn decode_all_ways(input: &[u8], config: &Config) -> Option<Decoded> {
    let mut rng = Rng(0xDEC0DE ^ input.len() as u64);
    let mut first = None;
    for cuts in splittings(input.len(), &mut rng, 4) {
        let got = decode_split(input, config, &cuts);
        match &first {
            None => first = Some(got),
            Some(want) => assert_eq!(
                &got,
                want,
                "split-dependent: {:?}",
                input.escape_ascii().to_string()
            ),
        }
    }
    first.expect("one splitting")
}

use std::string::ToString;

#[test]
#[rustfmt::skip]
fn chunked_table() {
    let strict = Config::default();
    let mut bare_lf = Config::default();
    bare_lf.allow_bare_lf = true;
    let ok: Vec<(&str, &Config, &[u8], &[u8], usize)> = vec![
        ("one chunk", &strict, b"5\r\nhello\r\n0\r\n\r\n", b"hello", 0),
        ("two chunks", &strict, b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world", 0),
        ("hex upper and lower", &strict, b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", b"01234567890123456789", 0),
        ("leading zeros", &strict, b"0005\r\nhello\r\n0000\r\n\r\n", b"hello", 0),
        ("extension", &strict, b"5;name=value;flag\r\nhello\r\n0;last\r\n\r\n", b"hello", 0),
        ("quoted extension", &strict, b"5;n=\"a b;c\"\r\nhello\r\n0\r\n\r\n", b"hello", 0),
        ("bws before extension", &strict, b"5 ;n=v\r\nhello\r\n0\r\n\r\n", b"hello", 0),
        ("trailers", &strict, b"5\r\nhello\r\n0\r\nEtag: x\r\nX-Sum:  abc \r\n\r\n", b"hello", 2),
        ("empty body", &strict, b"0\r\n\r\n", b"", 0),
        ("bare lf allowed", &bare_lf, b"5\nhello\n0\n\n", b"hello", 0),
    ];
    for (name, config, input, body, n_trailers) in ok {
        let got = decode_all_ways(input, config).unwrap_or_else(|| panic!("{name}: incomplete"));
        let (b, t, used) = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(b, body, "{name}");
        assert_eq!(t.len(), n_trailers, "{name}");
        assert_eq!(used, input.len(), "{name}");
    }
    // The body stops at the final CRLF: what follows belongs to the next message.
    let got = decode_all_ways(b"1\r\na\r\n0\r\n\r\nGET", &strict).expect("complete").expect("ok");
    assert_eq!(got.2, 11);

    let mut tiny = Config::default();
    tiny.max_chunk_ext_len = 4;
    tiny.max_trailer_size = 16;
    let bad: Vec<(&str, &Config, &[u8], Error)> = vec![
        ("empty size", &strict, b"\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("size overflow", &strict, b"10000000000000000\r\n", Error::InvalidChunkSize { at: 0 }),
        ("size 0x prefix", &strict, b"0x5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("size minus", &strict, b"-5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("size plus", &strict, b"+5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("leading space", &strict, b" 5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("non-hex", &strict, b"5g\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize { at: 0 }),
        ("too many digits", &strict, b"00000000000000000000000000000000000000000000000000000000000000000\r\n", Error::InvalidChunkSize { at: 0 }),
        ("bare lf after size", &strict, b"5\nhello\r\n0\r\n\r\n", Error::BareLf { at: 0 }),
        ("bare cr after size", &strict, b"5\rhello\r\n0\r\n\r\n", Error::BareCr { at: 0 }),
        ("lf in extension", &strict, b"5;a\nb\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkExtension { at: 0 }),
        ("nul in extension", &strict, b"5;a\0\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkExtension { at: 0 }),
        ("control in extension", &strict, b"5;a\x01\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkExtension { at: 0 }),
        ("extension too long", &tiny, b"5;abcdef\r\nhello\r\n0\r\n\r\n", Error::ChunkExtensionTooLong { limit: 4 }),
        ("data too long", &strict, b"3\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkData { at: 0 }),
        ("data missing crlf", &strict, b"5\r\nhello0\r\n\r\n", Error::InvalidChunkData { at: 0 }),
        ("data bare lf", &strict, b"5\r\nhello\n0\r\n\r\n", Error::InvalidChunkData { at: 0 }),
        ("data cr not lf", &strict, b"5\r\nhello\rX0\r\n\r\n", Error::InvalidChunkData { at: 0 }),
        ("trailer no colon", &strict, b"0\r\nEtag\r\n\r\n", Error::InvalidHeaderName { at: 0 }),
        ("trailer space before colon", &strict, b"0\r\nEtag : x\r\n\r\n", Error::WhitespaceBeforeColon { at: 0 }),
        ("trailer obs-fold", &strict, b"0\r\nA: b\r\n c\r\n\r\n", Error::InvalidHeaderName { at: 0 }),
        ("trailer control", &strict, b"0\r\nA: b\x01\r\n\r\n", Error::InvalidHeaderValue { at: 0 }),
        ("trailer bare lf", &strict, b"0\r\nA: b\n\r\n", Error::BareLf { at: 0 }),
        ("trailer bare cr", &strict, b"0\r\nA: b\rc\r\n\r\n", Error::BareCr { at: 0 }),
        ("trailers too large", &tiny, b"0\r\nA: 0123456789abcdef\r\n\r\n", Error::TrailersTooLarge { limit: 16 }),
        ("trailers too large partial", &tiny, b"0\r\nA: 0123456789abcdefghijk", Error::TrailersTooLarge { limit: 16 }),
    ];
    for (name, config, input, want) in bad {
        match decode_all_ways(input, config) {
            Some(Err(got)) => {
                assert_eq!(discriminant(&got), discriminant(&want), "{name}: got {got:?}");
                assert_eq!(got.status(), want.status(), "{name}");
            }
            other => panic!("{name}: got {other:?}"),
        }
    }
}

#[test]
fn chunk_size_offsets_count_from_the_first_byte() {
    let mut dec = ChunkedDecoder::default();
    let (n, item) = dec.decode(b"3\r\nabc\r\n").expect("valid");
    assert_eq!((n, item), (6, Some(Chunk::Data(b"abc"))));
    let (n, item) = dec.decode(b"\r\n").expect("valid");
    assert_eq!((n, item), (2, None));
    assert_eq!(dec.decode(b"zz"), Err(Error::InvalidChunkSize { at: 8 }));
    let _ = vec![0u8];
}
