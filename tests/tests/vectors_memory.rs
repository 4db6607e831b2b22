//! Every vector suite on memory storage; every case the target runs must pass.
//!
//! See the report with `cargo test -p dfdb-vectors -- --nocapture`.

use dfdb_vectors::{assert_all_vectors_pass, MemoryTarget};

#[test]
fn vectors_on_memory_storage() {
    assert_all_vectors_pass(&MemoryTarget);
}
