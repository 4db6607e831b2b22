//! Rules, recursive ones included, by tabled bottom-up evaluation seeded with the caller's bindings.
//!
//! A call `(rule ?a ?b)` whose arguments are partly bound becomes a table keyed by the rule and which
//! positions are bound (its "adornment"). The table collects the distinct bound inputs callers ask
//! about and the answers found for them. A top-level call runs every table to a fixpoint: each round
//! evaluates each rule body for the table's inputs; recursive calls inside bodies register new inputs
//! and read the answers found so far. Rounds repeat until no table gains an input or an answer.
//! Bound arguments thus seed the evaluation (as magic sets do): an ancestors query for one person
//! touches only that person's ancestors. Recursion never deepens the Rust stack.
//!
//! Rounds are semi-naive: inputs a table has already evaluated are evaluated again only through
//! the answers found in the previous round — once per rule call in the body, that call reading
//! just those new answers — so a round costs what the previous round discovered, not everything
//! known so far.
//!
//! A top-level call of a right-linear rule (a transitive closure such as `(follows ?root ?b)` with
//! `?root` bound) skips the tables: `linear.rs` walks from each caller's input instead.

use super::ast::*;
use super::eval::{eval_clauses, Ctx};
use super::rel::{bind_vars, first_seen_vars, Rel};
use crate::{err, Error, Result, Symbol, Value};
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use hashbrown::{HashMap, HashSet};

/// One adorned rule's inputs and answers.
#[derive(Default, Debug)]
struct Table {
    inputs: HashSet<Vec<Value>>,
    /// Inputs whose bodies have been evaluated in full once.
    evaluated: HashSet<Vec<Value>>,
    answers: HashSet<Vec<Value>>,
    /// Answers found in the previous round (what semi-naive re-evaluation reads).
    delta: Vec<Vec<Value>>,
    /// Answers found in this round.
    fresh: Vec<Vec<Value>>,
}

/// A rule and which of its arguments are bound.
type TableKey = (Symbol, Vec<bool>);

/// The tables of one fixpoint computation.
#[derive(Default, Debug)]
pub struct RuleTables {
    tables: BTreeMap<TableKey, Table>,
    changed: bool,
    /// The rule-call clause (by address) that reads only the previous round's answers.
    delta_site: Option<usize>,
}

/// Most fixpoint rounds before giving up with kind `limit`.
pub(super) const MAX_ROUNDS: usize = 1_000_000;

/// Evaluates a rule call against `rel`, joining its answers in.
pub fn eval_call(
    ctx: &mut Ctx<'_>,
    site: &Clause,
    name: &Symbol,
    args: &[Term],
    rel: Rel,
) -> Result<Rel> {
    let arity = ctx
        .rules
        .get(name)
        .and_then(|defs| defs.first())
        .map(|d| d.head.len())
        .ok_or_else(|| {
            err!(
                Parse,
                "unknown rule or clause ({} …): no such rule in %",
                name.as_str()
            )
        })?;
    if arity != args.len() {
        return Err(err!(
            Parse,
            "rule {} takes {arity} arguments, called with {}",
            name.as_str(),
            args.len()
        ));
    }
    let mask: Vec<bool> = args
        .iter()
        .map(|t| match t {
            Term::Const(_) => true,
            Term::Var(v) => rel.binds(v),
            Term::Blank => false,
        })
        .collect();
    let mut inputs: HashSet<Vec<Value>> = HashSet::new();
    for row in &rel.rows {
        inputs.insert(bound_values(args, &mask, &rel, row));
    }
    let top = ctx.tables.is_none();
    if top {
        // A right-linear rule needs no tables (see `linear.rs`).
        let rules = ctx.rules.clone();
        let linear = rules
            .get(name)
            .and_then(|defs| super::linear::shape(defs, name, &mask));
        if let Some(linear) = linear {
            let callers: Vec<Vec<Value>> = inputs.iter().cloned().collect();
            if let Some(answers) = super::linear::answers(ctx, &linear, &mask, callers)? {
                let out = join_answers(rel, args, &mask, answers.iter());
                ctx.charge(out.rows.len())?;
                return Ok(out);
            }
        }
    }
    let key = (name.clone(), mask.clone());
    if top {
        ctx.tables = Some(RuleTables::default());
    }
    register(ctx, &key, inputs);
    let out = if top {
        let result = fixpoint(ctx);
        let tables = ctx.tables.take();
        result?;
        let table = tables.and_then(|mut t| t.tables.remove(&key));
        join_answers(
            rel,
            args,
            &mask,
            table.iter().flat_map(|t| t.answers.iter()),
        )
    } else {
        // The table's answers are read where they are: a call made each round saw every answer
        // copied.
        let delta_only = ctx.tables.as_ref().and_then(|t| t.delta_site) == Some(address(site));
        let table = ctx.tables.as_ref().and_then(|t| t.tables.get(&key));
        match (table, delta_only) {
            (Some(t), true) => join_answers(rel, args, &mask, t.delta.iter()),
            (Some(t), false) => join_answers(rel, args, &mask, t.answers.iter()),
            (None, _) => join_answers(rel, args, &mask, core::iter::empty()),
        }
    };
    ctx.charge(out.rows.len())?;
    Ok(out)
}

