//! The pull API: an entity's attributes shaped by a pattern, Datomic/DataScript dialect.
//!
//! Patterns: `[*]`, attribute keywords, `:db/id`, reverse refs `:attr/_ref`, nested maps
//! `{:attr pattern}` for refs (any depth), recursion `{:attr ...}` / `{:attr n}` (cycle-safe), and
//! attribute options `(:attr :limit n)`, `(:attr :default v)`, `(:attr :as alias)`, the vector form
//! `[:attr :as alias :limit n]` and the legacy `(limit :attr n)` / `(default :attr v)`.
//! Attributes an entity lacks are left out (unless they have a default); a nested pull that finds
//! nothing is left out too; an entity with nothing to show pulls as `nil`.
//!
//! ```
//! use dfdb_core::{Database, Value, edn, pull::pull};
//! let mut db = Database::in_memory();
//! db.transact_edn(r#"[{:name "Ivan" :age 30}]"#).unwrap();
//! let p = pull(&db.view(), &edn::read("[:name]").unwrap(), &Value::Int(1)).unwrap();
//! assert_eq!(p, edn::read(r#"{:name "Ivan"}"#).unwrap());
//! ```

use crate::index::{EntityId, RawDatom};
use crate::schema::{reverse_of, Attribute};
use crate::view::{CurrentCursor, View};
use crate::{err, Error, Keyword, Result, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// Deepest nesting of pulled entities (recursion included).
const MAX_DEPTH: usize = 64;

/// Pulls `pattern` for the entity `eid` (an id, or a lookup ref): a map, or `Nil` if it has nothing.
pub fn pull(view: &View<'_>, pattern: &Value, eid: &Value) -> Result<Value> {
    pull_pattern(view, &Pattern::parse(pattern)?, eid)
}

/// Pulls `pattern` for each of `eids`, in order.
pub fn pull_many(view: &View<'_>, pattern: &Value, eids: &[Value]) -> Result<Value> {
    pull_many_pattern(view, &Pattern::parse(pattern)?, eids)
}

/// A pull pattern read once, to pull with many times (reading one costs about as much as pulling
/// a small entity).
///
/// ```
/// use dfdb_core::{Database, Value, edn, pull::{pull_pattern, Pattern}};
/// let mut db = Database::in_memory();
/// db.transact_edn(r#"[{:name "Ivan"} {:name "Oleg"}]"#).unwrap();
/// let names = Pattern::parse(&edn::read("[:name]").unwrap()).unwrap();
/// let p = pull_pattern(&db.view(), &names, &Value::Int(2)).unwrap();
/// assert_eq!(p, edn::read(r#"{:name "Oleg"}"#).unwrap());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern(Spec);

impl Pattern {
    /// Reads a pattern (see the module docs); fails with kind `parse` on a malformed one.
    pub fn parse(pattern: &Value) -> Result<Pattern> {
        parse_pattern(pattern).map(Pattern)
    }
}

/// [`pull`] with a pattern already read.
pub fn pull_pattern(view: &View<'_>, pattern: &Pattern, eid: &Value) -> Result<Value> {
    let Some(e) = resolve(view, eid)? else {
        return Ok(Value::Nil);
    };
    Ok(pull_entity(view, &pattern.0, e, &mut Seen::default(), 0)?
        .map(Value::Map)
        .unwrap_or(Value::Nil))
}

/// [`pull_many`] with a pattern already read.
pub fn pull_many_pattern(view: &View<'_>, pattern: &Pattern, eids: &[Value]) -> Result<Value> {
    let mut out = Vec::with_capacity(eids.len());
    // Empty between entities (but for the cursor).
    let mut seen = Seen {
        cursor: view.is_current().then(|| view.current_cursor()),
        ..Seen::default()
    };
    for eid in eids {
        let m = match resolve(view, eid)? {
            Some(e) => pull_entity(view, &pattern.0, e, &mut seen, 0)?
                .map(Value::Map)
                .unwrap_or(Value::Nil),
            None => Value::Nil,
        };
        out.push(m);
    }
    Ok(Value::Vector(out))
}

fn resolve(view: &View<'_>, eid: &Value) -> Result<Option<EntityId>> {
    match eid {
        Value::Int(i) if *i > 0 => Ok(Some(*i as u64)),
        Value::Ref(r) => Ok(Some(*r)),
        Value::Vector(lr) | Value::List(lr) => match lr.as_slice() {
            [Value::Keyword(a), v] => view.lookup_ref(a, v),
            _ => Err(err!(
                Parse,
                "bad entity id {eid:?}: want an id or a lookup ref"
            )),
        },
        other => Err(err!(
            Parse,
            "bad entity id {other:?}: want an id or a lookup ref"
        )),
    }
}

/// How deep a recursive attribute goes.
#[derive(Clone, Debug, PartialEq)]
enum Recurse {
    Unbounded,
    Depth(usize),
}

/// What to pull under one attribute.
#[derive(Clone, Debug, PartialEq)]
enum Sub {
    /// The value itself (refs as `{:db/id n}`, components in full).
    Plain,
    /// As `Plain`, for an attribute `*` brought in: a component expanded this way stops at an
    /// entity the expansion already entered (one named in the pattern does not check).
    Wildcard,
    /// A nested pattern for refs.
    Nested(Spec),
    /// The enclosing pattern again.
    Recursive(Recurse),
}

#[derive(Clone, Debug, PartialEq)]
struct AttrSpec {
    attr: Keyword,
    /// The forward attribute when `attr` is a reverse ref (`:a/_b` → `:a/b`).
    reverse: Option<Keyword>,
    alias: Option<Value>,
    limit: Option<usize>,
    default: Option<Value>,
    sub: Sub,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Spec {
    wildcard: bool,
    attrs: Vec<AttrSpec>,
}

impl Spec {
    /// `[*]`: how a component is pulled when nothing else is asked of it.
    fn whole() -> Self {
        Spec {
            wildcard: true,
            attrs: Vec::new(),
        }
    }
}

fn parse_pattern(p: &Value) -> Result<Spec> {
    let (Value::Vector(items) | Value::List(items)) = p else {
        return Err(err!(Parse, "pull pattern must be a vector, got {p:?}"));
    };
    let mut spec = Spec::default();
    for item in items {
        match item {
            Value::Symbol(s) if s.as_str() == "*" => spec.wildcard = true,
            Value::Str(s) if &**s == "*" => spec.wildcard = true,
            Value::Keyword(k) => spec.attrs.push(AttrSpec::plain(k.clone())),
            Value::Map(m) => {
                for (k, v) in m {
                    let mut a = attr_with_options(k)?;
                    a.sub = match v {
                        Value::Symbol(s) if s.as_str() == "..." => {
                            Sub::Recursive(Recurse::Unbounded)
                        }
                        Value::Int(n) if *n >= 0 => Sub::Recursive(Recurse::Depth(*n as usize)),
                        other => Sub::Nested(parse_pattern(other)?),
                    };
                    spec.attrs.push(a);
                }
            }
            Value::List(_) | Value::Vector(_) => spec.attrs.push(attr_with_options(item)?),
            other => return Err(err!(Parse, "bad pull pattern element {other:?}")),
        }
    }
    Ok(spec)
}

impl AttrSpec {
    fn plain(attr: Keyword) -> Self {
        AttrSpec {
            reverse: reverse_of(&attr),
            attr,
            alias: None,
            limit: None,
            default: None,
            sub: Sub::Plain,
        }
    }
}

/// `:attr`, `(:attr :opt v …)`, `[:attr :opt v …]`, `(limit :attr n)`, `(default :attr v)`.
fn attr_with_options(v: &Value) -> Result<AttrSpec> {
    match v {
        Value::Keyword(k) => Ok(AttrSpec::plain(k.clone())),
        Value::List(xs) | Value::Vector(xs) => match xs.as_slice() {
            [Value::Symbol(f), Value::Keyword(k), n] if f.as_str() == "limit" => {
                let mut a = AttrSpec::plain(k.clone());
                a.limit = limit_of(n)?;
                Ok(a)
            }
            [Value::Symbol(f), Value::Keyword(k), d] if f.as_str() == "default" => {
                let mut a = AttrSpec::plain(k.clone());
                a.default = Some(d.clone());
                Ok(a)
            }
            [Value::Keyword(k), opts @ ..] if opts.len() % 2 == 0 => {
                let mut a = AttrSpec::plain(k.clone());
                for pair in opts.chunks(2) {
                    let (o, val) = match pair {
                        [o, val] => (o, val),
                        _ => return Err(err!(Parse, "bad pull options {v:?}")),
                    };
                    match o.as_keyword().map(Keyword::as_str) {
                        Some("limit") => a.limit = limit_of(val)?,
                        Some("default") => a.default = Some(val.clone()),
                        Some("as") => a.alias = Some(val.clone()),
                        _ => return Err(err!(Parse, "unknown pull option {o:?} in {v:?}")),
                    }
                }
                Ok(a)
            }
            _ => Err(err!(Parse, "bad pull attribute spec {v:?}")),
        },
        other => Err(err!(Parse, "bad pull attribute spec {other:?}")),
    }
}

fn limit_of(v: &Value) -> Result<Option<usize>> {
    match v {
        Value::Nil => Ok(None),
        Value::Int(n) if *n >= 0 => Ok(Some(*n as usize)),
        other => Err(err!(
            Parse,
            "pull :limit must be a non-negative integer or nil, got {other:?}"
        )),
    }
}

fn ref_map(e: &Value) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Value::kw("db/id"), e.clone());
    Value::Map(m)
}

