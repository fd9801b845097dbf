//! The engine's state: plain data, serializable, so an engine can be snapshotted and restored.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Definitions, FlowId, NodeId};
use crate::trace::TraceEvent;

/// Everything the engine knows, handlers excepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    /// Deployed files, in deployment order; shared so a step can hold its model cheaply.
    pub files: Vec<Arc<Definitions>>,
    /// Deployed processes: `(process id, version, file index)`.
    pub processes: Vec<Deployed>,
    /// Virtual time.
    pub now: Timestamp,
    /// The last trace sequence number handed out.
    pub seq: u64,
    /// Instances started per process id, for sequential instance ids.
    pub started: BTreeMap<String, u64>,
    /// Every instance, by id.
    pub instances: BTreeMap<String, Instance>,
    /// Armed timers, in creation order.
    pub timers: Vec<ArmedTimer>,
    /// Open message subscriptions, in creation order.
    pub subscriptions: Vec<Subscription>,
    /// The trace of every instance, in order.
    pub trace: Vec<TraceEvent>,
    /// Steps still to run, first in first out.
    pub agenda: VecDeque<Step>,
    /// Timer start events armed so far, for their ids.
    #[serde(default)]
    pub start_timers: u64,
    /// Jobs created so far, engine-wide: orders handler calls.
    pub jobs_created: u64,
    /// Published messages nobody was waiting for yet, kept until their time-to-live ends.
    #[serde(default)]
    pub buffered: Vec<BufferedMessage>,
    /// Conditional events waiting for their condition, in creation order.
    #[serde(default)]
    pub conditions: Vec<ConditionWatch>,
    /// The engine's time zone (an IANA name); `None` is UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Instances whose variables changed since their conditions were last evaluated.
    #[serde(default)]
    pub dirty: std::collections::BTreeSet<String>,
    /// Jobs a registered handler will do, by creation order: `(instance, job number)`.
    /// Entries of jobs done meanwhile are skipped when reached.
    #[serde(skip)]
    pub for_handlers: BTreeMap<u64, (String, u64)>,
    /// Instances whose `terminate_after` element just finished: terminated after the step.
    #[serde(default)]
    pub terminate_due: Vec<String>,
}

/// A deployed process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Deployed {
    pub id: String,
    pub version: u32,
    pub file: usize,
}

/// One unit of work on the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Step {
    /// The token arrives at its node: trace it, then run the node.
    Enter { instance: String, token: u64 },
    /// Run the node again without tracing the arrival (resuming after an incident).
    Execute { instance: String, token: u64 },
    /// The node is done: choose outgoing flows and move on.
    Leave { instance: String, token: u64 },
}

/// Whether an instance still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// Tokens are moving or waiting.
    Active,
    /// No token is left.
    Ended,
    /// Terminated before it ended.
    Terminated,
}

/// A running (or finished) process instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Instance {
    pub id: String,
    pub process: String,
    pub version: u32,
    /// Index into `State::processes`.
    pub deployed: usize,
    pub state: InstanceState,
    pub variables: BTreeMap<String, Value>,
    pub tokens: BTreeMap<u64, Token>,
    pub next_token: u64,
    pub next_job: u64,
    pub next_timer: u64,
    pub next_incident: u64,
    pub jobs: BTreeMap<u64, Job>,
    pub incidents: BTreeMap<u64, Incident>,
    /// Tokens that reached a joining gateway and wait for the others.
    pub arrivals: Vec<Arrival>,
    /// The call activity that started this instance.
    pub parent: Option<ParentRef>,
    /// Completed activities that have a compensation handler, in completion order.
    #[serde(default)]
    pub compensable: Vec<Compensable>,
    /// For each compensation throw event's token: the handlers still to run, in order.
    #[serde(default)]
    pub compensating: BTreeMap<u64, Vec<Compensable>>,
    /// Cancel end events whose transaction is being compensated, then cancelled.
    #[serde(default)]
    pub cancelling: std::collections::BTreeSet<u64>,
    /// Multi-instance activities in progress, by their body token.
    #[serde(default)]
    pub multi: BTreeMap<u64, MultiState>,
    /// The correlation key of the published message whose message start event started this
    /// instance (Camunda 8): no other message with this key starts the process while it runs.
    #[serde(default)]
    pub started_by_key: Option<String>,
    /// Its Camunda 7 business key, when it was started with one.
    #[serde(default)]
    pub business_key: Option<String>,
    /// Elements after which the instance is terminated, once one completes or is terminated
    /// (Camunda 8's `TERMINATE_PROCESS_INSTANCE` runtime instruction).
    #[serde(default)]
    pub terminate_after: Vec<NodeId>,
}

