//! Live queries against a fresh run after every transaction (issue #7).
//!
//! Random transactions (asserts, retracts, attribute retracts, `retractEntity`, upserts through a
//! unique identity, card-many adds and removes, ref changes, failing transactions and transactions
//! that change nothing) run against subscriptions to a catalogue of queries (joins, predicates,
//! `not`/`not-join`, `or`/`or-join`, a recursive rule, `:attr+`, function bindings, a variable
//! attribute, `:in` scalar and collection inputs, aggregates with grouping), some subscribed before any transaction and some midway,
//! one twice (shared state, one of the two leaving after the third transaction). After every transaction, for every subscription: the initial result
//! with every delivered `{additions, retractions}` applied as a multiset (each retraction removing
//! something present, nothing added twice) equals `db.query` and `db.subscription_result`; a
//! subscription whose result did not change received nothing.

use dfdb_core::{read, Database, Index, Value};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const SCHEMA: &str = "{:u/key {:db/unique :db.unique/identity :db/cardinality :db.cardinality/one}
  :u/name {:db/cardinality :db.cardinality/one}
  :u/age {:db/cardinality :db.cardinality/one}
  :u/tag {:db/cardinality :db.cardinality/many}
  :u/parent {:db/cardinality :db.cardinality/one :db/valueType :db.type/ref}}";

const RULES: &str = "[[(anc ?a ?b) [?a :u/parent ?b]]
  [(anc ?a ?b) [?a :u/parent ?c] (anc ?c ?b)]]";

/// Attributes the operations touch: (ident, is card-many).
const ATTRS: [&str; 5] = ["u/key", "u/name", "u/age", "u/tag", "u/parent"];
const KEY: usize = 0;
const PARENT: usize = 4;

/// Entities of the setup transaction.
const ENTITIES: usize = 5;

/// The queries subscribed to; `{c}` is replaced by a small integer, `{n}` by a name, `{e}` by an
/// entity id.
const CATALOGUE: [&str; 23] = [
    "[:find ?e ?n :where [?e :u/name ?n]]",
    "[:find ?e ?f :where [?e :u/parent ?f] [?f :u/name ?n] [?e :u/name ?n]]",
    "[:find ?e ?a :where [?e :u/age ?a] [(> ?a {c})]]",
    "[:find ?e :where [?e :u/name _] (not [?e :u/tag {c}])]",
    "[:find ?e :where [?e :u/key _] (not-join [?e] [?e :u/parent ?p] [?p :u/age ?x] [(>= ?x {c})])]",
    "[:find ?e ?x :where (or [?e :u/age ?x] [?e :u/tag ?x])]",
    "[:find ?e :where [?e :u/name ?n] (or-join [?e] [?e :u/tag {c}] (and [?e :u/parent ?p] [?p :u/name {n}]))]",
    "[:find ?a ?b :in $ % :where (anc ?a ?b)]",
    "[:find ?a ?b :where [?a :u/parent+ ?b]]",
    "[:find ?n (count ?e) :where [?e :u/name ?n]]",
    "[:find ?n (sum ?x) (min ?x) (max ?x) :with ?e :where [?e :u/name ?n] [?e :u/tag ?x]]",
    "[:find (median ?a) (count-distinct ?a) (count ?e) :where [?e :u/age ?a]]",
    "[:find ?k (count-distinct ?t) :where [?e :u/key ?k] [?e :u/tag ?t]]",
    "[:find ?e ?f :where [?e :u/parent ?f] [?f :u/parent ?e]]",
    "[:find ?e ?s :where [?e :u/name ?n] [?e :u/age ?a] [(str ?n ?a) ?s]]",
    "[:find ?a ?v :where [{e} ?a ?v]]",
    "[:find ?p (max ?a) (count ?c) :in $ % :where (anc ?c ?p) [?c :u/age ?a] (not [?p :u/name {n}])]",
    "[:find ?e ?y :where [?e :u/tag ?x] [(+ ?x {c}) ?y] [?f :u/age ?y]]",
    "[:find ?e :in $ ?n :where [?e :u/name ?n] [?e :u/parent ?p] (not [?p :u/name ?n])]",
    "[:find ?e ?t :in $ [?t ...] :where [?e :u/tag ?t] [?e :u/age ?a] [(<= ?a ?t)]]",
    "[:find ?e :where [?e :u/age ?a] (or-join [?e ?a] (and [?e :u/tag {c}] (not [?e :u/name {n}])) [(< ?a {c})])]",
    // Several patterns on one bound entity (read together from the entity's span, also on the
    // state before a transaction), with a card-many member and a filter.
    "[:find ?e ?n ?a ?t :where [?e :u/key _] [?e :u/name ?n] [?e :u/age ?a] [?e :u/tag ?t]]",
    "[:find ?e ?a ?t :where [?e :u/name {n}] [?e :u/age ?a] [?e :u/tag ?t] [?e :u/parent ?p]]",
];

