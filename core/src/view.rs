//! A read-only view of the datoms: now, as of a transaction, or since one.
//!
//! Every read of the database — entity, pull, queries, the transaction's own reads — goes through a
//! [`View`]. It picks the index from which components are bound, and for `as_of` folds the history
//! index so that each (entity, attribute, value) shows its last operation at or before that point.

use crate::index::{
    avet_range, decode_current, decode_log, id_at, space, value_bounds, EntityId, Index, Prefix,
    RawDatom,
};
use crate::schema::{AttrId, Schema};
use crate::storage::{Cursor, Direction, KeyRange, ReadStorage, Visitor};
use crate::{Keyword, Result, Value};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Time-dimension values of the transactions that carried any: tx → {dimension → value}.
pub type TxDims = BTreeMap<EntityId, BTreeMap<Keyword, Value>>;

static NO_DIMS: TxDims = BTreeMap::new();

/// Which datoms a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Filter {
    /// The current state.
    #[default]
    Current,
    /// The state right after transaction `tx` (everything later is invisible).
    AsOf(EntityId),
    /// Current datoms asserted after transaction `tx`.
    Since(EntityId),
    /// The state just before transaction `tx`, when `tx` is the latest: the current datoms less
    /// those `tx` asserted, plus those it retracted (the view's `restored` datoms). Costs what the
    /// transaction changed, not what the history holds; live queries read the old state this way.
    Before(EntityId),
}

/// A read-only view over a storage and a schema.
#[derive(Clone, Copy)]
pub struct View<'a> {
    store: &'a dyn ReadStorage,
    schema: &'a Schema,
    filter: Filter,
    /// Datoms a `Before` view shows although they are no longer current.
    restored: &'a [RawDatom],
    /// Every transaction's time-dimension values.
    tx_dims: &'a TxDims,
    /// Upper bounds along user time dimensions: a transaction whose value for a bounded dimension
    /// lies past the bound is invisible; one without that dimension passes.
    bounds: &'a [(Keyword, Value)],
}

/// A lazy sequence of datoms.
pub type DatomIter<'a> = Box<dyn Iterator<Item = Result<RawDatom>> + 'a>;

impl<'a> View<'a> {
    /// A view of `store` with `schema`, showing what `filter` selects.
    pub fn new(store: &'a dyn ReadStorage, schema: &'a Schema, filter: Filter) -> Self {
        View {
            store,
            schema,
            filter,
            restored: &[],
            tx_dims: &NO_DIMS,
            bounds: &[],
        }
    }

