//! A read error met while reading an entity's history reaches the caller, wherever in the history
//! it falls (here: right where the range route of an `:at/` query stops counting).

use dfdb_core::edn::read;
use dfdb_core::storage::{
    Direction, EntryIter, KeyRange, MemoryStorage, ReadStorage, Storage, Visitor, WriteBatch,
};
use dfdb_core::{Database, Error, ErrorKind, Result, TxInput, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const EAVT: u8 = 0x10;

/// Memory storage whose forward scans of `EAVT` fail after their first entry once armed (`visit`,
/// which the query paths use, never fails).
struct FailingScans {
    inner: MemoryStorage,
    armed: Arc<AtomicBool>,
}

impl ReadStorage for FailingScans {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        let eavt = range.start.first() == Some(&EAVT);
        let entries = self.inner.scan(range, direction)?;
        if !(eavt && self.armed.load(Ordering::SeqCst)) {
            return Ok(entries);
        }
        let broken = std::iter::once(Err(Error::Io("disk gone".into())));
        Ok(Box::new(entries.take(1).chain(broken)))
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        self.inner.visit(range, f)
    }
}

impl Storage for FailingScans {
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        self.inner.write(batch)
    }

    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        self.inner.snapshot()
    }

    fn compact(&mut self) -> Result<()> {
        self.inner.compact()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}

fn edn(text: &str) -> Value {
    read(text).expect("edn")
}

/// Transacts `tx_data` measured at minute `minute` (or without a measurement).
fn at(db: &mut Database, tx_data: &str, minute: Option<i64>) {
    let mut input = TxInput::new(edn(tx_data));
    if let Some(m) = minute {
        let dims = BTreeMap::from([(Value::kw("time/measured"), Value::Inst(m * 60_000))]);
        input.time_dimensions = Some(dims);
    }
    db.transact(input).expect("transaction");
}

#[test]
fn an_error_in_the_history_an_at_query_counts_is_reported() {
    let armed = Arc::new(AtomicBool::new(false));
    let storage = FailingScans {
        inner: MemoryStorage::new(),
        armed: Arc::clone(&armed),
    };
    let mut db = Database::open(Box::new(storage), None).expect("open");
    at(
        &mut db,
        "[{:db/ident :x/tags :db/cardinality :db.cardinality/many}]",
        None,
    );
    at(
        &mut db,
        "[{:dimension/name :time/measured :dimension/type :instant :dimension/indexed? true}]",
        None,
    );
    // Entity 1's history of :x/tags, in the order it is read: "a" asserted (minute 1) and
    // retracted (minute 2), then "b" (minute 3), then "c" (no measurement) — whose read fails.
    at(&mut db, r#"[[:db/add 1 :x/tags "a"]]"#, Some(1));
    at(&mut db, r#"[[:db/retract 1 :x/tags "a"]]"#, Some(2));
    at(&mut db, r#"[[:db/add 1 :x/tags "b"]]"#, Some(3));
    at(&mut db, r#"[[:db/add 1 :x/tags "c"]]"#, None);
    let q = edn(r#"[:find ?v ?t :where [1 :x/tags ?v :at/measured ?t]
                             [(>= ?t #inst "1970-01-01T00:00:00Z")]
                             [(<= ?t #inst "1970-01-01T00:10:00Z")]]"#);
    let all = db.query(&q, &[]).expect("query before the failure");
    assert_eq!(
        all,
        edn(r#"#{["a" #inst "1970-01-01T00:01:00Z"] ["b" #inst "1970-01-01T00:03:00Z"]}"#)
    );
    // Three measured transactions; the history yields "a"'s two operations, then the error.
    armed.store(true, Ordering::SeqCst);
    let e = db.query(&q, &[]).expect_err("the read error");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
}
