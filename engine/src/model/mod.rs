//! What a BPMN document is: definitions, processes, flow nodes, sequence flows, events, and the
//! diagram that draws them.
//!
//! The model is a faithful, typed picture of the XML, with every element's [`Position`] kept so
//! that a problem can always be shown where the user wrote it. The runtime graph (processes) and
//! the drawing ([`Diagram`]s, in [`di`]) are separate: the runtime never touches DI.
//!
//! Elements are kept in document order in `Vec`s, never in hash maps, so that anything derived
//! from the model (validation output, traces, reports) is the same on every run and machine.
//! Nodes of sub-processes live in their process's flat [`Process::nodes`] list with
//! [`FlowNode::parent`] naming the enclosing sub-process: one lookup table per process, and scope
//! is one field away.
//!
//! Nothing is dropped: an element the model does not know becomes an [`Unsupported`] entry, and
//! an element that could not be read (no id, a number that is not a number) becomes a
//! [`Defect`]; the validator reports both.

pub mod di;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use di::{Bounds, Colors, Diagram, Edge, Label, MessageVisibleKind, Plane, Point, Shape};

/// Where an element starts in its source file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Position {
    /// A position from a 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as written in the document.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )*};
}

id_type! {
    /// The id of a flow node (task, gateway, event, sub-process, call activity).
    NodeId;
    /// The id of a sequence flow.
    FlowId;
    /// The id of a process.
    ProcessId;
    /// The id of a `<message>` root element.
    MessageId;
    /// The id of a `<signal>` root element.
    SignalId;
    /// The id of an `<error>` root element.
    ErrorId;
    /// The id of an `<escalation>` root element.
    EscalationId;
}

/// Which tool family wrote the document; decides how extension elements are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Camunda 7 (`camunda:` extensions, `${...}` expressions).
    Camunda7,
    /// Camunda 8 / Zeebe (`zeebe:` extensions, FEEL `=...` expressions).
    Camunda8,
    /// Plain BPMN 2.0 as bpmn.io or other tools write it.
    Plain,
}

/// The tool that wrote the document (`exporter`, `exporterVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exporter {
    /// Tool name, e.g. `Camunda Modeler`.
    pub name: String,
    /// Tool version, if given.
    pub version: Option<String>,
}

/// A whole BPMN document: the `<definitions>` root and everything under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definitions {
    /// The file it was read from, when it was read from a file.
    pub source: Option<PathBuf>,
    /// The `id` of `<definitions>`.
    pub id: Option<String>,
    /// The `name` of `<definitions>`.
    pub name: Option<String>,
    /// The `targetNamespace`.
    pub target_namespace: Option<String>,
    /// The tool that wrote the document.
    pub exporter: Option<Exporter>,
    /// The dialect, detected from namespaces and the modeler's execution platform.
    pub dialect: Dialect,
    /// Processes in document order.
    pub processes: Vec<Process>,
    /// Collaborations (pools and message flows) in document order.
    pub collaborations: Vec<Collaboration>,
    /// `<message>` root elements.
    pub messages: Vec<Message>,
    /// `<signal>` root elements.
    pub signals: Vec<Signal>,
    /// `<error>` root elements, then the errors Camunda 7 would take an `errorRef` for (see
    /// [`BpmnError::implicit`]).
    pub errors: Vec<BpmnError>,
    /// `<escalation>` root elements.
    pub escalations: Vec<Escalation>,
    /// `<dataStore>` root elements.
    pub data_stores: Vec<DataStore>,
    /// `<category>` root elements (the labels of groups).
    pub categories: Vec<Category>,
    /// Every `<bpmndi:BPMNDiagram>`, kept apart from the runtime graph.
    pub diagrams: Vec<Diagram>,
    /// Elements the model does not know, kept with their position.
    pub unsupported: Vec<Unsupported>,
    /// Elements that could not be read as written, kept with their position.
    pub defects: Vec<Defect>,
}

impl Definitions {
    /// The process with this id.
    pub fn process(&self, id: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.id == id)
    }

    /// The message with this id.
    pub fn message(&self, id: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.id == id)
    }

    /// The error with this id.
    pub fn error(&self, id: &str) -> Option<&BpmnError> {
        self.errors.iter().find(|e| e.id == id)
    }

    /// The signal with this id.
    pub fn signal(&self, id: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.id == id)
    }

    /// The escalation with this id.
    pub fn escalation(&self, id: &str) -> Option<&Escalation> {
        self.escalations.iter().find(|e| e.id == id)
    }
}

