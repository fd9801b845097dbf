//! The testkit's one error type.

/// What can go wrong driving a process from a test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine refused: a model that does not parse or validate, an unknown job, ...
    #[error(transparent)]
    Engine(#[from] baton_engine::Error),
    /// No element of the process has this id or name.
    #[error("process `{process}` has no element named or with id `{name}`{}; its elements: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), candidates.join(", "))]
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
    /// The instance has no open job at this element.
    #[error("instance {instance} has no open job at `{element}`; it waits at: {}", if waiting_at.is_empty() { "nothing".to_owned() } else { waiting_at.join(", ") })]
    NoJobAt {
        /// The instance.
        instance: String,
        /// The element asked for.
        element: String,
        /// Where it does wait.
        waiting_at: Vec<String>,
    },
    /// A scenario reached a wait state for which it declares no action.
    #[error(
        "scenario stopped: instance {instance} waits at `{element}`, and the scenario declares no action for it; add `.on(\"{element}\", ...)`"
    )]
    NoAction {
        /// The instance.
        instance: String,
        /// The wait state.
        element: String,
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
    /// A file given to deploy could not be found.
    #[error("cannot find `{path}` (looked relative to {})", looked.join(", "))]
    NotFound {
        /// The path given.
        path: String,
        /// The folders searched.
        looked: Vec<String>,
    },
}
