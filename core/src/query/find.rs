//! From the final relation to the result: find elements, aggregates, pull, and the find spec's shape.

use super::aggregate::aggregate;
use super::ast::*;
use super::eval::{args_of, call_fn, Ctx};
use super::rel::Rel;
use crate::value::SortedSet;
use crate::{err, Result, Symbol, Value};
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use hashbrown::{HashMap, HashSet};

/// The relation an `:in` binding form makes of its input value.
pub fn bind_input(b: &Binding, v: &Value) -> Result<Rel> {
    let items = |v: &Value| -> Result<Vec<Value>> {
        match v {
            Value::Vector(xs) | Value::List(xs) => Ok(xs.clone()),
            Value::Set(s) => Ok(s.iter().cloned().collect()),
            other => Err(err!(
                Type,
                "input {other:?} is not a collection, as {b:?} expects"
            )),
        }
    };
    let tuple_rel = |terms: &[Term], tuples: Vec<Value>| -> Result<Rel> {
        let vars: Vec<Var> = terms.iter().filter_map(|t| t.var().cloned()).collect();
        let mut rows = Vec::new();
        for t in tuples {
            let vals = items(&t)?;
            if vals.len() != terms.len() {
                return Err(err!(
                    Type,
                    "input tuple {t:?} has {} values, {b:?} binds {}",
                    vals.len(),
                    terms.len()
                ));
            }
            rows.push(
                terms
                    .iter()
                    .zip(vals)
                    .filter(|(t, _)| t.var().is_some())
                    .map(|(_, v)| v)
                    .collect(),
            );
        }
        Ok(Rel { vars, rows })
    };
    match b {
        Binding::Scalar(Term::Var(x)) => Ok(Rel {
            vars: alloc::vec![x.clone()],
            rows: alloc::vec![alloc::vec![v.clone()]],
        }),
        Binding::Scalar(_) => Ok(Rel::unit()),
        Binding::Coll(Term::Var(x)) => Ok(Rel {
            vars: alloc::vec![x.clone()],
            rows: items(v)?.into_iter().map(|i| alloc::vec![i]).collect(),
        }),
        Binding::Coll(_) => Ok(Rel::unit()),
        Binding::Tuple(ts) => tuple_rel(ts, alloc::vec![v.clone()]),
        Binding::Rel(ts) => tuple_rel(ts, items(v)?),
    }
}

/// Shapes the final relation into the query's result.
pub fn shape(ctx: &mut Ctx<'_>, q: &Query, rel: Rel) -> Result<Value> {
    let elems = q.find.elems();
    if let (FindSpec::Rel(_), None) = (&q.find, &q.keys) {
        // Variables only: the set removes duplicates itself (sorting once, then building), so
        // the first-seen bookkeeping below would only cost a hash and a copy per row.
        let cols: Option<Vec<usize>> = elems
            .iter()
            .map(|e| match e {
                FindElem::Var(v) => rel.col(v),
                _ => None,
            })
            .collect();
        if let Some(cols) = cols {
            // The relation is ours: when the find names its columns in order, each row becomes
            // its tuple as is; otherwise the values are moved out (cloned only when a column is
            // named twice).
            let width = rel.vars.len();
            let identity = cols.len() == width && cols.iter().enumerate().all(|(i, c)| i == *c);
            let distinct = cols.iter().collect::<HashSet<_>>().len() == cols.len();
            let mut tuples = Vec::with_capacity(rel.rows.len());
            for mut row in rel.rows {
                let t = if identity && row.len() == width {
                    Some(row)
                } else if distinct {
                    cols.iter()
                        .map(|c| row.get_mut(*c).map(|v| core::mem::replace(v, Value::Nil)))
                        .collect()
                } else {
                    cols.iter().map(|c| row.get(*c).cloned()).collect()
                };
                tuples.push(Value::Vector(
                    t.ok_or_else(|| err!(Parse, "find variable is not bound"))?,
                ));
            }
            return Ok(Value::Set(sorted_set(tuples)));
        }
    }
    let has_agg = elems.iter().any(|e| matches!(e, FindElem::Agg { .. }));
    let tuples = if has_agg {
        aggregate_rows(q, elems, &rel)?
    } else {
        plain_rows(elems, &rel)?
    };
    let view = ctx.source("$").ok();
    // Pull and expressions are computed per distinct tuple.
    let mut out: Vec<Vec<Value>> = Vec::with_capacity(tuples.len());
    for t in tuples {
        let mut row = Vec::with_capacity(elems.len());
        for (e, v) in elems.iter().zip(t) {
            row.push(match e {
                FindElem::Pull { pattern, .. } => {
                    let view =
                        view.ok_or_else(|| err!(Parse, "pull in :find needs a database source"))?;
                    crate::pull::pull(&view, pattern, &v)?
                }
                _ => v,
            });
        }
        out.push(row);
    }
    // With a pull in the find, two entities may pull equal maps; the rows stay one per distinct
    // tuple of the find's variables (the pulled entity among them): a vector rather than a set, as
    // DataScript returns a sequence there. Sorted, so that the order does not depend on the hash
    // tables the rows came through.
    let bag = elems.iter().any(|e| matches!(e, FindElem::Pull { .. }));
    let rows = |mut rows: Vec<Value>| {
        if bag {
            rows.sort();
            Value::Vector(rows)
        } else {
            Value::Set(rows.into_iter().collect())
        }
    };
    Ok(match &q.find {
        FindSpec::Rel(_) => match &q.keys {
            None => rows(out.into_iter().map(Value::Vector).collect()),
            Some((kind, names)) => rows(
                out.into_iter()
                    .map(|row| keyed_row(kind, names, row))
                    .collect(),
            ),
        },
        FindSpec::Coll(_) => Value::Vector(
            out.into_iter()
                .filter_map(|r| r.into_iter().next())
                .collect(),
        ),
        FindSpec::Tuple(_) => out
            .into_iter()
            .next()
            .map(Value::Vector)
            .unwrap_or(Value::Nil),
        FindSpec::Scalar(_) => out
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .unwrap_or(Value::Nil),
    })
}

