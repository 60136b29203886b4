//! permessage-deflate (RFC 7692) compression and inflation with flate2 (zlib-rs backend).
//!
//! Window size 8: zlib refuses an 8-bit window for raw deflate, so when 8 is negotiated for our
//! compressor we compress with 9. That stays within the negotiated window: zlib never emits a
//! match distance over `w_size - MIN_LOOKAHEAD` = 512 − 262 = 250 bytes, below the 256 an
//! 8-bit window allows (RFC 7692 §7.1.2.1 only bounds the distances the peer must handle).
//! Inflation always uses a 15-bit window, which decodes every smaller one.

extern crate alloc;

use alloc::vec::Vec;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::Error;
use crate::extension::DeflateParams;
use crate::frame::Role;

/// The empty stored block every sync flush ends with (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Inflation output is produced in steps of this many bytes, each checked against the limit
/// before the buffer grows.
const STEP: usize = 32 << 10;

pub(crate) struct Codec {
    compress: Compress,
    decompress: Decompress,
    reset_compress: bool,
    reset_decompress: bool,
}

impl core::fmt::Debug for Codec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Codec")
            .field("reset_compress", &self.reset_compress)
            .field("reset_decompress", &self.reset_decompress)
            .finish_non_exhaustive()
    }
}

impl Codec {
    pub(crate) fn new(role: Role, params: &DeflateParams, level: u32) -> Self {
        let (own_bits, own_reset, peer_reset) = match role {
            Role::Server => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
                params.client_no_context_takeover,
            ),
            Role::Client => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
                params.server_no_context_takeover,
            ),
        };
        // See the module docs for why 8 becomes 9.
        let bits = own_bits.clamp(9, 15);
        Self {
            compress: Compress::new_with_window_bits(Compression::new(level.min(9)), false, bits),
            decompress: Decompress::new_with_window_bits(false, 15),
            reset_compress: own_reset,
            reset_decompress: peer_reset,
        }
    }

    /// Compresses one whole message (RFC 7692 §7.2.1): a sync flush with its tail removed.
    pub(crate) fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        if data.is_empty() {
            // An empty stored block (RFC 7692 §7.2.3.6), without touching the compressor:
            // a sync flush with nothing new to flush is a zlib buffer error.
            return alloc::vec![0x00];
        }
        let mut out = Vec::new();
        let mut input = data;
        loop {
            let start = out.len();
            let room = (input.len() / 2).clamp(1024, STEP);
            out.resize(start + room, 0);
            let (in0, out0) = (self.compress.total_in(), self.compress.total_out());
            let r = self
                .compress
                .compress(input, &mut out[start..], FlushCompress::Sync);
            let used = (self.compress.total_in() - in0) as usize;
            let produced = (self.compress.total_out() - out0) as usize;
            out.truncate(start + produced);
            input = &input[used..];
            // A buffer error only means "no progress possible": the flush is then complete.
            let done = matches!(r, Ok(Status::BufError) | Err(_));
            // The flush is complete once all input is in and the output was not filled.
            if done || (input.is_empty() && produced < room) {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if self.reset_compress {
            self.compress.reset();
        }
        out
    }

    /// Inflates a piece of a compressed message onto `out`, failing once `out` would pass
    /// `limit` bytes: output is produced in bounded steps, each checked before the next.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: u64,
    ) -> Result<(), Error> {
        loop {
            let room = limit.saturating_sub(out.len() as u64);
            // One byte past the limit tells "exactly at the limit" from "over it".
            let step = usize::try_from(room.saturating_add(1).min(STEP as u64)).unwrap_or(STEP);
            let start = out.len();
            out.resize(start + step, 0);
            let (in0, out0) = (self.decompress.total_in(), self.decompress.total_out());
            let r = self
                .decompress
                .decompress(input, &mut out[start..], FlushDecompress::Sync);
            let used = (self.decompress.total_in() - in0) as usize;
            let produced = (self.decompress.total_out() - out0) as usize;
            out.truncate(start + produced);
            let status = r.map_err(|_| Error::Inflate)?;
            input = &input[used..];
            if out.len() as u64 > limit {
                return Err(Error::MessageTooLarge(out.len() as u64));
            }
            if status == Status::StreamEnd {
                // A final block inside a message (RFC 7692 §7.2.3.4): what follows starts a
                // new stream.
                self.decompress.reset(false);
                if input.is_empty() {
                    return Ok(());
                }
                continue;
            }
            if (input.is_empty() && produced < step) || (used == 0 && produced == 0) {
                return Ok(());
            }
        }
    }

    /// Ends a compressed message: feeds the tail the sender removed.
    pub(crate) fn finish_message(&mut self, out: &mut Vec<u8>, limit: u64) -> Result<(), Error> {
        self.inflate(&TAIL, out, limit)?;
        if self.reset_decompress {
            self.decompress.reset(false);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn small_windows_round_trip_with_context_takeover() {
        for bits in [8u8, 9, 10, 15] {
            let params = DeflateParams {
                server_max_window_bits: bits,
                client_max_window_bits: bits,
                ..DeflateParams::default()
            };
            let mut tx = Codec::new(Role::Client, &params, 6);
            let mut rx = Codec::new(Role::Server, &params, 6);
            let text: Vec<u8> = (0..2000).map(|i| b'a' + (i % 7) as u8).collect();
            for round in 0..4 {
                let c = tx.compress(&text);
                let mut out = Vec::new();
                for piece in c.chunks(5) {
                    rx.inflate(piece, &mut out, 1 << 20)
                        .unwrap_or_else(|e| panic!("{bits} {round} {e}"));
                }
                rx.finish_message(&mut out, 1 << 20).unwrap();
                assert_eq!(out, text, "{bits} {round}");
                let c = tx.compress(b"");
                let mut out = Vec::new();
                rx.inflate(&c, &mut out, 1 << 20).unwrap();
                rx.finish_message(&mut out, 1 << 20)
                    .unwrap_or_else(|e| panic!("empty {bits} {round} {e}"));
                assert!(out.is_empty());
            }
        }
    }
}
