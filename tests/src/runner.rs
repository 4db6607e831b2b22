//! Running cases: one fresh database per case, each step executed and checked in turn.

use crate::compare::{find_shape, inner_query, Comparer};
use crate::report::{CaseOutcome, Outcome, Report, SuiteReport};
use crate::suite::{Case, DiffText, Expect, Read, Step, Suite};
use crate::target::{Diff, LiveQuery, Target};
use dfdb_core::db::TimeBounds;
use dfdb_core::query::q_on;
use dfdb_core::schema::Attribute;
use dfdb_core::tx::Counters;
use dfdb_core::{edn, pull, Database, Datom, EntityId, Error, Index, TimePoint, Value, View};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Longest rendering of a value in a failure message.
const MAX_SHOWN: usize = 1500;

/// A value as EDN, cut short when long.
pub fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.len() <= MAX_SHOWN {
        return s;
    }
    let mut end = MAX_SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} chars)", &s[..end], s.len())
}

fn show_err(e: &Error) -> String {
    format!("{e} [kind {}]", e.kind().as_str())
}

/// Runs every suite against `target`.
pub fn run_all(target: &dyn Target, suites: &[Suite]) -> Report {
    Report {
        target: target.name().to_string(),
        suites: suites.iter().map(|s| run_suite(target, s)).collect(),
    }
}

/// Runs one suite against `target`.
pub fn run_suite(target: &dyn Target, suite: &Suite) -> SuiteReport {
    if let Some(why) = &suite.load_error {
        let case = CaseOutcome {
            name: "(suite file)".into(),
            features: Vec::new(),
            outcome: Outcome::Failed(why.clone()),
        };
        return SuiteReport {
            name: suite.name.clone(),
            cases: vec![case],
        };
    }
    let cases = suite
        .cases
        .iter()
        .map(|c| CaseOutcome {
            name: c.name.clone(),
            features: c.features.clone(),
            outcome: run_case(target, c),
        })
        .collect();
    SuiteReport {
        name: suite.name.clone(),
        cases,
    }
}

/// Runs one case on a fresh database of `target`, or skips it if it needs a feature the target lacks.
pub fn run_case(target: &dyn Target, case: &Case) -> Outcome {
    let missing: Vec<&str> = case
        .features
        .iter()
        .map(String::as_str)
        .filter(|f| !target.supports(f))
        .collect();
    if !missing.is_empty() {
        return Outcome::Skipped(format!(
            "needs {}, not supported by target {}",
            missing.join(", "),
            target.name()
        ));
    }
    let mut steps = Vec::new();
    for (i, s) in case.steps.iter().enumerate() {
        match Step::from_json(s) {
            Ok(step) => steps.push(step),
            Err(why) => {
                return Outcome::Failed(format!(
                    "step {}/{}: malformed step: {why}",
                    i + 1,
                    case.steps.len()
                ))
            }
        }
    }
    let run = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
        let mut state = CaseState::open(target, case.schema.as_deref())?;
        for (i, step) in steps.iter().enumerate() {
            state.step(step).map_err(|why| {
                format!("step {}/{} ({}): {why}", i + 1, steps.len(), step.verb())
            })?;
        }
        Ok(())
    }));
    match run {
        Ok(Ok(())) => Outcome::Passed,
        Ok(Err(why)) => Outcome::Failed(why),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            Outcome::Failed(format!("panicked: {msg}"))
        }
    }
}

/// A live subscription of a case: what it was registered with, and the state its diffs built.
struct Subscription {
    query: Value,
    args: Vec<Value>,
    live: Box<dyn LiveQuery>,
    /// The initial result with every delivered diff applied, as a multiset of rows.
    state: Vec<Value>,
    /// Diffs delivered since the last `diffs` step of this subscription.
    pending: Vec<Diff>,
}

/// Everything a database holds, to check that a failed transaction changed nothing.
#[derive(Debug, PartialEq)]
struct Dump {
    counters: Counters,
    schema: Vec<Attribute>,
    history: Vec<Datom>,
    indexes: Vec<(Index, Vec<Datom>)>,
}

impl Dump {
    fn of(db: &Database) -> Result<Dump, String> {
        let mut indexes = Vec::new();
        for index in [Index::Eavt, Index::Aevt, Index::Avet, Index::Vaet] {
            indexes.push((
                index,
                db.datoms(index, &[])
                    .map_err(|e| format!("reading {index:?}: {}", show_err(&e)))?,
            ));
        }
        Ok(Dump {
            counters: db.counters(),
            schema: db.schema().iter().cloned().collect(),
            history: db
                .history(None)
                .map_err(|e| format!("reading history: {}", show_err(&e)))?,
            indexes,
        })
    }

