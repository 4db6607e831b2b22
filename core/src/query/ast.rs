//! The parsed form of a query: what `parse` produces and `plan`/`eval` consume.

use crate::{Symbol, Value};
use alloc::string::String;
use alloc::vec::Vec;

/// A query variable such as `?e`.
pub type Var = Symbol;

/// A position in a clause: a variable, a constant, or `_`.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// A variable.
    Var(Var),
    /// A constant value.
    Const(Value),
    /// `_`: matches anything, binds nothing.
    Blank,
}

impl Term {
    /// The variable, if this term is one.
    pub fn var(&self) -> Option<&Var> {
        match self {
            Term::Var(v) => Some(v),
            _ => None,
        }
    }
}

/// What a function call's result binds.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    /// `?x`
    Scalar(Term),
    /// `[?x ?y]`
    Tuple(Vec<Term>),
    /// `[?x ...]`
    Coll(Term),
    /// `[[?x ?y]]`
    Rel(Vec<Term>),
}

impl Binding {
    /// The variables this binding binds.
    pub fn vars(&self) -> Vec<Var> {
        let ts: Vec<&Term> = match self {
            Binding::Scalar(t) | Binding::Coll(t) => alloc::vec![t],
            Binding::Tuple(ts) | Binding::Rel(ts) => ts.iter().collect(),
        };
        ts.into_iter().filter_map(|t| t.var().cloned()).collect()
    }
}

/// Options of the transitive attribute syntax `[?x :attr+ ?y :max-depth n]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Transitive {
    /// Deepest number of steps followed (`None`: no limit).
    pub max_depth: Option<usize>,
}

/// One data pattern `[$src e a v tx]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    /// Source name (`$` by default).
    pub src: String,
    /// Entity, attribute, value, transaction.
    pub terms: [Term; 4],
    /// `:attr+`: the transitive closure of the attribute.
    pub transitive: Option<Transitive>,
    /// `:at/dim ?t`: the time dimension (as `:time/dim`) whose value the datom's transaction carried.
    pub at: Option<(crate::Keyword, Term)>,
}

/// A `:where` clause.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `[e a v tx]`.
    Pattern(Pattern),
    /// `[(pred args…)]`.
    Pred {
        /// The predicate's name.
        name: Symbol,
        /// Its arguments.
        args: Vec<Term>,
    },
    /// `[(f args…) binding]`.
    Fn {
        /// The function's name.
        name: Symbol,
        /// Its arguments.
        args: Vec<Term>,
        /// What its result binds.
        binding: Binding,
    },
    /// `(not …)` or `(not-join [vars] …)`.
    Not {
        /// Join variables (`None` for `not`: every variable of the body that the outer query binds).
        vars: Option<Vec<Var>>,
        /// The body.
        body: Vec<Clause>,
    },
    /// `(or …)` or `(or-join [vars] …)`; each branch is a conjunction.
    Or {
        /// Join variables (`None` for `or`).
        vars: Option<Vec<Var>>,
        /// The branches.
        branches: Vec<Vec<Clause>>,
    },
    /// `(rule-name args…)`.
    Rule {
        /// The rule's name.
        name: Symbol,
        /// Its arguments.
        args: Vec<Term>,
    },
}

/// A rule definition `[(name ?a ?b) clauses…]`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDef {
    /// The head's variables.
    pub head: Vec<Var>,
    /// The body.
    pub body: Vec<Clause>,
}

/// One `:find` element.
#[derive(Clone, Debug, PartialEq)]
pub enum FindElem {
    /// `?x`
    Var(Var),
    /// `(agg args…)`, the last argument being the aggregated variable.
    Agg {
        /// The aggregate's name (`count`, `min`…).
        name: Symbol,
        /// Leading constant arguments (`n` of `(min n ?x)`).
        params: Vec<Value>,
        /// The aggregated variable.
        var: Var,
    },
    /// `(pull ?e pattern)`
    Pull {
        /// The pulled entity.
        var: Var,
        /// The pull pattern.
        pattern: Value,
    },
    /// `[(f args…)]`: a computed value.
    Expr {
        /// The function.
        name: Symbol,
        /// Its arguments.
        args: Vec<Term>,
    },
}

/// The shape of the result.
#[derive(Clone, Debug, PartialEq)]
pub enum FindSpec {
    /// `:find ?a ?b` — a set of tuples.
    Rel(Vec<FindElem>),
    /// `:find [?a ...]` — a collection.
    Coll(FindElem),
    /// `:find [?a ?b]` — one tuple.
    Tuple(Vec<FindElem>),
    /// `:find ?a .` — one value.
    Scalar(FindElem),
}

impl FindSpec {
    /// The elements, in order.
    pub fn elems(&self) -> &[FindElem] {
        match self {
            FindSpec::Rel(es) | FindSpec::Tuple(es) => es,
            FindSpec::Coll(e) | FindSpec::Scalar(e) => core::slice::from_ref(e),
        }
    }
}

/// One `:in` element.
#[derive(Clone, Debug, PartialEq)]
pub enum InSpec {
    /// `$` or `$name`.
    Src(String),
    /// `%`.
    Rules,
    /// Any binding form.
    Bind(Binding),
}

/// How `:keys`/`:strs`/`:syms` name result columns.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyKind {
    /// Keywords.
    Keys,
    /// Strings.
    Strs,
    /// Symbols.
    Syms,
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The result shape.
    pub find: FindSpec,
    /// `:with` variables.
    pub with: Vec<Var>,
    /// `:in` (defaults to `[$]`).
    pub inputs: Vec<InSpec>,
    /// `:where` clauses.
    pub clauses: Vec<Clause>,
    /// Column names of map results.
    pub keys: Option<(KeyKind, Vec<String>)>,
}
