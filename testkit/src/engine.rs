//! [`TestEngine`]: the engine with short names for everything a test does.

use std::path::{Path, PathBuf};

use baton_engine::model::{FlowNode, Process};
use baton_engine::runtime::{
    ConditionInfo, Engine, HandlerError, JobClient, JobInfo, JobKind, SubscriptionInfo, TimerInfo, Variables,
};

use crate::error::Error;
use crate::message::Message;
use crate::modify::{Modify, Start};
use crate::query::JobQuery;
use crate::record::{Recorder, model};
use crate::state::Element;
use crate::view::Trace;

/// A process instance a test started.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instance {
    /// Its id, e.g. `order#1`.
    pub id: String,
}

impl std::fmt::Display for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

impl AsRef<str> for Instance {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

/// A deterministic engine for one test: deploy models, start instances, act at wait states,
/// move the virtual clock. Elements are referred to by id or by (unique) name.
///
/// When it is dropped, even by a failing test, it writes a run file for the report
/// (see [`crate::record`]).
///
/// ```
/// use baton_testkit::prelude::*;
///
/// # fn main() -> TestResult {
/// let mut t = TestEngine::deploy_str(r#"
///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
///     <process id="order" isExecutable="true">
///       <startEvent id="start" />
///       <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
///       <serviceTask id="pay" name="Pay item" />
///       <sequenceFlow id="f2" sourceRef="pay" targetRef="done" />
///       <endEvent id="done" name="Paid" />
///     </process>
///   </definitions>"#)?;
/// let order = t.start("order", vars! { "amount": 25 })?;
/// assert_that(&t, &order).is_waiting_at("Pay item");
/// t.job(&order, "Pay item")?.complete(vars! { "paid": true })?;
/// assert_that(&t, &order).is_ended_at("Paid").variable("paid").is(true);
/// # Ok(())
/// # }
/// ```
pub struct TestEngine {
    pub(crate) engine: Engine,
    pub(crate) recorder: Recorder,
}

impl std::fmt::Debug for TestEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestEngine").field("engine", &self.engine).finish()
    }
}

