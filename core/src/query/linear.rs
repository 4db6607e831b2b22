//! Right-linear rules answered by reachability instead of tabling.
//!
//! Take `(follows ?a ?b)` defined by `[?a :follows ?b]` and by `[?a :follows ?x] (follows ?x ?b)`,
//! called with `?a` bound. The recursive call hands `?b` straight back as the head's `?b`, so the
//! answers for an `?a` are the non-recursive ("exit") definitions' answers at every input reachable
//! from `?a` through the recursive definitions' other clauses. Tabling (`rules.rs`) records instead,
//! for every input reached, all of that input's own answers, and lifts them one level per round: a
//! tree of n nodes and depth d costs about n·d answers and 2d rounds, each round reading the body
//! of every input seen so far again. Here each input is visited once per caller input, level by
//! level, and only the caller's answers are kept. (The right-linear case of Naughton,
//! Ramakrishnan, Sagiv and Ullman, "Efficient evaluation of right-, left-, and multi-linear
//! rules", SIGMOD 1989.)
//!
//! [`shape`] accepts a rule only when this reading is exact; anything else is tabled as before.

use super::ast::{Clause, RuleDef, Term, Var};
use super::eval::{eval_clauses, Ctx};
use super::rel::Rel;
use super::rules::{bound_head_vars, head_cols, input_row};
use crate::{err, Result, Symbol, Value};
use alloc::vec::Vec;
use hashbrown::HashSet;

/// A rule whose every definition is an exit or a right-linear step, under one adornment.
pub struct Linear<'r> {
    /// Definitions without rule calls.
    exits: Vec<&'r RuleDef>,
    /// Definitions that call the rule once, passing the head's free variables through.
    steps: Vec<Step<'r>>,
}

/// A recursive definition: its clauses other than the call, and the call's arguments.
struct Step<'r> {
    def: &'r RuleDef,
    prefix: Vec<Clause>,
    call: &'r [Term],
}

/// The name of the column that carries which caller input a row descends from: a symbol that no
/// query can spell (EDN symbols hold no spaces), so it never meets a rule's own variables.
const ORIGIN: &str = "? origin";

/// `defs` (the definitions of `name`) as a right-linear rule for the bound positions `mask`, when
/// every definition either calls no rule at all (an exit), or calls `name` exactly once at its top
/// level and no other rule anywhere, with the head's variable at each free position in the same
/// position of the call, that variable mentioned nowhere else in the definition, and the call's
/// bound positions given constants or variables that the head's bound arguments or the other
/// clauses' patterns and function bindings bind. At least one definition must
/// be recursive and one position bound.
pub fn shape<'r>(defs: &'r [RuleDef], name: &Symbol, mask: &[bool]) -> Option<Linear<'r>> {
    if !mask.contains(&true) {
        return None;
    }
    let mut linear = Linear {
        exits: Vec::new(),
        steps: Vec::new(),
    };
    for def in defs {
        if def.head.len() != mask.len() {
            return None;
        }
        let free: Vec<&Var> = def
            .head
            .iter()
            .zip(mask)
            .filter(|(_, m)| !**m)
            .map(|(v, _)| v)
            .collect();
        // A free variable repeated in the head ties positions together: not a pass-through.
        if free
            .iter()
            .any(|v| def.head.iter().filter(|h| h == v).count() != 1)
        {
            return None;
        }
        let calls: usize = def.body.iter().map(rule_calls).sum();
        if calls == 0 {
            linear.exits.push(def);
            continue;
        }
        let mut at = None;
        for (i, c) in def.body.iter().enumerate() {
            if let Clause::Rule { name: n, args } = c {
                if n == name && at.is_none() {
                    at = Some((i, args));
                }
            }
        }
        let (i, args) = at?;
        if calls != 1 || args.len() != mask.len() {
            return None;
        }
        let passes = args.iter().zip(&def.head).zip(mask).all(|((t, h), m)| {
            if *m {
                match t {
                    Term::Const(_) => true,
                    Term::Var(v) => !free.contains(&v),
                    Term::Blank => false,
                }
            } else {
                t.var() == Some(h)
            }
        });
        let prefix: Vec<Clause> = def
            .body
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| c.clone())
            .collect();
        if !passes || prefix.iter().any(|c| free.iter().any(|v| mentions(c, v))) {
            return None;
        }
        // Each variable the call passes in a bound position must be bound without the call: by
        // the head's bound arguments, or by a pattern or a function binding of the other clauses.
        // (With the call in the body, the planner may hold a `not` or a predicate back until the
        // call binds such a variable; without it, they would run early and mean something else.)
        let bound_head: Vec<&Var> = def
            .head
            .iter()
            .zip(mask)
            .filter(|(_, m)| **m)
            .map(|(v, _)| v)
            .collect();
        let inputs_bound = args.iter().zip(mask).all(|(t, m)| match t {
            Term::Var(v) if *m => bound_head.contains(&v) || prefix.iter().any(|c| binds(c, v)),
            _ => true,
        });
        if !inputs_bound {
            return None;
        }
        linear.steps.push(Step {
            def,
            prefix,
            call: args,
        });
    }
    (!linear.steps.is_empty()).then_some(linear)
}

