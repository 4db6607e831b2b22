//! The storage conformance suite, run against [`MemoryStorage`].
//!
//! Needs the `testing` feature (this target declares `required-features = ["testing"]`):
//! `cargo test -p dfdb-core --features testing --test storage_memory`.

use dfdb_core::storage::MemoryStorage;

dfdb_core::storage_conformance_tests!(MemoryStorage::new());
