//! Suites on disk: finding the vector directories, reading the JSON, and the steps of a case.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// One suite: a JSON file of cases.
#[derive(Clone, Debug)]
pub struct Suite {
    /// The suite's `suite` field (or the file name when absent).
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
    /// Why the file could not be read, if it could not (reported as one failed case).
    pub load_error: Option<String>,
}

/// One case of a suite.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The schema map (EDN), if any.
    pub schema: Option<String>,
    /// The features it needs.
    pub features: Vec<String>,
    /// Its steps, still as JSON (parsed by [`Step::from_json`] when the case runs).
    pub steps: Vec<Json>,
}

/// What a read or transaction step expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// Nothing stated: the step must only succeed.
    Nothing,
    /// This value (EDN).
    Value(String),
    /// An error of this kind.
    Error(String),
}

/// A read: query, pull, pull-many or entity.
#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// A Datalog query (EDN, or the `{:query Q :as-of {...}}` map) and its arguments.
    Query {
        /// The query text.
        query: String,
        /// The inputs after `$`, in `:in` order.
        args: Vec<String>,
    },
    /// `pull` of one entity.
    Pull {
        /// The pattern.
        pattern: String,
        /// The entity.
        eid: String,
    },
    /// `pull_many` of several entities.
    PullMany {
        /// The pattern.
        pattern: String,
        /// The entities (an EDN vector).
        eids: String,
    },
    /// All current attributes of one entity.
    Entity(String),
}

impl Read {
    /// The verb's name, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Read::Query { .. } => "query",
            Read::Pull { .. } => "pull",
            Read::PullMany { .. } => "pull_many",
            Read::Entity(_) => "entity",
        }
    }
}

/// One additions/retractions pair of a `diffs` step.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffText {
    /// The added result tuples (EDN set).
    pub additions: String,
    /// The removed result tuples (EDN set).
    pub retractions: String,
}

/// One step of a case.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Apply a transaction.
    Transact {
        /// The tx-data vector or the `{:tx-data …}` map (EDN).
        tx: String,
        /// Tempid (as written in the tx-data) → the name to record its id under.
        tempids: Vec<(String, String)>,
        /// The name to record the transaction's id under (as `tx:NAME`).
        tx_name: Option<String>,
        /// What it must do.
        expect: Expect,
    },
    /// A read, now or as of a point in time.
    Read {
        /// The read.
        read: Read,
        /// The `as_of` point (EDN), if any.
        as_of: Option<String>,
        /// What it must give.
        expect: Expect,
    },
    /// Register a live query.
    Subscribe {
        /// The query (EDN).
        query: String,
        /// The subscription's name.
        name: String,
        /// Its inputs after `$`.
        args: Vec<String>,
        /// Options (EDN map), if any.
        options: Option<String>,
        /// The initial result, if stated.
        expect: Option<String>,
    },
    /// The diffs a subscription delivered since the last `diffs` step of that name.
    Diffs {
        /// The subscription's name.
        name: String,
        /// The expected diffs, oldest first.
        expect: Vec<DiffText>,
    },
    /// Stop a subscription.
    Unsubscribe(String),
    /// Close the database and open it again from the same storage.
    Reopen,
}

fn text(step: &Json, key: &str) -> Result<Option<String>, String> {
    match step.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("field {key:?} must be an EDN string, got {other}")),
    }
}

fn required(step: &Json, key: &str) -> Result<String, String> {
    text(step, key)?.ok_or_else(|| format!("missing field {key:?}"))
}

fn texts(step: &Json, key: &str) -> Result<Vec<String>, String> {
    match step.get(key) {
        None => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok(s.clone()),
                other => Err(format!("{key:?} items must be EDN strings, got {other}")),
            })
            .collect(),
        Some(other) => Err(format!("field {key:?} must be an array, got {other}")),
    }
}

fn expect(step: &Json) -> Result<Expect, String> {
    match (text(step, "expect")?, text(step, "expect_error")?) {
        (Some(_), Some(_)) => Err("a step has both expect and expect_error".into()),
        (Some(v), None) => Ok(Expect::Value(v)),
        (None, Some(e)) => Ok(Expect::Error(e)),
        (None, None) => Ok(Expect::Nothing),
    }
}

