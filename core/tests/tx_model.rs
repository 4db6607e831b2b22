//! Model-based test of transactions: random sequences of transactions over a few entities and
//! attributes, checked after each one against a trivial reimplementation of the semantics (a set of
//! `(e, a, v)`), with the four current-state indexes checked against each other, and every failed
//! transaction checked to change nothing. At the end, the history (whole, and entity by entity) is
//! every report's datoms, and the database as of each transaction is the model's state then.

use dfdb_core::storage::MemoryStorage;
use dfdb_core::{Database, Datom, Index, TimePoint, Value};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The attributes: card-one string, card-many string, card-one ref, unique identity.
const ATTRS: [&str; 4] = ["t/name", "t/tag", "t/ref", "t/key"];
const NAME: usize = 0;
const TAG: usize = 1;
const REF: usize = 2;
const KEY: usize = 3;
/// Entities the operations name directly (created by the setup transaction).
const ENTITIES: u64 = 4;

fn schema() -> Value {
    let mut m = BTreeMap::new();
    let props = |pairs: &[(&str, &str)]| {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (Value::kw(k), Value::kw(v)))
                .collect(),
        )
    };
    m.insert(
        Value::kw("t/name"),
        props(&[("db/cardinality", "db.cardinality/one")]),
    );
    m.insert(
        Value::kw("t/tag"),
        props(&[("db/cardinality", "db.cardinality/many")]),
    );
    m.insert(
        Value::kw("t/ref"),
        props(&[
            ("db/cardinality", "db.cardinality/one"),
            ("db/valueType", "db.type/ref"),
        ]),
    );
    m.insert(
        Value::kw("t/key"),
        props(&[
            ("db/cardinality", "db.cardinality/one"),
            ("db/unique", "db.unique/identity"),
        ]),
    );
    Value::Map(m)
}

/// The `i`th of the few values attribute `a` takes.
fn value(a: usize, i: u64) -> Value {
    match a {
        NAME => Value::str(["a", "b", "c"][(i % 3) as usize]),
        TAG => Value::str(["x", "y", "z"][(i % 3) as usize]),
        REF => Value::Int((i % ENTITIES) as i64 + 1),
        _ => Value::str(["k1", "k2", "k3"][(i % 3) as usize]),
    }
}

/// A transaction that must fail, and how.
#[derive(Clone, Copy, Debug)]
enum Bad {
    /// `nil` as a value (kind `type`).
    Nil,
    /// A lookup ref naming nothing (kind `lookup`).
    MissingLookup,
    /// A float in ref position (not an entity reference).
    FloatRef,
}

#[derive(Clone, Debug)]
enum Op {
    Add(u64, usize, u64),
    Retract(u64, usize, u64),
    RetractAll(u64, usize),
    RetractEntity(u64),
    /// `{:t/key k :t/name n}`: upserts the holder of `k`, or creates an entity.
    Upsert(u64, u64),
    Bad(Bad),
}

fn op() -> impl Strategy<Value = Op> {
    let e = 1..=ENTITIES;
    prop_oneof![
        6 => (e.clone(), 0..4usize, 0..4u64).prop_map(|(e, a, v)| Op::Add(e, a, v)),
        3 => (e.clone(), 0..4usize, 0..4u64).prop_map(|(e, a, v)| Op::Retract(e, a, v)),
        1 => (e.clone(), 0..4usize).prop_map(|(e, a)| Op::RetractAll(e, a)),
        2 => e.prop_map(Op::RetractEntity),
        3 => (0..3u64, 0..3u64).prop_map(|(k, n)| Op::Upsert(k, n)),
        1 => prop_oneof![Just(Bad::Nil), Just(Bad::MissingLookup), Just(Bad::FloatRef)].prop_map(Op::Bad),
    ]
}

fn form(items: Vec<Value>) -> Value {
    Value::Vector(items)
}

