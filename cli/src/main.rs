//! `fasterapi`: the FasterAPI command-line tool.
//!
//! * `fasterapi decode <codec> [--role client|server] [--hex] [FILE]` reads a byte stream (a
//!   file or stdin, raw or as hex text) through a protocol machine and prints one JSON object
//!   per event (JSON Lines). The schema and exit codes are in `docs/cli.md` and kept stable.
//! * `fasterapi serve [--addr 127.0.0.1:8080] [--tls [--cert FILE --key FILE]]
//!   [--runtime tokio|mio] [--workers N]` runs the demo server (see `serve/mod.rs` and
//!   `docs/cli.md`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool prints"
)]

mod decode;
mod input;
mod mcp;
mod serve;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes, stable (see docs/cli.md).
mod exit {
    /// A protocol error in the input: an `{"error": …}` object was printed.
    pub(crate) const PROTOCOL: u8 = 2;
    /// Bad command line: unknown codec, flag or role (sysexits EX_USAGE).
    pub(crate) const USAGE: u8 = 64;
    /// `--hex` input that is not hex text (sysexits EX_DATAERR).
    pub(crate) const BAD_INPUT: u8 = 65;
    /// The input file cannot be opened (sysexits EX_NOINPUT).
    pub(crate) const NO_INPUT: u8 = 66;
    /// Reading the input or writing the output failed (sysexits EX_IOERR).
    pub(crate) const IO: u8 = 74;
}

#[derive(Debug, Parser)]
#[command(
    name = "fasterapi",
    version,
    about = "FasterAPI: sans-IO protocol machines, inspected from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode a protocol byte stream and print one JSON object per event (JSON Lines).
    #[command(after_help = decode::codecs_help())]
    Decode(DecodeArgs),
    /// Run the demo server: JSON, a path parameter, a streaming echo, SSE, WebSocket, a page.
    Serve(serve::ServeArgs),
    /// Run the demo MCP server on stdin/stdout (newline-delimited JSON-RPC).
    McpStdio,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// The protocol to decode (see the list below).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(decode::codec_names()))]
    codec: String,
    /// Which side's machine reads the input: `server` parses what a client sends (requests),
    /// `client` parses what a server sends (responses).
    #[arg(long, value_enum, default_value_t = Role::Server)]
    role: Role,
    /// The input is hex text (whitespace ignored, `#` starts a comment to the end of the line).
    #[arg(long)]
    hex: bool,
    /// `ws` only: permessage-deflate was negotiated with these parameters (the server's
    /// `Sec-WebSocket-Extensions` value, e.g. `server_no_context_takeover;
    /// client_max_window_bits=10`; without a value: 15-bit windows, context takeover), so
    /// compressed messages are shown inflated.
    #[arg(long, value_name = "PARAMS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    permessage_deflate: Option<String>,
    /// Read from this file instead of stdin.
    file: Option<PathBuf>,
}

/// Which end of the connection the decoding machine plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Role {
    /// Parse what a server receives.
    Server,
    /// Parse what a client receives.
    Client,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            // Help and version go to stdout with exit 0; usage errors to stderr.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Decode(args) => run_decode(&args),
        Command::Serve(args) => serve::run(&args),
        Command::McpStdio => mcp::run_stdio(),
    }
}

fn run_decode(args: &DecodeArgs) -> ExitCode {
    let codec = decode::find(&args.codec).expect("clap only accepts listed codec names");
    if !codec.roles.contains(&args.role) {
        eprintln!(
            "error: codec '{}' has no {:?} role (it supports: {})",
            codec.name,
            args.role,
            codec
                .roles
                .iter()
                .map(|r| format!("{r:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::from(exit::USAGE);
    }
    let decoder = match (&args.permessage_deflate, codec.name) {
        (None, _) => (codec.make)(args.role),
        (Some(params), "ws") => match decode::ws::deflate_params(params) {
            Ok(p) => decode::ws::make_with(args.role, Some(p)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(exit::USAGE);
            }
        },
        (Some(_), name) => {
            eprintln!("error: --permessage-deflate applies to 'ws' only, not '{name}'");
            return ExitCode::from(exit::USAGE);
        }
    };
    let source = match input::open(args.file.as_deref()) {
        Ok(source) => source,
        Err(e) => {
            eprintln!(
                "error: cannot open {}: {e}",
                args.file.as_deref().unwrap_or("-".as_ref()).display()
            );
            return ExitCode::from(exit::NO_INPUT);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let outcome = decode::run(codec, decoder, source, args.hex, &mut out);
    let flushed = out.flush();
    match outcome {
        decode::Outcome::Done if flushed.is_ok() => ExitCode::SUCCESS,
        decode::Outcome::Done => {
            eprintln!(
                "error: writing output: {}",
                flushed.err().map_or_else(String::new, |e| e.to_string())
            );
            ExitCode::from(exit::IO)
        }
        decode::Outcome::ProtocolError => ExitCode::from(exit::PROTOCOL),
        decode::Outcome::BadHex(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit::BAD_INPUT)
        }
        decode::Outcome::Io(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit::IO)
        }
    }
}
