//! Coverage + runs + models → a self-contained static site (works from `file://`, no network).
//!
//! Templates are embedded with `include_str!` and rendered by tera with autoescaping: no user
//! string (element names, test names, variables, panic messages) reaches the HTML unescaped.
//! The diagrams are inline SVG from [`crate::render`], which escapes its own text. Page file
//! names are derived from ids through [`slug`], so an id like `../../x` cannot write outside
//! the site.

mod process_page; // a process: heat map, never reached, reached by
mod test_page; // a test: verdict, instances on their diagrams, timeline

use self::process_page::process_html;
use self::test_page::test_html;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use baton_engine::model::Definitions;
use baton_engine::record::{Harness, Run, Verdicts};
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Selection;
use crate::coverage::{Coverage, CurrentModel, ProcessCoverage, TestVerdict};
use crate::render::{Overlay, render};

/// Why the report could not be made: the crate's one error type. `Debug` prints the text.
#[derive(thiserror::Error)]
pub enum SiteError {
    /// The configuration (`baton.toml`, `[*.metadata.baton]`) is wrong.
    #[error("{}: {message}; see the README's \"Choosing what the report shows\"", file.display())]
    Config {
        /// The file (with `:line:column` where known).
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be written.
    #[error("{}: cannot write: {source}; check that the folder is writable", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A template failed (a bug in Baton: please report it).
    #[error("template {name} failed: {message}")]
    Template {
        /// The template.
        name: String,
        /// What tera said.
        message: String,
    },
}

impl std::fmt::Debug for SiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

fn templates() -> Result<Tera, SiteError> {
    let mut tera = Tera::default();
    tera.add_raw_templates(vec![
        ("base.html", include_str!("../../templates/base.html")),
        ("index.html", include_str!("../../templates/index.html")),
        ("process.html", include_str!("../../templates/process.html")),
        ("test.html", include_str!("../../templates/test.html")),
        ("legend.html", include_str!("../../templates/legend.html")),
    ])
    .map_err(|e| SiteError::Template { name: "all".into(), message: chain(&e) })?;
    Ok(tera)
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// A file-name-safe, collision-free form of an id: letters, digits, `-` and `_` kept, the rest
/// replaced, and a short hash of the original appended.
pub fn slug(id: &str) -> String {
    let safe: String =
        id.chars().take(60).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("{safe}-{}", &crate::coverage::sha256(id)[..8])
}

/// Writes one file of the site, leaving it alone when it already holds `content`.
///
/// Runs are deterministic, so rebuilding a report rewrites few pages: skipping the unchanged
/// ones keeps their modification times (for rsync and browser caches) and costs a read from
/// the page cache instead of a write that the file system must flush to disk.
fn write(dir: &Path, name: &str, content: &str) -> Result<(), SiteError> {
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|existing| existing == content.as_bytes()) {
        return Ok(());
    }
    std::fs::write(&path, content).map_err(|source| SiteError::Io { path, source })
}

/// The site's one stylesheet, linked from every page: written once, not inlined ten
/// thousand times.
const STYLESHEET: &str = "baton.css";

/// Where `test.html` leaves room for an instance's drawing.
const DIAGRAM_SLOT: &str = "<!--baton:diagram-->";

/// Puts each drawing in its slot, in order. Drawings stay out of the template context: they are
/// large, already-escaped SVG that tera would copy several times per page. No text tera
/// writes can forge a slot, since autoescaping turns every `<` of it into `&lt;`.
fn fill_slots(html: &str, drawings: &[&str]) -> String {
    let mut out = String::with_capacity(html.len() + drawings.iter().map(|d| d.len()).sum::<usize>());
    let mut parts = html.split(DIAGRAM_SLOT);
    out.push_str(parts.next().unwrap_or_default());
    for (part, drawing) in parts.zip(drawings.iter().chain(std::iter::repeat(&""))) {
        out.push_str(drawing);
        out.push_str(part);
    }
    out
}

fn page(tera: &Tera, name: &str, context: &Context) -> Result<String, SiteError> {
    tera.render(name, context).map_err(|e| SiteError::Template { name: name.into(), message: chain(&e) })
}

pub use baton_engine::trace::duration_text;

fn process_page(id: &str) -> String {
    format!("process-{}.html", slug(id))
}

fn test_page(index: usize) -> String {
    format!("test-{index}.html")
}

#[derive(Serialize)]
struct ProcessRow<'a> {
    id: &'a str,
    name: Option<&'a str>,
    model: &'a str,
    page: String,
    nodes: crate::coverage::Counted,
    flows: crate::coverage::Counted,
    nodes_percent: f64,
    flows_percent: f64,
    tests: usize,
    stale: usize,
}

