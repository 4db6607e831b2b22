//! The `dfdb` command-line program, run as a real process for every subcommand: output on stdout,
//! errors on stderr, exit codes, and the database it leaves behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dfdb");

/// A temporary directory holding a database path `db` (not created until the CLI runs).
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `dfdb --db <db> ARGS` with `stdin`.
    fn run(&self, args: &[&str], stdin: &str) -> Out {
        self.run_on(&self.db(), args, stdin)
    }

    fn run_on(&self, db: &Path, args: &[&str], stdin: &str) -> Out {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("DFDB_PATH")
            .env("NO_COLOR", "1")
            .env("XDG_STATE_HOME", self.path("state"))
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        Out(child.wait_with_output().unwrap())
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.run(args, "").ok()
    }
}

struct Out(Output);

impl Out {
    fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).unwrap()
    }

    fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).unwrap()
    }

    fn ok(&self) -> String {
        assert_eq!(
            self.code(),
            0,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self.stdout()
    }
}

const SCHEMA: &str = r#"[{:db/ident :person/email :db/valueType :db.type/string :db/unique :db.unique/identity}
 {:db/ident :person/name :db/valueType :db.type/string}
 {:db/ident :person/age :db/valueType :db.type/long}
 {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/tags :db/cardinality :db.cardinality/many}]"#;

const PEOPLE: &str = r#"[{:db/id "ann" :person/email "ann@x" :person/name "Ann" :person/age 31 :person/tags #{:a :b}}
 {:db/id "bob" :person/email "bob@x" :person/name "Bob" :person/age 25 :person/friends ["ann"]}]"#;

fn seeded() -> Env {
    let env = Env::new();
    env.ok(&["transact", SCHEMA]);
    env.ok(&["transact", PEOPLE]);
    env
}

const NAMES: &str = "[:find ?n ?a :where [?p :person/name ?n] [?p :person/age ?a]]";

