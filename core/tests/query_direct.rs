//! The direct pattern path (`query/direct.rs`, used on current views) gives the same answers as
//! the general path, which a view as of the latest transaction takes: same datoms, other code.
//!
//! Random databases are built by several transactions (so transaction ids differ between datoms,
//! and some values were replaced or retracted); every query shape the direct path handles — entity
//! bound by a column, a constant or a lookup ref; value bound, constant, range-bounded or free;
//! transaction bound, constant, joined or free; unknown attributes; refs and reverse lookups — runs
//! on both views.

use dfdb_core::pull::pull;
use dfdb_core::query::q_on;
use dfdb_core::{read, Database, TimePoint, Value};
use proptest::prelude::*;

const SCHEMA: &str = "{:p/name {:db/unique :db.unique/identity}
  :p/age {:db/cardinality :db.cardinality/one}
  :p/tag {:db/cardinality :db.cardinality/many}
  :p/friend {:db/cardinality :db.cardinality/many :db/valueType :db.type/ref}}";

const NAMES: [&str; 4] = ["ann", "bob", "cid", "dee"];

/// Queries with `?tx0` (some transaction id) and `?n` (a name) as inputs.
const QUERIES: [&str; 16] = [
    "[:find ?e ?a :where [?e :p/age ?a]]",
    "[:find ?e ?a ?t :where [?e :p/age ?a ?t]]",
    "[:find ?e :in $ ?tx0 :where [?e :p/age _ ?tx0]]",
    "[:find ?e ?a :in $ ?tx0 :where [?e :p/tag ?a ?tx0]]",
    "[:find ?e ?a ?g :where [?e :p/age ?a ?t] [?e :p/tag ?g ?t]]",
    "[:find ?e ?a ?g :where [?e :p/tag ?g] [?e :p/age ?a]]",
    "[:find ?e ?g :where [?e :p/age ?a] [(> ?a 2)] [(<= ?a 6)] [?e :p/tag ?g]]",
    "[:find ?e :where [?e :p/age ?a] [(>= ?a 4)]]",
    "[:find ?e ?f :where [?e :p/friend ?f] [?f :p/age ?a] [?e :p/age ?a]]",
    "[:find ?n2 :in $ ?n :where [?e :p/name ?n] [?e :p/friend ?f] [?f :p/name ?n2]]",
    "[:find ?e :in $ ?n :where [?e :p/friend [:p/name ?n]]]",
    "[:find ?a :in $ ?n :where [[:p/name ?n] :p/age ?a]]",
    "[:find ?g :in $ ?n :where [?e :p/name ?n] [?e :p/tag ?g]]",
    "[:find ?e ?x :where [?e :p/age ?a] [?e :p/missing ?x]]",
    "[:find ?e ?e2 :where [?e :p/age 3] [?e2 :p/age 3]]",
    "[:find ?e ?t :where [?e :p/tag 2 ?t] [?e :p/age ?a ?t]]",
];

const PULLS: [&str; 6] = [
    "[:p/name :p/age :p/tag]",
    "[* {:p/friend [:p/name :p/age]}]",
    "[(:p/tag :limit 1) :p/age (:p/missing :default 0) [:p/name :as \"n\"] [:p/name :as \"m\"]]",
    "[:p/name :p/_friend :db/id]",
    "[:db/id :p/age]",
    "[(:p/age :limit 0) (:p/name :default \"x\") :p/tag]",
];

#[derive(Clone, Debug)]
enum Op {
    Age(usize, u8),
    Tag(usize, u8),
    Untag(usize, u8),
    Friend(usize, usize),
    Unfriend(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..NAMES.len();
    prop_oneof![
        (p.clone(), 0..8u8).prop_map(|(e, a)| Op::Age(e, a)),
        (p.clone(), 0..4u8).prop_map(|(e, t)| Op::Tag(e, t)),
        (p.clone(), 0..4u8).prop_map(|(e, t)| Op::Untag(e, t)),
        (p.clone(), p.clone()).prop_map(|(e, f)| Op::Friend(e, f)),
        (p.clone(), p).prop_map(|(e, f)| Op::Unfriend(e, f)),
    ]
}

fn tx_text(ops: &[Op]) -> String {
    let r = |i: usize| format!("[:p/name \"{}\"]", NAMES[i]);
    let items: Vec<String> = ops
        .iter()
        .map(|o| match o {
            Op::Age(e, a) => format!("[:db/add {} :p/age {a}]", r(*e)),
            Op::Tag(e, t) => format!("[:db/add {} :p/tag {t}]", r(*e)),
            Op::Untag(e, t) => format!("[:db/retract {} :p/tag {t}]", r(*e)),
            Op::Friend(e, f) => format!("[:db/add {} :p/friend {}]", r(*e), r(*f)),
            Op::Unfriend(e, f) => format!("[:db/retract {} :p/friend {}]", r(*e), r(*f)),
        })
        .collect();
    format!("[{}]", items.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn direct_path_equals_general_path(txs in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..8), pick in 0..16usize) {
        let mut db = Database::in_memory();
        db.ensure_schema(&read(SCHEMA).unwrap()).unwrap();
        let people: Vec<String> = NAMES.iter().map(|n| format!("{{:p/name \"{n}\"}}")).collect();
        let mut tx_ids = vec![db.transact_edn(&format!("[{}]", people.join(" "))).unwrap().tx];
        for ops in &txs {
            if let Ok(r) = db.transact_edn(&tx_text(ops)) {
                tx_ids.push(r.tx);
            }
        }
        let last = *tx_ids.last().unwrap();
        let tx0 = Value::Int(tx_ids[pick % tx_ids.len()] as i64);
        let name = Value::str(NAMES[pick % NAMES.len()]);
        let as_of = db.as_of(TimePoint::Tx(last)).unwrap();
        for q in QUERIES {
            let query = read(q).unwrap();
            let args: Vec<Value> = if q.contains("?tx0") {
                vec![tx0.clone()]
            } else if q.contains(":in $ ?n") {
                vec![name.clone()]
            } else {
                vec![]
            };
            let current = db.query(&query, &args).unwrap();
            let general = q_on(as_of, &query, &args).unwrap();
            prop_assert_eq!(current, general, "{}", q);
        }
        // Pull reads a whole entity once for several attributes: same maps as on the as-of view,
        // and as pulling the attributes one at a time.
        for e in (1..=NAMES.len() as i64).map(Value::Int).chain([Value::Int(99)]) {
            for pattern in PULLS {
                let pattern = read(pattern).unwrap();
                let now = pull(&db.view(), &pattern, &e).unwrap();
                prop_assert_eq!(&now, &pull(&as_of, &pattern, &e).unwrap(), "{}", pattern);
            }
            let both = pull(&db.view(), &read("[:p/age :p/tag]").unwrap(), &e).unwrap();
            let mut merged = std::collections::BTreeMap::new();
            for one in ["[:p/age]", "[:p/tag]"] {
                if let Value::Map(m) = pull(&db.view(), &read(one).unwrap(), &e).unwrap() {
                    merged.extend(m);
                }
            }
            let merged = if merged.is_empty() { Value::Nil } else { Value::Map(merged) };
            prop_assert_eq!(both, merged);
            // `:limit 0` shows nothing of a single-valued attribute, read with others or alone.
            let none = pull(&db.view(), &read("[(:p/age :limit 0) :p/tag]").unwrap(), &e).unwrap();
            let tags = pull(&db.view(), &read("[:p/tag]").unwrap(), &e).unwrap();
            prop_assert_eq!(none, tags);
        }
    }
}
