//! Transactions: tx-data in, one atomic storage batch and a report out.
//!
//! [`prepare`] reads the database (never writes it) and returns a [`Prepared`] transaction: the
//! batch of every key to put and delete, the new schema and counters, and the report. The database
//! writes the batch in one call and only then adopts the rest, so a transaction that fails at any
//! point — parsing, resolution, a constraint, the storage write — leaves no trace.

mod apply;
pub mod parse;
mod report;
mod resolve;
mod value_set;

pub use report::{Datom, Delta, TxReport};

use crate::codec::{encode_value, put_u64};
use crate::index::{
    attr_key, history_value, meta_key, tx_key, write_current_key, write_history_key,
    write_meta_key, EntityId, Index, RawDatom,
};
use crate::schema::{check_type, AttrId, Attribute, Schema};
use crate::storage::WriteBatch;
use crate::view::View;
use crate::{err, Keyword, Result, Value};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use apply::Working;
use parse::{ERef, Op, TempId, VRef};
use resolve::{lookup, resolve_tempids, show, Resolution};

/// What the database's counters are before a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counters {
    /// The next unused entity id.
    pub next_eid: EntityId,
    /// The id the next transaction gets.
    pub next_tx: EntityId,
    /// The instant of the latest transaction (ms since epoch).
    pub last_instant: i64,
}

/// One transaction's input.
#[derive(Clone, Debug)]
pub struct TxInput {
    /// The tx-data vector.
    pub tx_data: Value,
    /// Attributes to assert on the transaction entity.
    pub tx_meta: Option<BTreeMap<Value, Value>>,
    /// The transaction's instant; `None` takes the host clock's.
    pub tx_instant: Option<i64>,
    /// Values along user time dimensions (`:time/…` → instant) that stamp every datom written.
    pub time_dimensions: Option<BTreeMap<Value, Value>>,
}

impl TxInput {
    /// A transaction of plain tx-data.
    pub fn new(tx_data: Value) -> Self {
        TxInput {
            tx_data,
            tx_meta: None,
            tx_instant: None,
            time_dimensions: None,
        }
    }
}

/// A transaction ready to write.
#[derive(Debug)]
pub struct Prepared {
    /// Every key to put and delete, as one atomic batch.
    pub batch: WriteBatch,
    /// The schema after the transaction.
    pub schema: Schema,
    /// The counters after the transaction.
    pub counters: Counters,
    /// What happened.
    pub report: TxReport,
    /// The datoms this transaction retracted, with the transactions that had asserted them.
    pub retracted: Vec<RawDatom>,
    /// Datoms asserted again while already true; recorded in history only when `record_again`.
    pub reasserted: Vec<RawDatom>,
}

/// Metadata key names.
pub mod meta {
    /// The storage format version.
    pub const FORMAT: &str = "format";
    /// The counters, one value of three big-endian u64s: the next entity id, the next transaction
    /// id and the last transaction's instant (its i64 bit pattern). One key, not three: every
    /// transaction rewrites it.
    pub const COUNTERS: &str = "counters";
}