#[test]
fn transact_from_argument_file_and_stdin() {
    let env = Env::new();
    let out = env.ok(&["transact", SCHEMA]);
    assert!(out.starts_with("{:datoms "), "{out}");
    let report = env.ok(&["transact", PEOPLE]);
    assert!(report.contains(r#":tempids {"ann" 1, "bob" 2"#), "{report}");

    std::fs::write(
        env.path("tx.edn"),
        "[{:person/email \"cy@x\" :person/name \"Cy\"}]\n[[:db/add [:person/email \"cy@x\"] :person/age 40]]",
    )
    .unwrap();
    let two = env.ok(&["transact", "--file", env.path("tx.edn").to_str().unwrap()]);
    assert_eq!(two.lines().count(), 2, "one report per form: {two}");

    let stdin = env.run(
        &["transact"],
        "[[:db/add [:person/email \"bob@x\"] :person/age 26]]",
    );
    stdin.ok();
    let dash = env.run(
        &["transact", "-"],
        "[[:db/add [:person/email \"ann@x\"] :person/age 32]]",
    );
    dash.ok();
    assert_eq!(
        env.ok(&["query", NAMES]),
        "#{[\"Ann\" 32] [\"Bob\" 26] [\"Cy\" 40]}\n"
    );
}

#[test]
fn query_with_inputs_and_formats() {
    let env = seeded();
    let q = "[:find ?n :in $ ?min :where [?p :person/age ?a] [(>= ?a ?min)] [?p :person/name ?n]]";
    assert_eq!(env.ok(&["query", q, "30"]), "#{[\"Ann\"]}\n");
    let scalar = "[:find ?n . :in $ ?e :where [?p :person/email ?e] [?p :person/name ?n]]";
    assert_eq!(env.ok(&["query", scalar, "\"bob@x\""]), "\"Bob\"\n");

    let json = env.ok(&["--format", "json", "query", NAMES]);
    assert_eq!(json, "[[\"Ann\",31],[\"Bob\",25]]\n");
    let keys = "[:find ?n ?t :keys name tag :where [?p :person/name ?n] [?p :person/tags ?t]]";
    assert_eq!(
        env.ok(&["--format", "json", "query", keys]),
        "[{\":name\":\"Ann\",\":tag\":\":a\"},{\":name\":\"Ann\",\":tag\":\":b\"}]\n"
    );

    let table = env.ok(&["--format", "table", "query", NAMES]);
    assert_eq!(
        table, "?n   ?a\n---  --\nAnn  31\nBob  25\n(2 rows)\n",
        "{table}"
    );

    // A missing :in input is rejected input, not a crash.
    let out = env.run(&["query", q], "");
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(
        out.stderr().starts_with("error[parse]: "),
        "{}",
        out.stderr()
    );
}

#[test]
fn query_as_of_a_transaction() {
    let env = seeded();
    let report = env.ok(&[
        "transact",
        "[[:db/add [:person/email \"ann@x\"] :person/age 40]]",
    ]);
    let tx: u64 = report
        .split(":tx ")
        .nth(1)
        .and_then(|s| s.split([',', '}']).next())
        .unwrap()
        .parse()
        .unwrap();
    let age = "[:find ?a . :where [?p :person/email \"ann@x\"] [?p :person/age ?a]]";
    assert_eq!(env.ok(&["query", age]), "40\n");
    assert_eq!(
        env.ok(&["query", "--as-of", &(tx - 1).to_string(), age]),
        "31\n"
    );
    assert_eq!(env.ok(&["query", "--as-of", &tx.to_string(), age]), "40\n");
    assert_eq!(
        env.ok(&["query", "--as-of", "1970-01-01T00:00:00Z", age]),
        "nil\n"
    );
    assert_eq!(env.run(&["query", "--as-of", "soon", age], "").code(), 2);
}

#[test]
fn pull_entity_history_and_schema() {
    let env = seeded();
    assert_eq!(
        env.ok(&[
            "pull",
            "[:person/name {:person/friends [:person/name]}]",
            "[:person/email \"bob@x\"]"
        ]),
        "{:person/friends [{:person/name \"Ann\"}], :person/name \"Bob\"}\n"
    );
    assert_eq!(
        env.ok(&["entity", "1"]),
        "{:db/id 1, :person/age 31, :person/email \"ann@x\", :person/name \"Ann\", :person/tags #{:a :b}}\n"
    );
    assert_eq!(
        env.ok(&["entity", "[:person/email \"bob@x\"]"]),
        "{:db/id 2, :person/age 25, :person/email \"bob@x\", :person/friends #{{:db/id 1}}, :person/name \"Bob\"}\n"
    );
    assert_eq!(env.ok(&["entity", "[:person/email \"nobody\"]"]), "nil\n");
    let json = env.ok(&["--format", "json", "entity", "1"]);
    assert!(json.contains("\":person/tags\":[\":a\",\":b\"]"), "{json}");

    env.ok(&["transact", "[[:db/retract 1 :person/age 31]]"]);
    let h = env.ok(&["history", "1"]);
    assert!(h.contains("[1 :person/age 31 "), "{h}");
    assert!(
        h.trim_end().ends_with("false]]"),
        "the retraction comes last: {h}"
    );
    let table = env.ok(&["--format", "table", "history", "[:person/email \"ann@x\"]"]);
    assert!(table.starts_with("e  a "), "{table}");
    let all = env.ok(&["history"]);
    assert!(all.contains("[2 :person/name \"Bob\""), "{all}");

    let schema = env.ok(&["schema"]);
    assert!(
        schema.contains(":db/ident :person/email, :db/unique :db.unique/identity"),
        "{schema}"
    );
    assert_eq!(schema.lines().count(), 5, "{schema}");
}

/// Every current datom as `(e, a, v)` (transaction metadata excluded), and the schema.
fn snapshot(path: &Path) -> (Vec<(u64, String, String)>, Vec<String>, u64) {
    let db = dfdb::open(path, dfdb::RocksDbOptions::default()).unwrap();
    let datoms = db
        .datoms(dfdb::Index::Eavt, &[])
        .unwrap()
        .into_iter()
        .filter(|d| d.e < dfdb::index::TX0)
        .map(|d| (d.e, d.a.as_str().to_string(), d.v.to_string()))
        .collect();
    let schema = db
        .schema()
        .iter()
        .map(|a| a.to_value().to_string())
        .collect();
    (datoms, schema, db.counters().next_eid)
}

#[test]
fn export_then_import_gives_an_identical_database() {
    let env = seeded();
    env.ok(&[
        "transact",
        r#"[{:db/ident :thing/inst :db/valueType :db.type/instant}
            {:db/ident :thing/part :db/valueType :db.type/ref :db/isComponent true}]"#,
    ]);
    env.ok(&[
        "transact",
        r#"{:tx-data [{:db/id "t" :thing/inst #inst "2024-05-01T12:00:00Z" :thing/uuid #uuid "4f1c3d6e-7a2b-4c1d-9e8f-0123456789ab"
                       :thing/float 1.5 :thing/bytes #dfdb/bytes "0aff" :thing/vec [1 "two" :three]
                       :thing/kw :x/y :thing/bool false :thing/text "line\nbreak \"quoted\""
                       :thing/part {:thing/text "a component"}}]
            :tx-meta {:tx/note "metadata stays with history"}}"#,
    ]);
    // Retractions and a retracted entity: the export holds the current state only.
    env.ok(&[
        "transact",
        "[[:db/retract [:person/email \"ann@x\"] :person/tags :a] [:db/retractEntity [:person/email \"bob@x\"]]]",
    ]);
    env.ok(&[
        "transact",
        "[{:person/email \"dee@x\" :person/name \"Dee\"}]",
    ]);

    let file = env.path("export.edn");
    let out = env.run(&["export", file.to_str().unwrap()], "");
    out.ok();
    assert!(
        out.stderr()
            .contains("left out 1 datoms of transaction metadata"),
        "{}",
        out.stderr()
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        env.ok(&["export"]),
        text,
        "export to stdout and to a file agree"
    );

    let copy = env.path("copy");
    env.run_on(&copy, &["import", file.to_str().unwrap()], "")
        .ok();
    let original = snapshot(&env.db());
    let copied = snapshot(&copy);
    assert!(original.0.len() > 15, "{:?}", original.0);
    assert_eq!(original, copied);
    // And the copy exports to the same text.
    let again = env.run_on(&copy, &["export"], "").ok();
    assert_eq!(again, text);

    // Import from stdin too.
    let third = env.path("third");
    env.run_on(&third, &["import", "-"], &text).ok();
    assert_eq!(snapshot(&third), original);
}