impl Default for TestEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEngine {
    /// An engine with nothing deployed, its virtual clock at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        TestEngine { engine: Engine::new(), recorder: Recorder::for_current_test() }
    }

    /// An engine whose virtual clock starts at an RFC 3339 instant, e.g. `2026-11-22T09:00:00Z`.
    pub fn starting_at(instant: &str) -> Result<Self, Error> {
        let now = instant.instant()?;
        Ok(TestEngine { engine: Engine::starting_at(now), recorder: Recorder::for_current_test() })
    }

    /// A new engine with one file deployed. Relative paths are tried from the current
    /// directory, then from the crate's and the workspace's root.
    pub fn deploy_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let mut t = Self::new();
        t.deploy(path)?;
        Ok(t)
    }

    /// A new engine with several files deployed, in order. When files do not deploy, the error
    /// lists every failing file's problems, not only the first's (as Camunda 7 and Zeebe reject a
    /// deployment with every resource's problems); one failing file gives its own error.
    pub fn deploy_files<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Self, Error> {
        let mut t = Self::new();
        let mut files = 0;
        let mut errors = Vec::new();
        for path in paths {
            files += 1;
            if let Err(err) = t.deploy(path) {
                errors.push(err);
            }
        }
        match errors.len() {
            0 => Ok(t),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Deploys { files, errors }),
        }
    }

    /// A new engine with a model given as text.
    pub fn deploy_str(xml: &str) -> Result<Self, Error> {
        let mut t = Self::new();
        t.deploy_source(xml, None, false)?;
        Ok(t)
    }

    /// A new engine with several models given as text, deployed in order (a parent and the
    /// process it calls, say), as Camunda's `addString` and Zeebe's `addResourceString` add
    /// several resources to one deployment.
    ///
    /// ```
    /// use baton_testkit::prelude::*;
    ///
    /// # fn main() -> TestResult {
    /// let t = TestEngine::deploy_strs([
    ///     r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="a">
    ///          <process id="order" isExecutable="true"><startEvent id="s" />
    ///            <sequenceFlow id="f" sourceRef="s" targetRef="e" /><endEvent id="e" /></process>
    ///        </definitions>"#,
    ///     r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="b">
    ///          <process id="shipping" isExecutable="true"><startEvent id="s" />
    ///            <sequenceFlow id="f" sourceRef="s" targetRef="e" /><endEvent id="e" /></process>
    ///        </definitions>"#,
    /// ])?;
    /// assert_eq!(t.engine().deployed_processes(), ["order", "shipping"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn deploy_strs<'x>(models: impl IntoIterator<Item = &'x str>) -> Result<Self, Error> {
        let mut t = Self::new();
        for xml in models {
            t.deploy_source(xml, None, false)?;
        }
        Ok(t)
    }

    /// Deploys one more model, given as text, into this engine; returns what it deployed.
    pub fn deploy_xml(&mut self, xml: &str) -> Result<Deployment, Error> {
        self.deploy_source(xml, None, false)
    }

    /// Deploys one more file into this engine; returns what it deployed, each process with
    /// its version (Camunda 7's `DeploymentWithDefinitions`, Zeebe's `DeploymentEvent`).
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::new();
    /// let first = t.deploy("examples/processes/order.bpmn")?;
    /// let again = t.deploy("examples/processes/order.bpmn")?;
    /// assert_eq!(first.processes, [("order".to_owned(), 1)]);
    /// assert_eq!(again.version("order"), Some(2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn deploy(&mut self, path: impl AsRef<Path>) -> Result<Deployment, Error> {
        let path = find(path.as_ref())?;
        let text =
            std::fs::read_to_string(&path).map_err(|source| baton_engine::Error::Io { path: path.clone(), source })?;
        self.deploy_source(&text, Some(&path), false)
    }

    fn deploy_source(&mut self, xml: &str, path: Option<&Path>, mock: bool) -> Result<Deployment, Error> {
        let definitions = baton_engine::parse::parse_with(xml, &Default::default(), path)?;
        let processes = self.engine.deploy(definitions)?;
        self.recorder.models.push(model(path, xml, processes.iter().map(|(id, _)| id.clone()).collect(), mock));
        Ok(Deployment { processes, decisions: Vec::new() })
    }

    /// Names the test in its run file (by default the test thread's name, which libtest sets
    /// to the test's path).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.recorder.test = name.into();
        self
    }

    /// Registers a handler for a task type: its jobs are done as soon as they are created.
    pub fn register<F>(&mut self, job_type: &str, handler: F) -> &mut Self
    where
        F: FnMut(&JobInfo) -> Result<Variables, HandlerError> + Send + 'static,
    {
        self.engine.register(job_type, handler);
        self
    }

    /// Registers a Camunda 7 listener's handler under its class name, delegate expression or
    /// expression as the model writes it (`t.listener("com.acme.AuditListener", |event| ..)`):
    /// it runs at each event the listener is declared for, sees the event
    /// (`event.listener`: `start`, `end`, `create`, `assignment`, `complete`), the element and
    /// the variables, and the variables it returns are set. Camunda 8 listeners are jobs of
    /// their type: [`TestEngine::register`] them, or complete them with [`TestEngine::job`].
    pub fn listener<F>(&mut self, listener: &str, handler: F) -> &mut Self
    where
        F: FnMut(&JobInfo) -> Result<Variables, HandlerError> + Send + 'static,
    {
        self.engine.register_listener(listener, handler);
        self
    }

    /// Registers a handler that also gets a [`JobClient`]: it can set process or local
    /// variables and publish messages while it works, as a Zeebe worker with its `JobClient`
    /// or a Camunda 7 delegate with its `DelegateExecution` does.
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::deploy_str(r#"
    ///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    ///                xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
    ///     <process id="order" isExecutable="true">
    ///       <startEvent id="start" />
    ///       <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
    ///       <serviceTask id="pay" name="Pay item">
    ///         <extensionElements><zeebe:taskDefinition type="pay" /></extensionElements>
    ///       </serviceTask>
    ///     </process>
    ///   </definitions>"#)?;
    /// t.register_with_client("pay", |job, client| {
    ///     client.set_variables(vars! { "attempted": true });
    ///     Err(HandlerError::failed("bank down").with_retries(0))
    /// });
    /// let order = t.start("order", vars! {})?;
    /// assert_that(&t, &order).has_incident("Pay item").variable("attempted").is(true);
    /// # Ok(())
    /// # }
    /// ```
    pub fn register_with_client<F>(&mut self, job_type: &str, handler: F) -> &mut Self
    where
        F: FnMut(&JobInfo, &mut JobClient) -> Result<Variables, HandlerError> + Send + 'static,
    {
        self.engine.register_with_client(job_type, handler);
        self
    }

    /// Registers an async handler (a tokio service call, say). Its jobs wait for
    /// [`TestEngine::drive`], which awaits handlers one at a time in job creation order.
    pub fn register_async<F>(&mut self, job_type: &str, handler: F) -> &mut Self
    where
        F: FnMut(JobInfo) -> baton_engine::runtime::HandlerFuture + Send + 'static,
    {
        self.engine.register_async(job_type, handler);
        self
    }

    /// Lets every handler, async ones included, do its jobs, in creation order.
    pub async fn drive(&mut self) -> Result<(), Error> {
        Ok(self.engine.drive().await?)
    }

    /// Stands in for a called process: a call activity calling `process` runs a stand-in that
    /// ends at once, handing back `variables` (as camunda-bpm-scenario's `mockCall`).
    pub fn mock_call(&mut self, process: &str, variables: Variables) -> Result<&mut Self, Error> {
        let id = escape_xml(process);
        let job_type = format!("baton-mock:{process}");
        let xml = format!(
            r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="baton-mock">
  <process id="{id}" name="mock of {id}" isExecutable="true">
    <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="mock" />
    <serviceTask id="mock" name="mock of {id}"><extensionElements><zeebe:taskDefinition type="{}" /></extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="mock" targetRef="end" /><endEvent id="end" />
  </process>
</definitions>"#,
            escape_xml(&job_type)
        );
        self.deploy_source(&xml, None, true)?;
        self.engine.register(job_type, move |_| Ok(variables.clone()));
        Ok(self)
    }

    /// Starts an instance of the latest version of a process, by id.
    pub fn start(&mut self, process: &str, variables: Variables) -> Result<Instance, Error> {
        Ok(Instance { id: self.engine.start(process, variables).map_err(|e| self.explain(e))? })
    }

    /// An instance to start where the test says: before or after elements, with a business key
    /// and variables, terminated after an element; see [`Start`].
    pub fn start_with(&mut self, process: &str) -> Start<'_> {
        Start {
            t: self,
            process: process.to_owned(),
            elements: Vec::new(),
            terminate_after: Vec::new(),
            business_key: None,
            variables: Variables::new(),
        }
    }

    /// A modification of a running instance: activate elements, terminate the tokens at
    /// others, move tokens; see [`Modify`].
    pub fn modify(&mut self, instance: &Instance) -> Modify<'_> {
        Modify {
            t: self,
            instance: instance.clone(),
            activate: Vec::new(),
            terminate: Vec::new(),
            variables: Variables::new(),
        }
    }

    /// The instance's business key (Camunda 7), if it was started with one.
    pub fn business_key(&self, instance: &Instance) -> Option<String> {
        self.engine.business_key(&instance.id).map(str::to_owned)
    }

    /// A message to correlate (by business key, by variable values, to one or all) or to
    /// publish (with a message id and a time-to-live); see [`Message`].
    pub fn message(&mut self, name: &str) -> Message<'_> {
        Message {
            t: self,
            name: name.to_owned(),
            correlation_key: None,
            business_key: None,
            correlation_keys: Variables::new(),
            variables: Variables::new(),
            message_id: None,
            time_to_live: None,
        }
    }

    /// The open job (service work, user or manual task) at an element of the instance, or of
    /// an instance it called.
    pub fn job(&mut self, instance: &Instance, element: &str) -> Result<Job<'_>, Error> {
        let info = self.open_job(instance, element, false)?;
        Ok(Job { t: self, info })
    }

    /// The open user task at an element; like [`TestEngine::job`], and a clear error when the
    /// element is service work instead.
    pub fn user_task(&mut self, instance: &Instance, element: &str) -> Result<Job<'_>, Error> {
        let info = self.open_job(instance, element, true)?;
        if info.kind != JobKind::User {
            let at = Element::of(&self.engine, &info.instance, info.node.clone());
            let kind = crate::state::node(&self.engine, &instance.id, &at)
                .map_or_else(|| "task".to_owned(), |n| words(n.element_name()));
            return Err(Error::NotAUserTask {
                instance: instance.id.clone(),
                element: element.to_owned(),
                kind,
                job_type: info.job_type,
            });
        }
        Ok(Job { t: self, info })
    }

    fn open_job(&self, instance: &Instance, element: &str, user_task: bool) -> Result<JobInfo, Error> {
        let target = node_id(&self.engine, &instance.id, element)?;
        for member in self.engine.instance_family(&instance.id) {
            if self.engine.process(&member).is_none_or(|p| p.id.as_str() != target.process) {
                continue;
            }
            if let Some(job) = self.engine.jobs(&member).into_iter().find(|j| j.node == target.node) {
                return Ok(job);
            }
        }
        // Say why: a known element that has no job now.
        let label = crate::state::label(&self.engine, &instance.id, &target);
        let headline = format!("has no {} at {label}", if user_task { "user task" } else { "open job" });
        let hint = crate::state::where_hint(&self.engine, &instance.id, &target);
        let report = crate::state::report(&self.engine, &instance.id, &headline, hint);
        Err(Error::NoJobAt {
            instance: instance.id.clone(),
            element: element.to_owned(),
            user_task,
            state: report.split_once('\n').map_or(String::new(), |(_, block)| block.to_owned()),
        })
    }

    /// The instances of a process, in the order they started: the test's own, and those that
    /// a message or timer start event, a signal, or a call activity started.
    pub fn instances_of(&self, process: &str) -> Vec<Instance> {
        self.engine.instances_of(process).into_iter().map(|id| Instance { id }).collect()
    }

    /// The instances that `parent` started at a call activity (by id or name), in start order.
    pub fn called_by(&self, parent: &Instance, call_activity: &str) -> Result<Vec<Instance>, Error> {
        let process = self.engine.process(&parent.id).ok_or_else(|| unknown_instance(parent))?;
        let node = resolve(process, call_activity)?.id.clone();
        Ok(self
            .engine
            .called_instances(&parent.id)
            .into_iter()
            .filter(|(_, at)| at.as_ref() == Some(&node))
            .map(|(id, _)| Instance { id })
            .collect())
    }

    /// The one instance a process has, e.g. the instance a timer start event created.
    /// An error when it has none or several (use [`TestEngine::instances_of`] then).
    pub fn instance_of(&self, process: &str) -> Result<Instance, Error> {
        match self.engine.instances_of(process).as_slice() {
            [one] => Ok(Instance { id: one.clone() }),
            found => Err(Error::InstanceCount { process: process.to_owned(), found: found.to_vec() }),
        }
    }

    /// Correlates a message by name, with an optional correlation key; returns the instance
    /// that received it (or that it started).
    pub fn correlate(
        &mut self,
        message: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<Instance, Error> {
        Ok(Instance {
            id: self.engine.correlate_message(message, correlation_key, variables).map_err(|e| self.explain(e))?,
        })
    }

    /// Correlates a message to every instance waiting for it (Camunda 7's `correlateAll`; a
    /// Camunda 7 `correlate` refuses a message that several executions wait for); returns the
    /// instances it reached.
    pub fn correlate_all(
        &mut self,
        message: &str,
        correlation_key: Option<&str>,
        variables: Variables,
    ) -> Result<Vec<Instance>, Error> {
        Ok(self
            .engine
            .correlate_all(message, correlation_key, variables)
            .map_err(|e| self.explain(e))?
            .into_iter()
            .map(|id| Instance { id })
            .collect())
    }

    /// Triggers a wait state that waits for no message, by element id or unique name: a Camunda 7
    /// receive task without a message (`runtimeService.signal(executionId)`).
    pub fn trigger(&mut self, instance: &Instance, element: &str, variables: Variables) -> Result<(), Error> {
        let process = self.engine.process(&instance.id).ok_or_else(|| unknown_instance(instance))?;
        let node = resolve(process, element)?.id.clone();
        self.engine.trigger(&instance.id, node.as_str(), variables).map_err(|e| self.explain(e))
    }

    /// Broadcasts a signal to every instance waiting for it (and starts processes with a signal
    /// start event); returns the instances it reached.
    pub fn signal(&mut self, signal: &str, variables: Variables) -> Result<Vec<Instance>, Error> {
        Ok(self
            .engine
            .broadcast_signal(signal, variables)
            .map_err(|e| self.explain(e))?
            .into_iter()
            .map(|id| Instance { id })
            .collect())
    }

    /// Sets the engine's time zone by IANA name (`"Europe/Berlin"`; UTC by default): the wall
    /// clock of cron cycles and of a Camunda 7 `timeDate` without an offset. Set it before
    /// deploying a model with a timer start event, whose first firing is computed at deployment.
    pub fn set_time_zone(&mut self, name: &str) -> Result<(), Error> {
        self.engine.set_time_zone(name).map_err(|e| self.explain(e))
    }

    /// Moves virtual time forward, firing due timers: by an ISO 8601 duration (`"PT5M"`,
    /// `"P7D"`), a `std::time::Duration` or a `jiff::Span`.
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::new();
    /// t.advance("PT1H")?;
    /// t.advance(std::time::Duration::from_secs(30 * 60))?;
    /// t.advance(jiff::Span::new().minutes(30))?;
    /// assert_eq!(t.now().to_string(), "2026-01-01T02:00:00Z");
    /// # Ok(())
    /// # }
    /// ```
    pub fn advance(&mut self, duration: impl Advance) -> Result<(), Error> {
        let result = duration.advance(&mut self.engine);
        result.map_err(|e| self.explain(e))
    }

    /// Sets the virtual clock to an instant (RFC 3339 text or a `jiff::Timestamp`), firing
    /// every timer due until then, as Camunda 7's `ClockUtil.setCurrentTime` does. The clock
    /// only moves forward.
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::new();
    /// t.set_clock("2026-03-01T09:00:00Z")?;
    /// assert_eq!(t.now().to_string(), "2026-03-01T09:00:00Z");
    /// assert!(t.set_clock("2026-02-01T09:00:00Z").is_err(), "not backwards");
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_clock(&mut self, instant: impl ClockInstant) -> Result<(), Error> {
        let instant = instant.instant()?;
        self.engine.set_clock(instant).map_err(|e| self.explain(e))
    }

    /// Cancels a running instance (Camunda 7's `runtimeService.deleteProcessInstance`,
    /// Camunda 8's `cancel process instance`): its tokens, jobs, timers and subscriptions end,
    /// the instances it called are terminated, and the trace says it was cancelled. Assertions
    /// then see it as terminated. Only a root instance can be cancelled, as in Camunda 8.
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::deploy_str(r#"
    ///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
    ///     <process id="order" isExecutable="true">
    ///       <startEvent id="start" />
    ///       <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
    ///       <serviceTask id="pay" name="Pay item" />
    ///     </process>
    ///   </definitions>"#)?;
    /// let order = t.start("order", vars! {})?;
    /// t.cancel(&order)?;
    /// assert_that(&t, &order).is_terminated().is_not_waiting_at("Pay item");
    /// assert_eq!(t.jobs().count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias = "delete_process_instance")]
    pub fn cancel(&mut self, instance: &Instance) -> Result<(), Error> {
        self.engine.cancel(&instance.id).map_err(|e| self.explain(e))
    }

    /// Every open job of the engine (service work, user and manual tasks), oldest first, to be
    /// narrowed by process, element, type, assignee or instance: see [`JobQuery`].
    pub fn jobs(&self) -> JobQuery<'_> {
        JobQuery::new(&self.engine, None)
    }

    /// Every open job of this type, of every instance, oldest first: what a Zeebe client
    /// activates (`newActivateJobsCommand().jobType(..)`) and Camunda 7's
    /// `externalTaskService.fetchAndLock(.., topic)` fetches.
    pub fn jobs_of_type(&self, job_type: &str) -> JobQuery<'_> {
        JobQuery::new(&self.engine, None).job_type(job_type)
    }

    /// The oldest open job of this type, of any instance, to complete, fail or answer with an
    /// error: CPT's `processTestContext.completeJob("charge")` is
    /// `t.job_of_type("charge")?.complete(vars! {})`.
    pub fn job_of_type(&mut self, job_type: &str) -> Result<Job<'_>, Error> {
        let open = self.engine.open_jobs();
        match open.iter().find(|j| j.job_type == job_type) {
            Some(info) => {
                let info = info.clone();
                Ok(Job { t: self, info })
            }
            None => Err(Error::NoJobOfType {
                job_type: job_type.to_owned(),
                open: open.iter().map(|j| format!("{} (type {})", j.id, j.job_type)).collect(),
            }),
        }
    }

    /// Completes every open job of this type, oldest first, each with these variables (a
    /// Zeebe worker activating and completing a batch); returns how many it completed.
    pub fn complete_jobs_of_type(&mut self, job_type: &str, variables: Variables) -> Result<usize, Error> {
        let ids: Vec<String> = self.jobs_of_type(job_type).list().into_iter().map(|j| j.id).collect();
        for id in &ids {
            // A job an earlier completion ended (a boundary, a termination) is skipped.
            if self.engine.open_job(id).is_ok() {
                self.engine.complete_job(id, variables.clone()).map_err(|e| self.explain(e))?;
            }
        }
        Ok(ids.len())
    }

    /// Every open user task of the engine, oldest first (Camunda's `taskService.createTaskQuery()`).
    pub fn tasks(&self) -> JobQuery<'_> {
        JobQuery::new(&self.engine, Some(JobKind::User))
    }

    /// The open job with this id (from [`TestEngine::jobs`], say), to complete, fail or answer
    /// with an error.
    pub fn job_by_id(&mut self, id: &str) -> Result<Job<'_>, Error> {
        let info = self.engine.open_job(id)?;
        Ok(Job { t: self, info })
    }

    /// Every open message and signal subscription (Camunda 7's
    /// `runtimeService.createEventSubscriptionQuery()`): the message and signal start events of
    /// the deployed processes, without an instance, then every instance's, in the order they
    /// opened.
    ///
    /// ```
    /// # use baton_testkit::prelude::*;
    /// use baton_engine::runtime::SubscriptionKind;
    /// # fn main() -> TestResult {
    /// let mut t = TestEngine::deploy_str(r#"
    ///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
    ///     <process id="order" isExecutable="true">
    ///       <startEvent id="start" />
    ///       <sequenceFlow id="f1" sourceRef="start" targetRef="paid" />
    ///       <intermediateCatchEvent id="paid" name="Payment received">
    ///         <messageEventDefinition messageRef="m" />
    ///       </intermediateCatchEvent>
    ///       <sequenceFlow id="f2" sourceRef="paid" targetRef="done" />
    ///       <endEvent id="done" />
    ///     </process>
    ///     <message id="m" name="payment-received" />
    ///   </definitions>"#)?;
    /// let order = t.start("order", vars! {})?;
    /// let open = t.event_subscriptions();
    /// assert_eq!((open[0].kind, open[0].name.as_str()), (SubscriptionKind::Message, "payment-received"));
    /// assert_eq!(open[0].instance.as_ref(), Some(&order.id));
    /// # Ok(())
    /// # }
    /// ```
    pub fn event_subscriptions(&self) -> Vec<SubscriptionInfo> {
        self.engine.subscriptions()
    }

    /// Every conditional event waiting for its condition to become true, in the order they
    /// started waiting.
    pub fn waiting_conditions(&self) -> Vec<ConditionInfo> {
        self.engine.waiting_conditions()
    }

    /// Moves virtual time to the next timer and fires it; `false` when none is armed.
    pub fn advance_to_next_timer(&mut self) -> Result<bool, Error> {
        self.engine.advance_to_next_timer().map_err(|e| self.explain(e))
    }

    /// Every armed timer, soonest first.
    pub fn timers(&self) -> Vec<TimerInfo> {
        self.engine.pending_timers()
    }

    /// The virtual time.
    pub fn now(&self) -> jiff::Timestamp {
        self.engine.now()
    }

    /// Sets variables of a running instance, e.g. to fix the cause of an incident.
    pub fn set_variables(&mut self, instance: &Instance, variables: Variables) -> Result<(), Error> {
        self.engine.set_variables(&instance.id, variables).map_err(|e| self.explain(e))
    }

    /// Resolves the open incident at an element of the instance.
    pub fn resolve_incident(&mut self, instance: &Instance, element: &str) -> Result<(), Error> {
        let process = self.engine.process(&instance.id).ok_or_else(|| unknown_instance(instance))?;
        let node = resolve(process, element)?.id.clone();
        let incident = self.engine.incidents(&instance.id).into_iter().find(|i| i.node == node).ok_or_else(|| {
            Error::NoIncidentAt {
                instance: instance.id.clone(),
                element: element.to_owned(),
                state: crate::state::block(&self.engine, &instance.id),
            }
        })?;
        self.engine.resolve_incident(&incident.id).map_err(|e| self.explain(e))
    }

    /// The instance's trace (with the instances it called), as a snapshot-friendly view:
    /// `insta::assert_yaml_snapshot!(t.trace(&order))`.
    pub fn trace(&self, instance: &Instance) -> Trace {
        Trace::of(&self.engine, &instance.id)
    }

    /// An engine error, with the state of the instance it names (a model that loops without
    /// waiting): the same block a failed assertion prints.
    pub(crate) fn explain(&self, error: baton_engine::Error) -> Error {
        match &error {
            baton_engine::Error::StepBudget { instance, .. } => {
                let state = crate::state::block(&self.engine, instance);
                Error::AtInstance { instance: instance.clone(), error: Box::new(error), state }
            }
            _ => Error::Engine(error),
        }
    }

    /// The engine underneath, for anything the short names do not cover.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine underneath, mutable.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        self.recorder.write(&self.engine);
    }
}

