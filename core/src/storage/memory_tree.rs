//! The sorted map behind [`super::MemoryStorage`]: a B+ tree whose leaves hold up to
//! [`LEAF_CAP`] entries (in deques) and inner nodes up to [`INNER_CAP`] children, searched by
//! binary search.
//!
//! It replaced `alloc::collections::BTreeMap`, whose nodes hold 11 keys searched one by one: a
//! seek into a key space of 100,000 entries compared about forty keys, and most of a transaction's
//! writes are the worst case, appends (a new entity's and a new transaction's keys sort last).
//! Here a seek compares about eighteen, and a node that appends fill (at the end of its parent's
//! span) is left full instead of split in half.

mod finger;
mod seps;

pub use finger::Finger;
use seps::{Probe, Seps};

use super::memory_key::Key;
use super::memory_value::Bytes;
use super::Visitor;
use crate::Result;
use alloc::collections::{vec_deque, VecDeque};
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::mem;

/// The most entries a leaf holds. Small enough that a binary search in a leaf not in cache touches
/// few lines (a wide leaf slowed pulls of scattered entities), large enough for few splits.
const LEAF_CAP: usize = 32;
/// The most children an inner node holds (inner nodes are few, and mostly in cache).
const INNER_CAP: usize = 64;

type Entry = (Key, Bytes);

/// A leaf's entries, in key order. A deque: removing the first entry (a retraction of the oldest
/// entity's datoms) or adding a last one costs no shift, and any other insertion or removal shifts
/// the shorter side.
type Leaf = VecDeque<Entry>;

/// An ordered map from [`Key`] to bytes.
#[derive(Clone, Default)]
pub struct Tree {
    root: Node,
    len: usize,
}

#[derive(Clone)]
enum Node {
    Leaf(Leaf),
    Inner(Inner),
}

impl Default for Node {
    fn default() -> Self {
        Node::Leaf(Leaf::new())
    }
}

/// `kids.len() == seps.len() + 1`, and the keys under `kids[i]` are at or above `seps[i - 1]` and
/// below `seps[i]`. Every leaf sits at the same depth.
#[derive(Clone)]
struct Inner {
    seps: Seps,
    kids: Vec<Node>,
}

