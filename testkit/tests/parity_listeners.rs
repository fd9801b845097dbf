//! Execution and task listeners as each engine runs them, rule by rule, on models written as
//! Camunda Modeler writes them (`engine/tests/fixtures/parity/listeners/`, with DI). Each test
//! names the documentation page it follows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::trace::TraceKind;
use baton_testkit::prelude::*;

const FIXTURES: &str = "../engine/tests/fixtures/parity/listeners";

fn engine(file: &str) -> TestEngine {
    TestEngine::deploy_file(format!("{FIXTURES}/{file}")).unwrap()
}

/// The listeners that ran, in order: `event listener @ element`.
fn listeners(t: &TestEngine, instance: &Instance) -> Vec<String> {
    t.engine()
        .trace_of(&instance.id)
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::ListenerRan { node, at, listener } => Some(format!("{at} {listener} @ {node}")),
            _ => None,
        })
        .collect()
}

/// Camunda 7 calls a class or delegate-expression execution listener at `start` and `end`,
/// the element waiting for it; the listener sees the event and the variables and sets variables
/// (docs.camunda.org/manual/latest/user-guide/process-engine/delegation-code/#execution-listener).
/// A task listener fires `assignment` before `create` at a task with an assignee, and `complete`
/// before the end listeners (…/delegation-code/#task-listener). An `expression` listener and a
/// `scriptFormat="juel"` script run without a handler.
#[test]
fn camunda7_listeners_call_their_registered_handlers_at_the_engines_events() {
    let mut t = engine("approval_c7.bpmn");
    t.listener("com.acme.AuditListener", |event| {
        assert_eq!(event.listener.as_deref(), Some("start"));
        assert_eq!(event.variables["received"], serde_json::json!(true));
        Ok(vars! { "audited": true })
    });
    t.listener("${auditListener}", |event| Ok(vars! { "auditedAt": event.listener.clone().unwrap() }));
    t.listener("com.acme.TaskAudit", |event| {
        Ok(Variables::from([(format!("task_{}", event.listener.as_deref().unwrap()), serde_json::json!(true))]))
    });
    let order = t.start("approval_listeners_c7", vars! {}).unwrap();
    assert_eq!(
        listeners(&t, &order),
        [
            "end ${execution.setVariable('received', true)} @ Event_OrderReceived",
            "start com.acme.AuditListener @ Activity_ApproveOrder",
            "assignment com.acme.TaskAudit @ Activity_ApproveOrder",
            "create com.acme.TaskAudit @ Activity_ApproveOrder",
        ]
    );
    t.user_task(&order, "Approve order").unwrap().complete(vars! {}).unwrap();
    assert_eq!(
        listeners(&t, &order)[4..],
        [
            "complete ${execution.setVariable('approvedBy', 'demo')} @ Activity_ApproveOrder",
            "end ${auditListener} @ Activity_ApproveOrder",
            "start ${execution.setVariable('closed', true)} @ Event_OrderApproved",
        ]
    );
    assert!(t.engine().is_ended(&order.id));
    let variables = t.engine().variables(&order.id).unwrap();
    for name in ["received", "audited", "task_assignment", "task_create", "closed"] {
        assert_eq!(variables[name], serde_json::json!(true), "{name}");
    }
    assert_eq!(variables["approvedBy"], serde_json::json!("demo"));
    assert_eq!(variables["auditedAt"], serde_json::json!("end"));
}

/// Camunda 7 fails the command when a listener's class cannot be loaded (…/delegation-code/
/// #execution-listener: the listener runs in the transaction); Baton never skips it: an
/// incident at the element names the class and how to register it, and resolving it after
/// registering runs the listener.
#[test]
fn camunda7_an_unregistered_class_listener_is_an_incident_naming_it() {
    let mut t = engine("approval_c7.bpmn");
    let order = t.start("approval_listeners_c7", vars! {}).unwrap();
    let incidents = t.engine().incidents(&order.id);
    assert_eq!(incidents.len(), 1);
    assert_eq!(
        incidents[0].message,
        "no listener registered for camunda:class `com.acme.AuditListener` (start execution listener of \
         `Approve order`): register one with t.listener(\"com.acme.AuditListener\", |event| ..) in the testkit, \
         or Engine::register_listener"
    );
    t.listener("com.acme.AuditListener", |_| Ok(vars! {}));
    t.listener("com.acme.TaskAudit", |_| Ok(vars! {}));
    t.resolve_incident(&order, "Approve order").unwrap();
    assert!(t.engine().incidents(&order.id).is_empty());
    t.user_task(&order, "Approve order").unwrap();
}