/// How far [`TestEngine::advance`] moves the clock: an ISO 8601 duration (`"P7D"`), a
/// `std::time::Duration` or a `jiff::Span`.
pub trait Advance {
    /// Moves the engine's clock by this much.
    fn advance(self, engine: &mut Engine) -> Result<(), baton_engine::Error>;
}

impl Advance for &str {
    fn advance(self, engine: &mut Engine) -> Result<(), baton_engine::Error> {
        engine.advance(self)
    }
}

impl Advance for &String {
    fn advance(self, engine: &mut Engine) -> Result<(), baton_engine::Error> {
        engine.advance(self)
    }
}

impl Advance for jiff::Span {
    fn advance(self, engine: &mut Engine) -> Result<(), baton_engine::Error> {
        engine.advance_by(self)
    }
}

impl Advance for std::time::Duration {
    fn advance(self, engine: &mut Engine) -> Result<(), baton_engine::Error> {
        let span = jiff::Span::try_from(self)
            .map_err(|e| baton_engine::Error::BadDuration { text: format!("{self:?}"), reason: e.to_string() })?;
        engine.advance_by(span)
    }
}

/// An instant for [`TestEngine::set_clock`]: RFC 3339 text (`"2026-03-01T09:00:00Z"`) or a
/// `jiff::Timestamp`.
pub trait ClockInstant {
    /// The instant.
    fn instant(self) -> Result<jiff::Timestamp, Error>;
}

