//! Planned execution against a deliberately naive evaluator (issue #4).
//!
//! For random small databases and random well-formed queries (patterns with constants, variables
//! and `_`, a variable-attribute pattern, `:attr+`, predicates, `+`/`-`/`str` bindings, `not`,
//! `not-join`, `or`, `or-join` with `and` branches, non-recursive and recursive rules, aggregates
//! with `:with`), the engine's answer equals the answer of the evaluator below, which reads every
//! current datom once and runs clauses by nested loops in written order (a predicate, function or
//! `not` waits only until its inputs are bound), computes rules by a naive fixpoint over whole
//! relations, and aggregates over the distinct bindings of the find and `:with` variables.
//! The same clause set in another written order must give the same answer.

use dfdb_core::{read, Database, Index, Value};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Data

/// Attributes: (ident, kind of value). `friend` is the ref attribute; `score` and `friend` are
/// cardinality many.
const ATTRS: [(&str, Kind); 5] = [
    ("p/name", Kind::Str),
    ("p/nick", Kind::Str),
    ("p/age", Kind::Int),
    ("p/score", Kind::Int),
    ("p/friend", Kind::Ent),
];
const FRIEND: usize = 4;

const SCHEMA: &str = "{:p/name {:db/cardinality :db.cardinality/one}
  :p/nick {:db/cardinality :db.cardinality/one}
  :p/age {:db/cardinality :db.cardinality/one}
  :p/score {:db/cardinality :db.cardinality/many}
  :p/friend {:db/cardinality :db.cardinality/many :db/valueType :db.type/ref}}";

const RULES: &str = "[[(follows ?p ?q) [?p :p/friend ?q]]
  [(follows ?p ?q) [?p :p/friend ?r] (follows ?r ?q)]
  [(same-name ?p ?q) [?p :p/name ?k] [?q :p/name ?k] [(not= ?p ?q)]]
  [(num ?p ?k) [?p :p/age ?k]]
  [(num ?p ?k) [?p :p/score ?k]]
  [(lonely ?p) [?p :p/name _] (not [?p :p/friend _])]]";

const NAMES: [&str; 3] = ["a", "b", "c"];

#[derive(Clone, Debug)]
struct EntSpec {
    name: Option<u8>,
    nick: Option<u8>,
    age: Option<u8>,
    scores: BTreeSet<u8>,
    friends: BTreeSet<u8>,
}

fn ent_spec() -> impl Strategy<Value = EntSpec> {
    (
        prop::option::of(0..3u8),
        prop::option::of(0..3u8),
        prop::option::of(0..5u8),
        prop::collection::btree_set(0..4u8, 0..3),
        prop::collection::btree_set(0..12u8, 0..3),
    )
        .prop_map(|(name, nick, age, scores, friends)| EntSpec {
            name,
            nick,
            age,
            scores,
            friends,
        })
}

/// The random database: entities, then `[:db/retract e attr]` of some (entity, attribute) pairs.
#[derive(Clone, Debug)]
struct DbSpec {
    ents: Vec<EntSpec>,
    retracts: Vec<(u8, u8)>,
}

fn db_spec() -> impl Strategy<Value = DbSpec> {
    (
        prop::collection::vec(ent_spec(), 1..=12),
        prop::collection::vec((0..12u8, 0..5u8), 0..3),
    )
        .prop_map(|(ents, retracts)| DbSpec { ents, retracts })
}

fn int(i: impl Into<i64>) -> Value {
    Value::Int(i.into())
}

/// The database and its entity ids in spec order.
fn build(spec: &DbSpec) -> (Database, Vec<i64>) {
    let mut db = Database::in_memory();
    db.ensure_schema(&read(SCHEMA).expect("schema"))
        .expect("schema tx");
    let n = spec.ents.len();
    let tid = |i: usize| format!("\"t{i}\"");
    let mut tx = String::from("[");
    for (i, e) in spec.ents.iter().enumerate() {
        let mut m = format!("{{:db/id {}", tid(i));
        if let Some(x) = e.name {
            m += &format!(" :p/name \"{}\"", NAMES[x as usize]);
        }
        if let Some(x) = e.nick {
            m += &format!(" :p/nick \"{}\"", NAMES[x as usize]);
        }
        let age = match (e.age, e.name, e.nick, e.scores.is_empty()) {
            (None, None, None, true) => Some(0),
            (a, ..) => a,
        };
        if let Some(x) = age {
            m += &format!(" :p/age {x}");
        }
        if !e.scores.is_empty() {
            let s: Vec<String> = e.scores.iter().map(|x| x.to_string()).collect();
            m += &format!(" :p/score [{}]", s.join(" "));
        }
        if !e.friends.is_empty() {
            let s: Vec<String> = e.friends.iter().map(|f| tid(*f as usize % n)).collect();
            m += &format!(" :p/friend [{}]", s.join(" "));
        }
        tx += &m;
        tx += "}\n";
    }
    tx += "]";
    let report = db.transact_edn(&tx).expect("data tx");
    let ids: Vec<i64> = (0..n)
        .map(|i| report.tempids[&Value::str(&format!("t{i}"))] as i64)
        .collect();
    if !spec.retracts.is_empty() {
        let items: Vec<String> = spec
            .retracts
            .iter()
            .map(|(e, a)| {
                format!(
                    "[:db/retract {} :{}]",
                    ids[*e as usize % n],
                    ATTRS[*a as usize].0
                )
            })
            .collect();
        db.transact_edn(&format!("[{}]", items.join(" ")))
            .expect("retract tx");
    }
    (db, ids)
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ent,
    Int,
    Str,
    Attr,
    Any,
}

