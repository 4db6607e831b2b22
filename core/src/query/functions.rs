//! Built-in predicates and functions of `:where` clauses and find expressions.
//!
//! Arithmetic is exact on integers (overflow is an error, never a wrap) and falls back to floats
//! when any argument is a float. Instants take part in `+`/`-` as milliseconds, as the original
//! dfdb's date arithmetic does.

use crate::{err, Result, Value};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

const PREDICATES: &[&str] = &[
    "=",
    "==",
    "not=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "zero?",
    "pos?",
    "neg?",
    "even?",
    "odd?",
    "nil?",
    "some?",
    "true?",
    "false?",
    "str/starts-with?",
    "str/ends-with?",
    "str/includes?",
    "str/blank?",
    "clojure.string/starts-with?",
    "clojure.string/ends-with?",
    "clojure.string/includes?",
    "clojure.string/blank?",
    "identity",
    "contains?",
    "missing?",
    "string?",
    "number?",
    "int?",
    "keyword?",
    "boolean?",
    "empty?",
    "not",
];

const FUNCTIONS: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "quot",
    "rem",
    "mod",
    "inc",
    "dec",
    "max",
    "min",
    "str",
    "subs",
    "count",
    "ground",
    "tuple",
    "untuple",
    "get-else",
    "get-some",
    "identity",
    "vector",
    "list",
    "abs",
    "str/lower-case",
    "str/upper-case",
    "clojure.string/lower-case",
    "clojure.string/upper-case",
    "name",
    "namespace",
    "keyword",
    "hash-map",
    "get",
    "first",
    "second",
    "last",
];

/// Whether `name` is a known predicate.
pub fn is_known_pred(name: &str) -> bool {
    PREDICATES.contains(&name)
}

/// Whether `name` is a known binding function.
pub fn is_known_fn(name: &str) -> bool {
    FUNCTIONS.contains(&name) || PREDICATES.contains(&name)
}

/// The test of an ordering comparison (`<`, `>`, `<=`, `>=`) on the `Ordering` of its arguments.
pub fn comparison(name: &str) -> Option<fn(Ordering) -> bool> {
    Some(match name {
        "<" => |o| o == Ordering::Less,
        ">" => |o| o == Ordering::Greater,
        "<=" => |o| o != Ordering::Greater,
        ">=" => |o| o != Ordering::Less,
        _ => return None,
    })
}

/// Whether `a` and `b` pass an ordering comparison. Values of different kinds (a string and a
/// number) are not ordered by `<` and friends: the comparison is false, never an arbitrary answer
/// from the kinds' rank.
pub fn ordered(ok: fn(Ordering) -> bool, a: &Value, b: &Value) -> bool {
    a.kind_rank() == b.kind_rank() && ok(compare(a, b))
}

/// Compares two values the way `<`, `min` and `max` do: numbers by value; keywords and symbols
/// in Clojure's order (as DataScript compares them): names without a namespace first, then by
/// namespace, then by name — `:red < :k/a < :k.sub/a`, where their text order (the values' total
/// order, and their index keys' order) puts `:k.sub/a` before `:k/a` and `:red` last; anything
/// else in the values' total order.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Keyword(x), Value::Keyword(y)) => {
            clojure_order(x.namespace(), x.name(), y.namespace(), y.name())
        }
        (Value::Symbol(x), Value::Symbol(y)) => {
            clojure_order(x.namespace(), x.name(), y.namespace(), y.name())
        }
        _ => a.cmp(b),
    }
}

fn clojure_order(ns_a: Option<&str>, a: &str, ns_b: Option<&str>, b: &str) -> Ordering {
    match (ns_a, ns_b) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.cmp(b)),
    }
}

