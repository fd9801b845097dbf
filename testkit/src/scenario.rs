//! Scenarios in the spirit of camunda-bpm-scenario: say what happens at each wait state, then
//! let the instance run until it ends or reaches a wait state the scenario says nothing about.
//!
//! ```
//! use baton_testkit::prelude::*;
//!
//! # fn main() -> TestResult {
//! let mut t = TestEngine::deploy_str(r#"
//!   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!     <process id="order" isExecutable="true">
//!       <startEvent id="start" />
//!       <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
//!       <serviceTask id="pay" name="Pay item" />
//!       <sequenceFlow id="f2" sourceRef="pay" targetRef="wait" />
//!       <intermediateCatchEvent id="wait" name="A day later">
//!         <timerEventDefinition><timeDuration>P1D</timeDuration></timerEventDefinition>
//!       </intermediateCatchEvent>
//!       <sequenceFlow id="f3" sourceRef="wait" targetRef="done" />
//!       <endEvent id="done" name="Done" />
//!     </process>
//!   </definitions>"#)?;
//! let run = Scenario::new("order", vars! { "amount": 25 })
//!     .on("Pay item", |w| w.complete(vars! { "paid": true }))
//!     .on("A day later", defer("P1D"))
//!     .run(&mut t)?;
//! assert_eq!(run.path, ["start", "Pay item", "A day later", "Done"]);
//! # Ok(())
//! # }
//! ```

use baton_engine::model::NodeId;
use baton_engine::runtime::{JobInfo, Variables};

use crate::engine::{Instance, TestEngine, resolve};
use crate::error::Error;

type Action = Box<dyn FnMut(&mut WaitState<'_>) -> Result<(), Error>>;

/// How a scenario's instance comes to be.
#[derive(Debug, Clone)]
enum Start {
    /// At the process's none start event, with these variables.
    Plain { process: String, variables: Variables },
    /// By a message that a message start event catches.
    Message { message: String, correlation_key: Option<String>, variables: Variables },
    /// By the process's timer start event: virtual time moves to its first firing.
    Timer { process: String },
}

/// What a scenario does, wait state by wait state.
pub struct Scenario {
    start: Start,
    actions: Vec<(String, Action)>,
    mocks: Vec<(String, Variables)>,
    max_actions: usize,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("start", &self.start)
            .field("on", &self.actions.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .finish()
    }
}

/// A wait state the scenario acts at: complete its job, throw an error, fail it, send the
/// message it waits for, or let virtual time pass.
pub struct WaitState<'t> {
    t: &'t mut TestEngine,
    /// The instance (or called instance) waiting.
    pub instance: Instance,
    /// The element it waits at.
    pub element: NodeId,
    job: Option<JobInfo>,
}

impl WaitState<'_> {
    /// The job waiting here, if it is a task.
    pub fn job(&self) -> Option<&JobInfo> {
        self.job.as_ref()
    }

    fn job_id(&self) -> Result<String, Error> {
        self.job.as_ref().map(|j| j.id.clone()).ok_or_else(|| {
            let element = crate::state::Element::of(&self.t.engine, &self.instance.id, self.element.clone());
            let label = crate::state::label(&self.t.engine, &self.instance.id, &element);
            let hint = format!("{label} is an event, not a job: send its message or let time pass (`defer`)");
            Error::NoJobAt {
                instance: self.instance.id.clone(),
                element: label.trim_matches('"').to_owned(),
                user_task: false,
                state: format!("{}  hint:        {hint}\n", crate::state::block(&self.t.engine, &self.instance.id)),
            }
        })
    }

    /// Completes the job waiting here.
    pub fn complete(&mut self, variables: Variables) -> Result<(), Error> {
        let job = self.job_id()?;
        self.t.engine.complete_job(&job, variables).map_err(|e| self.t.explain(e))
    }

    /// Throws a BPMN error on the job waiting here.
    pub fn throw_error(&mut self, code: &str) -> Result<(), Error> {
        let job = self.job_id()?;
        self.t.engine.throw_error(&job, code, Variables::new()).map_err(|e| self.t.explain(e))
    }

    /// Fails the job waiting here.
    pub fn fail(&mut self, message: &str) -> Result<(), Error> {
        let job = self.job_id()?;
        self.t.engine.fail_job(&job, message, None).map_err(|e| self.t.explain(e))
    }

    /// Sends a message (to whoever waits for it).
    pub fn correlate(
        &mut self,
        message: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<(), Error> {
        self.t.engine.correlate_message(message, correlation_key, variables).map_err(|e| self.t.explain(e))?;
        Ok(())
    }

    /// Lets virtual time pass (an ISO 8601 duration), firing due timers.
    pub fn defer(&mut self, duration: &str) -> Result<(), Error> {
        self.t.engine.advance(duration).map_err(|e| self.t.explain(e))
    }
}

