//! Decodes arbitrary bytes with both codecs. Decoding must never panic, and whatever it accepts
//! must be canonical: re-encoding the value gives back exactly the bytes consumed. Accepted keys
//! must also keep their order relative to each other (checked on a split of the input).
#![no_main]

use dfdb_core::codec::{decode_key, decode_value, encode_key, encode_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((v, n)) = decode_key(data) {
        let mut again = Vec::new();
        encode_key(&v, &mut again);
        assert_eq!(
            again.as_slice(),
            &data[..n],
            "key re-encoding differs for {v:?}"
        );
        // Whatever follows a decoded key, if it is also a key, must compare as the values do.
        if let Ok((w, m)) = decode_key(&data[n..]) {
            assert_eq!(data[..n].cmp(&data[n..n + m]), v.cmp(&w), "{v:?} vs {w:?}");
        }
    }
    if let Ok((v, n)) = decode_value(data) {
        let mut again = Vec::new();
        encode_value(&v, &mut again);
        assert_eq!(
            again.as_slice(),
            &data[..n],
            "value re-encoding differs for {v:?}"
        );
    }
});
