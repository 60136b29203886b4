//! Shared inputs for the FasterAPI benchmarks.
//!
//! Every bench compares a FasterAPI crate with the best existing crate **on the same bytes in the
//! same run**; the inputs live here so the Rust benches, the Python benches and the docs quote
//! one copy. Results and the machine they ran on are recorded in `docs/BENCHMARKS.md`.
#![no_std]

/// The 416-byte browser GET used across the HTTP/1.1 and Python benchmarks: a path with a query,
/// Host, a Firefox User-Agent, Accept, Accept-Language, Accept-Encoding, Connection: keep-alive,
/// a Cookie with three pairs and Cache-Control.
pub const GET_416: &[u8] =
    b"GET /api/v1/users/12345/profile?fields=name,email,avatar&lang=en HTTP/1.1\r\n\
Host: api.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: application/json, text/plain, */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Connection: keep-alive\r\n\
Cookie: session=abc123def456ghi789jkl0; theme=dark; lang=en-GB\r\n\
Cache-Control: max-age=0\r\n\
\r\n";

#[cfg(test)]
mod tests {
    #[test]
    fn get_416_is_416_bytes() {
        assert_eq!(super::GET_416.len(), 416);
    }
}
