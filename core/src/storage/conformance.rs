//! The storage conformance suite: the [`Storage`] contract as tests, written once for every backend.
//!
//! A backend crate instantiates the whole suite with one macro call in a test file (enable this
//! crate's `testing` feature in its dev-dependencies):
//!
//! ```ignore
//! // tests/storage_conformance.rs
//! dfdb_core::storage_conformance_tests!(my_crate::MyStorage::open_temporary().unwrap());
//! ```
//!
//! The expression is evaluated afresh for every store a test needs, so it must give an empty,
//! open store each time. Each `pub fn` here is one test, usable directly as well.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use super::{Direction, KeyRange, ReadStorage, Storage, WriteBatch};
use crate::ErrorKind;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Expands to one `#[test]` per conformance check, each building stores with `$make`.
///
/// ```ignore
/// dfdb_core::storage_conformance_tests!(dfdb_core::storage::MemoryStorage::new());
/// ```
#[macro_export]
macro_rules! storage_conformance_tests {
    ($make:expr) => {
        $crate::storage_conformance_tests!(@tests $make;
            get_put_delete,
            batch_applies_in_order_later_op_wins,
            scans_forward_and_reverse,
            prefix_and_between_ranges,
            empty_ranges,
            binary_keys_and_values,
            scan_is_consumable_partially,
            snapshot_isolation,
            compact_keeps_data,
            close_is_idempotent_and_final,
            model_based_random_operations,
            cursor_visits_agree_with_visits,
        );
    };
    (@tests $make:expr; $($name:ident,)*) => {
        $(
            #[test]
            fn $name() {
                $crate::storage::conformance::$name(|| $make);
            }
        )*
    };
}

fn batch(ops: &[(&[u8], Option<&[u8]>)]) -> WriteBatch {
    let mut b = WriteBatch::new();
    for (k, v) in ops {
        match v {
            Some(v) => b.put(k, v),
            None => b.delete(k),
        }
    }
    b
}

fn put<S: Storage>(s: &mut S, k: &[u8], v: &[u8]) {
    s.write(batch(&[(k, Some(v))])).unwrap();
}

fn keys<R: ReadStorage + ?Sized>(s: &R, range: KeyRange, dir: Direction) -> Vec<Vec<u8>> {
    s.scan(range, dir).unwrap().map(|e| e.unwrap().0).collect()
}

fn fill<S: Storage>(s: &mut S, ks: &[&[u8]]) {
    let mut b = WriteBatch::new();
    for k in ks {
        let mut v = k.to_vec();
        v.push(b'!');
        b.put(k, v);
    }
    s.write(b).unwrap();
}

fn owned(ks: &[&[u8]]) -> Vec<Vec<u8>> {
    ks.iter().map(|k| k.to_vec()).collect()
}

pub fn get_put_delete<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    assert_eq!(s.get(b"a").unwrap(), None);
    put(&mut s, b"a", b"1");
    assert_eq!(s.get(b"a").unwrap(), Some(b"1".to_vec()));
    put(&mut s, b"a", b"2");
    assert_eq!(s.get(b"a").unwrap(), Some(b"2".to_vec()));
    s.write(batch(&[(b"a", None)])).unwrap();
    assert_eq!(s.get(b"a").unwrap(), None);
    // Deleting what is absent is fine.
    s.write(batch(&[(b"never", None)])).unwrap();
    s.write(WriteBatch::new()).unwrap();
    assert_eq!(
        keys(&s, KeyRange::all(), Direction::Forward),
        Vec::<Vec<u8>>::new()
    );
}

pub fn batch_applies_in_order_later_op_wins<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    put(&mut s, b"gone", b"x");
    s.write(batch(&[
        (b"k", Some(b"1")),
        (b"k", Some(b"2")),
        (b"j", Some(b"1")),
        (b"j", None),
        (b"gone", None),
        (b"back", None),
        (b"back", Some(b"3")),
        (b"other", Some(b"4")),
    ]))
    .unwrap();
    assert_eq!(s.get(b"k").unwrap(), Some(b"2".to_vec()));
    assert_eq!(s.get(b"j").unwrap(), None);
    assert_eq!(s.get(b"gone").unwrap(), None);
    assert_eq!(s.get(b"back").unwrap(), Some(b"3".to_vec()));
    assert_eq!(
        keys(&s, KeyRange::all(), Direction::Forward),
        owned(&[b"back", b"k", b"other"])
    );
    // Every operation of a batch becomes visible together.
    let before = s.snapshot().unwrap();
    let mut b = WriteBatch::new();
    for i in 0u32..500 {
        b.put(i.to_be_bytes(), [1u8; 10]);
    }
    s.write(b).unwrap();
    assert_eq!(
        before
            .scan(KeyRange::all(), Direction::Forward)
            .unwrap()
            .count(),
        3
    );
    assert_eq!(
        s.scan(KeyRange::all(), Direction::Forward).unwrap().count(),
        503
    );
}

