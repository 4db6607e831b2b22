//! WebAssembly bindings of dfdb. The JS API grows here as the engine lands.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dfdb_core::Value;
