//! Coverage + runs + models → a self-contained static site (works from `file://`, no network).
//!
//! Templates are embedded with `include_str!` and rendered by tera with autoescaping: no user
//! string (element names, test names, variables, panic messages) reaches the HTML unescaped.
//! The diagrams are inline SVG from [`crate::render`], which escapes its own text. Page file
//! names are derived from ids through [`slug`], so an id like `../../x` cannot write outside
//! the site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use baton_engine::model::{Definitions, NodeKind};
use baton_engine::record::{Harness, Run, Verdicts};
use baton_engine::trace::TraceKind;
use serde::Serialize;
use tera::{Context, Tera};

use crate::coverage::{Coverage, CurrentModel, ProcessCoverage, TestSummary, TestVerdict};
use crate::render::{Overlay, render};

/// Why the site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
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

fn templates() -> Result<Tera, SiteError> {
    let mut tera = Tera::default();
    tera.add_raw_templates(vec![
        ("base.html", include_str!("../templates/base.html")),
        ("index.html", include_str!("../templates/index.html")),
        ("process.html", include_str!("../templates/process.html")),
        ("test.html", include_str!("../templates/test.html")),
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

/// The diagrams of `definitions` that draw `process`, rendered with `overlay`.
fn diagrams_of(definitions: &Definitions, process: &str, overlay: Option<&Overlay>) -> (Vec<String>, Vec<String>) {
    let Some(p) = definitions.process(process) else { return (Vec::new(), Vec::new()) };
    let mut svgs = Vec::new();
    let mut not_drawn = Vec::new();
    for (index, diagram) in definitions.diagrams.iter().enumerate() {
        if p.nodes.iter().any(|n| diagram.shape(n.id.as_str()).is_some()) {
            let rendered = render(definitions, index, overlay);
            not_drawn.extend(rendered.not_drawn.iter().map(|n| n.id.clone()));
            svgs.push(rendered.svg);
        }
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
    context.insert("runs", &runs.len());
    write(out, "index.html", &page(&tera, "index.html", &context)?)?;
    write(out, STYLESHEET, include_str!("../templates/baton.css"))?;

    // one page per process
    let test_pages: BTreeMap<&str, String> =
        coverage.tests.iter().map(|t| (t.id.as_str(), test_page(t.index))).collect();
    let mut written = std::collections::BTreeSet::new();
    for p in &coverage.processes {
        written.insert(process_page(&p.id));
        write(
            out,
            &process_page(&p.id),
            &process_html(&tera, p, model_of(&p.model).map(|m| &m.definitions), &test_pages)?,
        )?;
    }

    // one page per test
    let mut cache = DiagramCache::new();
    for summary in &coverage.tests {
        written.insert(test_page(summary.index));
        write(out, &test_page(summary.index), &test_html(&tera, summary, runs, models, &mut cache)?)?;
    }
    remove_stale_pages(out, &written)?;

    let json = serde_json::to_string_pretty(coverage).unwrap_or_default();
    write(out, "coverage.json", &json)
}

fn process_html(
    tera: &Tera,
    p: &ProcessCoverage,
    definitions: Option<&Definitions>,
    test_pages: &BTreeMap<&str, String>,
) -> Result<String, SiteError> {
    let overlay = Overlay {
        nodes: p.node_hits.iter().filter(|(_, h)| **h > 0).map(|(k, v)| (k.clone(), *v)).collect(),
        flows: p.flow_hits.iter().filter(|(_, h)| **h > 0).map(|(k, v)| (k.clone(), *v)).collect(),
        heat: true,
        links: p
            .node_hits
            .keys()
            .chain(p.flow_hits.keys())
            .map(|id| (id.clone(), format!("#el-{}", slug(id))))
            .collect(),
        ..Overlay::default()
    };
    let (diagrams, not_drawn) = definitions.map(|d| diagrams_of(d, &p.id, Some(&overlay))).unwrap_or_default();
    let elements: Vec<serde_json::Value> = definitions
        .and_then(|d| d.process(&p.id))
        .map(|process| {
            process
                .nodes
                .iter()
                .map(|n| (n.id.to_string(), n.label().to_owned(), *p.node_hits.get(n.id.as_str()).unwrap_or(&0)))
                .chain(process.flows.iter().map(|f| {
                    (
                        f.id.to_string(),
                        f.name.clone().unwrap_or_else(|| f.id.to_string()),
                        *p.flow_hits.get(f.id.as_str()).unwrap_or(&0),
                    )
                }))
                .map(|(id, label, hits)| {
                    // Links built here, not looped over in `process.html`: an element can be
                    // reached by thousands of tests, and tera's per-field lookups made these
                    // lists most of a process page's cost. Each part goes through tera's escaping.
                    let links: Vec<String> = p
                        .reached_by
                        .get(&id)
                        .into_iter()
                        .flatten()
                        .map(|t| {
                            let page = test_pages.get(t.as_str()).map_or("", String::as_str);
                            format!("<a href=\"{}\">{}</a>", tera::escape_html(page), tera::escape_html(t))
                        })
                        .collect();
                    let tests = links.join(", ");
                    serde_json::json!({"id": id, "anchor": slug(&id), "label": label, "hits": hits, "tests": tests})
                })
                .collect()
        })
        .unwrap_or_default();
    let mut context = Context::new();
    context.insert("id", &p.id);
    context.insert("name", p.name.as_deref().unwrap_or(&p.id));
    context.insert("model", &p.model);
    context.insert("nodes", &p.nodes);
    context.insert("flows", &p.flows);
    context.insert("nodes_percent", &p.nodes.percent());
    context.insert("flows_percent", &p.flows.percent());
    context.insert("tests", &p.tests);
    context.insert("stale", &p.stale_tests);
    context.insert("diagrams", &diagrams);
    context.insert("not_drawn", &not_drawn);
    context.insert("uncovered", &p.uncovered);
    context.insert("elements", &elements);
    page(tera, "process.html", &context)
}

/// Plain diagrams per (model path, process), drawn once for all test pages; `None` when the
/// process has no diagram.
type DiagramCache = BTreeMap<(String, String), Option<String>>;

/// A CSS string literal's content: quotes, backslashes and `<` escaped.
fn css_string(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("\\3c "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A test page's overlay as CSS over the shared plain drawing: executed elements in the
/// highlight colour, the rest dimmed, waiting elements outlined in blue, incidents in red.
/// Drawing once per process and styling per test keeps a 10,000-test site fast.
fn overlay_css(scope: &str, overlay: &Overlay) -> String {
    // One `:is()` list per rule: the selector prefix is written once, not once per element.
    let select = |ids: &[&String], suffix: &str| -> String {
        let list: Vec<String> = ids.iter().map(|id| format!("[data-element-id=\"{}\"]", css_string(id))).collect();
        format!("#{scope} g.baton-element:is({}){suffix}", list.join(",\n"))
    };
    let mut css = format!("#{scope} g.baton-element {{ opacity: 0.35; }}\n");
    let executed: Vec<&String> =
        overlay.nodes.keys().chain(overlay.flows.keys()).chain(&overlay.waiting).chain(&overlay.incidents).collect();
    if !executed.is_empty() {
        css.push_str(&select(&executed, ""));
        css.push_str(" { opacity: 1; }\n");
        css.push_str(&select(&executed, " :is(rect, circle, ellipse, path, polygon, polyline, line, use)"));
        css.push_str(" { stroke: #2e7d32; }\n");
    }
    let waiting: Vec<&String> = overlay.waiting.iter().collect();
    if !waiting.is_empty() {
        css.push_str(&select(&waiting, " :is(rect, circle, ellipse, polygon)"));
        css.push_str(" { stroke: #1565c0; stroke-width: 4px; }\n");
    }
    let incidents: Vec<&String> = overlay.incidents.iter().collect();
    if !incidents.is_empty() {
        css.push_str(&select(&incidents, " :is(rect, circle, ellipse, polygon)"));
        css.push_str(" { stroke: #c62828; fill: #ffebee; }\n");
    }
    css
}

fn test_html(
    tera: &Tera,
    summary: &TestSummary,
    runs: &[Run],
    models: &[CurrentModel],
    cache: &mut DiagramCache,
) -> Result<String, SiteError> {
    let mut instances = Vec::new();
    let mut drawings: Vec<(String, String)> = Vec::new();
    let mut timeline = String::new();
    for (position, run) in summary.runs.iter().map(|&r| (r, &runs[r])) {
        // The current model of each process, if the run used that very version.
        let definitions_of = |process: &str| -> Option<&Definitions> {
            let model = run.models.iter().rev().find(|m| m.processes.iter().any(|p| p == process))?;
            let current = models.iter().find(|c| Some(c.path.as_str()) == model.path.as_deref())?;
            (current.sha256 == model.sha256).then_some(&current.definitions)
        };
        for instance in &run.instances {
            let definitions = definitions_of(&instance.process);
            let overlay = instance_overlay(run, &instance.id, definitions.and_then(|d| d.process(&instance.process)));
            let model =
                run.models.iter().rev().find(|m| m.processes.contains(&instance.process)).and_then(|m| m.path.clone());
            let has_diagram = match (definitions, model) {
                (Some(d), Some(path)) => {
                    let key = (path, instance.process.clone());
                    let drawn = cache.entry(key.clone()).or_insert_with(|| {
                        // Drawn plainly; the page's CSS overlay marks this test's path.
                        let svgs = diagrams_of(d, &instance.process, None).0.join("\n");
                        (!svgs.is_empty()).then_some(svgs)
                    });
                    if drawn.is_some() {
                        drawings.push(key);
                    }
                    drawn.is_some()
                }
                _ => false,
            };
            let scope = format!("instance-{position}-{}", slug(&instance.id));
            instances.push(serde_json::json!({
                "id": instance.id,
                "scope": scope,
                "css": overlay_css(&scope, &overlay),
                "process": instance.process,
                "state": format!("{:?}", instance.state).to_lowercase(),
                "has_diagram": has_diagram,
            }));
        }
        let process_of: BTreeMap<&str, &str> =
            run.instances.iter().map(|i| (i.id.as_str(), i.process.as_str())).collect();
        let start = run.trace.first().map(|e| e.time);
        for e in &run.trace {
            let process = process_of.get(e.instance.as_str()).copied().unwrap_or_default();
            let what = e.kind.describe(&|id| label_in(definitions_of(process), process, id));
            let seconds = start.map(|s| e.time.duration_since(s).as_secs()).unwrap_or_default();
            let cells = [e.seq.to_string(), format!("+{}", duration_text(seconds)), e.instance.clone(), what];
            timeline.push_str("<tr>");
            for cell in cells {
                timeline.push_str("<td>");
                timeline.push_str(&tera::escape_html(&cell));
                timeline.push_str("</td>");
            }
            timeline.push_str("</tr>\n");
        }
    }
    let mut context = Context::new();
    context.insert("test", &summary.test);
    context.insert("id", &summary.id);
    context.insert("verdict", summary.verdict.text());
    context.insert("passed", &summary.passed);
    context.insert("message", &summary.message);
    context.insert("instances", &instances);
    // The rows are built above rather than looped over in `test.html`: tera resolves each
    // `{{ e.field }}` through a lookup that allocates, and at twenty rows a test that was most
    // of the time to write a site of ten thousand tests. Every cell went through tera's own
    // escaping, exactly as the template would have escaped it.
    context.insert("timeline", &timeline);
    let html = page(tera, "test.html", &context)?;
    let drawings: Vec<&str> = drawings.iter().filter_map(|key| cache.get(key)?.as_deref()).collect();
    Ok(fill_slots(&html, &drawings))
}

/// What one instance did, for its drawing: hit counts, where it waits, its incidents.
fn instance_overlay(run: &Run, instance: &str, process: Option<&baton_engine::model::Process>) -> Overlay {
    let mut overlay = Overlay::default();
    let mut open: BTreeMap<String, i64> = BTreeMap::new();
    for event in run.trace.iter().filter(|e| e.instance == instance) {
        match &event.kind {
            TraceKind::NodeEntered { node } => {
                *overlay.nodes.entry(node.clone()).or_default() += 1;
                *open.entry(node.clone()).or_default() += 1;
            }
            TraceKind::NodeCompleted { node } | TraceKind::NodeTerminated { node } => {
                *open.entry(node.clone()).or_default() -= 1
            }
            TraceKind::FlowTaken { flow } => *overlay.flows.entry(flow.clone()).or_default() += 1,
            TraceKind::IncidentRaised { node, .. } => {
                overlay.incidents.insert(node.clone());
            }
            _ => {}
        }
    }
    // Still open at the end of the run: where it waits.
    overlay.waiting = open
        .into_iter()
        .filter(|(node, count)| {
            *count > 0 && !process.and_then(|p| p.node(node)).is_some_and(|n| matches!(n.kind, NodeKind::SubProcess(_)))
        })
        .map(|(node, _)| node)
        .collect();
    overlay
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
/// into `out`. Runs are ordered by test name, so the same runs give the same site.
pub fn build(root: &Path, run_dirs: &[PathBuf], out: &Path) -> Result<Built, SiteError> {
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
    runs.sort_by(|(pa, a), (pb, b)| (&a.test, pa).cmp(&(&b.test, pb)));
    if runs.len() >= 1_000 {
        eprintln!("baton: merging {} run files ...", runs.len());
    }
    let runs: Vec<Run> = runs.into_iter().map(|(_, run)| run).collect();
    let (models, model_problems) = crate::coverage::current_models(root, &runs);
    problems.extend(model_problems);
    let coverage = crate::coverage::compute(&models, &runs, verdicts.as_ref(), problems);
    write_site(out, &coverage, &models, &runs)?;
    Ok(Built { coverage, runs: runs.len(), index: out.join("index.html") })
}

#[cfg(test)]
mod tests {
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