#[derive(Serialize)]
struct TestRow<'a> {
    test: &'a str,
    id: &'a str,
    page: String,
    verdict: &'static str,
    passed: bool,
    stale: bool,
    processes: String,
    instances: usize,
    time: String,
    nodes: crate::coverage::Counted,
    nodes_percent: f64,
}

/// The indices of the diagrams of `definitions` that draw `process`.
fn diagram_indices(definitions: &Definitions, process: &str) -> Vec<usize> {
    let Some(p) = definitions.process(process) else { return Vec::new() };
    (0..definitions.diagrams.len())
        .filter(|&index| p.nodes.iter().any(|n| definitions.diagrams[index].shape(n.id.as_str()).is_some()))
        .collect()
}

/// The diagrams of `definitions` that draw `process`, rendered with `overlay`.
fn diagrams_of(definitions: &Definitions, process: &str, overlay: Option<&Overlay>) -> (Vec<String>, Vec<String>) {
    let Some(p) = definitions.process(process) else { return (Vec::new(), Vec::new()) };
    let mut svgs = Vec::new();
    let mut not_drawn = Vec::new();
    for index in diagram_indices(definitions, process) {
        let rendered = render(definitions, index, overlay);
        not_drawn.extend(rendered.not_drawn.iter().map(|n| n.id.clone()));
        svgs.push(rendered.svg);
    }
    if svgs.is_empty() {
        not_drawn.extend(p.nodes.iter().map(|n| n.id.to_string()));
    }
    not_drawn.sort();
    not_drawn.dedup();
    (svgs, not_drawn)
}

fn label_in(definitions: Option<&Definitions>, process: &str, id: &str) -> String {
    definitions
        .and_then(|d| d.process(process))
        .and_then(|p| p.node(id).and_then(|n| n.name.clone()).or_else(|| p.flow(id).and_then(|f| f.name.clone())))
        .map_or_else(|| id.to_owned(), |name| format!("\"{name}\""))
}

/// Removes pages a previous build wrote that this build did not write again, so that a smaller
/// run leaves no stale pages behind. Only files the site writes are touched.
fn remove_stale_pages(out: &Path, written: &std::collections::BTreeSet<String>) -> Result<(), SiteError> {
    let entries = std::fs::read_dir(out).map_err(|source| SiteError::Io { path: out.to_owned(), source })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(".html") && (name.starts_with("process-") || name.starts_with("test-"));
        if ours && !written.contains(&name) {
            std::fs::remove_file(entry.path()).map_err(|source| SiteError::Io { path: entry.path(), source })?;
        }
    }
    Ok(())
}

