//! Executing `:where` clauses over relations.
//!
//! Clauses are not run in written order: [`super::plan`] picks, at each step, the cheapest clause
//! given what is bound, and predicates and functions run as soon as their inputs are bound. Patterns
//! whose entity or value is bound by the relation are answered by index lookups per binding (an
//! index nested-loop join; on current views through [`super::direct`], which may merge-join a
//! sorted column instead, see [`super::merge`], and several extensions of one bound entity read
//! it once, see [`super::star`]); others are scanned once and hash-joined.

use super::ast::*;
use super::functions::call;
use super::plan::{choose, Step};
use super::rel::{bind_vars, first_seen_vars, Rel};
use super::rules::RuleTables;
use crate::index::{EntityId, RawDatom};
use crate::schema::AttrId;
use crate::view::View;
use crate::{err, Error, Result, Symbol, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use hashbrown::hash_map::Entry;
use hashbrown::HashMap;

/// Rule definitions by name, shared (not copied) by every evaluation that uses them.
pub type Rules = alloc::sync::Arc<BTreeMap<Symbol, Vec<RuleDef>>>;

/// Everything clause evaluation needs besides the relation.
pub struct Ctx<'v> {
    /// Sources by name (`$`, `$a`…): a handful at most, so a list. (A `BTreeMap` here allocated
    /// a node of over 1 KiB per evaluation, and glibc consolidates its free lists on such a
    /// request: a live update paid for the frees of the query run before it.)
    sources: Vec<(String, View<'v>)>,
    /// Rule definitions by name.
    pub rules: Rules,
    /// Tabled rule answers of the fixpoint in progress, if any.
    pub tables: Option<RuleTables>,
    /// Rows left before the step budget is exhausted (`None`: unbounded).
    pub budget: Option<u64>,
    /// Nesting depth of rule/not/or evaluation, bounded to refuse runaway recursion.
    pub depth: usize,
    /// Cached size estimates: (source, attribute, value) → datom count (capped).
    pub estimates: HashMap<(String, Value, Value), usize>,
    /// When set, each clause run is recorded here in order (for `explain`).
    pub trace: Option<Vec<String>>,
    /// Bounds that pending comparisons put on the value variable of the pattern about to run.
    range_hint: Option<(Var, Option<Value>, Option<Value>)>,
}

/// Deepest nesting of rule bodies and sub-clauses evaluated.
const MAX_EVAL_DEPTH: usize = 256;

impl<'v> Ctx<'v> {
    /// A context reading `$` from `view` (when given), with `rules` and a step budget.
    pub fn new(view: Option<View<'v>>, rules: Rules, budget: Option<u64>) -> Self {
        let sources = match view {
            Some(v) => alloc::vec![(String::from("$"), v)],
            None => Vec::new(),
        };
        Ctx {
            sources,
            rules,
            tables: None,
            budget,
            depth: 0,
            estimates: HashMap::new(),
            trace: None,
            range_hint: None,
        }
    }

    /// The source named `src`.
    pub fn source(&self, src: &str) -> Result<View<'v>> {
        self.sources
            .iter()
            .find(|(name, _)| name == src)
            .map(|(_, view)| *view)
            .ok_or_else(|| err!(Parse, "unknown source {src}: not in :in"))
    }

    /// Binds the source `name` to `view` (replacing an earlier binding of that name).
    pub fn set_source(&mut self, name: &str, view: View<'v>) {
        match self.sources.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = view,
            None => self.sources.push((String::from(name), view)),
        }
    }

    /// Charges `n` rows against the budget.
    pub fn charge(&mut self, n: usize) -> Result<()> {
        if let Some(b) = self.budget.as_mut() {
            *b = b
                .checked_sub(n as u64)
                .ok_or_else(|| err!(Limit, "query exceeded its step budget"))?;
        }
        Ok(())
    }
}

