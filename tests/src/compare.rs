//! Comparing results as VECTORS.md "Comparing results" says.
//!
//! - Numbers: an integer equals only an integer; floats equal within a relative 1e-9.
//! - Sets as sets, maps as maps, vectors in order — except where a multiset is meant: the rows of a
//!   relation or collection find, aggregate collections, and inside pull/entity results the values of
//!   card-many attributes, reverse references and `:limit`ed attributes.
//! - In pull and entity results, a `:db/id` the expected map does not state is ignored.

use dfdb_core::schema::Schema;
use dfdb_core::Value;

/// How one find element's values compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As plain values.
    Plain,
    /// A collection whose order means nothing (aggregates like `distinct`, `collect`, `min n`).
    Multiset,
    /// A pull result (`(pull ?e pattern)`).
    Pull,
}

/// The shape of a query's result, from its `:find`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindShape {
    /// `:find ?a ?b`: a multiset of tuples.
    Relation(Vec<Mode>),
    /// `:find ?a ?b :keys a b`: a multiset of maps.
    Keyed,
    /// `:find [?a ...]`: a multiset of values.
    Collection(Mode),
    /// `:find [?a ?b]`: one tuple (or nil).
    Tuple(Vec<Mode>),
    /// `:find ?a .`: one value (or nil).
    Scalar(Mode),
}

fn kw(v: &Value, name: &str) -> bool {
    matches!(v, Value::Keyword(k) if k.as_str() == name)
}

fn sym(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.as_str() == name)
}

/// The query inside a step's query value (unwrapping `{:query Q :as-of …}`).
pub fn inner_query(q: &Value) -> &Value {
    match q {
        Value::Map(m) => m.get(&Value::kw("query")).unwrap_or(q),
        _ => q,
    }
}

/// The items of clause `name` (`:find`, `:in`, `:keys`, …) of a query in vector or map form.
pub fn clause<'q>(query: &'q Value, name: &str) -> Option<&'q [Value]> {
    match inner_query(query) {
        Value::Vector(items) | Value::List(items) => {
            let start = items.iter().position(|v| kw(v, name))? + 1;
            let rest = items.get(start..)?;
            let end = rest
                .iter()
                .position(|v| matches!(v, Value::Keyword(_)))
                .unwrap_or(rest.len());
            rest.get(..end)
        }
        Value::Map(m) => m.get(&Value::kw(name)).and_then(Value::as_seq),
        _ => None,
    }
}

fn mode_of(elem: &Value) -> Mode {
    let Value::List(items) = elem else {
        return Mode::Plain;
    };
    let head = items
        .first()
        .and_then(Value::as_symbol)
        .map(|s| s.as_str())
        .unwrap_or("");
    match head {
        "pull" => Mode::Pull,
        "distinct" | "collect" | "sample" | "rand" => Mode::Multiset,
        "min" | "max" if items.len() == 3 => Mode::Multiset,
        _ => Mode::Plain,
    }
}

/// The result shape of `query` (vector or map form), from its `:find`.
pub fn find_shape(query: &Value) -> FindShape {
    let find = clause(query, "find").unwrap_or(&[]);
    let keyed = ["keys", "strs", "syms"]
        .iter()
        .any(|k| clause(query, k).is_some());
    match find {
        [x, dot] if sym(dot, ".") => FindShape::Scalar(mode_of(x)),
        [Value::Vector(inner)] => match inner.as_slice() {
            [x, dots] if sym(dots, "...") => FindShape::Collection(mode_of(x)),
            elems => FindShape::Tuple(elems.iter().map(mode_of).collect()),
        },
        _ if keyed => FindShape::Keyed,
        elems => FindShape::Relation(elems.iter().map(mode_of).collect()),
    }
}

fn floats_equal(a: f64, b: f64) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn items(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Vector(xs) | Value::List(xs) => Some(xs.iter().collect()),
        Value::Set(xs) => Some(xs.iter().collect()),
        _ => None,
    }
}

