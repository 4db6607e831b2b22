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
mod eval;
mod find;
pub mod functions;
pub mod parse;
mod plan;
mod rel;
mod rules;

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
fn prepare<'v>(query: &Query, inputs: &[Input<'v>], options: QueryOptions) -> Result<(Ctx<'v>, Rel)> {
    if inputs.len() != query.inputs.len() {
        return Err(err!(
            Parse,
            "query takes {} input(s) per :in, got {}",
            query.inputs.len(),
            inputs.len()
        ));
    }
    let mut ctx = Ctx {
        sources: BTreeMap::new(),
        rules: BTreeMap::new(),
        tables: None,
        budget: options.max_steps,
        depth: 0,
        estimates: Default::default(),
        trace: None,
    };
    let mut rel = Rel::unit();
    for (spec, input) in query.inputs.iter().zip(inputs) {
        match (spec, input) {
            (InSpec::Src(name), Input::Db(view)) => {
                ctx.sources.insert(name.clone(), *view);
            }
            (InSpec::Src(name), Input::Value(v)) => {
                return Err(err!(Type, "input {name} must be a database, got {v:?}"));
            }
            (InSpec::Rules, Input::Value(v)) => {
                for (name, defs) in parse::parse_rules(v)? {
                    ctx.rules.entry(name).or_default().extend(defs);
                }
            }
            (InSpec::Bind(b), Input::Value(v)) => {
                rel = rel.join(find::bind_input(b, v)?);
            }
            (_, Input::Db(_)) => return Err(err!(Type, "a database was passed where {spec:?} expects a value")),
        }
    }
    Ok((ctx, rel))
}
