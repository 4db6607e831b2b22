//! Live queries: subscriptions whose results are maintained incrementally, transaction by
//! transaction, and delivered as `{additions, retractions}`.
//!
//! Each transaction's datoms enter as changes. Seeding derives from them the bindings the change
//! can affect; the query is evaluated restricted to those seeds on the state before (a view built
//! from the current indexes less what the transaction asserted, plus what it retracted — no copy)
//! and after; the bindings that appeared or disappeared update derivation counts per result tuple
//! (or per-group aggregate state), and only tuples whose presence flips are delivered. The cost
//! follows the size of the change and the bindings it touches, not the size of the database; the
//! query is never re-run whole — with one documented exception: a rule call whose rule reads a
//! changed attribute is re-derived (its relation before and after) to find the changed tuples.
//!
//! Subscriptions to the same query with the same inputs share one maintained state.
//!
//! ```
//! use dfdb_core::{Database, edn};
//! use std::{cell::RefCell, rc::Rc};
//! let mut db = Database::in_memory();
//! let seen = Rc::new(RefCell::new(Vec::new()));
//! let sink = seen.clone();
//! let q = edn::read("[:find ?n :where [?e :name ?n]]").unwrap();
//! let (_id, initial) = db
//!     .subscribe(&q, &[], Box::new(move |d| sink.borrow_mut().push(d.unwrap().clone())))
//!     .unwrap();
//! assert_eq!(initial, edn::read("#{}").unwrap());
//! db.transact_edn(r#"[{:name "Ann"}]"#).unwrap();
//! assert_eq!(seen.borrow()[0].additions, vec![edn::read(r#"["Ann"]"#).unwrap()]);
//! ```

mod seeds;
mod state;

pub use seeds::Change;
pub use state::LiveDiff;

use crate::query::ast::FindElem;
use crate::query::Compiled;
use crate::view::View;
use crate::{err, Error, Result, Value};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use hashbrown::HashSet;
use state::State;

/// Receives each non-empty change of a subscription's result, or the error that ended it.
pub type LiveCallback = Box<dyn FnMut(core::result::Result<&LiveDiff, &Error>)>;

/// A function applied to each diff before delivery.
pub type Transform = Box<dyn Fn(&LiveDiff) -> LiveDiff>;

/// How a subscription is delivered.
#[derive(Default)]
pub struct SubscribeOptions {
    /// Time dimensions the subscription reads (`:watch-dimensions`): each must be declared. Results
    /// are maintained exactly whatever the transaction stamps, so this only documents and checks
    /// the intent (the original dfdb could leave such subscriptions stale; dfdb never does).
    pub watch_dimensions: Vec<crate::Keyword>,
    /// Applied to every diff before delivery (the original dfdb's `:transform`).
    pub transform: Option<Transform>,
}

impl SubscribeOptions {
    /// Reads `{:watch-dimensions [:time/…]}` (`nil` for none).
    pub fn from_value(v: &Value) -> Result<Self> {
        let mut out = SubscribeOptions::default();
        if v.is_nil() {
            return Ok(out);
        }
        let entries = crate::edn::map_entries(v)
            .ok_or_else(|| err!(Parse, "subscription options must be a map, got {v:?}"))?;
        for (k, val) in entries {
            match k.as_keyword().map(crate::Keyword::as_str) {
                Some("watch-dimensions") => {
                    let dims = val.as_seq().ok_or_else(|| {
                        err!(Parse, ":watch-dimensions must be a vector, got {val:?}")
                    })?;
                    for d in dims {
                        let d = d
                            .as_keyword()
                            .ok_or_else(|| err!(Schema, "{d:?} is not a time dimension keyword"))?;
                        out.watch_dimensions.push(d.clone());
                    }
                }
                _ => return Err(err!(Parse, "unknown subscription option {k:?}")),
            }
        }
        Ok(out)
    }
}

/// A live query's id.
pub type SubscriptionId = u64;

/// What a subscription holds, for memory accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionStats {
    /// Result tuples (or aggregate groups) held.
    pub tuples: usize,
    /// Distinct aggregation inputs (equal to `tuples` for queries without aggregates).
    pub inputs: usize,
    /// Subscriptions sharing this state.
    pub sharers: usize,
}

struct Shared {
    state: State,
    callbacks: BTreeMap<SubscriptionId, LiveCallback>,
    failed: Option<Error>,
}