#[derive(Clone, Debug, PartialEq)]
enum T {
    Var(String),
    Const(Value),
    /// The `k`th entity of the database (resolved to a constant before running).
    Ent(usize),
    Blank,
}

#[derive(Clone, Debug)]
enum C {
    Pat(T, T, T),
    /// `[e :p/friend+ v]`
    Trans(T, T),
    Pred(&'static str, Vec<T>),
    Fn(&'static str, Vec<T>, String),
    Not(Option<Vec<String>>, Vec<C>),
    Or(Option<Vec<String>>, Vec<Vec<C>>),
    Rule(&'static str, Vec<T>),
}

#[derive(Clone, Debug)]
enum Find {
    Var(String),
    Agg(&'static str, String),
}

#[derive(Clone, Debug)]
struct Query {
    find: Vec<Find>,
    with: Vec<String>,
    clauses: Vec<C>,
}

fn show_t(t: &T) -> String {
    match t {
        T::Var(v) => v.clone(),
        T::Const(c) => format!("{c}"),
        T::Ent(k) => format!("<ent {k}>"),
        T::Blank => "_".into(),
    }
}

fn show_ts(ts: &[T]) -> String {
    ts.iter().map(show_t).collect::<Vec<_>>().join(" ")
}

fn show_clauses(cs: &[C]) -> String {
    cs.iter().map(show_c).collect::<Vec<_>>().join(" ")
}

fn show_c(c: &C) -> String {
    match c {
        C::Pat(e, a, v) => format!("[{} {} {}]", show_t(e), show_t(a), show_t(v)),
        C::Trans(e, v) => format!("[{} :p/friend+ {}]", show_t(e), show_t(v)),
        C::Pred(name, args) => format!("[({name} {})]", show_ts(args)),
        C::Fn(name, args, out) => format!("[({name} {}) {out}]", show_ts(args)),
        C::Not(None, body) => format!("(not {})", show_clauses(body)),
        C::Not(Some(vs), body) => format!("(not-join [{}] {})", vs.join(" "), show_clauses(body)),
        C::Or(vars, branches) => {
            let bs: Vec<String> = branches
                .iter()
                .map(|b| match b.as_slice() {
                    [one] => show_c(one),
                    many => format!("(and {})", show_clauses(many)),
                })
                .collect();
            match vars {
                None => format!("(or {})", bs.join(" ")),
                Some(vs) => format!("(or-join [{}] {})", vs.join(" "), bs.join(" ")),
            }
        }
        C::Rule(name, args) => format!("({name} {})", show_ts(args)),
    }
}

fn show_query(q: &Query, clauses: &[C]) -> String {
    let find: Vec<String> = q
        .find
        .iter()
        .map(|f| match f {
            Find::Var(v) => v.clone(),
            Find::Agg(name, v) => format!("({name} {v})"),
        })
        .collect();
    let with = if q.with.is_empty() {
        String::new()
    } else {
        format!(" :with {}", q.with.join(" "))
    };
    format!(
        "[:find {}{with} :in $ % :where {}]",
        find.join(" "),
        show_clauses(clauses)
    )
}

/// Replaces `T::Ent(k)` by the `k`th entity id.
fn resolve(cs: &[C], ids: &[i64]) -> Vec<C> {
    let t = |t: &T| match t {
        T::Ent(k) => T::Const(int(ids[k % ids.len()])),
        other => other.clone(),
    };
    let ts = |ts: &[T]| ts.iter().map(t).collect::<Vec<_>>();
    cs.iter()
        .map(|c| match c {
            C::Pat(e, a, v) => C::Pat(t(e), t(a), t(v)),
            C::Trans(e, v) => C::Trans(t(e), t(v)),
            C::Pred(n, args) => C::Pred(n, ts(args)),
            C::Fn(n, args, out) => C::Fn(n, ts(args), out.clone()),
            C::Not(vs, body) => C::Not(vs.clone(), resolve(body, ids)),
            C::Or(vs, bs) => C::Or(vs.clone(), bs.iter().map(|b| resolve(b, ids)).collect()),
            C::Rule(n, args) => C::Rule(n, ts(args)),
        })
        .collect()
}

/// A stream of choices (shrinks toward 0, which always picks the simplest option).
struct Ch {
    bytes: Vec<u8>,
    pos: usize,
}

impl Ch {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0) as usize;
        self.pos += 1;
        b % n.max(1)
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.pick(n) == n - 1
    }
}

fn pool(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Ent => &["?e", "?f", "?g"],
        Kind::Int => &["?x", "?y", "?z"],
        Kind::Str => &["?n", "?m", "?s"],
        Kind::Attr => &["?a"],
        Kind::Any => &["?v"],
    }
}

type Bound = BTreeMap<String, Kind>;

fn bound_of(b: &Bound, kind: Kind) -> Vec<String> {
    b.iter()
        .filter(|(_, k)| **k == kind)
        .map(|(v, _)| v.clone())
        .collect()
}

fn fresh(b: &Bound, kind: Kind) -> Option<String> {
    pool(kind)
        .iter()
        .find(|v| !b.contains_key(**v))
        .map(|v| v.to_string())
}

fn constant(ch: &mut Ch, kind: Kind) -> T {
    match kind {
        Kind::Ent => T::Ent(ch.pick(12)),
        Kind::Int => T::Const(int(ch.pick(5) as i64)),
        Kind::Str => T::Const(Value::str(NAMES[ch.pick(3)])),
        Kind::Attr => T::Const(Value::kw(ATTRS[ch.pick(5)].0)),
        Kind::Any => T::Const(int(ch.pick(5) as i64)),
    }
}

/// A term of `kind`: a bound variable, a fresh one (recorded in `b`), a constant or `_`.
fn term(ch: &mut Ch, b: &mut Bound, kind: Kind, blank_ok: bool) -> T {
    let have = bound_of(b, kind);
    match ch.pick(if blank_ok { 8 } else { 7 }) {
        0..=2 if !have.is_empty() => T::Var(have[ch.pick(have.len())].clone()),
        0..=4 => match fresh(b, kind) {
            Some(v) => {
                b.insert(v.clone(), kind);
                T::Var(v)
            }
            None => constant(ch, kind),
        },
        5 | 6 => constant(ch, kind),
        _ => T::Blank,
    }
}

fn pattern(ch: &mut Ch, b: &mut Bound) -> C {
    let which = ch.pick(12);
    if which == 11 && !b.contains_key("?a") {
        // `[E ?a ?v]` / `[E ?a _]` with a variable attribute.
        let e = term(ch, b, Kind::Ent, false);
        b.insert("?a".into(), Kind::Attr);
        let v = if ch.one_in(2) || b.contains_key("?v") {
            T::Blank
        } else {
            b.insert("?v".into(), Kind::Any);
            T::Var("?v".into())
        };
        return C::Pat(e, T::Var("?a".into()), v);
    }
    let (attr, kind) = ATTRS[which % 5];
    let e = term(ch, b, Kind::Ent, true);
    let v = term(ch, b, kind, !matches!(e, T::Blank));
    C::Pat(e, T::Const(Value::kw(attr)), v)
}

/// A comparison constant of `kind`: sometimes a float among ints, or a value of another kind.
fn bound_constant(ch: &mut Ch, kind: Kind) -> T {
    match ch.pick(8) {
        6 => T::Const(Value::Float([0.5, 1.5, 2.5, 3.5][ch.pick(4)])),
        7 => T::Const(Value::str(NAMES[ch.pick(3)])),
        _ => constant(ch, kind),
    }
}

/// A comparison of bound variables of one kind (or of one with constants).
fn pred(ch: &mut Ch, b: &Bound) -> Option<C> {
    let kinds: Vec<Kind> = [Kind::Int, Kind::Str, Kind::Ent, Kind::Any]
        .into_iter()
        .filter(|k| !bound_of(b, *k).is_empty())
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let kind = kinds[ch.pick(kinds.len())];
    let vs = bound_of(b, kind);
    let x = T::Var(vs[ch.pick(vs.len())].clone());
    let y = if ch.one_in(3) {
        T::Var(vs[ch.pick(vs.len())].clone())
    } else {
        bound_constant(ch, kind)
    };
    let name = ["<", ">", "<=", ">=", "=", "not="][ch.pick(6)];
    let args = match ch.pick(4) {
        // `(< c1 ?x c2)`: a chain.
        3 if !matches!(name, "=" | "not=") => {
            vec![bound_constant(ch, kind), x, bound_constant(ch, kind)]
        }
        2 => vec![y, x],
        _ => vec![x, y],
    };
    Some(C::Pred(name, args))
}

fn function(ch: &mut Ch, b: &mut Bound) -> Option<C> {
    let ints = bound_of(b, Kind::Int);
    let strs = bound_of(b, Kind::Str);
    let use_str = !strs.is_empty() && (ints.is_empty() || ch.one_in(2));
    if use_str {
        let s = T::Var(strs[ch.pick(strs.len())].clone());
        let other = match ch.pick(3) {
            0 => T::Const(Value::str("b")),
            1 if !ints.is_empty() => T::Var(ints[ch.pick(ints.len())].clone()),
            _ => T::Const(Value::str("")),
        };
        let out = match (ch.one_in(4), fresh(b, Kind::Str)) {
            (false, Some(v)) => v,
            _ => strs[ch.pick(strs.len())].clone(),
        };
        b.insert(out.clone(), Kind::Str);
        return Some(C::Fn("str", vec![s, other], out));
    }
    if ints.is_empty() {
        return None;
    }
    let x = T::Var(ints[ch.pick(ints.len())].clone());
    let y = if ch.one_in(2) {
        T::Var(ints[ch.pick(ints.len())].clone())
    } else {
        T::Const(int(ch.pick(3) as i64))
    };
    let name = if ch.one_in(2) { "-" } else { "+" };
    let out = match (ch.one_in(4), fresh(b, Kind::Int)) {
        (false, Some(v)) => v,
        _ => ints[ch.pick(ints.len())].clone(),
    };
    b.insert(out.clone(), Kind::Int);
    Some(C::Fn(name, vec![x, y], out))
}

/// A `not` or `not-join` over what is bound.
fn negation(ch: &mut Ch, b: &Bound) -> Option<C> {
    let ents = bound_of(b, Kind::Ent);
    if ents.is_empty() {
        return pred(ch, b).map(|p| C::Not(None, vec![p]));
    }
    let e = T::Var(ents[ch.pick(ents.len())].clone());
    let ev = match &e {
        T::Var(v) => v.clone(),
        _ => unreachable!(),
    };
    Some(match ch.pick(5) {
        // (not [E attr const-or-bound])
        0 | 1 => {
            let (attr, kind) = ATTRS[ch.pick(5)];
            let have = bound_of(b, kind);
            let v = match ch.pick(3) {
                0 if !have.is_empty() => T::Var(have[ch.pick(have.len())].clone()),
                1 => T::Blank,
                _ => constant(ch, kind),
            };
            C::Not(None, vec![C::Pat(e, T::Const(Value::kw(attr)), v)])
        }
        // (not [E :p/friend ?w] [?w attr c]) with a local ?w
        2 => {
            let (attr, kind) = ATTRS[ch.pick(4)];
            C::Not(
                None,
                vec![
                    C::Pat(e, T::Const(Value::kw("p/friend")), T::Var("?w".into())),
                    C::Pat(
                        T::Var("?w".into()),
                        T::Const(Value::kw(attr)),
                        constant(ch, kind),
                    ),
                ],
            )
        }
        // (not-join [E] [E :p/age ?x] [(> ?x c)]): ?x is local even if the query binds ?x.
        3 => C::Not(
            Some(vec![ev.clone()]),
            vec![
                C::Pat(
                    e,
                    T::Const(Value::kw(["p/age", "p/score"][ch.pick(2)])),
                    T::Var("?x".into()),
                ),
                C::Pred(
                    [">", "<", "="][ch.pick(3)],
                    vec![T::Var("?x".into()), constant(ch, Kind::Int)],
                ),
            ],
        ),
        // (not (lonely E)) / (not (follows E E))
        _ => C::Not(
            None,
            vec![if ch.one_in(2) {
                C::Rule("follows", vec![e.clone(), e])
            } else {
                C::Rule("lonely", vec![e])
            }],
        ),
    })
}

/// One branch binding exactly `e` (and `x`, an int, when given).
fn branch(ch: &mut Ch, e: &str, x: Option<&str>) -> Vec<C> {
    let ev = || T::Var(e.to_string());
    match x {
        None => match ch.pick(4) {
            0 => vec![C::Pat(
                ev(),
                T::Const(Value::kw("p/name")),
                constant(ch, Kind::Str),
            )],
            1 => vec![C::Pat(
                ev(),
                T::Const(Value::kw("p/score")),
                constant(ch, Kind::Int),
            )],
            2 => vec![
                C::Pat(ev(), T::Const(Value::kw("p/nick")), constant(ch, Kind::Str)),
                C::Pat(ev(), T::Const(Value::kw("p/age")), T::Blank),
            ],
            _ => vec![C::Rule("lonely", vec![ev()])],
        },
        Some(x) => {
            let xv = || T::Var(x.to_string());
            match ch.pick(3) {
                0 => vec![C::Pat(ev(), T::Const(Value::kw("p/age")), xv())],
                1 => vec![C::Pat(ev(), T::Const(Value::kw("p/score")), xv())],
                _ => vec![
                    C::Rule("num", vec![ev(), xv()]),
                    C::Pred([">", "<"][ch.pick(2)], vec![xv(), constant(ch, Kind::Int)]),
                ],
            }
        }
    }
}

/// An `or` (branches binding the same variables) or an `or-join` (branches with locals).
fn disjunction(ch: &mut Ch, b: &mut Bound) -> Option<C> {
    let e = match term(ch, b, Kind::Ent, false) {
        T::Var(v) => v,
        _ => return None,
    };
    if ch.one_in(3) {
        // or-join [E]: locals may reuse names the query binds elsewhere.
        let local = if ch.one_in(2) { "?x" } else { "?k" };
        let mut bs = vec![branch(ch, &e, None)];
        bs.push(match ch.pick(3) {
            0 => vec![C::Pat(
                T::Var(e.clone()),
                T::Const(Value::kw("p/age")),
                T::Var(local.into()),
            )],
            1 => vec![
                C::Pat(
                    T::Var(e.clone()),
                    T::Const(Value::kw("p/friend")),
                    T::Var("?w".into()),
                ),
                C::Pat(
                    T::Var("?w".into()),
                    T::Const(Value::kw("p/name")),
                    constant(ch, Kind::Str),
                ),
            ],
            _ => vec![C::Rule(
                "follows",
                vec![T::Ent(ch.pick(12)), T::Var(e.clone())],
            )],
        });
        return Some(C::Or(Some(vec![e]), bs));
    }
    let x = if ch.one_in(2) {
        match term(ch, b, Kind::Int, false) {
            T::Var(v) => Some(v),
            _ => None,
        }
    } else {
        None
    };
    let n = 2 + ch.pick(2);
    let bs = (0..n).map(|_| branch(ch, &e, x.as_deref())).collect();
    Some(C::Or(None, bs))
}

fn rule_call(ch: &mut Ch, b: &mut Bound) -> C {
    match ch.pick(3) {
        0 => {
            let p = term(ch, b, Kind::Ent, false);
            let q = term(ch, b, Kind::Ent, false);
            C::Rule("follows", vec![p, q])
        }
        1 => {
            let p = term(ch, b, Kind::Ent, false);
            let k = term(ch, b, Kind::Int, false);
            C::Rule("num", vec![p, k])
        }
        _ => {
            let p = term(ch, b, Kind::Ent, false);
            let q = term(ch, b, Kind::Ent, false);
            C::Rule("same-name", vec![p, q])
        }
    }
}

fn transitive(ch: &mut Ch, b: &mut Bound) -> C {
    let e = term(ch, b, Kind::Ent, false);
    let v = term(ch, b, Kind::Ent, false);
    C::Trans(e, v)
}

fn any_var(b: &Bound) -> bool {
    !b.is_empty()
}

/// A query whose clauses, in generated order, bind every variable before a filter reads it.
fn gen_query(bytes: Vec<u8>) -> Query {
    let mut ch = Ch { bytes, pos: 0 };
    let mut b = Bound::new();
    let n = 1 + ch.pick(4);
    let mut clauses = Vec::new();
    for i in 0..n {
        let kind = if i == 0 { ch.pick(4) } else { ch.pick(9) };
        let c = match kind {
            0 => Some(pattern(&mut ch, &mut b)),
            1 => Some(rule_call(&mut ch, &mut b)),
            2 => disjunction(&mut ch, &mut b),
            3 => Some(transitive(&mut ch, &mut b)),
            4 => pred(&mut ch, &b),
            5 => function(&mut ch, &mut b),
            6 | 7 => negation(&mut ch, &b),
            _ => Some(pattern(&mut ch, &mut b)),
        };
        clauses.push(match c {
            Some(c) => c,
            None => pattern(&mut ch, &mut b),
        });
    }
    if !any_var(&b) {
        clauses.push(pattern(&mut ch, &mut b));
        if !any_var(&b) {
            b.insert("?e".into(), Kind::Ent);
            clauses.push(C::Pat(
                T::Var("?e".into()),
                T::Const(Value::kw("p/age")),
                T::Blank,
            ));
        }
    }
    let vars: Vec<(String, Kind)> = b.iter().map(|(v, k)| (v.clone(), *k)).collect();
    let pick_var = |ch: &mut Ch| vars[ch.pick(vars.len())].0.clone();
    let mut find = Vec::new();
    let mut with = Vec::new();
    if ch.one_in(3) {
        // Aggregates, grouped by 0 or 1 variables.
        if ch.one_in(2) {
            find.push(Find::Var(pick_var(&mut ch)));
        }
        for _ in 0..1 + ch.pick(2) {
            let name = ["count", "count-distinct", "sum", "min", "max", "avg"][ch.pick(6)];
            let v = pick_var(&mut ch);
            let numeric = matches!(b[&v], Kind::Int | Kind::Ent);
            let name = if matches!(name, "sum" | "avg") && !numeric {
                "count"
            } else {
                name
            };
            find.push(Find::Agg(name, v));
        }
        if ch.one_in(2) {
            let w = pick_var(&mut ch);
            if !find.iter().any(|f| matches!(f, Find::Var(v) if *v == w)) {
                with.push(w);
            }
        }
    } else {
        let mut seen = BTreeSet::new();
        for _ in 0..1 + ch.pick(3) {
            let v = pick_var(&mut ch);
            // Now and then a variable twice: `[:find ?a ?a]` is legal and keeps both columns.
            if seen.insert(v.clone()) || ch.one_in(4) {
                find.push(Find::Var(v));
            }
        }
    }
    Query {
        find,
        with,
        clauses,
    }
}

// ---------------------------------------------------------------------------------------------
// The naive evaluator

type Env = BTreeMap<String, Value>;

struct Naive {
    /// Every current datom as (e, a, v).
    datoms: Vec<(Value, Value, Value)>,
    /// Every pair of the transitive closure of `:p/friend`.
    closure: BTreeSet<(Value, Value)>,
    /// Every rule's whole relation.
    rules: BTreeMap<&'static str, BTreeSet<Vec<Value>>>,
}

struct RuleDef {
    name: &'static str,
    head: Vec<&'static str>,
    body: Vec<C>,
}

fn v(name: &str) -> T {
    T::Var(name.into())
}

fn kw(name: &str) -> T {
    T::Const(Value::kw(name))
}

/// The rules of [`RULES`], as the naive evaluator's own clauses.
fn rule_defs() -> Vec<RuleDef> {
    vec![
        RuleDef {
            name: "follows",
            head: vec!["?p", "?q"],
            body: vec![C::Pat(v("?p"), kw("p/friend"), v("?q"))],
        },
        RuleDef {
            name: "follows",
            head: vec!["?p", "?q"],
            body: vec![
                C::Pat(v("?p"), kw("p/friend"), v("?r")),
                C::Rule("follows", vec![v("?r"), v("?q")]),
            ],
        },
        RuleDef {
            name: "same-name",
            head: vec!["?p", "?q"],
            body: vec![
                C::Pat(v("?p"), kw("p/name"), v("?k")),
                C::Pat(v("?q"), kw("p/name"), v("?k")),
                C::Pred("not=", vec![v("?p"), v("?q")]),
            ],
        },
        RuleDef {
            name: "num",
            head: vec!["?p", "?k"],
            body: vec![C::Pat(v("?p"), kw("p/age"), v("?k"))],
        },
        RuleDef {
            name: "num",
            head: vec!["?p", "?k"],
            body: vec![C::Pat(v("?p"), kw("p/score"), v("?k"))],
        },
        RuleDef {
            name: "lonely",
            head: vec!["?p"],
            body: vec![
                C::Pat(v("?p"), kw("p/name"), T::Blank),
                C::Not(None, vec![C::Pat(v("?p"), kw("p/friend"), T::Blank)]),
            ],
        },
    ]
}

/// Binds `t` to `val` in `env`; false if they disagree.
fn unify(env: &mut Env, t: &T, val: &Value) -> bool {
    match t {
        T::Blank => true,
        T::Const(c) => c == val,
        T::Ent(_) => panic!("unresolved entity constant"),
        T::Var(x) => match env.get(x) {
            Some(old) => old == val,
            None => {
                env.insert(x.clone(), val.clone());
                true
            }
        },
    }
}

fn value_of(env: &Env, t: &T) -> Value {
    match t {
        T::Var(x) => env[x].clone(),
        T::Const(c) => c.clone(),
        _ => panic!("bad argument {t:?}"),
    }
}

fn term_vars(ts: &[&T], out: &mut BTreeSet<String>) {
    for t in ts {
        if let T::Var(x) = t {
            out.insert(x.clone());
        }
    }
}

/// Variables a clause binds for the rest of its conjunction.
fn binds(c: &C, out: &mut BTreeSet<String>) {
    match c {
        C::Pat(e, a, v) => term_vars(&[e, a, v], out),
        C::Trans(e, v) => term_vars(&[e, v], out),
        C::Rule(_, args) => term_vars(&args.iter().collect::<Vec<_>>(), out),
        C::Fn(_, _, o) => {
            out.insert(o.clone());
        }
        C::Or(Some(vs), _) => out.extend(vs.iter().cloned()),
        C::Or(None, bs) => bs.iter().flatten().for_each(|c| binds(c, out)),
        C::Pred(..) | C::Not(..) => {}
    }
}

/// Every variable mentioned by a clause (for `not`: its body's).
fn mentions(c: &C, out: &mut BTreeSet<String>) {
    match c {
        C::Pred(_, args) => term_vars(&args.iter().collect::<Vec<_>>(), out),
        C::Fn(_, args, o) => {
            term_vars(&args.iter().collect::<Vec<_>>(), out);
            out.insert(o.clone());
        }
        C::Not(Some(vs), _) => out.extend(vs.iter().cloned()),
        C::Not(None, body) => body.iter().for_each(|c| mentions(c, out)),
        other => binds(other, out),
    }
}

impl Naive {
    fn new(db: &Database) -> Naive {
        let datoms: Vec<(Value, Value, Value)> = db
            .datoms(Index::Eavt, &[])
            .expect("datoms")
            .into_iter()
            .map(|d| (int(d.e as i64), Value::Keyword(d.a), d.v))
            .collect();
        let friend = Value::kw(ATTRS[FRIEND].0);
        let mut closure: BTreeSet<(Value, Value)> = datoms
            .iter()
            .filter(|(_, a, _)| *a == friend)
            .map(|(e, _, v)| (e.clone(), v.clone()))
            .collect();
        loop {
            let mut next = closure.clone();
            for (x, y) in &closure {
                for (y2, z) in &closure {
                    if y == y2 {
                        next.insert((x.clone(), z.clone()));
                    }
                }
            }
            if next.len() == closure.len() {
                break;
            }
            closure = next;
        }
        let mut naive = Naive {
            datoms,
            closure,
            rules: BTreeMap::new(),
        };
        // Every rule's relation by naive iteration to saturation.
        let defs = rule_defs();
        loop {
            let mut next = naive.rules.clone();
            for def in &defs {
                let mut envs = Vec::new();
                naive.conj(&def.body, Env::new(), &mut envs);
                let rel = next.entry(def.name).or_default();
                for env in envs {
                    rel.insert(def.head.iter().map(|h| env[*h].clone()).collect());
                }
            }
            if next == naive.rules {
                break;
            }
            naive.rules = next;
        }
        naive
    }

