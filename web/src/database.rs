//! `RawDatabase`: the engine's [`Database`] behind a JS class. The public `Database` of the npm package
//! (`js/database.js`) wraps it; every method here only converts arguments and results.

use crate::convert::{eid_to_js, from_js, int_to_js, kw_to_js, text_arg, to_js, FromJs};
use crate::error::{js_error, IntoJs};
use crate::json;
use crate::storage::{Journal, JournalStorage};
use dfdb_core::db::tx_input_from_value;
use dfdb_core::live::LiveDiff;
use dfdb_core::query::q_on;
use dfdb_core::storage::{BatchOp, MemoryStorage, Storage};
use dfdb_core::{
    edn, pull, Database, Datom, Error, Index, TimePoint, TxInput, TxReport, Value, View,
};
use js_sys::{Array, Date, Function, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Callbacks due (a JS function and its argument), called once the engine is no longer borrowed,
/// so that a callback may read or write the database.
type Pending = Rc<RefCell<Vec<(Function, JsValue)>>>;

/// A dfdb database (in memory, or in memory with a journal for the host to persist).
#[wasm_bindgen(js_name = RawDatabase)]
pub struct RawDatabase {
    db: Rc<RefCell<Database>>,
    pending: Pending,
    journal: Option<Journal>,
    /// The transaction id and instant (ms) of the report `transact` last returned as bare
    /// text, for `lastTx` and `lastTxInstant`.
    last: Cell<(f64, f64)>,
}

fn set(obj: &Object, key: &str, v: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), v);
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn busy() -> JsValue {
    js_error(&Error::Type(
        "the database is already in use (a clock function may not call the database)".into(),
    ))
}

/// Reads an EDN text with the default limits.
fn read(text: &str) -> Result<Value, JsValue> {
    edn::read(text).js()
}

/// Reads a JS argument that is EDN text when a string, JS data otherwise.
fn edn_or_js(v: &JsValue) -> Result<Value, JsValue> {
    match v.as_string() {
        Some(text) => read(&text),
        None => from_js(v, FromJs::default()).js(),
    }
}

thread_local! {
    /// The last pull pattern given as EDN text (the JS string itself) and what it reads as: pulls
    /// in a loop repeat one pattern, and copying its text out of JS and reading it again was an
    /// eighth of a one-entity pull. JS compares the strings (`===`), nothing is copied.
    static LAST_PATTERN: RefCell<Option<(JsValue, Rc<pull::Pattern>)>> = const { RefCell::new(None) };
}

/// A pull pattern: EDN text (the last one read is kept) or JS data.
fn pattern_of(v: &JsValue) -> Result<Rc<pull::Pattern>, JsValue> {
    if !v.is_string() {
        let value = from_js(v, FromJs::default()).js()?;
        return pull::Pattern::parse(&value).map(Rc::new).js();
    }
    let cached = LAST_PATTERN.with(|last| match &*last.borrow() {
        Some((text, pattern)) if text == v => Some(Rc::clone(pattern)),
        _ => None,
    });
    if let Some(pattern) = cached {
        return Ok(pattern);
    }
    let value = read(&v.as_string().unwrap_or_default())?;
    let pattern = Rc::new(pull::Pattern::parse(&value).js()?);
    LAST_PATTERN.with(|last| *last.borrow_mut() = Some((v.clone(), Rc::clone(&pattern))));
    Ok(pattern)
}

/// Reads a JS argument that must be EDN text.
fn edn_text(v: &JsValue, what: &str) -> Result<Value, JsValue> {
    read(&text_arg(v, what).js()?)
}

/// The schema option: EDN text or a JS object; `undefined` for none.
fn schema_value(schema: &JsValue) -> Result<Option<Value>, JsValue> {
    if schema.is_undefined() || schema.is_null() {
        return Ok(None);
    }
    edn_or_js(schema).map(Some)
}

