//! Codec tests: the accept/reject table (run whole, byte by byte and at random splits), the
//! chunked decoder table, and property tests.
#![allow(clippy::type_complexity, clippy::field_reassign_with_default)] // reason: case tables read best inline

mod chunked_table;
mod encode;
mod harness;
mod props;
mod table;
