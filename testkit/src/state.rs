//! How an instance really stands, in words: the block that failed assertions and errors print.
//!
//! ```text
//! instance claim#1 is not waiting at "Auto-approve claim"
//!   state:       running
//!   waiting at:  nothing
//!   passed:      "Claim received" → "Check claim"
//!   variables:   amount = 200
//!   incidents:   at "Claim amount?": no outgoing flow's condition is true
//!   hint:        "Auto-approve claim" comes after "Claim amount?", which has an incident: ...
//! ```
//!
//! One owner for this text: assertions ([`crate::assert`]) and errors ([`crate::Error`]) both
//! call [`report`], so a test reads the same picture however it fails.

use std::fmt::Write;

use baton_engine::model::{FlowNode, NodeId, Process};
use baton_engine::runtime::{Engine, InstanceState, JobKind};

/// An element of an instance or of an instance it called, keyed by its process: a called
/// process's `end` is never its parent's `end`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Element {
    /// The id of the process it belongs to.
    pub process: String,
    /// Its id in that process.
    pub node: NodeId,
}

impl Element {
    /// The element `node` of the process `member` runs.
    pub(crate) fn of(engine: &Engine, member: &str, node: NodeId) -> Element {
        Element { process: engine.process(member).map_or_else(String::new, |p| p.id.to_string()), node }
    }
}

/// The process of the instance or of an instance it called with this id.
pub(crate) fn process<'e>(engine: &'e Engine, instance: &str, id: &str) -> Option<&'e Process> {
    engine.instance_family(instance).iter().find_map(|member| engine.process(member).filter(|p| p.id.as_str() == id))
}

/// The flow node an element is.
pub(crate) fn node<'e>(engine: &'e Engine, instance: &str, element: &Element) -> Option<&'e FlowNode> {
    process(engine, instance, &element.process).and_then(|p| p.node(element.node.as_str()))
}

/// `"Pay item"` (its name, quoted, or its id), and for an element of a called process, which
/// process: `"Ship" (in called process `shipping`)`.
pub(crate) fn label(engine: &Engine, instance: &str, element: &Element) -> String {
    let name =
        node(engine, instance, element).map_or_else(|| element.node.to_string(), |n| format!("\"{}\"", n.label()));
    if engine.process(instance).is_some_and(|p| p.id.as_str() != element.process) {
        format!("{name} (in called process `{}`)", element.process)
    } else {
        name
    }
}

/// Where the instance and what it called wait (an incident is not a wait).
pub(crate) fn waiting(engine: &Engine, instance: &str) -> Vec<Element> {
    engine
        .instance_family(instance)
        .iter()
        .flat_map(|m| engine.waiting_at(m).into_iter().map(|n| Element::of(engine, m, n)))
        .collect()
}

/// What the instance and what it called completed, in order.
pub(crate) fn passed(engine: &Engine, instance: &str) -> Vec<Element> {
    engine
        .instance_family(instance)
        .iter()
        .flat_map(|m| engine.passed(m).into_iter().map(|n| Element::of(engine, m, n)))
        .collect()
}

/// The open incidents of the instance and what it called, each with its element.
pub(crate) fn incidents(engine: &Engine, instance: &str) -> Vec<(Element, baton_engine::runtime::IncidentInfo)> {
    engine
        .instance_family(instance)
        .iter()
        .flat_map(|m| engine.incidents(m).into_iter().map(|i| (Element::of(engine, m, i.node.clone()), i)))
        .collect()
}

/// `instance <id> <headline>` and the state block below it, with a hint when there is one.
pub(crate) fn report(engine: &Engine, instance: &str, headline: &str, hint: Option<String>) -> String {
    let mut out = format!("instance {instance} {headline}\n");
    out.push_str(&block(engine, instance));
    if let Some(hint) = hint {
        writeln!(out, "  hint:        {hint}").ok();
    }
    out
}

/// The state block alone: state, waiting at, passed, variables, incidents, timers.
pub(crate) fn block(engine: &Engine, instance: &str) -> String {
    let mut out = String::new();
    let state = match engine.instance_state(instance) {
        Some(InstanceState::Active) => "running",
        Some(InstanceState::Ended) => "ended",
        Some(InstanceState::Terminated) => "terminated",
        None => "unknown",
    };
    writeln!(out, "  state:       {state}").ok();
    let family = engine.instance_family(instance);
    let mut waits = Vec::new();
    for member in &family {
        let jobs = engine.jobs(member);
        for id in engine.waiting_at(member) {
            let element = Element::of(engine, member, id.clone());
            let detail = match (jobs.iter().find(|j| j.node == id), node(engine, instance, &element)) {
                (Some(job), Some(node)) => format!(" ({}, job {}, type {})", node.element_name(), job.id, job.job_type),
                (None, Some(node)) => format!(" ({})", node.element_name()),
                _ => String::new(),
            };
            waits.push(format!("{}{detail}", label(engine, instance, &element)));
        }
    }
    writeln!(out, "  waiting at:  {}", if waits.is_empty() { "nothing".into() } else { waits.join(", ") }).ok();
    // A loop passes the same elements thousands of times: the last few say where it is.
    const SHOWN: usize = 12;
    let all = passed(engine, instance);
    let skipped = all.len().saturating_sub(SHOWN);
    let mut shown: Vec<String> = all[skipped..].iter().map(|id| label(engine, instance, id)).collect();
    if skipped > 0 {
        shown.insert(0, format!("({skipped} earlier)"));
    }
    writeln!(out, "  passed:      {}", if shown.is_empty() { "nothing".into() } else { shown.join(" → ") }).ok();
    let variables: Vec<String> =
        engine.variables(instance).map(|v| v.iter().map(|(k, v)| format!("{k} = {v}")).collect()).unwrap_or_default();
    writeln!(out, "  variables:   {}", if variables.is_empty() { "none".into() } else { variables.join(", ") }).ok();
    let incidents: Vec<String> = incidents(engine, instance)
        .into_iter()
        .map(|(at, i)| format!("at {}: {}", label(engine, instance, &at), i.message))
        .collect();
    if !incidents.is_empty() {
        writeln!(out, "  incidents:   {}", incidents.join("; ")).ok();
    }
    let timers: Vec<String> = engine
        .pending_timers()
        .into_iter()
        .filter(|t| family.contains(&t.instance))
        .map(|t| {
            format!("{} due {}", label(engine, instance, &Element::of(engine, &t.instance, t.node.clone())), t.due)
        })
        .collect();
    if !timers.is_empty() {
        writeln!(out, "  timers:      {}", timers.join(", ")).ok();
    }
    out
}

