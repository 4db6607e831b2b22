//! One maintained query result: derivation counts per result tuple, or per-group aggregate state.

use crate::query::aggregate::aggregate;
use crate::query::ast::{FindElem, FindSpec, Term, Var};
use crate::query::find::{elem_value, keyed_row};
use crate::query::functions::compares_by_name;
use crate::query::rel::Rel;
use crate::query::Compiled;
use crate::{Result, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use hashbrown::{HashMap, HashSet};

/// What changed in a live query's result after one transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveDiff {
    /// Result tuples that appeared.
    pub additions: Vec<Value>,
    /// Result tuples that disappeared.
    pub retractions: Vec<Value>,
}

impl LiveDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.additions.is_empty() && self.retractions.is_empty()
    }
}

/// One aggregate group: for each aggregate element, the multiset of its variable's values over the
/// group's distinct bindings, kept ordered so min/max/median need no re-sort.
#[derive(Default, Debug)]
struct Group {
    values: Vec<BTreeMap<Value, usize>>,
    /// Per aggregate slot: the exact sum of its integer values, how many values are not integers,
    /// and how many values there are — so `count`, `sum` and `avg` of integers are O(1) per change.
    int_sums: Vec<(i128, usize, usize)>,
    size: usize,
}

/// The maintained state of one live query.
pub struct State {
    compiled: Compiled,
    header: Rel,
    kind: Kind,
}

enum Kind {
    /// Result tuple → number of full bindings producing it.
    Plain { counts: HashMap<Vec<Value>, i64> },
    /// Distinct aggregation inputs and groups.
    Agg {
        dvars: Vec<Var>,
        dcounts: HashMap<Vec<Value>, i64>,
        groups: HashMap<Vec<Value>, Group>,
    },
}

impl State {
    /// A state for `compiled`, filled from the bindings `initial`.
    pub fn new(compiled: Compiled, initial: HashSet<Vec<Value>>) -> Result<(State, LiveDiff)> {
        let header = Rel {
            vars: compiled.top_vars.clone(),
            rows: Vec::new(),
        };
        let elems = compiled.query.find.elems();
        let kind = if elems.iter().any(|e| matches!(e, FindElem::Agg { .. })) {
            let mut dvars: BTreeSet<Var> = compiled.query.with.iter().cloned().collect();
            for e in elems {
                match e {
                    FindElem::Var(v)
                    | FindElem::Pull { var: v, .. }
                    | FindElem::Agg { var: v, .. } => {
                        dvars.insert(v.clone());
                    }
                    FindElem::Expr { args, .. } => {
                        dvars.extend(args.iter().filter_map(Term::var).cloned())
                    }
                }
            }
            Kind::Agg {
                dvars: dvars.into_iter().collect(),
                dcounts: HashMap::new(),
                groups: HashMap::new(),
            }
        } else {
            Kind::Plain {
                counts: HashMap::new(),
            }
        };
        let mut state = State {
            compiled,
            header,
            kind,
        };
        let diff = state.apply(&initial, &HashSet::new())?;
        Ok((state, diff))
    }

