//! The engine's one error type: every failure names the file, the position and what to do.

use std::fmt;
use std::path::PathBuf;

use crate::model::Position;
use crate::validate::Code;

/// Where in which file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, when the input came from one.
    pub file: Option<PathBuf>,
    /// Line and column.
    pub position: Position,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}", file.display(), self.position),
            None => write!(f, "<input>:{}", self.position),
        }
    }
}

/// Everything that can go wrong in the engine.
///
/// `Debug` prints the same text as `Display` (with the cause chain), so that a test returning
/// `Err` through `?` shows the message, not a struct dump.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read the file: {source}; check that it exists and is readable", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The XML is not well-formed.
    #[error("{at}: not well-formed XML: {message}; fix the XML, or open and save the file in a BPMN modeler")]
    Malformed {
        /// Where.
        at: Location,
        /// What the XML reader found.
        message: String,
    },
    /// The root element is not BPMN 2.0 `definitions`.
    #[error(
        "{at}: the root element is `{found}`, not `definitions` in the BPMN 2.0 namespace \
         (http://www.omg.org/spec/BPMN/20100524/MODEL); is this a BPMN 2.0 file?"
    )]
    NotBpmn {
        /// Where the root element starts.
        at: Location,
        /// The root element's name (and namespace, when it has one).
        found: String,
    },
    /// The document has a DOCTYPE (which could declare entities or load external DTDs).
    #[error(
        "{at}: DOCTYPE declarations are refused: Baton never loads DTDs or expands entities; \
         remove the `<!DOCTYPE ...>` (BPMN files never need one)"
    )]
    Doctype {
        /// Where the DOCTYPE starts.
        at: Location,
    },
    /// An entity other than XML's five predefined ones.
    #[error(
        "{at}: `&{name};` is not one of XML's predefined entities (&lt; &gt; &amp; &apos; &quot;); \
         Baton never expands custom or external entities: write the text itself"
    )]
    Entity {
        /// Where the reference (or the element holding it) is.
        at: Location,
        /// The entity name.
        name: String,
    },
    /// The document is over the size limit.
    #[error(
        "{at}: the document is {size} bytes, over the limit of {limit} bytes; \
         if the file is genuine, raise the limit (ParseOptions::max_bytes)"
    )]
    TooLarge {
        /// The file.
        at: Location,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Elements nest deeper than the limit.
    #[error(
        "{at}: elements nest deeper than {limit} levels; no modeler writes that: \
         is the file generated wrongly? (ParseOptions::max_depth raises the limit)"
    )]
    TooDeep {
        /// Where the element past the limit starts.
        at: Location,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not UTF-8, or the declaration names another encoding.
    #[error("{at}: the document is not UTF-8 ({detail}); save it as UTF-8")]
    Encoding {
        /// Where.
        at: Location,
        /// What is wrong.
        detail: String,
    },
    /// The model has errors (the validator's, and elements this runtime does not run yet); it
    /// cannot be deployed. Every one is listed, one a line.
    #[error("{}", invalid_text(file.as_deref(), problems))]
    Invalid {
        /// The file, when it came from one.
        file: Option<PathBuf>,
        /// Every error.
        problems: Vec<crate::validate::Problem>,
    },
    /// The model uses an element the runtime does not run yet.
    #[error(
        "{at}: Baton does not run `{id}` yet ({what}); remove it from the executable process or mark the process isExecutable=\"false\""
    )]
    NotYetSupported {
        /// Where the element starts.
        at: Location,
        /// Its id.
        id: String,
        /// What it is.
        what: String,
    },
    /// No deployed process has this id.
    #[error("no process `{process}` is deployed; deployed: {}", if deployed.is_empty() { "none".to_owned() } else { deployed.join(", ") })]
    UnknownProcess {
        /// The id asked for.
        process: String,
        /// The deployed process ids.
        deployed: Vec<String>,
    },
    /// The process cannot be started plainly: it has no none start event.
    #[error(
        "process `{process}` has no none start event, which Camunda 8's create-instance command needs; start it through its start event: correlate or publish the message of a message start event, or advance the clock to a timer start event"
    )]
    NoNoneStart {
        /// The process id.
        process: String,
    },
    /// No open job has this id.
    #[error("job `{job}` is not open: {}; open jobs: {}", history.as_deref().unwrap_or("no such job was ever created"), if pending.is_empty() { "none".to_owned() } else { pending.join(", ") })]
    UnknownJob {
        /// The id asked for.
        job: String,
        /// What became of it, when it existed.
        history: Option<String>,
        /// The open jobs.
        pending: Vec<String>,
    },
    /// No instance has this id.
    #[error("no instance `{instance}` exists")]
    UnknownInstance {
        /// The id asked for.
        instance: String,
    },
    /// No open incident has this id.
    #[error("incident `{incident}` is not open")]
    UnknownIncident {
        /// The id asked for.
        incident: String,
    },
    /// A message matched no subscription and no message start event.
    #[error("message `{message}`{} matches nothing waiting; waiting for messages: {}", correlation_key.as_ref().map(|k| format!(" with correlation key \"{k}\"")).unwrap_or_default(), if waiting.is_empty() { "nothing".to_owned() } else { waiting.join("; ") })]
    MessageNotCorrelated {
        /// The message name.
        message: String,
        /// The correlation key given.
        correlation_key: Option<String>,
        /// The open subscriptions.
        waiting: Vec<String>,
    },
    /// A Camunda 7 message matched several waiting executions: `correlate` delivers to one
    /// only, and refuses (`MismatchingMessageCorrelationException`).
    #[error("message `{message}`{} matches {} waiting executions ({}), and Camunda 7's correlate delivers a message to exactly one: give a correlation key that picks one, or correlate it to all of them with correlate_all", correlation_key.as_ref().map(|k| format!(" with correlation key \"{k}\"")).unwrap_or_default(), matches.len(), matches.join("; "))]
    MessageAmbiguous {
        /// The message name.
        message: String,
        /// The correlation key given.
        correlation_key: Option<String>,
        /// The executions it matched: instance and element.
        matches: Vec<String>,
    },
    /// A Camunda 8 message with this id is still buffered: Zeebe rejects the new one.
    #[error("message `{message}` with id \"{message_id}\"{} is already published and still buffered; Zeebe rejects a second one until the first expires: give it another message id, or advance the clock past the first one's time-to-live", correlation_key.as_ref().map(|k| format!(" and correlation key \"{k}\"")).unwrap_or_default())]
    MessageAlreadyPublished {
        /// The message name.
        message: String,
        /// The correlation key given.
        correlation_key: Option<String>,
        /// The message id given.
        message_id: String,
    },
    /// `Engine::trigger` named an element where no token of the instance waits to be triggered.
    #[error("instance {instance} has no token waiting at `{element}` to be triggered; waiting at: {}; only a receive task without a message (Camunda 7's runtimeService.signal) can be triggered", if waiting.is_empty() { "nothing".to_owned() } else { waiting.join(", ") })]
    NotWaiting {
        /// The instance.
        instance: String,
        /// The element asked for.
        element: String,
        /// Where the instance's tokens wait.
        waiting: Vec<String>,
    },
    /// `Engine::set_time_zone` was given a name the time zone database does not know.
    #[error(
        "`{name}` is not a time zone Baton knows ({reason}); give an IANA name such as Europe/Berlin, America/New_York or UTC"
    )]
    UnknownTimeZone {
        /// The name given.
        name: String,
        /// What the time zone database said.
        reason: String,
    },
    /// A model looped without reaching a wait state.
    #[error(
        "instance {instance} took more than {steps} steps without waiting (last at `{node}`): does the model loop without a wait state? (Engine::set_step_budget raises the limit)"
    )]
    StepBudget {
        /// The instance.
        instance: String,
        /// Where its token was.
        node: String,
        /// The budget.
        steps: usize,
    },
    /// A duration given to `advance` is not ISO 8601.
    #[error("`{text}` is not a duration to advance by: {reason}")]
    BadDuration {
        /// The text given.
        text: String,
        /// Why.
        reason: String,
    },
    /// `cancel` was asked of an instance that no longer runs.
    #[error(
        "instance {instance} cannot be cancelled: it has {state} already; only a running instance can be cancelled"
    )]
    NotRunning {
        /// The instance.
        instance: String,
        /// `ended`, `been cancelled` or `been terminated`.
        state: String,
    },
    /// `cancel` was asked of an instance that a call activity started.
    #[error(
        "instance {instance} cannot be cancelled on its own: call activity \"{call_activity}\" of instance {parent} started it; \
         cancel the root instance {root} instead (its called instances end with it)"
    )]
    CalledInstance {
        /// The instance.
        instance: String,
        /// The instance that called it.
        parent: String,
        /// The call activity (its name, or id).
        call_activity: String,
        /// The instance at the top of the call chain.
        root: String,
    },
    /// The clock was set to an instant before the virtual time.
    #[error(
        "the clock cannot go back from {now} to {to}: timers that fired cannot be unfired; \
         set it to {now} or later (or start a new engine at that instant)"
    )]
    ClockBackwards {
        /// The virtual time.
        now: jiff::Timestamp,
        /// The instant asked for.
        to: jiff::Timestamp,
    },
    /// A start or modification instruction Baton cannot follow (or the model's engine refuses).
    #[error("cannot {action} `{element}` of {target}: {reason}")]
    CannotActivate {
        /// `process `order`` or `instance order#1`.
        target: String,
        /// `start before`, `start after`, `terminate`, ...
        action: String,
        /// The element id.
        element: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A snapshot could not be read.
    #[error("the snapshot cannot be restored: {message}; was it written by this version of Baton?")]
    Snapshot {
        /// What serde said.
        message: String,
    },
}

