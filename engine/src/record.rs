//! Recorded runs: the file format that carries what a test did to the report.
//!
//! The testkit writes one [`Run`] per test engine; `cargo baton test` writes one [`Verdicts`]
//! file per test run: what the test harness (libtest or cargo-nextest) said of every test. The
//! report reads both from a runs directory ([`read_dir`]). The formats live here, beside the
//! trace they carry, so that the report needs only the engine to read them and any tool that
//! writes them can feed the report.
//!
//! A run file alone cannot know whether its test passed: a test that returns `Err` drops its
//! engine (and writes its run file) before the harness sees the `Err`. So a run records only
//! whether it ended in a panic; the verdict is the harness's, joined by [`Run::binary`] and
//! [`Run::test`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runtime::InstanceState;
use crate::trace::TraceEvent;

/// The run file format's version; bumped on any incompatible change.
pub const SCHEMA: u32 = 2;

/// The file name of a runs directory's harness verdicts.
pub const VERDICTS_FILE: &str = "verdicts.json";

/// One run file: a test, its models, its instances and their trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// The test's name (libtest's thread name: its path within the test binary).
    pub test: String,
    /// The test binary: cargo-nextest's binary id (`my-crate::api`) when nextest ran it, else
    /// the executable's file stem (`api-0f1e2d3c4b5a6978`), as cargo test prints it.
    #[serde(default)]
    pub binary: String,
    /// Whether the test was panicking when the engine was dropped.
    pub outcome: Outcome,
    /// Every model deployed, in order.
    pub models: Vec<Model>,
    /// Every instance, with the process it ran and how it stands.
    pub instances: Vec<RunInstance>,
    /// The full trace, every instance, in order.
    pub trace: Vec<TraceEvent>,
}

/// What the recorder saw when the engine was dropped. Not a verdict: see [`Verdict`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The engine was dropped without a panic: the test may still fail afterwards (by
    /// returning `Err`, or by a later assertion).
    Finished,
    /// The engine was dropped while the test panicked, with this message: the test failed.
    Panicked {
        /// The panic message.
        message: String,
    },
}

/// What a test harness said of every test it ran: `verdicts.json` in a runs directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// Which harness ran the tests.
    pub harness: Harness,
    /// One verdict per test, in the order the harness reported them.
    pub tests: Vec<Verdict>,
    /// What the harness reported that is not a test's verdict: a test binary that crashed
    /// before reporting all its tests, a build that failed.
    pub problems: Vec<String>,
}

/// The program that ran the tests and gave the verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Harness {
    /// `cargo test` (libtest).
    CargoTest,
    /// `cargo nextest run`.
    Nextest,
}

/// One test's verdict, as its harness gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The test binary, in the form [`Run::binary`] has.
    pub binary: String,
    /// The test's path within its binary, e.g. `payments::declined_card`.
    pub test: String,
    /// Passed, failed or ignored.
    pub status: Status,
    /// What the harness printed for a failed test (the panic message, or `Error: ...` for a
    /// test that returned `Err`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// A harness's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It failed (listed first in reports).
    Failed,
    /// It passed.
    Passed,
    /// The harness did not run it (`#[ignore]`).
    Ignored,
}

impl Status {
    /// `passed`, `failed` or `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failed => "failed",
            Status::Passed => "passed",
            Status::Ignored => "ignored",
        }
    }
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
    /// A stand-in the test made for a called process (`TestEngine::mock_call`), not a model of
    /// the project: the report neither draws nor counts it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mock: bool,
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

/// What a runs directory holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunsDir {
    /// Every run file, with its path, sorted by file name.
    pub runs: Vec<(PathBuf, Run)>,
    /// The harness's verdicts, when `cargo baton test` ran the tests.
    pub verdicts: Option<Verdicts>,
    /// Files that could not be used, and why.
    pub skipped: Vec<Skipped>,
}

/// Reads every `*.json` run file of a directory, sorted by file name, and its
/// [`VERDICTS_FILE`]. Files that do not parse, or carry another schema version, are returned as
/// skipped, never silently dropped.
pub fn read_dir(dir: &Path) -> std::io::Result<RunsDir> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut found = RunsDir::default();
    let RunsDir { runs, verdicts, skipped } = &mut found;
    for path in paths {
        let text = std::fs::read_to_string(&path)?;
        if path.file_name().is_some_and(|n| n == VERDICTS_FILE) {
            match serde_json::from_str::<Verdicts>(&text) {
                Ok(v) if v.schema == SCHEMA => *verdicts = Some(v),
                Ok(v) => skipped.push(Skipped {
                    path,
                    reason: format!("verdicts of schema {} (this Baton reads {SCHEMA})", v.schema),
                }),
                Err(err) => skipped.push(Skipped { path, reason: format!("not a verdicts file: {err}") }),
            }
            continue;
        }
        match serde_json::from_str::<Run>(&text) {
            Ok(run) if run.schema == SCHEMA => runs.push((path, run)),
            Ok(run) => {
                skipped.push(Skipped { path, reason: format!("schema {} (this Baton reads {SCHEMA})", run.schema) })
            }
            Err(err) => skipped.push(Skipped { path, reason: format!("not a run file: {err}") }),
        }
    }
    Ok(found)
}

/// Writes `verdicts` as the [`VERDICTS_FILE`] of `dir`, atomically (a temporary file renamed).
pub fn write_verdicts(dir: &Path, verdicts: &Verdicts) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{VERDICTS_FILE}.tmp"));
    std::fs::write(&temp, serde_json::to_vec_pretty(verdicts).map_err(std::io::Error::other)?)?;
    let path = dir.join(VERDICTS_FILE);
    std::fs::rename(&temp, &path)?;
    Ok(path)
}
