//! Transactions in a loop on people20k, for a profiler: `add-1` (one datom per transaction,
//! default), `add-5` (one person per transaction), `retract-5`, or `add-all` (everyone in one
//! transaction, ten times over).
//! `cargo build --profile bench -p dfdb-core --example profile_tx`, then
//! `perf record -g $CARGO_TARGET_DIR/release/examples/profile_tx add-1`.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{add_all, entity_map, people};
use dfdb_core::{Database, TxInput, Value};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "add-1".into());
    let people = people();
    let t = std::time::Instant::now();
    let n = match which.as_str() {
        "add-all" => {
            for _ in 0..10 {
                add_all(&people);
            }
            10
        }
        "add-5" => {
            let mut db = Database::in_memory();
            for p in &people {
                db.transact(TxInput::new(Value::Vector(vec![entity_map(p)])))
                    .expect("tx");
            }
            people.len()
        }
        "retract-5" => {
            let mut db = add_all(&people);
            let t = std::time::Instant::now();
            for e in 1..=people.len() {
                let op = vec![Value::kw("db/retractEntity"), Value::Int(e as i64)];
                db.transact(TxInput::new(Value::Vector(vec![Value::Vector(op)])))
                    .expect("tx");
            }
            println!(
                "retract-5: {:?} per transaction",
                t.elapsed() / people.len() as u32
            );
            return;
        }
        _ => {
            let mut db = Database::in_memory();
            let mut n = 0;
            for (i, p) in people.iter().enumerate() {
                let Value::Map(m) = entity_map(p) else {
                    continue;
                };
                for (a, v) in m {
                    let op = vec![Value::kw("db/add"), Value::Int(i as i64 + 1), a, v];
                    db.transact(TxInput::new(Value::Vector(vec![Value::Vector(op)])))
                        .expect("tx");
                    n += 1;
                }
            }
            n
        }
    };
    println!("{which}: {:?} per transaction", t.elapsed() / n as u32);
}
