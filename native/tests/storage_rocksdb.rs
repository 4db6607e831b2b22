//! The storage conformance suite on [`RocksDbStorage`], plus what only RocksDB has: files that
//! outlive the handle, the directory lock, checkpoints, stats, options.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dfdb::storage::{
    Cursor, Direction, EntryIter, KeyRange, ReadStorage, Storage, Visitor, WriteBatch,
};
use dfdb::{Compression, ErrorKind, Result, RocksDbOptions, RocksDbStorage};
use tempfile::TempDir;

/// A [`RocksDbStorage`] in its own temporary directory, deleted with it.
struct TempRocks {
    storage: RocksDbStorage,
    _dir: TempDir,
}

impl TempRocks {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = RocksDbStorage::open(&RocksDbOptions::new(dir.path().join("db"))).unwrap();
        TempRocks { storage, _dir: dir }
    }
}

impl ReadStorage for TempRocks {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.storage.get(key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        self.storage.scan(range, direction)
    }

    // The storage's own visits and cursor (raw iterators), not the trait's scan-based defaults.
    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        self.storage.visit(range, f)
    }

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        self.storage.cursor()
    }
}

impl Storage for TempRocks {
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        self.storage.write(batch)
    }

    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        self.storage.snapshot()
    }

    fn compact(&mut self) -> Result<()> {
        self.storage.compact()
    }

    fn close(&mut self) -> Result<()> {
        self.storage.close()
    }
}

dfdb_core::storage_conformance_tests!(TempRocks::new());

fn put(s: &mut RocksDbStorage, k: &[u8], v: &[u8]) {
    let mut b = WriteBatch::new();
    b.put(k, v);
    s.write(b).unwrap();
}

fn keys(s: &dyn ReadStorage, range: KeyRange, dir: Direction) -> Vec<Vec<u8>> {
    s.scan(range, dir).unwrap().map(|e| e.unwrap().0).collect()
}

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let o = RocksDbOptions::new(dir.path().join("db"));
    let mut s = RocksDbStorage::open(&o).unwrap();
    put(&mut s, b"a", b"1");
    put(&mut s, b"b", b"2");
    s.close().unwrap();
    s.close().unwrap();
    assert_eq!(s.get(b"a").unwrap_err().kind(), ErrorKind::Closed);
    let s = RocksDbStorage::open(&o).unwrap();
    assert_eq!(s.get(b"a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(
        keys(&s, KeyRange::all(), Direction::Reverse),
        vec![b"b".to_vec(), b"a".to_vec()]
    );
}

#[test]
fn a_second_handle_on_an_open_path_is_refused_until_close() {
    let dir = tempfile::tempdir().unwrap();
    let o = RocksDbOptions::new(dir.path().join("db"));
    let mut s = RocksDbStorage::open(&o).unwrap();
    let e = RocksDbStorage::open(&o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    let msg = e.to_string();
    assert!(msg.contains("in use"), "{msg}");
    assert!(msg.contains(&o.path.display().to_string()), "{msg}");
    s.close().unwrap();
    RocksDbStorage::open(&o).unwrap();
}

#[test]
fn missing_path_with_create_if_missing_off_and_empty_path_are_io_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = RocksDbOptions::new(dir.path().join("nothing-here"));
    o.create_if_missing = false;
    assert_eq!(RocksDbStorage::open(&o).unwrap_err().kind(), ErrorKind::Io);
    assert_eq!(
        RocksDbStorage::open(&RocksDbOptions::default())
            .unwrap_err()
            .kind(),
        ErrorKind::Io
    );
}

#[test]
fn every_compression_and_sync_setting_round_trips() {
    for c in ["none", "snappy", "lz4", "zstd"] {
        for sync in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let mut o = RocksDbOptions::new(dir.path().join("db"));
            o.compression = Compression::parse(c).unwrap();
            assert_eq!(o.compression.as_str(), c);
            o.sync = sync;
            o.write_buffer_size = 1 << 20;
            o.max_open_files = 64;
            o.block_cache_size = 1 << 20;
            let mut s = RocksDbStorage::open(&o).unwrap();
            let mut b = WriteBatch::new();
            for i in 0u32..2000 {
                b.put(i.to_be_bytes(), vec![7u8; 100]);
            }
            s.write(b).unwrap();
            s.compact().unwrap();
            s.close().unwrap();
            let s = RocksDbStorage::open(&o).unwrap();
            assert_eq!(
                s.scan(KeyRange::all(), Direction::Forward).unwrap().count(),
                2000
            );
            assert!(s.stats().unwrap().live_sst_bytes > 0, "{c}");
        }
    }
}

