//! What a run found: per case, per suite, and in total, printed in the VECTORS.md format.

use std::fmt;

/// How one case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every step did what it should.
    Passed,
    /// A step did not; the message says which and how.
    Failed(String),
    /// Not run; the message says why (a feature the target lacks).
    Skipped(String),
}

/// One case's outcome.
#[derive(Clone, Debug)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// The features it lists.
    pub features: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
}

/// Counts of passed, failed and skipped cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases skipped.
    pub skipped: usize,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// One suite's outcomes.
#[derive(Clone, Debug)]
pub struct SuiteReport {
    /// The suite's name.
    pub name: String,
    /// Each case's outcome, in file order.
    pub cases: Vec<CaseOutcome>,
}

impl SuiteReport {
    /// This suite's counts.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for c in &self.cases {
            match c.outcome {
                Outcome::Passed => t.passed += 1,
                Outcome::Failed(_) => t.failed += 1,
                Outcome::Skipped(_) => t.skipped += 1,
            }
        }
        t
    }
}

impl fmt::Display for SuiteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.name, self.totals())?;
        for c in &self.cases {
            match &c.outcome {
                Outcome::Passed => {}
                Outcome::Failed(why) => writeln!(f, "  FAILED  {}: {}", c.name, why)?,
                Outcome::Skipped(why) => writeln!(f, "  skipped {}: {}", c.name, why)?,
            }
        }
        Ok(())
    }
}

/// A whole run: every suite, then the total.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The target's name.
    pub target: String,
    /// Each suite's report, in run order.
    pub suites: Vec<SuiteReport>,
}

impl Report {
    /// The counts over every suite.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.suites {
            t.add(s.totals());
        }
        t
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "target: {}", self.target)?;
        for s in &self.suites {
            write!(f, "{s}")?;
        }
        writeln!(f, "total: {}", self.totals())
    }
}
