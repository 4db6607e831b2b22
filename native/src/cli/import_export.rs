//! `export`: the whole current database as EDN transactions, streamed, one per line; `import`:
//! such a file (or any file of transactions) committed form by form, with a progress bar for
//! large inputs on a terminal.
//!
//! The export's first transaction defines every attribute, in the order of their ids, so the
//! copy's attribute ids match. Then come the current datoms in EAVT order as
//! `[:db/add e a v]` with explicit entity ids, [`CHUNK`] datoms per transaction. Importing that
//! into an empty database gives the same schema, datoms and entity ids. History is not exported:
//! neither retracted values nor the original transactions, so neither their metadata (datoms on
//! transaction entities, which would land on the copy's own later transactions) nor their time
//! dimensions.

use super::commands::{finish, open_db, read_tx_forms, transact_forms};
use super::forms::FormBuffer;
use super::{CliError, CliResult};
use dfdb::{Database, Datom, Value};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

/// Datoms per exported transaction.
pub const CHUNK: usize = 1000;

/// Inputs at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 1 << 20;

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportCounts {
    /// Transactions (lines) written.
    pub transactions: usize,
    /// Datoms written.
    pub datoms: usize,
    /// Datoms of transaction entities (transaction metadata) left out.
    pub tx_datoms: usize,
}

/// `export [FILE]`.
pub fn export(path: &Path, file: Option<&Path>) -> CliResult {
    let db = open_db(path)?;
    let file = file.filter(|f| *f != Path::new("-"));
    let result = (|| {
        let sink: Box<dyn Write> = match file {
            Some(f) => Box::new(
                std::fs::File::create(f)
                    .map_err(|e| CliError::io(format!("cannot create {}: {e}", f.display())))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = BufWriter::new(sink);
        let counts = match write_export(&db, &mut out).and_then(|c| Ok(out.flush().map(|()| c)?)) {
            Ok(c) => c,
            Err(ExportError::Db(e)) => return Err(e.into()),
            Err(ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                std::process::exit(0)
            }
            Err(ExportError::Io(e)) => {
                let to = file.map_or("stdout".into(), |f| f.display().to_string());
                return Err(CliError::io(format!("cannot write {to}: {e}")));
            }
        };
        eprintln!(
            "exported {} datoms and {} attributes of {} in {} transactions{}",
            counts.datoms,
            db.schema().len(),
            path.display(),
            counts.transactions,
            file.map_or(String::new(), |f| format!(" to {}", f.display()))
        );
        if counts.tx_datoms > 0 {
            eprintln!(
                "left out {} datoms of transaction metadata (history is not exported)",
                counts.tx_datoms
            );
        }
        Ok(())
    })();
    finish(db, result)
}

/// Why an export stopped.
#[derive(Debug)]
pub enum ExportError {
    /// Reading the database failed.
    Db(dfdb::Error),
    /// Writing failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Io(e)
    }
}

impl From<dfdb::Error> for ExportError {
    fn from(e: dfdb::Error) -> Self {
        ExportError::Db(e)
    }
}

/// Streams the export of `db` to `out`: a header comment, the schema transaction, then the
/// datoms in chunks, one transaction per line.
pub fn write_export(db: &Database, out: &mut impl Write) -> Result<ExportCounts, ExportError> {
    let mut counts = ExportCounts::default();
    writeln!(
        out,
        ";; dfdb export: the schema, then the current datoms with their entity ids, one \
         transaction per line.\n;; History (retracted values, transactions and their metadata) is \
         not included. Load it into an empty database with `dfdb --db NEW import FILE`."
    )?;
    if !db.schema().is_empty() {
        let attrs: Vec<Value> = db.schema().iter().map(|a| a.to_value()).collect();
        writeln!(out, "{}", Value::Vector(attrs))?;
        counts.transactions += 1;
    }
    let view = db.view();
    let schema = db.schema();
    let mut chunk = String::new();
    let mut in_chunk = 0;
    for raw in view.datoms(None, None, None)? {
        let raw = raw?;
        if raw.e >= dfdb::index::TX0 {
            // Transaction metadata belongs to the original transactions, which are not replayed.
            counts.tx_datoms += 1;
            continue;
        }
        let d = Datom::from_raw(schema, &raw)?;
        if in_chunk == 0 {
            chunk.push('[');
        } else {
            chunk.push(' ');
        }
        chunk.push_str(&format!(
            "[:db/add {} {} {}]",
            d.e,
            Value::Keyword(d.a),
            d.v
        ));
        in_chunk += 1;
        counts.datoms += 1;
        if in_chunk == CHUNK {
            writeln!(out, "{chunk}]")?;
            chunk.clear();
            in_chunk = 0;
            counts.transactions += 1;
        }
    }
    if in_chunk > 0 {
        writeln!(out, "{chunk}]")?;
        counts.transactions += 1;
    }
    Ok(counts)
}

/// `import FILE`: commits each form of the file as one transaction.
pub fn import(path: &Path, file: &Path) -> CliResult {
    let (reader, size): (Box<dyn BufRead>, Option<u64>) = if file == Path::new("-") {
        (Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::new(f)), size)
    };
    let mut db = open_db(path)?;
    let bar = match size {
        Some(n) if n >= PROGRESS_MIN_BYTES && super::fancy_stderr() => {
            let bar = indicatif::ProgressBar::new(n);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} ({eta} left)",
            ) {
                bar.set_style(style);
            }
            Some(bar)
        }
        _ => None,
    };
    super::begin_cancellable();
    let mut txs = 0usize;
    let mut datoms = 0usize;
    let result = import_lines(reader, &mut db, &bar, &mut txs, &mut datoms);
    let stopped = super::end_cancellable();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let result = match result {
        Ok(()) if stopped => Err(CliError::interrupted()),
        other => other,
    };
    let label = if file == Path::new("-") {
        "stdin".to_string()
    } else {
        file.display().to_string()
    };
    match &result {
        Ok(()) => eprintln!(
            "imported {txs} transactions ({datoms} datoms) from {label} into {}",
            path.display()
        ),
        Err(_) => eprintln!(
            "import stopped after {txs} committed transactions ({datoms} datoms) from {label}"
        ),
    }
    finish(db, result)
}

