//! `dfdb`: the command-line program. Everything lives in [`cli`]; see `dfdb help` and docs/CLI.md.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
