//! Time dimensions (issue #8): readings of 1,000 sensors stamped with an indexed `:time/measured`
//! dimension, one transaction per minute carrying one reading of every sensor (1,000 readings per
//! sensor, 1,000,000 in all; and a 100,000-reading database, 100 per sensor, for scaling).
//!
//! Measured: one sensor over one hour of measured time with an `:at/measured` query, against the
//! same answer computed by hand (the sensor's history, filtered by each transaction's measured
//! value); and all sensors over one hour. Criterion times each; interleaved rounds give the ratios.
//! Run with `cargo bench -p dfdb-core --bench time_dims`.

mod common;

use common::{edn, interleave, report, XorShift};
use criterion::{Criterion, SamplingMode};
use dfdb_core::{Database, Keyword, TxInput, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::{Duration, Instant};

const SENSORS: usize = 1_000;
const MINUTE: i64 = 60_000;
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
/// The hour queried: minutes 30..90 after T0 (inside both databases).
const FROM: i64 = T0 + 30 * MINUTE;
const TO: i64 = FROM + 60 * MINUTE;
/// The sensor queried.
const SENSOR: &str = "S-500";

const ONE: &str = "[:find ?v ?t :in $ ?sensor ?from ?to
  :where [?s :sensor/id ?sensor] [?s :sensor/value ?v :at/measured ?t]
         [(>= ?t ?from)] [(< ?t ?to)]]";
const ALL: &str = "[:find ?s ?v ?t :in $ ?from ?to
  :where [?s :sensor/value ?v :at/measured ?t] [(>= ?t ?from)] [(< ?t ?to)]]";

/// `minutes` transactions, each stamping one reading of every sensor.
fn load(minutes: usize) -> Database {
    let mut db = Database::in_memory();
    db.transact(TxInput::new(edn(
        "[{:dimension/name :time/measured :dimension/type :instant :dimension/indexed? true}]",
    )))
    .expect("dimension");
    let sensors: Vec<Value> = (0..SENSORS)
        .map(|i| {
            let mut m = BTreeMap::new();
            m.insert(Value::kw("db/id"), Value::str(&format!("s{i}")));
            m.insert(Value::kw("sensor/id"), Value::str(&format!("S-{i}")));
            Value::Map(m)
        })
        .collect();
    let r = db
        .transact(TxInput::new(Value::Vector(sensors)))
        .expect("sensors");
    let ids: Vec<Value> = (0..SENSORS)
        .map(|i| Value::Int(r.tempids[&Value::str(&format!("s{i}"))] as i64))
        .collect();
    let mut rng = XorShift(42);
    for k in 0..minutes {
        let tx_data = ids
            .iter()
            .map(|e| {
                Value::Vector(vec![
                    Value::kw("db/add"),
                    e.clone(),
                    Value::kw("sensor/value"),
                    Value::Int(k as i64 * 1000 + rng.below(1000) as i64),
                ])
            })
            .collect();
        let mut dims = BTreeMap::new();
        dims.insert(
            Value::kw("time/measured"),
            Value::Inst(T0 + k as i64 * MINUTE),
        );
        db.transact(TxInput {
            time_dimensions: Some(dims),
            ..TxInput::new(Value::Vector(tx_data))
        })
        .expect("readings");
    }
    db
}

/// One sensor's readings in [from, to) by hand: its history, filtered by each transaction's value.
fn by_hand(db: &Database, sensor: &str, from: i64, to: i64) -> BTreeSet<Value> {
    let view = db.view();
    let measured = Keyword::new("time/measured");
    let value = Keyword::new("sensor/value");
    let Some(e) = sensor_entity(db, sensor) else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    for d in db.history(Some(e)).expect("history") {
        if !d.added || d.a != value {
            continue;
        }
        if let Some(Value::Inst(t)) = view.tx_dim(d.tx, &measured) {
            if (from..to).contains(t) {
                out.insert(Value::Vector(vec![d.v.clone(), Value::Inst(*t)]));
            }
        }
    }
    out
}

/// The same from the raw history of (entity, attribute): no sort, no decoding into `Datom`s.
fn by_hand_raw(db: &Database, sensor: &str, from: i64, to: i64) -> usize {
    let view = db.view();
    let measured = Keyword::new("time/measured");
    let a = db
        .schema()
        .get(&Keyword::new("sensor/value"))
        .expect("attr")
        .id;
    let Some(e) = sensor_entity(db, sensor) else {
        return 0;
    };
    let mut n = 0;
    for d in view.history(Some(e), Some(a), None).expect("history") {
        let d = d.expect("datom");
        if d.added
            && matches!(view.tx_dim(d.tx, &measured), Some(Value::Inst(t)) if (from..to).contains(t))
        {
            n += 1;
        }
    }
    n
}

