use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::testing::readable::arb_value;
use crate::value::{SortedSet, Uuid};
use crate::ErrorKind;

fn r(s: &str) -> Value {
    match read(s) {
        Ok(v) => v,
        Err(e) => panic!("reading {s:?}: {e}"),
    }
}

/// The parse error's (line, column) and message.
fn perr(s: &str) -> (u32, u32, String) {
    match read(s) {
        Err(Error::Parse {
            message,
            line,
            column,
        }) => (line, column, message),
        other => panic!("expected a parse error for {s:?}, got {other:?}"),
    }
}

fn round_trip(v: &Value) {
    let text = to_edn(v);
    let back = read(&text).unwrap_or_else(|e| panic!("reading back {text:?}: {e}"));
    assert_eq!(&back, v, "{text}");
    assert_eq!(to_edn(&back), text);
}

fn set(items: Vec<Value>) -> Value {
    Value::Set(items.into_iter().collect())
}

fn map(items: Vec<(Value, Value)>) -> Value {
    Value::Map(items.into_iter().collect())
}

#[test]
fn scalars() {
    assert_eq!(r("nil"), Value::Nil);
    assert_eq!(r("true"), Value::Bool(true));
    assert_eq!(r("false"), Value::Bool(false));
    assert_eq!(r("  42 "), Value::Int(42));
    assert_eq!(r("-7"), Value::Int(-7));
    assert_eq!(r("+7"), Value::Int(7));
    assert_eq!(r("0"), Value::Int(0));
    assert_eq!(r("-0"), Value::Int(0));
    assert_eq!(r("42N"), Value::Int(42));
    assert_eq!(r("9223372036854775807"), Value::Int(i64::MAX));
    assert_eq!(r("-9223372036854775808"), Value::Int(i64::MIN));
    assert_eq!(r("1.5"), Value::Float(1.5));
    assert_eq!(r("1."), Value::Float(1.0));
    assert_eq!(r("-1.5e3"), Value::Float(-1500.0));
    assert_eq!(r("1E-2"), Value::Float(0.01));
    assert_eq!(r("1e+2"), Value::Float(100.0));
    assert_eq!(r("2.5M"), Value::Float(2.5));
    assert_eq!(r("3M"), Value::Float(3.0));
    assert_eq!(r("0.5"), Value::Float(0.5));
    assert_eq!(r("##Inf"), Value::Float(f64::INFINITY));
    assert_eq!(r("##-Inf"), Value::Float(f64::NEG_INFINITY));
    assert_eq!(r("##NaN"), Value::float(f64::NAN));
    let Value::Float(nan) = r("##NaN") else {
        panic!()
    };
    assert_eq!(nan.to_bits(), crate::value::CANONICAL_NAN_BITS);
    let Value::Float(z) = r("-0.0") else { panic!() };
    assert!(z == 0.0 && z.is_sign_negative());
}

#[test]
fn keywords_and_symbols() {
    assert_eq!(r(":a"), Value::kw("a"));
    assert_eq!(r(":person/name"), Value::kw("person/name"));
    assert_eq!(r(":/"), Value::kw("/"));
    assert_eq!(r(":db.type/string"), Value::kw("db.type/string"));
    assert_eq!(r(":a-b?"), Value::kw("a-b?"));
    // What the printer writes for `(keyword "ann@x.org")` reads back.
    assert_eq!(r(":ann@x.org"), Value::kw("ann@x.org"));
    assert_eq!(Value::kw("ann@x.org").to_string(), ":ann@x.org");
    for s in [
        "/",
        "?x",
        "str/starts-with?",
        "+",
        "-",
        "...",
        ".",
        "a",
        "<=",
        "clojure.core//",
        "-a",
        "é",
        "a#",
        "a:b",
    ] {
        assert_eq!(r(s), Value::sym(s), "{s}");
    }
    for bad in [
        ":", "::a", ":a/", ":/a", "a/b/c", "-1a", ".5", "'a", "@a", ":@a", "a/", "/a", ":1",
    ] {
        assert_eq!(read(bad).unwrap_err().kind(), ErrorKind::Parse, "{bad}");
    }
}