/// Writes the whole site into `out`: `index.html`, one page per process and per test, the
/// stylesheet they share, and `coverage.json`.
pub fn write_site(out: &Path, coverage: &Coverage, models: &[CurrentModel], runs: &[Run]) -> Result<(), SiteError> {
    std::fs::create_dir_all(out).map_err(|source| SiteError::Io { path: out.to_owned(), source })?;
    let tera = templates()?;
    let model_of = |path: &str| models.iter().find(|m| m.path == path);

    // index
    let processes: Vec<ProcessRow<'_>> = coverage
        .processes
        .iter()
        .map(|p| ProcessRow {
            id: &p.id,
            name: p.name.as_deref(),
            model: &p.model,
            page: process_page(&p.id),
            nodes: p.nodes,
            flows: p.flows,
            nodes_percent: p.nodes.percent(),
            flows_percent: p.flows.percent(),
            tests: p.tests.len(),
            stale: p.stale_tests.len(),
        })
        .collect();
    let tests: Vec<TestRow<'_>> = coverage
        .tests
        .iter()
        .map(|t| TestRow {
            test: &t.test,
            id: &t.id,
            page: test_page(t.index),
            verdict: t.verdict.text(),
            passed: t.passed,
            stale: t.stale,
            processes: t.processes.iter().cloned().collect::<Vec<_>>().join(", "),
            instances: t.instances,
            time: duration_text(t.virtual_seconds),
            nodes: t.nodes,
            nodes_percent: t.nodes.percent(),
        })
        .collect();
    let mut context = Context::new();
    let (total_nodes, total_flows) = (coverage.total_nodes(), coverage.total_flows());
    context.insert("total_nodes", &serde_json::json!({"covered": total_nodes.covered, "total": total_nodes.total, "percent": total_nodes.percent()}));
    context.insert("total_flows", &serde_json::json!({"covered": total_flows.covered, "total": total_flows.total, "percent": total_flows.percent()}));
    let count = |verdict: TestVerdict| coverage.tests.iter().filter(|t| t.verdict == verdict).count();
    context.insert("passed", &count(TestVerdict::Passed));
    context.insert("failed", &count(TestVerdict::Failed));
    context.insert("ignored", &count(TestVerdict::Ignored));
    context.insert("unknown", &count(TestVerdict::Unknown));
    context.insert(
        "harness",
        &match coverage.harness {
            Some(Harness::CargoTest) => "cargo test",
            Some(Harness::Nextest) => "cargo nextest",
            None => "",
        },
    );
    context.insert("processes", &processes);
    context.insert("tests", &tests);
    context.insert("problems", &coverage.problems);
    context.insert("warnings", &coverage.warnings);
    context.insert("runs", &runs.len());
    write(out, "index.html", &page(&tera, "index.html", &context)?)?;
    write(out, STYLESHEET, include_str!("../../templates/baton.css"))?;

    // one page per process
    let test_pages: BTreeMap<&str, String> =
        coverage.tests.iter().map(|t| (t.id.as_str(), test_page(t.index))).collect();
    let mut written = std::collections::BTreeSet::new();
    for p in &coverage.processes {
        written.insert(process_page(&p.id));
        let neighbours: Vec<&ProcessCoverage> =
            coverage.processes.iter().filter(|q| q.model == p.model && q.id != p.id).collect();
        let definitions = model_of(&p.model).map(|m| &m.definitions);
        write(out, &process_page(&p.id), &process_html(&tera, p, &neighbours, definitions, &test_pages)?)?;
    }

    // one page per test
    let mut cache = test_page::DiagramCache::new();
    for summary in &coverage.tests {
        written.insert(test_page(summary.index));
        write(out, &test_page(summary.index), &test_html(&tera, summary, runs, models, &mut cache)?)?;
    }
    remove_stale_pages(out, &written)?;

    let json = serde_json::to_string_pretty(coverage).unwrap_or_default();
    write(out, "coverage.json", &json)
}

/// What [`build`] made.
#[derive(Debug)]
pub struct Built {
    /// The coverage shown.
    pub coverage: Coverage,
    /// How many run files went in.
    pub runs: usize,
    /// Where `index.html` is.
    pub index: PathBuf,
}

/// Reads every run file of `run_dirs`, the models they name (from `root`), and writes the site
/// into `out`, showing everything. Runs are ordered by test name, so the same runs give the
/// same site.
pub fn build(root: &Path, run_dirs: &[PathBuf], out: &Path) -> Result<Built, SiteError> {
    build_selected(root, run_dirs, out, &Selection::default())
}