fn bound_values(args: &[Term], mask: &[bool], rel: &Rel, row: &[Value]) -> Vec<Value> {
    args.iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .filter_map(|(t, _)| match t {
            Term::Const(c) => Some(c.clone()),
            Term::Var(v) => rel.col(v).and_then(|i| row.get(i).cloned()),
            Term::Blank => None,
        })
        .collect()
}

fn register(ctx: &mut Ctx<'_>, key: &TableKey, inputs: HashSet<Vec<Value>>) {
    if let Some(tables) = ctx.tables.as_mut() {
        let table = tables.tables.entry(key.clone()).or_default();
        for i in inputs {
            if table.inputs.insert(i) {
                tables.changed = true;
            }
        }
    }
}

fn address(c: &Clause) -> usize {
    c as *const Clause as usize
}

/// The rule calls of a body at its top level, or `None` if some call sits inside an `or` (whose
/// branches are then re-evaluated in full each round: still correct, just not semi-naive).
fn call_sites(body: &[Clause]) -> Option<Vec<usize>> {
    let mut sites = Vec::new();
    for c in body {
        match c {
            Clause::Rule { .. } => sites.push(address(c)),
            Clause::Or { branches, .. }
                if branches
                    .iter()
                    .flatten()
                    .any(|b| matches!(b, Clause::Rule { .. } | Clause::Or { .. })) =>
            {
                return None;
            }
            _ => {}
        }
    }
    Some(sites)
}

/// Runs semi-naive rounds until no table changes.
fn fixpoint(ctx: &mut Ctx<'_>) -> Result<()> {
    type Work = (TableKey, Vec<Vec<Value>>, Vec<Vec<Value>>);
    for _ in 0..MAX_ROUNDS {
        let work: Vec<Work> = match ctx.tables.as_mut() {
            Some(t) => {
                t.changed = false;
                let mut work = Vec::with_capacity(t.tables.len());
                for (k, table) in t.tables.iter_mut() {
                    table.delta = core::mem::take(&mut table.fresh);
                    let new: Vec<Vec<Value>> =
                        table.inputs.difference(&table.evaluated).cloned().collect();
                    let old: Vec<Vec<Value>> = table.evaluated.iter().cloned().collect();
                    work.push((k.clone(), new, old));
                }
                work
            }
            None => return Err(Error::parse("rule evaluation lost its tables")),
        };
        for ((name, mask), new, old) in work {
            let rules = ctx.rules.clone();
            let defs = rules.get(&name).map(Vec::as_slice).unwrap_or(&[]);
            let mut found: Vec<Vec<Value>> = Vec::new();
            for def in defs {
                if !new.is_empty() {
                    found.extend(eval_body(ctx, def, &mask, &new)?);
                }
                if old.is_empty() {
                    continue;
                }
                match call_sites(&def.body) {
                    // Without rule calls, a body over unchanging data finds nothing new.
                    Some(sites) => {
                        for site in sites {
                            if let Some(t) = ctx.tables.as_mut() {
                                t.delta_site = Some(site);
                            }
                            let result = eval_body(ctx, def, &mask, &old);
                            if let Some(t) = ctx.tables.as_mut() {
                                t.delta_site = None;
                            }
                            found.extend(result?);
                        }
                    }
                    None => found.extend(eval_body(ctx, def, &mask, &old)?),
                }
            }
            if let Some(tables) = ctx.tables.as_mut() {
                let table = tables.tables.entry((name, mask)).or_default();
                table.evaluated.extend(new);
                for a in found {
                    if table.answers.insert(a.clone()) {
                        table.fresh.push(a);
                        tables.changed = true;
                    }
                }
            }
        }
        if !ctx.tables.as_ref().is_some_and(|t| t.changed) {
            return Ok(());
        }
    }
    Err(err!(
        Limit,
        "rule evaluation did not reach a fixpoint within {MAX_ROUNDS} rounds"
    ))
}