/// Why the instance is not at `target`: passed already, waiting there, stuck on an incident
/// before it, or behind a wait state.
pub(crate) fn where_hint(engine: &Engine, instance: &str, target: &Element) -> Option<String> {
    let family = engine.instance_family(instance);
    // Whether `target` can follow `from` (both in one process).
    let ahead_of = |from: &Element| {
        from.process == target.process
            && process(engine, instance, &from.process).is_some_and(|p| reaches(p, &from.node, &target.node))
    };
    // An incident stops everything behind it: say so first, whatever else is true.
    for member in &family {
        for incident in engine.incidents(member) {
            let element = Element::of(engine, member, incident.node.clone());
            let at = label(engine, instance, &element);
            if element == *target || ahead_of(&element) {
                let place = if element == *target {
                    format!("{at} has an incident")
                } else {
                    format!("{} comes after {at}, which has an incident", label(engine, instance, target))
                };
                let called = if member == instance { String::new() } else { format!(" in called instance {member}") };
                return Some(format!(
                    "{place}{called} (see incidents); the instance cannot go on until it is resolved: fix \
                     its cause (e.g. `t.set_variables(&instance, ..)`), then `t.resolve_incident(&instance, {at})`"
                ));
            }
        }
    }
    if passed(engine, instance).contains(target) {
        return Some(format!(
            "{} was passed already{}",
            label(engine, instance, target),
            job_done(engine, instance, target)
        ));
    }
    let waits = waiting(engine, instance);
    if waits.contains(target) {
        return Some(format!(
            "it waits at {} now; act there first (complete its job, send its message, advance the clock)",
            label(engine, instance, target)
        ));
    }
    for wait in waits {
        if ahead_of(&wait) {
            let job = family
                .iter()
                .flat_map(|m| engine.jobs(m).into_iter().map(move |j| (m, j)))
                .find(|(m, j)| Element::of(engine, m, j.node.clone()) == wait);
            let action = match job {
                Some((_, job)) if job.kind == JobKind::User => "complete its user task",
                Some(_) => "complete its job",
                None => "let it happen (message, timer)",
            };
            return Some(format!(
                "{} comes after {}; {action} first",
                label(engine, instance, target),
                label(engine, instance, &wait)
            ));
        }
    }
    if !engine.incidents(instance).is_empty() || engine.instance_state(instance) == Some(InstanceState::Active) {
        return None;
    }
    Some(format!("the instance has ended without reaching {}", label(engine, instance, target)))
}

/// `: its job order#1/job#2 was completed at 2026-01-01T00:00:00Z`, from the trace, when the
/// element's last job was completed.
fn job_done(engine: &Engine, instance: &str, target: &Element) -> String {
    use baton_engine::trace::TraceKind;
    let events = engine.trace_of(instance);
    let in_process = |member: &str| engine.process(member).is_some_and(|p| p.id.as_str() == target.process);
    let Some((job, job_type)) = events.iter().rev().find_map(|e| match &e.kind {
        TraceKind::JobCreated { job, node, job_type } if node == target.node.as_str() && in_process(&e.instance) => {
            Some((job, job_type))
        }
        _ => None,
    }) else {
        return String::new();
    };
    // Jobs of a type with a registered handler are done by it, the others by the test.
    let by = if engine.has_handler(job_type) { "its registered handler" } else { "the test" };
    events
        .iter()
        .find_map(|e| match &e.kind {
            TraceKind::JobCompleted { job: done } if done == job => {
                Some(format!(": its job {job} was completed at {} by {by} (trace event #{})", e.time, e.seq))
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether `target` can follow `from` along sequence flows and boundary events.
pub(crate) fn reaches(process: &Process, from: &NodeId, target: &NodeId) -> bool {
    use baton_engine::model::{Event, EventKind, NodeKind};
    let mut seen = vec![from.clone()];
    let mut pending = vec![from.clone()];
    while let Some(node) = pending.pop() {
        if node == *target && node != *from {
            return true;
        }
        let next = process.flows.iter().filter(|f| f.source == node).map(|f| f.target.clone()).chain(
            process
                .nodes
                .iter()
                .filter(|n| matches!(&n.kind, NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, .. }) if *attached_to == node))
                .map(|n| n.id.clone()),
        );
        for n in next.collect::<Vec<_>>() {
            if !seen.contains(&n) {
                seen.push(n.clone());
                pending.push(n);
            }
        }
    }
    false
}