/// A multi-instance activity in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MultiState {
    /// The items (for a collection) or nulls (for a cardinality).
    pub items: Vec<Value>,
    /// One instance after another, or all at once.
    pub sequential: bool,
    /// Instances started so far.
    pub started: usize,
    /// Instances completed so far.
    pub completed: usize,
    /// The output element of each completed instance, by index.
    pub results: BTreeMap<usize, Value>,
}

/// A completed activity that can be compensated, and its handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Compensable {
    /// The scope it completed in (the sub-process token, or `None` at process level).
    pub scope: Option<u64>,
    /// The completed activity.
    pub activity: NodeId,
    /// Its compensation handler (`isForCompensation`), found through the association from its
    /// compensation boundary event.
    pub handler: NodeId,
    /// The completed sub-processes it ran inside, innermost first: compensating one of them
    /// compensates what completed inside it.
    #[serde(default)]
    pub within: Vec<NodeId>,
}

/// The call activity token a child instance reports back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParentRef {
    pub instance: String,
    pub token: u64,
    /// The call activity.
    #[serde(default)]
    pub node: Option<NodeId>,
}

/// A token: where one thread of the instance is, and what it waits for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Token {
    pub id: u64,
    pub node: NodeId,
    /// The sub-process token whose scope this token runs in; `None` at process level.
    pub scope: Option<u64>,
    /// The flow it arrived by (joins count arrivals per flow).
    pub via: Option<FlowId>,
    /// For a compensation handler's token: the throw event's token it runs for.
    #[serde(default)]
    pub compensates: Option<u64>,
    /// For one instance of a multi-instance activity: the body token and its index.
    #[serde(default)]
    pub inner_of: Option<(u64, usize)>,
    /// Variables only this token sees (the multi-instance element, loopCounter).
    #[serde(default)]
    pub locals: BTreeMap<String, Value>,
    /// Iterations done by a standard loop.
    #[serde(default)]
    pub loops: u64,
    pub wait: Wait,
    /// Listeners of its node already run in this visit: entering (start), creating a user task,
    /// leaving (complete, end).
    #[serde(default)]
    pub listened: [u32; 3],
}

/// What a token waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Wait {
    /// Nothing: it is on the agenda.
    Moving,
    /// A job (service work, user or manual task) to be completed.
    Job(u64),
    /// A timer or message at this catch event or receive task.
    Event,
    /// The first of an event-based gateway's events.
    EventGateway,
    /// Its sub-process's tokens to finish.
    Scope,
    /// The other tokens of a joining gateway.
    Join,
    /// Its compensation handlers to finish (a compensation throw event).
    Compensation,
    /// The called child instance to end.
    Call(String),
    /// An incident to be resolved.
    Incident(u64),
}

/// A token that reached a joining gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Arrival {
    pub gateway: NodeId,
    pub scope: Option<u64>,
    pub flow: Option<FlowId>,
    pub token: u64,
}

/// The kinds of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Service, send, script or business-rule work, done by a handler or by the test.
    Service,
    /// A user task.
    User,
    /// A manual task.
    Manual,
    /// An execution or task listener (a Camunda 8 listener job, or a Camunda 7 listener's
    /// registered handler); its element waits for it.
    Listener,
}

/// Work that waits to be done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Job {
    pub number: u64,
    pub id: String,
    pub token: u64,
    pub node: NodeId,
    pub kind: JobKind,
    pub job_type: String,
    pub retries: u32,
    /// The job's input: the instance's variables plus its input mappings.
    pub variables: BTreeMap<String, Value>,
    pub headers: Vec<(String, String)>,
    /// Engine-wide creation order.
    pub created: u64,
    /// A user task as created: who it is for and when it is due (Camunda 7's expressions
    /// evaluated), none for other jobs.
    #[serde(default)]
    pub user: Option<crate::model::UserTask>,
    /// The element's name as the job was created (a Camunda 7 user task's name expression
    /// evaluated then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How long a failed job waits before each retry, in turn (Camunda 7's
    /// `failedJobRetryTimeCycle`: one interval for `R5/PT1M`, a list for `PT1M,PT5M`; the last
    /// one repeats); empty: at once.
    #[serde(default)]
    pub retry_interval: Vec<jiff::Span>,
    /// A failed job is not retried before this instant (virtual time).
    #[serde(default)]
    pub retry_at: Option<Timestamp>,
    /// For a listener job: its event and the phase of the element's visit it belongs to.
    #[serde(default)]
    pub listener: Option<(String, usize)>,
}

