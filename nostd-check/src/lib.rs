//! Build-only proof that `dfdb-core` links into a `#![no_std]` program for wasm32.
//!
//! This crate has no `std`: it supplies the `#[panic_handler]` and the `#[global_allocator]` that
//! `std` would otherwise provide. If `dfdb-core` or any of its dependencies linked `std`, the build
//! would fail (duplicate `panic_impl` lang item). The exported function uses the database so the
//! engine's code is really linked, not dropped as unused.
#![no_std]

use dfdb_core::{Database, Value};

#[global_allocator]
static ALLOC: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Transacts one entity and returns how many attributes it has (0 on any error).
#[no_mangle]
pub extern "C" fn dfdb_nostd_check() -> u32 {
    let mut db = Database::in_memory();
    let Ok(report) = db.transact_edn(r#"[{:db/id "ann" :person/name "Ann" :person/age 31}]"#)
    else {
        return 0;
    };
    let Some(&ann) = report.tempids.get(&Value::str("ann")) else {
        return 0;
    };
    match db.entity(ann) {
        Ok(Some(attrs)) => attrs.len() as u32,
        _ => 0,
    }
}