const NAMES: [&str; 3] = ["a", "b", "c"];

/// A transaction operation; entities are indexes into the entities known so far.
#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize, u8),
    Retract(usize, usize, u8),
    RetractAttr(usize, usize),
    RetractEntity(usize),
    /// `{:u/key k :u/name n}` or `{:u/key k :u/age n :u/parent e}`.
    Upsert(u8, u8, Option<usize>),
}

/// A transaction: operations, or one that changes nothing.
#[derive(Clone, Debug)]
enum Tx {
    Ops(Vec<Op>),
    /// Re-asserts the `k`th current datom.
    Reassert(usize),
    /// Retracts a value the entity does not have.
    RetractAbsent(usize),
    Empty,
}

fn op() -> impl Strategy<Value = Op> {
    let e = 0..12usize;
    prop_oneof![
        6 => (e.clone(), 0..5usize, 0..4u8).prop_map(|(e, a, v)| Op::Add(e, a, v)),
        3 => (e.clone(), 0..5usize, 0..4u8).prop_map(|(e, a, v)| Op::Retract(e, a, v)),
        1 => (e.clone(), 0..5usize).prop_map(|(e, a)| Op::RetractAttr(e, a)),
        1 => e.clone().prop_map(Op::RetractEntity),
        3 => (0..5u8, 0..4u8, prop::option::of(e)).prop_map(|(k, n, p)| Op::Upsert(k, n, p)),
    ]
}

fn tx() -> impl Strategy<Value = Tx> {
    prop_oneof![
        8 => prop::collection::vec(op(), 1..5).prop_map(Tx::Ops),
        1 => (0..64usize).prop_map(Tx::Reassert),
        1 => (0..12usize).prop_map(Tx::RetractAbsent),
        1 => Just(Tx::Empty),
    ]
}

/// A subscription: catalogue entry, its constants, and before which transaction it starts.
#[derive(Clone, Debug)]
struct Sub {
    query: usize,
    c: u8,
    n: u8,
    e: usize,
    start: usize,
}

fn sub() -> impl Strategy<Value = Sub> {
    (0..CATALOGUE.len(), 0..4u8, 0..3u8, 0..12usize, 0..4usize).prop_map(
        |(query, c, n, e, start)| Sub {
            query,
            c,
            n,
            e,
            start: start.saturating_sub(1),
        },
    )
}

fn value(a: usize, i: u8, known: &[u64]) -> String {
    match a {
        KEY => format!("\"k{}\"", i % 4),
        1 => format!("\"{}\"", NAMES[i as usize % 3]),
        PARENT => known[i as usize % known.len()].to_string(),
        _ => (i % 4).to_string(),
    }
}

fn tx_text(ops: &[Op], known: &[u64]) -> String {
    let e = |i: usize| known[i % known.len()];
    let items: Vec<String> = ops
        .iter()
        .map(|op| match *op {
            Op::Add(x, a, v) => format!("[:db/add {} :{} {}]", e(x), ATTRS[a], value(a, v, known)),
            Op::Retract(x, a, v) => format!(
                "[:db/retract {} :{} {}]",
                e(x),
                ATTRS[a],
                value(a, v, known)
            ),
            Op::RetractAttr(x, a) => format!("[:db/retract {} :{}]", e(x), ATTRS[a]),
            Op::RetractEntity(x) => format!("[:db/retractEntity {}]", e(x)),
            Op::Upsert(k, n, None) => format!(
                "{{:u/key {} :u/name {}}}",
                value(KEY, k, known),
                value(1, n, known)
            ),
            Op::Upsert(k, n, Some(p)) => format!(
                "{{:u/key {} :u/age {} :u/parent {}}}",
                value(KEY, k, known),
                value(2, n, known),
                e(p)
            ),
        })
        .collect();
    format!("[{}]", items.join(" "))
}

type Delivered = Rc<RefCell<Vec<Result<(Vec<Value>, Vec<Value>), String>>>>;

/// One live subscription and what the test has accumulated from it.
struct Live {
    id: u64,
    query: Value,
    inputs: Vec<Value>,
    text: String,
    delivered: Delivered,
    /// The initial result with every delivered diff applied, as a multiset.
    state: BTreeMap<Value, usize>,
}

fn as_set(v: &Value) -> Result<BTreeSet<Value>, TestCaseError> {
    match v {
        Value::Set(s) => Ok(s.iter().cloned().collect()),
        other => Err(TestCaseError::fail(format!("not a set: {other}"))),
    }
}

