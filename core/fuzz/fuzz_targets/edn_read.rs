//! Reads arbitrary UTF-8 as EDN; whatever reads must print to text that reads back to an equal
//! value and prints the same again. Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run edn_read -s none`.
#![no_main]

use dfdb_core::edn::{read_all, read_with, to_edn, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    // A small depth keeps `Value`'s recursive drop and comparison cheap for the fuzzer.
    let opts = ReadOptions {
        max_depth: 64,
        ..ReadOptions::default()
    };
    if let Ok(v) = read_with(text, &opts) {
        let printed = to_edn(&v);
        let back = match read_with(&printed, &opts) {
            Ok(back) => back,
            Err(e) => panic!("printed text does not read back: {printed:?}: {e}"),
        };
        assert_eq!(back, v, "round trip changed the value: {printed:?}");
        assert_eq!(to_edn(&back), printed, "printing is not stable");
    }
    // read_all must not panic either.
    let _ = read_all(text);
});
