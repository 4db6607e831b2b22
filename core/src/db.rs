//! The database: storage, schema, counters and the host's clock, tied together.
//!
//! ```
//! use dfdb_core::{Database, Value, edn};
//! let mut db = Database::in_memory();
//! let report = db.transact_edn(r#"[{:db/id "ann" :person/name "Ann" :person/age 31}]"#).unwrap();
//! let ann = report.tempids[&Value::str("ann")];
//! let e = db.entity(ann).unwrap().unwrap();
//! assert_eq!(e[&Value::kw("person/age")], Value::Int(31));
//! ```

use crate::codec::{decode_value, get_u64};
use crate::index::{
    meta_key, space, tx_key, EntityId, Index, Prefix, RawDatom, FORMAT_VERSION, TX0,
};
use crate::live::{
    Change, Live, LiveCallback, SubscribeOptions, SubscriptionId, SubscriptionStats,
};
use crate::schema::{AttrId, Attribute, Schema};
use crate::storage::{Direction, KeyRange, MemoryStorage, Storage};
use crate::tx::{meta, prepare, Counters, Datom, TxInput, TxReport};
use crate::view::{Filter, TxDims, View};
use crate::{err, Keyword, Result, Value};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// A clock supplied by the host: milliseconds since the Unix epoch.
pub type Clock = Box<dyn Fn() -> i64>;

/// A listener called with every committed transaction's report.
pub type Listener = Box<dyn FnMut(&TxReport)>;

/// A dfdb database over any [`Storage`].
pub struct Database {
    storage: Box<dyn Storage>,
    schema: Schema,
    counters: Counters,
    /// (tx id, instant) of every transaction, in order, for `as_of(instant)`.
    tx_instants: TxInstants,
    /// Time-dimension values of every transaction that carried any.
    tx_dims: TxDims,
    clock: Option<Clock>,
    listeners: BTreeMap<u64, Listener>,
    next_listener: u64,
    live: Live,
    closed: bool,
}

impl core::fmt::Debug for Database {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Database")
            .field("counters", &self.counters)
            .field("attributes", &self.schema.len())
            .finish()
    }
}

/// Where an as-of map points: a transaction (from `:time/system`) and bounds along user dimensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeBounds {
    /// The last visible transaction, if transaction time is bounded.
    pub tx: Option<EntityId>,
    /// Upper bounds along user dimensions.
    pub dims: Vec<(Keyword, Value)>,
}

/// A point in transaction time: a transaction id or an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePoint {
    /// Right after this transaction.
    Tx(EntityId),
    /// Right after the last transaction at or before this instant (ms since epoch).
    Instant(i64),
}

impl Database {
    /// A new, empty database in memory, without a clock (instants then come from the transactions).
    pub fn in_memory() -> Self {
        Database::fresh(Box::new(MemoryStorage::new()), None)
    }

    /// A database over an empty storage; the first transaction writes the format marker.
    fn fresh(storage: Box<dyn Storage>, clock: Option<Clock>) -> Self {
        Database {
            storage,
            schema: Schema::new(),
            counters: Counters {
                next_eid: 1,
                next_tx: TX0,
                last_instant: 0,
            },
            tx_instants: Vec::new(),
            tx_dims: TxDims::new(),
            clock,
            listeners: BTreeMap::new(),
            next_listener: 0,
            live: Live::default(),
            closed: false,
        }
    }

