//! The compact value encoding: small, self-delimiting, canonical, not order-preserving.
//!
//! | tag | value | payload |
//! | --- | --- | --- |
//! | `0x00` / `0x01` / `0x02` | nil / false / true | none |
//! | `0x03` | int | zigzag LEB128 varint |
//! | `0x04` | float | IEEE bits, 8 bytes big-endian (NaN canonical) |
//! | `0x05` | instant | zigzag LEB128 varint |
//! | `0x06` / `0x08` / `0x09` | string / keyword / symbol | varint byte length, UTF-8 bytes |
//! | `0x07` | char | varint code point |
//! | `0x0A` | uuid | 16 bytes big-endian |
//! | `0x0B` | bytes | varint length, bytes |
//! | `0x0C` | ref | varint |
//! | `0x0D` / `0x0E` / `0x0F` | vector / list / set | varint count, elements (sets ascending) |
//! | `0x10` | map | varint entry count, key, value, … (keys ascending) |

use super::{malformed, too_deep, Reader, MAX_DEPTH};
use crate::value::{Keyword, SortedSet, Symbol, Uuid, CANONICAL_NAN_BITS};
use crate::{Result, Value};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

const NIL: u8 = 0x00;
const FALSE: u8 = 0x01;
const TRUE: u8 = 0x02;
const INT: u8 = 0x03;
const FLOAT: u8 = 0x04;
const INST: u8 = 0x05;
const STR: u8 = 0x06;
const CHAR: u8 = 0x07;
const KEYWORD: u8 = 0x08;
const SYMBOL: u8 = 0x09;
const UUID: u8 = 0x0A;
const BYTES: u8 = 0x0B;
const REF: u8 = 0x0C;
const VECTOR: u8 = 0x0D;
const LIST: u8 = 0x0E;
const SET: u8 = 0x0F;
const MAP: u8 = 0x10;

/// Compact (not order-preserving) value encoding for stored values: varints etc.
///
/// Smaller than [`encode_key`](super::encode_key) for typical values; every NaN is written as the
/// canonical NaN. Read back with [`decode_value`].
pub fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(NIL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Int(i) => {
            out.push(INT);
            varint(zigzag(*i), out);
        }
        Value::Float(f) => {
            out.push(FLOAT);
            let bits = if f.is_nan() {
                CANONICAL_NAN_BITS
            } else {
                f.to_bits()
            };
            out.extend_from_slice(&bits.to_be_bytes());
        }
        Value::Inst(t) => {
            out.push(INST);
            varint(zigzag(*t), out);
        }
        Value::Str(s) => text(STR, s.as_bytes(), out),
        Value::Char(c) => {
            out.push(CHAR);
            varint(u64::from(u32::from(*c)), out);
        }
        Value::Keyword(k) => text(KEYWORD, k.as_str().as_bytes(), out),
        Value::Symbol(s) => text(SYMBOL, s.as_str().as_bytes(), out),
        Value::Uuid(u) => {
            out.push(UUID);
            out.extend_from_slice(&u.get().to_be_bytes());
        }
        Value::Bytes(b) => text(BYTES, b, out),
        Value::Ref(r) => {
            out.push(REF);
            varint(*r, out);
        }
        Value::Vector(items) => seq(VECTOR, items.len(), items.iter(), out),
        Value::List(items) => seq(LIST, items.len(), items.iter(), out),
        Value::Set(items) => seq(SET, items.len(), items.iter(), out),
        Value::Map(entries) => {
            out.push(MAP);
            varint(entries.len() as u64, out);
            for (k, v) in entries {
                encode_value(k, out);
                encode_value(v, out);
            }
        }
    }
}

fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// LEB128: 7 bits a byte, least significant first, high bit set when more bytes follow.
fn varint(mut x: u64, out: &mut Vec<u8>) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

fn read_varint(r: &mut Reader<'_>) -> Result<u64> {
    let mut x = 0u64;
    for i in 0..10u32 {
        let b = r.byte()?;
        let bits = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return Err(malformed("varint overflows 64 bits"));
        }
        x |= bits << (7 * i);
        if b & 0x80 == 0 {
            if i > 0 && b == 0 {
                return Err(malformed("varint has a trailing zero byte"));
            }
            return Ok(x);
        }
    }
    Err(malformed("varint longer than 10 bytes"))
}

fn read_len(r: &mut Reader<'_>) -> Result<usize> {
    usize::try_from(read_varint(r)?).map_err(|_| malformed("length does not fit in memory"))
}

fn text(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn seq<'a>(tag: u8, len: usize, items: impl Iterator<Item = &'a Value>, out: &mut Vec<u8>) {
    out.push(tag);
    varint(len as u64, out);
    for item in items {
        encode_value(item, out);
    }
}

/// Decodes one compact-encoded value from the front of `bytes`; returns it and the bytes consumed.
///
/// Accepts exactly the bytes [`encode_value`] produces (canonical varints, canonical NaN, ascending
/// sets and map keys, valid UTF-8 and chars); anything else is an error of kind `parse`, and
/// collections nested deeper than [`MAX_DEPTH`] an error of kind `limit`. Never panics.
pub fn decode_value(bytes: &[u8]) -> Result<(Value, usize)> {
    let mut r = Reader::new(bytes);
    let v = decode(&mut r, 0)?;
    Ok((v, r.pos()))
}

