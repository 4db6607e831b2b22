//! The commands that read or change the database: transact, query, pull, entity, history, schema,
//! backup, stats, compact; and the dispatch from parsed arguments.

use super::args::{Cli, Command, Format};
use super::output::{emit, find_headers, render};
use super::{CliError, CliResult};
use dfdb::storage::Storage;
use dfdb::{Database, EntityId, RocksDbOptions, RocksDbStorage, TimePoint, TxReport, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> CliResult {
    let format = cli.format;
    let path = cli.db;
    let Some(command) = cli.command else {
        return super::repl::run(&path, format);
    };
    match command {
        Command::Transact { tx, file } => {
            let text = read_input(tx.as_deref(), file.as_deref())?;
            let mut db = open_db(&path)?;
            let result = transact_text(&mut db, &text, |report| {
                emit(&render(&report_value(report), format, None))
            });
            finish(db, result.map(|_| ()))
        }
        Command::Query {
            query,
            inputs,
            as_of,
        } => {
            let text = read_input(Some(&query), None)?;
            let db = open_db(&path)?;
            let result = query_cmd(&db, &text, &inputs, as_of.as_deref(), format);
            finish(db, result)
        }
        Command::Pull { pattern, eid } => {
            let db = open_db(&path)?;
            let result = (|| {
                let v = pull(&db, &read_edn(&pattern)?, &read_edn(&eid)?)?;
                emit(&render(&v, format, None))
            })();
            finish(db, result)
        }
        Command::Entity { eid } => {
            let db = open_db(&path)?;
            let result = (|| {
                let v = entity(&db, &read_edn(&eid)?)?;
                emit(&render(&v, format, None))
            })();
            finish(db, result)
        }
        Command::History { eid } => {
            let db = open_db(&path)?;
            let result = (|| {
                let eid = eid.as_deref().map(read_edn).transpose()?;
                let v = history(&db, eid.as_ref())?;
                emit(&render(&v, format, Some(&history_headers())))
            })();
            finish(db, result)
        }
        Command::Schema => {
            let db = open_db(&path)?;
            let result = emit(&render(&schema_value(&db), format, None));
            finish(db, result)
        }
        Command::Import { file } => super::import_export::import(&path, &file),
        Command::Export { file } => super::import_export::export(&path, file.as_deref()),
        Command::Backup { dir } => backup(&path, &dir),
        Command::Stats { rocksdb } => stats(&path, rocksdb, format),
        Command::Compact => compact(&path),
        Command::Demo { answers } => super::demo::run(&path, format, answers),
        Command::Repl => super::repl::run(&path, format),
    }
}

/// Closes the database after a command, keeping the command's error first.
pub fn finish(mut db: Database, result: CliResult) -> CliResult {
    let closed = db.close();
    result?;
    closed.map_err(CliError::from)
}

/// Opens the RocksDB storage at `path` (creating it when missing).
pub fn open_storage(path: &Path) -> CliResult<RocksDbStorage> {
    Ok(RocksDbStorage::open(&RocksDbOptions::new(path))?)
}

/// Opens the database at `path` (creating it when missing), with the system clock.
pub fn open_db(path: &Path) -> CliResult<Database> {
    database_over(open_storage(path)?)
}

/// The database kept in an open storage.
pub fn database_over(storage: RocksDbStorage) -> CliResult<Database> {
    Ok(Database::open(
        Box::new(storage),
        Some(dfdb::system_clock()),
    )?)
}

/// The text of an input: the argument, the file, or stdin (argument absent or `-`).
pub fn read_input(arg: Option<&str>, file: Option<&Path>) -> CliResult<String> {
    if let Some(f) = file {
        return read_file(f);
    }
    match arg {
        Some("-") | None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            Ok(s)
        }
        Some(text) => Ok(text.to_string()),
    }
}

/// A whole input file (`-`: stdin).
pub fn read_file(f: &Path) -> CliResult<String> {
    if f == Path::new("-") {
        return read_input(None, None);
    }
    std::fs::read_to_string(f)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", f.display())))
}

/// One EDN value.
pub fn read_edn(text: &str) -> CliResult<Value> {
    Ok(dfdb::edn::read(text)?)
}

/// Reads tx-data forms with maps in written order (so new entity ids follow the text).
pub fn read_tx_forms(text: &str) -> CliResult<Vec<Value>> {
    Ok(dfdb::edn::read_all_with(
        text,
        &dfdb::edn::tx_data_options(),
    )?)
}