    /// Opens the database kept in `storage` (an empty storage is a new database).
    /// A storage written by format version 2 is upgraded in place first (one atomic batch, see
    /// `upgrade.rs`); one written by another version, or holding data that is not dfdb's, is
    /// refused with kind `io`.
    pub fn open(mut storage: Box<dyn Storage>, clock: Option<Clock>) -> Result<Self> {
        let Some(bytes) = storage.get(&meta_key(meta::FORMAT))? else {
            if storage
                .scan(KeyRange::all(), Direction::Forward)?
                .next()
                .is_some()
            {
                return Err(err!(
                    Io,
                    "storage is not empty but holds no dfdb format marker"
                ));
            }
            return Ok(Database::fresh(storage, clock));
        };
        let (version, _) = get_u64(&bytes)?;
        if version != FORMAT_VERSION {
            crate::upgrade::upgrade(&mut *storage, version)?;
        }
        let (schema, counters, tx_instants) = load(&*storage)?;
        let mut tx_dims = TxDims::new();
        for entry in storage.scan(KeyRange::prefix(&[space::TX_DIMS]), Direction::Forward)? {
            let (k, v) = entry?;
            let (tx, _) = get_u64(k.get(1..).unwrap_or(&[]))?;
            tx_dims.insert(tx, crate::time::decode_stamp(&v)?);
        }
        let mut db = Database::fresh(storage, clock);
        db.schema = schema;
        db.counters = counters;
        db.tx_instants = tx_instants;
        db.tx_dims = tx_dims;
        Ok(db)
    }

    /// Opens with a schema map (`{:attr {:db/cardinality …}}`), applied as one transaction if it
    /// changes anything.
    pub fn open_with_schema(
        storage: Box<dyn Storage>,
        clock: Option<Clock>,
        schema: &Value,
    ) -> Result<Self> {
        let mut db = Database::open(storage, clock)?;
        db.ensure_schema(schema)?;
        Ok(db)
    }

    /// Transacts the schema map's definitions that differ from the current schema.
    pub fn ensure_schema(&mut self, schema: &Value) -> Result<()> {
        let mut tx_data = Vec::new();
        for (ident, props) in Schema::parse_map(schema)? {
            let mut wanted = match self.schema.get(&ident) {
                Some(a) => a.clone(),
                None => Attribute::new(0, ident.clone()),
            };
            wanted.apply_props(&props)?;
            if self.schema.get(&ident).is_some_and(|a| *a == wanted) {
                continue;
            }
            let mut m = props;
            m.insert(Value::kw("db/ident"), Value::Keyword(ident.clone()));
            // A map without a db/ key would not read as a definition: say cardinality explicitly.
            m.entry(Value::kw("db/cardinality"))
                .or_insert(Value::kw("db.cardinality/one"));
            tx_data.push(Value::Map(m));
        }
        if !tx_data.is_empty() {
            self.transact(TxInput::new(Value::Vector(tx_data)))?;
        }
        Ok(())
    }

    /// The current schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The counters (next entity id, next tx id, last instant).
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Fails with kind `closed` once [`Database::close`] has run (reads that the schema alone could
    /// answer must fail too, not return empty results).
    fn check_open(&self) -> Result<()> {
        if self.closed {
            return Err(err!(Closed, "the database is closed"));
        }
        Ok(())
    }

    /// A view of the current state.
    pub fn view(&self) -> View<'_> {
        current_view(self.storage.as_ref(), &self.schema, &self.tx_dims)
    }

    /// Commits one transaction: all of it, or (on any error) nothing.
    pub fn transact(&mut self, input: TxInput) -> Result<TxReport> {
        self.check_open()?;
        let now = match &self.clock {
            Some(clock) => clock(),
            None => self.counters.last_instant,
        };
        let view = self.view();
        let (dims, defs) = match &input.time_dimensions {
            Some(given) if !given.is_empty() => crate::time::resolve(&view, given)?,
            _ => Default::default(),
        };
        let mut prepared = prepare(&view, self.counters, &input, now, !dims.is_empty())?;
        if !dims.is_empty() {
            let entities = prepared.report.tx_data.iter().map(|d| d.e);
            let entities = entities
                .chain(prepared.reasserted.iter().map(|d| d.e))
                .collect();
            crate::time::check_constraints(&view, &defs, &dims, &entities)?;
            let written = written_datoms(&prepared)?;
            crate::time::stamp(
                &mut prepared.batch,
                prepared.report.tx,
                &dims,
                &defs,
                &written,
            );
        }
        crate::time::check_index_changes(&view, &prepared.report.tx_data, &self.tx_dims, &dims)?;
        self.storage.write(prepared.batch)?;
        if !dims.is_empty() {
            self.tx_dims.insert(prepared.report.tx, dims);
        }
        self.schema = prepared.schema;
        self.counters = prepared.counters;
        self.tx_instants
            .push((prepared.report.tx, prepared.report.tx_instant));
        if !self.live.is_empty() {
            self.maintain_live(&prepared.report, &prepared.retracted, &prepared.reasserted)?;
        }
        for l in self.listeners.values_mut() {
            l(&prepared.report);
        }
        Ok(prepared.report)
    }