    /// The first difference from `other`, described.
    fn difference(&self, other: &Dump) -> String {
        if self.counters != other.counters {
            return format!("counters {:?} became {:?}", self.counters, other.counters);
        }
        if self.schema != other.schema {
            return format!("schema {:?} became {:?}", self.schema, other.schema);
        }
        if self.history != other.history {
            let extra: Vec<_> = other
                .history
                .iter()
                .filter(|d| !self.history.contains(d))
                .take(5)
                .collect();
            return format!("history changed (new datoms, first 5: {extra:?})");
        }
        for ((index, before), (_, after)) in self.indexes.iter().zip(&other.indexes) {
            if before != after {
                return format!("{index:?} changed from {before:?} to {after:?}");
            }
        }
        "no difference".into()
    }
}

/// The state of one running case.
struct CaseState<'t> {
    target: &'t dyn Target,
    db: Option<Database>,
    /// `#ref` names → entity (or `tx:NAME` → transaction) ids.
    refs: BTreeMap<String, EntityId>,
    /// Live subscriptions by name; checked against a fresh query after every transaction.
    subscriptions: BTreeMap<String, Subscription>,
    /// Names of subscriptions stopped by `unsubscribe`: they deliver nothing from then on.
    unsubscribed: std::collections::BTreeSet<String>,
}

