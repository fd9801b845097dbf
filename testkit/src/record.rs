//! Run files: what each [`TestEngine`](crate::TestEngine) did, written for the report.
//!
//! When a `TestEngine` is dropped (also when its test panics) it writes one JSON file to
//! `$BATON_RUNS_DIR`, else `<target dir>/baton/runs/` (the target dir is `$CARGO_TARGET_DIR`
//! or `target` at the workspace root, found the way insta finds it). The file holds the schema
//! version, the test's name and binary, whether it was panicking (with the panic message),
//! every deployed model's path and SHA-256, the instances, and the full trace. Whether the test
//! passed is the harness's to say: `cargo baton test` records its verdicts beside the run files.
//!
//! Files are named `<test binary>-<pid>-<n>.json` (`n`: the engine's number in its process, in
//! the order they were made) and written to a temporary name first, then
//! renamed: parallel test threads, nextest processes and CI shards never clash, and a reader
//! never sees half a file. No lock is taken.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use baton_engine::runtime::Engine;
use sha2::{Digest, Sha256};

pub use baton_engine::record::{Model, Outcome, Run, RunInstance, SCHEMA};

pub(crate) fn model(path: Option<&Path>, text: &str, processes: Vec<String>, mock: bool) -> Model {
    let digest = Sha256::digest(text.as_bytes());
    Model {
        path: path.map(|p| relative_to_workspace(p).display().to_string()),
        sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        processes,
        mock,
    }
}

/// Collects what a run file needs while the test runs.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub test: String,
    pub models: Vec<Model>,
    /// This engine's place among the engines this process made: it names the run file, so a
    /// test's runs sort in the order the test made its engines (not the order they dropped).
    number: u64,
}

/// Engines made by this process so far.
static ENGINES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the panic message of the current thread, so a failing test's run file can say why.
fn capture_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the test panicked".to_owned());
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
            previous(info);
        }));
    });
}

impl Recorder {
    pub fn for_current_test() -> Self {
        capture_panics();
        let thread = std::thread::current();
        let test = match thread.name() {
            Some(name) if name != "main" => name.to_owned(),
            _ => binary_name(),
        };
        Recorder { test, models: Vec::new(), number: ENGINES.fetch_add(1, Ordering::Relaxed) }
    }

    /// Writes the run file; never panics (a test that cannot record still reports its result).
    pub fn write(&self, engine: &Engine) {
        if self.models.is_empty() {
            return;
        }
        let outcome = if std::thread::panicking() {
            Outcome::Panicked { message: LAST_PANIC.with(|last| last.borrow().clone()).unwrap_or_default() }
        } else {
            Outcome::Finished
        };
        let instances = engine
            .instances()
            .into_iter()
            .filter_map(|id| {
                let process = engine.process(&id)?.id.to_string();
                let state = engine.instance_state(&id)?;
                Some(RunInstance { id, process, state })
            })
            .collect();
        let run = Run {
            schema: SCHEMA,
            test: self.test.clone(),
            binary: test_binary(),
            outcome,
            models: self.models.clone(),
            instances,
            trace: engine.trace().to_vec(),
        };
        if let Err(err) = write_atomically(&runs_dir(), &run, self.number) {
            eprintln!("baton: could not write the run file of {}: {err}", self.test);
        }
    }
}

fn write_atomically(dir: &Path, run: &Run, n: u64) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = format!("{}-{}-{n}.json", binary_name(), std::process::id());
    let temp = dir.join(format!(".{name}.tmp"));
    let json = serde_json::to_vec(run).map_err(std::io::Error::other)?;
    std::fs::write(&temp, json)?;
    let path = dir.join(name);
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// The test binary as the harness names it: nextest's binary id, else the executable's stem.
fn test_binary() -> String {
    std::env::var("NEXTEST_BINARY_ID").ok().filter(|id| !id.is_empty()).unwrap_or_else(binary_name)
}

fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "test".to_owned())
}

/// Where run files go: `$BATON_RUNS_DIR`, else `<target dir>/baton/runs`.
pub fn runs_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BATON_RUNS_DIR") {
        return PathBuf::from(dir);
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    };
    target.join("baton").join("runs")
}

/// The workspace root of the crate under test: the nearest ancestor of `CARGO_MANIFEST_DIR`
/// whose `Cargo.toml` has a `[workspace]` table.
fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    for dir in start.ancestors() {
        if std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]")) {
            return dir.to_owned();
        }
    }
    start
}

fn relative_to_workspace(path: &Path) -> PathBuf {
    let root = workspace_root();
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    absolute.strip_prefix(&root).map(Path::to_owned).unwrap_or(absolute)
}

/// Reads every run file of a directory (see [`baton_engine::record::read_dir`]).
pub fn read_runs(dir: &Path) -> std::io::Result<Vec<Run>> {
    Ok(baton_engine::record::read_dir(dir)?.runs.into_iter().map(|(_, run)| run).collect())
}
