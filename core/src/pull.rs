//! The pull API (being written: this file is replaced by the pull implementation).

use crate::view::View;
use crate::{Error, Result, Value};

/// Pulls `pattern` for the entity `eid` (an id, or a lookup ref): a map, or `Nil` if it has nothing.
pub fn pull(_view: &View<'_>, _pattern: &Value, _eid: &Value) -> Result<Value> {
    Err(Error::parse("pull not built yet"))
}

/// Pulls `pattern` for each of `eids`, in order.
pub fn pull_many(_view: &View<'_>, _pattern: &Value, _eids: &[Value]) -> Result<Value> {
    Err(Error::parse("pull not built yet"))
}
