//! `people20k_server` (see there) with mimalloc as the global allocator: what an application
//! embedding dfdb gets from that one-line choice (glibc's allocator consolidates its free lists on
//! larger requests, which query results pay for).

// Native only: `cargo test` on wasm32 builds the examples too, without the dependency.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "people20k_server.rs"]
mod server;

fn main() {
    server::main();
}
