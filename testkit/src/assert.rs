//! Fluent process assertions in camunda-bpm-assert's vocabulary.
//!
//! A failed assertion panics (at the caller's line) with what was expected and the instance's
//! real state: where it waits, what it passed, its variables, incidents and timers, and a hint.
//!
//! ```text
//! instance order#1 is not waiting at "Ship item"
//!   waiting at:  "Fetch item" (serviceTask, job order#1/job#3, type fetch-goods)
//!   passed:      "Order received" → "Pay item" → "Payment ok?"
//!   variables:   amount = 25, item = "coffee", paid = true
//!   hint:        "Ship item" comes after "Fetch item"; complete its job first
//! ```

use baton_engine::model::FlowNode;
use baton_engine::runtime::{Engine, InstanceState, JobKind};

use crate::state::{self, Element};
use baton_engine::trace::TraceKind;
use serde_json::Value;

use crate::engine::{Instance, TestEngine, node_id};

/// Starts an assertion on an instance.
#[track_caller]
pub fn assert_that<'t>(t: &'t TestEngine, instance: &Instance) -> ProcessAssert<'t> {
    if t.engine.instance_state(&instance.id).is_none() {
        panic!("instance {instance} does not exist in this engine; instances: {}", t.engine.instances().join(", "));
    }
    ProcessAssert { engine: &t.engine, instance: instance.id.clone() }
}

/// One element name, or several.
pub trait Names {
    /// The names, in order.
    fn names(self) -> Vec<String>;
}

impl Names for &str {
    fn names(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl<const N: usize> Names for [&str; N] {
    fn names(self) -> Vec<String> {
        self.iter().map(|s| (*s).to_owned()).collect()
    }
}

impl Names for &[&str] {
    fn names(self) -> Vec<String> {
        self.iter().map(|s| (*s).to_owned()).collect()
    }
}

impl Names for Vec<&str> {
    fn names(self) -> Vec<String> {
        self.into_iter().map(str::to_owned).collect()
    }
}

/// Assertions on one process instance. Every method panics on failure and returns the
/// assertion for chaining.
#[derive(Debug, Clone)]
pub struct ProcessAssert<'t> {
    engine: &'t Engine,
    instance: String,
}

impl<'t> ProcessAssert<'t> {
    #[track_caller]
    fn fail(&self, expectation: String, hint: Option<String>) -> ! {
        panic!("{}", self.report(&expectation, hint))
    }

    #[track_caller]
    fn id(&self, element: &str) -> Element {
        match node_id(self.engine, &self.instance, element) {
            Ok(id) => id,
            Err(err) => panic!("{err}"),
        }
    }

    fn node(&self, id: &Element) -> Option<&'t FlowNode> {
        state::node(self.engine, &self.instance, id)
    }

    fn label(&self, id: &Element) -> String {
        state::label(self.engine, &self.instance, id)
    }

    fn waiting(&self) -> Vec<Element> {
        state::waiting(self.engine, &self.instance)
    }

    fn passed(&self) -> Vec<Element> {
        state::passed(self.engine, &self.instance)
    }

    /// The instance's real state, for failure messages.
    fn report(&self, expectation: &str, hint: Option<String>) -> String {
        state::report(self.engine, &self.instance, expectation, hint)
    }

    /// A hint for an element the instance is not at: is it ahead of a wait state or an
    /// incident, or behind?
    fn where_hint(&self, target: &Element) -> Option<String> {
        state::where_hint(self.engine, &self.instance, target)
    }

    /// The instance exists and has started: its `InstanceStarted` event is in the trace
    /// (camunda-bpm-assert's `isStarted`).
    #[track_caller]
    pub fn is_started(&self) -> &Self {
        let started = self
            .engine
            .trace()
            .iter()
            .any(|e| e.instance == self.instance && matches!(e.kind, TraceKind::InstanceStarted { .. }));
        if !started {
            self.fail("was never started: its trace has no InstanceStarted event".into(), None);
        }
        self
    }

    /// The instance was started with this business key (camunda-bpm-assert's `hasBusinessKey`).
    #[track_caller]
    pub fn has_business_key(&self, key: &str) -> &Self {
        match self.engine.business_key(&self.instance) {
            Some(actual) if actual == key => {}
            Some(actual) => self.fail(format!("has business key \"{actual}\", not \"{key}\""), None),
            None => self.fail(
                format!("has no business key, expected \"{key}\""),
                Some("give it one when starting: t.start_with(..).business_key(..).run()".into()),
            ),
        }
        self
    }