/// The entity whose `:sensor/id` is `sensor`.
fn sensor_entity(db: &Database, sensor: &str) -> Option<u64> {
    db.datoms(
        dfdb_core::Index::Avet,
        &[Value::kw("sensor/id"), Value::str(sensor)],
    )
    .expect("datoms")
    .first()
    .map(|d| d.e)
}

fn count(v: &Value) -> usize {
    match v {
        Value::Set(s) => s.len(),
        _ => 1,
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let one = edn(ONE);
    let all = edn(ALL);
    let one_in = [Value::str(SENSOR), Value::Inst(FROM), Value::Inst(TO)];
    let all_in = [Value::Inst(FROM), Value::Inst(TO)];

    let mut dbs = Vec::new();
    for (minutes, label) in [(100, "100k"), (1_000, "1M")] {
        let t = Instant::now();
        let db = load(minutes);
        println!(
            "loaded {label} readings ({minutes} transactions of {SENSORS}) in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let q = db.query(&one, &one_in).expect("query");
        let hand = by_hand(&db, SENSOR, FROM, TO);
        assert_eq!(q, Value::Set(hand.into_iter().collect()), "query = by hand");
        assert_eq!(count(&q), by_hand_raw(&db, SENSOR, FROM, TO));
        println!(
            "  one sensor, one hour: {} readings; all sensors, one hour: {}",
            count(&q),
            count(&db.query(&all, &all_in).expect("query"))
        );
        let plan = dfdb_core::query::explain(
            &one,
            &[
                dfdb_core::query::Input::Db(db.view()),
                dfdb_core::query::Input::Value(one_in[0].clone()),
                dfdb_core::query::Input::Value(one_in[1].clone()),
                dfdb_core::query::Input::Value(one_in[2].clone()),
            ],
        )
        .expect("explain");
        println!("  plan: {plan:?}");
        dbs.push((label, db));
    }

    {
        let mut g = c.benchmark_group("time_dims");
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        for (label, db) in &dbs {
            g.bench_function(format!("{label}/query-one-sensor-hour"), |b| {
                b.iter(|| black_box(db.query(&one, &one_in).expect("query")))
            });
            g.bench_function(format!("{label}/by-hand-history"), |b| {
                b.iter(|| black_box(by_hand(db, SENSOR, FROM, TO)))
            });
            g.bench_function(format!("{label}/by-hand-raw"), |b| {
                b.iter(|| black_box(by_hand_raw(db, SENSOR, FROM, TO)))
            });
        }
        // All sensors over an hour scans every reading's history: once per database is enough.
        g.sample_size(10).measurement_time(Duration::from_secs(5));
        for (label, db) in &dbs {
            g.bench_function(format!("{label}/query-all-sensors-hour"), |b| {
                b.iter(|| black_box(db.query(&all, &all_in).expect("query")))
            });
        }
        g.finish();
    }

    let names = [
        "100k query",
        "1M query",
        "100k by hand",
        "1M by hand",
        "100k by hand raw",
        "1M by hand raw",
    ];
    let (small, big) = (&dbs[0].1, &dbs[1].1);
    let times = interleave(
        40,
        5,
        &mut [
            (names[0], &mut || {
                black_box(small.query(&one, &one_in).expect("query"));
            }),
            (names[1], &mut || {
                black_box(big.query(&one, &one_in).expect("query"));
            }),
            (names[2], &mut || {
                black_box(by_hand(small, SENSOR, FROM, TO));
            }),
            (names[3], &mut || {
                black_box(by_hand(big, SENSOR, FROM, TO));
            }),
            (names[4], &mut || {
                black_box(by_hand_raw(small, SENSOR, FROM, TO));
            }),
            (names[5], &mut || {
                black_box(by_hand_raw(big, SENSOR, FROM, TO));
            }),
        ],
    );
    report(
        "one sensor, one hour (60 readings), interleaved",
        &names,
        &times,
    );
    let (q1m, hand1m) = (&times[1], &times[3]);
    let (m, lo, hi) = common::ratio(hand1m, q1m);
    println!("  1M: query / by hand = {m:.3} [{lo:.3} – {hi:.3}]");
    let (m, lo, hi) = common::ratio(&times[2], &times[3]);
    println!("  by hand 1M / 100k = {m:.3} [{lo:.3} – {hi:.3}]");
    let (m, lo, hi) = common::ratio(&times[0], &times[1]);
    println!("  query 1M / 100k = {m:.3} [{lo:.3} – {hi:.3}] (same 60-reading answer)");
    let times = interleave(
        5,
        1,
        &mut [
            ("100k all", &mut || {
                black_box(small.query(&all, &all_in).expect("query"));
            }),
            ("1M all", &mut || {
                black_box(big.query(&all, &all_in).expect("query"));
            }),
        ],
    );
    report(
        "all sensors, one hour (60,000 readings), interleaved",
        &["100k all", "1M all"],
        &times,
    );
    c.final_summary();
}
