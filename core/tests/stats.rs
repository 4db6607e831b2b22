//! The planner's per-attribute datom counts stay exact through transactions and reopening, for
//! attributes in several statistics groups (64 attributes per stored entry).

use dfdb_core::{Database, Index, TxInput, Value};

const ATTRS: u64 = 150;

fn attr(i: u64) -> Value {
    Value::kw(&format!("s/a{i}"))
}

/// Every attribute's count against the number of its current datoms.
fn check(db: &Database, when: &str) {
    for i in 0..ATTRS {
        let held = db.datoms(Index::Aevt, &[attr(i)]).expect("datoms").len() as u64;
        let id = match db.schema().get(attr(i).as_keyword().expect("keyword")) {
            Some(a) => a.id,
            None => continue,
        };
        assert_eq!(db.schema().count(id), held, "count of {:?} {when}", attr(i));
    }
}

#[test]
fn counts_are_exact_across_reopens() {
    let mut db = Database::in_memory();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..40 {
        let mut ops = Vec::new();
        for _ in 0..(1 + next() % 30) {
            let (e, a, v) = (1 + next() % 20, next() % ATTRS, next() % 3);
            let op = if next() % 3 == 0 {
                "db/retract"
            } else {
                "db/add"
            };
            ops.push(Value::Vector(vec![
                Value::kw(op),
                Value::Int(e as i64),
                attr(a),
                Value::Int(v as i64),
            ]));
        }
        db.transact(TxInput::new(Value::Vector(ops))).expect("tx");
        check(&db, &format!("after round {round}"));
        if round % 3 == 2 {
            db = Database::open(db.into_storage(), None).expect("reopen");
            check(&db, &format!("after reopening at round {round}"));
        }
    }
}
