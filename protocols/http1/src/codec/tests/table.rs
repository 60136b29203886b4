//! The accept/reject table: every case runs whole, byte by byte and at random splits.

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use core::mem::discriminant;

use super::harness::{Outcome, run};
use crate::{BodyKind, Config, Error};

/// What a case must produce.
enum Want {
    /// A complete head with this framing.
    Body(BodyKind),
    /// Rejected with this error variant (offsets not compared) and status.
    Reject(Error),
    /// Incomplete input.
    Partial,
}

use BodyKind::{Chunked, CloseDelimited, ContentLength};
use Want::{Body, Partial, Reject};

const fn e(err: Error) -> Want {
    Reject(err)
}

const A: usize = 0; // offsets are not compared

/// Leniency presets.
fn cfg(name: &str) -> Config {
    let mut c = Config::default();
    match name {
        "strict" => {}
        "bare_lf" => c.allow_bare_lf = true,
        "obs_fold" => c.allow_obs_fold = true,
        "spaces" => c.allow_multiple_spaces = true,
        "unsafe_target" => c.allow_unsafe_target_chars = true,
        "missing_reason" => c.allow_missing_reason = true,
        "small" => {
            c.max_head_size = 64;
            c.max_target_len = 16;
            c.max_headers = 2;
        }
        other => panic!("unknown preset {other}"),
    }
    c
}