    /// The compiled query.
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// Applies bindings that appeared and disappeared; returns the change of the result.
    pub fn apply(
        &mut self,
        added: &HashSet<Vec<Value>>,
        removed: &HashSet<Vec<Value>>,
    ) -> Result<LiveDiff> {
        let elems: Vec<FindElem> = self.compiled.query.find.elems().to_vec();
        let header = &self.header;
        let (mut adds, mut rets): (Vec<Vec<Value>>, Vec<Vec<Value>>) = (Vec::new(), Vec::new());
        match &mut self.kind {
            Kind::Plain { counts } => {
                let mut before: HashMap<Vec<Value>, bool> = HashMap::new();
                for (rows, delta) in [(added, 1i64), (removed, -1i64)] {
                    for r in rows {
                        let t: Vec<Value> = elems
                            .iter()
                            .map(|e| elem_value(e, header, r))
                            .collect::<Result<_>>()?;
                        let c = counts.entry(t.clone()).or_insert(0);
                        before.entry(t).or_insert(*c > 0);
                        *c += delta;
                    }
                }
                for (t, was) in before {
                    let now = counts.get(&t).is_some_and(|c| *c > 0);
                    if !now {
                        counts.remove(&t);
                    }
                    match (was, now) {
                        (false, true) => adds.push(t),
                        (true, false) => rets.push(t),
                        _ => {}
                    }
                }
            }
            Kind::Agg {
                dvars,
                dcounts,
                groups,
            } => {
                let dheader = Rel {
                    vars: dvars.clone(),
                    rows: Vec::new(),
                };
                let cols: Vec<usize> = dvars.iter().filter_map(|v| header.col(v)).collect();
                // Distinct aggregation inputs whose presence changed, with +1 or -1.
                let mut flips: HashMap<Vec<Value>, i64> = HashMap::new();
                for (rows, delta) in [(added, 1i64), (removed, -1i64)] {
                    for r in rows {
                        let d: Vec<Value> =
                            cols.iter().filter_map(|c| r.get(*c).cloned()).collect();
                        let c = dcounts.entry(d.clone()).or_insert(0);
                        let was = *c > 0;
                        *c += delta;
                        let now = *c > 0;
                        if *c <= 0 {
                            dcounts.remove(&d);
                        }
                        if was != now {
                            *flips.entry(d).or_insert(0) += if now { 1 } else { -1 };
                        }
                    }
                }
                let agg_elems: Vec<(usize, &FindElem)> = elems
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| matches!(e, FindElem::Agg { .. }))
                    .collect();
                let mut old_tuples: HashMap<Vec<Value>, Option<Vec<Value>>> = HashMap::new();
                for (d, flip) in flips {
                    if flip == 0 {
                        continue;
                    }
                    let key: Vec<Value> = elems
                        .iter()
                        .filter(|e| !matches!(e, FindElem::Agg { .. }))
                        .map(|e| elem_value(e, &dheader, &d))
                        .collect::<Result<_>>()?;
                    if !old_tuples.contains_key(&key) {
                        let old = match groups.get(&key) {
                            Some(g) => Some(group_tuple(&elems, &key, g)?),
                            None => None,
                        };
                        old_tuples.insert(key.clone(), old);
                    }
                    let g = groups.entry(key.clone()).or_insert_with(|| Group {
                        values: alloc::vec![BTreeMap::new(); agg_elems.len()],
                        int_sums: alloc::vec![(0, 0, 0); agg_elems.len()],
                        size: 0,
                    });
                    for (slot, (_, e)) in agg_elems.iter().enumerate() {
                        let FindElem::Agg { var, .. } = e else {
                            continue;
                        };
                        let v = dheader
                            .col(var)
                            .and_then(|c| d.get(c))
                            .cloned()
                            .unwrap_or(Value::Nil);
                        if let Some((sum, others, total)) = g.int_sums.get_mut(slot) {
                            if flip > 0 {
                                *total += 1;
                            } else {
                                *total = total.saturating_sub(1);
                            }
                            match (&v, flip > 0) {
                                (Value::Int(i), true) => *sum += i128::from(*i),
                                (Value::Int(i), false) => *sum -= i128::from(*i),
                                (_, true) => *others += 1,
                                (_, false) => *others = others.saturating_sub(1),
                            }
                        }
                        let m = &mut g.values[slot];
                        if flip > 0 {
                            *m.entry(v).or_insert(0) += 1;
                        } else if let Some(n) = m.get_mut(&v) {
                            *n -= 1;
                            if *n == 0 {
                                m.remove(&v);
                            }
                        }
                    }
                    g.size = (g.size as i64 + flip).max(0) as usize;
                }
                for (key, old) in old_tuples {
                    let new = match groups.get(&key) {
                        Some(g) if g.size > 0 => Some(group_tuple(&elems, &key, g)?),
                        _ => {
                            groups.remove(&key);
                            None
                        }
                    };
                    if old != new {
                        rets.extend(old);
                        adds.extend(new);
                    }
                }
            }
        }
        Ok(LiveDiff {
            additions: adds.iter().map(|t| self.compiled_shape(t)).collect(),
            retractions: rets.iter().map(|t| self.compiled_shape(t)).collect(),
        })
    }

    /// The whole current result, shaped like a query result.
    pub fn result(&self) -> Result<Value> {
        let elems = self.compiled.query.find.elems();
        let tuples: Vec<Vec<Value>> = match &self.kind {
            Kind::Plain { counts } => counts
                .iter()
                .filter(|(_, c)| **c > 0)
                .map(|(t, _)| t.clone())
                .collect(),
            Kind::Agg { groups, .. } => {
                let mut out = Vec::new();
                for (k, g) in groups {
                    if g.size > 0 {
                        out.push(group_tuple(elems, k, g)?);
                    }
                }
                out
            }
        };
        let shaped = tuples.iter().map(|t| self.compiled_shape(t));
        Ok(match &self.compiled.query.find {
            FindSpec::Rel(_) => Value::Set(shaped.collect()),
            FindSpec::Coll(_) => Value::Vector(shaped.collect()),
            FindSpec::Tuple(_) | FindSpec::Scalar(_) => {
                shaped.into_iter().next().unwrap_or(Value::Nil)
            }
        })
    }

    /// How many result tuples (or groups) and distinct inputs the state holds.
    pub fn size(&self) -> (usize, usize) {
        match &self.kind {
            Kind::Plain { counts } => (counts.len(), counts.len()),
            Kind::Agg {
                dcounts, groups, ..
            } => (groups.len(), dcounts.len()),
        }
    }

    /// One result tuple as the find spec presents it.
    fn compiled_shape(&self, t: &[Value]) -> Value {
        let q = &self.compiled.query;
        match (&q.find, &q.keys) {
            (FindSpec::Rel(_), Some((kind, names))) => keyed_row(kind, names, t.to_vec()),
            (FindSpec::Rel(_) | FindSpec::Tuple(_), None) => Value::Vector(t.to_vec()),
            (FindSpec::Coll(_) | FindSpec::Scalar(_), _) => {
                t.first().cloned().unwrap_or(Value::Nil)
            }
            (FindSpec::Tuple(_), Some(_)) => Value::Vector(t.to_vec()),
        }
    }
}