fn eid_of(v: &Value) -> Option<EntityId> {
    match v {
        Value::Int(i) if *i >= 0 => Some(*i as u64),
        _ => None,
    }
}

/// The entities a recursion (`{:attr ...}`, `{:attr n}`) or a component's expansion has entered
/// along the current path of the pull, kept as DataScript 1.8.1 keeps them (worked out case by case
/// against it; see `tests/vectors/datascript-compat.json`): a recursion, or a component `*` brought
/// in, that reaches one of them again shows its id and stops. Components reached through a nested
/// pattern (forward or in reverse) join the set without the check; a component the pattern names
/// without a pattern of its own starts a set of its own; any other nested pattern sets the set
/// aside (`base`); the entity the pull starts at is not in it (a self-reference recurses once).
///
/// It also carries the pull's index cursor, when it has one ([`pull_many_pattern`]'s: entities
/// pulled one after the other, often in id order, each read from where the last one ended).
#[derive(Default)]
struct Seen<'v> {
    ids: Vec<EntityId>,
    /// Entries before this index belong to enclosing patterns and are not consulted.
    base: usize,
    cursor: Option<CurrentCursor<'v>>,
}

impl Seen<'_> {
    fn contains(&self, e: EntityId) -> bool {
        self.ids
            .get(self.base..)
            .is_some_and(|ids| ids.contains(&e))
    }
}