impl ClockInstant for jiff::Timestamp {
    fn instant(self) -> Result<jiff::Timestamp, Error> {
        Ok(self)
    }
}

impl ClockInstant for &str {
    fn instant(self) -> Result<jiff::Timestamp, Error> {
        self.parse().map_err(|e: jiff::Error| Error::BadInstant { text: self.to_owned(), reason: e.to_string() })
    }
}

/// `serviceTask` → `service task`.
fn words(element_name: &str) -> String {
    let mut out = String::new();
    for c in element_name.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn unknown_instance(instance: &Instance) -> Error {
    Error::Engine(baton_engine::Error::UnknownInstance { instance: instance.id.clone() })
}

/// An open job, ready to be completed, failed or answered with a BPMN error.
#[derive(Debug)]
pub struct Job<'t> {
    t: &'t mut TestEngine,
    info: JobInfo,
}

impl Job<'_> {
    /// Its id, e.g. `order#1/job#2`.
    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// What a handler would see: type, variables (with input mappings), headers, retries.
    pub fn info(&self) -> &JobInfo {
        &self.info
    }

    /// Completes the job with these variables.
    pub fn complete(self, variables: Variables) -> Result<(), Error> {
        self.t.engine.complete_job(&self.info.id, variables).map_err(|e| self.t.explain(e))
    }

    /// Throws a BPMN error with this code: an error boundary event catches it.
    pub fn throw_error(self, code: &str) -> Result<(), Error> {
        self.t.engine.throw_error(&self.info.id, code, Variables::new()).map_err(|e| self.t.explain(e))
    }

    /// Reports a technical failure; retries count down, then it becomes an incident.
    pub fn fail(self, message: &str) -> Result<(), Error> {
        self.t.engine.fail_job(&self.info.id, message, None).map_err(|e| self.t.explain(e))
    }

    /// Reports a technical failure leaving `retries` retries, the next attempt waiting
    /// `backoff` on the virtual clock (Zeebe's `newFailCommand(job).retries(n).retryBackoff(..)`);
    /// `retries` 0 makes it an incident now.
    pub fn fail_with(self, message: &str, retries: u32, backoff: impl Into<Option<jiff::Span>>) -> Result<(), Error> {
        let result = match backoff.into() {
            Some(span) => self.t.engine.fail_job_with_backoff(&self.info.id, message, Some(retries), span),
            None => self.t.engine.fail_job(&self.info.id, message, Some(retries)),
        };
        result.map_err(|e| self.t.explain(e))
    }

    /// Throws a BPMN error with a message and variables (Zeebe's
    /// `newThrowErrorCommand(job).errorCode(..).errorMessage(..).variables(..)`); a Camunda 7
    /// catching event's `camunda:errorMessageVariable` receives the message.
    pub fn throw_error_with(self, code: &str, message: &str, variables: Variables) -> Result<(), Error> {
        self.t.engine.throw_error_with_message(&self.info.id, code, message, variables).map_err(|e| self.t.explain(e))
    }

    /// Claims a user task for a user (Camunda 7's `taskService.claim(id, user)`): refused when
    /// another user holds it, as Camunda 7 refuses (`TaskAlreadyClaimedException`).
    pub fn claim(self, user: &str) -> Result<Self, Error> {
        match self.user_assignee()? {
            Some(holder) if holder != user => Err(Error::AlreadyClaimed {
                task: self.info.id.clone(),
                element: self.info.node.to_string(),
                assignee: holder,
                user: user.to_owned(),
            }),
            _ => self.set_assignee(Some(user)),
        }
    }

    /// Gives a claimed user task back to its candidates (Camunda 7's `taskService.claim(id, null)`,
    /// Camunda 8's `unassign`).
    pub fn unclaim(self) -> Result<Self, Error> {
        self.user_assignee()?;
        self.set_assignee(None)
    }

    /// Assigns a user task to someone, whoever holds it now (Camunda 7's `setAssignee`,
    /// Camunda 8's `assign`).
    pub fn assign(self, user: &str) -> Result<Self, Error> {
        self.user_assignee()?;
        self.set_assignee(Some(user))
    }

    fn user_assignee(&self) -> Result<Option<String>, Error> {
        if self.info.kind != JobKind::User {
            return Err(Error::NotAUserTask {
                instance: self.info.instance.clone(),
                element: self.info.node.to_string(),
                kind: if self.info.kind == JobKind::Manual { "manual task" } else { "service task" }.to_owned(),
                job_type: self.info.job_type.clone(),
            });
        }
        Ok(self.info.user.as_ref().and_then(|u| u.assignee.clone()))
    }

    fn set_assignee(mut self, user: Option<&str>) -> Result<Self, Error> {
        self.t.engine.set_task_assignee(&self.info.id, user).map_err(|e| self.t.explain(e))?;
        self.info = self.t.engine.open_job(&self.info.id)?;
        Ok(self)
    }
}

