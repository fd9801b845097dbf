//! Robustness against BPMN files other people wrote in other tools (`../shared/corpus/`, beside
//! the checkout; read in place, never copied). Every file must parse or fail with a clear
//! error, never panic; the summary of what Baton says about each file is a snapshot, so any
//! change in how Baton judges real-world models shows up in review.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::fmt::Write;
use std::path::{Path, PathBuf};

use baton_engine::parse::parse_file;
use baton_engine::validate::{Severity, validate};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn bpmn_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            bpmn_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "bpmn") {
            found.push(path);
        }
    }
}

#[test]
fn real_world_models_parse_and_validate_without_panics() {
    let Some(dir) = corpus_dir() else {
        // A clone without the shared corpus beside it (a user's checkout) has nothing to read;
        // CI always has it, and there the corpus must be present.
        assert!(std::env::var_os("CI").is_none(), "CI runs need ../shared/corpus beside the checkout");
        eprintln!("skipping: no ../shared/corpus beside this checkout");
        return;
    };
    let mut files = Vec::new();
    bpmn_files(&dir, &mut files);
    files.sort();
    assert!(files.len() > 100, "expected the corpus's 100+ files, found {}", files.len());

    let mut summary = String::new();
    let (mut clean, mut with_errors) = (0, 0);
    for file in &files {
        let name = file.strip_prefix(&dir).unwrap_or(file).display().to_string();
        match parse_file(file) {
            Err(err) => {
                with_errors += 1;
                writeln!(summary, "{name}: refused {}", err.code()).ok();
            }
            Ok(defs) => {
                let problems = validate(&defs);
                let mut errors: Vec<&str> =
                    problems.iter().filter(|p| p.severity == Severity::Error).map(|p| p.code.as_str()).collect();
                errors.dedup();
                let warnings = problems.iter().filter(|p| p.severity == Severity::Warning).count();
                if errors.is_empty() {
                    clean += 1;
                } else {
                    with_errors += 1;
                }
                writeln!(summary, "{name}: errors [{}], {warnings} warnings", errors.join(" ")).ok();
            }
        }
    }
    writeln!(summary, "\n{} files: {clean} without errors, {with_errors} with errors", files.len()).ok();
    insta::assert_snapshot!(summary);
}
