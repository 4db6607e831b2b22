//! Relations: the bindings a query carries from clause to clause.

use super::ast::{Term, Var};
use crate::Value;
use alloc::vec::Vec;
use hashbrown::{HashMap, HashSet};

/// A relation: named columns (variables) and rows of values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rel {
    /// Column variables.
    pub vars: Vec<Var>,
    /// Rows, each as long as `vars`.
    pub rows: Vec<Vec<Value>>,
}

impl Rel {
    /// The relation with no columns and one row: the identity of joins.
    pub fn unit() -> Self {
        Rel {
            vars: Vec::new(),
            rows: alloc::vec![Vec::new()],
        }
    }

    /// The column of `v`, if bound.
    pub fn col(&self, v: &Var) -> Option<usize> {
        self.vars.iter().position(|x| x == v)
    }

    /// Whether `v` is a column.
    pub fn binds(&self, v: &Var) -> bool {
        self.col(v).is_some()
    }

    /// The distinct rows of the given columns (`None` for a variable not bound here).
    pub fn project(&self, vars: &[Var]) -> Rel {
        let cols: Vec<Option<usize>> = vars.iter().map(|v| self.col(v)).collect();
        let kept: Vec<Var> = vars
            .iter()
            .zip(&cols)
            .filter(|(_, c)| c.is_some())
            .map(|(v, _)| v.clone())
            .collect();
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for r in &self.rows {
            let t: Vec<Value> = cols
                .iter()
                .flatten()
                .filter_map(|c| r.get(*c).cloned())
                .collect();
            if seen.insert(t.clone()) {
                rows.push(t);
            }
        }
        Rel { vars: kept, rows }
    }

    /// Natural join with `other` on their shared variables (hash join, built on the smaller side).
    pub fn join(self, other: Rel) -> Rel {
        // The unit relation (no variables, one empty row) joins to the other side unchanged: a
        // live query's update starts each evaluation so, from its seed.
        if self.vars.is_empty() && self.rows.len() == 1 {
            return other;
        }
        let shared: Vec<Var> = self
            .vars
            .iter()
            .filter(|v| other.binds(v))
            .cloned()
            .collect();
        let extra: Vec<usize> = (0..other.vars.len())
            .filter(|i| other.vars.get(*i).is_some_and(|v| !self.binds(v)))
            .collect();
        let mut vars = self.vars.clone();
        vars.extend(extra.iter().filter_map(|i| other.vars.get(*i).cloned()));
        let lkey: Vec<usize> = shared.iter().filter_map(|v| self.col(v)).collect();
        let rkey: Vec<usize> = shared.iter().filter_map(|v| other.col(v)).collect();
        let key = |row: &[Value], cols: &[usize]| -> Vec<Value> {
            cols.iter().filter_map(|c| row.get(*c).cloned()).collect()
        };
        let mut rows = Vec::new();
        if other.rows.len() <= self.rows.len() {
            let mut index: HashMap<Vec<Value>, Vec<&Vec<Value>>> = HashMap::new();
            for r in &other.rows {
                index.entry(key(r, &rkey)).or_default().push(r);
            }
            for l in &self.rows {
                if let Some(ms) = index.get(&key(l, &lkey)) {
                    for m in ms {
                        let mut row = l.clone();
                        row.extend(extra.iter().filter_map(|i| m.get(*i).cloned()));
                        rows.push(row);
                    }
                }
            }
        } else {
            let mut index: HashMap<Vec<Value>, Vec<&Vec<Value>>> = HashMap::new();
            for l in &self.rows {
                index.entry(key(l, &lkey)).or_default().push(l);
            }
            for m in &other.rows {
                if let Some(ls) = index.get(&key(m, &rkey)) {
                    for l in ls {
                        let mut row = (*l).clone();
                        row.extend(extra.iter().filter_map(|i| m.get(*i).cloned()));
                        rows.push(row);
                    }
                }
            }
        }
        Rel { vars, rows }
    }

    /// The rows whose values on `other`'s columns do not appear in `other` (antijoin).
    pub fn antijoin(self, other: &Rel) -> Rel {
        let cols: Vec<Option<usize>> = other.vars.iter().map(|v| self.col(v)).collect();
        let set: HashSet<&Vec<Value>> = other.rows.iter().collect();
        let rows = self
            .rows
            .into_iter()
            .filter(|r| {
                let k: Vec<Value> = cols
                    .iter()
                    .map(|c| c.and_then(|c| r.get(c).cloned()).unwrap_or(Value::Nil))
                    .collect();
                !set.contains(&k)
            })
            .collect();
        Rel {
            vars: self.vars,
            rows,
        }
    }
}

/// The variables of `terms` in order of first appearance, leaving out those `skip` says to.
pub fn first_seen_vars<'a>(
    terms: impl IntoIterator<Item = &'a Term>,
    skip: impl Fn(&Var) -> bool,
) -> Vec<Var> {
    let mut vars: Vec<Var> = Vec::new();
    for t in terms {
        if let Term::Var(v) = t {
            if !skip(v) && !vars.contains(v) {
                vars.push(v.clone());
            }
        }
    }
    vars
}

/// The values of `vars` given `(variable, value)` pairs: a variable named by several pairs must get
/// equal values from all of them (`None` when they disagree, as in `[?x :a ?x]`). Pairs naming a
/// variable outside `vars` are ignored; a variable no pair names gets `nil`.
pub fn bind_vars<'a>(
    vars: &[Var],
    pairs: impl IntoIterator<Item = (&'a Var, &'a Value)>,
) -> Option<Vec<Value>> {
    let mut out: Vec<Option<&Value>> = alloc::vec![None; vars.len()];
    for (var, val) in pairs {
        let Some(slot) = vars
            .iter()
            .position(|x| x == var)
            .and_then(|i| out.get_mut(i))
        else {
            continue;
        };
        match slot {
            Some(prev) if *prev != val => return None,
            _ => *slot = Some(val),
        }
    }
    Some(
        out.into_iter()
            .map(|x| x.cloned().unwrap_or(Value::Nil))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;
    use alloc::vec;

    /// Joining the unit relation changes nothing, whichever side it is on, and a relation with
    /// no variables but no rows is not the unit: it empties the join.
    #[test]
    fn unit_joins_leave_the_other_side_as_it_is() {
        let r = Rel {
            vars: vec![Var::new("?e"), Var::new("?a")],
            rows: vec![
                vec![Value::Int(1), Value::Int(30)],
                vec![Value::Int(2), Value::Int(40)],
            ],
        };
        assert_eq!(Rel::unit().join(r.clone()), r);
        assert_eq!(r.clone().join(Rel::unit()), r);
        let none = Rel {
            vars: Vec::new(),
            rows: Vec::new(),
        };
        assert!(none.join(r).rows.is_empty());
    }
}