/// A `<process>`: the graph the engine runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Process {
    /// Its id, used to start instances.
    pub id: ProcessId,
    /// Its name.
    pub name: Option<String>,
    /// `isExecutable`; a non-executable process is drawn and checked, but not run.
    pub is_executable: bool,
    /// `camunda:versionTag` or `zeebe:versionTag`.
    pub version_tag: Option<String>,
    /// Every flow node, nested ones included, in document order.
    pub nodes: Vec<FlowNode>,
    /// Every sequence flow, nested ones included, in document order.
    pub flows: Vec<SequenceFlow>,
    /// Lanes, as nested in the document's lane sets.
    pub lanes: Vec<Lane>,
    /// Data objects, data object references, data store references, properties, and the data
    /// inputs and outputs of the process's and its activities' `ioSpecification`s.
    pub data: Vec<DataElement>,
    /// Data input and output associations of activities.
    pub data_associations: Vec<DataAssociation>,
    /// Text annotations, groups and associations.
    pub artifacts: Vec<Artifact>,
    /// `<documentation>` text.
    pub documentation: Option<String>,
    /// Where `<process>` starts.
    pub position: Position,
}

impl Process {
    /// The flow node with this id.
    pub fn node(&self, id: &str) -> Option<&FlowNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The sequence flow with this id.
    pub fn flow(&self, id: &str) -> Option<&SequenceFlow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The nodes directly inside `scope` (`None`: the process itself), in document order.
    pub fn children<'a>(&'a self, scope: Option<&'a NodeId>) -> impl Iterator<Item = &'a FlowNode> {
        self.nodes.iter().filter(move |n| n.parent.as_ref() == scope)
    }
}

/// A node of the process graph: something a token can be at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowNode {
    /// Its id.
    pub id: NodeId,
    /// Its name, as the diagram shows it.
    pub name: Option<String>,
    /// What it is.
    pub kind: NodeKind,
    /// The sub-process it is inside, or `None` at process level.
    pub parent: Option<NodeId>,
    /// `<incoming>` flow ids as written.
    pub incoming: Vec<FlowId>,
    /// `<outgoing>` flow ids as written.
    pub outgoing: Vec<FlowId>,
    /// `<documentation>` text.
    pub documentation: Option<String>,
    /// Where the element starts.
    pub position: Position,
    /// Execution and task listeners (`camunda:executionListener`, `camunda:taskListener`,
    /// `zeebe:executionListener`, `zeebe:taskListener`), in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listeners: Vec<Listener>,
}

/// An execution or task listener: what runs at one event of an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// The event as the model writes it: `start`, `end` (execution listeners); Camunda 7's
    /// `create`, `assignment`, `complete`; Camunda 8's `creating`, `assigning`, `completing`.
    pub event: String,
    /// What runs.
    pub implementation: ListenerImplementation,
    /// Where the listener element starts.
    pub position: Position,
}

/// What a listener runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum ListenerImplementation {
    /// Camunda 8: a job of this type (`type`, `retries`).
    Job {
        /// The job type.
        job_type: String,
        /// `retries`, as written.
        retries: Option<String>,
    },
    /// Camunda 7 `class`: a handler registered under the class name.
    Class {
        /// The class name.
        name: String,
    },
    /// Camunda 7 `delegateExpression`: a handler registered under the expression text.
    DelegateExpression {
        /// The expression, e.g. `${auditListener}`.
        expression: String,
    },
    /// Camunda 7 `expression`: JUEL, unless a handler is registered under its text.
    Expression {
        /// The expression.
        expression: String,
    },
    /// Camunda 7 `<camunda:script>`.
    Script {
        /// `scriptFormat`.
        format: String,
        /// The script text (or `resource`).
        body: String,
    },
}

impl ListenerImplementation {
    /// The name a handler is registered under: the job type, class or expression text.
    pub fn name(&self) -> &str {
        match self {
            ListenerImplementation::Job { job_type: s, .. }
            | ListenerImplementation::Class { name: s }
            | ListenerImplementation::DelegateExpression { expression: s }
            | ListenerImplementation::Expression { expression: s }
            | ListenerImplementation::Script { body: s, .. } => s,
        }
    }
}

