//! One page per test: its verdict and failure text, each diagram it touched drawn once with
//! every instance of the test overlaid (and a selector to show one instance), and its timeline
//! in a business view (activities, events, messages, timers, errors, by name) and a developer
//! view (every event, flows and job ids included). No script: the selectors are CSS.

use std::collections::BTreeMap;

use baton_engine::model::{Definitions, NodeKind, Process};
use baton_engine::record::Run;
use baton_engine::trace::{TraceEvent, TraceKind};
use tera::{Context, Tera};

use super::{SiteError, diagram_indices, duration_text, fill_slots, label_in, page};
use crate::coverage::{CurrentModel, TestSummary};
use crate::render::{Overlay, render};

/// Plain drawings per (model path, diagram index), drawn once for all test pages.
pub(super) type DiagramCache = BTreeMap<(String, usize), String>;

/// One instance of the test, for the page.
struct Shown {
    /// `claim#1`, or `engine 2: claim#1` when the test ran several engines.
    label: String,
    process: String,
    state: String,
    overlay: Overlay,
}

pub(super) fn test_html(
    tera: &Tera,
    summary: &TestSummary,
    runs: &[Run],
    models: &[CurrentModel],
    cache: &mut DiagramCache,
) -> Result<String, SiteError> {
    // Diagrams in the order the test first touched them, each with its instances.
    let mut drawn: Vec<((String, usize), Vec<Shown>)> = Vec::new();
    let mut undrawn: Vec<serde_json::Value> = Vec::new();
    let mut timeline = String::new();
    let several = summary.runs.len() > 1;
    for (n, run) in summary.runs.iter().map(|&r| &runs[r]).enumerate() {
        // The current model of each process, if the run used that very version.
        let current = |process: &str| -> Option<&CurrentModel> {
            let model = run.models.iter().rev().find(|m| m.processes.iter().any(|p| p == process))?;
            let current = models.iter().find(|c| Some(c.path.as_str()) == model.path.as_deref())?;
            (current.sha256 == model.sha256).then_some(current)
        };
        for instance in &run.instances {
            let model = current(&instance.process);
            let process = model.and_then(|m| m.definitions.process(&instance.process));
            let shown = Shown {
                label: if several { format!("engine {}: {}", n + 1, instance.id) } else { instance.id.clone() },
                process: process.and_then(|p| p.name.clone()).unwrap_or_else(|| instance.process.clone()),
                state: format!("{:?}", instance.state).to_lowercase(),
                overlay: instance_overlay(run, &instance.id, process),
            };
            let indices = model.map(|m| diagram_indices(&m.definitions, &instance.process)).unwrap_or_default();
            let Some(model) = model.filter(|_| !indices.is_empty()) else {
                undrawn.push(serde_json::json!({"label": shown.label, "process": shown.process, "state": shown.state}));
                continue;
            };
            for index in indices {
                let key = (model.path.clone(), index);
                cache.entry(key.clone()).or_insert_with(|| render(&model.definitions, index, None).svg);
                let at = match drawn.iter().position(|(k, _)| *k == key) {
                    Some(at) => at,
                    None => {
                        drawn.push((key, Vec::new()));
                        drawn.len() - 1
                    }
                };
                drawn[at].1.push(Shown {
                    label: shown.label.clone(),
                    process: shown.process.clone(),
                    state: shown.state.clone(),
                    overlay: shown.overlay.clone(),
                });
            }
        }
        let definitions_of = |process: &str| current(process).map(|m| &m.definitions);
        timeline_rows(&mut timeline, run, &definitions_of);
    }

    let mut diagrams = Vec::new();
    for (d, (_, instances)) in drawn.iter().enumerate() {
        let scope = format!("d{d}");
        let mut css = String::new();
        if let [only] = instances.as_slice() {
            css.push_str(&overlay_css(&format!("#{scope}"), &only.overlay));
        } else {
            let all = union(instances.iter().map(|i| &i.overlay));
            css.push_str(&overlay_css(&format!("#{scope}-all:checked ~ #{scope}"), &all));
            for (i, instance) in instances.iter().enumerate() {
                css.push_str(&overlay_css(&format!("#{scope}-{i}:checked ~ #{scope}"), &instance.overlay));
            }
        }
        let mut processes: Vec<&str> = instances.iter().map(|i| i.process.as_str()).collect();
        processes.dedup();
        diagrams.push(serde_json::json!({
            "scope": scope,
            "css": css,
            "title": processes.join(" · "),
            "instances": instances
                .iter()
                .map(|i| serde_json::json!({"label": i.label, "process": i.process, "state": i.state}))
                .collect::<Vec<_>>(),
        }));
    }

    let mut context = Context::new();
    context.insert("test", &summary.test);
    context.insert("id", &summary.id);
    context.insert("verdict", summary.verdict.text());
    context.insert("passed", &summary.passed);
    context.insert("message", &summary.message);
    context.insert("failure", &summary.failure);
    context.insert("diagrams", &diagrams);
    context.insert("undrawn", &undrawn);
    context.insert("heat", &false);
    // The rows are built in Rust rather than looped over in `test.html`: tera resolves each
    // `{{ e.field }}` through a lookup that allocates, and at twenty rows a test that was most
    // of the time to write a site of ten thousand tests. Every cell went through tera's own
    // escaping, exactly as the template would have escaped it.
    context.insert("timeline", &timeline);
    let html = page(tera, "test.html", &context)?;
    let drawings: Vec<&str> = drawn.iter().filter_map(|(key, _)| cache.get(key).map(String::as_str)).collect();
    Ok(fill_slots(&html, &drawings))
}

