//! Recorded runs: the file format that carries what a test did to the report.
//!
//! The testkit writes one [`Run`] per test engine; `cargo baton` reads them. The format lives
//! here, beside the trace it carries, so that the report needs only the engine to read runs
//! and any tool that writes this format can feed the report.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runtime::InstanceState;
use crate::trace::TraceEvent;

/// The run file format's version; bumped on any incompatible change.
pub const SCHEMA: u32 = 1;

/// One run file: a test, its models, its instances and their trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// The test's name (libtest's thread name: its module path).
    pub test: String,
    /// Whether it passed.
    pub outcome: Outcome,
    /// Every model deployed, in order.
    pub models: Vec<Model>,
    /// Every instance, with the process it ran and how it stands.
    pub instances: Vec<RunInstance>,
    /// The full trace, every instance, in order.
    pub trace: Vec<TraceEvent>,
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// It did not panic.
    Passed,
    /// It panicked, with this message.
    Failed {
        /// The panic message.
        message: String,
    },
}

/// A deployed model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Its path relative to the workspace root, when it came from a file.
    pub path: Option<String>,
    /// SHA-256 of its text, lower-case hex: runs of different versions of a model are told apart.
    pub sha256: String,
    /// The executable processes it deployed.
    pub processes: Vec<String>,
}

/// An instance in a run file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInstance {
    /// Its id.
    pub id: String,
    /// Its process id.
    pub process: String,
    /// Whether it ended.
    pub state: InstanceState,
}

/// A run file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// Run files read from a directory: each with its path, and those that could not be used.
pub type ReadRuns = (Vec<(PathBuf, Run)>, Vec<Skipped>);

/// Reads every `*.json` run file of a directory, sorted by file name. Files that do not parse,
/// or carry another schema version, are returned as skipped, never silently dropped.
pub fn read_dir(dir: &Path) -> std::io::Result<ReadRuns> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)?;
        match serde_json::from_str::<Run>(&text) {
            Ok(run) if run.schema == SCHEMA => runs.push((path, run)),
            Ok(run) => {
                skipped.push(Skipped { path, reason: format!("schema {} (this Baton reads {SCHEMA})", run.schema) })
            }
            Err(err) => skipped.push(Skipped { path, reason: format!("not a run file: {err}") }),
        }
    }
    Ok((runs, skipped))
}