    /// The instance ended: every token reached an end. A terminated or cancelled instance did
    /// not end (zeebe-process-test's `isCompleted`; see [`ProcessAssert::is_terminated`]).
    #[track_caller]
    pub fn is_ended(&self) -> &Self {
        if !self.engine.is_ended(&self.instance) {
            self.fail(self.not_ended(), None);
        }
        self
    }

    /// The instance was terminated before it ended: cancelled by the test
    /// ([`crate::TestEngine::cancel`]), by a terminate end event, or with its caller
    /// (zeebe-process-test's `isTerminated`).
    #[track_caller]
    pub fn is_terminated(&self) -> &Self {
        if self.engine.instance_state(&self.instance) != Some(InstanceState::Terminated) {
            self.fail(format!("was not terminated ({})", self.how_it_stands()), None);
        }
        self
    }

    /// `has not ended`, or for an instance that never will, why.
    fn not_ended(&self) -> String {
        match self.engine.instance_state(&self.instance) {
            Some(InstanceState::Terminated) => format!("did not end: {}", self.how_it_stands()),
            _ => "has not ended".into(),
        }
    }

    /// `it still runs`, `it ended`, `it was cancelled`, `it was terminated`.
    fn how_it_stands(&self) -> &'static str {
        let cancelled = self
            .engine
            .trace()
            .iter()
            .any(|e| e.instance == self.instance && matches!(e.kind, TraceKind::InstanceCancelled));
        match self.engine.instance_state(&self.instance) {
            Some(InstanceState::Active) => "it still runs",
            Some(InstanceState::Ended) => "it ended",
            Some(InstanceState::Terminated) if cancelled => "it was cancelled",
            Some(InstanceState::Terminated) => "it was terminated",
            None => "it does not exist",
        }
    }

    /// The instance has not ended yet.
    #[track_caller]
    pub fn is_not_ended(&self) -> &Self {
        if self.engine.instance_state(&self.instance) != Some(InstanceState::Active) {
            self.fail(format!("does not run any more ({}), but should still run", self.how_it_stands()), None);
        }
        self
    }

    /// The instance ended, and it passed this end event.
    #[track_caller]
    pub fn is_ended_at(&self, end: &str) -> &Self {
        let id = self.id(end);
        if !self.engine.is_ended(&self.instance) {
            self.fail(format!("{}, so not at {}", self.not_ended(), self.label(&id)), self.where_hint(&id));
        }
        if !self.passed().contains(&id) {
            self.fail(format!("ended, but not at {}", self.label(&id)), None);
        }
        self
    }

    /// The instance waits at each of these elements (and maybe elsewhere too).
    #[track_caller]
    pub fn is_waiting_at(&self, elements: impl Names) -> &Self {
        let waiting = self.waiting();
        for element in elements.names() {
            let id = self.id(&element);
            if !waiting.contains(&id) {
                // A token stuck in an incident is not waiting: it needs a person first.
                if let Some((_, incident)) =
                    state::incidents(self.engine, &self.instance).into_iter().find(|(at, _)| *at == id)
                {
                    self.fail(
                        format!(
                            "is not waiting at {}: its token is stuck in incident {} there",
                            self.label(&id),
                            incident.id
                        ),
                        self.where_hint(&id),
                    );
                }
                self.fail(format!("is not waiting at {}", self.label(&id)), self.where_hint(&id));
            }
        }
        self
    }

    /// The instance waits at exactly these elements, no more.
    #[track_caller]
    pub fn is_waiting_exactly_at(&self, elements: impl Names) -> &Self {
        let mut expected: Vec<Element> = elements.names().iter().map(|e| self.id(e)).collect();
        let mut waiting = self.waiting();
        expected.sort();
        waiting.sort();
        if expected != waiting {
            let names: Vec<String> = expected.iter().map(|id| self.label(id)).collect();
            self.fail(format!("is not waiting exactly at {}", names.join(", ")), None);
        }
        self
    }

    /// The instance does not wait at any of these elements.
    #[track_caller]
    pub fn is_not_waiting_at(&self, elements: impl Names) -> &Self {
        let waiting = self.waiting();
        for element in elements.names() {
            let id = self.id(&element);
            if waiting.contains(&id) {
                self.fail(format!("is waiting at {}, but should not be", self.label(&id)), None);
            }
        }
        self
    }

    /// The instance completed each of these elements, in any order.
    #[track_caller]
    pub fn has_passed(&self, elements: impl Names) -> &Self {
        let passed = self.passed();
        for element in elements.names() {
            let id = self.id(&element);
            if !passed.contains(&id) {
                self.fail(format!("has not passed {}", self.label(&id)), self.where_hint(&id));
            }
        }
        self
    }

    /// The instance completed these elements in this order (others may come between).
    #[track_caller]
    pub fn has_passed_in_order(&self, elements: impl Names) -> &Self {
        let passed = self.passed();
        let mut from = 0;
        for element in elements.names() {
            let id = self.id(&element);
            match passed[from..].iter().position(|p| *p == id) {
                Some(i) => from += i + 1,
                None => {
                    self.fail(format!("has not passed {} in the order given", self.label(&id)), self.where_hint(&id))
                }
            }
        }
        self
    }

    /// The instance completed this element exactly `times` times.
    #[track_caller]
    pub fn has_passed_times(&self, element: &str, times: usize) -> &Self {
        let id = self.id(element);
        let count = self.passed().iter().filter(|p| **p == id).count();
        if count != times {
            let plural = |n: usize| if n == 1 { format!("{n} time") } else { format!("{n} times") };
            self.fail(format!("passed {} {}, not {}", self.label(&id), plural(count), plural(times)), None);
        }
        self
    }

    /// Exactly `times` tokens of the instance (and what it called) wait at this element now:
    /// CPT's `hasActiveElement(byName("Review"), 2)`, e.g. a multi-instance task or a loop
    /// back in front of a join.
    #[track_caller]
    pub fn has_active_element(&self, element: &str, times: usize) -> &Self {
        let id = self.id(element);
        let count = self.waiting().iter().filter(|w| **w == id).count();
        if count != times {
            let plural = |n: usize| if n == 1 { format!("{n} time") } else { format!("{n} times") };
            self.fail(
                format!("has {} active {}, not {}", self.label(&id), plural(count), plural(times)),
                (count == 0).then(|| self.where_hint(&id)).flatten(),
            );
        }
        self
    }

    /// No token of the instance (or of what it called) ever arrived at any of these elements:
    /// neither completed nor active, nor stopped there (CPT's `hasNotActivatedElements`).
    #[track_caller]
    pub fn has_not_activated(&self, elements: impl Names) -> &Self {
        let family = self.engine.instance_family(&self.instance);
        for element in elements.names() {
            let id = self.id(&element);
            let entered = self.engine.trace().iter().any(|e| {
                family.contains(&e.instance)
                    && matches!(&e.kind, TraceKind::NodeEntered { node } if Element::of(self.engine, &e.instance, node.as_str().into()) == id)
            });
            if entered {
                self.fail(format!("has activated {}, but should never have", self.label(&id)), None);
            }
        }
        self
    }

    /// The instance runs this process, by id (camunda-bpm-assert's `hasProcessDefinitionKey`,
    /// Zeebe's `bpmnProcessId`).
    #[track_caller]
    pub fn has_process_definition(&self, process: &str) -> &Self {
        let actual = self.engine.process(&self.instance).map(|p| p.id.to_string()).unwrap_or_default();
        if actual != process {
            self.fail(format!("runs process `{actual}`, not `{process}`"), None);
        }
        self
    }

    /// The instance runs this version of its process, from 1 (each deployment of a process
    /// gives it the next version).
    #[track_caller]
    pub fn has_version(&self, version: u32) -> &Self {
        let actual = self.engine.trace().iter().find_map(|e| match &e.kind {
            TraceKind::InstanceStarted { version, .. } if e.instance == self.instance => Some(*version),
            _ => None,
        });
        if actual != Some(version) {
            let actual = actual.map_or_else(|| "no known version".to_owned(), |v| format!("version {v}"));
            self.fail(format!("runs {actual} of its process, not version {version}"), None);
        }
        self
    }

    /// The instance completed none of these elements.
    #[track_caller]
    pub fn has_not_passed(&self, elements: impl Names) -> &Self {
        let passed = self.passed();
        for element in elements.names() {
            let id = self.id(&element);
            if passed.contains(&id) {
                self.fail(format!("has passed {}, but should not have", self.label(&id)), None);
            }
        }
        self
    }

    /// Each of these variables is set.
    #[track_caller]
    pub fn has_variables(&self, names: impl Names) -> &Self {
        let variables = self.engine.variables(&self.instance);
        for name in names.names() {
            if !variables.is_some_and(|v| v.contains_key(&name)) {
                self.fail(format!("has no variable `{name}`"), None);
            }
        }
        self
    }

    /// The instance has no variables at all (camunda-bpm-assert's `hasNoVariables()`).
    #[track_caller]
    pub fn has_no_variables(&self) -> &Self {
        let names: Vec<String> =
            self.engine.variables(&self.instance).map(|v| v.keys().cloned().collect()).unwrap_or_default();
        if !names.is_empty() {
            self.fail(format!("has variables {}, but it should have none", names.join(", ")), None);
        }
        self
    }

    /// Assertions on one variable's value.
    #[track_caller]
    pub fn variable(&self, name: &str) -> VariableAssert<'_, 't> {
        let value = self.engine.variables(&self.instance).and_then(|v| v.get(name)).cloned();
        VariableAssert { process: self, name: name.to_owned(), value }
    }

    /// An incident is open at this element.
    #[track_caller]
    pub fn has_incident(&self, element: &str) -> &Self {
        let id = self.id(element);
        if !state::incidents(self.engine, &self.instance).iter().any(|(at, _)| *at == id) {
            self.fail(format!("has no incident at {}", self.label(&id)), None);
        }
        self
    }

    /// No incident is open.
    #[track_caller]
    pub fn has_no_incidents(&self) -> &Self {
        let family = self.engine.instance_family(&self.instance);
        if family.iter().any(|m| !self.engine.incidents(m).is_empty()) {
            self.fail("has incidents".into(), None);
        }
        self
    }

    /// The instance waits for this message (by message name).
    #[track_caller]
    pub fn is_waiting_for_message(&self, message: &str) -> &Self {
        let subscribed = self.waiting().iter().any(|id| {
            self.node(id).is_some_and(|node| self.message_names(&id.process, node).iter().any(|m| m == message))
                || self.gateway_messages(id).iter().any(|m| m == message)
        });
        if !subscribed {
            self.fail(format!("is not waiting for message `{message}`"), None);
        }
        self
    }

    fn message_names(&self, process: &str, node: &FlowNode) -> Vec<String> {
        use baton_engine::model::{Event, NodeKind, Task, TaskKind, Trigger};
        let Some(definitions) = self.definitions_of(process) else { return Vec::new() };
        let refs: Vec<String> = match &node.kind {
            NodeKind::Event(Event { definitions: defs, .. }) => defs
                .iter()
                .filter_map(|d| match &d.trigger {
                    Trigger::Message { message: Some(m) } => Some(m.to_string()),
                    _ => None,
                })
                .collect(),
            NodeKind::Task(Task { kind: TaskKind::Receive { message: Some(m), .. }, .. }) => vec![m.to_string()],
            _ => Vec::new(),
        };
        refs.iter()
            .filter_map(|r| definitions.message(r))
            .map(|m| m.name.clone().unwrap_or_else(|| m.id.to_string()))
            .collect()
    }

    fn gateway_messages(&self, gateway: &Element) -> Vec<String> {
        let Some(process) = state::process(self.engine, &self.instance, &gateway.process) else {
            return Vec::new();
        };
        process
            .flows
            .iter()
            .filter(|f| f.source == gateway.node)
            .filter_map(|f| process.node(f.target.as_str()))
            .flat_map(|n| self.message_names(&gateway.process, n))
            .collect()
    }

    fn definitions_of(&self, process: &str) -> Option<&'t baton_engine::model::Definitions> {
        let engine = self.engine;
        let family = engine.instance_family(&self.instance);
        let member = family.iter().find(|m| engine.process(m).is_some_and(|p| p.id.as_str() == process))?;
        engine.definitions(member)
    }

    /// A timer at this element is armed; with `due`, it fires at that RFC 3339 instant.
    #[track_caller]
    pub fn has_timer_armed(&self, element: &str, due: Option<&str>) -> &Self {
        let id = self.id(element);
        let family = self.engine.instance_family(&self.instance);
        let timers: Vec<_> = self
            .engine
            .pending_timers()
            .into_iter()
            .filter(|t| family.contains(&t.instance) && Element::of(self.engine, &t.instance, t.node.clone()) == id)
            .collect();
        match (timers.first(), due) {
            (None, _) => self.fail(format!("has no timer armed at {}", self.label(&id)), None),
            (Some(timer), Some(due)) if timer.due.to_string() != due => {
                self.fail(format!("has the timer at {} due {}, not {due}", self.label(&id), timer.due), None)
            }
            _ => {}
        }
        self
    }

    /// Assertions on the open user task at an element.
    #[track_caller]
    pub fn user_task(&self, element: &str) -> UserTaskAssert<'_, 't> {
        let id = self.id(element);
        let family = self.engine.instance_family(&self.instance);
        let Some(job) = family
            .iter()
            .flat_map(|m| self.engine.jobs(m))
            .find(|j| Element::of(self.engine, &j.instance, j.node.clone()) == id && j.kind == JobKind::User)
        else {
            self.fail(format!("has no open user task at {}", self.label(&id)), self.where_hint(&id));
        };
        let node = self.node(&id);
        // Named as the task was created (a Camunda 7 name expression evaluated).
        let label = match &job.name {
            Some(name) if node.and_then(|n| n.name.as_ref()) != Some(name) => format!("\"{name}\" ({})", id.node),
            _ => self.label(&id),
        };
        UserTaskAssert { process: self, label, node, job_id: job.id }
    }

    /// Assertions on the open job (service work) at an element.
    #[track_caller]
    pub fn job(&self, element: &str) -> JobAssert<'_, 't> {
        let id = self.id(element);
        let family = self.engine.instance_family(&self.instance);
        let Some(job) = family
            .iter()
            .flat_map(|m| self.engine.jobs(m))
            .find(|j| Element::of(self.engine, &j.instance, j.node.clone()) == id)
        else {
            self.fail(format!("has no open job at {}", self.label(&id)), self.where_hint(&id));
        };
        JobAssert { process: self, label: self.label(&id), job }
    }

    /// The events of the instance, for assertions the vocabulary does not cover.
    pub fn trace_kinds(&self) -> Vec<TraceKind> {
        self.engine.trace_of(&self.instance).into_iter().map(|e| e.kind.clone()).collect()
    }
}