fn decode(r: &mut Reader<'_>, depth: usize) -> Result<Value> {
    let tag = r.byte()?;
    Ok(match tag {
        NIL => Value::Nil,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Int(unzigzag(read_varint(r)?)),
        FLOAT => {
            let f = f64::from_bits(u64::from_be_bytes(r.array()?));
            if f.is_nan() && f.to_bits() != CANONICAL_NAN_BITS {
                return Err(malformed("non-canonical NaN"));
            }
            Value::Float(f)
        }
        INST => Value::Inst(unzigzag(read_varint(r)?)),
        STR => Value::Str(Arc::from(read_text(r)?)),
        CHAR => {
            let c = u32::try_from(read_varint(r)?).ok().and_then(char::from_u32);
            Value::Char(c.ok_or_else(|| malformed("char is not a scalar value"))?)
        }
        KEYWORD => Value::Keyword(Keyword::new(&read_text(r)?)),
        SYMBOL => Value::Symbol(Symbol::new(&read_text(r)?)),
        UUID => Value::Uuid(Uuid::new(u128::from_be_bytes(r.array()?))),
        BYTES => {
            let n = read_len(r)?;
            Value::Bytes(Arc::from(r.take(n)?))
        }
        REF => Value::Ref(read_varint(r)?),
        VECTOR | LIST | SET | MAP => collection(tag, r, depth)?,
        _ => return Err(malformed("unknown value tag")),
    })
}

fn read_text(r: &mut Reader<'_>) -> Result<String> {
    let n = read_len(r)?;
    let s = core::str::from_utf8(r.take(n)?).map_err(|_| malformed("text is not UTF-8"))?;
    Ok(String::from(s))
}

fn collection(tag: u8, r: &mut Reader<'_>, depth: usize) -> Result<Value> {
    let depth = depth + 1;
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    // Every element takes at least one byte: a hostile count fails when the input runs out, and
    // nothing is allocated from the count alone.
    let n = read_varint(r)?;
    match tag {
        VECTOR | LIST => {
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(decode(r, depth)?);
            }
            Ok(if tag == VECTOR {
                Value::Vector(items)
            } else {
                Value::List(items)
            })
        }
        SET => {
            let mut items: Vec<Value> = Vec::new();
            for _ in 0..n {
                let item = decode(r, depth)?;
                if items.last().is_some_and(|last| *last >= item) {
                    return Err(malformed("set elements not strictly ascending"));
                }
                items.push(item);
            }
            Ok(Value::Set(SortedSet::from_sorted_unique(items)))
        }
        _ => {
            let mut entries = BTreeMap::new();
            for _ in 0..n {
                let k = decode(r, depth)?;
                if entries.last_key_value().is_some_and(|(last, _)| *last >= k) {
                    return Err(malformed("map keys not strictly ascending"));
                }
                let v = decode(r, depth)?;
                entries.insert(k, v);
            }
            Ok(Value::Map(entries))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use alloc::vec;

    fn enc(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(v, &mut out);
        out
    }

    #[test]
    fn small_values_are_small_and_round_trip() {
        assert_eq!(enc(&Value::Int(0)), [INT, 0]);
        assert_eq!(enc(&Value::Int(-1)), [INT, 1]);
        assert_eq!(enc(&Value::Int(63)), [INT, 126]);
        assert_eq!(enc(&Value::Int(64)), [INT, 0x80, 1]);
        assert_eq!(enc(&Value::str("ab")), [STR, 2, b'a', b'b']);
        for v in [
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Inst(-5),
            Value::Ref(u64::MAX),
            Value::Float(-0.0),
            Value::float(f64::NAN),
            Value::Char('\u{10FFFF}'),
            Value::Vector(vec![Value::Set(SortedSet::new()), Value::Nil]),
            Value::Map([(Value::kw("a"), Value::Int(1))].into_iter().collect()),
        ] {
            let e = enc(&v);
            assert_eq!(decode_value(&e).unwrap(), (v, e.len()));
        }
    }

    #[test]
    fn non_canonical_input_is_rejected() {
        assert!(decode_value(&[INT, 0x80, 0]).is_err()); // overlong zero
        assert!(
            decode_value(&[REF, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2]).is_err()
        );
        assert!(decode_value(&[FLOAT, 0x7f, 0xf0, 0, 0, 0, 0, 0, 1]).is_err());
        assert!(decode_value(&[SET, 2, INT, 2, INT, 2]).is_err());
        assert!(decode_value(&[SET, 2, INT, 4, INT, 2]).is_err());
        assert!(decode_value(&[MAP, 2, NIL, NIL, NIL, NIL]).is_err());
        assert!(decode_value(&[STR, 1, 0xff]).is_err());
        assert!(decode_value(&[CHAR, 0x80, 0xb0, 0x03]).is_err()); // 0xd800
        assert!(decode_value(&[VECTOR, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err()); // huge count
        assert!(decode_value(&[0x11]).is_err());
        let deep = [VECTOR, 1].repeat(MAX_DEPTH + 1);
        assert_eq!(decode_value(&deep).unwrap_err().kind(), ErrorKind::Limit);
    }
}
