//! In-memory storage: one sorted map ([`Tree`](super::memory_tree::Tree), a B+ tree) per leading
//! key byte, each shared copy-on-write with the snapshots, keyed by
//! [`Key`](super::memory_key::Key) (byte order, short keys inline).
//!
//! One map per leading byte, not one for everything: dfdb's key spaces (indexes, history,
//! counters, statistics) each start with their own byte, and a transaction touches every one. In
//! one map of all of them each write descended past the other spaces' entries — a one-datom
//! transaction rewrites the counters and statistics entries, a few keys among hundreds of
//! thousands — and a snapshot's first write copied them all.

use super::memory_key::Key;
use super::memory_tree::{Finger, Tree};
use super::memory_value::Bytes;
use super::{
    BatchOp, Cursor, Direction, EntryIter, KeyRange, ReadStorage, Storage, Visitor, WriteBatch,
};
use crate::{Error, Result};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

type Map = Tree;

/// The entries, split by leading byte: `parts[b]` holds the keys starting with `b` (and `parts[0]`
/// also the empty key, which sorts before them). Missing trailing parts are empty.
type Parts = Vec<Arc<Map>>;

/// A [`Storage`] held entirely in memory: nothing survives the process.
///
/// # Costs
/// The entries live in one B+ tree per leading key byte, each behind an [`Arc`], the list of them
/// behind another. [`Storage::snapshot`] is O(1): it clones the outer `Arc`. While a snapshot is
/// alive, the first [`Storage::write`] to touch a map copies that map (O(n) time and memory in its
/// entries, via [`Arc::make_mut`]); every other write is O(log n) per operation. Writes with no
/// live snapshot never copy.
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
    parts: Option<Arc<Parts>>,
}

impl MemoryStorage {
    /// An empty, open store.
    pub fn new() -> Self {
        MemoryStorage {
            parts: Some(Arc::new(Vec::new())),
        }
    }

    /// The number of entries (an error of kind `closed` after close).
    pub fn len(&self) -> Result<usize> {
        Ok(self.open()?.iter().map(|m| m.len()).sum())
    }

    /// Whether the store holds no entry (an error of kind `closed` after close).
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.open()?.iter().all(|m| m.is_empty()))
    }

    fn open(&self) -> Result<&Arc<Parts>> {
        self.parts.as_ref().ok_or_else(closed)
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
    parts: Arc<Parts>,
}

/// The part holding `key`.
fn part_of(key: &[u8]) -> usize {
    key.first().map_or(0, |&b| usize::from(b))
}

fn get(parts: &Parts, key: &[u8]) -> Result<Option<Vec<u8>>> {
    let Some(map) = parts.get(part_of(key)) else {
        return Ok(None);
    };
    Ok(map.get(&Key::from_slice(key)).map(Bytes::to_vec))
}

/// A non-empty range: its bounds and the parts it spans.
struct Span {
    start: Key,
    end: Option<Key>,
    /// Every part from `first` to `last` inclusive may hold keys of the range.
    first: usize,
    last: usize,
}

impl Span {
    fn of(range: KeyRange) -> Option<Span> {
        let first = part_of(&range.start);
        let last = match range.end.as_deref() {
            Some(end) if end <= range.start.as_slice() => return None,
            // `[b]` excludes every key starting with `b` (all are at least `[b]`); the empty key,
            // in part 0, is below `[0]`.
            Some([b]) => usize::from(*b).saturating_sub(1),
            Some(end) => part_of(end),
            None => usize::from(u8::MAX),
        };
        (first <= last).then(|| Span {
            start: Key::new(range.start),
            end: range.end.map(Key::new),
            first,
            last,
        })
    }

    fn range<'m>(&self, map: &'m Map, forward: bool) -> super::memory_tree::Range<'m> {
        map.range(&self.start, self.end.as_ref(), forward)
    }

    /// The maps the range spans, in key order.
    fn parts<'p>(&self, parts: &'p Parts) -> &'p [Arc<Map>] {
        let last = self.last.min(parts.len().saturating_sub(1));
        parts.get(self.first..=last).unwrap_or(&[])
    }
}

