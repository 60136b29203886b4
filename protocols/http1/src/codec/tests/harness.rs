//! Runs one message through the parsers whole, one byte at a time and at random splits, and
//! checks that all three agree.

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use crate::{BodyKind, Config, Error, HeaderSlot, RequestParser, ResponseParser, Status};

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a parse (plus framing) produced, in owned form so runs can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Head complete: start-line parts, fields, head length and framing.
    Head {
        start: [Vec<u8>; 3],
        headers: Vec<(Vec<u8>, Vec<u8>)>,
        head_len: usize,
        body: Result<BodyKind, Error>,
    },
    Partial,
    Failed(Error),
}

/// Cuts `input` into pieces at the given lengths and feeds growing prefixes to a request parser.
fn feed_request(input: &[u8], config: Config, cuts: &[usize]) -> Outcome {
    let mut parser = RequestParser::new(config);
    let mut slots = Vec::<HeaderSlot>::new();
    for &end in cuts {
        match parser.parse(&input[..end], &mut slots) {
            Err(e) => return Outcome::Failed(e),
            Ok(Status::Partial) => {}
            Ok(Status::Complete(req)) => {
                return Outcome::Head {
                    start: [
                        req.method().to_vec(),
                        req.target().to_vec(),
                        req.version().as_bytes().to_vec(),
                    ],
                    headers: req
                        .headers()
                        .map(|h| (h.name.to_vec(), h.value.to_vec()))
                        .collect(),
                    head_len: req.head_len(),
                    body: req.body_kind(),
                };
            }
        }
    }
    Outcome::Partial
}

/// The same for a response to a `method` request.
fn feed_response(input: &[u8], config: Config, method: &[u8], cuts: &[usize]) -> Outcome {
    let mut parser = ResponseParser::new(config);
    let mut slots = [HeaderSlot::EMPTY; 40];
    for &end in cuts {
        match parser.parse(&input[..end], &mut slots) {
            Err(e) => return Outcome::Failed(e),
            Ok(Status::Partial) => {}
            Ok(Status::Complete(resp)) => {
                return Outcome::Head {
                    start: [
                        resp.version().as_bytes().to_vec(),
                        resp.status().to_string().into_bytes(),
                        resp.reason().to_vec(),
                    ],
                    headers: resp
                        .headers()
                        .map(|h| (h.name.to_vec(), h.value.to_vec()))
                        .collect(),
                    head_len: resp.head_len(),
                    body: resp.body_kind(method),
                };
            }
        }
    }
    Outcome::Partial
}

/// Prefix lengths: whole, every byte, and `rounds` random splittings.
pub(super) fn splittings(len: usize, rng: &mut Rng, rounds: usize) -> Vec<Vec<usize>> {
    let mut all = vec![vec![len], (1..=len).collect()];
    for _ in 0..rounds {
        let mut cuts = Vec::new();
        let mut at = 0;
        while at < len {
            at = (at + 1 + rng.below(24)).min(len);
            cuts.push(at);
        }
        all.push(cuts);
    }
    all
}

/// Parses `input` as a request (or as a response to `method`) every way; panics on disagreement.
pub(super) fn run(input: &[u8], config: Config, response_to: Option<&[u8]>) -> Outcome {
    let mut rng = Rng(0xC0FF_EE00 ^ input.len() as u64);
    let mut first: Option<Outcome> = None;
    for cuts in splittings(input.len(), &mut rng, 4) {
        let got = match response_to {
            None => feed_request(input, config, &cuts),
            Some(m) => feed_response(input, config, m, &cuts),
        };
        match &first {
            None => first = Some(got),
            Some(want) => assert_eq!(
                &got,
                want,
                "split-dependent result for {:?} with cuts {cuts:?}",
                input.escape_ascii().to_string()
            ),
        }
    }
    first.expect("at least one splitting")
}
