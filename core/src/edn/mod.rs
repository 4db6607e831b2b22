//! EDN text to [`Value`] and back.
//!
//! # Overview
//! [`read`] reads exactly one EDN form, [`read_all`] reads every form of a text, and
//! [`to_edn`] (or `Display` on [`Value`]) prints a value as EDN that reads back to an equal value.
//!
//! ```
//! use dfdb_core::{edn, Value};
//! let v = edn::read("[:find ?e :where [?e :person/name \"Ann\"]]").unwrap();
//! assert_eq!(v.as_seq().map(|s| s.len()), Some(4));
//! assert_eq!(edn::read(&edn::to_edn(&v)).unwrap(), v);
//! assert_eq!(edn::to_edn(&Value::Float(1.0)), "1.0");
//! ```
//!
//! # What is read
//! The whole [EDN spec](https://github.com/edn-format/edn): `nil`, booleans, strings (escapes
//! `\t \r \n \\ \" \b \f \uXXXX`, surrogate pairs combine), characters (`\a`, `\newline`, `\space`,
//! `\tab`, `\return`, `\backspace`, `\formfeed`, `\uXXXX`), 64-bit integers (`N` suffix accepted when
//! the value fits), floats (`M` suffix read as a float, `##Inf`, `##-Inf`, `##NaN`), keywords,
//! symbols, lists, vectors, maps, sets, `#inst`, `#uuid`, `#_` discards, `;` comments and commas as
//! whitespace. Two dfdb tags make every [`Value`] printable: `#dfdb/ref 42` ([`Value::Ref`]) and
//! `#dfdb/bytes "0aff"` ([`Value::Bytes`], lowercase or uppercase hex).
//!
//! # Errors
//! Malformed text is an [`crate::Error::Parse`] with the 1-based line and column
//! (counted in characters) of the problem and a message naming the offending text: integers
//! outside `i64`, maps with an odd number of forms, duplicate map keys or set elements, unknown
//! tags, text after the one form [`read`] expects. Input past a [`ReadOptions`] limit is an
//! [`crate::Error::Limit`].
//!
//! ```
//! use dfdb_core::{edn, Error, ErrorKind};
//! let e = edn::read("[1\n #point [2 3]]").unwrap_err();
//! assert!(matches!(e, Error::Parse { line: 2, column: 2, .. }));
//! assert!(e.to_string().contains("#point"));
//! let deep = "[".repeat(10_000);
//! assert_eq!(edn::read(&deep).unwrap_err().kind(), ErrorKind::Limit);
//! ```
//!
//! # Quirks
//! - Both reader and printer are iterative: neither uses stack space in proportion to nesting.
//! - Printing reads back to an equal value for every value the reader can make. A [`Value`] built
//!   by hand with a keyword or symbol text that is not a valid EDN name (empty, with spaces,
//!   `nil`…) prints that text as is, which does not read back.
//! - Instants outside years 0000–9999 print with a sign and at least six year digits
//!   (`#inst "+292278994-08-17T07:12:55.807Z"`, `#inst "-000001-12-31T00:00:00.000Z"`), which the
//!   reader accepts; see [`inst`].

pub mod inst;
mod lex;
mod print;
mod read;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::{Error, Result, Value};

/// Limits on what the reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// The deepest nesting of collections accepted; a collection opened deeper is an
    /// [`Error::Limit`]. Default [`ReadOptions::DEFAULT_MAX_DEPTH`] (512). Tags and discards do not
    /// count towards it.
    ///
    /// The reader itself uses no stack per level, but dropping and comparing a [`Value`] recurse
    /// once per level: keep this to what the threads that hold the values can afford (the tests
    /// read, print and drop 512 levels on a 512 KiB stack).
    pub max_depth: usize,
    /// The largest input accepted, in bytes; a longer text is an [`Error::Limit`] before any of
    /// it is read. Default [`ReadOptions::DEFAULT_MAX_SIZE`] (64 MiB).
    pub max_size: usize,
    /// Read maps as `(dfdb/ordered-map k1 v1 k2 v2 …)` lists keeping their written order, for
    /// tx-data whose entity ids are allocated in order of appearance. Default `false`.
    pub ordered_maps: bool,
}

