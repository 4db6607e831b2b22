//! Durable storage on RocksDB: one key space, the index tag byte first (see `docs/ARCHITECTURE.md`,
//! "RocksDB layout").

use crate::rocksdb_options::{RocksDbOptions, PREFIX_LEN};
use dfdb_core::storage::{
    prefix_successor, BatchOp, Cursor, Direction, EntryIter, KeyRange, ReadStorage, Storage,
    Visitor, WriteBatch,
};
use dfdb_core::{Error, Result};
use rocksdb::{DBRawIteratorWithThreadMode, IteratorMode, ReadOptions, DB};
use std::path::Path;
use std::sync::Arc;

/// A [`Storage`] kept in a RocksDB database directory.
///
/// - [`Storage::write`] is one RocksDB `WriteBatch`: atomic, and durable when it returns if
///   [`RocksDbOptions::sync`] is on (the default).
/// - [`Storage::snapshot`] is a RocksDB snapshot: O(1), it pins the state without copying it.
/// - Scans are lazy RocksDB iterators bounded by the range (`iterate_lower_bound` /
///   `iterate_upper_bound`), forward or reverse; visits lend a raw iterator's entries without
///   copying them, and a cursor keeps one raw iterator for a whole run of visits.
/// - [`Storage::close`] releases the database and its directory lock; snapshots taken before keep
///   reading their state and hold the files open until they are dropped.
///
/// ```
/// use dfdb::{RocksDbOptions, RocksDbStorage};
/// use dfdb::storage::{ReadStorage, Storage, WriteBatch};
/// let dir = std::env::temp_dir().join(format!("dfdb-doc-{}", std::process::id()));
/// let mut s = RocksDbStorage::open(&RocksDbOptions::new(&dir)).unwrap();
/// let mut b = WriteBatch::new();
/// b.put(b"k".to_vec(), b"v".to_vec());
/// s.write(b).unwrap();
/// s.close().unwrap();
/// let s = RocksDbStorage::open(&RocksDbOptions::new(&dir)).unwrap();
/// assert_eq!(s.get(b"k").unwrap(), Some(b"v".to_vec()));
/// drop(s);
/// RocksDbStorage::destroy(&dir).unwrap();
/// ```
pub struct RocksDbStorage {
    /// The database, or `None` once closed.
    db: Option<Arc<DB>>,
    options: RocksDbOptions,
}

impl std::fmt::Debug for RocksDbStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbStorage")
            .field("path", &self.options.path)
            .field("open", &self.db.is_some())
            .finish()
    }
}

/// What [`RocksDbStorage::stats`] reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RocksDbStats {
    /// RocksDB's estimate of the number of keys (`rocksdb.estimate-num-keys`).
    pub estimated_keys: u64,
    /// Bytes of the SST files the current version uses (`rocksdb.live-sst-files-size`).
    pub live_sst_bytes: u64,
    /// Bytes of the memtables, active and immutable (`rocksdb.cur-size-all-mem-tables`).
    pub memtable_bytes: u64,
    /// RocksDB's own multi-line report (`rocksdb.stats`).
    pub rocksdb_stats: String,
}

/// Maps a RocksDB error to kind `io`, with its message.
fn io(context: &str, e: rocksdb::Error) -> Error {
    Error::Io(format!("rocksdb: {context}: {}", e.into_string()))
}

fn closed(path: &Path) -> Error {
    Error::Closed(format!("rocksdb storage at {} is closed", path.display()))
}

impl RocksDbStorage {
    /// Opens (by default creating) the database described by `options`.
    ///
    /// Fails with kind `io` when the path is empty or unusable, when the database is missing and
    /// [`RocksDbOptions::create_if_missing`] is off, and when the database is already open, in
    /// this process or another (the message names the path and says it is in use).
    pub fn open(options: &RocksDbOptions) -> Result<Self> {
        let path = &options.path;
        if path.as_os_str().is_empty() {
            return Err(Error::Io(String::from(
                "rocksdb: no database path given (RocksDbOptions::path is empty)",
            )));
        }
        let db = DB::open(&options.to_rocksdb(), path).map_err(|e| {
            let msg = e.into_string();
            if msg.to_ascii_lowercase().contains("lock") {
                Error::Io(format!(
                    "database {} is in use (already open in this or another process): {msg}",
                    path.display()
                ))
            } else {
                Error::Io(format!("rocksdb: opening {}: {msg}", path.display()))
            }
        })?;
        Ok(RocksDbStorage {
            db: Some(Arc::new(db)),
            options: options.clone(),
        })
    }

    /// Deletes the database at `path` and its files. The database must not be open.
    pub fn destroy(path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        DB::destroy(&rocksdb::Options::default(), path)
            .map_err(|e| io(&format!("destroying {}", path.display()), e))
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.options.path
    }

