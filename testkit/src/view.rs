//! A trace view that snapshots well: one line per event, elements by name, virtual time as an
//! offset from the instance's start. Stable across runs and machines.

use baton_engine::runtime::Engine;
use baton_engine::trace::{TraceEvent, TraceKind};
use serde::{Serialize, Serializer};

/// An instance's trace (with the instances it called), ready for `insta::assert_yaml_snapshot!`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    lines: Vec<String>,
    events: Vec<TraceEvent>,
}

impl Trace {
    pub(crate) fn of(engine: &Engine, instance: &str) -> Trace {
        let events: Vec<TraceEvent> = engine.trace_of(instance).into_iter().cloned().collect();
        let start = events.first().map(|e| e.time);
        let label = |instance: &str, id: &str| -> String {
            engine
                .process(instance)
                .and_then(|p| p.node(id))
                .and_then(|n| n.name.clone())
                .map_or_else(|| id.to_owned(), |name| format!("\"{name}\""))
        };
        let flow = |instance: &str, id: &str| -> String {
            engine
                .process(instance)
                .and_then(|p| p.flow(id))
                .and_then(|f| f.name.clone())
                .map_or_else(|| id.to_owned(), |name| format!("{id} \"{name}\""))
        };
        let lines = events
            .iter()
            .map(|e| {
                let i = e.instance.as_str();
                let what = match &e.kind {
                    TraceKind::InstanceStarted { process, .. } => format!("started {process}"),
                    TraceKind::InstanceEnded => "ended".into(),
                    TraceKind::InstanceTerminated => "terminated".into(),
                    TraceKind::NodeEntered { node } => format!("entered {}", label(i, node)),
                    TraceKind::NodeCompleted { node } => format!("completed {}", label(i, node)),
                    TraceKind::NodeTerminated { node } => format!("interrupted {}", label(i, node)),
                    TraceKind::FlowTaken { flow: id } => format!("took {}", flow(i, id)),
                    TraceKind::JobCreated { job, job_type, .. } => format!("job {job} created ({job_type})"),
                    TraceKind::JobCompleted { job } => format!("job {job} completed"),
                    TraceKind::JobFailed { job, retries, message } => {
                        format!("job {job} failed, {retries} retries left: {message}")
                    }
                    TraceKind::ErrorThrown { node, code } => format!("error {code} thrown at {}", label(i, node)),
                    TraceKind::TimerArmed { node, due, .. } => format!("timer {} armed, due {due}", label(i, node)),
                    TraceKind::TimerFired { node, .. } => format!("timer {} fired", label(i, node)),
                    TraceKind::TimerCancelled { node, .. } => format!("timer {} withdrawn", label(i, node)),
                    TraceKind::MessageCorrelated { message, node } => {
                        format!("message {message} caught by {}", label(i, node))
                    }
                    TraceKind::VariableSet { name, value } => format!("{name} = {value}"),
                    TraceKind::IncidentRaised { node, message, .. } => {
                        format!("incident at {}: {message}", label(i, node))
                    }
                    TraceKind::IncidentResolved { incident } => format!("incident {incident} resolved"),
                };
                let offset = start.map(|s| e.time.duration_since(s)).unwrap_or_default();
                format!("{} {i}: {what}", offset_text(offset))
            })
            .collect();
        Trace { lines, events }
    }

    /// The lines, as snapshots show them.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The underlying events.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }
}

impl Serialize for Trace {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.lines.serialize(serializer)
    }
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// `+0s`, `+10m`, `+1h 25m`, `+7d`.
fn offset_text(offset: jiff::SignedDuration) -> String {
    let mut seconds = offset.as_secs();
    if seconds == 0 {
        return "+0s".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if seconds >= size {
            parts.push(format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    format!("+{}", parts.join(" "))
}
