//! The value type of [`super::MemoryStorage`]'s map: bytes kept inside the map's own entry when
//! they are short.
//!
//! Most stored values are empty (index entries carry everything in their keys) or short: a history
//! entry's retracting transaction (8 bytes), a transaction's instant. As a `Vec<u8>` each short one
//! was a heap block of its own, allocated by the transaction that wrote it: ten of them for a
//! `retractEntity` of five datoms. Up to [`INLINE`] bytes now live in the entry, which stays 64
//! bytes (a 40-byte key and this 24-byte value).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

/// Values up to this many bytes live inline.
pub const INLINE: usize = 22;

/// A stored value.
#[derive(Clone)]
pub struct Bytes(Repr);

#[derive(Clone)]
enum Repr {
    /// `len <= INLINE`.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer than `INLINE`.
    Heap(Box<[u8]>),
}

const _: () = assert!(core::mem::size_of::<Bytes>() == 24);

impl Bytes {
    /// The value of these bytes, copied.
    pub fn new(src: &[u8]) -> Self {
        if src.len() > INLINE {
            return Bytes(Repr::Heap(Box::from(src)));
        }
        let mut bytes = [0u8; INLINE];
        bytes[..src.len()].copy_from_slice(src);
        // `src.len() <= INLINE < 256`.
        Bytes(Repr::Inline {
            len: src.len() as u8,
            bytes,
        })
    }

    /// The value's bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(b) => b,
        }
    }

    /// The value's bytes, copied into a vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Bytes").field(&self.as_slice()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_every_length_around_the_inline_limit() {
        for n in [0, 1, 8, INLINE - 1, INLINE, INLINE + 1, 100] {
            let src: Vec<u8> = (0..n).map(|i| i as u8 ^ 0x5a).collect();
            let b = Bytes::new(&src);
            assert_eq!(b.as_slice(), &src[..]);
            assert_eq!(b.to_vec(), src);
            assert_eq!(b.clone(), b);
        }
        assert_ne!(Bytes::new(&[0]), Bytes::new(&[]));
        assert_ne!(Bytes::new(&[1; INLINE + 1]), Bytes::new(&[1; INLINE]));
    }
}