/// Assertions on one variable.
#[derive(Debug)]
pub struct VariableAssert<'a, 't> {
    process: &'a ProcessAssert<'t>,
    name: String,
    value: Option<Value>,
}

impl VariableAssert<'_, '_> {
    /// The variable is set to this value (anything `serde_json::Value` can be made from).
    #[track_caller]
    pub fn is(&self, expected: impl Into<Value>) -> &Self {
        let expected = expected.into();
        match &self.value {
            Some(value) if *value == expected => {}
            Some(value) => self.process.fail(format!("has variable `{}` = {value}, not {expected}", self.name), None),
            None => self.process.fail(format!("has no variable `{}` (expected {expected})", self.name), None),
        }
        self
    }

    /// The variable is set (to anything, null included).
    #[track_caller]
    pub fn exists(&self) -> &Self {
        if self.value.is_none() {
            self.process.fail(format!("has no variable `{}`", self.name), None);
        }
        self
    }

    /// The variable is not set.
    #[track_caller]
    pub fn is_not_set(&self) -> &Self {
        if let Some(value) = &self.value {
            self.process.fail(format!("has variable `{}` = {value}, but it should not be set", self.name), None);
        }
        self
    }
}

/// Assertions on an open job.
#[derive(Debug)]
pub struct JobAssert<'a, 't> {
    process: &'a ProcessAssert<'t>,
    label: String,
    job: baton_engine::runtime::JobInfo,
}