fn subscribe(db: &mut Database, s: &Sub, known: &[u64]) -> Result<Live, TestCaseError> {
    let text = CATALOGUE[s.query]
        .replace("{c}", &s.c.to_string())
        .replace("{n}", &format!("\"{}\"", NAMES[s.n as usize % 3]))
        .replace("{e}", &known[s.e % known.len()].to_string());
    let query = read(&text).expect("query");
    let inputs = if text.contains(" % ") {
        vec![read(RULES).expect("rules")]
    } else if text.contains("$ ?n") {
        vec![Value::str(NAMES[s.n as usize % 3])]
    } else if text.contains("[?t ...]") {
        vec![read(&format!("[{} 2]", s.c)).expect("input")]
    } else {
        vec![]
    };
    let delivered: Delivered = Rc::new(RefCell::new(Vec::new()));
    let sink = delivered.clone();
    let (id, initial) = db
        .subscribe(
            &query,
            &inputs,
            Box::new(move |d| {
                sink.borrow_mut().push(
                    d.map(|d| (d.additions.clone(), d.retractions.clone()))
                        .map_err(|e| e.to_string()),
                )
            }),
        )
        .map_err(|e| TestCaseError::fail(format!("subscribe {text}: {e}")))?;
    let state = as_set(&initial)?.into_iter().map(|t| (t, 1)).collect();
    Ok(Live {
        id,
        query,
        inputs,
        text,
        delivered,
        state,
    })
}

fn fresh(db: &Database, l: &Live) -> Result<BTreeSet<Value>, TestCaseError> {
    let v = db
        .query(&l.query, &l.inputs)
        .map_err(|e| TestCaseError::fail(format!("query {}: {e}", l.text)))?;
    as_set(&v)
}

/// Applies what `l` received since the last check; returns whether anything arrived.
fn absorb(l: &mut Live, what: &str) -> Result<bool, TestCaseError> {
    let diffs: Vec<_> = l.delivered.borrow_mut().drain(..).collect();
    let any = !diffs.is_empty();
    for d in diffs {
        let (adds, rets) = d.map_err(|e| {
            TestCaseError::fail(format!("{}: delivered error after {what}: {e}", l.text))
        })?;
        prop_assert!(
            !adds.is_empty() || !rets.is_empty(),
            "{}: empty diff delivered after {}",
            l.text,
            what
        );
        for r in rets {
            match l.state.get_mut(&r) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    if *n == 0 {
                        l.state.remove(&r);
                    }
                }
                _ => prop_assert!(
                    false,
                    "{}: retraction of {} which is not in the result, after {}",
                    l.text,
                    r,
                    what
                ),
            }
        }
        for a in adds {
            *l.state.entry(a).or_insert(0) += 1;
        }
    }
    Ok(any)
}

fn check(
    db: &Database,
    lives: &mut [Live],
    before: &[BTreeSet<Value>],
    what: &str,
) -> Result<(), TestCaseError> {
    for (l, old) in lives.iter_mut().zip(before) {
        let any = absorb(l, what)?;
        let want = fresh(db, l)?;
        let multi: Vec<(&Value, &usize)> = l.state.iter().filter(|(_, n)| **n != 1).collect();
        prop_assert!(
            multi.is_empty(),
            "{}: tuples held more than once after {}: {:?}",
            l.text,
            what,
            multi
        );
        let got: BTreeSet<Value> = l.state.keys().cloned().collect();
        prop_assert_eq!(
            &got,
            &want,
            "{}: accumulated != fresh after {}",
            l.text,
            what
        );
        let held = db
            .subscription_result(l.id)
            .expect("subscription exists")
            .map_err(|e| TestCaseError::fail(format!("{}: {e}", l.text)))?;
        prop_assert_eq!(
            &as_set(&held)?,
            &want,
            "{}: subscription_result != fresh after {}",
            l.text,
            what
        );
        if *old == want {
            prop_assert!(
                !any,
                "{}: result unchanged but a diff was delivered after {}",
                l.text,
                what
            );
        }
    }
    Ok(())
}

fn setup() -> (Database, Vec<u64>) {
    let mut db = Database::in_memory();
    db.ensure_schema(&read(SCHEMA).expect("schema"))
        .expect("schema tx");
    let items: Vec<String> = (0..ENTITIES)
        .map(|i| {
            format!(
                "{{:db/id \"t{i}\" :u/name \"{}\" :u/age {} :u/tag {} :u/parent \"t{}\"}}",
                NAMES[i % 3],
                i % 4,
                i % 3,
                (i + 1) % ENTITIES
            )
        })
        .collect();
    let report = db
        .transact_edn(&format!("[{}]", items.join(" ")))
        .expect("setup");
    let known = (0..ENTITIES)
        .map(|i| report.tempids[&Value::str(&format!("t{i}"))])
        .collect();
    (db, known)
}

