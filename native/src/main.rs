//! `dfdb`: the command-line program. Everything lives in [`cli`]; see `dfdb help` and docs/CLI.md.
#![forbid(unsafe_code)]

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