impl JobAssert<'_, '_> {
    /// The job has this task type.
    #[track_caller]
    pub fn has_type(&self, job_type: &str) -> &Self {
        if self.job.job_type != job_type {
            self.process.fail(
                format!("has job {} at {} of type {:?}, not {job_type:?}", self.job.id, self.label, self.job.job_type),
                None,
            );
        }
        self
    }

    /// The job has this many retries left.
    #[track_caller]
    pub fn has_retries(&self, retries: u32) -> &Self {
        if self.job.retries != retries {
            self.process.fail(
                format!(
                    "has job {} at {} with {} retries left, not {retries}",
                    self.job.id, self.label, self.job.retries
                ),
                None,
            );
        }
        self
    }

    /// The job's element has this local variable (an input mapping's or input parameter's
    /// result, which the process scope does not see; Camunda 7's `getVariableLocal`).
    #[track_caller]
    pub fn has_local_variable(&self, name: &str, expected: impl Into<Value>) -> &Self {
        let expected = expected.into();
        match self.job.local_variables.get(name) {
            Some(value) if *value == expected => {}
            other => {
                let locals: Vec<&str> = self.job.local_variables.keys().map(String::as_str).collect();
                let hint = if locals.is_empty() {
                    "the element has no local variables; an input mapping (zeebe:input, camunda:inputParameter) makes one"
                        .to_owned()
                } else {
                    format!("its local variables: {}", locals.join(", "))
                };
                self.process.fail(
                    format!(
                        "has job {} at {} with local variable `{name}` {}, not {expected}",
                        self.job.id,
                        self.label,
                        other.map_or("unset".to_owned(), |v| format!("= {v}"))
                    ),
                    Some(hint),
                );
            }
        }
        self
    }