/// The result tuple of one group: its key values and each aggregate over its multisets.
fn group_tuple(elems: &[FindElem], key: &[Value], g: &Group) -> Result<Vec<Value>> {
    let mut keys = key.iter();
    let mut slot = 0;
    let mut out = Vec::with_capacity(elems.len());
    for e in elems {
        match e {
            FindElem::Agg { name, params, .. } => {
                let multiset = g.values.get(slot);
                let count = g.int_sums.get(slot).map_or(0, |(_, _, total)| *total);
                let int_sum = match g.int_sums.get(slot) {
                    Some((sum, 0, _)) if count > 0 => Some(*sum),
                    _ => None,
                };
                // Order statistics, counts and integer sums come without expanding the multiset.
                let quick = match (name.as_str(), params.is_empty(), multiset) {
                    ("sum", true, Some(_)) if int_sum.is_some_and(|s| i64::try_from(s).is_ok()) => {
                        int_sum.and_then(|s| i64::try_from(s).ok()).map(Value::Int)
                    }
                    ("avg", true, Some(_)) if int_sum.is_some() => {
                        int_sum.map(|s| Value::float(s as f64 / count as f64))
                    }
                    ("count", true, Some(_)) => Some(Value::Int(count as i64)),
                    ("count-distinct", true, Some(m)) => Some(Value::Int(m.len() as i64)),
                    // The map's ends, unless they are keywords or symbols, which `compare`
                    // orders otherwise than the map does.
                    ("min", true, Some(m)) => {
                        m.keys().next().filter(|v| !compares_by_name(v)).cloned()
                    }
                    ("max", true, Some(m)) => m
                        .keys()
                        .next_back()
                        .filter(|v| !compares_by_name(v))
                        .cloned(),
                    _ => None,
                };
                if let Some(v) = quick {
                    slot += 1;
                    out.push(v);
                    continue;
                }
                let values: Vec<Value> = g
                    .values
                    .get(slot)
                    .map(|m| {
                        m.iter()
                            .flat_map(|(v, n)| core::iter::repeat_n(v.clone(), *n))
                            .collect()
                    })
                    .unwrap_or_default();
                slot += 1;
                out.push(aggregate(name.as_str(), params, values)?);
            }
            _ => out.push(keys.next().cloned().unwrap_or(Value::Nil)),
        }
    }
    Ok(out)
}
