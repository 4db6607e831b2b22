//! Query benchmarks (issue #4) on memory storage.
//!
//! - people20k (20,000 people, five attributes each, seeded; see `common`): DataScript's q1–q4,
//!   q2 with its clauses swapped, two predicate queries, pull of one entity and of 1,000;
//! - a binary tree of 100,000 nodes (`:parent` ref, depth 16): the ancestors of one deep leaf and
//!   the descendants of a node near the root, by a recursive rule (and by `:parent+`).
//!
//! Criterion times each query; then interleaved rounds (same process, alternating) give the ratios
//! that matter on a noisy machine: q2-swapped / q2, and others. Run with
//! `cargo bench -p dfdb-core --bench query`.

mod common;

use common::{add_all, edn, interleave, people, report};
use criterion::{Criterion, SamplingMode};
use dfdb_core::pull::{pull, pull_many};
use dfdb_core::query::{explain, Input};
use dfdb_core::{Database, TxInput, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

const Q1: &str = r#"[:find ?e :where [?e :name "Ivan"]]"#;
const Q2: &str = r#"[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]"#;
const Q2_SWAPPED: &str = r#"[:find ?e ?a :where [?e :age ?a] [?e :name "Ivan"]]"#;
const Q3: &str = r#"[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male]]"#;
const Q4: &str =
    r#"[:find ?e ?a ?l :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]]"#;
const QPRED1: &str = r#"[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]"#;
const QPRED2: &str = r#"[:find ?e ?s :in $ ?min :where [?e :salary ?s] [(> ?s ?min)]]"#;
const PULL: &str = "[:name :last-name :age :salary]";

/// Nodes of the binary tree: node `i` (1-based, heap order) has parent `i / 2`; depth 16.
const TREE: usize = 100_000;
const RULES: &str = "[[(anc ?a ?b) [?a :parent ?b]] [(anc ?a ?b) [?a :parent ?x] (anc ?x ?b)]]";
const ANCESTORS: &str = "[:find ?b :in $ % ?a :where (anc ?a ?b)]";
const DESCENDANTS: &str = "[:find ?a :in $ % ?b :where (anc ?a ?b)]";
const ANCESTORS_PLUS: &str = "[:find ?b :in $ ?a :where [?a :parent+ ?b]]";
const DESCENDANTS_PLUS: &str = "[:find ?a :in $ ?b :where [?a :parent+ ?b]]";
/// The deep leaf (depth 16) and the node near the root (depth 3: 12,500 descendants) of the tree.
const LEAF: usize = 100_000;
const NEAR_ROOT: usize = 8;

/// The tree; returns the database and the entity id of each node (index = node number).
fn tree() -> (Database, Vec<u64>) {
    let mut db = Database::in_memory();
    db.transact(TxInput::new(edn(
        "[{:db/ident :parent :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
          {:db/ident :node/id :db/cardinality :db.cardinality/one}]",
    )))
    .expect("schema");
    let tid = |i: usize| Value::str(&format!("n{i}"));
    let nodes: Vec<Value> = (1..=TREE)
        .map(|i| {
            let mut m = std::collections::BTreeMap::new();
            m.insert(Value::kw("db/id"), tid(i));
            m.insert(Value::kw("node/id"), Value::Int(i as i64));
            if i > 1 {
                m.insert(Value::kw("parent"), tid(i / 2));
            }
            Value::Map(m)
        })
        .collect();
    let report = db
        .transact(TxInput::new(Value::Vector(nodes)))
        .expect("tree");
    let mut ids = vec![0; TREE + 1];
    for (i, id) in ids.iter_mut().enumerate().skip(1) {
        *id = report.tempids[&tid(i)];
    }
    (db, ids)
}

