//! The `dfdb` command-line program: argument parsing ([`args`]), the commands ([`commands`],
//! [`import_export`], [`demo`]), the interactive shell ([`repl`]) and result printing ([`output`]).
//!
//! Conventions (sqlite3, Datalevin's `dtlv`): data on stdout, messages and errors on stderr,
//! `error[kind]: message` for errors, exit codes 0 ok, 1 rejected input, 2 usage, 3 storage error,
//! 130 interrupted.

pub mod args;
pub mod commands;
pub mod demo;
pub mod forms;
pub mod import_export;
pub mod output;
pub mod repl;

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Exit code: rejected input (parse, schema, unique, lookup, type, limit).
pub const EXIT_REJECTED: u8 = 1;
/// Exit code: usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: storage error (io, closed).
pub const EXIT_STORAGE: u8 = 3;
/// Exit code: interrupted by Ctrl-C.
pub const EXIT_INTERRUPTED: u8 = 130;

/// An error as the CLI reports it: a kind (`parse`, `usage`, `io`, …), a message and an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The kind shown in `error[kind]`.
    pub kind: String,
    /// What went wrong.
    pub message: String,
    /// The process exit code.
    pub code: u8,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            kind: "usage".into(),
            message: message.into(),
            code: EXIT_USAGE,
        }
    }

    /// A storage or output error (exit 3).
    pub fn io(message: impl Into<String>) -> Self {
        CliError {
            kind: "io".into(),
            message: message.into(),
            code: EXIT_STORAGE,
        }
    }

    /// Rejected input of the given kind (exit 1).
    pub fn rejected(kind: &str, message: impl Into<String>) -> Self {
        CliError {
            kind: kind.into(),
            message: message.into(),
            code: EXIT_REJECTED,
        }
    }

    /// Interrupted by Ctrl-C (exit 130).
    pub fn interrupted() -> Self {
        CliError {
            kind: "interrupted".into(),
            message: "interrupted".into(),
            code: EXIT_INTERRUPTED,
        }
    }

    /// Prints `error[kind]: message` on stderr.
    pub fn report(&self) {
        eprintln!("error[{}]: {}", self.kind, self.message);
    }
}

impl From<dfdb::Error> for CliError {
    fn from(e: dfdb::Error) -> Self {
        let kind = e.kind();
        let message = match &e {
            dfdb::Error::Parse {
                message,
                line,
                column,
            } if *line > 0 => format!("line {line}, column {column}: {message}"),
            dfdb::Error::Parse { message, .. } => message.clone(),
            dfdb::Error::Schema(m)
            | dfdb::Error::Unique(m)
            | dfdb::Error::Lookup(m)
            | dfdb::Error::Type(m)
            | dfdb::Error::Closed(m)
            | dfdb::Error::Io(m)
            | dfdb::Error::Limit(m) => m.clone(),
            other => other.to_string(),
        };
        let code = match kind {
            dfdb::ErrorKind::Io | dfdb::ErrorKind::Closed => EXIT_STORAGE,
            _ => EXIT_REJECTED,
        };
        CliError {
            kind: kind.as_str().into(),
            message,
            code,
        }
    }
}

/// Results of the CLI.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Ctrl-C presses seen while a cancellable operation ran.
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);
/// Whether a cancellable operation (import, a REPL command) is running: Ctrl-C then asks it to
/// stop instead of ending the process.
static CANCELLABLE: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed since [`begin_cancellable`].
pub fn interrupted() -> bool {
    INTERRUPTS.load(Ordering::SeqCst) > 0
}

/// Marks the start of an operation that polls [`interrupted`]; a first Ctrl-C then only sets the
/// flag (a second one ends the process with 130).
pub fn begin_cancellable() {
    INTERRUPTS.store(0, Ordering::SeqCst);
    CANCELLABLE.store(true, Ordering::SeqCst);
}

/// Ends a cancellable operation; returns whether it was interrupted.
pub fn end_cancellable() -> bool {
    CANCELLABLE.store(false, Ordering::SeqCst);
    INTERRUPTS.swap(0, Ordering::SeqCst) > 0
}

fn install_interrupt_handler() {
    // Committed transactions are durable and each is atomic, so ending the process between two
    // RocksDB writes (or during one) never leaves a partial transaction behind.
    let _ = ctrlc::set_handler(|| {
        if CANCELLABLE.load(Ordering::SeqCst) && INTERRUPTS.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("\ninterrupting… (press Ctrl-C again to quit)");
            return;
        }
        eprintln!("\nerror[interrupted]: interrupted");
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
}

/// Whether progress bars and colour may be shown on stderr.
pub fn fancy_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs the program; returns the exit code.
pub fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return ExitCode::from(if usage { EXIT_USAGE } else { 0 });
        }
    };
    install_interrupt_handler();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.code)
        }
    }
}