    /// The same view, knowing each transaction's time-dimension values.
    pub fn with_dims(&self, tx_dims: &'a TxDims) -> View<'a> {
        View { tx_dims, ..*self }
    }

    /// The same view, as of `bounds` along user time dimensions.
    pub fn with_bounds(&self, bounds: &'a [(Keyword, Value)]) -> View<'a> {
        View { bounds, ..*self }
    }

    /// The value transaction `tx` carries for dimension `dim`, if any.
    pub fn tx_dim(&self, tx: EntityId, dim: &Keyword) -> Option<&'a Value> {
        self.tx_dims.get(&tx).and_then(|m| m.get(dim))
    }

    /// Whether operations of transaction `tx` are visible in this view.
    pub fn passes(&self, tx: EntityId) -> bool {
        let by_tx = match self.filter {
            Filter::Current => true,
            Filter::AsOf(t) => tx <= t,
            Filter::Since(t) => tx > t,
            Filter::Before(t) => tx != t,
        };
        by_tx
            && self
                .bounds
                .iter()
                .all(|(dim, bound)| self.tx_dim(tx, dim).is_none_or(|v| v <= bound))
    }

    /// Whether current-state reads must fold the history (as-of a transaction or along dimensions).
    fn folds_history(&self) -> bool {
        matches!(self.filter, Filter::AsOf(_)) || !self.bounds.is_empty()
    }

    /// The state just before `tx` (the latest transaction), given the datoms it retracted.
    pub fn before(&self, tx: EntityId, retracted: &'a [RawDatom]) -> View<'a> {
        View {
            filter: Filter::Before(tx),
            restored: retracted,
            ..*self
        }
    }

    /// The schema this view reads with.
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    /// What this view shows.
    pub fn filter(&self) -> Filter {
        self.filter
    }

    /// The same storage with another filter.
    pub fn with_filter(&self, filter: Filter) -> View<'a> {
        View { filter, ..*self }
    }

    /// Every visible datom matching the bound components, from the best index for them.
    pub fn datoms(
        &self,
        e: Option<EntityId>,
        a: Option<AttrId>,
        v: Option<&Value>,
    ) -> Result<DatomIter<'a>> {
        if self.folds_history() {
            return self.as_of_datoms(e, a, v);
        }
        let (index, prefix, v_filter) = match (e, a, v) {
            (Some(e), Some(a), Some(v)) => {
                (Index::Eavt, Prefix::new(space::EAVT).e(e).a(a).v(v), None)
            }
            (Some(e), Some(a), None) => (Index::Eavt, Prefix::new(space::EAVT).e(e).a(a), None),
            (Some(e), None, v) => (Index::Eavt, Prefix::new(space::EAVT).e(e), v.cloned()),
            (None, Some(a), Some(v)) => (Index::Avet, Prefix::new(space::AVET).a(a).v(v), None),
            (None, Some(a), None) => (Index::Aevt, Prefix::new(space::AEVT).a(a), None),
            (None, None, v) => (Index::Eavt, Prefix::new(space::EAVT), v.cloned()),
        };
        let iter = self.scan_current(index, prefix)?;
        let since = match self.filter {
            Filter::Since(t) => Some(t),
            _ => None,
        };
        let hidden = match self.filter {
            Filter::Before(t) => Some(t),
            _ => None,
        };
        let iter = iter.filter(move |d| match d {
            Ok(d) => {
                v_filter.as_ref().is_none_or(|v| &d.v == v)
                    && since.is_none_or(|t| d.tx > t)
                    && hidden.is_none_or(|t| d.tx != t)
            }
            Err(_) => true,
        });
        if hidden.is_none() {
            return Ok(Box::new(iter));
        }
        let restored = self.restored(e, a, v.cloned());
        Ok(Box::new(iter.chain(restored.cloned().map(Ok))))
    }

