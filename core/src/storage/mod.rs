//! The storage trait: an ordered map of byte keys to byte values, and nothing more.
//!
//! Everything above this layer talks to storage only through [`Storage`], so the same database runs on
//! [`MemoryStorage`], on RocksDB (crate `dfdb`) and on browser persistence (crate `dfdb-web`).
//!
//! # Contract
//! - Keys and values are arbitrary byte strings; keys order bytewise (lexicographic, unsigned).
//! - [`Storage::write`] applies a whole [`WriteBatch`] atomically: after it returns `Ok`, every put and
//!   delete in it is visible; after it returns `Err`, none is. Within one batch, later operations on the
//!   same key win.
//! - [`ReadStorage::scan`] yields the entries whose keys lie in the [`KeyRange`], in key order
//!   ([`Direction::Forward`]) or reverse key order ([`Direction::Reverse`]), lazily.
//! - [`Storage::snapshot`] returns a read view that keeps showing the state at the time it was taken,
//!   whatever is written later.
//! - After [`Storage::close`], every call (but `close` itself, which is idempotent) fails with an error
//!   of kind `closed`.

#[cfg(any(test, feature = "testing"))]
pub mod conformance;
mod journal;
mod memory;
mod memory_key;
mod memory_tree;

pub use journal::{Journal, JournalStorage};
pub use memory::MemoryStorage;

use crate::Result;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// One key/value entry.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A lazy iterator over entries; each item may fail (e.g. an I/O error mid-scan).
pub type EntryIter<'a> = Box<dyn Iterator<Item = Result<Entry>> + 'a>;

/// What [`ReadStorage::visit`] calls with each entry (key, value); it returns whether to go on.
pub type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool> + 'a;

/// Scan order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// A half-open key range `[start, end)`; `end: None` means unbounded above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// Inclusive lower bound.
    pub start: Vec<u8>,
    /// Exclusive upper bound, or `None` for no upper bound.
    pub end: Option<Vec<u8>>,
}

impl KeyRange {
    /// Every key that starts with `prefix`.
    ///
    /// ```
    /// use dfdb_core::storage::KeyRange;
    /// let r = KeyRange::prefix(&[1, 0xff]);
    /// assert_eq!(r.start, vec![1, 0xff]);
    /// assert_eq!(r.end, Some(vec![2]));
    /// assert!(r.contains(&[1, 0xff, 7]) && !r.contains(&[2]));
    /// ```
    pub fn prefix(prefix: &[u8]) -> Self {
        KeyRange {
            start: prefix.to_vec(),
            end: prefix_successor(prefix),
        }
    }

    /// Every key `k` with `start <= k < end`.
    pub fn between(start: &[u8], end: &[u8]) -> Self {
        KeyRange {
            start: start.to_vec(),
            end: Some(end.to_vec()),
        }
    }

    /// Every key.
    pub fn all() -> Self {
        KeyRange {
            start: Vec::new(),
            end: None,
        }
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && self.end.as_deref().is_none_or(|e| key < e)
    }
}

/// The smallest key greater than every key starting with `prefix`, or `None` if there is none
/// (the prefix is empty or all `0xff`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    into_successor(prefix.to_vec())
}

/// [`prefix_successor`] of `prefix`, made in its own buffer (no copy).
pub fn into_successor(mut prefix: Vec<u8>) -> Option<Vec<u8>> {
    while let Some(last) = prefix.pop() {
        if last < 0xff {
            prefix.push(last + 1);
            return Some(prefix);
        }
    }
    None
}

/// One operation of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchOp {
    /// Set `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Remove `key` (no error if absent).
    Delete(Vec<u8>),
}

/// Puts and deletes applied together, atomically, by [`Storage::write`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// The operations, applied in order.
    pub ops: Vec<BatchOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `n` operations.
    pub fn with_capacity(n: usize) -> Self {
        WriteBatch {
            ops: Vec::with_capacity(n),
        }
    }

    /// Adds a put.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(BatchOp::Put(key, value));
    }

    /// Adds a delete.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.ops.push(BatchOp::Delete(key));
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch holds no operation.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Reads: what both a live storage and a snapshot offer.
pub trait ReadStorage {
    /// The value stored under `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// The entries in `range`, lazily, in the given direction.
    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>>;

    /// Calls `f` with each entry in `range`, in ascending key order, until `f` returns `false`:
    /// the entries of a forward [`scan`](Self::scan), lent instead of copied, for hot read paths
    /// (a query's index probes). The provided version goes through `scan`.
    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        for entry in self.scan(range, Direction::Forward)? {
            let (k, v) = entry?;
            if !f(&k, &v)? {
                break;
            }
        }
        Ok(())
    }

    /// A cursor for a run of visits (see [`Cursor`]). The provided one makes each visit a
    /// [`visit`](Self::visit).
    fn cursor(&self) -> Box<dyn Cursor + '_> {
        Box::new(Visits(self))
    }
}

/// Visits of one store, for a reader that probes many ranges one after the other, mostly near
/// each other and in ascending order (a query's probe per row, rows in entity order). A store may
/// start each visit from where the last one ended instead of from the top of its index.
pub trait Cursor {
    /// As [`ReadStorage::visit`].
    fn visit(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()>;
}

/// The provided [`Cursor`]: plain visits.
struct Visits<'a, S: ?Sized>(&'a S);

impl<S: ReadStorage + ?Sized> Cursor for Visits<'_, S> {
    fn visit(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        self.0.visit(range, f)
    }
}

/// An ordered key/value store. See the module docs for the contract.
pub trait Storage: ReadStorage {
    /// Applies every operation of `batch` atomically.
    fn write(&mut self, batch: WriteBatch) -> Result<()>;

    /// A consistent read view of the current state, unaffected by later writes.
    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>>;

    /// Lets the store reclaim space (a no-op where there is nothing to do).
    fn compact(&mut self) -> Result<()>;

    /// Closes the store. Idempotent; any other call afterwards fails with kind `closed`.
    fn close(&mut self) -> Result<()>;
}
