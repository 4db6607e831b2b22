//! The one error type of the engine, with a stable [`ErrorKind`] on every variant.

use alloc::string::String;

/// The stable kind of an error: the same string on every target (Rust, JS `error.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Malformed EDN, query or pattern.
    Parse,
    /// A value or operation the schema forbids.
    Schema,
    /// A unique constraint violated.
    Unique,
    /// A lookup ref, ident or tempid that names nothing.
    Lookup,
    /// A value of the wrong type for an operation.
    Type,
    /// The database or storage is closed.
    Closed,
    /// Storage failed.
    Io,
    /// An input past a size, depth, time or step limit.
    Limit,
}

impl ErrorKind {
    /// The stable string: `parse`, `schema`, `unique`, `lookup`, `type`, `closed`, `io`, `limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse",
            ErrorKind::Schema => "schema",
            ErrorKind::Unique => "unique",
            ErrorKind::Lookup => "lookup",
            ErrorKind::Type => "type",
            ErrorKind::Closed => "closed",
            ErrorKind::Io => "io",
            ErrorKind::Limit => "limit",
        }
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error dfdb reports. Messages name the offending input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed text, with the 1-based line and column where reading stopped (0 when unknown).
    #[error("parse error at line {line}, column {column}: {message}")]
    Parse {
        /// What was wrong.
        message: String,
        /// 1-based line, 0 when the input has no position (e.g. a query given as data).
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// A value or operation the schema forbids.
    #[error("schema error: {0}")]
    Schema(String),
    /// A unique constraint would be violated.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// A lookup ref, ident or tempid names nothing.
    #[error("lookup failed: {0}")]
    Lookup(String),
    /// A value of the wrong type.
    #[error("type error: {0}")]
    Type(String),
    /// Use after close.
    #[error("closed: {0}")]
    Closed(String),
    /// The storage failed.
    #[error("storage error: {0}")]
    Io(String),
    /// A size, depth, time or step limit was passed.
    #[error("limit exceeded: {0}")]
    Limit(String),
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Parse { .. } => ErrorKind::Parse,
            Error::Schema(_) => ErrorKind::Schema,
            Error::Unique(_) => ErrorKind::Unique,
            Error::Lookup(_) => ErrorKind::Lookup,
            Error::Type(_) => ErrorKind::Type,
            Error::Closed(_) => ErrorKind::Closed,
            Error::Io(_) => ErrorKind::Io,
            Error::Limit(_) => ErrorKind::Limit,
        }
    }

    /// A parse error without a text position (input given as data).
    pub fn parse(message: impl Into<String>) -> Self {
        Error::Parse {
            message: message.into(),
            line: 0,
            column: 0,
        }
    }
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Builds an [`Error`] of the given variant from a `format!` message.
#[macro_export]
macro_rules! err {
    (Parse, $($arg:tt)*) => { $crate::Error::parse(alloc::format!($($arg)*)) };
    ($variant:ident, $($arg:tt)*) => { $crate::Error::$variant(alloc::format!($($arg)*)) };
}
