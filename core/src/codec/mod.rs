//! Byte encodings of [`Value`]s: an order-preserving key encoding and a compact value encoding.
//!
//! # Key encoding ([`encode_key`], [`decode_key`])
//! Keys are compared bytewise by storage, so the key encoding is built such that for any two values
//! `a` and `b`, of any kinds, `encode_key(a) < encode_key(b)` (bytewise) exactly when `a < b` in
//! [`Value`]'s total order. It is also *self-delimiting*: reading from the front, [`decode_key`]
//! knows where each encoding ends, so encodings can be concatenated into composite keys and read
//! back, and a composite key orders by its parts, left to right. (Strictly, a string's encoding
//! can be a proper prefix of another's — `"a"` is `30 61 00`, `"a\0"` is `30 61 00 FF 00` — and
//! the end is told by the byte after the terminator never being the escape `0xFF`: see
//! **Escaping** below for what that asks of bytes appended after a value.)
//!
//! Every encoding is one tag byte followed by a payload. Tags ascend in the order of
//! [`Value::kind_rank`]; `0x00` and `0xFF` are never tags (they are the terminator and escape bytes).
//!
//! | tag | value | payload |
//! | --- | --- | --- |
//! | `0x02` | nil | none |
//! | `0x04` / `0x05` | `false` / `true` | none |
//! | `0x10` | float −∞ | none |
//! | `0x11` | negative number (int or float) | magnitude, bytes inverted; then a tie byte (not inverted) |
//! | `0x12` | zero | tie byte: `0x01` int `0`, `0x02` float `-0.0`, `0x03` float `0.0` |
//! | `0x13` | positive number (int or float) | magnitude; then a tie byte |
//! | `0x14` | float +∞ | none |
//! | `0x15` | float NaN (always the canonical NaN) | none |
//! | `0x20` | instant | `i64` with its sign bit flipped, 8 bytes big-endian |
//! | `0x30` | string | UTF-8 bytes, escaped |
//! | `0x34` | char | code point as `u32`, 4 bytes big-endian |
//! | `0x38` | keyword | full text (no colon), escaped |
//! | `0x3C` | symbol | full text, escaped |
//! | `0x40` | uuid | 16 bytes big-endian |
//! | `0x44` | bytes | the bytes, escaped |
//! | `0x48` | ref | `u64`, 8 bytes big-endian |
//! | `0x50` | vector | the elements' key encodings, then `0x00` |
//! | `0x54` | list | the elements' key encodings, then `0x00` |
//! | `0x58` | set | the elements' key encodings in ascending order, then `0x00` |
//! | `0x5C` | map | key, value, key, value, … in ascending key order, then `0x00` |
//!
//! **Numbers.** Ints and floats share one order by exact numeric value. A nonzero finite number is
//! its sign class (the tag), then its magnitude written as `2^e × 1.f`: the binary exponent `e` plus
//! 1075 as a `u16` big-endian (1 ..= 2098, since `e` is -1074 ..= 1023), then the bits `f` after the
//! leading one, left-aligned, in 7-bit groups, each group shifted left one bit with the low bit set
//! when another group follows (trailing zero groups dropped; zero bits are one group `0x00`). An `i64`
//! magnitude has at most 63 bits after its leading one (9 groups), an `f64` at most 52, so every `i64`
//! and every `f64` are exact, and an int and a float of the same value encode the same magnitude. For
//! negative numbers the magnitude bytes are inverted (a larger magnitude sorts first). The final tie
//! byte, `0x01` for ints and `0x02` for floats, puts an int before the equal float, as [`Value`] does.
//! Every NaN encodes as tag `0x15` alone and decodes as [`CANONICAL_NAN_BITS`]; every other float bit
//! pattern (subnormals, `-0.0`, ±∞) round-trips exactly.
//!
//! **Escaping** (as FoundationDB's tuple layer): byte `0x00` in the content is written `0x00 0xFF`,
//! and the content ends with a single `0x00`. Shorter strings sort before their extensions, and
//! `"a"` sorts before `"a\0"` because the byte after the terminator is never `0xFF`: it is a tag, a
//! collection terminator `0x00`, or the end of the key. **A caller that appends raw bytes after a
//! key-encoded value (e.g. a [`put_u64`] transaction id after a value in an index key) must not let
//! those bytes start with `0xFF`**, or a string/keyword/symbol/bytes value right before them would be
//! misread and misordered; ids below `0xFF00_0000_0000_0000` (`u64`) or `0xFF00_0000` (`u32`) are
//! always safe.
//!
//! **Collections** are element encodings followed by `0x00`. Since every element begins with a tag
//! (never `0x00`), a collection that is a prefix of another ends where the other continues with a
//! tag, and `0x00` sorts first: `[] < [[]] < [[], nil]`, `[1] < [1 2]`. Sets and maps are written in
//! their `BTree` order, so their byte order is the `iter().cmp` order [`Value`] uses. Decoding
//! rejects sets and maps whose elements (keys) are not strictly ascending.
//!
//! # Compact encoding ([`encode_value`], [`decode_value`])
//! For stored values that are never compared as bytes: one tag byte, then LEB128 varints for
//! integers (zigzag for signed), lengths and counts, raw bytes for strings. Smaller than the key
//! encoding, and not order-preserving.
//!
//! # Decoding is total
//! Decoding any byte string returns `Ok` or `Err`, never panics. Only canonical encodings are
//! accepted (the bytes `encode_*` would produce), so every successful decode re-encodes to exactly
//! the bytes it consumed. Malformed input gives an error of kind `parse`; nesting deeper than
//! [`MAX_DEPTH`] gives an error of kind `limit`.
//!
//! ```
//! use dfdb_core::codec::{decode_key, encode_key};
//! use dfdb_core::Value;
//! let (a, b) = (Value::Int(1), Value::Float(1.5));
//! let (mut ka, mut kb) = (Vec::new(), Vec::new());
//! encode_key(&a, &mut ka);
//! encode_key(&b, &mut kb);
//! assert!(ka < kb && a < b);
//! assert_eq!(decode_key(&ka).unwrap(), (a, ka.len()));
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]
#![deny(clippy::little_endian_bytes, clippy::host_endian_bytes)]