/// The rule calls in `c`, nested ones included.
fn rule_calls(c: &Clause) -> usize {
    match c {
        Clause::Rule { .. } => 1,
        Clause::Not { body, .. } => body.iter().map(rule_calls).sum(),
        Clause::Or { branches, .. } => branches.iter().flatten().map(rule_calls).sum(),
        Clause::Pattern(_) | Clause::Pred { .. } | Clause::Fn { .. } => 0,
    }
}

/// Whether `c` binds `v` wherever it runs: a data pattern naming it, or a function binding it.
fn binds(c: &Clause, v: &Var) -> bool {
    match c {
        Clause::Pattern(p) => {
            p.terms.iter().any(|t| t.var() == Some(v))
                || p.at.as_ref().is_some_and(|(_, t)| t.var() == Some(v))
        }
        Clause::Fn { binding, .. } => binding.vars().iter().any(|b| b == v),
        _ => false,
    }
}

/// Whether `v` occurs anywhere in `c`.
fn mentions(c: &Clause, v: &Var) -> bool {
    let term = |t: &Term| t.var() == Some(v);
    match c {
        Clause::Pattern(p) => {
            p.terms.iter().any(term) || p.at.as_ref().is_some_and(|(_, t)| term(t))
        }
        Clause::Pred { args, .. } | Clause::Rule { args, .. } => args.iter().any(term),
        Clause::Fn { args, binding, .. } => {
            args.iter().any(term) || binding.vars().iter().any(|b| b == v)
        }
        Clause::Not { vars, body } => {
            vars.iter().flatten().any(|x| x == v) || body.iter().any(|c| mentions(c, v))
        }
        Clause::Or { vars, branches } => {
            vars.iter().flatten().any(|x| x == v)
                || branches.iter().flatten().any(|c| mentions(c, v))
        }
    }
}