fn tx_data(ops: &[Op]) -> Value {
    let kw = Value::kw;
    let id = |e: u64| Value::Int(e as i64);
    let items = ops
        .iter()
        .map(|op| match *op {
            Op::Add(e, a, v) => form(vec![kw("db/add"), id(e), kw(ATTRS[a]), value(a, v)]),
            Op::Retract(e, a, v) => form(vec![kw("db/retract"), id(e), kw(ATTRS[a]), value(a, v)]),
            Op::RetractAll(e, a) => form(vec![kw("db/retract"), id(e), kw(ATTRS[a])]),
            Op::RetractEntity(e) => form(vec![kw("db/retractEntity"), id(e)]),
            Op::Upsert(k, n) => Value::Map(
                [(kw("t/key"), value(KEY, k)), (kw("t/name"), value(NAME, n))]
                    .into_iter()
                    .collect(),
            ),
            Op::Bad(Bad::Nil) => form(vec![kw("db/add"), id(1), kw("t/name"), Value::Nil]),
            Op::Bad(Bad::MissingLookup) => form(vec![
                kw("db/add"),
                form(vec![kw("t/key"), Value::str("nope")]),
                kw("t/name"),
                Value::str("a"),
            ]),
            Op::Bad(Bad::FloatRef) => {
                form(vec![kw("db/add"), id(1), kw("t/ref"), Value::Float(1.5)])
            }
        })
        .collect();
    Value::Vector(items)
}

/// The reference semantics: a set of current (e, a, v) and the next entity id.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    datoms: BTreeSet<(u64, &'static str, Value)>,
    next_eid: u64,
}

impl Model {
    fn add(&mut self, e: u64, a: usize, v: Value) {
        if a != TAG {
            self.datoms
                .retain(|(de, da, _)| !(*de == e && *da == ATTRS[a]));
        }
        self.datoms.insert((e, ATTRS[a], v));
    }

    fn holder(&self, key: &Value) -> Option<u64> {
        self.datoms
            .iter()
            .find(|(_, a, v)| *a == ATTRS[KEY] && v == key)
            .map(|(e, _, _)| *e)
    }

    /// The state after `ops`, or `None` if the transaction must fail.
    fn transact(&self, ops: &[Op]) -> Option<Model> {
        if ops.iter().any(|op| matches!(op, Op::Bad(_))) {
            return None;
        }
        let mut next = self.clone();
        // Upserts resolve against the state before the transaction; maps asserting the same new
        // key become one new entity; new ids go in order of first appearance.
        let mut new_keys: BTreeMap<Value, u64> = BTreeMap::new();
        for op in ops {
            match *op {
                Op::Add(e, a, v) => next.add(e, a, value(a, v)),
                Op::Retract(e, a, v) => {
                    next.datoms.remove(&(e, ATTRS[a], value(a, v)));
                }
                Op::RetractAll(e, a) => next
                    .datoms
                    .retain(|(de, da, _)| !(*de == e && *da == ATTRS[a])),
                Op::RetractEntity(e) => {
                    let target = Value::Int(e as i64);
                    next.datoms
                        .retain(|(de, da, dv)| *de != e && !(*da == ATTRS[REF] && *dv == target));
                }
                Op::Upsert(k, n) => {
                    let key = value(KEY, k);
                    let e = match self.holder(&key) {
                        Some(e) => e,
                        None => *new_keys.entry(key.clone()).or_insert_with(|| {
                            next.next_eid += 1;
                            next.next_eid - 1
                        }),
                    };
                    next.add(e, KEY, key);
                    next.add(e, NAME, value(NAME, n));
                }
                Op::Bad(_) => return None,
            }
        }
        let mut holders: BTreeMap<&Value, u64> = BTreeMap::new();
        for (e, a, v) in &next.datoms {
            if *a == ATTRS[KEY] && holders.insert(v, *e).is_some() {
                return None;
            }
        }
        Some(next)
    }
}

fn set(db: &Database, index: Index) -> Result<BTreeSet<Datom>, TestCaseError> {
    let v = db
        .datoms(index, &[])
        .map_err(|e| TestCaseError::fail(format!("{index:?}: {e}")))?;
    let s: BTreeSet<Datom> = v.iter().cloned().collect();
    prop_assert_eq!(s.len(), v.len(), "{:?} holds duplicates", index);
    prop_assert!(s.iter().all(|d| d.added), "{:?} holds a retraction", index);
    Ok(s)
}

/// The indexes agree with each other and with the model.
fn check(db: &Database, model: &Model) -> Result<(), TestCaseError> {
    let eavt = set(db, Index::Eavt)?;
    prop_assert_eq!(&eavt, &set(db, Index::Aevt)?, "EAVT and AEVT differ");
    prop_assert_eq!(&eavt, &set(db, Index::Avet)?, "EAVT and AVET differ");
    let refs: BTreeSet<Datom> = eavt
        .iter()
        .filter(|d| d.a.as_str() == ATTRS[REF])
        .cloned()
        .collect();
    prop_assert_eq!(&set(db, Index::Vaet)?, &refs, "VAET is not the ref datoms");
    let got: BTreeSet<(u64, String, Value)> = eavt
        .iter()
        .map(|d| (d.e, d.a.as_str().to_string(), d.v.clone()))
        .collect();
    let want: BTreeSet<(u64, String, Value)> = model
        .datoms
        .iter()
        .map(|(e, a, v)| (*e, a.to_string(), v.clone()))
        .collect();
    prop_assert_eq!(got, want, "the database differs from the model");
    prop_assert_eq!(db.counters().next_eid, model.next_eid, "next entity id");
    Ok(())
}