fn pull_entity(
    view: &View<'_>,
    spec: &Spec,
    e: EntityId,
    seen: &mut Seen<'_>,
    depth: usize,
) -> Result<Option<BTreeMap<Value, Value>>> {
    if depth > MAX_DEPTH {
        return Err(err!(Limit, "pull nested deeper than {MAX_DEPTH} entities"));
    }
    pull_entity_inner(view, spec, e, seen, depth)
}

fn pull_entity_inner(
    view: &View<'_>,
    spec: &Spec,
    e: EntityId,
    seen: &mut Seen<'_>,
    depth: usize,
) -> Result<Option<BTreeMap<Value, Value>>> {
    let mut out: BTreeMap<Value, Value> = BTreeMap::new();
    let eid = Value::Int(e as i64);
    // With a wildcard or two forward attributes or more, one read of the entity serves them all
    // (one index seek instead of one per attribute); a single attribute is read on its own, so a
    // large cardinality-many attribute the pattern does not ask for is not read.
    let forward = spec
        .attrs
        .iter()
        .filter(|a| a.attr.as_str() != "db/id" && a.reverse.is_none())
        .count();
    // The entity's datoms, in attribute order (the order of its `EAVT` entries).
    let mut datoms: Option<Vec<RawDatom>> = None;
    if spec.wildcard || forward >= 2 {
        let mut ds = match &mut seen.cursor {
            Some(cursor) => view.entity_datoms_via(cursor, e)?,
            None => view.entity_datoms(e)?,
        };
        if !ds.is_sorted_by_key(|d| d.a) {
            ds.sort_by_key(|d| d.a);
        }
        datoms = Some(ds);
    }
    if let (true, Some(ds)) = (spec.wildcard, &datoms) {
        // Even with no datoms, as DataScript pulls `[*]` of an id that holds nothing.
        out.insert(Value::kw("db/id"), eid.clone());
        let explicit: BTreeSet<&Keyword> = spec.attrs.iter().map(|a| &a.attr).collect();
        for group in ds.chunk_by(|x, y| x.a == y.a) {
            let Some(first) = group.first() else { continue };
            let attr = view.schema().attr(first.a)?;
            if explicit.contains(&attr.ident) {
                continue;
            }
            let values = group.iter().map(|d| d.v.clone()).collect();
            let v = shape_values(view, attr, values, &Sub::Wildcard, spec, seen, depth)?;
            if let Some(v) = v {
                out.insert(Value::Keyword(attr.ident.clone()), v);
            }
        }
    }
    for a in &spec.attrs {
        let key = a
            .alias
            .clone()
            .unwrap_or_else(|| Value::Keyword(a.attr.clone()));
        if a.attr.as_str() == "db/id" {
            out.insert(key, eid.clone());
            continue;
        }
        let value = if let Some(fwd) = &a.reverse {
            pull_reverse(view, a, fwd, e, spec, seen, depth)?
        } else {
            match view.schema().get(&a.attr) {
                None => None,
                Some(attr) => {
                    let held: &[RawDatom] = match &datoms {
                        Some(ds) => {
                            let lo = ds.partition_point(|d| d.a < attr.id);
                            let hi = ds.partition_point(|d| d.a <= attr.id);
                            ds.get(lo..hi).unwrap_or(&[])
                        }
                        None => &[],
                    };
                    let single = !attr.is_ref() && !attr.is_many() && a.limit != Some(0);
                    if datoms.is_some() && single {
                        // A plain single value: no list to build and shape.
                        held.first().map(|d| d.v.clone())
                    } else {
                        let mut values: Vec<Value> = match &datoms {
                            Some(_) => held.iter().map(|d| d.v.clone()).collect(),
                            None => view
                                .datoms(Some(e), Some(attr.id), None)?
                                .map(|d| d.map(|d| d.v))
                                .collect::<Result<_>>()?,
                        };
                        if let Some(n) = a.limit {
                            values.truncate(n);
                        }
                        // Beside a `*`, a named attribute takes the wildcard's treatment of
                        // components (as in DataScript).
                        let sub = match &a.sub {
                            Sub::Plain if spec.wildcard => &Sub::Wildcard,
                            other => other,
                        };
                        shape_values(view, attr, values, sub, spec, seen, depth)?
                    }
                }
            }
        };
        match (value, &a.default) {
            (Some(v), _) => {
                out.insert(key, v);
            }
            (None, Some(d)) => {
                out.insert(key, d.clone());
            }
            (None, None) => {}
        }
    }
    // An id asked for (`*` or `:db/id`) shows even for an entity without datoms, as in DataScript;
    // a pattern with nothing to show pulls as `nil`.
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(out))
}