    /// The job's input (instance variables and input mappings) holds this value.
    #[track_caller]
    pub fn has_input(&self, name: &str, expected: impl Into<Value>) -> &Self {
        let expected = expected.into();
        match self.job.variables.get(name) {
            Some(value) if *value == expected => {}
            other => self.process.fail(
                format!(
                    "has job {} at {} with input `{name}` = {}, not {expected}",
                    self.job.id,
                    self.label,
                    other.map_or("unset".to_owned(), Value::to_string)
                ),
                None,
            ),
        }
        self
    }

    /// The job carries this static header.
    #[track_caller]
    pub fn has_header(&self, key: &str, value: &str) -> &Self {
        if !self.job.headers.iter().any(|(k, v)| k == key && v == value) {
            self.process
                .fail(format!("has job {} at {} without header {key} = {value:?}", self.job.id, self.label), None);
        }
        self
    }
}

/// Assertions on an open user task.
#[derive(Debug)]
pub struct UserTaskAssert<'a, 't> {
    process: &'a ProcessAssert<'t>,
    label: String,
    node: Option<&'t FlowNode>,
    job_id: String,
}

impl UserTaskAssert<'_, '_> {
    fn user(&self) -> baton_engine::model::UserTask {
        // The task as the engine created it (a Camunda 7 model's `${...}` evaluated), else the model's.
        if let Some(user) = self.process.engine.open_job(&self.job_id).ok().and_then(|job| job.user) {
            return user;
        }
        match self.node.map(|n| &n.kind) {
            Some(baton_engine::model::NodeKind::Task(baton_engine::model::Task {
                kind: baton_engine::model::TaskKind::User(user),
                ..
            })) => user.clone(),
            _ => Default::default(),
        }
    }