/// Prepares a transaction against `view` (the current state) without writing anything.
/// Redundant assertions are left out unless `record_again`: then (for transactions carrying time
/// dimensions) they are recorded in history, so the fact is seen along the new time coordinates.
pub fn prepare(
    view: &View<'_>,
    counters: Counters,
    input: &TxInput,
    now: i64,
    record_again: bool,
) -> Result<Prepared> {
    let mut schema = view.schema().clone();
    let mut parsed = parse::parse(&input.tx_data, &schema)?;
    if let Some(meta) = &input.tx_meta {
        for (k, v) in meta {
            let a = k
                .as_keyword()
                .ok_or_else(|| err!(Parse, "tx-meta key {k:?} is not a keyword"))?;
            if v.is_nil() {
                return Err(err!(Type, "nil is not a valid value for {a:?} in tx-meta"));
            }
            parsed
                .ops
                .push(Op::Add(ERef::Tx, a.clone(), VRef::Val(v.clone())));
        }
    }
    let tx = counters.next_tx;
    // Attribute definitions go in first; room for the datoms' keys is made once they are known.
    let mut batch = WriteBatch::new();
    let mut instant = input.tx_instant.unwrap_or(now.max(counters.last_instant));

    // Schema first: definitions in this transaction govern its own values.
    for op in &parsed.ops {
        if let Op::Schema(ident, props) = op {
            define_attribute(view, &mut schema, ident, props, &mut batch)?;
        }
    }
    let res = resolve_tempids(&parsed, view, &schema, counters.next_eid)?;
    let mut ctx = Ctx {
        view,
        res,
        tx,
        schema: &mut schema,
        batch: &mut batch,
    };
    let mut work = Working::new(*view, counters.next_eid);
    for op in &parsed.ops {
        match op {
            Op::Schema(..) => {}
            Op::Add(e, a, v) => {
                let e = ctx.entity(e)?;
                let v = ctx.value(v)?;
                if e == tx && a.as_str() == "db/txInstant" {
                    instant = match v {
                        Value::Inst(ms) => ms,
                        other => {
                            return Err(err!(
                                Type,
                                ":db/txInstant must be an instant, got {other:?}"
                            ))
                        }
                    };
                    continue;
                }
                let attr = ctx.attr(a)?;
                check_type(&attr, &v)?;
                work.add(e, &attr, v, attr.is_many())?;
            }
            Op::Retract(e, a, v) => {
                let e = ctx.entity(e)?;
                let Some(attr) = ctx.schema.get(a).cloned() else {
                    continue;
                };
                match v {
                    Some(v) => {
                        let v = ctx.value(v)?;
                        work.retract(e, attr.id, &v)?
                    }
                    None => work.retract_attribute(e, &attr, ctx.schema)?,
                }
            }
            Op::RetractEntity(e) => {
                let e = ctx.entity(e)?;
                work.retract_entity(e, ctx.schema)?;
            }
            Op::Cas(e, a, old, new) => {
                let e = ctx.entity(e)?;
                let attr = ctx.attr(a)?;
                let old = old.as_ref().map(|o| ctx.value(o)).transpose()?;
                let new = ctx.value(new)?;
                check_type(&attr, &new)?;
                let cur = work.values(e, attr.id)?;
                let ok = match &old {
                    None => cur.is_empty(),
                    Some(o) => cur.len() == 1 && cur.contains(o),
                };
                if !ok {
                    return Err(err!(
                        Lookup,
                        "cas on entity {e} {a:?}: expected {old:?}, found {:?}",
                        cur.iter().collect::<Vec<_>>()
                    ));
                }
                work.add(e, &attr, new, false)?;
            }
            Op::Assoc(e, a, k, v) => {
                let e = ctx.entity(e)?;
                let attr = ctx.attr(a)?;
                let mut m = match work.values(e, attr.id)?.iter().next() {
                    None => BTreeMap::new(),
                    Some(Value::Map(m)) => m.clone(),
                    Some(other) => {
                        return Err(err!(
                            Type,
                            ":db/assoc on {a:?} of entity {e}: value {other:?} is not a map"
                        ))
                    }
                };
                m.insert(k.clone(), v.clone());
                let v = Value::Map(m);
                check_type(&attr, &v)?;
                work.add(e, &attr, v, false)?;
            }
            Op::Conj(e, a, v) => {
                let e = ctx.entity(e)?;
                let attr = ctx.attr(a)?;
                let mut xs = match work.values(e, attr.id)?.iter().next() {
                    None => Vec::new(),
                    Some(Value::Vector(xs)) => xs.clone(),
                    Some(other) => {
                        return Err(err!(
                            Type,
                            ":db/conj on {a:?} of entity {e}: value {other:?} is not a vector"
                        ))
                    }
                };
                xs.push(v.clone());
                let v = Value::Vector(xs);
                check_type(&attr, &v)?;
                work.add(e, &attr, v, false)?;
            }
        }
    }
    let next_eid = ctx.res.next_eid;
    let tempids = tempid_report(&ctx.res, tx);
    let mut diff = work.finish(&schema)?;
    if instant < counters.last_instant {
        return Err(err!(
            Type,
            "transaction instant {instant} is earlier than the previous transaction's ({})",
            counters.last_instant
        ));
    }

    // A retraction deletes three or four current keys and writes two history keys, an assertion
    // writes three or four; the statistics, the counters and the instant come on top. Keys are
    // mostly under 32 bytes.
    let ops = diff.retracted.len() * 6 + diff.asserted.len() * 4 + 8;
    batch.reserve(ops, ops * 32);
    let mut report = TxReport {
        tx,
        tx_instant: instant,
        tempids,
        ..TxReport::default()
    };
    let closed = match diff.retracted.is_empty() {
        true => Vec::new(),
        false => history_value(Some(tx)),
    };
    for d in &diff.retracted {
        let attr = schema.attr(d.a)?;
        for &index in indexes_of(attr) {
            batch.delete_with(|k| write_current_key(index, d, k))?;
        }
        // The datom's time as a current datom is over: it moves to history, keyed by the
        // transaction that asserted it (`d.tx`), valued with this one.
        put_history(&mut batch, d, &closed)?;
        let r = RawDatom {
            tx,
            added: false,
            ..d.clone()
        };
        report.push(&schema, &r)?;
    }
    for d in &mut diff.asserted {
        d.tx = tx;
        let attr = schema.attr(d.a)?;
        for &index in indexes_of(attr) {
            batch.put_with(|k| write_current_key(index, d, k), &[])?;
        }
        report.push(&schema, d)?;
    }
    // Planner statistics: current datoms per attribute.
    let mut deltas: BTreeMap<AttrId, i64> = BTreeMap::new();
    for d in &diff.asserted {
        *deltas.entry(d.a).or_insert(0) += 1;
    }
    for d in &diff.retracted {
        *deltas.entry(d.a).or_insert(0) -= 1;
    }
    let mut groups: Vec<AttrId> = Vec::new();
    for (a, delta) in deltas {
        let n = (schema.count(a) as i64 + delta).max(0) as u64;
        schema.set_count(a, n);
        let group = a / crate::index::STATS_GROUP;
        if groups.last() != Some(&group) {
            groups.push(group);
        }
    }
    // One buffer for the statistics and the instant: they are copied into the batch.
    let mut value = Vec::new();
    for group in groups {
        value.clear();
        stats_value(&schema, group, &mut value);
        batch.put(crate::index::stats_key(group), &value);
    }
    let mut reasserted = Vec::new();
    if record_again {
        for d in &diff.reasserted {
            let d = RawDatom { tx, ..d.clone() };
            put_history(&mut batch, &d, &history_value(None))?;
            reasserted.push(d);
        }
    }
    let counters = Counters {
        next_eid,
        next_tx: tx + 1,
        last_instant: instant,
    };
    if tx == crate::index::TX0 {
        put_format(&mut batch);
    }
    put_counters(&mut batch, &counters)?;
    value.clear();
    encode_value(&Value::Inst(instant), &mut value);
    batch.put(tx_key(tx), &value);
    Ok(Prepared {
        batch,
        schema,
        counters,
        report,
        retracted: diff.retracted,
        reasserted,
    })
}

