//! Applying resolved operations to a working copy of the touched (entity, attribute) value sets.
//!
//! Each touched (e, a) is loaded once from the current index; operations edit the in-memory set;
//! at the end the difference between what was loaded and what remains is the transaction's datoms.
//! This makes redundant assertions and retractions of absent values produce nothing, by construction.

use super::value_set::{Loaded, ValueSet};
use crate::index::{EntityId, RawDatom};
use crate::schema::{AttrId, Attribute, Schema, Unique};
use crate::view::View;
use crate::{err, Result, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use hashbrown::HashMap;

/// The values of one (entity, attribute): as loaded, and as edited by the transaction.
#[derive(Debug)]
struct Slot {
    /// Value → the transaction that asserted it.
    before: Loaded,
    after: ValueSet,
}

/// The transaction's working state.
pub struct Working<'v> {
    view: View<'v>,
    /// User entity ids from here up (below the transaction ids) were never used before this
    /// transaction: the counter passes every id a transaction names, so they hold nothing stored.
    fresh_from: EntityId,
    slots: BTreeMap<(EntityId, AttrId), Slot>,
    /// Values asserted although already held (recorded in history for dimensioned transactions).
    again: BTreeSet<(EntityId, AttrId, Value)>,
    /// The slots of reference attributes each entity id is a value in, for `retract_entity`'s
    /// search for references that storage does not hold yet (asserted by this transaction): built
    /// by the first `retractEntity` from every slot, kept up by later assertions. Entries may be
    /// stale (a value retracted since); each is checked against its slot when used.
    holders: Option<HashMap<EntityId, Vec<(EntityId, AttrId)>>>,
}

/// The datoms one transaction asserts and retracts.
#[derive(Debug, Default)]
pub struct Diff {
    /// Current datoms that stop being true (with the tx that asserted them).
    pub retracted: Vec<RawDatom>,
    /// New datoms (tx still unset: 0).
    pub asserted: Vec<RawDatom>,
    /// Datoms asserted again while already true (tx still unset: 0).
    pub reasserted: Vec<RawDatom>,
}

impl<'v> Working<'v> {
    /// An empty working state reading from `view`, where no entity from `fresh_from` (the entity
    /// counter before this transaction) up to the transaction ids holds anything yet.
    pub fn new(view: View<'v>, fresh_from: EntityId) -> Self {
        Working {
            view,
            fresh_from,
            slots: BTreeMap::new(),
            again: BTreeSet::new(),
            holders: None,
        }
    }

    fn slot(&mut self, e: EntityId, a: AttrId) -> Result<&mut Slot> {
        if !self.slots.contains_key(&(e, a)) {
            let mut before = Loaded::Empty;
            // An entity this transaction creates has nothing stored: no index probe.
            let fresh = (self.fresh_from..crate::index::TX0).contains(&e);
            if !fresh {
                for d in self.view.entity_attr_datoms(e, Some(a))? {
                    before.insert(d.v, d.tx);
                }
            }
            let after = before.values();
            self.slots.insert((e, a), Slot { before, after });
        }
        self.slots
            .get_mut(&(e, a))
            .ok_or_else(|| err!(Io, "working slot vanished"))
    }

    /// The values `e` holds for `a` at this point of the transaction.
    pub fn values(&mut self, e: EntityId, a: AttrId) -> Result<&ValueSet> {
        Ok(&self.slot(e, a)?.after)
    }

    /// Asserts `v` for `attr`; unless `many`, replaces whatever was there.
    pub fn add(&mut self, e: EntityId, attr: &Attribute, v: Value, many: bool) -> Result<()> {
        let a = attr.id;
        let s = self.slot(e, a)?;
        if !many {
            s.after.clear();
        }
        let again = s.before.contains(&v);
        s.after.insert(v.clone());
        if let (Some(holders), true) = (&mut self.holders, attr.is_ref()) {
            if let Some(target) = crate::index::ref_target(&v) {
                holders.entry(target).or_default().push((e, a));
            }
        }
        if again {
            self.again.insert((e, a, v));
        }
        Ok(())
    }

    /// Retracts `v` (nothing happens if `e` does not hold it).
    pub fn retract(&mut self, e: EntityId, a: AttrId, v: &Value) -> Result<()> {
        self.slot(e, a)?.after.remove(v);
        Ok(())
    }

    /// Retracts every value of `a` on `e`.
    pub fn retract_all(&mut self, e: EntityId, a: AttrId) -> Result<()> {
        self.slot(e, a)?.after.clear();
        Ok(())
    }

