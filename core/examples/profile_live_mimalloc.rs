#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "profile_live.rs"]
mod inner;

fn main() {
    inner::main();
}
