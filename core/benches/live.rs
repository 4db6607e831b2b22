//! Live queries (issue #7): what a subscription adds to a transaction, against re-running its query.
//!
//! Two identical databases get the same transactions: one has the subscription, the other none.
//! Each round transacts on both (order alternating) and then re-runs the query on the plain one.
//! The update time of the subscription is the per-round difference `transact(subscribed) −
//! transact(plain)`; its ratio to the re-run is the speedup. Cases:
//!
//! - (a) `[:find ?e ?n :where [?e :name ?n]]`, transactions change `:name`;
//! - (b) q4's four-clause join, transactions change `:age`;
//! - (c) `[:find ?l (avg ?s) :where [?e :last-name ?l] [?e :salary ?s]]`, transactions change `:salary`;
//! - (d) `[?r :emp/reports-to+ ?boss]` under the CEO of a 20,000-employee tree (fan-out 4), transactions
//!   add employees under random managers;
//! - (e) a `not-join` (Ivans who are not minors), transactions change `:age`;
//!
//! for single-datom transactions (one `:db/add` of a cardinality-one attribute: the report then
//! holds the assertion and the retraction of the old value) and batches of 100, on people20k
//! (100,000 datoms); and (a)–(c) single-datom at 10k, 100k and 1M datoms (2k, 20k, 200k people).
//! A short criterion group follows. Run with `cargo bench -p dfdb-core --bench live`.

mod common;

use common::{add_all, edn, fmt_d, people_n, Stats, XorShift, FIRST};
use criterion::{Criterion, SamplingMode};
use dfdb_core::{Database, TxInput, Value};
use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

const QA: &str = "[:find ?e ?n :where [?e :name ?n]]";
const QB: &str =
    r#"[:find ?e ?a ?l :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]]"#;
const QC: &str = "[:find ?l (avg ?s) :where [?e :last-name ?l] [?e :salary ?s]]";
const QD: &str = r#"[:find ?r :where [?boss :emp/name "CEO"] [?r :emp/reports-to+ ?boss]]"#;
const QE: &str = r#"[:find ?e :where [?e :name "Ivan"] (not-join [?e] [?e :age ?a] [(< ?a 18)])]"#;

/// Employees under the CEO in case (d).
const EMPLOYEES: usize = 20_000;

/// What a transaction of a case changes.
#[derive(Clone, Copy)]
enum Change {
    Name,
    Age,
    Salary,
    NewEmployee,
}

/// Two identical databases and what the generator needs to make real changes.
struct Pair {
    plain: Database,
    sub: Database,
    /// Entity ids of the people (or employees).
    ids: Vec<i64>,
    rng: XorShift,
    fresh: i64,
}

impl Pair {
    fn people(n: usize) -> Pair {
        let ps = people_n(n);
        let plain = add_all(&ps);
        let sub = add_all(&ps);
        let ids = match plain
            .query(&edn("[:find [?e ...] :where [?e :name]]"), &[])
            .expect("ids")
        {
            Value::Vector(v) => v.iter().filter_map(Value::as_int).collect(),
            other => panic!("ids: {other:?}"),
        };
        Pair {
            plain,
            sub,
            ids,
            rng: XorShift(7),
            fresh: 0,
        }
    }

    fn org() -> Pair {
        let build = || {
            let mut db = Database::in_memory();
            db.transact(TxInput::new(edn(
                "[{:db/ident :emp/reports-to :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
                  {:db/ident :emp/name :db/cardinality :db.cardinality/one}]",
            )))
            .expect("schema");
            let tid = |i: usize| Value::str(&format!("e{i}"));
            let emps: Vec<Value> = (0..=EMPLOYEES)
                .map(|i| {
                    let mut m = std::collections::BTreeMap::new();
                    m.insert(Value::kw("db/id"), tid(i));
                    let name = if i == 0 {
                        "CEO".to_string()
                    } else {
                        format!("emp{i}")
                    };
                    m.insert(Value::kw("emp/name"), Value::str(&name));
                    if i > 0 {
                        m.insert(Value::kw("emp/reports-to"), tid((i - 1) / 4));
                    }
                    Value::Map(m)
                })
                .collect();
            let r = db.transact(TxInput::new(Value::Vector(emps))).expect("org");
            let ids: Vec<i64> = (0..=EMPLOYEES).map(|i| r.tempids[&tid(i)] as i64).collect();
            (db, ids)
        };
        let (plain, ids) = build();
        let (sub, _) = build();
        Pair {
            plain,
            sub,
            ids,
            rng: XorShift(11),
            fresh: 0,
        }
    }

    /// `n` changes of distinct entities, each certain to change something.
    fn tx(&mut self, change: Change, n: usize) -> Value {
        let mut out = Vec::with_capacity(n);
        let mut used = std::collections::HashSet::new();
        while out.len() < n {
            let e = self.ids[self.rng.below(self.ids.len() as u64) as usize];
            if !used.insert(e) {
                continue;
            }
            self.fresh += 1;
            let f = self.fresh;
            let (a, v) = match change {
                // Fresh values: a cardinality-one change is never a no-op.
                Change::Name => (
                    "name",
                    Value::str(&format!("{}-{f}", FIRST[(f % 8) as usize])),
                ),
                Change::Age => ("age", Value::Int(100 + f)),
                Change::Salary => ("salary", Value::Int(100_000 + f)),
                Change::NewEmployee => {
                    out.push(Value::Vector(vec![
                        Value::kw("db/add"),
                        Value::str(&format!("new{f}")),
                        Value::kw("emp/reports-to"),
                        Value::Int(e),
                    ]));
                    continue;
                }
            };
            out.push(Value::Vector(vec![
                Value::kw("db/add"),
                Value::Int(e),
                Value::kw(a),
                v,
            ]));
        }
        Value::Vector(out)
    }
}