/// The head tuples one definition derives for the given inputs.
fn eval_body(
    ctx: &mut Ctx<'_>,
    def: &RuleDef,
    mask: &[bool],
    inputs: &[Vec<Value>],
) -> Result<Vec<Vec<Value>>> {
    let vars = bound_head_vars(def, mask);
    let rows = inputs
        .iter()
        .filter_map(|input| input_row(def, mask, &vars, input))
        .collect();
    let out = eval_clauses(ctx, &def.body, Rel { vars, rows })?;
    if out.rows.is_empty() {
        // Evaluation stops at the first empty step, before later clauses bind the head.
        return Ok(Vec::new());
    }
    let cols = head_cols(def, &out)?;
    Ok(out
        .rows
        .iter()
        .map(|r| cols.iter().filter_map(|c| r.get(*c).cloned()).collect())
        .collect())
}

/// The distinct variables of `def`'s head at the positions `mask` binds, in order.
pub(super) fn bound_head_vars(def: &RuleDef, mask: &[bool]) -> Vec<Var> {
    let mut vars: Vec<Var> = Vec::new();
    for (v, _) in def.head.iter().zip(mask).filter(|(_, m)| **m) {
        if !vars.contains(v) {
            vars.push(v.clone());
        }
    }
    vars
}

/// `input` (the values of the bound positions, in order) as a row of `vars`
/// ([`bound_head_vars`]); `None` when a head variable bound twice (`(r ?x ?x)`) would get two
/// different values.
pub(super) fn input_row(
    def: &RuleDef,
    mask: &[bool],
    vars: &[Var],
    input: &[Value],
) -> Option<Vec<Value>> {
    let bound = def
        .head
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|(v, _)| v);
    bind_vars(vars, bound.zip(input))
}

/// The column of each of `def`'s head variables in `rows`, the body having run.
pub(super) fn head_cols(def: &RuleDef, rows: &Rel) -> Result<Vec<usize>> {
    def.head
        .iter()
        .map(|v| {
            rows.col(v).ok_or_else(|| {
                err!(
                    Parse,
                    "rule head variable {} is not bound by the rule's body",
                    v.as_str()
                )
            })
        })
        .collect()
}

/// Joins answer tuples into `rel` through the call's arguments.
fn join_answers<'a>(
    rel: Rel,
    args: &[Term],
    mask: &[bool],
    answers: impl Iterator<Item = &'a Vec<Value>>,
) -> Rel {
    // Answers by their bound arguments. When those lead (`(follows ?x ?y)` with `?x` bound), the
    // key is a slice of the answer itself: no copy per answer.
    let lead = mask.iter().take_while(|m| **m).count();
    let leading = mask.iter().skip(lead).all(|m| !*m);
    let mut index: HashMap<Cow<'a, [Value]>, Vec<&'a Vec<Value>>> = HashMap::new();
    for a in answers {
        let k = match a.get(..lead) {
            Some(k) if leading => Cow::Borrowed(k),
            _ => Cow::Owned(
                a.iter()
                    .zip(mask)
                    .filter(|(_, m)| **m)
                    .map(|(v, _)| v.clone())
                    .collect(),
            ),
        };
        index.entry(k).or_default().push(a);
    }
    let free_args = || args.iter().zip(mask).filter(|(_, m)| !**m).map(|(t, _)| t);
    let new_vars = first_seen_vars(free_args(), |_| false);
    let mut vars = rel.vars.clone();
    vars.extend(new_vars.iter().cloned());
    let mut rows = Vec::new();
    for row in &rel.rows {
        let k = bound_values(args, mask, &rel, row);
        let Some(matches) = index.get(k.as_slice()) else {
            continue;
        };
        for a in matches {
            let free_values = a.iter().zip(mask).filter(|(_, m)| !**m).map(|(v, _)| v);
            let pairs = free_args()
                .zip(free_values)
                .filter_map(|(t, v)| t.var().map(|x| (x, v)));
            if let Some(fresh) = bind_vars(&new_vars, pairs) {
                let mut out = row.clone();
                out.extend(fresh);
                rows.push(out);
            }
        }
    }
    Rel { vars, rows }
}
