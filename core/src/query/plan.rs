//! Choosing the next clause: cheapest first, given what the relation binds.
//!
//! Estimates come from index statistics: the exact number of current datoms per attribute (kept by
//! every transaction), and for an attribute with a constant value the size of that AVET range,
//! counted up to a cap; both cached for the query. Predicates and functions run
//! as soon as their inputs are bound; `not` waits until every variable other clauses could bind is
//! bound; clauses that share variables with the relation are preferred over cross products. Because
//! the order is chosen from data and bindings, not from how the query was written, swapping clauses
//! does not change the plan.

use super::ast::*;
use super::eval::Ctx;
use super::parse::clause_vars;
use super::rel::Rel;
use crate::index::{space, Prefix};
use crate::{Result, Value};
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

/// Counts stop at this many datoms: beyond it, sizes compare as equal.
const COUNT_CAP: usize = 1024;

/// What to do next.
pub enum Step {
    /// Run the pending clause at this index.
    Run(usize),
    /// No clause can run: the one at this index lacks bindings.
    Stuck(usize),
}

/// Picks the next clause among `pending`.
pub fn choose(ctx: &mut Ctx<'_>, pending: &[&Clause], rel: &Rel) -> Result<Step> {
    // Filters whose inputs are bound run first, and need no estimate.
    for (i, c) in pending.iter().enumerate() {
        if matches!(
            c,
            Clause::Pred { .. } | Clause::Fn { .. } | Clause::Not { .. }
        ) && cost(ctx, c, pending, i, rel)?.is_some()
        {
            return Ok(Step::Run(i));
        }
    }
    // A single generator left needs no estimate either.
    let generators: Vec<usize> = (0..pending.len())
        .filter(|i| {
            matches!(
                pending.get(*i),
                Some(Clause::Pattern(_) | Clause::Or { .. } | Clause::Rule { .. })
            )
        })
        .collect();
    if let [only] = generators.as_slice() {
        return Ok(Step::Run(*only));
    }
    let mut best: Option<(f64, usize)> = None;
    for (i, c) in pending.iter().enumerate() {
        let Some(cost) = cost(ctx, c, pending, i, rel)? else {
            continue;
        };
        if best.is_none_or(|(b, _)| cost < b) {
            best = Some((cost, i));
        }
    }
    Ok(match best {
        Some((_, i)) => Step::Run(i),
        None => Step::Stuck(
            pending
                .iter()
                .position(|c| !matches!(c, Clause::Pattern(_)))
                .unwrap_or(0),
        ),
    })
}

fn term_bound(t: &Term, rel: &Rel) -> bool {
    match t {
        Term::Var(v) => rel.binds(v),
        Term::Const(_) => true,
        Term::Blank => false,
    }
}

/// Variables that some other pending clause could still bind.
fn bindable_elsewhere(pending: &[&Clause], me: usize) -> BTreeSet<Var> {
    let mut s = BTreeSet::new();
    for (j, c) in pending.iter().enumerate() {
        if j != me && !matches!(c, Clause::Not { .. } | Clause::Pred { .. }) {
            clause_vars(c, &mut s);
        }
    }
    s
}

/// The estimated cost of running `c` now, or `None` if it cannot run yet.
fn cost(
    ctx: &mut Ctx<'_>,
    c: &Clause,
    pending: &[&Clause],
    me: usize,
    rel: &Rel,
) -> Result<Option<f64>> {
    let rows = rel.rows.len().max(1) as f64;
    Ok(match c {
        Clause::Pred { args, .. } => args.iter().all(|t| term_bound(t, rel)).then_some(0.0),
        Clause::Fn { args, .. } => args.iter().all(|t| term_bound(t, rel)).then_some(0.5),
        Clause::Not { vars, body } => {
            let mut inner = BTreeSet::new();
            match vars {
                Some(vs) => inner.extend(vs.iter().cloned()),
                None => body.iter().for_each(|b| clause_vars(b, &mut inner)),
            }
            let elsewhere = bindable_elsewhere(pending, me);
            let waiting = inner
                .iter()
                .any(|v| !rel.binds(v) && (elsewhere.contains(v) || vars.is_some()));
            (!waiting).then_some(1.0)
        }
        Clause::Or { vars, .. } => {
            let mut vs = BTreeSet::new();
            match vars {
                Some(declared) => vs.extend(declared.iter().cloned()),
                None => clause_vars(c, &mut vs),
            }
            let shared = vs.iter().any(|v| rel.binds(v));
            Some(if shared { rows * 50.0 } else { 1.0e9 })
        }
        Clause::Rule { args, .. } => {
            let bound = args.iter().filter(|t| term_bound(t, rel)).count();
            Some(if bound > 0 { rows * 100.0 } else { 1.0e9 })
        }
        Clause::Pattern(p) => Some(pattern_cost(ctx, p, rel, rows)?),
    })
}