type State = BTreeSet<(u64, String, Value)>;

fn state(model: &Model) -> State {
    model
        .datoms
        .iter()
        .map(|(e, a, v)| (*e, a.to_string(), v.clone()))
        .collect()
}

/// The history is the reports' datoms, and each transaction's as-of view the state it left.
fn check_time(
    db: &Database,
    reports: &[Datom],
    states: &[(u64, State)],
) -> Result<(), TestCaseError> {
    let fail = |e: dfdb_core::Error| TestCaseError::fail(e.to_string());
    let want: BTreeSet<Datom> = reports.iter().cloned().collect();
    let history = db.history(None).map_err(fail)?;
    prop_assert_eq!(
        history.len(),
        reports.len(),
        "history holds duplicates or misses some"
    );
    prop_assert_eq!(
        &history.iter().cloned().collect::<BTreeSet<_>>(),
        &want,
        "history"
    );
    for e in want.iter().map(|d| d.e).collect::<BTreeSet<_>>() {
        let of_e: BTreeSet<Datom> = want.iter().filter(|d| d.e == e).cloned().collect();
        let got: BTreeSet<Datom> = db.history(Some(e)).map_err(fail)?.into_iter().collect();
        prop_assert_eq!(got, of_e, "history of entity {}", e);
    }
    for (tx, want) in states {
        let view = db.as_of(TimePoint::Tx(*tx)).map_err(fail)?;
        let mut got = State::new();
        for d in view.datoms(None, None, None).map_err(fail)? {
            let d = d.map_err(fail)?;
            let attr = view.schema().attr(d.a).map_err(fail)?;
            got.insert((d.e, attr.ident.as_str().to_string(), d.v));
        }
        prop_assert_eq!(&got, want, "as of transaction {}", tx);
    }
    Ok(())
}

fn dump(db: &Database) -> impl PartialEq + std::fmt::Debug {
    let history = db.history(None).map_err(|e| e.to_string());
    let current = db.datoms(Index::Eavt, &[]).map_err(|e| e.to_string());
    let vaet = db.datoms(Index::Vaet, &[]).map_err(|e| e.to_string());
    (db.counters(), history, current, vaet)
}

fn setup() -> (Database, Model) {
    let mut db =
        Database::open_with_schema(Box::new(MemoryStorage::new()), None, &schema()).expect("open");
    let names = (0..ENTITIES)
        .map(|i| {
            Value::Map(
                [(Value::kw("t/name"), value(NAME, i))]
                    .into_iter()
                    .collect(),
            )
        })
        .collect();
    let report = db
        .transact(dfdb_core::TxInput::new(Value::Vector(names)))
        .expect("setup transaction");
    let mut model = Model {
        datoms: BTreeSet::new(),
        next_eid: 1,
    };
    for i in 0..ENTITIES {
        model.datoms.insert((i + 1, ATTRS[NAME], value(NAME, i)));
    }
    model.next_eid = ENTITIES + 1;
    assert_eq!(report.tx_data.len(), ENTITIES as usize);
    (db, model)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn transactions_match_the_model(txs in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..12)) {
        let (mut db, mut model) = setup();
        check(&db, &model)?;
        let mut reports = db.history(None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut states = vec![(db.counters().next_tx - 1, state(&model))];
        for ops in &txs {
            let before = dump(&db);
            let result = db.transact(dfdb_core::TxInput::new(tx_data(ops)));
            match (model.transact(ops), result) {
                (Some(next), Ok(r)) => {
                    model = next;
                    reports.extend(r.tx_data);
                    states.push((r.tx, state(&model)));
                }
                (None, Err(_)) => prop_assert_eq!(&before, &dump(&db), "a failed transaction changed the database"),
                (Some(_), Err(e)) => prop_assert!(false, "{:?} failed ({}) but the model accepts it", ops, e),
                (None, Ok(r)) => prop_assert!(false, "{:?} committed ({:?}) but the model refuses it", ops, r.tx_data),
            }
            check(&db, &model)?;
        }
        check_time(&db, &reports, &states)?;
    }
}
