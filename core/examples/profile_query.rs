//! A query run in a loop on people20k, for a profiler (`perf record`), without criterion's
//! analysis around it: `cargo build --profile bench -p dfdb-core --example profile_query`, then
//! `perf record -g $CARGO_TARGET_DIR/release/examples/profile_query q4 300`.
//! Queries: q1, q2, q3, q4 (default), qpred1, as in `benches/query.rs`; `pull`: the pull-one
//! pattern of the Node bench on each of the 20,000 people in turn (N rounds of them).

#[path = "../benches/common/mod.rs"]
mod common;

use common::{add_all, edn, people};
use std::hint::black_box;

pub fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "q4".into());
    let n: u32 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let q = match which.as_str() {
        "q1" => r#"[:find ?e :where [?e :name "Ivan"]]"#,
        "q2" => r#"[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]"#,
        "q3" => r#"[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male]]"#,
        "qpred1" => r#"[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]"#,
        _ => {
            r#"[:find ?e ?a ?l :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]]"#
        }
    };
    let db = add_all(&people());
    if which == "pull" {
        let pattern = dfdb_core::pull::Pattern::parse(&edn("[:name :last-name :sex :age :salary]"))
            .expect("pattern");
        let t = std::time::Instant::now();
        for _ in 0..n.max(1) {
            for e in 1..=20_000i64 {
                black_box(
                    dfdb_core::pull::pull_pattern(&db.view(), &pattern, &dfdb_core::Value::Int(e))
                        .expect("pull"),
                );
            }
        }
        println!("pull: {:?} per pull", t.elapsed() / (n.max(1) * 20_000));
        return;
    }
    let q = edn(q);
    let t = std::time::Instant::now();
    for _ in 0..n.max(1) {
        black_box(db.query(&q, &[]).expect("query"));
    }
    println!("{which}: {:?} per run", t.elapsed() / n.max(1));
}
