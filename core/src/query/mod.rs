//! Datalog queries: parse → plan → execute, Datomic/DataScript dialect.
//!
//! ```
//! use dfdb_core::{Database, Value, edn};
//! use dfdb_core::query::{q, Input};
//! let mut db = Database::in_memory();
//! db.transact_edn(r#"[{:name "Ivan" :age 30} {:name "Petr" :age 25}]"#).unwrap();
//! let query = edn::read("[:find ?n . :where [?e :name ?n] [?e :age ?a] [(> ?a 28)]]").unwrap();
//! assert_eq!(q(&query, &[Input::Db(db.view())]).unwrap(), Value::str("Ivan"));
//! ```

pub mod aggregate;
pub mod ast;
mod direct;
pub(crate) mod eval;
pub(crate) mod find;
pub mod functions;
mod linear;
mod merge;
pub mod parse;
mod plan;
pub(crate) mod rel;
mod rules;
mod star;

use crate::view::View;
use crate::{err, Result, Value};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use ast::{InSpec, Query};
use eval::{eval_clauses, Ctx};
use rel::Rel;

pub use eval::show_clause;

/// One `:in` input: a database view (for `$` sources) or a value (scalars, collections, rules).
#[derive(Clone)]
pub enum Input<'a> {
    /// A database source.
    Db(View<'a>),
    /// Any other input.
    Value(Value),
}

/// Limits on one query's execution.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueryOptions {
    /// Most intermediate rows the query may produce before failing with kind `limit`.
    pub max_steps: Option<u64>,
}

/// Runs `query` (EDN data, vector or map form) with `inputs` in `:in` order (`$` included; a query
/// without `:in` takes one database input).
///
/// Results: a relation find gives a set of tuples (vectors, or maps with `:keys`); `[?x ...]` a
/// vector; `[?x ?y]` one tuple or `nil`; `?x .` one value or `nil`.
pub fn q(query: &Value, inputs: &[Input<'_>]) -> Result<Value> {
    q_with(query, inputs, QueryOptions::default())
}

/// Runs `query` against one database `view`, with `args` for the `:in` elements that are not
/// sources, in order (every `$…` source reads `view`). Too few or too many `args` is kind `parse`.
///
/// ```
/// use dfdb_core::{Database, Value, edn, query::q_on};
/// let mut db = Database::in_memory();
/// db.transact_edn(r#"[{:name "Ivan" :age 30}]"#).unwrap();
/// let query = edn::read("[:find ?n . :in ?min $ :where [?e :name ?n] [?e :age ?a] [(> ?a ?min)]]").unwrap();
/// assert_eq!(q_on(db.view(), &query, &[Value::Int(18)]).unwrap(), Value::str("Ivan"));
/// ```
pub fn q_on(view: View<'_>, query: &Value, args: &[Value]) -> Result<Value> {
    let parsed = parse::parse_query(query)?;
    let inputs = inputs_on(&parsed, view, args)?;
    let (mut ctx, rel) = prepare(&parsed, &inputs, QueryOptions::default())?;
    let rel = eval_clauses(&mut ctx, &parsed.clauses, rel)?;
    find::shape(&mut ctx, &parsed, rel)
}

/// [`explain`] against one database `view`, with `args` as for [`q_on`].
pub fn explain_on(view: View<'_>, query: &Value, args: &[Value]) -> Result<Vec<String>> {
    let parsed = parse::parse_query(query)?;
    explain(query, &inputs_on(&parsed, view, args)?)
}

/// The inputs of `parsed` in `:in` order: `view` for every source, `args` for the rest.
fn inputs_on<'v>(parsed: &Query, view: View<'v>, args: &[Value]) -> Result<Vec<Input<'v>>> {
    let mut values = args.iter();
    let mut inputs = Vec::with_capacity(parsed.inputs.len());
    for spec in &parsed.inputs {
        match spec {
            InSpec::Src(_) => inputs.push(Input::Db(view)),
            other => {
                let v = values
                    .next()
                    .ok_or_else(|| err!(Parse, "no input given for {other:?} in :in"))?;
                inputs.push(Input::Value(v.clone()));
            }
        }
    }
    if values.next().is_some() {
        return Err(err!(
            Parse,
            "{} inputs given, but :in takes {}",
            args.len(),
            inputs.len()
        ));
    }
    Ok(inputs)
}

