//! Server-side SSE resumability for the stateful Streamable HTTP revisions (2025-03-26 …
//! 2025-11-25 transports §"Resumability and Redelivery"): every event a session's stream
//! carries gets an id, kept in a bounded per-session buffer, so a client that lost the
//! connection resumes with `GET` + `Last-Event-ID` and gets what it missed — on that
//! stream only (a MUST: never messages of another stream).
//!
//! An event id is `{stream}-{n}`: the stream's number (server-wide) and the session's event
//! counter, so ids are unique across the session's streams and name the stream they belong
//! to (the spec's SHOULD). The buffer is bounded by [`ReplayConfig`]; evicting anything makes
//! every id up to it non-resumable, so a replay never has a hole.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The limits of a session's replay buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayConfig {
    /// Events kept per session at most. `0` turns resumability off (no event ids, and a
    /// client that goes away cancels its requests). Default 256.
    pub max_events: usize,
    /// Bytes of event data kept per session at most. Default 1 MiB.
    pub max_bytes: usize,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        Self {
            max_events: 256,
            max_bytes: 1024 * 1024,
        }
    }
}

impl ReplayConfig {
    /// Whether streams are resumable at all.
    pub fn enabled(&self) -> bool {
        self.max_events > 0 && self.max_bytes > 0
    }
}

/// An event id: stream number and session counter.
pub fn format_event_id(stream: u64, n: u64) -> String {
    format!("{stream}-{n}")
}

/// Parses an id made by [`format_event_id`]; `None` for anything else.
pub fn parse_event_id(id: &str) -> Option<(u64, u64)> {
    let (s, n) = id.split_once('-')?;
    let digits = |t: &str| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(s) || !digits(n) {
        return None;
    }
    Some((s.parse().ok()?, n.parse().ok()?))
}

#[derive(Debug)]
struct Entry {
    stream: u64,
    n: u64,
    data: Vec<u8>,
}

/// One session's recorded events.
#[derive(Debug, Default)]
pub(crate) struct ReplayBuffer {
    events: VecDeque<Entry>,
    bytes: usize,
    next: u64,
    /// The highest counter value dropped (evicted, or too large to keep).
    lost_through: Option<u64>,
}

impl ReplayBuffer {
    /// A counter value for an event that is not kept (the priming event).
    pub(crate) fn next_id(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    /// Records one event of `stream`; returns its counter value. The limits are enforced
    /// before the data is kept: older events are evicted first, and an event larger than
    /// the whole budget is not kept at all.
    pub(crate) fn record(&mut self, config: &ReplayConfig, stream: u64, data: &[u8]) -> u64 {
        let n = self.next_id();
        if data.len() > config.max_bytes {
            self.lost_through = Some(n);
            self.events.clear();
            self.bytes = 0;
            return n;
        }
        while self.events.len() >= config.max_events.max(1)
            || self.bytes + data.len() > config.max_bytes
        {
            let Some(old) = self.events.pop_front() else {
                break;
            };
            self.bytes -= old.data.len();
            self.lost_through = Some(old.n);
        }
        self.bytes += data.len();
        self.events.push_back(Entry {
            stream,
            n,
            data: data.to_vec(),
        });
        n
    }

    /// The events of `stream` after counter `after`, oldest first; `None` when some event
    /// after it is no longer kept (the stream cannot be resumed without a hole).
    pub(crate) fn after(&self, stream: u64, after: u64) -> Option<Vec<(u64, Vec<u8>)>> {
        if after >= self.next || self.lost_through.is_some_and(|l| l > after) {
            return None;
        }
        Some(
            self.events
                .iter()
                .filter(|e| e.stream == stream && e.n > after)
                .map(|e| (e.n, e.data.clone()))
                .collect(),
        )
    }

    /// Events and bytes kept.
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        (self.events.len(), self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_junk_is_refused() {
        assert_eq!(parse_event_id(&format_event_id(3, 17)), Some((3, 17)));
        for bad in [
            "",
            "3",
            "3-",
            "-1",
            "a-1",
            "3-1-2",
            "3--1",
            "99999999999999999999999-1",
        ] {
            assert_eq!(parse_event_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn replays_only_the_stream_asked_for() {
        let c = ReplayConfig::default();
        let mut b = ReplayBuffer::default();
        let a0 = b.record(&c, 1, b"a0");
        b.record(&c, 2, b"b0");
        b.record(&c, 1, b"a1");
        let got = b.after(1, a0).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, b"a1");
        assert_eq!(b.after(2, a0).unwrap()[0].1, b"b0");
        assert!(b.after(1, 99).is_none(), "an id never issued");
    }

    #[test]
    fn limits_hold_and_eviction_ends_resumability() {
        let c = ReplayConfig {
            max_events: 2,
            max_bytes: 10,
        };
        let mut b = ReplayBuffer::default();
        let first = b.record(&c, 1, b"1234");
        let second = b.record(&c, 1, b"5678");
        b.record(&c, 1, b"9abc");
        assert_eq!(b.len(), (2, 8));
        assert!(
            b.after(1, first).is_some(),
            "nothing after `first` was lost"
        );
        b.record(&c, 1, b"defg");
        assert!(b.after(1, first).is_none(), "`second` was evicted");
        assert!(b.after(1, second).is_some());
        // Too large for the budget: not kept, and nothing before it can be resumed.
        let big = b.record(&c, 1, &[0; 11]);
        assert_eq!(b.len(), (0, 0));
        assert!(b.after(1, big - 1).is_none());
        assert_eq!(b.after(1, big), Some(Vec::new()));
    }
}
