//! Results out to JS as JSON text, when they have a JSON form.
//!
//! Building a result through `convert::to_js` crosses the wasm boundary several times per value
//! (an object, each key, each value, each `Reflect.set`); a thousand pulled entities made tens of
//! thousands of calls. Most results are only strings, keywords, small integers, vectors and
//! keyword-keyed maps, which JSON writes exactly: such a result is written here as one string and
//! `JSON.parse`d in `js/database.js`, giving the same JS value `to_js` would build.
//!
//! [`encode`] declines (returns `None`) whenever JSON cannot say what `to_js` would give: an
//! integer or entity id beyond ±(2^53 − 1) (a `bigint`), a non-finite double, an instant (a
//! `Date`), bytes (a `Uint8Array`), a set below the top level (a `Set`), a map with keys that
//! are not object keys (a `Map`). The caller then converts with `to_js`. Such a fallback value is
//! never a JS string (a string, keyword, symbol, char or uuid result is always encoded), so the
//! caller can tell the two apart by `typeof`.

use crate::convert::{is_object_key, safe_integer, uuid_text};
use dfdb_core::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The first character of an encoded set: the JSON after it is an array of the set's members.
/// (No JSON text starts with it, so any other value is its JSON alone: one string fewer for JS
/// to cut before parsing.)
pub const SET: char = 'S';

/// `v` as JSON (a set: [`SET`] and its members' JSON array), or `None` when `v` has no exact
/// JSON form.
pub fn encode(v: &Value) -> Option<String> {
    let mut out = String::with_capacity(64);
    match v {
        Value::Set(members) => {
            out.push(SET);
            seq(members.iter(), &mut out)?;
        }
        other => value(other, &mut out)?,
    }
    Some(out)
}

fn value(v: &Value, out: &mut String) -> Option<()> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(_) | Value::Ref(_) => integer(safe_integer(v)?, out),
        Value::Float(f) => {
            if !f.is_finite() {
                return None;
            }
            // `Display` writes the shortest digits that read back as the same double, never in
            // exponent form, and `-0` for negative zero: all valid JSON that `JSON.parse` reads
            // back to this very number.
            let _ = write!(out, "{f}");
        }
        Value::Str(s) => string(s, out),
        Value::Char(c) => string(c.encode_utf8(&mut [0; 4]), out),
        Value::Keyword(k) => {
            out.push_str("\":");
            escaped(k.as_str(), out);
            out.push('"');
        }
        Value::Symbol(s) => string(s.as_str(), out),
        Value::Uuid(u) => string(&uuid_text(u.get()), out),
        Value::Vector(xs) | Value::List(xs) => seq(xs.iter(), out)?,
        Value::Map(m) => map(m, out)?,
        Value::Inst(_) | Value::Bytes(_) | Value::Set(_) => return None,
    }
    Some(())
}

fn seq<'a>(xs: impl Iterator<Item = &'a Value>, out: &mut String) -> Option<()> {
    out.push('[');
    for (i, x) in xs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        value(x, out)?;
    }
    out.push(']');
    Some(())
}

fn map(m: &BTreeMap<Value, Value>, out: &mut String) -> Option<()> {
    if !m.keys().all(is_object_key) {
        return None;
    }
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Object keys are keywords and strings: `value` writes both as JSON strings.
        value(k, out)?;
        out.push(':');
        value(v, out)?;
    }
    out.push('}');
    Some(())
}

fn integer(i: i64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    for d in &digits[at..] {
        out.push(char::from(*d));
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    escaped(s, out);
    out.push('"');
}

/// `s` inside a JSON string: quote, backslash and control characters escaped, the rest as is.
fn escaped(s: &str, out: &mut String) {
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[plain..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdb_core::edn;

    fn enc(text: &str) -> Option<String> {
        encode(&edn::read(text).expect("edn"))
    }

    #[test]
    fn writes_json_with_the_js_mapping() {
        assert_eq!(
            enc(r#"{:name "Ivan" :age 37 :tags [:a/b "x"]}"#).as_deref(),
            Some(r#"{":age":37,":name":"Ivan",":tags":[":a/b","x"]}"#)
        );
        assert_eq!(enc("#{[1 2] [3 4]}").as_deref(), Some("S[[1,2],[3,4]]"));
        assert_eq!(enc("nil").as_deref(), Some("null"));
        assert_eq!(enc("-12").as_deref(), Some("-12"));
        assert_eq!(enc("1.5").as_deref(), Some("1.5"));
        assert_eq!(enc("-0.0").as_deref(), Some("-0"));
        assert_eq!(enc(r#""a\"b\\c\nd""#).as_deref(), Some(r#""a\"b\\c\nd""#));
        assert_eq!(
            encode(&Value::Str("\u{1}é".into())).as_deref(),
            Some("\"\\u0001é\"")
        );
    }

    #[test]
    fn declines_what_json_cannot_say() {
        for text in [
            "9007199254740992",
            "-9007199254740992",
            "#inst \"2020-01-01T00:00:00Z\"",
            "[#{1}]",
            "{1 2}",
            "{\"__proto__\" 1}",
            "{\":a\" 1}",
            "##NaN",
            "##Inf",
        ] {
            assert_eq!(enc(text), None, "{text}");
        }
        assert_eq!(encode(&Value::Ref(1 << 53)), None);
        assert_eq!(encode(&Value::Bytes(vec![1].into())), None);
        assert_eq!(enc("9007199254740991").as_deref(), Some("9007199254740991"));
    }
}
