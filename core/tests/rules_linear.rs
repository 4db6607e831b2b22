//! Right-linear rules (answered by reachability, `query/linear.rs`) against the same rules tabled.
//!
//! Each rule set below is run twice on random graphs: as written, which the engine answers by
//! reachability, and with every recursive call wrapped in a one-branch `or`, which means the same
//! but makes the engine table the rule (a call inside `or` is not a right-linear step). The
//! shapes cover exits with predicates, several recursive definitions, three-place rules, constants
//! in the call, bound positions swapped by the call, both positions bound, cycles, and calls from
//! a relation of many callers.

use dfdb_core::{read, Database, Value};
use proptest::prelude::*;

const SCHEMA: &str =
    "[{:db/ident :a/next :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :a/alt :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :a/val :db/cardinality :db.cardinality/one}]";

/// (rules, query, inputs after the rules), the recursive calls marked `CALL(…)`.
const CASES: [(&str, &str, &str); 8] = [
    (
        "[[(r ?a ?b) [?a :a/next ?b]] [(r ?a ?b) [?a :a/next ?x] CALL(r ?x ?b)]]",
        "[:find ?b :in $ % ?a :where (r ?a ?b)]",
        "1",
    ),
    (
        "[[(r ?a ?v) [?a :a/val ?v]]
          [(r ?a ?v) [?a :a/next ?x] CALL(r ?x ?v)]
          [(r ?a ?v) [?a :a/alt ?x] [?x :a/val ?w] [(> ?w 2)] CALL(r ?x ?v)]]",
        "[:find ?v :in $ % ?a :where (r ?a ?v)]",
        "2",
    ),
    (
        "[[(r ?a ?k ?b) [?a :a/next ?b] [?b :a/val ?k]] [(r ?a ?k ?b) [?a :a/alt ?x] CALL(r ?x ?k ?b)]]",
        "[:find ?b :in $ % ?a ?k :where (r ?a ?k ?b)]",
        "3 1",
    ),
    (
        "[[(r ?a ?b) [?a :a/next ?b]] [(r ?a ?b) [?a :a/val 0] CALL(r 1 ?b)]]",
        "[:find ?a ?b :in $ % :where [?a :a/val _] (r ?a ?b)]",
        "",
    ),
    (
        "[[(r ?a ?b) [?a :a/next ?b]] [(r ?a ?b) (or [?a :a/next ?x] [?a :a/alt ?x]) CALL(r ?x ?b)]]",
        "[:find ?a ?b :in $ % :where [?a :a/val ?v] [(< ?v 2)] (r ?a ?b)]",
        "",
    ),
    (
        "[[(r ?a ?b ?c) [?a :a/next ?c] [?b :a/val _]] [(r ?a ?b ?c) [?a :a/alt ?x] CALL(r ?b ?x ?c)]]",
        "[:find ?c :in $ % ?a ?b :where (r ?a ?b ?c)]",
        "1 2",
    ),
    (
        "[[(r ?a ?b) [?a :a/next ?b]] [(r ?a ?b) [?a :a/next ?x] CALL(r ?x ?b)]]",
        "[:find ?a :in $ % :where [?a :a/val _] (r ?a ?a)]",
        "",
    ),
    (
        "[[(r ?a ?b) [?a :a/next ?b] (not [?b :a/val 0])]
          [(r ?a ?b) [?a :a/next ?x] (not [?x :a/alt ?a]) CALL(r ?x ?b)]]",
        "[:find (count ?b) . :in $ % ?a :where (r ?a ?b)]",
        "4",
    ),
];

