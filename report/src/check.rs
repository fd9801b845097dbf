//! Parse and validate files, keeping each file's problems (or the error that stopped it).

use std::path::{Path, PathBuf};

use baton_engine::validate::{Problem, Severity, validate};

/// What checking one file found.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file as given.
    pub path: PathBuf,
    /// Its text, when it could be read (diagnostics quote lines from it).
    pub source: Option<String>,
    /// Every problem, in document order; a file that could not be parsed has exactly one.
    pub problems: Vec<Problem>,
}

impl FileReport {
    /// How many problems of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.problems.iter().filter(|p| p.severity == severity).count()
    }
}

/// How a check judges warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Warnings are worth a look; only errors fail the check.
    #[default]
    Lenient,
    /// `cargo baton validate --strict`: warnings count as errors, for a CI that wants models
    /// free of what only Baton and the modelers flag (an implicit end, a flow without an id).
    Strict,
}

impl Strictness {
    /// How many problems of the reports fail the check: the errors, and under `Strict` the
    /// warnings too.
    pub fn failures(self, reports: &[FileReport]) -> usize {
        let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
        match self {
            Strictness::Lenient => errors,
            Strictness::Strict => errors + reports.iter().map(|r| r.count(Severity::Warning)).sum::<usize>(),
        }
    }
}

/// Parses and validates one file.
pub fn file(path: &Path) -> FileReport {
    let source = std::fs::read_to_string(path).ok();
    let problems = match baton_engine::parse::parse_file(path) {
        Ok(definitions) => validate(&definitions),
        Err(error) => vec![Problem::from(&error)],
    };
    FileReport { path: path.to_owned(), source, problems }
}

/// Parses and validates each file, in the order given.
pub fn files(paths: &[PathBuf]) -> Vec<FileReport> {
    paths.iter().map(|p| file(p)).collect()
}
