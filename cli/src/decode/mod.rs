//! `fasterapi decode`: every protocol crate plugs in here with one small module.
//!
//! A codec module provides a [`Decoder`] and one [`Codec`] entry in [`CODECS`]. The runner reads
//! the input in bounded chunks, feeds them to the decoder, and writes each event it reports as
//! one JSON object per line. A protocol error becomes `{"error": {...}}` and exit code 2.

use std::io::{self, Read, Write};

use serde_json::{Map, Value, json};

use crate::Role;
use crate::input::{HexDecoder, HexError};

mod h2;
mod hpack;
mod http1;
mod mcp;
mod pg;
mod sse;
pub(crate) mod ws;

/// A protocol error found in the input, printed as `{"error": {"codec", "kind", "message", "offset"}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecodeError {
    /// A stable machine-readable name for the error (the error enum variant, snake_case).
    pub(crate) kind: String,
    /// The error's human-readable text.
    pub(crate) message: String,
    /// Byte offset in the decoded input where the error was detected, when known.
    pub(crate) offset: Option<u64>,
    /// Further protocol-specific fields (the status a server would answer with, an error code).
    /// Boxed to keep `Result<_, DecodeError>` small on the success path.
    pub(crate) extra: Box<Map<String, Value>>,
}

/// A protocol decoder driven by the runner.
pub(crate) trait Decoder {
    /// Feeds the next bytes of the stream; `emit` receives each event as a JSON object.
    fn feed(&mut self, input: &[u8], emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError>;
    /// The input has ended.
    fn finish(&mut self, emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError>;
    /// For codecs with [`Codec::line_blocks`]: the current block (one `--hex` input line) ends.
    fn end_block(&mut self, _emit: &mut dyn FnMut(Value)) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// One entry of the codec table.
pub(crate) struct Codec {
    /// The name on the command line.
    pub(crate) name: &'static str,
    /// One line for `--help`.
    pub(crate) about: &'static str,
    /// The roles it supports; the first is used in examples.
    pub(crate) roles: &'static [Role],
    /// With `--hex`, each non-empty input line is one block (an HPACK header block): the
    /// runner calls [`Decoder::end_block`] after each.
    pub(crate) line_blocks: bool,
    /// Makes a decoder for a role.
    pub(crate) make: fn(Role) -> Box<dyn Decoder>,
}

/// Every codec `decode` knows. Add one line per protocol crate.
pub(crate) static CODECS: &[Codec] = &[
    Codec {
        name: "h2",
        about: "HTTP/2 frames, field blocks HPACK-decoded (RFC 9113; server: client preface + frames)",
        roles: &[Role::Server, Role::Client],
        line_blocks: false,
        make: h2::make,
    },
    Codec {
        name: "hpack",
        about: "HPACK header blocks (RFC 7541); with --hex one block per line, one table across lines",
        roles: &[Role::Server, Role::Client],
        line_blocks: true,
        make: hpack::make,
    },
    Codec {
        name: "http1",
        about: "HTTP/1.1 through the connection machines (server: requests, client: responses)",
        roles: &[Role::Server, Role::Client],
        line_blocks: false,
        make: http1::make,
    },
    Codec {
        name: "mcp",
        about: "MCP / JSON-RPC 2.0: newline-delimited messages (the stdio transport), batches expanded",
        roles: &[Role::Client, Role::Server],
        line_blocks: false,
        make: mcp::make,
    },
    Codec {
        name: "pg",
        about: "PostgreSQL wire protocol 3.0/3.2 (client: backend messages, server: startup + frontend messages)",
        roles: &[Role::Client, Role::Server],
        line_blocks: false,
        make: pg::make,
    },
    Codec {
        name: "sse",
        about: "Server-Sent Events: a text/event-stream body (WHATWG HTML 9.2)",
        roles: &[Role::Client, Role::Server],
        line_blocks: false,
        make: sse::make,
    },
    Codec {
        name: "ws",
        about: "WebSocket frames and messages after the handshake (RFC 6455; server: masked client frames)",
        roles: &[Role::Server, Role::Client],
        line_blocks: false,
        make: ws::make,
    },
];

pub(crate) fn codec_names() -> Vec<&'static str> {
    CODECS.iter().map(|c| c.name).collect()
}

pub(crate) fn find(name: &str) -> Option<&'static Codec> {
    CODECS.iter().find(|c| c.name == name)
}

/// The codec list shown under `fasterapi decode --help`.
pub(crate) fn codecs_help() -> String {
    let mut s = String::from("Codecs:\n");
    if CODECS.is_empty() {
        s.push_str("  (none built in)\n");
    }
    for c in CODECS {
        let roles: Vec<String> = c
            .roles
            .iter()
            .map(|r| format!("{r:?}").to_lowercase())
            .collect();
        s.push_str(&format!(
            "  {:<8} {} [roles: {}]\n",
            c.name,
            c.about,
            roles.join(", ")
        ));
    }
    s.push_str(
        "\nOutput: one JSON object per event (JSON Lines); a protocol error prints {\"error\": …} and exits 2.\nExit codes: 0 ok, 2 protocol error, 64 usage, 65 bad hex input, 66 cannot open input, 74 I/O error.",
    );
    s
}

/// How a run ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Done,
    ProtocolError,
    BadHex(HexError),
    Io(io::Error),
}

