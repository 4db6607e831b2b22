//! The storage behind a persistent database: the core's [`JournalStorage`] — memory storage as the
//! working set, plus a journal of every batch written since the host last took it.
//!
//! The host (the JS module `persist.js`) loads every stored entry at open ([`JournalStorage::load`]),
//! and after each transaction takes the journal and writes it to IndexedDB or a file as one atomic
//! unit. The engine itself never waits for the host.

pub use dfdb_core::storage::{Journal, JournalStorage};
