//! Datalog queries (being written: this file is replaced by the query engine).

use crate::view::View;
use crate::{Error, Result, Value};

/// One `:in` input: a database view (for `$` sources) or a value (scalars, collections, rules).
#[derive(Clone)]
pub enum Input<'a> {
    /// A database source.
    Db(View<'a>),
    /// Any other input.
    Value(Value),
}

/// Runs `query` (EDN data, vector or map form) with `inputs` in `:in` order (`$` included; a query
/// without `:in` takes one database input).
pub fn q(_query: &Value, _inputs: &[Input<'_>]) -> Result<Value> {
    Err(Error::parse("query engine not built yet"))
}