/// Size of each read from the input: input is streamed, never read whole.
const CHUNK: usize = 64 * 1024;

/// Runs `decoder` (made for `codec`) over `source`, writing JSON Lines to `out`.
pub(crate) fn run(
    codec: &Codec,
    mut decoder: Box<dyn Decoder>,
    mut source: Box<dyn Read>,
    hex: bool,
    out: &mut dyn Write,
) -> Outcome {
    let mut raw = vec![0u8; CHUNK];
    let mut bytes = Vec::with_capacity(CHUNK / 2);
    let mut hex_decoder = HexDecoder::default();
    let mut pending_block = false;
    let mut write_err: Option<io::Error> = None;
    let mut emit = |v: Value| {
        if write_err.is_none() {
            if let Err(e) = serde_json::to_writer(&mut *out, &v).map_err(io::Error::from) {
                write_err = Some(e);
            } else if let Err(e) = out.write_all(b"\n") {
                write_err = Some(e);
            }
        }
    };
    let result = loop {
        let n = match source.read(&mut raw) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Outcome::Io(e),
        };
        if n == 0 {
            if hex {
                if let Err(e) = hex_decoder.finish() {
                    return Outcome::BadHex(e);
                }
            }
            if pending_block && codec.line_blocks {
                if let Err(e) = decoder.end_block(&mut emit) {
                    break Err(e);
                }
            }
            break decoder.finish(&mut emit);
        }
        if !hex {
            if let Err(e) = decoder.feed(&raw[..n], &mut emit) {
                break Err(e);
            }
            continue;
        }
        // Hex text: decode line by line so that codecs with line blocks see each line end.
        let mut rest = &raw[..n];
        let mut failed = None;
        while !rest.is_empty() {
            let (segment, line_end) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) if codec.line_blocks => (&rest[..=i], true),
                _ => (rest, false),
            };
            rest = &rest[segment.len()..];
            if let Err(e) = hex_decoder.decode(segment, &mut bytes) {
                return Outcome::BadHex(e);
            }
            if !bytes.is_empty() {
                pending_block = true;
                if let Err(e) = decoder.feed(&bytes, &mut emit) {
                    failed = Some(e);
                    break;
                }
            }
            if line_end && pending_block {
                if let Err(e) = hex_decoder.finish() {
                    return Outcome::BadHex(e);
                }
                pending_block = false;
                if let Err(e) = decoder.end_block(&mut emit) {
                    failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failed {
            break Err(e);
        }
    };
    let outcome = match result {
        Ok(()) => Outcome::Done,
        Err(e) => {
            let mut obj = Map::new();
            obj.insert("codec".into(), json!(codec.name));
            obj.insert("kind".into(), json!(e.kind));
            obj.insert("message".into(), json!(e.message));
            obj.insert("offset".into(), json!(e.offset));
            obj.extend(*e.extra);
            emit(json!({ "error": obj }));
            Outcome::ProtocolError
        }
    };
    match write_err {
        Some(e) => Outcome::Io(e),
        None => outcome,
    }
}
