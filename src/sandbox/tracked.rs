//! A map that remembers which keys a write touched, so that the store persists only those
//! entries (see `store`): the cost of a write does not grow with the size of the state.
//! Reading goes through `Deref` to the map; every way to change an entry goes through a method
//! here that records its key, and there is no `DerefMut`, so a change cannot go unrecorded.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone)]
pub struct Tracked<V> {
    map: BTreeMap<String, V>,
    dirty: BTreeSet<String>,
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Self {
            map: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<V> Deref for Tracked<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<V> Tracked<V> {
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let value = self.map.get_mut(key)?;
        self.dirty.insert(key.to_owned());
        Some(value)
    }

    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.dirty.insert(key.clone());
        self.map.insert(key, value)
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        let removed = self.map.remove(key)?;
        self.dirty.insert(key.to_owned());
        Some(removed)
    }

    /// The entry at `key`, made with `make` if missing.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        self.dirty.insert(key.to_owned());
        self.map.entry(key.to_owned()).or_insert_with(make)
    }

    /// The keys changed since the last call, each with its value now (`None`: removed).
    pub fn take_changes(&mut self) -> Vec<(String, Option<&V>)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .map(|k| {
                let v = self.map.get(&k);
                (k, v)
            })
            .collect()
    }

    /// Forgets which keys changed (after a write that failed and was not applied).
    pub fn forget_changes(&mut self) {
        self.dirty.clear();
    }

    /// Applies a persisted change (replaying the journal).
    pub fn restore(&mut self, key: String, value: Option<V>) {
        match value {
            Some(v) => self.map.insert(key, v),
            None => self.map.remove(&key),
        };
    }
}

impl<V: Serialize> Serialize for Tracked<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Tracked<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self {
            map: BTreeMap::deserialize(d)?,
            dirty: BTreeSet::new(),
        })
    }
}

impl<V> FromIterator<(String, V)> for Tracked<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Self {
            map: iter.into_iter().collect(),
            dirty: BTreeSet::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_recorded_once() {
        let mut m: Tracked<u32> = Tracked::default();
        m.insert("a".to_owned(), 1);
        m.insert("b".to_owned(), 2);
        *m.get_mut("a").expect("a") += 1;
        assert!(m.get_mut("missing").is_none());
        m.remove("b");
        let changes: Vec<(String, Option<u32>)> = m
            .take_changes()
            .into_iter()
            .map(|(k, v)| (k, v.copied()))
            .collect();
        assert_eq!(changes, [("a".to_owned(), Some(2)), ("b".to_owned(), None)]);
        assert!(m.take_changes().is_empty());
        let _ = m.get("a");
        assert!(m.take_changes().is_empty(), "reads are not changes");
    }
}
