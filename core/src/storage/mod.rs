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
mod memory_value;

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

/// One operation of a batch, as [`WriteBatch::iter`] lends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchOp<'a> {
    /// Set the key to the value.
    Put(&'a [u8], &'a [u8]),
    /// Remove the key (no error if absent).
    Delete(&'a [u8]),
}

/// Where one operation's bytes lie in the batch's buffer: the key in `start..key_end`, the
/// value (a put's) in `key_end..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpAt {
    put: bool,
    start: usize,
    key_end: usize,
    end: usize,
}

/// Puts and deletes applied together, atomically, by [`Storage::write`].
///
/// Every key and value is copied into one buffer: a transaction's batch is a dozen short keys,
/// and a heap block for each was a good part of a small transaction's time. (Inside the crate,
/// transactions encode their keys straight into the buffer.)
///
/// ```
/// use dfdb_core::storage::{BatchOp, WriteBatch};
/// let mut b = WriteBatch::new();
/// b.put(b"k", b"v");
/// b.delete(b"gone");
/// let ops: Vec<BatchOp> = b.iter().collect();
/// assert_eq!(ops, [BatchOp::Put(b"k", b"v"), BatchOp::Delete(b"gone")]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    bytes: Vec<u8>,
    ops: Vec<OpAt>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for `ops` more operations of `bytes` bytes of keys and values in all.
    pub fn reserve(&mut self, ops: usize, bytes: usize) {
        self.ops.reserve(ops);
        self.bytes.reserve(bytes);
    }

    /// Adds a put.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key.as_ref());
        self.push(true, start, value.as_ref());
    }

    /// Adds a delete.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key.as_ref());
        self.push(false, start, &[]);
    }

    /// Adds a put whose key `key` appends to the buffer it is given (and must only append). If
    /// it fails, the batch is left as it was.
    pub(crate) fn put_with(
        &mut self,
        key: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
        value: &[u8],
    ) -> crate::Result<()> {
        self.add_with(true, key, value)
    }

    /// Adds a delete whose key `key` appends to the buffer it is given (and must only append). If
    /// it fails, the batch is left as it was.
    pub(crate) fn delete_with(
        &mut self,
        key: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        self.add_with(false, key, &[])
    }

    fn add_with(
        &mut self,
        put: bool,
        key: impl FnOnce(&mut Vec<u8>) -> crate::Result<()>,
        value: &[u8],
    ) -> crate::Result<()> {
        let start = self.bytes.len();
        if let Err(e) = key(&mut self.bytes) {
            self.bytes.truncate(start);
            return Err(e);
        }
        debug_assert!(self.bytes.len() >= start, "a key writer removed bytes");
        self.push(put, start, value);
        Ok(())
    }

    /// Records the operation whose key starts at `start` and ends at the buffer's end.
    fn push(&mut self, put: bool, start: usize, value: &[u8]) {
        let key_end = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.ops.push(OpAt {
            put,
            start,
            key_end,
            end: self.bytes.len(),
        });
    }

    /// Adds `other`'s operations after this batch's.
    pub fn append(&mut self, other: &WriteBatch) {
        for op in other.iter() {
            match op {
                BatchOp::Put(k, v) => self.put(k, v),
                BatchOp::Delete(k) => self.delete(k),
            }
        }
    }

    /// The operations, in the order they apply.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = BatchOp<'_>> + '_ {
        self.ops.iter().map(|op| {
            let key = self.bytes.get(op.start..op.key_end).unwrap_or(&[]);
            if op.put {
                BatchOp::Put(key, self.bytes.get(op.key_end..op.end).unwrap_or(&[]))
            } else {
                BatchOp::Delete(key)
            }
        })
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

impl core::fmt::Debug for WriteBatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{err, Error};
    use alloc::vec;

    fn ops(b: &WriteBatch) -> Vec<BatchOp<'_>> {
        b.iter().collect()
    }

    #[test]
    fn batch_ops_keep_their_order_keys_and_values() {
        let mut b = WriteBatch::new();
        b.put(b"k1", b"v1");
        b.delete(b"");
        b.put(b"", b"");
        b.delete(vec![9u8; 50]);
        b.put(b"k2", b"a much longer value than the key");
        assert_eq!(b.len(), 5);
        let long = [9u8; 50];
        assert_eq!(
            ops(&b),
            [
                BatchOp::Put(b"k1", b"v1"),
                BatchOp::Delete(b""),
                BatchOp::Put(b"", b""),
                BatchOp::Delete(&long),
                BatchOp::Put(b"k2", b"a much longer value than the key"),
            ]
        );
        let mut c = WriteBatch::new();
        c.delete(b"first");
        c.append(&b);
        assert_eq!(c.len(), 6);
        assert_eq!(ops(&c)[0], BatchOp::Delete(b"first"));
        assert_eq!(&ops(&c)[1..], &ops(&b)[..]);
    }

    /// A key writer that fails after writing part of its key leaves the batch as it was, and the
    /// operations after it are whole.
    #[test]
    fn a_failed_key_writer_leaves_the_batch_as_it_was() {
        let mut b = WriteBatch::new();
        b.put(b"before", b"1");
        let before = b.clone();
        let failed: Result<(), Error> = b.put_with(
            |k| {
                k.extend_from_slice(b"half a key");
                Err(err!(Type, "no"))
            },
            b"value",
        );
        assert!(failed.is_err());
        assert!(b
            .delete_with(|k| {
                k.push(7);
                Err(err!(Type, "no"))
            })
            .is_err());
        assert_eq!(b, before);
        b.put_with(
            |k| {
                k.extend_from_slice(b"after");
                Ok(())
            },
            b"2",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        b.delete_with(|k| {
            k.push(3);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ops(&b),
            [
                BatchOp::Put(b"before", b"1"),
                BatchOp::Put(b"after", b"2"),
                BatchOp::Delete(&[3]),
            ]
        );
    }
}
