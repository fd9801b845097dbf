//! Rules where Baton used to differ from the engines users deploy to, one rule per test: each
//! model as Camunda Modeler writes it for its dialect (with DI), run through the engine. Each test
//! names the page it follows: Camunda 7 under docs.camunda.org/manual/latest/, Camunda 8 under
//! docs.camunda.io/docs/.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::runtime::{Engine, Variables};
use serde_json::{Value, json};

mod common;
use common::vars;

fn engine(files: &[&str]) -> Engine {
    common::engine("gaps", files)
}

fn var(engine: &Engine, instance: &str, name: &str) -> Option<Value> {
    engine.variables(instance).unwrap().get(name).cloned()
}

/// Camunda 7: `camunda:inputOutput` on events. An intermediate throw event's input parameters are
/// its local variables, which its output parameters see; an intermediate catch event's input
/// parameters are local while it waits, and its output parameters see the message's variables;
/// an end event's input parameters are evaluated (output parameters are refused there).
/// Camunda 7: user-guide/process-engine/variables/ ("Input/Output Variable Mapping", on events).
#[test]
fn c7_event_input_output_parameters_are_applied() {
    let mut e = engine(&["event_io.c7.bpmn"]);
    let i = e.start("event_io_c7", vars(json!({"order": "A-1"}))).unwrap();
    assert_eq!(var(&e, &i, "noted"), Some(json!("Order A-1")), "the throw event's output sees its input");
    assert_eq!(var(&e, &i, "label"), None, "an input parameter is local to its event");
    assert_eq!(e.local_variables(&i, "Event_Arrived"), [vars(json!({"expected": "A-1"}))]);
    e.correlate_message("parcel-arrived", None, vars(json!({"scan": "dock 3", "receipt": "R-9"}))).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(var(&e, &i, "arrivedAt"), Some(json!("dock 3 for A-1")), "the catch event's output sees the message");
    assert_eq!(var(&e, &i, "expected"), None);
    assert_eq!(var(&e, &i, "summary"), None, "an end event's input parameter is local to it");
}

/// Camunda 7: an end event's input parameter is evaluated when the event is reached; one that
/// reads an unset variable stops the token there (an incident naming the parameter).
/// Camunda 7: user-guide/process-engine/variables/ ("Input/Output Variable Mapping", on events).
#[test]
fn c7_an_end_event_input_parameter_is_evaluated() {
    let mut e = engine(&["event_io.c7.bpmn"]);
    let i = e.start("event_io_c7", vars(json!({"order": "A-1"}))).unwrap();
    e.correlate_message("parcel-arrived", None, vars(json!({"scan": "dock 3"}))).unwrap();
    assert!(!e.is_ended(&i));
    let incidents = e.incidents(&i);
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].node.as_str(), "EndEvent_1");
    assert!(incidents[0].message.contains("summary"), "{}", incidents[0].message);
}

/// Camunda 7: `camunda:errorMessage` on a `<bpmn:error>` (text, or JUEL evaluated when thrown)
/// is the message an error end event throws; the catching event's `camunda:errorMessageVariable`
/// receives it, as `camunda:errorCodeVariable` receives the code.
/// Camunda 7: reference/bpmn20/events/error-events/ ("Defining an Error", "Error Boundary Event").
#[test]
fn c7_an_error_end_event_throws_the_error_message() {
    let mut e = engine(&["error_message.c7.bpmn"]);
    let i = e.start("error_message_c7", vars(json!({"item": "coffee"}))).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(var(&e, &i, "code"), Some(json!("OUT_OF_STOCK")));
    assert_eq!(var(&e, &i, "reason"), Some(json!("No coffee left")));
}

/// Camunda 7: `camunda:in variables="all" local="true"` passes only the call activity's local
/// variables (its input parameters) to the called instance; `camunda:out variables="all"
/// local="true"` sets all the child's variables as local variables of the call activity, where
/// its output parameters read them and the process does not see them.
/// Camunda 7: reference/bpmn20/subprocesses/call-activity/ ("Passing Variables", "Combination
/// with Input/Output Parameters").
#[test]
fn c7_all_variables_local_in_and_out() {
    let mut e = engine(&["../data/call_child.c7.bpmn", "call_all_local.c7.bpmn"]);
    let i = e.start("call_all_local_c7", vars(json!({"amount": 25}))).unwrap();
    let child = e.called_instances(&i).remove(0).0;
    assert_eq!(e.variables(&child).unwrap(), &vars(json!({"limit": 26})), "only the call activity's locals pass");
    let work = e.jobs(&child).remove(0);
    e.complete_job(&work.id, vars(json!({"result": "ok"}))).unwrap();
    assert_eq!(var(&e, &i, "checked"), Some(json!("ok under 26")));
    assert_eq!(var(&e, &i, "result"), None, "the child's variables are the call activity's locals");
    assert_eq!(var(&e, &i, "limit"), None);
}

/// Camunda 7: `camunda:failedJobRetryTimeCycle` as a list of intervals (`PT1M,PT5M,PT10M`): the
/// job is tried once, then once more after each interval in turn (retries: the list's length
/// plus one), and the last failure is an incident.
/// Camunda 7: user-guide/process-engine/the-job-executor/ ("Retry Intervals"); the engine's
/// `ParseUtil.parseRetryIntervals`.
#[test]
fn c7_a_retry_list_waits_each_interval_in_turn() {
    let mut e = engine(&["retry_list.c7.bpmn"]);
    e.register("${chargeCard}", |_| Err(baton_engine::runtime::HandlerError::failed("card declined")));
    let i = e.start("retry_list_c7", Variables::new()).unwrap();
    let failures = |e: &Engine| -> Vec<(String, u32)> {
        e.trace_of(&i)
            .iter()
            .filter_map(|ev| match &ev.kind {
                baton_engine::trace::TraceKind::JobFailed { retries, .. } => Some((ev.time.to_string(), *retries)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(failures(&e), [("2026-01-01T00:00:00Z".to_owned(), 3)]);
    e.advance("PT59S").unwrap();
    assert_eq!(failures(&e).len(), 1, "the first retry waits a minute");
    e.advance("PT1H").unwrap();
    let expected: Vec<(String, u32)> = [("00:00", 3), ("00:01", 2), ("00:06", 1), ("00:16", 0)]
        .map(|(at, left)| (format!("2026-01-01T{at}:00Z"), left))
        .into();
    assert_eq!(failures(&e), expected);
    assert_eq!(e.incidents(&i).len(), 1);
}

/// Camunda 7 evaluates a user task's `name` as JUEL text when the task is created (`Review
/// ${order}`); Camunda 8 has no name expression, so the name is the text as written. The job
/// carries the name as the task was created.
/// Camunda 7: reference/bpmn20/tasks/user-task/ and user-guide/process-engine/expression-language/
/// ("Usage of Expression Language": task name). Camunda 8: components/modeler/bpmn/user-tasks/.
#[test]
fn a_user_task_name_is_evaluated_in_camunda_7_only() {
    let mut e = engine(&["task_name.c7.bpmn", "task_name.c8.bpmn"]);
    let c7 = e.start("task_name_c7", vars(json!({"order": "A-1"}))).unwrap();
    assert_eq!(e.jobs(&c7)[0].name.as_deref(), Some("Review A-1"));
    let c8 = e.start("task_name_c8", vars(json!({"order": "A-1"}))).unwrap();
    assert_eq!(e.jobs(&c8)[0].name.as_deref(), Some("Review ${order}"));
}