pub fn scans_forward_and_reverse<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    let ks: [&[u8]; 6] = [b"", b"a", b"ab", b"abc", b"b", b"\xff"];
    fill(&mut s, &[b"b", b"ab", b"", b"\xff", b"abc", b"a"]);
    assert_eq!(keys(&s, KeyRange::all(), Direction::Forward), owned(&ks));
    let mut rev = owned(&ks);
    rev.reverse();
    assert_eq!(keys(&s, KeyRange::all(), Direction::Reverse), rev);
    let entries: Vec<_> = s
        .scan(KeyRange::all(), Direction::Forward)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    for (k, v) in entries {
        let mut want = k.clone();
        want.push(b'!');
        assert_eq!(v, want);
    }
}

pub fn prefix_and_between_ranges<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    fill(
        &mut s,
        &[
            b"a",
            b"ab",
            b"abc",
            b"abd",
            b"ac",
            b"b",
            b"a\xff",
            b"a\xff\xff",
            b"b\x00",
        ],
    );
    let f = Direction::Forward;
    let r = Direction::Reverse;
    assert_eq!(
        keys(&s, KeyRange::prefix(b"ab"), f),
        owned(&[b"ab", b"abc", b"abd"])
    );
    assert_eq!(
        keys(&s, KeyRange::prefix(b"ab"), r),
        owned(&[b"abd", b"abc", b"ab"])
    );
    assert_eq!(
        keys(&s, KeyRange::prefix(b"a\xff"), f),
        owned(&[b"a\xff", b"a\xff\xff"])
    );
    assert_eq!(
        keys(&s, KeyRange::prefix(b"b"), f),
        owned(&[b"b", b"b\x00"])
    );
    assert_eq!(
        keys(&s, KeyRange::between(b"ab", b"ac"), f),
        owned(&[b"ab", b"abc", b"abd"])
    );
    assert_eq!(
        keys(&s, KeyRange::between(b"abc", b"b"), r),
        owned(&[b"a\xff\xff", b"a\xff", b"ac", b"abd", b"abc"])
    );
    // Start inclusive, end exclusive, bounds need not be keys.
    assert_eq!(
        keys(&s, KeyRange::between(b"abcc", b"b\x00"), f),
        owned(&[b"abd", b"ac", b"a\xff", b"a\xff\xff", b"b"])
    );
    assert_eq!(
        keys(
            &s,
            KeyRange {
                start: b"b".to_vec(),
                end: None
            },
            f
        ),
        owned(&[b"b", b"b\x00"])
    );
    assert_eq!(
        keys(
            &s,
            KeyRange {
                start: b"b".to_vec(),
                end: None
            },
            r
        ),
        owned(&[b"b\x00", b"b"])
    );
}

pub fn empty_ranges<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    assert!(keys(&s, KeyRange::all(), Direction::Forward).is_empty());
    assert!(keys(&s, KeyRange::all(), Direction::Reverse).is_empty());
    fill(&mut s, &[b"a", b"b", b"c"]);
    for dir in [Direction::Forward, Direction::Reverse] {
        assert!(keys(&s, KeyRange::between(b"b", b"b"), dir).is_empty());
        assert!(
            keys(&s, KeyRange::between(b"c", b"a"), dir).is_empty(),
            "start > end is empty"
        );
        assert!(keys(&s, KeyRange::between(b"a\x00", b"b"), dir).is_empty());
        assert!(keys(&s, KeyRange::prefix(b"d"), dir).is_empty());
        assert!(keys(&s, KeyRange::prefix(b"\xff\xff"), dir).is_empty());
        assert!(keys(
            &s,
            KeyRange {
                start: b"c\x00".to_vec(),
                end: None
            },
            dir
        )
        .is_empty());
    }
}

