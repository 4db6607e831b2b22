//! [`Finger`]: where the last visit of a [`Tree`] ended, so that the next one starts from there.
//!
//! A query that joins a pattern per row probes one index once per row, usually in key order (rows
//! bound in entity order probe `EAVT` in entity order). Each probe from the root binary-searches
//! every level; most of those nodes are out of cache (an index of 100,000 entries is megabytes),
//! so a probe cost about a dozen cache misses, and the probes were most of such a query's time.
//! From a finger, a probe climbs only as far as the span that holds its key (usually the current
//! leaf's parent, just read) and descends from there.

use super::{read_leaf, Inner, Key, Leaf, Node, Probe, Tree};
use crate::storage::Visitor;
use crate::Result;
use alloc::vec::Vec;

/// A position in one [`Tree`], kept between visits of it ([`Tree::visit_near`]).
#[derive(Default)]
pub struct Finger<'t> {
    /// The inner nodes from the root down to the current leaf's parent.
    path: Vec<Level<'t>>,
    /// The current leaf (`None`: no visit yet).
    leaf: Option<&'t Leaf>,
}

/// An inner node on the path, the bounds of its own span, and the child taken.
struct Level<'t> {
    inner: &'t Inner,
    lo: Option<&'t Key>,
    hi: Option<&'t Key>,
    at: usize,
}

impl<'t> Level<'t> {
    /// The bounds of the child taken: its keys are at or above the first and below the second
    /// (`None`: unbounded).
    fn child_span(&self) -> (Option<&'t Key>, Option<&'t Key>) {
        let seps = &self.inner.seps;
        let lo = match self.at {
            0 => self.lo,
            i => seps.get(i - 1),
        };
        let hi = if self.at == seps.len() {
            self.hi
        } else {
            seps.get(self.at)
        };
        (lo, hi)
    }
}

fn holds(lo: Option<&Key>, hi: Option<&Key>, key: &Key) -> bool {
    lo.is_none_or(|lo| lo <= key) && hi.is_none_or(|hi| key < hi)
}

impl<'t> Finger<'t> {
    /// Moves to the leaf that holds `key`: up the path to the first span that holds it, then
    /// down by binary search.
    fn seek(&mut self, root: &'t Node, key: &Key) -> &'t Leaf {
        if self.leaf.is_some() {
            while let Some(level) = self.path.last() {
                let (lo, hi) = level.child_span();
                if holds(lo, hi, key) {
                    break;
                }
                self.path.pop();
            }
        } else {
            self.path.clear();
        }
        let probe = Probe::new(key);
        let (mut node, (mut lo, mut hi)) = match self.path.last() {
            Some(level) => (&level.inner.kids[level.at], level.child_span()),
            None => (root, (None, None)),
        };
        loop {
            match node {
                Node::Inner(inner) => {
                    let at = inner.child_of(probe);
                    let level = Level { inner, lo, hi, at };
                    (lo, hi) = level.child_span();
                    self.path.push(level);
                    node = &inner.kids[at];
                }
                Node::Leaf(entries) => {
                    self.leaf = Some(entries);
                    return entries;
                }
            }
        }
    }

    /// Moves to the next leaf; `None` after the last.
    fn next_leaf(&mut self) -> Option<&'t Leaf> {
        let mut node = loop {
            let level = self.path.last_mut()?;
            if level.at + 1 < level.inner.kids.len() {
                level.at += 1;
                break &level.inner.kids[level.at];
            }
            self.path.pop();
        };
        loop {
            let (lo, hi) = self.path.last().map_or((None, None), |l| l.child_span());
            match node {
                Node::Inner(inner) => {
                    self.path.push(Level {
                        inner,
                        lo,
                        hi,
                        at: 0,
                    });
                    node = &inner.kids[0];
                }
                Node::Leaf(entries) => {
                    self.leaf = Some(entries);
                    return Some(entries);
                }
            }
        }
    }

    /// The upper bound of the current leaf's span (`None`: unbounded).
    fn leaf_hi(&self) -> Option<&'t Key> {
        self.path.last().and_then(|l| l.child_span().1)
    }
}

impl Tree {
    /// [`Tree::visit`], starting from where `finger` was left by the previous visit of this tree
    /// (the finger must not have been used on another tree), and leaving it where this one ends.
    /// Costs what `visit` does for the first call, and for a start far from the last; a start
    /// near the last one skips most of the descent.
    pub fn visit_near<'t>(
        &'t self,
        finger: &mut Finger<'t>,
        start: &Key,
        end: Option<&Key>,
        f: &mut Visitor<'_>,
    ) -> Result<bool> {
        let mut leaf = finger.seek(&self.root, start);
        let mut from = leaf.partition_point(|e| e.0 < *start);
        loop {
            if !read_leaf(leaf, from, end, finger.leaf_hi(), f)? {
                return Ok(false);
            }
            match finger.next_leaf() {
                Some(next) => {
                    leaf = next;
                    from = 0;
                }
                None => return Ok(true),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory_value::Bytes;
    use alloc::collections::BTreeMap;
    use proptest::prelude::*;

    fn key(k: u16) -> Key {
        Key::new(k.to_be_bytes().to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Visits from one finger, in any order (mostly ascending, as a query's probes are), see
        /// what plain visits see, stop where told, and say the same about reaching the end.
        #[test]
        fn finger_visits_agree_with_visits(
            keys in proptest::collection::vec(0u16..4000, 0..3000),
            removed in proptest::collection::vec(0u16..4000, 0..1500),
            probes in proptest::collection::vec(
                (0u16..4100, 0u16..200, 1usize..40, any::<bool>()), 1..200),
        ) {
            let mut t = Tree::default();
            let mut m = BTreeMap::new();
            for k in keys {
                t.insert(key(k), Bytes::new(&[k as u8]));
                m.insert(k, ());
            }
            // Removals leave separators whose keys are gone, and merged nodes.
            for k in removed {
                prop_assert_eq!(t.remove(&key(k)), m.remove(&k).is_some());
            }
            let mut finger = Finger::default();
            let mut at = 0u16;
            for (s, width, limit, jump) in probes {
                // Mostly a little above the last start; sometimes anywhere.
                let start = if jump { s } else { at.saturating_add(s % 50) };
                at = start;
                let end = (width > 0).then(|| start.saturating_add(width));
                let mut near = Vec::new();
                let near_end = t.visit_near(&mut finger, &key(start), end.map(key).as_ref(), &mut |k, _| {
                    near.push(k.to_vec());
                    Ok(near.len() < limit)
                }).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
                let mut plain = Vec::new();
                let plain_end = t.visit(&key(start), end.map(key).as_ref(), &mut |k, _| {
                    plain.push(k.to_vec());
                    Ok(plain.len() < limit)
                }).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
                let want: Vec<Vec<u8>> = m
                    .range(start..end.unwrap_or(u16::MAX).max(start))
                    .chain(m.range(u16::MAX..).filter(|_| end.is_none()))
                    .map(|(k, _)| k.to_be_bytes().to_vec())
                    .take(limit)
                    .collect();
                prop_assert_eq!(&near, &want);
                prop_assert_eq!(&plain, &want);
                prop_assert_eq!(near_end, plain_end);
            }
        }
    }
}
