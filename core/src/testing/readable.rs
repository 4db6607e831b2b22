//! Proptest strategies for values the EDN reader can produce (used by the EDN round-trip tests).
//!
//! Compiled for this crate's tests and, with the `testing` feature, for other crates' tests.
//! Every value generated is one the EDN reader can produce: keyword and symbol texts are valid
//! EDN names, and floats are canonical (built with [`Value::float`]).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec; // the `vec!` macro, which `prop_oneof!` uses past ten arms
use alloc::vec::Vec;

use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

use crate::Value;

/// Any `i64`, with the extremes and small numbers made likely.
pub fn arb_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -100i64..100,
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
    ]
}

/// Any `f64`, including NaN (of any bit pattern), infinities, `-0.0` and subnormals.
pub fn arb_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
        (-1000i32..1000).prop_map(f64::from),
        (-1000i32..1000).prop_map(|n| f64::from(n) / 8.0),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(-0.0),
        Just(0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(5e-324),
        Just(1e16),
    ]
}

/// Strings: any characters (astral, controls, `\0`, quotes, backslashes), short.
pub fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec(any::<char>(), 0..12).prop_map(|cs| cs.into_iter().collect::<String>()),
        1 => "[a-z ]{0,12}",
        1 => prop::sample::select(&[
            "",
            "\0",
            "a\"b\\c",
            "\n\t\r\u{8}\u{c}",
            "😀\u{10FFFF}",
            "\u{1}\u{1f}\u{7f}\u{85}\u{2028}\u{feff}",
            "\\u0041",
        ][..])
        .prop_map(String::from),
    ]
}

/// A valid EDN symbol or keyword text (without the colon), namespaced or not.
pub fn arb_name() -> impl Strategy<Value = String> {
    const PART: &str = "[a-zA-Zλ*!_?$%&=<>][a-zA-Z0-9λ.*+!_?$%&=<>:#'-]{0,8}";
    prop_oneof![
        4 => PART,
        3 => (PART, PART).prop_map(|(ns, name)| format!("{ns}/{name}")),
        1 => prop::sample::select(&[
            "/", "+", "-", "...", ".", "?x", "?e", "str/starts-with?", "clojure.core//", "-a", "+b", ".c",
            "db/id", "nil?", "a:b", "a#", "é",
        ][..])
        .prop_map(String::from),
    ]
    .prop_filter("reserved words read as nil and booleans", |s| {
        !matches!(s.as_str(), "nil" | "true" | "false")
    })
}

/// Any non-collection value.
pub fn arb_atom() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        arb_int().prop_map(Value::Int),
        arb_float().prop_map(Value::float),
        arb_int().prop_map(Value::Inst),
        arb_string().prop_map(|s| Value::str(&s)),
        any::<char>().prop_map(Value::Char),
        arb_name().prop_map(|n| Value::kw(&n)),
        arb_name().prop_map(|n| Value::sym(&n)),
        any::<u128>().prop_map(|u| Value::Uuid(crate::value::Uuid::new(u))),
        vec(any::<u8>(), 0..12).prop_map(|b| Value::Bytes(Arc::from(b))),
        prop_oneof![any::<u64>(), Just(u64::MAX), 0u64..1000].prop_map(Value::Ref),
    ]
}

/// Any value: every variant, collections nested at most 4 deep, at most ~64 atoms in all and
/// at most 6 items per collection (empty collections included).
pub fn arb_value() -> impl Strategy<Value = Value> {
    arb_atom().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Vector),
            vec(inner.clone(), 0..6).prop_map(Value::List),
            btree_set(inner.clone(), 0..6).prop_map(|s| Value::Set(s.into())),
            btree_map(inner.clone(), inner, 0..6).prop_map(Value::Map),
        ]
    })
}

/// Values of a few kinds in a list, for tests that want many values at once.
pub fn arb_values(max: usize) -> impl Strategy<Value = Vec<Value>> {
    vec(arb_value(), 0..max)
}