pub fn binary_keys_and_values<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    let ks: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x00\x00",
        b"\x00\xff",
        b"\x01",
        b"\xff",
        b"\xff\x00",
        b"\xff\xff",
    ];
    let mut b = WriteBatch::new();
    for k in ks.iter().rev() {
        b.put(k, k);
    }
    b.put(b"empty", Vec::new());
    s.write(b).unwrap();
    for k in ks {
        assert_eq!(s.get(k).unwrap(), Some(k.to_vec()));
    }
    assert_eq!(s.get(b"empty").unwrap(), Some(Vec::new()));
    assert_eq!(s.get(b"\x00\x00\x00").unwrap(), None);
    let mut all = owned(&ks);
    all.insert(5, b"empty".to_vec());
    assert_eq!(keys(&s, KeyRange::all(), Direction::Forward), all);
    assert_eq!(
        keys(&s, KeyRange::prefix(b"\x00"), Direction::Forward),
        owned(&ks[1..4])
    );
    assert_eq!(
        keys(&s, KeyRange::prefix(b"\xff"), Direction::Reverse),
        owned(&[b"\xff\xff", b"\xff\x00", b"\xff"])
    );
}

pub fn scan_is_consumable_partially<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    let ks: Vec<Vec<u8>> = (0u16..1000).map(|i| i.to_be_bytes().to_vec()).collect();
    let mut b = WriteBatch::new();
    for k in &ks {
        b.put(k.clone(), vec![0]);
    }
    s.write(b).unwrap();
    let first: Vec<_> = s
        .scan(KeyRange::all(), Direction::Forward)
        .unwrap()
        .take(2)
        .map(|e| e.unwrap().0)
        .collect();
    assert_eq!(first, ks[..2].to_vec());
    let last: Vec<_> = s
        .scan(KeyRange::all(), Direction::Reverse)
        .unwrap()
        .take(2)
        .map(|e| e.unwrap().0)
        .collect();
    assert_eq!(last, vec![ks[999].clone(), ks[998].clone()]);
    // Two scans may be open at once.
    let mut a = s.scan(KeyRange::all(), Direction::Forward).unwrap();
    let mut z = s.scan(KeyRange::all(), Direction::Reverse).unwrap();
    assert_eq!(a.next().unwrap().unwrap().0, ks[0]);
    assert_eq!(z.next().unwrap().unwrap().0, ks[999]);
}

pub fn snapshot_isolation<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    fill(&mut s, &[b"a", b"b"]);
    let snap = s.snapshot().unwrap();
    s.write(batch(&[
        (b"a", Some(b"new")),
        (b"b", None),
        (b"c", Some(b"3")),
    ]))
    .unwrap();
    let snap2 = s.snapshot().unwrap();
    put(&mut s, b"d", b"4");
    assert_eq!(snap.get(b"a").unwrap(), Some(b"a!".to_vec()));
    assert_eq!(snap.get(b"b").unwrap(), Some(b"b!".to_vec()));
    assert_eq!(snap.get(b"c").unwrap(), None);
    assert_eq!(
        keys(&*snap, KeyRange::all(), Direction::Forward),
        owned(&[b"a", b"b"])
    );
    assert_eq!(
        keys(&*snap, KeyRange::all(), Direction::Reverse),
        owned(&[b"b", b"a"])
    );
    assert_eq!(
        keys(&*snap2, KeyRange::all(), Direction::Forward),
        owned(&[b"a", b"c"])
    );
    assert_eq!(snap2.get(b"a").unwrap(), Some(b"new".to_vec()));
    assert_eq!(
        keys(&s, KeyRange::all(), Direction::Forward),
        owned(&[b"a", b"c", b"d"])
    );
    // A snapshot is Send + Sync: it can move to another thread.
    fn assert_send_sync<T: Send + Sync + ?Sized>(_: &T) {}
    assert_send_sync(&*snap);
    drop(snap);
    put(&mut s, b"e", b"5");
    assert_eq!(snap2.get(b"e").unwrap(), None);
}

pub fn compact_keeps_data<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    fill(&mut s, &[b"a", b"b", b"c"]);
    s.write(batch(&[(b"b", None)])).unwrap();
    s.compact().unwrap();
    assert_eq!(
        keys(&s, KeyRange::all(), Direction::Forward),
        owned(&[b"a", b"c"])
    );
    assert_eq!(s.get(b"c").unwrap(), Some(b"c!".to_vec()));
}