/// The host clock: `options.clock` (a function returning ms since the epoch), `null` for none
/// (instants then come from the transactions), `Date.now` when not given.
fn clock(options: &JsValue) -> Result<Option<dfdb_core::db::Clock>, JsValue> {
    let c = get(options, "clock");
    if c.is_null() {
        return Ok(None);
    }
    if c.is_undefined() {
        return Ok(Some(Box::new(|| Date::now() as i64)));
    }
    let f: Function = c.dyn_into().map_err(|_| {
        js_error(&Error::Type(
            "options.clock must be a function or null".into(),
        ))
    })?;
    Ok(Some(Box::new(move || {
        f.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_else(Date::now) as i64
    })))
}

/// A time point: a transaction id (number or bigint) or an instant (`Date`).
fn time_point(t: &JsValue) -> Result<TimePoint, JsValue> {
    if let Some(d) = t.dyn_ref::<Date>() {
        return Ok(TimePoint::Instant(d.get_time() as i64));
    }
    match from_js(t, FromJs::default()).js()? {
        Value::Int(i) if i >= 0 => Ok(TimePoint::Tx(i as u64)),
        Value::Inst(ms) => Ok(TimePoint::Instant(ms)),
        other => Err(js_error(&Error::Type(format!(
            "{other} is not a transaction id or a Date"
        )))),
    }
}

/// A datom as `{e, a, v, tx, added}`.
pub fn datom_to_js(d: &Datom) -> JsValue {
    let o = Object::new();
    set(&o, "e", &eid_to_js(d.e));
    set(&o, "a", &kw_to_js(&d.a));
    set(&o, "v", &to_js(&d.v));
    set(&o, "tx", &eid_to_js(d.tx));
    set(&o, "added", &JsValue::from_bool(d.added));
    o.into()
}

/// A read's result for `js/database.js`: a `Float64Array` for a set of number tuples (see
/// `numbers`), its JSON text when it has one (see `json`), else the JS value itself — never a
/// string or a `Float64Array` then, so the caller tells the three apart.
fn result_to_js(v: &Value) -> JsValue {
    if let Some(flat) = crate::numbers::flat_tuples(v) {
        return js_sys::Float64Array::from(&flat[..]).into();
    }
    match json::encode(v) {
        Some(text) => JsValue::from_str(&text),
        None => to_js(v),
    }
}

fn datoms_to_js(ds: &[Datom]) -> JsValue {
    ds.iter().map(datom_to_js).collect::<Array>().into()
}

/// The datoms of a transaction report, from their text ([`crate::report_text`]; the JS layer calls
/// this the first time a report's `txData` is read).
#[wasm_bindgen(js_name = decodeTxData)]
pub fn decode_tx_data(text: JsValue) -> Result<JsValue, JsValue> {
    let text = text_arg(&text, "txData").js()?;
    let datoms = crate::report_text::decode(&text).js()?;
    Ok(datoms_to_js(&datoms))
}

/// Whether the report's only tempid is `:db/current-tx` and its id a safe JS integer: then `tx`
/// and `txInstant` are plain numbers and no tempids need to cross.
fn plain_report(r: &TxReport) -> bool {
    crate::convert::safe_integer(&Value::Ref(r.tx)).is_some()
        && r.tempids.iter().all(|(k, id)| {
            matches!(k, Value::Keyword(kw) if kw.as_str() == "db/current-tx") && *id == r.tx
        })
}

/// A transaction report as the array `[tx, txInstant (ms), tempids, txDataText]`, `tempids` a flat
/// `[tempid, id, …]` array; the JS layer (`TxReport` in js/database.js) turns it into
/// `{tx, txInstant, tempids, txData}`: one value across the boundary instead of one per field, a
/// `Date` made in JS. (A report without tempids of its own crosses more cheaply: see
/// `RawDatabase::transact_value`.)
fn report_to_js(r: &TxReport) -> JsValue {
    let flat = Array::new();
    for (k, id) in &r.tempids {
        let key = match k {
            Value::Str(s) => s.to_string(),
            other => other.to_string(),
        };
        flat.push(&JsValue::from_str(&key));
        flat.push(&eid_to_js(*id));
    }
    Array::of4(
        &eid_to_js(r.tx),
        &JsValue::from_f64(r.tx_instant as f64),
        &flat,
        &JsValue::from_str(&crate::report_text::encode(r)),
    )
    .into()
}