impl FlowNode {
    /// The BPMN element name of this node, e.g. `serviceTask`, for messages.
    pub fn element_name(&self) -> &'static str {
        self.kind.element_name()
    }

    /// The activity part of this node, if it is an activity.
    pub fn activity(&self) -> Option<&Activity> {
        match &self.kind {
            NodeKind::Task(t) => Some(&t.activity),
            NodeKind::SubProcess(s) => Some(&s.activity),
            NodeKind::CallActivity(c) => Some(&c.activity),
            NodeKind::Gateway(_) | NodeKind::Event(_) => None,
        }
    }

    /// The node's `default` flow, for activities and gateways that have one.
    pub fn default_flow(&self) -> Option<&FlowId> {
        match &self.kind {
            NodeKind::Gateway(g) => g.default_flow.as_ref(),
            _ => self.activity().and_then(|a| a.default_flow.as_ref()),
        }
    }

    /// The name if it has one, else the id: how messages refer to the node.
    pub fn label(&self) -> &str {
        self.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(self.id.as_str())
    }
}

/// What a flow node is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// A task of any type.
    Task(Task),
    /// An embedded, event, transaction or ad-hoc sub-process.
    SubProcess(SubProcess),
    /// A call activity, which starts another process.
    CallActivity(CallActivity),
    /// A gateway of any of the five kinds.
    Gateway(Gateway),
    /// A start, intermediate, boundary or end event.
    Event(Event),
}

impl NodeKind {
    /// The BPMN element name, e.g. `serviceTask`.
    pub fn element_name(&self) -> &'static str {
        match self {
            NodeKind::Task(t) => match t.kind {
                TaskKind::Abstract => "task",
                TaskKind::Service => "serviceTask",
                TaskKind::Send { .. } => "sendTask",
                TaskKind::Receive { .. } => "receiveTask",
                TaskKind::User(_) => "userTask",
                TaskKind::Manual => "manualTask",
                TaskKind::Script(_) => "scriptTask",
                TaskKind::BusinessRule(_) => "businessRuleTask",
            },
            NodeKind::SubProcess(s) => match s.kind {
                SubProcessKind::Embedded | SubProcessKind::Event => "subProcess",
                SubProcessKind::Transaction => "transaction",
                SubProcessKind::AdHoc { .. } => "adHocSubProcess",
            },
            NodeKind::CallActivity(_) => "callActivity",
            NodeKind::Gateway(g) => match g.kind {
                GatewayKind::Exclusive => "exclusiveGateway",
                GatewayKind::Inclusive => "inclusiveGateway",
                GatewayKind::Parallel => "parallelGateway",
                GatewayKind::EventBased { .. } => "eventBasedGateway",
                GatewayKind::Complex { .. } => "complexGateway",
            },
            NodeKind::Event(e) => match e.kind {
                EventKind::Start { .. } => "startEvent",
                EventKind::IntermediateCatch => "intermediateCatchEvent",
                EventKind::IntermediateThrow => "intermediateThrowEvent",
                EventKind::Boundary { .. } => "boundaryEvent",
                EventKind::End => "endEvent",
            },
        }
    }
}

/// What every activity (task, sub-process, call activity) has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Activity {
    /// The `default` outgoing flow, taken when no other outgoing condition holds.
    pub default_flow: Option<FlowId>,
    /// Standard loop or multi-instance behaviour. Boxed: most activities have none, and inline it
    /// tripled the size of every flow node.
    pub loop_characteristics: Option<Box<LoopCharacteristics>>,
    /// `isForCompensation`: a compensation handler, reached only by compensation.
    pub is_for_compensation: bool,
    /// Input mappings (`zeebe:input`, `camunda:inputParameter`, `camunda:in`).
    pub inputs: Vec<Mapping>,
    /// Output mappings (`zeebe:output`, `camunda:outputParameter`, `camunda:out`).
    pub outputs: Vec<Mapping>,
}

/// One variable mapping: evaluate `source` and store the result as `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// An expression (`=order.amount`, `${order.amount}`) or a literal value; for
    /// [`MappingKind::Variable`] the name of the variable copied.
    pub source: String,
    /// The variable name written.
    pub target: String,
    /// What `source` is.
    #[serde(default, skip_serializing_if = "MappingKind::is_expression")]
    pub kind: MappingKind,
    /// Camunda 7 `camunda:in local="true"`/`camunda:out local="true"`: read the call activity's
    /// local variables only (in), or write the result as a local variable of the call activity
    /// (out), where only its output parameters can read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
    /// Where the mapping is written.
    pub position: Position,
}

/// What a mapping's source is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MappingKind {
    /// An expression in the model's language, or text (`zeebe:input source`,
    /// `camunda:inputParameter` text, `camunda:in sourceExpression`).
    #[default]
    Expression,
    /// The name of a variable, copied as it is (`camunda:in source="x"`, `camunda:out source`).
    Variable,
    /// A `camunda:list` or `camunda:map` parameter value.
    Value(ParameterValue),
}