impl Tree {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`.
    pub fn get(&self, key: &Key) -> Option<&Bytes> {
        let probe = Probe::new(key);
        let mut node = &self.root;
        loop {
            match node {
                Node::Inner(inner) => node = &inner.kids[inner.child_of(probe)],
                Node::Leaf(entries) => {
                    return search(entries, key)
                        .ok()
                        .and_then(|i| entries.get(i))
                        .map(|e| &e.1);
                }
            }
        }
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: Key, value: Bytes) {
        let head = key.head();
        let (added, split) = insert(&mut self.root, key, head, value, true);
        self.len += usize::from(added);
        if let Some((sep, right)) = split {
            let left = mem::take(&mut self.root);
            let mut seps = Seps::with_capacity(INNER_CAP);
            seps.push(sep);
            self.root = Node::Inner(Inner {
                seps,
                kids: vec![left, right],
            });
        }
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&mut self, key: &Key) -> bool {
        let removed = remove(&mut self.root, Probe::new(key));
        self.len -= usize::from(removed);
        if let Node::Inner(inner) = &mut self.root {
            if inner.kids.len() == 1 {
                if let Some(only) = inner.kids.pop() {
                    self.root = only;
                }
            }
        }
        removed
    }

    /// Calls `f` on the entries from `start` (inclusive) to `end` (exclusive; `None`: to the
    /// last), in key order, until it returns false. Returns false if the visit stopped there (`f`
    /// said so, or the end was reached), true if it read to the map's end.
    pub fn visit(&self, start: &Key, end: Option<&Key>, f: &mut Visitor<'_>) -> Result<bool> {
        visit(&self.root, Some(Probe::new(start)), end, None, f)
    }

    /// The entries from `start` (inclusive) to `end` (exclusive; `None`: to the last), in key
    /// order, or in reverse order when `forward` is false.
    pub fn range(&self, start: &Key, end: Option<&Key>, forward: bool) -> Range<'_> {
        let mut range = Range {
            path: Vec::new(),
            entries: vec_deque::Iter::default(),
            far: if forward {
                end.cloned()
            } else {
                Some(start.clone())
            },
            forward,
            last_leaf: false,
        };
        let probe = Probe::new(if forward { start } else { end.unwrap_or(start) });
        let mut node = &self.root;
        loop {
            match node {
                Node::Inner(inner) => {
                    let i = match (forward, end) {
                        (true, _) => inner.child_of(probe),
                        (false, Some(_)) => inner.seps.below(probe),
                        (false, None) => inner.kids.len() - 1,
                    };
                    range.path.push((inner, i));
                    node = &inner.kids[i];
                }
                Node::Leaf(entries) => {
                    let (from, to) = match (forward, end) {
                        (true, _) => (entries.partition_point(|e| e.0 < *start), entries.len()),
                        (false, Some(end)) => (0, entries.partition_point(|e| e.0 < *end)),
                        (false, None) => (0, entries.len()),
                    };
                    range.enter(entries, from, to);
                    return range;
                }
            }
        }
    }
}

/// Calls `f` on the entries of `node` at or above `start` (`None`: all) and below `end`, in order,
/// until it returns false; returns false then, or at `end`. `hi` bounds the node's keys from
/// above (`None`: unbounded). Recursive, to the tree's depth: a visit (every index probe of a
/// query) allocates nothing, where [`Range`] keeps a path.
fn visit(
    node: &Node,
    start: Option<Probe<'_>>,
    end: Option<&Key>,
    hi: Option<&Key>,
    f: &mut Visitor<'_>,
) -> Result<bool> {
    match node {
        Node::Leaf(entries) => {
            let from = start.map_or(0, |s| entries.partition_point(|e| e.0 < *s.key));
            read_leaf(entries, from, end, hi, f)
        }
        Node::Inner(inner) => {
            let first = start.map_or(0, |s| inner.child_of(s));
            for (j, kid) in inner.kids.iter().enumerate().skip(first) {
                // A child whose keys all lie at or past `end` is not entered: its leaf is likely
                // out of cache.
                if j > first && end.is_some_and(|end| inner.seps.get(j - 1) >= Some(end)) {
                    return Ok(false);
                }
                // Only the first child visited holds keys below `start`.
                let kid_hi = inner.seps.get(j).or(hi);
                if !visit(kid, start.filter(|_| j == first), end, kid_hi, f)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
    }
}

/// Calls `f` on the entries of `leaf` from `from` on that lie below `end`, until it returns false.
/// `hi` bounds the leaf's keys from above (`None`: unbounded). Returns false if the visit stops
/// here (`f` said so, or the end was reached), true if later leaves may hold more of the range.
fn read_leaf(
    leaf: &Leaf,
    from: usize,
    end: Option<&Key>,
    hi: Option<&Key>,
    f: &mut Visitor<'_>,
) -> Result<bool> {
    // A leaf whose span lies below the end is read whole; otherwise the end is looked for among
    // the entries read, not by a binary search (nor by a look at the last entry): a short read (a
    // pull's entity) of a leaf out of cache then touches only its lines.
    let whole = end.is_none_or(|end| hi.is_some_and(|hi| hi <= end));
    for (k, v) in leaf.range(from..) {
        if !whole && end.is_some_and(|end| *k >= *end) {
            return Ok(false);
        }
        if !f(k.bytes(), v.as_slice())? {
            return Ok(false);
        }
    }
    // Read to the leaf's end: later leaves hold keys at or above `hi`.
    Ok(match (end, hi) {
        (Some(end), Some(hi)) => hi < end,
        _ => true,
    })
}

impl Node {
    /// The most entries (leaf) or children (inner node) this node holds.
    fn cap(&self) -> usize {
        match self {
            Node::Leaf(_) => LEAF_CAP,
            Node::Inner(_) => INNER_CAP,
        }
    }

    fn len(&self) -> usize {
        match self {
            Node::Leaf(entries) => entries.len(),
            Node::Inner(inner) => inner.kids.len(),
        }
    }

    /// Appends `right`, the neighbour above `sep`, to this node (both at the same depth).
    fn absorb(&mut self, sep: Key, right: Node) {
        match (self, right) {
            (Node::Leaf(left), Node::Leaf(mut right)) => left.append(&mut right),
            (Node::Inner(left), Node::Inner(mut right)) => {
                left.seps.push(sep);
                left.seps.append(&mut right.seps);
                left.kids.append(&mut right.kids);
            }
            _ => unreachable!("B+ tree leaves all sit at one depth"),
        }
    }
}

impl Inner {
    /// The child whose span holds `key`, for a read or a removal: a plain binary search (a node
    /// out of cache costs a line per separator looked at).
    fn child_of(&self, p: Probe<'_>) -> usize {
        self.seps.at_or_below(p)
    }

    /// The child whose span holds `key`, for an insertion: past the last separator first, where
    /// appends, the commonest insertion, end.
    fn child_for_insert(&self, p: Probe<'_>) -> usize {
        let n = self.seps.len();
        match self.seps.last() {
            Some(last) if last <= p.key => n,
            _ => self.seps.at_or_below(p),
        }
    }

    /// Splits off the upper part into a new node; returns the separator between the two and the
    /// new node. `at` is where (see [`split_point`]).
    fn split(&mut self, at: usize) -> (Key, Node) {
        let kids = moved(&mut self.kids, at);
        let seps = self.seps.split_off(at, INNER_CAP);
        // `seps[at - 1]`, now the last one left here, separates the two halves.
        let Some(up) = self.seps.pop() else {
            unreachable!("an inner node that overflowed has separators on both sides of `at`")
        };
        (up, Node::Inner(Inner { seps, kids }))
    }

    /// After a removal under `kids[i]`: if that child holds less than a quarter of its capacity,
    /// merges it with a neighbour when the two fit in one node. (So an empty leaf always goes,
    /// unless it is its parent's only child: then it stays, empty, until that parent merges.)
    fn rebalance(&mut self, i: usize) {
        if self.kids[i].len() >= self.kids[i].cap() / 4 || self.kids.len() < 2 {
            return;
        }
        let left = if i + 1 < self.kids.len() { i } else { i - 1 };
        if self.kids[left].len() + self.kids[left + 1].len() > self.kids[left].cap() {
            return;
        }
        let right = self.kids.remove(left + 1);
        let sep = self.seps.remove(left);
        self.kids[left].absorb(sep, right);
    }
}

/// Where a node that overflowed (`cap + 1` entries or children) splits: in half, except for an
/// append — the new entry or child last in a node that is last in its parent (or the root) — which
/// leaves the node full and starts the new one with the newcomer alone. Appends in a row, as a new
/// entity's or transaction's keys come, then fill nodes instead of leaving them half empty. Only
/// the last child of its parent splits so: a run of keys in descending order, each just above a
/// full node, would otherwise make a new one-entry node each time.
fn split_point(inserted: usize, cap: usize, last_in_parent: bool) -> usize {
    if last_in_parent && inserted == cap {
        cap
    } else {
        cap.div_ceil(2)
    }
}

/// `v[at..]`, moved into a vector with room for a full inner node.
fn moved<T>(v: &mut Vec<T>, at: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(INNER_CAP + 1);
    out.extend(v.drain(at..));
    out
}

/// `binary_search` of `key` in `entries`, trying both ends first: dfdb's ids grow, so a
/// transaction's new keys mostly sort last and the oldest entities' keys first.
fn search(entries: &Leaf, key: &Key) -> core::result::Result<usize, usize> {
    let n = entries.len();
    let (Some(first), Some(last)) = (entries.front(), entries.back()) else {
        return Err(0);
    };
    match last.0.cmp(key) {
        Ordering::Less => return Err(n),
        Ordering::Equal => return Ok(n - 1),
        Ordering::Greater => {}
    }
    match first.0.cmp(key) {
        Ordering::Greater => Err(0),
        Ordering::Equal => Ok(0),
        Ordering::Less => entries.binary_search_by(|e| e.0.cmp(key)),
    }
}

/// Inserts below `node` (the last child of its parent when `last_in_parent`, or the root); returns
/// whether the key is new, and the node split off if `node` overflowed.
fn insert(
    node: &mut Node,
    key: Key,
    head: u128,
    value: Bytes,
    last_in_parent: bool,
) -> (bool, Option<(Key, Node)>) {
    match node {
        Node::Leaf(entries) => match search(entries, &key) {
            Ok(i) => {
                if let Some(e) = entries.get_mut(i) {
                    e.1 = value;
                }
                (false, None)
            }
            Err(i) => {
                entries.insert(i, (key, value));
                if entries.len() <= LEAF_CAP {
                    return (true, None);
                }
                let mut right = Leaf::with_capacity(LEAF_CAP + 1);
                right.extend(entries.drain(split_point(i, LEAF_CAP, last_in_parent)..));
                let sep = right[0].0.clone();
                (true, Some((sep, Node::Leaf(right))))
            }
        },
        Node::Inner(inner) => {
            let i = inner.child_for_insert(Probe { key: &key, head });
            let last = i + 1 == inner.kids.len();
            let (added, split) = insert(&mut inner.kids[i], key, head, value, last);
            let Some((sep, right)) = split else {
                return (added, None);
            };
            inner.seps.insert(i, sep);
            inner.kids.insert(i + 1, right);
            let split = (inner.kids.len() > INNER_CAP)
                .then(|| inner.split(split_point(i + 1, INNER_CAP, last_in_parent)));
            (added, split)
        }
    }
}

fn remove(node: &mut Node, p: Probe<'_>) -> bool {
    match node {
        Node::Leaf(entries) => match search(entries, p.key) {
            Ok(i) => {
                entries.remove(i);
                true
            }
            Err(_) => false,
        },
        Node::Inner(inner) => {
            let i = inner.child_of(p);
            let removed = remove(&mut inner.kids[i], p);
            if removed {
                inner.rebalance(i);
            }
            removed
        }
    }
}

/// The entries of a range, leaf by leaf: the inner nodes above the current leaf with the child
/// being read in each, and what is left to read of that leaf.
pub struct Range<'a> {
    path: Vec<(&'a Inner, usize)>,
    entries: vec_deque::Iter<'a, Entry>,
    /// The bound in the direction of travel: the end (exclusive) going forward, the start
    /// (inclusive) going backward.
    far: Option<Key>,
    forward: bool,
    /// The current leaf reaches the far bound: nothing comes after it.
    last_leaf: bool,
}

impl<'a> Range<'a> {
    /// Starts reading `leaf[from..to]`, the part of a leaf on this side of the near bound, cut at
    /// the far bound if the leaf reaches it. (One comparison per leaf, none per entry.)
    fn enter(&mut self, leaf: &'a Leaf, mut from: usize, mut to: usize) {
        if let (Some(far), true) = (&self.far, from < to) {
            if self.forward {
                if leaf[to - 1].0 >= *far {
                    to = leaf.partition_point(|e| e.0 < *far).max(from);
                    self.last_leaf = true;
                }
            } else if leaf[from].0 < *far {
                from = leaf.partition_point(|e| e.0 < *far).min(to);
                self.last_leaf = true;
            }
        }
        self.entries = leaf.range(from..to.max(from));
    }

    /// Moves to the next leaf in the direction of travel; false after the last.
    fn next_leaf(&mut self) -> bool {
        let forward = self.forward;
        let mut node = loop {
            let Some((inner, i)) = self.path.last_mut() else {
                return false;
            };
            let more = if forward {
                *i + 1 < inner.kids.len()
            } else {
                *i > 0
            };
            if more {
                *i = if forward { *i + 1 } else { *i - 1 };
                break &inner.kids[*i];
            }
            self.path.pop();
        };
        loop {
            match node {
                Node::Inner(inner) => {
                    let i = if forward { 0 } else { inner.kids.len() - 1 };
                    self.path.push((inner, i));
                    node = &inner.kids[i];
                }
                Node::Leaf(entries) => {
                    self.enter(entries, 0, entries.len());
                    return true;
                }
            }
        }
    }
}

impl<'a> Iterator for Range<'a> {
    type Item = (&'a Key, &'a Bytes);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let taken = if self.forward {
                self.entries.next()
            } else {
                self.entries.next_back()
            };
            if let Some(e) = taken {
                return Some((&e.0, &e.1));
            }
            if self.last_leaf || !self.next_leaf() {
                return None;
            }
        }
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.range(&Key::new(Vec::new()), None, true))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use proptest::prelude::*;

    fn key(n: u32) -> Key {
        Key::new(n.to_be_bytes().to_vec())
    }

    fn all(t: &Tree, forward: bool) -> Vec<Vec<u8>> {
        t.range(&Key::new(Vec::new()), None, forward)
            .map(|(k, _)| k.bytes().to_vec())
            .collect()
    }

    /// Every leaf at one depth, separators bounding their subtrees, no node over capacity, and
    /// `len` the number of entries. Returns the number of leaves.
    fn check(t: &Tree) -> usize {
        fn walk(
            n: &Node,
            lo: Option<&Key>,
            hi: Option<&Key>,
            depth: usize,
            leaves: &mut Vec<usize>,
        ) -> usize {
            assert!(n.len() <= n.cap());
            match n {
                Node::Leaf(es) => {
                    leaves.push(depth);
                    assert!(es.iter().zip(es.iter().skip(1)).all(|(a, b)| a.0 < b.0));
                    assert!(es
                        .iter()
                        .all(|e| lo.is_none_or(|l| e.0 >= *l) && hi.is_none_or(|h| e.0 < *h)));
                    es.len()
                }
                Node::Inner(inner) => {
                    assert_eq!(inner.kids.len(), inner.seps.len() + 1);
                    assert!(inner.seps.keys().windows(2).all(|w| w[0] < w[1]));
                    (0..inner.kids.len())
                        .map(|i| {
                            let l = if i == 0 { lo } else { inner.seps.get(i - 1) };
                            let h = inner.seps.get(i).or(hi);
                            walk(&inner.kids[i], l, h, depth + 1, leaves)
                        })
                        .sum()
                }
            }
        }
        let mut leaves = Vec::new();
        assert_eq!(walk(&t.root, None, None, 0, &mut leaves), t.len());
        assert!(leaves.windows(2).all(|w| w[0] == w[1]));
        leaves.len()
    }

    /// Forward and backward scans and a spread of ranges, against `want`.
    fn agrees(t: &Tree, want: &BTreeMap<Vec<u8>, Vec<u8>>) {
        let keys: Vec<Vec<u8>> = want.keys().cloned().collect();
        assert_eq!(all(t, true), keys);
        assert_eq!(
            all(t, false),
            keys.iter().rev().cloned().collect::<Vec<_>>()
        );
        for (s, e) in [
            (0u32, 10_000u32),
            (77, 78),
            (5_000, 5_001),
            (1_234, 19_000),
            (19_999, 30_000),
        ] {
            let (s, e) = (s.to_be_bytes().to_vec(), e.to_be_bytes().to_vec());
            let range: Vec<Vec<u8>> = want
                .range(s.clone()..e.clone())
                .map(|(k, _)| k.clone())
                .collect();
            let got: Vec<Vec<u8>> = t
                .range(&Key::new(s.clone()), Some(&Key::new(e.clone())), false)
                .map(|(k, _)| k.bytes().to_vec())
                .collect();
            assert_eq!(got, range.iter().rev().cloned().collect::<Vec<_>>());
            let mut seen = Vec::new();
            t.visit(&Key::new(s), Some(&Key::new(e)), &mut |k, _| {
                seen.push(k.to_vec());
                Ok(true)
            })
            .expect("visit");
            assert_eq!(seen, range);
        }
    }

    #[test]
    fn a_descending_run_above_a_full_leaf_splits_it_in_half() {
        // Leaves full from appends: [0, 1000, …, 31000], [32000, …], ….
        let mut t = Tree::default();
        for i in 0..(4 * LEAF_CAP as u32) {
            t.insert(key(i * 1000), Bytes::new(&[]));
        }
        // Keys between the first leaf's last and the second's first, each lower than the one
        // before: every one sorts last in the full first leaf.
        for k in (31_001..32_000).rev() {
            t.insert(key(k), Bytes::new(&[]));
        }
        let leaves = check(&t);
        assert!(
            leaves <= 2 * t.len().div_ceil(LEAF_CAP) + 2,
            "{leaves} leaves for {} entries",
            t.len()
        );
    }

    #[test]
    fn removals_merge_inner_nodes_and_reads_still_agree() {
        let mut t = Tree::default();
        let mut want = BTreeMap::new();
        // Three levels of inner nodes: more than 32 × 64 × 64 entries.
        let n = 140_000u32;
        for i in 0..n {
            t.insert(key(i), Bytes::new(&[i as u8]));
            want.insert(i.to_be_bytes().to_vec(), vec![i as u8]);
        }
        let depth = |t: &Tree| {
            let mut d = 0;
            let mut node = &t.root;
            while let Node::Inner(inner) = node {
                node = &inner.kids[0];
                d += 1;
            }
            d
        };
        let before = depth(&t);
        // Every key but one in twenty leaves, in a scattered order (7919 is prime to 140,000).
        for i in (0..n).map(|i| (i * 7919) % n).filter(|i| i % 20 != 0) {
            assert!(t.remove(&key(i)));
            want.remove(i.to_be_bytes().as_slice());
        }
        check(&t);
        agrees(&t, &want);
        assert!(
            depth(&t) < before,
            "depth {} after removals, {before} before",
            depth(&t)
        );
        for i in (0..n).filter(|i| i % 20 == 0) {
            assert!(t.remove(&key(i)));
        }
        check(&t);
        assert!(t.is_empty() && all(&t, true).is_empty() && all(&t, false).is_empty());
    }

    #[test]
    fn appends_fill_leaves_and_removals_shrink_the_tree() {
        let mut t = Tree::default();
        let n = 50_000u32;
        for i in 0..n {
            t.insert(key(i), Bytes::new(&i.to_le_bytes()));
        }
        check(&t);
        assert_eq!(t.len(), n as usize);
        let Node::Inner(root) = &t.root else {
            panic!("50,000 entries in one leaf")
        };
        // Full leaves (appends leave them so), full inner nodes above them.
        let leaves = (n as usize).div_ceil(LEAF_CAP);
        assert_eq!(root.kids.len(), leaves.div_ceil(INNER_CAP));
        assert_eq!(
            t.get(&key(4_321)).map(Bytes::to_vec),
            Some(4_321u32.to_le_bytes().to_vec())
        );
        assert_eq!(t.get(&key(n)), None);
        for i in (0..n).filter(|i| i % 7 != 0) {
            assert!(t.remove(&key(i)));
        }
        assert!(!t.remove(&key(1)));
        check(&t);
        let want: Vec<Vec<u8>> = (0..n)
            .filter(|i| i % 7 == 0)
            .map(|i| i.to_be_bytes().to_vec())
            .collect();
        assert_eq!(all(&t, true), want);
        for i in (0..n).filter(|i| i % 7 == 0) {
            assert!(t.remove(&key(i)));
        }
        check(&t);
        assert!(t.is_empty());
        assert!(matches!(&t.root, Node::Leaf(es) if es.is_empty()));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u16, u8),
        Delete(u16),
        Range(u16, Option<u16>, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Keys from a small space, so that deletes hit and leaves empty and merge.
        prop_oneof![
            5 => (0u16..3000, any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
            4 => (0u16..3000).prop_map(Op::Delete),
            1 => (0u16..3000, proptest::option::of(0u16..3000), any::<bool>()).prop_map(|(s, e, f)| Op::Range(s, e, f)),
        ]
    }

    fn k16(k: u16) -> Key {
        Key::new(k.to_be_bytes().to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn agrees_with_btreemap(ops in proptest::collection::vec(op(), 1..6000)) {
            let mut t = Tree::default();
            let mut m: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Put(k, v) => {
                        t.insert(k16(k), Bytes::new(&[v]));
                        m.insert(k.to_be_bytes().to_vec(), vec![v]);
                    }
                    Op::Delete(k) => {
                        prop_assert_eq!(t.remove(&k16(k)), m.remove(k.to_be_bytes().as_slice()).is_some());
                    }
                    Op::Range(s, e, forward) => {
                        let (s, e) = (s.to_be_bytes().to_vec(), e.map(|e| e.to_be_bytes().to_vec()));
                        let got: Vec<(Vec<u8>, Vec<u8>)> = t
                            .range(&Key::new(s.clone()), e.clone().map(Key::new).as_ref(), forward)
                            .map(|(k, v)| (k.bytes().to_vec(), v.to_vec()))
                            .collect();
                        let mut want: Vec<(Vec<u8>, Vec<u8>)> = match e.clone() {
                            Some(e) if e <= s => Vec::new(),
                            Some(e) => m.range(s.clone()..e).map(|(k, v)| (k.clone(), v.clone())).collect(),
                            None => m.range(s.clone()..).map(|(k, v)| (k.clone(), v.clone())).collect(),
                        };
                        if forward {
                            // A visit sees the same entries, and stops when told to.
                            let end = e.clone().map(Key::new);
                            let mut seen = Vec::new();
                            let to_the_end = t.visit(&Key::new(s.clone()), end.as_ref(), &mut |k, v| {
                                seen.push((k.to_vec(), v.to_vec()));
                                Ok(true)
                            }).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
                            prop_assert_eq!(&seen, &want);
                            // It says it read to the map's end only if nothing from the start on
                            // lies past the end, and always when there is no end.
                            if to_the_end {
                                prop_assert!(e.as_ref().is_none_or(|e| m.range(s.clone()..).all(|(k, _)| k < e)));
                            }
                            prop_assert!(to_the_end || e.is_some());
                            let mut first = Vec::new();
                            t.visit(&Key::new(s.clone()), end.as_ref(), &mut |k, _| {
                                first.push(k.to_vec());
                                Ok(first.len() < 3)
                            }).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
                            let want3: Vec<Vec<u8>> = want.iter().take(3).map(|(k, _)| k.clone()).collect();
                            prop_assert_eq!(first, want3);
                        } else {
                            want.reverse();
                        }
                        prop_assert_eq!(got, want);
                    }
                }
            }
            check(&t);
            prop_assert_eq!(t.len(), m.len());
            let every: Vec<Vec<u8>> = m.keys().cloned().collect();
            prop_assert_eq!(all(&t, true), every.clone());
            let mut back = every;
            back.reverse();
            prop_assert_eq!(all(&t, false), back);
            for (k, v) in &m {
                prop_assert_eq!(t.get(&Key::new(k.clone())).map(Bytes::to_vec), Some(v.clone()));
            }
        }
    }
}
