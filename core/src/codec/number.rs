//! Numbers (`Int` and `Float`) in one exact, order-preserving key encoding.
//!
//! Layout (see the module docs of [`crate::codec`]): a class tag (−∞, negative, zero, positive, +∞,
//! NaN); for nonzero finite numbers the biased binary exponent (`u16` BE), the fraction bits after
//! the leading one in 7-bit groups with a low "more" bit, all inverted for negatives; then a tie byte.

use super::{malformed, Reader};
use crate::value::CANONICAL_NAN_BITS;
use crate::{Result, Value};
use alloc::vec::Vec;

pub(crate) const TAG_NEG_INF: u8 = 0x10;
pub(crate) const TAG_NEG: u8 = 0x11;
pub(crate) const TAG_ZERO: u8 = 0x12;
pub(crate) const TAG_POS: u8 = 0x13;
pub(crate) const TAG_POS_INF: u8 = 0x14;
pub(crate) const TAG_NAN: u8 = 0x15;

/// Tie byte of an int (also of int `0` in the zero class).
const TIE_INT: u8 = 0x01;
/// Tie byte of a float (also of `-0.0` in the zero class).
const TIE_FLOAT: u8 = 0x02;
/// Tie byte of `+0.0` in the zero class.
const TIE_POS_ZERO: u8 = 0x03;

/// Added to the binary exponent (-1074 ..= 1023) to make it 1 ..= 2098.
const EXP_BIAS: i32 = 1075;
const MIN_EXP: i32 = -1074;
const MAX_EXP: i32 = 1023;
/// At most 9 groups of 7 bits: the 63 fraction bits of an `i64` magnitude.
const MAX_GROUPS: u32 = 9;

const SIGN_BIT: u64 = 1 << 63;
const MANTISSA_MASK: u64 = (1 << 52) - 1;

/// A finite nonzero magnitude `2^exp × 1.frac`, `frac` left-aligned in a `u64` (bit 0 always 0).
struct Magnitude {
    exp: i32,
    frac: u64,
}

/// `m` must be nonzero.
fn int_magnitude(m: u64) -> Magnitude {
    let lz = m.leading_zeros();
    // Shifting the leading one out leaves the bits after it, left-aligned; `1` leaves nothing.
    Magnitude {
        exp: 63 - lz as i32,
        frac: m.checked_shl(lz + 1).unwrap_or(0),
    }
}

/// `bits` must be a finite nonzero float's bits with the sign bit clear.
fn float_magnitude(bits: u64) -> Magnitude {
    let biased = (bits >> 52) as i32;
    let mantissa = bits & MANTISSA_MASK;
    if biased == 0 {
        // Subnormal: mantissa × 2^-1074, its leading one at bit 63 - lz.
        let lz = mantissa.leading_zeros();
        Magnitude {
            exp: 63 - lz as i32 + MIN_EXP,
            frac: mantissa.checked_shl(lz + 1).unwrap_or(0),
        }
    } else {
        Magnitude {
            exp: biased - 1023,
            frac: mantissa << 12,
        }
    }
}

/// Appends the key encoding of an `Int` or `Float` (other values are not numbers: nothing is written).
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Int(0) => out.extend_from_slice(&[TAG_ZERO, TIE_INT]),
        Value::Int(i) => write_magnitude(*i < 0, int_magnitude(i.unsigned_abs()), TIE_INT, out),
        Value::Float(f) if f.is_nan() => out.push(TAG_NAN),
        Value::Float(f) if f.is_infinite() => {
            out.push(if *f < 0.0 { TAG_NEG_INF } else { TAG_POS_INF })
        }
        Value::Float(f) if *f == 0.0 => {
            let tie = if f.is_sign_negative() {
                TIE_FLOAT
            } else {
                TIE_POS_ZERO
            };
            out.extend_from_slice(&[TAG_ZERO, tie]);
        }
        Value::Float(f) => {
            let bits = f.to_bits();
            write_magnitude(
                bits & SIGN_BIT != 0,
                float_magnitude(bits & !SIGN_BIT),
                TIE_FLOAT,
                out,
            )
        }
        _ => {}
    }
}

fn write_magnitude(negative: bool, m: Magnitude, tie: u8, out: &mut Vec<u8>) {
    out.push(if negative { TAG_NEG } else { TAG_POS });
    let start = out.len();
    // exp is within MIN_EXP ..= MAX_EXP, so the biased value is 1 ..= 2098.
    out.extend_from_slice(&((m.exp + EXP_BIAS) as u16).to_be_bytes());
    let groups = if m.frac == 0 {
        1
    } else {
        (63 - m.frac.trailing_zeros()) / 7 + 1
    };
    for k in 0..groups {
        let group = ((m.frac >> (57 - 7 * k)) & 0x7f) as u8;
        let more = u8::from(k + 1 < groups);
        out.push(group << 1 | more);
    }
    if negative {
        out.iter_mut().skip(start).for_each(|b| *b = !*b);
    }
    out.push(tie);
}