/// [`build`], showing only the models and tests `selection` lets through.
pub fn build_selected(
    root: &Path,
    run_dirs: &[PathBuf],
    out: &Path,
    selection: &Selection,
) -> Result<Built, SiteError> {
    let mut runs: Vec<(PathBuf, Run)> = Vec::new();
    let mut problems = Vec::new();
    let mut verdicts: Option<Verdicts> = None;
    for dir in run_dirs {
        match baton_engine::record::read_dir(dir) {
            Ok(found) => {
                runs.extend(found.runs);
                problems.extend(found.skipped.into_iter().map(|s| format!("{}: {}", s.path.display(), s.reason)));
                // Shards: each directory's verdicts are its own tests'.
                match (&mut verdicts, found.verdicts) {
                    (Some(all), Some(more)) => {
                        all.tests.extend(more.tests);
                        all.problems.extend(more.problems);
                    }
                    (all @ None, more) => *all = more,
                    (Some(_), None) => {}
                }
            }
            Err(source) => return Err(SiteError::Io { path: dir.clone(), source }),
        }
    }
    // By test, then in the order the test made its engines (`<binary>-<pid>-<n>.json`).
    let order = |path: &Path| {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match stem.rsplit_once('-') {
            Some((prefix, n)) => (prefix.to_owned(), n.parse::<u64>().unwrap_or(u64::MAX)),
            None => (stem, u64::MAX),
        }
    };
    runs.sort_by(|(pa, a), (pb, b)| (&a.test, order(pa), pa).cmp(&(&b.test, order(pb), pb)));
    if runs.len() >= 1_000 {
        eprintln!("baton: merging {} run files ...", runs.len());
    }
    let runs: Vec<Run> = runs.into_iter().map(|(_, run)| run).collect();
    let (mut models, model_problems) = crate::coverage::current_models(root, &runs);
    problems.extend(model_problems);
    models.retain(|m| selection.models.allows(&m.path));
    let mut coverage = crate::coverage::compute(&models, &runs, verdicts.as_ref(), &selection.tests, problems);
    coverage.warnings = models
        .iter()
        .flat_map(|m| baton_engine::validate::validate(&m.definitions))
        .filter(|p| p.severity == baton_engine::validate::Severity::Warning)
        .map(|p| p.to_string())
        .collect();
    write_site(out, &coverage, &models, &runs)?;
    Ok(Built { coverage, runs: runs.len(), index: out.join("index.html") })
}

#[cfg(test)]
mod tests {
    use super::test_page::css_string;
    use super::*;

    #[test]
    fn drawings_fill_their_slots_in_order() {
        let html = format!("<h2>a</h2>{DIAGRAM_SLOT}<h2>b</h2>{DIAGRAM_SLOT}<p>end</p>");
        assert_eq!(
            fill_slots(&html, &["<svg>1</svg>", "<svg>2</svg>"]),
            "<h2>a</h2><svg>1</svg><h2>b</h2><svg>2</svg><p>end</p>"
        );
        // A slot without a drawing is left empty rather than shown.
        assert_eq!(fill_slots(&html, &["<svg>1</svg>"]), "<h2>a</h2><svg>1</svg><h2>b</h2><p>end</p>");
    }

    #[test]
    fn ids_become_inert_css_strings() {
        assert_eq!(css_string("Task_1"), "Task_1");
        assert_eq!(css_string("a\"b\\c</style>\n"), "a\\\"b\\\\c\\3c /style>");
    }

    #[test]
    fn escaped_text_cannot_forge_a_slot() {
        let escaped = tera::escape_html(DIAGRAM_SLOT);
        assert!(!escaped.contains(DIAGRAM_SLOT), "{escaped}");
        assert_eq!(fill_slots(&escaped, &["<svg/>"]), escaped);
    }
}