#[test]
fn import_stops_at_a_rejected_form_and_keeps_the_committed_ones() {
    let env = seeded();
    std::fs::write(
        env.path("bad.edn"),
        "[{:person/email \"eve@x\" :person/name \"Eve\"}]\n[{:person/email \"fay@x\" :person/age \"old\"}]\n[{:person/email \"gil@x\"}]\n",
    )
    .unwrap();
    let out = env.run(&["import", env.path("bad.edn").to_str().unwrap()], "");
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr()
            .contains("error[type]: in the form starting at line 2"),
        "{}",
        out.stderr()
    );
    let emails = "[:find [?e ...] :where [_ :person/email ?e]]";
    assert_eq!(
        env.ok(&["query", emails]),
        "[\"ann@x\" \"bob@x\" \"eve@x\"]\n"
    );
}

#[test]
fn backup_then_open_the_backup() {
    let env = seeded();
    let dir = env.path("backup");
    let out = env.run(&["backup", dir.to_str().unwrap()], "");
    out.ok();
    assert!(out.stderr().contains("backup of"), "{}", out.stderr());
    env.ok(&["transact", "[{:person/email \"late@x\"}]"]);
    let count = "[:find (count ?p) . :where [?p :person/email]]";
    assert_eq!(env.run_on(&dir, &["query", count], "").ok(), "2\n");
    assert_eq!(env.ok(&["query", count]), "3\n");
    // A backup never overwrites.
    assert_eq!(env.run(&["backup", dir.to_str().unwrap()], "").code(), 2);
}