/// The pulled form of one attribute's values (`None` when there is nothing to show).
fn shape_values(
    view: &View<'_>,
    attr: &Attribute,
    values: Vec<Value>,
    sub: &Sub,
    parent: &Spec,
    seen: &mut Seen<'_>,
    depth: usize,
) -> Result<Option<Value>> {
    if values.is_empty() {
        return Ok(None);
    }
    let via = if attr.is_component {
        Via::Component
    } else {
        Via::Plain
    };
    let mut shaped = Vec::with_capacity(values.len());
    for v in values {
        let s = if attr.is_ref() {
            pull_ref(view, via, &attr.ident, &v, sub, parent, seen, depth)?
        } else {
            Some(v)
        };
        if let Some(s) = s {
            shaped.push(s);
        }
    }
    if shaped.is_empty() {
        return Ok(None);
    }
    Ok(Some(if attr.is_many() {
        Value::Vector(shaped)
    } else {
        shaped.into_iter().next().unwrap_or(Value::Nil)
    }))
}

/// How a reference was reached: through a component attribute, forward (so that `*` expands it)
/// or in reverse.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    Plain,
    Component,
    ReverseComponent,
}

/// A referenced entity under `sub`: its id map, a nested pull, or a recursive pull. `key` is the
/// attribute (as the pattern names it) that led here.
#[allow(clippy::too_many_arguments)]
fn pull_ref(
    view: &View<'_>,
    via: Via,
    key: &Keyword,
    v: &Value,
    sub: &Sub,
    parent: &Spec,
    seen: &mut Seen<'_>,
    depth: usize,
) -> Result<Option<Value>> {
    let Some(target) = eid_of(v) else {
        return Ok(Some(v.clone()));
    };
    // (pattern, whether a cycle stops here, how the entity enters `seen`)
    let (nested, checks, enter) = match sub {
        Sub::Wildcard if via == Via::Component => (Spec::whole(), true, Enter::Join),
        Sub::Plain if via == Via::Component => (Spec::whole(), false, Enter::Alone),
        Sub::Plain | Sub::Wildcard => return Ok(Some(ref_map(v))),
        Sub::Nested(s) if via == Via::Plain => (s.clone(), false, Enter::Afresh),
        Sub::Nested(s) => (s.clone(), false, Enter::Join),
        Sub::Recursive(r) => {
            let next = match r {
                Recurse::Unbounded => Recurse::Unbounded,
                Recurse::Depth(0) => return Ok(Some(ref_map(v))),
                Recurse::Depth(n) => Recurse::Depth(n - 1),
            };
            // The enclosing pattern, with this attribute recursing one level less (each recursive
            // attribute keeps its own depth); at the last level it shows nothing, not even
            // through a `*` (as in DataScript).
            let mut s = parent.clone();
            for a in s.attrs.iter_mut().filter(|a| a.attr == *key) {
                if let Sub::Recursive(_) = a.sub {
                    if matches!(next, Recurse::Depth(0)) {
                        a.sub = Sub::Plain;
                        a.limit = Some(0);
                        a.default = None;
                    } else {
                        a.sub = Sub::Recursive(next.clone());
                    }
                }
            }
            (s, true, Enter::Join)
        }
    };
    if checks && seen.contains(target) {
        return Ok(Some(ref_map(v)));
    }
    let base = seen.base;
    if enter != Enter::Join {
        seen.base = seen.ids.len();
    }
    if enter != Enter::Afresh {
        seen.ids.push(target);
    }
    let result = pull_entity(view, &nested, target, seen, depth + 1);
    if enter != Enter::Afresh {
        seen.ids.pop();
    }
    seen.base = base;
    Ok(result?.map(Value::Map))
}

