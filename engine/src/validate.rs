//! Model → every problem at once, like a compiler.
//!
//! [`validate`] never stops at the first problem: a user fixing a model wants the whole list,
//! each with a stable [`Code`], the element id, its position and a hint. Errors make a model
//! unfit to run; warnings are worth a look but do not stop it. In a process marked
//! `isExecutable="false"`, problems that only matter when running (expressions, timers,
//! unsupported elements on a path) are warnings: such a process is drawn, not run.
//!
//! Baton deploys what the engines deploy. A rule is an error where the document's engine
//! refuses the model at deploy (Camunda 7's parser, Zeebe's validators, or the BPMN XSD both
//! check against), or where Baton cannot run it as that engine would; strictness the engine does
//! not have is a warning (and an error only under `cargo baton validate --strict`). The engines
//! differ on a few rules (an end event with an outgoing flow: Camunda 7 ends the path there,
//! Zeebe refuses the model), so the severity follows the [`Dialect`]; a plain BPMN document
//! targets no engine and is refused only for what both refuse.
//!
//! ```
//! use baton_engine::validate::{validate, Code};
//!
//! let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!   <process id="p" isExecutable="true">
//!     <startEvent id="start" />
//!     <sequenceFlow id="f" sourceRef="start" targetRef="nowhere" />
//!   </process>
//! </definitions>"#;
//! let problems = validate(&baton_engine::parse::parse(xml)?);
//! let errors: Vec<_> = problems.iter().filter(|p| p.is_error()).collect();
//! assert_eq!(errors.len(), 1);
//! assert_eq!(errors[0].code, Code::UnknownFlowEnd);
//! assert_eq!(errors[0].element.as_deref(), Some("f"));
//! assert_eq!(errors[0].position.line, 4);
//! # Ok::<(), baton_engine::Error>(())
//! ```

use std::fmt;
use std::path::PathBuf;

use std::collections::hash_map::Entry;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use crate::clock::TimerSpec;
use crate::expr::Expression as ParsedExpression;
use crate::model::*;

/// Which engines refuse a model at deploy for breaking a rule: Camunda 7's `BpmnParse` and the
/// XSD it validates against, Zeebe's model validators and the same XSD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefusedBy {
    /// Both engines (the XSD, or both parsers).
    Both,
    /// Camunda 7 only; Zeebe deploys the model.
    Camunda7,
    /// Zeebe only; Camunda 7 deploys the model.
    Camunda8,
    /// Neither: BPMN allows it, or the engines ignore it.
    Neither,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The model cannot run as written.
    Error,
    /// Worth a look; the model still runs.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        /// A stable problem code, as printed by `cargo baton validate` (`error[B0103]`).
        ///
        /// Codes never change meaning; tools may match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// The code as printed, e.g. `B0103`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $code,)*
                }
            }

            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];
        }
    };
}

codes! {
    /// Not well-formed XML.
    MalformedXml = "B0001",
    /// Not a BPMN 2.0 document.
    NotBpmn = "B0002",
    /// A DOCTYPE or a custom entity: refused.
    EntityRefused = "B0003",
    /// Over the size limit.
    TooLarge = "B0004",
    /// Nested deeper than the limit.
    TooDeep = "B0005",
    /// Not UTF-8.
    Encoding = "B0006",
    /// The file could not be read.
    Io = "B0007",
    /// A runtime command failed (not a model problem).
    Runtime = "B0900",
    /// Two elements share an id.
    DuplicateId = "B0101",
    /// A required attribute is missing (a missing `bpmnElement` on DI: Camunda 7 only).
    MissingAttribute = "B0102",
    /// A sequence flow's source or target does not exist.
    UnknownFlowEnd = "B0103",
    /// A `default` flow that does not exist or does not leave the element.
    BadDefaultFlow = "B0104",
    /// A boundary event attached to an element that does not exist.
    UnknownAttachedTo = "B0105",
    /// A `messageRef` to no message.
    UnknownMessage = "B0106",
    /// An `errorRef` to no error.
    UnknownError = "B0107",
    /// A `signalRef` to no signal.
    UnknownSignal = "B0108",
    /// An `escalationRef` to no escalation.
    UnknownEscalation = "B0109",
    /// A compensation `activityRef` to no activity of the process.
    UnknownCompensationActivity = "B0110",
    /// `<incoming>`/`<outgoing>` disagree with the sequence flows: Camunda 7 ignores them, and
    /// Camunda 8 refuses only an entry that names no sequence flow.
    FlowListMismatch = "B0111",
    /// Any other reference to an id that does not exist.
    UnknownReference = "B0112",
    /// An attribute value of the wrong type.
    InvalidAttribute = "B0113",
    /// A sequence flow without an id (the XSD allows it): Baton names it
    /// `flow:<source>→<target>`; Camunda 8 refuses such a flow.
    FlowWithoutId = "B0114",
    /// A sequence flow crossing a sub-process border.
    CrossesSubProcess = "B0120",
    /// A start event with an incoming flow (both engines deploy it: a token passes through).
    StartWithIncoming = "B0121",
    /// A gateway that needs an outgoing flow has none: an exclusive gateway in Camunda 7, an
    /// event-based gateway in Camunda 8 (any other flow node ends its path: [`Code::ImplicitEnd`]).
    MissingOutgoing = "B0122",
    /// A condition on a flow out of a parallel gateway (Camunda 7 ignores it, Zeebe refuses it).
    ConditionOnParallel = "B0123",
    /// A boundary event on an element that cannot carry it, or of a kind no boundary can be.
    BadBoundary = "B0124",
    /// An end event with an outgoing flow (Camunda 7 ends the path there, Zeebe refuses it).
    EndWithOutgoing = "B0125",
    /// An event-based gateway followed by something that is not a catch event or receive task.
    EventGatewayTarget = "B0126",
    /// An executable process without a start event.
    NoStartEvent = "B0127",
    /// A boundary event with an incoming flow.
    BoundaryWithIncoming = "B0128",
    /// An unsupported element on an executable path.
    UnsupportedOnPath = "B0129",
    /// A link throw event with no catch event of the same name.
    LinkWithoutCatch = "B0130",
    /// A multi-instance activity with both a cardinality and an input collection.
    AmbiguousMultiInstance = "B0131",
    /// A standard loop with neither a loop condition nor a maximum: it never ends.
    EndlessLoop = "B0132",
    /// An element Baton's runtime does not run yet, in an executable process.
    NotRunYet = "B0133",
    /// A timer that is not ISO 8601, cron or an expression.
    BadTimer = "B0301",
    /// An expression that does not parse.
    BadExpression = "B0302",
    /// A timer event with no time.
    MissingTimer = "B0303",
    /// An exclusive or inclusive gateway with unconditioned flows and no default.
    GatewayWithoutConditions = "B2001",
    /// An extension element Baton does not use.
    UnsupportedExtension = "B2002",
    /// A BPMN element Baton does not use (off any executable path).
    UnsupportedElement = "B2003",
    /// DI that draws an element that does not exist.
    DiUnknownElement = "B2004",
    /// An element with no DI: the report cannot draw it.
    NotDrawn = "B2005",
    /// A call activity calling a process that is not in this file.
    CalledProcessElsewhere = "B2006",
    /// A flow node with no outgoing flow: its path ends there, as at a none end event.
    ImplicitEnd = "B2007",
    /// A node no flow leads to.
    Unreachable = "B2008",
    /// A process marked `isExecutable="false"`: drawn and checked, never started.
    NotExecutable = "B2009",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One problem found in a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// Its stable code.
    pub code: Code,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The id of the element at fault, if it has one.
    pub element: Option<String>,
    /// The file, when the model was read from one.
    pub file: Option<PathBuf>,
    /// Where the element starts.
    pub position: Position,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)?;
        match &self.file {
            Some(file) => write!(f, " ({}:{})", file.display(), self.position)?,
            None => write!(f, " (line {})", self.position)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl From<&crate::Error> for Problem {
    /// A file that could not be parsed at all, as a problem, so tools see one list.
    fn from(error: &crate::Error) -> Self {
        let (file, position) = match (error.location(), error) {
            (Some(at), _) => (at.file.clone(), at.position),
            (None, crate::Error::Io { path, .. }) => (Some(path.clone()), Position::new(1, 1)),
            (None, _) => (None, Position::new(1, 1)),
        };
        let text = error.to_string();
        // The error's own text starts with its location; the problem carries that separately.
        let message = match error.location() {
            Some(at) => text.strip_prefix(&format!("{at}: ")).unwrap_or(&text).to_owned(),
            None => text,
        };
        Problem { severity: Severity::Error, code: error.code(), message, element: None, file, position, hint: None }
    }
}

impl Problem {
    /// Whether this problem stops the model from running.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Checks a whole document and returns every problem, in document order.
pub fn validate(definitions: &Definitions) -> Vec<Problem> {
    let mut v = Validator::new(definitions);
    v.duplicate_ids();
    v.defects();
    for process in &definitions.processes {
        v.process(process);
    }
    for collaboration in &definitions.collaborations {
        v.collaboration(collaboration);
    }
    v.unsupported();
    v.diagrams();
    let mut problems = v.problems;
    problems.sort_by_key(|a| (a.position, a.code));
    problems
}

fn lane_ids<'a>(lanes: &'a [Lane], add: &mut impl FnMut(&'a str, &'a str, Position)) {
    for lane in lanes {
        add(&lane.id, "lane", lane.position);
        lane_ids(&lane.lanes, add);
    }
}

/// What an id in the document names, for messages.
#[derive(Clone, Copy)]
struct Named<'a> {
    kind: &'a str,
    position: Position,
}

