//! # dfdb-core
//!
//! The whole database engine of dfdb, free of any host: `#![no_std]` + `alloc`, no clock, no files, no
//! environment. The native crate (`dfdb`) and the WebAssembly crate (`dfdb-web`) wrap it.
//!
//! Layers, bottom to top (each depends only on those below): [`value`], [`edn`], [`codec`],
//! [`storage`], [`index`], [`schema`], [`view`], [`tx`], [`time`], [`pull`], [`query`], [`live`],
//! and [`db`], which ties them together (see `docs/ARCHITECTURE.md`).
//!
//! ```
//! use dfdb_core::{edn, Database, Value};
//! let mut db = Database::in_memory();
//! db.transact_edn(r#"[{:person/name "Ann" :person/age 31}]"#).unwrap();
//! let q = edn::read("[:find ?n . :where [?e :person/age 31] [?e :person/name ?n]]").unwrap();
//! assert_eq!(db.query(&q, &[]).unwrap(), Value::str("Ann"));
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod codec;
pub mod db;
pub mod edn;
pub mod error;
mod history;
pub mod index;
pub mod live;
pub mod pull;
pub mod query;
pub mod schema;
pub mod storage;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod tx;
mod upgrade;
pub mod value;
pub mod view;

pub use db::{Database, TimePoint};
pub use edn::{read, read_all, read_with, to_edn, ReadOptions};
pub use error::{Error, ErrorKind, Result};
pub use index::{EntityId, Index};
pub use tx::{Datom, TxInput, TxReport};
pub use value::{Keyword, SortedSet, Symbol, Uuid, Value};
pub use view::View;