/// Transacts every form of `text`, calling `each` with every report. Nothing is committed when
/// any form fails to parse; a rejected form stops there (the forms before it stay committed).
pub fn transact_text(
    db: &mut Database,
    text: &str,
    each: impl FnMut(&TxReport) -> CliResult,
) -> CliResult<usize> {
    let forms = read_tx_forms(text)?;
    if forms.is_empty() {
        return Err(CliError::rejected(
            "parse",
            "no transaction given: expected tx-data such as [{:person/name \"Ann\"}]",
        ));
    }
    transact_forms(db, forms, each)
}

/// Transacts each form as one transaction.
pub fn transact_forms(
    db: &mut Database,
    forms: Vec<Value>,
    mut each: impl FnMut(&TxReport) -> CliResult,
) -> CliResult<usize> {
    let n = forms.len();
    for form in forms {
        let report = db.transact(dfdb::db::tx_input_from_value(form)?)?;
        each(&report)?;
    }
    Ok(n)
}

/// A transaction report as data: `{:tx … :tx-instant … :tempids {…} :datoms n}`.
pub fn report_value(r: &TxReport) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Value::kw("tx"), Value::Int(r.tx as i64));
    m.insert(Value::kw("tx-instant"), Value::Inst(r.tx_instant));
    let tempids = r
        .tempids
        .iter()
        .map(|(k, v)| (k.clone(), Value::Int(*v as i64)))
        .collect();
    m.insert(Value::kw("tempids"), Value::Map(tempids));
    m.insert(Value::kw("datoms"), Value::Int(r.tx_data.len() as i64));
    Value::Map(m)
}

/// Parses `--as-of`: a transaction id, `#inst "…"`, or bare RFC 3339 text.
pub fn parse_time_point(text: &str) -> CliResult<TimePoint> {
    let t = text.trim();
    if let Ok(tx) = t.parse::<u64>() {
        return Ok(TimePoint::Tx(tx));
    }
    let ms = if t.starts_with('#') {
        match dfdb::edn::read(t) {
            Ok(Value::Inst(ms)) => Ok(ms),
            _ => Err(()),
        }
    } else {
        dfdb::edn::inst::parse(t.trim_matches('"')).map_err(|_| ())
    };
    ms.map(TimePoint::Instant).map_err(|()| {
        CliError::usage(format!(
            "--as-of {t:?}: want a transaction id or an instant such as 2024-05-01T12:00:00Z"
        ))
    })
}

/// Runs a query with EDN inputs, optionally as of a time point, and prints the result.
pub fn query_cmd(
    db: &Database,
    text: &str,
    inputs: &[String],
    as_of: Option<&str>,
    format: Format,
) -> CliResult {
    let query = read_edn(text)?;
    let inputs = inputs
        .iter()
        .map(|i| read_edn(i))
        .collect::<CliResult<Vec<_>>>()?;
    let result = run_query(db, &query, &inputs, as_of)?;
    emit(&render(&result, format, find_headers(&query).as_deref()))
}

/// Runs a query value with input values, optionally as of `--as-of` text.
pub fn run_query(
    db: &Database,
    query: &Value,
    inputs: &[Value],
    as_of: Option<&str>,
) -> CliResult<Value> {
    let Some(as_of) = as_of else {
        return Ok(db.query(query, inputs)?);
    };
    let point = parse_time_point(as_of)?;
    if matches!(query, Value::Map(m) if m.contains_key(&Value::kw("query"))) {
        return Err(CliError::usage(
            "--as-of and a {:query … :as-of …} map both given; use one",
        ));
    }
    let view = db.as_of(point)?;
    let mut all = vec![dfdb::query::Input::Db(view)];
    all.extend(inputs.iter().cloned().map(dfdb::query::Input::Value));
    Ok(dfdb::query::q(query, &all)?)
}

/// The entity id an EID argument names (an id or a lookup ref), `None` when nothing matches.
pub fn resolve_eid(db: &Database, eid: &Value) -> CliResult<Option<EntityId>> {
    match eid {
        Value::Int(i) if *i > 0 => Ok(Some(*i as u64)),
        Value::Ref(r) => Ok(Some(*r)),
        Value::Vector(lr) | Value::List(lr) => match lr.as_slice() {
            [Value::Keyword(a), v] => Ok(db.entity_by(a, v)?),
            _ => Err(CliError::rejected(
                "parse",
                format!("{eid} is not a lookup ref [:attr value]"),
            )),
        },
        other => Err(CliError::rejected(
            "type",
            format!("{other} is not an entity id or a lookup ref"),
        )),
    }
}

