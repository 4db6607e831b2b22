//! As-of along any dimension equals filtering the full history by hand (issue #8).
//!
//! Two or three instant dimensions are declared without ordering constraints; random transactions
//! (asserts, redundant re-asserts, retracts, card-many values, refs, `retractEntity`) each carry a
//! random subset of dimension values and a non-decreasing `:tx-instant`. For random as-of maps
//! (random subsets of the dimensions with random bounds, optionally `:time/system`), the datoms a
//! query sees equal the model: every operation of `db.history(None)` whose transaction passes
//! every bound (a transaction lacking a dimension passes its bound; `:time/system` bounds the
//! transaction's instant), folded per `(e, a, v)` to the last kept operation, keeping assertions.
//! `[?e ?a ?v :at/x ?t]` returns exactly the kept assertions whose transaction carries `x`, with
//! that value; with range predicates on `?t` (and optionally the entity bound), exactly those
//! whose value lies in the range. The third dimension is not indexed, so both the history scan and
//! the range index with the transaction log answer `:at/` patterns.

use dfdb_core::{read, Database, Value};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMA: &str = "{:x/name {:db/cardinality :db.cardinality/one}
  :x/tag {:db/cardinality :db.cardinality/many}
  :x/ref {:db/cardinality :db.cardinality/one :db/valueType :db.type/ref}}";

const ATTRS: [&str; 3] = ["x/name", "x/tag", "x/ref"];
const DIMS: [&str; 3] = ["time/d0", "time/d1", "time/d2"];
const ENTITIES: usize = 4;

/// Dimension values and bounds: `BASE + k * DAY`.
const BASE: i64 = 1_767_225_600_000; // 2026-01-01
const DAY: i64 = 86_400_000;
/// Transaction instants: `SYS + s * 1000`, `s` non-decreasing.
const SYS: i64 = 1_780_000_000_000;

/// The case count: `PROPTEST_CASES` when set (for longer local runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize, u8),
    Retract(usize, usize, u8),
    RetractAttr(usize, usize),
    RetractEntity(usize),
}

#[derive(Clone, Debug)]
struct Tx {
    ops: Vec<Op>,
    /// Value index per dimension (`None`: the transaction does not carry it).
    dims: [Option<u8>; 3],
    /// Seconds the transaction instant advances (0 or 1: instants may repeat).
    step: u8,
}

fn op() -> impl Strategy<Value = Op> {
    let e = 0..ENTITIES;
    prop_oneof![
        6 => (e.clone(), 0..3usize, 0..3u8).prop_map(|(e, a, v)| Op::Add(e, a, v)),
        3 => (e.clone(), 0..3usize, 0..3u8).prop_map(|(e, a, v)| Op::Retract(e, a, v)),
        1 => (e.clone(), 0..3usize).prop_map(|(e, a)| Op::RetractAttr(e, a)),
        1 => e.prop_map(Op::RetractEntity),
    ]
}

fn tx() -> impl Strategy<Value = Tx> {
    (
        prop::collection::vec(op(), 1..4),
        [
            prop::option::of(0..6u8),
            prop::option::of(0..6u8),
            prop::option::of(0..6u8),
        ],
        0..2u8,
    )
        .prop_map(|(ops, dims, step)| Tx { ops, dims, step })
}

/// An as-of map: a bound index per dimension (`None`: unbounded) and optionally `:time/system`.
#[derive(Clone, Debug)]
struct AsOf {
    dims: [Option<u8>; 3],
    system: Option<u8>,
}

fn as_of() -> impl Strategy<Value = AsOf> {
    (
        [
            prop::option::of(0..7u8),
            prop::option::of(0..7u8),
            prop::option::of(0..7u8),
        ],
        prop::option::weighted(0.3, 0..12u8),
    )
        .prop_map(|(dims, system)| AsOf { dims, system })
}

/// A dimension value or bound: index 0 lies before every value transactions carry.
fn dim_ms(k: u8) -> i64 {
    BASE + (k as i64 - 1) * DAY + if k % 2 == 0 { 0 } else { DAY / 2 }
}

fn value(a: usize, i: u8, ids: &[u64]) -> Value {
    match a {
        0 => Value::str(["a", "b", "c"][i as usize % 3]),
        1 => Value::Int(i as i64),
        _ => Value::Int(ids[i as usize % ids.len()] as i64),
    }
}