/// A process's flow nodes by id, with the sequence flows into and out of each, in document
/// order. Flows are grouped by counting sort into two flat lists: no allocation per node.
struct Graph<'p> {
    nodes: &'p [FlowNode],
    /// Node id → index; with duplicate ids, the last node wins (the duplicate is an error).
    by_id: HashMap<&'p str, usize>,
    /// Each flow's source and target node, by index, when they are nodes of the process.
    ends: Vec<(Option<usize>, Option<usize>)>,
    ins: Adjacency<'p>,
    outs: Adjacency<'p>,
}

impl<'p> Graph<'p> {
    fn new(process: &'p Process) -> Self {
        let nodes = &process.nodes;
        let mut by_id = HashMap::with_capacity_and_hasher(nodes.len(), Default::default());
        for (index, node) in nodes.iter().enumerate() {
            by_id.insert(node.id.as_str(), index);
        }
        let ends: Vec<(Option<usize>, Option<usize>)> = process
            .flows
            .iter()
            .map(|f| (by_id.get(f.source.as_str()).copied(), by_id.get(f.target.as_str()).copied()))
            .collect();
        let flows = &process.flows;
        let outs = Adjacency::new(nodes.len(), flows.iter().zip(&ends).filter_map(|(f, (s, _))| s.map(|s| (s, f))));
        let ins = Adjacency::new(nodes.len(), flows.iter().zip(&ends).filter_map(|(f, (_, t))| t.map(|t| (t, f))));
        Graph { nodes, by_id, ends, ins, outs }
    }

    fn get(&self, id: &str) -> Option<&'p FlowNode> {
        self.by_id.get(id).map(|&index| &self.nodes[index])
    }

    /// The flows into and out of `node`.
    fn flows_of(&self, node: &FlowNode) -> (&[&'p SequenceFlow], &[&'p SequenceFlow]) {
        match self.by_id.get(node.id.as_str()) {
            Some(&index) => (self.ins.of(index), self.outs.of(index)),
            None => (&[], &[]),
        }
    }
}

/// Flows grouped by node index: node `i`'s are `flows[start[i]..start[i + 1]]`.
struct Adjacency<'p> {
    start: Vec<usize>,
    flows: Vec<&'p SequenceFlow>,
}