/// Whether every expected item matches a distinct actual item (and the counts agree).
fn multiset<'a>(
    expected: &[&'a Value],
    actual: &[&'a Value],
    eq: &dyn Fn(&Value, &Value) -> bool,
) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut used = vec![false; actual.len()];
    'outer: for e in expected {
        for (i, a) in actual.iter().enumerate() {
            if !used[i] && eq(e, a) {
                used[i] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

fn ordered(expected: &[Value], actual: &[Value], eq: &dyn Fn(&Value, &Value) -> bool) -> bool {
    expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| eq(e, a))
}

/// Compares results with the database's schema at hand (to tell card-many pull values).
#[derive(Clone, Copy)]
pub struct Comparer<'s> {
    schema: &'s Schema,
}

impl<'s> Comparer<'s> {
    /// A comparer reading attribute cardinalities from `schema`.
    pub fn new(schema: &'s Schema) -> Self {
        Comparer { schema }
    }

    /// Plain values: numbers by kind and tolerance, sets as sets, maps as maps, sequences in order.
    pub fn plain(&self, e: &Value, a: &Value) -> bool {
        match (e, a) {
            (Value::Float(x), Value::Float(y)) => floats_equal(*x, *y),
            (Value::Int(x), Value::Ref(y)) | (Value::Ref(y), Value::Int(x)) => {
                u64::try_from(*x) == Ok(*y)
            }
            (Value::Vector(x) | Value::List(x), Value::Vector(y) | Value::List(y)) => {
                ordered(x, y, &|p, q| self.plain(p, q))
            }
            (Value::Set(x), Value::Set(y)) => multiset(
                &x.iter().collect::<Vec<_>>(),
                &y.iter().collect::<Vec<_>>(),
                &|p, q| self.plain(p, q),
            ),
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.get(k).is_some_and(|w| self.plain(v, w)))
            }
            _ => e == a,
        }
    }

    /// A pull or entity result (see the module docs).
    pub fn pull(&self, e: &Value, a: &Value) -> bool {
        let db_id = Value::kw("db/id");
        match (e, a) {
            (Value::Nil, Value::Map(m)) => m.keys().all(|k| *k == db_id),
            (Value::Map(x), Value::Map(y)) => {
                let extra_id = !x.contains_key(&db_id) && y.contains_key(&db_id);
                if x.len() + usize::from(extra_id) != y.len() {
                    return false;
                }
                x.iter().all(|(k, v)| match y.get(k) {
                    None => false,
                    Some(w) => match (v, w) {
                        (Value::Vector(_) | Value::List(_), Value::Vector(_) | Value::List(_))
                            if self.unordered_key(k) =>
                        {
                            self.as_multiset(v, w, &|p, q| self.pull(p, q))
                        }
                        _ => self.pull(v, w),
                    },
                })
            }
            (Value::Vector(x) | Value::List(x), Value::Vector(y) | Value::List(y)) => {
                ordered(x, y, &|p, q| self.pull(p, q))
            }
            (Value::Set(_), Value::Set(_)) => self.as_multiset(e, a, &|p, q| self.pull(p, q)),
            _ => self.plain(e, a),
        }
    }

    /// Whether a pull key's vector value is unordered: reverse refs, card-many attributes, and keys
    /// that are not attributes of the schema (aliases), which may be either.
    fn unordered_key(&self, k: &Value) -> bool {
        match k {
            Value::Keyword(k) if k.name().starts_with('_') => true,
            Value::Keyword(k) => self.schema.get(k).is_none_or(|attr| attr.is_many()),
            _ => true,
        }
    }

    fn as_multiset(&self, e: &Value, a: &Value, eq: &dyn Fn(&Value, &Value) -> bool) -> bool {
        match (items(e), items(a)) {
            (Some(x), Some(y)) => multiset(&x, &y, eq),
            _ => false,
        }
    }

    /// One value compared in `mode`.
    pub fn by_mode(&self, mode: Mode, e: &Value, a: &Value) -> bool {
        match mode {
            Mode::Plain => self.plain(e, a),
            Mode::Pull => self.pull(e, a),
            Mode::Multiset => self.as_multiset(e, a, &|p, q| self.plain(p, q)) || self.plain(e, a),
        }
    }

    fn tuple(&self, modes: &[Mode], e: &Value, a: &Value) -> bool {
        match (e.as_seq(), a.as_seq()) {
            (Some(x), Some(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y).enumerate().all(|(i, (p, q))| {
                        self.by_mode(modes.get(i).copied().unwrap_or(Mode::Plain), p, q)
                    })
            }
            _ => false,
        }
    }

    /// A query result of the given shape.
    pub fn query(&self, shape: &FindShape, e: &Value, a: &Value) -> bool {
        match shape {
            FindShape::Relation(modes) => self.as_multiset(e, a, &|p, q| self.tuple(modes, p, q)),
            FindShape::Keyed => self.as_multiset(e, a, &|p, q| self.plain(p, q)),
            FindShape::Collection(mode) => {
                self.as_multiset(e, a, &|p, q| self.by_mode(*mode, p, q))
            }
            FindShape::Tuple(modes) => (e.is_nil() && a.is_nil()) || self.tuple(modes, e, a),
            FindShape::Scalar(mode) => (e.is_nil() && a.is_nil()) || self.by_mode(*mode, e, a),
        }
    }

    /// Diffs and subscription states: sets of result tuples, compared as sets.
    pub fn rows(&self, e: &Value, a: &Value) -> bool {
        self.as_multiset(e, a, &|p, q| self.plain(p, q))
    }
}