/// The set of `tuples`. Sorting is most of the cost of a large result, and comparing two tuples
/// follows a pointer into each; when every tuple starts with an integer (an entity id, usually),
/// they are sorted by that integer, held beside each tuple, and compared whole only on ties. The
/// sorted vector is the set, with no further pass.
fn sorted_set(mut tuples: Vec<Value>) -> SortedSet {
    let lead = |t: &Value| match t {
        Value::Vector(xs) => match xs.first() {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        },
        _ => None,
    };
    let leads: Option<Vec<i64>> = tuples.iter().map(lead).collect();
    match leads {
        Some(leads) => {
            let mut keyed = match by_dense_leads(&leads, tuples) {
                Ok(set) => return set,
                Err(keyed) => keyed,
            };
            keyed.sort_unstable_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.cmp(y)));
            keyed.dedup_by(|(a, x), (b, y)| a == b && x == y);
            // A tuple's lead is its first element: in lead order, ties by tuple, is tuple order.
            SortedSet::from_sorted_unique(keyed.into_iter().map(|(_, t)| t).collect())
        }
        None => {
            tuples.sort_unstable();
            tuples.dedup();
            SortedSet::from_sorted_unique(tuples)
        }
    }
}

/// Entity ids are handed out in sequence, so a result's leading ids often fill a range not much
/// wider than the result: then each tuple goes to its id's slot, in one pass instead of a sort.
/// Gives the tuples back, paired with their leads, when the range is too wide or two tuples share
/// a lead (the caller sorts them).
fn by_dense_leads(leads: &[i64], tuples: Vec<Value>) -> Result<SortedSet, Vec<(i64, Value)>> {
    let mut pairs = leads.iter().copied().zip(tuples);
    let (Some(&lo), Some(&hi)) = (leads.iter().min(), leads.iter().max()) else {
        return Ok(SortedSet::new());
    };
    let span = hi.abs_diff(lo);
    if leads.len() < 64 || span >= 4 * leads.len() as u64 {
        return Err(pairs.collect());
    }
    let mut slots: Vec<Option<Value>> = Vec::new();
    slots.resize_with(span as usize + 1, || None);
    while let Some((l, t)) = pairs.next() {
        match slots.get_mut(l.abs_diff(lo) as usize) {
            Some(slot @ None) => *slot = Some(t),
            _ => {
                // Two tuples share a lead: give everything back, with the leads.
                let mut keyed: Vec<(i64, Value)> = slots
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, t)| t.map(|t| (lo.saturating_add(i as i64), t)))
                    .collect();
                keyed.push((l, t));
                keyed.extend(pairs);
                return Err(keyed);
            }
        }
    }
    // Distinct leads, in ascending order: the tuples are in order.
    Ok(SortedSet::from_sorted_unique(
        slots.into_iter().flatten().collect(),
    ))
}

/// One result row as a map under `:keys`/`:strs`/`:syms` names.
pub(crate) fn keyed_row(kind: &KeyKind, names: &[alloc::string::String], row: Vec<Value>) -> Value {
    let key = |n: &str| match kind {
        KeyKind::Keys => Value::kw(n),
        KeyKind::Strs => Value::str(n),
        KeyKind::Syms => Value::Symbol(Symbol::new(n)),
    };
    Value::Map(names.iter().map(|n| key(n)).zip(row).collect())
}

/// The value of a non-aggregate find element in one row (pull elements yield the entity).
pub(crate) fn elem_value(e: &FindElem, rel: &Rel, row: &[Value]) -> Result<Value> {
    match e {
        FindElem::Var(v) | FindElem::Pull { var: v, .. } => rel
            .col(v)
            .and_then(|i| row.get(i).cloned())
            .ok_or_else(|| err!(Parse, "find variable {} is not bound", v.as_str())),
        FindElem::Expr { name, args } => {
            call_fn(None, name.as_str(), &args_of(&rel.vars, row, args)?)
        }
        FindElem::Agg { .. } => Err(err!(Parse, "aggregate outside aggregation")),
    }
}