/// Writes `d`'s two history entries (entity first and attribute first), valued `value`.
fn put_history(batch: &mut WriteBatch, d: &RawDatom, value: &[u8]) -> Result<()> {
    for entity_first in [true, false] {
        batch.put_with(
            |k| {
                write_history_key(entity_first, d, k);
                Ok(())
            },
            value,
        )?;
    }
    Ok(())
}

/// The counts of the attributes of statistics group `group` (see [`crate::index::stats_key`]),
/// one u64 each, in id order, up to the last attribute defined.
fn stats_value(schema: &Schema, group: AttrId, out: &mut Vec<u8>) {
    let first = group.saturating_mul(crate::index::STATS_GROUP);
    let end = first
        .saturating_add(crate::index::STATS_GROUP)
        .min(AttrId::try_from(schema.len()).unwrap_or(AttrId::MAX));
    out.reserve(8 * end.saturating_sub(first) as usize);
    for a in first..end {
        put_u64(schema.count(a), out);
    }
}

/// The current-state indexes a datom of `attr` lives in.
fn indexes_of(attr: &Attribute) -> &'static [Index] {
    if attr.is_ref() {
        &[Index::Eavt, Index::Aevt, Index::Avet, Index::Vaet]
    } else {
        &[Index::Eavt, Index::Aevt, Index::Avet]
    }
}

/// Writes this build's storage format version into `batch`.
pub(crate) fn put_format(batch: &mut WriteBatch) {
    let mut v = Vec::with_capacity(8);
    put_u64(crate::index::FORMAT_VERSION, &mut v);
    batch.put(meta_key(meta::FORMAT), v);
}

/// Writes the counters into `batch`.
pub fn put_counters(batch: &mut WriteBatch, c: &Counters) -> Result<()> {
    let mut b = [0u8; 24];
    b[..8].copy_from_slice(&c.next_eid.to_be_bytes());
    b[8..16].copy_from_slice(&c.next_tx.to_be_bytes());
    // Stored as the u64 bit pattern of the i64; read back with the same cast.
    b[16..].copy_from_slice(&(c.last_instant as u64).to_be_bytes());
    // Every transaction writes this key: encoded in place.
    batch.put_with(
        |k| {
            write_meta_key(meta::COUNTERS, k);
            Ok(())
        },
        &b,
    )
}

