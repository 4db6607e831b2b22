//! A transaction report's datoms as the text that crosses to JS, and back.
//!
//! Reports stay encoded until JS reads `txData` (building a JS object per datom was a third of a
//! one-datom transaction's time, and most callers never look), and they cross as a string rather
//! than a `Uint8Array` (every typed array is an external allocation that hastens V8's garbage
//! collections). Crossing and encoding were still a tenth of a `retractEntity`'s time as hex of
//! five full datoms each, so the form is compact:
//!
//! - bytes: the transaction id (8 bytes, big-endian), then per datom a flag byte ([`ADDED`],
//!   [`SAME_E`], [`SAME_A`], [`OWN_TX`]), the entity (8 bytes) unless it is the previous datom's,
//!   the attribute (the compact value encoding of its keyword) unless it is the previous datom's,
//!   the datom's own transaction (8 bytes) if it is not the report's, and the value;
//! - text: those bytes seven bits to a character, every character ASCII (so UTF-8 crosses it
//!   byte for byte), the last one padded with zero bits.

use dfdb_core::codec::{decode_value, encode_value};
use dfdb_core::{Datom, Error, Keyword, TxReport, Value};

/// The datom is an assertion.
const ADDED: u8 = 1;
/// The entity is the previous datom's.
const SAME_E: u8 = 2;
/// The attribute is the previous datom's.
const SAME_A: u8 = 4;
/// The datom's transaction (8 bytes) follows: it is not the report's.
const OWN_TX: u8 = 8;

/// The text of `r`'s datoms.
pub fn encode(r: &TxReport) -> String {
    let mut bytes = Vec::with_capacity(8 + r.tx_data.len() * 16);
    bytes.extend_from_slice(&r.tx.to_be_bytes());
    let mut prev: Option<&Datom> = None;
    for d in &r.tx_data {
        let same_e = prev.is_some_and(|p| p.e == d.e);
        let same_a = prev.is_some_and(|p| p.a == d.a);
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let flags = flag(d.added, ADDED)
            | flag(same_e, SAME_E)
            | flag(same_a, SAME_A)
            | flag(d.tx != r.tx, OWN_TX);
        bytes.push(flags);
        if !same_e {
            bytes.extend_from_slice(&d.e.to_be_bytes());
        }
        if !same_a {
            encode_value(&Value::Keyword(d.a.clone()), &mut bytes);
        }
        if d.tx != r.tx {
            bytes.extend_from_slice(&d.tx.to_be_bytes());
        }
        encode_value(&d.v, &mut bytes);
        prev = Some(d);
    }
    pack(&bytes)
}

/// The datoms of a report's text; an error of kind `type` for text [`encode`] did not make.
pub fn decode(text: &str) -> Result<Vec<Datom>, Error> {
    let malformed = || Error::Type("txData text is malformed".into());
    let bytes = unpack(text).ok_or_else(malformed)?;
    let (tx, mut rest) = take_u64(&bytes).ok_or_else(malformed)?;
    let mut out: Vec<Datom> = Vec::new();
    while let Some((&flags, after)) = rest.split_first() {
        rest = after;
        let e = match (flags & SAME_E != 0, out.last()) {
            (true, Some(p)) => p.e,
            (false, _) => {
                let (e, after) = take_u64(rest).ok_or_else(malformed)?;
                rest = after;
                e
            }
            (true, None) => return Err(malformed()),
        };
        let a: Keyword = match (flags & SAME_A != 0, out.last()) {
            (true, Some(p)) => p.a.clone(),
            (false, _) => {
                let (a, n) = decode_value(rest)?;
                rest = rest.get(n..).unwrap_or(&[]);
                match a {
                    Value::Keyword(a) => a,
                    _ => return Err(malformed()),
                }
            }
            (true, None) => return Err(malformed()),
        };
        let tx = match flags & OWN_TX != 0 {
            true => {
                let (t, after) = take_u64(rest).ok_or_else(malformed)?;
                rest = after;
                t
            }
            false => tx,
        };
        let (v, n) = decode_value(rest)?;
        rest = rest.get(n..).unwrap_or(&[]);
        out.push(Datom {
            e,
            a,
            v,
            tx,
            added: flags & ADDED != 0,
        });
    }
    Ok(out)
}

fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

/// `bytes` seven bits to a character (the high bits first), the last character's unused low
/// bits zero.
fn pack(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(7));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 7 {
            bits -= 7;
            out.push(char::from(((acc >> bits) & 0x7f) as u8));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(((acc << (7 - bits)) & 0x7f) as u8));
    }
    out
}

/// The bytes of [`pack`]'s text; `None` for a character above 0x7f.
fn unpack(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 7 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c > 0x7f {
            return None;
        }
        acc = (acc << 7) | u32::from(c);
        bits += 7;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // What is left is the last character's padding.
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_every_length() {
        for n in 0..40usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 97 + 13) as u8).collect();
            let text = pack(&bytes);
            assert!(text.bytes().all(|c| c <= 0x7f));
            assert_eq!(text.len(), (n * 8).div_ceil(7));
            assert_eq!(unpack(&text), Some(bytes));
        }
        assert_eq!(unpack("\u{e9}"), None);
    }

    #[test]
    fn reports_round_trip() {
        let d = |e: u64, a: &str, v: Value, tx: u64, added: bool| Datom {
            e,
            a: Keyword::new(a),
            v,
            tx,
            added,
        };
        let tx = (1 << 42) + 7;
        let report = TxReport {
            tx,
            tx_data: vec![
                d(1, "name", Value::str("Ivan"), tx, false),
                d(1, "age", Value::Int(-3), tx, false),
                d(1, "age", Value::Int(40), tx, true),
                d(u64::MAX, "age", Value::kw("male"), tx, true),
                d(2, "friends", Value::Vector(vec![Value::Nil]), 5, true),
            ],
            ..TxReport::default()
        };
        assert_eq!(decode(&encode(&report)).expect("decode"), report.tx_data);
        let empty = TxReport {
            tx,
            ..TxReport::default()
        };
        assert_eq!(decode(&encode(&empty)).expect("decode"), vec![]);
    }

    #[test]
    fn malformed_text_is_an_error() {
        // No transaction id; a flag byte of all ones (the previous datom's entity, of none).
        for text in [
            "",
            "abc",
            "\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}",
        ] {
            assert!(decode(text).is_err(), "{text:?}");
        }
        // A datom claiming the previous datom's entity, first in the report.
        let mut bytes = 9u64.to_be_bytes().to_vec();
        bytes.push(SAME_E);
        assert!(decode(&pack(&bytes)).is_err());
    }
}
