//! [`SortedSet`]: the set inside [`Value::Set`], its elements in one sorted vector.
//!
//! Most sets are built once and then read: a query's result, an EDN `#{…}`, a decoded value. A
//! `BTreeSet` built from a vector sorts it and compares every element with its neighbour again,
//! even when the vector is in order already; for a query result of 10,000 tuples those two
//! passes (each a pointer chase into every tuple) were a fifth of a predicate query's time. A
//! result the query engine has sorted itself becomes the set as it is.

use super::Value;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::fmt;

/// A set of values in [`Value`] order: a vector sorted without duplicates.
///
/// Membership is a binary search; inserting one element shifts the ones after it, so build
/// large sets by collecting.
///
/// ```
/// use dfdb_core::{value::SortedSet, Value};
/// let s: SortedSet = [Value::Int(3), Value::Int(1), Value::Int(3)].into_iter().collect();
/// assert_eq!(s.len(), 2);
/// assert!(s.contains(&Value::Int(1)));
/// assert_eq!(s.iter().collect::<Vec<_>>(), [&Value::Int(1), &Value::Int(3)]);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedSet(Vec<Value>);

impl SortedSet {
    /// The empty set.
    pub const fn new() -> Self {
        SortedSet(Vec::new())
    }

    /// The set of `items`, which are in ascending order with no two equal. The caller has sorted
    /// them (checked in debug builds only: checking is the pass this saves).
    pub(crate) fn from_sorted_unique(items: Vec<Value>) -> Self {
        debug_assert!(
            items.windows(2).all(|w| w[0] < w[1]),
            "not sorted and unique"
        );
        SortedSet(items)
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> core::slice::Iter<'_, Value> {
        self.0.iter()
    }

    /// The elements in ascending order, as a slice.
    pub fn as_slice(&self) -> &[Value] {
        &self.0
    }

    /// Whether `v` is an element.
    pub fn contains(&self, v: &Value) -> bool {
        self.0.binary_search(v).is_ok()
    }

    /// The least element.
    pub fn first(&self) -> Option<&Value> {
        self.0.first()
    }

    /// The greatest element.
    pub fn last(&self) -> Option<&Value> {
        self.0.last()
    }

    /// Adds `v`; false if it was there already.
    pub fn insert(&mut self, v: Value) -> bool {
        // Ascending insertions (the commonest) append.
        if self.0.last().is_none_or(|last| *last < v) {
            self.0.push(v);
            return true;
        }
        match self.0.binary_search(&v) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, v);
                true
            }
        }
    }

    /// Removes `v`; false if it was not there.
    pub fn remove(&mut self, v: &Value) -> bool {
        match self.0.binary_search(v) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }
}

impl FromIterator<Value> for SortedSet {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        let mut items: Vec<Value> = iter.into_iter().collect();
        // Equal values are indistinguishable, so an unstable sort loses nothing.
        items.sort_unstable();
        items.dedup();
        SortedSet(items)
    }
}

impl Extend<Value> for SortedSet {
    fn extend<I: IntoIterator<Item = Value>>(&mut self, iter: I) {
        let before = self.0.len();
        self.0.extend(iter);
        if self.0.len() > before {
            self.0.sort_unstable();
            self.0.dedup();
        }
    }
}

impl From<BTreeSet<Value>> for SortedSet {
    fn from(set: BTreeSet<Value>) -> Self {
        // A `BTreeSet<Value>` iterates in the same order, without duplicates.
        SortedSet(set.into_iter().collect())
    }
}

impl<const N: usize> From<[Value; N]> for SortedSet {
    fn from(items: [Value; N]) -> Self {
        items.into_iter().collect()
    }
}

impl IntoIterator for SortedSet {
    type Item = Value;
    type IntoIter = alloc::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a SortedSet {
    type Item = &'a Value;
    type IntoIter = core::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Debug for SortedSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every operation agrees with `BTreeSet`'s, and the order between sets is the one
        /// `Value::Set` had with `BTreeSet` (element by element, then length).
        #[test]
        fn agrees_with_btreeset(
            xs in prop::collection::vec(-20i64..20, 0..40),
            ys in prop::collection::vec(-20i64..20, 0..40),
            probes in prop::collection::vec(-22i64..22, 0..20),
        ) {
            let vals = |v: &[i64]| v.iter().map(|i| Value::Int(*i)).collect::<Vec<_>>();
            let mut model: BTreeSet<Value> = vals(&xs).into_iter().collect();
            let mut set: SortedSet = vals(&xs).into_iter().collect();
            prop_assert!(set.iter().eq(model.iter()));
            let other: BTreeSet<Value> = vals(&ys).into_iter().collect();
            prop_assert_eq!(
                set.cmp(&SortedSet::from(other.clone())),
                model.iter().cmp(other.iter())
            );
            for p in vals(&probes) {
                prop_assert_eq!(set.contains(&p), model.contains(&p));
                if p.clone() < Value::Int(0) {
                    prop_assert_eq!(set.remove(&p), model.remove(&p));
                } else {
                    prop_assert_eq!(set.insert(p.clone()), model.insert(p));
                }
                prop_assert!(set.iter().eq(model.iter()));
            }
            set.extend(vals(&ys));
            model.extend(vals(&ys));
            prop_assert!(set.iter().eq(model.iter()));
            prop_assert_eq!(set.first(), model.first());
            prop_assert_eq!(set.last(), model.last());
            prop_assert_eq!(set.len(), model.len());
        }
    }
}
