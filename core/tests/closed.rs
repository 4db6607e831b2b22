//! After `close`, every read and write fails with kind `closed` — even reads the schema alone
//! could answer (an unknown attribute) — and `close` itself stays idempotent.

use dfdb_core::{edn, Database, ErrorKind, Index, TimePoint, TxInput};

#[test]
fn everything_after_close_is_closed() {
    let mut db = Database::in_memory();
    db.transact_edn(r#"[{:name "Ann"}]"#).unwrap();
    db.close().unwrap();
    db.close().unwrap();
    let kind = |r: Result<(), dfdb_core::Error>| r.unwrap_err().kind();
    let q = edn::read("[:find ?e :where [?e :no/such ?v]]").unwrap();
    assert_eq!(kind(db.query(&q, &[]).map(drop)), ErrorKind::Closed);
    assert_eq!(kind(db.entity(1).map(drop)), ErrorKind::Closed);
    assert_eq!(
        kind(db.datoms(Index::Eavt, &[]).map(drop)),
        ErrorKind::Closed
    );
    assert_eq!(kind(db.history(None).map(drop)), ErrorKind::Closed);
    assert_eq!(
        kind(db.as_of(TimePoint::Tx(0)).map(drop)),
        ErrorKind::Closed
    );
    let tx = TxInput::new(edn::read(r#"[{:name "Bob"}]"#).unwrap());
    assert_eq!(kind(db.transact(tx).map(drop)), ErrorKind::Closed);
    let sub = db.subscribe(&q, &[], Box::new(|_| {}));
    assert_eq!(kind(sub.map(drop)), ErrorKind::Closed);
}