/// Evaluates `clauses` starting from `rel`, in the planner's order.
pub fn eval_clauses(ctx: &mut Ctx<'_>, clauses: &[Clause], mut rel: Rel) -> Result<Rel> {
    ctx.depth += 1;
    if ctx.depth > MAX_EVAL_DEPTH {
        return Err(err!(
            Limit,
            "query nests rules or clauses deeper than {MAX_EVAL_DEPTH}"
        ));
    }
    let mut pending: Vec<&Clause> = clauses.iter().collect();
    while !pending.is_empty() {
        let i = match choose(ctx, &pending, &rel)? {
            Step::Run(i) => i,
            Step::Stuck(i) => {
                let c = pending
                    .get(i)
                    .ok_or_else(|| Error::parse("planner error"))?;
                return Err(unbound_error(c, &rel));
            }
        };
        let before = rel.rows.len();
        // The clauses this step runs: the chosen one, or a group of patterns read together.
        let ran: Vec<&Clause> = match super::star::group(ctx, i, &pending, &rel) {
            Some(mut members) => {
                let ran: Vec<&Clause> = members
                    .iter()
                    .filter_map(|j| pending.get(*j).copied())
                    .collect();
                let patterns: Vec<&Pattern> = ran
                    .iter()
                    .filter_map(|c| match c {
                        Clause::Pattern(p) => Some(p),
                        _ => None,
                    })
                    .collect();
                members.sort_unstable();
                for j in members.into_iter().rev() {
                    pending.remove(j);
                }
                rel = super::star::eval(ctx, &patterns, rel)?;
                ran
            }
            None => {
                let clause = pending.remove(i);
                if let Clause::Pattern(p) = clause {
                    ctx.range_hint = range_hint(p, &pending, &rel);
                }
                rel = eval_clause(ctx, clause, rel)?;
                ctx.range_hint = None;
                alloc::vec![clause]
            }
        };
        if let Some(trace) = ctx.trace.as_mut() {
            let shown: Vec<String> = ran.iter().map(|c| show_clause(c)).collect();
            let together = if ran.len() > 1 {
                " (one read per entity)"
            } else {
                ""
            };
            trace.push(alloc::format!(
                "{:indent$}{}{together} -> {} rows (from {before})",
                "",
                shown.join(" + "),
                rel.rows.len(),
                indent = 2 * (ctx.depth - 1)
            ));
        }
        if rel.rows.is_empty() {
            // Nothing can come back from the remaining clauses.
            break;
        }
    }
    ctx.depth -= 1;
    Ok(rel)
}

/// Bounds on a pattern's free value variable (or, in an `:at/` pattern, its dimension variable)
/// from pending comparisons with constants (or with variables bound to a single value), so the
/// pattern can scan just that range of AVET (or of the dimension's index). The comparisons still
/// run afterwards: the range only narrows the scan (bounds are inclusive).
fn range_hint(
    p: &Pattern,
    pending: &[&Clause],
    rel: &Rel,
) -> Option<(Var, Option<Value>, Option<Value>)> {
    let target = match &p.at {
        Some((_, t)) => t,
        None if matches!(p.terms[1], Term::Const(_)) => &p.terms[2],
        None => return None,
    };
    let Term::Var(v) = target else {
        return None;
    };
    if rel.binds(v) || p.transitive.is_some() {
        return None;
    }
    let single = |t: &Term| -> Option<Value> {
        match t {
            Term::Const(c) => Some(c.clone()),
            Term::Var(x) if x != v => {
                let col = rel.col(x)?;
                let first = rel.rows.first()?.get(col)?;
                rel.rows
                    .iter()
                    .all(|r| r.get(col) == Some(first))
                    .then(|| first.clone())
            }
            _ => None,
        }
    };
    let (mut lo, mut hi): (Option<Value>, Option<Value>) = (None, None);
    for c in pending {
        let Clause::Pred { name, args } = c else {
            continue;
        };
        let [x, y] = args.as_slice() else { continue };
        let (bound, var_first) = match (x, y) {
            (Term::Var(a), other) if a == v => (single(other), true),
            (other, Term::Var(b)) if b == v => (single(other), false),
            _ => continue,
        };
        let Some(b) = bound else { continue };
        // Keywords and symbols compare in Clojure's order, which their index keys (in text order)
        // do not follow: no range of the index holds exactly the values past such a bound.
        if super::functions::compares_by_name(&b) {
            continue;
        }
        let lower = match (name.as_str(), var_first) {
            (">" | ">=", true) | ("<" | "<=", false) => true,
            ("<" | "<=", true) | (">" | ">=", false) => false,
            _ => continue,
        };
        if lower {
            if lo.as_ref().is_none_or(|l| b > *l) {
                lo = Some(b);
            }
        } else if hi.as_ref().is_none_or(|h| b < *h) {
            hi = Some(b);
        }
    }
    (lo.is_some() || hi.is_some()).then(|| (v.clone(), lo, hi))
}