impl MappingKind {
    /// The default: `source` is an expression or text.
    pub fn is_expression(&self) -> bool {
        *self == MappingKind::Expression
    }
}

/// A Camunda 7 input or output parameter's structured value: each text is JUEL text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterValue {
    /// Text or `${...}`; empty text is null.
    Text(String),
    /// `<camunda:list>`: its `camunda:value`s (or nested lists and maps), in order.
    List(Vec<ParameterValue>),
    /// `<camunda:map>`: its `camunda:entry key="..."`s, in order.
    Map(Vec<(String, ParameterValue)>),
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Which kind of task.
    pub kind: TaskKind,
    /// What every activity has.
    pub activity: Activity,
    /// How the work is done: the job type a handler is registered for.
    pub implementation: Option<Implementation>,
    /// Job retries (`zeebe:taskDefinition retries`, `camunda:failedJobRetryTimeCycle`).
    pub retries: Option<String>,
    /// Static job headers (`zeebe:taskHeaders`), in document order.
    pub headers: Vec<(String, String)>,
    /// Camunda 7 `camunda:resultVariable` of a service task with `camunda:expression`: the
    /// expression's value is stored there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_variable: Option<String>,
}

/// The kinds of task, each with what only it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum TaskKind {
    /// A plain `<task>`: passes straight through.
    Abstract,
    /// `<serviceTask>`.
    Service,
    /// `<sendTask>`, optionally naming its message.
    Send {
        /// `messageRef`.
        message: Option<MessageId>,
    },
    /// `<receiveTask>`, waiting for its message.
    Receive {
        /// `messageRef`.
        message: Option<MessageId>,
        /// `instantiate`: the message starts the process.
        instantiate: bool,
    },
    /// `<userTask>`.
    User(UserTask),
    /// `<manualTask>`.
    Manual,
    /// `<scriptTask>`.
    Script(Script),
    /// `<businessRuleTask>`.
    BusinessRule(BusinessRule),
}

/// Who does a user task, and with which form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserTask {
    /// `camunda:assignee` or `zeebe:assignmentDefinition assignee`.
    pub assignee: Option<String>,
    /// Candidate groups, comma-separated in the document.
    pub candidate_groups: Vec<String>,
    /// Candidate users, comma-separated in the document.
    pub candidate_users: Vec<String>,
    /// `camunda:formKey`, or `zeebe:formDefinition formKey`/`formId`.
    pub form_key: Option<String>,
    /// `camunda:dueDate` or `zeebe:taskSchedule dueDate`.
    pub due_date: Option<String>,
    /// `camunda:followUpDate` or `zeebe:taskSchedule followUpDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_date: Option<String>,
    /// `camunda:priority` or `zeebe:priorityDefinition priority`, as written (evaluated when the
    /// task is created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

/// A script task's script.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Script {
    /// `scriptFormat`, e.g. `javascript`; `feel` for a Zeebe script expression.
    pub format: Option<String>,
    /// The script text, or the Zeebe expression.
    pub body: Option<String>,
    /// The variable the result is stored in.
    pub result_variable: Option<String>,
}

/// A business rule task's decision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessRule {
    /// `camunda:decisionRef` or `zeebe:calledDecision decisionId`.
    pub decision: Option<String>,
    /// The variable the result is stored in.
    pub result_variable: Option<String>,
}

/// How a task's work is done, read from the dialect's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", content = "value", rename_all = "snake_case")]
pub enum Implementation {
    /// `zeebe:taskDefinition type`.
    JobType(String),
    /// Camunda 7 external task: `camunda:type="external" camunda:topic`.
    ExternalTopic(String),
    /// Camunda 7 `camunda:class`.
    Class(String),
    /// Camunda 7 `camunda:delegateExpression`.
    DelegateExpression(String),
    /// Camunda 7 `camunda:expression`.
    Expression(String),
}

impl Implementation {
    /// The name a handler is registered under: the type, topic, class or expression text.
    pub fn task_type(&self) -> &str {
        match self {
            Implementation::JobType(s)
            | Implementation::ExternalTopic(s)
            | Implementation::Class(s)
            | Implementation::DelegateExpression(s)
            | Implementation::Expression(s) => s,
        }
    }
}

/// A sub-process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubProcess {
    /// Which kind.
    pub kind: SubProcessKind,
    /// What every activity has.
    pub activity: Activity,
}

