//! Tokens on one deterministic agenda.
//!
//! An [`Engine`] holds deployed models and running instances. Every external command
//! (`start`, `complete_job`, `correlate_message`, `advance`, ...) puts steps on one FIFO
//! agenda and runs it until nothing can move; then the *driver* calls the handlers registered
//! for activated jobs, one at a time in creation order, and feeds each result back in as a
//! command. The core never calls user code in the middle of a step, so the trace depends only
//! on the model, the inputs and the clock: the same test gives the same trace, byte for byte.
//!
//! ```
//! use baton_engine::runtime::Engine;
//! use serde_json::json;
//!
//! let definitions = baton_engine::parse::parse(r#"
//!   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!     <process id="order" isExecutable="true">
//!       <startEvent id="start" />
//!       <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
//!       <serviceTask id="pay" name="Pay item" />
//!       <sequenceFlow id="f2" sourceRef="pay" targetRef="done" />
//!       <endEvent id="done" />
//!     </process>
//!   </definitions>"#)?;
//! let mut engine = Engine::new();
//! engine.deploy(definitions)?;
//! let order = engine.start("order", [("amount".to_string(), json!(25))].into())?;
//! let job = engine.jobs(&order)[0].id.clone();
//! assert_eq!(job, "order#1/job#1");
//! engine.complete_job(&job, [("paid".to_string(), json!(true))].into())?;
//! assert!(engine.is_ended(&order));
//! # Ok::<(), baton_engine::Error>(())
//! ```

mod exec;
mod modify;
mod state;

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use jiff::Timestamp;
use serde_json::Value;

use crate::error::Error;
use crate::model::{Definitions, EventKind as NodeEvent, FlowNode, NodeId, NodeKind, Trigger};
use crate::trace::{TraceEvent, TraceKind};
use crate::validate::{Severity, validate};

pub use modify::{Activation, Correlation, Modification, StartInstructions};
use state::*;
pub use state::{InstanceState, JobKind};

/// Variables, by name, in name order.
pub type Variables = BTreeMap<String, Value>;

/// A job as a handler or a test sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// Its id, e.g. `order#1/job#2`.
    pub id: String,
    /// The instance it belongs to.
    pub instance: String,
    /// The id of the process the instance runs (Zeebe's `bpmnProcessId`, Camunda 7's
    /// process definition key).
    pub process: String,
    /// The version of that process the instance runs, from 1 (Zeebe's
    /// `processDefinitionVersion`).
    pub version: u32,
    /// The node it was created at (Zeebe's `elementId`, Camunda 7's `activityId`).
    pub node: NodeId,
    /// Service work, user task or manual task.
    pub kind: JobKind,
    /// The task type a handler is registered for (`user`/`manual` for those tasks).
    pub job_type: String,
    /// Retries left.
    pub retries: u32,
    /// The instance's variables with the task's input mappings applied.
    pub variables: Variables,
    /// The element's local variables: its input mappings' results (and, in a multi-instance
    /// activity, `loopCounter` and the input element), which the process scope does not see.
    pub local_variables: Variables,
    /// Static headers from the model.
    pub headers: Vec<(String, String)>,
    /// For a user task: its assignee, candidates and due date as the task was created (a Camunda 7
    /// model's `${...}` evaluated then, as Camunda 7 does), what assertions and queries see.
    pub user: Option<crate::model::UserTask>,
    /// The element's name as the job was created: a Camunda 7 user task's `name="Review
    /// ${order}"` evaluated then (Camunda 8 has no name expression: the name as written).
    pub name: Option<String>,
    /// For a listener job: the event it runs at (`start`, `end`, `creating`, `complete`, ...).
    pub listener: Option<String>,
    /// The business key of the job's instance (Camunda 7), when it was started with one.
    pub business_key: Option<String>,
}

/// An armed timer.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerInfo {
    /// Its id, e.g. `order#1/timer#1`.
    pub id: String,
    /// The instance it belongs to.
    pub instance: String,
    /// The timer event.
    pub node: NodeId,
    /// When it fires.
    pub due: Timestamp,
}

/// An incident: something that needs a person before the instance can move on.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentInfo {
    /// Its id, e.g. `order#1/incident#1`.
    pub id: String,
    /// The instance it belongs to.
    pub instance: String,
    /// Where it happened.
    pub node: NodeId,
    /// What went wrong.
    pub message: String,
}

/// An open message or signal subscription: a catch event, boundary event, receive task or
/// event sub-process start waiting for a message or a signal by name, or a message or signal
/// start event of a deployed process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// The instance that waits; `None` for a start event, which belongs to the deployed process
    /// (Camunda 7 lists it without a process instance).
    pub instance: Option<String>,
    /// The process: the waiting instance's, or the one the start event starts.
    pub process: String,
    /// The event (or receive task) that catches it.
    pub node: NodeId,
    /// A message or a signal.
    pub kind: SubscriptionKind,
    /// The message or signal name.
    pub name: String,
    /// The correlation key a message must carry (messages only; `None` matches any).
    pub correlation_key: Option<String>,
}

/// What a subscription waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionKind {
    /// A message, correlated to one subscription.
    Message,
    /// A signal, broadcast to all.
    Signal,
}

/// A conditional event waiting for its condition to become true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionInfo {
    /// The instance that waits.
    pub instance: String,
    /// The conditional event.
    pub node: NodeId,
    /// The condition's text, e.g. `=stock > 0` or `${stock > 0}`.
    pub condition: String,
}

/// What a handler reports when the work did not succeed.
///
/// ```
/// # use baton_engine::runtime::{HandlerError, Variables};
/// // Zeebe: client.newThrowErrorCommand(job).errorCode("CARD_DECLINED").errorMessage(..).variables(..)
/// let declined = HandlerError::bpmn("CARD_DECLINED")
///     .with_message("the bank said no")
///     .with_variables(Variables::from([("reason".to_string(), "limit".into())]));
/// // Zeebe: client.newFailCommand(job).retries(job.getRetries() - 1).retryBackoff(Duration.ofMinutes(5))
/// let down = HandlerError::failed("bank unreachable").with_retries(2).with_backoff(jiff::Span::new().minutes(5));
/// # let _ = (declined, down);
/// ```
#[derive(Debug, Clone)]
pub enum HandlerError {
    /// A business error, caught by an error boundary event with this code.
    Bpmn {
        /// The error code, e.g. `CARD_DECLINED`.
        code: String,
        /// The error message (what Camunda 7's `camunda:errorMessageVariable` receives).
        message: Option<String>,
        /// Variables set on the instance before the error is caught.
        variables: Variables,
    },
    /// A technical failure: the job is retried while retries last, then becomes an incident.
    Failed {
        /// What went wrong.
        message: String,
        /// The retries left after this failure; `None`: one less than before.
        retries: Option<u32>,
        /// How long the next attempt waits, on the virtual clock; `None`: the model's retry
        /// cycle (Camunda 7's `failedJobRetryTimeCycle`), else at once.
        backoff: Option<jiff::Span>,
    },
}

impl PartialEq for HandlerError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                HandlerError::Bpmn { code, message, variables },
                HandlerError::Bpmn { code: c, message: m, variables: v },
            ) => code == c && message == m && variables == v,
            (
                HandlerError::Failed { message, retries, backoff },
                HandlerError::Failed { message: m, retries: r, backoff: b },
            ) => message == m && retries == r && backoff.map(|s| s.fieldwise()) == b.map(|s| s.fieldwise()),
            _ => false,
        }
    }
}

impl HandlerError {
    /// A business error with this code.
    pub fn bpmn(code: impl Into<String>) -> Self {
        HandlerError::Bpmn { code: code.into(), message: None, variables: Variables::new() }
    }

    /// A technical failure.
    pub fn failed(message: impl Into<String>) -> Self {
        HandlerError::Failed { message: message.into(), retries: None, backoff: None }
    }

    /// A business error's message (a failure's message is given to [`HandlerError::failed`]).
    pub fn with_message(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            HandlerError::Bpmn { message, .. } => *message = Some(text.into()),
            HandlerError::Failed { message, .. } => *message = text.into(),
        }
        self
    }

    /// Variables a business error sets on the instance before it is caught; a failure has none.
    pub fn with_variables(mut self, more: Variables) -> Self {
        if let HandlerError::Bpmn { variables, .. } = &mut self {
            variables.extend(more);
        }
        self
    }

    /// The retries a failure leaves (Zeebe's fail command sets them; 0: an incident now).
    pub fn with_retries(mut self, left: u32) -> Self {
        if let HandlerError::Failed { retries, .. } = &mut self {
            *retries = Some(left);
        }
        self
    }

    /// How long the retry of a failure waits, on the virtual clock (Zeebe's `retryBackoff`).
    pub fn with_backoff(mut self, span: jiff::Span) -> Self {
        if let HandlerError::Failed { backoff, .. } = &mut self {
            *backoff = Some(span);
        }
        self
    }
}

/// What a handler asks of the engine while it works, besides its result (Zeebe's `JobClient`,
/// Camunda 7's `DelegateExecution`): variables to set now and messages to publish. The
/// commands run in the order given, after the handler returns and before its result.
#[derive(Debug, Default)]
pub struct JobClient {
    commands: Vec<ClientCommand>,
}

#[derive(Debug)]
enum ClientCommand {
    Variables(Variables),
    LocalVariables(Variables),
    Publish { name: String, correlation_key: Option<String>, variables: Variables },
}

impl JobClient {
    /// Sets variables as the job's own result would: each to the nearest scope that has it,
    /// else the process (Zeebe's `SetVariables` with `local = false`, Camunda 7's
    /// `execution.setVariable`).
    pub fn set_variables(&mut self, variables: Variables) -> &mut Self {
        self.commands.push(ClientCommand::Variables(variables));
        self
    }

    /// Sets variables local to the job's element: they end with it (Zeebe's `SetVariables`
    /// with `local = true` on the element instance, Camunda 7's `setVariableLocal`).
    pub fn set_local_variables(&mut self, variables: Variables) -> &mut Self {
        self.commands.push(ClientCommand::LocalVariables(variables));
        self
    }

    /// Publishes a message as Camunda 8 does, without buffering it (time to live zero; see
    /// [`Engine::publish_message`]).
    pub fn publish_message(&mut self, name: &str, correlation_key: Option<&str>, variables: Variables) -> &mut Self {
        self.commands.push(ClientCommand::Publish {
            name: name.to_owned(),
            correlation_key: correlation_key.map(str::to_owned),
            variables,
        });
        self
    }
}

