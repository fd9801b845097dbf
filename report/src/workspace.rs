//! Where things are: the project's `.bpmn` files, its target directory, and the runs directory.
//!
//! Environment variables that change behaviour:
//! - `BATON_RUNS_DIR`: where run files are written and read (default `<target dir>/baton/runs`).
//! - `CARGO_TARGET_DIR`: honoured as cargo honours it.

use std::path::{Path, PathBuf};

/// The `.bpmn` files under `root`, sorted, skipping `target`, hidden folders, and test fixtures
/// (which are often invalid on purpose).
pub fn bpmn_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "fixtures" || name == "node_modules") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("bpmn")) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The target directory: `CARGO_TARGET_DIR`, else `target` under the workspace root.
pub fn target_dir(workspace_root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root.join(dir),
        None => workspace_root.join("target"),
    }
}

/// Where run files go: `BATON_RUNS_DIR`, else `<target dir>/baton/runs`.
pub fn runs_dir(workspace_root: &Path) -> PathBuf {
    match std::env::var_os("BATON_RUNS_DIR") {
        Some(dir) => workspace_root.join(dir),
        None => target_dir(workspace_root).join("baton").join("runs"),
    }
}

/// The workspace root: the nearest ancestor of `start` whose `Cargo.toml` declares
/// `[workspace]`, else the nearest with any `Cargo.toml`, else `start`.
pub fn workspace_root(start: &Path) -> PathBuf {
    let mut nearest = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return dir.to_path_buf();
            }
            nearest.get_or_insert_with(|| dir.to_path_buf());
        }
    }
    nearest.unwrap_or_else(|| start.to_path_buf())
}

/// `path` relative to `root`, with `/` separators, as configuration globs and run files name
/// models; `path` itself when it is not under `root`.
pub fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