fn import_lines(
    mut reader: Box<dyn BufRead>,
    db: &mut Database,
    bar: &Option<indicatif::ProgressBar>,
    txs: &mut usize,
    datoms: &mut usize,
) -> CliResult {
    let mut buf = FormBuffer::new();
    let mut line = String::new();
    let mut line_no = 0usize;
    let mut form_line = 1usize;
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format!("cannot read the input: {e}")))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.is_blank() {
            form_line = line_no;
        }
        buf.push_line(&line);
        if let Some(bar) = bar {
            bar.inc(n as u64);
        }
        if buf.is_complete() && !buf.is_blank() {
            commit(db, &buf.take(), form_line, txs, datoms)?;
            if super::interrupted() {
                return Ok(());
            }
        }
    }
    if !buf.is_blank() {
        // Unbalanced at the end: let the reader say what is wrong, or skip a trailing comment.
        commit(db, &buf.take(), form_line, txs, datoms)?;
    }
    Ok(())
}

/// Commits the forms of one complete chunk of text; errors name the line the chunk starts at.
fn commit(
    db: &mut Database,
    text: &str,
    line: usize,
    txs: &mut usize,
    datoms: &mut usize,
) -> CliResult {
    let forms = read_tx_forms(text).map_err(|mut e| {
        e.message = format!("in the form starting at line {line}: {}", e.message);
        e
    })?;
    transact_forms(db, forms, |r| {
        *txs += 1;
        *datoms += r.tx_data.len();
        Ok(())
    })
    .map(|_| ())
    .map_err(|mut e| {
        e.message = format!("in the form starting at line {line}: {}", e.message);
        e
    })
}
