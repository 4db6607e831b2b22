//! The database under test: a factory for its storage, the features it supports, and its live
//! queries.

use dfdb_core::live::{SubscribeOptions, SubscriptionId};
use dfdb_core::storage::{MemoryStorage, Storage};
use dfdb_core::{Database, Result, Value};
use std::cell::RefCell;
use std::rc::Rc;

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

    /// Stops the live query.
    fn close(&mut self, db: &mut Database);
}

/// A live query of the core engine, collecting what its callback receives.
struct CoreLiveQuery {
    id: SubscriptionId,
    diffs: Rc<RefCell<Vec<Diff>>>,
}

impl LiveQuery for CoreLiveQuery {
    fn take_diffs(&mut self) -> Vec<Diff> {
        std::mem::take(&mut *self.diffs.borrow_mut())
    }

    fn close(&mut self, db: &mut Database) {
        db.unsubscribe(self.id);
    }
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

    /// Registers a live query (`options` is the step's option map, or `nil`) with the core engine's
    /// live-query API; a failure the engine reports ends the case as a mismatch.
    fn subscribe(
        &self,
        db: &mut Database,
        query: &Value,
        args: &[Value],
        options: &Value,
    ) -> Result<Box<dyn LiveQuery>> {
        let options = SubscribeOptions::from_value(options)?;
        let diffs: Rc<RefCell<Vec<Diff>>> = Rc::default();
        let sink = diffs.clone();
        let (id, _initial) = db.subscribe_with(
            query,
            args,
            options,
            Box::new(move |d| match d {
                Ok(d) => sink.borrow_mut().push(Diff {
                    additions: d.additions.clone(),
                    retractions: d.retractions.clone(),
                }),
                // Recorded as an impossible diff so the invariant check reports it.
                Err(e) => sink.borrow_mut().push(Diff {
                    additions: vec![Value::str(&format!("live query failed: {e}"))],
                    retractions: Vec::new(),
                }),
            }),
        )?;
        Ok(Box::new(CoreLiveQuery { id, diffs }))
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
    "subscribe",
    "time-dimensions",
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