/// Every instance's overlay in one: what any of them ran, where any waits.
fn union<'o>(overlays: impl Iterator<Item = &'o Overlay>) -> Overlay {
    let mut all = Overlay::default();
    for o in overlays {
        for (k, v) in &o.nodes {
            *all.nodes.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.flows {
            *all.flows.entry(k.clone()).or_default() += v;
        }
        all.waiting.extend(o.waiting.iter().cloned());
        all.incidents.extend(o.incidents.iter().cloned());
    }
    all
}

/// Whether the business view shows this event: what happened to the instance in the words of
/// its diagram (activities and events reached, messages, timers, errors, incidents), not how
/// the engine moved (flows, gateways, jobs, variables).
fn is_business(event: &TraceEvent, process: Option<&Process>) -> bool {
    match &event.kind {
        TraceKind::NodeEntered { node } => {
            !process.and_then(|p| p.node(node)).is_some_and(|n| matches!(n.kind, NodeKind::Gateway(_)))
        }
        TraceKind::InstanceStarted { .. }
        | TraceKind::InstanceEnded
        | TraceKind::InstanceTerminated
        | TraceKind::InstanceCancelled
        | TraceKind::MessageCorrelated { .. }
        | TraceKind::TimerFired { .. }
        | TraceKind::ErrorThrown { .. }
        | TraceKind::EscalationThrown { .. }
        | TraceKind::SignalReceived { .. }
        | TraceKind::Compensating { .. }
        | TraceKind::IncidentRaised { .. }
        | TraceKind::IncidentResolved { .. }
        | TraceKind::BusinessKeySet { .. }
        | TraceKind::InstanceModified { .. } => true,
        _ => false,
    }
}

fn timeline_rows<'d>(out: &mut String, run: &Run, definitions_of: &dyn Fn(&str) -> Option<&'d Definitions>) {
    let process_of: BTreeMap<&str, &str> = run.instances.iter().map(|i| (i.id.as_str(), i.process.as_str())).collect();
    let start = run.trace.first().map(|e| e.time);
    for e in &run.trace {
        let process = process_of.get(e.instance.as_str()).copied().unwrap_or_default();
        let definitions = definitions_of(process);
        let what = e.kind.describe(&|id| label_in(definitions, process, id));
        let seconds = start.map(|s| e.time.duration_since(s).as_secs()).unwrap_or_default();
        let business = is_business(e, definitions.and_then(|d| d.process(process)));
        out.push_str(if business { "<tr>" } else { "<tr class=\"dev\">" });
        let cells = [
            ("dev", e.seq.to_string()),
            ("", format!("+{}", duration_text(seconds))),
            ("", e.instance.clone()),
            ("", what),
        ];
        for (class, cell) in cells {
            out.push_str(if class.is_empty() { "<td>" } else { "<td class=\"dev\">" });
            out.push_str(&tera::escape_html(&cell));
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
}

/// What one instance did, for its drawing: run counts (a join counts each time it joined),
/// where it waits at the end, its incidents.
fn instance_overlay(run: &Run, instance: &str, process: Option<&Process>) -> Overlay {
    let mut overlay = Overlay::default();
    let mut open: BTreeMap<String, i64> = BTreeMap::new();
    let joins = process.map(crate::coverage::joins).unwrap_or_default();
    for event in run.trace.iter().filter(|e| e.instance == instance) {
        match &event.kind {
            TraceKind::NodeEntered { node } => {
                let hits = overlay.nodes.entry(node.clone()).or_default();
                if !joins.contains(node) {
                    *hits += 1;
                }
                *open.entry(node.clone()).or_default() += 1;
            }
            TraceKind::NodeCompleted { node } => {
                if joins.contains(node) {
                    *overlay.nodes.entry(node.clone()).or_default() += 1;
                    // Every token that arrived was consumed by the join.
                    open.insert(node.clone(), 0);
                } else {
                    *open.entry(node.clone()).or_default() -= 1;
                }
            }
            TraceKind::NodeTerminated { node } => *open.entry(node.clone()).or_default() -= 1,
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

/// A CSS string literal's content: quotes, backslashes and `<` escaped.
pub(super) fn css_string(id: &str) -> String {
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

/// An overlay as CSS over the shared plain drawing, under the selector `prefix`: executed
/// elements in the highlight colour, the rest dimmed, waiting elements outlined in blue,
/// incidents in red. Drawing once and styling per test keeps a 10,000-test site fast.
fn overlay_css(prefix: &str, overlay: &Overlay) -> String {
    // One `:is()` list per rule: the selector prefix is written once, not once per element.
    let select = |ids: &[&String], suffix: &str| -> String {
        let list: Vec<String> = ids.iter().map(|id| format!("[data-element-id=\"{}\"]", css_string(id))).collect();
        format!("{prefix} g.baton-element:is({}){suffix}", list.join(",\n"))
    };
    let mut css = format!("{prefix} g.baton-element {{ opacity: 0.35; }}\n");
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
