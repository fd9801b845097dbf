//! What happened, in order: the single source of truth.
//!
//! Every instance appends [`TraceEvent`]s as it runs: each stamped with a global sequence
//! number and the virtual time. Assertions, snapshots, coverage and report pages are all
//! computed from the trace and the model, nothing else. The trace is append-only and
//! serializable; the same model, inputs and clock give the same trace, byte for byte.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Position in the engine's whole history, from 1.
    pub seq: u64,
    /// Virtual time when it happened.
    pub time: Timestamp,
    /// The instance it happened in, e.g. `order#1`.
    pub instance: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceKind {
    /// An instance started.
    InstanceStarted {
        /// Its process id.
        process: String,
        /// The deployment version it runs.
        version: u32,
        /// The call activity token that started it, when it is a child instance.
        parent: Option<String>,
    },
    /// An instance ended: no token is left.
    InstanceEnded,
    /// An instance was terminated (terminate end event, or its parent was interrupted).
    InstanceTerminated,
    /// The instance was cancelled from outside (`Engine::cancel`: Camunda 7's
    /// `deleteProcessInstance`, Camunda 8's cancel command); its tokens end and
    /// `InstanceTerminated` follows.
    InstanceCancelled,
    /// A token arrived at a node.
    NodeEntered {
        /// The node id.
        node: String,
    },
    /// A node finished and its token moves on.
    NodeCompleted {
        /// The node id.
        node: String,
    },
    /// A node was interrupted before it finished (boundary event, event-based gateway, terminate).
    NodeTerminated {
        /// The node id.
        node: String,
    },
    /// A token followed a sequence flow.
    FlowTaken {
        /// The flow id.
        flow: String,
    },
    /// A job (service work or a user task) waits to be done.
    JobCreated {
        /// The job id, e.g. `order#1/job#2`.
        job: String,
        /// The node it belongs to.
        node: String,
        /// Its task type (service work) or `user`/`manual`.
        job_type: String,
    },
    /// A job was completed.
    JobCompleted {
        /// The job id.
        job: String,
    },
    /// A job failed; `retries` are left.
    JobFailed {
        /// The job id.
        job: String,
        /// Retries left after this failure.
        retries: u32,
        /// What the worker said.
        message: String,
    },
    /// A BPMN error was thrown (by a job or an error end event).
    ErrorThrown {
        /// The node that threw it.
        node: String,
        /// The error code.
        code: String,
    },
    /// A timer was armed.
    TimerArmed {
        /// The timer id.
        timer: String,
        /// The timer event.
        node: String,
        /// When it is due.
        due: Timestamp,
    },
    /// A timer fired.
    TimerFired {
        /// The timer id.
        timer: String,
        /// The timer event.
        node: String,
    },
    /// A timer was withdrawn before it fired.
    TimerCancelled {
        /// The timer id.
        timer: String,
        /// The timer event.
        node: String,
    },
    /// A message was correlated to a waiting node.
    MessageCorrelated {
        /// The message name.
        message: String,
        /// The catching node.
        node: String,
    },
    /// A completed activity is being compensated: its handler starts.
    Compensating {
        /// The activity being undone.
        activity: String,
        /// Its compensation handler.
        handler: String,
    },
    /// A broadcast signal reached a waiting node (or started an instance).
    SignalReceived {
        /// The signal name.
        signal: String,
        /// The catching node.
        node: String,
    },
    /// An escalation was thrown.
    EscalationThrown {
        /// The throwing node.
        node: String,
        /// The escalation code.
        code: String,
    },
    /// A variable was set.
    VariableSet {
        /// The variable name.
        name: String,
        /// Its new value.
        value: Value,
    },
    /// Something needs a person: the instance stays where it is until it is resolved.
    IncidentRaised {
        /// The incident id.
        incident: String,
        /// Where.
        node: String,
        /// What went wrong.
        message: String,
    },
    /// An incident was resolved and the instance moves again.
    IncidentResolved {
        /// The incident id.
        incident: String,
    },
    /// The instance was given a business key (Camunda 7), right after it started.
    BusinessKeySet {
        /// The key.
        business_key: String,
    },
    /// The instance was modified from outside (Camunda 7's process instance modification,
    /// Zeebe's modify command): the terminations and the new tokens follow.
    InstanceModified {
        /// Elements new tokens start at (before them, or after them on their outgoing flow).
        activated: Vec<String>,
        /// Elements whose tokens are terminated.
        terminated: Vec<String>,
    },
    /// An execution or task listener ran (Camunda 7: its handler or expression; Camunda 8: its
    /// job completed).
    ListenerRan {
        /// The node id.
        node: String,
        /// The event it ran at: `start`, `end`, `create`, `assignment`, `complete`, `creating`, ...
        at: String,
        /// The job type, class name or expression.
        listener: String,
    },
}

