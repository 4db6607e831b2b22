//! The key type of [`super::MemoryStorage`]'s map: bytes ordered exactly as `[u8]` orders them,
//! kept inside the map's own nodes when they are short.
//!
//! With `Vec<u8>` keys every key lived in its own heap block: a B-tree seek followed a pointer per
//! comparison, and a range read touched one scattered block per entry — the profile of a
//! predicate query showed 27% of its time in the first load of each key's bytes (a cache miss
//! each). Index keys are short (an `EAVT` key of an integer or a short string is under 32 bytes),
//! so up to [`INLINE`] bytes are stored in the key itself, in the B-tree node beside its
//! neighbours; longer keys go to the heap. The key is 40 bytes either way, no larger than the
//! `Vec`-plus-prefix key it replaced, and an inline key costs no allocation.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

/// Keys up to this many bytes live inline.
pub const INLINE: usize = 38;

/// An owned key in byte order.
#[derive(Clone)]
pub struct Key(Repr);

#[derive(Clone)]
enum Repr {
    /// `len <= INLINE`; the bytes after `len` are zero.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer than `INLINE`.
    Heap(Box<[u8]>),
}

const _: () = assert!(core::mem::size_of::<Key>() == 40);

impl Key {
    /// The key of these bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE {
            Key::inline(&bytes)
        } else {
            Key(Repr::Heap(bytes.into_boxed_slice()))
        }
    }

    /// The key of these bytes, copied.
    pub fn from_slice(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE {
            Key::inline(bytes)
        } else {
            Key(Repr::Heap(Box::from(bytes)))
        }
    }

    fn inline(src: &[u8]) -> Self {
        let mut bytes = [0u8; INLINE];
        bytes[..src.len()].copy_from_slice(src);
        // `src.len() <= INLINE < 256`.
        Key(Repr::Inline {
            len: src.len() as u8,
            bytes,
        })
    }

    /// The key's first 16 bytes (zero-padded) as a big-endian integer: `a <= b` implies
    /// `a.head() <= b.head()`. (An inline key's bytes are zero-padded and a heap key is longer
    /// than 16 bytes, so this is one fixed-size read: a variable-length copy is a call to a
    /// byte-by-byte `memcpy` in WebAssembly.)
    pub fn head(&self) -> u128 {
        let bytes: &[u8] = match &self.0 {
            Repr::Inline { bytes, .. } => bytes,
            Repr::Heap(b) => b,
        };
        bytes
            .first_chunk::<16>()
            .map_or(0, |w| u128::from_be_bytes(*w))
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(b) => b,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Inline { len: la, bytes: a }, Repr::Inline { len: lb, bytes: b }) => {
                compare_inline(a, *la, b, *lb)
            }
            _ => compare(self.bytes(), other.bytes()),
        }
    }
}

/// [`compare`] for two inline keys. Both are zero-padded to [`INLINE`] bytes, so whole words
/// compare as their bytes would up to the longer key's end: where one key has ended, its padding
/// sorts at or below the other's bytes, and equal words leave the tie to the lengths (a key sorts
/// after its proper prefixes). The B-tree's searches compare mostly inline keys.
fn compare_inline(a: &[u8; INLINE], la: u8, b: &[u8; INLINE], lb: u8) -> Ordering {
    let end = usize::from(la.max(lb));
    let mut at = 0;
    while at < end {
        let (x, y) = (inline_word(a, at), inline_word(b, at));
        if x != y {
            return first_difference(x, y);
        }
        at += 8;
    }
    la.cmp(&lb)
}

/// The little-endian word of `bytes` at `at` (zeros past the end).
fn inline_word(bytes: &[u8; INLINE], at: usize) -> u64 {
    let mut w = [0u8; 8];
    let tail = bytes.get(at..).unwrap_or(&[]);
    let n = tail.len().min(8);
    w[..n].copy_from_slice(&tail[..n]);
    u64::from_le_bytes(w)
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Key").field(&self.bytes()).finish()
    }
}

/// Lexicographic byte order (the order of `[u8]`), a word at a time.
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in xs.by_ref().zip(ys.by_ref()) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return first_difference(x, y);
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

/// The order of two unequal little-endian words as byte strings: that of their first differing
/// byte, the lowest differing one. (WebAssembly has no byte swap: reading big-endian words cost two
/// emulated swaps per comparison.)
fn first_difference(x: u64, y: u64) -> Ordering {
    let shift = (x ^ y).trailing_zeros() & !7;
    ((x >> shift) as u8).cmp(&((y >> shift) as u8))
}

fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_le_bytes(w)
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
            0..(INLINE * 2),
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
        // Zero padding and real zeros, inline and heap keys, compare as their bytes.
        assert_eq!(
            Key::new(vec![1, 0]).cmp(&Key::new(vec![1])),
            Ordering::Greater
        );
        assert_eq!(
            Key::new(vec![1; 20]).cmp(&Key::new(vec![1; 17])),
            Ordering::Greater
        );
        // Heads order keys as their bytes, zero-padded.
        assert_eq!(Key::new(vec![]).head(), 0);
        assert_eq!(Key::new(vec![1]).head(), 1 << 120);
        assert_eq!(Key::new(vec![1, 0]).head(), Key::new(vec![1]).head());
        assert_eq!(Key::new(vec![2; 40]).head(), u128::from_be_bytes([2; 16]));
        let long = vec![7u8; INLINE + 1];
        assert_eq!(Key::new(long.clone()).bytes(), &long[..]);
        assert_eq!(Key::from_slice(&long), Key::new(long.clone()));
        assert_eq!(
            Key::new(long[..INLINE].to_vec()).cmp(&Key::new(long)),
            Ordering::Less
        );
    }
}