/// Decodes the payload of a number whose tag `tag` was already read.
pub(crate) fn decode(tag: u8, r: &mut Reader<'_>) -> Result<Value> {
    match tag {
        TAG_NEG_INF => Ok(Value::Float(f64::NEG_INFINITY)),
        TAG_POS_INF => Ok(Value::Float(f64::INFINITY)),
        TAG_NAN => Ok(Value::Float(f64::from_bits(CANONICAL_NAN_BITS))),
        TAG_ZERO => match r.byte()? {
            TIE_INT => Ok(Value::Int(0)),
            TIE_FLOAT => Ok(Value::Float(-0.0)),
            TIE_POS_ZERO => Ok(Value::Float(0.0)),
            _ => Err(malformed("bad zero tie byte")),
        },
        _ => decode_magnitude(tag == TAG_NEG, r),
    }
}

fn decode_magnitude(negative: bool, r: &mut Reader<'_>) -> Result<Value> {
    let flip = if negative { 0xff } else { 0 };
    let [hi, lo] = r.array::<2>()?;
    let exp = i32::from(u16::from_be_bytes([hi ^ flip, lo ^ flip])) - EXP_BIAS;
    if !(MIN_EXP..=MAX_EXP).contains(&exp) {
        return Err(malformed("number exponent out of range"));
    }
    let mut frac = 0u64;
    let mut k = 0u32;
    loop {
        if k == MAX_GROUPS {
            return Err(malformed("number has too many fraction groups"));
        }
        let b = r.byte()? ^ flip;
        let group = u64::from(b >> 1);
        frac |= group << (57 - 7 * k);
        k += 1;
        if b & 1 == 0 {
            if k > 1 && group == 0 {
                return Err(malformed("number fraction has a trailing zero group"));
            }
            break;
        }
    }
    match r.byte()? {
        TIE_INT => decode_int(negative, exp, frac),
        TIE_FLOAT => Ok(Value::Float(f64::from_bits(decode_float_bits(
            negative, exp, frac,
        )?))),
        _ => Err(malformed("bad number tie byte")),
    }
}

/// The magnitude `2^p × 1.frac` as an integer, if `frac` has no bits below `2^0`; `p` in 0 ..= 63.
fn integer_magnitude(p: u32, frac: u64) -> Option<u64> {
    if p == 0 {
        return (frac == 0).then_some(1);
    }
    // The bits of `frac` past its first `p` must be zero.
    if frac & (u64::MAX >> p) != 0 {
        return None;
    }
    Some((1u64 << p) | (frac >> (64 - p)))
}

fn decode_int(negative: bool, exp: i32, frac: u64) -> Result<Value> {
    let p = u32::try_from(exp).map_err(|_| malformed("int with a negative exponent"))?;
    if p > 63 {
        return Err(malformed("int exponent too large"));
    }
    let m = integer_magnitude(p, frac).ok_or_else(|| malformed("int with fraction bits"))?;
    if negative {
        if m > SIGN_BIT {
            return Err(malformed("int below i64::MIN"));
        }
        // m <= 2^63: `m as i64` wraps 2^63 to i64::MIN, whose negation wraps back to itself.
        Ok(Value::Int((m as i64).wrapping_neg()))
    } else {
        i64::try_from(m)
            .map(Value::Int)
            .map_err(|_| malformed("int above i64::MAX"))
    }
}

