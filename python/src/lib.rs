//! The native core of the `fasterapi` Python package (pyo3).
//!
//! Python imports this as `fasterapi._fasterapi`; users import the Python modules on top of it
//! (`fasterapi.http1`, …), which keep h11's names and semantics. This crate does no I/O either:
//! it binds the sans-IO codecs and machines of the protocol crates.
//!
//! - [`http1`]: the HTTP/1.1 receive side (request/response heads with the strict
//!   `fasterapi-http1` parsers, Content-Length, chunked and close-delimited bodies) that the
//!   h11-compatible `fasterapi.http1.Connection` drives.
//! - [`ws`]: the WebSocket message machine and the HTTP/1.1 handshakes, for the
//!   wsproto-shaped `fasterapi.websocket`.
//! - [`sse`]: the event-stream parser and encoder.
//! - [`router`]: the path router with method dispatch.
//! - [`server`]: the fused server fast path on the `ServerConnection` machine.
//! - [`client`]: the same for clients, on the `ClientConnection` machine.
//! - [`h2`]: the HTTP/2 connection machine, for the h2-shaped `fasterapi.h2`.
//! - [`pg`]: the PostgreSQL client machine, for the sans-IO `fasterapi.pg`.
//! - [`mcp`]: the MCP server engine on stdio framing and the JSON-RPC codec, for `fasterapi.mcp`.
//!
//! A Rust panic becomes a Python `pyo3_runtime.PanicException` (the release profile unwinds).

use pyo3::prelude::*;

pub mod client;
pub mod h2;
pub mod h2_events;
pub mod http1;
pub mod mcp;
pub mod pg;
pub mod router;
pub mod server;
pub mod sse;
pub mod ws;

/// Panics with `message`: the test suite calls it to check that a Rust panic reaches Python as
/// `pyo3_runtime.PanicException` (which needs the release profile's `panic = "unwind"`).
#[pyfunction]
#[allow(clippy::panic)] // reason: the one deliberate panic, to test the contract above
fn _panic_for_tests(message: &str) {
    panic!("{message}");
}

/// The extension module `fasterapi._fasterapi`.
#[pymodule]
fn _fasterapi(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    http1::register(m)?;
    ws::register(m)?;
    sse::register(m)?;
    router::register(m)?;
    server::register(m)?;
    client::register(m)?;
    h2::register(m)?;
    pg::register(m)?;
    mcp::register(m)?;
    h2_events::register(m)
}
