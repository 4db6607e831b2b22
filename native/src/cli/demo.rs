//! `demo`: a small shop — people, products, orders with line items — so a new user sees queries
//! answer at once. The data is generated deterministically (same ids on every machine).

use super::args::Format;
use super::commands::{finish, open_db, run_query, transact_text};
use super::output::{emit, find_headers, render};
use super::{CliError, CliResult};
use dfdb::{Database, Value};
use std::fmt::Write as _;
use std::path::Path;

const SCHEMA: &str = r#"[
 {:db/ident :person/email :db/valueType :db.type/string :db/unique :db.unique/identity
  :db/doc "A person's email address; identifies them."}
 {:db/ident :person/name :db/valueType :db.type/string}
 {:db/ident :person/age :db/valueType :db.type/long}
 {:db/ident :person/city :db/valueType :db.type/string}
 {:db/ident :product/sku :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :product/name :db/valueType :db.type/string}
 {:db/ident :product/category :db/valueType :db.type/keyword}
 {:db/ident :product/price :db/valueType :db.type/double}
 {:db/ident :order/id :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :order/customer :db/valueType :db.type/ref}
 {:db/ident :order/placed :db/valueType :db.type/instant}
 {:db/ident :order/status :db/valueType :db.type/keyword}
 {:db/ident :order/lines :db/valueType :db.type/ref :db/cardinality :db.cardinality/many
  :db/isComponent true}
 {:db/ident :line/product :db/valueType :db.type/ref}
 {:db/ident :line/quantity :db/valueType :db.type/long}
]"#;

const PEOPLE: [(&str, &str); 30] = [
    ("Ann Silva", "Lisbon"),
    ("Bruno Costa", "Porto"),
    ("Chloe Martin", "Paris"),
    ("David Kim", "Seoul"),
    ("Elena Rossi", "Rome"),
    ("Farid Haddad", "Lisbon"),
    ("Grace Hopper", "New York"),
    ("Hiro Tanaka", "Tokyo"),
    ("Ines Duarte", "Porto"),
    ("Jonas Berg", "Oslo"),
    ("Kofi Mensah", "Accra"),
    ("Lena Fischer", "Berlin"),
    ("Mateo Garcia", "Madrid"),
    ("Nadia Petrova", "Sofia"),
    ("Omar Aziz", "Cairo"),
    ("Priya Nair", "Bangalore"),
    ("Quinn Murphy", "Dublin"),
    ("Rosa Lopez", "Madrid"),
    ("Sven Olsen", "Oslo"),
    ("Tara Singh", "London"),
    ("Umar Farouk", "Lagos"),
    ("Vera Novak", "Prague"),
    ("Wei Zhang", "Shanghai"),
    ("Ximena Cruz", "Lima"),
    ("Yusuf Demir", "Istanbul"),
    ("Zoe Clarke", "London"),
    ("Ada Lovelace", "London"),
    ("Bea Santos", "Lisbon"),
    ("Carl Weber", "Berlin"),
    ("Dana Levi", "Tel Aviv"),
];

const PRODUCTS: [(&str, &str, f64); 12] = [
    ("Espresso beans 1kg", "coffee", 24.0),
    ("Filter coffee 500g", "coffee", 11.0),
    ("Green tea 100g", "tea", 9.0),
    ("Ceramic mug", "kitchen", 12.0),
    ("Pour-over kettle", "kitchen", 50.0),
    ("Hand grinder", "kitchen", 65.0),
    ("Notebook A5", "office", 7.0),
    ("Fountain pen", "office", 32.0),
    ("Desk lamp", "office", 44.0),
    ("Wool scarf", "apparel", 39.0),
    ("Rain jacket", "apparel", 89.0),
    ("Canvas tote", "apparel", 15.0),
];

const STATUSES: [&str; 3] = ["placed", "shipped", "delivered"];

/// The queries `demo` suggests: (what it asks, query, `:in` inputs).
pub const QUERIES: [(&str, &str, &[&str]); 3] = [
    (
        "Who lives in Lisbon?",
        "[:find ?name :in $ ?city :where [?p :person/city ?city] [?p :person/name ?name]]",
        &["\"Lisbon\""],
    ),
    (
        "Revenue per product category",
        "[:find ?category (sum ?total) :with ?line :where [?line :line/product ?p] [?line :line/quantity ?q] [?p :product/category ?category] [?p :product/price ?price] [(* ?q ?price) ?total]]",
        &[],
    ),
    (
        "Customers over 40 and how many orders they placed",
        "[:find ?name (count ?o) :where [?c :person/age ?age] [(> ?age 40)] [?o :order/customer ?c] [?c :person/name ?name]]",
        &[],
    ),
];

/// The pull example `demo` suggests.
pub const PULL_EXAMPLE: (&str, &str) = (
    "[:order/id :order/status {:order/customer [:person/name]} {:order/lines [:line/quantity {:line/product [:product/name :product/price]}]}]",
    "[:order/id \"A-1001\"]",
);