/// One measured configuration.
struct Row {
    plain: Stats,
    sub: Stats,
    /// Per-round `sub − plain`.
    diff: Duration,
    requery: Stats,
}

fn measure(pair: &mut Pair, query: &Value, change: Change, batch: usize, rounds: usize) -> Row {
    let delivered = Rc::new(Cell::new(0usize));
    let seen = delivered.clone();
    let (id, _) = pair
        .sub
        .subscribe(
            query,
            &[],
            Box::new(move |d| {
                d.expect("live update");
                seen.set(seen.get() + 1);
            }),
        )
        .expect("subscribe");
    let (mut tp, mut ts, mut tq, mut diffs) = (vec![], vec![], vec![], vec![]);
    for r in 0..rounds {
        let tx = pair.tx(change, batch);
        let time = |db: &mut Database| {
            let t = Instant::now();
            db.transact(TxInput::new(tx.clone())).expect("tx");
            t.elapsed()
        };
        let (p, s) = if r % 2 == 0 {
            let p = time(&mut pair.plain);
            (p, time(&mut pair.sub))
        } else {
            let s = time(&mut pair.sub);
            (time(&mut pair.plain), s)
        };
        let t = Instant::now();
        black_box(pair.plain.query(query, &[]).expect("query"));
        tq.push(t.elapsed());
        tp.push(p);
        ts.push(s);
        diffs.push(s.as_nanos() as i128 - p.as_nanos() as i128);
    }
    assert_eq!(
        pair.sub
            .subscription_result(id)
            .expect("live")
            .expect("result"),
        pair.sub.query(query, &[]).expect("query"),
        "the live result must equal a fresh run"
    );
    pair.sub.unsubscribe(id);
    diffs.sort();
    let diff = diffs[diffs.len() / 2].max(0) as u64;
    println!(
        "      ({} of {rounds} transactions changed the result)",
        delivered.get()
    );
    Row {
        plain: Stats::of(&tp),
        sub: Stats::of(&ts),
        diff: Duration::from_nanos(diff),
        requery: Stats::of(&tq),
    }
}

fn print_header() {
    println!(
        "{:<5} {:<9} {:<6} {:>26} {:>26} {:>11} {:>26} {:>10}",
        "case",
        "datoms",
        "tx",
        "transact, no sub",
        "transact, subscribed",
        "update",
        "re-run query",
        "speedup"
    );
}

fn print_row(case: &str, datoms: &str, tx: &str, r: &Row) {
    let speedup = if r.diff.is_zero() {
        "∞ (≤ noise)".to_string()
    } else {
        format!(
            "{:.0}x",
            r.requery.median.as_secs_f64() / r.diff.as_secs_f64()
        )
    };
    println!(
        "{case:<5} {datoms:<9} {tx:<6} {:>26} {:>26} {:>11} {:>26} {:>10}",
        r.plain.to_string(),
        r.sub.to_string(),
        fmt_d(r.diff),
        r.requery.to_string(),
        speedup
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let [qa, qb, qc, qd, qe] = [QA, QB, QC, QD, QE].map(edn);
    let cases = [
        ("a", &qa, Change::Name),
        ("b", &qb, Change::Age),
        ("c", &qc, Change::Salary),
    ];

    println!("Per-transaction cost of a live subscription vs re-running its query (medians [min – max]; update = median of per-round differences)");
    print_header();
    // people20k: every case, single datoms and batches of 100.
    let t = Instant::now();
    let mut p20 = Pair::people(20_000);
    let mut org = Pair::org();
    println!(
        "(setup: two people20k databases and two org trees in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    for (batch, rounds, label) in [(1, 200, "1"), (100, 20, "100")] {
        for (name, q, change) in cases {
            print_row(
                name,
                "100k",
                label,
                &measure(&mut p20, q, change, batch, rounds),
            );
        }
        print_row(
            "d",
            "40k org",
            label,
            &measure(&mut org, &qd, Change::NewEmployee, batch, rounds),
        );
        print_row(
            "e",
            "100k",
            label,
            &measure(&mut p20, &qe, Change::Age, batch, rounds),
        );
    }
    drop(org);

    // Scaling of (a)–(c), single datoms.
    println!("\nScaling, single-datom transactions:");
    print_header();
    for (people, label, rounds) in [(2_000, "10k", 200), (200_000, "1M", 12)] {
        let t = Instant::now();
        let mut pair = Pair::people(people);
        println!(
            "(setup: two databases of {label} datoms in {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        for (name, q, change) in cases {
            print_row(name, label, "1", &measure(&mut pair, q, change, 1, rounds));
        }
    }

    // A criterion view of case (a) on people20k.
    let mut g = c.benchmark_group("live-a-100k");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("transact-1-no-sub", |b| {
        b.iter(|| {
            let tx = p20.tx(Change::Name, 1);
            p20.plain.transact(TxInput::new(tx)).expect("tx")
        })
    });
    let (id, _) = p20
        .sub
        .subscribe(&qa, &[], Box::new(|_| {}))
        .expect("subscribe");
    g.bench_function("transact-1-subscribed", |b| {
        b.iter(|| {
            let tx = p20.tx(Change::Name, 1);
            p20.sub.transact(TxInput::new(tx)).expect("tx")
        })
    });
    g.bench_function("re-run-query", |b| {
        b.iter(|| black_box(p20.plain.query(&qa, &[]).expect("query")))
    });
    g.finish();
    p20.sub.unsubscribe(id);
    c.final_summary();
}
