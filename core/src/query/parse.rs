//! Query text (as EDN data) into a [`Query`]. Every malformed input is an error of kind `parse`
//! saying what is wrong and where (which clause).

use super::ast::*;
use super::functions::{is_known_fn, is_known_pred};
use crate::{err, Error, Keyword, Result, Symbol, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Deepest nesting of `not`/`or`/`and` accepted.
const MAX_DEPTH: usize = 64;

/// Parses a query in vector form `[:find … :where …]` or map form `{:find […] :where […]}`.
pub fn parse_query(q: &Value) -> Result<Query> {
    let sections = sections(q)?;
    let get = |k: &str| sections.get(k).cloned().unwrap_or_default();
    let find_items = get("find");
    if find_items.is_empty() {
        return Err(Error::parse("query has no :find"));
    }
    let find = parse_find(&find_items)?;
    let with = get("with")
        .iter()
        .map(|v| var_of(v, ":with"))
        .collect::<Result<Vec<_>>>()?;
    let inputs = match sections.get("in") {
        None => alloc::vec![InSpec::Src(String::from("$"))],
        Some(items) => items.iter().map(parse_in).collect::<Result<_>>()?,
    };
    let clauses = get("where")
        .iter()
        .map(|c| parse_clause(c, 0))
        .collect::<Result<Vec<_>>>()?;
    let keys = ["keys", "strs", "syms"]
        .iter()
        .find_map(|k| sections.get(*k).map(|names| (*k, names)))
        .map(|(k, names)| -> Result<(KeyKind, Vec<String>)> {
            let kind = match k {
                "keys" => KeyKind::Keys,
                "strs" => KeyKind::Strs,
                _ => KeyKind::Syms,
            };
            let names = names
                .iter()
                .map(|n| match n {
                    Value::Symbol(s) => Ok(s.as_str().to_string()),
                    Value::Keyword(k) => Ok(k.as_str().to_string()),
                    Value::Str(s) => Ok(s.to_string()),
                    other => Err(err!(Parse, ":{k} names must be symbols, got {other:?}")),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((kind, names))
        })
        .transpose()?;
    if let Some((_, names)) = &keys {
        if names.len() != find.elems().len() || !matches!(find, FindSpec::Rel(_)) {
            return Err(err!(
                Parse,
                ":keys/:strs/:syms must name each element of a relation :find"
            ));
        }
    }
    let query = Query {
        find,
        with,
        inputs,
        clauses,
        keys,
    };
    check_bound(&query)?;
    Ok(query)
}

/// Splits a query into its sections (`find`, `in`, `where`, …).
fn sections(q: &Value) -> Result<BTreeMap<String, Vec<Value>>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    match q {
        Value::Vector(items) | Value::List(items) => {
            let mut current: Option<String> = None;
            for item in items {
                match item {
                    Value::Keyword(k) => {
                        let name = k.as_str().to_string();
                        if out.contains_key(&name) {
                            return Err(err!(Parse, "query section :{name} appears twice"));
                        }
                        out.insert(name.clone(), Vec::new());
                        current = Some(name);
                    }
                    other => match &current {
                        Some(name) => out.entry(name.clone()).or_default().push(other.clone()),
                        None => {
                            return Err(err!(
                                Parse,
                                "query must start with a keyword such as :find, got {other:?}"
                            ))
                        }
                    },
                }
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                let Value::Keyword(k) = k else {
                    return Err(err!(Parse, "query map key {k:?} is not a keyword"));
                };
                let items = match v {
                    Value::Vector(xs) | Value::List(xs) => xs.clone(),
                    other => {
                        return Err(err!(
                            Parse,
                            "query section :{} must be a vector, got {other:?}",
                            k.as_str()
                        ))
                    }
                };
                out.insert(k.as_str().to_string(), items);
            }
        }
        other => {
            return Err(err!(
                Parse,
                "a query must be a vector or a map, got {other:?}"
            ))
        }
    }
    for k in out.keys() {
        if !matches!(
            k.as_str(),
            "find" | "with" | "in" | "where" | "keys" | "strs" | "syms"
        ) {
            return Err(err!(Parse, "unknown query section :{k}"));
        }
    }
    Ok(out)
}

fn is_var(v: &Value) -> bool {
    matches!(v, Value::Symbol(s) if s.as_str().starts_with('?'))
}

fn var_of(v: &Value, context: &str) -> Result<Var> {
    match v {
        Value::Symbol(s) if s.as_str().starts_with('?') => Ok(s.clone()),
        other => Err(err!(Parse, "{context}: expected a variable, got {other:?}")),
    }
}

fn term(v: &Value) -> Term {
    match v {
        Value::Symbol(s) if s.as_str() == "_" => Term::Blank,
        Value::Symbol(s) if s.as_str().starts_with('?') => Term::Var(s.clone()),
        other => Term::Const(other.clone()),
    }
}

fn parse_find(items: &[Value]) -> Result<FindSpec> {
    match items {
        [Value::Vector(inner)]
            if inner.len() == 2 && matches!(&inner[1], Value::Symbol(s) if s.as_str() == "...") =>
        {
            Ok(FindSpec::Coll(parse_find_elem(&inner[0])?))
        }
        // `[?a (max ?b)]` is one tuple; `[(- ?a ?b)]`, a computed value, is a relation's element.
        [Value::Vector(inner)]
            if inner
                .first()
                .is_some_and(|first| !is_fn_call(first) || is_agg_or_pull(first)) =>
        {
            Ok(FindSpec::Tuple(
                inner.iter().map(parse_find_elem).collect::<Result<_>>()?,
            ))
        }
        [elem, Value::Symbol(dot)] if dot.as_str() == "." => {
            Ok(FindSpec::Scalar(parse_find_elem(elem)?))
        }
        elems => Ok(FindSpec::Rel(
            elems.iter().map(parse_find_elem).collect::<Result<_>>()?,
        )),
    }
}

fn is_fn_call(v: &Value) -> bool {
    matches!(v, Value::List(xs) if matches!(xs.first(), Some(Value::Symbol(_))))
}

/// `(max ?x)`, `(max 3 ?x)`, `(pull ?e pattern)`: a find element written as a list. (`(max ?a ?b)`
/// is the function, a computed value.)
fn is_agg_or_pull(v: &Value) -> bool {
    let Value::List(xs) = v else {
        return false;
    };
    let Some(Value::Symbol(name)) = xs.first() else {
        return false;
    };
    if name.as_str() == "pull" {
        return true;
    }
    if !super::aggregate::is_aggregate(name.as_str()) {
        return false;
    }
    match xs.get(1..) {
        Some([x]) => is_var(x),
        Some([n, x]) => !is_var(n) && is_var(x),
        _ => false,
    }
}

fn parse_find_elem(v: &Value) -> Result<FindElem> {
    match v {
        v if is_var(v) => Ok(FindElem::Var(var_of(v, ":find")?)),
        Value::List(xs) => {
            let (head, args) = xs
                .split_first()
                .ok_or_else(|| Error::parse(":find has an empty list"))?;
            let Value::Symbol(name) = head else {
                return Err(err!(Parse, ":find element {v:?} must start with a symbol"));
            };
            if name.as_str() == "pull" {
                return match args {
                    [e, pattern] => Ok(FindElem::Pull {
                        var: var_of(e, "pull in :find")?,
                        pattern: pattern.clone(),
                    }),
                    [_src, e, pattern] => Ok(FindElem::Pull {
                        var: var_of(e, "pull in :find")?,
                        pattern: pattern.clone(),
                    }),
                    _ => Err(err!(
                        Parse,
                        "(pull ?e pattern) in :find takes a variable and a pattern, got {v:?}"
                    )),
                };
            }
            let (var, params) = args
                .split_last()
                .ok_or_else(|| err!(Parse, "aggregate {v:?} needs a variable"))?;
            if !super::aggregate::is_aggregate(name.as_str()) {
                return Err(err!(Parse, "unknown aggregate {} in :find", name.as_str()));
            }
            Ok(FindElem::Agg {
                name: name.clone(),
                params: params.to_vec(),
                var: var_of(var, "aggregate")?,
            })
        }
        Value::Vector(xs) => match xs.as_slice() {
            [Value::List(call)] => {
                let (name, args) = fn_head(call, v)?;
                Ok(FindElem::Expr { name, args })
            }
            _ => Err(err!(Parse, "bad :find element {v:?}")),
        },
        other => Err(err!(
            Parse,
            "bad :find element {other:?}: want a variable, an aggregate or (pull ?e pattern)"
        )),
    }
}

fn fn_head(call: &[Value], whole: &Value) -> Result<(Symbol, Vec<Term>)> {
    let (head, args) = call
        .split_first()
        .ok_or_else(|| err!(Parse, "empty function call in {whole:?}"))?;
    let Value::Symbol(name) = head else {
        return Err(err!(
            Parse,
            "function call {whole:?} must start with a symbol"
        ));
    };
    Ok((name.clone(), args.iter().map(term).collect()))
}

fn parse_binding(v: &Value) -> Result<Binding> {
    match v {
        Value::Symbol(_) => Ok(Binding::Scalar(term(v))),
        Value::Vector(xs) => match xs.as_slice() {
            [Value::Vector(inner)] => Ok(Binding::Rel(inner.iter().map(term).collect())),
            [x, Value::Symbol(dots)] if dots.as_str() == "..." => Ok(Binding::Coll(term(x))),
            xs if !xs.is_empty() && xs.iter().all(|x| matches!(x, Value::Symbol(_))) => {
                Ok(Binding::Tuple(xs.iter().map(term).collect()))
            }
            _ => Err(err!(Parse, "bad binding form {v:?}")),
        },
        other => Err(err!(Parse, "bad binding form {other:?}")),
    }
}

fn parse_in(v: &Value) -> Result<InSpec> {
    match v {
        Value::Symbol(s) if s.as_str().starts_with('$') => Ok(InSpec::Src(s.as_str().to_string())),
        Value::Symbol(s) if s.as_str() == "%" => Ok(InSpec::Rules),
        other => Ok(InSpec::Bind(parse_binding(other)?)),
    }
}

/// Parses one `:where` clause.
pub fn parse_clause(c: &Value, depth: usize) -> Result<Clause> {
    if depth > MAX_DEPTH {
        return Err(err!(Limit, "clauses nested deeper than {MAX_DEPTH}"));
    }
    match c {
        Value::Vector(xs) => match xs.as_slice() {
            [] => Err(Error::parse("empty clause []")),
            [Value::List(call), rest @ ..] => {
                let (name, args) = fn_head(call, c)?;
                match rest {
                    [] => {
                        if !is_known_pred(name.as_str()) && !is_known_fn(name.as_str()) {
                            return Err(err!(
                                Parse,
                                "unknown predicate {} in {c:?}",
                                name.as_str()
                            ));
                        }
                        Ok(Clause::Pred { name, args })
                    }
                    [binding] => {
                        if !is_known_fn(name.as_str()) && !is_known_pred(name.as_str()) {
                            return Err(err!(Parse, "unknown function {} in {c:?}", name.as_str()));
                        }
                        Ok(Clause::Fn {
                            name,
                            args,
                            binding: parse_binding(binding)?,
                        })
                    }
                    _ => Err(err!(
                        Parse,
                        "function clause {c:?} has more than one binding"
                    )),
                }
            }
            items => parse_pattern(items, c).map(Clause::Pattern),
        },
        Value::List(xs) => {
            let (head, args) = xs
                .split_first()
                .ok_or_else(|| Error::parse("empty clause ()"))?;
            let Value::Symbol(name) = head else {
                return Err(err!(Parse, "clause {c:?} must start with a symbol"));
            };
            let body = |items: &[Value]| -> Result<Vec<Clause>> {
                if items.is_empty() {
                    return Err(err!(
                        Parse,
                        "({} …) needs at least one clause: {c:?}",
                        name.as_str()
                    ));
                }
                items.iter().map(|x| parse_clause(x, depth + 1)).collect()
            };
            match name.as_str() {
                "not" => Ok(Clause::Not {
                    vars: None,
                    body: body(args)?,
                }),
                "not-join" => {
                    let (vars, rest) = join_vars(args, c)?;
                    Ok(Clause::Not {
                        vars: Some(vars),
                        body: body(rest)?,
                    })
                }
                "or" => {
                    let branches = branches(args, depth, c)?;
                    Ok(Clause::Or {
                        vars: None,
                        branches,
                    })
                }
                "or-join" => {
                    let (vars, rest) = join_vars(args, c)?;
                    Ok(Clause::Or {
                        vars: Some(vars),
                        branches: branches(rest, depth, c)?,
                    })
                }
                "and" => Err(err!(Parse, "(and …) is only allowed inside (or …): {c:?}")),
                _ if name.as_str().starts_with('$') => {
                    // ($src rule args…) — rules run against the default source.
                    let (rule, rest) = args
                        .split_first()
                        .ok_or_else(|| err!(Parse, "bad clause {c:?}"))?;
                    let Value::Symbol(rule) = rule else {
                        return Err(err!(Parse, "bad clause {c:?}"));
                    };
                    Ok(Clause::Rule {
                        name: rule.clone(),
                        args: rest.iter().map(term).collect(),
                    })
                }
                _ => Ok(Clause::Rule {
                    name: name.clone(),
                    args: args.iter().map(term).collect(),
                }),
            }
        }
        other => Err(err!(
            Parse,
            "clause {other:?} is neither a pattern, a function call nor a rule"
        )),
    }
}

fn join_vars<'a>(args: &'a [Value], c: &Value) -> Result<(Vec<Var>, &'a [Value])> {
    let (first, rest) = args
        .split_first()
        .ok_or_else(|| err!(Parse, "{c:?} needs a vector of join variables"))?;
    let Value::Vector(vs) = first else {
        return Err(err!(
            Parse,
            "{c:?}: join variables must be a vector, got {first:?}"
        ));
    };
    let mut vars = Vec::new();
    for v in vs {
        match v {
            // `[[?a] ?b]`: required-bound variables are plain join variables to us.
            Value::Vector(inner) => {
                for x in inner {
                    vars.push(var_of(x, "join variables")?);
                }
            }
            other => vars.push(var_of(other, "join variables")?),
        }
    }
    Ok((vars, rest))
}

fn branches(args: &[Value], depth: usize, c: &Value) -> Result<Vec<Vec<Clause>>> {
    if args.is_empty() {
        return Err(err!(Parse, "(or …) needs at least one branch: {c:?}"));
    }
    args.iter()
        .map(|b| match b {
            Value::List(xs) if matches!(xs.first(), Some(Value::Symbol(s)) if s.as_str() == "and") => {
                let rest = xs.get(1..).unwrap_or(&[]);
                if rest.is_empty() {
                    return Err(err!(Parse, "(and) needs at least one clause in {c:?}"));
                }
                rest.iter().map(|x| parse_clause(x, depth + 1)).collect()
            }
            // `[[…] […]]`: a vector of clauses is a conjunction too (the original dfdb's form).
            Value::Vector(xs) if matches!(xs.first(), Some(Value::Vector(_))) => {
                xs.iter().map(|x| parse_clause(x, depth + 1)).collect()
            }
            other => Ok(alloc::vec![parse_clause(other, depth + 1)?]),
        })
        .collect()
}

fn parse_pattern(items: &[Value], c: &Value) -> Result<Pattern> {
    let (src, items) = match items.first() {
        Some(Value::Symbol(s)) if s.as_str().starts_with('$') => {
            (s.as_str().to_string(), items.get(1..).unwrap_or(&[]))
        }
        _ => (String::from("$"), items),
    };
    let mut terms = [Term::Blank, Term::Blank, Term::Blank, Term::Blank];
    let mut transitive = None;
    let mut positional = items;
    let mut at = None;
    // `[?x :attr+ ?y :max-depth n]` and `[?e :attr ?v :at/dim ?t]` carry options after the value.
    if items.len() > 3 {
        if let Some(Value::Keyword(k)) = items.get(3) {
            if k.as_str() == "max-depth" || k.namespace() == Some("at") {
                positional = items.get(..3).unwrap_or(items);
                match items.get(3..).unwrap_or(&[]) {
                    [_, Value::Int(n)] if k.as_str() == "max-depth" && *n >= 0 => {
                        transitive = Some(Transitive {
                            max_depth: Some(*n as usize),
                        })
                    }
                    [_, t] if k.namespace() == Some("at") => {
                        at = Some((crate::time::dimension_name(k), term(t)));
                    }
                    _ => return Err(err!(Parse, "bad pattern options in {c:?}")),
                }
            }
        }
    }
    if positional.is_empty() || positional.len() > 4 {
        return Err(err!(Parse, "pattern {c:?} must have 1 to 4 elements"));
    }
    for (slot, v) in terms.iter_mut().zip(positional) {
        *slot = term(v);
    }
    if let Term::Const(Value::Keyword(k)) = &terms[1] {
        if let Some(base) = k.as_str().strip_suffix('+') {
            terms[1] = Term::Const(Value::Keyword(Keyword::new(base)));
            transitive = Some(transitive.unwrap_or(Transitive { max_depth: None }));
        }
    } else if transitive.is_some() {
        return Err(err!(
            Parse,
            ":max-depth needs a transitive attribute (:attr+) in {c:?}"
        ));
    }
    for t in &terms {
        if let Term::Const(Value::Symbol(s)) = t {
            return Err(err!(
                Parse,
                "symbol {} in pattern {c:?} is not a variable (variables start with ?)",
                s.as_str()
            ));
        }
    }
    if at.is_some() && transitive.is_some() {
        return Err(err!(
            Parse,
            ":at/ cannot be combined with a transitive attribute in {c:?}"
        ));
    }
    Ok(Pattern {
        src,
        terms,
        transitive,
        at,
    })
}

/// Parses a rule set `[[(name ?a ?b) clauses…] …]` into definitions by name.
pub fn parse_rules(v: &Value) -> Result<BTreeMap<Symbol, Vec<RuleDef>>> {
    let (Value::Vector(defs) | Value::List(defs)) = v else {
        return Err(err!(
            Parse,
            "rules must be a vector of rule definitions, got {v:?}"
        ));
    };
    let mut out: BTreeMap<Symbol, Vec<RuleDef>> = BTreeMap::new();
    for def in defs {
        let (Value::Vector(items) | Value::List(items)) = def else {
            return Err(err!(Parse, "rule definition {def:?} must be a vector"));
        };
        let (head, body) = items
            .split_first()
            .ok_or_else(|| Error::parse("empty rule definition"))?;
        let Value::List(head) = head else {
            return Err(err!(
                Parse,
                "rule head {head:?} must be a list (name ?args…)"
            ));
        };
        let (name, args) = head
            .split_first()
            .ok_or_else(|| Error::parse("empty rule head"))?;
        let Value::Symbol(name) = name else {
            return Err(err!(Parse, "rule name {name:?} must be a symbol"));
        };
        let mut vars = Vec::new();
        for a in args {
            match a {
                Value::Vector(req) => {
                    for x in req {
                        vars.push(var_of(x, "rule head")?);
                    }
                }
                other => vars.push(var_of(other, "rule head")?),
            }
        }
        if body.is_empty() {
            return Err(err!(Parse, "rule {} has no body", name.as_str()));
        }
        let body = body
            .iter()
            .map(|c| parse_clause(c, 0))
            .collect::<Result<Vec<_>>>()?;
        if let Some(arity) = out
            .get(name)
            .and_then(|ds| ds.first())
            .map(|d| d.head.len())
        {
            if arity != vars.len() {
                return Err(err!(
                    Parse,
                    "rule {} is defined with {} and {} arguments",
                    name.as_str(),
                    arity,
                    vars.len()
                ));
            }
        }
        out.entry(name.clone())
            .or_default()
            .push(RuleDef { head: vars, body });
    }
    Ok(out)
}

/// Variables a clause can bind, and those it needs (for `or`: all branches must agree).
pub fn clause_vars(c: &Clause, out: &mut BTreeSet<Var>) {
    match c {
        Clause::Pattern(p) => p
            .terms
            .iter()
            .chain(p.at.as_ref().map(|(_, t)| t))
            .filter_map(Term::var)
            .for_each(|v| {
                out.insert(v.clone());
            }),
        Clause::Pred { args, .. } | Clause::Rule { args, .. } => {
            args.iter().filter_map(Term::var).for_each(|v| {
                out.insert(v.clone());
            })
        }
        Clause::Fn { args, binding, .. } => {
            args.iter().filter_map(Term::var).for_each(|v| {
                out.insert(v.clone());
            });
            out.extend(binding.vars());
        }
        Clause::Not { vars: Some(vs), .. } | Clause::Or { vars: Some(vs), .. } => {
            out.extend(vs.iter().cloned())
        }
        Clause::Not { vars: None, body } => body.iter().for_each(|c| clause_vars(c, out)),
        Clause::Or {
            vars: None,
            branches,
        } => {
            if let Some(b) = branches.first() {
                b.iter().for_each(|c| clause_vars(c, out));
            }
        }
    }
}

/// Checks that every find/with variable can be bound and that `or` branches agree.
fn check_bound(q: &Query) -> Result<()> {
    let mut bound = BTreeSet::new();
    for i in &q.inputs {
        if let InSpec::Bind(b) = i {
            bound.extend(b.vars());
        }
    }
    for c in &q.clauses {
        check_or(c)?;
        clause_vars(c, &mut bound);
    }
    let mut needed: Vec<&Var> = q.with.iter().collect();
    for e in q.find.elems() {
        match e {
            FindElem::Var(v) | FindElem::Agg { var: v, .. } | FindElem::Pull { var: v, .. } => {
                needed.push(v)
            }
            FindElem::Expr { args, .. } => needed.extend(args.iter().filter_map(Term::var)),
        }
    }
    for v in needed {
        if !bound.contains(v) {
            return Err(err!(
                Parse,
                "variable {} in :find/:with is not bound by :in or :where",
                v.as_str()
            ));
        }
    }
    Ok(())
}

fn check_or(c: &Clause) -> Result<()> {
    match c {
        Clause::Or { vars, branches } => {
            if vars.is_none() {
                let sets: Vec<BTreeSet<Var>> = branches
                    .iter()
                    .map(|b| {
                        let mut s = BTreeSet::new();
                        b.iter().for_each(|c| clause_vars(c, &mut s));
                        s
                    })
                    .collect();
                if sets.windows(2).any(|w| w[0] != w[1]) {
                    return Err(Error::parse(
                        "all branches of (or …) must use the same variables; use (or-join [vars] …) otherwise",
                    ));
                }
            }
            branches.iter().flatten().try_for_each(check_or)
        }
        Clause::Not { body, .. } => body.iter().try_for_each(check_or),
        _ => Ok(()),
    }
}

/// Variables a clause binds for the clauses after it (`not` and predicates bind nothing).
pub fn bound_by(c: &Clause, out: &mut BTreeSet<Var>) {
    match c {
        Clause::Pattern(_) | Clause::Rule { .. } | Clause::Or { .. } => clause_vars(c, out),
        Clause::Fn { binding, .. } => out.extend(binding.vars()),
        Clause::Pred { .. } | Clause::Not { .. } => {}
    }
}
