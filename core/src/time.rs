//! Time dimensions beyond transaction time: declared as data, carried by transactions, checked by
//! constraints, computed when derived.
//!
//! A dimension is an ordinary entity, `{:dimension/name :time/shipped :dimension/type :instant
//! :dimension/indexed? true}`, optionally with `:dimension/constraints [{:type :ordering :after
//! :time/ordered}]` or `:dimension/derived-from {:op :minus :operands [:time/delivered
//! :time/shipped]}`. A transaction `{:tx-data … :time-dimensions {:time/shipped #inst "…"}}` stamps
//! every datom it writes with those values (stored once per transaction, and in a range index for
//! indexed dimensions). Queries bind them with `[?e :attr ?v :at/shipped ?t]` and read as of a point
//! along any dimensions (see [`crate::view::View::with_bounds`]).
//!
//! Semantics chosen where the original dfdb was loose (see docs/TIME.md):
//! - ordering constraints are checked for every entity the transaction touches, against the values
//!   the transaction carries and, when it carries only one side, against the other side's values
//!   recorded for that entity by earlier transactions;
//! - `:time/system` is transaction time: it cannot be supplied, only bounded in as-of maps.

use crate::codec::encode_value;
use crate::index::{dim_index_key, log_key, tx_dims_key, EntityId, RawDatom};
use crate::storage::WriteBatch;
use crate::tx::Datom;
use crate::view::{TxDims, View};
use crate::{err, Keyword, Result, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// Transaction time, built in.
pub const SYSTEM: &str = "time/system";

/// One declared dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    /// `:time/…`
    pub name: Keyword,
    /// `:dimension/type` (`:instant`, `:duration`, …), if declared.
    pub kind: Option<Keyword>,
    /// Whether values go into the range index.
    pub indexed: bool,
    /// Dimensions this one must not precede (`{:type :ordering :after D}`).
    pub after: Vec<Keyword>,
    /// `(:minus [a b])`: computed as `a - b` in milliseconds when a transaction carries both.
    pub derived: Option<(Keyword, Vec<Keyword>)>,
}

/// The name a `:at/x` pattern option or a `:time/x` key refers to, as `:time/x`.
pub fn dimension_name(k: &Keyword) -> Keyword {
    Keyword::with_ns(Some("time"), k.name())
}