/// `pull PATTERN EID`.
pub fn pull(db: &Database, pattern: &Value, eid: &Value) -> CliResult<Value> {
    Ok(dfdb::pull::pull(&db.view(), pattern, eid)?)
}

/// `entity EID`: the entity map, or nil.
pub fn entity(db: &Database, eid: &Value) -> CliResult<Value> {
    let Some(e) = resolve_eid(db, eid)? else {
        return Ok(Value::Nil);
    };
    Ok(db.entity(e)?.map_or(Value::Nil, Value::Map))
}

/// `history [EID]`: every datom as `[e a v tx added]`, oldest first.
pub fn history(db: &Database, eid: Option<&Value>) -> CliResult<Value> {
    let e =
        match eid {
            None => None,
            Some(v) => Some(resolve_eid(db, v)?.ok_or_else(|| {
                CliError::rejected("lookup", format!("{v} names no current entity"))
            })?),
        };
    let datoms = db.history(e)?;
    Ok(Value::Vector(
        datoms.iter().map(dfdb::Datom::to_value).collect(),
    ))
}

/// Column names of `history` tables.
pub fn history_headers() -> Vec<String> {
    ["e", "a", "v", "tx", "added"].map(String::from).to_vec()
}

/// Every attribute definition, in the order they were defined.
pub fn schema_value(db: &Database) -> Value {
    Value::Vector(db.schema().iter().map(|a| a.to_value()).collect())
}

/// `backup DIR`: a RocksDB checkpoint.
fn backup(path: &Path, dir: &Path) -> CliResult {
    if dir.exists() {
        return Err(CliError::usage(format!(
            "backup directory {} already exists; name a new one",
            dir.display()
        )));
    }
    let mut storage = open_storage(path)?;
    let result = storage.checkpoint(dir);
    storage.close()?;
    result?;
    eprintln!(
        "backup of {} written to {} (open it with --db {})",
        path.display(),
        dir.display(),
        dir.display()
    );
    Ok(())
}

/// `stats`: counts and RocksDB figures.
fn stats(path: &Path, rocksdb_report: bool, format: Format) -> CliResult {
    let storage = open_storage(path)?;
    let s = storage.stats()?;
    let db = database_over(storage)?;
    let result = (|| {
        let mut datoms = 0i64;
        let mut entities = 0i64;
        let mut last = None;
        for d in db.view().datoms(None, None, None)? {
            let d = d?;
            datoms += 1;
            if last != Some(d.e) {
                entities += 1;
                last = Some(d.e);
            }
        }
        let c = db.counters();
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: Value| {
            m.insert(Value::kw(k), v);
        };
        put("path", Value::str(&path.display().to_string()));
        put("datoms", Value::Int(datoms));
        put("entities", Value::Int(entities));
        put("attributes", Value::Int(db.schema().len() as i64));
        put(
            "transactions",
            Value::Int(c.next_tx.saturating_sub(dfdb::index::TX0) as i64),
        );
        put("next-entity-id", Value::Int(c.next_eid as i64));
        if c.last_instant > 0 {
            put("last-tx-instant", Value::Inst(c.last_instant));
        }
        let int = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
        put("rocksdb/estimated-keys", int(s.estimated_keys));
        put("rocksdb/live-sst-bytes", int(s.live_sst_bytes));
        put("rocksdb/memtable-bytes", int(s.memtable_bytes));
        emit(&render(&Value::Map(m), format, None))?;
        if rocksdb_report {
            emit(s.rocksdb_stats.trim_end())?;
        }
        Ok(())
    })();
    finish(db, result)
}

/// `compact`: compacts the whole key range, reporting the SST size before and after.
fn compact(path: &Path) -> CliResult {
    let mut storage = open_storage(path)?;
    let before = storage.stats()?.live_sst_bytes;
    let result = storage.compact();
    let after = storage.stats().map(|s| s.live_sst_bytes);
    storage.close()?;
    result?;
    eprintln!(
        "compacted {}: live SST bytes {before} -> {}",
        path.display(),
        after?
    );
    Ok(())
}

/// The state directory for the REPL history: `$XDG_STATE_HOME/dfdb` or `~/.local/state/dfdb`.
pub fn state_dir() -> Option<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(x) = nonempty("XDG_STATE_HOME") {
        return Some(PathBuf::from(x).join("dfdb"));
    }
    nonempty("HOME").map(|h| PathBuf::from(h).join(".local/state/dfdb"))
}