/// The kinds of sub-process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubProcessKind {
    /// An embedded `<subProcess>`.
    Embedded,
    /// An event sub-process (`triggeredByEvent="true"`), started by its start event.
    Event,
    /// A `<transaction>`, cancelled by a cancel end event.
    Transaction,
    /// An `<adHocSubProcess>`.
    AdHoc {
        /// `completionCondition`.
        completion_condition: Option<Expression>,
        /// `ordering`: `Parallel` (default) or `Sequential`.
        sequential: bool,
    },
}

/// A call activity: runs another process as a child instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallActivity {
    /// The called process id (`calledElement` or `zeebe:calledElement processId`).
    pub called_element: Option<String>,
    /// What every activity has; mappings are the in/out variable mappings.
    pub activity: Activity,
    /// Pass all parent variables into the child (`camunda:in variables="all"`, Zeebe default).
    pub propagate_all_parent_variables: bool,
    /// Copy all child variables back (`camunda:out variables="all"`,
    /// `zeebe:calledElement propagateAllChildVariables`, Zeebe default).
    pub propagate_all_child_variables: bool,
    /// Camunda 7 `camunda:in variables="all" local="true"`: only the call activity's local
    /// variables pass into the child.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_in_local: bool,
    /// Camunda 7 `camunda:out variables="all" local="true"`: the child's variables become local
    /// variables of the call activity, which its output parameters read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_out_local: bool,
    /// Camunda 7 `camunda:in` mappings with a target: the child's variables. The call
    /// activity's own `camunda:inputParameter`s are `activity.inputs`, its local variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed_in: Vec<Mapping>,
    /// Camunda 7 `camunda:out` mappings with a target, read from the child's variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed_out: Vec<Mapping>,
}

/// Standard loop or multi-instance behaviour of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "loop", rename_all = "snake_case")]
pub enum LoopCharacteristics {
    /// `<standardLoopCharacteristics>`.
    Standard {
        /// `loopCondition`.
        condition: Option<Expression>,
        /// `testBefore`: check the condition before the first iteration.
        test_before: bool,
        /// `loopMaximum`.
        maximum: Option<u64>,
    },
    /// `<multiInstanceLoopCharacteristics>`.
    MultiInstance(MultiInstance),
}

/// Multi-instance settings from both dialects and the standard elements.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MultiInstance {
    /// `isSequential`.
    pub sequential: bool,
    /// `loopCardinality`.
    pub cardinality: Option<Expression>,
    /// The collection to iterate (`zeebe:loopCharacteristics inputCollection`,
    /// `camunda:collection`, `loopDataInputRef`).
    pub input_collection: Option<String>,
    /// The variable holding each item (`inputElement`, `camunda:elementVariable`,
    /// `inputDataItem`).
    pub input_element: Option<String>,
    /// The collection gathering results (`outputCollection`, `loopDataOutputRef`).
    pub output_collection: Option<String>,
    /// The expression giving each result (`outputElement`, `outputDataItem`).
    pub output_element: Option<String>,
    /// `completionCondition`.
    pub completion_condition: Option<Expression>,
}

/// A gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gateway {
    /// Which kind.
    pub kind: GatewayKind,
    /// The `default` flow (exclusive, inclusive and complex gateways).
    pub default_flow: Option<FlowId>,
}