    /// Every extension of `env` satisfying `clauses`, pushed to `out`.
    fn conj(&self, clauses: &[C], env: Env, out: &mut Vec<Env>) {
        // Variables the conjunction binds (those a `not` joins on).
        let mut scope: BTreeSet<String> = env.keys().cloned().collect();
        clauses.iter().for_each(|c| binds(c, &mut scope));
        // Written order, except that a filter waits until what it reads is bound.
        let mut order: Vec<&C> = Vec::new();
        let mut bound: BTreeSet<String> = env.keys().cloned().collect();
        let mut pending: Vec<&C> = clauses.iter().collect();
        while !pending.is_empty() {
            let i = pending
                .iter()
                .position(|c| {
                    let mut need = BTreeSet::new();
                    match c {
                        C::Pred(..) => mentions(c, &mut need),
                        C::Fn(_, args, _) => term_vars(&args.iter().collect::<Vec<_>>(), &mut need),
                        C::Not(Some(vs), _) => need.extend(vs.iter().cloned()),
                        C::Not(None, _) => {
                            mentions(c, &mut need);
                            need.retain(|x| scope.contains(x));
                        }
                        _ => {}
                    }
                    need.is_subset(&bound)
                })
                .unwrap_or_else(|| panic!("no clause can run: {}", show_clauses(clauses)));
            let c = pending.remove(i);
            binds(c, &mut bound);
            order.push(c);
        }
        self.nested(&order, &scope, env, out);
    }