fn decode_float_bits(negative: bool, exp: i32, frac: u64) -> Result<u64> {
    let sign = if negative { SIGN_BIT } else { 0 };
    if exp >= -1022 {
        if frac & 0xfff != 0 {
            return Err(malformed("float with more than 52 fraction bits"));
        }
        // exp + 1023 is 1 ..= 2046: a normal float.
        Ok(sign | ((exp + 1023) as u64) << 52 | frac >> 12)
    } else {
        // Subnormal: the leading one is bit `exp + 1074` (0 ..= 51) of the mantissa.
        let p = (exp - MIN_EXP) as u32;
        let m = integer_magnitude(p, frac).ok_or_else(|| malformed("subnormal with extra bits"))?;
        Ok(sign | m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_key, encode_key};
    use alloc::vec;

    fn key(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key(v, &mut out);
        out
    }

    fn edge_numbers() -> Vec<Value> {
        let mut v = Vec::new();
        for i in [
            0i64,
            1,
            -1,
            2,
            -2,
            3,
            127,
            128,
            255,
            256,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            (1 << 62) + 1,
            i64::MAX,
            i64::MAX - 1,
            i64::MIN,
            i64::MIN + 1,
            -(1 << 53) - 1,
        ] {
            v.push(Value::Int(i));
        }
        for f in [
            0.0f64,
            -0.0,
            1.0,
            -1.0,
            1.5,
            -1.5,
            0.1,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(MANTISSA_MASK),
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9_223_372_036_854_775_808.0,
            -9_223_372_036_854_775_808.0,
            9_223_372_036_854_774_784.0,
            9_007_199_254_740_992.0,
            f64::EPSILON,
            1e300,
            -1e-300,
        ] {
            v.push(Value::Float(f));
        }
        v.push(Value::float(f64::NAN));
        v
    }

    #[test]
    fn edges_round_trip_and_order() {
        let vals = edge_numbers();
        for a in &vals {
            let ka = key(a);
            let (d, n) = decode_key(&ka).unwrap();
            assert_eq!(n, ka.len());
            assert_eq!(&d, a);
            if let (Value::Float(x), Value::Float(y)) = (a, &d) {
                assert_eq!(x.to_bits(), y.to_bits(), "{a:?}");
            }
            for b in &vals {
                assert_eq!(ka.cmp(&key(b)), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn int_float_ties_and_zeros() {
        assert!(key(&Value::Int(1)) < key(&Value::Float(1.0)));
        assert!(key(&Value::Int(-1)) < key(&Value::Float(-1.0)));
        assert!(key(&Value::Int(0)) < key(&Value::Float(-0.0)));
        assert!(key(&Value::Float(-0.0)) < key(&Value::Float(0.0)));
        assert!(key(&Value::Int(i64::MIN)) < key(&Value::Float(-9_223_372_036_854_775_808.0)));
        assert!(key(&Value::Int((1 << 53) + 1)) > key(&Value::Float(9_007_199_254_740_992.0)));
        assert_eq!(key(&Value::Int(1)), [TAG_POS, 0x04, 0x33, 0x00, TIE_INT]);
        assert_eq!(
            key(&Value::Float(1.0)),
            [TAG_POS, 0x04, 0x33, 0x00, TIE_FLOAT]
        );
    }

    #[test]
    fn every_nan_is_canonical() {
        let weird = Value::Float(f64::from_bits(0xfff0_0000_0000_0001));
        assert_eq!(key(&weird), [TAG_NAN]);
        match decode_key(&[TAG_NAN]).unwrap().0 {
            Value::Float(f) => assert_eq!(f.to_bits(), CANONICAL_NAN_BITS),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_canonical_numbers_are_rejected() {
        // Exponent 0 (below the bias range) and 2099.
        assert!(decode_key(&[TAG_POS, 0x00, 0x00, 0x00, TIE_FLOAT]).is_err());
        assert!(decode_key(&[TAG_POS, 0x08, 0x33, 0x00, TIE_FLOAT]).is_err());
        // Trailing zero group.
        assert!(decode_key(&[TAG_POS, 0x04, 0x33, 0x01, 0x00, TIE_INT]).is_err());
        // Ten groups.
        let mut ten = vec![TAG_POS, 0x04, 0x33];
        ten.extend([0x03; 9]);
        ten.extend([0x02, TIE_FLOAT]);
        assert!(decode_key(&ten).is_err());
        // An int with a fractional part (1.5 tagged as int), and 2^63 as a positive int.
        assert!(decode_key(&[TAG_POS, 0x04, 0x33, 0x80, TIE_INT]).is_err());
        assert!(decode_key(&[TAG_POS, 0x04, 0x72, 0x00, TIE_INT]).is_err());
        // A float with 53 fraction bits.
        let mut k = key(&Value::Int((1 << 53) + 1));
        *k.last_mut().unwrap() = TIE_FLOAT;
        assert!(decode_key(&k).is_err());
        // Bad tie bytes.
        assert!(decode_key(&[TAG_ZERO, 0x04]).is_err());
        assert!(decode_key(&[TAG_POS, 0x04, 0x33, 0x00, 0x03]).is_err());
        // -2^63 is fine as an int, 2^63 is not.
        assert_eq!(
            decode_key(&key(&Value::Int(i64::MIN))).unwrap().0,
            Value::Int(i64::MIN)
        );
    }
}