/// The five kinds of gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "gateway", rename_all = "snake_case")]
pub enum GatewayKind {
    /// Exclusive (XOR): the first flow whose condition holds.
    Exclusive,
    /// Inclusive (OR): every flow whose condition holds; joins wait for all that can arrive.
    Inclusive,
    /// Parallel (AND): all flows; joins wait for all.
    Parallel,
    /// Event-based: the first of the following events to happen wins.
    EventBased {
        /// `instantiate`: the gateway starts the process.
        instantiate: bool,
    },
    /// Complex, with its activation condition.
    Complex {
        /// `activationCondition`.
        activation_condition: Option<Expression>,
    },
}

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Where in the flow the event sits.
    pub kind: EventKind,
    /// Its event definitions; empty for a none event.
    pub definitions: Vec<EventDefinition>,
    /// `parallelMultiple`: all definitions must trigger, not one.
    pub parallel_multiple: bool,
    /// Output mappings (`zeebe:output`, `camunda:outputParameter`).
    pub mappings: Vec<Mapping>,
    /// Input mappings (`zeebe:input`, `camunda:inputParameter`): the local variables of a
    /// message throw event's job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Mapping>,
    /// Camunda 7 `camunda:errorCodeVariable` of a catching error event: the caught error's code
    /// is stored there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code_variable: Option<String>,
    /// Camunda 7 `camunda:errorMessageVariable`: the caught error's message is stored there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message_variable: Option<String>,
    /// A message throw or end event that is a job, as a service task is: `zeebe:taskDefinition`,
    /// or the message event definition's `camunda:type="external"`, `class`, `expression`,
    /// `delegateExpression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Implementation>,
    /// That job's retries (`zeebe:taskDefinition retries`, `camunda:failedJobRetryTimeCycle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<String>,
    /// That job's static headers (`zeebe:taskHeaders`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// Where an event sits in the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A start event; `interrupting` matters only in event sub-processes.
    Start {
        /// `isInterrupting`.
        interrupting: bool,
    },
    /// An intermediate catch event: waits.
    IntermediateCatch,
    /// An intermediate throw event: throws, then goes on.
    IntermediateThrow,
    /// A boundary event, attached to an activity.
    Boundary {
        /// `attachedToRef`.
        attached_to: NodeId,
        /// `cancelActivity`: interrupting (true) or not.
        cancel_activity: bool,
    },
    /// An end event.
    End,
}

/// One event definition of an event, with its own id and position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDefinition {
    /// The definition element's id, if it has one.
    pub id: Option<String>,
    /// What triggers (or is thrown by) the event.
    pub trigger: Trigger,
    /// Where the definition element starts.
    pub position: Position,
}

/// What an event definition catches or throws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Trigger {
    /// A message.
    Message {
        /// `messageRef`.
        message: Option<MessageId>,
    },
    /// A timer; `None` when the definition names no time yet (a fresh modeler element).
    Timer {
        /// `timeDuration`, `timeDate` or `timeCycle`.
        timer: Option<Timer>,
    },
    /// A BPMN error.
    Error {
        /// `errorRef`; none catches every error.
        error: Option<ErrorId>,
    },
    /// An escalation.
    Escalation {
        /// `escalationRef`; none catches every escalation.
        escalation: Option<EscalationId>,
    },
    /// A signal.
    Signal {
        /// `signalRef`.
        signal: Option<SignalId>,
    },
    /// Compensation.
    Compensation {
        /// `activityRef`: compensate this activity only; none compensates all.
        activity: Option<NodeId>,
        /// `waitForCompletion`.
        wait_for_completion: bool,
    },
    /// A condition on variables.
    Conditional {
        /// The `condition`.
        condition: Option<Expression>,
    },
    /// A link (go-to within a process level), matched by name.
    Link {
        /// The link `name`.
        name: Option<String>,
    },
    /// Cancel (transactions).
    Cancel,
    /// Terminate (end events).
    Terminate,
}

impl Trigger {
    /// The BPMN element name of the definition, e.g. `timerEventDefinition`.
    pub fn element_name(&self) -> &'static str {
        match self {
            Trigger::Message { .. } => "messageEventDefinition",
            Trigger::Timer { .. } => "timerEventDefinition",
            Trigger::Error { .. } => "errorEventDefinition",
            Trigger::Escalation { .. } => "escalationEventDefinition",
            Trigger::Signal { .. } => "signalEventDefinition",
            Trigger::Compensation { .. } => "compensateEventDefinition",
            Trigger::Conditional { .. } => "conditionalEventDefinition",
            Trigger::Link { .. } => "linkEventDefinition",
            Trigger::Cancel => "cancelEventDefinition",
            Trigger::Terminate => "terminateEventDefinition",
        }
    }
}

/// A timer definition as written: which kind, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// Duration, date or cycle.
    pub kind: TimerKind,
    /// The ISO 8601 text or expression, e.g. `P7D`, `R3/PT10M`, `=dueDate`.
    pub value: String,
    /// Where the `timeDuration`/`timeDate`/`timeCycle` element starts.
    pub position: Position,
}

/// The three kinds of timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// `timeDuration`: fires once, this long after it is armed.
    Duration,
    /// `timeDate`: fires once, at this instant.
    Date,
    /// `timeCycle`: fires repeatedly.
    Cycle,
}

/// An expression as written, with its language and position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expression {
    /// The text, e.g. `=amount > 100` or `${amount > 100}`.
    pub text: String,
    /// The `language` attribute, if any.
    pub language: Option<String>,
    /// Where the expression element (or attribute's element) starts.
    pub position: Position,
}