    /// Datoms of attribute `a` whose value lies in `[lo, hi]` (either bound optional), in value
    /// order: one AVET range scan for current views; a filtered attribute read otherwise.
    pub fn value_range(
        &self,
        a: AttrId,
        lo: Option<&Value>,
        hi: Option<&Value>,
    ) -> Result<DatomIter<'a>> {
        if self.folds_history() || !matches!(self.filter, Filter::Current) {
            let (lo, hi) = (lo.cloned(), hi.cloned());
            let iter = self.datoms(None, Some(a), None)?;
            return Ok(Box::new(iter.filter(move |d| match d {
                Ok(d) => {
                    lo.as_ref().is_none_or(|l| d.v >= *l) && hi.as_ref().is_none_or(|h| d.v <= *h)
                }
                Err(_) => true,
            })));
        }
        let iter = self.store.scan(avet_range(a, lo, hi), Direction::Forward)?;
        Ok(Box::new(iter.map(|r| {
            r.and_then(|(k, _)| decode_current(Index::Avet, &k))
        })))
    }

    /// Whether this view shows exactly the current indexes (no time filter, no dimension bounds).
    pub fn is_current(&self) -> bool {
        matches!(self.filter, Filter::Current) && self.bounds.is_empty()
    }

    /// For a view of the current indexes less one transaction's assertions plus its retractions
    /// (a `Before` view without dimension bounds): that transaction.
    /// [`visit_current`](Self::visit_current) skips its entries; readers add the matching
    /// [`restored`](Self::restored) datoms themselves. `None` for any other view.
    pub fn current_except(&self) -> Option<EntityId> {
        match self.filter {
            Filter::Before(t) if self.bounds.is_empty() => Some(t),
            _ => None,
        }
    }

    /// The datoms a `Before` view shows although they are no longer current (those its
    /// transaction retracted) matching the bound components; none for any other view.
    pub fn restored(
        &self,
        e: Option<EntityId>,
        a: Option<AttrId>,
        v: Option<Value>,
    ) -> impl Iterator<Item = &'a RawDatom> + 'a {
        let restored = match self.filter {
            Filter::Before(_) => self.restored,
            _ => &[],
        };
        restored.iter().filter(move |d| {
            e.is_none_or(|e| d.e == e)
                && a.is_none_or(|a| d.a == a)
                && v.as_ref().is_none_or(|v| &d.v == v)
        })
    }

    /// Lends each current-index entry in `range` to `f`, in key order, until it returns `false`
    /// (see [`ReadStorage::visit`]). For views where [`is_current`](Self::is_current) holds; for
    /// one with [`current_except`](Self::current_except), the entries of that transaction are
    /// left out (the reader adds the [`restored`](Self::restored) datoms).
    pub fn visit_current(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        skipping(self.current_except(), range, f, |r, g| {
            self.store.visit(r, g)
        })
    }

    /// A cursor for many [`visit_current`](Self::visit_current)s in a row: for a reader probing
    /// the index once per row, rows in key order (see [`Cursor`]).
    pub fn current_cursor(&self) -> CurrentCursor<'a> {
        CurrentCursor {
            cursor: self.store.cursor(),
            except: self.current_except(),
        }
    }

    /// The current datoms of one index under a byte prefix (see [`crate::index`]).
    pub fn scan_current(&self, index: Index, prefix: Prefix) -> Result<DatomIter<'a>> {
        let iter = self.store.scan(prefix.range(), Direction::Forward)?;
        Ok(Box::new(iter.map(move |r| {
            r.and_then(|(k, _)| decode_current(index, &k))
        })))
    }

    /// Datoms whose ref value points at `target` (VAET), optionally through one attribute.
    pub fn refs_to(&self, target: EntityId, a: Option<AttrId>) -> Result<DatomIter<'a>> {
        if self.folds_history() {
            // History has no VAET: find refs by scanning ref attributes' history.
            let mut out = Vec::new();
            for attr in self
                .schema
                .iter()
                .filter(|x| x.is_ref() && a.is_none_or(|a| a == x.id))
            {
                let v = Value::Int(i64::try_from(target).unwrap_or(i64::MAX));
                for d in self.datoms(None, Some(attr.id), Some(&v))? {
                    out.push(d?);
                }
            }
            return Ok(Box::new(out.into_iter().map(Ok)));
        }
        let mut p = Prefix::new(space::VAET).e(target);
        if let Some(a) = a {
            p = p.a(a);
        }
        let iter = self.scan_current(Index::Vaet, p)?;
        let Filter::Before(t) = self.filter else {
            return Ok(iter);
        };
        let schema = self.schema;
        let restored = self.restored.iter().filter(move |d| {
            a.is_none_or(|a| d.a == a)
                && crate::index::ref_target(&d.v) == Some(target)
                && schema.by_id(d.a).is_some_and(|x| x.is_ref())
        });
        Ok(Box::new(
            iter.filter(move |d| d.as_ref().map_or(true, |d| d.tx != t))
                .chain(restored.cloned().map(Ok)),
        ))
    }

    /// Every assertion and retraction ever made matching the bound components, visible to this view
    /// (for `AsOf(t)`: those at or before `t`), in index order then transaction order.
    ///
    /// A datom's assertion is in the current indexes while it is true and in a history entry once
    /// retracted (with its retraction), so both are read, each under the same components: `EAVT`
    /// with `HEAVT`, or `AEVT` with `HAEVT` (the same layout under another space byte).
    pub fn history(
        &self,
        e: Option<EntityId>,
        a: Option<AttrId>,
        v: Option<&Value>,
    ) -> Result<DatomIter<'a>> {
        let entity_first = e.is_some() || a.is_none();
        let prefix = |space: u8| {
            let p = Prefix::new(space);
            match (e, a, v) {
                (Some(e), Some(a), Some(v)) => p.e(e).a(a).v(v),
                (Some(e), Some(a), None) => p.e(e).a(a),
                (Some(e), None, _) => p.e(e),
                (None, Some(a), _) => p.a(a),
                (None, None, _) => p,
            }
        };
        // The prefix leaves the value out unless entity and attribute come before it.
        let v_filter = match (e, a) {
            (Some(_), Some(_)) => None,
            _ => v,
        };
        let (current, history) = match entity_first {
            true => (Index::Eavt, space::HEAVT),
            false => (Index::Aevt, space::HAEVT),
        };
        let v_filter = v_filter.cloned();
        let view = *self;
        let keep =
            move |d: &RawDatom| v_filter.as_ref().is_none_or(|v| &d.v == v) && view.passes(d.tx);
        Ok(Box::new(crate::history::Merge::new(
            self.store
                .scan(prefix(current.space()).range(), Direction::Forward)?,
            self.store
                .scan(prefix(history).range(), Direction::Forward)?,
            current,
            Box::new(keep),
        )))
    }

    /// The visible transactions whose value for the indexed dimension `dim` lies in `[lo, hi]`
    /// (either bound optional), in value order, read from the dimension's range index. Only
    /// meaningful for a dimension indexed since its first use (the transaction layer refuses to
    /// change `:dimension/indexed?` once transactions carry the dimension).
    pub fn dim_range(
        &self,
        dim: &Keyword,
        lo: Option<&Value>,
        hi: Option<&Value>,
    ) -> Result<impl Iterator<Item = Result<(Value, EntityId)>> + 'a> {
        let dim = Value::Keyword(dim.clone());
        let range = value_bounds(|| Prefix::new(space::DIM_INDEX).v(&dim), lo, hi);
        let view = *self;
        Ok(self
            .store
            .scan(range, Direction::Forward)?
            .map(|r| r.and_then(|(k, _)| crate::index::decode_dim_index(&k)))
            .filter(move |r| r.as_ref().map_or(true, |(_, tx)| view.passes(*tx))))
    }

    /// The operations transaction `tx` logged (it carried an indexed dimension), optionally of
    /// attribute `a` (and entity `e`), if this view shows `tx`.
    pub fn log(
        &self,
        tx: EntityId,
        a: Option<AttrId>,
        e: Option<EntityId>,
    ) -> Result<DatomIter<'a>> {
        if !self.passes(tx) {
            return Ok(Box::new(core::iter::empty()));
        }
        let prefix = match (a, e) {
            (Some(a), Some(e)) => Prefix::new(space::TXLOG).tx(tx).a(a).e(e),
            (Some(a), None) => Prefix::new(space::TXLOG).tx(tx).a(a),
            (None, _) => Prefix::new(space::TXLOG).tx(tx),
        };
        let iter = self.store.scan(prefix.range(), Direction::Forward)?;
        Ok(Box::new(iter.map(|r| r.and_then(|(k, _)| decode_log(&k)))))
    }

    /// As-of: fold each (e, a, v) group of the history to its last visible operation.
    fn as_of_datoms(
        &self,
        e: Option<EntityId>,
        a: Option<AttrId>,
        v: Option<&Value>,
    ) -> Result<DatomIter<'a>> {
        let mut out: Vec<RawDatom> = Vec::new();
        let mut last: Option<RawDatom> = None;
        for d in self.history(e, a, v)? {
            let d = d?;
            match &mut last {
                Some(l) if l.e == d.e && l.a == d.a && l.v == d.v => *l = d,
                _ => {
                    if let Some(l) = last.take() {
                        if l.added {
                            out.push(l);
                        }
                    }
                    last = Some(d);
                }
            }
        }
        if let Some(l) = last {
            if l.added {
                out.push(l);
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }

    /// The entity holding unique value `v` of attribute `a`, if any.
    pub fn entity_with(&self, a: AttrId, v: &Value) -> Result<Option<EntityId>> {
        match self.datoms(None, Some(a), Some(v))?.next() {
            Some(d) => Ok(Some(d?.e)),
            None => Ok(None),
        }
    }

    /// The entity a lookup ref `[a v]` names, if any. An attribute nobody declared is kind
    /// `lookup`; one that is not `:db/unique` is kind `schema`.
    pub fn lookup_ref(&self, a: &Keyword, v: &Value) -> Result<Option<EntityId>> {
        let attr = self
            .schema
            .get(a)
            .ok_or_else(|| crate::err!(Lookup, "lookup ref [{a:?} {v:?}]: no such attribute"))?;
        if attr.unique.is_none() {
            return Err(crate::err!(
                Schema,
                "lookup ref [{a:?} {v:?}]: {a:?} is not :db/unique"
            ));
        }
        self.entity_with(attr.id, v)
    }

    /// The visible datoms of entity `e`, in attribute order.
    pub fn entity_datoms(&self, e: EntityId) -> Result<Vec<RawDatom>> {
        self.entity_attr_datoms(e, None)
    }

    /// [`entity_datoms`](Self::entity_datoms), read through `cursor` (one of this view's) when
    /// the view is current.
    pub(crate) fn entity_datoms_via(
        &self,
        cursor: &mut CurrentCursor<'_>,
        e: EntityId,
    ) -> Result<Vec<RawDatom>> {
        if !self.is_current() {
            return self.entity_datoms(e);
        }
        entity_entries(e, None, |range, f| cursor.visit_current(range, f))
    }

    /// The datoms of entity `e`, of attribute `a` only when given, in `EAVT` order.
    pub fn entity_attr_datoms(&self, e: EntityId, a: Option<AttrId>) -> Result<Vec<RawDatom>> {
        if self.is_current() {
            // Entries lent, not copied: pull and entity reads, and each transaction's look at
            // the values it changes, come here.
            return entity_entries(e, a, |range, f| self.store.visit(range, f));
        }
        self.datoms(Some(e), a, None)?.collect()
    }
}