/// The answers (whole head tuples) of the rule for each of `inputs` (bound values in `mask`
/// order), or `None` when a recursive call turns out not to have its bound positions bound by the
/// rest of its definition (the caller then tables the rule instead).
pub fn answers(
    ctx: &mut Ctx<'_>,
    linear: &Linear<'_>,
    mask: &[bool],
    inputs: Vec<Vec<Value>>,
) -> Result<Option<HashSet<Vec<Value>>>> {
    let origin = Symbol::new(ORIGIN);
    // Which of a caller input's values fills each bound position.
    let slots: Vec<Option<usize>> = mask
        .iter()
        .scan(0, |n, m| {
            let slot = m.then_some(*n);
            *n += usize::from(*m);
            Some(slot)
        })
        .collect();
    let mut seen: HashSet<(usize, Vec<Value>)> = HashSet::new();
    let mut frontier: Vec<(usize, Vec<Value>)> = Vec::new();
    for (o, input) in inputs.iter().enumerate() {
        if seen.insert((o, input.clone())) {
            frontier.push((o, input.clone()));
        }
    }
    let mut out: HashSet<Vec<Value>> = HashSet::new();
    let mut levels = 0;
    while !frontier.is_empty() {
        levels += 1;
        if levels > super::rules::MAX_ROUNDS {
            return Err(err!(
                Limit,
                "rule evaluation did not reach a fixpoint within {} rounds",
                super::rules::MAX_ROUNDS
            ));
        }
        ctx.charge(frontier.len())?;
        for def in &linear.exits {
            let rows = eval_clauses(ctx, &def.body, rows_of(def, mask, &origin, &frontier))?;
            if rows.rows.is_empty() {
                continue;
            }
            let cols = head_cols(def, &rows)?;
            let oc = rows.col(&origin);
            for row in &rows.rows {
                let Some(input) = oc
                    .and_then(|c| origin_of(row, c))
                    .and_then(|o| inputs.get(o))
                else {
                    return Err(err!(Parse, "rule evaluation lost a row's caller"));
                };
                let answer = slots
                    .iter()
                    .zip(&cols)
                    .map(|(slot, col)| match slot {
                        Some(s) => input.get(*s).cloned(),
                        None => row.get(*col).cloned(),
                    })
                    .collect::<Option<Vec<Value>>>();
                if let Some(a) = answer {
                    out.insert(a);
                }
            }
        }
        let mut next = Vec::new();
        for step in &linear.steps {
            let rows = eval_clauses(
                ctx,
                &step.prefix,
                rows_of(step.def, mask, &origin, &frontier),
            )?;
            if rows.rows.is_empty() {
                continue;
            }
            let Some(oc) = rows.col(&origin) else {
                return Ok(None);
            };
            // Each bound position of the call: a constant, or a column of the prefix's rows.
            let mut sources: Vec<Result<&Value, usize>> = Vec::new();
            for (t, m) in step.call.iter().zip(mask) {
                if !*m {
                    continue;
                }
                match t {
                    Term::Const(c) => sources.push(Ok(c)),
                    Term::Var(v) => match rows.col(v) {
                        Some(c) => sources.push(Err(c)),
                        None => return Ok(None),
                    },
                    Term::Blank => return Ok(None),
                }
            }
            for row in &rows.rows {
                let Some(o) = origin_of(row, oc) else {
                    return Err(err!(Parse, "rule evaluation lost a row's caller"));
                };
                let input = sources
                    .iter()
                    .map(|s| match s {
                        Ok(c) => Some((*c).clone()),
                        Err(col) => row.get(*col).cloned(),
                    })
                    .collect::<Option<Vec<Value>>>();
                if let Some(input) = input {
                    if seen.insert((o, input.clone())) {
                        next.push((o, input));
                    }
                }
            }
        }
        frontier = next;
    }
    Ok(Some(out))
}

/// The frontier as rows of `def`'s bound head variables, each led by its caller's number.
fn rows_of(def: &RuleDef, mask: &[bool], origin: &Var, frontier: &[(usize, Vec<Value>)]) -> Rel {
    let mut vars = bound_head_vars(def, mask);
    let rows = frontier
        .iter()
        .filter_map(|(o, input)| {
            let values = input_row(def, mask, &vars, input)?;
            let mut row = Vec::with_capacity(values.len() + 1);
            row.push(Value::Int(i64::try_from(*o).ok()?));
            row.extend(values);
            Some(row)
        })
        .collect();
    vars.insert(0, origin.clone());
    Rel { vars, rows }
}

fn origin_of(row: &[Value], col: usize) -> Option<usize> {
    match row.get(col) {
        Some(Value::Int(o)) => usize::try_from(*o).ok(),
        _ => None,
    }
}
