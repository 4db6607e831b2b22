//! Golden key encodings: `tests/golden/codec.txt` holds, per line, an EDN-ish description of a value,
//! a tab, and the hex of its `encode_key`. The file is part of the storage format: a change to any
//! line is a format change. The values are built here in Rust (the description is only a name), the
//! file is embedded with `include_str!`, so the same check runs natively and on wasm32
//! (`wasm-bindgen-test`).

use dfdb_core::codec::{decode_key, encode_key};
use dfdb_core::value::Uuid;
use dfdb_core::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const GOLDEN: &str = include_str!("golden/codec.txt");

fn v(items: Vec<Value>) -> Value {
    Value::Vector(items)
}

fn bytes(b: &[u8]) -> Value {
    Value::Bytes(Arc::from(b))
}

/// Every golden value, in ascending order, with its description.
fn values() -> Vec<(&'static str, Value)> {
    vec![
        ("nil", Value::Nil),
        ("false", Value::Bool(false)),
        ("true", Value::Bool(true)),
        ("##-Inf", Value::Float(f64::NEG_INFINITY)),
        ("-1.7976931348623157E308", Value::Float(f64::MIN)),
        ("-9223372036854775808", Value::Int(i64::MIN)),
        (
            "-9.223372036854775808E18",
            Value::Float(-9_223_372_036_854_775_808.0),
        ),
        ("-9223372036854775807", Value::Int(i64::MIN + 1)),
        ("-9007199254740993", Value::Int(-(1 << 53) - 1)),
        ("-128", Value::Int(-128)),
        ("-1.5", Value::Float(-1.5)),
        ("-1", Value::Int(-1)),
        ("-1.0", Value::Float(-1.0)),
        ("-1.0E-300", Value::Float(-1e-300)),
        ("-4.9E-324", Value::Float(-f64::from_bits(1))),
        ("0", Value::Int(0)),
        ("-0.0", Value::Float(-0.0)),
        ("0.0", Value::Float(0.0)),
        ("4.9E-324", Value::Float(f64::from_bits(1))),
        (
            "2.225073858507201E-308",
            Value::Float(f64::from_bits((1 << 52) - 1)),
        ),
        ("2.2250738585072014E-308", Value::Float(f64::MIN_POSITIVE)),
        ("1.0E-300", Value::Float(1e-300)),
        ("0.1", Value::Float(0.1)),
        ("1", Value::Int(1)),
        ("1.0", Value::Float(1.0)),
        ("1.5", Value::Float(1.5)),
        ("2", Value::Int(2)),
        ("127", Value::Int(127)),
        ("128", Value::Int(128)),
        ("255", Value::Int(255)),
        ("256", Value::Int(256)),
        ("1000", Value::Int(1000)),
        ("9007199254740992", Value::Int(1 << 53)),
        (
            "9.007199254740992E15",
            Value::Float(9_007_199_254_740_992.0),
        ),
        ("9007199254740993", Value::Int((1 << 53) + 1)),
        ("9223372036854775807", Value::Int(i64::MAX)),
        (
            "9.223372036854775808E18",
            Value::Float(9_223_372_036_854_775_808.0),
        ),
        ("1.0E300", Value::Float(1e300)),
        ("1.7976931348623157E308", Value::Float(f64::MAX)),
        ("##Inf", Value::Float(f64::INFINITY)),
        ("##NaN", Value::float(f64::NAN)),
        ("#inst \"1969-12-31T23:59:59.999Z\"", Value::Inst(-1)),
        ("#inst \"1970-01-01T00:00:00.000Z\"", Value::Inst(0)),
        (
            "#inst \"2023-11-14T22:13:20.000Z\"",
            Value::Inst(1_700_000_000_000),
        ),
        ("\"\"", Value::str("")),
        ("\"\\u0000\"", Value::str("\0")),
        ("\"\\u0000\\u0000\"", Value::str("\0\0")),
        ("\"a\"", Value::str("a")),
        ("\"a\\u0000b\"", Value::str("a\0b")),
        ("\"ab\"", Value::str("ab")),
        ("\"é\"", Value::str("é")),
        ("\"😀\"", Value::str("\u{1F600}")),
        ("\\u0000", Value::Char('\0')),
        ("\\a", Value::Char('a')),
        ("\\😀", Value::Char('\u{1F600}')),
        (":a", Value::kw("a")),
        (":person/name", Value::kw("person/name")),
        ("?e", Value::sym("?e")),
        ("str/starts-with?", Value::sym("str/starts-with?")),
        (
            "#uuid \"00000000-0000-0000-0000-000000000000\"",
            Value::Uuid(Uuid::new(0)),
        ),
        (
            "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"",
            Value::Uuid(Uuid::new(0xf81d4fae_7dec_11d0_a765_00a0c91e6bf6)),
        ),
        ("#bytes \"\"", bytes(&[])),
        ("#bytes \"00ff\"", bytes(&[0x00, 0xff])),
        ("#bytes \"ff00\"", bytes(&[0xff, 0x00])),
        ("#ref 0", Value::Ref(0)),
        ("#ref 42", Value::Ref(42)),
        ("#ref 18446744073709551615", Value::Ref(u64::MAX)),
        ("[]", v(vec![])),
        ("[1]", v(vec![Value::Int(1)])),
        ("[1 2]", v(vec![Value::Int(1), Value::Int(2)])),
        ("[1 \"a\"]", v(vec![Value::Int(1), Value::str("a")])),
        ("[[]]", v(vec![v(vec![])])),
        ("[[] nil]", v(vec![v(vec![]), Value::Nil])),
        ("[[[[]]]]", v(vec![v(vec![v(vec![v(vec![])])])])),
        ("()", Value::List(vec![])),
        ("(1 2)", Value::List(vec![Value::Int(1), Value::Int(2)])),
        ("#{}", Value::Set(dfdb_core::SortedSet::new())),
        (
            "#{1 2}",
            Value::Set([Value::Int(1), Value::Int(2)].into_iter().collect()),
        ),
        ("{}", Value::Map(BTreeMap::new())),
        (
            "{:a 1, :b [2]}",
            Value::Map(
                [
                    (Value::kw("a"), Value::Int(1)),
                    (Value::kw("b"), v(vec![Value::Int(2)])),
                ]
                .into_iter()
                .collect(),
            ),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn expected_file() -> String {
    values()
        .iter()
        .map(|(desc, value)| {
            let mut k = Vec::new();
            encode_key(value, &mut k);
            format!("{desc}\t{}\n", hex(&k))
        })
        .collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn golden_key_encodings() {
    let file: Vec<(&str, &str)> = GOLDEN
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once('\t').expect("desc<TAB>hex"))
        .collect();
    let vals = values();
    assert_eq!(
        file.len(),
        vals.len(),
        "golden file and values differ in length; expected file:\n{}",
        expected_file()
    );
    for ((desc, hex_want), (name, value)) in file.iter().zip(&vals) {
        assert_eq!(
            desc,
            name,
            "golden lines out of step; expected file:\n{}",
            expected_file()
        );
        let mut k = Vec::new();
        encode_key(value, &mut k);
        assert_eq!(
            &hex(&k),
            hex_want,
            "encoding of {desc} changed; expected file:\n{}",
            expected_file()
        );
        let (back, n) = decode_key(&k).expect("golden decodes");
        assert_eq!(n, k.len());
        assert_eq!(&back, value, "{desc}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn golden_values_ascend_and_so_do_their_keys() {
    let vals = values();
    for w in vals.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(a.1 < b.1, "{} < {}", a.0, b.0);
        let (mut ka, mut kb) = (Vec::new(), Vec::new());
        encode_key(&a.1, &mut ka);
        encode_key(&b.1, &mut kb);
        assert!(ka < kb, "key of {} < key of {}", a.0, b.0);
    }
}
