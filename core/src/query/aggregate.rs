//! Aggregates of `:find`: grouping as Datomic does, and each aggregate function.
//!
//! `avg`, `median`, `variance` and `stddev` return floats; `variance` and `stddev` are the
//! population forms. `rand`/`sample` draw from a fixed-seed generator so that results are
//! reproducible (the core reads no entropy source).

use super::functions::compare;
use crate::{err, Result, Value};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;

const AGGREGATES: &[&str] = &[
    "count",
    "count-distinct",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "variance",
    "stddev",
    "distinct",
    "rand",
    "sample",
    "collect",
];

/// Whether `name` is a known aggregate.
pub fn is_aggregate(name: &str) -> bool {
    AGGREGATES.contains(&name)
}

/// Aggregates `values` (one per distinct binding of the group) with `name` and its parameters.
pub fn aggregate(name: &str, params: &[Value], values: Vec<Value>) -> Result<Value> {
    let n_param = || -> Result<usize> {
        match params {
            [Value::Int(n)] if *n >= 0 => Ok(*n as usize),
            _ => Err(err!(
                Parse,
                "({name} n ?x) needs a non-negative integer n, got {params:?}"
            )),
        }
    };
    match (name, params.is_empty()) {
        ("min" | "max", false) => {
            let n = n_param()?;
            let mut vs = values;
            vs.sort_by(compare);
            if name == "max" {
                vs.reverse();
            }
            // Repeats stay: `:with` makes equal values distinct bindings (as DataScript keeps them).
            vs.truncate(n);
            return Ok(Value::Vector(vs));
        }
        ("rand", false) => {
            let n = n_param()?;
            let mut rng = Rng::new(values.len() as u64);
            if values.is_empty() {
                return Ok(Value::Vector(Vec::new()));
            }
            let picks = (0..n)
                .filter_map(|_| values.get(rng.below(values.len())).cloned())
                .collect();
            return Ok(Value::Vector(picks));
        }
        ("sample", false) => {
            let n = n_param()?;
            let mut distinct: Vec<Value> = values
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut rng = Rng::new(distinct.len() as u64);
            // Fisher–Yates on the first n positions.
            for i in 0..n.min(distinct.len()) {
                let j = i + rng.below(distinct.len() - i);
                distinct.swap(i, j);
            }
            distinct.truncate(n);
            return Ok(Value::Vector(distinct));
        }
        (_, false) => {
            return Err(err!(
                Parse,
                "aggregate ({name} …) takes no parameters besides the variable"
            ))
        }
        _ => {}
    }
    Ok(match name {
        "count" => Value::Int(values.len() as i64),
        "count-distinct" => Value::Int(values.iter().collect::<BTreeSet<_>>().len() as i64),
        "distinct" => Value::Set(values.into_iter().collect()),
        "collect" => Value::Vector(values),
        "min" => values.into_iter().min_by(compare).unwrap_or(Value::Nil),
        "max" => values.into_iter().max_by(compare).unwrap_or(Value::Nil),
        "sum" => sum(&values)?,
        "avg" => Value::float(mean(&values)?),
        "median" => {
            let mut xs = floats(&values)?;
            xs.sort_by(f64::total_cmp);
            let n = xs.len();
            let m = match n {
                0 => return Ok(Value::Nil),
                _ if n % 2 == 1 => xs.get(n / 2).copied().unwrap_or(0.0),
                _ => {
                    (xs.get(n / 2 - 1).copied().unwrap_or(0.0)
                        + xs.get(n / 2).copied().unwrap_or(0.0))
                        / 2.0
                }
            };
            Value::float(m)
        }
        "variance" => Value::float(variance(&values)?),
        "stddev" => Value::float(sqrt(variance(&values)?)),
        "rand" | "sample" => return Err(err!(Parse, "({name} n ?x) needs n")),
        other => return Err(err!(Parse, "unknown aggregate {other}")),
    })
}

fn floats(values: &[Value]) -> Result<Vec<f64>> {
    values
        .iter()
        .map(|v| match v {
            Value::Int(i) => Ok(*i as f64),
            Value::Float(f) => Ok(*f),
            other => Err(err!(Type, "aggregate wants numbers, got {other:?}")),
        })
        .collect()
}

fn sum(values: &[Value]) -> Result<Value> {
    let mut int: i64 = 0;
    let mut float: Option<f64> = None;
    for v in values {
        match v {
            Value::Int(i) => match float.as_mut() {
                Some(f) => *f += *i as f64,
                None => match int.checked_add(*i) {
                    Some(s) => int = s,
                    None => float = Some(int as f64 + *i as f64),
                },
            },
            Value::Float(x) => *float.get_or_insert(int as f64) += x,
            other => return Err(err!(Type, "(sum ?x) wants numbers, got {other:?}")),
        }
    }
    Ok(match float {
        Some(f) => Value::float(f),
        None => Value::Int(int),
    })
}

fn mean(values: &[Value]) -> Result<f64> {
    let xs = floats(values)?;
    if xs.is_empty() {
        return Ok(f64::NAN);
    }
    Ok(xs.iter().sum::<f64>() / xs.len() as f64)
}

fn variance(values: &[Value]) -> Result<f64> {
    let xs = floats(values)?;
    if xs.is_empty() {
        return Ok(f64::NAN);
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    Ok(xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64)
}

/// Square root by Newton's method: `f64::sqrt` needs std, and the core is no_std.
pub fn sqrt(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 || x.is_infinite() {
        return x;
    }
    let mut r = if x >= 1.0 { x / 2.0 } else { 1.0 };
    for _ in 0..200 {
        let next = 0.5 * (r + x / r);
        if next == r {
            break;
        }
        r = next;
    }
    r
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x % (n.max(1) as u64)) as usize
    }
}