/// Every live query of a database.
#[derive(Default)]
pub struct Live {
    shared: BTreeMap<(Value, Vec<Value>), Shared>,
    owner: BTreeMap<SubscriptionId, (Value, Vec<Value>)>,
    next: SubscriptionId,
}

impl Live {
    /// Registers a live query; returns its id and its current result.
    pub fn subscribe(
        &mut self,
        view: View<'_>,
        query: &Value,
        inputs: &[Value],
        callback: LiveCallback,
    ) -> Result<(SubscriptionId, Value)> {
        let key = (query.clone(), inputs.to_vec());
        if !self.shared.contains_key(&key) {
            let compiled = Compiled::new(query, inputs)?;
            if compiled
                .query
                .find
                .elems()
                .iter()
                .any(|e| matches!(e, FindElem::Pull { .. }))
            {
                return Err(err!(
                    Parse,
                    "pull in :find cannot be maintained live: subscribe to the entity ids and pull them on delivery"
                ));
            }
            let initial = compiled.bindings(view, None)?;
            let (state, _) = State::new(compiled, initial)?;
            self.shared.insert(
                key.clone(),
                Shared {
                    state,
                    callbacks: BTreeMap::new(),
                    failed: None,
                },
            );
        }
        let shared = self
            .shared
            .get_mut(&key)
            .ok_or_else(|| err!(Io, "live state vanished"))?;
        let id = self.next;
        self.next += 1;
        shared.callbacks.insert(id, callback);
        let result = shared.state.result()?;
        self.owner.insert(id, key);
        Ok((id, result))
    }

    /// Stops a subscription; returns whether it existed.
    pub fn unsubscribe(&mut self, id: SubscriptionId) -> bool {
        let Some(key) = self.owner.remove(&id) else {
            return false;
        };
        if let Some(shared) = self.shared.get_mut(&key) {
            shared.callbacks.remove(&id);
            if shared.callbacks.is_empty() {
                self.shared.remove(&key);
            }
        }
        true
    }

    /// The accumulated result of a subscription.
    pub fn result(&self, id: SubscriptionId) -> Option<Result<Value>> {
        let key = self.owner.get(&id)?;
        let shared = self.shared.get(key)?;
        Some(match &shared.failed {
            Some(e) => Err(e.clone()),
            None => shared.state.result(),
        })
    }

    /// Memory figures of a subscription.
    pub fn stats(&self, id: SubscriptionId) -> Option<SubscriptionStats> {
        let shared = self.shared.get(self.owner.get(&id)?)?;
        let (tuples, inputs) = shared.state.size();
        Some(SubscriptionStats {
            tuples,
            inputs,
            sharers: shared.callbacks.len(),
        })
    }

    /// Whether any subscription is live.
    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// Maintains every live query across one committed transaction and delivers the changes.
    pub fn after_tx(&mut self, change: &Change<'_, '_>) {
        for shared in self.shared.values_mut() {
            if shared.failed.is_some() {
                continue;
            }
            match maintain(&mut shared.state, change) {
                Ok(diff) if diff.is_empty() => {}
                Ok(diff) => shared.callbacks.values_mut().for_each(|cb| cb(Ok(&diff))),
                Err(e) => {
                    shared.callbacks.values_mut().for_each(|cb| cb(Err(&e)));
                    shared.failed = Some(e);
                }
            }
        }
    }
}

/// The change of one state's result across `change`.
fn maintain(state: &mut State, change: &Change<'_, '_>) -> Result<LiveDiff> {
    let q = state.compiled();
    let mut old: HashSet<Vec<Value>> = HashSet::new();
    let mut new: HashSet<Vec<Value>> = HashSet::new();
    for seed in seeds::seeds(q, &q.query.clauses, change)? {
        // Seeds may name variables local to a sub-structure: keep the top-level ones only.
        let seed = seed.project(&q.top_vars);
        let seed = if seed.vars.is_empty() {
            None
        } else {
            Some(&seed)
        };
        old.extend(q.bindings(change.old, seed)?);
        new.extend(q.bindings(change.new, seed)?);
        if seed.is_none() {
            // The whole result was re-derived: no other seed can add anything.
            break;
        }
    }
    let added: HashSet<Vec<Value>> = new.difference(&old).cloned().collect();
    let removed: HashSet<Vec<Value>> = old.difference(&new).cloned().collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(LiveDiff::default());
    }
    state.apply(&added, &removed)
}
