//! `dfdb::open`: a durable database that restores everything on reopen and refuses what it
//! cannot read or cannot lock.
#![cfg(feature = "rocksdb")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use dfdb::index::{meta_key, space};
use dfdb::storage::{Direction, KeyRange, Storage, WriteBatch};
use dfdb::{Database, ErrorKind, Index, RocksDbOptions, RocksDbStorage, TimePoint, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const SCHEMA: &str = r#"{:person/email {:db/valueType :db.type/string :db/unique :db.unique/identity}
 :person/name  {:db/valueType :db.type/string}
 :person/tags  {:db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 :person/boss  {:db/valueType :db.type/ref}}"#;

fn open(path: &std::path::Path) -> Database {
    dfdb::open(path, RocksDbOptions::default()).unwrap()
}

#[test]
fn everything_is_restored_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut db = open(&path);
    db.ensure_schema(&dfdb::read(SCHEMA).unwrap()).unwrap();
    let r1 = db
        .transact_edn(
            r#"[{:db/id "ann" :person/email "ann@x" :person/name "Ann" :person/tags [:a :b]}
                {:db/id "bob" :person/email "bob@x" :person/name "Bob" :person/boss "ann"}]"#,
        )
        .unwrap();
    let ann = r1.tempids[&Value::str("ann")];
    let bob = r1.tempids[&Value::str("bob")];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (r1.tx_instant - now).abs() < 60_000,
        "the host clock gives instants"
    );
    let r2 = db
        .transact_edn(r#"[[:db/add [:person/email "ann@x"] :person/name "Anne"]]"#)
        .unwrap();
    let schema_before = db.schema().len();
    let counters_before = db.counters();
    let history_before = db.history(None).unwrap();
    db.close().unwrap();
    assert_eq!(db.entity(ann).unwrap_err().kind(), ErrorKind::Closed);
    drop(db);

    let mut db = open(&path);
    assert_eq!(db.schema().len(), schema_before);
    assert_eq!(db.counters(), counters_before);
    assert_eq!(db.history(None).unwrap(), history_before);
    assert_eq!(db.tx_instant(r1.tx).unwrap(), Some(r1.tx_instant));
    let e = db.entity(ann).unwrap().unwrap();
    assert_eq!(e[&Value::kw("person/name")], Value::str("Anne"));
    assert_eq!(
        e[&Value::kw("person/tags")],
        Value::Set([Value::kw("a"), Value::kw("b")].into_iter().collect())
    );
    assert_eq!(
        db.entity_by(&dfdb::Keyword::new("person/email"), &Value::str("bob@x"))
            .unwrap(),
        Some(bob)
    );
    assert_eq!(
        db.datoms(Index::Vaet, &[Value::Int(ann as i64)])
            .unwrap()
            .len(),
        1
    );
    let before = db.as_of(TimePoint::Tx(r1.tx)).unwrap();
    assert_eq!(
        before.entity(ann).unwrap().unwrap()[&Value::kw("person/name")],
        Value::str("Ann")
    );
    // Uniqueness and counters still hold: an upsert reuses Ann, a new entity gets a fresh id.
    let r3 = db
        .transact_edn(
            r#"[{:person/email "ann@x" :person/tags :c} {:db/id "cy" :person/name "Cy"}]"#,
        )
        .unwrap();
    assert!(r3.tx > r2.tx);
    let cy = r3.tempids[&Value::str("cy")];
    assert!(cy > bob);
    assert_eq!(
        db.entity(ann).unwrap().unwrap()[&Value::kw("person/tags")],
        Value::Set(
            [Value::kw("a"), Value::kw("b"), Value::kw("c")]
                .into_iter()
                .collect()
        )
    );
    // Ensuring the same schema again writes nothing.
    let next_tx = db.counters().next_tx;
    db.ensure_schema(&dfdb::read(SCHEMA).unwrap()).unwrap();
    assert_eq!(db.counters().next_tx, next_tx);
    db.compact().unwrap();
}

#[test]
fn another_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut db = open(&path);
    db.transact_edn(r#"[{:db/id "x" :thing/name "x"}]"#)
        .unwrap();
    let mut storage = db.into_storage();
    let key = meta_key("format");
    assert!(storage.get(&key).unwrap().is_some(), "the format marker");
    let mut b = WriteBatch::new();
    let mut bogus = Vec::new();
    dfdb::codec::put_u64(dfdb::index::FORMAT_VERSION + 41, &mut bogus);
    b.put(key, bogus);
    storage.write(b).unwrap();
    storage.close().unwrap();
    drop(storage);
    let e = dfdb::open(&path, RocksDbOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("format"), "{e}");
}

#[test]
fn data_that_is_not_dfdbs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut s = RocksDbStorage::open(&RocksDbOptions::new(&path)).unwrap();
    let mut b = WriteBatch::new();
    b.put(vec![space::EAVT, 1, 2, 3], vec![]);
    s.write(b).unwrap();
    s.close().unwrap();
    let e = dfdb::open(&path, RocksDbOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
}

#[test]
fn opening_a_path_open_in_this_process_fails_with_io() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let db = open(&path);
    let e = dfdb::open(&path, RocksDbOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("in use"), "{e}");
    drop(db);
    open(&path);
}

#[test]
fn opening_a_path_open_in_another_process_fails_with_io() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfdb-crash-child"))
        .arg(&path)
        .arg("0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let e = dfdb::open(&path, RocksDbOptions::default()).unwrap_err();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(e.kind(), ErrorKind::Io);
    let msg = e.to_string();
    assert!(
        msg.contains("in use") && msg.contains(&path.display().to_string()),
        "{msg}"
    );
    // Once the other process is gone, the path opens.
    // (the child committed its schema before it said "ready").
    let db = open(&path);
    assert!(db.counters().next_tx > dfdb::index::TX0);
}

#[test]
fn an_empty_storage_scan_sees_nothing_before_the_first_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let db = open(&path);
    let s = db.into_storage();
    assert_eq!(
        s.scan(KeyRange::all(), Direction::Forward).unwrap().count(),
        0
    );
}
