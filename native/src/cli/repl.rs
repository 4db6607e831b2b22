//! `repl`: the interactive shell. Line editing and history (rustyline) on a terminal; line by
//! line without prompts when stdin is not one. Input continues until brackets balance; dot
//! commands change settings.

use super::args::Format;
use super::commands::{
    entity, finish, history, history_headers, open_db, pull, read_tx_forms, report_value,
    run_query, schema_value, state_dir, transact_forms,
};
use super::forms::FormBuffer;
use super::output::{emit, find_headers, render};
use super::{CliError, CliResult};
use dfdb::{Database, Value};
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::time::Instant;

const HELP: &str = "\
Enter EDN; input continues over lines until its brackets balance.
  [:find ...] or {:find ...}       a query ({:query Q :as-of {...}} too)
  [{...} ...] or [[:db/add ...]]   a transaction ({:tx-data [...] :tx-meta {...}} too)
  (q QUERY INPUT...)               a query with :in inputs after $
  (pull PATTERN EID)               pull an entity (EID: id or lookup ref [:attr value])
  (entity EID)                     every attribute of an entity
  (history EID) / (history)        assertions and retractions, oldest first
Dot commands:
  .help                 this text
  .mode edn|json|table  how results print (now: {mode})
  .timer on|off         print how long each command took (now: {timer})
  .read FILE            run the commands in FILE
  .schema               print every attribute definition
  .quit                 leave (Ctrl-D too); Ctrl-C cancels the current input";

/// Deepest nesting of `.read`.
const MAX_READ_DEPTH: usize = 16;

/// The REPL's settings and state.
struct Repl {
    format: Format,
    timer: bool,
    /// The exit code of the first failed input (for non-interactive runs).
    first_error: Option<u8>,
    read_depth: usize,
}

enum Flow {
    Continue,
    Quit,
}

/// Runs the REPL on the database at `path`.
pub fn run(path: &Path, format: Format) -> CliResult {
    let mut db = open_db(path)?;
    let mut repl = Repl {
        format,
        timer: false,
        first_error: None,
        read_depth: 0,
    };
    let result = if std::io::stdin().is_terminal() {
        eprintln!(
            "dfdb {} on {}. Enter a query or transaction; .help for help, .quit to leave.",
            env!("CARGO_PKG_VERSION"),
            path.display()
        );
        repl.interactive(&mut db)
    } else {
        repl.batch(&mut db, std::io::stdin().lock())
    };
    let result = result.and_then(|()| match repl.first_error {
        Some(code) => Err(CliError {
            kind: "repl".into(),
            message: "some input failed (see the errors above)".into(),
            code,
        }),
        None => Ok(()),
    });
    finish(db, result)
}

