//! The testkit's one error type.

/// What can go wrong driving a process from a test.
///
/// `Debug` prints the same text as `Display`, cause chain included: a test that returns `Err`
/// through `?` shows `Error: instance claim#1 has no user task at "Review claim"` and the
/// instance's state, the way a failed assertion does, never a struct dump.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine refused: a model that does not parse or validate, an unknown job, ...
    #[error(transparent)]
    Engine(#[from] baton_engine::Error),
    /// Several files of one `deploy_files` do not deploy: each one's problems (with its cause
    /// chain), in file order.
    #[error("{} of {files} files do not deploy:\n\n{}", errors.len(), errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join("\n\n"))]
    Deploys {
        /// How many files were given.
        files: usize,
        /// Each failing file's error.
        errors: Vec<Error>,
    },
    /// The engine refused, at an instance whose state says why.
    #[error("{error}\n{}", state.trim_end())]
    AtInstance {
        /// The instance.
        instance: String,
        /// What the engine said.
        error: Box<baton_engine::Error>,
        /// The instance's state block.
        state: String,
    },
    /// No element of the process has this id or name.
    #[error("process `{process}` has no element named or with id \"{name}\"{}; its elements: {}", suggestion.as_ref().map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default(), candidates.join(", "))]
    UnknownElement {
        /// What the test asked for.
        name: String,
        /// The process searched.
        process: String,
        /// The closest existing name, if one is close.
        suggestion: Option<String>,
        /// Every element's name (or id, when it has no name).
        candidates: Vec<String>,
    },
    /// Several elements share this name: refer to one by id.
    #[error("`{name}` names {} elements of process `{process}` ({}); refer to one by its id", ids.len(), ids.join(", "))]
    AmbiguousName {
        /// The name.
        name: String,
        /// The process.
        process: String,
        /// The ids of the elements that carry it.
        ids: Vec<String>,
    },
    /// The instance has no open job (or user task) at this element.
    #[error("instance {instance} has no {} at \"{element}\"\n{}", if *user_task { "user task" } else { "open job" }, state.trim_end())]
    NoJobAt {
        /// The instance.
        instance: String,
        /// The element asked for.
        element: String,
        /// Whether a user task was asked for.
        user_task: bool,
        /// The instance's state block, and a hint.
        state: String,
    },
    /// A user task was asked for at an element whose job is service work.
    #[error(
        "\"{element}\" is a {kind} (job type `{job_type}`), not a user task; act on it with `t.job(&instance, \"{element}\")`"
    )]
    NotAUserTask {
        /// The instance.
        instance: String,
        /// The element asked for.
        element: String,
        /// What it is, e.g. `service task`.
        kind: String,
        /// Its job type.
        job_type: String,
    },
    /// The instance has no open incident at this element.
    #[error("instance {instance} has no incident at \"{element}\"\n{}", state.trim_end())]
    NoIncidentAt {
        /// The instance.
        instance: String,
        /// The element asked for.
        element: String,
        /// The instance's state block.
        state: String,
    },
    /// A scenario reached a wait state for which it declares no action.
    #[error(
        "scenario stopped: instance {instance} waits at \"{element}\", and the scenario declares no action for it; add `.on(\"{element}\", ...)`\n{}", state.trim_end()
    )]
    NoAction {
        /// The instance.
        instance: String,
        /// The wait state.
        element: String,
        /// The instance's state block.
        state: String,
    },
    /// A process has no instance, or several, where one was asked for.
    #[error("process `{process}` has {} instance(s){}, not one; use `t.instances_of(\"{process}\")`", found.len(), if found.is_empty() { String::new() } else { format!(" ({})", found.join(", ")) })]
    InstanceCount {
        /// The process.
        process: String,
        /// Its instances.
        found: Vec<String>,
    },
    /// A scenario that starts by a timer found no timer that starts its process.
    #[error("scenario: no timer start event of process `{process}` is armed; armed timers: {}", if armed.is_empty() { "none".to_owned() } else { armed.join(", ") })]
    NoStartTimer {
        /// The process.
        process: String,
        /// The timers that are armed.
        armed: Vec<String>,
    },
    /// A scenario kept acting without the instance ending.
    #[error(
        "scenario stopped after {actions} actions: instance {instance} has not ended; does a declared action lead back to itself forever?"
    )]
    Stuck {
        /// The instance.
        instance: String,
        /// How many actions ran.
        actions: usize,
    },
    /// A text given as an instant (to set the clock, or start an engine at) is not RFC 3339.
    #[error("`{text}` is not an instant: {reason}; write it in RFC 3339, e.g. 2026-03-01T09:00:00Z")]
    BadInstant {
        /// The text given.
        text: String,
        /// What the parser said.
        reason: String,
    },
    /// No open job has this type.
    #[error("no open job has type `{job_type}`; open jobs: {}", if open.is_empty() { "none".to_owned() } else { open.join(", ") })]
    NoJobOfType {
        /// The type asked for.
        job_type: String,
        /// The open jobs, each with its type.
        open: Vec<String>,
    },
    /// A user task was claimed while another user holds it.
    #[error(
        "user task {task} at `{element}` is claimed by {assignee:?}, so {user:?} cannot claim it; `.unclaim()` it first, or `.assign({user:?})` to hand it over"
    )]
    AlreadyClaimed {
        /// The task's job id.
        task: String,
        /// Its element.
        element: String,
        /// Who holds it.
        assignee: String,
        /// Who tried to claim it.
        user: String,
    },
    /// A file given to deploy could not be found.
    #[error("cannot find `{path}` (looked relative to {})", looked.join(", "))]
    NotFound {
        /// The path given.
        path: String,
        /// The folders searched.
        looked: Vec<String>,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The engine's own Debug is its text with the cause chain.
            Error::Engine(engine) => write!(f, "{engine:?}"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant's `Debug` (what `?` in a test prints) is its human text.
    #[test]
    fn every_error_reads_the_same_in_debug() {
        let s = |t: &str| t.to_owned();
        let errors = [
            Error::Engine(baton_engine::Error::NoNoneStart { process: s("p") }),
            Error::UnknownElement {
                name: s("Pay itme"),
                process: s("p"),
                suggestion: Some(s("Pay item")),
                candidates: vec![s("Pay item")],
            },
            Error::AmbiguousName { name: s("Pay"), process: s("p"), ids: vec![s("a"), s("b")] },
            Error::NoJobAt {
                instance: s("p#1"),
                element: s("Pay"),
                user_task: false,
                state: s("  state:       ended\n"),
            },
            Error::NotAUserTask { instance: s("p#1"), element: s("Pay"), kind: s("service task"), job_type: s("pay") },
            Error::NoIncidentAt { instance: s("p#1"), element: s("Pay"), state: s("  state:       ended\n") },
            Error::NoAction { instance: s("p#1"), element: s("Pay"), state: s("  state:       running\n") },
            Error::InstanceCount { process: s("p"), found: Vec::new() },
            Error::NoStartTimer { process: s("p"), armed: Vec::new() },
            Error::Stuck { instance: s("p#1"), actions: 1000 },
            Error::AtInstance {
                instance: s("p#1"),
                error: Box::new(baton_engine::Error::StepBudget { instance: s("p#1"), node: s("loop"), steps: 10 }),
                state: s("  state:       running\n"),
            },
            Error::NotFound { path: s("p.bpmn"), looked: vec![s(".")] },
            Error::BadInstant { text: s("tomorrow"), reason: s("invalid digit") },
            Error::NoJobOfType { job_type: s("charge"), open: vec![s("p#1/job#1 (type pay)")] },
            Error::AlreadyClaimed { task: s("p#1/job#1"), element: s("review"), assignee: s("anna"), user: s("ben") },
        ];
        for error in errors {
            let debug = format!("{error:?}");
            assert_eq!(debug, error.to_string());
            assert!(!debug.contains("{ ") && !debug.contains("Some("), "a struct dump: {debug}");
        }
    }
}
