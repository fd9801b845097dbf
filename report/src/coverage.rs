//! Run files + models → what the tests reached, per process.
//!
//! Runs are grouped by process id and by the SHA-256 of the model they ran: a run recorded
//! against another version of a model than the one on disk now is *stale* and counted apart,
//! never mixed in. Coverage counts distinct elements, so loops, multi-instance and repeated
//! runs never push it past 100%.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use baton_engine::model::{Definitions, Process};
use baton_engine::record::{Outcome, Run};
use baton_engine::trace::TraceKind;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A model as it is on disk now.
#[derive(Debug, Clone)]
pub struct CurrentModel {
    /// Its path relative to the workspace root, as run files name it.
    pub path: String,
    /// SHA-256 of its text now.
    pub sha256: String,
    /// Parsed.
    pub definitions: Definitions,
}

/// Reads the models the runs name, from the workspace root. A model that cannot be read or
/// parsed is reported in `problems`, not dropped silently.
pub fn current_models(root: &Path, runs: &[Run]) -> (Vec<CurrentModel>, Vec<String>) {
    let paths: BTreeSet<&str> = runs.iter().flat_map(|r| r.models.iter().filter_map(|m| m.path.as_deref())).collect();
    let mut models = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let full: PathBuf = root.join(path);
        let text = match std::fs::read_to_string(&full) {
            Ok(text) => text,
            Err(err) => {
                problems.push(format!("{path}: cannot read the model the runs name ({err}); its runs are left out"));
                continue;
            }
        };
        match baton_engine::parse::parse_with(&text, &Default::default(), Some(Path::new(path))) {
            Ok(definitions) => models.push(CurrentModel { path: path.to_owned(), sha256: sha256(&text), definitions }),
            Err(err) => problems.push(format!("{err}; its runs are left out")),
        }
    }
    (models, problems)
}

/// Lower-case hex SHA-256 of a text.
pub fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// How many of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counted {
    /// Elements reached.
    pub covered: usize,
    /// Elements in the model.
    pub total: usize,
}

impl Counted {
    /// Covered share in percent, 100 for an empty set.
    pub fn percent(&self) -> f64 {
        if self.total == 0 { 100.0 } else { self.covered as f64 * 100.0 / self.total as f64 }
    }
}

/// An element of a process, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// Its id.
    pub id: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// Its BPMN element name, e.g. `serviceTask` or `sequenceFlow`.
    pub kind: String,
}

/// Coverage of one process (one version of its model).
#[derive(Debug, Clone, Serialize)]
pub struct ProcessCoverage {
    /// Process id.
    pub id: String,
    /// Process name.
    pub name: Option<String>,
    /// The model file.
    pub model: String,
    /// Flow nodes reached / in the process.
    pub nodes: Counted,
    /// Sequence flows taken / in the process.
    pub flows: Counted,
    /// How often each node was entered, across all tests.
    pub node_hits: BTreeMap<String, u64>,
    /// How often each flow was taken, across all tests.
    pub flow_hits: BTreeMap<String, u64>,
    /// Elements no test reaches, in model order.
    pub uncovered: Vec<Element>,
    /// For each element reached, the tests that reach it.
    pub reached_by: BTreeMap<String, BTreeSet<String>>,
    /// Tests that ran this process.
    pub tests: BTreeSet<String>,
    /// Tests that ran an older version of the model: not counted.
    pub stale_tests: BTreeSet<String>,
}

/// One test, as the index lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TestSummary {
    /// Position in the sorted list of runs: the key of its page.
    pub index: usize,
    /// The test's name.
    pub test: String,
    /// Whether it passed.
    pub passed: bool,
    /// The panic message of a failed test.
    pub message: Option<String>,
    /// The processes it ran.
    pub processes: BTreeSet<String>,
    /// Instances it started.
    pub instances: usize,
    /// Whether it ran an older version of a model.
    pub stale: bool,
    /// Virtual time from its first to its last event, in seconds.
    pub virtual_seconds: i64,
    /// Flow nodes this test reached, of those in the processes it ran.
    pub nodes: Counted,
    /// Sequence flows this test took, of those in the processes it ran.
    pub flows: Counted,
}

