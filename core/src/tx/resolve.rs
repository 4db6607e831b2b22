//! Entity references into ids: lookup refs, upserts through `:db.unique/identity`, tempids.
//!
//! Order matters and follows Datomic: lookup refs resolve against the database before the
//! transaction; a tempid asserting an identity value that an existing entity holds becomes that
//! entity; tempids asserting the same new identity value become one entity; every other tempid gets
//! a fresh id, in order of first appearance.

use super::parse::{ERef, Op, Parsed, TempId, VRef};
use crate::index::EntityId;
use crate::schema::{Schema, Unique};
use crate::view::View;
use crate::{err, Keyword, Result, Value};
use alloc::collections::BTreeMap;
use alloc::string::ToString;

/// Tempid → entity id, for one transaction.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Every tempid's entity id.
    pub ids: BTreeMap<TempId, EntityId>,
    /// The next free entity id after this transaction.
    pub next_eid: EntityId,
}

/// The id a lookup ref names, or a `lookup` error (resolved against the state before the
/// transaction).
pub fn lookup(view: &View<'_>, a: &Keyword, v: &Value) -> Result<EntityId> {
    view.lookup_ref(a, v)?
        .ok_or_else(|| err!(Lookup, "lookup ref [{a:?} {v:?}] names no entity"))
}

/// Resolves every tempid of `parsed`, allocating new ids from `next_eid`.
pub fn resolve_tempids(
    parsed: &Parsed,
    view: &View<'_>,
    schema: &Schema,
    next_eid: EntityId,
) -> Result<Resolution> {
    let mut upserted: BTreeMap<TempId, EntityId> = BTreeMap::new();
    // (attribute, value) of new identity values → the first tempid asserting it.
    let mut claimed: BTreeMap<(Keyword, Value), TempId> = BTreeMap::new();
    let mut alias: BTreeMap<TempId, TempId> = BTreeMap::new();
    for op in &parsed.ops {
        let Op::Add(ERef::Temp(t), a, VRef::Val(v)) = op else {
            continue;
        };
        let Some(attr) = schema.get(a) else { continue };
        if attr.unique != Some(Unique::Identity) {
            continue;
        }
        match view.entity_with(attr.id, v)? {
            Some(existing) => match upserted.get(t) {
                Some(prev) if *prev != existing => {
                    return Err(err!(
                    Unique,
                    "tempid {} upserts to two entities: {prev} and {existing} (via {a:?} {v:?})",
                    show(t)
                ))
                }
                _ => {
                    upserted.insert(t.clone(), existing);
                }
            },
            None => {
                let key = (a.clone(), v.clone());
                match claimed.get(&key) {
                    Some(first) if first != t => {
                        alias.insert(t.clone(), first.clone());
                    }
                    Some(_) => {}
                    None => {
                        claimed.insert(key, t.clone());
                    }
                }
            }
        }
    }
    let mut res = Resolution {
        ids: BTreeMap::new(),
        next_eid,
    };
    for t in &parsed.temp_order {
        let root = root_of(t, &alias);
        let id = match upserted.get(root).or_else(|| upserted.get(t)) {
            Some(id) => *id,
            None => match res.ids.get(root) {
                Some(id) => *id,
                None => {
                    let id = res.next_eid;
                    res.next_eid += 1;
                    id
                }
            },
        };
        res.ids.insert(t.clone(), id);
        res.ids.insert(root.clone(), id);
    }
    Ok(res)
}

fn root_of<'t>(t: &'t TempId, alias: &'t BTreeMap<TempId, TempId>) -> &'t TempId {
    let mut cur = t;
    // Aliases point at the first claimant, which is never itself aliased: one hop suffices, but
    // follow a few in case chains form through several identity attributes.
    for _ in 0..8 {
        match alias.get(cur) {
            Some(next) => cur = next,
            None => break,
        }
    }
    cur
}

/// How a tempid reads in messages.
pub fn show(t: &TempId) -> alloc::string::String {
    match t {
        TempId::Str(s) => alloc::format!("{s:?}"),
        TempId::Neg(n) => n.to_string(),
        TempId::Auto(n) => alloc::format!("(map #{n})"),
    }
}