/// The head symbol of a map read with [`ReadOptions::ordered_maps`].
pub const ORDERED_MAP: &str = "dfdb/ordered-map";

impl ReadOptions {
    /// The default `max_depth`: 512 nested collections.
    pub const DEFAULT_MAX_DEPTH: usize = 512;
    /// The default `max_size`: 64 MiB.
    pub const DEFAULT_MAX_SIZE: usize = 64 << 20;
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_size: Self::DEFAULT_MAX_SIZE,
            ordered_maps: false,
        }
    }
}

/// Reads exactly one EDN form; anything but whitespace, comments and discards after it is an error.
pub fn read(text: &str) -> Result<Value> {
    read_with(text, &ReadOptions::default())
}

/// Reads exactly one EDN form under the given limits.
pub fn read_with(text: &str, opts: &ReadOptions) -> Result<Value> {
    let mut r = read::Reader::new(text, opts)?;
    let Some(v) = r.next_form()? else {
        return Err(r.error_here("expected a form, found the end of the input"));
    };
    r.expect_end()?;
    Ok(v)
}

/// Reads every EDN form of a text (none for a blank text).
pub fn read_all(text: &str) -> Result<Vec<Value>> {
    read_all_with(text, &ReadOptions::default())
}

/// Reads every EDN form of a text under the given limits.
pub fn read_all_with(text: &str, opts: &ReadOptions) -> Result<Vec<Value>> {
    let mut r = read::Reader::new(text, opts)?;
    let mut out = Vec::new();
    while let Some(v) = r.next_form()? {
        out.push(v);
    }
    Ok(out)
}

/// Prints a value as EDN (the same text as its `Display`).
pub fn to_edn(v: &Value) -> String {
    v.to_string()
}

/// A short excerpt of offending text for an error message.
fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        None => s.into(),
        Some((i, _)) => {
            let mut out: String = s.get(..i).unwrap_or("").into();
            out.push('…');
            out
        }
    }
}

/// The EDN of a value, shortened, for an error message.
fn value_snippet(v: &Value) -> String {
    snippet(&to_edn(v))
}

fn limit(msg: String) -> Error {
    Error::Limit(msg)
}

#[cfg(test)]
mod tests;

/// Options for reading tx-data: maps keep their written order, so new entity ids follow the text.
pub fn tx_data_options() -> ReadOptions {
    ReadOptions {
        ordered_maps: true,
        ..Default::default()
    }
}

/// The entries of a map in written order: a plain map (in key order) or a map read with
/// [`ReadOptions::ordered_maps`]. `None` for anything else.
pub fn map_entries(v: &Value) -> Option<Vec<(&Value, &Value)>> {
    match v {
        Value::Map(m) => Some(m.iter().collect()),
        Value::List(items) if is_ordered_map(items) => {
            let rest = items.get(1..).unwrap_or(&[]);
            Some(
                rest.chunks(2)
                    .filter_map(|kv| Some((kv.first()?, kv.get(1)?)))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Whether `v` is a map, plain or read with [`ReadOptions::ordered_maps`].
pub fn is_map(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(items) => is_ordered_map(items),
        _ => false,
    }
}

fn is_ordered_map(items: &[Value]) -> bool {
    matches!(items.first(), Some(Value::Symbol(s)) if s.as_str() == ORDERED_MAP)
        && items.len() % 2 == 1
}

/// Turns every map read with [`ReadOptions::ordered_maps`] inside `v` back into a plain map.
pub fn normalize(v: &Value) -> Value {
    match v {
        Value::List(items) if is_ordered_map(items) => Value::Map(
            items
                .get(1..)
                .unwrap_or(&[])
                .chunks(2)
                .filter_map(|kv| Some((normalize(kv.first()?), normalize(kv.get(1)?))))
                .collect(),
        ),
        Value::List(xs) => Value::List(xs.iter().map(normalize).collect()),
        Value::Vector(xs) => Value::Vector(xs.iter().map(normalize).collect()),
        Value::Set(s) => Value::Set(s.iter().map(normalize).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (normalize(k), normalize(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