/// Replaces every `#ref "name"` in `text` by the id recorded under that name.
pub fn substitute_refs(text: &str, refs: &BTreeMap<String, EntityId>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("#ref") {
        out.push_str(&rest[..i]);
        let after_tag = &rest[i + 4..];
        let trimmed = after_tag.trim_start();
        let Some(body) = trimmed.strip_prefix('"') else {
            out.push_str("#ref");
            rest = after_tag;
            continue;
        };
        let mut name = String::new();
        let mut chars = body.char_indices();
        let mut end = None;
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        name.push(n);
                    }
                }
                '"' => {
                    end = Some(j);
                    break;
                }
                c => name.push(c),
            }
        }
        let end = end.ok_or_else(|| format!("unterminated #ref string in {text:?}"))?;
        let id = refs
            .get(&name)
            .ok_or_else(|| format!("#ref {name:?} was never recorded"))?;
        out.push_str(&id.to_string());
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Rows of a relation-like result (a set or vector of tuples; a lone value is one row).
fn rows_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(s) => s.iter().cloned().collect(),
        Value::Vector(xs) | Value::List(xs) => xs.clone(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

/// The time point an `as_of` value names: a transaction id or an instant.
fn time_point(v: &Value) -> Result<TimePoint, String> {
    match v {
        Value::Int(n) => u64::try_from(*n)
            .map(TimePoint::Tx)
            .map_err(|_| format!("as_of {n} is not a transaction id")),
        Value::Inst(ms) => Ok(TimePoint::Instant(*ms)),
        other => Err(format!(
            "as_of must be a transaction (#ref \"tx:…\") or an instant, got {}",
            show(other)
        )),
    }
}

impl<'t> CaseState<'t> {
    fn open(target: &'t dyn Target, schema: Option<&str>) -> Result<Self, String> {
        let storage = target
            .create()
            .map_err(|e| format!("creating storage: {}", show_err(&e)))?;
        let db = match schema {
            None => Database::open(storage, None),
            Some(text) => {
                let schema = edn::read(text)
                    .map_err(|e| format!("reading the case schema: {}", show_err(&e)))?;
                Database::open_with_schema(storage, None, &schema)
            }
        }
        .map_err(|e| format!("opening the database: {}", show_err(&e)))?;
        Ok(CaseState {
            target,
            db: Some(db),
            refs: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            unsubscribed: Default::default(),
        })
    }

    fn db(&self) -> Result<&Database, String> {
        self.db
            .as_ref()
            .ok_or_else(|| "the database is not open (a reopen failed)".to_string())
    }

    fn subst(&self, text: &str) -> Result<String, String> {
        substitute_refs(text, &self.refs)
    }

    /// Reads an expected value (a failure to read it is the vector's fault, not the engine's).
    fn expected(&self, text: &str) -> Result<Value, String> {
        let s = self.subst(text)?;
        edn::read(&s).map_err(|e| format!("cannot read expected value {s:?}: {}", show_err(&e)))
    }

    /// Reads an input of the step: a failure is the step's result (e.g. an expected parse error).
    fn input(&self, text: &str) -> Result<dfdb_core::Result<Value>, String> {
        Ok(edn::read(&self.subst(text)?))
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Transact {
                tx,
                tempids,
                tx_name,
                expect,
            } => self.transact(tx, tempids, tx_name.as_deref(), expect),
            Step::Read {
                read,
                as_of,
                expect,
            } => self.read(read, as_of.as_deref(), expect),
            Step::Subscribe {
                query,
                name,
                args,
                options,
                expect,
            } => self.subscribe(query, name, args, options.as_deref(), expect.as_deref()),
            Step::Diffs { name, expect } => self.diffs(name, expect),
            Step::Unsubscribe(name) => match self.subscriptions.remove(name) {
                Some(mut sub) => {
                    if let Some(db) = self.db.as_mut() {
                        sub.live.close(db);
                    }
                    self.unsubscribed.insert(name.clone());
                    Ok(())
                }
                None => Err(format!("no live subscription named {name:?}")),
            },
            Step::Reopen => self.reopen(),
        }
    }

    fn transact(
        &mut self,
        tx: &str,
        tempids: &[(String, String)],
        tx_name: Option<&str>,
        expect: &Expect,
    ) -> Result<(), String> {
        let text = self.subst(tx)?;
        let before = match expect {
            Expect::Error(_) => Some(Dump::of(self.db()?)?),
            _ => None,
        };
        let db = self.db.as_mut().ok_or("the database is not open")?;
        let result = db.transact_edn(&text);
        match (result, expect) {
            (Ok(report), Expect::Error(kind)) => Err(format!(
                "expected a {kind} error, but the transaction committed as tx {}",
                report.tx
            )),
            (Err(e), Expect::Error(kind)) => {
                if e.kind().as_str() != kind {
                    return Err(format!("expected a {kind} error, got {}", show_err(&e)));
                }
                let after = Dump::of(self.db()?)?;
                match before {
                    Some(before) if before != after => Err(format!(
                        "the failed transaction changed the database: {}",
                        before.difference(&after)
                    )),
                    _ => Ok(()),
                }
            }
            (Err(e), _) => Err(format!("the transaction failed: {}", show_err(&e))),
            (Ok(report), _) => {
                for (tempid, name) in tempids {
                    let mut keys = vec![Value::str(tempid)];
                    if let Ok(n) = tempid.parse::<i64>() {
                        keys.insert(0, Value::Int(n));
                    }
                    let id = keys
                        .iter()
                        .find_map(|k| report.tempids.get(k))
                        .ok_or_else(|| {
                            let known: Vec<String> = report.tempids.keys().map(show).collect();
                            format!(
                                "tempid {tempid:?} is not in the report's tempids ({})",
                                known.join(" ")
                            )
                        })?;
                    self.refs.insert(name.clone(), *id);
                }
                if let Some(name) = tx_name {
                    self.refs.insert(format!("tx:{name}"), report.tx);
                }
                self.check_subscriptions()
            }
        }
    }

    /// Runs `query` with `args` against `view`.
    fn run_query(view: View<'_>, query: &Value, args: &[Value]) -> dfdb_core::Result<Value> {
        q_on(view, query, args)
    }

    fn read(&self, read: &Read, as_of: Option<&str>, expect: &Expect) -> Result<(), String> {
        let db = self.db()?;
        let cmp = Comparer::new(db.schema());
        let view = match as_of {
            None => db.view(),
            Some(t) => {
                let point = time_point(&self.expected(t)?)?;
                match db.as_of(point) {
                    Ok(v) => v,
                    Err(e) => return self.outcome(Err(e), expect, |_, _| true),
                }
            }
        };
        match read {
            Read::Query { query, args } => {
                let parsed = match self.input(query)? {
                    Ok(v) => v,
                    Err(e) => return self.outcome(Err(e), expect, |_, _| true),
                };
                let mut arg_values = Vec::new();
                for a in args {
                    match self.input(a)? {
                        Ok(v) => arg_values.push(v),
                        Err(e) => return self.outcome(Err(e), expect, |_, _| true),
                    }
                }
                let bounds = match self.query_bounds(db, &parsed)? {
                    Ok(b) => b,
                    Err(e) => return self.outcome(Err(e), expect, |_, _| true),
                };
                let view = match &bounds {
                    Some(b) => db.view_at(b),
                    None => view,
                };
                let query = inner_query(&parsed);
                let shape = find_shape(query);
                let result = Self::run_query(view, query, &arg_values);
                self.outcome(result, expect, |e, a| cmp.query(&shape, e, a))
            }
            Read::Pull { pattern, eid } => {
                let (pattern, eid) = (self.input(pattern)?, self.input(eid)?);
                let result = pattern.and_then(|p| eid.and_then(|e| pull::pull(&view, &p, &e)));
                self.outcome(result, expect, |e, a| cmp.pull(e, a))
            }
            Read::PullMany { pattern, eids } => {
                let (pattern, eids) = (self.input(pattern)?, self.input(eids)?);
                let result = pattern.and_then(|p| {
                    eids.and_then(|es| match es.as_seq() {
                        Some(list) => pull::pull_many(&view, &p, list),
                        None => pull::pull_many(&view, &p, std::slice::from_ref(&es)),
                    })
                });
                self.outcome(result, expect, |e, a| cmp.pull(e, a))
            }
            Read::Entity(eid) => {
                let result = self.input(eid)?.and_then(|e| entity(&view, &e));
                self.outcome(result, expect, |e, a| cmp.pull(e, a))
            }
        }
    }

    /// The bounds of a `{:query Q :as-of {…}}` map, if the query has one.
    fn query_bounds(
        &self,
        db: &Database,
        query: &Value,
    ) -> Result<dfdb_core::Result<Option<TimeBounds>>, String> {
        let Value::Map(m) = query else {
            return Ok(Ok(None));
        };
        Ok(match m.get(&Value::kw("as-of")) {
            None => Ok(None),
            Some(as_of) => db.time_bounds(as_of).map(Some),
        })
    }

    /// Checks a step's result against what it expects.
    fn outcome(
        &self,
        result: dfdb_core::Result<Value>,
        expect: &Expect,
        eq: impl Fn(&Value, &Value) -> bool,
    ) -> Result<(), String> {
        match (result, expect) {
            (Ok(_), Expect::Nothing) => Ok(()),
            (Ok(actual), Expect::Value(text)) => {
                let expected = self.expected(text)?;
                if eq(&expected, &actual) {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {}, got {}",
                        show(&expected),
                        show(&actual)
                    ))
                }
            }
            (Ok(actual), Expect::Error(kind)) => {
                Err(format!("expected a {kind} error, got {}", show(&actual)))
            }
            (Err(e), Expect::Error(kind)) if e.kind().as_str() == kind => Ok(()),
            (Err(e), Expect::Error(kind)) => {
                Err(format!("expected a {kind} error, got {}", show_err(&e)))
            }
            (Err(e), _) => Err(format!("failed: {}", show_err(&e))),
        }
    }

    fn subscribe(
        &mut self,
        query: &str,
        name: &str,
        args: &[String],
        options: Option<&str>,
        expect: Option<&str>,
    ) -> Result<(), String> {
        let query = self
            .input(query)?
            .map_err(|e| format!("reading the query: {}", show_err(&e)))?;
        let mut arg_values = Vec::new();
        for a in args {
            arg_values.push(
                self.input(a)?
                    .map_err(|e| format!("reading an argument: {}", show_err(&e)))?,
            );
        }
        let options = match options {
            Some(o) => self
                .input(o)?
                .map_err(|e| format!("reading the options: {}", show_err(&e)))?,
            None => Value::Nil,
        };
        let target = self.target;
        let db = self.db.as_mut().ok_or("the database is not open")?;
        let live = target
            .subscribe(db, &query, &arg_values, &options)
            .map_err(|e| format!("subscribing failed: {}", show_err(&e)))?;
        let db = self.db()?;
        let initial = Self::run_query(db.view(), &query, &arg_values)
            .map_err(|e| format!("running the subscription's query: {}", show_err(&e)))?;
        if let Some(text) = expect {
            let expected = self.expected(text)?;
            let shape = find_shape(&query);
            if !Comparer::new(db.schema()).query(&shape, &expected, &initial) {
                return Err(format!(
                    "initial result: expected {}, got {}",
                    show(&expected),
                    show(&initial)
                ));
            }
        }
        let sub = Subscription {
            query,
            args: arg_values,
            live,
            state: rows_of(&initial),
            pending: Vec::new(),
        };
        self.subscriptions.insert(name.to_string(), sub);
        Ok(())
    }

    /// Collects the diffs each live subscription delivered, applies them to its state, and checks that
    /// state against a fresh run of its query.
    fn check_subscriptions(&mut self) -> Result<(), String> {
        let Some(db) = self.db.as_ref() else {
            return Ok(());
        };
        let cmp = Comparer::new(db.schema());
        for (name, sub) in &mut self.subscriptions {
            let diffs = sub.live.take_diffs();
            for d in &diffs {
                for r in &d.retractions {
                    let at = sub
                        .state
                        .iter()
                        .position(|s| cmp.plain(r, s))
                        .ok_or_else(|| {
                            format!(
                                "subscription {name:?} retracted {}, which its result did not hold",
                                show(r)
                            )
                        })?;
                    sub.state.swap_remove(at);
                }
                sub.state.extend(d.additions.iter().cloned());
            }
            sub.pending.extend(diffs);
            let fresh = Self::run_query(db.view(), &sub.query, &sub.args)
                .map_err(|e| format!("re-running subscription {name:?}: {}", show_err(&e)))?;
            let state = Value::Vector(sub.state.clone());
            if !cmp.rows(&Value::Vector(rows_of(&fresh)), &state) {
                return Err(format!(
                    "subscription {name:?}: its diffs add up to {}, but the query now gives {}",
                    show(&state),
                    show(&fresh)
                ));
            }
        }
        Ok(())
    }

    fn diffs(&mut self, name: &str, expect: &[DiffText]) -> Result<(), String> {
        self.check_subscriptions()?;
        if !self.subscriptions.contains_key(name) && self.unsubscribed.contains(name) {
            return match expect.len() {
                0 => Ok(()),
                n => Err(format!(
                    "expected {n} diff(s) from {name:?}, which was unsubscribed"
                )),
            };
        }
        let mut expected = Vec::new();
        for d in expect {
            expected.push((self.expected(&d.additions)?, self.expected(&d.retractions)?));
        }
        let db = self.db.as_ref().ok_or("the database is not open")?;
        let cmp = Comparer::new(db.schema());
        let sub = self
            .subscriptions
            .get_mut(name)
            .ok_or_else(|| format!("no live subscription named {name:?}"))?;
        let got = std::mem::take(&mut sub.pending);
        let shown = |ds: &[Diff]| -> String {
            let parts: Vec<String> = ds
                .iter()
                .map(|d| {
                    format!(
                        "{{+ {} - {}}}",
                        show(&Value::Vector(d.additions.clone())),
                        show(&Value::Vector(d.retractions.clone()))
                    )
                })
                .collect();
            format!("[{}]", parts.join(" "))
        };
        let matches = got.len() == expected.len()
            && got.iter().zip(&expected).all(|(g, (add, ret))| {
                cmp.rows(add, &Value::Vector(g.additions.clone()))
                    && cmp.rows(ret, &Value::Vector(g.retractions.clone()))
            });
        if matches {
            return Ok(());
        }
        let wanted: Vec<String> = expected
            .iter()
            .map(|(a, r)| format!("{{+ {} - {}}}", show(a), show(r)))
            .collect();
        Err(format!(
            "expected diffs [{}], got {}",
            wanted.join(" "),
            shown(&got)
        ))
    }

    fn reopen(&mut self) -> Result<(), String> {
        self.subscriptions.clear();
        let db = self.db.take().ok_or("the database is not open")?;
        let storage = self
            .target
            .reopen(db.into_storage())
            .map_err(|e| format!("reopening storage: {}", show_err(&e)))?;
        let db = Database::open(storage, None)
            .map_err(|e| format!("opening again: {}", show_err(&e)))?;
        self.db = Some(db);
        Ok(())
    }
}