fn run(subs: &[Sub], txs: &[Tx]) -> Result<(), TestCaseError> {
    let (mut db, mut known) = setup();
    let mut lives: Vec<Live> = Vec::new();
    // The first subscription is made twice: the two share one state.
    let mut pending: Vec<Sub> = subs.to_vec();
    if let Some(first) = subs.first() {
        let mut twin = first.clone();
        twin.start = 0;
        pending.push(twin.clone());
        pending.insert(0, twin);
    }
    for (i, t) in txs.iter().enumerate() {
        for s in pending.iter().filter(|s| s.start == i) {
            lives.push(subscribe(&mut db, s, &known)?);
        }
        let before: Vec<BTreeSet<Value>> = lives
            .iter()
            .map(|l| fresh(&db, l))
            .collect::<Result<_, _>>()?;
        let text = match t {
            Tx::Ops(ops) => tx_text(ops, &known),
            Tx::Empty => "[]".into(),
            Tx::Reassert(k) => {
                let current = db.datoms(Index::Eavt, &[]).expect("datoms");
                let d = &current[k % current.len()];
                format!(
                    "[[:db/add {} {} {}]]",
                    d.e,
                    Value::Keyword(d.a.clone()),
                    d.v
                )
            }
            Tx::RetractAbsent(x) => {
                let e = known[x % known.len()];
                format!("[[:db/retract {e} :u/name \"absent\"] [:db/retract {e} :u/tag 99]]")
            }
        };
        let what = format!("tx #{i} {text}");
        match db.transact_edn(&text) {
            Ok(report) => {
                for d in &report.tx_data {
                    if !known.contains(&d.e) && d.e < report.tx {
                        known.push(d.e);
                    }
                }
                if report.tx_data.is_empty() {
                    for l in &lives {
                        prop_assert!(
                            l.delivered.borrow().is_empty(),
                            "{}: a transaction that changed nothing delivered {:?}",
                            l.text,
                            l.delivered.borrow()
                        );
                    }
                }
                prop_assert!(
                    !matches!(t, Tx::Reassert(_) | Tx::RetractAbsent(_) | Tx::Empty)
                        || report.tx_data.is_empty(),
                    "{} changed {:?}",
                    what,
                    report.tx_data
                );
            }
            Err(_) => {
                for l in &lives {
                    prop_assert!(
                        l.delivered.borrow().is_empty(),
                        "{}: a failed transaction delivered {:?}",
                        l.text,
                        l.delivered.borrow()
                    );
                }
            }
        }
        check(&db, &mut lives, &before, &what)?;
        if i == 2 && !subs.is_empty() {
            // One of the twins leaves: the other keeps the shared state.
            let gone = lives.remove(0);
            prop_assert!(db.unsubscribe(gone.id));
            prop_assert!(db.subscription_result(gone.id).is_none());
        }
    }
    Ok(())
}

/// The case count: `PROPTEST_CASES` when set (for longer local runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(300), ..ProptestConfig::default() })]

    #[test]
    fn live_results_equal_fresh_runs(
        subs in prop::collection::vec(sub(), 3..7),
        txs in prop::collection::vec(tx(), 1..10),
    ) {
        run(&subs, &txs)?;
    }
}

/// Every catalogue query, subscribed before a fixed mix of transactions.
#[test]
fn every_catalogue_query() {
    let subs: Vec<Sub> = (0..CATALOGUE.len())
        .map(|query| Sub {
            query,
            c: 1,
            n: 0,
            e: 0,
            start: 0,
        })
        .collect();
    let txs = vec![
        Tx::Ops(vec![Op::Add(0, 3, 1), Op::Upsert(4, 1, Some(2))]),
        // One entity's parent and tags in one transaction: seeded by the parent, the tags are
        // read with the rest of the entity, on the state before the transaction too (where the
        // new tag must not show).
        Tx::Ops(vec![Op::Add(0, PARENT, 2), Op::Add(0, 3, 2)]),
        Tx::Ops(vec![Op::Add(1, PARENT, 0), Op::Retract(2, 3, 2)]),
        Tx::Reassert(3),
        Tx::Ops(vec![Op::RetractEntity(3), Op::Add(0, 2, 3)]),
        Tx::Ops(vec![Op::RetractAttr(4, 3), Op::Upsert(4, 2, None)]),
        Tx::Empty,
    ];
    run(&subs, &txs).expect("live results equal fresh runs");
}
