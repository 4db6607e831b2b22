//! A store written in format version 2 opens as the same database it was: random transactions run
//! on a fresh database; its store is rewritten the way version 2 laid it out (every assertion and
//! retraction in history as `e a v tx op`, one `STATS` entry per attribute, format 2); opening that
//! store upgrades it to exactly the entries the fresh database holds (the counts compared as
//! counts), with the same history, the same state as of every transaction, and the same counters.
//! A second test goes the other way: a database with time dimensions (whose transactions record
//! reassertions), strings and 70 attributes (two statistics groups) has its format-3 entries
//! written back as version 2 would have them, and the upgrade must give them back.

use dfdb_core::codec::put_u64;
use dfdb_core::index::{history_key, meta_key, space, stats_key, RawDatom};
use dfdb_core::storage::{Direction, KeyRange, MemoryStorage, ReadStorage, Storage, WriteBatch};
use dfdb_core::{read, Database, Datom, Index, TimePoint, TxInput, Value};
use std::collections::BTreeSet;

const SCHEMA: &str = r#"{:u/one {:db/cardinality :db.cardinality/one}
                         :u/many {:db/cardinality :db.cardinality/many}
                         :u/ref {:db/valueType :db.type/ref}}"#;
const ATTRS: [&str; 4] = ["u/one", "u/many", "u/ref", "u/plain"];

fn entries(s: &dyn ReadStorage) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.scan(KeyRange::all(), Direction::Forward)
        .expect("scan")
        .map(|e| e.expect("entry"))
        .collect()
}

/// Every attribute's datom count, by id.
fn counts(db: &Database) -> Vec<u64> {
    db.schema()
        .iter()
        .map(|a| db.schema().count(a.id))
        .collect()
}