    /// Retracts every value of `attr` on `e` (`[:db/retract e a]`, `retractAttribute`); for a
    /// component attribute the components go too, as with [`retract_entity`](Self::retract_entity)
    /// (and as in DataScript), while retracting one value keeps its entity.
    pub fn retract_attribute(
        &mut self,
        e: EntityId,
        attr: &Attribute,
        schema: &Schema,
    ) -> Result<()> {
        let owned: Vec<EntityId> = match attr.is_component {
            true => self
                .values(e, attr.id)?
                .iter()
                .filter_map(crate::index::ref_target)
                .collect(),
            false => Vec::new(),
        };
        self.retract_all(e, attr.id)?;
        for c in owned {
            self.retract_entity(c, schema)?;
        }
        Ok(())
    }

    /// Retracts every attribute of `e`, every ref to `e`, and (recursively) its components.
    pub fn retract_entity(&mut self, e: EntityId, schema: &Schema) -> Result<()> {
        // Components still to retract, and those already retracted besides `root` (allocated
        // only when the entity has components).
        let root = e;
        let mut todo = Vec::new();
        let mut seen = BTreeSet::new();
        let mut next = Some(root);
        while let Some(e) = next {
            self.retract_one(e, schema, &mut todo)?;
            next = core::iter::from_fn(|| todo.pop()).find(|&c| c != root && seen.insert(c));
        }
        Ok(())
    }

    /// Retracts every datom of `e` and every reference to it; pushes its components on `todo`.
    fn retract_one(
        &mut self,
        e: EntityId,
        schema: &Schema,
        todo: &mut Vec<EntityId>,
    ) -> Result<()> {
        // One read of the entity loads the slot of every attribute it holds (not yet loaded),
        // instead of one index seek per attribute. The datoms come in attribute order.
        let mut datoms = self.view.entity_datoms(e)?.into_iter().peekable();
        while let Some(d) = datoms.next() {
            let mut before = Loaded::One(d.v, d.tx);
            while let Some(more) = datoms.next_if(|x| x.a == d.a) {
                before.insert(more.v, more.tx);
            }
            self.slots.entry((e, d.a)).or_insert_with(|| Slot {
                after: before.values(),
                before,
            });
        }
        let attrs: Vec<AttrId> = self
            .slots
            .range((e, 0)..=(e, AttrId::MAX))
            .map(|((_, a), _)| *a)
            .collect();
        for a in attrs {
            let attr = schema.attr(a)?;
            if attr.is_component {
                for v in self.values(e, a)?.iter() {
                    if let Some(c) = crate::index::ref_target(v) {
                        todo.push(c);
                    }
                }
            }
            self.retract_all(e, a)?;
        }
        // Without reference attributes nothing can point at `e`.
        if !schema.has_refs() {
            return Ok(());
        }
        let target =
            Value::Int(i64::try_from(e).map_err(|_| err!(Type, "entity id {e} too large"))?);
        let mut incoming = Vec::new();
        for d in self.view.refs_to(e, None)? {
            let d = d?;
            incoming.push((d.e, d.a));
        }
        // References this transaction asserted (storage's are in `refs_to`).
        let holders = self
            .holders
            .get_or_insert_with(|| holders_of(&self.slots, schema));
        for &(src, a) in holders.get(&e).map(Vec::as_slice).unwrap_or(&[]) {
            let holds = self
                .slots
                .get(&(src, a))
                .is_some_and(|slot| slot.after.contains(&target));
            if holds {
                incoming.push((src, a));
            }
        }
        for (src, a) in incoming {
            self.retract(src, a, &target)?;
        }
        Ok(())
    }

    /// The net change, checked against unique constraints.
    pub fn finish(self, schema: &Schema) -> Result<Diff> {
        let mut diff = Diff::default();
        for (e, a, v) in &self.again {
            let held = self
                .slots
                .get(&(*e, *a))
                .is_some_and(|s| s.after.contains(v));
            if held {
                diff.reasserted.push(RawDatom {
                    e: *e,
                    a: *a,
                    v: v.clone(),
                    tx: 0,
                    added: true,
                });
            }
        }
        // (attribute, value) → entity, for unique values asserted by this transaction.
        let mut claimed: BTreeMap<(AttrId, &Value), EntityId> = BTreeMap::new();
        for ((e, a), slot) in &self.slots {
            for (v, tx) in slot.before.iter() {
                if !slot.after.contains(v) {
                    diff.retracted.push(RawDatom {
                        e: *e,
                        a: *a,
                        v: v.clone(),
                        tx,
                        added: true,
                    });
                }
            }
            let unique = schema.attr(*a)?.unique.is_some();
            for v in slot.after.iter() {
                if slot.before.contains(v) {
                    continue;
                }
                if unique {
                    if let Some(other) = claimed.insert((*a, v), *e) {
                        if other != *e {
                            return Err(self.unique_error(schema, *a, v, other, *e));
                        }
                    }
                    if let Some(holder) = self.view.entity_with(*a, v)? {
                        let still_holds = match self.slots.get(&(holder, *a)) {
                            Some(s) => s.after.contains(v),
                            None => true,
                        };
                        if holder != *e && still_holds {
                            return Err(self.unique_error(schema, *a, v, holder, *e));
                        }
                    }
                }
                diff.asserted.push(RawDatom {
                    e: *e,
                    a: *a,
                    v: v.clone(),
                    tx: 0,
                    added: true,
                });
            }
        }
        Ok(diff)
    }

