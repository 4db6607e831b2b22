//! What a committed transaction did: its id and instant, tempids, datoms and per-attribute deltas.

use crate::index::{EntityId, RawDatom};
use crate::schema::Schema;
use crate::{Keyword, Result, Value};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// A datom with its attribute by name, as reads and reports show it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Datom {
    /// Entity.
    pub e: EntityId,
    /// Attribute.
    pub a: Keyword,
    /// Value (refs as the target's id).
    pub v: Value,
    /// Transaction.
    pub tx: EntityId,
    /// Assertion (`true`) or retraction (`false`).
    pub added: bool,
}

impl Datom {
    /// The named form of a stored datom.
    pub fn from_raw(schema: &Schema, d: &RawDatom) -> Result<Datom> {
        Ok(Datom {
            e: d.e,
            a: schema.attr(d.a)?.ident.clone(),
            v: d.v.clone(),
            tx: d.tx,
            added: d.added,
        })
    }

    /// `[e a v tx added]` as a value.
    pub fn to_value(&self) -> Value {
        Value::Vector(alloc::vec![
            Value::Int(self.e as i64),
            Value::Keyword(self.a.clone()),
            self.v.clone(),
            Value::Int(self.tx as i64),
            Value::Bool(self.added),
        ])
    }
}

/// One attribute's change on one entity, as the original dfdb reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Delta {
    /// Entity.
    pub entity: EntityId,
    /// Attribute.
    pub attribute: Keyword,
    /// The value before (`Nil` if none, or for an added card-many value).
    pub old_value: Value,
    /// The value after (`Nil` if retracted).
    pub new_value: Value,
    /// `true` when a value was asserted, `false` for a pure retraction.
    pub assert: bool,
}

/// The report of one committed transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TxReport {
    /// The transaction's id.
    pub tx: EntityId,
    /// Its instant (ms since epoch).
    pub tx_instant: i64,
    /// Each string or negative tempid (and `:db/current-tx`) → its entity id.
    pub tempids: BTreeMap<Value, EntityId>,
    /// Retractions first, then assertions.
    pub tx_data: Vec<Datom>,
}

impl TxReport {
    pub(crate) fn push(&mut self, schema: &Schema, d: &RawDatom) -> Result<()> {
        self.tx_data.push(Datom::from_raw(schema, d)?);
        Ok(())
    }

    /// Per (entity, attribute, value) change, from [`tx_data`](Self::tx_data): each assertion —
    /// the first one on an (entity, attribute) paired with the last value retracted there, as a
    /// cardinality-one replacement — then each retraction left unpaired. Built on demand: most
    /// callers never ask, and a bulk load's report would otherwise hold every datom twice.
    ///
    /// ```
    /// use dfdb_core::{Database, Value};
    /// let mut db = Database::in_memory();
    /// db.transact_edn(r#"[[:db/add 1 :name "Ivan"]]"#).unwrap();
    /// let report = db.transact_edn(r#"[[:db/add 1 :name "Petr"]]"#).unwrap();
    /// let deltas = report.deltas();
    /// assert_eq!(deltas.len(), 1);
    /// assert_eq!(deltas[0].old_value, Value::str("Ivan"));
    /// assert_eq!(deltas[0].new_value, Value::str("Petr"));
    /// ```
    pub fn deltas(&self) -> Vec<Delta> {
        // The value each (entity, attribute) lost, for pairing: the last one retracted.
        let mut replaced: BTreeMap<(EntityId, &Keyword), &Value> = BTreeMap::new();
        for d in self.tx_data.iter().filter(|d| !d.added) {
            replaced.insert((d.e, &d.a), &d.v);
        }
        // The retractions paired with an assertion: (entity, attribute, retracted value).
        let mut paired: BTreeSet<(EntityId, &Keyword, &Value)> = BTreeSet::new();
        let mut deltas = Vec::new();
        for d in self.tx_data.iter().filter(|d| d.added) {
            let old = replaced
                .get(&(d.e, &d.a))
                .copied()
                .filter(|old| paired.insert((d.e, &d.a, old)));
            deltas.push(Delta {
                entity: d.e,
                attribute: d.a.clone(),
                old_value: old.cloned().unwrap_or(Value::Nil),
                new_value: d.v.clone(),
                assert: true,
            });
        }
        for d in self.tx_data.iter().filter(|d| !d.added) {
            if !paired.contains(&(d.e, &d.a, &d.v)) {
                deltas.push(Delta {
                    entity: d.e,
                    attribute: d.a.clone(),
                    old_value: d.v.clone(),
                    new_value: Value::Nil,
                    assert: false,
                });
            }
        }
        deltas
    }
}

#[cfg(test)]
mod tests {
    use super::{Datom, TxReport};
    use crate::{Keyword, Value};
    use alloc::vec;

    fn datom(v: &str, added: bool) -> Datom {
        Datom {
            e: 1,
            a: Keyword::new("tags"),
            v: Value::str(v),
            tx: 9,
            added,
        }
    }

    /// Two values retracted and one asserted on a cardinality-many attribute: one pair, and the
    /// other retraction still reported.
    #[test]
    fn every_retraction_is_reported() {
        let report = TxReport {
            tx_data: vec![datom("a", false), datom("b", false), datom("c", true)],
            ..TxReport::default()
        };
        let deltas = report.deltas();
        let shown: alloc::vec::Vec<(Value, Value, bool)> = deltas
            .iter()
            .map(|d| (d.old_value.clone(), d.new_value.clone(), d.assert))
            .collect();
        assert_eq!(
            shown,
            vec![
                (Value::str("b"), Value::str("c"), true),
                (Value::str("a"), Value::Nil, false),
            ]
        );
    }
}
