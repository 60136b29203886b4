//! `GET /demo.html`: a page that opens a WebSocket to `/ws` and an EventSource on `/events`
//! and shows what arrives.

/// The page, embedded in the binary.
pub(crate) const DEMO_HTML: &str = include_str!("demo.html");
