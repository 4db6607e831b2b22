//! Pattern evaluation straight from index entries, for the shapes most queries are made of.
//!
//! The general path (`eval::eval_pattern`) resolves each distinct binding, collects the matching
//! datoms as rows of four values, caches them, then joins: several allocations per datom. For a
//! pattern with a constant attribute on a current view — `[?e :a ?v]` with `?e` bound, or `?e`
//! free and `?v` bound, range-bounded or free — this module probes the one index that answers it
//! and builds output rows directly from the entries the storage lends ([`ReadStorage::visit`]);
//! also `?e` bound on a live query's view of the state before a transaction. Anything else
//! (other time-filtered views, `:at/` or transitive patterns, a variable attribute, a
//! lookup ref as a ref value, a cross product) stays on the general path, which gives the same
//! results.
//!
//! [`ReadStorage::visit`]: crate::storage::ReadStorage::visit

use super::eval::{const_attr_row, entity_of, extend_row, Slot};
use super::merge;
use super::rel::Rel;
use crate::index::{avet_range, decode_current, id_at, space, EntityId, Index, Prefix};
use crate::view::View;
use crate::{Result, Value};
use alloc::vec::Vec;

/// A value bound for `[lo, hi]` on the pattern's value (either side optional).
pub type Bounds = (Option<Value>, Option<Value>);

/// The rows of `rel` extended by the pattern's new variables, or `None` when the pattern's shape
/// is not one this module handles. `fresh` and `width` are as in `eval_pattern`; `charge` is
/// called with the number of datoms each probe matched (the query's step budget).
pub fn eval(
    view: &View<'_>,
    slots: &[Slot],
    rel: &Rel,
    fresh: &[(usize, usize)],
    width: usize,
    range: Option<&Bounds>,
    charge: &mut dyn FnMut(usize) -> Result<()>,
) -> Result<Option<Vec<Vec<Value>>>> {
    let [e_slot, Slot::Const(Value::Keyword(kw)), v_slot, tx_slot] = slots else {
        return Ok(None);
    };
    // A live query's state before a transaction reads the current indexes too, skipping the
    // transaction's assertions and adding back its retractions: handled for probes by entity
    // (the seeded evaluations live queries run), where the restored datoms are easy to pick.
    let hidden = view.current_except();
    if !view.is_current() && (hidden.is_none() || matches!(e_slot, Slot::Free(_))) {
        return Ok(None);
    }
    // A pattern that binds nothing from the relation would probe the same thing for every row:
    // the general path probes once for all of them.
    let joins = slots.iter().any(|s| matches!(s, Slot::Col(_)));
    if !joins && rel.rows.len() > 1 {
        return Ok(None);
    }
    let Some(attr) = view.schema().get(kw) else {
        return Ok(Some(Vec::new()));
    };
    let a = attr.id;
    let is_ref = attr.is_ref();
    // A sorted entity column and a value that does not vary by row: one walk over the
    // attribute may beat a probe per row (see `merge`).
    if let (Slot::Col(col), Slot::Free(_) | Slot::Const(_), Slot::Free(_) | Slot::Const(_)) =
        (e_slot, v_slot, tx_slot)
    {
        let worth =
            view.schema().count(a) <= (rel.rows.len() as u64).saturating_mul(merge::WALK_PER_ROW);
        let v = match v_slot {
            Slot::Const(v) => Some(v),
            _ => None,
        };
        let lookup_ref = is_ref && matches!(v, Some(Value::Vector(_) | Value::List(_)));
        if worth && rel.rows.len() > 1 && !lookup_ref && hidden.is_none() {
            if let Some(ids) = merge::sorted_entities(rel, *col) {
                let tx = match tx_slot {
                    Slot::Const(t) => Some(t),
                    _ => None,
                };
                let walk = merge::Walk { a, v, tx };
                let (rows, matched) = merge::join(view, rel, &ids, &walk, fresh, width)?;
                charge(matched)?;
                return Ok(Some(rows));
            }
        }
    }
    let bound = |s: &Slot, row: &[Value]| -> Option<Value> {
        match s {
            Slot::Const(c) => Some(c.clone()),
            Slot::Col(i) => row.get(*i).cloned(),
            Slot::Free(_) => None,
        }
    };
    // A lookup ref naming the target of a ref attribute: the general path resolves it. Checked
    // before any probe, so no row is charged twice.
    if is_ref
        && rel
            .rows
            .iter()
            .any(|row| matches!(bound(v_slot, row), Some(Value::Vector(_) | Value::List(_))))
    {
        return Ok(None);
    }
    let mut out = Vec::new();
    // Rows often come in entity order: each probe starts from where the last one ended.
    let mut cursor = view.current_cursor();
    for row in &rel.rows {
        let v = bound(v_slot, row);
        let tx = bound(tx_slot, row);
        let e = match bound(e_slot, row) {
            Some(x) => match entity_of(view, &x)? {
                Some(id) => Some(id),
                None => continue,
            },
            None => None,
        };
        // `known`: with the value bound, the key's tail after the prefix is (entity,) tx — read
        // from the bytes instead of decoding the key.
        let (index, keys, known) = match (e, &v, range) {
            (Some(e), v, _) => {
                let p = Prefix::new(space::EAVT).e(e).a(a);
                let (p, known) = match v {
                    Some(v) => (p.v(v), true),
                    None => (p, false),
                };
                (Index::Eavt, p.range(), known)
            }
            (None, Some(v), _) => (
                Index::Avet,
                Prefix::new(space::AVET).a(a).v(v).range(),
                true,
            ),
            (None, None, Some((lo, hi))) => {
                (Index::Avet, avet_range(a, lo.as_ref(), hi.as_ref()), false)
            }
            (None, None, None) => (Index::Aevt, Prefix::new(space::AEVT).a(a).range(), false),
        };
        let tail = keys.start.len();
        let mut matched = 0;
        // A matching datom (its transaction as the pattern asks) extends the row.
        let mut emit = |de: EntityId, dv: Value, dtx: EntityId| {
            if tx.as_ref().is_none_or(|t| *t == Value::Int(dtx as i64)) {
                matched += 1;
                out.extend(extend_row(row, &const_attr_row(de, dv, dtx), fresh, width));
            }
        };
        cursor.visit_current(keys, &mut |k, _| {
            let (de, dv, dtx) = match (known, index, e, &v) {
                (true, Index::Eavt, Some(e), Some(v)) => (e, v.clone(), id_at(k, tail)?),
                (true, Index::Avet, _, Some(v)) => {
                    (id_at(k, tail)?, v.clone(), id_at(k, tail + 8)?)
                }
                _ => {
                    let d = decode_current(index, k)?;
                    (d.e, d.v, d.tx)
                }
            };
            emit(de, dv, dtx);
            Ok(true)
        })?;
        // On a live query's state before a transaction: what the transaction retracted.
        if let Some(e) = e {
            for d in view.restored(Some(e), Some(a), v.clone()) {
                emit(d.e, d.v.clone(), d.tx);
            }
        }
        charge(matched)?;
    }
    Ok(Some(out))
}