impl<'p> Adjacency<'p> {
    fn new(nodes: usize, pairs: impl Iterator<Item = (usize, &'p SequenceFlow)> + Clone) -> Self {
        let mut start = vec![0usize; nodes + 1];
        for (node, _) in pairs.clone() {
            start[node + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut flows: Vec<Option<&'p SequenceFlow>> = vec![None; start[nodes]];
        for (node, flow) in pairs {
            flows[next[node]] = Some(flow);
            next[node] += 1;
        }
        Adjacency { start, flows: flows.into_iter().flatten().collect() }
    }

    fn of(&self, node: usize) -> &[&'p SequenceFlow] {
        &self.flows[self.start[node]..self.start[node + 1]]
    }
}

/// An id of the document: what it names, and whether a diagram draws it.
struct Known<'a> {
    named: Named<'a>,
    /// A flow node or sequence flow of a process (one with an id of its own): one that must be drawn.
    flow_element: bool,
    drawn: bool,
}

struct Validator<'a> {
    defs: &'a Definitions,
    ids: HashMap<&'a str, Known<'a>>,
    /// How many flow nodes and sequence flows the processes have.
    flow_elements: usize,
    /// Ids used twice: (id, the later element, the first one), in document-walk order.
    duplicates: Vec<(&'a str, Named<'a>, Named<'a>)>,
    unsupported_flow_elements: HashSet<&'a str>,
    problems: Vec<Problem>,
}

impl<'a> Validator<'a> {
    fn new(defs: &'a Definitions) -> Self {
        let capacity = defs.processes.iter().map(|p| p.nodes.len() + p.flows.len()).sum::<usize>()
            + defs.diagrams.iter().map(|d| d.shapes.len() + d.edges.len()).sum::<usize>();
        let mut ids: HashMap<&str, Known<'_>> = HashMap::with_capacity_and_hasher(capacity, Default::default());
        let mut duplicates = Vec::new();
        let mut flow_elements = 0;
        // One pass builds the id table and finds the duplicates (in document-walk order).
        let mut add_id = |id: &'a str, kind: &'a str, position: Position, flow_element: bool| {
            let named = Named { kind, position };
            // Counted per element, not per distinct id: with a duplicate among them the count
            // can never be matched, and the exact not-drawn pass runs.
            flow_elements += usize::from(flow_element);
            match ids.entry(id) {
                Entry::Occupied(first) => duplicates.push((id, named, first.get().named)),
                Entry::Vacant(slot) => {
                    slot.insert(Known { named, flow_element, drawn: false });
                }
            }
        };
        for p in &defs.processes {
            add_id(p.id.as_str(), "process", p.position, false);
            for n in &p.nodes {
                add_id(n.id.as_str(), n.element_name(), n.position, true);
                if let NodeKind::Event(e) = &n.kind {
                    for d in &e.definitions {
                        if let Some(id) = &d.id {
                            add_id(id, d.trigger.element_name(), d.position, false);
                        }
                    }
                }
            }
            // A flow Baton named cannot be drawn (DI names what it draws by id): B0114 says so.
            for f in &p.flows {
                add_id(f.id.as_str(), "sequenceFlow", f.position, !f.generated_id);
            }
            lane_ids(&p.lanes, &mut |id, kind, position| add_id(id, kind, position, false));
            for d in &p.data {
                add_id(&d.id, "data element", d.position, false);
            }
            for d in &p.data_associations {
                add_id(&d.id, "data association", d.position, false);
            }
            for a in &p.artifacts {
                add_id(&a.id, "artifact", a.position, false);
            }
        }
        for c in &defs.collaborations {
            add_id(&c.id, "collaboration", c.position, false);
            for x in &c.participants {
                add_id(&x.id, "participant", x.position, false);
            }
            for m in &c.message_flows {
                add_id(&m.id, "messageFlow", m.position, false);
            }
            for a in &c.artifacts {
                add_id(&a.id, "artifact", a.position, false);
            }
        }
        for m in &defs.messages {
            add_id(m.id.as_str(), "message", m.position, false);
        }
        for s in &defs.signals {
            add_id(s.id.as_str(), "signal", s.position, false);
        }
        // An implicit error is no element of the document: its id is only a reference's.
        for e in defs.errors.iter().filter(|e| !e.implicit) {
            add_id(e.id.as_str(), "error", e.position, false);
        }
        for e in &defs.escalations {
            add_id(e.id.as_str(), "escalation", e.position, false);
        }
        for d in &defs.data_stores {
            add_id(&d.id, "dataStore", d.position, false);
        }
        for c in &defs.categories {
            add_id(&c.id, "category", c.position, false);
            for (value, _) in &c.values {
                add_id(value, "categoryValue", c.position, false);
            }
        }
        for u in &defs.unsupported {
            if let Some(id) = &u.id {
                add_id(id, &u.element, u.position, false);
            }
        }
        for d in &defs.diagrams {
            if let Some(id) = &d.id {
                add_id(id, "BPMNDiagram", d.position, false);
            }
            if let Some(id) = &d.plane.id {
                add_id(id, "BPMNPlane", d.position, false);
            }
            for s in &d.shapes {
                if let Some(id) = &s.id {
                    add_id(id, "BPMNShape", s.position, false);
                }
            }
            for e in &d.edges {
                if let Some(id) = &e.id {
                    add_id(id, "BPMNEdge", e.position, false);
                }
            }
        }
        if let Some(id) = &defs.id {
            add_id(id, "definitions", Position::new(1, 1), false);
        }
        let unsupported_flow_elements = defs
            .unsupported
            .iter()
            .filter(|u| u.kind == UnsupportedKind::FlowElement)
            .filter_map(|u| u.id.as_deref())
            .collect();
        Validator { defs, ids, flow_elements, duplicates, unsupported_flow_elements, problems: Vec::new() }
    }

    fn report(
        &mut self,
        severity: Severity,
        code: Code,
        element: Option<&str>,
        position: Position,
        message: String,
        hint: &str,
    ) {
        self.problems.push(Problem {
            severity,
            code,
            message,
            element: element.map(str::to_owned),
            file: self.defs.source.clone(),
            position,
            hint: (!hint.is_empty()).then(|| hint.to_owned()),
        });
    }

    /// An error where the document's engine refuses the model at deploy, else a warning: see the
    /// module docs.
    fn deploy_severity(&self, refused: RefusedBy) -> Severity {
        let refuses = match self.defs.dialect {
            Dialect::Camunda7 => matches!(refused, RefusedBy::Both | RefusedBy::Camunda7),
            Dialect::Camunda8 => matches!(refused, RefusedBy::Both | RefusedBy::Camunda8),
            Dialect::Plain => refused == RefusedBy::Both,
        };
        if refuses { Severity::Error } else { Severity::Warning }
    }

    /// A problem whose severity is [`Validator::deploy_severity`].
    fn deploy_problem(
        &mut self,
        refused: RefusedBy,
        code: Code,
        element: &str,
        position: Position,
        message: String,
        hint: &str,
    ) {
        let severity = self.deploy_severity(refused);
        self.report(severity, code, Some(element), position, message, hint);
    }

    fn error(&mut self, code: Code, element: &str, position: Position, message: String, hint: &str) {
        self.report(Severity::Error, code, Some(element), position, message, hint);
    }

    fn warning(&mut self, code: Code, element: Option<&str>, position: Position, message: String, hint: &str) {
        self.report(Severity::Warning, code, element, position, message, hint);
    }

    fn exists(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    fn duplicate_ids(&mut self) {
        for (id, named, first) in std::mem::take(&mut self.duplicates) {
            self.error(
                Code::DuplicateId,
                id,
                named.position,
                format!(
                    "id `{id}` of this {} is already used by the {} at line {}",
                    named.kind, first.kind, first.position
                ),
                "ids must be unique in a file: rename one of them (and every reference to it)",
            );
        }
    }

    fn defects(&mut self) {
        for defect in &self.defs.defects {
            let id = defect.id.as_deref().unwrap_or(&defect.element);
            match &defect.kind {
                // The DI XSD makes `bpmnElement` optional; Camunda 7's parser requires it.
                DefectKind::MissingAttribute { attribute } => self.deploy_problem(
                    if attribute == "bpmnElement" { RefusedBy::Camunda7 } else { RefusedBy::Both },
                    Code::MissingAttribute,
                    id,
                    defect.position,
                    format!("`{}` has no `{attribute}`", defect.element),
                    "add it: without it Baton cannot tell what the element refers to",
                ),
                DefectKind::InvalidAttribute { attribute, value, expected } => self.error(
                    Code::InvalidAttribute,
                    id,
                    defect.position,
                    format!("`{}` has {attribute}=\"{value}\", which is not {expected}", defect.element),
                    "correct the value",
                ),
            }
        }
    }

    // ----- processes -------------------------------------------------------------------------

    fn process(&mut self, process: &'a Process) {
        let nodes = Graph::new(process);
        let run_severity = if process.is_executable { Severity::Error } else { Severity::Warning };

        for (flow, ends) in process.flows.iter().zip(&nodes.ends) {
            self.flow(process, flow, *ends, &nodes, run_severity);
        }

        for node in &process.nodes {
            let (ins, outs) = nodes.flows_of(node);
            self.flow_lists(node, ins, outs);
            self.node(process, node, &nodes, ins, outs, run_severity);
        }

        if !process.is_executable {
            self.warning(
                Code::NotExecutable,
                Some(process.id.as_str()),
                process.position,
                format!(
                    "process `{}` is marked isExecutable=\"false\": Baton checks and draws it, but will not start it",
                    process.id
                ),
                "set isExecutable=\"true\" to run it in tests",
            );
        }
        for node in &process.nodes {
            if let Some(what) = crate::runtime::not_yet_run(process, node) {
                self.report(
                    run_severity,
                    Code::NotRunYet,
                    Some(node.id.as_str()),
                    node.position,
                    format!("Baton does not run `{}` yet ({what})", node.label()),
                    "remove it from the executable process, or mark the process isExecutable=\"false\" to draw it only",
                );
            }
        }
        let has_start = process
            .children(None)
            .any(|n| matches!(&n.kind, NodeKind::Event(Event { kind: EventKind::Start { .. }, .. })));
        let has_instantiating = process.children(None).any(|n| {
            matches!(
                &n.kind,
                NodeKind::Task(Task { kind: TaskKind::Receive { instantiate: true, .. }, .. })
                    | NodeKind::Gateway(Gateway { kind: GatewayKind::EventBased { instantiate: true }, .. })
            )
        });
        if process.is_executable && !has_start && !has_instantiating && !process.nodes.is_empty() {
            self.error(
                Code::NoStartEvent,
                process.id.as_str(),
                process.position,
                format!("executable process `{}` has no start event", process.id),
                "add a start event, or mark the process isExecutable=\"false\"",
            );
        }

        self.links(process, run_severity);
        self.lanes(&process.lanes);
        // dataObjectRef and a data association's refs are IDREFs, which the XSD resolves;
        // dataStoreRef is a QName no engine reads.
        for data in &process.data {
            let (target, refused) = match &data.kind {
                DataKind::ObjectReference { object } => (object.as_deref(), RefusedBy::Both),
                DataKind::StoreReference { store } => (store.as_deref(), RefusedBy::Neither),
                DataKind::Object { .. } | DataKind::Property | DataKind::Input { .. } | DataKind::Output { .. } => {
                    (None, RefusedBy::Neither)
                }
            };
            if let Some(target) = target.filter(|t| !self.exists(t)) {
                self.deploy_problem(
                    refused,
                    Code::UnknownReference,
                    &data.id,
                    data.position,
                    format!("`{}` refers to `{target}`, which does not exist", data.id),
                    "point it at an existing dataObject or dataStore",
                );
            }
        }
        for association in &process.data_associations {
            if let Some(data) = association.data.as_deref().filter(|d| !self.exists(d)) {
                self.error(
                    Code::UnknownReference,
                    &association.id,
                    association.position,
                    format!("data association `{}` refers to `{data}`, which does not exist", association.id),
                    "point it at an existing data object or data store reference",
                );
            }
        }
        self.artifacts(&process.artifacts);
    }

    fn flow(
        &mut self,
        process: &Process,
        flow: &SequenceFlow,
        (source, target): (Option<usize>, Option<usize>),
        nodes: &Graph<'_>,
        run_severity: Severity,
    ) {
        if flow.generated_id {
            let c8 = self.defs.dialect == Dialect::Camunda8;
            self.deploy_problem(
                RefusedBy::Camunda8,
                Code::FlowWithoutId,
                flow.id.as_str(),
                flow.position,
                format!(
                    "the sequence flow from `{}` to `{}` has no id{}",
                    flow.source,
                    flow.target,
                    if c8 {
                        ": Camunda 8 refuses it"
                    } else {
                        "; Baton calls it by its ends, and no diagram can draw it"
                    }
                ),
                &format!("give it an id; until then traces and reports show it as `{}`", flow.id),
            );
        }
        let mut ends = Vec::new();
        for (end, id, found) in [("source", &flow.source, source), ("target", &flow.target, target)] {
            if id.as_str().is_empty() {
                continue; // reported as a missing attribute
            }
            match found.map(|index| &nodes.nodes[index]) {
                Some(node) => ends.push(node),
                None if self.unsupported_flow_elements.contains(id.as_str()) => {
                    let element = self.ids.get(id.as_str()).map_or("element", |k| k.named.kind);
                    self.report(
                        run_severity,
                        Code::UnsupportedOnPath,
                        Some(flow.id.as_str()),
                        flow.position,
                        format!(
                            "sequence flow `{}` leads {} `{id}`, a `{element}` that Baton cannot run",
                            flow.id,
                            if end == "source" { "from" } else { "to" }
                        ),
                        "replace it with a supported element, or mark the process isExecutable=\"false\"",
                    );
                }
                None => {
                    let elsewhere = self.ids.get(id.as_str()).map(|k| k.named.kind);
                    let message = match elsewhere {
                        Some(kind) => format!(
                            "sequence flow `{}` has {end} `{id}`, a {kind} that is not a flow node of process `{}`",
                            flow.id, process.id
                        ),
                        None => format!("sequence flow `{}` has {end} `{id}`, which does not exist", flow.id),
                    };
                    self.error(
                        Code::UnknownFlowEnd,
                        flow.id.as_str(),
                        flow.position,
                        message,
                        "connect the flow to an existing flow node of the same process (use a message flow between pools)",
                    );
                }
            }
        }
        if let [source, target] = ends.as_slice() {
            if source.parent != flow.parent || target.parent != flow.parent {
                self.error(
                    Code::CrossesSubProcess,
                    flow.id.as_str(),
                    flow.position,
                    format!(
                        "sequence flow `{}` crosses a sub-process border (from `{}` to `{}`)",
                        flow.id, source.id, target.id
                    ),
                    "a sequence flow stays inside one (sub-)process; leave a sub-process through its end event and an outgoing flow",
                );
            }
            // Camunda 7 ignores the condition ("simply ignored", its parallel gateway docs); Zeebe
            // refuses conditions out of anything but exclusive and inclusive gateways.
            if let (Some(_), NodeKind::Gateway(Gateway { kind: GatewayKind::Parallel, .. })) =
                (&flow.condition, &source.kind)
            {
                let ignored = self.deploy_severity(RefusedBy::Camunda8) == Severity::Warning;
                self.deploy_problem(
                    RefusedBy::Camunda8,
                    Code::ConditionOnParallel,
                    flow.id.as_str(),
                    flow.position,
                    format!(
                        "sequence flow `{}` out of parallel gateway `{}` has a condition{}",
                        flow.id,
                        source.id,
                        if ignored { ", which is never evaluated" } else { "" }
                    ),
                    "a parallel gateway takes every outgoing flow: remove the condition, or use an inclusive or exclusive gateway",
                );
            }
        }
        if let Some(condition) = &flow.condition {
            self.expression(condition, flow.id.as_str(), "condition", run_severity);
        }
    }

    fn expression(&mut self, expression: &Expression, owner: &str, what: &str, severity: Severity) {
        if self.defs.dialect == Dialect::Camunda8 && !expression.text.starts_with('=') {
            self.report(
                severity,
                Code::BadExpression,
                Some(owner),
                expression.position,
                format!("{what} `{}` of `{owner}` is not a FEEL expression", expression.text),
                "Camunda 8 expressions start with `=`, e.g. `=amount > 100`",
            );
            return;
        }
        if let Err(err) = ParsedExpression::parse(&expression.text) {
            self.report(
                severity,
                Code::BadExpression,
                Some(owner),
                expression.position,
                format!("{what} `{}` of `{owner}` does not parse: {err}", expression.text),
                "write FEEL (`=amount > 100`) or JUEL (`${amount > 100}`)",
            );
        }
    }

    fn flow_lists(&mut self, node: &FlowNode, ins: &[&SequenceFlow], outs: &[&SequenceFlow]) {
        for (listed, actual, word, end) in
            [(&node.incoming, ins, "incoming", "target"), (&node.outgoing, outs, "outgoing", "source")]
        {
            // The engines follow sourceRef/targetRef. Camunda 7 never reads these lists; Zeebe's
            // model API fails on an entry naming no sequence flow ("Unable to find a model
            // element instance for id"), and reads the others as written.
            for id in listed.iter() {
                if !actual.iter().any(|f| f.id == *id) {
                    let is_flow = self.ids.get(id.as_str()).is_some_and(|k| k.named.kind == "sequenceFlow");
                    let refused = if is_flow { RefusedBy::Neither } else { RefusedBy::Camunda8 };
                    self.deploy_problem(
                        refused,
                        Code::FlowListMismatch,
                        node.id.as_str(),
                        node.position,
                        if is_flow {
                            format!(
                                "`{}` lists `{id}` as {word}, but sequence flow `{id}` does not have it as {end}",
                                node.id
                            )
                        } else {
                            format!("`{}` lists `{id}` as {word}, but there is no sequence flow `{id}`", node.id)
                        },
                        "remove the stale <incoming>/<outgoing> entry, or fix the flow's sourceRef/targetRef",
                    );
                }
            }
            if !listed.is_empty() {
                // A flow without an id cannot be listed: Baton named it.
                for flow in actual.iter().filter(|f| !f.generated_id) {
                    if !listed.contains(&flow.id) {
                        self.warning(
                            Code::FlowListMismatch,
                            Some(node.id.as_str()),
                            node.position,
                            format!(
                                "sequence flow `{}` has `{}` as {end}, but `{}` does not list it as {word}",
                                flow.id, node.id, node.id
                            ),
                            "add the missing <incoming>/<outgoing> entry (a modeler re-saving the file does it)",
                        );
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        process: &Process,
        node: &'a FlowNode,
        nodes: &Graph<'_>,
        ins: &[&SequenceFlow],
        outs: &[&SequenceFlow],
        run_severity: Severity,
    ) {
        let id = node.id.as_str();
        let label = node.label();
        if let Some(default) = node.default_flow()
            && !outs.iter().any(|f| f.id == *default)
        {
            // `default` is an IDREF: the XSD refuses one naming nothing. One that names another
            // flow: Zeebe refuses it ("Default flow must start at gateway"), Camunda 7 deploys it
            // and fails when it would take it.
            let exists = self.exists(default.as_str());
            let why = if exists { "is not one of its outgoing flows" } else { "does not exist" };
            self.deploy_problem(
                if exists { RefusedBy::Camunda8 } else { RefusedBy::Both },
                Code::BadDefaultFlow,
                id,
                node.position,
                format!("default flow `{default}` of `{label}` {why}"),
                "name one of the element's outgoing sequence flows as default",
            );
        }
        let in_ad_hoc = node.parent.as_ref().and_then(|p| nodes.get(p.as_str())).is_some_and(|p| {
            matches!(&p.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::AdHoc { .. }, .. }))
        });
        match &node.kind {
            NodeKind::Event(event) => self.event(process, node, event, nodes, ins, outs, run_severity),
            NodeKind::Gateway(gateway) => {
                // Without outgoing flows, Camunda 7 refuses an exclusive gateway ("has no outgoing
                // sequence flows") and Zeebe an event-based one (it needs two); any other gateway
                // ends its path there, in both engines.
                match (&gateway.kind, outs.is_empty()) {
                    (GatewayKind::Exclusive, true) => {
                        let ends = self.deploy_severity(RefusedBy::Camunda7) == Severity::Warning;
                        self.deploy_problem(
                            RefusedBy::Camunda7,
                            Code::MissingOutgoing,
                            id,
                            node.position,
                            format!(
                                "exclusive gateway `{label}` has no outgoing sequence flow{}",
                                if ends { ", so its path ends there (Camunda 7 refuses it)" } else { "" }
                            ),
                            "connect it to the next step, or end the path with an end event",
                        );
                    }
                    (GatewayKind::EventBased { .. }, true) => self.deploy_problem(
                        RefusedBy::Camunda8,
                        Code::MissingOutgoing,
                        id,
                        node.position,
                        format!("event-based gateway `{label}` has no outgoing sequence flow, so a token there waits forever"),
                        "connect it to the events it waits for",
                    ),
                    _ => {}
                }
                match &gateway.kind {
                    GatewayKind::Exclusive | GatewayKind::Inclusive if outs.len() > 1 => {
                        let unconditioned: Vec<&str> = outs
                            .iter()
                            .filter(|f| f.condition.is_none() && !f.is_default)
                            .map(|f| f.id.as_str())
                            .collect();
                        if !unconditioned.is_empty() && gateway.default_flow.is_none() {
                            self.warning(
                                Code::GatewayWithoutConditions,
                                Some(id),
                                node.position,
                                format!(
                                    "gateway `{label}` has no default flow, and {} without a condition: {}",
                                    if unconditioned.len() == 1 { "this flow is" } else { "these flows are" },
                                    unconditioned.join(", ")
                                ),
                                "give every outgoing flow a condition, or mark one as the default flow",
                            );
                        }
                    }
                    GatewayKind::EventBased { .. } => {
                        for flow in outs {
                            let Some(target) = nodes.get(flow.target.as_str()) else { continue };
                            let ok = match &target.kind {
                                NodeKind::Event(Event { kind: EventKind::IntermediateCatch, definitions, .. }) => {
                                    definitions.iter().all(|d| {
                                        matches!(
                                            d.trigger,
                                            Trigger::Message { .. }
                                                | Trigger::Timer { .. }
                                                | Trigger::Signal { .. }
                                                | Trigger::Conditional { .. }
                                        )
                                    }) && !definitions.is_empty()
                                }
                                NodeKind::Task(Task { kind: TaskKind::Receive { .. }, .. }) => true,
                                _ => false,
                            };
                            if !ok {
                                self.error(
                                    Code::EventGatewayTarget,
                                    id,
                                    node.position,
                                    format!(
                                        "event-based gateway `{label}` leads to `{}`, a {} rather than a catch event",
                                        target.label(),
                                        target.element_name()
                                    ),
                                    "after an event-based gateway come message, timer, signal or conditional catch events, or receive tasks",
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            NodeKind::Task(task) => {
                match &task.kind {
                    TaskKind::Receive { message: Some(message), .. } => {
                        self.message_ref(message, id, node.position, RefusedBy::Both);
                    }
                    TaskKind::Send { message: Some(message) } => {
                        self.message_ref(message, id, node.position, RefusedBy::Neither);
                    }
                    _ => {}
                }
                self.activity(node, &task.activity, run_severity);
            }
            NodeKind::SubProcess(sub) => {
                self.activity(node, &sub.activity, run_severity);
                if let SubProcessKind::AdHoc { completion_condition: Some(c), .. } = &sub.kind {
                    self.expression(c, id, "completion condition", run_severity);
                }
            }
            NodeKind::CallActivity(call) => {
                self.activity(node, &call.activity, run_severity);
                match &call.called_element {
                    None => self.report(
                        run_severity,
                        Code::MissingAttribute,
                        Some(id),
                        node.position,
                        format!("call activity `{label}` names no process to call"),
                        "set calledElement (Camunda 7) or zeebe:calledElement processId (Camunda 8)",
                    ),
                    Some(called)
                        if !called.starts_with('=')
                            && !called.contains("${")
                            && !self.defs.processes.iter().any(|p| p.id == called.as_str()) =>
                    {
                        self.warning(
                            Code::CalledProcessElsewhere,
                            Some(id),
                            node.position,
                            format!("call activity `{label}` calls process `{called}`, which is not in this file"),
                            "deploy the file that holds it alongside this one",
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        let is_compensation_handler = node.activity().is_some_and(|a| a.is_for_compensation);
        // Both engines end a path at a flow node without outgoing flows, as at a none end event
        // (Camunda 8: "If an activity has no outgoing sequence flow, it behaves the same as it
        // would be connected to a none end event"). Not for nodes that end or jump anyway, nor
        // for what B0122 reports.
        let ends_anyway = match &node.kind {
            NodeKind::Event(Event { kind: EventKind::End, .. }) => true,
            NodeKind::Event(Event { kind: EventKind::IntermediateThrow, definitions, .. }) => {
                definitions.iter().any(|d| matches!(d.trigger, Trigger::Link { .. }))
            }
            NodeKind::Event(Event { kind: EventKind::Boundary { .. }, definitions, .. }) => {
                definitions.iter().any(|d| matches!(d.trigger, Trigger::Compensation { .. }))
            }
            NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. }) => true,
            NodeKind::Gateway(Gateway { kind: GatewayKind::Exclusive | GatewayKind::EventBased { .. }, .. }) => true,
            _ => is_compensation_handler,
        };
        if outs.is_empty() && !ends_anyway && !in_ad_hoc {
            self.warning(
                Code::ImplicitEnd,
                Some(id),
                node.position,
                format!("`{label}` has no outgoing sequence flow, so its path ends there without an end event"),
                "connect it to an end event to make the end explicit",
            );
        }
        let needs_incoming = match &node.kind {
            NodeKind::Event(Event { kind: EventKind::Start { .. } | EventKind::Boundary { .. }, .. }) => false,
            NodeKind::Event(Event { kind: EventKind::IntermediateCatch, definitions, .. }) => {
                !definitions.iter().any(|d| matches!(d.trigger, Trigger::Link { .. }))
            }
            NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. }) => false,
            NodeKind::Task(Task { kind: TaskKind::Receive { instantiate: true, .. }, .. }) => false,
            NodeKind::Gateway(Gateway { kind: GatewayKind::EventBased { instantiate: true }, .. }) => false,
            _ => !is_compensation_handler,
        };
        if needs_incoming && ins.is_empty() && !in_ad_hoc {
            self.warning(
                Code::Unreachable,
                Some(id),
                node.position,
                format!("no sequence flow leads to `{label}`: no token can ever reach it"),
                "connect it, or remove it",
            );
        }
    }

    fn activity(&mut self, node: &FlowNode, activity: &Activity, run_severity: Severity) {
        let label = node.label();
        match activity.loop_characteristics.as_deref() {
            Some(LoopCharacteristics::MultiInstance(mi))
                if mi.cardinality.is_some() && mi.input_collection.is_some() =>
            {
                self.report(
                    run_severity,
                    Code::AmbiguousMultiInstance,
                    Some(node.id.as_str()),
                    node.position,
                    format!("multi-instance `{label}` has both a loop cardinality and an input collection"),
                    "keep one: the cardinality counts instances, the collection makes one instance per item",
                );
            }
            Some(LoopCharacteristics::Standard { condition: None, maximum: None, .. }) => {
                self.report(
                    run_severity,
                    Code::EndlessLoop,
                    Some(node.id.as_str()),
                    node.position,
                    format!("loop `{label}` has neither a loop condition nor a loop maximum, so it never ends"),
                    "add a loopCondition, or a loopMaximum",
                );
            }
            _ => {}
        }
        if let Some(LoopCharacteristics::MultiInstance(mi)) = activity.loop_characteristics.as_deref() {
            for (what, expression) in
                [("loop cardinality", &mi.cardinality), ("completion condition", &mi.completion_condition)]
            {
                if let Some(expression) = expression {
                    self.expression(expression, node.id.as_str(), what, run_severity);
                }
            }
        }
        if let Some(LoopCharacteristics::Standard { condition: Some(condition), .. }) =
            activity.loop_characteristics.as_deref()
        {
            self.expression(condition, node.id.as_str(), "loop condition", run_severity);
        }
    }

    /// A `messageRef`. Both engines refuse a catching one that names nothing (Camunda 7: "Invalid
    /// 'messageRef'", Zeebe: "Must reference a message"); neither reads it on throw events, send
    /// tasks and message flows, where it only names what is sent.
    fn message_ref(&mut self, message: &MessageId, owner: &str, position: Position, refused: RefusedBy) {
        if self.defs.message(message.as_str()).is_none() {
            let sent = if refused == RefusedBy::Both { "" } else { " (no engine reads it here)" };
            self.deploy_problem(
                refused,
                Code::UnknownMessage,
                owner,
                position,
                format!("`{owner}` refers to message `{message}`, which does not exist{sent}"),
                "declare it as <bpmn:message id=\"...\" name=\"...\"/> under <definitions>, or fix the messageRef",
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        process: &Process,
        node: &FlowNode,
        event: &Event,
        nodes: &Graph<'_>,
        ins: &[&SequenceFlow],
        outs: &[&SequenceFlow],
        run_severity: Severity,
    ) {
        let id = node.id.as_str();
        let label = node.label();
        match &event.kind {
            // Neither engine checks a start event's incoming flows: a token arriving through one
            // passes the start event like any other.
            EventKind::Start { .. } if !ins.is_empty() => self.deploy_problem(
                RefusedBy::Neither,
                Code::StartWithIncoming,
                id,
                node.position,
                format!("start event `{label}` has an incoming sequence flow; a token arriving through it passes on"),
                "a start event begins a path: point the flow at the step after it, or use an intermediate event",
            ),
            EventKind::Start { .. } | EventKind::IntermediateCatch | EventKind::IntermediateThrow => {}
            // Zeebe: "End events must not have outgoing sequence flows to other elements";
            // Camunda 7 ends the path at the end event and never takes the flow.
            EventKind::End if !outs.is_empty() => {
                let ends = self.deploy_severity(RefusedBy::Camunda8) == Severity::Warning;
                self.deploy_problem(
                    RefusedBy::Camunda8,
                    Code::EndWithOutgoing,
                    id,
                    node.position,
                    format!(
                        "end event `{label}` has an outgoing sequence flow{}",
                        if ends { ", which is never taken: the path ends at the end event" } else { "" }
                    ),
                    "an end event ends a path: use an intermediate event if the path goes on",
                );
            }
            EventKind::End => {}
            EventKind::Boundary { attached_to, cancel_activity: _ } => {
                // Kept an error in every dialect: Zeebe refuses it ("Cannot have incoming
                // sequence flows"); Camunda 7 deploys it, but Baton does not run a token into a
                // boundary event.
                if !ins.is_empty() {
                    self.error(
                        Code::BoundaryWithIncoming,
                        id,
                        node.position,
                        format!("boundary event `{label}` has an incoming sequence flow"),
                        "a boundary event is triggered by its activity, never reached by a flow: remove the flow",
                    );
                }
                if !attached_to.as_str().is_empty() {
                    match nodes.get(attached_to.as_str()) {
                        None => self.error(
                            Code::UnknownAttachedTo,
                            id,
                            node.position,
                            format!("boundary event `{label}` is attached to `{attached_to}`, which is not an element of process `{}`", process.id),
                            "attach it to an activity of the same process",
                        ),
                        Some(host) if host.activity().is_none() => self.error(
                            Code::BadBoundary,
                            id,
                            node.position,
                            format!("boundary event `{label}` is attached to `{}`, a {}", host.label(), host.element_name()),
                            "boundary events attach to activities (tasks, sub-processes, call activities) only",
                        ),
                        Some(host) => {
                            let is_transaction = matches!(&host.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Transaction, .. }));
                            for definition in &event.definitions {
                                let allowed = match definition.trigger {
                                    Trigger::Link { .. } | Trigger::Terminate => false,
                                    Trigger::Cancel => is_transaction,
                                    _ => true,
                                };
                                if !allowed {
                                    self.error(
                                        Code::BadBoundary,
                                        id,
                                        definition.position,
                                        format!(
                                            "boundary event `{label}` has a {} on `{}`, which no boundary event can have there",
                                            definition.trigger.element_name(),
                                            host.label()
                                        ),
                                        "boundary events catch messages, timers, errors, escalations, signals, conditions, compensation, and cancel (on transactions)",
                                    );
                                }
                            }
                            if event.definitions.is_empty() {
                                self.error(
                                    Code::BadBoundary,
                                    id,
                                    node.position,
                                    format!("boundary event `{label}` has no event definition, so nothing can trigger it"),
                                    "give it a trigger (message, timer, error, ...)",
                                );
                            }
                        }
                    }
                }
            }
        }
        for definition in &event.definitions {
            self.event_definition(process, node, definition, nodes, run_severity);
        }
    }

    fn event_definition(
        &mut self,
        process: &Process,
        node: &FlowNode,
        definition: &EventDefinition,
        nodes: &Graph<'_>,
        run_severity: Severity,
    ) {
        let id = node.id.as_str();
        let label = node.label();
        let _ = process;
        let throws =
            matches!(&node.kind, NodeKind::Event(e) if matches!(e.kind, EventKind::IntermediateThrow | EventKind::End));
        match &definition.trigger {
            Trigger::Message { message: Some(message) } => {
                let refused = if throws { RefusedBy::Neither } else { RefusedBy::Both };
                self.message_ref(message, id, definition.position, refused);
            }
            // Camunda 7 takes an errorRef naming no error as the error code (the parser declares
            // it: `BpmnError::implicit`). Zeebe refuses an error end event without an error
            // ("Must reference an error"), and reads a catching one as catching every error.
            Trigger::Error { error: Some(error) } if self.defs.error(error.as_str()).is_none_or(|e| e.implicit) => {
                let (refused, what) = match (self.defs.dialect, throws) {
                    (Dialect::Camunda8, true) => (RefusedBy::Camunda8, String::new()),
                    (Dialect::Camunda8, false) => (
                        RefusedBy::Neither,
                        ": Camunda 8 reads it as no error, so the event catches every error".into(),
                    ),
                    _ => (RefusedBy::Camunda8, format!(": Camunda 7 takes `{error}` as the error code")),
                };
                self.deploy_problem(
                    refused,
                    Code::UnknownError,
                    id,
                    definition.position,
                    format!("`{label}` refers to error `{error}`, which is not declared{what}"),
                    "declare it as <bpmn:error id=\"...\" errorCode=\"...\"/> under <definitions>, or fix the errorRef",
                );
            }
            Trigger::Signal { signal: Some(signal) } if self.defs.signal(signal.as_str()).is_none() => self.error(
                Code::UnknownSignal,
                id,
                definition.position,
                format!("`{label}` refers to signal `{signal}`, which does not exist"),
                "declare it as <bpmn:signal id=\"...\" name=\"...\"/> under <definitions>, or fix the signalRef",
            ),
            // Camunda 7 refuses every escalationRef naming nothing ("could not find escalation");
            // Zeebe refuses a throwing one and reads a catching one as catching every escalation.
            Trigger::Escalation { escalation: Some(escalation) }
                if self.defs.escalation(escalation.as_str()).is_none() =>
            {
                let refused = if throws { RefusedBy::Both } else { RefusedBy::Camunda7 };
                let catches_all = self.deploy_severity(refused) == Severity::Warning;
                self.deploy_problem(
                    refused,
                    Code::UnknownEscalation,
                    id,
                    definition.position,
                    format!(
                        "`{label}` refers to escalation `{escalation}`, which does not exist{}",
                        if catches_all { ": the event catches every escalation, as in Camunda 8" } else { "" }
                    ),
                    "declare it as <bpmn:escalation id=\"...\" escalationCode=\"...\"/> under <definitions>, or fix the escalationRef",
                );
            }
            Trigger::Compensation { activity: Some(activity), .. }
                if nodes.get(activity.as_str()).is_none_or(|n| n.activity().is_none()) =>
            {
                self.error(
                    Code::UnknownCompensationActivity,
                    id,
                    definition.position,
                    format!("`{label}` compensates `{activity}`, which is not an activity of this process"),
                    "name an activity of the same process in activityRef, or leave it out to compensate all",
                )
            }
            Trigger::Timer { timer: None } => self.report(
                run_severity,
                Code::MissingTimer,
                Some(id),
                definition.position,
                format!("timer `{label}` has no time: no timeDuration, timeDate or timeCycle"),
                "set one, e.g. a timeDuration of P7D",
            ),
            Trigger::Timer { timer: Some(timer) } => {
                if let Err(err) = TimerSpec::parse(timer.kind, &timer.value) {
                    // Zeebe checks every static timer at deploy; Camunda 7 only the timer start
                    // events of a process, which it schedules then: any other timer fails when
                    // it is set, and Baton raises an incident there.
                    let process_start = node.parent.is_none()
                        && matches!(&node.kind, NodeKind::Event(e) if matches!(e.kind, EventKind::Start { .. }));
                    let refused = if process_start { RefusedBy::Both } else { RefusedBy::Camunda8 };
                    let severity = self.deploy_severity(refused).max(run_severity);
                    let when = if severity == Severity::Warning && !process_start && run_severity == Severity::Error {
                        "; Camunda 7 deploys it and fails when the timer is set, where Baton raises an incident"
                    } else {
                        ""
                    };
                    self.report(
                        severity,
                        Code::BadTimer,
                        Some(id),
                        timer.position,
                        format!("timer `{label}`: {err}{when}"),
                        "",
                    );
                } else if let TimerSpec::Expression(_) =
                    TimerSpec::parse(timer.kind, &timer.value).unwrap_or(TimerSpec::Cron(String::new()))
                {
                    let expression = Expression { text: timer.value.clone(), language: None, position: timer.position };
                    self.expression(&expression, id, "timer", run_severity);
                }
            }
            Trigger::Conditional { condition } => match condition {
                Some(condition) => self.expression(condition, id, "condition", run_severity),
                None => self.report(
                    run_severity,
                    Code::BadExpression,
                    Some(id),
                    definition.position,
                    format!("conditional event `{label}` has no condition"),
                    "add a <condition> with an expression",
                ),
            },
            _ => {}
        }
    }

    fn links(&mut self, process: &Process, run_severity: Severity) {
        let link_name = |node: &FlowNode, wanted: EventKind| match &node.kind {
            NodeKind::Event(Event { kind, definitions, .. }) if *kind == wanted => {
                definitions.iter().find_map(|d| match &d.trigger {
                    Trigger::Link { name } => Some(name.clone().unwrap_or_default()),
                    _ => None,
                })
            }
            _ => None,
        };
        let catches: Vec<(Option<&NodeId>, String)> = process
            .nodes
            .iter()
            .filter_map(|n| link_name(n, EventKind::IntermediateCatch).map(|name| (n.parent.as_ref(), name)))
            .collect();
        for node in &process.nodes {
            if let Some(name) = link_name(node, EventKind::IntermediateThrow)
                && !catches.iter().any(|(scope, catch)| *scope == node.parent.as_ref() && *catch == name)
            {
                self.report(
                    run_severity,
                    Code::LinkWithoutCatch,
                    Some(node.id.as_str()),
                    node.position,
                    format!(
                        "link `{}` is thrown by `{}`, but no link catch event of that name is in the same scope",
                        name,
                        node.label()
                    ),
                    "add an intermediate catch link event with the same name, or fix the name",
                );
            }
        }
    }

    fn lanes(&mut self, lanes: &[Lane]) {
        for lane in lanes {
            for node in &lane.nodes {
                if !self.exists(node.as_str()) {
                    self.error(
                        Code::UnknownReference,
                        &lane.id,
                        lane.position,
                        format!(
                            "lane `{}` holds `{node}`, which does not exist",
                            lane.name.as_deref().unwrap_or(&lane.id)
                        ),
                        "remove the stale flowNodeRef",
                    );
                }
            }
            self.lanes(&lane.lanes);
        }
    }

    fn artifacts(&mut self, artifacts: &[Artifact]) {
        for artifact in artifacts {
            // Both are QNames, which the XSD does not resolve. Camunda 7 refuses an association
            // to nothing ("Invalid reference sourceRef"); no engine reads a group's category.
            let (refs, refused): (Vec<&str>, RefusedBy) = match &artifact.kind {
                ArtifactKind::Association { source, target, .. } => (vec![source, target], RefusedBy::Camunda7),
                ArtifactKind::Group { category_value: Some(value) } => (vec![value], RefusedBy::Neither),
                _ => (Vec::new(), RefusedBy::Neither),
            };
            for target in refs {
                if !target.is_empty() && !self.exists(target) {
                    self.deploy_problem(
                        refused,
                        Code::UnknownReference,
                        &artifact.id,
                        artifact.position,
                        format!("`{}` refers to `{target}`, which does not exist", artifact.id),
                        "point it at an existing element, or remove it",
                    );
                }
            }
        }
    }

    // ----- collaborations, unsupported elements and diagrams --------------------------------

    fn collaboration(&mut self, collaboration: &Collaboration) {
        // processRef and a message flow's ends are QNames no engine resolves at deploy: Camunda 7
        // skips a pool of no process, and neither engine runs message flows.
        for participant in &collaboration.participants {
            if let Some(process) = &participant.process
                && self.defs.process(process.as_str()).is_none()
            {
                self.deploy_problem(
                    RefusedBy::Neither,
                    Code::UnknownReference,
                    &participant.id,
                    participant.position,
                    format!(
                        "pool `{}` refers to process `{process}`, which does not exist",
                        participant.name.as_deref().unwrap_or(&participant.id)
                    ),
                    "fix the processRef, or remove it to make the pool a black box",
                );
            }
        }
        for flow in &collaboration.message_flows {
            for (end, target) in [("source", &flow.source), ("target", &flow.target)] {
                if !target.is_empty() && !self.exists(target) {
                    self.deploy_problem(
                        RefusedBy::Neither,
                        Code::UnknownReference,
                        &flow.id,
                        flow.position,
                        format!("message flow `{}` has {end} `{target}`, which does not exist", flow.id),
                        "connect it to a pool or to an element inside one",
                    );
                }
            }
            if let Some(message) = &flow.message {
                self.message_ref(message, &flow.id, flow.position, RefusedBy::Neither);
            }
        }
        self.artifacts(&collaboration.artifacts);
    }

    fn unsupported(&mut self) {
        let executable: HashSet<&str> =
            self.defs.processes.iter().filter(|p| p.is_executable).map(|p| p.id.as_str()).collect();
        let _ = executable;
        for u in &self.defs.unsupported {
            let (code, message, hint) = match u.kind {
                UnsupportedKind::Extension => (
                    Code::UnsupportedExtension,
                    format!("extension element `{}` is kept but Baton does not use it", u.element),
                    "it has no effect when Baton runs the model",
                ),
                UnsupportedKind::BpmnElement | UnsupportedKind::FlowElement => (
                    Code::UnsupportedElement,
                    format!("`{}` is not supported by Baton; it is kept for the record", u.element),
                    "it has no effect when Baton runs the model",
                ),
            };
            self.problems.push(Problem {
                severity: Severity::Warning,
                code,
                message,
                element: u.id.clone().or_else(|| u.parent.clone()),
                file: self.defs.source.clone(),
                position: u.position,
                hint: Some(hint.to_owned()),
            });
        }
    }

    fn diagrams(&mut self) {
        let defs = self.defs;
        let mut drawn_flow_elements = 0;
        for diagram in &defs.diagrams {
            for (element, position) in diagram
                .shapes
                .iter()
                .map(|s| (&s.element, s.position))
                .chain(diagram.edges.iter().map(|e| (&e.element, e.position)))
            {
                match self.ids.get_mut(element.as_str()) {
                    Some(known) => {
                        drawn_flow_elements += usize::from(known.flow_element && !known.drawn);
                        known.drawn = true;
                    }
                    None => self.warning(
                        Code::DiUnknownElement,
                        Some(element),
                        position,
                        format!("the diagram draws `{element}`, which does not exist"),
                        "a leftover of a deleted element: re-save the file in a modeler to drop it",
                    ),
                }
            }
        }
        if defs.diagrams.is_empty() {
            if let Some(process) = defs.processes.first() {
                self.warning(
                    Code::NotDrawn,
                    None,
                    process.position,
                    "the file has no diagram (BPMN DI): reports can list its elements but not draw them".into(),
                    "open and save it in a BPMN modeler to lay it out",
                );
            }
            return;
        }
        if drawn_flow_elements == self.flow_elements {
            return; // every flow node and sequence flow is drawn
        }
        for process in &defs.processes {
            let missing: Vec<(&str, Position)> = process
                .nodes
                .iter()
                .map(|n| (n.id.as_str(), n.position))
                .chain(process.flows.iter().filter(|f| !f.generated_id).map(|f| (f.id.as_str(), f.position)))
                .filter(|(id, _)| !self.ids.get(id).is_some_and(|known| known.drawn))
                .collect();
            for (id, position) in missing {
                self.warning(
                    Code::NotDrawn,
                    Some(id),
                    position,
                    format!("`{id}` is not in any diagram: the report will list it under the drawing"),
                    "draw it in a modeler",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_drawn(xml: &str) -> Vec<Option<String>> {
        let definitions = crate::parse::parse(xml).expect("parses");
        validate(&definitions).into_iter().filter(|p| p.code == Code::NotDrawn).map(|p| p.element).collect()
    }

    /// Process `id` holding `elements`, with a diagram that draws only `drawn`.
    fn drawn_in_part(id: &str, elements: &str, drawn: &str) -> String {
        format!(
            r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
            <process id="{id}">{elements}</process>
            <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="{id}">
              <bpmndi:BPMNShape id="di" bpmnElement="{drawn}"><dc:Bounds x="0" y="0" width="36" height="36" /></bpmndi:BPMNShape>
            </bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>"#
        )
    }

    #[test]
    fn elements_left_out_of_the_diagram_are_reported() {
        let elements = r#"<startEvent id="s" /><endEvent id="e" />"#;
        assert_eq!(not_drawn(&drawn_in_part("p", elements, "s")), [Some("e".to_string())]);
        assert_eq!(not_drawn(&drawn_in_part("p", elements, "e")), [Some("s".to_string())]);
    }

    #[test]
    fn an_undrawn_node_sharing_its_id_with_another_element_is_still_reported() {
        // The end event reuses its process's id (itself an error): the id table names the
        // process, so the shortcut for "every flow element drawn" must not count it as drawn.
        let elements = r#"<startEvent id="s" /><endEvent id="x" />"#;
        assert_eq!(not_drawn(&drawn_in_part("x", elements, "s")), [Some("x".to_string())]);
    }
}
