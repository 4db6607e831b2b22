//! In-memory storage: a `BTreeMap` shared copy-on-write with its snapshots, keyed by
//! [`Key`](super::memory_key::Key) (byte order, short keys inline).

use super::memory_key::Key;
use super::{BatchOp, Direction, EntryIter, KeyRange, ReadStorage, Storage, Visitor, WriteBatch};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Bound;

type Map = BTreeMap<Key, Vec<u8>>;

/// A [`Storage`] held entirely in memory: nothing survives the process.
///
/// # Costs
/// The entries live in one `BTreeMap` behind an [`Arc`]. [`Storage::snapshot`] is O(1): it clones
/// the `Arc`. The first [`Storage::write`] after a snapshot, while that snapshot is still alive,
/// copies the whole map (O(n) time and memory, via [`Arc::make_mut`]); later writes are O(log n) per
/// operation again until the next snapshot. Writes with no live snapshot never copy.
///
/// ```
/// use dfdb_core::storage::{Direction, KeyRange, MemoryStorage, ReadStorage, Storage, WriteBatch};
/// let mut s = MemoryStorage::new();
/// let mut b = WriteBatch::new();
/// b.put(b"k1".to_vec(), b"v1".to_vec());
/// s.write(b).unwrap();
/// let snap = s.snapshot().unwrap();
/// let mut b = WriteBatch::new();
/// b.delete(b"k1".to_vec());
/// s.write(b).unwrap();
/// assert_eq!(s.get(b"k1").unwrap(), None);
/// assert_eq!(snap.get(b"k1").unwrap(), Some(b"v1".to_vec()));
/// assert_eq!(snap.scan(KeyRange::prefix(b"k"), Direction::Reverse).unwrap().count(), 1);
/// ```
#[derive(Debug)]
pub struct MemoryStorage {
    /// The entries, or `None` once closed.
    map: Option<Arc<Map>>,
}

impl MemoryStorage {
    /// An empty, open store.
    pub fn new() -> Self {
        MemoryStorage {
            map: Some(Arc::new(Map::new())),
        }
    }

    /// The number of entries (an error of kind `closed` after close).
    pub fn len(&self) -> Result<usize> {
        Ok(self.open()?.len())
    }

    /// Whether the store holds no entry (an error of kind `closed` after close).
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.open()?.is_empty())
    }

    fn open(&self) -> Result<&Arc<Map>> {
        self.map.as_ref().ok_or_else(closed)
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::new()
    }
}

fn closed() -> Error {
    Error::Closed(String::from("memory storage is closed"))
}

/// A read-only view of a [`MemoryStorage`] at one point in time.
#[derive(Clone, Debug)]
struct MemorySnapshot {
    map: Arc<Map>,
}

fn get(map: &Map, key: &[u8]) -> Result<Option<Vec<u8>>> {
    Ok(map.get(&Key::from_slice(key)).cloned())
}

/// `range` as `BTreeMap::range` bounds, or `None` when it is empty (and `BTreeMap::range` would
/// panic for a start past the end).
fn bounds(range: KeyRange) -> Option<(Bound<Key>, Bound<Key>)> {
    if range
        .end
        .as_deref()
        .is_some_and(|end| end <= range.start.as_slice())
    {
        return None;
    }
    let end = match range.end {
        Some(e) => Bound::Excluded(Key::new(e)),
        None => Bound::Unbounded,
    };
    Some((Bound::Included(Key::new(range.start)), end))
}

fn scan(map: &Map, range: KeyRange, direction: Direction) -> EntryIter<'_> {
    let Some(bounds) = bounds(range) else {
        return Box::new(core::iter::empty());
    };
    let iter = map
        .range(bounds)
        .map(|(k, v)| Ok((k.bytes().to_vec(), v.clone())));
    match direction {
        Direction::Forward => Box::new(iter),
        Direction::Reverse => Box::new(iter.rev()),
    }
}

fn visit(map: &Map, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
    let Some(bounds) = bounds(range) else {
        return Ok(());
    };
    for (k, v) in map.range(bounds) {
        if !f(k.bytes(), v)? {
            break;
        }
    }
    Ok(())
}

impl ReadStorage for MemoryStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get(self.open()?, key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        Ok(scan(self.open()?, range, direction))
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        visit(self.open()?, range, f)
    }
}

impl ReadStorage for MemorySnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get(&self.map, key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        Ok(scan(&self.map, range, direction))
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        visit(&self.map, range, f)
    }
}

impl Storage for MemoryStorage {
    /// Applies the batch in order. Nothing in it can fail once the store is open, so it is atomic.
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        let arc = self.map.as_mut().ok_or_else(closed)?;
        if batch.is_empty() {
            return Ok(());
        }
        let map = Arc::make_mut(arc);
        for op in batch.ops {
            match op {
                BatchOp::Put(k, v) => {
                    map.insert(Key::new(k), v);
                }
                BatchOp::Delete(k) => {
                    map.remove(&Key::new(k));
                }
            }
        }
        Ok(())
    }

    /// O(1); see the type's docs for the copy the next write may make.
    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        Ok(Box::new(MemorySnapshot {
            map: Arc::clone(self.open()?),
        }))
    }

    fn compact(&mut self) -> Result<()> {
        self.open().map(|_| ())
    }

    /// Drops this handle's entries. Snapshots taken before keep their own view.
    fn close(&mut self) -> Result<()> {
        self.map = None;
        Ok(())
    }
}
