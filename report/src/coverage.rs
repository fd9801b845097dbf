//! Run files + models → what the tests reached, per process.
//!
//! Runs are grouped by process id and by the SHA-256 of the model they ran: a run recorded
//! against another version of a model than the one on disk now is *stale* and counted apart,
//! never mixed in. Coverage counts distinct elements, so loops, multi-instance and repeated
//! runs never push it past 100%.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use baton_engine::model::{Definitions, Process};
use baton_engine::record::{Outcome, Run, Status, Verdicts};
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
    /// How often each node ran, across all tests: entered, or for a joining gateway, joined.
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

/// A test's verdict, as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestVerdict {
    /// The harness said it failed, or (with no harness verdict) its engine was dropped while it
    /// panicked.
    Failed,
    /// The harness said it passed.
    Passed,
    /// The harness did not run it (`#[ignore]`).
    Ignored,
    /// No harness verdict: its runs were recorded by a test run that `cargo baton test` did not
    /// drive, and none of them ended in a panic. It may still have failed (by returning `Err`).
    Unknown,
}

impl TestVerdict {
    /// `passed`, `failed`, `ignored` or `no verdict`.
    pub fn text(self) -> &'static str {
        match self {
            TestVerdict::Failed => "failed",
            TestVerdict::Passed => "passed",
            TestVerdict::Ignored => "ignored",
            TestVerdict::Unknown => "no verdict",
        }
    }
}