/// A clause as query text, for `explain`.
pub fn show_clause(c: &Clause) -> String {
    let t = |t: &Term| match t {
        Term::Var(v) => String::from(v.as_str()),
        Term::Const(c) => alloc::format!("{c}"),
        Term::Blank => String::from("_"),
    };
    let ts = |ts: &[Term]| ts.iter().map(t).collect::<Vec<_>>().join(" ");
    match c {
        Clause::Pattern(p) => {
            let plus = if p.transitive.is_some() { "+" } else { "" };
            let [e, a, v, tx] = &p.terms;
            let tx = if matches!(tx, Term::Blank) {
                String::new()
            } else {
                alloc::format!(" {}", t(tx))
            };
            let at = match &p.at {
                Some((dim, term)) => alloc::format!(" :at/{} {}", dim.name(), t(term)),
                None => String::new(),
            };
            alloc::format!("[{} {}{plus} {}{tx}{at}]", t(e), t(a), t(v))
        }
        Clause::Pred { name, args } => alloc::format!("[({} {})]", name.as_str(), ts(args)),
        Clause::Fn { name, args, .. } => alloc::format!("[({} {}) …]", name.as_str(), ts(args)),
        Clause::Not { .. } => String::from("(not …)"),
        Clause::Or { .. } => String::from("(or …)"),
        Clause::Rule { name, args } => alloc::format!("({} {})", name.as_str(), ts(args)),
    }
}

fn unbound_error(c: &Clause, rel: &Rel) -> Error {
    let mut vars = BTreeSet::new();
    super::parse::clause_vars(c, &mut vars);
    let missing: Vec<&str> = vars
        .iter()
        .filter(|v| !rel.binds(v))
        .map(|v| v.as_str())
        .collect();
    err!(
        Parse,
        "insufficient bindings: {} not bound in clause {c:?}",
        missing.join(", ")
    )
}

/// Evaluates one clause against `rel`.
pub fn eval_clause(ctx: &mut Ctx<'_>, clause: &Clause, rel: Rel) -> Result<Rel> {
    match clause {
        Clause::Pattern(p) => eval_pattern(ctx, p, rel),
        Clause::Pred { name, args } => {
            let view = ctx.source("$").ok();
            let mut out = Vec::with_capacity(rel.rows.len());
            let slots = Args::new(&rel.vars, args);
            if let (Some(ok), 2) = (super::functions::comparison(name.as_str()), args.len()) {
                // `[(< ?a ?b)]` and friends, the most common predicates: compared in place.
                for row in rel.rows {
                    if super::functions::ordered(ok, slots.get(&row, 0)?, slots.get(&row, 1)?) {
                        out.push(row);
                    }
                }
                return Ok(Rel {
                    vars: rel.vars,
                    rows: out,
                });
            }
            let mut vals = Vec::with_capacity(args.len());
            for row in rel.rows {
                slots.fill(&row, &mut vals)?;
                if call_fn(view.as_ref(), name.as_str(), &vals)?.is_truthy() {
                    out.push(row);
                }
            }
            Ok(Rel {
                vars: rel.vars,
                rows: out,
            })
        }
        Clause::Fn {
            name,
            args,
            binding,
        } => eval_fn(ctx, name, args, binding, rel),
        Clause::Not { vars, body } => {
            let join = join_vars(vars.as_deref(), body, &rel);
            let input = rel.project(&join);
            let saved = ctx.tables.take();
            let result = eval_clauses(ctx, body, input);
            ctx.tables = saved;
            let matched = result?.project(&join);
            Ok(rel.antijoin(&matched))
        }
        Clause::Or { vars, branches } => {
            let join: Vec<Var> = match vars {
                Some(vs) => vs.clone(),
                None => {
                    let mut s = BTreeSet::new();
                    for b in branches {
                        b.iter().for_each(|c| super::parse::clause_vars(c, &mut s));
                    }
                    s.into_iter().collect()
                }
            };
            let bound: Vec<Var> = join.iter().filter(|v| rel.binds(v)).cloned().collect();
            let input = rel.project(&bound);
            let mut union: Option<Rel> = None;
            for b in branches {
                let out = eval_clauses(ctx, b, input.clone())?;
                if out.rows.is_empty() {
                    continue;
                }
                for v in &join {
                    if !out.binds(v) {
                        return Err(err!(
                            Parse,
                            "insufficient bindings: {} is not bound by every branch of (or …)",
                            v.as_str()
                        ));
                    }
                }
                let out = out.project(&join);
                union = Some(match union {
                    None => out,
                    Some(mut u) => {
                        let mut seen: hashbrown::HashSet<Vec<Value>> =
                            u.rows.iter().cloned().collect();
                        u.rows
                            .extend(out.rows.into_iter().filter(|r| seen.insert(r.clone())));
                        u
                    }
                });
            }
            Ok(rel.join(union.unwrap_or_default()))
        }
        Clause::Rule { name, args } => super::rules::eval_call(ctx, clause, name, args, rel),
    }
}

/// Join variables of a `not`: the declared ones, or those of its body the relation binds.
fn join_vars(declared: Option<&[Var]>, body: &[Clause], rel: &Rel) -> Vec<Var> {
    match declared {
        Some(vs) => vs.to_vec(),
        None => {
            let mut s = BTreeSet::new();
            body.iter()
                .for_each(|c| super::parse::clause_vars(c, &mut s));
            s.into_iter().filter(|v| rel.binds(v)).collect()
        }
    }
}

