//! Bytes as hex text: the form `#dfdb/bytes "0aff"` prints them in.

use alloc::string::String;
use alloc::vec::Vec;

/// `bytes` as lowercase hex, two digits a byte.
///
/// ```
/// assert_eq!(dfdb_core::codec::hex::encode(&[10, 255]), "0aff");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    // A nibble's digit by arithmetic, not `char::from_digit`'s general radix.
    let digit = |n: u8| char::from(if n < 10 { b'0' + n } else { b'a' + (n - 10) });
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 15));
    }
    s
}

/// The bytes of an even-length hex string (either case); `None` for anything else.
///
/// ```
/// assert_eq!(dfdb_core::codec::hex::decode("0aFF"), Some(vec![10, 255]));
/// assert_eq!(dfdb_core::codec::hex::decode("abc"), None);
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let text = text.as_bytes();
    if text.len() % 2 != 0 {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| match pair {
            [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_as_two_lowercase_digits() {
        let all: Vec<u8> = (0..=255).collect();
        let text = encode(&all);
        assert_eq!(text.len(), 512);
        assert!(text.starts_with("000102"));
        assert!(text.ends_with("fdfeff"));
        assert!(text
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_eq!(decode(&text), Some(all));
    }
}