/// What a handler returns.
pub type HandlerResult = Result<Variables, HandlerError>;

/// The future an async handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;

/// A handler that acts through a [`JobClient`].
type ClientHandler = dyn FnMut(&JobInfo, &mut JobClient) -> HandlerResult + Send;

/// A registered handler: plain code, or an async function awaited by [`Engine::drive`].
enum Handler {
    Sync(Box<dyn FnMut(&JobInfo) -> HandlerResult + Send>),
    Client(Box<ClientHandler>),
    Async(Box<dyn FnMut(JobInfo) -> HandlerFuture + Send>),
}

/// The default budget of steps per command: a model that loops without a wait state stops
/// with [`Error::StepBudget`] instead of hanging.
pub const DEFAULT_STEP_BUDGET: usize = 100_000;

/// A deterministic, in-memory BPMN engine with a virtual clock.
pub struct Engine {
    state: State,
    handlers: BTreeMap<String, Handler>,
    step_budget: usize,
    expressions: std::sync::Arc<dyn crate::expr::ExpressionLanguage>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("now", &self.state.now)
            .field("instances", &self.state.instances.len())
            .field("handlers", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Where virtual time starts unless told otherwise: a fixed instant, never the wall clock.
pub const DEFAULT_START: Timestamp = Timestamp::constant(1_767_225_600, 0); // 2026-01-01T00:00:00Z

impl Engine {
    /// An engine with nothing deployed, its clock at [`DEFAULT_START`].
    pub fn new() -> Self {
        Self::starting_at(DEFAULT_START)
    }

    /// An engine whose virtual clock starts at `now`.
    pub fn starting_at(now: Timestamp) -> Self {
        Engine {
            state: State {
                files: Vec::new(),
                processes: Vec::new(),
                now,
                seq: 0,
                started: BTreeMap::new(),
                instances: BTreeMap::new(),
                timers: Vec::new(),
                subscriptions: Vec::new(),
                trace: Vec::new(),
                agenda: VecDeque::new(),
                start_timers: 0,
                time_zone: None,
                buffered: Vec::new(),
                conditions: Vec::new(),
                dirty: Default::default(),
                jobs_created: 0,
                for_handlers: BTreeMap::new(),
                terminate_due: Vec::new(),
            },
            handlers: BTreeMap::new(),
            step_budget: DEFAULT_STEP_BUDGET,
            expressions: std::sync::Arc::new(crate::expr::BuiltIn),
        }
    }

    /// Uses another expression language (a full FEEL implementation, say) for conditions,
    /// mappings, timers and correlation keys.
    pub fn with_expressions(mut self, language: impl crate::expr::ExpressionLanguage + 'static) -> Self {
        self.expressions = std::sync::Arc::new(language);
        self
    }

    /// Sets how many steps one command may take before it is stopped as a loop.
    pub fn set_step_budget(&mut self, steps: usize) {
        self.step_budget = steps;
    }

    // ----- deploying --------------------------------------------------------------------------

    /// Deploys every executable process of a file. A process already deployed gets a new
    /// version, and new instances use the latest. The model must validate without errors, and
    /// use only elements this engine runs (see the README's table).
    pub fn deploy(&mut self, definitions: Definitions) -> Result<Vec<(String, u32)>, Error> {
        // Every problem at once, as `cargo baton validate` lists them: the validator's errors,
        // then the elements this runtime does not run yet (with their own, more specific text).
        let mut problems: Vec<_> = validate(&definitions)
            .into_iter()
            .filter(|p| p.severity == Severity::Error && p.code != crate::validate::Code::NotRunYet)
            .collect();
        let mut not_run = Vec::new();
        for process in definitions.processes.iter().filter(|p| p.is_executable) {
            for node in &process.nodes {
                if let Some(what) = not_yet_run(process, node) {
                    not_run.push(Error::NotYetSupported {
                        at: crate::Location { file: definitions.source.clone(), position: node.position },
                        id: node.id.to_string(),
                        what,
                    });
                }
            }
        }
        if problems.is_empty() && not_run.len() == 1 {
            return Err(not_run.remove(0));
        }
        problems.extend(not_run.into_iter().filter_map(|error| match error {
            Error::NotYetSupported { at, id, what } => Some(crate::validate::Problem {
                severity: Severity::Error,
                code: crate::validate::Code::NotRunYet,
                message: format!("Baton does not run `{id}` yet ({what})"),
                element: Some(id),
                file: at.file,
                position: at.position,
                hint: Some("remove it from the executable process or mark the process isExecutable=\"false\"".into()),
            }),
            _ => None,
        }));
        if !problems.is_empty() {
            return Err(Error::Invalid { file: definitions.source.clone(), problems });
        }
        let file = self.state.files.len();
        let mut deployed = Vec::new();
        for process in definitions.processes.iter().filter(|p| p.is_executable) {
            let version = self.state.processes.iter().filter(|d| d.id == process.id.as_str()).count() as u32 + 1;
            self.state.processes.push(Deployed { id: process.id.to_string(), version, file });
            deployed.push((process.id.to_string(), version));
        }
        self.state.files.push(std::sync::Arc::new(definitions));
        for (process, _) in &deployed {
            self.arm_start_timers(process)?;
        }
        Ok(deployed)
    }

    /// Arms the timer start events of the latest version of `process`, withdrawing those of
    /// older versions (a new version takes over the schedule, as in Camunda).
    fn arm_start_timers(&mut self, process: &str) -> Result<(), Error> {
        let Some(deployed) = self.latest(process) else { return Ok(()) };
        self.state.timers.retain(|t| {
            !matches!(t.catcher, Catcher::Start { deployed: d } if self.state.processes.get(d).is_some_and(|p| p.id == process))
        });
        let file = self.state.files[self.state.processes[deployed].file].clone();
        let Some(definition) = file.process(process) else { return Ok(()) };
        for node in definition.children(None) {
            let NodeKind::Event(crate::model::Event { kind: NodeEvent::Start { .. }, definitions, .. }) = &node.kind
            else {
                continue;
            };
            let Some(Trigger::Timer { timer: Some(timer) }) = definitions.first().map(|d| &d.trigger) else { continue };
            let spec =
                crate::clock::TimerSpec::parse(timer.kind, &timer.value).map_err(|e| Error::NotYetSupported {
                    at: crate::Location { file: file.source.clone(), position: timer.position },
                    id: node.id.to_string(),
                    what: format!("timer start event whose timer cannot be armed ({e})"),
                })?;
            let calendar = self.calendar(file.dialect);
            let ((due, cycle), cron) =
                spec.schedule_in(self.state.now, &calendar).map_err(|e| Error::NotYetSupported {
                    at: crate::Location { file: file.source.clone(), position: timer.position },
                    id: node.id.to_string(),
                    what: format!("timer start event whose timer cannot be armed ({e})"),
                })?;
            self.state.start_timers += 1;
            self.state.timers.push(ArmedTimer {
                id: format!("{process}/start-timer#{}", self.state.start_timers),
                instance: String::new(),
                node: node.id.clone(),
                due,
                catcher: Catcher::Start { deployed },
                cycle,
                cron,
                created: self.state.seq + self.state.start_timers,
            });
        }
        Ok(())
    }

    fn latest(&self, process: &str) -> Option<usize> {
        self.state.processes.iter().rposition(|d| d.id == process)
    }

    // ----- handlers ---------------------------------------------------------------------------

    /// Registers the handler for a task type. Jobs of that type are then done by the handler
    /// as soon as they are created, in creation order; others wait for the test.
    pub fn register<F>(&mut self, job_type: impl Into<String>, handler: F)
    where
        F: FnMut(&JobInfo) -> Result<Variables, HandlerError> + Send + 'static,
    {
        let job_type = job_type.into();
        // Jobs already waiting for this type are now the handler's too.
        for inst in self.state.instances.values() {
            let handled = |j: &&Job| matches!(j.kind, JobKind::Service | JobKind::Listener) && j.job_type == job_type;
            for job in inst.jobs.values().filter(handled) {
                self.state.for_handlers.insert(job.created, (inst.id.clone(), job.number));
            }
        }
        self.handlers.insert(job_type, Handler::Sync(Box::new(handler)));
    }

    /// Registers the handler of a Camunda 7 listener, under its `class`, its
    /// `delegateExpression` or its `expression` as the model writes it (`com.acme.AuditListener`,
    /// `${auditListener}`). It runs at each event the listener is declared for (start/end;
    /// create/assignment/complete), sees the event in [`JobInfo::listener`], the element and the
    /// variables, and its returned variables are set; the element waits for it. A class or
    /// delegate expression listener without a handler is an incident at its element. (Camunda
    /// 8 listeners are jobs of their type: [`Engine::register`] them, or complete them from the
    /// test.)
    pub fn register_listener<F>(&mut self, listener: impl Into<String>, handler: F)
    where
        F: FnMut(&JobInfo) -> Result<Variables, HandlerError> + Send + 'static,
    {
        self.register(listener, handler);
    }

    /// Registers a handler that also gets a [`JobClient`], to set variables or publish
    /// messages while it works; otherwise like [`Engine::register`].
    pub fn register_with_client<F>(&mut self, job_type: impl Into<String>, handler: F)
    where
        F: FnMut(&JobInfo, &mut JobClient) -> Result<Variables, HandlerError> + Send + 'static,
    {
        let job_type = job_type.into();
        for inst in self.state.instances.values() {
            for job in inst.jobs.values().filter(|j| j.kind == JobKind::Service && j.job_type == job_type) {
                self.state.for_handlers.insert(job.created, (inst.id.clone(), job.number));
            }
        }
        self.handlers.insert(job_type, Handler::Client(Box::new(handler)));
    }

    /// Registers an async handler (e.g. one that calls a service with tokio). Its jobs wait
    /// until [`Engine::drive`] is awaited, which runs every handler's jobs in creation order,
    /// awaiting one at a time: async code can never reorder a trace.
    ///
    /// ```
    /// # use baton_engine::runtime::{Engine, Variables};
    /// # let mut engine = Engine::new();
    /// engine.register_async("charge-card", |job| Box::pin(async move {
    ///     // e.g. `payments.charge(&job.variables).await`
    ///     Ok(Variables::from([("charged".to_string(), job.variables["amount"].clone())]))
    /// }));
    /// ```
    pub fn register_async<F>(&mut self, job_type: impl Into<String>, handler: F)
    where
        F: FnMut(JobInfo) -> HandlerFuture + Send + 'static,
    {
        let job_type = job_type.into();
        for inst in self.state.instances.values() {
            for job in inst.jobs.values().filter(|j| j.kind == JobKind::Service && j.job_type == job_type) {
                self.state.for_handlers.insert(job.created, (inst.id.clone(), job.number));
            }
        }
        self.handlers.insert(job_type, Handler::Async(Box::new(handler)));
    }

    /// Runs every job that a handler (sync or async) can do, in creation order, awaiting async
    /// handlers one at a time, until no handled job is left. Commands run sync handlers by
    /// themselves; async handlers' jobs wait for this.
    pub async fn drive(&mut self) -> Result<(), Error> {
        loop {
            self.run()?;
            let Some(job) = self.next_handled_job(true) else { return Ok(()) };
            let future = match self.handlers.get_mut(&job.job_type) {
                Some(Handler::Async(handler)) => match catch_unwind(AssertUnwindSafe(|| handler(job.clone()))) {
                    Ok(future) => future,
                    Err(panic) => {
                        self.apply_outcome(&job, Err(panic))?;
                        continue;
                    }
                },
                Some(Handler::Sync(_) | Handler::Client(..)) | None => continue,
            };
            let outcome = CatchUnwind(future).await;
            self.apply_outcome(&job, outcome)?;
        }
    }

    // ----- commands ---------------------------------------------------------------------------

    /// Starts an instance of the latest version of `process` at its none start event, as
    /// Camunda 8's create-instance command does (it refuses a process without one). A Camunda 7
    /// model starts where `startProcessInstanceByKey` does: at its none or timer start event,
    /// else at its only start event, whatever its kind (a message start event, say): see
    /// `BpmnParse.selectInitial` in camunda-bpm-platform, and docs.camunda.org
    /// reference/bpmn20/events/message-events/ ("Using the Runtime Service's Correlation Methods").
    pub fn start(&mut self, process: &str, variables: Variables) -> Result<String, Error> {
        let deployed = self.latest(process).ok_or_else(|| Error::UnknownProcess {
            process: process.to_owned(),
            deployed: self.state.processes.iter().map(|d| d.id.clone()).collect(),
        })?;
        let instance = self.create_instance(deployed, variables, None);
        let Some(start) = self.initial_start(&instance) else {
            self.state.instances.remove(&instance);
            return Err(Error::NoNoneStart { process: process.to_owned() });
        };
        let token = self.new_token(&instance, start, None, None);
        self.state.agenda.push_back(Step::Enter { instance: instance.clone(), token });
        self.run()?;
        Ok(instance)
    }

    pub(crate) fn create_instance(
        &mut self,
        deployed: usize,
        variables: Variables,
        parent: Option<ParentRef>,
    ) -> String {
        let (process, version) = {
            let d = &self.state.processes[deployed];
            (d.id.clone(), d.version)
        };
        let count = self.state.started.entry(process.clone()).or_insert(0);
        *count += 1;
        let id = format!("{process}#{count}");
        self.state.instances.insert(
            id.clone(),
            Instance {
                id: id.clone(),
                process: process.clone(),
                version,
                deployed,
                state: InstanceState::Active,
                variables: BTreeMap::new(),
                tokens: BTreeMap::new(),
                next_token: 0,
                next_job: 0,
                next_timer: 0,
                next_incident: 0,
                jobs: BTreeMap::new(),
                incidents: BTreeMap::new(),
                arrivals: Vec::new(),
                parent: parent.clone(),
                compensable: Vec::new(),
                compensating: BTreeMap::new(),
                multi: BTreeMap::new(),
                cancelling: Default::default(),
                started_by_key: None,
                business_key: None,
                terminate_after: Vec::new(),
            },
        );
        let parent = parent.map(|p| format!("{}/token#{}", p.instance, p.token));
        self.record(&id, TraceKind::InstanceStarted { process, version, parent });
        self.record_variables(&id, variables);
        self.arm_event_subs(&id, None);
        id
    }

    fn job_mut(&mut self, job: &str) -> Result<(String, u64), Error> {
        let instance = job.split('/').next().unwrap_or_default().to_owned();
        let found =
            self.state.instances.get(&instance).and_then(|i| i.jobs.values().find(|j| j.id == job)).map(|j| j.number);
        match found {
            Some(number) => Ok((instance, number)),
            None => Err(Error::UnknownJob {
                job: job.to_owned(),
                history: self.job_history(job),
                pending: self.state.instances.values().flat_map(|i| i.jobs.values().map(|j| j.id.clone())).collect(),
            }),
        }
    }

    /// What became of a job that is no longer open, from the trace: where it was, and when and
    /// how it ended (`at "Pay item", completed at 2026-01-01T00:00:00Z`).
    fn job_history(&self, job: &str) -> Option<String> {
        let mut node = None;
        let mut ended = None;
        let mut by = "";
        for event in &self.state.trace {
            match &event.kind {
                TraceKind::JobCreated { job: id, node: at, job_type } if id == job => {
                    node = self.node_of(&event.instance, at).map(|n| format!("\"{}\"", n.label()));
                    // Jobs of a type with a registered handler are done by it, others by the test.
                    by = if self.handlers.contains_key(job_type) {
                        " by its registered handler"
                    } else {
                        " by the test"
                    };
                }
                TraceKind::JobCompleted { job: id } if id == job => {
                    ended = Some(format!("completed at {}{by}", event.time))
                }
                TraceKind::JobFailed { job: id, retries: 0, message } if id == job => {
                    ended = Some(format!("failed for the last time at {} ({message})", event.time))
                }
                _ => {}
            }
        }
        let node = node?;
        Some(match ended {
            Some(ended) => format!("its job at {node} was {ended}"),
            None => format!(
                "its job at {node} ended when the element was left (a boundary event, an error, or termination)"
            ),
        })
    }

    /// Whether a handler is registered for this job type (sync or async).
    pub fn has_handler(&self, job_type: &str) -> bool {
        self.handlers.contains_key(job_type)
    }

    /// Completes a job: its variables are set (through the task's output mappings, if any)
    /// and the instance moves on.
    pub fn complete_job(&mut self, job: &str, variables: Variables) -> Result<(), Error> {
        self.apply_completion(job, variables)?;
        self.run()
    }

    fn apply_completion(&mut self, job: &str, variables: Variables) -> Result<(), Error> {
        let (instance, number) = self.job_mut(job)?;
        let Some(done) = self.state.instances.get_mut(&instance).and_then(|i| i.jobs.remove(&number)) else {
            return Ok(());
        };
        self.record(&instance, TraceKind::JobCompleted { job: done.id.clone() });
        if let Some((event, phase)) = &done.listener {
            self.listener_done(&instance, &done, event, *phase, variables);
            return Ok(());
        }
        let outputs = match self.process_of(&instance).and_then(|p| p.node(done.node.as_str())).map(|n| &n.kind) {
            Some(NodeKind::Task(task)) => task.activity.outputs.clone(),
            Some(NodeKind::Event(event)) => event.mappings.clone(),
            _ => Vec::new(),
        };
        let mut locals = self
            .state
            .instances
            .get(&instance)
            .and_then(|i| i.tokens.get(&done.token))
            .map(|t| t.locals.clone())
            .unwrap_or_default();
        if outputs.is_empty() {
            // Zeebe merges the job's variables into the instance: each goes to the nearest scope
            // that has it, so one an input mapping made local stays local and ends with the
            // element; the rest reach the process (concepts/variables/, "Variable propagation").
            // Camunda 7's setVariable propagates the same way (user-guide/process-engine/
            // variables/, "Variable Scopes and Variable Visibility").
            let (kept, merged) = variables.into_iter().partition(|(name, _)| locals.contains_key(name));
            locals.extend::<Variables>(kept);
            self.set_locals(&instance, done.token, locals);
            self.record_variables_at(&instance, done.token, merged);
        } else {
            // Output mappings see the element's local variables and the job's result over them:
            // Zeebe sets the result as local variables of the element (concepts/variables/,
            // "Output mappings"). Camunda 7 propagates the result as above, then maps.
            let mut scope = self.state.instances.get(&instance).map(|i| i.variables.clone()).unwrap_or_default();
            scope.extend(locals.clone());
            if self.is_camunda7(&instance) {
                let (kept, merged): (Variables, Variables) =
                    variables.into_iter().partition(|(name, _)| locals.contains_key(name));
                scope.extend(merged.clone());
                scope.extend(kept.clone());
                locals.extend(kept);
                self.set_locals(&instance, done.token, locals);
                self.record_variables_at(&instance, done.token, merged);
            } else {
                scope.extend(variables);
            }
            for mapping in outputs {
                match self.value_of_mapping(&instance, &mapping, &scope) {
                    Ok(value) => self.set_variable(&instance, &mapping.target, value),
                    Err(err) => {
                        let message = format!("output mapping `{}`: {err}", mapping.target);
                        self.raise_incident(&instance, done.token, &done.node, message, Resume::Leave);
                        return Ok(());
                    }
                }
            }
        }
        self.state.agenda.push_back(Step::Leave { instance, token: done.token });
        Ok(())
    }

    /// Sets (or with `None` clears) the assignee of an open user task, as a person claiming,
    /// unclaiming or handing it on does (Camunda 7's `taskService.claim`/`setAssignee`, Camunda
    /// 8's user task `assign`/`unassign`). Returns `false`, changing nothing, for a job that is
    /// not a user task (only a user task has an assignee).
    pub fn set_task_assignee(&mut self, job: &str, assignee: Option<&str>) -> Result<bool, Error> {
        let (instance, number) = self.job_mut(job)?;
        let Some(j) = self.state.instances.get_mut(&instance).and_then(|i| i.jobs.get_mut(&number)) else {
            return Ok(false);
        };
        if j.kind != JobKind::User {
            return Ok(false);
        }
        j.user.get_or_insert_with(Default::default).assignee = assignee.map(str::to_owned);
        Ok(true)
    }

    /// Reports a job as failed. Its retries count down (or are set to `retries`); at zero it
    /// becomes an incident.
    pub fn fail_job(&mut self, job: &str, message: &str, retries: Option<u32>) -> Result<(), Error> {
        self.apply_failure(job, message, retries, None)?;
        self.run()
    }

    /// [`Engine::fail_job`] with a back-off: a handler's retry waits this long on the virtual
    /// clock (Zeebe's fail command with `retryBackoff`); the clock's advance runs it.
    pub fn fail_job_with_backoff(
        &mut self,
        job: &str,
        message: &str,
        retries: Option<u32>,
        backoff: jiff::Span,
    ) -> Result<(), Error> {
        self.apply_failure(job, message, retries, Some(backoff))?;
        self.run()
    }

    fn apply_failure(
        &mut self,
        job: &str,
        message: &str,
        retries: Option<u32>,
        backoff: Option<jiff::Span>,
    ) -> Result<(), Error> {
        let (instance, number) = self.job_mut(job)?;
        let Some(j) = self.state.instances.get_mut(&instance).and_then(|i| i.jobs.get_mut(&number)) else {
            return Ok(());
        };
        // A retry cycle: the next attempt waits, on the virtual clock. With a list of intervals
        // Camunda 7 takes the one at `intervals - (retries - 1)`, retries counted before this
        // failure (DefaultJobRetryCmd), so each interval in turn and then the last one.
        let intervals = j.retry_interval.len();
        let index = intervals.saturating_sub(j.retries.saturating_sub(1) as usize).min(intervals.saturating_sub(1));
        let interval = j.retry_interval.get(index).copied();
        j.retries = retries.unwrap_or(j.retries.saturating_sub(1));
        j.retry_at = backoff.or(interval).and_then(|span| crate::clock::after(self.state.now, span).ok());
        let (left, token, node, id) = (j.retries, j.token, j.node.clone(), j.id.clone());
        self.record(&instance, TraceKind::JobFailed { job: id.clone(), retries: left, message: message.to_owned() });
        if left == 0 {
            let message = format!("job {id} failed and has no retries left: {message}");
            self.raise_incident(&instance, token, &node, message, Resume::RetryJob(number));
        }
        Ok(())
    }

    /// Throws a BPMN error on a job: the nearest error boundary event for `code` takes over,
    /// else it becomes an incident.
    pub fn throw_error(&mut self, job: &str, code: &str, variables: Variables) -> Result<(), Error> {
        self.apply_error(job, code, None, variables)?;
        self.run()
    }

    /// [`Engine::throw_error`] with an error message: the catching event's Camunda 7
    /// `camunda:errorMessageVariable` receives it (Zeebe's throw-error command's `errorMessage`).
    pub fn throw_error_with_message(
        &mut self,
        job: &str,
        code: &str,
        message: &str,
        variables: Variables,
    ) -> Result<(), Error> {
        self.apply_error(job, code, Some(message), variables)?;
        self.run()
    }

    fn apply_error(&mut self, job: &str, code: &str, message: Option<&str>, variables: Variables) -> Result<(), Error> {
        let (instance, number) = self.job_mut(job)?;
        let Some(j) = self.state.instances.get_mut(&instance).and_then(|i| i.jobs.remove(&number)) else {
            return Ok(());
        };
        self.record(&instance, TraceKind::ErrorThrown { node: j.node.to_string(), code: code.to_owned() });
        self.record_variables(&instance, variables);
        // The event that catches it keeps the message where its errorMessageVariable says.
        self.throw_from(&instance, j.token, code, message, false);
        Ok(())
    }

    /// Publishes a message as Camunda 8 does (docs.camunda.io: components/concepts/messages/).
    /// It is correlated to one subscription per process (by BPMN process id, across versions;
    /// the first opened) and to every process that waits for it; a process with a message start
    /// event for it starts an instance, unless an instance it started from a message with the
    /// same correlation key is still active. With a positive `time_to_live` (an ISO 8601
    /// duration, e.g. `PT1H`; `PT0S` disables buffering) it is then kept, and a subscription of
    /// a process it has not reached yet that opens in that time receives it. Returns the first
    /// instance that received it now, if any.
    pub fn publish_message(
        &mut self,
        name: &str,
        correlation_key: Option<&str>,
        variables: Variables,
        time_to_live: &str,
    ) -> Result<Option<String>, Error> {
        self.publish_message_with_id(name, correlation_key, variables, time_to_live, None)
    }

    /// [`Engine::publish_message`] with a message id: while a message with the same name,
    /// correlation key and id is buffered, a second one is refused
    /// ([`Error::MessageAlreadyPublished`], Zeebe's "message uniqueness").
    pub fn publish_message_with_id(
        &mut self,
        name: &str,
        correlation_key: Option<&str>,
        variables: Variables,
        time_to_live: &str,
        message_id: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let span = crate::clock::duration(time_to_live)
            .map_err(|e| Error::BadDuration { text: time_to_live.to_owned(), reason: e.message })?;
        let expires = crate::clock::after(self.state.now, span)
            .map_err(|reason| Error::BadDuration { text: time_to_live.to_owned(), reason })?;
        let now = self.state.now;
        self.state.buffered.retain(|b| b.expires > now);
        if let Some(id) = message_id {
            let equal = self.state.buffered.iter().any(|b| {
                b.name == name && b.correlation_key.as_deref() == correlation_key && b.message_id.as_deref() == Some(id)
            });
            if equal {
                return Err(Error::MessageAlreadyPublished {
                    message: name.to_owned(),
                    correlation_key: correlation_key.map(str::to_owned),
                    message_id: id.to_owned(),
                });
            }
        }
        let (reached, correlated) = self.correlate_published(name, correlation_key, &variables);
        if expires > now {
            self.state.buffered.push(BufferedMessage {
                name: name.to_owned(),
                correlation_key: correlation_key.map(str::to_owned),
                variables,
                expires,
                message_id: message_id.map(str::to_owned),
                correlated,
            });
        }
        self.run()?;
        Ok(reached.into_iter().next())
    }

    /// Zeebe's correlation of a message: to the first matching subscription of each process
    /// (by id), then to the message start event of each process not reached yet. Returns the
    /// instances reached and the processes.
    fn correlate_published(
        &mut self,
        name: &str,
        correlation_key: Option<&str>,
        variables: &Variables,
    ) -> (Vec<String>, std::collections::BTreeSet<String>) {
        let mut reached = Vec::new();
        let mut processes = std::collections::BTreeSet::new();
        loop {
            let next = self.matching_subscriptions(name, Some(correlation_key)).into_iter().find(|&i| {
                let instance = &self.state.subscriptions[i].instance;
                self.state.instances.get(instance).is_some_and(|inst| !processes.contains(&inst.process))
            });
            let Some(index) = next else { break };
            let instance = self.state.subscriptions[index].instance.clone();
            if let Some(inst) = self.state.instances.get(&instance) {
                processes.insert(inst.process.clone());
            }
            reached.push(self.deliver_to(index, name, variables.clone()));
        }
        for (deployed, start) in self.starts_for(name, false) {
            let process = self.state.processes[deployed].id.clone();
            if processes.contains(&process) || self.message_started_active(&process, correlation_key) {
                continue;
            }
            processes.insert(process);
            reached.push(self.start_by_message(deployed, start, name, correlation_key, variables.clone()));
        }
        (reached, processes)
    }

    /// Whether an active instance of `process` was started by a message with this (non-empty)
    /// correlation key: Zeebe then starts no other one for it.
    pub(crate) fn message_started_active(&self, process: &str, correlation_key: Option<&str>) -> bool {
        let Some(key) = correlation_key.filter(|k| !k.is_empty()) else { return false };
        self.state.instances.values().any(|i| {
            i.process == process && i.state == InstanceState::Active && i.started_by_key.as_deref() == Some(key)
        })
    }

    /// Starts an instance at a message start event.
    pub(crate) fn start_by_message(
        &mut self,
        deployed: usize,
        start: NodeId,
        name: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> String {
        let instance = self.create_instance(deployed, variables, None);
        if let Some(inst) = self.state.instances.get_mut(&instance) {
            inst.started_by_key = correlation_key.filter(|k| !k.is_empty()).map(str::to_owned);
        }
        let token = self.new_token(&instance, start.clone(), None, None);
        self.record(&instance, TraceKind::MessageCorrelated { message: name.to_owned(), node: start.to_string() });
        self.state.agenda.push_back(Step::Enter { instance: instance.clone(), token });
        instance
    }

    /// A message thrown by the model: delivered to the first subscription waiting for it (by
    /// name, whatever its key), or lost to the outside when none waits.
    pub(crate) fn deliver_message(&mut self, name: &str, variables: Variables) {
        let _ = self.deliver(name, None, variables);
    }

    /// The open message subscriptions a message matches, in the order they were opened.
    /// `correlation_key`: `None` matches any subscription (the model's own throws); `Some(key)`
    /// matches subscriptions without a key or with this one.
    fn matching_subscriptions(&self, name: &str, correlation_key: Option<Option<&str>>) -> Vec<usize> {
        let alive = |s: &Subscription| {
            let token = s.catcher.token();
            token == 0 || self.state.instances.get(&s.instance).is_some_and(|i| i.tokens.contains_key(&token))
        };
        self.state
            .subscriptions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                !s.signal
                    && s.message == name
                    && correlation_key
                        .is_none_or(|key| s.correlation_key.is_none() || s.correlation_key.as_deref() == key)
                    && alive(s)
            })
            .map(|(index, _)| index)
            .collect()
    }

    /// Hands a message to the subscription at `index`. Returns its instance.
    fn deliver_to(&mut self, index: usize, name: &str, variables: Variables) -> String {
        let subscription = self.state.subscriptions.remove(index);
        let instance = subscription.instance.clone();
        self.record(
            &instance,
            TraceKind::MessageCorrelated { message: name.to_owned(), node: subscription.node.to_string() },
        );
        self.record_variables(&instance, variables);
        self.catch_event(&instance, &subscription.node, &subscription.catcher);
        instance
    }

    /// Hands a message to the first subscription for it, else to a message start event.
    fn deliver(&mut self, name: &str, correlation_key: Option<Option<&str>>, variables: Variables) -> Option<String> {
        if let Some(index) = self.matching_subscriptions(name, correlation_key).first().copied() {
            return Some(self.deliver_to(index, name, variables));
        }
        let (deployed, start) = self.message_start(name)?;
        Some(self.start_by_message(deployed, start, name, None, variables))
    }

    /// The dialect of the model an instance runs.
    fn dialect_of(&self, instance: &str) -> crate::model::Dialect {
        self.state
            .instances
            .get(instance)
            .and_then(|i| self.state.processes.get(i.deployed))
            .and_then(|d| self.state.files.get(d.file))
            .map_or(crate::model::Dialect::Plain, |f| f.dialect)
    }

    /// Correlates a message by name (and correlation key, when the subscription has one) as the
    /// waiting instance's engine does, or starts an instance at a message start event. Returns
    /// the instance that received it.
    ///
    /// - Camunda 7 (`runtimeService.correlateMessage`): to exactly one waiting execution, else to
    ///   one message start event; a message that matches several executions is refused
    ///   ([`Error::MessageAmbiguous`], Camunda 7's `MismatchingMessageCorrelationException`):
    ///   see docs.camunda.org reference/bpmn20/events/message-events/ and
    ///   [`Engine::correlate_all`].
    /// - Camunda 8 (the correlate-message command): as [`Engine::publish_message`] without
    ///   buffering, to one subscription per process; the first instance reached is returned.
    /// - Plain BPMN: to the first subscription opened.
    pub fn correlate_message(
        &mut self,
        name: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<String, Error> {
        let matches = self.matching_subscriptions(name, Some(correlation_key));
        let dialect = matches.first().map(|&i| self.dialect_of(&self.state.subscriptions[i].instance));
        match dialect {
            Some(crate::model::Dialect::Camunda7) if matches.len() > 1 => {
                return Err(Error::MessageAmbiguous {
                    message: name.to_owned(),
                    correlation_key: correlation_key.map(str::to_owned),
                    matches: matches
                        .iter()
                        .map(|&i| self.describe_subscription(&self.state.subscriptions[i]))
                        .collect(),
                });
            }
            Some(crate::model::Dialect::Camunda8) => {
                let (reached, _) = self.correlate_published(name, correlation_key, &variables);
                self.run()?;
                if let Some(first) = reached.into_iter().next() {
                    return Ok(first);
                }
            }
            _ => {
                if let Some(instance) = self.deliver(name, Some(correlation_key), variables) {
                    self.run()?;
                    return Ok(instance);
                }
            }
        }
        Err(self.not_correlated(name, correlation_key))
    }

    /// Correlates a message to every execution waiting for it, in the order they subscribed,
    /// as Camunda 7's `createMessageCorrelation(name).correlateAll()` does; when none waits, to
    /// a message start event. Returns the instances that received it.
    pub fn correlate_all(
        &mut self,
        name: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<Vec<String>, Error> {
        let mut reached = Vec::new();
        // Only the subscriptions open now: one that a delivery opens (a non-interrupting
        // boundary event listening again) waits for the next message.
        let open: Vec<(String, NodeId, Catcher)> = self
            .matching_subscriptions(name, Some(correlation_key))
            .into_iter()
            .map(|i| {
                let s = &self.state.subscriptions[i];
                (s.instance.clone(), s.node.clone(), s.catcher.clone())
            })
            .collect();
        for (instance, node, catcher) in open {
            let index = self.matching_subscriptions(name, Some(correlation_key)).into_iter().find(|&i| {
                let s = &self.state.subscriptions[i];
                s.instance == instance && s.node == node && s.catcher == catcher
            });
            if let Some(index) = index {
                reached.push(self.deliver_to(index, name, variables.clone()));
            }
        }
        if reached.is_empty()
            && let Some(instance) = self.deliver(name, Some(correlation_key), variables)
        {
            reached.push(instance);
        }
        if reached.is_empty() {
            return Err(self.not_correlated(name, correlation_key));
        }
        self.run()?;
        Ok(reached)
    }

    /// Triggers a wait state that waits for no message: a receive task without a `messageRef`,
    /// which Camunda 7 leaves to the caller (`runtimeService.signal(executionId)`, see
    /// docs.camunda.org reference/bpmn20/tasks/receive-task/). `element` is the element id.
    /// Variables are set, then the token moves on.
    pub fn trigger(&mut self, instance: &str, element: &str, variables: Variables) -> Result<(), Error> {
        let inst = self
            .state
            .instances
            .get(instance)
            .ok_or_else(|| Error::UnknownInstance { instance: instance.to_owned() })?;
        let waits_for_nothing = |token: u64| {
            let catcher = Catcher::Waiting { token };
            !self.state.subscriptions.iter().any(|s| s.instance == instance && s.catcher == catcher)
                && !self.state.timers.iter().any(|t| t.instance == instance && t.catcher == catcher)
                && !self.state.conditions.iter().any(|c| c.instance == instance && c.catcher == catcher)
        };
        let token = inst
            .tokens
            .values()
            .find(|t| t.node.as_str() == element && t.wait == Wait::Event && waits_for_nothing(t.id))
            .map(|t| t.id);
        let Some(token) = token else {
            return Err(Error::NotWaiting {
                instance: instance.to_owned(),
                element: element.to_owned(),
                waiting: self.waiting_at(instance).iter().map(|n| n.to_string()).collect(),
            });
        };
        self.record_variables(instance, variables);
        self.catch_event(instance, &NodeId::from(element), &Catcher::Waiting { token });
        self.run()
    }

    fn describe_subscription(&self, s: &Subscription) -> String {
        let node = self.node_of(&s.instance, s.node.as_str()).map_or(s.node.to_string(), |n| n.label().to_owned());
        let key = match &s.correlation_key {
            Some(key) => format!(" with correlation key \"{key}\""),
            None => String::new(),
        };
        format!("{} at \"{node}\" for `{}`{key}", s.instance, s.message)
    }

    fn not_correlated(&self, name: &str, correlation_key: Option<&str>) -> Error {
        Error::MessageNotCorrelated {
            message: name.to_owned(),
            correlation_key: correlation_key.map(str::to_owned),
            waiting: self
                .state
                .subscriptions
                .iter()
                .filter(|s| !s.signal)
                .map(|s| self.describe_subscription(s))
                .collect(),
        }
    }

    /// Broadcasts a signal: every subscription waiting for it is triggered, in subscription
    /// order, and every (latest) process with a signal start event for it starts an instance.
    /// Returns the instances it reached.
    pub fn broadcast_signal(&mut self, name: &str, variables: Variables) -> Result<Vec<String>, Error> {
        let reached = self.deliver_signal(name, &variables);
        self.run()?;
        Ok(reached)
    }

    pub(crate) fn deliver_signal(&mut self, name: &str, variables: &Variables) -> Vec<String> {
        let (caught, kept): (Vec<Subscription>, Vec<Subscription>) =
            std::mem::take(&mut self.state.subscriptions).into_iter().partition(|s| s.signal && s.message == name);
        self.state.subscriptions = kept;
        let mut reached = Vec::new();
        for subscription in caught {
            // A catcher whose token went away meanwhile (an earlier one interrupted it) is skipped.
            if subscription.catcher.token() != 0
                && self
                    .state
                    .instances
                    .get(&subscription.instance)
                    .is_none_or(|i| !i.tokens.contains_key(&subscription.catcher.token()))
            {
                continue;
            }
            self.record(
                &subscription.instance,
                TraceKind::SignalReceived { signal: name.to_owned(), node: subscription.node.to_string() },
            );
            self.record_variables(&subscription.instance, variables.clone());
            self.catch_event(&subscription.instance, &subscription.node, &subscription.catcher);
            reached.push(subscription.instance);
        }
        for (deployed, start) in self.starts_for(name, true) {
            let instance = self.create_instance(deployed, variables.clone(), None);
            let token = self.new_token(&instance, start.clone(), None, None);
            self.record(&instance, TraceKind::SignalReceived { signal: name.to_owned(), node: start.to_string() });
            self.state.agenda.push_back(Step::Enter { instance: instance.clone(), token });
            reached.push(instance);
        }
        reached
    }

    /// Latest deployed processes with a start event for this signal (or message) name.
    fn starts_for(&self, name: &str, signal: bool) -> Vec<(usize, NodeId)> {
        let mut latest: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, d) in self.state.processes.iter().enumerate() {
            latest.insert(&d.id, i);
        }
        let mut found = Vec::new();
        for index in latest.values() {
            let d = &self.state.processes[*index];
            let definitions = &self.state.files[d.file];
            let Some(process) = definitions.process(&d.id) else { continue };
            for node in process.children(None) {
                let NodeKind::Event(e) = &node.kind else { continue };
                if !matches!(e.kind, NodeEvent::Start { .. }) {
                    continue;
                }
                let named = e.definitions.iter().any(|def| match &def.trigger {
                    Trigger::Message { message: Some(m) } if !signal => definitions
                        .message(m.as_str())
                        .is_some_and(|m| m.name.as_deref().unwrap_or(m.id.as_str()) == name),
                    Trigger::Signal { signal: Some(s) } if signal => definitions
                        .signal(s.as_str())
                        .is_some_and(|s| s.name.as_deref().unwrap_or(s.id.as_str()) == name),
                    _ => false,
                });
                if named {
                    found.push((*index, node.id.clone()));
                }
            }
        }
        found
    }

    fn message_start(&self, name: &str) -> Option<(usize, NodeId)> {
        self.starts_for(name, false).into_iter().next()
    }

    /// The process a message named `name` would start (by a message start event), if any.
    pub fn message_start_process(&self, name: &str) -> Option<String> {
        let (deployed, _) = self.message_start(name)?;
        self.state.processes.get(deployed).map(|d| d.id.clone())
    }

    /// The ids of the deployed processes, each once, in the order they were first deployed.
    pub fn deployed_processes(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for deployed in &self.state.processes {
            if !ids.contains(&deployed.id) {
                ids.push(deployed.id.clone());
            }
        }
        ids
    }

    /// The latest deployed version of a process.
    pub fn deployed_process(&self, process: &str) -> Option<&crate::model::Process> {
        let deployed = &self.state.processes[self.latest(process)?];
        self.state.files.get(deployed.file)?.process(&deployed.id)
    }

    /// Sets variables of a running instance from outside, e.g. to fix the cause of an incident.
    pub fn set_variables(&mut self, instance: &str, variables: Variables) -> Result<(), Error> {
        if !self.state.instances.contains_key(instance) {
            return Err(Error::UnknownInstance { instance: instance.to_owned() });
        }
        for (name, value) in variables {
            self.set_variable(instance, &name, value);
        }
        // Conditional events may now hold.
        self.run()
    }

    /// Resolves an incident: a failed job gets one more retry, anything else runs its step again.
    pub fn resolve_incident(&mut self, incident: &str) -> Result<(), Error> {
        let instance = incident.split('/').next().unwrap_or_default().to_owned();
        let found = self
            .state
            .instances
            .get_mut(&instance)
            .and_then(|i| {
                let number = i.incidents.values().find(|x| x.id == incident).map(|x| x.number)?;
                i.incidents.remove(&number)
            })
            .ok_or_else(|| Error::UnknownIncident { incident: incident.to_owned() })?;
        self.record(&instance, TraceKind::IncidentResolved { incident: found.id.clone() });
        let (wait, step) = match found.resume {
            Resume::RetryJob(job) => {
                if let Some(j) = self.state.instances.get_mut(&instance).and_then(|i| i.jobs.get_mut(&job)) {
                    j.retries = 1;
                    if self.handlers.contains_key(&j.job_type) {
                        self.state.for_handlers.insert(j.created, (instance.clone(), job));
                    }
                }
                (Wait::Job(job), None)
            }
            Resume::Execute => (Wait::Moving, Some(Step::Execute { instance: instance.clone(), token: found.token })),
            Resume::Leave => (Wait::Moving, Some(Step::Leave { instance: instance.clone(), token: found.token })),
        };
        if let Some(t) = self.state.instances.get_mut(&instance).and_then(|i| i.tokens.get_mut(&found.token)) {
            t.wait = wait;
        }
        if let Some(step) = step {
            self.state.agenda.push_back(step);
        }
        self.run()
    }

    /// Cancels a running instance, as Camunda 7's `runtimeService.deleteProcessInstance` and
    /// Camunda 8's cancel command do: its tokens end, its jobs, timers and subscriptions go,
    /// the instances it called are terminated with it, and nothing of it runs again. The trace
    /// records `InstanceCancelled`, then `InstanceTerminated`.
    ///
    /// Only a root instance can be cancelled: Camunda 8 refuses to cancel an instance a call
    /// activity started ("only ACTIVE root instances can be cancelled",
    /// <https://docs.camunda.io/docs/apis-tools/orchestration-cluster-api-rest/specifications/cancel-process-instances-batch-operation>),
    /// and the error names the root to cancel instead.
    pub fn cancel(&mut self, instance: &str) -> Result<(), Error> {
        let inst = self
            .state
            .instances
            .get(instance)
            .ok_or_else(|| Error::UnknownInstance { instance: instance.to_owned() })?;
        match inst.state {
            InstanceState::Active => {}
            InstanceState::Ended => {
                return Err(Error::NotRunning { instance: instance.to_owned(), state: "ended".into() });
            }
            InstanceState::Terminated => {
                let cancelled = self
                    .state
                    .trace
                    .iter()
                    .any(|e| e.instance == instance && matches!(e.kind, TraceKind::InstanceCancelled));
                let state = if cancelled { "been cancelled" } else { "been terminated" };
                return Err(Error::NotRunning { instance: instance.to_owned(), state: state.into() });
            }
        }
        if let Some(parent) = &inst.parent {
            let mut root = parent.instance.clone();
            while let Some(up) = self.state.instances.get(&root).and_then(|i| i.parent.as_ref()) {
                root = up.instance.clone();
            }
            let call_activity = parent
                .node
                .as_ref()
                .map(|n| self.node_of(&parent.instance, n.as_str()).map_or(n.to_string(), |n| n.label().to_owned()))
                .unwrap_or_default();
            return Err(Error::CalledInstance {
                instance: instance.to_owned(),
                parent: parent.instance.clone(),
                call_activity,
                root,
            });
        }
        self.record(instance, TraceKind::InstanceCancelled);
        self.end_instance(instance, InstanceState::Terminated);
        self.run()
    }

    // ----- time -------------------------------------------------------------------------------

    /// Sets the engine's time zone, by its IANA name (`Europe/Berlin`): the wall clock on which
    /// cron cycles fire and a Camunda 7 `timeDate` without an offset is read, as Camunda 7
    /// reads them in the JVM's default time zone. The default is UTC. The time zone database
    /// is built into Baton (jiff's bundled copy of the IANA database), so a test gives the same
    /// answer on every machine.
    pub fn set_time_zone(&mut self, name: &str) -> Result<(), Error> {
        jiff::tz::db()
            .get(name)
            .map_err(|err| Error::UnknownTimeZone { name: name.to_owned(), reason: err.to_string() })?;
        self.state.time_zone = Some(name.to_owned()).filter(|n| n != "UTC");
        Ok(())
    }

    /// The engine's time zone.
    pub(crate) fn zone(&self) -> jiff::tz::TimeZone {
        self.state
            .time_zone
            .as_deref()
            .and_then(|name| jiff::tz::db().get(name).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// How timers of a model in this dialect are read.
    pub(crate) fn calendar(&self, dialect: crate::model::Dialect) -> crate::clock::Calendar {
        use crate::model::Dialect;
        crate::clock::Calendar {
            zone: self.zone(),
            cron: if dialect == Dialect::Camunda7 {
                crate::clock::CronFlavor::Quartz
            } else {
                crate::clock::CronFlavor::Spring
            },
            local_dates: dialect != Dialect::Camunda8,
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Timestamp {
        self.state.now
    }

    /// Moves virtual time forward by an ISO 8601 duration (`PT5M`, `P7D`), firing every timer
    /// that falls due, in (due time, creation) order.
    pub fn advance(&mut self, duration: &str) -> Result<(), Error> {
        let span = crate::clock::duration(duration)
            .map_err(|e| Error::BadDuration { text: duration.to_owned(), reason: e.message })?;
        let target = crate::clock::after(self.state.now, span)
            .map_err(|reason| Error::BadDuration { text: duration.to_owned(), reason })?;
        self.advance_until(target)
    }

    /// Moves virtual time forward by a span (`jiff::Span::new().days(7)`), like
    /// [`Engine::advance`]. Calendar units (days, months) count from the virtual time in UTC.
    pub fn advance_by(&mut self, span: jiff::Span) -> Result<(), Error> {
        let target = crate::clock::after(self.state.now, span)
            .map_err(|reason| Error::BadDuration { text: span.to_string(), reason })?;
        self.advance_until(target)
    }

    /// Sets the virtual clock to an instant, firing every timer due until then, in (due time,
    /// creation) order: Camunda 7's `ClockUtil.setCurrentTime`, zeebe-process-test's clock.
    /// The clock only moves forward ([`Error::ClockBackwards`] otherwise).
    pub fn set_clock(&mut self, instant: Timestamp) -> Result<(), Error> {
        if instant < self.state.now {
            return Err(Error::ClockBackwards { now: self.state.now, to: instant });
        }
        self.advance_until(instant)
    }

    fn advance_until(&mut self, target: Timestamp) -> Result<(), Error> {
        loop {
            let timer = self.next_timer_index().filter(|&i| self.state.timers[i].due <= target);
            let retry = self.next_retry().filter(|&at| at <= target);
            match (timer, retry) {
                // A failed job's retry falls due first: its handler runs then.
                (timer, Some(at)) if timer.is_none_or(|i| at < self.state.timers[i].due) => {
                    self.state.now = self.state.now.max(at);
                    self.run()?;
                }
                (Some(index), _) => self.fire_timer(index)?,
                _ => break,
            }
        }
        self.state.now = self.state.now.max(target);
        self.run()
    }

    /// When the next failed job a handler will retry falls due, if one waits.
    fn next_retry(&self) -> Option<Timestamp> {
        self.state
            .for_handlers
            .values()
            .filter_map(|(instance, number)| self.state.instances.get(instance)?.jobs.get(number)?.retry_at)
            .filter(|&at| at > self.state.now)
            .min()
    }

    /// Moves virtual time to the next timer and fires every timer due then. Returns whether
    /// there was one.
    pub fn advance_to_next_timer(&mut self) -> Result<bool, Error> {
        let Some(index) = self.next_timer_index() else { return Ok(false) };
        let due = self.state.timers[index].due;
        while let Some(index) = self.next_timer_index().filter(|&i| self.state.timers[i].due <= due) {
            self.fire_timer(index)?;
        }
        Ok(true)
    }

    fn next_timer_index(&self) -> Option<usize> {
        self.state.timers.iter().enumerate().min_by_key(|(_, t)| (t.due, t.created)).map(|(i, _)| i)
    }

    fn fire_timer(&mut self, index: usize) -> Result<(), Error> {
        let timer = self.state.timers.remove(index);
        self.state.now = self.state.now.max(timer.due);
        if let Catcher::Start { deployed } = timer.catcher {
            // A timer start event: a new instance, and the next firing of a cycle.
            if let Some((due, cycle)) = next_firing(&timer, &self.zone()) {
                self.state.start_timers += 1;
                let process = self.state.processes[deployed].id.clone();
                self.state.timers.push(ArmedTimer {
                    id: format!("{process}/start-timer#{}", self.state.start_timers),
                    due,
                    cycle,
                    created: self.state.seq,
                    ..timer.clone()
                });
            }
            let instance = self.create_instance(deployed, Variables::new(), None);
            self.record(&instance, TraceKind::TimerFired { timer: timer.id.clone(), node: timer.node.to_string() });
            let token = self.new_token(&instance, timer.node.clone(), None, None);
            self.state.agenda.push_back(Step::Enter { instance, token });
            return self.run();
        }
        self.record(&timer.instance, TraceKind::TimerFired { timer: timer.id.clone(), node: timer.node.to_string() });
        // A non-interrupting cycle re-arms itself before the boundary path starts.
        let repeats = matches!(
            timer.catcher,
            Catcher::Boundary { interrupting: false, .. } | Catcher::EventSub { interrupting: false, .. }
        );
        if let Some((due, cycle)) = next_firing(&timer, &self.zone()).filter(|_| repeats) {
            let number = self.state.instances.get_mut(&timer.instance).map(|i| {
                i.next_timer += 1;
                i.next_timer
            });
            if let Some(number) = number {
                let id = format!("{}/timer#{number}", timer.instance);
                let next = ArmedTimer { id: id.clone(), due, cycle, created: self.state.seq, ..timer.clone() };
                self.state.timers.push(next);
                self.record(&timer.instance, TraceKind::TimerArmed { timer: id, node: timer.node.to_string(), due });
            }
        }
        self.catch_event(&timer.instance, &timer.node, &timer.catcher);
        self.run()
    }

    /// Every armed timer, soonest first.
    pub fn pending_timers(&self) -> Vec<TimerInfo> {
        let mut timers: Vec<&ArmedTimer> = self.state.timers.iter().collect();
        timers.sort_by_key(|t| (t.due, t.created));
        timers
            .into_iter()
            .map(|t| TimerInfo { id: t.id.clone(), instance: t.instance.clone(), node: t.node.clone(), due: t.due })
            .collect()
    }

    // ----- the driver -------------------------------------------------------------------------

    /// Runs the agenda until nothing can move, then lets handlers do activated jobs one by one.
    fn run(&mut self) -> Result<(), Error> {
        loop {
            let mut steps = 0usize;
            while let Some(step) = self.state.agenda.pop_front() {
                steps += 1;
                if steps > self.step_budget {
                    let (instance, token) = match &step {
                        Step::Enter { instance, token }
                        | Step::Execute { instance, token }
                        | Step::Leave { instance, token } => (instance.clone(), *token),
                    };
                    let node = self
                        .state
                        .instances
                        .get(&instance)
                        .and_then(|i| i.tokens.get(&token))
                        .map(|t| t.node.to_string());
                    self.state.agenda.clear();
                    return Err(Error::StepBudget {
                        instance,
                        node: node.unwrap_or_default(),
                        steps: self.step_budget,
                    });
                }
                self.step(step)?;
                self.terminate_finished();
            }
            if self.evaluate_conditions() {
                continue;
            }
            let Some(job) = self.next_handled_job(false) else { return Ok(()) };
            let outcome = match self.handlers.get_mut(&job.job_type) {
                Some(Handler::Sync(handler)) => catch_unwind(AssertUnwindSafe(|| handler(&job))),
                Some(Handler::Client(handler)) => {
                    let mut client = JobClient::default();
                    let outcome = catch_unwind(AssertUnwindSafe(|| handler(&job, &mut client)));
                    if outcome.is_ok() {
                        self.apply_client(&job, client);
                    }
                    outcome
                }
                Some(Handler::Async(_)) | None => return Ok(()),
            };
            self.apply_outcome(&job, outcome)?;
        }
    }

    /// Feeds a handler's result back in: completion, BPMN error, failure (retried while
    /// retries last), or a panic (an incident at once).
    fn apply_outcome(&mut self, job: &JobInfo, outcome: std::thread::Result<HandlerResult>) -> Result<(), Error> {
        match outcome {
            Ok(Ok(variables)) => self.apply_completion(&job.id, variables),
            Ok(Err(HandlerError::Bpmn { code, message, variables })) => {
                self.apply_error(&job.id, &code, message.as_deref(), variables)
            }
            Ok(Err(HandlerError::Failed { message, retries, backoff })) => {
                self.apply_failure(&job.id, &message, retries, backoff)?;
                self.requeue(&job.id);
                Ok(())
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the handler panicked".to_owned());
                self.apply_failure(&job.id, &format!("handler panicked: {message}"), Some(0), None)
            }
        }
    }

    /// The oldest job a handler will do, taken off the queue. Without `take_async`, an async
    /// handler's job at the head stops the queue (it waits for [`Engine::drive`]), so jobs are
    /// always handled in creation order.
    fn next_handled_job(&mut self, take_async: bool) -> Option<JobInfo> {
        let queued: Vec<(u64, String, u64)> =
            self.state.for_handlers.iter().map(|(&created, (i, n))| (created, i.clone(), *n)).collect();
        for (created, instance, number) in queued {
            let Some(inst) = self.state.instances.get(&instance) else {
                self.state.for_handlers.remove(&created);
                continue;
            };
            let Some(job) = inst.jobs.get(&number) else {
                self.state.for_handlers.remove(&created);
                continue;
            };
            // A job that failed with retries left waits for its token again, so it is retried.
            if !inst.tokens.get(&job.token).is_some_and(|t| t.wait == Wait::Job(job.number)) {
                self.state.for_handlers.remove(&created);
                continue;
            }
            // A retry waits for its time: the clock's advance runs it.
            if job.retry_at.is_some_and(|at| at > self.state.now) {
                continue;
            }
            if !take_async && matches!(self.handlers.get(&job.job_type), Some(Handler::Async(_))) {
                return None;
            }
            let info = job_info(inst, job);
            self.state.for_handlers.remove(&created);
            return Some(info);
        }
        None
    }

    /// Runs what a handler asked through its [`JobClient`], in order, before its result.
    fn apply_client(&mut self, job: &JobInfo, client: JobClient) {
        let token = self
            .state
            .instances
            .get(&job.instance)
            .and_then(|i| i.jobs.values().find(|j| j.id == job.id))
            .map(|j| j.token);
        for command in client.commands {
            match (command, token) {
                (ClientCommand::Variables(variables), Some(token)) => {
                    self.record_variables_at(&job.instance, token, variables)
                }
                (ClientCommand::LocalVariables(variables), Some(token)) => {
                    let mut locals = self
                        .state
                        .instances
                        .get(&job.instance)
                        .and_then(|i| i.tokens.get(&token))
                        .map(|t| t.locals.clone())
                        .unwrap_or_default();
                    locals.extend(variables);
                    self.set_locals(&job.instance, token, locals);
                }
                (ClientCommand::Publish { name, correlation_key, variables }, _) => {
                    self.correlate_published(&name, correlation_key.as_deref(), &variables);
                }
                (_, None) => {}
            }
        }
    }

    /// Puts a job that failed with retries left back in line for its handler.
    fn requeue(&mut self, job: &str) {
        let instance = job.split('/').next().unwrap_or_default();
        let Some(inst) = self.state.instances.get(instance) else { return };
        if let Some(j) = inst.jobs.values().find(|j| j.id == job) {
            self.state.for_handlers.insert(j.created, (inst.id.clone(), j.number));
        }
    }

    // ----- queries ----------------------------------------------------------------------------

    /// The whole trace, every instance, in order.
    pub fn trace(&self) -> &[TraceEvent] {
        &self.state.trace
    }

    /// The trace of one instance and the instances it called, in order.
    pub fn trace_of(&self, instance: &str) -> Vec<&TraceEvent> {
        let family = self.family(instance);
        self.state.trace.iter().filter(|e| family.contains(&e.instance)).collect()
    }

    fn family(&self, instance: &str) -> Vec<String> {
        let mut family = vec![instance.to_owned()];
        let mut i = 0;
        while i < family.len() {
            let parent = family[i].clone();
            family.extend(
                self.state
                    .instances
                    .values()
                    .filter(|c| c.parent.as_ref().is_some_and(|p| p.instance == parent))
                    .map(|c| c.id.clone()),
            );
            i += 1;
        }
        family
    }

    /// The state of an instance, if it exists.
    pub fn instance_state(&self, instance: &str) -> Option<InstanceState> {
        self.state.instances.get(instance).map(|i| i.state)
    }

    /// Whether the instance ended (every token reached an end).
    pub fn is_ended(&self, instance: &str) -> bool {
        self.instance_state(instance) == Some(InstanceState::Ended)
    }

    /// The instance's variables.
    pub fn variables(&self, instance: &str) -> Option<&Variables> {
        self.state.instances.get(instance).map(|i| &i.variables)
    }

    /// The local variables of `element` where the instance is at it now (an input mapping's
    /// result, a call activity's `camunda:out local="true"`, a multi-instance's `loopCounter`),
    /// one map per token there, in token order: empty when no token is at it.
    pub fn local_variables(&self, instance: &str, element: &str) -> Vec<Variables> {
        self.state
            .instances
            .get(instance)
            .map(|i| i.tokens.values().filter(|t| t.node.as_str() == element).map(|t| t.locals.clone()).collect())
            .unwrap_or_default()
    }

    /// The nodes where the instance waits for something from outside (a job, a timer, a
    /// message, a called instance), in token order. Sub-processes and joining gateways are not
    /// listed: their inner nodes and the other branches are. A token stuck in an incident is
    /// not waiting: it is in [`Engine::incidents`] until the incident is resolved.
    pub fn waiting_at(&self, instance: &str) -> Vec<NodeId> {
        self.state
            .instances
            .get(instance)
            .map(|i| {
                i.tokens
                    .values()
                    .filter(|t| {
                        !matches!(
                            t.wait,
                            Wait::Moving | Wait::Scope | Wait::Join | Wait::Compensation | Wait::Incident(_)
                        )
                    })
                    .map(|t| t.node.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The nodes the instance has completed, in order (a node passed twice appears twice).
    pub fn passed(&self, instance: &str) -> Vec<NodeId> {
        self.state
            .trace
            .iter()
            .filter(|e| e.instance == instance)
            .filter_map(|e| match &e.kind {
                TraceKind::NodeCompleted { node } => Some(NodeId(node.clone())),
                _ => None,
            })
            .collect()
    }

    /// Open jobs of the instance, oldest first.
    pub fn jobs(&self, instance: &str) -> Vec<JobInfo> {
        self.state
            .instances
            .get(instance)
            .map(|i| i.jobs.values().map(|j| job_info(i, j)).collect())
            .unwrap_or_default()
    }

    /// Every open job of every instance (service work, user and manual tasks), oldest first:
    /// what Camunda 7's task and external task queries and Zeebe's job activation see.
    pub fn open_jobs(&self) -> Vec<JobInfo> {
        let mut jobs: Vec<(u64, JobInfo)> = self
            .state
            .instances
            .values()
            .flat_map(|i| i.jobs.values().map(move |j| (j.created, job_info(i, j))))
            .collect();
        jobs.sort_by_key(|(created, _)| *created);
        jobs.into_iter().map(|(_, job)| job).collect()
    }

    /// The open job with this id, or an error that says what became of it.
    pub fn open_job(&self, job: &str) -> Result<JobInfo, Error> {
        let instance = job.split('/').next().unwrap_or_default();
        if let Some((inst, j)) =
            self.state.instances.get(instance).and_then(|i| i.jobs.values().find(|j| j.id == job).map(|j| (i, j)))
        {
            return Ok(job_info(inst, j));
        }
        Err(Error::UnknownJob {
            job: job.to_owned(),
            history: self.job_history(job),
            pending: self.open_jobs().into_iter().map(|j| j.id).collect(),
        })
    }

    /// Every open message and signal subscription (Camunda 7's `createEventSubscriptionQuery`):
    /// first the message and signal start events of each process's latest version, in the order
    /// the processes were first deployed, without an instance (docs.camunda.org:
    /// reference/rest/event-subscription/get-query/, `processInstanceId` null); then every
    /// instance's, in the order they opened.
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        let mut open = Vec::new();
        for process in self.deployed_processes() {
            let Some(index) = self.latest(&process) else { continue };
            let definitions = &self.state.files[self.state.processes[index].file];
            let Some(model) = definitions.process(&process) else { continue };
            for node in model.children(None) {
                let NodeKind::Event(e) = &node.kind else { continue };
                if !matches!(e.kind, NodeEvent::Start { .. }) {
                    continue;
                }
                for definition in &e.definitions {
                    let (kind, name) = match &definition.trigger {
                        Trigger::Message { message: Some(m) } => (
                            SubscriptionKind::Message,
                            definitions.message(m.as_str()).map(|m| m.name.clone().unwrap_or_else(|| m.id.to_string())),
                        ),
                        Trigger::Signal { signal: Some(s) } => (
                            SubscriptionKind::Signal,
                            definitions.signal(s.as_str()).map(|s| s.name.clone().unwrap_or_else(|| s.id.to_string())),
                        ),
                        _ => continue,
                    };
                    if let Some(name) = name {
                        open.push(SubscriptionInfo {
                            instance: None,
                            process: process.clone(),
                            node: node.id.clone(),
                            kind,
                            name,
                            correlation_key: None,
                        });
                    }
                }
            }
        }
        open.extend(self.state.subscriptions.iter().map(|s| SubscriptionInfo {
            instance: Some(s.instance.clone()),
            process: self.state.instances.get(&s.instance).map(|i| i.process.clone()).unwrap_or_default(),
            node: s.node.clone(),
            kind: if s.signal { SubscriptionKind::Signal } else { SubscriptionKind::Message },
            name: s.message.clone(),
            correlation_key: s.correlation_key.clone(),
        }));
        open
    }

    /// Every conditional event waiting for its condition, in the order they started waiting.
    pub fn waiting_conditions(&self) -> Vec<ConditionInfo> {
        self.state
            .conditions
            .iter()
            .map(|c| ConditionInfo {
                instance: c.instance.clone(),
                node: c.node.clone(),
                condition: c.condition.text.clone(),
            })
            .collect()
    }

    /// Open incidents of the instance.
    pub fn incidents(&self, instance: &str) -> Vec<IncidentInfo> {
        self.state
            .instances
            .get(instance)
            .map(|i| {
                i.incidents
                    .values()
                    .map(|x| IncidentInfo {
                        id: x.id.clone(),
                        instance: i.id.clone(),
                        node: x.node.clone(),
                        message: x.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The deployed file an instance's process comes from.
    pub fn definitions(&self, instance: &str) -> Option<&Definitions> {
        let inst = self.state.instances.get(instance)?;
        let deployed = self.state.processes.get(inst.deployed)?;
        self.state.files.get(deployed.file).map(|f| &**f)
    }

    /// The process an instance runs.
    pub fn process(&self, instance: &str) -> Option<&crate::model::Process> {
        self.process_of(instance)
    }

    /// The instance and every instance it called (directly or not), parents first.
    pub fn instance_family(&self, instance: &str) -> Vec<String> {
        self.family(instance)
    }

    /// Every instance id, in the order the instances started.
    pub fn instances(&self) -> Vec<String> {
        self.started_order().map(str::to_owned).collect()
    }

    /// Instance ids in start order, read from the trace (the instance map is keyed by id, and
    /// `order#10` sorts before `order#2`).
    fn started_order(&self) -> impl Iterator<Item = &str> {
        self.state
            .trace
            .iter()
            .filter(|e| matches!(e.kind, TraceKind::InstanceStarted { .. }))
            .map(|e| e.instance.as_str())
            .filter(|id| self.state.instances.contains_key(*id))
    }

    /// The instances of a process (any version), in the order they started: those the test
    /// started, and those a message or timer start event or a call activity started.
    pub fn instances_of(&self, process: &str) -> Vec<String> {
        self.started_order()
            .filter(|id| self.state.instances.get(*id).is_some_and(|i| i.process == process))
            .map(str::to_owned)
            .collect()
    }

    /// The instances that `parent` started through a call activity, in start order, each with
    /// the call activity that started it.
    pub fn called_instances(&self, parent: &str) -> Vec<(String, Option<NodeId>)> {
        self.started_order()
            .filter_map(|id| {
                let p = self.state.instances.get(id)?.parent.as_ref().filter(|p| p.instance == parent)?;
                Some((id.to_owned(), p.node.clone()))
            })
            .collect()
    }

    /// The flow node of the instance's process with this id.
    pub fn node_of(&self, instance: &str, node: &str) -> Option<&FlowNode> {
        self.process_of(instance)?.node(node)
    }

    // ----- snapshots --------------------------------------------------------------------------

    /// The whole engine state (deployments, instances, timers, jobs, clock, trace) as JSON.
    /// Handlers are code, not state: register them again after [`Engine::restore`].
    pub fn snapshot(&self) -> String {
        // The state is plain data; serialising it cannot fail.
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    /// An engine continuing exactly where the snapshot was taken.
    pub fn restore(snapshot: &str) -> Result<Engine, Error> {
        let state: State = serde_json::from_str(snapshot).map_err(|e| Error::Snapshot { message: e.to_string() })?;
        Ok(Engine {
            state,
            handlers: BTreeMap::new(),
            step_budget: DEFAULT_STEP_BUDGET,
            expressions: std::sync::Arc::new(crate::expr::BuiltIn),
        })
    }
}

/// The next firing of a cycle timer that just fired, with the repetitions left after it;
/// `None` when it was the last (or not a cycle).
/// The next firing of a cycle timer (an ISO 8601 repetition or a cron pattern, read on the wall
/// clock of `zone`), and what is left of the cycle then.
#[allow(clippy::type_complexity)]
fn next_firing(
    timer: &ArmedTimer,
    zone: &jiff::tz::TimeZone,
) -> Option<(Timestamp, Option<(Option<u32>, jiff::Span)>)> {
    if let Some(cron) = &timer.cron {
        return Some((cron.next_after(timer.due, zone).ok()?, None));
    }
    let (repetitions, interval) = timer.cycle.filter(|(r, _)| *r != Some(0))?;
    let due = crate::clock::after(timer.due, interval).ok()?;
    Some((due, Some((repetitions.map(|r| r.saturating_sub(1)), interval))))
}

/// Awaits a handler's future, turning a panic inside it into an outcome instead of unwinding
/// through the engine.
struct CatchUnwind(HandlerFuture);

impl Future for CatchUnwind {
    type Output = std::thread::Result<HandlerResult>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn job_info(instance: &Instance, job: &Job) -> JobInfo {
    JobInfo {
        id: job.id.clone(),
        instance: instance.id.clone(),
        process: instance.process.clone(),
        version: instance.version,
        node: job.node.clone(),
        kind: job.kind,
        job_type: job.job_type.clone(),
        retries: job.retries,
        variables: job.variables.clone(),
        local_variables: instance.tokens.get(&job.token).map(|t| t.locals.clone()).unwrap_or_default(),
        headers: job.headers.clone(),
        user: job.user.clone(),
        name: job.name.clone(),
        listener: job.listener.as_ref().map(|(event, _)| event.clone()),
        business_key: instance.business_key.clone(),
    }
}

/// What this runtime does not run yet, for a node of an executable process.
pub(crate) fn not_yet_run(process: &crate::model::Process, node: &FlowNode) -> Option<String> {
    use crate::model::{GatewayKind, SubProcessKind};
    let name = node.element_name();
    if let Some(activity) = node.activity()
        && let Some(looping) = activity.loop_characteristics.as_deref()
        && !matches!(node.kind, NodeKind::Task(_) | NodeKind::CallActivity(_))
        && !(matches!(looping, crate::model::LoopCharacteristics::MultiInstance(_))
            && matches!(&node.kind, NodeKind::SubProcess(s) if s.kind == SubProcessKind::Embedded))
    {
        return Some(format!(
            "{name} with loop or multi-instance characteristics (tasks and call activities can loop; \
             embedded sub-processes can be multi-instance)"
        ));
    }
    match &node.kind {
        NodeKind::SubProcess(s) => match s.kind {
            SubProcessKind::Embedded | SubProcessKind::Transaction => None,
            SubProcessKind::Event => None,
            SubProcessKind::AdHoc { .. } => Some("ad-hoc sub-processes".into()),
        },
        NodeKind::Gateway(g) if matches!(g.kind, GatewayKind::Complex { .. }) => Some("complex gateways".into()),
        NodeKind::Event(e) => {
            let trigger = e.definitions.first().map(|d| &d.trigger);
            let in_event_sub = node
                .parent
                .as_ref()
                .and_then(|p| process.node(p.as_str()))
                .is_some_and(|p| matches!(&p.kind, NodeKind::SubProcess(s) if s.kind == SubProcessKind::Event));
            let in_transaction =
                node.parent.as_ref().and_then(|p| process.node(p.as_str())).is_some_and(
                    |p| matches!(&p.kind, NodeKind::SubProcess(s) if s.kind == SubProcessKind::Transaction),
                );
            let ok = match (&e.kind, trigger) {
                (
                    NodeEvent::Start { .. },
                    Some(
                        Trigger::Error { .. }
                        | Trigger::Escalation { .. }
                        | Trigger::Conditional { .. }
                        | Trigger::Compensation { .. },
                    ),
                ) => in_event_sub,
                (_, None) => !matches!(e.kind, NodeEvent::IntermediateCatch | NodeEvent::Boundary { .. }),
                (
                    NodeEvent::Start { .. },
                    Some(Trigger::Message { .. } | Trigger::Timer { .. } | Trigger::Signal { .. }),
                ) => node.parent.is_none() || in_event_sub,
                (
                    NodeEvent::IntermediateCatch,
                    Some(
                        Trigger::Timer { .. }
                        | Trigger::Message { .. }
                        | Trigger::Link { .. }
                        | Trigger::Signal { .. }
                        | Trigger::Conditional { .. },
                    ),
                ) => true,
                (
                    NodeEvent::IntermediateThrow,
                    Some(
                        Trigger::Link { .. }
                        | Trigger::Compensation { .. }
                        | Trigger::Signal { .. }
                        | Trigger::Escalation { .. }
                        | Trigger::Message { .. },
                    ),
                ) => true,
                (
                    NodeEvent::Boundary { .. },
                    Some(
                        Trigger::Timer { .. }
                        | Trigger::Message { .. }
                        | Trigger::Error { .. }
                        | Trigger::Compensation { .. }
                        | Trigger::Signal { .. }
                        | Trigger::Escalation { .. }
                        | Trigger::Conditional { .. }
                        | Trigger::Cancel,
                    ),
                ) => true,
                (NodeEvent::End, Some(Trigger::Cancel)) => in_transaction,
                (NodeEvent::End, Some(Trigger::Message { .. })) => true,
                (
                    NodeEvent::End,
                    Some(
                        Trigger::Terminate
                        | Trigger::Error { .. }
                        | Trigger::Compensation { .. }
                        | Trigger::Signal { .. }
                        | Trigger::Escalation { .. },
                    ),
                ) => true,
                _ => false,
            };
            if e.definitions.len() > 1 {
                return Some(format!("{name} with several event definitions"));
            }
            (!ok).then(|| {
                let what = trigger.map_or("none", |t| t.element_name());
                format!("{name} with {what}")
            })
        }
        _ => None,
    }
}