mod compact;
pub mod hex;
mod key;
mod number;
#[cfg(test)]
mod props;

pub use compact::{decode_value, encode_value};
pub use key::{decode_key, encode_key};

#[cfg(doc)]
use crate::value::CANONICAL_NAN_BITS;
#[cfg(doc)]
use crate::Value;
use crate::{Error, Result};
use alloc::vec::Vec;

/// The deepest nesting of collections that decoding accepts; deeper input fails with kind `limit`.
///
/// A top-level vector holding a vector holding a scalar has depth 2. This bounds the decoder's
/// recursion so that hostile bytes cannot overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// Appends `x` as 8 bytes big-endian (fixed width, for ids in key positions; order-preserving).
pub fn put_u64(x: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(&x.to_be_bytes());
}

/// Reads a [`put_u64`] from the front of `bytes`; returns it and the bytes consumed (8).
pub fn get_u64(bytes: &[u8]) -> Result<(u64, usize)> {
    let mut r = Reader::new(bytes);
    Ok((u64::from_be_bytes(r.array()?), r.pos()))
}

/// Appends `x` as 4 bytes big-endian (fixed width, for ids in key positions; order-preserving).
pub fn put_u32(x: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&x.to_be_bytes());
}

/// Reads a [`put_u32`] from the front of `bytes`; returns it and the bytes consumed (4).
pub fn get_u32(bytes: &[u8]) -> Result<(u32, usize)> {
    let mut r = Reader::new(bytes);
    Ok((u32::from_be_bytes(r.array()?), r.pos()))
}

/// A cursor over input bytes whose every read is bounds-checked.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The unread bytes.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }

    /// The next byte, without consuming it.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes one byte.
    pub(crate) fn byte(&mut self) -> Result<u8> {
        let b = self.peek().ok_or_else(truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// Consumes `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(truncated)?;
        let s = self.bytes.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// Consumes `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
}

fn truncated() -> Error {
    Error::parse("codec: input ends inside a value")
}

/// A `parse` error about malformed encoded bytes.
pub(crate) fn malformed(what: &str) -> Error {
    Error::parse(alloc::format!("codec: {what}"))
}

/// The `limit` error for input nested deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep() -> Error {
    Error::Limit(alloc::format!(
        "codec: collections nested deeper than {MAX_DEPTH}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_ids_round_trip_and_order() {
        let mut out = Vec::new();
        put_u64(0x0102_0304_0506_0708, &mut out);
        put_u32(0xA0B0_C0D0, &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 8, 0xA0, 0xB0, 0xC0, 0xD0]);
        assert_eq!(get_u64(&out).unwrap(), (0x0102_0304_0506_0708, 8));
        assert_eq!(get_u32(&out[8..]).unwrap(), (0xA0B0_C0D0, 4));
        assert!(get_u64(&out[..7]).is_err());
        assert!(get_u32(&out[..3]).is_err());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        put_u64(255, &mut a);
        put_u64(256, &mut b);
        assert!(a < b);
    }
}
