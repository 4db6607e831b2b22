//! `profile_query` (see there) with mimalloc as the global allocator, as the `dfdb` CLI runs:
//! `$CARGO_TARGET_DIR/release/examples/profile_query_mimalloc qpred1 500`.

// Native only: `cargo test` on wasm32 builds the examples too, without the dependency.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "profile_query.rs"]
mod inner;

fn main() {
    inner::main();
}
