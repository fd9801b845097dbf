//! What `cargo baton test` runs and what the report shows, from the project's configuration.
//!
//! Read from `baton.toml` at the workspace root when there is one, else from the root
//! `Cargo.toml`'s `[workspace.metadata.baton]` or `[package.metadata.baton]`:
//!
//! ```toml
//! [workspace.metadata.baton]
//! # `cargo test` arguments used when `cargo baton test` is given none
//! cargo-args = ["--package", "claims"]
//!
//! [workspace.metadata.baton.report]
//! # globs over model paths (relative to the workspace root) and full test names
//! # (`binary::module::test`); no `include` means everything
//! models = { include = ["processes/**"], exclude = ["processes/drafts/**"] }
//! tests = { exclude = ["claims::slow::*"] }
//! ```
//!
//! In a `baton.toml` the same tables stand at the top level (`cargo-args`, `[report]`).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::site::SiteError;

/// The project's configuration; [`Config::default`] runs and shows everything.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub source: Option<PathBuf>,
    /// `cargo test` arguments for `cargo baton test` given none.
    pub cargo_args: Vec<String>,
    /// What the report shows.
    pub selection: Selection,
}

/// Which models and tests the report shows.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Model paths, relative to the workspace root, with `/` separators.
    pub models: Filter,
    /// Full test names, `binary::module::test`.
    pub tests: Filter,
}

/// Include and exclude globs: a name is shown when it matches an include (or there are none)
/// and no exclude.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// The globs as written, for messages.
    pub written: (Vec<String>, Vec<String>),
}

impl Filter {
    /// Whether `name` is shown.
    pub fn allows(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(name))
            && !self.exclude.as_ref().is_some_and(|set| set.is_match(name))
    }

    /// Whether the filter lets everything through.
    pub fn is_everything(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Written {
    #[serde(default)]
    cargo_args: Vec<String>,
    #[serde(default)]
    report: WrittenReport,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenReport {
    #[serde(default)]
    models: WrittenFilter,
    #[serde(default)]
    tests: WrittenFilter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenFilter {
    include: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// `Cargo.toml`, of which only the `metadata.baton` tables are read.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    workspace: Option<Metadata>,
    package: Option<Metadata>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    metadata: Option<BatonTable>,
}

#[derive(Debug, Default, Deserialize)]
struct BatonTable {
    baton: Option<toml::Value>,
}

/// Reads the configuration of the workspace at `root`; none at all is the default.
pub fn load(root: &Path) -> Result<Config, SiteError> {
    let own = root.join("baton.toml");
    if own.is_file() {
        let text = read(&own)?;
        let written: Written = toml::from_str(&text).map_err(|e| invalid(&own, &text, &e))?;
        return build(Some(own), written);
    }
    let manifest = root.join("Cargo.toml");
    if !manifest.is_file() {
        return Ok(Config::default());
    }
    let text = read(&manifest)?;
    let parsed: Manifest = toml::from_str(&text).map_err(|e| invalid(&manifest, &text, &e))?;
    let table = parsed
        .workspace
        .and_then(|w| w.metadata)
        .and_then(|m| m.baton)
        .or_else(|| parsed.package.and_then(|p| p.metadata).and_then(|m| m.baton));
    match table {
        None => Ok(Config::default()),
        Some(table) => {
            let written = Written::deserialize(table).map_err(|e| SiteError::Config {
                file: manifest.clone(),
                message: format!("in [*.metadata.baton]: {}", e.message()),
            })?;
            build(Some(manifest), written)
        }
    }
}

fn read(path: &Path) -> Result<String, SiteError> {
    std::fs::read_to_string(path).map_err(|source| SiteError::Io { path: path.to_owned(), source })
}

fn invalid(file: &Path, text: &str, error: &toml::de::Error) -> SiteError {
    let place = error.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!(":{line}:{column}")
    });
    SiteError::Config {
        file: PathBuf::from(format!("{}{}", file.display(), place.unwrap_or_default())),
        message: error.message().to_owned(),
    }
}

fn build(source: Option<PathBuf>, written: Written) -> Result<Config, SiteError> {
    let file = source.clone().unwrap_or_default();
    let filter = |what: &str, written: WrittenFilter| -> Result<Filter, SiteError> {
        let set = |globs: &[String]| -> Result<GlobSet, SiteError> {
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                builder.add(Glob::new(glob).map_err(|e| SiteError::Config {
                    file: file.clone(),
                    message: format!("report.{what}: `{glob}` is not a glob: {}", e.kind()),
                })?);
            }
            builder.build().map_err(|e| SiteError::Config { file: file.clone(), message: e.to_string() })
        };
        let include = written.include.as_deref().map(set).transpose()?;
        let exclude = if written.exclude.is_empty() { None } else { Some(set(&written.exclude)?) };
        Ok(Filter { include, exclude, written: (written.include.unwrap_or_default(), written.exclude) })
    };
    Ok(Config {
        source,
        cargo_args: written.cargo_args,
        selection: Selection {
            models: filter("models", written.report.models)?,
            tests: filter("tests", written.report.tests)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(file: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("baton-config-{}-{file}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_default();
        std::fs::write(dir.join(file), text).unwrap_or_default();
        dir
    }

    #[test]
    fn cargo_metadata_selects_models_and_tests() -> Result<(), SiteError> {
        let root = root_with(
            "Cargo.toml",
            r#"[workspace]
members = ["claims"]

[workspace.metadata.baton]
cargo-args = ["--package", "claims"]

[workspace.metadata.baton.report]
models = { include = ["processes/**"], exclude = ["processes/drafts/**"] }
tests = { exclude = ["claims::slow::*"] }
"#,
        );
        let config = load(&root)?;
        assert_eq!(config.cargo_args, ["--package", "claims"]);
        let models = &config.selection.models;
        assert!(models.allows("processes/claim.bpmn") && models.allows("processes/sub/x.bpmn"));
        assert!(!models.allows("processes/drafts/new.bpmn") && !models.allows("engine/tests/fixtures/a.bpmn"));
        let tests = &config.selection.tests;
        assert!(tests.allows("claims::approves") && !tests.allows("claims::slow::nightly"));
        Ok(())
    }

    #[test]
    fn a_baton_toml_wins_and_no_configuration_shows_everything() -> Result<(), SiteError> {
        let root = root_with("baton.toml", "[report]\ntests = { include = [\"order::*\"] }\n");
        let config = load(&root)?;
        assert!(config.selection.tests.allows("order::happy") && !config.selection.tests.allows("engine::x"));
        assert!(config.selection.models.is_everything());
        let none = load(&root.join("nowhere"))?;
        assert!(none.selection.tests.is_everything() && none.source.is_none());
        Ok(())
    }

    #[test]
    fn mistakes_are_reported_with_their_place() {
        let root = root_with("baton.toml", "[report]\ntests = { includ = [\"order::*\"] }\n");
        let err = load(&root).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("baton.toml:2:") && err.contains("unknown field `includ`"), "{err}");
        let root = root_with("baton.toml", "[report]\nmodels = { include = [\"a/[b\"] }\n");
        let err = load(&root).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("report.models: `a/[b` is not a glob"), "{err}");
    }
}
