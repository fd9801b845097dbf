//! One page per process: its diagrams as a heat map of what all tests ran, what no test
//! reaches, and which tests reach each element.

use std::collections::BTreeMap;

use baton_engine::model::Definitions;
use tera::{Context, Tera};

use super::{SiteError, diagrams_of, page, slug};
use crate::coverage::ProcessCoverage;
use crate::render::Overlay;

/// The process page of `p`. `neighbours` are the other processes of its model: a collaboration
/// diagram draws their pools too, with what the tests ran in them.
pub(super) fn process_html(
    tera: &Tera,
    p: &ProcessCoverage,
    neighbours: &[&ProcessCoverage],
    definitions: Option<&Definitions>,
    test_pages: &BTreeMap<&str, String>,
) -> Result<String, SiteError> {
    let mut overlay = Overlay { heat: true, ..Overlay::default() };
    for q in std::iter::once(p).chain(neighbours.iter().copied()) {
        overlay.nodes.extend(q.node_hits.iter().filter(|(_, h)| **h > 0).map(|(k, v)| (k.clone(), *v)));
        overlay.flows.extend(q.flow_hits.iter().filter(|(_, h)| **h > 0).map(|(k, v)| (k.clone(), *v)));
    }
    overlay.links =
        p.node_hits.keys().chain(p.flow_hits.keys()).map(|id| (id.clone(), format!("#el-{}", slug(id)))).collect();
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
    context.insert("heat", &true);
    page(tera, "process.html", &context)
}