/// Everything the site shows.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// One entry per process of the current models, in model then process order.
    pub processes: Vec<ProcessCoverage>,
    /// Tests, failing first, then by name.
    pub tests: Vec<TestSummary>,
    /// Models or runs that could not be used, and why.
    pub problems: Vec<String>,
}

impl Coverage {
    /// Node coverage over all processes.
    pub fn total_nodes(&self) -> Counted {
        self.processes.iter().fold(Counted::default(), |a, p| Counted {
            covered: a.covered + p.nodes.covered,
            total: a.total + p.nodes.total,
        })
    }

    /// Flow coverage over all processes.
    pub fn total_flows(&self) -> Counted {
        self.processes.iter().fold(Counted::default(), |a, p| Counted {
            covered: a.covered + p.flows.covered,
            total: a.total + p.flows.total,
        })
    }
}

/// Which model version (by SHA) a run used for each process.
fn run_models(run: &Run) -> BTreeMap<&str, (&str, Option<&str>)> {
    let mut by_process = BTreeMap::new();
    for model in &run.models {
        for process in &model.processes {
            by_process.insert(process.as_str(), (model.sha256.as_str(), model.path.as_deref()));
        }
    }
    by_process
}

/// Merges runs (sorted by test name, then as given) into coverage of the current models.
pub fn compute(models: &[CurrentModel], runs: &[Run], mut problems: Vec<String>) -> Coverage {
    let mut processes: Vec<ProcessCoverage> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    for model in models {
        for process in model.definitions.processes.iter().filter(|p| p.is_executable) {
            index.insert((model.path.clone(), process.id.to_string()), processes.len());
            processes.push(empty(process, &model.path));
        }
    }
    let sha_of: BTreeMap<&str, &str> = models.iter().map(|m| (m.path.as_str(), m.sha256.as_str())).collect();

    let mut tests = Vec::new();
    for (position, run) in runs.iter().enumerate() {
        let used = run_models(run);
        let instance_process: BTreeMap<&str, &str> =
            run.instances.iter().map(|i| (i.id.as_str(), i.process.as_str())).collect();
        let mut stale = false;
        let mut reached: BTreeSet<(usize, String)> = BTreeSet::new();
        for event in &run.trace {
            let Some(process) = instance_process.get(event.instance.as_str()) else { continue };
            let Some((sha, Some(path))) = used.get(process) else { continue };
            let Some(&slot) = index.get(&(path.to_string(), process.to_string())) else { continue };
            if sha_of.get(path) != Some(sha) {
                stale = true;
                processes[slot].stale_tests.insert(run.test.clone());
                continue;
            }
            let coverage = &mut processes[slot];
            coverage.tests.insert(run.test.clone());
            match &event.kind {
                TraceKind::NodeEntered { node } if coverage.node_hits.contains_key(node) => {
                    *coverage.node_hits.entry(node.clone()).or_default() += 1;
                    reached.insert((slot, node.clone()));
                }
                // A compensation boundary is never entered by a token: it counts as reached when
                // the activity it is attached to is compensated.
                TraceKind::Compensating { activity, .. } => {
                    let boundary = models
                        .iter()
                        .filter(|m| m.path == *path)
                        .flat_map(|m| m.definitions.process(process))
                        .flat_map(|p| p.nodes.iter())
                        .find(|n| is_compensation_boundary_of(n, activity))
                        .map(|n| n.id.to_string());
                    if let Some(boundary) = boundary {
                        *coverage.node_hits.entry(boundary.clone()).or_default() += 1;
                        reached.insert((slot, boundary));
                    }
                }
                TraceKind::FlowTaken { flow } if coverage.flow_hits.contains_key(flow) => {
                    *coverage.flow_hits.entry(flow.clone()).or_default() += 1;
                    reached.insert((slot, flow.clone()));
                }
                _ => {}
            }
        }
        let slots: BTreeSet<usize> = reached.iter().map(|(slot, _)| *slot).collect();
        let mut nodes = Counted { covered: 0, total: slots.iter().map(|s| processes[*s].nodes.total).sum() };
        let mut flows = Counted { covered: 0, total: slots.iter().map(|s| processes[*s].flows.total).sum() };
        for (slot, element) in reached {
            if processes[slot].node_hits.contains_key(&element) {
                nodes.covered += 1;
            } else {
                flows.covered += 1;
            }
            processes[slot].reached_by.entry(element).or_default().insert(run.test.clone());
        }
        let (first, last) = (run.trace.first().map(|e| e.time), run.trace.last().map(|e| e.time));
        tests.push(TestSummary {
            index: position,
            test: run.test.clone(),
            passed: run.outcome == Outcome::Passed,
            message: match &run.outcome {
                Outcome::Failed { message } => Some(message.clone()),
                Outcome::Passed => None,
            },
            processes: run.instances.iter().map(|i| i.process.clone()).collect(),
            instances: run.instances.len(),
            stale,
            virtual_seconds: match (first, last) {
                (Some(a), Some(b)) => b.duration_since(a).as_secs(),
                _ => 0,
            },
            nodes,
            flows,
        });
        for model in run.models.iter().filter(|m| m.path.is_none()) {
            problems.push(format!(
                "test {}: a model deployed from a string ({}) cannot be drawn; deploy it from a file to see it in the report",
                run.test,
                model.processes.join(", ")
            ));
        }
    }
    for coverage in processes.iter_mut() {
        let hit_nodes = coverage.node_hits.values().filter(|h| **h > 0).count();
        let hit_flows = coverage.flow_hits.values().filter(|h| **h > 0).count();
        coverage.nodes.covered = hit_nodes;
        coverage.flows.covered = hit_flows;
    }
    for (coverage, process) in
        processes.iter_mut().zip(models.iter().flat_map(|m| m.definitions.processes.iter().filter(|p| p.is_executable)))
    {
        coverage.uncovered = process
            .nodes
            .iter()
            .filter(|n| coverage.node_hits.get(n.id.as_str()) == Some(&0))
            .map(|n| Element { id: n.id.to_string(), name: n.name.clone(), kind: n.element_name().to_owned() })
            .chain(
                process.flows.iter().filter(|f| coverage.flow_hits.get(f.id.as_str()) == Some(&0)).map(|f| Element {
                    id: f.id.to_string(),
                    name: f.name.clone(),
                    kind: "sequenceFlow".into(),
                }),
            )
            .collect();
    }
    tests.sort_by(|a, b| (a.passed, &a.test, a.index).cmp(&(b.passed, &b.test, b.index)));
    problems.sort();
    problems.dedup();
    Coverage { processes, tests, problems }
}

fn is_compensation_boundary_of(node: &baton_engine::model::FlowNode, activity: &str) -> bool {
    use baton_engine::model::{Event, EventKind, NodeKind, Trigger};
    matches!(&node.kind, NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, definitions, .. })
        if attached_to == activity && definitions.iter().any(|d| matches!(d.trigger, Trigger::Compensation { .. })))
}

fn empty(process: &Process, model: &str) -> ProcessCoverage {
    ProcessCoverage {
        id: process.id.to_string(),
        name: process.name.clone(),
        model: model.to_owned(),
        nodes: Counted { covered: 0, total: process.nodes.len() },
        flows: Counted { covered: 0, total: process.flows.len() },
        node_hits: process.nodes.iter().map(|n| (n.id.to_string(), 0)).collect(),
        flow_hits: process.flows.iter().map(|f| (f.id.to_string(), 0)).collect(),
        uncovered: Vec::new(),
        reached_by: BTreeMap::new(),
        tests: BTreeSet::new(),
        stale_tests: BTreeSet::new(),
    }
}