/// What a deployment deployed: each process with the version it got, and each decision.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deployment {
    /// `(process id, version)`, in document order; a process deployed again gets the next version.
    pub processes: Vec<(String, u32)>,
    /// Decision ids; always empty: Baton does not deploy DMN decisions yet.
    pub decisions: Vec<String>,
}

impl Deployment {
    /// The version a process got in this deployment.
    pub fn version(&self, process: &str) -> Option<u32> {
        self.processes.iter().find(|(id, _)| id == process).map(|(_, v)| *v)
    }
}

/// The node of `process` with this id, or this unique name.
pub(crate) fn resolve<'p>(process: &'p Process, element: &str) -> Result<&'p FlowNode, Error> {
    if let Some(node) = process.node(element) {
        return Ok(node);
    }
    let named: Vec<&FlowNode> = process.nodes.iter().filter(|n| n.name.as_deref() == Some(element)).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => {
            let candidates: Vec<String> = process.nodes.iter().map(|n| n.label().to_owned()).collect();
            let suggestion = candidates
                .iter()
                .map(|c| (strsim::normalized_levenshtein(&c.to_lowercase(), &element.to_lowercase()), c))
                .filter(|(score, _)| *score >= 0.6)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c.clone());
            Err(Error::UnknownElement {
                name: element.to_owned(),
                process: process.id.to_string(),
                suggestion,
                candidates,
            })
        }
        many => Err(Error::AmbiguousName {
            name: element.to_owned(),
            process: process.id.to_string(),
            ids: many.iter().map(|n| n.id.to_string()).collect(),
        }),
    }
}

