//! The bounded LRU prepared-statement cache.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::event::Column;

/// One cached statement.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) sql: String,
    pub(crate) param_types: Vec<u32>,
    pub(crate) name: String,
    /// Columns once the Describe answered; `None` while the Parse is in flight.
    pub(crate) columns: Option<Arc<[Column]>>,
    last_used: u64,
}

/// Statements keyed by SQL text and parameter types, evicting the least recently used.
/// A linear scan: capacities are a few hundred, and a lookup costs less than the Bind it
/// saves a Parse for.
#[derive(Debug, Default)]
pub(crate) struct StatementCache {
    entries: Vec<Entry>,
    capacity: usize,
    clock: u64,
    next_name: u64,
}

impl StatementCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry for `sql`/`types`, marked used.
    pub(crate) fn get(&mut self, sql: &str, types: &[u32]) -> Option<&Entry> {
        self.clock += 1;
        let clock = self.clock;
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.sql == sql && e.param_types == types)?;
        e.last_used = clock;
        Some(e)
    }

    /// Adds a statement under a fresh name; returns the name and the evicted statement's
    /// name, which the caller closes on the server.
    pub(crate) fn insert(&mut self, sql: &str, types: &[u32]) -> (String, Option<String>) {
        let mut evicted = None;
        if self.entries.len() >= self.capacity {
            if let Some(i) = (0..self.entries.len()).min_by_key(|&i| self.entries[i].last_used) {
                evicted = Some(self.entries.swap_remove(i).name);
            }
        }
        self.next_name += 1;
        self.clock += 1;
        let name = alloc::format!("fasterapi_s{}", self.next_name);
        self.entries.push(Entry {
            sql: String::from(sql),
            param_types: Vec::from(types),
            name: name.clone(),
            columns: None,
            last_used: self.clock,
        });
        (name, evicted)
    }

    pub(crate) fn set_columns(&mut self, name: &str, columns: Arc<[Column]>) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.name == name) {
            e.columns = Some(columns);
        }
    }

    /// Forgets `name`; whether it was cached.
    pub(crate) fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.name != name);
        self.entries.len() != before
    }

    /// Forgets everything (after DISCARD ALL / DEALLOCATE ALL, which dropped them server-side).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_least_recently_used() {
        let mut c = StatementCache::new(2);
        let (a, _) = c.insert("a", &[]);
        let (_b, _) = c.insert("b", &[]);
        assert!(c.get("a", &[]).is_some()); // a is now newer than b
        let (_c, evicted) = c.insert("c", &[]);
        assert_eq!(evicted.as_deref(), Some("fasterapi_s2"));
        assert!(c.get("b", &[]).is_none());
        assert_eq!(c.get("a", &[]).map(|e| e.name.clone()), Some(a.clone()));
        assert!(
            c.get("a", &[23]).is_none(),
            "parameter types are part of the key"
        );
        assert!(c.remove(&a));
        assert_eq!(c.len(), 1);
        c.clear();
        assert_eq!(c.len(), 0);
    }
}