    /// The options it was opened with.
    pub fn options(&self) -> &RocksDbOptions {
        &self.options
    }

    fn db(&self) -> Result<&Arc<DB>> {
        self.db.as_ref().ok_or_else(|| closed(&self.options.path))
    }

    /// Writes an online backup of the current state to `dir` (which must not exist yet): a
    /// RocksDB checkpoint, hard-linking SST files where the file system allows. Open the copy as
    /// any other database.
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let db = self.db()?;
        let cp =
            rocksdb::checkpoint::Checkpoint::new(db).map_err(|e| io("creating a checkpoint", e))?;
        cp.create_checkpoint(dir)
            .map_err(|e| io(&format!("writing a checkpoint to {}", dir.display()), e))
    }

    /// Size and activity figures.
    pub fn stats(&self) -> Result<RocksDbStats> {
        let db = self.db()?;
        let int = |name: &rocksdb::properties::PropName| -> Result<u64> {
            Ok(db
                .property_int_value(name)
                .map_err(|e| io("reading a property", e))?
                .unwrap_or(0))
        };
        Ok(RocksDbStats {
            estimated_keys: int(rocksdb::properties::ESTIMATE_NUM_KEYS)?,
            live_sst_bytes: int(rocksdb::properties::LIVE_SST_FILES_SIZE)?,
            memtable_bytes: int(rocksdb::properties::CUR_SIZE_ALL_MEM_TABLES)?,
            rocksdb_stats: db
                .property_value(rocksdb::properties::STATS)
                .map_err(|e| io("reading stats", e))?
                .unwrap_or_default(),
        })
    }
}

/// Read options and start mode for a scan of `range`, or `None` when the range is empty.
fn scan_plan(
    range: &KeyRange,
    direction: Direction,
    prefix_mode: bool,
) -> Option<(ReadOptions, IteratorMode<'_>)> {
    if range
        .end
        .as_deref()
        .is_some_and(|end| end <= range.start.as_slice())
    {
        return None;
    }
    let mut ro = ReadOptions::default();
    if !range.start.is_empty() {
        ro.set_iterate_lower_bound(range.start.clone());
    }
    if let Some(end) = &range.end {
        ro.set_iterate_upper_bound(end.clone());
    }
    // Prefix mode (Bloom-filtered seeks) only when every key of the range shares the extractor's
    // prefix, so the result is the same as a total-order scan.
    let one_prefix = prefix_mode
        && direction == Direction::Forward
        && range.start.len() >= PREFIX_LEN
        && range.end == prefix_successor(&range.start);
    if one_prefix {
        ro.set_prefix_same_as_start(true);
    } else {
        ro.set_total_order_seek(true);
    }
    let mode = match direction {
        Direction::Forward => IteratorMode::From(&range.start, rocksdb::Direction::Forward),
        Direction::Reverse => IteratorMode::End,
    };
    Some((ro, mode))
}

/// A RocksDB iterator as an [`EntryIter`].
fn entries<'a, I>(iter: I) -> EntryIter<'a>
where
    I: Iterator<Item = std::result::Result<(Box<[u8]>, Box<[u8]>), rocksdb::Error>> + 'a,
{
    Box::new(iter.map(|r| {
        r.map(|(k, v)| (k.into_vec(), v.into_vec()))
            .map_err(|e| io("scanning", e))
    }))
}

/// Lends the entries of `range` from `it` to `f` until it returns false: a raw iterator's keys
/// and values are read in place, not copied as a scan's are.
fn visit_raw(
    it: &mut DBRawIteratorWithThreadMode<'_, DB>,
    range: &KeyRange,
    f: &mut Visitor<'_>,
) -> Result<()> {
    let end = range.end.as_deref();
    if end.is_some_and(|end| end <= range.start.as_slice()) {
        return Ok(());
    }
    it.seek(&range.start);
    while let (Some(k), Some(v)) = (it.key(), it.value()) {
        if end.is_some_and(|end| k >= end) || !f(k, v)? {
            break;
        }
        it.next();
    }
    it.status().map_err(|e| io("scanning", e))
}

/// A RocksDB raw iterator kept across visits ([`ReadStorage::cursor`]): each visit seeks it
/// instead of opening an iterator (which takes a reference on the current version and allocates
/// each time: most of a per-row probe's cost). Its seeks are in total order, so one iterator
/// serves every prefix, and none of them uses the prefix Bloom filter (a lone
/// [`ReadStorage::visit`] of one prefix still does).
struct RawCursor<'a> {
    it: DBRawIteratorWithThreadMode<'a, DB>,
}