/// A seeded xorshift: each call a number below its argument.
fn rng(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

/// The database over the entries of `v2`, marked format 2 (upgraded as it opens).
fn open_v2(mut v2: WriteBatch) -> Database {
    let mut format = Vec::new();
    put_u64(2, &mut format);
    v2.put(meta_key("format"), format);
    let mut old = MemoryStorage::new();
    old.write(v2).expect("write version 2");
    Database::open(Box::new(old), None).expect("open version 2")
}

/// The entries but the statistics (compared as loaded counts: a group's value may end earlier).
fn without_stats(es: &[(Vec<u8>, Vec<u8>)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    es.iter()
        .filter(|(k, _)| k.first() != Some(&space::STATS))
        .cloned()
        .collect()
}

/// The datoms of a state: entity, attribute id, value.
type State = BTreeSet<(u64, u32, Value)>;

/// The state as of every transaction, the history and the counts.
fn observe(db: &Database, txs: &[u64]) -> (Vec<State>, Vec<Datom>, Vec<u64>) {
    let states = txs
        .iter()
        .map(|tx| {
            let view = db.as_of(TimePoint::Tx(*tx)).expect("as of");
            view.datoms(None, None, None)
                .expect("datoms")
                .map(|d| d.map(|d| (d.e, d.a, d.v)).expect("datom"))
                .collect()
        })
        .collect();
    let counts = db
        .schema()
        .iter()
        .map(|a| db.schema().count(a.id))
        .collect();
    (states, db.history(None).expect("history"), counts)
}

#[test]
fn a_version_2_store_upgrades_to_the_same_database() {
    let mut db = Database::open_with_schema(
        Box::new(MemoryStorage::new()),
        None,
        &read(SCHEMA).expect("schema"),
    )
    .expect("open");
    let mut next = rng(0x2545_f491_4f6c_dd1d);
    let mut reports: Vec<Datom> = Vec::new();
    let mut txs = Vec::new();
    for _ in 0..60 {
        let mut ops = Vec::new();
        for _ in 0..1 + next(6) {
            let (e, a) = (1 + next(6), ATTRS[next(4) as usize]);
            let v = Value::Int(1 + next(4) as i64);
            let op = match next(5) {
                0 => Value::Vector(vec![Value::kw("db/retractEntity"), Value::Int(e as i64)]),
                1 | 2 => Value::Vector(vec![
                    Value::kw("db/retract"),
                    Value::Int(e as i64),
                    Value::kw(a),
                    v,
                ]),
                _ => Value::Vector(vec![
                    Value::kw("db/add"),
                    Value::Int(e as i64),
                    Value::kw(a),
                    v,
                ]),
            };
            ops.push(op);
        }
        let report = db.transact(TxInput::new(Value::Vector(ops))).expect("tx");
        txs.push(report.tx);
        reports.extend(report.tx_data);
    }
    let before = observe(&db, &txs);
    let schema = db.schema().clone();
    let fresh = entries(&*db.into_storage());

    // The same database as version 2 wrote it.
    let mut v2 = WriteBatch::new();
    for (k, v) in &fresh {
        let tag = k.first().copied();
        if ![Some(space::HEAVT), Some(space::HAEVT), Some(space::STATS)].contains(&tag) {
            v2.put(k.clone(), v.clone());
        }
    }
    for d in &reports {
        let a = schema.get(&d.a).expect("attribute").id;
        let raw = RawDatom {
            e: d.e,
            a,
            v: d.v.clone(),
            tx: d.tx,
            added: d.added,
        };
        for entity_first in [true, false] {
            let mut k = history_key(entity_first, &raw);
            k.push(u8::from(d.added));
            v2.put(k, Vec::new());
        }
    }
    for attr in schema.iter() {
        let mut n = Vec::new();
        put_u64(schema.count(attr.id), &mut n);
        v2.put(stats_key(attr.id), n);
    }
    let db = open_v2(v2);
    assert_eq!(observe(&db, &txs), before);
    assert_eq!(
        db.datoms(Index::Eavt, &[]).expect("datoms").len(),
        before.0.last().expect("a state").len()
    );
    let upgraded = entries(&*db.into_storage());
    assert_eq!(without_stats(&upgraded), without_stats(&fresh));
}

/// Version 2's history entry of one operation.
fn v2_key(tag: u8, components: &[u8], tx: &[u8], added: bool) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(components);
    k.extend_from_slice(tx);
    k.push(u8::from(added));
    k
}

#[test]
fn reassertions_and_statistics_groups_upgrade_too() {
    let mut db = Database::in_memory();
    db.transact_edn(
        "[{:dimension/name :time/valid :dimension/type :instant :dimension/indexed? true}]",
    )
    .expect("dimension");
    let mut next = rng(0x9e37_79b9_7f4a_7c15);
    for t in 0..80 {
        let mut ops = Vec::new();
        for _ in 0..1 + next(5) {
            let (e, a, v) = (1 + next(5), next(70), ["x", "y"][next(2) as usize]);
            let op = if next(4) == 0 { "db/retract" } else { "db/add" };
            ops.push(format!("[:{op} {e} :w/a{a} \"{v}\"]"));
        }
        let dims = match next(2) {
            0 => String::new(),
            _ => format!(":time/valid #inst \"2026-01-{:02}T00:00:00Z\"", 1 + t % 28),
        };
        let text = format!(
            "{{:tx-data [{}] :time-dimensions {{{dims}}}}}",
            ops.join(" ")
        );
        db.transact_edn(&text).expect("tx");
    }
    let before = counts(&db);
    let history = db.history(None).expect("history");
    let fresh = entries(&*db.into_storage());
    let reassertions = fresh
        .iter()
        .filter(|(k, v)| k.first() == Some(&space::HEAVT) && v.is_empty())
        .count();
    assert!(
        reassertions > 0,
        "no reassertion recorded: the test would not test them"
    );

    let mut v2 = WriteBatch::new();
    for (k, v) in &fresh {
        let (tag, rest) = k.split_first().expect("tag");
        let split = || rest.split_at(rest.len() - 8);
        match *tag {
            space::EAVT | space::AEVT => {
                let history = if *tag == space::EAVT {
                    space::HEAVT
                } else {
                    space::HAEVT
                };
                let (components, tx) = split();
                v2.put(v2_key(history, components, tx, true), Vec::new());
                v2.put(k.clone(), v.clone());
            }
            space::HEAVT | space::HAEVT => {
                let (components, tx) = split();
                v2.put(v2_key(*tag, components, tx, true), Vec::new());
                if !v.is_empty() {
                    v2.put(v2_key(*tag, components, v, false), Vec::new());
                }
            }
            space::STATS => {}
            _ => v2.put(k.clone(), v.clone()),
        }
    }
    for (a, n) in before.iter().enumerate() {
        let mut value = Vec::new();
        put_u64(*n, &mut value);
        v2.put(stats_key(a as u32), value);
    }
    let db = open_v2(v2);
    assert_eq!(counts(&db), before);
    assert_eq!(db.history(None).expect("history"), history);
    let upgraded = entries(&*db.into_storage());
    assert_eq!(without_stats(&upgraded), without_stats(&fresh));
}

#[test]
fn other_versions_are_refused() {
    let mut s = MemoryStorage::new();
    let mut b = WriteBatch::new();
    let mut format = Vec::new();
    put_u64(1, &mut format);
    b.put(meta_key("format"), format);
    s.write(b).expect("write");
    let Err(e) = Database::open(Box::new(s), None) else {
        panic!("a version-1 store opened");
    };
    assert_eq!(e.kind(), dfdb_core::ErrorKind::Io);
    assert!(e.to_string().contains("version 1"), "{e}");
}
