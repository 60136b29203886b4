//! The chunked decoder: never panic; whole and split input give the same body, trailers and
//! error; consumed counts stay within the input.
#![no_main]

use fasterapi_http1::{Chunk, ChunkedDecoder, Config, Error};
use libfuzzer_sys::fuzz_target;

type Decoded = Result<(Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>, usize), Error>;

fn decode(data: &[u8], config: &Config, step: usize) -> Option<Decoded> {
    let mut dec = ChunkedDecoder::new(config);
    let (mut body, mut trailers) = (Vec::new(), Vec::new());
    let mut pending = Vec::new();
    let (mut fed, mut consumed) = (0, 0);
    while fed < data.len() {
        let end = (fed + step).min(data.len());
        pending.extend_from_slice(&data[fed..end]);
        fed = end;
        let mut at = 0;
        loop {
            let (n, item) = match dec.decode(&pending[at..]) {
                Ok(v) => v,
                Err(e) => return Some(Err(e)),
            };
            assert!(n <= pending.len() - at);
            at += n;
            match item {
                Some(Chunk::Data(d)) => body.extend_from_slice(d),
                Some(Chunk::Trailer(h)) => trailers.push((h.name.to_vec(), h.value.to_vec())),
                Some(Chunk::End) => return Some(Ok((body, trailers, consumed + at))),
                None => break,
            }
        }
        consumed += at;
        pending.drain(..at);
    }
    None
}

fuzz_target!(|input: &[u8]| {
    let Some((&first, data)) = input.split_first() else { return };
    let mut config = Config::default();
    config.allow_bare_lf = first & 0x80 != 0;
    config.max_chunk_ext_len = 64;
    config.max_trailer_size = 256;
    let step = usize::from(first % 16) + 1;
    assert_eq!(decode(data, &config, data.len().max(1)), decode(data, &config, step));
});