    /// The task is assigned to this assignee (as the task was created: a Camunda 7 model's
    /// `${...}` evaluated).
    #[track_caller]
    pub fn has_assignee(&self, assignee: &str) -> &Self {
        let actual = self.user().assignee;
        if actual.as_deref() != Some(assignee) {
            self.process.fail(
                format!(
                    "has user task {} ({}) assigned to {}, not {assignee:?}",
                    self.label,
                    self.job_id,
                    actual.map_or_else(|| "nobody".to_owned(), |a| format!("{a:?}"))
                ),
                None,
            );
        }
        self
    }

    /// The task is assigned to this user (camunda-bpm-assert's `isAssignedTo`; the same as
    /// [`UserTaskAssert::has_assignee`]), after any claim, unclaim or assignment.
    #[track_caller]
    pub fn is_assigned_to(&self, assignee: &str) -> &Self {
        self.has_assignee(assignee)
    }

    /// Nobody is assigned to the task (camunda-bpm-assert's `isNotAssigned`).
    #[track_caller]
    pub fn is_not_assigned(&self) -> &Self {
        if let Some(actual) = self.user().assignee {
            self.process.fail(
                format!(
                    "has user task {} ({}) assigned to {actual:?}, but it should be unassigned",
                    self.label, self.job_id
                ),
                None,
            );
        }
        self
    }

    /// The task is offered to this candidate user (as the task was created: a Camunda 7
    /// model's `${...}` evaluated).
    #[track_caller]
    pub fn has_candidate_user(&self, user: &str) -> &Self {
        let actual = self.user().candidate_users;
        if !actual.iter().any(|u| u == user) {
            let actual =
                if actual.is_empty() { "no candidate user".to_owned() } else { format!("users {}", actual.join(", ")) };
            self.process.fail(format!("has user task {} for {actual}, not {user:?}", self.label), None);
        }
        self
    }

