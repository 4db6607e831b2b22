//! Test support: proptest strategies for [`Value`]s (feature `testing`, and this crate's own tests).
//!
//! The strategies lean towards the values where encodings go wrong: numbers at the edges of `i64`
//! and `f64` (and ints next to equal floats), text with `\0`, `\u{1}` and astral characters, bytes
//! `0x00`/`0xFF`, and small alphabets so that equal values, prefixes and near-misses are common.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::Value;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use proptest::collection::vec as vec_of;
use proptest::prelude::*;
use proptest::sample::select;

/// Integers: small ones, any `i64`, edges, and powers of two give or take one.
pub fn arb_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        -3i64..=3,
        any::<i64>(),
        select(vec![
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            i64::MAX - 1,
            1 << 53,
            (1 << 53) + 1,
            -(1 << 53) - 1
        ]),
        (0u32..63, -1i64..=1, any::<bool>()).prop_map(|(s, d, neg)| {
            let x = (1i64 << s).wrapping_add(d);
            if neg {
                x.wrapping_neg()
            } else {
                x
            }
        }),
    ]
}

/// The float `steps` representable values away from `f` (towards +∞ when positive).
fn nudge(f: f64, steps: i32) -> f64 {
    let mut f = f;
    for _ in 0..steps.unsigned_abs() {
        if f.is_nan() || f.is_infinite() {
            break;
        }
        let bits = f.to_bits();
        let up = steps > 0;
        f = if f == 0.0 {
            if up {
                f64::from_bits(1)
            } else {
                -f64::from_bits(1)
            }
        } else if (f > 0.0) == up {
            f64::from_bits(bits + 1)
        } else {
            f64::from_bits(bits - 1)
        };
    }
    f
}

/// Floats: any bit pattern (NaNs included, canonicalised by [`Value::float`] in [`arb_number`]),
/// specials, halves, and floats at or next to integers.
pub fn arb_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        select(vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            9_223_372_036_854_775_808.0,
            -9_223_372_036_854_775_808.0,
        ]),
        (-8i32..8).prop_map(|k| f64::from(k) * 0.5),
        (arb_int(), -2i32..=2).prop_map(|(i, k)| nudge(i as f64, k)),
    ]
}

/// Numbers: `Int`s and `Float`s (NaN canonical).
pub fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_int().prop_map(Value::Int),
        arb_float().prop_map(Value::float)
    ]
}

/// Text over a small alphabet with `\0`, `\u{1}`, `/`, multi-byte and astral characters, plus any char.
pub fn arb_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => select(vec!['\0', '\u{1}', 'a', 'b', '/', '\u{7f}', '\u{e9}', '\u{FFFF}', '\u{1F600}']),
        1 => any::<char>(),
    ];
    vec_of(c, 0..5).prop_map(String::from_iter)
}

/// Bytes over a small alphabet with `0x00` and `0xFF`, plus any byte.
pub fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    let b = prop_oneof![3 => select(vec![0u8, 1, 0x7f, 0xfe, 0xff]), 1 => any::<u8>()];
    vec_of(b, 0..5)
}

/// Scalars of every kind.
pub fn arb_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Nil),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => arb_number(),
        1 => arb_int().prop_map(Value::Inst),
        2 => arb_text().prop_map(|s| Value::str(&s)),
        1 => prop_oneof![select(vec!['\0', 'a', '\u{1F600}']), any::<char>()].prop_map(Value::Char),
        1 => arb_text().prop_map(|s| Value::kw(&s)),
        1 => arb_text().prop_map(|s| Value::sym(&s)),
        1 => prop_oneof![0u128..3, any::<u128>()].prop_map(|u| Value::Uuid(crate::value::Uuid::new(u))),
        1 => arb_bytes().prop_map(|b| Value::Bytes(Arc::from(b))),
        1 => prop_oneof![0u64..3, any::<u64>()].prop_map(Value::Ref),
    ]
}

/// Any value, every variant, collections nested at most 4 deep (with up to 4 elements each).
pub fn arb_value() -> impl Strategy<Value = Value> {
    arb_scalar().prop_recursive(3, 48, 4, |inner| {
        prop_oneof![
            vec_of(inner.clone(), 0..4).prop_map(Value::Vector),
            vec_of(inner.clone(), 0..4).prop_map(Value::List),
            vec_of(inner.clone(), 0..4).prop_map(|v| Value::Set(v.into_iter().collect())),
            vec_of((inner.clone(), inner), 0..4)
                .prop_map(|v| Value::Map(v.into_iter().collect::<BTreeMap<_, _>>())),
        ]
    })
}

pub mod readable;