fn diff_to_js(d: &LiveDiff, as_edn: bool) -> JsValue {
    let o = Object::new();
    let side = |rows: &[Value]| -> JsValue {
        if as_edn {
            JsValue::from_str(&edn::to_edn(&Value::Vector(rows.to_vec())))
        } else {
            rows.iter().map(to_js).collect::<Array>().into()
        }
    };
    set(&o, "additions", &side(&d.additions));
    set(&o, "retractions", &side(&d.retractions));
    o.into()
}

/// `options.txInstant` (`Date` or ms) and `options.txMeta` (JS object) into `input`.
fn read_tx_options(options: &Object, input: &mut TxInput) -> Result<(), JsValue> {
    let instant = get(options, "txInstant");
    if !instant.is_undefined() && !instant.is_null() {
        input.tx_instant = Some(match from_js(&instant, FromJs::default()).js()? {
            Value::Inst(ms) | Value::Int(ms) => ms,
            other => {
                return Err(js_error(&Error::Type(format!(
                    "txInstant must be a Date or milliseconds, got {other}"
                ))))
            }
        });
    }
    let meta = get(options, "txMeta");
    if !meta.is_undefined() && !meta.is_null() {
        match from_js(&meta, FromJs::default()).js()? {
            Value::Map(m) => input.tx_meta = Some(m),
            other => {
                return Err(js_error(&Error::Type(format!(
                    "txMeta must be an object, got {other}"
                ))))
            }
        }
    }
    Ok(())
}

/// Whether `query` is the `{:query Q :as-of {…}}` form.
fn is_as_of_wrapper(query: &Value) -> bool {
    matches!(query, Value::Map(m) if m.contains_key(&Value::kw("query")))
}

/// An entity argument: an id or a lookup ref `[attr, value]`.
fn entity_of(view: &View<'_>, eid: &Value) -> Result<Option<Value>, Error> {
    let id = match eid {
        Value::Int(n) => {
            Some(u64::try_from(*n).map_err(|_| Error::Type(format!("{n} is not an entity id")))?)
        }
        Value::Ref(id) => Some(*id),
        Value::Vector(lr) => match lr.as_slice() {
            [Value::Keyword(a), v] => view.entity_by(a, v)?,
            _ => return Err(Error::parse(format!("bad lookup ref {eid}"))),
        },
        other => return Err(Error::Type(format!("{other} does not name an entity"))),
    };
    Ok(match id {
        None => None,
        Some(id) => view.entity(id)?.map(Value::Map),
    })
}

fn js_array(v: &JsValue) -> Vec<JsValue> {
    if Array::is_array(v) {
        Array::unchecked_from_js_ref(v).iter().collect()
    } else {
        Vec::new()
    }
}

#[wasm_bindgen(js_class = RawDatabase)]
impl RawDatabase {
    /// A new in-memory database. `schema`: EDN text, a JS object, or `undefined`;
    /// `options.clock`: see the JS docs.
    #[wasm_bindgen(constructor)]
    pub fn new(schema: JsValue, options: JsValue) -> Result<RawDatabase, JsValue> {
        let schema = schema_value(&schema)?;
        let storage: Box<dyn Storage> = Box::new(MemoryStorage::new());
        Self::open_storage(storage, &schema, &options, None)
    }

    /// A database over entries a host loaded (each `[key, value]` as `Uint8Array`s), journaling every
    /// batch written from now on for the host to persist (see [`RawDatabase::take_journal`]).
    pub fn load(
        entries: JsValue,
        schema: JsValue,
        options: JsValue,
    ) -> Result<RawDatabase, JsValue> {
        let schema = schema_value(&schema)?;
        let mut kvs = Vec::new();
        for e in js_array(&entries) {
            let pair: Array = Array::unchecked_from_js(e);
            let k = Uint8Array::new(&pair.get(0)).to_vec();
            let v = Uint8Array::new(&pair.get(1)).to_vec();
            kvs.push((k, v));
        }
        let journal: Journal = Rc::default();
        let storage = JournalStorage::load(kvs, journal.clone()).js()?;
        Self::open_storage(Box::new(storage), &schema, &options, Some(journal))
    }

