//! The value model: every value a datom, a query or an EDN text can hold.
//!
//! Equality, hashing and the total order are defined here once; the codec's byte order and every
//! sorted structure in the database follow this order.
//!
//! # Order
//! Values of different kinds order by kind, in this sequence: nil, bool, number, instant, string,
//! char, keyword, symbol, uuid, bytes, ref, vector, list, set, map. Numbers (`Int` and `Float`) share
//! one kind and order by numeric value, exactly (no `i64` is squeezed through `f64`); when an `Int`
//! and a `Float` are numerically equal the `Int` comes first, so `1` and `1.0` stay different values.
//! Among floats `-0.0 < 0.0`, and NaN (one canonical NaN, see [`Value::float`]) is the greatest number.
//!
//! ```
//! use dfdb_core::Value;
//! assert!(Value::Int(1) < Value::Float(1.5));
//! assert!(Value::Int(1) < Value::Float(1.0));
//! assert_ne!(Value::Int(1), Value::Float(1.0));
//! assert!(Value::Nil < Value::Bool(false));
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};

mod sorted_set;
pub use sorted_set::SortedSet;

/// A keyword such as `:person/name` (stored without the colon).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Keyword(Arc<str>);

/// A symbol such as `?e` or `str/starts-with?`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(Arc<str>);

macro_rules! named {
    ($t:ident) => {
        impl $t {
            /// Makes one from its full text, namespace included (`"person/name"`).
            pub fn new(full: &str) -> Self {
                $t(Arc::from(full))
            }

            /// Makes one from an optional namespace and a name.
            pub fn with_ns(ns: Option<&str>, name: &str) -> Self {
                match ns {
                    Some(ns) => {
                        let mut s = String::with_capacity(ns.len() + 1 + name.len());
                        s.push_str(ns);
                        s.push('/');
                        s.push_str(name);
                        $t(Arc::from(s.as_str()))
                    }
                    None => $t(Arc::from(name)),
                }
            }

            /// The full text, namespace included, without any sigil.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The part before the first `/`, if there is one (a lone `/` has no namespace).
            pub fn namespace(&self) -> Option<&str> {
                match self.0.find('/') {
                    Some(i) if i > 0 && i + 1 < self.0.len() => self.0.get(..i),
                    _ => None,
                }
            }

            /// The part after the namespace.
            pub fn name(&self) -> &str {
                match self.namespace() {
                    Some(ns) => self.0.get(ns.len() + 1..).unwrap_or(""),
                    None => &self.0,
                }
            }
        }
    };
}
named!(Keyword);
named!(Symbol);

/// The canonical text (`8-4-4-4-12` lowercase hex digits), as Clojure's `str` shows a UUID.
impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = |shift: u32, width: usize| {
            let mask = (1u128 << (width * 4)) - 1;
            (self.get() >> shift) & mask
        };
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            h(96, 8),
            h(80, 4),
            h(64, 4),
            h(48, 4),
            h(0, 12)
        )
    }
}

impl fmt::Debug for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":{}", self.0)
    }
}
impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UUID, ordered as its 128-bit big-endian number.
///
/// Two `u64` halves rather than a `u128`: a `u128` would give every [`Value`] 16-byte alignment,
/// and in WebAssembly each allocation of values (rows, tuples) would then take the allocator's
/// slow aligned path.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Uuid {
    hi: u64,
    lo: u64,
}

// See [`Uuid`]: values stay 8-byte aligned.
const _: () = assert!(core::mem::align_of::<Value>() <= 8);

impl Uuid {
    /// The UUID of this 128-bit number.
    ///
    /// ```
    /// use dfdb_core::value::Uuid;
    /// assert_eq!(Uuid::new(42).get(), 42);
    /// ```
    pub const fn new(n: u128) -> Self {
        Uuid {
            hi: (n >> 64) as u64,
            lo: n as u64,
        }
    }

    /// The UUID as a 128-bit number.
    pub const fn get(self) -> u128 {
        (self.hi as u128) << 64 | self.lo as u128
    }
}

