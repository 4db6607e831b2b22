//! Seeds: which bindings a transaction can have changed.
//!
//! Every full binding of a query whose presence a transaction changes uses a changed datom in some
//! pattern (or sees a `not`/`or`/rule sub-result change). From each changed datom that a pattern
//! matches we derive the values that pattern binds; for `not`, `or` and rule calls we evaluate the
//! sub-structure seeded the same way, on the states before and after, and keep its interface
//! variables. Evaluating the whole query restricted to these seeds, before and after, yields exactly
//! the bindings that appeared or disappeared — at a cost that follows the change, not the database.

use crate::query::ast::{Clause, Pattern, Term, Var};
use crate::query::eval::entity_of;
use crate::query::rel::{bind_vars, first_seen_vars, Rel};
use crate::query::Compiled;
use crate::tx::Datom;
use crate::view::View;
use crate::{Result, Symbol, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// The states a transaction moved between, and what it changed.
pub struct Change<'a, 'v> {
    /// Before the transaction.
    pub old: View<'v>,
    /// After it.
    pub new: View<'v>,
    /// Datoms asserted (with the new tx) and retracted (with the tx that had asserted them).
    pub datoms: &'a [Datom],
}

/// Seed relations (each over some top-level variables) for `clauses` under `change`.
pub fn seeds(q: &Compiled, clauses: &[Clause], change: &Change<'_, '_>) -> Result<Vec<Rel>> {
    let mut out = Vec::new();
    for c in clauses {
        clause_seeds(q, c, change, &mut out)?;
    }
    Ok(out)
}

fn clause_seeds(
    q: &Compiled,
    c: &Clause,
    change: &Change<'_, '_>,
    out: &mut Vec<Rel>,
) -> Result<()> {
    match c {
        Clause::Pattern(p) if p.transitive.is_some() => transitive_seeds(p, change, out),
        Clause::Pattern(p) => {
            let mut rows = Vec::new();
            for d in change.datoms {
                if let Some(row) = match_datom(p, d, &change.new)? {
                    rows.push(row);
                }
            }
            if !rows.is_empty() {
                out.push(Rel {
                    vars: pattern_vars(p),
                    rows,
                });
            }
            Ok(())
        }
        Clause::Pred { .. } | Clause::Fn { .. } => Ok(()),
        Clause::Not { vars, body } => {
            let join: Vec<Var> = match vars {
                Some(vs) => vs.clone(),
                None => {
                    let mut s = BTreeSet::new();
                    body.iter()
                        .for_each(|b| crate::query::parse::clause_vars(b, &mut s));
                    s.into_iter().collect()
                }
            };
            sub_seeds(q, body, &join, change, out)
        }
        Clause::Or { vars, branches } => {
            let join: Vec<Var> = match vars {
                Some(vs) => vs.clone(),
                None => {
                    let mut s = BTreeSet::new();
                    crate::query::parse::clause_vars(c, &mut s);
                    s.into_iter().collect()
                }
            };
            for b in branches {
                sub_seeds(q, b, &join, change, out)?;
            }
            Ok(())
        }
        Clause::Rule { name, args } => rule_seeds(q, name, args, change, out),
    }
}

/// Seeds over `join` from a sub-structure: its own seeds, evaluated before and after.
fn sub_seeds(
    q: &Compiled,
    body: &[Clause],
    join: &[Var],
    change: &Change<'_, '_>,
    out: &mut Vec<Rel>,
) -> Result<()> {
    for inner in seeds(q, body, change)? {
        for view in [change.old, change.new] {
            let r = match q.eval_sub(view, body, inner.clone()) {
                Ok(r) => r,
                // A body that cannot run on its own (it needs outer bindings to be bound):
                // seed the whole query instead, which is always correct.
                Err(_) => {
                    out.push(Rel::unit());
                    return Ok(());
                }
            };
            if r.rows.is_empty() {
                continue;
            }
            let projected = r.project(join);
            if projected.vars.is_empty() {
                out.push(Rel::unit());
            } else {
                out.push(projected);
            }
        }
    }
    Ok(())
}

fn pattern_vars(p: &Pattern) -> Vec<Var> {
    first_seen_vars(p.terms.iter().chain(p.at.as_ref().map(|(_, t)| t)), |_| {
        false
    })
}

/// The values `p` binds when it matches datom `d`, or `None` if it does not match.
fn match_datom(p: &Pattern, d: &Datom, view: &View<'_>) -> Result<Option<Vec<Value>>> {
    // Most of a query's patterns name an attribute other than the datom's: they are turned away
    // before anything is built (the comparison below would find the same).
    if let Some(Term::Const(c)) = p.terms.get(1) {
        if !matches!(c, Value::Keyword(a) if *a == d.a) {
            return Ok(None);
        }
    }
    let mut vals = alloc::vec![
        Value::Int(d.e as i64),
        Value::Keyword(d.a.clone()),
        d.v.clone(),
        Value::Int(d.tx as i64),
    ];
    let mut terms: Vec<&Term> = p.terms.iter().collect();
    if let Some((dim, t)) = &p.at {
        // Only assertions made by a transaction carrying the dimension match.
        let Some(value) = view.tx_dim(d.tx, dim) else {
            return Ok(None);
        };
        vals.push(value.clone());
        terms.push(t);
    }
    let mut bound: BTreeMap<&Var, &Value> = BTreeMap::new();
    for (i, (t, val)) in terms.into_iter().zip(vals.iter()).enumerate() {
        match t {
            Term::Blank => {}
            Term::Const(c) => {
                let same = match i {
                    0 => entity_of(view, c)? == Some(d.e),
                    // A lookup ref in value position may name the entity the value refers to.
                    2 if matches!(c, Value::Vector(_) | Value::List(_)) => {
                        entity_of(view, c)?.map(|e| Value::Int(e as i64)).as_ref() == Some(val)
                            || c == val
                    }
                    _ => c == val,
                };
                if !same {
                    return Ok(None);
                }
            }
            Term::Var(v) => match bound.get(v) {
                Some(prev) if *prev != val => return Ok(None),
                _ => {
                    bound.insert(v, val);
                }
            },
        }
    }
    Ok(Some(
        pattern_vars(p)
            .iter()
            .filter_map(|v| bound.get(v).map(|x| (*x).clone()))
            .collect(),
    ))
}

/// `[?x :attr+ ?y]`: a changed edge `e → v` changes the pairs whose path crosses it, i.e. those
/// whose `x` reaches `e`: seed `x` with `e` and every entity that reaches it, before and after.
fn transitive_seeds(p: &Pattern, change: &Change<'_, '_>, out: &mut Vec<Rel>) -> Result<()> {
    let Term::Const(Value::Keyword(attr)) = &p.terms[1] else {
        return Ok(());
    };
    let edges: Vec<&Datom> = change.datoms.iter().filter(|d| &d.a == attr).collect();
    if edges.is_empty() {
        return Ok(());
    }
    let (side, start_of): (&Term, fn(&Datom) -> Value) = match (&p.terms[0], &p.terms[2]) {
        (Term::Var(_), _) => (&p.terms[0], |d| Value::Int(d.e as i64)),
        (_, Term::Var(_)) => (&p.terms[2], |d| d.v.clone()),
        _ => {
            out.push(Rel::unit());
            return Ok(());
        }
    };
    let Term::Var(var) = side else { return Ok(()) };
    let backwards = core::ptr::eq(side, &p.terms[0]);
    let mut nodes: BTreeSet<Value> = BTreeSet::new();
    for d in edges {
        let start = start_of(d);
        for view in [change.old, change.new] {
            reach(&view, attr, &start, backwards, &mut nodes)?;
        }
        nodes.insert(start);
    }
    out.push(Rel {
        vars: alloc::vec![var.clone()],
        rows: nodes.into_iter().map(|n| alloc::vec![n]).collect(),
    });
    Ok(())
}

/// Adds to `seen` every node with a path to `start` (`backwards`) or from it.
fn reach(
    view: &View<'_>,
    attr: &crate::Keyword,
    start: &Value,
    backwards: bool,
    seen: &mut BTreeSet<Value>,
) -> Result<()> {
    let Some(a) = view.schema().get(attr).map(|x| x.id) else {
        return Ok(());
    };
    let mut frontier = alloc::vec![start.clone()];
    while let Some(n) = frontier.pop() {
        let next: Vec<Value> = if backwards {
            view.datoms(None, Some(a), Some(&n))?
                .map(|d| d.map(|d| Value::Int(d.e as i64)))
                .collect::<Result<_>>()?
        } else {
            let Some(e) = entity_of(view, &n)? else {
                continue;
            };
            view.datoms(Some(e), Some(a), None)?
                .map(|d| d.map(|d| d.v))
                .collect::<Result<_>>()?
        };
        for m in next {
            if seen.insert(m.clone()) {
                frontier.push(m);
            }
        }
    }
    Ok(())
}

/// A rule call: if the change touches any pattern the rule (transitively) reads, the rule's
/// relation is computed before and after and the tuples that differ seed the call's arguments.
fn rule_seeds(
    q: &Compiled,
    name: &Symbol,
    args: &[Term],
    change: &Change<'_, '_>,
    out: &mut Vec<Rel>,
) -> Result<()> {
    if !rule_touched(q, name, change, &mut BTreeSet::new()) {
        return Ok(());
    }
    let fresh: Vec<Term> = (0..args.len())
        .map(|i| Term::Var(Symbol::new(&alloc::format!("?__arg{i}"))))
        .collect();
    let call = [Clause::Rule {
        name: name.clone(),
        args: fresh.clone(),
    }];
    let old = q.eval_sub(change.old, &call, Rel::unit())?;
    let new = q.eval_sub(change.new, &call, Rel::unit())?;
    let cols = |r: &Rel| -> Vec<Option<usize>> {
        fresh
            .iter()
            .map(|t| t.var().and_then(|v| r.col(v)))
            .collect()
    };
    let tuples = |r: &Rel| -> BTreeSet<Vec<Value>> {
        let c = cols(r);
        r.rows
            .iter()
            .map(|row| {
                c.iter()
                    .map(|i| i.and_then(|i| row.get(i).cloned()).unwrap_or(Value::Nil))
                    .collect()
            })
            .collect()
    };
    let (o, n) = (tuples(&old), tuples(&new));
    let vars = first_seen_vars(args, |_| false);
    let mut rows = Vec::new();
    for t in o.symmetric_difference(&n) {
        let consts_match = args
            .iter()
            .zip(t)
            .all(|(arg, val)| !matches!(arg, Term::Const(c) if c != val));
        let pairs = args
            .iter()
            .zip(t)
            .filter_map(|(arg, val)| arg.var().map(|v| (v, val)));
        if let (true, Some(row)) = (consts_match, bind_vars(&vars, pairs)) {
            rows.push(row);
        }
    }
    if !rows.is_empty() {
        out.push(if vars.is_empty() {
            Rel::unit()
        } else {
            Rel { vars, rows }
        });
    }
    Ok(())
}

/// Whether any pattern in rule `name`'s bodies (or rules they call) matches a changed attribute.
fn rule_touched(
    q: &Compiled,
    name: &Symbol,
    change: &Change<'_, '_>,
    seen: &mut BTreeSet<Symbol>,
) -> bool {
    if !seen.insert(name.clone()) {
        return false;
    }
    let Some(defs) = q.rules.get(name) else {
        return false;
    };
    defs.iter()
        .any(|d| d.body.iter().any(|c| clause_touched(q, c, change, seen)))
}

fn clause_touched(
    q: &Compiled,
    c: &Clause,
    change: &Change<'_, '_>,
    seen: &mut BTreeSet<Symbol>,
) -> bool {
    match c {
        Clause::Pattern(p) => match &p.terms[1] {
            Term::Const(Value::Keyword(a)) => change.datoms.iter().any(|d| &d.a == a),
            _ => !change.datoms.is_empty(),
        },
        Clause::Pred { .. } | Clause::Fn { .. } => false,
        Clause::Not { body, .. } => body.iter().any(|b| clause_touched(q, b, change, seen)),
        Clause::Or { branches, .. } => branches
            .iter()
            .flatten()
            .any(|b| clause_touched(q, b, change, seen)),
        Clause::Rule { name, .. } => rule_touched(q, name, change, seen),
    }
}