    fn open_storage(
        storage: Box<dyn Storage>,
        schema: &Option<Value>,
        options: &JsValue,
        journal: Option<Journal>,
    ) -> Result<RawDatabase, JsValue> {
        let clock = clock(options)?;
        let db = match schema {
            Some(s) => Database::open_with_schema(storage, clock, s),
            None => Database::open(storage, clock),
        }
        .js()?;
        Ok(RawDatabase {
            db: Rc::new(RefCell::new(db)),
            pending: Rc::default(),
            journal,
            last: Cell::new((0.0, 0.0)),
        })
    }

    /// The batches written since the last call, each an array of `[key, value]` (`value` `null` for a
    /// delete); empty for a database without a journal.
    #[wasm_bindgen(js_name = takeJournal)]
    pub fn take_journal(&self) -> Array {
        let out = Array::new();
        let Some(journal) = &self.journal else {
            return out;
        };
        for batch in journal.borrow_mut().drain(..) {
            let ops: Array = batch
                .iter()
                .map(|op| -> JsValue {
                    let pair = Array::new();
                    match op {
                        BatchOp::Put(k, v) => {
                            pair.push(&Uint8Array::from(k));
                            pair.push(&Uint8Array::from(v));
                        }
                        BatchOp::Delete(k) => {
                            pair.push(&Uint8Array::from(k));
                            pair.push(&JsValue::NULL);
                        }
                    }
                    pair.into()
                })
                .collect();
            out.push(&ops);
        }
        out
    }

    /// Calls the callbacks that came due during the last operation.
    fn flush(&self) {
        loop {
            let due = std::mem::take(&mut *self.pending.borrow_mut());
            if due.is_empty() {
                return;
            }
            for (f, arg) in due {
                let _ = f.call1(&JsValue::NULL, &arg);
            }
        }
    }

    fn with_db<R>(&self, f: impl FnOnce(&Database) -> Result<R, Error>) -> Result<R, JsValue> {
        let db = self.db.try_borrow().map_err(|_| busy())?;
        f(&db).js()
    }

    fn with_db_mut<R>(
        &self,
        f: impl FnOnce(&mut Database) -> Result<R, Error>,
    ) -> Result<R, JsValue> {
        let result = {
            let mut db = self.db.try_borrow_mut().map_err(|_| busy())?;
            f(&mut db)
        };
        self.flush();
        result.js()
    }