/// One test, as the index lists it: its harness's verdict, and what its runs covered.
#[derive(Debug, Clone, Serialize)]
pub struct TestSummary {
    /// Position in [`Coverage::tests`]: the key of its page.
    pub index: usize,
    /// Its full name, `binary::path::test`: unique in a report.
    pub id: String,
    /// The name shown: the test's path within its binary, or the full name where two binaries
    /// have a test of that path.
    pub test: String,
    /// The test binary, as its harness names it (see [`baton_engine::record::Run::binary`]).
    pub binary: String,
    /// The verdict.
    pub verdict: TestVerdict,
    /// Whether it passed (the verdict is [`TestVerdict::Passed`]).
    pub passed: bool,
    /// What the harness printed for it when it failed (else the panic message recorded).
    pub message: Option<String>,
    /// Why it failed, from `message`: its own panic without the backtrace, or its `Error: ...`.
    pub failure: Option<String>,
    /// Its run files (one per `TestEngine`), as positions in the runs the site was built from.
    pub runs: Vec<usize>,
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
    /// Tests, failing first, then by full name: every test the harness reported, and every
    /// test that recorded a run.
    pub tests: Vec<TestSummary>,
    /// Which harness gave the verdicts, when one did.
    pub harness: Option<baton_engine::record::Harness>,
    /// Models or runs that could not be used, and why.
    pub problems: Vec<String>,
    /// What validation warns about in the models shown (the warnings `cargo baton test`
    /// counts), in model then document order.
    pub warnings: Vec<String>,
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

/// The runs and verdicts of one test, before they are summed up.
#[derive(Debug, Default)]
struct TestRuns {
    binary: String,
    test: String,
    status: Option<Status>,
    output: Option<String>,
    runs: Vec<usize>,
}

/// The joining gateways of a process (parallel, inclusive or complex, with several incoming
/// flows): their hit count is how often they joined, not how many tokens arrived.
pub fn joins(process: &Process) -> BTreeSet<String> {
    use baton_engine::model::{Gateway, GatewayKind, NodeKind};
    process
        .nodes
        .iter()
        .filter(|n| {
            n.incoming.len() > 1
                && matches!(
                    &n.kind,
                    NodeKind::Gateway(Gateway {
                        kind: GatewayKind::Parallel | GatewayKind::Inclusive | GatewayKind::Complex { .. },
                        ..
                    })
                )
        })
        .map(|n| n.id.to_string())
        .collect()
}

/// Groups runs by test, joined with the harness's verdicts: by binary and test path, else (for
/// doc-tests, whose run files name a temporary binary) by a test path only one verdict has.
fn group(runs: &[Run], verdicts: Option<&Verdicts>) -> Vec<TestRuns> {
    let mut tests: Vec<TestRuns> = Vec::new();
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for verdict in verdicts.into_iter().flat_map(|v| &v.tests) {
        let key = (verdict.binary.clone(), verdict.test.clone());
        let slot = *by_key.entry(key).or_insert_with(|| {
            tests.push(TestRuns { binary: verdict.binary.clone(), test: verdict.test.clone(), ..TestRuns::default() });
            tests.len() - 1
        });
        // A test reported twice (nextest retries) keeps its last verdict.
        tests[slot].status = Some(verdict.status);
        tests[slot].output = verdict.output.clone();
        by_name.entry(verdict.test.clone()).or_default().push(slot);
    }
    for (position, run) in runs.iter().enumerate() {
        let slot = match by_key.get(&(run.binary.clone(), run.test.clone())) {
            Some(&slot) => slot,
            None => match by_name.get(&run.test).map(Vec::as_slice) {
                Some(&[only]) => only,
                _ => *by_key.entry((run.binary.clone(), run.test.clone())).or_insert_with(|| {
                    tests.push(TestRuns { binary: run.binary.clone(), test: run.test.clone(), ..TestRuns::default() });
                    tests.len() - 1
                }),
            },
        };
        tests[slot].runs.push(position);
    }
    tests
}

/// Merges runs and the harness's verdicts into coverage of the current models: one summary per
/// test, with the harness's verdict.
pub fn compute(
    models: &[CurrentModel],
    runs: &[Run],
    verdicts: Option<&Verdicts>,
    shown: &crate::config::Filter,
    mut problems: Vec<String>,
) -> Coverage {
    let mut processes: Vec<ProcessCoverage> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    for model in models {
        for process in model.definitions.processes.iter().filter(|p| p.is_executable) {
            index.insert((model.path.clone(), process.id.to_string()), processes.len());
            processes.push(empty(process, &model.path));
        }
    }
    let sha_of: BTreeMap<&str, &str> = models.iter().map(|m| (m.path.as_str(), m.sha256.as_str())).collect();
    let join_nodes: Vec<BTreeSet<String>> =
        models.iter().flat_map(|m| m.definitions.processes.iter().filter(|p| p.is_executable)).map(joins).collect();

    let grouped = group(runs, verdicts);
    // Full names: `binary::test`, with the binary as people name it, unless two binaries
    // share that name.
    let mut binaries_named: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for t in &grouped {
        binaries_named.entry(crate::harness::binary_name(&t.binary)).or_default().insert(&t.binary);
    }
    let full_name = |t: &TestRuns| {
        let name = crate::harness::binary_name(&t.binary);
        if binaries_named.get(&name).is_some_and(|b| b.len() > 1) {
            format!("{}::{}", t.binary, t.test)
        } else {
            format!("{name}::{}", t.test)
        }
    };
    let mut paths_seen: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &grouped {
        *paths_seen.entry(t.test.as_str()).or_default() += 1;
    }

    let mut tests = Vec::new();
    for grouped_test in &grouped {
        let id = full_name(grouped_test);
        if !shown.allows(&id) {
            continue;
        }
        let mut stale = false;
        let mut reached: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut panic_message = None;
        let mut virtual_seconds = 0;
        let mut instances = 0;
        let mut ran = BTreeSet::new();
        for run in grouped_test.runs.iter().map(|&r| &runs[r]) {
            let used = run_models(run);
            let instance_process: BTreeMap<&str, &str> =
                run.instances.iter().map(|i| (i.id.as_str(), i.process.as_str())).collect();
            for event in &run.trace {
                let Some(process) = instance_process.get(event.instance.as_str()) else { continue };
                let Some((sha, Some(path))) = used.get(process) else { continue };
                let Some(&slot) = index.get(&(path.to_string(), process.to_string())) else { continue };
                if sha_of.get(path) != Some(sha) {
                    stale = true;
                    processes[slot].stale_tests.insert(id.clone());
                    continue;
                }
                let coverage = &mut processes[slot];
                coverage.tests.insert(id.clone());
                match &event.kind {
                    TraceKind::NodeEntered { node } if coverage.node_hits.contains_key(node) => {
                        if !join_nodes[slot].contains(node) {
                            *coverage.node_hits.entry(node.clone()).or_default() += 1;
                        }
                        reached.insert((slot, node.clone()));
                    }
                    TraceKind::NodeCompleted { node } if join_nodes[slot].contains(node) => {
                        *coverage.node_hits.entry(node.clone()).or_default() += 1;
                    }
                    // A compensation boundary is never entered by a token: it counts as reached
                    // when the activity it is attached to is compensated.
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
            if let Outcome::Panicked { message } = &run.outcome {
                panic_message.get_or_insert_with(|| message.clone());
            }
            if let (Some(a), Some(b)) = (run.trace.first(), run.trace.last()) {
                virtual_seconds += b.time.duration_since(a.time).as_secs();
            }
            instances += run.instances.len();
            ran.extend(run.instances.iter().map(|i| i.process.clone()));
            for model in run.models.iter().filter(|m| m.path.is_none() && !is_stand_in(m)) {
                problems.push(format!(
                    "test {id}: a model deployed from a string ({}) cannot be drawn; deploy it from a file to see it in the report",
                    model.processes.join(", ")
                ));
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
            processes[slot].reached_by.entry(element).or_default().insert(id.clone());
        }
        let verdict = match (grouped_test.status, &panic_message) {
            (Some(Status::Passed), _) => TestVerdict::Passed,
            (Some(Status::Failed), _) | (None, Some(_)) => TestVerdict::Failed,
            (Some(Status::Ignored), _) => TestVerdict::Ignored,
            (None, None) => TestVerdict::Unknown,
        };
        let message = match verdict {
            TestVerdict::Failed => grouped_test.output.clone().or(panic_message),
            _ => None,
        };
        let shown =
            if paths_seen.get(grouped_test.test.as_str()) == Some(&1) { grouped_test.test.clone() } else { id.clone() };
        tests.push(TestSummary {
            index: 0,
            id,
            test: shown,
            binary: grouped_test.binary.clone(),
            verdict,
            passed: verdict == TestVerdict::Passed,
            failure: message.as_deref().map(crate::harness::failure_summary),
            message,
            runs: grouped_test.runs.clone(),
            processes: ran,
            instances,
            stale,
            virtual_seconds,
            nodes,
            flows,
        });
    }
    for coverage in processes.iter_mut() {
        // Reached, not hit: a join that tokens reached but that never joined counts as reached.
        let hit_nodes = coverage.node_hits.keys().filter(|n| coverage.reached_by.contains_key(*n)).count();
        let hit_flows = coverage.flow_hits.keys().filter(|f| coverage.reached_by.contains_key(*f)).count();
        coverage.nodes.covered = hit_nodes;
        coverage.flows.covered = hit_flows;
    }
    for (coverage, process) in
        processes.iter_mut().zip(models.iter().flat_map(|m| m.definitions.processes.iter().filter(|p| p.is_executable)))
    {
        coverage.uncovered = process
            .nodes
            .iter()
            .filter(|n| !coverage.reached_by.contains_key(n.id.as_str()))
            .map(|n| Element { id: n.id.to_string(), name: n.name.clone(), kind: n.element_name().to_owned() })
            .chain(process.flows.iter().filter(|f| !coverage.reached_by.contains_key(f.id.as_str())).map(|f| Element {
                id: f.id.to_string(),
                name: f.name.clone(),
                kind: "sequenceFlow".into(),
            }))
            .collect();
    }
    tests.sort_by(|a, b| (a.verdict, &a.id).cmp(&(b.verdict, &b.id)));
    for (position, test) in tests.iter_mut().enumerate() {
        test.index = position;
    }
    match verdicts {
        Some(v) => problems.extend(v.problems.iter().cloned()),
        None if !runs.is_empty() => problems.push(
            "no test harness verdicts beside these run files: a test shows as failed only when it panicked, and \
             one that failed by returning `Err` shows \"no verdict\"; `cargo baton test` records the harness's verdicts"
                .to_owned(),
        ),
        None => {}
    }
    problems.sort();
    problems.dedup();
    Coverage { processes, tests, harness: verdicts.map(|v| v.harness), problems, warnings: Vec::new() }
}

/// A model the testkit made itself (a `mock_call` stand-in): nothing to draw, nothing to say.
fn is_stand_in(model: &baton_engine::record::Model) -> bool {
    model.mock
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