fn tx_text(t: &Tx, ndims: usize, ids: &[u64], instant: i64) -> String {
    let e = |i: usize| ids[i % ids.len()];
    let items: Vec<String> = t
        .ops
        .iter()
        .map(|op| match *op {
            Op::Add(x, a, v) => format!("[:db/add {} :{} {}]", e(x), ATTRS[a], value(a, v, ids)),
            Op::Retract(x, a, v) => {
                format!("[:db/retract {} :{} {}]", e(x), ATTRS[a], value(a, v, ids))
            }
            Op::RetractAttr(x, a) => format!("[:db/retract {} :{}]", e(x), ATTRS[a]),
            Op::RetractEntity(x) => format!("[:db/retractEntity {}]", e(x)),
        })
        .collect();
    let dims: Vec<String> = t.dims[..ndims]
        .iter()
        .zip(DIMS)
        .filter_map(|(k, d)| k.map(|k| format!(":{d} {}", Value::Inst(dim_ms(k + 1)))))
        .collect();
    format!(
        "{{:tx-data [{}] :time-dimensions {{{}}} :tx-instant {}}}",
        items.join(" "),
        dims.join(" "),
        Value::Inst(instant)
    )
}

fn as_of_text(m: &AsOf, ndims: usize) -> String {
    let mut parts: Vec<String> = m.dims[..ndims]
        .iter()
        .zip(DIMS)
        .filter_map(|(k, d)| k.map(|k| format!(":{d} {}", Value::Inst(dim_ms(k)))))
        .collect();
    if let Some(s) = m.system {
        parts.push(format!(":time/system {}", Value::Inst(system_ms(s))));
    }
    format!("{{{}}}", parts.join(" "))
}

/// A `:time/system` bound: before, at, or between transaction instants.
fn system_ms(s: u8) -> i64 {
    SYS + (s as i64 - 1) * 1000 + if s % 3 == 0 { 500 } else { 0 }
}

/// What the model knows of each committed transaction: its instant and dimension values.
type TxInfo = BTreeMap<u64, (i64, BTreeMap<String, i64>)>;

/// Whether the model lets transaction `tx` through `m`.
fn passes(info: &TxInfo, tx: u64, m: &AsOf, ndims: usize) -> bool {
    let (instant, dims) = match info.get(&tx) {
        Some((i, d)) => (*i, d.clone()),
        // Schema and setup transactions: instant 0, no dimensions.
        None => (0, BTreeMap::new()),
    };
    let sys_ok = m.system.is_none_or(|s| instant <= system_ms(s));
    sys_ok
        && m.dims[..ndims]
            .iter()
            .zip(DIMS)
            .all(|(k, d)| match (k, dims.get(d)) {
                (Some(k), Some(v)) => *v <= dim_ms(*k),
                _ => true,
            })
}

/// The answer to query text `q` (a failure names the query).
fn query(db: &Database, q: &str) -> Result<Value, TestCaseError> {
    db.query(&read(q).expect("query"), &[])
        .map_err(|e| TestCaseError::fail(format!("{q}: {e}")))
}

fn rows(v: &Value) -> BTreeSet<Value> {
    match v {
        Value::Set(s) => s.iter().cloned().collect(),
        other => panic!("not a set: {other}"),
    }
}