/// A database value. See the module docs for its order. `Debug` and `Display` both print EDN.
#[derive(Clone)]
pub enum Value {
    /// `nil`: the absence of a value (never stored in a datom).
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float. NaN is canonical: build floats with [`Value::float`].
    Float(f64),
    /// An instant: milliseconds since the Unix epoch (negative before 1970).
    Inst(i64),
    /// A UTF-8 string.
    Str(Arc<str>),
    /// A character (EDN `\a`).
    Char(char),
    /// A keyword.
    Keyword(Keyword),
    /// A symbol.
    Symbol(Symbol),
    /// A UUID.
    Uuid(Uuid),
    /// Raw bytes.
    Bytes(Arc<[u8]>),
    /// A reference to an entity by id.
    Ref(u64),
    /// A vector (also: tuples, and vector values that `:db/conj` appends to).
    Vector(Vec<Value>),
    /// A list (EDN `( … )`, as in query expressions).
    List(Vec<Value>),
    /// A set.
    Set(SortedSet),
    /// A map (also: map values that `:db/assoc` updates).
    Map(BTreeMap<Value, Value>),
}

/// The canonical NaN: the one bit pattern a NaN float is stored and encoded as.
pub const CANONICAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0000;

impl Value {
    /// A float value, with every NaN replaced by the one canonical NaN.
    pub fn float(f: f64) -> Value {
        if f.is_nan() {
            Value::Float(f64::from_bits(CANONICAL_NAN_BITS))
        } else {
            Value::Float(f)
        }
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A keyword value from its full text without the colon: `Value::kw("person/name")`.
    pub fn kw(s: &str) -> Value {
        Value::Keyword(Keyword::new(s))
    }

    /// A symbol value.
    pub fn sym(s: &str) -> Value {
        Value::Symbol(Symbol::new(s))
    }

    /// The rank of this value's kind in the cross-kind order.
    pub fn kind_rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 2,
            Value::Inst(_) => 3,
            Value::Str(_) => 4,
            Value::Char(_) => 5,
            Value::Keyword(_) => 6,
            Value::Symbol(_) => 7,
            Value::Uuid(_) => 8,
            Value::Bytes(_) => 9,
            Value::Ref(_) => 10,
            Value::Vector(_) => 11,
            Value::List(_) => 12,
            Value::Set(_) => 13,
            Value::Map(_) => 14,
        }
    }

    /// A short name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "long",
            Value::Float(_) => "double",
            Value::Inst(_) => "instant",
            Value::Str(_) => "string",
            Value::Char(_) => "char",
            Value::Keyword(_) => "keyword",
            Value::Symbol(_) => "symbol",
            Value::Uuid(_) => "uuid",
            Value::Bytes(_) => "bytes",
            Value::Ref(_) => "ref",
            Value::Vector(_) => "vector",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
        }
    }

    /// The keyword, if this is one.
    pub fn as_keyword(&self) -> Option<&Keyword> {
        match self {
            Value::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The symbol, if this is one.
    pub fn as_symbol(&self) -> Option<&Symbol> {
        match self {
            Value::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a vector or list.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Vector(v) | Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Clojure truthiness: everything but `nil` and `false` is true.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
}

/// Compares an integer with a non-NaN-checked float by exact numeric value, ints first on ties.
fn cmp_int_float(i: i64, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Less;
    }
    // 2^63 as f64 is exact; floats at or beyond it are outside i64's range.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Ordering::Less;
    }
    if f < -TWO_63 {
        return Ordering::Greater;
    }
    // |f| < 2^63: truncation toward zero is exact and fits in i64.
    let t = f as i64;
    match i.cmp(&t) {
        Ordering::Equal => {
            let frac = f - t as f64;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                // Numerically equal: the integer sorts first.
                Ordering::Less
            }
        }
        o => o,
    }
}

