//! Every shared vector suite on RocksDB storage, `reopen` steps included (close the storage, open
//! the same directory again).
//!
//! See the report with `cargo test -p dfdb --test vectors_rocksdb -- --nocapture`. As for memory
//! storage, every case the target runs must pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dfdb::storage::Storage;
use dfdb::{Error, Result, RocksDbOptions, RocksDbStorage};
use dfdb_vectors::target::MEMORY_FEATURES;
use dfdb_vectors::{assert_all_vectors_pass, Target};
use std::path::PathBuf;
use std::sync::Mutex;
use tempfile::TempDir;

/// RocksDB storage in a fresh temporary directory per case.
///
/// The runner runs one case at a time and each case has one database, so the target remembers
/// the directory of the storage it created last and [`Target::reopen`] opens that directory again.
struct RocksDbTarget {
    /// The directory of the current case (the previous one is deleted when the next is created).
    current: Mutex<Option<TempDir>>,
}

impl RocksDbTarget {
    fn new() -> Self {
        RocksDbTarget {
            current: Mutex::new(None),
        }
    }

    fn path(&self) -> Result<PathBuf> {
        let guard = self.current.lock().map_err(|e| Error::Io(e.to_string()))?;
        guard
            .as_ref()
            .map(|d| d.path().join("db"))
            .ok_or_else(|| Error::Io("no storage was created".into()))
    }
}

impl Target for RocksDbTarget {
    fn name(&self) -> &str {
        "rocksdb"
    }

    fn create(&self) -> Result<Box<dyn Storage>> {
        let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
        let storage = RocksDbStorage::open(&RocksDbOptions::new(dir.path().join("db")))?;
        *self.current.lock().map_err(|e| Error::Io(e.to_string()))? = Some(dir);
        Ok(Box::new(storage))
    }

    fn supports(&self, feature: &str) -> bool {
        MEMORY_FEATURES.contains(&feature)
    }

    fn reopen(&self, mut storage: Box<dyn Storage>) -> Result<Box<dyn Storage>> {
        // Close first: that releases the directory's lock, which the new handle takes.
        storage.close()?;
        drop(storage);
        Ok(Box::new(RocksDbStorage::open(&RocksDbOptions::new(
            self.path()?,
        ))?))
    }
}

#[test]
fn vectors_on_rocksdb_storage() {
    assert_all_vectors_pass(&RocksDbTarget::new());
}

/// Reopen really goes through the files: a second handle on the directory is refused while the
/// first is open, and accepted once it is closed.
#[test]
fn reopen_releases_the_lock() {
    let t = RocksDbTarget::new();
    let s = t.create().unwrap();
    let err = RocksDbStorage::open(&RocksDbOptions::new(t.path().unwrap())).unwrap_err();
    assert_eq!(err.kind(), dfdb::ErrorKind::Io);
    let s = t.reopen(s).unwrap();
    drop(s);
}