/// The values of `args` in `row` (constants as themselves).
pub fn args_of(vars: &[Var], row: &[Value], args: &[Term]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(args.len());
    Args::new(vars, args).fill(row, &mut out)?;
    Ok(out)
}

/// A function call's arguments resolved once against a relation's columns, so that each row
/// costs only the copies of its values (no name lookups, no allocation).
pub struct Args<'a> {
    slots: Vec<ArgSlot<'a>>,
}

enum ArgSlot<'a> {
    Col(usize),
    Const(&'a Value),
    /// An error only when a row is evaluated: with no rows, nothing is called.
    Unbound(&'a Var),
    Blank,
}

impl<'a> Args<'a> {
    pub fn new(vars: &[Var], args: &'a [Term]) -> Self {
        let slots = args
            .iter()
            .map(|t| match t {
                Term::Var(v) => match vars.iter().position(|x| x == v) {
                    Some(i) => ArgSlot::Col(i),
                    None => ArgSlot::Unbound(v),
                },
                Term::Const(c) => ArgSlot::Const(c),
                Term::Blank => ArgSlot::Blank,
            })
            .collect();
        Args { slots }
    }

    /// Replaces `out`'s contents with the arguments' values in `row`.
    pub fn fill(&self, row: &[Value], out: &mut Vec<Value>) -> Result<()> {
        out.clear();
        for i in 0..self.slots.len() {
            out.push(self.get(row, i)?.clone());
        }
        Ok(())
    }

    /// Argument `i`'s value in `row`.
    pub fn get<'r>(&'r self, row: &'r [Value], i: usize) -> Result<&'r Value> {
        match self.slots.get(i) {
            Some(ArgSlot::Col(c)) => row
                .get(*c)
                .ok_or_else(|| err!(Parse, "a row is shorter than its relation")),
            Some(ArgSlot::Const(c)) => Ok(c),
            Some(ArgSlot::Unbound(v)) => Err(err!(Parse, "variable {} is not bound", v.as_str())),
            Some(ArgSlot::Blank) => Err(Error::parse("_ cannot be a function argument")),
            None => Err(err!(Parse, "no argument {i}")),
        }
    }
}

/// Calls a function, giving database-reading functions (`get-else`, `get-some`, `missing?`) the view.
pub fn call_fn(view: Option<&View<'_>>, name: &str, args: &[Value]) -> Result<Value> {
    match name {
        "get-else" | "get-some" | "missing?" => {
            let view = view.ok_or_else(|| err!(Parse, "({name} $ …) needs a database source"))?;
            let (e, rest) = match args {
                [Value::Symbol(_), e, rest @ ..] => (e, rest),
                _ => {
                    return Err(err!(
                        Parse,
                        "({name} $ ?e …) takes a source and an entity first"
                    ))
                }
            };
            let eid = match e {
                Value::Int(i) if *i >= 0 => *i as u64,
                other => return Err(err!(Type, "({name} …): {other:?} is not an entity id")),
            };
            let first_value = |a: &Value| -> Result<Option<Value>> {
                let Value::Keyword(k) = a else {
                    return Err(err!(Parse, "({name} …): attribute {a:?} is not a keyword"));
                };
                let Some(attr) = view.schema().get(k) else {
                    return Ok(None);
                };
                if attr.is_many() && name == "get-else" {
                    return Err(err!(Type, "get-else on cardinality-many attribute {k:?}"));
                }
                Ok(view
                    .datoms(Some(eid), Some(attr.id), None)?
                    .next()
                    .transpose()?
                    .map(|d| d.v))
            };
            match name {
                "get-else" => match rest {
                    [a, default] => {
                        if default.is_nil() {
                            return Err(err!(Type, "get-else default cannot be nil"));
                        }
                        Ok(first_value(a)?.unwrap_or_else(|| default.clone()))
                    }
                    _ => Err(Error::parse(
                        "(get-else $ ?e :attr default) takes four arguments",
                    )),
                },
                "missing?" => match rest {
                    [a] => Ok(Value::Bool(first_value(a)?.is_none())),
                    _ => Err(Error::parse("(missing? $ ?e :attr) takes three arguments")),
                },
                _ => {
                    for a in rest {
                        if let Some(v) = first_value(a)? {
                            return Ok(Value::Vector(alloc::vec![a.clone(), v]));
                        }
                    }
                    Ok(Value::Nil)
                }
            }
        }
        _ => call(name, args),
    }
}

fn eval_fn(
    ctx: &mut Ctx<'_>,
    name: &Symbol,
    args: &[Term],
    binding: &Binding,
    rel: Rel,
) -> Result<Rel> {
    let view = ctx.source("$").ok();
    let new_vars: Vec<Var> = binding
        .vars()
        .into_iter()
        .filter(|v| !rel.binds(v))
        .collect();
    let mut vars = rel.vars.clone();
    vars.extend(new_vars.iter().cloned());
    let mut rows = Vec::new();
    let slots = Args::new(&rel.vars, args);
    let mut vals = Vec::with_capacity(args.len());
    for row in &rel.rows {
        slots.fill(row, &mut vals)?;
        let result = call_fn(view.as_ref(), name.as_str(), &vals)?;
        if result.is_nil() {
            continue;
        }
        let tuples: Vec<Vec<(&Term, Value)>> = match binding {
            Binding::Scalar(t) => alloc::vec![alloc::vec![(t, result)]],
            Binding::Tuple(ts) => {
                let items = seq(&result, name)?;
                if items.len() < ts.len() {
                    continue;
                }
                alloc::vec![ts.iter().zip(items).collect()]
            }
            Binding::Coll(t) => seq(&result, name)?
                .into_iter()
                .map(|x| alloc::vec![(t, x)])
                .collect(),
            Binding::Rel(ts) => {
                let mut out = Vec::new();
                for tuple in seq(&result, name)? {
                    let items = seq(&tuple, name)?;
                    if items.len() >= ts.len() {
                        out.push(ts.iter().zip(items).collect());
                    }
                }
                out
            }
        };
        for t in tuples {
            let consistent = t.iter().all(|(term, val)| match term {
                Term::Const(c) => c == val,
                Term::Var(v) => rel.col(v).is_none_or(|i| row.get(i) == Some(val)),
                Term::Blank => true,
            });
            let pairs = t
                .iter()
                .filter_map(|(term, val)| term.var().map(|v| (v, val)));
            if let (true, Some(fresh)) = (consistent, bind_vars(&new_vars, pairs)) {
                let mut new_row = row.clone();
                new_row.extend(fresh);
                rows.push(new_row);
            }
        }
    }
    ctx.charge(rows.len())?;
    Ok(Rel { vars, rows })
}

fn seq(v: &Value, name: &Symbol) -> Result<Vec<Value>> {
    match v {
        Value::Vector(xs) | Value::List(xs) => Ok(xs.clone()),
        Value::Set(s) => Ok(s.iter().cloned().collect()),
        other => Err(err!(
            Type,
            "({} …) returned {other:?}, which cannot be destructured",
            name.as_str()
        )),
    }
}

/// An entity id from a pattern's entity position (ids and lookup refs).
pub fn entity_of(view: &View<'_>, v: &Value) -> Result<Option<EntityId>> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(Some(*i as u64)),
        Value::Ref(r) => Ok(Some(*r)),
        Value::Vector(lr) | Value::List(lr) => match lr.as_slice() {
            [Value::Keyword(a), val] => match view.schema().get(a) {
                Some(attr) => view.entity_with(attr.id, val),
                None => Ok(None),
            },
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// What a pattern position is, given the relation: bound from a column, constant, or free.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    Const(Value),
    Col(usize),
    Free(Option<Var>),
}

fn slot(t: &Term, rel: &Rel) -> Slot {
    match t {
        Term::Const(c) => Slot::Const(c.clone()),
        Term::Blank => Slot::Free(None),
        Term::Var(v) => match rel.col(v) {
            Some(i) => Slot::Col(i),
            None => Slot::Free(Some(v.clone())),
        },
    }
}

fn eval_pattern(ctx: &mut Ctx<'_>, p: &Pattern, rel: Rel) -> Result<Rel> {
    let view = ctx.source(&p.src)?;
    let mut terms: Vec<&Term> = p.terms.iter().collect();
    let mut dim_indexed = false;
    if let Some((dim, t)) = &p.at {
        if dim.as_str() == crate::time::SYSTEM {
            return Err(err!(
                Schema,
                ":at/system is transaction time: bind it with [?e ?a ?v ?tx] instead"
            ));
        }
        let Some(def) = crate::time::definition(&view, dim)? else {
            return Err(err!(
                Schema,
                "time dimension {dim:?} (in :at/{}) is not defined",
                dim.name()
            ));
        };
        dim_indexed = def.indexed;
        terms.push(t);
    }
    let slots: Vec<Slot> = terms.iter().map(|t| slot(t, &rel)).collect();
    // Variables first bound by this pattern, in position order (a variable may repeat).
    let new_vars = first_seen_vars(terms.iter().copied(), |v| rel.binds(v));
    let mut vars = rel.vars.clone();
    vars.extend(new_vars.iter().cloned());
    let bound_cols: Vec<usize> = slots
        .iter()
        .filter_map(|s| if let Slot::Col(i) = s { Some(*i) } else { None })
        .collect();
    // Where each new variable's value comes from: (position, index in `new_vars`), in position
    // order, so a variable's first position comes before its repeats.
    let fresh: Vec<(usize, usize)> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Slot::Free(Some(v)) => new_vars.iter().position(|x| x == v).map(|j| (i, j)),
            _ => None,
        })
        .collect();
    if p.transitive.is_none() && p.at.is_none() {
        let range = match (&ctx.range_hint, slots.get(2)) {
            (Some((hv, lo, hi)), Some(Slot::Free(Some(v)))) if hv == v => {
                Some((lo.clone(), hi.clone()))
            }
            _ => None,
        };
        let mut charge = |n| ctx.charge(n);
        if let Some(rows) = super::direct::eval(
            &view,
            &slots,
            &rel,
            &fresh,
            vars.len(),
            range.as_ref(),
            &mut charge,
        )? {
            return Ok(Rel { vars, rows });
        }
    }
    let mut cache: HashMap<Vec<Value>, Vec<Vec<Value>>> = HashMap::new();
    let mut rows = Vec::new();
    for row in &rel.rows {
        let key: Vec<Value> = bound_cols
            .iter()
            .filter_map(|i| row.get(*i).cloned())
            .collect();
        let found = match cache.entry(key) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(slot) => {
                let resolved: Vec<Option<Value>> = slots
                    .iter()
                    .map(|s| match s {
                        Slot::Const(c) => Some(c.clone()),
                        Slot::Col(i) => row.get(*i).cloned(),
                        Slot::Free(_) => None,
                    })
                    .collect();
                // The range hint bounds the value, or for `:at/` patterns the dimension's value.
                let hinted = slots.get(if p.at.is_some() { 4 } else { 2 });
                let range = match (&ctx.range_hint, hinted) {
                    (Some((hv, lo, hi)), Some(Slot::Free(Some(v)))) if hv == v => {
                        Some((lo.clone(), hi.clone()))
                    }
                    _ => None,
                };
                let found = match (&p.transitive, &p.at, range) {
                    (Some(t), _, _) => transitive_matches(&view, &resolved, t.max_depth)?,
                    (None, Some((dim, _)), range) if dim_indexed => {
                        let (lo, hi) = match (resolved.get(4).cloned().flatten(), range) {
                            (Some(t), _) => (Some(t.clone()), Some(t)),
                            (None, Some(r)) => r,
                            (None, None) => (None, None),
                        };
                        match at_range_matches(&view, &resolved, dim, lo.as_ref(), hi.as_ref())? {
                            Some(found) => found,
                            None => at_matches(&view, &resolved, dim)?,
                        }
                    }
                    (None, Some((dim, _)), _) => at_matches(&view, &resolved, dim)?,
                    (None, None, Some((lo, hi)))
                        if resolved[0].is_none() && resolved[3].is_none() =>
                    {
                        range_matches(&view, &resolved, lo.as_ref(), hi.as_ref())?
                    }
                    (None, None, _) => matches(&view, &resolved)?,
                };
                ctx.charge(found.len())?;
                slot.insert(found)
            }
        };
        rows.extend(
            found
                .iter()
                .filter_map(|d| extend_row(row, d, &fresh, vars.len())),
        );
    }
    Ok(Rel { vars, rows })
}