impl Job {
    /// A service job at `node` for `token`, to be filled in and numbered when it is opened.
    pub(crate) fn new(token: u64, node: NodeId) -> Self {
        Job {
            number: 0,
            id: String::new(),
            token,
            node,
            kind: JobKind::Service,
            job_type: String::new(),
            retries: 0,
            variables: BTreeMap::new(),
            headers: Vec::new(),
            created: 0,
            user: None,
            name: None,
            retry_interval: Vec::new(),
            retry_at: None,
            listener: None,
        }
    }
}

/// Something that needs a person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Incident {
    pub number: u64,
    pub id: String,
    pub token: u64,
    pub node: NodeId,
    pub message: String,
    pub resume: Resume,
}

/// How an instance moves on once its incident is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Resume {
    /// Give the job one more retry.
    RetryJob(u64),
    /// Run the node again.
    Execute,
    /// Choose the outgoing flows again.
    Leave,
}

/// Who catches a timer or message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Catcher {
    /// The token waits at this catch event or receive task.
    Waiting { token: u64 },
    /// A boundary event of the activity the token is at.
    Boundary { activity_token: u64, event: NodeId, interrupting: bool },
    /// The start event of an event sub-process, armed while its scope runs (`scope` is the
    /// sub-process token, or `None` for the process level).
    EventSub { scope: Option<u64>, sub: NodeId, interrupting: bool },
    /// A timer start event of a deployed process: firing starts a new instance.
    Start { deployed: usize },
    /// One of the events after the event-based gateway the token is at.
    Gateway { gateway_token: u64, event: NodeId, flow: FlowId },
}

impl Catcher {
    /// The token the catcher belongs to.
    pub fn token(&self) -> u64 {
        match self {
            Catcher::Waiting { token } => *token,
            Catcher::Boundary { activity_token, .. } => *activity_token,
            Catcher::Gateway { gateway_token, .. } => *gateway_token,
            Catcher::Start { .. } => 0,
            Catcher::EventSub { scope, .. } => scope.unwrap_or(0),
        }
    }
}

/// An armed timer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ArmedTimer {
    pub id: String,
    pub instance: String,
    pub node: NodeId,
    pub due: Timestamp,
    pub catcher: Catcher,
    /// For cycles: repetitions left after this one (`None`: forever) and the interval.
    pub cycle: Option<(Option<u32>, jiff::Span)>,
    /// For a cron cycle: its pattern, which gives every next firing.
    #[serde(default)]
    pub cron: Option<crate::clock::CronCycle>,
    /// Engine-wide creation order, to fire timers due at the same time in order.
    pub created: u64,
}

/// A published message waiting for a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BufferedMessage {
    pub name: String,
    pub correlation_key: Option<String>,
    pub variables: BTreeMap<String, Value>,
    /// It is dropped once virtual time passes this instant.
    pub expires: jiff::Timestamp,
    /// Its message id: a second message with the same name, key and id is refused while this
    /// one is buffered (Zeebe's message uniqueness).
    #[serde(default)]
    pub message_id: Option<String>,
    /// The processes (by id) it was correlated to: at most once per process (Zeebe's message
    /// cardinality).
    #[serde(default)]
    pub correlated: std::collections::BTreeSet<String>,
}

/// A conditional event waiting for its condition to become true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ConditionWatch {
    pub instance: String,
    pub node: NodeId,
    pub condition: crate::model::Expression,
    pub catcher: Catcher,
    /// The condition was false when last evaluated: it triggers on the change to true, so a
    /// non-interrupting one does not fire again and again while it stays true.
    pub armed: bool,
}

/// An open message subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Subscription {
    pub instance: String,
    pub node: NodeId,
    /// A signal subscription (broadcast to all) rather than a message one (to the first).
    #[serde(default)]
    pub signal: bool,
    pub message: String,
    pub correlation_key: Option<String>,
    pub catcher: Catcher,
}
