//! The database under test: a factory for its storage, the features it supports, and its live
//! queries.

use dfdb_core::storage::{MemoryStorage, Storage};
use dfdb_core::{Database, Error, Result, Value};

/// One additions/retractions pair a live query delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Diff {
    /// Result tuples added.
    pub additions: Vec<Value>,
    /// Result tuples removed.
    pub retractions: Vec<Value>,
}

/// A live query registered with the database under test.
pub trait LiveQuery {
    /// The diffs delivered since the last call, oldest first.
    fn take_diffs(&mut self) -> Vec<Diff>;
}

/// A database target the vectors run against.
pub trait Target {
    /// A short name (`memory`, `rocksdb`, …).
    fn name(&self) -> &str;

    /// A fresh, empty storage for one case.
    fn create(&self) -> Result<Box<dyn Storage>>;

    /// Whether this target supports a VECTORS.md feature (`tx`, `query`, `subscribe`, …).
    fn supports(&self, feature: &str) -> bool;

    /// The storage of a database that was just closed, made ready to open again: the same storage
    /// for memory, a new handle on the same files for durable storage.
    fn reopen(&self, storage: Box<dyn Storage>) -> Result<Box<dyn Storage>>;

    /// Registers a live query (`options` is the step's option map, or `nil`). Targets whose engine
    /// has no live-query API keep this default, which refuses.
    fn subscribe(
        &self,
        db: &mut Database,
        query: &Value,
        args: &[Value],
        options: &Value,
    ) -> Result<Box<dyn LiveQuery>> {
        let _ = (db, query, args, options);
        Err(Error::Schema(format!(
            "target {} has no live-query API",
            self.name()
        )))
    }
}

/// The features the memory target supports today.
pub const MEMORY_FEATURES: &[&str] = &[
    "tx",
    "entity",
    "history",
    "as-of",
    "collections",
    "persistence",
    "query",
    "rules",
    "aggregates",
    "pull",
];

/// Memory storage: `reopen` hands back the same storage, so the database reloads from its bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryTarget;

impl Target for MemoryTarget {
    fn name(&self) -> &str {
        "memory"
    }

    fn create(&self) -> Result<Box<dyn Storage>> {
        Ok(Box::new(MemoryStorage::new()))
    }

    fn supports(&self, feature: &str) -> bool {
        MEMORY_FEATURES.contains(&feature)
    }

    fn reopen(&self, storage: Box<dyn Storage>) -> Result<Box<dyn Storage>> {
        Ok(storage)
    }
}
