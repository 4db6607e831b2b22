//! Range predicates pushed into AVET scans give the same answers as filtering.

use dfdb_core::{edn, Database, Value};

fn db() -> Database {
    let mut db = Database::in_memory();
    let mut tx = String::from("[");
    for i in 0..200 {
        tx.push_str(&format!(
            "{{:n {i} :x {}}}",
            if i % 2 == 0 {
                format!("{i}.5")
            } else {
                format!("{i}")
            }
        ));
    }
    tx.push_str("{:n \"str\"} {:n :kw}]");
    db.transact_edn(&tx).unwrap();
    db
}

fn count(db: &Database, q: &str, args: &[Value]) -> usize {
    match db.query(&edn::read(q).unwrap(), args).unwrap() {
        Value::Set(s) => s.len(),
        other => panic!("not a set: {other:?}"),
    }
}

#[test]
fn range_bounds_match_filtering() {
    let db = db();
    assert_eq!(
        count(&db, "[:find ?e :where [?e :n ?v] [(> ?v 150)]]", &[]),
        49
    );
    assert_eq!(
        count(&db, "[:find ?e :where [?e :n ?v] [(>= ?v 150)]]", &[]),
        50
    );
    assert_eq!(
        count(
            &db,
            "[:find ?e :where [?e :n ?v] [(< ?v 10)] [(> ?v 2)]]",
            &[]
        ),
        7
    );
    assert_eq!(
        count(
            &db,
            "[:find ?e :where [?e :n ?v] [(<= 10 ?v)] [(>= 20 ?v)]]",
            &[]
        ),
        11
    );
    assert_eq!(
        count(
            &db,
            "[:find ?e :in $ ?min :where [?e :n ?v] [(> ?v ?min)]]",
            &[Value::Int(197)]
        ),
        2
    );
    // Mixed int/float values: 99.5 lies between 99 and 100.
    assert_eq!(
        count(
            &db,
            "[:find ?e :where [?e :x ?v] [(> ?v 99)] [(< ?v 100)]]",
            &[]
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "[:find ?e :where [?e :x ?v] [(> ?v 98)] [(< ?v 99)]]",
            &[]
        ),
        1
    );
    // An empty range (lower above upper) gives nothing, and does not fail.
    assert_eq!(
        count(
            &db,
            "[:find ?e :where [?e :n ?v] [(> ?v 50)] [(< ?v 10)]]",
            &[]
        ),
        0
    );
}
