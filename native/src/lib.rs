//! # dfdb
//!
//! The native home of dfdb: the whole engine of `dfdb-core` (re-exported here), plus durable
//! storage on RocksDB (feature `rocksdb`, on by default).
//!
//! ## A durable database
//!
//! ```
//! # #[cfg(feature = "rocksdb")] {
//! use dfdb::{RocksDbOptions, Value};
//! let dir = std::env::temp_dir().join(format!("dfdb-lib-doc-{}", std::process::id()));
//! let mut db = dfdb::open(&dir, RocksDbOptions::default()).unwrap();
//! let r = db.transact_edn(r#"[{:db/id "ann" :person/name "Ann"}]"#).unwrap();
//! let ann = r.tempids[&Value::str("ann")];
//! db.close().unwrap();
//!
//! // Everything comes back on reopen: datoms, schema, counters, transaction instants.
//! let db = dfdb::open(&dir, RocksDbOptions::default()).unwrap();
//! assert_eq!(db.entity(ann).unwrap().unwrap()[&Value::kw("person/name")], Value::str("Ann"));
//! drop(db);
//! dfdb::RocksDbStorage::destroy(&dir).unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dfdb_core::*;

#[cfg(feature = "rocksdb")]
mod rocksdb_options;
#[cfg(feature = "rocksdb")]
mod rocksdb_storage;

#[cfg(feature = "rocksdb")]
pub use rocksdb_options::{Compression, RocksDbOptions, PREFIX_LEN};
#[cfg(feature = "rocksdb")]
pub use rocksdb_storage::{RocksDbStats, RocksDbStorage};

/// The host clock: milliseconds since the Unix epoch from [`std::time::SystemTime`] (0 before
/// 1970, saturating far in the future).
pub fn system_clock() -> db::Clock {
    Box::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// Opens the durable database at `path` (created when missing, unless
/// `options.create_if_missing` is off): a [`RocksDbStorage`] with `options` (whose `path` is set
/// to `path`) under a [`Database`] that takes transaction instants from [`system_clock`].
///
/// A database written by format version 2 is upgraded in place on open (one atomic write).
///
/// Fails with kind `io` when the path is in use (already open in this process or another), when
/// it holds data of another format version or that is not dfdb's, or when RocksDB fails.
#[cfg(feature = "rocksdb")]
pub fn open(path: impl AsRef<std::path::Path>, options: RocksDbOptions) -> Result<Database> {
    let mut options = options;
    options.path = path.as_ref().to_path_buf();
    let storage = RocksDbStorage::open(&options)?;
    Database::open(Box::new(storage), Some(system_clock()))
}