fn count(v: &Value) -> usize {
    match v {
        Value::Set(s) => s.len(),
        Value::Vector(v) => v.len(),
        _ => 1,
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();

    let t = Instant::now();
    let people = people();
    let db = add_all(&people);
    let (tdb, ids) = tree();
    println!(
        "setup: people20k + tree of {TREE} in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let [q1, q2, q2s, q3, q4, qp1, qp2] = [Q1, Q2, Q2_SWAPPED, Q3, Q4, QPRED1, QPRED2].map(edn);
    let min = [Value::Int(50_000)];
    let pattern = edn(PULL);
    let eids: Vec<Value> = match db
        .query(&edn("[:find [?e ...] :where [?e :name]]"), &[])
        .expect("ids")
    {
        Value::Vector(v) => v,
        other => panic!("ids: {other:?}"),
    };
    let one = eids[eids.len() / 2].clone();
    let thousand: Vec<Value> = eids
        .iter()
        .step_by(eids.len() / 1000)
        .take(1000)
        .cloned()
        .collect();
    let rules = edn(RULES);
    let leaf = Value::Int(ids[LEAF] as i64);
    let near_root = Value::Int(ids[NEAR_ROOT] as i64);
    let [anc, desc, anc_plus, desc_plus] =
        [ANCESTORS, DESCENDANTS, ANCESTORS_PLUS, DESCENDANTS_PLUS].map(edn);
    let anc_in = [rules.clone(), leaf.clone()];
    let desc_in = [rules.clone(), near_root.clone()];

    // Sizes, and the plans of q2 and q2-swapped.
    let run = |q: &Value, inputs: &[Value]| db.query(q, inputs).expect("query");
    for (name, q, inputs) in [
        ("q1", &q1, &[][..]),
        ("q2", &q2, &[]),
        ("q2-swapped", &q2s, &[]),
        ("q3", &q3, &[]),
        ("q4", &q4, &[]),
        ("qpred1", &qp1, &[]),
        ("qpred2", &qp2, &min),
    ] {
        println!("{name}: {} results", count(&run(q, inputs)));
    }
    assert_eq!(run(&q2, &[]), run(&q2s, &[]));
    assert_eq!(run(&qp1, &[]), run(&qp2, &min));
    for (name, q) in [("q2", &q2), ("q2-swapped", &q2s)] {
        let plan = explain(q, &[Input::Db(db.view())]).expect("explain");
        println!("{name} plan: {plan:?}");
    }
    let tq = |q: &Value, inputs: &[Value]| tdb.query(q, inputs).expect("tree query");
    let a = tq(&anc, &anc_in);
    assert_eq!(a, tq(&anc_plus, std::slice::from_ref(&leaf)));
    let d = tq(&desc, &desc_in);
    assert_eq!(d, tq(&desc_plus, std::slice::from_ref(&near_root)));
    println!(
        "ancestors of leaf {LEAF}: {}; descendants of node {NEAR_ROOT}: {}",
        count(&a),
        count(&d)
    );

    {
        let mut g = c.benchmark_group("query");
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        for (name, q, inputs) in [
            ("q1", &q1, &[][..]),
            ("q2", &q2, &[]),
            ("q2-swapped", &q2s, &[]),
            ("q3", &q3, &[]),
            ("q4", &q4, &[]),
            ("qpred1", &qp1, &[]),
            ("qpred2", &qp2, &min),
        ] {
            g.bench_function(name, |b| b.iter(|| black_box(run(q, inputs))));
        }
        g.bench_function("pull-1", |b| {
            b.iter(|| black_box(pull(&db.view(), &pattern, &one).expect("pull")))
        });
        g.bench_function("pull-many-1000", |b| {
            b.iter(|| black_box(pull_many(&db.view(), &pattern, &thousand).expect("pull")))
        });
        g.bench_function("ancestors-rule", |b| {
            b.iter(|| black_box(tq(&anc, &anc_in)))
        });
        g.bench_function("ancestors-parent+", |b| {
            b.iter(|| black_box(tq(&anc_plus, std::slice::from_ref(&leaf))))
        });
        g.bench_function("descendants-rule", |b| {
            b.iter(|| black_box(tq(&desc, &desc_in)))
        });
        g.bench_function("descendants-parent+", |b| {
            b.iter(|| black_box(tq(&desc_plus, std::slice::from_ref(&near_root))))
        });
        g.finish();
    }

    // Ratios from interleaved rounds.
    let times = interleave(
        30,
        1,
        &mut [
            ("q2", &mut || {
                black_box(run(&q2, &[]));
            }),
            ("q2-swapped", &mut || {
                black_box(run(&q2s, &[]));
            }),
            ("q1", &mut || {
                black_box(run(&q1, &[]));
            }),
            ("q3", &mut || {
                black_box(run(&q3, &[]));
            }),
            ("q4", &mut || {
                black_box(run(&q4, &[]));
            }),
        ],
    );
    report(
        "people20k queries, interleaved",
        &["q2", "q2-swapped", "q1", "q3", "q4"],
        &times,
    );
    let times = interleave(
        20,
        1,
        &mut [
            ("qpred1", &mut || {
                black_box(run(&qp1, &[]));
            }),
            ("qpred2", &mut || {
                black_box(run(&qp2, &min));
            }),
        ],
    );
    report("predicates, interleaved", &["qpred1", "qpred2"], &times);
    let times = interleave(
        30,
        1,
        &mut [
            ("pull-1 x1000", &mut || {
                for e in &thousand {
                    black_box(pull(&db.view(), &pattern, e).expect("pull"));
                }
            }),
            ("pull-many-1000", &mut || {
                black_box(pull_many(&db.view(), &pattern, &thousand).expect("pull"));
            }),
        ],
    );
    report(
        "pull: 1,000 single pulls vs one pull_many of the same 1,000",
        &["pull-1 x1000", "pull-many-1000"],
        &times,
    );
    let times = interleave(
        10,
        1,
        &mut [
            ("ancestors-rule", &mut || {
                black_box(tq(&anc, &anc_in));
            }),
            ("ancestors-parent+", &mut || {
                black_box(tq(&anc_plus, std::slice::from_ref(&leaf)));
            }),
            ("descendants-rule", &mut || {
                black_box(tq(&desc, &desc_in));
            }),
            ("descendants-parent+", &mut || {
                black_box(tq(&desc_plus, std::slice::from_ref(&near_root)));
            }),
        ],
    );
    report(
        "recursion over the 100k tree, interleaved",
        &[
            "ancestors-rule",
            "ancestors-parent+",
            "descendants-rule",
            "descendants-parent+",
        ],
        &times,
    );
    c.final_summary();
}
