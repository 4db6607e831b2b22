//! DataScript's people20k benchmark on memory storage: 20,000 people with five attributes each.
//!
//! - `add-1`: one datom per transaction (100,000 transactions);
//! - `add-5`: one entity per transaction (20,000 transactions);
//! - `add-all`: everything in one transaction;
//! - `retract-5`: `:db/retractEntity`, one entity per transaction, from a full database.
//!
//! Before the timings it prints how many bytes of storage (keys + values, every index and the
//! history) each datom costs. Run with `cargo bench -p dfdb-core --bench people20k`.

mod common;

use common::{add_all, entity_map, people, transact, Person, PEOPLE};
use criterion::{BatchSize, Criterion, SamplingMode};
use dfdb_core::storage::{Direction, KeyRange};
use dfdb_core::{Database, Value};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

fn add_1(people: &[Person]) -> Database {
    let mut db = Database::in_memory();
    for (i, p) in people.iter().enumerate() {
        let id = Value::Int(i as i64 + 1);
        for (a, v) in p {
            transact(
                &mut db,
                vec![Value::Vector(vec![
                    Value::kw("db/add"),
                    id.clone(),
                    a.clone(),
                    v.clone(),
                ])],
            );
        }
    }
    db
}

fn add_5(people: &[Person]) -> Database {
    let mut db = Database::in_memory();
    for p in people {
        transact(&mut db, vec![entity_map(p)]);
    }
    db
}

fn retract_5(mut db: Database) -> Database {
    for id in 1..=PEOPLE as i64 {
        transact(
            &mut db,
            vec![Value::Vector(vec![
                Value::kw("db/retractEntity"),
                Value::Int(id),
            ])],
        );
    }
    db
}

/// Prints the storage cost per datom of the add-all database, by key space.
fn storage_report(people: &[Person]) {
    let db = add_all(people);
    let datoms = db
        .datoms(dfdb_core::Index::Eavt, &[])
        .expect("datoms")
        .len();
    let storage = db.into_storage();
    let mut by_space: BTreeMap<u8, (usize, usize)> = BTreeMap::new();
    for entry in storage
        .scan(KeyRange::all(), Direction::Forward)
        .expect("scan")
    {
        let (k, v) = entry.expect("entry");
        let slot = by_space.entry(k.first().copied().unwrap_or(0)).or_default();
        slot.0 += 1;
        slot.1 += k.len() + v.len();
    }
    let total: usize = by_space.values().map(|(_, b)| b).sum();
    let entries: usize = by_space.values().map(|(n, _)| n).sum();
    println!(
        "people20k storage: {datoms} datoms, {entries} entries, {total} bytes of keys+values, {:.1} bytes per datom",
        total as f64 / datoms as f64
    );
    for (space, (n, bytes)) in &by_space {
        println!(
            "  space 0x{space:02x}: {n} entries, {bytes} bytes ({:.1} per datom)",
            *bytes as f64 / datoms as f64
        );
    }
}

fn benches(c: &mut Criterion) {
    let people = people();
    let mut g = c.benchmark_group("people20k");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("add-1", |b| b.iter(|| black_box(add_1(&people))));
    g.bench_function("add-5", |b| b.iter(|| black_box(add_5(&people))));
    g.bench_function("add-all", |b| b.iter(|| black_box(add_all(&people))));
    g.bench_function("retract-5", |b| {
        b.iter_batched(
            || add_all(&people),
            |db| black_box(retract_5(db)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn main() {
    storage_report(&people());
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