/// How an entity a reference leads to enters [`Seen`].
#[derive(Clone, Copy, PartialEq)]
enum Enter {
    /// Added to the entities entered so far (recursion, components).
    Join,
    /// The only one (a component the pattern names without a pattern of its own).
    Alone,
    /// Not at all, and those entered so far are set aside (a plain nested pattern).
    Afresh,
}

/// `:attr/_ref`: the entities whose `attr` points at `e` (one map for a component attribute).
fn pull_reverse(
    view: &View<'_>,
    a: &AttrSpec,
    fwd: &Keyword,
    e: EntityId,
    parent: &Spec,
    seen: &mut Seen<'_>,
    depth: usize,
) -> Result<Option<Value>> {
    let Some(attr) = view.schema().get(fwd) else {
        return Ok(None);
    };
    if !attr.is_ref() {
        return Err(Error::Schema(alloc::format!(
            "reverse pull {:?}: {fwd:?} is not a ref attribute",
            a.attr
        )));
    }
    let mut sources: Vec<Value> = view
        .refs_to(e, Some(attr.id))?
        .map(|d| d.map(|d| Value::Int(d.e as i64)))
        .collect::<Result<_>>()?;
    if let Some(n) = a.limit {
        sources.truncate(n);
    }
    let via = if attr.is_component {
        Via::ReverseComponent
    } else {
        Via::Plain
    };
    let mut shaped = Vec::new();
    for s in sources {
        if let Some(x) = pull_ref(view, via, &a.attr, &s, &a.sub, parent, seen, depth)? {
            shaped.push(x);
        }
    }
    if shaped.is_empty() {
        return Ok(None);
    }
    Ok(Some(if attr.is_component {
        shaped.into_iter().next().unwrap_or(Value::Nil)
    } else {
        Value::Vector(shaped)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{edn, Database};

    /// pull-many reads through one cursor: in any order of ids (ascending, descending, shuffled,
    /// repeated, missing), with a wildcard, several attributes or one, and nested refs, it gives
    /// what one pull per id gives.
    #[test]
    fn pull_many_agrees_with_one_pull_per_id() {
        let mut db = Database::in_memory();
        db.transact_edn(
            "[{:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
              {:db/ident :tag :db/cardinality :db.cardinality/many}]",
        )
        .expect("schema");
        let mut tx = alloc::string::String::from("[");
        for i in 1..=600 {
            tx.push_str(&alloc::format!(
                r#"{{:db/id {i} :name "n{i}" :age {} :tag ["t{}" "u"] :friend [{} {}]}}"#,
                i % 90,
                i % 7,
                i % 600 + 1,
                (i * 7) % 600 + 1
            ));
        }
        tx.push(']');
        db.transact_edn(&tx).expect("data");
        let view = db.view();
        let ascending: Vec<i64> = (1..=600).step_by(3).collect();
        let descending: Vec<i64> = ascending.iter().rev().copied().collect();
        let shuffled: Vec<i64> = (0..400).map(|i| (i * 7919) % 650 + 1).collect();
        for pattern in [
            "[*]",
            "[:name :age :tag]",
            "[:age]",
            "[:name {:friend [:name :age]}]",
            "[:name {:_friend [:name]}]",
        ] {
            let p = Pattern::parse(&edn::read(pattern).expect("pattern")).expect("parse");
            for ids in [&ascending, &descending, &shuffled] {
                let eids: Vec<Value> = ids.iter().map(|i| Value::Int(*i)).collect();
                let many = pull_many_pattern(&view, &p, &eids).expect("pull-many");
                let one_by_one = Value::Vector(
                    eids.iter()
                        .map(|e| pull_pattern(&view, &p, e).expect("pull"))
                        .collect(),
                );
                assert_eq!(many, one_by_one, "{pattern}");
            }
        }
    }

    /// A recursion stops at an entity it entered before (DataScript's `seen`), not at the entity
    /// the pull started at (which recurses once more), and a nested pattern in between neither
    /// stops it nor resets it.
    #[test]
    fn recursion_stops_at_an_entity_it_entered_before() {
        let mut db = Database::in_memory();
        db.transact_edn(
            "[{:db/ident :self :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
              {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]",
        )
        .expect("schema");
        let r = db
            .transact_edn(r#"[{:db/id "a" :name "A" :self "a" :friend "b"} {:db/id "b" :name "B" :friend "a"}]"#)
            .expect("data");
        let (a, b) = (r.tempids[&Value::str("a")], r.tempids[&Value::str("b")]);
        let pattern = edn::read("[:name {:self [:name]} {:friend ...}]").expect("pattern");
        let got = pull(&db.view(), &pattern, &Value::Int(a as i64)).expect("pull");
        // As DataScript 1.8.1 pulls it.
        let want = edn::read(&alloc::format!(
            r#"{{:name "A" :self {{:name "A"}} :friend {{:name "B" :friend {{:name "A" :self {{:name "A"}} :friend {{:db/id {b}}}}}}}}}"#
        ))
        .expect("want");
        assert_eq!(got, want, "(b = {b})");
    }
}