/// The current datoms of entity `e` (of attribute `a` only, when given), read by `visit`.
fn entity_entries(
    e: EntityId,
    a: Option<AttrId>,
    visit: impl FnOnce(KeyRange, &mut Visitor<'_>) -> Result<()>,
) -> Result<Vec<RawDatom>> {
    // A whole entity: a few datoms, one allocation; one attribute: often none at all.
    let (prefix, mut out) = match a {
        Some(a) => (Prefix::new(space::EAVT).e(e).a(a), Vec::new()),
        None => (Prefix::new(space::EAVT).e(e), Vec::with_capacity(8)),
    };
    visit(prefix.range(), &mut |k, _| {
        out.push(decode_current(Index::Eavt, k)?);
        Ok(true)
    })?;
    Ok(out)
}

/// Visits of a view's current indexes, one after the other ([`View::current_cursor`]).
pub struct CurrentCursor<'a> {
    cursor: Box<dyn Cursor + 'a>,
    except: Option<EntityId>,
}

impl CurrentCursor<'_> {
    /// As [`View::visit_current`].
    pub fn visit_current(&mut self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        let cursor = &mut self.cursor;
        skipping(self.except, range, f, |r, g| cursor.visit(r, g))
    }
}

/// Visits `range` through `visit`, lending `f` every entry but those of transaction `except`.
fn skipping(
    except: Option<EntityId>,
    range: KeyRange,
    f: &mut Visitor<'_>,
    visit: impl FnOnce(KeyRange, &mut Visitor<'_>) -> Result<()>,
) -> Result<()> {
    match except {
        None => visit(range, f),
        // Every current key ends with its transaction: no decoding to tell.
        Some(t) => visit(range, &mut |k, v| {
            if id_at(k, k.len().saturating_sub(8))? == t {
                Ok(true)
            } else {
                f(k, v)
            }
        }),
    }
}
