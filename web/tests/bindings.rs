//! The bindings on wasm32, under Node.js and (with `WASM_BINDGEN_USE_BROWSER=1`) in headless
//! Chromium: transactions and reads through `RawDatabase`, the JS value mapping both ways, error
//! kinds, live queries, and reopening from the journal a host would persist.
#![cfg(target_arch = "wasm32")]

use dfdb_core::Value;
use dfdb_web::convert::{from_js, to_js, FromJs};
use dfdb_web::{read_edn, to_edn, RawDatabase};
use js_sys::{Array, BigInt, Date, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const SCHEMA: &str = "{:person/email {:db/unique :db.unique/identity}
                       :person/tags {:db/cardinality :db.cardinality/many}}";

fn db() -> RawDatabase {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"clock".into(), &JsValue::NULL).unwrap();
    RawDatabase::new(JsValue::from_str(SCHEMA), options.into()).unwrap()
}

fn none() -> JsValue {
    JsValue::UNDEFINED
}

fn args(items: &[&str]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn kind(e: JsValue) -> String {
    Reflect::get(&e, &"kind".into())
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
fn a_report_without_tempids_crosses_as_its_datoms_and_two_numbers() {
    let db = db();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"txInstant".into(), &JsValue::from(1500)).unwrap();
    let hex = db
        .transact(r#"[[:db/add 1 :person/name "Ann"]]"#.into(), Some(options))
        .unwrap();
    assert!(hex.is_string());
    let tx = db.last_tx();
    assert!(tx > dfdb_core::index::TX0 as f64);
    assert_eq!(db.last_tx_instant(), 1500.0);
    let datoms = Array::from(&dfdb_web::database::decode_tx_data(hex).unwrap());
    assert_eq!(datoms.length(), 1);
    assert_eq!(Reflect::get(&datoms.get(0), &"tx".into()).unwrap(), tx);
    // The JSON path answers the same way.
    let hex = db
        .transact_json(r#"[[":db/add", 1, ":person/name", "Bo"]]"#.into(), None)
        .unwrap();
    assert!(hex.is_string());
    assert_eq!(db.last_tx(), tx + 1.0);
}

#[wasm_bindgen_test]
fn transact_edn_then_query_pull_entity() {
    let db = db();
    let report = db
        .transact(
            r#"[{:db/id "ann" :person/email "ann@x" :person/name "Ann" :person/tags #{:a :b}}
                {:person/name "Bob" :person/age 1.0}]"#
                .into(),
            None,
        )
        .unwrap();
    // The raw report of a transaction naming tempids: [tx, instant ms, [tempid, id, …], datoms as
    // hex] (js/database.js shapes it).
    let report = js_sys::Array::from(&report);
    assert_eq!(report.length(), 4);
    let tempids = js_sys::Array::from(&report.get(2));
    let ann = (0..tempids.length())
        .step_by(2)
        .find(|i| tempids.get(*i).as_string().as_deref() == Some("ann"))
        .map(|i| tempids.get(i + 1));
    assert_eq!(ann, Some(JsValue::from(1)));
    let datoms = dfdb_web::database::decode_tx_data(report.get(3)).unwrap();
    assert_eq!(js_sys::Array::from(&datoms).length(), 6);
    let q = "[:find ?n ?a :where [?e :person/name ?n] [(get-else $ ?e :person/age 0) ?a]]";
    assert_eq!(
        db.q_edn(q.into(), args(&[]), none()).unwrap(),
        r#"#{["Ann" 0] ["Bob" 1.0]}"#
    );
    assert_eq!(
        db.pull_edn(
            "[:person/name]".into(),
            r#"[:person/email "ann@x"]"#.into(),
            none(),
        )
        .unwrap(),
        r#"{:person/name "Ann"}"#
    );
    assert_eq!(
        db.entity_edn("1".into(), none()).unwrap(),
        r#"{:db/id 1, :person/email "ann@x", :person/name "Ann", :person/tags #{:a :b}}"#
    );
    let by = db
        .entity_by(":person/email".into(), "ann@x".into(), none())
        .unwrap();
    assert_eq!(by, JsValue::from(1));
}

#[wasm_bindgen_test]
fn errors_carry_their_kind_and_change_nothing() {
    let db = db();
    db.transact(
        r#"[{:person/email "a@x"} {:person/email "b@x"}]"#.into(),
        None,
    )
    .unwrap();
    let e = db
        .transact(r#"[{:db/id 2 :person/email "a@x"}]"#.into(), None)
        .unwrap_err();
    assert_eq!(kind(e.clone()), "unique");
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(kind(db.transact("[{:a".into(), None).unwrap_err()), "parse");
    assert_eq!(
        kind(
            db.q_edn("[:find ?e :where [?e :a]".into(), args(&[]), none())
                .unwrap_err()
        ),
        "parse"
    );
    assert_eq!(
        db.q_edn(
            "[:find (count ?e) . :where [?e :person/email]]".into(),
            args(&[]),
            none()
        )
        .unwrap(),
        "2"
    );
    db.close().unwrap();
    assert_eq!(
        kind(
            db.q_edn(
                "[:find ?e :where [?e :person/email]]".into(),
                args(&[]),
                none()
            )
            .unwrap_err()
        ),
        "closed"
    );
}

#[wasm_bindgen_test]
fn values_round_trip_through_js() {
    let text = r#"{:big 9007199254740993 :f 1.5 :i 7 :k :a/b :s #{1 2} :t #inst "2020-01-01T00:00:00.000Z" :v [nil true "x"]}"#;
    let js = read_edn(text.into(), none()).unwrap();
    let big = Reflect::get(&js, &":big".into()).unwrap();
    assert!(big.is_bigint());
    assert_eq!(big, JsValue::from(BigInt::from(9007199254740993i64)));
    assert!(Reflect::get(&js, &":t".into())
        .unwrap()
        .is_instance_of::<Date>());
    assert!(Reflect::get(&js, &":s".into())
        .unwrap()
        .is_instance_of::<js_sys::Set>());
    assert_eq!(
        to_edn(js).unwrap(),
        dfdb_core::edn::to_edn(&dfdb_core::edn::read(text).unwrap())
    );
    let v = from_js(&JsValue::from_str(":x/y"), FromJs::default()).unwrap();
    assert_eq!(v, Value::kw("x/y"));
    let v = from_js(&JsValue::from_str(":not a keyword"), FromJs::default()).unwrap();
    assert_eq!(v, Value::str(":not a keyword"));
    assert_eq!(to_js(&Value::Int(1)), JsValue::from(1));
    assert_eq!(
        from_js(&JsValue::from_f64(2.5), FromJs::default()).unwrap(),
        Value::Float(2.5)
    );
}

#[wasm_bindgen_test]
fn subscriptions_deliver_after_the_transaction() {
    let db = db();
    let seen = Array::new();
    let sink = seen.clone();
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |d: JsValue| {
        sink.push(&d);
    });
    let f: Function = cb.as_ref().unchecked_ref::<Function>().clone();
    let sub = db
        .subscribe(
            "[:find ?n :where [_ :person/name ?n]]".into(),
            f,
            args(&[]),
            true,
        )
        .unwrap();
    assert_eq!(
        Reflect::get(&sub, &"initial".into()).unwrap(),
        JsValue::from_str("#{}")
    );
    db.transact(r#"[{:person/name "Ann"}]"#.into(), None)
        .unwrap();
    assert_eq!(seen.length(), 1);
    let d = seen.get(0);
    assert_eq!(
        Reflect::get(&d, &"additions".into()).unwrap(),
        JsValue::from_str(r#"[["Ann"]]"#)
    );
    let id = Reflect::get(&sub, &"id".into()).unwrap().as_f64().unwrap();
    assert!(db.unsubscribe(id).unwrap());
    db.transact(r#"[{:person/name "Bob"}]"#.into(), None)
        .unwrap();
    assert_eq!(seen.length(), 1);
    drop(cb);
}

#[wasm_bindgen_test]
fn a_journal_reloads_into_the_same_database() {
    let first = RawDatabase::load(Array::new().into(), SCHEMA.into(), none()).unwrap();
    first
        .transact(r#"[{:person/email "a@x" :person/name "Ann"}]"#.into(), None)
        .unwrap();
    first
        .transact(r#"[[:db/add 1 :person/name "Anna"]]"#.into(), None)
        .unwrap();
    // Replay every batch, in order, into a key → value map: what a host's storage would hold.
    let mut stored: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = Default::default();
    for batch in first.take_journal().iter() {
        for op in Array::from(&batch).iter() {
            let op = Array::from(&op);
            let k = js_sys::Uint8Array::new(&op.get(0)).to_vec();
            if op.get(1).is_null() {
                stored.remove(&k);
            } else {
                stored.insert(k, js_sys::Uint8Array::new(&op.get(1)).to_vec());
            }
        }
    }
    assert_eq!(first.take_journal().length(), 0);
    let entries: Array = stored
        .iter()
        .map(|(k, v)| -> JsValue {
            let pair = Array::new();
            pair.push(&js_sys::Uint8Array::from(&k[..]));
            pair.push(&js_sys::Uint8Array::from(&v[..]));
            pair.into()
        })
        .collect();
    let again = RawDatabase::load(entries.into(), SCHEMA.into(), none()).unwrap();
    assert_eq!(
        again.take_journal().length(),
        0,
        "the schema was already there"
    );
    assert_eq!(
        again
            .entity_edn(r#"[:person/email "a@x"]"#.into(), none())
            .unwrap(),
        r#"{:db/id 1, :person/email "a@x", :person/name "Anna"}"#
    );
    assert_eq!(
        Array::from(&again.history(JsValue::from(1)).unwrap()).length(),
        4
    );
}