#[test]
fn strings_and_escapes() {
    assert_eq!(r(r#""""#), Value::str(""));
    assert_eq!(r(r#""a b""#), Value::str("a b"));
    assert_eq!(r(r#""\t\r\n\\\"\b\f""#), Value::str("\t\r\n\\\"\u{8}\u{c}"));
    assert_eq!(r(r#""\u0041\u00e9\u0000""#), Value::str("Aé\0"));
    assert_eq!(r(r#""\uD83D\uDE00""#), Value::str("😀"));
    assert_eq!(r(r#""\ud83d\ude00x""#), Value::str("😀x"));
    assert_eq!(r("\"multi\nline\""), Value::str("multi\nline"));
    assert_eq!(r("\"raw 😀 \u{0}\""), Value::str("raw 😀 \0"));
    for bad in [
        r#""\q""#,
        r#""\u12""#,
        r#""\uD83D""#,
        r#""\uD83Dx""#,
        r#""\uDE00""#,
        r#""\uD83D\u0041""#,
        "\"abc",
        "\"\\",
    ] {
        assert_eq!(read(bad).unwrap_err().kind(), ErrorKind::Parse, "{bad}");
    }
    assert!(perr(r#""\q""#).2.contains("\\q"));
}

#[test]
fn characters() {
    for (text, c) in [
        ("\\a", 'a'),
        ("\\newline", '\n'),
        ("\\space", ' '),
        ("\\tab", '\t'),
        ("\\return", '\r'),
        ("\\backspace", '\u{8}'),
        ("\\formfeed", '\u{c}'),
        ("\\u0041", 'A'),
        ("\\u", 'u'),
        ("\\n", 'n'),
        ("\\\\", '\\'),
        ("\\\"", '"'),
        ("\\(", '('),
        ("\\,", ','),
        ("\\😀", '😀'),
        ("\\é", 'é'),
    ] {
        assert_eq!(r(text), Value::Char(c), "{text}");
    }
    assert_eq!(
        r("[\\a \\b]"),
        Value::Vector(vec![Value::Char('a'), Value::Char('b')])
    );
    assert_eq!(r("(\\a)"), Value::List(vec![Value::Char('a')]));
    for bad in ["\\", "\\ab", "\\uD800", "\\u12", "\\newlinex"] {
        assert_eq!(read(bad).unwrap_err().kind(), ErrorKind::Parse, "{bad}");
    }
    assert!(perr("\\abc").2.contains("\\abc"));
}

#[test]
fn collections() {
    assert_eq!(r("()"), Value::List(vec![]));
    assert_eq!(r("[]"), Value::Vector(vec![]));
    assert_eq!(r("{}"), Value::Map(BTreeMap::new()));
    assert_eq!(r("#{}"), Value::Set(SortedSet::new()));
    assert_eq!(
        r("(a 1)"),
        Value::List(vec![Value::sym("a"), Value::Int(1)])
    );
    assert_eq!(
        r("[1,2 , 3]"),
        Value::Vector(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
    );
    assert_eq!(
        r("{:a 1, :b [2]}"),
        map(vec![
            (Value::kw("a"), Value::Int(1)),
            (Value::kw("b"), Value::Vector(vec![Value::Int(2)]))
        ])
    );
    assert_eq!(
        r("#{1 2 :a}"),
        set(vec![Value::Int(1), Value::Int(2), Value::kw("a")])
    );
    // 1 and 1.0 are different values, so this set has no duplicate.
    assert_eq!(r("#{1 1.0}"), set(vec![Value::Int(1), Value::Float(1.0)]));
    assert_eq!(
        r("[[[]]]"),
        Value::Vector(vec![Value::Vector(vec![Value::Vector(vec![])])])
    );
    assert_eq!(
        r("[a[b]c]"),
        Value::Vector(vec![
            Value::sym("a"),
            Value::Vector(vec![Value::sym("b")]),
            Value::sym("c")
        ])
    );
    assert_eq!(
        r("[\"a\"\"b\"]"),
        Value::Vector(vec![Value::str("a"), Value::str("b")])
    );
}

#[test]
fn collection_errors() {
    let (l, c, m) = perr("{:a 1 :b}");
    assert_eq!((l, c), (1, 7));
    assert!(m.contains("odd") && m.contains(":b"), "{m}");
    let (l, c, m) = perr("{:a 1\n :a 2}");
    assert_eq!((l, c), (2, 2));
    assert!(m.contains("duplicate map key `:a`"), "{m}");
    let (l, c, m) = perr("#{1 [2] [2]}");
    assert_eq!((l, c), (1, 9));
    assert!(m.contains("duplicate set element `[2]`"), "{m}");
    let (l, c, m) = perr("[1 2)");
    assert_eq!((l, c), (1, 5));
    assert!(
        m.contains("`)`") && m.contains("`]`") && m.contains("line 1, column 1"),
        "{m}"
    );
    let (l, c, m) = perr("\n  (1 [2]");
    assert_eq!((l, c), (2, 3));
    assert!(m.contains("unclosed `(`"), "{m}");
    let (l, c, m) = perr("]");
    assert_eq!((l, c), (1, 1));
    assert!(m.contains("`]`"), "{m}");
}

#[test]
fn tags() {
    assert_eq!(r("#inst \"1970-01-01T00:00:00.000Z\""), Value::Inst(0));
    assert_eq!(r("#inst\"2024-01-15\""), Value::Inst(1_705_276_800_000));
    assert_eq!(
        r("#inst \"2024-01-15T11:00:00.5+01:00\""),
        Value::Inst(1_705_312_800_500)
    );
    assert_eq!(
        r("#inst \"1969-12-31T23:59:59.999999999Z\""),
        Value::Inst(-1)
    );
    assert_eq!(
        r("#uuid \"F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\""),
        Value::Uuid(Uuid::new(0xf81d4fae_7dec_11d0_a765_00a0c91e6bf6))
    );
    assert_eq!(r("#dfdb/ref 42"), Value::Ref(42));
    assert_eq!(r("#dfdb/ref 18446744073709551615"), Value::Ref(u64::MAX));
    assert_eq!(
        r("#dfdb/bytes \"00FFa0\""),
        Value::Bytes(Arc::from(&[0u8, 255, 160][..]))
    );
    assert_eq!(r("#dfdb/bytes \"\""), Value::Bytes(Arc::from(&[][..])));
    assert_eq!(
        r("[#dfdb/ref 1 #inst \"1970\"]"),
        Value::Vector(vec![Value::Ref(1), Value::Inst(0)])
    );
    for bad in [
        "#dfdb/ref -1",
        "#dfdb/ref 18446744073709551616",
        "#dfdb/ref \"1\"",
        "#dfdb/ref #dfdb/ref 1",
        "#dfdb/bytes \"abc\"",
        "#dfdb/bytes \"zz\"",
        "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf\"",
        "#uuid \"f81d4fae_7dec-11d0-a765-00a0c91e6bf6\"",
        "#uuid 1",
        "#inst \"2024-02-30\"",
        "#inst 0",
        "#inst",
        "[#inst]",
        "#",
        "##Foo",
    ] {
        assert_eq!(read(bad).unwrap_err().kind(), ErrorKind::Parse, "{bad}");
    }
}

#[test]
fn unknown_tag_is_named() {
    let (l, c, m) = perr("[1\n #point [2 3]]");
    assert_eq!((l, c), (2, 2));
    assert!(m.contains("#point"), "{m}");
    assert!(perr("#:ns{:a 1}").2.contains("#:ns"));
}

#[test]
fn discards_and_comments() {
    assert_eq!(r("#_ 1 2"), Value::Int(2));
    assert_eq!(
        r("[1 #_2 3]"),
        Value::Vector(vec![Value::Int(1), Value::Int(3)])
    );
    assert_eq!(
        r("[1 #_ #_ 2 3 4]"),
        Value::Vector(vec![Value::Int(1), Value::Int(4)])
    );
    assert_eq!(r("[#_[nested #_x] 5]"), Value::Vector(vec![Value::Int(5)]));
    assert_eq!(r("{:a #_:b 1}"), map(vec![(Value::kw("a"), Value::Int(1))]));
    assert_eq!(
        r("; c\n[1 ; two\n 2] ; end"),
        Value::Vector(vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(r("1 #_2"), Value::Int(1));
    assert_eq!(r("#inst #_ 5 \"1970\""), Value::Inst(0));
    assert!(perr("[1 #_]").2.contains("#_"));
    assert!(perr("#_").2.contains("#_"));
}

#[test]
fn read_one_and_all() {
    assert_eq!(read_all("").unwrap(), Vec::<Value>::new());
    assert_eq!(
        read_all(" ; only a comment\n#_ x").unwrap(),
        Vec::<Value>::new()
    );
    assert_eq!(
        read_all("1 :a [b]").unwrap(),
        vec![
            Value::Int(1),
            Value::kw("a"),
            Value::Vector(vec![Value::sym("b")])
        ]
    );
    let (l, c, m) = perr("1 2");
    assert_eq!((l, c), (1, 3));
    assert!(m.contains("`2`"), "{m}");
    let (l, c, m) = perr("[1]\n  foo bar");
    assert_eq!((l, c), (2, 3));
    assert!(m.contains("`foo`"), "{m}");
    let (l, c, m) = perr("  ");
    assert_eq!((l, c), (1, 3));
    assert!(m.contains("end of the input"), "{m}");
    assert!(read_all("1 )").is_err());
}

#[test]
fn number_errors_name_the_text() {
    let (l, c, m) = perr("[1 9223372036854775808]");
    assert_eq!((l, c), (1, 4));
    assert!(m.contains("9223372036854775808"), "{m}");
    assert!(perr("-9223372036854775809")
        .2
        .contains("-9223372036854775809"));
    assert!(perr("99999999999999999999N")
        .2
        .contains("99999999999999999999N"));
    for bad in [
        "1.5N", "1e", "1e+", "01", "-012", "1/2", "0x10", "1.2.3", "1a", "+1-",
    ] {
        let (_, _, m) = perr(bad);
        assert!(m.contains(bad), "{bad}: {m}");
    }
}

#[test]
fn error_positions_count_characters() {
    // Column counts characters, not bytes.
    let (l, c, _) = perr("[\"é😀\" }");
    assert_eq!((l, c), (1, 7));
    let (l, c, _) = perr("{:a\r\n1\n\n   ]");
    assert_eq!((l, c), (4, 4));
}

#[test]
fn limits() {
    let opts = ReadOptions {
        max_depth: 3,
        max_size: 100,
        ordered_maps: false,
    };
    assert!(read_with("[[[1]]]", &opts).is_ok());
    let e = read_with("[[[[1]]]]", &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.to_string().contains("max_depth"), "{e}");
    assert!(read_with("#{[(1)]}", &opts).is_ok());
    assert_eq!(
        read_with("#{[([1])]}", &opts).unwrap_err().kind(),
        ErrorKind::Limit
    );
    // Depth is per form: siblings do not add up.
    assert!(read_all_with("[[[1]]] [[[2]]]", &opts).is_ok());
    let big = "1".repeat(101);
    let e = read_with(&big, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(read_all_with(&big, &opts).is_err());
    assert!(read_with(&alloc::format!("[{}]", " ".repeat(98)), &opts).is_ok());
    assert_eq!(
        ReadOptions::default(),
        ReadOptions {
            max_depth: 512,
            max_size: 64 << 20,
            ordered_maps: false,
        }
    );
}

/// Runs `f` on a thread with a 512 KiB stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deep_nesting_is_a_limit_error_on_a_small_stack() {
    let kinds = on_small_stack(|| {
        let opens = "[".repeat(20_000);
        let closed = alloc::format!("{}{}", opens, "]".repeat(20_000));
        let lax = ReadOptions {
            max_depth: usize::MAX,
            max_size: usize::MAX,
            ordered_maps: false,
        };
        let deep = read_with(&closed, &lax).unwrap();
        // Printing 20,000 levels is iterative. Dropping (and comparing) a `Value` recurses, which
        // is why the default max_depth stays small; forget this one rather than drop it here.
        let printed = to_edn(&deep);
        assert_eq!(printed, closed);
        core::mem::forget(deep);
        [
            read(&opens).unwrap_err().kind(),
            read(&closed).unwrap_err().kind(),
        ]
    });
    assert_eq!(kinds, [ErrorKind::Limit, ErrorKind::Limit]);
}

#[test]
fn exactly_max_depth_succeeds() {
    let ok = on_small_stack(|| {
        let at = alloc::format!("{}{}", "[".repeat(512), "]".repeat(512));
        let over = alloc::format!("{}{}", "[".repeat(513), "]".repeat(513));
        let v = read(&at).map(|v| to_edn(&v));
        (v, read(&over).unwrap_err().kind())
    });
    assert_eq!(ok.0.unwrap().len(), 1024);
    assert_eq!(ok.1, ErrorKind::Limit);
}

#[test]
fn prints_atoms() {
    let cases: Vec<(Value, &str)> = vec![
        (Value::Nil, "nil"),
        (Value::Bool(true), "true"),
        (Value::Int(i64::MIN), "-9223372036854775808"),
        (Value::Float(1.0), "1.0"),
        (Value::Float(-0.0), "-0.0"),
        (Value::Float(0.1), "0.1"),
        (Value::Float(1e300), "1e300"),
        (Value::Float(1e-7), "1e-7"),
        (Value::Float(f64::INFINITY), "##Inf"),
        (Value::Float(f64::NEG_INFINITY), "##-Inf"),
        (Value::float(f64::NAN), "##NaN"),
        (Value::Inst(0), "#inst \"1970-01-01T00:00:00.000Z\""),
        (Value::Inst(-1), "#inst \"1969-12-31T23:59:59.999Z\""),
        (
            Value::Inst(i64::MAX),
            "#inst \"+292278994-08-17T07:12:55.807Z\"",
        ),
        (
            Value::str("a\"b\\c\nd\te\rf\u{0}g\u{8}\u{7f}😀"),
            "\"a\\\"b\\\\c\\nd\\te\\rf\\u0000g\\u0008\\u007f😀\"",
        ),
        (Value::Char('a'), "\\a"),
        (Value::Char('\n'), "\\newline"),
        (Value::Char(' '), "\\space"),
        (Value::Char('\t'), "\\tab"),
        (Value::Char('\r'), "\\return"),
        (Value::Char('\u{8}'), "\\backspace"),
        (Value::Char('\u{c}'), "\\formfeed"),
        (Value::Char('\0'), "\\u0000"),
        (Value::Char('\u{a0}'), "\\u00a0"),
        (Value::Char('😀'), "\\😀"),
        (Value::kw("a/b"), ":a/b"),
        (Value::sym("?x"), "?x"),
        (
            Value::Uuid(Uuid::new(0xf81d4fae_7dec_11d0_a765_00a0c91e6bf6)),
            "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"",
        ),
        (
            Value::Uuid(Uuid::new(1)),
            "#uuid \"00000000-0000-0000-0000-000000000001\"",
        ),
        (Value::Ref(42), "#dfdb/ref 42"),
        (
            Value::Bytes(Arc::from(&[0x0au8, 0xff][..])),
            "#dfdb/bytes \"0aff\"",
        ),
    ];
    for (v, text) in cases {
        assert_eq!(to_edn(&v), text);
        assert_eq!(v.to_string(), text);
        round_trip(&v);
    }
}

#[test]
fn prints_collections() {
    let v = r("{:b #{3 1 2}, :a [(x) {}], \"s\" #{}}");
    assert_eq!(to_edn(&v), "{\"s\" #{}, :a [(x) {}], :b #{1 2 3}}");
    round_trip(&v);
    assert_eq!(to_edn(&Value::List(vec![])), "()");
}

#[test]
fn round_trips_extremes() {
    for v in [
        Value::Int(i64::MAX),
        Value::Float(f64::MAX),
        Value::Float(f64::MIN_POSITIVE),
        Value::Float(5e-324),
        Value::Float(-1e16),
        Value::Inst(i64::MIN),
        Value::Inst(253_402_300_800_000),
        Value::Ref(u64::MAX),
        Value::Uuid(Uuid::new(u128::MAX)),
        Value::str("\u{10FFFF}\u{FFFF}\u{2028}"),
        Value::Char('\u{10FFFF}'),
        Value::Char('\u{2028}'),
        Value::Char('\\'),
        Value::Char('"'),
        Value::Char(';'),
        Value::sym("/"),
        Value::kw("/"),
    ] {
        round_trip(&v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn print_then_read_round_trips(v in arb_value()) {
        let text = to_edn(&v);
        prop_assert_eq!(read(&text), Ok(v), "{}", text);
        // Also inside a read_all stream, after a comment and a discard.
        let stream = alloc::format!("; x\n#_ {text} {text},{text}");
        prop_assert_eq!(read_all(&stream).map(|vs| vs.len()), Ok(2));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Arbitrary text never panics, and whatever reads prints back to itself.
    #[test]
    fn arbitrary_text_never_panics(s in "[\\[\\](){}#_\"\\\\:a-z0-9 .,;/+\\-eNM\n]{0,40}") {
        if let Ok(v) = read(&s) {
            let text = to_edn(&v);
            prop_assert_eq!(read(&text), Ok(v));
        }
    }
}
