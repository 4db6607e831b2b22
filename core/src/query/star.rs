//! Several patterns on one bound entity, answered from one read of that entity.
//!
//! `[?e :name "Ivan"] [?e :age ?a] [?e :sex :male] [?e :last-name ?l]`: once `?e` is bound, each
//! further pattern probes the index again for every row — a B-tree descent per row and pattern.
//! An entity's datoms sit together in `EAVT`, ordered by attribute, so one seek per row reads the
//! span from the lowest to the highest attribute the group asks for, and every pattern of the
//! group is answered from it.
//!
//! A group is the pattern the planner chose plus every other pending pattern of the same source
//! on the same bound entity variable, each with a constant attribute, a fresh value variable (not
//! shared with another member) and `_` as transaction; current views, or a live query's view of
//! the state before a transaction (`View::current_except`). Patterns with a
//! constant value are filters and run on their own, first: a walk over the value's index entries
//! beats a seek per row. The rows are those the patterns would give one after the other: one per
//! combination of matching datoms, in group order.

use super::ast::{Clause, Pattern, Term, Var};
use super::eval::{entity_of, Ctx};
use super::rel::Rel;
use crate::codec::get_u32;
use crate::index::{decode_current, space, Index, Prefix};
use crate::schema::AttrId;
use crate::storage::{into_successor, KeyRange};
use crate::{Result, Value};
use alloc::vec::Vec;

/// Where an `EAVT` key's attribute id starts: after the tag byte and the entity.
const ATTR_AT: usize = 9;

/// The pending clauses (by index, `chosen` first) to evaluate together with the chosen
/// pattern, or `None` when it has no partner.
pub fn group(ctx: &Ctx<'_>, chosen: usize, pending: &[&Clause], rel: &Rel) -> Option<Vec<usize>> {
    let Some(Clause::Pattern(first)) = pending.get(chosen) else {
        return None;
    };
    let entity = entity_var(first, rel)?;
    let view = ctx.source(&first.src).ok()?;
    if !view.is_current() && view.current_except().is_none() {
        return None;
    }
    let mut fresh: Vec<&Var> = Vec::new();
    let mut members = Vec::new();
    let others = pending
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != chosen)
        .filter_map(|(i, c)| match c {
            Clause::Pattern(p) => Some((i, p)),
            _ => None,
        });
    for (i, p) in core::iter::once((chosen, first)).chain(others) {
        let ok = p.src == first.src
            && entity_var(p, rel) == Some(entity)
            && matches!(p.terms[1], Term::Const(Value::Keyword(_)))
            && matches!(p.terms[3], Term::Blank)
            && match &p.terms[2] {
                Term::Var(v) => v != entity && !rel.binds(v) && !fresh.contains(&v),
                // Filters run on their own, before (the planner prefers them): walking an
                // index for a value is cheaper than a seek per row.
                Term::Const(_) | Term::Blank => false,
            };
        if !ok {
            if i == chosen {
                return None;
            }
            continue;
        }
        if let Term::Var(v) = &p.terms[2] {
            fresh.push(v);
        }
        members.push(i);
    }
    (members.len() >= 2).then_some(members)
}

/// `p`'s entity variable, when it is bound by `rel` and `p` is a plain pattern.
fn entity_var<'p>(p: &'p Pattern, rel: &Rel) -> Option<&'p Var> {
    match &p.terms[0] {
        Term::Var(e) if p.transitive.is_none() && p.at.is_none() && rel.binds(e) => Some(e),
        _ => None,
    }
}

/// One member of a group, resolved against the view.
struct Member {
    attr: AttrId,
    /// The values of the current row's matching datoms.
    found: Vec<Value>,
}

/// `rel` joined with the group's patterns (as `group` chose them).
pub fn eval(ctx: &mut Ctx<'_>, patterns: &[&Pattern], rel: Rel) -> Result<Rel> {
    let Some(first) = patterns.first() else {
        return Ok(rel);
    };
    let view = ctx.source(&first.src)?;
    let Some(col) = entity_var(first, &rel).and_then(|e| rel.col(e)) else {
        return Ok(rel);
    };
    let mut vars = rel.vars.clone();
    let mut attrs = Vec::with_capacity(patterns.len());
    for p in patterns {
        let (Term::Const(Value::Keyword(kw)), Term::Var(v)) = (&p.terms[1], &p.terms[2]) else {
            return Err(crate::err!(Parse, "planner error: {p:?} joined by entity"));
        };
        vars.push(v.clone());
        attrs.push(view.schema().get(kw).map(|a| a.id));
    }
    // An attribute the schema does not know has no datoms: nothing joins.
    let Some(attrs) = attrs.into_iter().collect::<Option<Vec<AttrId>>>() else {
        return Ok(Rel {
            vars,
            rows: Vec::new(),
        });
    };
    let mut members: Vec<Member> = attrs
        .into_iter()
        .map(|attr| Member {
            attr,
            found: Vec::new(),
        })
        .collect();
    let (Some(lo), Some(hi)) = (
        members.iter().map(|m| m.attr).min(),
        members.iter().map(|m| m.attr).max(),
    ) else {
        return Ok(rel);
    };
    let mut rows = Vec::new();
    // Rows usually come in entity order: each seek starts from where the last one ended.
    let mut cursor = view.current_cursor();
    for row in &rel.rows {
        let Some(e) = row
            .get(col)
            .map(|x| entity_of(&view, x))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        members.iter_mut().for_each(|m| m.found.clear());
        let range = KeyRange {
            start: Prefix::new(space::EAVT).e(e).a(lo).bytes(),
            end: into_successor(Prefix::new(space::EAVT).e(e).a(hi).bytes()),
        };
        let mut read = 0;
        cursor.visit_current(range, &mut |k, _| {
            let (a, _) = get_u32(k.get(ATTR_AT..).unwrap_or(&[]))?;
            if !members.iter().any(|m| m.attr == a) {
                return Ok(true);
            }
            read += take(&mut members, a, &decode_current(Index::Eavt, k)?.v);
            Ok(true)
        })?;
        // On a live query's state before a transaction: what the transaction retracted.
        for d in view.restored(Some(e), None, None) {
            read += take(&mut members, d.a, &d.v);
        }
        ctx.charge(read)?;
        extend(row, &members, &mut rows);
    }
    Ok(Rel { vars, rows })
}