#[test]
fn stats_and_compact() {
    let env = seeded();
    let stats = env.ok(&["stats"]);
    for key in [
        ":attributes 5",
        ":datoms ",
        ":entities 2",
        ":transactions 2",
        ":rocksdb/live-sst-bytes",
    ] {
        assert!(stats.contains(key), "{key} in {stats}");
    }
    let json = env.ok(&["--format", "json", "stats"]);
    assert!(json.contains("\":attributes\":5"), "{json}");
    let report = env.ok(&["stats", "--rocksdb"]);
    assert!(report.lines().count() > 3, "{report}");
    let out = env.run(&["compact"], "");
    out.ok();
    assert!(out.stderr().contains("compacted"), "{}", out.stderr());
    assert_eq!(env.ok(&["query", NAMES]), "#{[\"Ann\" 31] [\"Bob\" 25]}\n");
}

#[test]
fn demo_then_queries() {
    let env = Env::new();
    let out = env.run(&["demo"], "");
    let suggestions = out.ok();
    assert!(
        out.stderr().contains("loaded the demo shop"),
        "{}",
        out.stderr()
    );
    assert!(suggestions.contains("dfdb --db "), "{suggestions}");
    let count = "[:find (count ?o) . :where [?o :order/id]]";
    assert_eq!(env.ok(&["query", count]), "48\n");
    let lisbon = "[:find ?name :in $ ?city :where [?p :person/city ?city] [?p :person/name ?name]]";
    assert_eq!(
        env.ok(&["query", lisbon, "\"Lisbon\""]),
        "#{[\"Bea Santos\"] [\"Farid Haddad\"]}\n"
    );
    // Running it again changes nothing; the answers mode runs every example.
    let again = env.run(&["--format", "table", "demo", "--answers"], "");
    let answers = again.ok();
    assert!(again.stderr().contains("already"), "{}", again.stderr());
    assert!(answers.contains(":apparel"), "{answers}");
    assert!(answers.contains("A-1001"), "{answers}");
    assert_eq!(env.ok(&["query", count]), "48\n");

    // Refused into a database holding other data.
    let other = seeded();
    assert_eq!(other.run(&["demo"], "").code(), 1);
}

#[test]
fn repl_reads_stdin_line_by_line() {
    let env = seeded();
    let script = concat!(
        "[:find ?n\n",
        " :where [?p :person/name ?n]]\n",
        ".mode json\n",
        "[{:person/email \"cy@x\" :person/name \"Cy\"}]\n",
        "(pull [:person/name] [:person/email \"cy@x\"])\n",
        ".mode table\n",
        "{:find [?n ?a] :where [[?p :person/name ?n] [?p :person/age ?a]]}\n",
        ".mode edn\n",
        "(entity 2)\n",
        "(q [:find ?n . :in $ ?e :where [?p :person/email ?e] [?p :person/name ?n]] \"ann@x\")\n",
        ".timer on\n",
        "(history 1)\n",
        ".timer off\n",
        ".read script.edn\n",
        ".quit\n",
        "[:find ?never :where [?never :person/name]]\n",
    );
    std::fs::write(
        env.path("script.edn"),
        "; a comment\n[[:db/add [:person/email \"cy@x\"] :person/age 50]]\n",
    )
    .unwrap();
    let out = env.run(&["repl"], script);
    let stdout = out.ok();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("#{[\"Ann\"] [\"Bob\"]}"));
    assert!(lines.next().unwrap().starts_with("{\":datoms\":2"));
    assert_eq!(lines.next(), Some("{\":person/name\":\"Cy\"}"));
    assert_eq!(lines.next(), Some("?n   ?a"));
    assert!(stdout.contains("{:db/id 2, :person/age 25"), "{stdout}");
    assert!(stdout.contains("\"Ann\"\n"), "{stdout}");
    assert!(stdout.contains("[1 :person/age 31 "), "{stdout}");
    assert!(out.stderr().contains("time: "), "{}", out.stderr());
    assert!(!stdout.contains("?never"), "stopped at .quit: {stdout}");
    assert_eq!(
        env.ok(&[
            "query",
            "[:find ?a . :where [?p :person/email \"cy@x\"] [?p :person/age ?a]]"
        ]),
        "50\n",
        ".read ran the file"
    );

    // A failing input is reported and the rest still runs; the exit code says it failed.
    let out = env.run(
        &["repl"],
        "[:find ?x :where [?x :a \"]\"]]]\n.bogus\n(entity 1)\n",
    );
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(out.stderr().contains("error[parse]"), "{}", out.stderr());
    assert!(out
        .stderr()
        .contains("error[usage]: unknown command .bogus"));
    assert!(out.stdout().contains(":db/id 1"), "{}", out.stdout());
}

