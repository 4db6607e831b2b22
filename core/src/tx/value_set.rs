//! The values one (entity, attribute) holds during a transaction: a set, in value order, that
//! keeps a single value without a tree. Most slots a transaction touches hold one value (every
//! cardinality-one attribute), and a `BTreeSet` allocated a node for each of them.

use crate::Value;
use alloc::collections::{BTreeMap, BTreeSet};

/// A set of values in value order.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ValueSet {
    /// No value.
    #[default]
    Empty,
    /// One value.
    One(Value),
    /// Two or more values.
    Many(BTreeSet<Value>),
}

impl ValueSet {
    /// Adds `v` (nothing happens if it is there).
    pub fn insert(&mut self, v: Value) {
        match self {
            ValueSet::Empty => *self = ValueSet::One(v),
            ValueSet::One(x) if *x == v => {}
            ValueSet::One(_) => {
                if let ValueSet::One(x) = core::mem::take(self) {
                    *self = ValueSet::Many(BTreeSet::from([x, v]));
                }
            }
            ValueSet::Many(s) => {
                s.insert(v);
            }
        }
    }

    /// Removes `v` (nothing happens if it is absent).
    pub fn remove(&mut self, v: &Value) {
        match self {
            ValueSet::One(x) if x == v => *self = ValueSet::Empty,
            ValueSet::Many(s) => {
                s.remove(v);
            }
            _ => {}
        }
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        *self = ValueSet::Empty;
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: &Value) -> bool {
        match self {
            ValueSet::Empty => false,
            ValueSet::One(x) => x == v,
            ValueSet::Many(s) => s.contains(v),
        }
    }

    /// How many values the set holds.
    pub fn len(&self) -> usize {
        match self {
            ValueSet::Empty => 0,
            ValueSet::One(_) => 1,
            ValueSet::Many(s) => s.len(),
        }
    }

    /// Whether the set holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, in value order.
    pub fn iter(&self) -> impl Iterator<Item = &Value> {
        let (one, many) = match self {
            ValueSet::Empty => (None, None),
            ValueSet::One(x) => (Some(x), None),
            ValueSet::Many(s) => (None, Some(s.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

impl FromIterator<Value> for ValueSet {
    fn from_iter<I: IntoIterator<Item = Value>>(values: I) -> Self {
        let mut set = ValueSet::Empty;
        for v in values {
            set.insert(v);
        }
        set
    }
}

/// The values one (entity, attribute) held before the transaction, each with the transaction
/// that asserted it: a map in value order that keeps a single value without a tree (a
/// `BTreeMap` allocated a node for every slot loaded with one value).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Loaded {
    /// No value.
    #[default]
    Empty,
    /// One value and its transaction.
    One(Value, u64),
    /// Two or more.
    Many(BTreeMap<Value, u64>),
}

impl Loaded {
    /// Adds `v`, asserted by `tx` (a value already there keeps the later `tx`).
    pub fn insert(&mut self, v: Value, tx: u64) {
        match self {
            Loaded::Empty => *self = Loaded::One(v, tx),
            Loaded::One(x, t) if *x == v => *t = tx,
            Loaded::One(..) => {
                if let Loaded::One(x, t) = core::mem::take(self) {
                    *self = Loaded::Many(BTreeMap::from([(x, t), (v, tx)]));
                }
            }
            Loaded::Many(m) => {
                m.insert(v, tx);
            }
        }
    }

    /// Whether `v` is held.
    pub fn contains(&self, v: &Value) -> bool {
        match self {
            Loaded::Empty => false,
            Loaded::One(x, _) => x == v,
            Loaded::Many(m) => m.contains_key(v),
        }
    }

    /// The values with their transactions, in value order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, u64)> {
        let (one, many) = match self {
            Loaded::Empty => (None, None),
            Loaded::One(x, t) => (Some((x, *t)), None),
            Loaded::Many(m) => (None, Some(m.iter().map(|(v, t)| (v, *t)))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// The values alone, as a [`ValueSet`].
    pub fn values(&self) -> ValueSet {
        match self {
            Loaded::Empty => ValueSet::Empty,
            Loaded::One(x, _) => ValueSet::One(x.clone()),
            Loaded::Many(m) => ValueSet::Many(m.keys().cloned().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Loaded, ValueSet};
    use crate::Value;
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(i64),
        Remove(i64),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0i64..5).prop_map(Op::Insert),
            3 => (0i64..5).prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn loaded_behaves_as_a_btreemap(entries in prop::collection::vec((0i64..5, 0u64..3), 0..8)) {
            let mut loaded = Loaded::default();
            let mut model = alloc::collections::BTreeMap::new();
            for (v, tx) in entries {
                loaded.insert(Value::Int(v), tx);
                model.insert(Value::Int(v), tx);
            }
            prop_assert_eq!(loaded.iter().collect::<Vec<_>>(), model.iter().map(|(v, t)| (v, *t)).collect::<Vec<_>>());
            let values = loaded.values();
            prop_assert_eq!(values.iter().collect::<Vec<_>>(), model.keys().collect::<Vec<_>>());
            for i in 0..5 {
                prop_assert_eq!(loaded.contains(&Value::Int(i)), model.contains_key(&Value::Int(i)));
            }
        }

        #[test]
        fn behaves_as_a_btreeset(ops in prop::collection::vec(op(), 0..40)) {
            let mut set = ValueSet::default();
            let mut model = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Insert(i) => {
                        set.insert(Value::Int(i));
                        model.insert(Value::Int(i));
                    }
                    Op::Remove(i) => {
                        set.remove(&Value::Int(i));
                        model.remove(&Value::Int(i));
                    }
                    Op::Clear => {
                        set.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(set.len(), model.len());
                prop_assert_eq!(set.is_empty(), model.is_empty());
                prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().collect::<Vec<_>>());
                for i in 0..5 {
                    prop_assert_eq!(set.contains(&Value::Int(i)), model.contains(&Value::Int(i)));
                }
            }
        }
    }
}
