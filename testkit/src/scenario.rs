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

use crate::engine::{Instance, TestEngine, node_id};
use crate::error::Error;

type Action = Box<dyn FnMut(&mut WaitState<'_>) -> Result<(), Error>>;

/// What a scenario does, wait state by wait state.
pub struct Scenario {
    process: String,
    variables: Variables,
    actions: Vec<(String, Action)>,
    mocks: Vec<(String, Variables)>,
    max_actions: usize,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("process", &self.process)
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
        self.job.as_ref().map(|j| j.id.clone()).ok_or_else(|| Error::NoJobAt {
            instance: self.instance.id.clone(),
            element: self.element.to_string(),
            waiting_at: vec![format!("{} (an event, not a job)", self.element)],
        })
    }

    /// Completes the job waiting here.
    pub fn complete(&mut self, variables: Variables) -> Result<(), Error> {
        let job = self.job_id()?;
        Ok(self.t.engine.complete_job(&job, variables)?)
    }

    /// Throws a BPMN error on the job waiting here.
    pub fn throw_error(&mut self, code: &str) -> Result<(), Error> {
        let job = self.job_id()?;
        Ok(self.t.engine.throw_error(&job, code, Variables::new())?)
    }

    /// Fails the job waiting here.
    pub fn fail(&mut self, message: &str) -> Result<(), Error> {
        let job = self.job_id()?;
        Ok(self.t.engine.fail_job(&job, message, None)?)
    }

    /// Sends a message (to whoever waits for it).
    pub fn correlate(
        &mut self,
        message: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<(), Error> {
        self.t.engine.correlate_message(message, correlation_key, variables)?;
        Ok(())
    }

    /// Lets virtual time pass (an ISO 8601 duration), firing due timers.
    pub fn defer(&mut self, duration: &str) -> Result<(), Error> {
        Ok(self.t.engine.advance(duration)?)
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

impl Scenario {
    /// A scenario that starts `process` with these variables.
    pub fn new(process: &str, variables: Variables) -> Self {
        Scenario { process: process.to_owned(), variables, actions: Vec::new(), mocks: Vec::new(), max_actions: 1_000 }
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
        let instance = t.start(&self.process, std::mem::take(&mut self.variables))?;
        // Resolve names once, so a typo fails before anything runs.
        let mut actions = Vec::new();
        for (element, action) in self.actions {
            actions.push((
                node_id(&t.engine, &instance.id, &element).or_else(|e| {
                    // The element may belong to a called process not started yet: keep the name.
                    if matches!(e, Error::UnknownElement { .. }) { Ok(NodeId(element.clone())) } else { Err(e) }
                })?,
                element,
                action,
            ));
        }
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
                .flat_map(|m| t.engine.waiting_at(&m).into_iter().map(move |n| (m.clone(), n)))
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
                return Err(Error::NoAction { instance: member.clone(), element: label });
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