/// [`q`] with execution limits.
pub fn q_with(query: &Value, inputs: &[Input<'_>], options: QueryOptions) -> Result<Value> {
    let parsed = parse::parse_query(query)?;
    let (mut ctx, rel) = prepare(&parsed, inputs, options)?;
    let rel = eval_clauses(&mut ctx, &parsed.clauses, rel)?;
    find::shape(&mut ctx, &parsed, rel)
}

/// Runs `query` and returns the clauses in the order the planner ran them, with row counts.
pub fn explain(query: &Value, inputs: &[Input<'_>]) -> Result<Vec<String>> {
    let parsed = parse::parse_query(query)?;
    let (mut ctx, rel) = prepare(&parsed, inputs, QueryOptions::default())?;
    ctx.trace = Some(Vec::new());
    eval_clauses(&mut ctx, &parsed.clauses, rel)?;
    Ok(ctx.trace.unwrap_or_default())
}

/// Binds the inputs: sources, rules, and the initial relation of the `:in` bindings.
fn prepare<'v>(
    query: &Query,
    inputs: &[Input<'v>],
    options: QueryOptions,
) -> Result<(Ctx<'v>, Rel)> {
    if inputs.len() != query.inputs.len() {
        return Err(err!(
            Parse,
            "query takes {} input(s) per :in, got {}",
            query.inputs.len(),
            inputs.len()
        ));
    }
    let mut ctx = Ctx::new(None, Default::default(), options.max_steps);
    let mut rel = Rel::unit();
    for (spec, input) in query.inputs.iter().zip(inputs) {
        match (spec, input) {
            (InSpec::Src(name), Input::Db(view)) => {
                ctx.set_source(name, *view);
            }
            (InSpec::Src(name), Input::Value(v)) => {
                return Err(err!(Type, "input {name} must be a database, got {v:?}"));
            }
            (InSpec::Rules, Input::Value(v)) => {
                let rules = alloc::sync::Arc::make_mut(&mut ctx.rules);
                for (name, defs) in parse::parse_rules(v)? {
                    rules.entry(name).or_default().extend(defs);
                }
            }
            (InSpec::Bind(b), Input::Value(v)) => {
                rel = rel.join(find::bind_input(b, v)?);
            }
            (_, Input::Db(_)) => {
                return Err(err!(
                    Type,
                    "a database was passed where {spec:?} expects a value"
                ))
            }
        }
    }
    Ok((ctx, rel))
}

/// A query compiled once and evaluated many times against changing views (live queries).
pub(crate) struct Compiled {
    /// The parsed query.
    pub query: Query,
    /// Rule definitions from `%`.
    pub rules: eval::Rules,
    /// The relation of the `:in` bindings.
    pub input_rel: Rel,
    /// Every variable the top-level clauses and inputs bind: the columns of a full binding.
    pub top_vars: Vec<ast::Var>,
}

impl Compiled {
    /// Compiles `query` with `inputs` for every `:in` element after the single `$` source.
    pub fn new(query: &Value, inputs: &[Value]) -> Result<Self> {
        let parsed = parse::parse_query(query)?;
        let mut rules = BTreeMap::new();
        let mut input_rel = Rel::unit();
        let mut values = inputs.iter();
        let mut sources = 0;
        for spec in &parsed.inputs {
            match spec {
                InSpec::Src(name) => {
                    if name != "$" || sources > 0 {
                        return Err(err!(
                            Parse,
                            "a live query reads one database, $; got source {name}"
                        ));
                    }
                    sources += 1;
                }
                InSpec::Rules => {
                    let v = values
                        .next()
                        .ok_or_else(|| err!(Parse, "missing input for % (rules)"))?;
                    for (name, defs) in parse::parse_rules(v)? {
                        rules.entry(name).or_insert_with(Vec::new).extend(defs);
                    }
                }
                InSpec::Bind(b) => {
                    let v = values
                        .next()
                        .ok_or_else(|| err!(Parse, "missing input for {b:?}"))?;
                    input_rel = input_rel.join(find::bind_input(b, v)?);
                }
            }
        }
        if values.next().is_some() {
            return Err(err!(Parse, "more inputs than the query's :in takes"));
        }
        let mut top = alloc::collections::BTreeSet::new();
        top.extend(input_rel.vars.iter().cloned());
        for c in &parsed.clauses {
            parse::bound_by(c, &mut top);
        }
        Ok(Compiled {
            query: parsed,
            rules: alloc::sync::Arc::new(rules),
            input_rel,
            top_vars: top.into_iter().collect(),
        })
    }

    /// The distinct full bindings (columns: `top_vars`) of the `:where` clauses on `view`,
    /// restricted to those agreeing with `seed` when given.
    pub fn bindings(
        &self,
        view: View<'_>,
        seed: Option<&Rel>,
    ) -> Result<hashbrown::HashSet<Vec<Value>>> {
        let mut ctx = Ctx::new(Some(view), self.rules.clone(), None);
        let start = match seed {
            Some(s) => self.input_rel.clone().join(s.clone()),
            None => self.input_rel.clone(),
        };
        if start.rows.is_empty() {
            return Ok(Default::default());
        }
        let rel = eval_clauses(&mut ctx, &self.query.clauses, start)?;
        let mut out = hashbrown::HashSet::new();
        if rel.rows.is_empty() {
            return Ok(out);
        }
        let cols: Vec<usize> = self
            .top_vars
            .iter()
            .map(|v| {
                rel.col(v)
                    .ok_or_else(|| err!(Parse, "variable {} is not bound", v.as_str()))
            })
            .collect::<Result<_>>()?;
        for row in rel.rows {
            out.insert(cols.iter().filter_map(|c| row.get(*c).cloned()).collect());
        }
        Ok(out)
    }

    /// Evaluates `clauses` (a sub-structure such as a `not` body) on `view` from `start`.
    pub fn eval_sub(&self, view: View<'_>, clauses: &[ast::Clause], start: Rel) -> Result<Rel> {
        let mut ctx = Ctx::new(Some(view), self.rules.clone(), None);
        eval_clauses(&mut ctx, clauses, start)
    }
}