/// Total order on floats: -inf < … < -0.0 < 0.0 < … < inf < NaN (every NaN equal).
fn cmp_float(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.total_cmp(&b),
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        use Value::*;
        match (self, other) {
            (Nil, Nil) => Ordering::Equal,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => cmp_float(*a, *b),
            (Int(a), Float(b)) => cmp_int_float(*a, *b),
            (Float(a), Int(b)) => cmp_int_float(*b, *a).reverse(),
            (Inst(a), Inst(b)) => a.cmp(b),
            (Str(a), Str(b)) => a.cmp(b),
            (Char(a), Char(b)) => a.cmp(b),
            (Keyword(a), Keyword(b)) => a.cmp(b),
            (Symbol(a), Symbol(b)) => a.cmp(b),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Ref(a), Ref(b)) => a.cmp(b),
            (Vector(a), Vector(b)) | (List(a), List(b)) => a.cmp(b),
            (Set(a), Set(b)) => a.cmp(b),
            (Map(a), Map(b)) => a.iter().cmp(b.iter()),
            (a, b) => a.kind_rank().cmp(&b.kind_rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with Eq: Int and Float are never equal, and equal floats have equal bits
        // (NaN is canonical, -0.0 and 0.0 are distinct values).
        if let Value::Int(i) | Value::Inst(i) = self {
            // The commonest key (entity ids, numbers) in one write: the kind would be a second
            // hashing round (a 128-bit multiply, emulated in wasm). An instant and a long of the
            // same number share a hash, which only equal values must.
            state.write_i64(*i);
            return;
        }
        core::mem::discriminant(self).hash(state);
        match self {
            Value::Nil => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(_) | Value::Inst(_) => {}
            Value::Float(f) => {
                let bits = if f.is_nan() {
                    CANONICAL_NAN_BITS
                } else {
                    f.to_bits()
                };
                bits.hash(state)
            }
            Value::Str(s) => s.hash(state),
            Value::Char(c) => c.hash(state),
            Value::Keyword(k) => k.hash(state),
            Value::Symbol(s) => s.hash(state),
            Value::Uuid(u) => u.hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Ref(r) => r.hash(state),
            Value::Vector(v) | Value::List(v) => v.hash(state),
            Value::Set(s) => {
                s.len().hash(state);
                s.iter().for_each(|v| v.hash(state));
            }
            Value::Map(m) => {
                m.len().hash(state);
                m.iter().for_each(|(k, v)| {
                    k.hash(state);
                    v.hash(state)
                });
            }
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::float(f)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(Arc::from(s.as_str()))
    }
}
impl From<Keyword> for Value {
    fn from(k: Keyword) -> Self {
        Value::Keyword(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_order_by_value_across_kinds() {
        let big = (1i64 << 53) + 1;
        assert!(Value::Int(big) > Value::Float((1i64 << 53) as f64));
        assert!(Value::Int(i64::MAX) < Value::Float(9.3e18));
        assert!(Value::Int(i64::MIN) == Value::Int(i64::MIN));
        assert!(Value::Int(i64::MIN) > Value::Float(f64::NEG_INFINITY));
        assert!(Value::Int(i64::MIN) > Value::Float(-9.3e18));
        assert!(Value::Int(-1) > Value::Float(-1.5));
        assert!(Value::Int(-2) < Value::Float(-1.5));
        assert!(Value::Int(0) < Value::Float(-0.0));
        assert!(Value::Float(-0.0) < Value::Float(0.0));
        assert!(Value::float(f64::NAN) > Value::Float(f64::INFINITY));
        assert!(Value::float(f64::NAN) > Value::Int(i64::MAX));
        assert_eq!(Value::float(f64::NAN), Value::float(-f64::NAN));
    }

    #[test]
    fn kinds_order_by_rank() {
        let vals = [
            Value::Nil,
            Value::Bool(true),
            Value::Int(5),
            Value::Inst(0),
            Value::str(""),
            Value::Char('a'),
            Value::kw("a"),
            Value::sym("a"),
            Value::Uuid(Uuid::new(0)),
            Value::Bytes(Arc::from(&[][..])),
            Value::Ref(1),
            Value::Vector(Vec::new()),
            Value::List(Vec::new()),
            Value::Set(SortedSet::new()),
            Value::Map(BTreeMap::new()),
        ];
        for w in vals.windows(2) {
            assert!(w[0] < w[1], "{:?} < {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn keyword_parts() {
        let k = Keyword::new("person/name");
        assert_eq!(k.namespace(), Some("person"));
        assert_eq!(k.name(), "name");
        let k = Keyword::new("name");
        assert_eq!(k.namespace(), None);
        assert_eq!(Keyword::new("/").name(), "/");
    }
}
