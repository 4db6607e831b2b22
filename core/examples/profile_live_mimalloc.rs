//! `profile_live` (see there) with mimalloc as the global allocator: how much of a cold live
//! update is glibc's allocator catching up with the frees of the query run before it.

// Native only: `cargo test` on wasm32 builds the examples too, without the dependency.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "profile_live.rs"]
mod inner;

fn main() {
    inner::main();
}
