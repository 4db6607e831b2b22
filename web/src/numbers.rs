//! Relation results made only of numbers, out to JS as one `Float64Array`.
//!
//! A query like `[:find ?e ?salary …]` returns thousands of small tuples of numbers. As JSON they
//! are written as text in Rust, decoded to a JS string, parsed back into numbers and arrays;
//! as one `Float64Array` (the tuple width first, then the values row by row) they are copied
//! once and `js/database.js` builds the arrays and the `Set` in a loop.
//!
//! Only when every value of every tuple is a number in JS: an integer or entity id within
//! ±(2^53 − 1) (beyond it `to_js` gives a `bigint`) or a double (any: a `Float64Array` keeps NaN,
//! the infinities and −0). The values read back are exactly those `to_js` gives.

use crate::convert::safe_integer;
use dfdb_core::Value;

/// The set `v`'s tuples flattened behind their width, if `v` is a non-empty set of equal-width
/// tuples of numbers.
pub fn flat_tuples(v: &Value) -> Option<Vec<f64>> {
    let Value::Set(tuples) = v else {
        return None;
    };
    let width = match tuples.first()? {
        Value::Vector(first) if !first.is_empty() => first.len(),
        _ => return None,
    };
    let mut out = Vec::with_capacity(1 + tuples.len() * width);
    out.push(width as f64);
    for t in tuples {
        let Value::Vector(xs) = t else {
            return None;
        };
        if xs.len() != width {
            return None;
        }
        for x in xs {
            out.push(number(x)?);
        }
    }
    Some(out)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        other => safe_integer(other).map(|i| i as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdb_core::edn;

    fn flat(text: &str) -> Option<Vec<f64>> {
        flat_tuples(&edn::read(text).expect("edn"))
    }

    #[test]
    fn flattens_sets_of_number_tuples() {
        assert_eq!(
            flat("#{[1 2.5] [3 -4]}"),
            Some(vec![2.0, 1.0, 2.5, 3.0, -4.0])
        );
        assert_eq!(
            flat("#{[9007199254740991]}"),
            Some(vec![1.0, 9007199254740991.0])
        );
    }

    #[test]
    fn declines_anything_else() {
        for text in [
            "#{}",
            "#{[]}",
            "#{[1 \"a\"]}",
            "#{[9007199254740992]}",
            "#{[1] [2 3]}",
            "#{1}",
            "[[1 2]]",
            "#{[#inst \"2020-01-01T00:00:00Z\"]}",
        ] {
            assert_eq!(flat(text), None, "{text}");
        }
        assert_eq!(
            flat_tuples(&Value::Set(
                [Value::Vector(vec![Value::Ref(1 << 53)])].into()
            )),
            None
        );
    }
}