impl<'a> RawCursor<'a> {
    /// A cursor reading `db` through `ro` (with a snapshot set, for a snapshot's cursor).
    fn new(db: &'a DB, mut ro: ReadOptions) -> Self {
        ro.set_total_order_seek(true);
        RawCursor {
            it: db.raw_iterator_opt(ro),
        }
    }
}

impl Cursor for RawCursor<'_> {
    fn visit(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        visit_raw(&mut self.it, &range, f)
    }
}

/// The cursor of a closed store: its visits fail as the store's own do.
struct ClosedCursor<'a>(&'a RocksDbStorage);

impl Cursor for ClosedCursor<'_> {
    fn visit(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        self.0.visit(range, f)
    }
}

impl ReadStorage for RocksDbStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db()?.get(key).map_err(|e| io("reading", e))
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        let db = self.db()?;
        match scan_plan(&range, direction, self.options.prefix_mode()) {
            None => Ok(Box::new(std::iter::empty())),
            Some((ro, mode)) => Ok(entries(db.iterator_opt(mode, ro))),
        }
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        let db = self.db()?;
        match scan_plan(&range, Direction::Forward, self.options.prefix_mode()) {
            None => Ok(()),
            Some((ro, _)) => visit_raw(&mut db.raw_iterator_opt(ro), &range, f),
        }
    }

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        match self.db() {
            Ok(db) => Box::new(RawCursor::new(db, ReadOptions::default())),
            Err(_) => Box::new(ClosedCursor(self)),
        }
    }
}

impl Storage for RocksDbStorage {
    /// One RocksDB `WriteBatch`, synced to the WAL before returning when [`RocksDbOptions::sync`].
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        let db = self.db()?;
        if batch.is_empty() {
            return Ok(());
        }
        let mut wb = rocksdb::WriteBatch::default();
        for op in batch.iter() {
            match op {
                BatchOp::Put(k, v) => wb.put(k, v),
                BatchOp::Delete(k) => wb.delete(k),
            }
        }
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(self.options.sync);
        db.write_opt(wb, &wo).map_err(|e| io("writing", e))
    }

    /// A RocksDB snapshot that owns a handle on the database.
    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        let db = Arc::clone(self.db()?);
        Ok(Box::new(RocksDbSnapshot {
            cell: SnapshotCell::new(db, |db| db.snapshot()),
            prefix_mode: self.options.prefix_mode(),
        }))
    }

    /// Compacts the whole key range.
    fn compact(&mut self) -> Result<()> {
        self.db()?.compact_range::<&[u8], &[u8]>(None, None);
        Ok(())
    }

    /// Syncs the WAL (when writes were not synced), then drops this handle on the database, which
    /// releases its lock unless snapshots are still alive. Idempotent.
    fn close(&mut self) -> Result<()> {
        if let Some(db) = self.db.take() {
            if !self.options.sync {
                db.flush_wal(true).map_err(|e| io("syncing the WAL", e))?;
            }
        }
        Ok(())
    }
}

type DbSnapshot<'a> = rocksdb::SnapshotWithThreadMode<'a, DB>;

self_cell::self_cell!(
    /// A RocksDB snapshot together with the database handle it borrows.
    struct SnapshotCell {
        owner: Arc<DB>,
        #[covariant]
        dependent: DbSnapshot,
    }
);

/// A point-in-time view of a [`RocksDbStorage`].
struct RocksDbSnapshot {
    cell: SnapshotCell,
    prefix_mode: bool,
}

impl ReadStorage for RocksDbSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.cell
            .with_dependent(|_, snap| snap.get(key))
            .map_err(|e| io("reading a snapshot", e))
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        match scan_plan(&range, direction, self.prefix_mode) {
            None => Ok(Box::new(std::iter::empty())),
            Some((mut ro, mode)) => {
                // The iterator borrows the database through `self`, and `self` keeps the snapshot
                // alive, so the read options may point at it.
                self.cell.with_dependent(|_, snap| ro.set_snapshot(snap));
                Ok(entries(self.cell.borrow_owner().iterator_opt(mode, ro)))
            }
        }
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        match scan_plan(&range, Direction::Forward, self.prefix_mode) {
            None => Ok(()),
            Some((mut ro, _)) => {
                // As in `scan`: `self` keeps the snapshot alive while the iterator reads.
                self.cell.with_dependent(|_, snap| ro.set_snapshot(snap));
                let mut it = self.cell.borrow_owner().raw_iterator_opt(ro);
                visit_raw(&mut it, &range, f)
            }
        }
    }

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        let mut ro = ReadOptions::default();
        self.cell.with_dependent(|_, snap| ro.set_snapshot(snap));
        Box::new(RawCursor::new(self.cell.borrow_owner(), ro))
    }
}