fn pattern_cost(ctx: &mut Ctx<'_>, p: &Pattern, rel: &Rel, rows: f64) -> Result<f64> {
    let [e, a, v, _] = &p.terms;
    let e_bound = term_bound(e, rel);
    let v_bound = term_bound(v, rel);
    let shares = p
        .terms
        .iter()
        .any(|t| matches!(t, Term::Var(x) if rel.binds(x)));
    // Only the unbound shapes need it (bound ones are costed per row).
    let attr_count = |ctx: &mut Ctx<'_>| -> Result<f64> {
        Ok(match a {
            Term::Const(kw) => estimate(ctx, &p.src, kw, None)? as f64,
            _ => 1.0e8,
        })
    };
    if p.transitive.is_some() {
        return Ok(if e_bound || v_bound {
            rows * 100.0
        } else {
            attr_count(ctx)? * 100.0
        });
    }
    let cost = if e_bound {
        // One seek per row. With the value bound too, the pattern only filters: it goes before
        // patterns that extend each row, so that they extend fewer rows. (Not weighed by how
        // many datoms hold the value: counting them would cost more than a live query's
        // whole update.)
        let filter = if v_bound { 0.5 } else { 1.0 };
        rows * filter
            * if matches!(a, Term::Const(_)) {
                1.0
            } else {
                10.0
            }
    } else if let (Term::Const(kw), Term::Const(val)) = (a, v) {
        estimate(ctx, &p.src, kw, Some(val))? as f64
    } else if v_bound && matches!(a, Term::Const(_)) {
        rows * 2.0
    } else {
        attr_count(ctx)?
    };
    // A pattern that shares nothing with a non-trivial relation makes a cross product.
    let cost = if !shares && !rel.vars.is_empty() {
        cost * rows + 1.0e6
    } else {
        cost
    };
    Ok(cost)
}

/// How many datoms attribute `kw` has (exact, kept by every transaction), or how many hold value
/// `val` (counted up to a cap, cached per query).
fn estimate(ctx: &mut Ctx<'_>, src: &str, kw: &Value, val: Option<&Value>) -> Result<usize> {
    let view = ctx.source(src)?;
    let Some(attr) = kw.as_keyword().and_then(|k| view.schema().get(k)) else {
        return Ok(0);
    };
    let Some(val) = val else {
        // Kept exact by every transaction: read, not cached (a cache key is an allocation).
        return Ok(usize::try_from(view.schema().count(attr.id)).unwrap_or(usize::MAX));
    };
    let key = (String::from(src), kw.clone(), val.clone());
    if let Some(n) = ctx.estimates.get(&key) {
        return Ok(*n);
    }
    let n = if view.is_current() {
        // Current views count the AVET keys without decoding them.
        let mut n = 0;
        let prefix = Prefix::new(space::AVET).a(attr.id).v(val);
        view.visit_current(prefix.range(), &mut |_, _| {
            n += 1;
            Ok(n < COUNT_CAP)
        })?;
        n
    } else {
        view.datoms(None, Some(attr.id), Some(val))?
            .take(COUNT_CAP)
            .count()
    };
    ctx.estimates.insert(key, n);
    Ok(n)
}