impl TraceKind {
    /// One line a person reads, e.g. `entered "Charge credit card"`. `label` names an element
    /// by its id (how the caller likes: the name, quoted, when there is one).
    pub fn describe(&self, label: &dyn Fn(&str) -> String) -> String {
        match self {
            TraceKind::InstanceStarted { process, .. } => format!("started {process}"),
            TraceKind::InstanceEnded => "ended".into(),
            TraceKind::InstanceTerminated => "terminated".into(),
            TraceKind::InstanceCancelled => "cancelled".into(),
            TraceKind::NodeEntered { node } => format!("entered {}", label(node)),
            TraceKind::NodeCompleted { node } => format!("completed {}", label(node)),
            TraceKind::NodeTerminated { node } => format!("interrupted {}", label(node)),
            TraceKind::FlowTaken { flow } => format!("took {}", label(flow)),
            TraceKind::JobCreated { job, job_type, .. } => format!("job {job} created ({job_type})"),
            TraceKind::JobCompleted { job } => format!("job {job} completed"),
            TraceKind::JobFailed { job, retries, message } => {
                format!("job {job} failed, {retries} retries left: {message}")
            }
            TraceKind::ErrorThrown { node, code } => format!("error {code} thrown at {}", label(node)),
            TraceKind::TimerArmed { node, due, .. } => format!("timer {} armed, due {due}", label(node)),
            TraceKind::TimerFired { node, .. } => format!("timer {} fired", label(node)),
            TraceKind::TimerCancelled { node, .. } => format!("timer {} withdrawn", label(node)),
            TraceKind::MessageCorrelated { message, node } => format!("message {message} caught by {}", label(node)),
            TraceKind::Compensating { activity, handler } => {
                format!("compensating {} with {}", label(activity), label(handler))
            }
            TraceKind::SignalReceived { signal, node } => format!("signal {signal} caught by {}", label(node)),
            TraceKind::EscalationThrown { node, code } => format!("escalation {code} thrown at {}", label(node)),
            TraceKind::VariableSet { name, value } => format!("{name} = {value}"),
            TraceKind::IncidentRaised { node, message, .. } => format!("incident at {}: {message}", label(node)),
            TraceKind::IncidentResolved { incident } => format!("incident {incident} resolved"),
            TraceKind::BusinessKeySet { business_key } => format!("business key \"{business_key}\""),
            TraceKind::InstanceModified { activated, terminated } => {
                let names = |ids: &[String]| ids.iter().map(|id| label(id)).collect::<Vec<_>>().join(", ");
                match (activated.is_empty(), terminated.is_empty()) {
                    (false, false) => {
                        format!("modified: terminated {}, activated {}", names(terminated), names(activated))
                    }
                    (false, true) => format!("modified: activated {}", names(activated)),
                    (true, _) => format!("modified: terminated {}", names(terminated)),
                }
            }
            TraceKind::ListenerRan { node, at, listener } => {
                format!("{at} listener {listener} ran at {}", label(node))
            }
        }
    }
}

/// A span of virtual time the way people read it: `0s`, `25m`, `1h 25m`, `7d`.
///
/// ```
/// assert_eq!(baton_engine::trace::duration_text(90_061), "1d 1h 1m 1s");
/// assert_eq!(baton_engine::trace::duration_text(0), "0s");
/// ```
pub fn duration_text(seconds: i64) -> String {
    if seconds <= 0 {
        return "0s".into();
    }
    let mut rest = seconds;
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}
