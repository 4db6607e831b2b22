//! dfdb on RocksDB against dfdb in memory and against raw RocksDB doing the same byte work.
//!
//! - `load/*`: people20k (20,000 people, 5 attributes each) as one transaction (`add-all`) and as
//!   one transaction per person (`add-5`), sync off and on. `raw` replays, batch for batch, the
//!   exact key/value pairs dfdb's transactions write (captured by a recording storage) into a
//!   fresh RocksDB with plain `WriteBatch`es: the floor dfdb's storage layer can reach. Sync-on
//!   `add-5` loads the first 500 people only (each commit waits for an fsync).
//! - `read/*`: 1,000 `entity` reads on the loaded database against raw RocksDB prefix scans of the
//!   same entities' EAVT keys.
//! - `layout/*`: the choice documented in docs/ARCHITECTURE.md ("RocksDB layout"): one key space
//!   with the tag byte first (with and without the prefix Bloom filter) against one column family
//!   per tag, for loading the captured pairs and for per-entity EAVT scans.
//!
//! Run: `cargo bench -p dfdb --bench rocksdb` (add `-- --quick` for a rough pass).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../core/benches/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dfdb::storage::{BatchOp, Journal, JournalStorage, WriteBatch};
use dfdb::{Database, EntityId, RocksDbOptions, TxInput, Value};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

const PEOPLE: usize = common::PEOPLE;
/// People loaded one per transaction with sync on (each commit waits for an fsync).
const SYNC_PEOPLE: usize = 500;
const READS: usize = 1_000;
const EAVT: u8 = dfdb::index::space::EAVT;

/// people20k: one map per person, from the core benches' generator (the same people everywhere).
fn people(n: usize) -> Vec<Value> {
    common::people_n(n).iter().map(common::entity_map).collect()
}

/// Runs `load` on a recording storage and returns the batches it wrote.
fn capture(load: impl FnOnce(&mut Database)) -> Vec<WriteBatch> {
    let batches: Journal = Rc::default();
    let storage = JournalStorage::load(Vec::new(), Rc::clone(&batches)).unwrap();
    let mut db = Database::open(Box::new(storage), None).unwrap();
    load(&mut db);
    drop(db);
    Rc::try_unwrap(batches).ok().unwrap().into_inner()
}

fn add_all(db: &mut Database, people: &[Value]) {
    db.transact(TxInput::new(Value::Vector(people.to_vec())))
        .unwrap();
}

fn add_5(db: &mut Database, people: &[Value]) {
    for p in people {
        db.transact(TxInput::new(Value::Vector(vec![p.clone()])))
            .unwrap();
    }
}

/// RocksDB options equal to `RocksDbOptions`' defaults, for the raw databases.
fn raw_options(prefix_bloom: bool) -> rocksdb::Options {
    let mut o = rocksdb::Options::default();
    o.create_if_missing(true);
    o.create_missing_column_families(true);
    o.set_compression_type(rocksdb::DBCompressionType::Lz4);
    let mut t = rocksdb::BlockBasedOptions::default();
    t.set_block_cache(&rocksdb::Cache::new_lru_cache(32 << 20));
    t.set_cache_index_and_filter_blocks(true);
    t.set_pin_l0_filter_and_index_blocks_in_cache(true);
    t.set_bloom_filter(10.0, false);
    if prefix_bloom {
        o.set_prefix_extractor(rocksdb::SliceTransform::create_fixed_prefix(
            dfdb::PREFIX_LEN,
        ));
        o.set_memtable_prefix_bloom_ratio(0.05);
    }
    o.set_block_based_table_factory(&t);
    o
}

fn raw_write(db: &rocksdb::DB, batches: &[WriteBatch], sync: bool) {
    let mut wo = rocksdb::WriteOptions::default();
    wo.set_sync(sync);
    for b in batches {
        let mut wb = rocksdb::WriteBatch::default();
        for op in b.iter() {
            match op {
                BatchOp::Put(k, v) => wb.put(k, v),
                BatchOp::Delete(k) => wb.delete(k),
            }
        }
        db.write_opt(wb, &wo).unwrap();
    }
}

/// One column family per tag byte; keys lose their tag.
fn cf_names(batches: &[WriteBatch]) -> Vec<String> {
    let mut tags: Vec<u8> = batches
        .iter()
        .flat_map(|b| b.iter())
        .map(|op| match op {
            BatchOp::Put(k, _) | BatchOp::Delete(k) => k[0],
        })
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags.iter().map(|t| format!("t{t:02x}")).collect()
}