    /// Brings every live query up to date with the transaction just committed.
    fn maintain_live(
        &mut self,
        report: &TxReport,
        retracted: &[RawDatom],
        reasserted: &[RawDatom],
    ) -> Result<()> {
        let mut datoms: Vec<Datom> = report.tx_data.iter().filter(|d| d.added).cloned().collect();
        for d in retracted.iter().chain(reasserted) {
            datoms.push(Datom::from_raw(&self.schema, d)?);
        }
        let Database {
            storage,
            schema,
            live,
            tx_dims,
            ..
        } = self;
        let new = current_view(storage.as_ref(), schema, tx_dims);
        let change = Change {
            old: new.before(report.tx, retracted),
            new,
            datoms: &datoms,
        };
        live.after_tx(&change);
        Ok(())
    }

    /// Subscribes to `query` (with `inputs` for its `:in` after `$`): returns the subscription's id
    /// and current result; `callback` then receives each change of the result. See [`crate::live`].
    pub fn subscribe(
        &mut self,
        query: &Value,
        inputs: &[Value],
        callback: LiveCallback,
    ) -> Result<(SubscriptionId, Value)> {
        self.subscribe_with(query, inputs, SubscribeOptions::default(), callback)
    }

    /// [`Database::subscribe`] with options (watched dimensions, a transform of each diff).
    pub fn subscribe_with(
        &mut self,
        query: &Value,
        inputs: &[Value],
        options: SubscribeOptions,
        mut callback: LiveCallback,
    ) -> Result<(SubscriptionId, Value)> {
        self.check_open()?;
        for dim in &options.watch_dimensions {
            if dim.as_str() != crate::time::SYSTEM
                && crate::time::definition(&self.view(), dim)?.is_none()
            {
                return Err(err!(
                    Schema,
                    ":watch-dimensions names {dim:?}, which is not a declared time dimension"
                ));
            }
        }
        if let Some(transform) = options.transform {
            callback = Box::new(move |d| match d {
                Ok(diff) => callback(Ok(&transform(diff))),
                Err(e) => callback(Err(e)),
            });
        }
        let Database {
            storage,
            schema,
            live,
            tx_dims,
            ..
        } = self;
        live.subscribe(
            current_view(storage.as_ref(), schema, tx_dims),
            query,
            inputs,
            callback,
        )
    }

    /// Stops a live query; returns whether it existed.
    pub fn unsubscribe(&mut self, id: SubscriptionId) -> bool {
        self.live.unsubscribe(id)
    }

    /// A live query's accumulated result (equal to a fresh run of its query).
    pub fn subscription_result(&self, id: SubscriptionId) -> Option<Result<Value>> {
        self.live.result(id)
    }

    /// What a live query's state holds.
    pub fn subscription_stats(&self, id: SubscriptionId) -> Option<SubscriptionStats> {
        self.live.stats(id)
    }

    /// Parses EDN tx-data (a vector, or a map `{:tx-data … :tx-meta …}`) and transacts it.
    pub fn transact_edn(&mut self, text: &str) -> Result<TxReport> {
        let v = crate::edn::read_with(text, &crate::edn::tx_data_options())?;
        self.transact(tx_input_from_value(v)?)
    }

    /// Registers a listener for every committed transaction; returns its key for [`Database::unlisten`].
    pub fn listen(&mut self, listener: Listener) -> u64 {
        let key = self.next_listener;
        self.next_listener += 1;
        self.listeners.insert(key, listener);
        key
    }

    /// Removes a listener; returns whether it existed.
    pub fn unlisten(&mut self, key: u64) -> bool {
        self.listeners.remove(&key).is_some()
    }