impl Repl {
    fn interactive(&mut self, db: &mut Database) -> CliResult {
        use rustyline::error::ReadlineError;
        let mut rl = rustyline::DefaultEditor::new()
            .map_err(|e| CliError::io(format!("cannot start line editing: {e}")))?;
        let history_file = state_dir().map(|d| d.join("history"));
        if let Some(h) = &history_file {
            let _ = rl.load_history(h);
        }
        let mut buf = FormBuffer::new();
        // The lines of the current entry, kept in the history as one item.
        let mut entry = String::new();
        loop {
            let prompt = if buf.is_blank() { "dfdb> " } else { "  ...> " };
            match rl.readline(prompt) {
                Ok(line) => {
                    if !entry.is_empty() {
                        entry.push('\n');
                    }
                    entry.push_str(line.trim_end());
                    let flow = self.line(db, &mut buf, &line);
                    if buf.is_blank() {
                        if !entry.trim().is_empty() {
                            let _ = rl.add_history_entry(entry.as_str());
                        }
                        entry.clear();
                    }
                    if let Flow::Quit = flow {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => {
                    if !buf.is_blank() {
                        eprintln!("(input cancelled)");
                    }
                    buf.take();
                    entry.clear();
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => {
                    return Err(CliError::io(format!("cannot read the terminal: {e}")));
                }
            }
        }
        if let Some(h) = &history_file {
            if let Some(dir) = h.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = rl.save_history(h);
        }
        // Errors were shown as they happened; leaving the shell is a success.
        self.first_error = None;
        Ok(())
    }

    /// Reads lines without prompts (stdin not a terminal, or `.read FILE`).
    fn batch(&mut self, db: &mut Database, reader: impl BufRead) -> CliResult {
        let mut buf = FormBuffer::new();
        for line in reader.lines() {
            let line = line.map_err(|e| CliError::usage(format!("cannot read the input: {e}")))?;
            if let Flow::Quit = self.line(db, &mut buf, &line) {
                return Ok(());
            }
        }
        if !buf.is_blank() {
            let text = buf.take();
            self.eval(db, &text);
        }
        Ok(())
    }

    /// Handles one line: a dot command, or more of the current input.
    fn line(&mut self, db: &mut Database, buf: &mut FormBuffer, line: &str) -> Flow {
        if buf.is_blank() && line.trim_start().starts_with('.') {
            buf.take();
            return self.dot(db, line.trim());
        }
        buf.push_line(line);
        if buf.is_complete() {
            let text = buf.take();
            if !text.trim().is_empty() {
                self.eval(db, &text);
            }
        }
        Flow::Continue
    }

    fn fail(&mut self, e: &CliError) {
        e.report();
        self.first_error.get_or_insert(e.code);
    }

    fn dot(&mut self, db: &mut Database, cmd: &str) -> Flow {
        let mut words = cmd.split_whitespace();
        let name = words.next().unwrap_or("");
        let arg = words.next();
        let usage = |m: &str| CliError::usage(m.to_string());
        let result = match (name, arg) {
            (".quit" | ".exit" | ".q", _) => return Flow::Quit,
            (".help", _) => {
                eprintln!(
                    "{}",
                    HELP.replace("{mode}", self.format.as_str())
                        .replace("{timer}", if self.timer { "on" } else { "off" })
                );
                Ok(())
            }
            (".mode", Some(m)) => match Format::parse(m) {
                Some(f) => {
                    self.format = f;
                    Ok(())
                }
                None => Err(usage(".mode takes edn, json or table")),
            },
            (".mode", None) => {
                eprintln!("{}", self.format.as_str());
                Ok(())
            }
            (".timer", Some("on")) => {
                self.timer = true;
                Ok(())
            }
            (".timer", Some("off")) => {
                self.timer = false;
                Ok(())
            }
            (".timer", _) => Err(usage(".timer takes on or off")),
            (".schema", _) => emit(&render(&schema_value(db), self.format, None)),
            (".read", Some(_)) => {
                let file = cmd.trim_start_matches(".read").trim();
                self.read(db, Path::new(file))
            }
            (".read", None) => Err(usage(".read takes a file name")),
            _ => Err(usage(&format!("unknown command {name}; .help lists them"))),
        };
        if let Err(e) = result {
            self.fail(&e);
        }
        Flow::Continue
    }

    fn read(&mut self, db: &mut Database, file: &Path) -> CliResult {
        if self.read_depth >= MAX_READ_DEPTH {
            return Err(CliError::usage(format!(
                ".read nested more than {MAX_READ_DEPTH} deep"
            )));
        }
        let f = std::fs::File::open(file)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
        self.read_depth += 1;
        let result = self.batch(db, std::io::BufReader::new(f));
        self.read_depth -= 1;
        result
    }

    /// Evaluates complete input text: every form in it, each printed as it finishes.
    fn eval(&mut self, db: &mut Database, text: &str) {
        let forms = match read_tx_forms(text) {
            Ok(f) => f,
            Err(e) => return self.fail(&e),
        };
        for form in forms {
            let start = Instant::now();
            super::begin_cancellable();
            let result = self.eval_form(db, form);
            let interrupted = super::end_cancellable();
            let result = match result {
                Ok(out) if interrupted => {
                    // The engine cannot stop a running query: drop its answer instead.
                    if out.committed {
                        eprintln!("(the transaction was committed before the interrupt)");
                    }
                    Err(CliError::interrupted())
                }
                other => other,
            };
            match result.and_then(|out| emit(&out.text)) {
                Ok(()) => {}
                Err(e) => self.fail(&e),
            }
            if self.timer {
                eprintln!("time: {:.3} ms", start.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }

    fn eval_form(&mut self, db: &mut Database, form: Value) -> CliResult<Output> {
        let f = self.format;
        let out = |text: String| {
            Ok(Output {
                text,
                committed: false,
            })
        };
        match classify(&form) {
            Kind::Query => {
                let q = dfdb::edn::normalize(&form);
                let v = run_query(db, &q, &[], None)?;
                out(render(&v, f, find_headers(&q).as_deref()))
            }
            Kind::Transaction => {
                let mut text = Vec::new();
                transact_forms(db, vec![form], |r| {
                    text.push(render(&report_value(r), f, None));
                    Ok(())
                })?;
                Ok(Output {
                    text: text.join("\n"),
                    committed: true,
                })
            }
            Kind::Call(name, args) => {
                let args: Vec<Value> = args.iter().map(dfdb::edn::normalize).collect();
                match (name.as_str(), args.as_slice()) {
                    ("q" | "query", [q, inputs @ ..]) => {
                        let v = run_query(db, q, inputs, None)?;
                        out(render(&v, f, find_headers(q).as_deref()))
                    }
                    ("pull", [pattern, eid]) => out(render(&pull(db, pattern, eid)?, f, None)),
                    ("entity", [eid]) => out(render(&entity(db, eid)?, f, None)),
                    ("history", []) => {
                        out(render(&history(db, None)?, f, Some(&history_headers())))
                    }
                    ("history", [eid]) => {
                        out(render(&history(db, Some(eid))?, f, Some(&history_headers())))
                    }
                    ("schema", []) => out(render(&schema_value(db), f, None)),
                    _ => Err(CliError::rejected(
                        "parse",
                        format!(
                            "({name} …) with {} argument(s) is not a command; .help lists them",
                            args.len()
                        ),
                    )),
                }
            }
            Kind::Unknown => Err(CliError::rejected(
                "parse",
                format!(
                    "{} is neither a query ([:find …]) nor a transaction ([{{…}}] or [[:db/add …]]); .help lists what the shell reads",
                    dfdb::edn::normalize(&form)
                ),
            )),
        }
    }
}

/// What one evaluated form printed, and whether it committed a transaction.
struct Output {
    text: String,
    committed: bool,
}

/// What a form asks for.
enum Kind {
    Query,
    Transaction,
    Call(String, Vec<Value>),
    Unknown,
}

fn classify(form: &Value) -> Kind {
    if let Some(entries) = dfdb::edn::map_entries(form) {
        let has = |k: &str| entries.iter().any(|(key, _)| **key == Value::kw(k));
        return if has("find") || has("query") {
            Kind::Query
        } else if has("tx-data") {
            Kind::Transaction
        } else {
            Kind::Unknown
        };
    }
    match form {
        Value::Vector(items) => match items.first() {
            None => Kind::Transaction,
            Some(first) if *first == Value::kw("find") => Kind::Query,
            Some(Value::Vector(_) | Value::List(_) | Value::Map(_)) => Kind::Transaction,
            Some(_) => Kind::Unknown,
        },
        Value::List(items) => match items.split_first() {
            Some((Value::Symbol(s), rest)) => Kind::Call(s.as_str().to_string(), rest.to_vec()),
            _ => Kind::Unknown,
        },
        _ => Kind::Unknown,
    }
}