pub fn close_is_idempotent_and_final<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    fill(&mut s, &[b"a"]);
    let snap = s.snapshot().unwrap();
    s.close().unwrap();
    s.close().unwrap();
    assert_eq!(s.get(b"a").unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(
        s.scan(KeyRange::all(), Direction::Forward)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        s.write(batch(&[(b"b", Some(b"2"))])).unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(
        s.write(WriteBatch::new()).unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(s.snapshot().err().unwrap().kind(), ErrorKind::Closed);
    assert_eq!(s.compact().unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(
        s.cursor()
            .visit(KeyRange::all(), &mut |_, _| Ok(true))
            .unwrap_err()
            .kind(),
        ErrorKind::Closed
    );
    s.close().unwrap();
    // A snapshot taken before close either still reads its state or fails with kind `closed`.
    match snap.get(b"a") {
        Ok(v) => assert_eq!(v, Some(b"a!".to_vec())),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Closed),
    }
}

/// A cursor's visits (mostly ascending, as a query's probes per row are, some jumping back, some
/// across leading bytes, some stopped early) lend what plain visits and the model do, on the
/// store and on a snapshot of it taken before later writes.
pub fn cursor_visits_agree_with_visits<S: Storage>(make: impl Fn() -> S) {
    let mut s = make();
    let mut model = Model::new();
    // Thousands of keys under a few leading bytes: deep enough for any tree to have levels.
    let mut b = WriteBatch::new();
    for lead in [1u8, 2, 3, 0xff] {
        for i in (0u16..3000).filter(|i| i % 7 != 3) {
            let k = [&[lead][..], &i.to_be_bytes()].concat();
            model.insert(k.clone(), i.to_le_bytes().to_vec());
            b.put(k, i.to_le_bytes());
        }
    }
    s.write(b).unwrap();
    let snap = s.snapshot().unwrap();
    let before = model.clone();
    let mut b = WriteBatch::new();
    for i in (0u16..3000).step_by(5) {
        let k = [&[2u8][..], &i.to_be_bytes()].concat();
        model.remove(&k);
        b.delete(k);
    }
    s.write(b).unwrap();
    let key = |x: u32| -> Vec<u8> {
        let [_, lead, hi, lo] = x.to_be_bytes();
        vec![lead, hi, lo]
    };
    // A fixed pseudo-random walk over the key space (xorshift), so failures repeat.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (reader, m) in [(&s as &dyn ReadStorage, &model), (snap.as_ref(), &before)] {
        let mut cursor = reader.cursor();
        let mut at = 0x01_0000u32;
        for _ in 0..600 {
            let r = next();
            at = match r % 10 {
                // Now and then anywhere (under another leading byte, or backwards).
                0 => {
                    (u32::from([1u8, 2, 3, 0xff][(r >> 8) as usize % 4]) << 16)
                        | ((r >> 16) as u32 % 3100)
                }
                _ => at + (r >> 8) as u32 % 40,
            };
            let range = match (r >> 40) % 6 {
                0 => KeyRange::prefix(&key(at)[..2]),
                1 => KeyRange {
                    start: key(at),
                    end: None,
                },
                // Across leading bytes.
                2 => KeyRange::between(&key(at), &key(at + 0x1_0100)),
                3 => KeyRange::between(&key(at), &key(at)),
                _ => KeyRange::between(&key(at), &key(at + 1 + (r >> 48) as u32 % 9)),
            };
            let stop = [usize::MAX, 0, 3][(r >> 56) as usize % 3];
            let mut seen = Vec::new();
            cursor
                .visit(range.clone(), &mut |k, v| {
                    assert!(seen.len() <= stop, "visit went on after being told to stop");
                    seen.push((k.to_vec(), v.to_vec()));
                    Ok(seen.len() <= stop)
                })
                .unwrap();
            let want = model_scan(m, &range, false);
            let n = want.len().min(stop.saturating_add(1));
            assert_eq!(
                &seen[..],
                &want[..n],
                "cursor visit {range:?}, stop after {stop}"
            );
        }
    }
}

/// One step of the model-based test.
#[derive(Clone, Debug)]
enum Op {
    Write(Vec<(Vec<u8>, Option<Vec<u8>>)>),
    Get(Vec<u8>),
    Scan {
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        prefix: bool,
        reverse: bool,
        snapshot: Option<usize>,
    },
    Snapshot,
    GetSnapshot(usize, Vec<u8>),
    DropSnapshot(usize),
}

fn arb_key() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![Just(0u8), Just(1), Just(0x7f), Just(0xff)],
        0..4,
    )
}

