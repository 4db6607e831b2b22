//! The command line: global options and subcommands (clap derive), with an example per command.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// How results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// EDN, as dfdb reads it (default).
    Edn,
    /// JSON (see "JSON output" in `dfdb help`).
    Json,
    /// Aligned columns.
    Table,
}

impl Format {
    /// The name `--format` and `.mode` read.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Edn => "edn",
            Format::Json => "json",
            Format::Table => "table",
        }
    }

    /// Parses `edn`, `json` or `table`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "edn" => Some(Format::Edn),
            "json" => Some(Format::Json),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

const MAIN_AFTER_HELP: &str = "\
Results go to stdout, messages and errors to stderr (`error[kind]: message`).

Exit codes:
  0    ok
  1    rejected input: parse, schema, unique, lookup, type or limit error
  2    usage error (bad arguments, unreadable input file)
  3    storage error (io, closed; e.g. the database is open in another process)
  130  interrupted (Ctrl-C)

JSON output (--format json):
  nil -> null; booleans, integers and floats -> JSON numbers/booleans (##NaN, ##Inf, ##-Inf -> the
  strings \"NaN\", \"Infinity\", \"-Infinity\"); strings -> strings; characters -> one-character
  strings; keywords -> \":ns/name\" strings; symbols -> their name as a string; instants -> RFC 3339
  strings (\"2024-05-01T12:00:00.000Z\"); UUIDs -> strings; bytes -> lowercase hex strings; refs ->
  entity ids (numbers); vectors, lists and sets -> arrays (sets in dfdb's value order); maps ->
  objects whose keys are strings as is, keywords as \":ns/name\" and anything else as its EDN text.

Environment:
  DFDB_PATH   the database directory when --db is not given
  NO_COLOR    no colour and no progress bars (neither is shown when the output is not a terminal)

Examples:
  dfdb demo                                  # load a small shop: people, products, orders
  dfdb query '[:find ?name :where [?p :person/name ?name]]'
  dfdb --format table query '[:find ?n ?age :where [?p :person/name ?n] [?p :person/age ?age]]'
  dfdb repl                                  # interactive; .help lists the dot commands
  dfdb help query                            # every command has examples";

/// dfdb: a Datalog database with time travel, in one embedded RocksDB directory.
#[derive(Debug, Parser)]
#[command(name = "dfdb", version, after_help = MAIN_AFTER_HELP)]
pub struct Cli {
    /// The database directory (created on first use).
    #[arg(long, global = true, env = "DFDB_PATH", default_value = "./dfdb-data")]
    pub db: PathBuf,

    /// How to print results.
    #[arg(long, global = true, value_enum, default_value_t = Format::Edn)]
    pub format: Format,

    /// What to do; without a command, the interactive REPL starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Commit transactions: EDN tx-data from an argument, --file, or stdin.
    #[command(after_help = "\
The input holds one or more EDN forms; each is one transaction, committed whole or not at all
(a form that is rejected leaves the database as it was; forms before it stay committed, and
nothing is committed when any form fails to parse). A form is a tx-data vector, or a map
{:tx-data [...] :tx-meta {...} :tx-instant #inst \"...\"}. Prints one report per transaction:
{:tx id :tx-instant #inst \"...\" :tempids {\"tempid\" id} :datoms n}.

Examples:
  dfdb transact '[{:db/ident :person/email :db/unique :db.unique/identity}]'
  dfdb transact '[{:db/id \"ann\" :person/email \"ann@example.com\" :person/name \"Ann\"}]'
  dfdb transact --file data.edn
  echo '[[:db/add [:person/email \"ann@example.com\"] :person/age 31]]' | dfdb transact")]
    Transact {
        /// The tx-data as EDN text (`-` or nothing: read stdin, unless --file is given).
        tx: Option<String>,
        /// Read the tx-data from this file.
        #[arg(long, short, conflicts_with = "tx")]
        file: Option<PathBuf>,
    },

    /// Run a Datalog query; `:in` inputs after `$` follow as EDN arguments.
    #[command(after_help = "\
The query is EDN: [:find ... :in ... :where ...], the map form {:find [...] :where [...]}, or
{:query Q :as-of {:time/system #inst \"...\"}}. Each further argument is one `:in` input after `$`,
read as EDN (so strings need their double quotes: '\"Ann\"'). Results: a set of tuples for a
relation find, a vector for [?x ...], one tuple for [?x ?y], one value for ?x .

Examples:
  dfdb query '[:find ?name :where [?p :person/name ?name]]'
  dfdb query '[:find ?name :in $ ?city :where [?p :person/city ?city] [?p :person/name ?name]]' '\"Lisbon\"'
  dfdb --format table query '[:find ?name ?age :where [?p :person/name ?name] [?p :person/age ?age]]'
  dfdb query --as-of 2024-05-01T00:00:00Z '[:find (count ?o) . :where [?o :order/id]]'
  dfdb query --as-of 4398046511105 '[:find ?n :where [_ :person/name ?n]]'")]
    Query {
        /// The query as EDN text (`-`: read stdin).
        query: String,
        /// Inputs for the query's `:in` after `$`, each one EDN value.
        inputs: Vec<String>,
        /// Query the database as of this point: a transaction id (as `transact` reports it), or an
        /// instant (`2024-05-01T12:00:00Z` or `#inst "2024-05-01"`).
        #[arg(long, value_name = "TX-OR-INSTANT")]
        as_of: Option<String>,
    },

    /// Pull an entity's attributes shaped by a pull pattern.
    #[command(after_help = "\
EID is an entity id or a lookup ref [:unique/attr value]. Prints nil when the entity has nothing
the pattern asks for.

Examples:
  dfdb pull '[*]' 1
  dfdb pull '[:person/name {:order/_customer [:order/id]}]' '[:person/email \"ann@example.com\"]'
  dfdb pull '[:order/id {:order/lines [:line/quantity {:line/product [:product/name]}]}]' '[:order/id \"A-1001\"]'")]
    Pull {
        /// The pull pattern, EDN (`[*]`, `[:attr {:ref [...]}]`, ...).
        pattern: String,
        /// An entity id or a lookup ref.
        eid: String,
    },

    /// Print every current attribute of one entity.
    #[command(after_help = "\
EID is an entity id or a lookup ref [:unique/attr value]. Card-many attributes print as sets,
refs as {:db/id n}. Prints nil when the entity has no attributes.

Examples:
  dfdb entity 1
  dfdb entity '[:person/email \"ann@example.com\"]'
  dfdb --format json entity '[:product/sku \"SKU-001\"]'")]
    Entity {
        /// An entity id or a lookup ref.
        eid: String,
    },

    /// Print every assertion and retraction, oldest first: [e a v tx added].
    #[command(after_help = "\
Without EID, the history of the whole database. EID is an entity id or a lookup ref (which must
name a current entity).

Examples:
  dfdb history 1
  dfdb --format table history '[:person/email \"ann@example.com\"]'
  dfdb history > everything.edn")]
    History {
        /// An entity id or a lookup ref; all entities when left out.
        eid: Option<String>,
    },

    /// Print every attribute definition.
    #[command(after_help = "\
Examples:
  dfdb schema
  dfdb --format table schema")]
    Schema,

    /// Load transactions from a file (as `export` writes it), one transaction per form.
    #[command(after_help = "\
The file is read form by form and each form is committed as one transaction (a form that is
rejected stops the import with that error; the forms before it stay committed). Import an export
into an empty database to get an identical copy: same schema, datoms and entity ids. A progress
bar is shown for large files when stderr is a terminal (not with NO_COLOR).

Examples:
  dfdb export backup.edn && dfdb --db ./copy import backup.edn
  gunzip -c dump.edn.gz | dfdb import -")]
    Import {
        /// The file to read (`-`: stdin).
        file: PathBuf,
    },

    /// Write the whole database as EDN transactions (to FILE, or stdout).
    #[command(after_help = "\
The export is streamed: first one transaction with every attribute definition, then the current
datoms as [:db/add e a v] with their entity ids, a chunk of datoms per transaction, one transaction
per line. History is not exported: the copy holds the current state only, in new transactions
(retracted values, transaction ids and instants, and transaction metadata -- datoms about the
original transactions -- are not kept).

Examples:
  dfdb export > shop.edn
  dfdb export shop.edn
  dfdb export | dfdb --db ./copy import -")]
    Export {
        /// Where to write (stdout when left out or `-`).
        file: Option<PathBuf>,
    },

    /// Write an online backup (a RocksDB checkpoint) to a new directory.
    #[command(after_help = "\
DIR must not exist. The backup is a complete database: open it with --db DIR. SST files are
hard-linked where the file system allows, so a backup on the same disk is fast and small.

Examples:
  dfdb backup ./backups/2024-05-01
  dfdb --db ./backups/2024-05-01 stats")]
    Backup {
        /// The directory to create.
        dir: PathBuf,
    },

    /// Print datom, entity, attribute and transaction counts and RocksDB figures.
    #[command(after_help = "\
Examples:
  dfdb stats
  dfdb stats --rocksdb      # with RocksDB's own multi-line report")]
    Stats {
        /// Also print RocksDB's own multi-line statistics report.
        #[arg(long)]
        rocksdb: bool,
    },

    /// Compact the storage (reclaims the space of overwritten and deleted keys).
    #[command(after_help = "\
Examples:
  dfdb compact")]
    Compact,

    /// Load a small example shop (people, products, orders) and print queries to try.
    #[command(after_help = "\
Loads into an empty database (does nothing when the demo data is already there).

Examples:
  dfdb demo
  dfdb --db /tmp/shop demo && dfdb --db /tmp/shop repl
  dfdb demo --answers --format table   # also run the example queries and print their answers")]
    Demo {
        /// Also run the example queries and print their answers (instead of only the commands).
        #[arg(long)]
        answers: bool,
    },

    /// Start the interactive shell.
    #[command(after_help = "\
Type a query ([:find ...] or {:find ...}), a transaction ([{...}] or [[:db/add ...]]), or
(pull PATTERN EID), (entity EID), (history EID), (q QUERY INPUT...). Input continues over several
lines until its brackets balance. Dot commands: .help, .mode edn|json|table, .timer on|off,
.read FILE, .schema, .quit. Ctrl-C cancels the current input, Ctrl-D quits. History is kept in
$XDG_STATE_HOME/dfdb/history (default ~/.local/state/dfdb/history). With stdin not a terminal,
reads it line by line and prints results only (exit code 1 or 3 if any input failed).

Examples:
  dfdb repl
  echo '[:find (count ?p) . :where [?p :person/name]]' | dfdb repl")]
    Repl,
}