    /// The task is due at this date, as the task was created (`camunda:dueDate`,
    /// `zeebe:taskSchedule dueDate`; a Camunda 7 model's `${...}` evaluated), compared as text.
    #[track_caller]
    pub fn has_due_date(&self, due: &str) -> &Self {
        let actual = self.user().due_date;
        if actual.as_deref() != Some(due) {
            let actual = actual.map_or_else(|| "no due date".to_owned(), |d| format!("due {d:?}"));
            self.process.fail(format!("has user task {} {actual}, not {due:?}", self.label), None);
        }
        self
    }

    /// The task is to be followed up at this date, as the task was created
    /// (`camunda:followUpDate`, `zeebe:taskSchedule followUpDate`; `${...}` or `=...`
    /// evaluated), compared as text.
    #[track_caller]
    pub fn has_follow_up_date(&self, follow_up: &str) -> &Self {
        let actual = self.user().follow_up_date;
        if actual.as_deref() != Some(follow_up) {
            let actual = actual.map_or_else(|| "no follow-up date".to_owned(), |d| format!("follow-up {d:?}"));
            self.process.fail(format!("has user task {} with {actual}, not {follow_up:?}", self.label), None);
        }
        self
    }

    /// The task has this priority, as the task was created (`camunda:priority`,
    /// `zeebe:priorityDefinition priority`; `${...}` or `=...` evaluated).
    #[track_caller]
    pub fn has_priority(&self, priority: i64) -> &Self {
        let actual = self.user().priority;
        if actual.as_deref() != Some(priority.to_string().as_str()) {
            let actual = actual.map_or_else(|| "no priority".to_owned(), |p| format!("priority {p}"));
            self.process.fail(format!("has user task {} with {actual}, not {priority}", self.label), None);
        }
        self
    }

    /// The task has this name, as the task was created (a Camunda 7 model's `name="Review
    /// ${order}"` evaluated then; Camunda 8 has no name expression). camunda-bpm-assert's
    /// `task().hasName(..)`.
    #[track_caller]
    pub fn has_name(&self, name: &str) -> &Self {
        let actual = self.process.engine.open_job(&self.job_id).ok().and_then(|job| job.name);
        if actual.as_deref() != Some(name) {
            let actual = actual.map_or_else(|| "no name".to_owned(), |n| format!("name {n:?}"));
            self.process.fail(format!("has user task {} with {actual}, not {name:?}", self.label), None);
        }
        self
    }

    /// The task offers this form.
    #[track_caller]
    pub fn has_form_key(&self, form_key: &str) -> &Self {
        let actual = self.user().form_key;
        if actual.as_deref() != Some(form_key) {
            let actual = actual.map_or_else(|| "no form".to_owned(), |f| format!("form {f:?}"));
            self.process.fail(format!("has user task {} with {actual}, not {form_key:?}", self.label), None);
        }
        self
    }

    /// The task is offered to this candidate group.
    #[track_caller]
    pub fn has_candidate_group(&self, group: &str) -> &Self {
        let actual = self.user().candidate_groups;
        if !actual.iter().any(|g| g == group) {
            let actual = if actual.is_empty() {
                "no candidate group".to_owned()
            } else {
                format!("groups {}", actual.join(", "))
            };
            self.process.fail(format!("has user task {} for {actual}, not {group:?}", self.label), None);
        }
        self
    }
}

/// Runs an assertion that should fail and returns its failure text, without printing the
/// panic: to check what a failed assertion says (camunda-bpm-assert's tests do this with
/// `assertThatThrownBy`). Panics itself when the assertion passes.
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
///     </process>
///   </definitions>"#)?;
/// let order = t.start("order", vars! {})?;
/// let text = expect_failure(|| {
///     assert_that(&t, &order).is_ended();
/// });
/// assert!(text.starts_with("instance order#1 has not ended"));
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn expect_failure(assertion: impl FnOnce()) -> String {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPECTING_FAILURE.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    EXPECTING_FAILURE.with(|e| e.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(assertion));
    EXPECTING_FAILURE.with(|e| e.set(false));
    match outcome {
        Ok(()) => panic!("expected the assertion to fail, but it passed"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a text".to_owned()),
    }
}

static QUIET_HOOK: std::sync::Once = std::sync::Once::new();

thread_local! {
    /// Set while [`expect_failure`] runs its assertion on this thread: the panic hook stays quiet.
    static EXPECTING_FAILURE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
