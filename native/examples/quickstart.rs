//! Quickstart: an in-memory dfdb database with a schema, a few transactions, entities, a look back
//! in time with `as_of`, and an entity's history.
//!
//! Run it with `scripts/run.sh` (or `cargo run -p dfdb --example quickstart`).

use dfdb::{Database, EntityId, TimePoint, Value};
use std::collections::BTreeMap;
use std::error::Error;

/// The schema is data too: one map per attribute.
const SCHEMA: &str = r#"[
  {:db/ident :person/email   :db/valueType :db.type/string  :db/cardinality :db.cardinality/one
   :db/unique :db.unique/identity :db/doc "A person's email address; identifies them."}
  {:db/ident :person/name    :db/valueType :db.type/string  :db/cardinality :db.cardinality/one}
  {:db/ident :person/role    :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
  {:db/ident :person/skills  :db/valueType :db.type/string  :db/cardinality :db.cardinality/many}
  {:db/ident :person/manager :db/valueType :db.type/ref     :db/cardinality :db.cardinality/one}
]"#;

/// A small team; string tempids ("ada", …) name new entities within the transaction.
const TEAM: &str = r#"[
  {:db/id "ada"   :person/email "ada@example.org"   :person/name "Ada Lovelace"
   :person/role :role/lead      :person/skills ["math" "analysis"]}
  {:db/id "grace" :person/email "grace@example.org" :person/name "Grace Hopper"
   :person/role :role/engineer  :person/skills ["cobol" "compilers"] :person/manager "ada"}
  {:db/id "linus" :person/email "linus@example.org" :person/name "Linus Torvalds"
   :person/role :role/engineer  :person/skills ["c" "git"]           :person/manager "ada"}
]"#;

/// A later change: an upsert through the unique email, and edits through lookup refs.
const PROMOTION: &str = r#"[
  {:person/email "grace@example.org" :person/role :role/lead}
  [:db/add    [:person/email "linus@example.org"] :person/manager [:person/email "grace@example.org"]]
  [:db/add    [:person/email "linus@example.org"] :person/skills "rust"]
  [:db/retract [:person/email "linus@example.org"] :person/skills "c"]
]"#;

fn print_entity(title: &str, entity: Option<BTreeMap<Value, Value>>) {
    println!("{title}");
    match entity {
        None => println!("  (no such entity)"),
        Some(attrs) => {
            for (attr, value) in attrs {
                // Pad the printed form: Display of a value need not honour width.
                let attr = attr.to_string();
                println!("  {attr:<16} {value}");
            }
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut db = Database::in_memory();

    let schema = db.transact_edn(SCHEMA)?;
    println!(
        "schema: transaction {} defined {} attributes",
        schema.tx,
        db.schema().len()
    );

    let team = db.transact_edn(TEAM)?;
    let id = |name: &str| -> Result<EntityId, Box<dyn Error>> {
        team.tempids
            .get(&Value::str(name))
            .copied()
            .ok_or_else(|| format!("no tempid {name:?}").into())
    };
    let (ada, grace, linus) = (id("ada")?, id("grace")?, id("linus")?);
    println!(
        "team: transaction {} asserted {} datoms; ada = {ada}, grace = {grace}, linus = {linus}",
        team.tx,
        team.tx_data.len()
    );

    let promotion = db.transact_edn(PROMOTION)?;
    println!(
        "promotion: transaction {} asserted or retracted {} datoms",
        promotion.tx,
        promotion.tx_data.len()
    );
    println!();

    print_entity("Ada now:", db.entity(ada)?);
    print_entity(
        "Grace now (promoted by an upsert on her email):",
        db.entity(grace)?,
    );
    print_entity("Linus now:", db.entity(linus)?);

    // The unique email finds an entity without knowing its id.
    let by_email = db.entity_by(
        &dfdb::Keyword::new("person/email"),
        &Value::str("grace@example.org"),
    )?;
    println!("entity_by :person/email \"grace@example.org\" = {by_email:?} (grace = {grace})");
    println!();

    // Every earlier state stays readable: the database as of the team's transaction.
    let before = db.as_of(TimePoint::Tx(team.tx))?;
    print_entity(
        &format!(
            "Linus as of transaction {} (before the promotion):",
            team.tx
        ),
        before.entity(linus)?,
    );
    println!();

    println!("History of Linus (transaction, operation, attribute, value):");
    for d in db.history(Some(linus))? {
        let attr = Value::Keyword(d.a.clone()).to_string();
        let op = if d.added { "added" } else { "retracted" };
        println!("  {:>14}  {op:<9}  {attr:<16} {}", d.tx, d.v);
    }
    Ok(())
}
