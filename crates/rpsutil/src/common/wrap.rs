//! Counter-wrap ("nowrap") bookkeeping for `disk_io_counters` and `net_io_counters`
//! (psutil's `_common._WrapNumbers`).
//!
//! Kernel counters can go backwards: 32-bit counters wrap, and a driver reload or a
//! device removed and re-added restarts them from 0. psutil's rule, kept here: when a
//! field's new raw value is below the previous raw value, the previous raw value is
//! added to an accumulated offset for that (name, field), assuming the counter
//! restarted from 0. The value returned is raw + offset, so it never decreases.
//! Names that vanish drop their offsets; new names start with none.

use std::collections::HashMap;
use std::hash::Hash;

/// Tracks several named counter vectors (one per disk or NIC).
#[derive(Debug, Default, Clone)]
pub struct WrapTracker<K: Eq + Hash + Clone> {
    last: HashMap<K, Vec<u64>>,
    offset: HashMap<K, Vec<u64>>,
}

impl<K: Eq + Hash + Clone> WrapTracker<K> {
    /// An empty tracker.
    pub fn new() -> Self {
        WrapTracker {
            last: HashMap::new(),
            offset: HashMap::new(),
        }
    }

    /// Forgets every name (psutil's `cache_clear()`).
    pub fn clear(&mut self) {
        self.last.clear();
        self.offset.clear();
    }

    /// Adjusts one sample: `raw` maps each name to its counters (same length and
    /// order each call for a name). Returns the wrap-corrected counters.
    pub fn update(&mut self, raw: Vec<(K, Vec<u64>)>) -> Vec<(K, Vec<u64>)> {
        let mut out = Vec::with_capacity(raw.len());
        let mut seen = HashMap::with_capacity(raw.len());
        for (name, values) in raw {
            let offsets = self.offset.entry(name.clone()).or_default();
            if offsets.len() != values.len() {
                offsets.clear();
                offsets.resize(values.len(), 0);
            }
            if let Some(prev) = self.last.get(&name) {
                if prev.len() == values.len() {
                    for (i, (&new, &old)) in values.iter().zip(prev.iter()).enumerate() {
                        if new < old {
                            offsets[i] = offsets[i].saturating_add(old);
                        }
                    }
                }
            }
            let adjusted: Vec<u64> = values
                .iter()
                .zip(offsets.iter())
                .map(|(&v, &o)| v.saturating_add(o))
                .collect();
            seen.insert(name.clone(), values);
            out.push((name, adjusted));
        }
        self.offset.retain(|k, _| seen.contains_key(k));
        self.last = seen;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_restarts() {
        let mut t = WrapTracker::new();
        let s = |v: u64, w: u64| vec![("eth0".to_string(), vec![v, w])];
        assert_eq!(t.update(s(100, 5))[0].1, vec![100, 5]);
        assert_eq!(t.update(s(150, 6))[0].1, vec![150, 6]);
        // First field restarted from 0 (or wrapped): 150 is carried.
        assert_eq!(t.update(s(10, 7))[0].1, vec![160, 7]);
        assert_eq!(t.update(s(20, 8))[0].1, vec![170, 8]);
        // A second restart accumulates.
        assert_eq!(t.update(s(5, 9))[0].1, vec![175, 9]);
        // The NIC vanishes: its offsets go; it comes back fresh.
        assert!(t.update(vec![]).is_empty());
        assert_eq!(t.update(s(1, 1))[0].1, vec![1, 1]);
    }

    #[test]
    fn names_are_independent() {
        let mut t = WrapTracker::new();
        t.update(vec![("a", vec![10]), ("b", vec![10])]);
        let out = t.update(vec![("a", vec![1]), ("b", vec![11])]);
        assert_eq!(out, vec![("a", vec![11]), ("b", vec![11])]);
        t.clear();
        assert_eq!(t.update(vec![("a", vec![1])]), vec![("a", vec![1])]);
    }
}