/// Distinct find tuples, in first-seen order.
fn plain_rows(elems: &[FindElem], rel: &Rel) -> Result<Vec<Vec<Value>>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in &rel.rows {
        let t: Vec<Value> = elems
            .iter()
            .map(|e| elem_value(e, rel, row))
            .collect::<Result<_>>()?;
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Groups by the non-aggregate elements and aggregates over the distinct bindings of every find
/// and `:with` variable, as Datomic does.
fn aggregate_rows(q: &Query, elems: &[FindElem], rel: &Rel) -> Result<Vec<Vec<Value>>> {
    // The variables whose distinct bindings are aggregated over.
    let mut vars: BTreeSet<Var> = q.with.iter().cloned().collect();
    for e in elems {
        match e {
            FindElem::Var(v) | FindElem::Pull { var: v, .. } | FindElem::Agg { var: v, .. } => {
                vars.insert(v.clone());
            }
            FindElem::Expr { args, .. } => vars.extend(args.iter().filter_map(Term::var).cloned()),
        }
    }
    let vars: Vec<Var> = vars.into_iter().collect();
    let distinct = rel.project(&vars);
    let mut groups: HashMap<Vec<Value>, Vec<&Vec<Value>>> = HashMap::new();
    let mut order: Vec<Vec<Value>> = Vec::new();
    for row in &distinct.rows {
        let key: Vec<Value> = elems
            .iter()
            .filter(|e| !matches!(e, FindElem::Agg { .. }))
            .map(|e| elem_value(e, &distinct, row))
            .collect::<Result<_>>()?;
        let g = groups.entry(key.clone()).or_default();
        if g.is_empty() {
            order.push(key);
        }
        g.push(row);
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let rows = groups.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let mut keys = key.into_iter();
        let mut tuple = Vec::with_capacity(elems.len());
        for e in elems {
            match e {
                FindElem::Agg { name, params, var } => {
                    let col = distinct.col(var).ok_or_else(|| {
                        err!(Parse, "aggregate variable {} is not bound", var.as_str())
                    })?;
                    let values: Vec<Value> =
                        rows.iter().filter_map(|r| r.get(col).cloned()).collect();
                    tuple.push(aggregate(name.as_str(), params, values)?);
                }
                _ => tuple.push(keys.next().unwrap_or(Value::Nil)),
            }
        }
        out.push(tuple);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::sorted_set;
    use crate::Value;
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;

    fn tuple(e: i64, x: i64) -> Value {
        Value::Vector(alloc::vec![Value::Int(e), Value::Int(x)])
    }

    /// Dense leading ids (one slot each), the same with a repeated lead (a duplicate tuple and a
    /// different tuple under one id: back to sorting), sparse ids, few rows, and non-integer
    /// leads: always the set of the tuples.
    #[test]
    fn the_set_of_the_tuples_whichever_way_it_is_built() {
        let dense: Vec<Value> = (0..200).rev().map(|i| tuple(1000 + i * 3, i % 7)).collect();
        let mut repeated = dense.clone();
        repeated.push(tuple(1000, 0));
        repeated.push(tuple(1000, 5));
        repeated.push(tuple(1597, 1));
        let sparse: Vec<Value> = (0..200).map(|i| tuple(i * 1000, i)).collect();
        let few: Vec<Value> = (0..10).map(|i| tuple(10 - i, i)).collect();
        let mut mixed = dense.clone();
        mixed.push(Value::Vector(alloc::vec![Value::str("x")]));
        let negative: Vec<Value> = (0..100).map(|i| tuple(-50 + i, i)).collect();
        for tuples in [dense, repeated, sparse, few, mixed, negative] {
            let want: BTreeSet<Value> = tuples.iter().cloned().collect();
            assert!(sorted_set(tuples).iter().eq(want.iter()));
        }
    }

    /// `[(max ?a ?b)]` alone is the function of two variables, one value per row (a dfdb find
    /// expression); `[(max ?a)]` and `[(max 1 ?a)]` are tuple specs with aggregates.
    #[test]
    fn a_lone_find_vector_is_a_function_unless_an_aggregate_call() {
        let mut db = crate::Database::in_memory();
        db.transact_edn("[{:x 1 :y 5} {:x 7 :y 2}]").expect("data");
        let q = |text: &str| {
            db.query(&crate::edn::read(text).expect("query"), &[])
                .expect("run")
        };
        let read = |text: &str| crate::edn::read(text).expect("want");
        assert_eq!(
            q("[:find [(max ?a ?b)] :where [?e :x ?a] [?e :y ?b]]"),
            read("#{[5] [7]}")
        );
        assert_eq!(q("[:find [(max ?a)] :where [?e :x ?a]]"), read("[7]"));
        assert_eq!(q("[:find [(max 1 ?a)] :where [?e :x ?a]]"), read("[[7]]"));
    }
}