/// Whether [`compare`] may order `v` differently from the values' total order (`Ord`), so that an
/// index range or an ordered collection cannot stand in for it.
pub fn compares_by_name(v: &Value) -> bool {
    matches!(v, Value::Keyword(_) | Value::Symbol(_))
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

/// Applies predicate or function `name` to evaluated arguments.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let arity = |n: usize| -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(err!(
                Parse,
                "({name} …) takes {n} argument(s), got {}",
                args.len()
            ))
        }
    };
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Nil);
    let chain = |ok: fn(Ordering) -> bool| -> Result<Value> {
        if args.is_empty() {
            return Err(err!(Parse, "({name}) needs at least one argument"));
        }
        Ok(Value::Bool(
            args.windows(2).all(|w| ordered(ok, &w[0], &w[1])),
        ))
    };
    let string = |i: usize| -> Result<String> {
        match args.get(i) {
            Some(Value::Str(s)) => Ok(String::from(&**s)),
            other => Err(err!(Type, "({name} …) wants a string, got {other:?}")),
        }
    };
    Ok(match name {
        "=" => Value::Bool(args.windows(2).all(|w| w[0] == w[1])),
        "==" => Value::Bool(args.windows(2).all(|w| num_eq(&w[0], &w[1]))),
        "not=" | "!=" => Value::Bool(!args.windows(2).all(|w| w[0] == w[1])),
        "<" | ">" | "<=" | ">=" => chain(comparison(name).unwrap_or(|_| false))?,
        "zero?" | "pos?" | "neg?" => {
            arity(1)?;
            let o = match arg(0) {
                Value::Int(i) => i.cmp(&0),
                Value::Float(f) => f.partial_cmp(&0.0).unwrap_or(Ordering::Equal),
                other => return Err(err!(Type, "({name} …) wants a number, got {other:?}")),
            };
            Value::Bool(match name {
                "zero?" => o == Ordering::Equal,
                "pos?" => o == Ordering::Greater,
                _ => o == Ordering::Less,
            })
        }
        "even?" | "odd?" => {
            arity(1)?;
            let Value::Int(i) = arg(0) else {
                return Err(err!(Type, "({name} …) wants an integer, got {:?}", arg(0)));
            };
            Value::Bool((i % 2 == 0) == (name == "even?"))
        }
        "nil?" => Value::Bool(arg(0).is_nil()),
        "some?" => Value::Bool(!arg(0).is_nil()),
        "true?" => Value::Bool(arg(0) == Value::Bool(true)),
        "false?" => Value::Bool(arg(0) == Value::Bool(false)),
        "not" => Value::Bool(!arg(0).is_truthy()),
        "string?" => Value::Bool(matches!(arg(0), Value::Str(_))),
        "number?" => Value::Bool(matches!(arg(0), Value::Int(_) | Value::Float(_))),
        "int?" => Value::Bool(matches!(arg(0), Value::Int(_))),
        "keyword?" => Value::Bool(matches!(arg(0), Value::Keyword(_))),
        "boolean?" => Value::Bool(matches!(arg(0), Value::Bool(_))),
        "empty?" => Value::Bool(count(&arg(0))? == 0),
        "str/starts-with?" | "clojure.string/starts-with?" => {
            arity(2)?;
            Value::Bool(string(0)?.starts_with(string(1)?.as_str()))
        }
        "str/ends-with?" | "clojure.string/ends-with?" => {
            arity(2)?;
            Value::Bool(string(0)?.ends_with(string(1)?.as_str()))
        }
        "str/includes?" | "clojure.string/includes?" => {
            arity(2)?;
            Value::Bool(string(0)?.contains(string(1)?.as_str()))
        }
        "str/blank?" | "clojure.string/blank?" => Value::Bool(string(0)?.trim().is_empty()),
        "str/lower-case" | "clojure.string/lower-case" => Value::str(&string(0)?.to_lowercase()),
        "str/upper-case" | "clojure.string/upper-case" => Value::str(&string(0)?.to_uppercase()),
        "identity" => {
            arity(1)?;
            arg(0)
        }
        "contains?" => {
            arity(2)?;
            Value::Bool(match arg(0) {
                Value::Set(s) => s.contains(&arg(1)),
                Value::Map(m) => m.contains_key(&arg(1)),
                Value::Vector(v) => match arg(1) {
                    Value::Int(i) => i >= 0 && (i as usize) < v.len(),
                    _ => false,
                },
                other => {
                    return Err(err!(
                        Type,
                        "(contains? coll x) wants a collection, got {other:?}"
                    ))
                }
            })
        }
        "+" => fold_num(
            name,
            args,
            Value::Int(0),
            |a, b| a.checked_add(b),
            |a, b| a + b,
        )?,
        "*" => fold_num(
            name,
            args,
            Value::Int(1),
            |a, b| a.checked_mul(b),
            |a, b| a * b,
        )?,
        "-" => match args {
            [] => return Err(err!(Parse, "(-) needs at least one argument")),
            [x] => fold_num(
                name,
                &[Value::Int(0), x.clone()],
                Value::Int(0),
                |a, b| a.checked_sub(b),
                |a, b| a - b,
            )?,
            [first, rest @ ..] => {
                let mut acc = first.clone();
                for r in rest {
                    acc = num2(name, &acc, r, |a, b| a.checked_sub(b), |a, b| a - b)?;
                }
                acc
            }
        },
        "/" => {
            let (first, rest) = args
                .split_first()
                .ok_or_else(|| err!(Parse, "(/) needs an argument"))?;
            let mut acc = if rest.is_empty() {
                divide(&Value::Int(1), first)?
            } else {
                first.clone()
            };
            for r in rest {
                acc = divide(&acc, r)?;
            }
            acc
        }
        "quot" | "rem" | "mod" => {
            arity(2)?;
            match (arg(0), arg(1)) {
                (Value::Int(_), Value::Int(0)) => {
                    return Err(err!(Type, "({name} x 0): division by zero"))
                }
                (Value::Int(a), Value::Int(b)) => Value::Int(
                    match name {
                        "quot" => a.checked_div(b),
                        "rem" => a.checked_rem(b),
                        _ => a.checked_rem(b).map(|r| {
                            if r != 0 && ((r < 0) != (b < 0)) {
                                r + b
                            } else {
                                r
                            }
                        }),
                    }
                    .ok_or_else(|| err!(Type, "({name} {a} {b}) overflows"))?,
                ),
                (a, b) => {
                    let (x, y) = (as_f64(name, &a)?, as_f64(name, &b)?);
                    if y == 0.0 {
                        return Err(err!(Type, "({name} x 0): division by zero"));
                    }
                    let q = x / y;
                    let t = if q < 0.0 {
                        -((-q) as i64 as f64)
                    } else {
                        q as i64 as f64
                    };
                    Value::float(match name {
                        "quot" => t,
                        "rem" => x - t * y,
                        _ => {
                            let r = x - t * y;
                            if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                                r + y
                            } else {
                                r
                            }
                        }
                    })
                }
            }
        }
        "inc" => num2(
            name,
            &arg(0),
            &Value::Int(1),
            |a, b| a.checked_add(b),
            |a, b| a + b,
        )?,
        "dec" => num2(
            name,
            &arg(0),
            &Value::Int(1),
            |a, b| a.checked_sub(b),
            |a, b| a - b,
        )?,
        "abs" => match arg(0) {
            Value::Int(i) => Value::Int(
                i.checked_abs()
                    .ok_or_else(|| err!(Type, "(abs {i}) overflows"))?,
            ),
            Value::Float(f) => Value::float(if f < 0.0 { -f } else { f }),
            other => return Err(err!(Type, "(abs x) wants a number, got {other:?}")),
        },
        "max" | "min" => {
            let mut it = args.iter();
            let mut best = it
                .next()
                .cloned()
                .ok_or_else(|| err!(Parse, "({name}) needs an argument"))?;
            for x in it {
                let o = compare(x, &best);
                if (name == "max" && o == Ordering::Greater)
                    || (name == "min" && o == Ordering::Less)
                {
                    best = x.clone();
                }
            }
            best
        }
        "str" => {
            let mut s = String::new();
            for a in args {
                str_of(a, &mut s);
            }
            Value::str(&s)
        }
        "subs" => {
            let s = string(0)?;
            let chars: Vec<char> = s.chars().collect();
            let idx = |i: usize, default: usize| -> Result<usize> {
                match args.get(i) {
                    None => Ok(default),
                    Some(Value::Int(n)) if *n >= 0 && (*n as usize) <= chars.len() => {
                        Ok(*n as usize)
                    }
                    Some(other) => Err(err!(
                        Type,
                        "(subs s start end): bad index {other:?} for a string of {} chars",
                        chars.len()
                    )),
                }
            };
            let (start, end) = (idx(1, 0)?, idx(2, chars.len())?);
            if start > end {
                return Err(err!(Type, "(subs s {start} {end}): start after end"));
            }
            Value::str(
                &chars
                    .get(start..end)
                    .unwrap_or(&[])
                    .iter()
                    .collect::<String>(),
            )
        }
        "count" => Value::Int(count(&arg(0))? as i64),
        "ground" => {
            arity(1)?;
            arg(0)
        }
        "tuple" | "vector" => Value::Vector(args.to_vec()),
        "list" => Value::List(args.to_vec()),
        "untuple" => {
            arity(1)?;
            arg(0)
        }
        "name" => match arg(0) {
            Value::Keyword(k) => Value::str(k.name()),
            Value::Symbol(s) => Value::str(s.name()),
            Value::Str(s) => Value::Str(s),
            other => return Err(err!(Type, "(name x) wants a keyword, got {other:?}")),
        },
        "namespace" => match arg(0) {
            Value::Keyword(k) => k.namespace().map(Value::str).unwrap_or(Value::Nil),
            other => return Err(err!(Type, "(namespace x) wants a keyword, got {other:?}")),
        },
        "keyword" => match args {
            [Value::Str(n)] => Value::kw(n),
            [Value::Str(ns), Value::Str(n)] => Value::Keyword(crate::Keyword::with_ns(Some(ns), n)),
            _ => return Err(err!(Type, "(keyword …) wants strings, got {args:?}")),
        },
        "get" => match (arg(0), arg(1)) {
            (Value::Map(m), k) => m.get(&k).cloned().unwrap_or_else(|| arg(2)),
            (Value::Vector(v), Value::Int(i)) => usize::try_from(i)
                .ok()
                .and_then(|i| v.get(i).cloned())
                .unwrap_or_else(|| arg(2)),
            _ => arg(2),
        },
        "hash-map" => {
            if args.len() % 2 != 0 {
                return Err(err!(
                    Parse,
                    "(hash-map …) needs an even number of arguments"
                ));
            }
            Value::Map(
                args.chunks(2)
                    .filter_map(|kv| Some((kv.first()?.clone(), kv.get(1)?.clone())))
                    .collect(),
            )
        }
        "first" | "second" | "last" => match arg(0) {
            Value::Vector(v) | Value::List(v) => match name {
                "first" => v.first().cloned(),
                "second" => v.get(1).cloned(),
                _ => v.last().cloned(),
            }
            .unwrap_or(Value::Nil),
            Value::Nil => Value::Nil,
            other => return Err(err!(Type, "({name} x) wants a sequence, got {other:?}")),
        },
        other => return Err(err!(Parse, "unknown function {other}")),
    })
}

