//! # dfdb
//!
//! The native home of dfdb: re-exports the whole engine from `dfdb-core`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dfdb_core::*;