/// The `entity` verb: an id or lookup ref → the entity map, or `nil`.
fn entity(view: &View<'_>, eid: &Value) -> dfdb_core::Result<Value> {
    let id = match eid {
        Value::Int(n) => match u64::try_from(*n) {
            Ok(id) => Some(id),
            Err(_) => return Err(Error::Type(format!("{n} is not an entity id"))),
        },
        Value::Ref(id) => Some(*id),
        Value::Vector(lr) => match lr.as_slice() {
            [Value::Keyword(a), v] => view.entity_by(a, v)?,
            _ => return Err(Error::parse(format!("bad lookup ref {}", show(eid)))),
        },
        other => {
            return Err(Error::Type(format!(
                "{} does not name an entity",
                show(other)
            )))
        }
    };
    Ok(match id {
        None => Value::Nil,
        Some(id) => view.entity(id)?.map(Value::Map).unwrap_or(Value::Nil),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_substituted() {
        let mut refs = BTreeMap::new();
        refs.insert("alice".to_string(), 1);
        refs.insert("tx:r1".to_string(), 4398046511104);
        let out = substitute_refs(
            r##"{:db/id #ref "alice" :t #ref  "tx:r1" :s "#refx"}"##,
            &refs,
        )
        .unwrap();
        assert_eq!(out, r##"{:db/id 1 :t 4398046511104 :s "#refx"}"##);
        assert!(substitute_refs(r#"#ref "bob""#, &refs).is_err());
    }
}