fn count(v: &Value) -> Result<usize> {
    Ok(match v {
        Value::Str(s) => s.chars().count(),
        Value::Vector(x) | Value::List(x) => x.len(),
        Value::Set(s) => s.len(),
        Value::Map(m) => m.len(),
        Value::Nil => 0,
        other => {
            return Err(err!(
                Type,
                "(count x) wants a collection or string, got {other:?}"
            ))
        }
    })
}

/// Appends `v` as Clojure's `str` shows it.
fn str_of(v: &Value, out: &mut String) {
    use core::fmt::Write;
    match v {
        Value::Nil => {}
        Value::Str(s) => out.push_str(s),
        Value::Char(c) => out.push(*c),
        Value::Uuid(u) => {
            let _ = write!(out, "{u}");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn as_f64(name: &str, v: &Value) -> Result<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Inst(ms) => Ok(*ms as f64),
        other => Err(err!(Type, "({name} …) wants numbers, got {other:?}")),
    }
}

/// Two-argument arithmetic: exact on integers (and instants, as milliseconds), float otherwise.
fn num2(
    name: &str,
    a: &Value,
    b: &Value,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Result<Value> {
    let exact = |x: &Value| match x {
        Value::Int(i) | Value::Inst(i) => Some(*i),
        _ => None,
    };
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => {
            let r = int(x, y)
                .ok_or_else(|| err!(Type, "({name} {x} {y}) overflows a 64-bit integer"))?;
            // instant ± duration stays an instant; instant - instant is a duration in ms.
            Ok(match (a, b, name) {
                (Value::Inst(_), Value::Int(_), _) | (Value::Int(_), Value::Inst(_), "+") => {
                    Value::Inst(r)
                }
                _ => Value::Int(r),
            })
        }
        _ => Ok(Value::float(float(as_f64(name, a)?, as_f64(name, b)?))),
    }
}

fn fold_num(
    name: &str,
    args: &[Value],
    zero: Value,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Result<Value> {
    let mut acc = zero;
    for (i, a) in args.iter().enumerate() {
        acc = if i == 0 {
            match a {
                Value::Int(_) | Value::Float(_) | Value::Inst(_) => a.clone(),
                other => return Err(err!(Type, "({name} …) wants numbers, got {other:?}")),
            }
        } else {
            num2(name, &acc, a, int, float)?
        };
    }
    Ok(acc)
}

fn divide(a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => Err(err!(Type, "(/ x 0): division by zero")),
        (Value::Int(x), Value::Int(y)) if x.checked_rem(*y) == Some(0) => x
            .checked_div(*y)
            .map(Value::Int)
            .ok_or_else(|| err!(Type, "(/ {x} {y}) overflows")),
        _ => {
            let (x, y) = (as_f64("/", a)?, as_f64("/", b)?);
            if y == 0.0 {
                return Err(err!(Type, "(/ x 0.0): division by zero"));
            }
            Ok(Value::float(x / y))
        }
    }
}
