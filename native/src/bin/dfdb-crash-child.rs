//! The child process of the crash-safety test (`native/tests/crash.rs`).
//!
//! `dfdb-crash-child PATH START` opens the durable database at `PATH`, prints `ready`, then commits
//! transactions numbered `START`, `START+1`, … forever. Transaction `n` asserts one new entity
//! `{:crash/n n :crash/a n :crash/b n :crash/tags #{"n-0" "n-1" "n-2"}}`; after `transact` returns,
//! the child prints `n` on its own line and flushes stdout, so every number the parent reads is an
//! acknowledged (durable) transaction. The parent kills it with SIGKILL.

use dfdb::RocksDbOptions;
use std::io::Write;
use std::process::ExitCode;

/// The attributes every crash transaction writes.
const SCHEMA: &str = r#"{:crash/n    {:db/valueType :db.type/long :db/unique :db.unique/identity}
 :crash/a    {:db/valueType :db.type/long}
 :crash/b    {:db/valueType :db.type/long}
 :crash/tags {:db/valueType :db.type/string :db/cardinality :db.cardinality/many}}"#;

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(start)) = (args.next(), args.next()) else {
        return Err("usage: dfdb-crash-child PATH START".into());
    };
    let start: i64 = start.parse().map_err(|e| format!("bad START: {e}"))?;
    let mut db = dfdb::open(&path, RocksDbOptions::default()).map_err(|e| e.to_string())?;
    let schema = dfdb::read(SCHEMA).map_err(|e| e.to_string())?;
    db.ensure_schema(&schema).map_err(|e| e.to_string())?;
    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(out, "ready").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    for n in start.. {
        let tx = format!(
            r#"[{{:crash/n {n} :crash/a {n} :crash/b {n} :crash/tags ["{n}-0" "{n}-1" "{n}-2"]}}]"#
        );
        db.transact_edn(&tx).map_err(|e| e.to_string())?;
        writeln!(out, "{n}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dfdb-crash-child: {e}");
            ExitCode::FAILURE
        }
    }
}
