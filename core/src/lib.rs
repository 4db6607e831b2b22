//! # dfdb-core
//!
//! The whole database engine of dfdb, free of any host: `#![no_std]` + `alloc`, no clock, no files, no
//! environment. The native crate (`dfdb`) and the WebAssembly crate (`dfdb-web`) wrap it.
//!
//! Layers, bottom to top (each depends only on those below): [`value`], [`edn`], [`codec`],
//! [`storage`], then the database itself.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod edn;
pub mod error;
pub mod storage;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod value;

pub use edn::{read, read_all, read_with, to_edn, ReadOptions};
pub use error::{Error, ErrorKind, Result};
pub use value::{Keyword, Symbol, Value};
