//! A trace view that snapshots well: one line per event, elements by name, virtual time as an
//! offset from the instance's start. Stable across runs and machines.

use baton_engine::runtime::Engine;
use baton_engine::trace::TraceEvent;
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
        // Nodes by name when they have one; flows by id, with their name when they have one.
        let label = |instance: &str, id: &str| -> String {
            let process = engine.process(instance);
            if let Some(flow) = process.and_then(|p| p.flow(id)) {
                return flow.name.as_ref().map_or_else(|| id.to_owned(), |name| format!("{id} \"{name}\""));
            }
            process
                .and_then(|p| p.node(id))
                .and_then(|n| n.name.clone())
                .map_or_else(|| id.to_owned(), |name| format!("\"{name}\""))
        };
        let lines = events
            .iter()
            .map(|e| {
                let i = e.instance.as_str();
                let what = e.kind.describe(&|id| label(i, id));
                let offset = start.map(|s| e.time.duration_since(s)).unwrap_or_default();
                format!("+{} {i}: {what}", baton_engine::trace::duration_text(offset.as_secs()))
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