/// The rules as written (`tabled` false) or with each call inside a one-branch `or`.
fn rules(text: &str, tabled: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("CALL(") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 5..];
        let end = after.find(')').expect("a closing parenthesis");
        let call = &after[..end];
        if tabled {
            out.push_str(&format!("(or ({call}))"));
        } else {
            out.push_str(&format!("({call})"));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Entities 1..=8, each with a value 0..4 and edges along `:a/next` and `:a/alt`.
fn build(vals: &[u8], next: &[(u8, u8)], alt: &[(u8, u8)]) -> Database {
    let mut db = Database::in_memory();
    db.transact_edn(SCHEMA).expect("schema");
    let mut tx = String::from("[");
    for (i, v) in vals.iter().enumerate() {
        tx.push_str(&format!("[:db/add {} :a/val {}]", i + 1, v));
    }
    for (attr, edges) in [("next", next), ("alt", alt)] {
        for (a, b) in edges {
            tx.push_str(&format!("[:db/add {} :a/{attr} {}]", a + 1, b + 1));
        }
    }
    tx.push(']');
    db.transact_edn(&tx).expect("graph");
    db
}

fn run(db: &Database, rules_text: &str, query: &str, inputs: &str) -> Value {
    let mut args = vec![read(rules_text).expect("rules")];
    for i in inputs.split_whitespace() {
        args.push(read(i).expect("input"));
    }
    db.query(&read(query).expect("query"), &args)
        .unwrap_or_else(|e| panic!("{query} with {rules_text}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn reachability_equals_tabling(
        vals in prop::collection::vec(0..4u8, 8),
        next in prop::collection::vec((0..8u8, 0..8u8), 0..14),
        alt in prop::collection::vec((0..8u8, 0..8u8), 0..8),
        which in 0..CASES.len(),
    ) {
        let db = build(&vals, &next, &alt);
        let (text, query, inputs) = CASES[which];
        let linear = run(&db, &rules(text, false), query, inputs);
        let tabled = run(&db, &rules(text, true), query, inputs);
        prop_assert_eq!(linear, tabled, "{}", query);
    }
}

#[test]
fn a_chain_longer_than_the_round_limit_of_nesting() {
    // 2,000 levels: each level is one frontier step, not one level of Rust recursion.
    let mut db = Database::in_memory();
    db.transact_edn(SCHEMA).expect("schema");
    let tx: String = (1..2000)
        .map(|i| format!("[:db/add {i} :a/next {}]", i + 1))
        .collect();
    db.transact_edn(&format!("[{tx}]")).expect("chain");
    let text = rules(CASES[0].0, false);
    let got = run(
        &db,
        &text,
        "[:find (count ?b) . :in $ % ?a :where (r ?a ?b)]",
        "1",
    );
    assert_eq!(got, Value::Int(1999));
}

/// A step whose call reads a variable that only the call itself would bind (here `?m`, named in a
/// `not`): without the call the `not` would run first and mean "nothing is hidden at all". Such a
/// rule is tabled, and answers as written.
#[test]
fn a_call_input_the_other_clauses_do_not_bind_keeps_the_rule_tabled() {
    let mut db = Database::in_memory();
    db.transact_edn(
        "[{:db/ident :next :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]",
    )
    .expect("schema");
    let r = db
        .transact_edn(r#"[{:db/id "a" :next "b"} {:db/id "b" :name "B"} {:db/id "c" :next "d"} {:db/id "d" :name "D"} {:db/id "h" :hidden true}]"#)
        .expect("data");
    let a = r.tempids[&Value::str("a")];
    let rules =
        "[[(r ?a ?b) [?a :next ?b]] [(r ?a ?b) [?a :next _] (not [?m :hidden true]) (r ?m ?b)]]";
    let names = run(
        &db,
        rules,
        "[:find ?n :in $ % ?a :where (r ?a ?b) [?b :name ?n]]",
        &a.to_string(),
    );
    assert_eq!(names, read(r#"#{["B"] ["D"]}"#).expect("want"));
    // A predicate on such a variable: answered, not "insufficient bindings".
    let rules = "[[(s ?a ?b) [?a :next ?b]] [(s ?a ?b) [?a :next ?k] [(= ?k ?m)] (s ?m ?b)]]";
    run(
        &db,
        rules,
        "[:find ?b :in $ % ?a :where (s ?a ?b)]",
        &a.to_string(),
    );
}

#[test]
fn a_walk_that_never_ends_stops_with_kind_limit() {
    let db = Database::in_memory();
    let rules =
        read("[[(up ?n ?o) [(= ?n -1)] [(identity ?n) ?o]] [(up ?n ?o) [(inc ?n) ?m] (up ?m ?o)]]")
            .expect("rules");
    let query = read("[:find ?o :in $ % :where (up 0 ?o)]").expect("query");
    let err = dfdb_core::query::q_with(
        &query,
        &[
            dfdb_core::query::Input::Db(db.view()),
            dfdb_core::query::Input::Value(rules),
        ],
        dfdb_core::query::QueryOptions {
            max_steps: Some(100_000),
        },
    )
    .expect_err("no end");
    assert_eq!(err.kind().as_str(), "limit", "{err}");
}