    /// All current attributes of entity `e` as a map (card-many as sets, refs as `{:db/id n}`, and
    /// `:db/id`), or `None` if it has none.
    pub fn entity(&self, e: EntityId) -> Result<Option<BTreeMap<Value, Value>>> {
        self.check_open()?;
        self.view().entity(e)
    }

    /// The entity holding `value` for unique attribute `attr`.
    pub fn entity_by(&self, attr: &Keyword, value: &Value) -> Result<Option<EntityId>> {
        self.check_open()?;
        self.view().entity_by(attr, value)
    }

    /// A view as of a transaction or an instant.
    pub fn as_of(&self, t: TimePoint) -> Result<View<'_>> {
        self.check_open()?;
        Ok(self.view().with_filter(Filter::AsOf(self.resolve_time(t)?)))
    }

    /// The bounds an as-of map `{:time/system #inst … :time/shipped #inst …}` names. `:time/system`
    /// bounds transaction time; every other key bounds a declared user dimension.
    pub fn time_bounds(&self, as_of: &Value) -> Result<TimeBounds> {
        self.check_open()?;
        let entries = crate::edn::map_entries(as_of).ok_or_else(|| {
            err!(
                Parse,
                ":as-of must be a map of time dimension to instant, got {as_of:?}"
            )
        })?;
        let view = self.view();
        let mut bounds = TimeBounds::default();
        for (k, v) in entries {
            let Value::Keyword(dim) = k else {
                return Err(err!(
                    Schema,
                    "as-of key {k:?} is not a time dimension keyword"
                ));
            };
            if dim.as_str() == crate::time::SYSTEM {
                let Value::Inst(ms) = v else {
                    return Err(err!(Schema, ":time/system wants an instant, got {v:?}"));
                };
                bounds.tx = Some(self.resolve_time(TimePoint::Instant(*ms))?);
                continue;
            }
            if crate::time::definition(&view, dim)?.is_none() {
                return Err(err!(Schema, "as-of along {dim:?}: no such time dimension"));
            }
            bounds.dims.push((dim.clone(), v.clone()));
        }
        Ok(bounds)
    }

    /// A view as of `bounds` (see [`Database::time_bounds`]).
    pub fn view_at<'a>(&'a self, bounds: &'a TimeBounds) -> View<'a> {
        let view = match bounds.tx {
            Some(tx) => self.view().with_filter(Filter::AsOf(tx)),
            None => self.view(),
        };
        view.with_bounds(&bounds.dims)
    }

    /// Runs a query given as EDN data: a query, or `{:query Q :as-of {dimension instant …}}`,
    /// with `inputs` for its `:in` after `$`.
    pub fn query(&self, query: &Value, inputs: &[Value]) -> Result<Value> {
        self.check_open()?;
        let (q, as_of) = match crate::edn::map_entries(query) {
            Some(entries) if entries.iter().any(|(k, _)| **k == Value::kw("query")) => {
                let mut q = None;
                let mut as_of = None;
                for (k, v) in entries {
                    match k.as_keyword().map(Keyword::as_str) {
                        Some("query") => q = Some(v),
                        Some("as-of") => as_of = Some(v),
                        _ => {
                            return Err(err!(
                                Parse,
                                "unknown key {k:?} in a {{:query … :as-of …}} map"
                            ))
                        }
                    }
                }
                (q.ok_or_else(|| err!(Parse, "missing :query"))?, as_of)
            }
            _ => (query, None),
        };
        let bounds = match as_of {
            Some(m) => self.time_bounds(m)?,
            None => TimeBounds::default(),
        };
        crate::query::q_on(self.view_at(&bounds), q, inputs)
    }

    /// A view of the current datoms asserted after `t`.
    pub fn since(&self, t: TimePoint) -> Result<View<'_>> {
        self.check_open()?;
        Ok(self
            .view()
            .with_filter(Filter::Since(self.resolve_time(t)?)))
    }

    /// The transaction a time point stands for (`TX0 - 1` before the first transaction).
    pub fn resolve_time(&self, t: TimePoint) -> Result<EntityId> {
        match t {
            TimePoint::Tx(tx) => Ok(tx),
            TimePoint::Instant(ms) => {
                let n = self.tx_instants.partition_point(|(_, i)| *i <= ms);
                Ok(
                    match n.checked_sub(1).and_then(|i| self.tx_instants.get(i)) {
                        Some((tx, _)) => *tx,
                        None => TX0 - 1,
                    },
                )
            }
        }
    }

    /// The instant of transaction `tx`, if it exists.
    pub fn tx_instant(&self, tx: EntityId) -> Result<Option<i64>> {
        match self.storage.get(&tx_key(tx))? {
            None => Ok(None),
            Some(b) => match decode_value(&b)?.0 {
                Value::Inst(ms) => Ok(Some(ms)),
                other => Err(err!(Io, "transaction {tx} has a bad instant {other:?}")),
            },
        }
    }

    /// The current datoms of `index` whose leading components equal `components`
    /// (entity ids as `Int`, attributes as keywords).
    pub fn datoms(&self, index: Index, components: &[Value]) -> Result<Vec<Datom>> {
        self.check_open()?;
        self.view().index_datoms(index, components)
    }

    /// Every assertion and retraction of entity `e` (all entities when `None`), oldest first.
    pub fn history(&self, e: Option<EntityId>) -> Result<Vec<Datom>> {
        self.check_open()?;
        let view = self.view();
        let mut out: Vec<Datom> = Vec::new();
        for d in view.history(e, None, None)? {
            out.push(Datom::from_raw(&self.schema, &d?)?);
        }
        out.sort_by(|a, b| {
            (a.tx, !a.added, a.e, &a.a, &a.v).cmp(&(b.tx, !b.added, b.e, &b.a, &b.v))
        });
        Ok(out)
    }

    /// Lets the storage reclaim space.
    pub fn compact(&mut self) -> Result<()> {
        self.storage.compact()
    }

    /// Closes the storage; later calls fail with kind `closed`.
    pub fn close(&mut self) -> Result<()> {
        self.closed = true;
        self.storage.close()
    }

    /// Gives the storage back (e.g. to reopen it).
    pub fn into_storage(self) -> Box<dyn Storage> {
        self.storage
    }
}

