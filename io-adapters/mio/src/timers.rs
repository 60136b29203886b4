//! The reactor's timers: a binary heap of deadlines with lazy deletion.
//!
//! A connection has at most one *armed* entry, its earliest pushed deadline. When its deadline
//! moves later (an idle timeout pushed back by every read), nothing is pushed: the armed entry
//! fires early, finds the connection not yet due, and re-arms at the new deadline. When it moves
//! earlier, a new entry is pushed and the old one goes stale (its generation or time no longer
//! matches) and is skipped when it comes up. So the heap holds about one entry per connection.

use core::cmp::Reverse;
use std::collections::BinaryHeap;

use fasterapi_core::Timestamp;

/// One entry: when, which slot, and which connection in that slot (slots are reused).
type Entry = Reverse<(Timestamp, usize, u64)>;

#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Entry>,
}

impl Timers {
    pub(crate) fn push(&mut self, at: Timestamp, key: usize, generation: u64) {
        self.heap.push(Reverse((at, key, generation)));
    }

    /// The earliest entry's time (maybe stale: waking for it is harmless).
    pub(crate) fn next(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The next entry due at `now`.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<(Timestamp, usize, u64)> {
        if self.next()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse(entry)| entry)
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Drops every entry `keep` rejects (the stale ones), when the heap has grown.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(Timestamp, usize, u64) -> bool) {
        self.heap
            .retain(|Reverse((at, key, generation))| keep(*at, *key, *generation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_only_when_due() {
        let mut t = Timers::default();
        t.push(Timestamp::from_millis(30), 1, 1);
        t.push(Timestamp::from_millis(10), 2, 2);
        t.push(Timestamp::from_millis(20), 3, 3);
        assert_eq!(t.next(), Some(Timestamp::from_millis(10)));
        assert_eq!(t.pop_due(Timestamp::from_millis(5)), None);
        let now = Timestamp::from_millis(25);
        assert_eq!(t.pop_due(now), Some((Timestamp::from_millis(10), 2, 2)));
        assert_eq!(t.pop_due(now), Some((Timestamp::from_millis(20), 3, 3)));
        assert_eq!(t.pop_due(now), None);
        t.retain(|_, key, _| key != 1);
        assert_eq!(t.len(), 0);
    }
}