fn cf_write(db: &rocksdb::DB, batches: &[WriteBatch]) {
    let mut wo = rocksdb::WriteOptions::default();
    wo.set_sync(false);
    for b in batches {
        let mut wb = rocksdb::WriteBatch::default();
        for op in b.iter() {
            match op {
                BatchOp::Put(k, v) => {
                    let cf = db.cf_handle(&format!("t{:02x}", k[0])).unwrap();
                    wb.put_cf(cf, &k[1..], v);
                }
                BatchOp::Delete(k) => {
                    let cf = db.cf_handle(&format!("t{:02x}", k[0])).unwrap();
                    wb.delete_cf(cf, &k[1..]);
                }
            }
        }
        db.write_opt(wb, &wo).unwrap();
    }
}

fn open_raw(path: &Path, prefix_bloom: bool) -> rocksdb::DB {
    rocksdb::DB::open(&raw_options(prefix_bloom), path).unwrap()
}

fn open_cf(path: &Path, names: &[String]) -> rocksdb::DB {
    rocksdb::DB::open_cf(&raw_options(false), path, names).unwrap()
}

/// Counts the entries of a bounded prefix scan.
fn raw_scan(db: &rocksdb::DB, prefix: &[u8], prefix_mode: bool) -> usize {
    let mut ro = rocksdb::ReadOptions::default();
    ro.set_iterate_lower_bound(prefix.to_vec());
    ro.set_iterate_upper_bound(dfdb::storage::prefix_successor(prefix).unwrap());
    if prefix_mode {
        ro.set_prefix_same_as_start(true);
    } else {
        ro.set_total_order_seek(true);
    }
    db.iterator_opt(
        rocksdb::IteratorMode::From(prefix, rocksdb::Direction::Forward),
        ro,
    )
    .try_fold(0, |n, r| r.map(|_| n + 1))
    .unwrap()
}

fn cf_scan(db: &rocksdb::DB, cf: &str, prefix: &[u8]) -> usize {
    let mut ro = rocksdb::ReadOptions::default();
    ro.set_iterate_lower_bound(prefix.to_vec());
    ro.set_iterate_upper_bound(dfdb::storage::prefix_successor(prefix).unwrap());
    db.iterator_cf_opt(
        db.cf_handle(cf).unwrap(),
        ro,
        rocksdb::IteratorMode::From(prefix, rocksdb::Direction::Forward),
    )
    .try_fold(0, |n, r| r.map(|_| n + 1))
    .unwrap()
}

fn eavt_prefix(e: EntityId) -> Vec<u8> {
    let mut p = vec![EAVT];
    p.extend_from_slice(&e.to_be_bytes());
    p
}

fn sync_options(path: &Path, sync: bool) -> RocksDbOptions {
    let mut o = RocksDbOptions::new(path);
    o.sync = sync;
    o
}

