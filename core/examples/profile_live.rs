//! A live q4 subscription on people20k kept up over single-datom transactions, for a profiler:
//! `cargo build --profile bench -p dfdb-core --example profile_live`, then
//! `perf record -g $CARGO_TARGET_DIR/release/examples/profile_live 20000`. Prints the time per
//! transaction with the subscription and without (a second database, same transactions).
//! A second argument `cold` re-runs q4 on the plain database between transactions, as
//! `benches/live.rs` does, so each update starts with the caches the re-run left behind.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{add_all, edn, people, XorShift};
use dfdb_core::{TxInput, Value};

const Q4: &str =
    r#"[:find ?e ?a ?l :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]]"#;

pub fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let cold = std::env::args().nth(2).as_deref() == Some("cold");
    let ps = people();
    let mut sub = add_all(&ps);
    let mut plain = add_all(&ps);
    sub.subscribe(&edn(Q4), &[], Box::new(|_| {}))
        .expect("subscribe");
    let mut rng = XorShift(7);
    let txs: Vec<Value> = (0..n)
        .map(|i| {
            let e = 1 + (rng.next() % ps.len() as u64) as i64;
            edn(&format!("[[:db/add {e} :age {}]]", 100 + i))
        })
        .collect();
    let q4 = edn(Q4);
    let (mut bare, mut live) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for tx in &txs {
        let t = std::time::Instant::now();
        plain.transact(TxInput::new(tx.clone())).expect("tx");
        bare += t.elapsed();
        if cold {
            std::hint::black_box(plain.query(&q4, &[]).expect("query"));
        }
        let t = std::time::Instant::now();
        sub.transact(TxInput::new(tx.clone())).expect("tx");
        live += t.elapsed();
        if cold {
            std::hint::black_box(plain.query(&q4, &[]).expect("query"));
        }
    }
    let per = |d: std::time::Duration| d / n.max(1) as u32;
    println!(
        "per transaction: {:?} subscribed, {:?} bare",
        per(live),
        per(bare)
    );
}
