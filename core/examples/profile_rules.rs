//! The recursive `follows` rule of the Node bench's rules-wide and rules-long rows in a loop, for a
//! profiler: `cargo build --profile bench -p dfdb-core --example profile_rules`, then
//! `perf record -g $CARGO_TARGET_DIR/release/examples/profile_rules wide 50`.
//! Shapes: `wide` (a tree of branching 4 and depth 6 under entity 1, DataScript's rules-wide) and
//! `long` (10 chains of 100 edges); the query asks for everything entity 1 reaches. `desc`: the
//! `wide` tree with the edges reversed, asking for everything that reaches entity 1 (the rule's
//! second argument bound: tabled, one input).

#[path = "../benches/common/mod.rs"]
mod common;

use common::edn;
use dfdb_core::{Database, TxInput, Value};
use std::hint::black_box;

const RULES: &str =
    "[[(follows ?a ?b) [?a :follows ?b]] [(follows ?a ?b) [?a :follows ?x] (follows ?x ?b)]]";
const QUERY: &str = "[:find ?b :in $ % ?root :where (follows ?root ?b)]";
const QUERY_DESC: &str = "[:find ?a :in $ % ?root :where (follows ?a ?root)]";

fn edge(a: i64, b: i64) -> Value {
    Value::Vector(vec![
        Value::kw("db/add"),
        Value::Int(a),
        Value::kw("follows"),
        Value::Int(b),
    ])
}

/// The edges of a tree under `id` with `depth` levels of `4` children (child ids `id * 4 + k`).
fn wide(id: i64, depth: u32, out: &mut Vec<Value>) {
    if depth == 0 {
        return;
    }
    for c in id * 4..id * 4 + 4 {
        out.push(edge(id, c));
        wide(c, depth - 1, out);
    }
}

pub fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "wide".into());
    let n: u32 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let mut edges = Vec::new();
    if which == "long" {
        // Chains of 100 edges from entity 1: 1 → c·1000+1 → … → c·1000+100.
        for c in 0..10 {
            let mut prev = 1;
            for k in 1..=100 {
                let next = c * 1000 + 1000 + k;
                edges.push(edge(prev, next));
                prev = next;
            }
        }
    } else {
        wide(1, 6, &mut edges);
    }
    if which == "desc" {
        for e in &mut edges {
            if let Value::Vector(op) = e {
                op.swap(1, 3);
            }
        }
    }
    let mut db = Database::in_memory();
    db.transact(TxInput::new(edn(
        "[{:db/ident :follows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]",
    )))
    .expect("schema");
    db.transact(TxInput::new(Value::Vector(edges)))
        .expect("edges");
    let q = edn(if which == "desc" { QUERY_DESC } else { QUERY });
    let inputs = [edn(RULES), Value::Int(1)];
    let size = match db.query(&q, &inputs).expect("query") {
        Value::Set(s) => s.len(),
        other => panic!("a set, got {other:?}"),
    };
    let t = std::time::Instant::now();
    for _ in 0..n.max(1) {
        black_box(db.query(&q, &inputs).expect("query"));
    }
    println!(
        "{which}: {size} answers, {:?} per run",
        t.elapsed() / n.max(1)
    );
}
