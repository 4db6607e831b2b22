//! The shared test-vector runner (see `../shared/VECTORS.md`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
