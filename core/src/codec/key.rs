//! The order-preserving, prefix-free key encoding. Layout: see [`crate::codec`].

use super::{malformed, number, too_deep, Reader, MAX_DEPTH};
use crate::value::{Keyword, Symbol, Uuid};
use crate::{Result, Value};
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

const TAG_NIL: u8 = 0x02;
const TAG_FALSE: u8 = 0x04;
const TAG_TRUE: u8 = 0x05;
const TAG_INST: u8 = 0x20;
const TAG_STR: u8 = 0x30;
const TAG_CHAR: u8 = 0x34;
const TAG_KEYWORD: u8 = 0x38;
const TAG_SYMBOL: u8 = 0x3C;
const TAG_UUID: u8 = 0x40;
const TAG_BYTES: u8 = 0x44;
const TAG_REF: u8 = 0x48;
const TAG_VECTOR: u8 = 0x50;
const TAG_LIST: u8 = 0x54;
const TAG_SET: u8 = 0x58;
const TAG_MAP: u8 = 0x5C;

/// Ends escaped content and collections.
const END: u8 = 0x00;
/// Follows `0x00` inside escaped content to mean a literal `0x00`.
const ESCAPE: u8 = 0xFF;

/// Order-preserving, prefix-free, self-delimiting key encoding of a Value (appends to out).
///
/// For all values `a`, `b`: the encodings compare bytewise as `a.cmp(b)`. Every NaN is written as
/// the canonical NaN. See [`crate::codec`] for the layout, and for the one rule about raw bytes
/// appended after an encoding (they must not start with `0xFF`).
///
/// Encoding recurses into collections; values built by the reader are bounded by its depth limit.
pub fn encode_key(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(TAG_NIL),
        Value::Bool(false) => out.push(TAG_FALSE),
        Value::Bool(true) => out.push(TAG_TRUE),
        Value::Int(_) | Value::Float(_) => number::encode(v, out),
        Value::Inst(t) => {
            out.push(TAG_INST);
            out.extend_from_slice(&((*t as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Str(s) => escaped(TAG_STR, s.as_bytes(), out),
        Value::Char(c) => {
            out.push(TAG_CHAR);
            out.extend_from_slice(&u32::from(*c).to_be_bytes());
        }
        Value::Keyword(k) => escaped(TAG_KEYWORD, k.as_str().as_bytes(), out),
        Value::Symbol(s) => escaped(TAG_SYMBOL, s.as_str().as_bytes(), out),
        Value::Uuid(u) => {
            out.push(TAG_UUID);
            out.extend_from_slice(&u.get().to_be_bytes());
        }
        Value::Bytes(b) => escaped(TAG_BYTES, b, out),
        Value::Ref(r) => {
            out.push(TAG_REF);
            out.extend_from_slice(&r.to_be_bytes());
        }
        Value::Vector(items) => sequence(TAG_VECTOR, items.iter(), out),
        Value::List(items) => sequence(TAG_LIST, items.iter(), out),
        Value::Set(items) => sequence(TAG_SET, items.iter(), out),
        Value::Map(entries) => {
            out.push(TAG_MAP);
            for (k, v) in entries {
                encode_key(k, out);
                encode_key(v, out);
            }
            out.push(END);
        }
    }
}

fn escaped(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    out.reserve(content.len() + 1);
    for chunk in content.split_inclusive(|&b| b == 0) {
        out.extend_from_slice(chunk);
        if chunk.last() == Some(&0) {
            out.push(ESCAPE);
        }
    }
    out.push(END);
}

fn sequence<'a>(tag: u8, items: impl Iterator<Item = &'a Value>, out: &mut Vec<u8>) {
    out.push(tag);
    for item in items {
        encode_key(item, out);
    }
    out.push(END);
}

/// Decodes one key-encoded value from the front of `bytes`; returns it and the bytes consumed.
///
/// Accepts exactly the bytes [`encode_key`] produces (so re-encoding gives the consumed bytes
/// back); anything else is an error of kind `parse`, and collections nested deeper than
/// [`MAX_DEPTH`](super::MAX_DEPTH) an error of kind `limit`. Never panics.
pub fn decode_key(bytes: &[u8]) -> Result<(Value, usize)> {
    let mut r = Reader::new(bytes);
    let v = decode(&mut r, 0)?;
    Ok((v, r.pos()))
}

/// Decodes one value; `depth` is the number of collections it sits in.
fn decode(r: &mut Reader<'_>, depth: usize) -> Result<Value> {
    let tag = r.byte()?;
    Ok(match tag {
        TAG_NIL => Value::Nil,
        TAG_FALSE => Value::Bool(false),
        TAG_TRUE => Value::Bool(true),
        number::TAG_NEG_INF..=number::TAG_NAN => number::decode(tag, r)?,
        TAG_INST => Value::Inst((u64::from_be_bytes(r.array()?) ^ (1 << 63)) as i64),
        TAG_STR => Value::Str(Arc::from(utf8(&unescape(r)?)?)),
        TAG_CHAR => {
            let c = u32::from_be_bytes(r.array()?);
            Value::Char(char::from_u32(c).ok_or_else(|| malformed("char is not a scalar value"))?)
        }
        TAG_KEYWORD => Value::Keyword(Keyword::new(utf8(&unescape(r)?)?)),
        TAG_SYMBOL => Value::Symbol(Symbol::new(utf8(&unescape(r)?)?)),
        TAG_UUID => Value::Uuid(Uuid::new(u128::from_be_bytes(r.array()?))),
        TAG_BYTES => Value::Bytes(Arc::from(&*unescape(r)?)),
        TAG_REF => Value::Ref(u64::from_be_bytes(r.array()?)),
        TAG_VECTOR | TAG_LIST | TAG_SET | TAG_MAP => collection(tag, r, depth)?,
        _ => return Err(malformed("unknown key tag")),
    })
}

fn collection(tag: u8, r: &mut Reader<'_>, depth: usize) -> Result<Value> {
    let depth = depth + 1;
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match tag {
        TAG_VECTOR | TAG_LIST => {
            let mut items = Vec::new();
            while !at_end(r) {
                items.push(decode(r, depth)?);
            }
            Ok(if tag == TAG_VECTOR {
                Value::Vector(items)
            } else {
                Value::List(items)
            })
        }
        TAG_SET => {
            let mut items: Vec<Value> = Vec::new();
            let mut prev: &[u8] = &[];
            while !at_end(r) {
                let start = r.rest();
                let item = decode(r, depth)?;
                let enc = start.get(..start.len() - r.rest().len()).unwrap_or(&[]);
                // Encodings are nonempty, so the first item always passes.
                if enc <= prev {
                    return Err(malformed("set elements not strictly ascending"));
                }
                prev = enc;
                items.push(item);
            }
            // Byte order is value order, so they are sorted already; sorted again by value all
            // the same (a linear pass on sorted input), not trusted: a set's order is its
            // membership test.
            Ok(Value::Set(items.into_iter().collect()))
        }
        _ => {
            let mut entries = BTreeMap::new();
            let mut prev: &[u8] = &[];
            while !at_end(r) {
                let start = r.rest();
                let k = decode(r, depth)?;
                let enc = start.get(..start.len() - r.rest().len()).unwrap_or(&[]);
                if enc <= prev {
                    return Err(malformed("map keys not strictly ascending"));
                }
                prev = enc;
                let v = decode(r, depth)?;
                entries.insert(k, v);
            }
            Ok(Value::Map(entries))
        }
    }
}

/// Consumes the collection terminator if it is next.
fn at_end(r: &mut Reader<'_>) -> bool {
    if r.peek() == Some(END) {
        // Cannot fail: a byte is there.
        let _ = r.byte();
        true
    } else {
        false
    }
}

/// Reads escaped content up to and including its terminator (borrowed when it holds no `0x00`).
fn unescape<'a>(r: &mut Reader<'a>) -> Result<Cow<'a, [u8]>> {
    let mut out: Option<Vec<u8>> = None;
    loop {
        let rest = r.rest();
        let zero = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| malformed("unterminated"))?;
        let chunk = r.take(zero)?;
        let _ = r.byte()?; // the 0x00
        let escaped = r.peek() == Some(ESCAPE);
        match (&mut out, escaped) {
            (None, false) => return Ok(Cow::Borrowed(chunk)),
            (Some(o), false) => {
                o.extend_from_slice(chunk);
                return Ok(Cow::Owned(core::mem::take(o)));
            }
            (o, true) => {
                let _ = r.byte()?;
                let o = o.get_or_insert_with(Vec::new);
                o.extend_from_slice(chunk);
                o.push(0);
            }
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str> {
    core::str::from_utf8(bytes).map_err(|_| malformed("text is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use alloc::vec;

    fn key(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key(v, &mut out);
        out
    }

    fn round_trip(v: &Value) {
        let k = key(v);
        assert_eq!(decode_key(&k).unwrap(), (v.clone(), k.len()), "{v:?}");
    }

    #[test]
    fn strings_escape_zero_and_keep_order() {
        assert_eq!(key(&Value::str("a\0b")), [TAG_STR, b'a', 0, 0xff, b'b', 0]);
        assert_eq!(key(&Value::str("")), [TAG_STR, 0]);
        let strs = [
            "",
            "\0",
            "\0\0",
            "\0a",
            "a",
            "a\0",
            "a\0\0",
            "a\u{1}",
            "ab",
            "é",
            "\u{1F600}",
        ];
        for a in strs {
            round_trip(&Value::str(a));
            round_trip(&Value::kw(a));
            round_trip(&Value::sym(a));
            round_trip(&Value::Bytes(Arc::from(a.as_bytes())));
            for b in strs {
                assert_eq!(
                    key(&Value::str(a)).cmp(&key(&Value::str(b))),
                    a.cmp(b),
                    "{a:?} {b:?}"
                );
            }
        }
        let ff = Value::Bytes(Arc::from(&[0xff, 0, 0xff, 0][..]));
        assert_eq!(key(&ff), [TAG_BYTES, 0xff, 0, 0xff, 0xff, 0, 0xff, 0]);
        round_trip(&ff);
    }

    #[test]
    fn collections_order_by_prefix() {
        let e = Value::Vector(vec![]);
        let ee = Value::Vector(vec![e.clone()]);
        let een = Value::Vector(vec![e.clone(), Value::Nil]);
        let eee = Value::Vector(vec![ee.clone()]);
        assert_eq!(key(&e), [TAG_VECTOR, 0]);
        assert_eq!(key(&ee), [TAG_VECTOR, TAG_VECTOR, 0, 0]);
        let ordered = [e, ee, een, eee];
        for w in ordered.windows(2) {
            assert!(w[0] < w[1]);
            assert!(key(&w[0]) < key(&w[1]), "{:?} {:?}", w[0], w[1]);
        }
        for v in &ordered {
            round_trip(v);
        }
        let one = Value::Vector(vec![Value::Int(1)]);
        let two = Value::Vector(vec![Value::Int(1), Value::Int(2)]);
        assert!(key(&one) < key(&two));
    }

    #[test]
    fn every_scalar_kind_round_trips() {
        for v in [
            Value::Nil,
            Value::Bool(false),
            Value::Bool(true),
            Value::Inst(i64::MIN),
            Value::Inst(-1),
            Value::Inst(0),
            Value::Inst(i64::MAX),
            Value::Char('\0'),
            Value::Char('\u{10FFFF}'),
            Value::Uuid(Uuid::new(u128::MAX)),
            Value::Ref(0),
            Value::Ref(u64::MAX),
        ] {
            round_trip(&v);
        }
        assert!(key(&Value::Inst(-1)) < key(&Value::Inst(0)));
    }

    #[test]
    fn sets_and_maps_must_be_ascending() {
        let set = Value::Set([Value::Int(1), Value::Int(2)].into_iter().collect());
        round_trip(&set);
        let k1 = key(&Value::Int(1));
        let k2 = key(&Value::Int(2));
        let mut bad = vec![TAG_SET];
        bad.extend(&k2);
        bad.extend(&k1);
        bad.push(0);
        assert!(decode_key(&bad).is_err());
        let mut dup = vec![TAG_SET];
        dup.extend(&k1);
        dup.extend(&k1);
        dup.push(0);
        assert!(decode_key(&dup).is_err());
        let mut map = vec![TAG_MAP];
        map.extend(&k1);
        map.push(TAG_NIL);
        map.extend(&k1);
        map.push(TAG_NIL);
        map.push(0);
        assert!(decode_key(&map).is_err());
        // Missing value.
        assert!(decode_key(&[TAG_MAP, TAG_NIL, 0]).is_err());
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            &[][..],
            &[0x00],
            &[0xff],
            &[TAG_STR, b'a'],
            &[TAG_STR, 0xc3, 0],
            &[TAG_CHAR, 0, 0, 0xd8, 0],
            &[TAG_CHAR, 0, 0x11, 0, 0],
            &[TAG_REF, 1, 2],
            &[TAG_VECTOR],
            &[TAG_VECTOR, TAG_NIL],
        ] {
            assert_eq!(
                decode_key(bad).unwrap_err().kind(),
                ErrorKind::Parse,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_hits_the_limit() {
        let mut deep = vec![TAG_VECTOR; MAX_DEPTH + 1];
        deep.extend(vec![0; MAX_DEPTH + 1]);
        assert_eq!(decode_key(&deep).unwrap_err().kind(), ErrorKind::Limit);
        let ok = &deep[1..deep.len() - 1];
        assert_eq!(decode_key(ok).unwrap().1, ok.len());
        // A huge run of open brackets on a small stack is refused, not a stack overflow.
        let hostile = vec![TAG_VECTOR; 1_000_000];
        let h = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || decode_key(&hostile).unwrap_err().kind())
            .unwrap();
        assert_eq!(h.join().unwrap(), ErrorKind::Limit);
    }
}
