//! [`Seps`]: an inner node's separator keys, each with its first 16 bytes as an integer beside it.
//!
//! Every write and every seek from the root binary-searches the separators of each inner node on
//! its way down. A separator is a 40-byte [`Key`], so each step of such a search loaded a new cache
//! line and took a branch nobody could predict; `perf` of `retractEntity` transactions put a sixth
//! of their time in those comparisons. The heads (16 bytes each, in one array) are searched first,
//! with integer comparisons the compiler turns into conditional moves; only separators whose head
//! equals the key's are compared whole. Index keys differ early (an entity or attribute id follows
//! the key's space byte), so that is rarely more than one.

use super::Key;
use alloc::vec::Vec;

/// Separator keys in ascending order, with their heads ([`Key::head`]).
#[derive(Clone, Default)]
pub(super) struct Seps {
    keys: Vec<Key>,
    heads: Vec<u128>,
}

impl Seps {
    /// Room for `n` separators.
    pub fn with_capacity(n: usize) -> Self {
        Seps {
            keys: Vec::with_capacity(n),
            heads: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn get(&self, i: usize) -> Option<&Key> {
        self.keys.get(i)
    }

    pub fn last(&self) -> Option<&Key> {
        self.keys.last()
    }

    /// The keys, in order.
    #[cfg(test)]
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn push(&mut self, key: Key) {
        self.heads.push(key.head());
        self.keys.push(key);
    }

    pub fn insert(&mut self, i: usize, key: Key) {
        self.heads.insert(i, key.head());
        self.keys.insert(i, key);
    }

    pub fn remove(&mut self, i: usize) -> Key {
        self.heads.remove(i);
        self.keys.remove(i)
    }

    /// Moves `other`'s separators to the end of these.
    pub fn append(&mut self, other: &mut Seps) {
        self.keys.append(&mut other.keys);
        self.heads.append(&mut other.heads);
    }

    /// Splits off the separators from `at` on, into a value with room for `cap` of them.
    pub fn split_off(&mut self, at: usize, cap: usize) -> Seps {
        let mut out = Seps::with_capacity(cap);
        out.keys.extend(self.keys.drain(at..));
        out.heads.extend(self.heads.drain(at..));
        out
    }

    /// Removes and returns the last separator.
    pub fn pop(&mut self) -> Option<Key> {
        self.heads.pop();
        self.keys.pop()
    }

    /// How many separators sort at or below the probe's key (the child whose span holds it).
    pub fn at_or_below(&self, p: Probe<'_>) -> usize {
        self.count(p, true)
    }

    /// How many separators sort below the probe's key.
    pub fn below(&self, p: Probe<'_>) -> usize {
        self.count(p, false)
    }

    /// `at_or_below` (`inclusive`) or `below`: the heads below the key's, then the ones equal to
    /// it compared whole.
    fn count(&self, p: Probe<'_>, inclusive: bool) -> usize {
        let lo = self.heads.partition_point(|&x| x < p.head);
        let ties = self
            .heads
            .get(lo..)
            .map_or(0, |rest| rest.iter().take_while(|&&x| x == p.head).count());
        let tied = self.keys.get(lo..lo + ties).unwrap_or(&[]);
        lo + tied.partition_point(|s| if inclusive { s <= p.key } else { s < p.key })
    }
}

/// A key searched for, with its head: computed once for a whole descent (WebAssembly has no byte
/// swap, so a head costs a few dozen instructions).
#[derive(Clone, Copy)]
pub(super) struct Probe<'k> {
    pub key: &'k Key,
    pub head: u128,
}

impl<'k> Probe<'k> {
    pub fn new(key: &'k Key) -> Self {
        Probe {
            key,
            head: key.head(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        // Few byte values and lengths around 16, so that heads often tie.
        prop::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xff)], 0..24)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        #[test]
        fn counts_agree_with_a_plain_search(mut seps in prop::collection::vec(bytes(), 0..40), key in bytes()) {
            seps.sort();
            seps.dedup();
            let keys: Vec<Key> = seps.iter().map(|s| Key::new(s.clone())).collect();
            let mut s = Seps::default();
            for k in &keys {
                s.push(k.clone());
            }
            let key = Key::new(key);
            prop_assert_eq!(s.at_or_below(Probe::new(&key)), keys.partition_point(|k| *k <= key));
            prop_assert_eq!(s.below(Probe::new(&key)), keys.partition_point(|k| *k < key));
        }
    }

    #[test]
    fn edits_keep_heads_beside_their_keys() {
        let k = |b: &[u8]| Key::new(b.to_vec());
        let at = |s: &Seps, key: Key| s.at_or_below(Probe::new(&key));
        let below = |s: &Seps, key: Key| s.below(Probe::new(&key));
        let mut s = Seps::default();
        s.push(k(&[1]));
        s.push(k(&[5]));
        s.insert(1, k(&[3]));
        let mut tail = s.split_off(2, 4);
        assert_eq!(s.keys(), &[k(&[1]), k(&[3])]);
        assert_eq!(tail.keys(), &[k(&[5])]);
        tail.push(k(&[7]));
        s.append(&mut tail);
        assert_eq!(s.remove(0), k(&[1]));
        assert_eq!(s.pop(), Some(k(&[7])));
        assert_eq!(s.keys(), &[k(&[3]), k(&[5])]);
        assert_eq!(at(&s, k(&[5])), 2);
        assert_eq!(below(&s, k(&[5])), 1);
        assert_eq!(at(&s, k(&[4, 0xff])), 1);
        assert_eq!(below(&s, k(&[])), 0);
        let long = vec![9u8; 20];
        s.push(Key::new(long.clone()));
        assert_eq!(at(&s, Key::new(long[..17].to_vec())), 2);
        assert_eq!(at(&s, Key::new(long)), 3);
    }
}
