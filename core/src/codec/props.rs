//! Property tests of both encodings over random nested values of every kind.

use super::{decode_key, decode_value, encode_key, encode_value};
use crate::testing::{arb_number, arb_value};
use crate::Value;
use alloc::vec::Vec;
use proptest::prelude::*;

fn key(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(v, &mut out);
    out
}

fn compact(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(v, &mut out);
    out
}

/// Same value, and for floats the same bits (so `-0.0`/`0.0` and NaN payloads are checked exactly).
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b && a.kind_rank() == b.kind_rank() && a.type_name() == b.type_name(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn key_order_is_value_order(a in arb_value(), b in arb_value()) {
        prop_assert_eq!(key(&a).cmp(&key(&b)), a.cmp(&b), "{:?} vs {:?}", a, b);
    }

    #[test]
    fn key_order_of_numbers(a in arb_number(), b in arb_number()) {
        prop_assert_eq!(key(&a).cmp(&key(&b)), a.cmp(&b), "{:?} vs {:?}", a, b);
    }

    #[test]
    fn key_round_trip(v in arb_value()) {
        let k = key(&v);
        let (d, n) = decode_key(&k).unwrap();
        prop_assert_eq!(n, k.len());
        prop_assert!(identical(&d, &v), "{:?} decoded as {:?}", v, d);
        prop_assert_eq!(key(&d), k);
    }

    #[test]
    fn compact_round_trip(v in arb_value()) {
        let c = compact(&v);
        let (d, n) = decode_value(&c).unwrap();
        prop_assert_eq!(n, c.len());
        prop_assert!(identical(&d, &v), "{:?} decoded as {:?}", v, d);
        prop_assert_eq!(compact(&d), c);
    }

    #[test]
    fn key_is_prefix_free(a in arb_value(), b in arb_value()) {
        let ka = key(&a);
        let mut both = ka.clone();
        encode_key(&b, &mut both);
        let (d, n) = decode_key(&both).unwrap();
        prop_assert_eq!(n, ka.len());
        prop_assert_eq!(&d, &a);
        let (d2, n2) = decode_key(&both[n..]).unwrap();
        prop_assert_eq!(n2, both.len() - n);
        prop_assert_eq!(&d2, &b);
        // A proper prefix of an encoding never decodes to a value.
        prop_assert!(decode_key(&ka[..ka.len() - 1]).is_err());
    }

    #[test]
    fn compact_is_self_delimiting(a in arb_value(), b in arb_value()) {
        let ca = compact(&a);
        let mut both = ca.clone();
        encode_value(&b, &mut both);
        let (d, n) = decode_value(&both).unwrap();
        prop_assert_eq!(n, ca.len());
        prop_assert_eq!(&d, &a);
        prop_assert_eq!(decode_value(&both[n..]).unwrap(), (b, both.len() - n));
    }

    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        // Any success must be canonical: re-encoding gives back exactly the bytes consumed.
        if let Ok((v, n)) = decode_key(&bytes) {
            prop_assert_eq!(key(&v), bytes[..n].to_vec());
        }
        if let Ok((v, n)) = decode_value(&bytes) {
            prop_assert_eq!(compact(&v), bytes[..n].to_vec());
        }
    }
}

// Costlier per case, and extra to the properties above: fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn sorting_by_key_sorts_by_value(mut vs in proptest::collection::vec(arb_value(), 0..12)) {
        let mut by_key = vs.clone();
        by_key.sort_by_cached_key(key);
        vs.sort();
        prop_assert_eq!(by_key, vs);
    }

    #[test]
    fn decoding_mutated_encodings_never_panics(v in arb_value(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // Random bytes rarely look like encodings; one changed byte of a real one probes deeper.
        for mut enc in [key(&v), compact(&v)] {
            let i = at.index(enc.len());
            enc[i] = byte;
            if let Ok((d, n)) = decode_key(&enc) {
                prop_assert_eq!(key(&d), enc[..n].to_vec());
            }
            if let Ok((d, n)) = decode_value(&enc) {
                prop_assert_eq!(compact(&d), enc[..n].to_vec());
            }
        }
    }
}
