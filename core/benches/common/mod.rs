//! Shared by the core benches (`mod common;`): DataScript's people20k generator, a seeded random
//! source, and an interleaving timer for same-process ratios on a noisy machine.
#![allow(dead_code)]

use dfdb_core::{Database, TxInput, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// People in DataScript's people20k benchmark.
pub const PEOPLE: usize = 20_000;
/// First names (`:name`).
pub const FIRST: [&str; 8] = [
    "Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis",
];
/// Last names (`:last-name`).
pub const LAST: [&str; 6] = [
    "Ivanov",
    "Petrov",
    "Sidorov",
    "Kovalev",
    "Kuznetsov",
    "Voronoi",
];

/// The seed of [`people`].
pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A seeded xorshift64 generator: the same people on every run.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One person's five (attribute, value) pairs.
pub type Person = [(Value, Value); 5];

/// The 20,000 people of people20k.
pub fn people() -> Vec<Person> {
    people_n(PEOPLE)
}

/// `n` people from the people20k generator (the first 20,000 are people20k's).
pub fn people_n(n: usize) -> Vec<Person> {
    let mut rng = XorShift(SEED);
    (0..n)
        .map(|_| {
            let name = FIRST[rng.below(FIRST.len() as u64) as usize];
            let last = LAST[rng.below(LAST.len() as u64) as usize];
            let sex = if rng.below(2) == 0 { "male" } else { "female" };
            [
                (Value::kw("name"), Value::str(name)),
                (Value::kw("last-name"), Value::str(last)),
                (Value::kw("sex"), Value::kw(sex)),
                (Value::kw("age"), Value::Int(rng.below(100) as i64)),
                (Value::kw("salary"), Value::Int(rng.below(100_000) as i64)),
            ]
        })
        .collect()
}

/// A person as a tx-data map.
pub fn entity_map(p: &Person) -> Value {
    Value::Map(p.iter().cloned().collect::<BTreeMap<_, _>>())
}

/// Transacts `tx_data` (panics on error: benches only).
pub fn transact(db: &mut Database, tx_data: Vec<Value>) {
    db.transact(TxInput::new(Value::Vector(tx_data)))
        .expect("transaction");
}

/// Everyone in one transaction.
pub fn add_all(people: &[Person]) -> Database {
    let mut db = Database::in_memory();
    transact(&mut db, people.iter().map(entity_map).collect());
    db
}

/// Reads EDN (panics on error: benches only).
pub fn edn(text: &str) -> Value {
    dfdb_core::read(text).expect("edn")
}

/// The median, minimum and maximum of some durations.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// Median.
    pub median: Duration,
    /// Fastest.
    pub min: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Stats {
    /// Of `xs` (not empty).
    pub fn of(xs: &[Duration]) -> Stats {
        let mut v = xs.to_vec();
        v.sort();
        Stats {
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{} – {}]",
            fmt_d(self.median),
            fmt_d(self.min),
            fmt_d(self.max)
        )
    }
}

/// A duration with a unit chosen for it.
pub fn fmt_d(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Runs each variant `iters` times per sample, alternating variants (A,B,C,A,B,C,… with the order
/// rotated every round so none always runs first) for `rounds` rounds; returns each variant's
/// per-call time of every round.
pub fn interleave(
    rounds: usize,
    iters: u32,
    variants: &mut [(&str, &mut dyn FnMut())],
) -> Vec<Vec<Duration>> {
    let n = variants.len();
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); n];
    for r in 0..rounds {
        for k in 0..n {
            let i = (r + k) % n;
            let f = &mut variants[i].1;
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            times[i].push(start.elapsed() / iters);
        }
    }
    times
}

/// Median, min and max of the per-round ratios `b[r] / a[r]`.
pub fn ratio(a: &[Duration], b: &[Duration]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| b.as_secs_f64() / a.as_secs_f64())
        .collect();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Prints interleaved times and each variant's per-round ratio to the first.
pub fn report(title: &str, names: &[&str], times: &[Vec<Duration>]) {
    println!("{title} ({} interleaved rounds)", times[0].len());
    for (name, t) in names.iter().zip(times) {
        let (m, lo, hi) = ratio(&times[0], t);
        println!(
            "  {name:<34} {}   ratio to {}: {m:.3} [{lo:.3} – {hi:.3}]",
            Stats::of(t),
            names[0]
        );
    }
}
