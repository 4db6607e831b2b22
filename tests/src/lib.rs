//! The shared test-vector runner (see `../shared/VECTORS.md`).
//!
//! Suites are JSON files of cases; each case is a sequence of steps (transact, query, pull, entity,
//! subscribe, reopen, as-of reads) with expected results. The runner executes them against any
//! [`Target`] — memory storage today, RocksDB and the WebAssembly builds later — and prints one line
//! per suite, a line per failed or skipped case, and a total line.
//!
//! ```no_run
//! use dfdb_vectors::{default_dirs, load_suites, run_all, MemoryTarget};
//! let (dirs, notes) = default_dirs();
//! notes.iter().for_each(|n| println!("{n}"));
//! let suites = load_suites(&dirs);
//! let report = run_all(&MemoryTarget, &suites);
//! print!("{report}");
//! assert_eq!(report.totals().failed, 0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compare;
pub mod report;
pub mod runner;
pub mod suite;
pub mod target;

pub use report::{CaseOutcome, Outcome, Report, SuiteReport, Totals};
pub use runner::{run_all, run_case, run_suite};
pub use suite::{default_dirs, load_suites, Case, Suite};
pub use target::{MemoryTarget, Target};

/// Runs every vector suite (the project's, `../shared/vectors/`, and `DFDB_VECTORS`) on `target`,
/// prints the report, and panics if any case the target runs fails — the `cargo test` entry point
/// of every target. Cases needing a feature the target lacks are skipped and reported, not failed.
pub fn assert_all_vectors_pass(target: &dyn Target) {
    let (dirs, notes) = default_dirs();
    for n in &notes {
        println!("{n}");
    }
    let suites = load_suites(&dirs);
    assert!(!suites.is_empty(), "no vector suites found in {dirs:?}");
    let report = run_all(target, &suites);
    print!("{report}");
    let failed: Vec<_> = report
        .suites
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .filter(|(_, c)| matches!(c.outcome, Outcome::Failed(_)))
        .collect();
    for (suite, case) in &failed {
        println!("failed: {} / {}", suite.name, case.name);
    }
    assert!(
        failed.is_empty(),
        "{} vector case(s) failed on {} (listed above)",
        failed.len(),
        target.name()
    );
}