#[test]
fn rejected_input_exits_1_and_changes_nothing() {
    let env = seeded();
    let before = snapshot(&env.db());
    let out = env.run(&["transact", "[{:person/name \"Unclosed\""], "");
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().starts_with("error[parse]: line 1"),
        "{}",
        out.stderr()
    );
    assert!(out.stdout().is_empty());

    // A transaction whose last item is rejected commits none of its items.
    let out = env.run(
        &[
            "transact",
            "[{:person/email \"new@x\"} {:person/email \"ann@x\" :person/age \"x\"}]",
        ],
        "",
    );
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().starts_with("error[type]: "),
        "{}",
        out.stderr()
    );
    let out = env.run(
        &[
            "transact",
            "[[:db/add [:person/email \"nobody\"] :person/age 1]]",
        ],
        "",
    );
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().starts_with("error[lookup]: "),
        "{}",
        out.stderr()
    );
    let out = env.run(&["transact", "[{:person/email \"bob@x\"}] [1 2"], "");
    assert_eq!(
        out.code(),
        1,
        "a later form that does not parse stops all forms"
    );
    assert_eq!(snapshot(&env.db()), before);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    let out = env.run(&["frobnicate"], "");
    assert_eq!(out.code(), 2);
    assert!(out.stdout().is_empty());
    assert_eq!(env.run(&["pull", "[*]"], "").code(), 2);
    assert_eq!(env.run(&["--format", "xml", "schema"], "").code(), 2);
    let out = env.run(&["transact", "--file", "/nonexistent/tx.edn"], "");
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr().starts_with("error[usage]: cannot read"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_locked_database_exits_3() {
    let env = seeded();
    let held = dfdb::open(env.db(), dfdb::RocksDbOptions::default()).unwrap();
    let out = env.run(&["query", NAMES], "");
    assert_eq!(out.code(), 3, "{}", out.stderr());
    assert!(out.stderr().starts_with("error[io]: "), "{}", out.stderr());
    drop(held);
    assert_eq!(env.ok(&["query", NAMES]), "#{[\"Ann\" 31] [\"Bob\" 25]}\n");
}

#[test]
fn help_has_an_example_for_every_command() {
    let env = Env::new();
    let main = env.ok(&["help"]);
    assert!(main.contains("JSON output"), "{main}");
    assert!(main.contains("Exit codes"), "{main}");
    for cmd in [
        "transact", "query", "pull", "entity", "history", "schema", "import", "export", "backup",
        "stats", "compact", "demo", "repl",
    ] {
        let help = env.ok(&["help", cmd]);
        assert!(help.contains("Examples:"), "{cmd}: {help}");
        assert!(help.contains(&format!("dfdb {cmd}")), "{cmd}: {help}");
    }
    assert!(env
        .ok(&["help", "export"])
        .contains("History is not exported"));
}

#[test]
fn db_path_from_the_environment() {
    let env = Env::new();
    let path = env.path("from-env");
    let out = Command::new(BIN)
        .args(["transact", "[{:person/name \"Env\"}]"])
        .env("DFDB_PATH", &path)
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(path.join("CURRENT").exists());
    assert!(!env.path("dfdb-data").exists());
}