/// Every operation a prepared transaction records in history, by attribute id.
fn written_datoms(prepared: &crate::tx::Prepared) -> Result<Vec<RawDatom>> {
    let mut out = Vec::with_capacity(prepared.report.tx_data.len() + prepared.reasserted.len());
    for d in &prepared.report.tx_data {
        let a = prepared
            .schema
            .get(&d.a)
            .ok_or_else(|| err!(Schema, "attribute {:?} vanished from the schema", d.a))?;
        out.push(RawDatom {
            e: d.e,
            a: a.id,
            v: d.v.clone(),
            tx: d.tx,
            added: d.added,
        });
    }
    out.extend(prepared.reasserted.iter().cloned());
    Ok(out)
}

/// The current state of a database's parts: callers that also borrow another field mutably
/// (live queries) cannot go through [`Database::view`].
fn current_view<'a>(storage: &'a dyn Storage, schema: &'a Schema, tx_dims: &'a TxDims) -> View<'a> {
    View::new(storage, schema, Filter::Current).with_dims(tx_dims)
}

/// Reads a transaction given as EDN data: a tx-data vector, or `{:tx-data … :tx-meta … :tx-instant …}`.
pub fn tx_input_from_value(v: Value) -> Result<TxInput> {
    let outer: Option<BTreeMap<Value, Value>> = crate::edn::map_entries(&v).map(|es| {
        es.into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    });
    match outer {
        Some(mut m) => {
            let tx_data = m
                .remove(&Value::kw("tx-data"))
                .ok_or_else(|| err!(Parse, "a transaction map needs :tx-data"))?;
            let tx_meta = match m.remove(&Value::kw("tx-meta")) {
                None | Some(Value::Nil) => None,
                Some(meta) => match crate::edn::normalize(&meta) {
                    Value::Map(meta) => Some(meta),
                    other => return Err(err!(Parse, ":tx-meta must be a map, got {other:?}")),
                },
            };
            let tx_instant = match m.remove(&Value::kw("tx-instant")) {
                None | Some(Value::Nil) => None,
                Some(Value::Inst(ms)) => Some(ms),
                Some(other) => {
                    return Err(err!(Type, ":tx-instant must be an instant, got {other:?}"))
                }
            };
            let time_dimensions = match m.remove(&Value::kw("time-dimensions")) {
                None | Some(Value::Nil) => None,
                Some(dims) => match crate::edn::normalize(&dims) {
                    Value::Map(dims) => Some(dims),
                    other => {
                        return Err(err!(
                            Schema,
                            ":time-dimensions must be a map, got {other:?}"
                        ))
                    }
                },
            };
            if let Some(k) = m.keys().next() {
                return Err(err!(Parse, "unknown transaction key {k:?}"));
            }
            Ok(TxInput {
                tx_data,
                tx_meta,
                tx_instant,
                time_dimensions,
            })
        }
        None => Ok(TxInput::new(v)),
    }
}