/// A sequence flow: an arrow a token can follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceFlow {
    /// Its id: as written, or `flow:<source>→<target>` when the document gives none (see
    /// [`SequenceFlow::generated_id`]).
    pub id: FlowId,
    /// Its name (the label on the arrow).
    pub name: Option<String>,
    /// `sourceRef`.
    pub source: NodeId,
    /// `targetRef`.
    pub target: NodeId,
    /// `conditionExpression`.
    pub condition: Option<Expression>,
    /// Whether its source names it as the `default` flow.
    pub is_default: bool,
    /// The sub-process it is inside, or `None` at process level.
    pub parent: Option<NodeId>,
    /// Whether Baton named it: the BPMN XSD lets a sequence flow go without an id, and Baton
    /// then calls it `flow:<source>→<target>` (a second flow between the same two nodes gets
    /// `#2`, and so on, in document order), stable from run to run and readable in traces.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generated_id: bool,
    /// Where the element starts.
    pub position: Position,
}

/// A lane of a pool, with the nodes it holds and its child lanes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `flowNodeRef`s.
    pub nodes: Vec<NodeId>,
    /// Lanes of its child lane set.
    pub lanes: Vec<Lane>,
    /// Where the element starts.
    pub position: Position,
}

/// A data object, data object reference, data store reference, property, data input or data
/// output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataElement {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Which kind.
    pub kind: DataKind,
    /// The sub-process it is inside, or `None` at process level; for a property or a data
    /// input or output of an activity, that activity.
    pub parent: Option<NodeId>,
    /// Where the element starts.
    pub position: Position,
}

/// The kinds of data element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "data", rename_all = "snake_case")]
pub enum DataKind {
    /// `<dataObject>`.
    Object {
        /// `isCollection`.
        is_collection: bool,
    },
    /// `<dataObjectReference>`, pointing at its data object.
    ObjectReference {
        /// `dataObjectRef`.
        object: Option<String>,
    },
    /// `<property>` of a process or activity (bpmn.io writes one as the target of each data
    /// input association).
    Property,
    /// `<dataStoreReference>`, pointing at its data store.
    StoreReference {
        /// `dataStoreRef`.
        store: Option<String>,
    },
    /// `<dataInput>` of an `ioSpecification`: what the process (or activity) is given.
    Input {
        /// `isCollection`.
        is_collection: bool,
    },
    /// `<dataOutput>` of an `ioSpecification`: what the process (or activity) gives back.
    Output {
        /// `isCollection`.
        is_collection: bool,
    },
}

impl DataKind {
    /// The BPMN element name, e.g. `dataObjectReference`.
    pub fn element_name(&self) -> &'static str {
        match self {
            DataKind::Object { .. } => "dataObject",
            DataKind::ObjectReference { .. } => "dataObjectReference",
            DataKind::Property => "property",
            DataKind::StoreReference { .. } => "dataStoreReference",
            DataKind::Input { .. } => "dataInput",
            DataKind::Output { .. } => "dataOutput",
        }
    }
}

/// A data input or output association between an activity and a data element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataAssociation {
    /// Its id.
    pub id: String,
    /// Into the activity (input) or out of it (output).
    pub direction: DataDirection,
    /// The activity (or event) it belongs to.
    pub activity: NodeId,
    /// The data element read (input) or written (output), if named.
    pub data: Option<String>,
    /// Where the element starts.
    pub position: Position,
}

/// The direction of a data association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataDirection {
    /// `<dataInputAssociation>`: data flows into the activity.
    Input,
    /// `<dataOutputAssociation>`: data flows out of the activity.
    Output,
}

/// A text annotation, group or association: drawn, never run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// Its id; an association without one (the BPMN XSD allows it) is called
    /// `association:<source>→<target>`, numbered like a sequence flow without an id.
    pub id: String,
    /// Which kind.
    pub kind: ArtifactKind,
    /// The sub-process it is inside, or `None` at process level.
    pub parent: Option<NodeId>,
    /// Where the element starts.
    pub position: Position,
}

/// The kinds of artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "artifact", rename_all = "snake_case")]
pub enum ArtifactKind {
    /// `<textAnnotation>` with its text.
    TextAnnotation {
        /// The `<text>`.
        text: Option<String>,
    },
    /// `<group>`, labelled by a category value.
    Group {
        /// `categoryValueRef`.
        category_value: Option<String>,
    },
    /// `<association>` between any two elements.
    Association {
        /// `sourceRef`.
        source: String,
        /// `targetRef`.
        target: String,
        /// `associationDirection`.
        direction: AssociationDirection,
    },
}

