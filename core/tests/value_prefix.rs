//! A string's key encoding is a byte prefix of its extensions by a zero byte (`"ab"` and
//! `"ab\0c"`): reads that fix a value must not return the longer one (issue found in review).

use dfdb_core::{read, Database, TimePoint, Value};

fn db() -> Database {
    let mut db = Database::in_memory();
    db.ensure_schema(&read("{:k/id {:db/unique :db.unique/identity} :k/tag {:db/cardinality :db.cardinality/many}}").unwrap())
        .unwrap();
    db.transact_edn("[{:db/id \"short\" :k/id \"ab\" :k/tag \"x\"} {:db/id \"long\" :k/id \"ab\\u0000c\" :k/tag \"x\\u0000\"} {:k/id \"ab\\u0000\"}]")
        .unwrap();
    db.transact_edn("[[:db/add [:k/id \"ab\"] :k/tag \"y\"]]")
        .unwrap();
    db
}

fn rows(v: Value) -> usize {
    match v {
        Value::Set(s) => s.len(),
        Value::Vector(v) => v.len(),
        Value::Nil => 0,
        _ => 1,
    }
}

#[test]
fn a_fixed_string_value_matches_only_itself() {
    let db = db();
    let last = db
        .history(None)
        .unwrap()
        .iter()
        .map(|d| d.tx)
        .max()
        .unwrap();
    for q in [
        r#"[:find ?e :where [?e :k/id "ab"]]"#,
        r#"[:find ?e :where [?e :k/id ?v] [(= ?v "ab")]]"#,
        r#"[:find ?e :where [?e :k/tag "x"]]"#,
        r#"[:find ?e :where [?e :k/id ?v] [(>= ?v "ab")] [(<= ?v "ab")]]"#,
        r#"[:find ?t :where [[:k/id "ab"] :k/tag ?t] [[:k/id "ab"] :k/id "ab"]]"#,
    ] {
        let query = read(q).unwrap();
        let want = if q.contains(":k/tag ?t") { 2 } else { 1 };
        assert_eq!(rows(db.query(&query, &[]).unwrap()), want, "{q}");
        let as_of = db.as_of(TimePoint::Tx(last)).unwrap();
        assert_eq!(
            rows(dfdb_core::query::q_on(as_of, &query, &[]).unwrap()),
            want,
            "{q} as of"
        );
    }
    // The same through entity reads and lookup refs.
    let short = db
        .view()
        .lookup_ref(&dfdb_core::Keyword::new("k/id"), &Value::str("ab"))
        .unwrap();
    let long = db
        .view()
        .lookup_ref(&dfdb_core::Keyword::new("k/id"), &Value::str("ab\u{0}c"))
        .unwrap();
    assert!(short.is_some() && long.is_some() && short != long);
    let history = db
        .view()
        .history(short, None, Some(&Value::str("ab")))
        .unwrap()
        .count();
    assert_eq!(history, 1);
}
