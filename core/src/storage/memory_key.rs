//! The key type of [`super::MemoryStorage`]'s map: bytes ordered exactly as `[u8]` orders them,
//! with the first sixteen bytes kept inline.
//!
//! A B-tree seek compares the probe with dozens of stored keys. With `Vec<u8>` keys every one of
//! those comparisons follows a pointer to the key's own heap block — a cache miss each — and the
//! profile of a four-clause join showed B-tree search and `memcmp` at about 40% of its time. Index
//! keys start with a tag byte and fixed-width ids (`EAVT`: tag, entity, attribute), so sixteen
//! inline bytes, compared as one big-endian integer, decide almost every comparison without
//! touching the heap; ties fall back to the whole bytes.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// An owned key in byte order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The first sixteen bytes, zero-padded, big-endian.
    head: u128,
    bytes: Vec<u8>,
}

impl Key {
    /// The key of these bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        let mut w = [0u8; 16];
        let n = bytes.len().min(16);
        w[..n].copy_from_slice(&bytes[..n]);
        Key {
            head: u128::from_be_bytes(w),
            bytes,
        }
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        // Heads differ only where the keys differ within their first sixteen bytes, and there
        // (zero padding included: a shorter key is then a prefix of the longer) they order as the
        // bytes do.
        match self.head.cmp(&other.head) {
            Ordering::Equal => compare(&self.bytes, &other.bytes),
            unequal => unequal,
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Lexicographic byte order (the order of `[u8]`), a word at a time.
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in xs.by_ref().zip(ys.by_ref()) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return x.cmp(&y);
        }
    }
    // Fewer than eight bytes remain in at least one of the two; `a.len().min(b.len())` bytes in
    // all were compared as words only where both had a whole word.
    let done = a.len().min(b.len()) / 8 * 8;
    let (ra, rb) = (&a[done..], &b[done..]);
    for (x, y) in ra.iter().zip(rb) {
        if x != y {
            return x.cmp(y);
        }
    }
    ra.len().cmp(&rb.len())
}

fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_be_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        // Few distinct byte values, so that long shared prefixes are common.
        prop::collection::vec(
            prop_oneof![Just(0u8), Just(1), Just(0x7f), Just(0xff), any::<u8>()],
            0..40,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        #[test]
        fn same_order_as_slices(a in bytes(), b in bytes()) {
            prop_assert_eq!(compare(&a, &b), a.as_slice().cmp(b.as_slice()));
            prop_assert_eq!(Key::new(a.clone()).cmp(&Key::new(b.clone())), a.as_slice().cmp(b.as_slice()));
        }

        #[test]
        fn prefix_sorts_first(a in bytes(), tail in bytes()) {
            let mut b = a.clone();
            b.extend_from_slice(&tail);
            prop_assert_eq!(compare(&a, &b), a.len().cmp(&b.len()));
            prop_assert_eq!(Key::new(a.clone()).cmp(&Key::new(b.clone())), a.len().cmp(&b.len()));
        }
    }

    #[test]
    fn edges() {
        assert_eq!(compare(&[], &[]), Ordering::Equal);
        assert_eq!(compare(&[], &[0]), Ordering::Less);
        assert_eq!(compare(&[1; 8], &[1; 9]), Ordering::Less);
        assert_eq!(
            compare(&[1, 2, 3, 4, 5, 6, 7, 8, 9], &[1, 2, 3, 4, 5, 6, 7, 8, 8]),
            Ordering::Greater
        );
        assert_eq!(compare(&[0xff; 16], &[0xff; 16]), Ordering::Equal);
        // Zero padding ties with real zeros; the whole bytes decide.
        assert_eq!(
            Key::new(vec![1, 0]).cmp(&Key::new(vec![1])),
            Ordering::Greater
        );
        assert_eq!(
            Key::new(vec![1; 20]).cmp(&Key::new(vec![1; 17])),
            Ordering::Greater
        );
    }
}
