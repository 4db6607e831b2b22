//! Codec and memory-storage throughput.
//!
//! `cargo bench -p dfdb-core --bench codec` (add `-- --quick` for a short run).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dfdb_core::codec::{decode_key, encode_key, get_u32, get_u64, put_u32, put_u64};
use dfdb_core::storage::{Direction, KeyRange, MemoryStorage, ReadStorage, Storage, WriteBatch};
use dfdb_core::Value;

/// An EAVT key: entity, attribute, value, transaction.
fn eavt(e: u64, a: u32, v: &Value, tx: u64, out: &mut Vec<u8>) {
    put_u64(e, out);
    put_u32(a, out);
    encode_key(v, out);
    put_u64(tx, out);
}

fn parse_eavt(k: &[u8]) -> (u64, u32, Value, u64) {
    let (e, n1) = get_u64(k).unwrap();
    let (a, n2) = get_u32(&k[n1..]).unwrap();
    let (v, n3) = decode_key(&k[n1 + n2..]).unwrap();
    let (tx, _) = get_u64(&k[n1 + n2 + n3..]).unwrap();
    (e, a, v, tx)
}

fn sample_values() -> Vec<(&'static str, Value)> {
    vec![
        ("int", Value::Int(1_234_567)),
        ("short_string", Value::str("Alice Example")),
        ("keyword", Value::kw("person.status/active")),
    ]
}

fn codec(c: &mut Criterion) {
    const N: u64 = 1_000;
    let mut g = c.benchmark_group("eavt_key");
    g.throughput(Throughput::Elements(N));
    for (name, v) in sample_values() {
        g.bench_function(format!("encode/{name}"), |b| {
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                for i in 0..N {
                    out.clear();
                    eavt(1_000 + i, 42, black_box(&v), (1 << 42) + i, &mut out);
                    black_box(&out);
                }
            })
        });
        let keys: Vec<Vec<u8>> = (0..N)
            .map(|i| {
                let mut out = Vec::new();
                eavt(1_000 + i, 42, &v, (1 << 42) + i, &mut out);
                out
            })
            .collect();
        g.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| {
                for k in &keys {
                    black_box(parse_eavt(black_box(k)));
                }
            })
        });
    }
    g.finish();
}

fn filled_storage(n: u64) -> MemoryStorage {
    let mut s = MemoryStorage::new();
    let mut batch = WriteBatch::new();
    for i in 0..n {
        // 100 entities × 1,000 datoms each: entity e has keys with prefix e.
        let mut k = Vec::new();
        eavt(
            i / 1_000,
            (i % 1_000) as u32,
            &Value::Int(i as i64),
            1 << 42,
            &mut k,
        );
        batch.put(k, Vec::new());
    }
    s.write(batch).unwrap();
    s
}

fn scans(c: &mut Criterion) {
    const N: u64 = 100_000;
    let s = filled_storage(N);
    let mut g = c.benchmark_group("memory_scan");
    g.throughput(Throughput::Elements(N));
    for (name, dir) in [
        ("full_forward", Direction::Forward),
        ("full_reverse", Direction::Reverse),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let n = s.scan(KeyRange::all(), dir).unwrap().count();
                assert_eq!(n, N as usize);
            })
        });
    }
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("prefix_1000", |b| {
        let mut e = 0u64;
        b.iter(|| {
            e = (e + 37) % 100;
            let mut p = Vec::new();
            put_u64(e, &mut p);
            let n = s
                .scan(KeyRange::prefix(&p), Direction::Forward)
                .unwrap()
                .count();
            assert_eq!(n, 1_000);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("memory_write");
    g.throughput(Throughput::Elements(1));
    g.bench_function("put_after_snapshot_copies_100k", |b| {
        b.iter_batched(
            || {
                let s = filled_storage(N);
                let snap = s.snapshot().unwrap();
                (s, snap)
            },
            |(mut s, snap)| {
                let mut batch = WriteBatch::new();
                batch.put(vec![0xff], Vec::new());
                s.write(batch).unwrap();
                (s, snap)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, codec, scans);
criterion_main!(benches);