/// Gives value `v` of attribute `a` to the members asking for it; how many took it.
fn take(members: &mut [Member], a: AttrId, v: &Value) -> usize {
    let mut n = 0;
    for m in members.iter_mut().filter(|m| m.attr == a) {
        m.found.push(v.clone());
        n += 1;
    }
    n
}

/// Every combination of the members' values appended to `row`, in member order (nothing when one
/// matched nothing), as evaluating the patterns one after the other would give.
fn extend(row: &[Value], members: &[Member], out: &mut Vec<Vec<Value>>) {
    if members.iter().any(|m| m.found.is_empty()) {
        return;
    }
    if members.iter().all(|m| m.found.len() == 1) {
        // The usual case (cardinality one): one row.
        let mut next = Vec::with_capacity(row.len() + members.len());
        next.extend_from_slice(row);
        next.extend(members.iter().filter_map(|m| m.found.first().cloned()));
        out.push(next);
        return;
    }
    let mut partial: Vec<Vec<Value>> = alloc::vec![row.to_vec()];
    for m in members {
        partial = partial
            .iter()
            .flat_map(|r| {
                m.found.iter().map(move |v| {
                    let mut next = r.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    out.append(&mut partial);
}

#[cfg(test)]
mod tests {
    use crate::{edn, Database, TimePoint, Value};

    /// The star path (current view) against the general path (an as-of view of the same state),
    /// with cardinality-many attributes (every combination), a missing attribute (no row) and an
    /// unknown one (nothing).
    #[test]
    fn same_rows_as_pattern_by_pattern() {
        let mut db = Database::in_memory();
        db.transact_edn("[{:db/ident :tag :db/cardinality :db.cardinality/many}]")
            .expect("schema");
        let report = db
            .transact_edn(
                r#"[{:db/id 1 :name "a" :age 1 :tag ["x" "y"] :size 3}
                {:db/id 2 :name "b" :age 2 :tag ["z"]}
                {:db/id 3 :name "c" :tag ["w"] :size 4}
                {:db/id 4 :name "d" :age 4 :tag ["p" "q" "r"] :size 5}]"#,
            )
            .expect("data");
        let as_of = db.as_of(TimePoint::Tx(report.tx)).expect("as-of");
        // Entity 5 has nothing: no row.
        let ids = [edn::read("[1 2 3 4 5]").expect("ids")];
        for q in [
            "[:find ?e ?a ?t :in $ [?e ...] :where [?e :age ?a] [?e :tag ?t]]",
            "[:find ?e ?t ?s ?a :in $ [?e ...] :where [?e :tag ?t] [?e :size ?s] [?e :age ?a]]",
            "[:find ?e ?t ?u :in $ [?e ...] :where [?e :tag ?t] [?e :tag ?u]]",
            "[:find ?e ?a ?n :in $ [?e ...] :where [?e :age ?a] [?e :nope ?n]]",
            "[:find (count ?t) :with ?e :in $ [?e ...] :where [?e :age ?a] [?e :tag ?t]]",
        ] {
            let query = edn::read(q).expect("query");
            let now = db.query(&query, &ids).expect("current");
            let general = crate::query::q_on(as_of, &query, &ids).expect("as-of");
            assert_eq!(now, general, "{q}");
            let plan = crate::query::explain_on(db.view(), &query, &ids).expect("explain");
            assert!(
                plan.iter().any(|l| l.contains("one read per entity")),
                "{q}: {plan:?}"
            );
        }
        let rows = db
            .query(
                &edn::read("[:find ?e ?t ?u :where [?e :name _] [?e :tag ?t] [?e :tag ?u]]")
                    .expect("q"),
                &[],
            )
            .expect("rows");
        let Value::Set(rows) = rows else {
            panic!("{rows:?}")
        };
        // 2×2 + 1 + 1 + 3×3 combinations.
        assert_eq!(rows.len(), 15);
    }
}