    fn unique_error(
        &self,
        schema: &Schema,
        a: AttrId,
        v: &Value,
        holder: EntityId,
        e: EntityId,
    ) -> crate::Error {
        let (name, kind) = match schema.by_id(a) {
            Some(attr) => (attr.ident.clone(), attr.unique),
            None => (crate::Keyword::new("?"), None),
        };
        let kind = if kind == Some(Unique::Identity) {
            "identity"
        } else {
            "value"
        };
        err!(Unique, "{name:?} {v:?} (unique {kind}) is held by entity {holder}; entity {e} cannot assert it")
    }
}

/// Every slot of a reference attribute each entity id is a value in (see `Working::holders`).
fn holders_of(
    slots: &BTreeMap<(EntityId, AttrId), Slot>,
    schema: &Schema,
) -> HashMap<EntityId, Vec<(EntityId, AttrId)>> {
    let mut out: HashMap<EntityId, Vec<(EntityId, AttrId)>> = HashMap::new();
    let is_ref = |a: AttrId| schema.by_id(a).is_some_and(|x| x.is_ref());
    for (&(e, a), slot) in slots.iter().filter(|((_, a), _)| is_ref(*a)) {
        for target in slot.after.iter().filter_map(crate::index::ref_target) {
            out.entry(target).or_default().push((e, a));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{edn, Database, Value};

    /// The values of `attr` on the entity named `name`, as `#{[v] …}`.
    fn values(db: &Database, name: &str, attr: &str) -> Value {
        let q = alloc::format!(r#"[:find ?v :where [?e :name "{name}"] [?e {attr} ?v]]"#);
        db.query(&edn::read(&q).expect("query"), &[]).expect("run")
    }

    fn friends_of(db: &Database, name: &str) -> Value {
        values(db, name, ":friend")
    }

    /// `retractEntity` removes the references to its entity that the same transaction asserted,
    /// before it (found by the index of holders built on the first `retractEntity`) or between
    /// two of them (added to that index as they are asserted); a reference asserted after it
    /// stays.
    #[test]
    fn retract_entity_finds_references_asserted_in_its_transaction() {
        let mut db = Database::in_memory();
        db.transact_edn(
            "[{:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]",
        )
        .expect("schema");
        db.transact_edn(r#"[{:db/id 1 :name "a"} {:db/id 2 :name "b"} {:db/id 3 :name "c"} {:db/id 4 :name "d"}]"#)
            .expect("people");
        db.transact_edn(
            r#"[[:db/add 3 :friend 1]
                [:db/retractEntity 1]
                [:db/add 3 :friend 2]
                [:db/add 4 :friend 2]
                [:db/retractEntity 2]
                [:db/add 4 :friend 3]]"#,
        )
        .expect("tx");
        assert_eq!(friends_of(&db, "c"), edn::read("#{}").expect("empty"));
        assert_eq!(friends_of(&db, "d"), edn::read("#{[3]}").expect("d"));
        db.transact_edn("[[:db/retractEntity 4] [:db/add 3 :friend 4]]")
            .expect("tx");
        assert_eq!(friends_of(&db, "c"), edn::read("#{[4]}").expect("c"));
        // A stored reference loaded into the transaction before the first retractEntity; one
        // retracted and asserted again after it; a cardinality-one reference replaced after it.
        db.transact_edn(
            "[{:db/ident :best :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]",
        )
        .expect("schema");
        db.transact_edn(r#"[{:db/id 5 :name "e" :best 3} {:db/id 6 :name "f" :best 4}]"#)
            .expect("best");
        db.transact_edn(
            r#"[[:db/add 5 :friend 4]
                [:db/retractEntity 9]
                [:db/retract 3 :friend 4]
                [:db/add 3 :friend 4]
                [:db/add 6 :best 5]
                [:db/retractEntity 4]
                [:db/retractEntity 3]]"#,
        )
        .expect("tx");
        assert_eq!(friends_of(&db, "c"), edn::read("#{}").expect("c gone"));
        assert_eq!(friends_of(&db, "e"), edn::read("#{}").expect("e"));
        let best = |name: &str| values(&db, name, ":best");
        assert_eq!(best("e"), edn::read("#{}").expect("e's best was 3"));
        assert_eq!(best("f"), edn::read("#{[5]}").expect("f's best is 5"));
    }
}