/// The dimension declared as `name`, if any.
pub fn definition(view: &View<'_>, name: &Keyword) -> Result<Option<Dimension>> {
    let Some(attr) = view.schema().get(&Keyword::new("dimension/name")) else {
        return Ok(None);
    };
    let Some(e) = view
        .datoms(None, Some(attr.id), Some(&Value::Keyword(name.clone())))?
        .next()
    else {
        return Ok(None);
    };
    let e = e?.e;
    let mut dim = Dimension {
        name: name.clone(),
        kind: None,
        indexed: false,
        after: Vec::new(),
        derived: None,
    };
    for d in view.entity_datoms(e)? {
        let attr = view.schema().attr(d.a)?;
        match (attr.ident.as_str(), d.v) {
            ("dimension/type", Value::Keyword(k)) => dim.kind = Some(k),
            ("dimension/indexed?", Value::Bool(b)) => dim.indexed = b,
            ("dimension/constraints", Value::Vector(cs)) => {
                for c in cs {
                    let Value::Map(m) = &c else {
                        return Err(err!(
                            Schema,
                            "dimension {name:?}: constraint {c:?} is not a map"
                        ));
                    };
                    match (m.get(&Value::kw("type")), m.get(&Value::kw("after"))) {
                        (Some(Value::Keyword(t)), Some(Value::Keyword(other)))
                            if t.as_str() == "ordering" =>
                        {
                            dim.after.push(other.clone())
                        }
                        _ => {
                            return Err(err!(
                                Schema,
                                "dimension {name:?}: unsupported constraint {c:?}"
                            ))
                        }
                    }
                }
            }
            ("dimension/derived-from", Value::Map(m)) => {
                let op = m.get(&Value::kw("op")).and_then(Value::as_keyword).cloned();
                let operands = m
                    .get(&Value::kw("operands"))
                    .and_then(Value::as_seq)
                    .map(|xs| {
                        xs.iter()
                            .filter_map(|x| x.as_keyword().cloned())
                            .collect::<Vec<_>>()
                    });
                match (op, operands) {
                    (Some(op), Some(ops)) if op.as_str() == "minus" && ops.len() == 2 => {
                        dim.derived = Some((op, ops))
                    }
                    _ => {
                        return Err(err!(
                            Schema,
                            "dimension {name:?}: unsupported derivation {m:?}"
                        ))
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Some(dim))
}

/// Validates a transaction's `:time-dimensions` map and adds derived dimensions.
/// Returns the values by dimension and the definitions involved.
pub fn resolve(
    view: &View<'_>,
    given: &BTreeMap<Value, Value>,
) -> Result<(BTreeMap<Keyword, Value>, Vec<Dimension>)> {
    let mut values = BTreeMap::new();
    let mut defs = Vec::new();
    for (k, v) in given {
        let Value::Keyword(name) = k else {
            return Err(err!(Schema, "time dimension {k:?} is not a keyword"));
        };
        if name.namespace() != Some("time") {
            return Err(err!(
                Schema,
                "time dimension {name:?} must be in the time namespace (:time/…)"
            ));
        }
        if name.as_str() == SYSTEM {
            return Err(err!(
                Schema,
                ":time/system is transaction time and cannot be supplied"
            ));
        }
        let def = definition(view, name)?
            .ok_or_else(|| err!(Schema, "time dimension {name:?} is not defined (transact {{:dimension/name {name:?} …}} first)"))?;
        if def.derived.is_some() {
            return Err(err!(
                Schema,
                "time dimension {name:?} is derived and cannot be supplied"
            ));
        }
        let instant = def.kind.as_ref().is_none_or(|k| k.as_str() == "instant");
        match v {
            Value::Inst(_) if instant => {}
            Value::Int(_) if !instant => {}
            other => {
                return Err(err!(
                    Schema,
                    "time dimension {name:?} wants {}, got {other:?}",
                    if instant { "an instant" } else { "a number" }
                ))
            }
        }
        values.insert(name.clone(), v.clone());
        defs.push(def);
    }
    // Derived dimensions whose operands this transaction carries.
    {
        let mut derived = Vec::new();
        for name in all_dimension_names(view)? {
            if let Some(def) = definition(view, &name)?.filter(|d| d.derived.is_some()) {
                derived.push(def);
            }
        }
        for def in derived {
            let Some((_, ops)) = &def.derived else {
                continue;
            };
            let (Some(a), Some(b)) = (values.get(&ops[0]), values.get(&ops[1])) else {
                continue;
            };
            let ms = |v: &Value| match v {
                Value::Inst(x) | Value::Int(x) => Some(*x),
                _ => None,
            };
            if let (Some(a), Some(b)) = (ms(a), ms(b)) {
                let diff = a
                    .checked_sub(b)
                    .ok_or_else(|| err!(Type, "derived dimension {:?} overflows", def.name))?;
                values.insert(def.name.clone(), Value::Int(diff));
                defs.push(def);
            }
        }
    }
    Ok((values, defs))
}

/// Checks every ordering constraint for the entities the transaction touches.
pub fn check_constraints(
    view: &View<'_>,
    defs: &[Dimension],
    values: &BTreeMap<Keyword, Value>,
    entities: &BTreeSet<EntityId>,
) -> Result<()> {
    // Constraints of every defined dimension that this transaction's values take part in.
    let mut pairs: Vec<(Keyword, Keyword)> = Vec::new();
    for d in defs {
        for after in &d.after {
            pairs.push((d.name.clone(), after.clone()));
        }
    }
    // Constraints declared on dimensions this transaction does not carry but whose `after` it does.
    for (name, _) in values.iter() {
        for other in all_dimension_names(view)? {
            if values.contains_key(&other) {
                continue;
            }
            if let Some(def) = definition(view, &other)? {
                if def.after.contains(name) {
                    pairs.push((other.clone(), name.clone()));
                }
            }
        }
    }
    for (later, earlier) in pairs {
        match (values.get(&later), values.get(&earlier)) {
            (Some(l), Some(e)) => {
                if l < e {
                    return Err(err!(
                        Schema,
                        "{later:?} {l:?} must not be before {earlier:?} {e:?}"
                    ));
                }
            }
            (Some(l), None) => {
                for ent in entities {
                    for e in recorded(view, *ent, &earlier)? {
                        if *l < e {
                            return Err(err!(Schema, "entity {ent}: {later:?} {l:?} must not be before its {earlier:?} {e:?}"));
                        }
                    }
                }
            }
            (None, Some(e)) => {
                for ent in entities {
                    for l in recorded(view, *ent, &later)? {
                        if l < *e {
                            return Err(err!(Schema, "entity {ent}: its {later:?} {l:?} must not be before {earlier:?} {e:?}"));
                        }
                    }
                }
            }
            (None, None) => {}
        }
    }
    Ok(())
}

fn all_dimension_names(view: &View<'_>) -> Result<Vec<Keyword>> {
    let Some(attr) = view.schema().get(&Keyword::new("dimension/name")) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for d in view.datoms(None, Some(attr.id), None)? {
        if let Value::Keyword(k) = d?.v {
            out.push(k);
        }
    }
    Ok(out)
}

/// The values of dimension `dim` carried by transactions that asserted facts about `e`.
fn recorded(view: &View<'_>, e: EntityId, dim: &Keyword) -> Result<Vec<Value>> {
    let mut txs = BTreeSet::new();
    for d in view.history(Some(e), None, None)? {
        let d = d?;
        if d.added {
            txs.insert(d.tx);
        }
    }
    Ok(txs
        .into_iter()
        .filter_map(|tx| view.tx_dim(tx, dim).cloned())
        .collect())
}

/// Writes a transaction's dimension values. When it carries an indexed dimension, also the
/// dimension's range-index entries and the transaction's log of `written` (every operation it
/// records in history), so a range of dimension values joins to datoms without a history scan.
pub fn stamp(
    batch: &mut WriteBatch,
    tx: EntityId,
    values: &BTreeMap<Keyword, Value>,
    defs: &[Dimension],
    written: &[RawDatom],
) {
    let map: BTreeMap<Value, Value> = values
        .iter()
        .map(|(k, v)| (Value::Keyword(k.clone()), v.clone()))
        .collect();
    let mut bytes = Vec::new();
    encode_value(&Value::Map(map), &mut bytes);
    batch.put(tx_dims_key(tx), bytes);
    let mut indexed = false;
    for d in defs.iter().filter(|d| d.indexed) {
        if let Some(v) = values.get(&d.name) {
            batch.put(dim_index_key(&d.name, v, tx), Vec::new());
            indexed = true;
        }
    }
    if indexed {
        for d in written {
            batch.put(log_key(d), Vec::new());
        }
    }
}

/// Refuses a change of `:dimension/indexed?` or `:dimension/name` on a dimension that
/// transactions carry (earlier ones, or `current`, this transaction's values): the range index and
/// the transactions' logs would cover only part of the dimension's history, and range reads would
/// silently miss the rest. Renaming counts, both ways: a carried name may not move to another
/// definition, nor a definition move away from it.
pub fn check_index_changes(
    view: &View<'_>,
    tx_data: &[Datom],
    tx_dims: &TxDims,
    current: &BTreeMap<Keyword, Value>,
) -> Result<()> {
    let watched = |a: &Keyword| matches!(a.as_str(), "dimension/indexed?" | "dimension/name");
    // Every transaction passes here; almost none touches a dimension definition.
    if !tx_data.iter().any(|d| watched(&d.a)) {
        return Ok(());
    }
    let name_attr = view
        .schema()
        .get(&Keyword::new("dimension/name"))
        .map(|a| a.id);
    for d in tx_data.iter().filter(|d| watched(&d.a)) {
        // Every name the entity has before or gets in this transaction.
        let mut names: Vec<Value> = tx_data
            .iter()
            .filter(|x| x.e == d.e && x.a.as_str() == "dimension/name")
            .map(|x| x.v.clone())
            .collect();
        if let Some(a) = name_attr {
            for x in view.datoms(Some(d.e), Some(a), None)? {
                names.push(x?.v);
            }
        }
        for name in names {
            let Value::Keyword(name) = name else {
                continue;
            };
            let carried = tx_dims.values().filter(|m| m.contains_key(&name)).count()
                + usize::from(current.contains_key(&name));
            if carried > 0 {
                return Err(err!(
                    Schema,
                    "time dimension {name:?}: :dimension/indexed? and :dimension/name cannot change once transactions carry it ({carried} do)"
                ));
            }
        }
    }
    Ok(())
}

/// Reads a stored [`stamp`] back.
pub fn decode_stamp(bytes: &[u8]) -> Result<BTreeMap<Keyword, Value>> {
    match crate::codec::decode_value(bytes)?.0 {
        Value::Map(m) => Ok(m
            .into_iter()
            .filter_map(|(k, v)| match k {
                Value::Keyword(k) => Some((k, v)),
                _ => None,
            })
            .collect()),
        other => Err(err!(Io, "stored time dimensions are not a map: {other:?}")),
    }
}