fn tempid_report(res: &Resolution, tx: EntityId) -> BTreeMap<Value, EntityId> {
    let mut out = BTreeMap::new();
    for (t, id) in &res.ids {
        match t {
            TempId::Str(s) => {
                out.insert(Value::str(s), *id);
            }
            TempId::Neg(n) => {
                out.insert(Value::Int(*n), *id);
            }
            TempId::Auto(_) => {}
        }
    }
    out.insert(Value::kw("db/current-tx"), tx);
    out
}

/// Resolution context shared by the operations of one transaction.
struct Ctx<'a, 'v> {
    view: &'a View<'v>,
    res: Resolution,
    tx: EntityId,
    schema: &'a mut Schema,
    batch: &'a mut WriteBatch,
}

impl Ctx<'_, '_> {
    fn entity(&mut self, e: &ERef) -> Result<EntityId> {
        match e {
            ERef::Id(id) => {
                if *id < crate::index::TX0 && *id >= self.res.next_eid {
                    self.res.next_eid = *id + 1;
                }
                Ok(*id)
            }
            ERef::Temp(t) => self.res.ids.get(t).copied().ok_or_else(|| {
                err!(
                    Lookup,
                    "tempid {} is used but never given attributes",
                    show(t)
                )
            }),
            ERef::Lookup(a, v) => lookup(self.view, a, v),
            ERef::Tx => Ok(self.tx),
        }
    }

    fn value(&mut self, v: &VRef) -> Result<Value> {
        match v {
            VRef::Val(v) => Ok(v.clone()),
            VRef::Entity(e) => {
                let id = self.entity(e)?;
                i64::try_from(id)
                    .map(Value::Int)
                    .map_err(|_| err!(Type, "entity id {id} too large"))
            }
        }
    }

    /// The attribute named `a`, interned (and its definition written) if new.
    fn attr(&mut self, a: &Keyword) -> Result<Attribute> {
        if a.as_str().starts_with("db/") {
            return Err(err!(
                Schema,
                "{a:?} is reserved and cannot be asserted on an entity"
            ));
        }
        if crate::schema::reverse_of(a).is_some() {
            return Err(err!(
                Parse,
                "reverse attribute {a:?} is only allowed in entity maps"
            ));
        }
        let (id, new) = self.schema.intern(a)?;
        let attr = self.schema.attr(id)?.clone();
        if new {
            write_attr(self.batch, &attr);
        }
        Ok(attr)
    }
}

fn write_attr(batch: &mut WriteBatch, attr: &Attribute) {
    let mut b = Vec::new();
    encode_value(&attr.to_value(), &mut b);
    batch.put(attr_key(attr.id), b);
}

/// Defines a new attribute or changes one, refusing changes existing data would break.
fn define_attribute(
    view: &View<'_>,
    schema: &mut Schema,
    ident: &Keyword,
    props: &BTreeMap<Value, Value>,
    batch: &mut WriteBatch,
) -> Result<()> {
    let (id, _) = schema.intern(ident)?;
    let old = schema.attr(id)?.clone();
    let mut new = old.clone();
    new.apply_props(props)?;
    if new != old {
        check_existing_data(view, &old, &new)?;
        schema.set(new.clone())?;
        write_attr(batch, &new);
    } else {
        write_attr(batch, &new);
    }
    Ok(())
}

/// Refuses a schema change that the attribute's current values would violate.
fn check_existing_data(view: &View<'_>, old: &Attribute, new: &Attribute) -> Result<()> {
    let id: AttrId = old.id;
    let refuse = |why: &str| err!(Schema, "cannot change {:?}: {why}", old.ident);
    if new.value_type != old.value_type
        && new.is_ref() != old.is_ref()
        && view.datoms(None, Some(id), None)?.next().is_some()
    {
        return Err(refuse(
            "changing to or from :db.type/ref with existing values",
        ));
    }
    let mut last: Option<RawDatom> = None;
    let mut seen_values = BTreeMap::new();
    for d in view.datoms(None, Some(id), None)? {
        let d = d?;
        if let Some(t) = new.value_type {
            if !t.accepts(&d.v) {
                return Err(refuse(&alloc::format!(
                    "entity {} holds {:?}, not a {}",
                    d.e,
                    d.v,
                    t.keyword()
                )));
            }
        }
        if !new.is_many() && last.as_ref().is_some_and(|l| l.e == d.e) {
            return Err(refuse(&alloc::format!(
                "entity {} holds several values",
                d.e
            )));
        }
        if new.unique.is_some() && old.unique.is_none() {
            if let Some(other) = seen_values.insert(d.v.clone(), d.e) {
                return Err(err!(
                    Unique,
                    "cannot make {:?} unique: entities {other} and {} share {:?}",
                    old.ident,
                    d.e,
                    d.v
                ));
            }
        }
        last = Some(d);
    }
    Ok(())
}