/// A small deterministic pseudo-random sequence (an LCG), so the demo is the same everywhere.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// The demo data's transactions: the schema, then people, products, and orders.
pub fn transactions() -> Vec<String> {
    let mut rng = Lcg(42);
    let mut people = String::from("[");
    for (i, (name, city)) in PEOPLE.iter().enumerate() {
        let email = name.to_lowercase().replace(' ', ".") + "@example.com";
        let age = 19 + rng.next(50);
        let _ = write!(
            people,
            "\n {{:db/id \"p{i}\" :person/name {name:?} :person/email {email:?} :person/age {age} :person/city {city:?}}}"
        );
    }
    people.push(']');
    let mut products = String::from("[");
    for (i, (name, category, price)) in PRODUCTS.iter().enumerate() {
        let _ = write!(
            products,
            "\n {{:product/sku \"SKU-{:03}\" :product/name {name:?} :product/category :{category} :product/price {price:?}}}",
            i + 1
        );
    }
    products.push(']');
    let mut orders = String::from("[");
    // 2024-03-01T00:00:00Z, then one order every 17 hours or so.
    let start_ms: i64 = 1_709_251_200_000;
    for i in 0..48u64 {
        let customer = rng.next(PEOPLE.len() as u64);
        let email = PEOPLE
            .get(customer as usize)
            .map(|(n, _)| n.to_lowercase().replace(' ', ".") + "@example.com")
            .unwrap_or_default();
        let placed = dfdb::edn::inst::format(start_ms + (i as i64) * 61_200_000);
        let _ = write!(
            orders,
            "\n {{:order/id \"A-{}\" :order/customer [:person/email {email:?}] :order/placed #inst \"{placed}\" :order/status :{} :order/lines [",
            1001 + i,
            STATUSES.get(rng.next(3) as usize).unwrap_or(&"placed")
        );
        let lines = 1 + rng.next(3);
        let first = rng.next(PRODUCTS.len() as u64);
        for l in 0..lines {
            let product = (first + l * 5) % PRODUCTS.len() as u64;
            let _ = write!(
                orders,
                "{{:line/product [:product/sku \"SKU-{:03}\"] :line/quantity {}}}",
                product + 1,
                1 + rng.next(4)
            );
        }
        orders.push_str("]}");
    }
    orders.push(']');
    // A later change, so `history` and `--as-of` have something to show.
    let update = r#"{:tx-data [[:db/add [:order/id "A-1001"] :order/status :delivered]
                               [:db/add [:person/email "ann.silva@example.com"] :person/city "Porto"]]
                    :tx-meta {:tx/note "Ann moved; order A-1001 arrived"}}"#;
    vec![
        SCHEMA.to_string(),
        people,
        products,
        orders,
        update.to_string(),
    ]
}

fn is_loaded(db: &Database) -> bool {
    db.schema().get(&dfdb::Keyword::new("order/id")).is_some()
}

/// `demo`: loads the shop into an empty database and prints queries to try; with `run`, also
/// runs them and prints their answers.
pub fn run(path: &Path, format: Format, answers: bool) -> CliResult {
    let mut db = open_db(path)?;
    let result = (|| {
        if is_loaded(&db) {
            eprintln!("the demo data is already in {}", path.display());
        } else if !db.schema().is_empty() {
            return Err(CliError::rejected(
                "schema",
                format!(
                    "{} already holds other data; run the demo into an empty database, e.g. dfdb --db /tmp/dfdb-demo demo",
                    path.display()
                ),
            ));
        } else {
            let mut txs = 0;
            let mut datoms = 0;
            for tx in transactions() {
                transact_text(&mut db, &tx, |r| {
                    txs += 1;
                    datoms += r.tx_data.len();
                    Ok(())
                })?;
            }
            eprintln!(
                "loaded the demo shop into {}: {} people, {} products, 48 orders ({datoms} datoms in {txs} transactions)",
                path.display(),
                PEOPLE.len(),
                PRODUCTS.len()
            );
        }
        if answers {
            print_answers(&db, format)
        } else {
            emit(&suggestions(path))
        }
    })();
    finish(db, result)
}

fn db_flag(path: &Path) -> String {
    if path == Path::new("./dfdb-data") {
        String::new()
    } else {
        format!("--db {} ", shell_quote(&path.display().to_string()))
    }
}

/// Quotes `s` for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The example commands, ready to paste.
pub fn suggestions(path: &Path) -> String {
    let db = db_flag(path);
    let mut s = String::from("Try these:\n");
    for (what, q, inputs) in QUERIES {
        let _ = write!(s, "\n  # {what}\n  dfdb {db}query {}", shell_quote(q));
        for i in inputs {
            let _ = write!(s, " {}", shell_quote(i));
        }
        s.push('\n');
    }
    let _ = write!(
        s,
        "\n  # An order with its customer and products\n  dfdb {db}pull {} {}\n",
        shell_quote(PULL_EXAMPLE.0),
        shell_quote(PULL_EXAMPLE.1)
    );
    let _ = write!(
        s,
        "\n  # What changed, and the interactive shell\n  dfdb {db}history '[:order/id \"A-1001\"]'\n  dfdb {db}repl"
    );
    s
}

/// Runs the example queries and the pull, printing each with its answer.
fn print_answers(db: &Database, format: Format) -> CliResult {
    for (what, q, inputs) in QUERIES {
        let query = dfdb::edn::read(q)?;
        let inputs = inputs
            .iter()
            .map(|i| dfdb::edn::read(i))
            .collect::<Result<Vec<Value>, _>>()?;
        let answer = run_query(db, &query, &inputs, None)?;
        let args: String = inputs.iter().map(|i| format!(" {i}")).collect();
        emit(&format!(";; {what}\n;; {q}{args}"))?;
        emit(&render(&answer, format, find_headers(&query).as_deref()))?;
        emit("")?;
    }
    let answer = super::commands::pull(
        db,
        &dfdb::edn::read(PULL_EXAMPLE.0)?,
        &dfdb::edn::read(PULL_EXAMPLE.1)?,
    )?;
    emit(&format!(
        ";; An order with its customer and products\n;; (pull {} {})",
        PULL_EXAMPLE.0, PULL_EXAMPLE.1
    ))?;
    emit(&render(&answer, format, None))
}