fn scan(parts: &Parts, range: KeyRange, direction: Direction) -> EntryIter<'_> {
    let Some(span) = Span::of(range) else {
        return Box::new(core::iter::empty());
    };
    let maps = span.parts(parts);
    let entry = |(k, v): (&Key, &Bytes)| Ok((k.bytes().to_vec(), v.to_vec()));
    match direction {
        Direction::Forward => Box::new(
            maps.iter()
                .flat_map(move |m| span.range(m, true).map(entry)),
        ),
        Direction::Reverse => Box::new(
            maps.iter()
                .rev()
                .flat_map(move |m| span.range(m, false).map(entry)),
        ),
    }
}

fn visit(parts: &Parts, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
    match Span::of(range) {
        Some(span) => visit_span(parts, &span, f),
        None => Ok(()),
    }
}

fn visit_span(parts: &Parts, span: &Span, f: &mut Visitor<'_>) -> Result<()> {
    for map in span.parts(parts) {
        // A visit that stopped at the range's end stopped in the last part the range spans.
        if !map.visit(&span.start, span.end.as_ref(), f)? {
            break;
        }
    }
    Ok(())
}

/// The memory storage's [`Cursor`]: a range within one part is visited from a [`Finger`] kept
/// in that part's tree.
struct PartCursor<'s> {
    parts: &'s Parts,
    /// The part the finger is in, and the finger.
    finger: Option<(usize, Finger<'s>)>,
}

impl Cursor for PartCursor<'_> {
    fn visit(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        let Some(span) = Span::of(range) else {
            return Ok(());
        };
        let [map] = span.parts(self.parts) else {
            // No part, or several: rare (a range across key spaces); no finger for those.
            return visit_span(self.parts, &span, f);
        };
        let finger = match &mut self.finger {
            Some((part, finger)) if *part == span.first => finger,
            slot => &mut slot.insert((span.first, Finger::default())).1,
        };
        map.visit_near(finger, &span.start, span.end.as_ref(), f)?;
        Ok(())
    }
}

/// The cursor of a closed store: every visit fails, as the store's own do.
struct Closed;

impl Cursor for Closed {
    fn visit(&mut self, _: KeyRange, _: &mut Visitor<'_>) -> Result<()> {
        Err(closed())
    }
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

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        match self.open() {
            Ok(parts) => Box::new(PartCursor {
                parts,
                finger: None,
            }),
            // Closed: the plain visits say so.
            Err(_) => Box::new(Closed),
        }
    }
}

impl ReadStorage for MemorySnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get(&self.parts, key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        Ok(scan(&self.parts, range, direction))
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        visit(&self.parts, range, f)
    }

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        Box::new(PartCursor {
            parts: &self.parts,
            finger: None,
        })
    }
}

impl Storage for MemoryStorage {
    /// Applies the batch in order. Nothing in it can fail once the store is open, so it is atomic.
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        let arc = self.parts.as_mut().ok_or_else(closed)?;
        if batch.is_empty() {
            return Ok(());
        }
        let parts = Arc::make_mut(arc);
        for op in batch.iter() {
            let (key, value) = match op {
                BatchOp::Put(k, v) => (k, Some(v)),
                BatchOp::Delete(k) => (k, None),
            };
            let i = part_of(key);
            if i >= parts.len() {
                if value.is_none() {
                    continue;
                }
                parts.resize_with(i + 1, Default::default);
            }
            let map = Arc::make_mut(&mut parts[i]);
            match value {
                Some(v) => map.insert(Key::from_slice(key), Bytes::new(v)),
                None => {
                    map.remove(&Key::from_slice(key));
                }
            }
        }
        Ok(())
    }

    /// O(1); see the type's docs for the copy the next write may make.
    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        Ok(Box::new(MemorySnapshot {
            parts: Arc::clone(self.open()?),
        }))
    }

    fn compact(&mut self) -> Result<()> {
        self.open().map(|_| ())
    }

    /// Drops this handle's entries. Snapshots taken before keep their own view.
    fn close(&mut self) -> Result<()> {
        self.parts = None;
        Ok(())
    }
}