/// `order.bpmn: the model has 2 errors and cannot be deployed:` and every problem below, one a
/// line, as `cargo baton validate` prints them.
fn invalid_text(file: Option<&std::path::Path>, problems: &[crate::validate::Problem]) -> String {
    let file = file.map_or("<input>".to_owned(), |f| f.display().to_string());
    let count = match problems.len() {
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    };
    let mut text = format!("{file}: the model has {count} and cannot be deployed:");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    text
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl Error {
    /// The stable code of this error, as `cargo baton validate` prints it.
    pub fn code(&self) -> Code {
        match self {
            Error::Io { .. } => Code::Io,
            Error::Malformed { .. } => Code::MalformedXml,
            Error::NotBpmn { .. } => Code::NotBpmn,
            Error::Doctype { .. } | Error::Entity { .. } => Code::EntityRefused,
            Error::TooLarge { .. } => Code::TooLarge,
            Error::TooDeep { .. } => Code::TooDeep,
            Error::Encoding { .. } => Code::Encoding,
            _ => Code::Runtime,
        }
    }

    /// Where the error is, when it has a position.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::NotYetSupported { at, .. } => Some(at),
            Error::Io { .. }
            | Error::Invalid { .. }
            | Error::UnknownProcess { .. }
            | Error::NoNoneStart { .. }
            | Error::UnknownJob { .. }
            | Error::UnknownIncident { .. }
            | Error::UnknownInstance { .. }
            | Error::MessageNotCorrelated { .. }
            | Error::MessageAmbiguous { .. }
            | Error::MessageAlreadyPublished { .. }
            | Error::NotWaiting { .. }
            | Error::UnknownTimeZone { .. }
            | Error::StepBudget { .. }
            | Error::BadDuration { .. }
            | Error::NotRunning { .. }
            | Error::CalledInstance { .. }
            | Error::ClockBackwards { .. }
            | Error::CannotActivate { .. }
            | Error::Snapshot { .. } => None,
            Error::Malformed { at, .. }
            | Error::NotBpmn { at, .. }
            | Error::Doctype { at }
            | Error::Entity { at, .. }
            | Error::TooLarge { at, .. }
            | Error::TooDeep { at, .. }
            | Error::Encoding { at, .. } => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, as a user meets it: `Debug` (what `?` in a test prints) is the human
    /// text, never a struct dump.
    #[test]
    fn every_error_reads_the_same_in_debug() {
        let at = || Location { file: Some(PathBuf::from("order.bpmn")), position: Position { line: 3, column: 5 } };
        let errors = [
            Error::Io { path: "order.bpmn".into(), source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone") },
            Error::Malformed { at: at(), message: "unclosed tag".into() },
            Error::NotBpmn { at: at(), found: "html".into() },
            Error::Doctype { at: at() },
            Error::Entity { at: at(), name: "x".into() },
            Error::TooLarge { at: at(), size: 9, limit: 8 },
            Error::TooDeep { at: at(), limit: 256 },
            Error::Encoding { at: at(), detail: "latin-1".into() },
            Error::Invalid { file: None, problems: Vec::new() },
            Error::NotYetSupported { at: at(), id: "c".into(), what: "complex gateway".into() },
            Error::UnknownProcess { process: "p".into(), deployed: vec!["q".into()] },
            Error::NoNoneStart { process: "p".into() },
            Error::UnknownJob { job: "p#1/job#1".into(), history: None, pending: Vec::new() },
            Error::UnknownInstance { instance: "p#9".into() },
            Error::UnknownIncident { incident: "p#1/incident#1".into() },
            Error::MessageNotCorrelated { message: "m".into(), correlation_key: Some("K".into()), waiting: Vec::new() },
            Error::MessageAmbiguous {
                message: "m".into(),
                correlation_key: None,
                matches: vec!["p#1 at \"Wait\"".into()],
            },
            Error::MessageAlreadyPublished {
                message: "m".into(),
                correlation_key: Some("K".into()),
                message_id: "1".into(),
            },
            Error::NotWaiting { instance: "p#1".into(), element: "Wait".into(), waiting: Vec::new() },
            Error::UnknownTimeZone { name: "Mars/Olympus".into(), reason: "not found".into() },
            Error::StepBudget { instance: "p#1".into(), node: "loop".into(), steps: 10 },
            Error::BadDuration { text: "soon".into(), reason: "not ISO 8601".into() },
            Error::NotRunning { instance: "p#1".into(), state: "ended".into() },
            Error::CalledInstance {
                instance: "q#1".into(),
                parent: "p#1".into(),
                call_activity: "Ship".into(),
                root: "p#1".into(),
            },
            Error::ClockBackwards { now: crate::runtime::DEFAULT_START, to: jiff::Timestamp::UNIX_EPOCH },
            Error::CannotActivate {
                target: "process `p`".into(),
                action: "start after".into(),
                element: "Ship".into(),
                reason: "it has 2 outgoing flows".into(),
            },
            Error::Snapshot { message: "eof".into() },
        ];
        for error in errors {
            let debug = format!("{error:?}");
            assert!(debug.starts_with(&error.to_string()), "{debug}");
            assert!(!debug.contains("{ ") && !debug.contains("Some("), "a struct dump: {debug}");
        }
    }
}