impl Step {
    /// Reads one step object.
    pub fn from_json(step: &Json) -> Result<Step, String> {
        let obj = step
            .as_object()
            .ok_or_else(|| format!("a step must be an object, got {step}"))?;
        if obj.contains_key("transact") {
            let mut tempids = Vec::new();
            match step.get("tempids") {
                None => {}
                Some(Json::Object(m)) => {
                    for (k, v) in m {
                        let name = v
                            .as_str()
                            .ok_or_else(|| format!("tempids value for {k:?} must be a string"))?;
                        tempids.push((k.clone(), name.to_string()));
                    }
                }
                Some(other) => return Err(format!("tempids must be an object, got {other}")),
            }
            return Ok(Step::Transact {
                tx: required(step, "transact")?,
                tempids,
                tx_name: text(step, "tx")?,
                expect: expect(step)?,
            });
        }
        if obj.contains_key("subscribe") {
            return Ok(Step::Subscribe {
                query: required(step, "subscribe")?,
                name: required(step, "name")?,
                args: texts(step, "args")?,
                options: text(step, "options")?,
                expect: text(step, "expect")?,
            });
        }
        if obj.contains_key("diffs") {
            let mut diffs = Vec::new();
            let items = step
                .get("expect")
                .and_then(Json::as_array)
                .ok_or("diffs needs an expect array")?;
            for d in items {
                diffs.push(DiffText {
                    additions: text(d, "additions")?.unwrap_or_else(|| "#{}".into()),
                    retractions: text(d, "retractions")?.unwrap_or_else(|| "#{}".into()),
                });
            }
            return Ok(Step::Diffs {
                name: required(step, "diffs")?,
                expect: diffs,
            });
        }
        if obj.contains_key("unsubscribe") {
            return Ok(Step::Unsubscribe(required(step, "unsubscribe")?));
        }
        if obj.contains_key("reopen") {
            return Ok(Step::Reopen);
        }
        let read = if obj.contains_key("query") {
            Read::Query {
                query: required(step, "query")?,
                args: texts(step, "args")?,
            }
        } else if obj.contains_key("pull") {
            Read::Pull {
                pattern: required(step, "pull")?,
                eid: required(step, "eid")?,
            }
        } else if obj.contains_key("pull_many") {
            Read::PullMany {
                pattern: required(step, "pull_many")?,
                eids: required(step, "eids")?,
            }
        } else if obj.contains_key("entity") {
            Read::Entity(required(step, "entity")?)
        } else {
            return Err(format!("a step with no known verb: {step}"));
        };
        Ok(Step::Read {
            read,
            as_of: text(step, "as_of")?,
            expect: expect(step)?,
        })
    }

    /// The verb's name, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Transact { .. } => "transact",
            Step::Read { as_of: Some(_), .. } => "as_of",
            Step::Read { read, .. } => read.verb(),
            Step::Subscribe { .. } => "subscribe",
            Step::Diffs { .. } => "diffs",
            Step::Unsubscribe(_) => "unsubscribe",
            Step::Reopen => "reopen",
        }
    }
}

/// The vector directories: the project's own `tests/vectors/`, the shared `../shared/vectors/`
/// (beside the workspace), and each directory in `DFDB_VECTORS` (`:`-separated). Returns the
/// directories that exist and a note for each one skipped.
pub fn default_dirs() -> (Vec<PathBuf>, Vec<String>) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = vec![
        manifest.join("vectors"),
        manifest.join("../../shared/vectors"),
    ];
    if let Ok(extra) = std::env::var("DFDB_VECTORS") {
        candidates.extend(
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        );
    }
    let mut dirs = Vec::new();
    let mut notes = Vec::new();
    for c in candidates {
        if c.is_dir() {
            dirs.push(c.canonicalize().unwrap_or(c));
        } else {
            notes.push(format!(
                "note: vector directory {} does not exist; skipped",
                c.display()
            ));
        }
    }
    (dirs, notes)
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect_json(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads one suite file. A file that cannot be read or parsed gives a suite with `load_error` set.
pub fn load_suite(path: &Path) -> Suite {
    let fallback = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let broken = |why: String| Suite {
        name: fallback.clone(),
        path: path.to_owned(),
        cases: Vec::new(),
        load_error: Some(why),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return broken(format!("cannot read {}: {e}", path.display())),
    };
    let json: Json = match serde_json::from_slice(&bytes) {
        Ok(j) => j,
        Err(e) => return broken(format!("{} is not valid JSON: {e}", path.display())),
    };
    let name = json
        .get("suite")
        .and_then(Json::as_str)
        .map(str::to_string)
        .unwrap_or(fallback.clone());
    let Some(cases_json) = json.get("cases").and_then(Json::as_array) else {
        return Suite {
            name,
            ..broken(format!("{} has no \"cases\" array", path.display()))
        };
    };
    let mut cases = Vec::new();
    for (i, c) in cases_json.iter().enumerate() {
        let features = c
            .get("features")
            .and_then(Json::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        cases.push(Case {
            name: c
                .get("name")
                .and_then(Json::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("case #{i}")),
            schema: c.get("schema").and_then(Json::as_str).map(str::to_string),
            features,
            steps: c
                .get("steps")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default(),
        });
    }
    Suite {
        name,
        path: path.to_owned(),
        cases,
        load_error: None,
    }
}

/// Every suite under `dirs` (recursively, each `*.json` file), in path order per directory.
pub fn load_suites(dirs: &[PathBuf]) -> Vec<Suite> {
    let mut suites = Vec::new();
    for d in dirs {
        let mut files = Vec::new();
        if let Err(e) = collect_json(d, &mut files) {
            suites.push(Suite {
                name: d.display().to_string(),
                path: d.clone(),
                cases: Vec::new(),
                load_error: Some(format!("cannot list {}: {e}", d.display())),
            });
        }
        suites.extend(files.iter().map(|f| load_suite(f)));
    }
    suites
}