/// The `associationDirection` of an association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssociationDirection {
    /// No arrow head.
    None,
    /// An arrow head at the target.
    One,
    /// Arrow heads at both ends.
    Both,
}

/// A `<collaboration>`: pools (participants) and the message flows between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collaboration {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Pools.
    pub participants: Vec<Participant>,
    /// Message flows between pools or their elements.
    pub message_flows: Vec<MessageFlow>,
    /// Text annotations, groups and associations drawn on the collaboration.
    pub artifacts: Vec<Artifact>,
    /// Where the element starts.
    pub position: Position,
}

/// A pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `processRef`; a pool without one is a black box.
    pub process: Option<ProcessId>,
    /// Where the element starts.
    pub position: Position,
}

/// A message flow between pools: drawn and checked, never a path for tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageFlow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `sourceRef`: a participant or a node in one.
    pub source: String,
    /// `targetRef`: a participant or a node in one.
    pub target: String,
    /// `messageRef`.
    pub message: Option<MessageId>,
    /// Where the element starts.
    pub position: Position,
}

/// A `<message>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// Its name: what messages are correlated by.
    pub name: Option<String>,
    /// `zeebe:subscription correlationKey`.
    pub correlation_key: Option<String>,
    /// Where the element starts.
    pub position: Position,
}

/// A `<signal>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// Its id.
    pub id: SignalId,
    /// Its name: what signals are broadcast by.
    pub name: Option<String>,
    /// Where the element starts.
    pub position: Position,
}

/// An `<error>`: a business error that boundary and start events catch by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpmnError {
    /// Its id.
    pub id: ErrorId,
    /// Its name.
    pub name: Option<String>,
    /// `errorCode`: what a handler throws.
    pub code: Option<String>,
    /// Camunda 7 `camunda:errorMessage`: the message an error end event throws with it (JUEL
    /// text, evaluated when thrown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Not declared by the document: an `errorRef` names no `<error>`, and Camunda 7 then takes
    /// the reference itself as the error code. The parser declares such an error (code and id
    /// both the reference, position the first event definition naming it) for every dialect but
    /// Camunda 8, so that throwing and catching read one table; the validator still reports it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    /// Where the element starts (for an implicit error, the first definition naming it).
    pub position: Position,
}

/// An `<escalation>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Its id.
    pub id: EscalationId,
    /// Its name.
    pub name: Option<String>,
    /// `escalationCode`.
    pub code: Option<String>,
    /// Where the element starts.
    pub position: Position,
}

/// A `<dataStore>` root element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataStore {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Where the element starts.
    pub position: Position,
}

/// A `<category>` and its values, which label groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Its id.
    pub id: String,
    /// `(id, value)` of each `<categoryValue>`.
    pub values: Vec<(String, Option<String>)>,
    /// Where the element starts.
    pub position: Position,
}

/// An element the model does not know, kept so that nothing is silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    /// Its qualified name as written, e.g. `bpmn:choreographyTask` or `camunda:taskListener`.
    pub element: String,
    /// Its namespace URI, if bound.
    pub namespace: Option<String>,
    /// Its `id`, if it has one.
    pub id: Option<String>,
    /// The id of the nearest enclosing element that has one.
    pub parent: Option<String>,
    /// What it is, as far as Baton can tell.
    pub kind: UnsupportedKind,
    /// Where it starts.
    pub position: Position,
}

/// How an unsupported element matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsupportedKind {
    /// A BPMN element among a process's flow elements: a token could reach it.
    FlowElement,
    /// Any other BPMN element Baton does not use.
    BpmnElement,
    /// An extension element Baton does not use (listeners, properties, other vendors).
    Extension,
}

/// An element that could not be read as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defect {
    /// What is wrong.
    pub kind: DefectKind,
    /// The element's qualified name as written.
    pub element: String,
    /// Its id, if it has one.
    pub id: Option<String>,
    /// Where it starts.
    pub position: Position,
}

/// What is wrong with a defective element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "defect", rename_all = "snake_case")]
pub enum DefectKind {
    /// A required attribute is missing (`id`, `sourceRef`, `bpmnElement`, ...).
    MissingAttribute {
        /// The attribute's name.
        attribute: String,
    },
    /// An attribute's value is not of the type BPMN requires.
    InvalidAttribute {
        /// The attribute's name.
        attribute: String,
        /// The value as written.
        value: String,
        /// What it should be, e.g. `true or false`.
        expected: String,
    },
}
