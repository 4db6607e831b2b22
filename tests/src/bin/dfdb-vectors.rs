//! `dfdb-vectors --target memory [DIR ...]`: runs every vector suite (the project's, the shared ones,
//! `DFDB_VECTORS`, and any DIR given) against a target, prints the report, and exits 1 if any case
//! failed (2 on a usage error).

use dfdb_vectors::{default_dirs, load_suites, run_all, MemoryTarget, Target};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: dfdb-vectors [--target memory] [--only SUBSTRING] [DIR ...]";

fn main() -> ExitCode {
    let mut target_name = String::from("memory");
    let mut only: Option<String> = None;
    let mut extra = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--target" => match args.next() {
                Some(t) => target_name = t,
                None => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--only" => only = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            s if s.starts_with('-') => {
                eprintln!("unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            dir => extra.push(PathBuf::from(dir)),
        }
    }
    let target: Box<dyn Target> = match target_name.as_str() {
        "memory" => Box::new(MemoryTarget),
        other => {
            eprintln!("unknown target {other} (available: memory)");
            return ExitCode::from(2);
        }
    };
    let (mut dirs, notes) = default_dirs();
    for n in notes {
        eprintln!("{n}");
    }
    dirs.extend(extra);
    let mut suites = load_suites(&dirs);
    if let Some(only) = &only {
        suites.retain(|s| s.name.contains(only.as_str()));
    }
    let report = run_all(target.as_ref(), &suites);
    print!("{report}");
    if report.totals().failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