/// Prefix scans agree with total-order scans with and without the prefix Bloom filter, for
/// prefixes shorter than, equal to and longer than the filter's prefix, in SST files and in the
/// memtable.
#[test]
fn prefix_bloom_scans_match_total_order() {
    let mut stores = Vec::new();
    for prefix_bloom in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let mut o = RocksDbOptions::new(dir.path().join("db"));
        o.prefix_bloom = prefix_bloom;
        let mut s = RocksDbStorage::open(&o).unwrap();
        for round in 0u8..2 {
            let mut b = WriteBatch::new();
            for tag in [0x10u8, 0x11] {
                for e in 0u64..50 {
                    for a in 0u32..3 {
                        let mut k = vec![tag];
                        k.extend_from_slice(&(e * 2 + u64::from(round)).to_be_bytes());
                        k.extend_from_slice(&a.to_be_bytes());
                        b.put(k, vec![round]);
                    }
                }
            }
            s.write(b).unwrap();
            if round == 0 {
                s.compact().unwrap();
            }
        }
        stores.push((s, dir));
    }
    let mut prefixes: Vec<Vec<u8>> = vec![vec![], vec![0x10], vec![0x11, 0, 0, 0]];
    for e in [0u64, 1, 7, 98, 99, 100, 500] {
        let mut p = vec![0x10];
        p.extend_from_slice(&e.to_be_bytes());
        prefixes.push(p.clone());
        p.extend_from_slice(&1u32.to_be_bytes());
        prefixes.push(p.clone());
        p.truncate(5);
        prefixes.push(p);
    }
    for p in &prefixes {
        for dir in [Direction::Forward, Direction::Reverse] {
            let a = keys(&stores[0].0, KeyRange::prefix(p), dir);
            let b = keys(&stores[1].0, KeyRange::prefix(p), dir);
            assert_eq!(a, b, "prefix {p:?} {dir:?}");
            let snap = stores[0].0.snapshot().unwrap();
            assert_eq!(keys(&*snap, KeyRange::prefix(p), dir), a);
        }
    }
    // Visits (prefix mode where the range allows it) and cursor visits (total order, one
    // iterator for all) lend what the scans give, stopped early or not, on both stores and a
    // snapshot.
    for (s, _) in &stores {
        let snap = s.snapshot().unwrap();
        for reader in [s as &dyn ReadStorage, &*snap] {
            let mut cursor = reader.cursor();
            for p in &prefixes {
                let want = keys(reader, KeyRange::prefix(p), Direction::Forward);
                for stop in [usize::MAX, 0, 2] {
                    let n = want.len().min(stop.saturating_add(1));
                    // The keys a visit lends until it is told to stop after `stop` more.
                    let lent = |visit: &mut dyn FnMut(&mut Visitor<'_>) -> Result<()>| {
                        let mut seen = Vec::new();
                        visit(&mut |k, _| {
                            seen.push(k.to_vec());
                            Ok(seen.len() <= stop)
                        })
                        .unwrap();
                        seen
                    };
                    let range = || KeyRange::prefix(p);
                    let visited = lent(&mut |f| reader.visit(range(), f));
                    assert_eq!(visited, want[..n], "visit {p:?}, stop after {stop}");
                    let visited = lent(&mut |f| cursor.visit(range(), f));
                    assert_eq!(visited, want[..n], "cursor {p:?}, stop after {stop}");
                }
            }
        }
    }
}

#[test]
fn checkpoint_stats_and_destroy() {
    let dir = tempfile::tempdir().unwrap();
    let o = RocksDbOptions::new(dir.path().join("db"));
    let mut s = RocksDbStorage::open(&o).unwrap();
    let mut b = WriteBatch::new();
    for i in 0u32..1000 {
        b.put(i.to_be_bytes(), b"value");
    }
    s.write(b).unwrap();
    let st = s.stats().unwrap();
    assert!(st.memtable_bytes > 0);
    assert!(st.estimated_keys > 0);
    assert!(
        st.rocksdb_stats.contains("DB Stats"),
        "{}",
        st.rocksdb_stats
    );
    let backup = dir.path().join("backup");
    s.checkpoint(&backup).unwrap();
    put(&mut s, b"after", b"x");
    let copy = RocksDbStorage::open(&RocksDbOptions::new(&backup)).unwrap();
    assert_eq!(
        copy.get(&7u32.to_be_bytes()).unwrap(),
        Some(b"value".to_vec())
    );
    assert_eq!(copy.get(b"after").unwrap(), None);
    drop(copy);
    RocksDbStorage::destroy(&backup).unwrap();
    assert!(!backup.join("CURRENT").exists());
    s.close().unwrap();
    assert_eq!(s.stats().unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(
        s.checkpoint(dir.path().join("b2")).unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[test]
fn a_snapshot_outlives_close_and_moves_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let o = RocksDbOptions::new(dir.path().join("db"));
    let mut s = RocksDbStorage::open(&o).unwrap();
    put(&mut s, b"k", b"v");
    let snap = s.snapshot().unwrap();
    put(&mut s, b"k", b"w");
    s.close().unwrap();
    let got = std::thread::spawn(move || snap.get(b"k").unwrap())
        .join()
        .unwrap();
    assert_eq!(got, Some(b"v".to_vec()));
    // The snapshot is gone, so the lock is free again.
    RocksDbStorage::open(&o).unwrap();
}