    fn nested(&self, order: &[&C], scope: &BTreeSet<String>, env: Env, out: &mut Vec<Env>) {
        let Some((c, rest)) = order.split_first() else {
            out.push(env);
            return;
        };
        let mut go = |env: Env| self.nested(rest, scope, env, out);
        match c {
            C::Pat(e, a, v) => {
                for (de, da, dv) in &self.datoms {
                    let mut env = env.clone();
                    if unify(&mut env, e, de) && unify(&mut env, a, da) && unify(&mut env, v, dv) {
                        go(env);
                    }
                }
            }
            C::Trans(e, v) => {
                for (x, y) in &self.closure {
                    let mut env = env.clone();
                    if unify(&mut env, e, x) && unify(&mut env, v, y) {
                        go(env);
                    }
                }
            }
            C::Rule(name, args) => {
                for tuple in self.rules.get(name).into_iter().flatten() {
                    let mut env = env.clone();
                    if args.iter().zip(tuple).all(|(t, x)| unify(&mut env, t, x)) {
                        go(env);
                    }
                }
            }
            C::Pred(name, args) => {
                let vals: Vec<Value> = args.iter().map(|t| value_of(&env, t)).collect();
                let ok = match *name {
                    "=" => vals.windows(2).all(|w| w[0] == w[1]),
                    "not=" => !vals.windows(2).all(|w| w[0] == w[1]),
                    order => vals.windows(2).all(|w| match naive_cmp(&w[0], &w[1]) {
                        None => false,
                        Some(o) => match order {
                            "<" => o.is_lt(),
                            ">" => o.is_gt(),
                            "<=" => o.is_le(),
                            ">=" => o.is_ge(),
                            other => panic!("predicate {other}"),
                        },
                    }),
                };
                if ok {
                    go(env);
                }
            }
            C::Fn(name, args, o) => {
                let vals: Vec<Value> = args.iter().map(|t| value_of(&env, t)).collect();
                let result = match (*name, vals.as_slice()) {
                    ("+", [Value::Int(x), Value::Int(y)]) => int(x + y),
                    ("-", [Value::Int(x), Value::Int(y)]) => int(x - y),
                    ("str", parts) => Value::str(
                        &parts
                            .iter()
                            .map(|p| match p {
                                Value::Str(s) => s.to_string(),
                                Value::Int(i) => i.to_string(),
                                other => panic!("str of {other:?}"),
                            })
                            .collect::<String>(),
                    ),
                    other => panic!("function {other:?}"),
                };
                let mut env = env;
                if unify(&mut env, &T::Var(o.clone()), &result) {
                    go(env);
                }
            }
            C::Not(vars, body) => {
                let join: Vec<String> = match vars {
                    Some(vs) => vs.clone(),
                    None => {
                        let mut m = BTreeSet::new();
                        body.iter().for_each(|c| mentions(c, &mut m));
                        m.into_iter().filter(|x| scope.contains(x)).collect()
                    }
                };
                let input: Env = join.iter().map(|x| (x.clone(), env[x].clone())).collect();
                let mut found = Vec::new();
                self.conj(body, input, &mut found);
                if found.is_empty() {
                    go(env);
                }
            }
            C::Or(vars, branches) => {
                let join: Vec<String> = match vars {
                    Some(vs) => vs.clone(),
                    None => {
                        let mut m = BTreeSet::new();
                        branches.iter().flatten().for_each(|c| mentions(c, &mut m));
                        m.into_iter().collect()
                    }
                };
                let input: Env = join
                    .iter()
                    .filter_map(|x| env.get(x).map(|val| (x.clone(), val.clone())))
                    .collect();
                let mut results: BTreeSet<Vec<Value>> = BTreeSet::new();
                for b in branches {
                    let mut found = Vec::new();
                    self.conj(b, input.clone(), &mut found);
                    for f in found {
                        results.insert(join.iter().map(|x| f[x].clone()).collect());
                    }
                }
                for r in results {
                    let mut env = env.clone();
                    if join
                        .iter()
                        .zip(&r)
                        .all(|(x, val)| unify(&mut env, &v(x), val))
                    {
                        go(env);
                    }
                }
            }
        }
    }