/// `row` followed by the new variables' values from datom values `d` (see `fresh` in
/// [`eval_pattern`]), or `None` when a variable at several positions gets unequal values there
/// (as in `[?x :a ?x]`).
pub(super) fn extend_row(
    row: &[Value],
    d: &[Value],
    fresh: &[(usize, usize)],
    width: usize,
) -> Option<Vec<Value>> {
    let mut out = Vec::with_capacity(width);
    out.extend_from_slice(row);
    for &(pos, j) in fresh {
        let val = d.get(pos)?;
        match out.get(row.len() + j) {
            Some(prev) if prev != val => return None,
            Some(_) => {}
            None => out.push(val.clone()),
        }
    }
    Some(out)
}

/// The attribute id of a constant attribute position (`None` when the attribute is unknown,
/// so the pattern matches nothing).
fn attr_of(view: &View<'_>, a: &Value) -> Option<AttrId> {
    match a {
        Value::Keyword(k) => view.schema().get(k).map(|x| x.id),
        _ => None,
    }
}

/// The entity and attribute ids of a pattern's first two positions (`None` where free), or `None`
/// when a bound one names no entity or attribute, so the pattern matches nothing.
fn entity_and_attr(
    view: &View<'_>,
    pos: &[Option<Value>],
) -> Result<Option<(Option<EntityId>, Option<AttrId>)>> {
    let e = match pos.first().and_then(Option::as_ref) {
        Some(x) => match entity_of(view, x)? {
            Some(id) => Some(id),
            None => return Ok(None),
        },
        None => None,
    };
    let a = match pos.get(1).and_then(Option::as_ref) {
        Some(x) => match attr_of(view, x) {
            Some(id) => Some(id),
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some((e, a)))
}

/// Every datom `[e a v tx]` matching the given positions (`None`: free).
pub fn matches(view: &View<'_>, pos: &[Option<Value>]) -> Result<Vec<Vec<Value>>> {
    let get = |i: usize| pos.get(i).cloned().flatten();
    let (v, tx) = (get(2), get(3));
    let Some((e_id, a_id)) = entity_and_attr(view, pos)? else {
        return Ok(Vec::new());
    };
    // A lookup ref in value position of a ref attribute names an entity.
    let v = match (&v, a_id.and_then(|id| view.schema().by_id(id))) {
        (Some(val @ (Value::Vector(_) | Value::List(_))), Some(attr)) if attr.is_ref() => {
            match entity_of(view, val)? {
                Some(id) => Some(Value::Int(id as i64)),
                None => return Ok(Vec::new()),
            }
        }
        _ => v,
    };
    let mut out = Vec::new();
    for d in view.datoms(e_id, a_id, v.as_ref())? {
        let d = d?;
        if let Some(t) = &tx {
            if *t != Value::Int(d.tx as i64) {
                continue;
            }
        }
        out.push(datom_values(view, &d)?);
    }
    Ok(out)
}

/// `[?e :attr ?v]` with `lo <= ?v <= hi` (either bound optional), from one AVET range scan.
fn range_matches(
    view: &View<'_>,
    pos: &[Option<Value>],
    lo: Option<&Value>,
    hi: Option<&Value>,
) -> Result<Vec<Vec<Value>>> {
    let Some(a) = pos
        .get(1)
        .cloned()
        .flatten()
        .and_then(|a| attr_of(view, &a))
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for d in view.value_range(a, lo, hi)? {
        out.push(datom_values(view, &d?)?);
    }
    Ok(out)
}

fn datom_values(view: &View<'_>, d: &RawDatom) -> Result<Vec<Value>> {
    let a = Value::Keyword(view.schema().attr(d.a)?.ident.clone());
    Ok(datom_row(d.e, &a, d.v.clone(), d.tx).into())
}

/// A datom as the values of a pattern's positions `[e a v tx]`.
pub(super) fn datom_row(e: EntityId, a: &Value, v: Value, tx: EntityId) -> [Value; 4] {
    [Value::Int(e as i64), a.clone(), v, Value::Int(tx as i64)]
}

/// [`datom_row`] for a pattern whose attribute is a constant: that position is never a fresh
/// variable, so it holds nil rather than a copy of the keyword (a reference count taken and
/// dropped per datom read).
pub(super) fn const_attr_row(e: EntityId, v: Value, tx: EntityId) -> [Value; 4] {
    [Value::Int(e as i64), Value::Nil, v, Value::Int(tx as i64)]
}

/// `[e a v :at/dim t]`: every visible assertion (current or not) made by a transaction that
/// carried dimension `dim`, with that transaction's value for it.
fn at_matches(
    view: &View<'_>,
    pos: &[Option<Value>],
    dim: &crate::Keyword,
) -> Result<Vec<Vec<Value>>> {
    let get = |i: usize| pos.get(i).cloned().flatten();
    let Some((e, a)) = entity_and_attr(view, pos)? else {
        return Ok(Vec::new());
    };
    let (v, tx, t) = (get(2), get(3), get(4));
    let mut out = Vec::new();
    for d in view.history(e, a, v.as_ref())? {
        let d = d?;
        if !d.added {
            continue;
        }
        let Some(value) = view.tx_dim(d.tx, dim) else {
            continue;
        };
        if tx.as_ref().is_some_and(|x| *x != Value::Int(d.tx as i64))
            || t.as_ref().is_some_and(|x| x != value)
        {
            continue;
        }
        let mut row = datom_values(view, &d)?;
        row.push(value.clone());
        out.push(row);
    }
    Ok(out)
}

/// Transactions a dimension range may name before the log route gives way to the history scan.
const LOG_ROUTE_CAP: usize = 1 << 16;

/// `[e a v :at/dim t]` for an indexed `dim` with `t` in `[lo, hi]`: the transactions whose value
/// lies in the range, from the dimension's index, joined to their logged operations. `None` when
/// the history scan is cheaper: the entity is bound and has fewer operations on record than the
/// range has transactions, or no bound narrows the range at all.
fn at_range_matches(
    view: &View<'_>,
    pos: &[Option<Value>],
    dim: &crate::Keyword,
    lo: Option<&Value>,
    hi: Option<&Value>,
) -> Result<Option<Vec<Vec<Value>>>> {
    // Without bounds the range is the whole history; with the entity but not the attribute bound,
    // each transaction's log would be read whole where the entity's history is all we need.
    let get = |i: usize| pos.get(i).cloned().flatten();
    if (lo.is_none() && hi.is_none()) || (get(0).is_some() && get(1).is_none()) {
        return Ok(None);
    }
    let Some((e, a)) = entity_and_attr(view, pos)? else {
        return Ok(Some(Vec::new()));
    };
    let mut txs = Vec::new();
    for r in view.dim_range(dim, lo, hi)? {
        txs.push(r?);
        if txs.len() > LOG_ROUTE_CAP {
            return Ok(None);
        }
    }
    if e.is_some() {
        // Counted one by one, so that a read error is reported rather than counted.
        let mut held = 0;
        for d in view.history(e, a, None)?.take(txs.len()) {
            d?;
            held += 1;
        }
        if held < txs.len() {
            return Ok(None);
        }
    }
    let (v, tx) = (get(2), get(3));
    let mut out = Vec::new();
    for (value, t) in txs {
        if tx.as_ref().is_some_and(|x| *x != Value::Int(t as i64)) {
            continue;
        }
        for d in view.log(t, a, e)? {
            let d = d?;
            if !d.added || e.is_some_and(|e| d.e != e) || v.as_ref().is_some_and(|v| d.v != *v) {
                continue;
            }
            let mut row = datom_values(view, &d)?;
            row.push(value.clone());
            out.push(row);
        }
    }
    Ok(Some(out))
}

/// `[?x :attr+ ?y]`: pairs connected by one or more steps of a ref attribute.
fn transitive_matches(
    view: &View<'_>,
    pos: &[Option<Value>],
    max_depth: Option<usize>,
) -> Result<Vec<Vec<Value>>> {
    let get = |i: usize| pos.get(i).cloned().flatten();
    let Some(Value::Keyword(attr_kw)) = get(1) else {
        return Err(Error::parse(
            "a transitive pattern needs a constant attribute (:attr+)",
        ));
    };
    let Some(attr) = view.schema().get(&attr_kw) else {
        return Ok(Vec::new());
    };
    let a = attr.id;
    let kw = Value::Keyword(attr_kw.clone());
    let step_out = |from: &Value| -> Result<Vec<Value>> {
        let Some(e) = entity_of(view, from)? else {
            return Ok(Vec::new());
        };
        view.datoms(Some(e), Some(a), None)?
            .map(|d| d.map(|d| d.v))
            .collect()
    };
    let step_in = |to: &Value| -> Result<Vec<Value>> {
        view.datoms(None, Some(a), Some(to))?
            .map(|d| d.map(|d| Value::Int(d.e as i64)))
            .collect()
    };
    let reach =
        |start: &Value, step: &dyn Fn(&Value) -> Result<Vec<Value>>| -> Result<BTreeSet<Value>> {
            let mut seen = BTreeSet::new();
            let mut frontier = alloc::vec![start.clone()];
            let mut depth = 0;
            while !frontier.is_empty() && max_depth.is_none_or(|m| depth < m) {
                depth += 1;
                let mut next = Vec::new();
                for x in &frontier {
                    for y in step(x)? {
                        if seen.insert(y.clone()) {
                            next.push(y);
                        }
                    }
                }
                frontier = next;
            }
            Ok(seen)
        };
    let mut out = Vec::new();
    let tx = Value::Nil;
    match (get(0), get(2)) {
        (Some(x), y) => {
            let x = match entity_of(view, &x)? {
                Some(id) => Value::Int(id as i64),
                None => return Ok(out),
            };
            for r in reach(&x, &step_out)? {
                if y.as_ref().is_none_or(|y| *y == r) {
                    out.push(alloc::vec![x.clone(), kw.clone(), r, tx.clone()]);
                }
            }
        }
        (None, Some(y)) => {
            for r in reach(&y, &step_in)? {
                out.push(alloc::vec![r, kw.clone(), y.clone(), tx.clone()]);
            }
        }
        (None, None) => {
            let starts: BTreeSet<Value> = view
                .datoms(None, Some(a), None)?
                .map(|d| d.map(|d| Value::Int(d.e as i64)))
                .collect::<Result<_>>()?;
            for x in starts {
                for r in reach(&x, &step_out)? {
                    out.push(alloc::vec![x.clone(), kw.clone(), r, tx.clone()]);
                }
            }
        }
    }
    Ok(out)
}