/// (name, config preset, input, expected) — requests.
#[rustfmt::skip]
fn requests() -> Vec<(&'static str, &'static str, &'static [u8], Want)> {
    vec![
        // ----- accepted -----
        ("simple get", "strict", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", Body(BodyKind::None)),
        ("no headers", "strict", b"GET / HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("http/1.0", "strict", b"GET / HTTP/1.0\r\n\r\n", Body(BodyKind::None)),
        ("http/1.2 read as 1.1", "strict", b"GET / HTTP/1.2\r\n\r\n", Body(BodyKind::None)),
        ("leading empty line", "strict", b"\r\nGET / HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("options asterisk", "strict", b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", Body(BodyKind::None)),
        ("connect authority", "strict", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", Body(BodyKind::None)),
        ("connect ipv6", "strict", b"CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("absolute form", "strict", b"GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n", Body(BodyKind::None)),
        ("absolute ipv6", "strict", b"GET http://[::1]:80/ HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("percent escapes", "strict", b"GET /a%20b%2Fc%ff HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("sub-delims in query", "strict", b"GET /p;x=1?a=b&c=d!$'()*+,;=:@/? HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("unreserved", "strict", b"GET /-._~azAZ09 HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("custom method", "strict", b"M-SEARCH / HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("asterisk not for m-search", "strict", b"M-SEARCH * HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("tchar method", "strict", b"!#$%&'*+-.^_`|~ / HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("content-length", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", Body(ContentLength(5))),
        ("content-length zero", "strict", b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", Body(ContentLength(0))),
        ("content-length leading zeros", "strict", b"POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n", Body(ContentLength(7))),
        ("content-length max u64", "strict", b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", Body(ContentLength(u64::MAX))),
        ("content-length same list", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", Body(ContentLength(5))),
        ("content-length same twice", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", Body(ContentLength(5))),
        ("content-length ows", "strict", b"POST / HTTP/1.1\r\nContent-Length: \t 5 \t\r\n\r\n", Body(ContentLength(5))),
        ("chunked", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Body(Chunked)),
        ("chunked any case", "strict", b"POST / HTTP/1.1\r\ntransfer-encoding: ChUnKeD\r\n\r\n", Body(Chunked)),
        ("gzip then chunked", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Body(Chunked)),
        ("codings over two lines", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", Body(Chunked)),
        ("empty list elements", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: , chunked,\r\n\r\n", Body(Chunked)),
        ("tab before value", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding:\tchunked\r\n\r\n", Body(Chunked)),
        ("empty value", "strict", b"GET / HTTP/1.1\r\nX-Empty:\r\nX-Space: \r\n\r\n", Body(BodyKind::None)),
        ("tabs inside value", "strict", b"GET / HTTP/1.1\r\nX: a\tb c\r\n\r\n", Body(BodyKind::None)),
        ("obs-text value", "strict", b"GET / HTTP/1.1\r\nX: caf\xc3\xa9 \xff\r\n\r\n", Body(BodyKind::None)),
        ("colon in value", "strict", b"GET / HTTP/1.1\r\nX: a:b::c\r\n\r\n", Body(BodyKind::None)),
        ("tchar name", "strict", b"GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~0aZ: v\r\n\r\n", Body(BodyKind::None)),
        ("trailing ows trimmed", "strict", b"GET / HTTP/1.1\r\nX:  v  \t\r\n\r\n", Body(BodyKind::None)),
        ("pipelined bytes after", "strict", b"GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("long header value", "strict", b"GET / HTTP/1.1\r\nCookie: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", Body(BodyKind::None)),
        ("bare lf allowed", "bare_lf", b"GET / HTTP/1.1\nHost: a\n\n", Body(BodyKind::None)),
        ("bare lf mixed allowed", "bare_lf", b"GET / HTTP/1.1\r\nHost: a\n\r\n", Body(BodyKind::None)),
        ("obs-fold allowed", "obs_fold", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", Body(BodyKind::None)),
        ("multiple spaces allowed", "spaces", b"GET  /  HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("unsafe target allowed", "unsafe_target", b"GET /a|b{c}\"^ HTTP/1.1\r\n\r\n", Body(BodyKind::None)),
        ("within small limits", "small", b"GET /0123456789abcde HTTP/1.1\r\nA: b\r\nC: d\r\n\r\n", Body(BodyKind::None)),
        // ----- incomplete -----
        ("partial request line", "strict", b"GET /index.html HT", Partial),
        ("partial header", "strict", b"GET / HTTP/1.1\r\nHost: exa", Partial),
        ("partial final cr", "strict", b"GET / HTTP/1.1\r\nHost: a\r\n\r", Partial),
        ("partial escape", "strict", b"GET /a%4", Partial),
        ("empty input", "strict", b"", Partial),
        // ----- rejected: start-line -----
        ("empty method", "strict", b" / HTTP/1.1\r\n\r\n", e(Error::InvalidMethod { at: A })),
        ("method with paren", "strict", b"GE(T / HTTP/1.1\r\n\r\n", e(Error::InvalidMethod { at: A })),
        ("method with tab", "strict", b"GET\t/ HTTP/1.1\r\n\r\n", e(Error::InvalidStartLine { at: A })),
        ("two spaces", "strict", b"GET  / HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("space before version twice", "strict", b"GET /  HTTP/1.1\r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("lowercase version", "strict", b"GET / http/1.1\r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("version letters", "strict", b"GET / HTTP/1.x\r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("version two digits", "strict", b"GET / HTTP/1.10\r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("version 2.0", "strict", b"GET / HTTP/2.0\r\n\r\n", e(Error::UnsupportedVersion { at: A })),
        ("version 0.9", "strict", b"GET / HTTP/0.9\r\n\r\n", e(Error::UnsupportedVersion { at: A })),
        ("trailing space after version", "strict", b"GET / HTTP/1.1 \r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("http/0.9 request", "strict", b"GET /\r\n\r\n", e(Error::InvalidStartLine { at: A })),
        ("nul in target", "strict", b"GET /\0 HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("del in target", "strict", b"GET /\x7f HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("utf-8 in target", "strict", b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("fragment in target", "strict", b"GET /a#b HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("quote in target", "strict", b"GET /a\"b HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("pipe in target", "strict", b"GET /a|b HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("bad escape", "strict", b"GET /a%zz HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("short escape", "strict", b"GET /a%4 HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("asterisk not options", "strict", b"GET * HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("connect origin form", "strict", b"CONNECT / HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("connect no port", "strict", b"CONNECT example.com HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("connect bad port", "strict", b"CONNECT example.com:ab HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("connect userinfo", "strict", b"CONNECT u@example.com:443 HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("bad scheme", "strict", b"GET ht!tp://a/ HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("relative target", "strict", b"GET a/b HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("target too long", "small", b"GET /0123456789abcdefg HTTP/1.1\r\n\r\n", e(Error::TargetTooLong { limit: 16 })),
        ("target too long partial", "small", b"GET /0123456789abcdefghij", e(Error::TargetTooLong { limit: 16 })),
        ("head too large", "small", b"GET / HTTP/1.1\r\nA: 0123456789012345678901234567890123456789abc\r\n\r\n", e(Error::HeadTooLarge { limit: 64 })),
        ("too many headers", "small", b"GET / HTTP/1.1\r\nA: b\r\nC: d\r\nE: f\r\n\r\n", e(Error::TooManyHeaders { limit: 2 })),
        ("bare cr in request line", "strict", b"GET / HTTP/1.1\rHost: a\r\n\r\n", e(Error::BareCr { at: A })),
        ("leading bare lf", "strict", b"\nGET / HTTP/1.1\r\n\r\n", e(Error::BareLf { at: A })),
        ("leading bare cr", "strict", b"\rGET / HTTP/1.1\r\n\r\n", e(Error::BareCr { at: A })),
        // ----- rejected: fields -----
        ("no colon", "strict", b"GET / HTTP/1.1\r\nHost\r\n\r\n", e(Error::InvalidHeaderName { at: A })),
        ("empty name", "strict", b"GET / HTTP/1.1\r\n: v\r\n\r\n", e(Error::InvalidHeaderName { at: A })),
        ("utf-8 name", "strict", b"GET / HTTP/1.1\r\nH\xc3\xb6st: a\r\n\r\n", e(Error::InvalidHeaderName { at: A })),
        ("slash in name", "strict", b"GET / HTTP/1.1\r\nA/B: v\r\n\r\n", e(Error::InvalidHeaderName { at: A })),
        ("nul in value", "strict", b"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("del in value", "strict", b"GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("escape char in value", "strict", b"GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("bare cr in value", "strict", b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", e(Error::BareCr { at: A })),
        ("obs-fold rejected", "strict", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", e(Error::ObsFold { at: A })),
        ("multiple spaces rejected", "strict", b"GET  /  HTTP/1.1\r\n\r\n", e(Error::InvalidTarget { at: A })),
        ("missing final crlf lf", "strict", b"GET / HTTP/1.1\r\nHost: a\r\n\rX", e(Error::BareCr { at: A })),
    ]
}

/// Request-smuggling vectors (RFC 9112 §11.2 and the classic CL.TE / TE.CL / TE.TE family).
#[rustfmt::skip]
fn smuggling() -> Vec<(&'static str, &'static str, &'static [u8], Want)> {
    vec![
        ("CL.TE", "strict", b"POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", e(Error::ContentLengthWithTransferEncoding { at: A })),
        ("TE.CL", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST", e(Error::ContentLengthWithTransferEncoding { at: A })),
        ("CL with non-chunked TE", "strict", b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: gzip\r\n\r\n", e(Error::ContentLengthWithTransferEncoding { at: A })),
        ("differing CL headers", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", e(Error::ConflictingContentLength { at: A })),
        ("differing CL list", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", e(Error::ConflictingContentLength { at: A })),
        ("CL plus sign", "strict", b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL minus sign", "strict", b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL hex", "strict", b"POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL inner space", "strict", b"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL empty", "strict", b"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL overflow", "strict", b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("CL decimal point", "strict", b"POST / HTTP/1.1\r\nContent-Length: 5.0\r\n\r\n", e(Error::InvalidContentLength { at: A })),
        ("TE final not chunked", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE chunked then gzip", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE chunked twice", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE chunked chunked list", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE unknown xchunked", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", e(Error::UnknownTransferCoding { at: A })),
        ("TE identity", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", e(Error::UnknownTransferCoding { at: A })),
        ("TE quoted", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE chunked with param", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE in HTTP/1.0", "strict", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("TE space before colon", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", e(Error::WhitespaceBeforeColon { at: A })),
        ("TE tab before colon", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n", e(Error::WhitespaceBeforeColon { at: A })),
        ("CL space before colon", "strict", b"POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", e(Error::WhitespaceBeforeColon { at: A })),
        ("TE leading whitespace line", "strict", b"POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\n\r\n", e(Error::WhitespaceAfterStartLine { at: A })),
        ("TE obs-fold", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", e(Error::ObsFold { at: A })),
        ("TE vertical tab", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\x0b\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("TE form feed", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding:\x0cchunked\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("TE nul", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding: chun\0ked\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("TE name nul", "strict", b"POST / HTTP/1.1\r\nTransfer-Encoding\0: chunked\r\n\r\n", e(Error::InvalidHeaderName { at: A })),
        ("TE bare cr separated", "strict", b"POST / HTTP/1.1\r\nX: y\rTransfer-Encoding: chunked\r\n\r\n", e(Error::BareCr { at: A })),
        ("bare LF header line", "strict", b"POST / HTTP/1.1\r\nX: y\nTransfer-Encoding: chunked\r\n\r\n", e(Error::BareLf { at: A })),
        ("bare LF request line", "strict", b"POST / HTTP/1.1\nTransfer-Encoding: chunked\r\n\r\n", e(Error::BareLf { at: A })),
        ("bare LF end of head", "strict", b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\nX", e(Error::BareLf { at: A })),
        ("obs-fold CL", "strict", b"POST / HTTP/1.1\r\nContent-Length: 1\r\n 0\r\n\r\n", e(Error::ObsFold { at: A })),
        ("obs-fold allowed still CL checked", "obs_fold", b"POST / HTTP/1.1\r\nContent-Length: 1\r\n 0\r\n\r\n", e(Error::InvalidContentLength { at: A })),
    ]
}

/// (name, config preset, request method, input, expected) — responses.
#[rustfmt::skip]
fn responses() -> Vec<(&'static str, &'static str, &'static [u8], &'static [u8], Want)> {
    vec![
        ("200 with length", "strict", b"GET", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", Body(ContentLength(2))),
        ("200 chunked", "strict", b"GET", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Body(Chunked)),
        ("200 close delimited", "strict", b"GET", b"HTTP/1.1 200 OK\r\n\r\n", Body(CloseDelimited)),
        ("TE gzip close delimited", "strict", b"GET", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", Body(CloseDelimited)),
        ("HEAD ignores length", "strict", b"HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", Body(BodyKind::None)),
        ("204 no body", "strict", b"GET", b"HTTP/1.1 204 No Content\r\n\r\n", Body(BodyKind::None)),
        ("304 ignores length", "strict", b"GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\n\r\n", Body(BodyKind::None)),
        ("100 continue", "strict", b"POST", b"HTTP/1.1 100 Continue\r\n\r\n", Body(BodyKind::None)),
        ("101 switching", "strict", b"GET", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", Body(BodyKind::None)),
        ("CONNECT 200 tunnel", "strict", b"CONNECT", b"HTTP/1.1 200 Connection established\r\n\r\n", Body(BodyKind::None)),
        ("CONNECT 407 has body", "strict", b"CONNECT", b"HTTP/1.1 407 Proxy Auth\r\nContent-Length: 0\r\n\r\n", Body(ContentLength(0))),
        ("empty reason", "strict", b"GET", b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", Body(ContentLength(0))),
        ("obs-text reason", "strict", b"GET", b"HTTP/1.1 200 \xc3\x96K\r\n\r\n", Body(CloseDelimited)),
        ("http/1.0 response", "strict", b"GET", b"HTTP/1.0 200 OK\r\n\r\n", Body(CloseDelimited)),
        ("599 allowed", "strict", b"GET", b"HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n", Body(ContentLength(0))),
        ("missing reason allowed", "missing_reason", b"GET", b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", Body(ContentLength(0))),
        ("partial status", "strict", b"GET", b"HTTP/1.1 20", Partial),
        ("missing reason strict", "strict", b"GET", b"HTTP/1.1 200\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("two digit status", "strict", b"GET", b"HTTP/1.1 20 OK\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("status 600", "strict", b"GET", b"HTTP/1.1 600 X\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("status 099", "strict", b"GET", b"HTTP/1.1 099 X\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("no space after code", "strict", b"GET", b"HTTP/1.1 200OK\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("two spaces before code", "strict", b"GET", b"HTTP/1.1  200 OK\r\n\r\n", e(Error::InvalidStatus { at: A })),
        ("bad version", "strict", b"GET", b"HTTP/1.1x200 OK\r\n\r\n", e(Error::InvalidStartLine { at: A })),
        ("ICY protocol", "strict", b"GET", b"ICY 200 OK\r\n\r\n", e(Error::InvalidVersion { at: A })),
        ("control in reason", "strict", b"GET", b"HTTP/1.1 200 O\x01K\r\n\r\n", e(Error::InvalidHeaderValue { at: A })),
        ("CL and TE response", "strict", b"GET", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", e(Error::ContentLengthWithTransferEncoding { at: A })),
        ("differing CL response", "strict", b"GET", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", e(Error::ConflictingContentLength { at: A })),
        ("TE in 1.0 response", "strict", b"GET", b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", e(Error::InvalidTransferEncoding { at: A })),
        ("bare lf response", "strict", b"GET", b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", e(Error::BareLf { at: A })),
    ]
}

fn check(name: &str, got: &Outcome, want: &Want) {
    match (got, want) {
        (Outcome::Head { body, .. }, Body(kind)) => {
            assert_eq!(body.as_ref(), Ok(kind), "{name}: framing");
        }
        (Outcome::Head { body: Err(got), .. }, Reject(err))
        | (Outcome::Failed(got), Reject(err)) => {
            assert_eq!(
                discriminant(got),
                discriminant(err),
                "{name}: got {got:?}, want {err:?}"
            );
            assert_eq!(got.status(), err.status(), "{name}: status");
            if let (Some(_), Some(_)) = (got.offset(), err.offset()) {
            } else {
                assert_eq!(got, err, "{name}: limit errors carry the limit");
            }
        }
        (Outcome::Partial, Partial) => {}
        _ => panic!("{name}: got {got:?}"),
    }
}

#[test]
fn request_table() {
    let cases = requests();
    assert!(cases.len() >= 80, "{} request cases", cases.len());
    for (name, preset, input, want) in &cases {
        check(name, &run(input, cfg(preset), None), want);
    }
}

#[test]
fn smuggling_vectors() {
    let cases = smuggling();
    assert!(cases.len() >= 25, "{} smuggling vectors", cases.len());
    for (name, preset, input, want) in &cases {
        assert!(
            matches!(want, Reject(_)),
            "{name}: smuggling vectors are rejections"
        );
        check(name, &run(input, cfg(preset), None), want);
    }
}

#[test]
fn response_table() {
    for (name, preset, method, input, want) in &responses() {
        check(name, &run(input, cfg(preset), Some(method)), want);
    }
}

#[test]
fn statuses_follow_the_fault() {
    assert_eq!(Error::TargetTooLong { limit: 1 }.status(), 414);
    assert_eq!(Error::HeadTooLarge { limit: 1 }.status(), 431);
    assert_eq!(Error::TooManyHeaders { limit: 1 }.status(), 431);
    assert_eq!(Error::UnknownTransferCoding { at: 0 }.status(), 501);
    assert_eq!(Error::UnsupportedVersion { at: 0 }.status(), 505);
    assert_eq!(Error::BareLf { at: 0 }.status(), 400);
}

#[test]
fn host_rule() {
    use crate::{HeaderSlot, RequestParser, Status};
    #[rustfmt::skip]
    let cases: [(&[u8], Result<Option<&[u8]>, Error>); 12] = [
        (b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", Ok(Some(b"example.com"))),
        (b"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", Ok(Some(b"example.com:8080"))),
        (b"GET / HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", Ok(Some(b"[::1]:443"))),
        (b"GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n", Ok(Some(b"10.0.0.1"))),
        (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", Ok(Some(b""))),
        (b"GET / HTTP/1.0\r\n\r\n", Ok(None)),
        (b"GET / HTTP/1.1\r\n\r\n", Err(Error::MissingHost)),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Err(Error::InvalidHost { at: 31 })),
        (b"GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", Err(Error::InvalidHost { at: 31 })),
        (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Err(Error::InvalidHost { at: 22 })),
        (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Err(Error::InvalidHost { at: 22 })),
        (b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", Err(Error::InvalidHost { at: 22 })),
    ];
    for (input, want) in cases {
        let mut slots = [HeaderSlot::EMPTY; 8];
        let mut parser = RequestParser::default();
        let Ok(Status::Complete(req)) = parser.parse(input, &mut slots) else {
            panic!("{:?} must parse", input.escape_ascii().to_string());
        };
        assert_eq!(req.host(), want, "{}", input.escape_ascii());
        if let Err(e) = want {
            assert_eq!(e.status(), 400);
        }
    }
}

#[test]
fn a_shorter_buffer_restarts_the_parse() {
    use crate::{HeaderSlot, RequestParser, Status};
    let mut slots = [HeaderSlot::EMPTY; 8];
    let mut parser = RequestParser::default();
    let long = b"GET /a/long/path HTTP/1.1\r\nHost: a\r\n\r\n";
    assert!(matches!(
        parser.parse(long, &mut slots),
        Ok(Status::Complete(_))
    ));
    // Misuse (a different, shorter buffer without reset) must not panic: it starts over.
    let short = b"GET / HTTP/1.1\r\n\r\n";
    let Ok(Status::Complete(req)) = parser.parse(short, &mut slots) else {
        panic!("restarted parse completes");
    };
    assert_eq!(req.target(), b"/");
}