fn run(ndims: usize, txs: &[Tx], maps: &[AsOf]) -> Result<(), TestCaseError> {
    let mut db = Database::in_memory();
    db.ensure_schema(&read(SCHEMA).expect("schema"))
        .expect("schema tx");
    let decl: Vec<String> = DIMS[..ndims]
        .iter()
        .map(|d| {
            let indexed = *d != DIMS[2];
            format!(
                "{{:dimension/name :{d} :dimension/type :instant :dimension/indexed? {indexed}}}"
            )
        })
        .collect();
    db.transact_edn(&format!("[{}]", decl.join(" ")))
        .expect("dimensions");
    let setup: Vec<String> = (0..ENTITIES)
        .map(|i| format!("{{:db/id \"t{i}\" :x/name \"a\"}}"))
        .collect();
    let report = db
        .transact_edn(&format!("[{}]", setup.join(" ")))
        .expect("setup");
    let ids: Vec<u64> = (0..ENTITIES)
        .map(|i| report.tempids[&Value::str(&format!("t{i}"))])
        .collect();
    let mut info = TxInfo::new();
    let mut steps: i64 = 0;
    for t in txs {
        steps += t.step as i64;
        let instant = SYS + steps * 1000;
        let text = tx_text(t, ndims, &ids, instant);
        if let Ok(report) = db.transact_edn(&text) {
            let dims = t.dims[..ndims]
                .iter()
                .zip(DIMS)
                .filter_map(|(k, d)| k.map(|k| (d.to_string(), dim_ms(k + 1))))
                .collect();
            info.insert(report.tx, (instant, dims));
            prop_assert_eq!(db.tx_instant(report.tx).ok().flatten(), Some(instant));
        }
    }
    let history = db
        .history(None)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let all_maps: Vec<AsOf> = std::iter::once(AsOf {
        dims: [None; 3],
        system: None,
    })
    .chain(maps.iter().cloned())
    .collect();
    for m in &all_maps {
        let bounds = as_of_text(m, ndims);
        // The model: kept operations folded per fact, oldest first.
        let mut last: BTreeMap<(u64, String, Value), bool> = BTreeMap::new();
        let mut at: BTreeMap<&str, BTreeSet<Value>> = BTreeMap::new();
        for d in &history {
            if !passes(&info, d.tx, m, ndims) {
                continue;
            }
            last.insert((d.e, d.a.as_str().to_string(), d.v.clone()), d.added);
            if d.added {
                if let Some((_, dims)) = info.get(&d.tx) {
                    for (dim, v) in dims {
                        at.entry(dim.as_str())
                            .or_default()
                            .insert(Value::Vector(vec![
                                Value::Int(d.e as i64),
                                Value::Keyword(d.a.clone()),
                                d.v.clone(),
                                Value::Inst(*v),
                            ]));
                    }
                }
            }
        }
        let want: BTreeSet<Value> = last
            .into_iter()
            .filter(|(_, added)| *added)
            .map(|((e, a, v), _)| Value::Vector(vec![Value::Int(e as i64), Value::kw(&a), v]))
            .collect();
        let q = format!("{{:query [:find ?e ?a ?v :where [?e ?a ?v]] :as-of {bounds}}}");
        let got = query(&db, &q)?;
        prop_assert_eq!(rows(&got), want, "{}", q);
        for dim in &DIMS[..ndims] {
            let name = dim.trim_start_matches("time/");
            let q = format!(
                "{{:query [:find ?e ?a ?v ?t :where [?e ?a ?v :at/{name} ?t]] :as-of {bounds}}}"
            );
            let got = query(&db, &q)?;
            let all = at.remove(*dim).unwrap_or_default();
            prop_assert_eq!(rows(&got), all.clone(), "{}", q);
            for (lo, hi) in [(1, 2), (2, 4), (0, 3), (5, 6)] {
                let (lo, hi) = (dim_ms(lo), dim_ms(hi));
                let in_range = |row: &Value| matches!(row, Value::Vector(xs) if matches!(xs.last(), Some(Value::Inst(t)) if (lo..=hi).contains(t)));
                let q = format!(
                    "{{:query [:find ?e ?a ?v ?t :where [?e ?a ?v :at/{name} ?t] [(>= ?t {})] [(<= ?t {})]] :as-of {bounds}}}",
                    Value::Inst(lo),
                    Value::Inst(hi)
                );
                let got = query(&db, &q)?;
                let want: BTreeSet<Value> = all.iter().filter(|r| in_range(r)).cloned().collect();
                prop_assert_eq!(rows(&got), want, "{}", q);
                for (i, e) in ids.iter().enumerate() {
                    let attr = ATTRS[i % ATTRS.len()];
                    let q = format!(
                        "{{:query [:find ?v ?t :where [{e} :{attr} ?v :at/{name} ?t] [(> ?t {})] [(< ?t {})]] :as-of {bounds}}}",
                        Value::Inst(lo),
                        Value::Inst(hi)
                    );
                    let got = query(&db, &q)?;
                    let want: BTreeSet<Value> = all
                        .iter()
                        .filter_map(|r| match r {
                            Value::Vector(xs)
                                if xs[0] == Value::Int(*e as i64) && xs[1] == Value::kw(attr) =>
                            {
                                match &xs[3] {
                                    Value::Inst(t) if lo < *t && *t < hi => {
                                        Some(Value::Vector(vec![xs[2].clone(), xs[3].clone()]))
                                    }
                                    _ => None,
                                }
                            }
                            _ => None,
                        })
                        .collect();
                    prop_assert_eq!(rows(&got), want, "{}", q);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(400), ..ProptestConfig::default() })]

    #[test]
    fn as_of_equals_filtered_history(
        ndims in 2..=3usize,
        txs in prop::collection::vec(tx(), 1..10),
        maps in prop::collection::vec(as_of(), 1..6),
    ) {
        run(ndims, &txs, &maps)?;
    }
}

/// A redundant assertion in a dimensioned transaction is a re-assertion at that transaction: as of
/// a bound that hides the first assertion's transaction, the fact is still visible.
#[test]
fn reassertion_counts_as_an_assertion() {
    let txs = vec![
        Tx {
            ops: vec![Op::Add(0, 1, 2)],
            dims: [Some(4), None, None],
            step: 1,
        },
        Tx {
            ops: vec![Op::Add(0, 1, 2)],
            dims: [Some(1), None, None],
            step: 1,
        },
    ];
    let maps = vec![AsOf {
        dims: [Some(3), None, None],
        system: None,
    }];
    run(2, &txs, &maps).expect("as-of equals the model");
}