/// The element a test names, by id or unique name: looked up in the instance's own process
/// first, and in a process it called only when its own has no such element.
pub(crate) fn node_id(engine: &Engine, instance: &str, element: &str) -> Result<Element, Error> {
    let process = engine
        .process(instance)
        .ok_or_else(|| Error::Engine(baton_engine::Error::UnknownInstance { instance: instance.to_owned() }))?;
    let own = resolve(process, element);
    if let Ok(node) = &own {
        return Ok(Element { process: process.id.to_string(), node: node.id.clone() });
    }
    for member in engine.instance_family(instance).iter().skip(1) {
        if let Some(called) = engine.process(member)
            && let Ok(node) = resolve(called, element)
        {
            return Ok(Element { process: called.id.to_string(), node: node.id.clone() });
        }
    }
    own.map(|n| Element { process: process.id.to_string(), node: n.id.clone() })
}

/// Finds a model file: as given, then relative to the crate under test and its ancestors
/// (so `examples/processes/order.bpmn` works from any crate of the workspace).
fn find(path: &Path) -> Result<PathBuf, Error> {
    if path.exists() || path.is_absolute() {
        return Ok(path.to_owned());
    }
    let mut looked = vec![".".to_owned()];
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        for dir in Path::new(&manifest).ancestors() {
            let candidate = dir.join(path);
            if candidate.exists() {
                return Ok(candidate);
            }
            looked.push(dir.display().to_string());
        }
    }
    Err(Error::NotFound { path: path.display().to_string(), looked })
}