/// Reads schema, counters and transaction instants back from storage.
/// (tx id, instant) of every transaction, in order.
type TxInstants = Vec<(EntityId, i64)>;

fn load(storage: &dyn Storage) -> Result<(Schema, Counters, TxInstants)> {
    let b = storage
        .get(&meta_key(meta::COUNTERS))?
        .ok_or_else(|| err!(Io, "storage lacks its counters"))?;
    let word = |i: usize| -> Result<u64> { Ok(get_u64(b.get(i * 8..).unwrap_or(&[]))?.0) };
    let counters = Counters {
        next_eid: word(0)?,
        next_tx: word(1)?,
        last_instant: word(2)? as i64,
    };
    let mut schema = Schema::new();
    for entry in storage.scan(KeyRange::prefix(&[space::ATTR]), Direction::Forward)? {
        let (k, v) = entry?;
        let (id, _) = crate::codec::get_u32(k.get(1..).unwrap_or(&[]))?;
        schema.push_loaded(Attribute::from_value(id, &decode_value(&v)?.0)?)?;
    }
    for entry in storage.scan(KeyRange::prefix(&[space::STATS]), Direction::Forward)? {
        let (k, v) = entry?;
        let (group, _) = crate::codec::get_u32(k.get(1..).unwrap_or(&[]))?;
        let counts = v.chunks_exact(8);
        if !counts.remainder().is_empty() {
            return Err(err!(Io, "statistics of group {group}: {} bytes", v.len()));
        }
        let first = u64::from(group) * u64::from(crate::index::STATS_GROUP);
        for (i, count) in counts.enumerate() {
            // Counts of ids past `AttrId::MAX` (a corrupt key) name no attribute.
            if let Ok(a) = AttrId::try_from(first + i as u64) {
                schema.set_count(a, get_u64(count)?.0);
            }
        }
    }
    let mut tx_instants = Vec::new();
    for entry in storage.scan(KeyRange::prefix(&[space::TX]), Direction::Forward)? {
        let (k, v) = entry?;
        let (tx, _) = get_u64(k.get(1..).unwrap_or(&[]))?;
        match decode_value(&v)?.0 {
            Value::Inst(ms) => tx_instants.push((tx, ms)),
            other => return Err(err!(Io, "transaction {tx} has a bad instant {other:?}")),
        }
    }
    Ok((schema, counters, tx_instants))
}