/// A Camunda 7 script listener in a language Baton cannot run is an incident saying so
/// (docs.camunda.org/manual/latest/user-guide/process-engine/scripting/#use-scripts-as-execution-listeners).
#[test]
fn camunda7_a_script_listener_baton_cannot_run_is_an_incident() {
    let mut t = engine("groovy_c7.bpmn");
    let run = t.start("groovy_listener_c7", vars! {}).unwrap();
    let incidents = t.engine().incidents(&run.id);
    assert_eq!(incidents.len(), 1);
    assert!(
        incidents[0].message.starts_with("start execution listener of `Notify` is a `groovy` script"),
        "{}",
        incidents[0].message
    );
}

/// Camunda 8 execution listeners are jobs of their type; the element waits for each, start
/// listeners before the element runs, end listeners after it completes
/// (docs.camunda.io/docs/components/concepts/execution-listeners/). User task listeners are jobs
/// too: `creating` before the task exists, then `assigning` for its assignee; `completing` when
/// it is completed, before the end listeners
/// (docs.camunda.io/docs/components/concepts/user-task-listeners/).
#[test]
fn camunda8_listeners_are_jobs_the_element_waits_for_in_zeebes_order() {
    let mut t = engine("approval_c8.bpmn");
    let order = t.start("approval_listeners_c8", vars! {}).unwrap();
    // Only the start listener's job: the user task is not created yet.
    let start = t.job(&order, "Approve order").unwrap();
    assert_eq!((start.info().job_type.as_str(), start.info().listener.as_deref()), ("audit-start", Some("start")));
    let start = start.id().to_owned();
    t.register("task-creating", |_| Ok(vars! {}));
    t.register("task-assigning", |job| Ok(vars! { "assignedAt": job.variables["auditId"].clone() }));
    t.register("task-completing", |_| Ok(vars! {}));
    t.register("audit-end", |_| Ok(vars! {}));
    t.job_by_id(&start).unwrap().complete(vars! { "auditId": 7 }).unwrap();
    let task = t.user_task(&order, "Approve order").unwrap();
    assert_eq!(task.info().user.as_ref().unwrap().assignee.as_deref(), Some("anna"));
    task.complete(vars! {}).unwrap();
    assert_eq!(
        listeners(&t, &order),
        [
            "start audit-start @ Activity_ApproveOrder",
            "creating task-creating @ Activity_ApproveOrder",
            "assigning task-assigning @ Activity_ApproveOrder",
            "completing task-completing @ Activity_ApproveOrder",
            "end audit-end @ Activity_ApproveOrder",
        ]
    );
    assert!(t.engine().is_ended(&order.id));
    assert_eq!(t.engine().variables(&order.id).unwrap()["assignedAt"], serde_json::json!(7));
}

/// Listeners at events Baton does not run yet stay visible as unsupported, never silently
/// dropped (Camunda 8's `updating`, Camunda 7's `delete`, listeners on a process).
#[test]
fn listeners_at_events_baton_does_not_run_are_reported() {
    let xml = std::fs::read_to_string(format!("{FIXTURES}/approval_c8.bpmn"))
        .unwrap()
        .replace(r#"eventType="completing""#, r#"eventType="updating""#);
    let definitions = baton_engine::parse::parse(&xml).unwrap();
    let unsupported: Vec<&str> = definitions.unsupported.iter().map(|u| u.element.as_str()).collect();
    assert_eq!(unsupported, ["zeebe:taskListener"]);
    let node = definitions.processes[0].node("Activity_ApproveOrder").unwrap();
    assert_eq!(node.listeners.len(), 4);
}