fn load(c: &mut Criterion) {
    let all = people(PEOPLE);
    let few = &all[..SYNC_PEOPLE];
    let all_batches = capture(|db| add_all(db, &all));
    let each_batches = capture(|db| add_5(db, &all));
    let few_batches = capture(|db| add_5(db, few));
    let pairs: usize = all_batches.iter().map(WriteBatch::len).sum();
    println!(
        "people20k: {PEOPLE} people, add-all writes {pairs} pairs in {} batch(es), add-5 {} batches",
        all_batches.len(),
        each_batches.len()
    );

    let mut g = c.benchmark_group("load");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(PEOPLE as u64));
    g.bench_function("add-all/memory", |b| {
        b.iter(|| add_all(&mut Database::in_memory(), &all))
    });
    for sync in [false, true] {
        let s = if sync { "sync" } else { "nosync" };
        g.bench_function(format!("add-all/rocksdb-{s}"), |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let mut db = dfdb::open(dir.path(), sync_options(dir.path(), sync)).unwrap();
                    add_all(&mut db, &all);
                    (db, dir)
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function(format!("add-all/raw-{s}"), |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let db = open_raw(dir.path(), true);
                    raw_write(&db, &all_batches, sync);
                    (db, dir)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.bench_function("add-5/memory", |b| {
        b.iter(|| add_5(&mut Database::in_memory(), &all))
    });
    g.bench_function("add-5/rocksdb-nosync", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let mut db = dfdb::open(dir.path(), sync_options(dir.path(), false)).unwrap();
                add_5(&mut db, &all);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("add-5/raw-nosync", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let db = open_raw(dir.path(), true);
                raw_write(&db, &each_batches, false);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.throughput(Throughput::Elements(SYNC_PEOPLE as u64));
    g.bench_function("add-5-500/rocksdb-sync", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let mut db = dfdb::open(dir.path(), sync_options(dir.path(), true)).unwrap();
                add_5(&mut db, few);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("add-5-500/raw-sync", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let db = open_raw(dir.path(), true);
                raw_write(&db, &few_batches, true);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn read(c: &mut Criterion) {
    let all = people(PEOPLE);
    let batches = capture(|db| add_all(db, &all));
    let dir = tempfile::tempdir().unwrap();
    let mut db = dfdb::open(dir.path().join("dfdb"), RocksDbOptions::default()).unwrap();
    add_all(&mut db, &all);
    let mut mem = Database::in_memory();
    add_all(&mut mem, &all);
    let raw = open_raw(&dir.path().join("raw"), true);
    raw_write(&raw, &batches, false);
    // Entity ids of the people: every entity with a :name.
    let ids: Vec<EntityId> = db
        .datoms(dfdb::Index::Aevt, &[Value::kw("name")])
        .unwrap()
        .iter()
        .map(|d| d.e)
        .collect();
    let mut rng = common::XorShift(7);
    let picks: Vec<EntityId> = (0..READS)
        .map(|_| ids[rng.below(ids.len() as u64) as usize])
        .collect();

    let mut g = c.benchmark_group("read");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(READS as u64));
    g.bench_function("entity/memory", |b| {
        b.iter(|| {
            for &e in &picks {
                assert!(mem.entity(e).unwrap().is_some());
            }
        })
    });
    g.bench_function("entity/rocksdb", |b| {
        b.iter(|| {
            for &e in &picks {
                assert!(db.entity(e).unwrap().is_some());
            }
        })
    });
    // q4: a probe per Ivan (the star path) after the filters' walks: per-row index reads.
    let q4 = dfdb_core::edn::read(
        r#"[:find ?e ?a ?l :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]]"#,
    )
    .unwrap();
    g.bench_function("q4/memory", |b| b.iter(|| mem.query(&q4, &[]).unwrap()));
    g.bench_function("q4/rocksdb", |b| b.iter(|| db.query(&q4, &[]).unwrap()));
    g.bench_function("entity/raw-eavt-scan", |b| {
        b.iter(|| {
            for &e in &picks {
                assert_eq!(raw_scan(&raw, &eavt_prefix(e), true), 5);
            }
        })
    });
    g.finish();
}

fn layout(c: &mut Criterion) {
    let all = people(PEOPLE);
    let batches = capture(|db| add_all(db, &all));
    let each = capture(|db| add_5(db, &all[..5_000]));
    let names = cf_names(&batches);
    let mut g = c.benchmark_group("layout");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(PEOPLE as u64));
    for (name, prefix_bloom) in [("one-keyspace", false), ("one-keyspace-prefix-bloom", true)] {
        g.bench_function(format!("load/{name}"), |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let db = open_raw(dir.path(), prefix_bloom);
                    raw_write(&db, &batches, false);
                    (db, dir)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.bench_function("load/cf-per-index", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let db = open_cf(dir.path(), &names);
                cf_write(&db, &batches);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.throughput(Throughput::Elements(5_000));
    g.bench_function("load-5/one-keyspace", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let db = open_raw(dir.path(), true);
                raw_write(&db, &each, false);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("load-5/cf-per-index", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let db = open_cf(dir.path(), &cf_names(&each));
                cf_write(&db, &each);
                (db, dir)
            },
            BatchSize::PerIteration,
        )
    });

    // Reads from SST files (flushed and compacted), where the Bloom filters matter.
    let dir = tempfile::tempdir().unwrap();
    let plain = open_raw(&dir.path().join("plain"), false);
    raw_write(&plain, &batches, false);
    let bloom = open_raw(&dir.path().join("bloom"), true);
    raw_write(&bloom, &batches, false);
    let cf = open_cf(&dir.path().join("cf"), &names);
    cf_write(&cf, &batches);
    for db in [&plain, &bloom] {
        db.flush().unwrap();
        db.compact_range::<&[u8], &[u8]>(None, None);
    }
    for n in &names {
        let h = cf.cf_handle(n).unwrap();
        cf.flush_cf(h).unwrap();
        cf.compact_range_cf::<&[u8], &[u8]>(h, None, None);
    }
    let mut rng = common::XorShift(11);
    // Half the probes hit a person, half miss (ids past the last entity).
    let probes: Vec<EntityId> = (0..READS)
        .map(|i| {
            let e = 1 + rng.below(PEOPLE as u64);
            if i % 2 == 0 {
                e
            } else {
                e + 10 * PEOPLE as u64
            }
        })
        .collect();
    let cf_eavt = format!("t{EAVT:02x}");
    g.throughput(Throughput::Elements(READS as u64));
    g.bench_function("eavt-scan/one-keyspace", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&e| raw_scan(&plain, &eavt_prefix(e), false))
                .sum::<usize>()
        })
    });
    g.bench_function("eavt-scan/one-keyspace-prefix-bloom", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&e| raw_scan(&bloom, &eavt_prefix(e), true))
                .sum::<usize>()
        })
    });
    g.bench_function("eavt-scan/cf-per-index", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&e| cf_scan(&cf, &cf_eavt, &eavt_prefix(e)[1..]))
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, load, read, layout);
criterion_main!(benches);