    /// Reads with the view `at` selects: `undefined` for now, `{asOf: t}` or `{since: t}`.
    fn with_view<R>(
        &self,
        at: &JsValue,
        f: impl FnOnce(View<'_>) -> Result<R, Error>,
    ) -> Result<R, JsValue> {
        if at.is_undefined() {
            // The database itself (one call into JS instead of two property reads).
            return self.with_db(|db| f(db.view()));
        }
        let as_of = get(at, "asOf");
        let since = get(at, "since");
        let point = |t: &JsValue| time_point(t);
        let (as_of, since) = (
            (!as_of.is_undefined()).then(|| point(&as_of)).transpose()?,
            (!since.is_undefined()).then(|| point(&since)).transpose()?,
        );
        self.with_db(|db| {
            let view = match (as_of, since) {
                (Some(t), _) => db.as_of(t)?,
                (None, Some(t)) => db.since(t)?,
                (None, None) => db.view(),
            };
            f(view)
        })
    }

    /// Commits a transaction: `tx` is EDN text or JS data (a tx-data array, or
    /// `{"tx-data": [...], "tx-meta": {...}}`); `options.txInstant` (`Date` or ms) and
    /// `options.txMeta` (JS object) override. Returns the report as `transact_value` hands it
    /// over: the datoms' text (then `lastTx`/`lastTxInstant`), or the array form.
    pub fn transact(&self, tx: JsValue, options: Option<Object>) -> Result<JsValue, JsValue> {
        let value = match tx.as_string() {
            Some(text) => edn::read_with(&text, &edn::tx_data_options()).js()?,
            None => from_js(&tx, FromJs { ordered_maps: true }).js()?,
        };
        self.transact_value(value, options)
    }

    /// `transact` of JS tx data that `js/database.js` found to have an exact JSON form and sent
    /// as `JSON.stringify` text (see [`crate::json_read`]): one boundary crossing instead of one
    /// per value, the same values.
    #[wasm_bindgen(js_name = transactJson)]
    pub fn transact_json(
        &self,
        json: JsValue,
        options: Option<Object>,
    ) -> Result<JsValue, JsValue> {
        let json = text_arg(&json, "tx data (JSON text)").js()?;
        let value = crate::json_read::read(&json, FromJs { ordered_maps: true }).js()?;
        self.transact_value(value, options)
    }

    /// `transact` of tx data holding one list-form operation on plain values, handed over as its
    /// parts: `op` names the operation (0 `:db/add`, 1 `:db/retract`, 2 `:db/retractEntity`),
    /// `e` is the entity id, `a` the attribute (`undefined` for `:db/retractEntity`), and the
    /// value, if the operation has one, is `v_num` when that is a number (not NaN), else `v`
    /// (`undefined`: none). The same values as `transactJson` of `[[op, e, a, v]]`, read as the
    /// value-by-value path reads them, without building and parsing JSON text: the commonest small
    /// write (set one attribute, retract one entity) crosses as numbers and at most two strings,
    /// each asked for once.
    #[wasm_bindgen(js_name = transactOp)]
    pub fn transact_op(
        &self,
        op: u32,
        e: f64,
        a: JsValue,
        v_num: f64,
        v: JsValue,
        options: Option<Object>,
    ) -> Result<JsValue, JsValue> {
        let name = match op {
            0 => ":db/add",
            1 => ":db/retract",
            2 => ":db/retractEntity",
            other => {
                return Err(js_error(&Error::Type(format!(
                    "unknown operation code {other}"
                ))))
            }
        };
        let plain = |x: &JsValue| match x.as_string() {
            Some(s) => Ok(crate::convert::string_value(&s)),
            None => from_js(x, FromJs { ordered_maps: true }).js(),
        };
        let mut form = Vec::with_capacity(4);
        form.push(crate::convert::string_value(name));
        form.push(crate::convert::number_value(e));
        if !a.is_undefined() {
            form.push(plain(&a)?);
            if !v_num.is_nan() {
                form.push(crate::convert::number_value(v_num));
            } else if !v.is_undefined() {
                form.push(plain(&v)?);
            }
        }
        self.transact_value(Value::Vector(vec![Value::Vector(form)]), options)
    }

    /// The id of the transaction whose report `transact`, `transactJson` or `transactOp` last
    /// returned as bare text.
    #[wasm_bindgen(js_name = lastTx)]
    pub fn last_tx(&self) -> f64 {
        self.last.get().0
    }

    /// The instant (ms) of that transaction.
    #[wasm_bindgen(js_name = lastTxInstant)]
    pub fn last_tx_instant(&self) -> f64 {
        self.last.get().1
    }

    /// `options` is `None` for `undefined` and `null` (then nothing is asked of JS).
    fn transact_value(&self, value: Value, options: Option<Object>) -> Result<JsValue, JsValue> {
        let mut input = tx_input_from_value(value).js()?;
        if let Some(options) = options {
            read_tx_options(&options, &mut input)?;
        }
        let report = self.with_db_mut(|db| db.transact(input))?;
        if !plain_report(&report) {
            return Ok(report_to_js(&report));
        }
        // A report without tempids of its own (most are) crosses as its datoms' text alone,
        // and `js/database.js` asks for the two numbers right after: no string to format and
        // parse back, no array. Set after `with_db_mut`, whose listeners may transact again.
        self.last.set((report.tx as f64, report.tx_instant as f64));
        Ok(JsValue::from_str(&crate::report_text::encode(&report)))
    }

    /// Runs a query (EDN text) with JS-data inputs for its non-`$` `:in` elements.
    /// The result crosses in the form `result_to_js` chooses; `js/database.js` turns it into JS data.
    pub fn q(&self, query: JsValue, args: JsValue, at: JsValue) -> Result<JsValue, JsValue> {
        let query = edn_text(&query, "a query")?;
        let args = js_array(&args)
            .iter()
            .map(|a| from_js(a, FromJs::default()).js())
            .collect::<Result<Vec<_>, _>>()?;
        if is_as_of_wrapper(&query) && at.is_undefined() {
            // `{:query Q :as-of {dimension instant …}}`: the engine reads it as a whole.
            return self
                .with_db(|db| db.query(&query, &args))
                .map(|v| result_to_js(&v));
        }
        self.with_view(&at, |view| q_on(view, &query, &args))
            .map(|v| result_to_js(&v))
    }

    /// Runs a query with EDN-text inputs; returns the result as EDN text.
    #[wasm_bindgen(js_name = qEdn)]
    pub fn q_edn(&self, query: JsValue, args: JsValue, at: JsValue) -> Result<String, JsValue> {
        let query = edn_text(&query, "a query")?;
        let args = js_array(&args)
            .iter()
            .map(|a| edn_text(a, "an EDN input"))
            .collect::<Result<Vec<_>, _>>()?;
        if is_as_of_wrapper(&query) && at.is_undefined() {
            return self
                .with_db(|db| db.query(&query, &args))
                .map(|v| edn::to_edn(&v));
        }
        self.with_view(&at, |view| q_on(view, &query, &args))
            .map(|v| edn::to_edn(&v))
    }

    /// The query plan: the clauses in the order the planner ran them, with row counts.
    pub fn explain(&self, query: JsValue, args: JsValue, at: JsValue) -> Result<Array, JsValue> {
        let query = edn_text(&query, "a query")?;
        let args = js_array(&args)
            .iter()
            .map(|a| from_js(a, FromJs::default()).js())
            .collect::<Result<Vec<_>, _>>()?;
        let lines = self.with_view(&at, |view| {
            dfdb_core::query::explain_on(view, &query, &args)
        })?;
        Ok(lines.iter().map(|l| JsValue::from_str(l)).collect())
    }

    /// Pulls `pattern` (EDN text or JS data) for `eid` (an id or a lookup ref, JS data).
    /// The result crosses in the form `result_to_js` chooses; `js/database.js` turns it into JS data.
    pub fn pull(&self, pattern: JsValue, eid: JsValue, at: JsValue) -> Result<JsValue, JsValue> {
        let pattern = pattern_of(&pattern)?;
        let eid = from_js(&eid, FromJs::default()).js()?;
        self.with_view(&at, |view| pull::pull_pattern(&view, &pattern, &eid))
            .map(|v| result_to_js(&v))
    }

    /// `pull` of the current state for an entity id given as a JS number (what `js/database.js`
    /// sends when it has one): no questions to JS about the argument's type.
    #[wasm_bindgen(js_name = pullId)]
    pub fn pull_id(&self, pattern: JsValue, eid: f64) -> Result<JsValue, JsValue> {
        let pattern = pattern_of(&pattern)?;
        let eid = crate::convert::number_value(eid);
        self.with_db(|db| pull::pull_pattern(&db.view(), &pattern, &eid))
            .map(|v| result_to_js(&v))
    }

    /// Pulls with EDN text for pattern and entity; returns EDN text.
    #[wasm_bindgen(js_name = pullEdn)]
    pub fn pull_edn(&self, pattern: JsValue, eid: JsValue, at: JsValue) -> Result<String, JsValue> {
        let pattern = edn_text(&pattern, "a pull pattern")?;
        let eid = edn_text(&eid, "an entity (EDN text)")?;
        self.with_view(&at, |view| pull::pull(&view, &pattern, &eid))
            .map(|v| edn::to_edn(&v))
    }

    /// Pulls `pattern` for each of `eids` (a JS array), in order.
    /// The result crosses in the form `result_to_js` chooses; `js/database.js` turns it into JS data.
    #[wasm_bindgen(js_name = pullMany)]
    pub fn pull_many(
        &self,
        pattern: JsValue,
        eids: JsValue,
        at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let pattern = pattern_of(&pattern)?;
        let eids = js_array(&eids)
            .iter()
            .map(|e| from_js(e, FromJs::default()).js())
            .collect::<Result<Vec<_>, _>>()?;
        self.with_view(&at, |view| pull::pull_many_pattern(&view, &pattern, &eids))
            .map(|v| result_to_js(&v))
    }

    /// `pullMany` of the current state for entity ids given as JS numbers, copied in as one
    /// block (`js/database.js` passes an array it found to hold only numbers) instead of read
    /// one boundary call at a time.
    #[wasm_bindgen(js_name = pullManyIds)]
    pub fn pull_many_ids(&self, pattern: JsValue, eids: &[f64]) -> Result<JsValue, JsValue> {
        let pattern = pattern_of(&pattern)?;
        let eids: Vec<Value> = eids
            .iter()
            .map(|e| crate::convert::number_value(*e))
            .collect();
        self.with_db(|db| pull::pull_many_pattern(&db.view(), &pattern, &eids))
            .map(|v| result_to_js(&v))
    }

    /// Pulls with EDN text for the pattern and the vector of entities; returns EDN text.
    #[wasm_bindgen(js_name = pullManyEdn)]
    pub fn pull_many_edn(
        &self,
        pattern: JsValue,
        eids: JsValue,
        at: JsValue,
    ) -> Result<String, JsValue> {
        let pattern = edn_text(&pattern, "a pull pattern")?;
        let eids = edn_text(&eids, "the entities (EDN text)")?;
        self.with_view(&at, |view| match eids.as_seq() {
            Some(list) => pull::pull_many(&view, &pattern, list),
            None => pull::pull_many(&view, &pattern, std::slice::from_ref(&eids)),
        })
        .map(|v| edn::to_edn(&v))
    }

    /// Every current attribute of an entity (an id or a lookup ref), or `null`.
    /// The result crosses in the form `result_to_js` chooses; `js/database.js` turns it into JS data.
    pub fn entity(&self, eid: JsValue, at: JsValue) -> Result<JsValue, JsValue> {
        let eid = from_js(&eid, FromJs::default()).js()?;
        self.with_view(&at, |view| entity_of(&view, &eid))
            .map(|e| e.as_ref().map_or(JsValue::NULL, result_to_js))
    }

    /// [`RawDatabase::entity`] with EDN text in and out (`nil` when absent).
    #[wasm_bindgen(js_name = entityEdn)]
    pub fn entity_edn(&self, eid: JsValue, at: JsValue) -> Result<String, JsValue> {
        let eid = edn_text(&eid, "an entity (EDN text)")?;
        self.with_view(&at, |view| entity_of(&view, &eid))
            .map(|e| edn::to_edn(&e.unwrap_or(Value::Nil)))
    }

    /// The entity id holding `value` for the unique attribute `attr`, or `null`.
    #[wasm_bindgen(js_name = entityBy)]
    pub fn entity_by(
        &self,
        attr: JsValue,
        value: JsValue,
        at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let attr = text_arg(&attr, "an attribute").js()?;
        let attr = crate::convert::keyword_from(&attr).ok_or_else(|| {
            js_error(&Error::parse(format!(
                "{attr:?} is not an attribute keyword"
            )))
        })?;
        let value = from_js(&value, FromJs::default()).js()?;
        self.with_view(&at, |view| view.entity_by(&attr, &value))
            .map(|e| e.map_or(JsValue::NULL, eid_to_js))
    }

    /// The datoms of `index` (`"eavt"`, `"aevt"`, `"avet"`, `"vaet"`) under leading `components`.
    pub fn datoms(
        &self,
        index: JsValue,
        components: JsValue,
        at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let index = Index::parse(&text_arg(&index, "an index name").js()?).js()?;
        let comps = js_array(&components)
            .iter()
            .map(|c| from_js(c, FromJs::default()).js())
            .collect::<Result<Vec<_>, _>>()?;
        self.with_view(&at, |view| view.index_datoms(index, &comps))
            .map(|ds| datoms_to_js(&ds))
    }

    /// Every assertion and retraction of entity `eid` (all entities when `undefined`), oldest first.
    pub fn history(&self, eid: JsValue) -> Result<JsValue, JsValue> {
        let e = if eid.is_undefined() || eid.is_null() {
            None
        } else {
            match from_js(&eid, FromJs::default()).js()? {
                Value::Int(i) if i >= 0 => Some(i as u64),
                other => {
                    return Err(js_error(&Error::Type(format!(
                        "{other} is not an entity id"
                    ))))
                }
            }
        };
        self.with_db(|db| db.history(e)).map(|ds| datoms_to_js(&ds))
    }

    /// The transaction a time point stands for (`t`: a tx id, or a `Date`).
    #[wasm_bindgen(js_name = resolveTime)]
    pub fn resolve_time(&self, t: JsValue) -> Result<JsValue, JsValue> {
        let point = time_point(&t)?;
        self.with_db(|db| db.resolve_time(point)).map(eid_to_js)
    }

    /// The schema as a JS object `{":attr": {":db/cardinality": …}}`.
    pub fn schema(&self) -> Result<JsValue, JsValue> {
        self.schema_value().map(|v| to_js(&v))
    }

    /// The schema as EDN text.
    #[wasm_bindgen(js_name = schemaEdn)]
    pub fn schema_edn(&self) -> Result<String, JsValue> {
        self.schema_value().map(|v| edn::to_edn(&v))
    }

    fn schema_value(&self) -> Result<Value, JsValue> {
        self.with_db(|db| {
            Ok(Value::Map(
                db.schema()
                    .iter()
                    .map(|a| (Value::Keyword(a.ident.clone()), a.to_value()))
                    .collect(),
            ))
        })
    }

    /// Subscribes to a live query: `callback` gets `{additions, retractions}` after each transaction
    /// that changes the result. Returns `{id, initial}`. With `asEdn`, `args` are EDN texts and the
    /// initial result and the diffs are EDN texts.
    pub fn subscribe(
        &self,
        query: JsValue,
        callback: Function,
        args: JsValue,
        as_edn: bool,
    ) -> Result<JsValue, JsValue> {
        let query = edn_text(&query, "a query")?;
        let args = js_array(&args)
            .iter()
            .map(|a| {
                if as_edn {
                    edn_text(a, "an EDN input")
                } else {
                    from_js(a, FromJs::default()).js()
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pending = self.pending.clone();
        let sink = Box::new(move |d: Result<&LiveDiff, &Error>| {
            let arg = match d {
                Ok(d) => diff_to_js(d, as_edn),
                Err(e) => {
                    let o = Object::new();
                    let empty = if as_edn {
                        JsValue::from_str("[]")
                    } else {
                        Array::new().into()
                    };
                    set(&o, "additions", &empty);
                    set(&o, "retractions", &empty);
                    set(&o, "error", &js_error(e));
                    o.into()
                }
            };
            pending.borrow_mut().push((callback.clone(), arg));
        });
        let (id, initial) = self.with_db_mut(|db| db.subscribe(&query, &args, sink))?;
        let o = Object::new();
        set(&o, "id", &JsValue::from_f64(id as f64));
        let initial = if as_edn {
            JsValue::from_str(&edn::to_edn(&initial))
        } else {
            to_js(&initial)
        };
        set(&o, "initial", &initial);
        Ok(o.into())
    }

    /// Stops a live query; returns whether it existed.
    pub fn unsubscribe(&self, id: f64) -> Result<bool, JsValue> {
        self.with_db_mut(|db| Ok(db.unsubscribe(id as u64)))
    }

    /// Calls `callback` with each committed transaction's report; returns the key for `unlisten`.
    pub fn listen(&self, callback: Function) -> Result<f64, JsValue> {
        let pending = self.pending.clone();
        let key = self.with_db_mut(|db| {
            Ok(db.listen(Box::new(move |r: &TxReport| {
                pending
                    .borrow_mut()
                    .push((callback.clone(), report_to_js(r)));
            })))
        })?;
        Ok(key as f64)
    }

    /// Removes a listener; returns whether it existed.
    pub fn unlisten(&self, key: f64) -> Result<bool, JsValue> {
        self.with_db_mut(|db| Ok(db.unlisten(key as u64)))
    }

    /// Closes the database: later calls fail with kind `closed`.
    pub fn close(&self) -> Result<(), JsValue> {
        self.with_db_mut(|db| db.close())
    }

    /// The id the next new entity gets, the next transaction's id and the latest instant, as
    /// `{nextEid, nextTx, lastInstant}` (numbers or BigInts).
    pub fn counters(&self) -> Result<JsValue, JsValue> {
        let c = self.with_db(|db| Ok(db.counters()))?;
        let o = Object::new();
        set(&o, "nextEid", &eid_to_js(c.next_eid));
        set(&o, "nextTx", &eid_to_js(c.next_tx));
        set(&o, "lastInstant", &int_to_js(c.last_instant));
        Ok(o.into())
    }
}