impl View<'_> {
    /// All visible attributes of `e` as an entity map, or `None` if it has none.
    pub fn entity(&self, e: EntityId) -> Result<Option<BTreeMap<Value, Value>>> {
        let datoms = self.entity_datoms(e)?;
        if datoms.is_empty() {
            return Ok(None);
        }
        let mut m: BTreeMap<Value, Value> = BTreeMap::new();
        m.insert(Value::kw("db/id"), Value::Int(e as i64));
        for d in datoms {
            let attr = self.schema().attr(d.a)?;
            let v = if attr.is_ref() {
                let mut r = BTreeMap::new();
                r.insert(Value::kw("db/id"), d.v);
                Value::Map(r)
            } else {
                d.v
            };
            let key = Value::Keyword(attr.ident.clone());
            if attr.is_many() {
                match m
                    .entry(key)
                    .or_insert_with(|| Value::Set(Default::default()))
                {
                    Value::Set(s) => {
                        s.insert(v);
                    }
                    _ => {
                        return Err(err!(
                            Io,
                            "entity {e}: mixed cardinality for {:?}",
                            attr.ident
                        ))
                    }
                }
            } else {
                m.insert(key, v);
            }
        }
        Ok(Some(m))
    }

    /// The entity holding `value` for unique attribute `attr`.
    pub fn entity_by(&self, attr: &Keyword, value: &Value) -> Result<Option<EntityId>> {
        let Some(a) = self.schema().get(attr) else {
            return Ok(None);
        };
        if a.unique.is_none() {
            return Err(err!(
                Schema,
                "{attr:?} is not :db/unique; entity_by needs a unique attribute"
            ));
        }
        self.entity_with(a.id, value)
    }

    /// The visible datoms of `index` under leading `components`.
    pub fn index_datoms(&self, index: Index, components: &[Value]) -> Result<Vec<Datom>> {
        let eid = |v: &Value| -> Result<EntityId> {
            match v {
                Value::Int(i) if *i >= 0 => Ok(*i as u64),
                Value::Ref(r) => Ok(*r),
                other => Err(err!(Type, "{other:?} is not an entity id")),
            }
        };
        let attr = |v: &Value| -> Result<Option<u32>> {
            match v {
                Value::Keyword(k) => Ok(self.schema().get(k).map(|a| a.id)),
                other => Err(err!(Type, "{other:?} is not an attribute keyword")),
            }
        };
        if components.len() > 3 {
            return Err(err!(
                Parse,
                "datoms takes at most 3 components, got {}",
                components.len()
            ));
        }
        let c = |i: usize| components.get(i);
        let mut out = Vec::new();
        let raw: Vec<_> = match index {
            Index::Eavt => {
                let e = c(0).map(eid).transpose()?;
                let a = match c(1) {
                    Some(v) => match attr(v)? {
                        Some(a) => Some(a),
                        None => return Ok(out),
                    },
                    None => None,
                };
                self.datoms(e, a, c(2))?.collect::<Result<_>>()?
            }
            Index::Aevt | Index::Avet => {
                let a = match c(0) {
                    Some(v) => match attr(v)? {
                        Some(a) => Some(a),
                        None => return Ok(out),
                    },
                    None => None,
                };
                let (e, v) = if index == Index::Aevt {
                    (c(1).map(eid).transpose()?, c(2))
                } else {
                    (c(2).map(eid).transpose()?, c(1))
                };
                let mut ds: Vec<_> = self.datoms(e, a, v)?.collect::<Result<_>>()?;
                if index == Index::Avet {
                    ds.sort_by(|x, y| (x.a, &x.v, x.e).cmp(&(y.a, &y.v, y.e)));
                } else {
                    ds.sort_by(|x, y| (x.a, x.e, &x.v).cmp(&(y.a, y.e, &y.v)));
                }
                ds
            }
            Index::Vaet => {
                let Some(target) = c(0).map(eid).transpose()? else {
                    return self
                        .scan_current(Index::Vaet, Prefix::new(space::VAET))?
                        .map(|d| Datom::from_raw(self.schema(), &d?))
                        .collect();
                };
                let a = match c(1) {
                    Some(v) => match attr(v)? {
                        Some(a) => Some(a),
                        None => return Ok(out),
                    },
                    None => None,
                };
                let e = c(2).map(eid).transpose()?;
                self.refs_to(target, a)?
                    .filter(|d| d.as_ref().map_or(true, |d| e.is_none_or(|e| d.e == e)))
                    .collect::<Result<_>>()?
            }
        };
        for d in raw {
            out.push(Datom::from_raw(self.schema(), &d)?);
        }
        Ok(out)
    }
}