/// An action that lets virtual time pass: `.on("Wait for new card", defer("P7D"))`.
pub fn defer(duration: &str) -> impl FnMut(&mut WaitState<'_>) -> Result<(), Error> + 'static {
    let duration = duration.to_owned();
    move |w| w.defer(&duration)
}

/// An action that completes the job with these variables.
pub fn complete(variables: Variables) -> impl FnMut(&mut WaitState<'_>) -> Result<(), Error> + 'static {
    move |w| w.complete(variables.clone())
}

/// What a scenario run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRun {
    /// The instance it started.
    pub instance: Instance,
    /// The elements the instance (and what it called) completed, in order, by name (or id).
    pub path: Vec<String>,
    /// Whether it ended.
    pub ended: bool,
}

/// The id of the element an action is declared for: in the scenario's process, or in another
/// deployed process it may call. A name found nowhere is a typo, reported before the run with
/// the closest name.
fn check_element(t: &TestEngine, start: &Start, element: &str) -> Result<NodeId, Error> {
    let main = match start {
        Start::Plain { process, .. } | Start::Timer { process } => Some(process.clone()),
        Start::Message { message, .. } => t.engine.message_start_process(message),
    };
    let mut first_error = None;
    let deployed = t.engine.deployed_processes();
    let order = main.iter().chain(deployed.iter().filter(|p| Some(*p) != main.as_ref()));
    for process in order {
        let Some(definition) = t.engine.deployed_process(process) else { continue };
        match resolve(definition, element) {
            Ok(node) => return Ok(node.id.clone()),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| Error::UnknownElement {
        name: element.to_owned(),
        process: main.unwrap_or_default(),
        suggestion: None,
        candidates: Vec::new(),
    }))
}

impl Scenario {
    /// A scenario that starts `process` at its none start event with these variables.
    pub fn new(process: &str, variables: Variables) -> Self {
        Self::starting(Start::Plain { process: process.to_owned(), variables })
    }

    /// A scenario whose instance a message starts (a message start event catches it).
    pub fn by_message(message: &str, correlation_key: Option<&str>, variables: Variables) -> Self {
        Self::starting(Start::Message {
            message: message.to_owned(),
            correlation_key: correlation_key.map(str::to_owned),
            variables,
        })
    }

    /// A scenario whose instance the process's timer start event creates: virtual time moves
    /// to the timer's first firing, and the scenario takes the instance it started.
    pub fn by_timer(process: &str) -> Self {
        Self::starting(Start::Timer { process: process.to_owned() })
    }

    fn starting(start: Start) -> Self {
        Scenario { start, actions: Vec::new(), mocks: Vec::new(), max_actions: 1_000 }
    }

    /// What to do when the instance waits at `element` (an id or a unique name).
    pub fn on<F>(mut self, element: &str, action: F) -> Self
    where
        F: FnMut(&mut WaitState<'_>) -> Result<(), Error> + 'static,
    {
        self.actions.push((element.to_owned(), Box::new(action)));
        self
    }

    /// Mocks a called process: call activities calling it end at once with `variables`.
    pub fn mock_call(mut self, process: &str, variables: Variables) -> Self {
        self.mocks.push((process.to_owned(), variables));
        self
    }

    /// Starts the instance and acts at each wait state until it ends. A wait state with no
    /// declared action stops the run with [`Error::NoAction`] naming it.
    pub fn run(mut self, t: &mut TestEngine) -> Result<ScenarioRun, Error> {
        for (process, variables) in std::mem::take(&mut self.mocks) {
            t.mock_call(&process, variables)?;
        }
        // Resolve names first, so a typo fails before anything runs.
        let mut actions = Vec::new();
        for (element, action) in self.actions {
            actions.push((check_element(t, &self.start, &element)?, element, action));
        }
        let instance = match self.start {
            Start::Plain { process, variables } => t.start(&process, variables)?,
            Start::Message { message, correlation_key, variables } => {
                t.correlate(&message, correlation_key.as_deref(), variables)?
            }
            Start::Timer { process } => {
                let before = t.instances_of(&process).len();
                let mut fired = 0;
                loop {
                    if let Some(started) = t.instances_of(&process).into_iter().nth(before) {
                        break started;
                    }
                    if fired == self.max_actions || !t.advance_to_next_timer()? {
                        return Err(Error::NoStartTimer {
                            process,
                            armed: t.timers().iter().map(|timer| format!("{} due {}", timer.node, timer.due)).collect(),
                        });
                    }
                    fired += 1;
                }
            }
        };
        let mut done = 0;
        loop {
            if !t.engine.instance_state(&instance.id).is_some_and(|s| s == baton_engine::runtime::InstanceState::Active)
            {
                break;
            }
            if done >= self.max_actions {
                return Err(Error::Stuck { instance: instance.id, actions: done });
            }
            let waiting: Vec<(String, NodeId)> = t
                .engine
                .instance_family(&instance.id)
                .into_iter()
                .flat_map(|m| {
                    // A token stuck in an incident is not waiting, but the scenario stops there
                    // with the state (or runs the action declared for it, a job's retry say).
                    let stuck = t.engine.incidents(&m).into_iter().map(|i| i.node);
                    t.engine.waiting_at(&m).into_iter().chain(stuck).map(move |n| (m.clone(), n))
                })
                .collect();
            let Some((member, element, index)) = waiting.iter().find_map(|(m, n)| {
                let label = t.engine.process(m).and_then(|p| p.node(n.as_str())).and_then(|node| node.name.clone());
                actions
                    .iter()
                    .position(|(id, name, _)| id == n || Some(name) == label.as_ref())
                    .map(|i| (m.clone(), n.clone(), i))
            }) else {
                let Some((member, first)) = waiting.first() else { break };
                let label = t
                    .engine
                    .process(member)
                    .and_then(|p| p.node(first.as_str()))
                    .map_or(first.to_string(), |n| n.label().to_owned());
                let state = crate::state::block(&t.engine, member);
                return Err(Error::NoAction { instance: member.clone(), element: label, state });
            };
            let job = t.engine.jobs(&member).into_iter().find(|j| j.node == element);
            let mut state = WaitState { t, instance: Instance { id: member }, element, job };
            (actions[index].2)(&mut state)?;
            done += 1;
        }
        let path = t
            .engine
            .instance_family(&instance.id)
            .iter()
            .flat_map(|m| {
                t.engine.passed(m).into_iter().map(|id| {
                    t.engine
                        .process(m)
                        .and_then(|p| p.node(id.as_str()))
                        .map_or(id.to_string(), |n| n.label().to_owned())
                })
            })
            .collect();
        let ended = t.engine.is_ended(&instance.id);
        Ok(ScenarioRun { instance, path, ended })
    }
}