    fn answer(&self, q: &Query, clauses: &[C]) -> Value {
        let mut envs = Vec::new();
        self.conj(clauses, Env::new(), &mut envs);
        let has_agg = q.find.iter().any(|f| matches!(f, Find::Agg(..)));
        if !has_agg {
            let tuples: BTreeSet<Value> = envs
                .iter()
                .map(|env| {
                    Value::Vector(
                        q.find
                            .iter()
                            .map(|f| match f {
                                Find::Var(x) => env[x].clone(),
                                Find::Agg(..) => unreachable!(),
                            })
                            .collect(),
                    )
                })
                .collect();
            return Value::Set(tuples.into());
        }
        // Distinct bindings of the find and :with variables, grouped by the plain find variables.
        let mut vars: BTreeSet<String> = q.with.iter().cloned().collect();
        for f in &q.find {
            match f {
                Find::Var(x) | Find::Agg(_, x) => vars.insert(x.clone()),
            };
        }
        let distinct: BTreeSet<Env> = envs
            .iter()
            .map(|env| vars.iter().map(|x| (x.clone(), env[x].clone())).collect())
            .collect();
        let mut groups: BTreeMap<Vec<Value>, Vec<&Env>> = BTreeMap::new();
        for env in &distinct {
            let key = q
                .find
                .iter()
                .filter_map(|f| match f {
                    Find::Var(x) => Some(env[x].clone()),
                    Find::Agg(..) => None,
                })
                .collect();
            groups.entry(key).or_default().push(env);
        }
        let mut out = BTreeSet::new();
        for (key, rows) in groups {
            let mut key = key.into_iter();
            let tuple = q
                .find
                .iter()
                .map(|f| match f {
                    Find::Var(_) => key.next().expect("group key"),
                    Find::Agg(name, x) => {
                        let vals: Vec<Value> = rows.iter().map(|env| env[x].clone()).collect();
                        naive_aggregate(name, vals)
                    }
                })
                .collect();
            out.insert(Value::Vector(tuple));
        }
        Value::Set(out.into())
    }
}

/// The order of `<` and friends: numbers by value, other values only against their own kind.
fn naive_cmp(x: &Value, y: &Value) -> Option<std::cmp::Ordering> {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (num(x), num(y)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        (None, None) if std::mem::discriminant(x) == std::mem::discriminant(y) => Some(x.cmp(y)),
        _ => None,
    }
}

fn naive_aggregate(name: &str, vals: Vec<Value>) -> Value {
    let ints = || -> Vec<i64> {
        vals.iter()
            .map(|x| match x {
                Value::Int(i) => *i,
                other => panic!("{name} of {other:?}"),
            })
            .collect()
    };
    match name {
        "count" => int(vals.len() as i64),
        "count-distinct" => int(vals.iter().collect::<BTreeSet<_>>().len() as i64),
        "sum" => int(ints().iter().sum::<i64>()),
        "avg" => Value::float(ints().iter().sum::<i64>() as f64 / vals.len() as f64),
        "min" => vals.iter().min().cloned().unwrap_or(Value::Nil),
        "max" => vals.iter().max().cloned().unwrap_or(Value::Nil),
        other => panic!("aggregate {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The property

fn permute(clauses: &[C], keys: &[u8]) -> Vec<C> {
    let mut keyed: Vec<(u8, usize, C)> = clauses
        .iter()
        .enumerate()
        .map(|(i, c)| (keys.get(i).copied().unwrap_or(0), i, c.clone()))
        .collect();
    keyed.sort_by_key(|(k, i, _)| (*k, *i));
    keyed.into_iter().map(|(_, _, c)| c).collect()
}

fn check(spec: &DbSpec, bytes: Vec<u8>, keys: &[u8]) -> Result<(), TestCaseError> {
    let (db, ids) = build(spec);
    let q = gen_query(bytes);
    let written = resolve(&q.clauses, &ids);
    let naive = Naive::new(&db);
    let rules = read(RULES).expect("rules");
    let mut orders = vec![written.clone(), permute(&written, keys)];
    let mut reversed = written.clone();
    reversed.reverse();
    orders.push(reversed);
    let want = naive.answer(&q, &written);
    for clauses in &orders {
        let text = show_query(&q, clauses);
        prop_assert_eq!(
            &naive.answer(&q, clauses),
            &want,
            "the naive evaluator depends on clause order: {}",
            text
        );
        let query = read(&text).expect("query text");
        let got = db
            .query(&query, std::slice::from_ref(&rules))
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&got, &want, "query {}\ndatoms {:?}", text, naive.datoms);
    }
    Ok(())
}

/// The case count: `PROPTEST_CASES` when set (for longer local runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1000), ..ProptestConfig::default() })]

    #[test]
    fn planned_equals_naive(
        spec in db_spec(),
        bytes in prop::collection::vec(any::<u8>(), 0..48),
        keys in prop::collection::vec(any::<u8>(), 8),
    ) {
        check(&spec, bytes, &keys)?;
    }
}

/// The generator produces every kind of clause (guards against a generator that degenerates).
#[test]
fn generator_covers_the_grammar() {
    let mut seen = BTreeSet::new();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..48)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng >> 24) as u8
            })
            .collect();
        let q = gen_query(bytes);
        let text = show_query(&q, &q.clauses);
        for word in [
            "(not ",
            "(not-join",
            "(or ",
            "(or-join",
            "(and",
            "follows",
            "same-name",
            "num",
            "lonely",
            "friend+",
            "[(+",
            "[(-",
            "[(str",
            "[(<",
            "[(not=",
            " _",
            "?a",
            "(count ",
            "(count-distinct",
            "(sum",
            "(min",
            "(max",
            "(avg",
            ":with",
        ] {
            if text.contains(word) {
                seen.insert(word);
            }
        }
    }
    assert_eq!(seen.len(), 24, "seen only {seen:?}");
}