fn arb_op() -> impl Strategy<Value = Op> {
    let write = proptest::collection::vec(
        (
            arb_key(),
            proptest::option::weighted(0.7, proptest::collection::vec(any::<u8>(), 0..3)),
        ),
        0..6,
    );
    prop_oneof![
        6 => write.prop_map(Op::Write),
        2 => arb_key().prop_map(Op::Get),
        3 => (arb_key(), proptest::option::of(arb_key()), any::<bool>(), any::<bool>(), proptest::option::of(0usize..4))
            .prop_map(|(start, end, prefix, reverse, snapshot)| Op::Scan { start, end, prefix, reverse, snapshot }),
        1 => Just(Op::Snapshot),
        1 => (0usize..4, arb_key()).prop_map(|(i, k)| Op::GetSnapshot(i, k)),
        1 => (0usize..4).prop_map(Op::DropSnapshot),
    ]
}

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn model_scan(m: &Model, range: &KeyRange, reverse: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<_> = m
        .iter()
        .filter(|(k, _)| range.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if reverse {
        out.reverse();
    }
    out
}

/// Random sequences of writes, batches, gets, scans and snapshots, checked against a `BTreeMap`.
pub fn model_based_random_operations<S: Storage>(make: impl Fn() -> S) {
    let config = Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(arb_op(), 1..40), |ops| {
        let mut s = make();
        let mut model = Model::new();
        let mut snaps: Vec<(Box<dyn ReadStorage + Send + Sync>, Model)> = Vec::new();
        for op in ops {
            match op {
                Op::Write(items) => {
                    let mut b = WriteBatch::new();
                    for (k, v) in items {
                        match v {
                            Some(v) => {
                                model.insert(k.clone(), v.clone());
                                b.put(k, v);
                            }
                            None => {
                                model.remove(&k);
                                b.delete(k);
                            }
                        }
                    }
                    s.write(b).unwrap();
                }
                Op::Get(k) => prop_assert_eq!(s.get(&k).unwrap(), model.get(&k).cloned()),
                Op::Scan {
                    start,
                    end,
                    prefix,
                    reverse,
                    snapshot,
                } => {
                    let range = if prefix {
                        KeyRange::prefix(&start)
                    } else {
                        KeyRange { start, end }
                    };
                    let dir = if reverse {
                        Direction::Reverse
                    } else {
                        Direction::Forward
                    };
                    let (got, want) = match snapshot.and_then(|i| snaps.get(i)) {
                        Some((snap, m)) => (
                            snap.scan(range.clone(), dir),
                            model_scan(m, &range, reverse),
                        ),
                        None => (
                            s.scan(range.clone(), dir),
                            model_scan(&model, &range, reverse),
                        ),
                    };
                    let got: Vec<_> = got.unwrap().map(|e| e.unwrap()).collect();
                    prop_assert_eq!(&got, &want, "range {:?}", range);
                    if !reverse {
                        // `visit` lends the same entries, and stops when told to.
                        let reader: &dyn ReadStorage = match snapshot.and_then(|i| snaps.get(i)) {
                            Some((snap, _)) => snap.as_ref(),
                            None => &s,
                        };
                        for stop in [usize::MAX, 0, 1, 2] {
                            let mut seen = Vec::new();
                            reader
                                .visit(range.clone(), &mut |k, v| {
                                    if seen.len() > stop {
                                        panic!("visit went on after being told to stop");
                                    }
                                    seen.push((k.to_vec(), v.to_vec()));
                                    Ok(seen.len() <= stop)
                                })
                                .unwrap();
                            let n = want.len().min(stop.saturating_add(1));
                            prop_assert_eq!(
                                &seen[..],
                                &want[..n],
                                "visit {:?}, stop after {}",
                                range,
                                stop
                            );
                        }
                    }
                }
                Op::Snapshot => {
                    if snaps.len() < 4 {
                        snaps.push((s.snapshot().unwrap(), model.clone()));
                    }
                }
                Op::GetSnapshot(i, k) => {
                    if let Some((snap, m)) = snaps.get(i) {
                        prop_assert_eq!(snap.get(&k).unwrap(), m.get(&k).cloned());
                    }
                }
                Op::DropSnapshot(i) => {
                    if i < snaps.len() {
                        snaps.remove(i);
                    }
                }
            }
        }
        let all: Vec<_> = s
            .scan(KeyRange::all(), Direction::Forward)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        prop_assert_eq!(all, model_scan(&model, &KeyRange::all(), false));
        for (snap, m) in &snaps {
            let all: Vec<_> = snap
                .scan(KeyRange::all(), Direction::Reverse)
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            prop_assert_eq!(all, model_scan(m, &KeyRange::all(), true));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("storage disagrees with the model: {e}");
    }
}
