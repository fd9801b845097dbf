//! Engine-wide lists of what a test can act on: open jobs and user tasks, filtered the way
//! Camunda 7's `TaskService`/`ExternalTaskService` queries and zeebe-process-test's job
//! activation filter them.

use baton_engine::model::{NodeKind, Task, TaskKind};
use baton_engine::runtime::{Engine, JobInfo, JobKind};

/// A query over every open job of the engine, oldest first: narrow it with the filters, then
/// [`JobQuery::list`] or [`JobQuery::count`]. [`crate::TestEngine::jobs`] and
/// [`crate::TestEngine::tasks`] start one.
///
/// ```
/// use baton_testkit::prelude::*;
///
/// # fn main() -> TestResult {
/// let mut t = TestEngine::deploy_str(r#"
///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
///                xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
///     <process id="order" isExecutable="true">
///       <startEvent id="start" />
///       <sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
///       <userTask id="approve" name="Approve order">
///         <extensionElements><zeebe:assignmentDefinition assignee="anna" /></extensionElements>
///       </userTask>
///     </process>
///   </definitions>"#)?;
/// t.start("order", vars! {})?;
/// t.start("order", vars! {})?;
/// let annas = t.tasks().process("order").assignee("anna").list();
/// assert_eq!(annas.len(), 2);
/// t.job_by_id(&annas[0].id)?.complete(vars! { "approved": true })?;
/// assert_eq!(t.tasks().element("Approve order").count(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct JobQuery<'t> {
    engine: &'t Engine,
    process: Option<String>,
    element: Option<String>,
    job_type: Option<String>,
    assignee: Option<String>,
    kind: Option<JobKind>,
    instance: Option<String>,
}

impl<'t> JobQuery<'t> {
    pub(crate) fn new(engine: &'t Engine, kind: Option<JobKind>) -> Self {
        JobQuery { engine, process: None, element: None, job_type: None, assignee: None, kind, instance: None }
    }

    /// Only jobs of instances of this process (by id; Camunda's `processDefinitionKey`,
    /// Zeebe's `bpmnProcessId`).
    pub fn process(mut self, process: &str) -> Self {
        self.process = Some(process.to_owned());
        self
    }

    /// Only jobs of this instance (Camunda's `processInstanceId`).
    pub fn instance(mut self, instance: &crate::Instance) -> Self {
        self.instance = Some(instance.id.clone());
        self
    }

    /// Only jobs at this element, by id or name (Camunda's `taskDefinitionKey`/`activityId`,
    /// Zeebe's `elementId`), the name also as the task was created (Camunda 7's `taskName`).
    pub fn element(mut self, element: &str) -> Self {
        self.element = Some(element.to_owned());
        self
    }

    /// Only jobs of this type (Camunda 7's external task `topicName`, Zeebe's job `type`).
    pub fn job_type(mut self, job_type: &str) -> Self {
        self.job_type = Some(job_type.to_owned());
        self
    }

    /// Only user tasks assigned to this assignee, as the task was created (Camunda's
    /// `taskAssignee`: a Camunda 7 model's `${...}` is evaluated when the task is created; other
    /// models' expressions are compared as their text).
    pub fn assignee(mut self, assignee: &str) -> Self {
        self.assignee = Some(assignee.to_owned());
        self
    }

    /// Only user tasks.
    pub fn user_tasks(mut self) -> Self {
        self.kind = Some(JobKind::User);
        self
    }

    /// The jobs that pass every filter, oldest first.
    pub fn list(&self) -> Vec<JobInfo> {
        self.engine.open_jobs().into_iter().filter(|job| self.accepts(job)).collect()
    }

    /// How many jobs pass every filter.
    pub fn count(&self) -> usize {
        self.list().len()
    }

    fn accepts(&self, job: &JobInfo) -> bool {
        let process = self.engine.process(&job.instance);
        let node = process.and_then(|p| p.node(job.node.as_str()));
        self.kind.is_none_or(|k| job.kind == k)
            && self.instance.as_ref().is_none_or(|i| *i == job.instance)
            && self.process.as_ref().is_none_or(|p| process.is_some_and(|q| q.id.as_str() == p))
            && self.job_type.as_ref().is_none_or(|t| *t == job.job_type)
            && self.element.as_ref().is_none_or(|e| {
                // By id, by name, or by the name as the task was created (Camunda 7's name
                // expression evaluated).
                job.node.as_str() == e
                    || node.and_then(|n| n.name.as_deref()) == Some(e.as_str())
                    || job.name.as_deref() == Some(e.as_str())
            })
            && self.assignee.as_ref().is_none_or(|a| match &job.user {
                // As the task was created (a Camunda 7 model's `${...}` evaluated).
                Some(user) => user.assignee.as_deref() == Some(a.as_str()),
                None => matches!(node.map(|n| &n.kind), Some(NodeKind::Task(Task { kind: TaskKind::User(user), .. }))
                    if user.assignee.as_deref() == Some(a.as_str())),
            })
    }
}
