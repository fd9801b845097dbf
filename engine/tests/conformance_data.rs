//! Data flows as each engine moves it, one rule per test: each model as Camunda Modeler writes it
//! for its dialect (with DI), run through the engine. Each test names the page it follows:
//! Camunda 7 under docs.camunda.org/manual/latest/, Camunda 8 under docs.camunda.io/docs/.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::runtime::{Engine, Variables};
use serde_json::{Value, json};

mod common;
use common::vars;

fn engine(files: &[&str]) -> Engine {
    common::engine("data", files)
}

fn var(engine: &Engine, instance: &str, name: &str) -> Option<Value> {
    engine.variables(instance).unwrap().get(name).cloned()
}

/// The one open job of `instance`.
fn job(engine: &Engine, instance: &str) -> baton_engine::runtime::JobInfo {
    let jobs = engine.jobs(instance);
    assert_eq!(jobs.len(), 1, "expected one job, found {jobs:?}");
    jobs[0].clone()
}

/// Camunda 8: an input mapping makes a local variable the job sees and the process does not; the
/// output mappings are evaluated over the job's result and those locals, and only their targets
/// reach the process. Camunda 8: components/concepts/variables/ ("Input/output variable mappings").
#[test]
fn c8_output_mappings_see_the_job_result_and_the_input_locals() {
    let mut e = engine(&["io_mapping.c8.bpmn"]);
    let i = e.start("io_mapping_c8", vars(json!({"order": {"amount": 25}}))).unwrap();
    let pay = job(&e, &i);
    assert_eq!(pay.variables.get("amount"), Some(&json!(25)));
    assert_eq!(pay.local_variables, vars(json!({"amount": 25})));
    assert_eq!(e.local_variables(&i, "Task_Pay"), [vars(json!({"amount": 25}))]);
    assert_eq!(var(&e, &i, "amount"), None, "an input mapping's variable is local");
    e.complete_job(&pay.id, vars(json!({"fee": 2}))).unwrap();
    assert_eq!(var(&e, &i, "charged"), Some(json!(27)));
    assert_eq!(var(&e, &i, "fee"), None, "with output mappings only their targets are merged");
    assert_eq!(var(&e, &i, "amount"), None);
    assert!(e.local_variables(&i, "Task_Pay").is_empty(), "the locals end with the element");
}

/// Camunda 8: without output mappings the job's variables are merged into the process, each to
/// the nearest scope that has it: one an input mapping made local stays local and ends with the
/// element. Camunda 8: components/concepts/variables/ ("Variable propagation", "Output mappings").
#[test]
fn c8_without_output_mappings_the_job_variables_are_merged() {
    let mut e = engine(&["io_mapping.c8.bpmn"]);
    let i = e.start("io_mapping_c8", vars(json!({"order": {"amount": 25}}))).unwrap();
    let pay = job(&e, &i);
    e.complete_job(&pay.id, vars(json!({"fee": 2}))).unwrap();
    let ship = job(&e, &i);
    e.complete_job(&ship.id, vars(json!({"tracking": "T-1", "amount": 30}))).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(var(&e, &i, "tracking"), Some(json!("T-1")));
    assert_eq!(var(&e, &i, "amount"), None, "`amount` is the task's local variable");
}

/// Camunda 8: a call activity passes all variables to the child and all the child's back by
/// default (`propagateAllParentVariables`, `propagateAllChildVariables` default true).
/// Camunda 8: components/modeler/bpmn/call-activities/ ("Variable mappings").
#[test]
fn c8_a_call_activity_propagates_all_variables_by_default() {
    let mut e = engine(&["call_child.c8.bpmn", "call_default.c8.bpmn"]);
    let i = e.start("call_default_c8", vars(json!({"order": {"amount": 25}, "customer": "Ada"}))).unwrap();
    let child = e.called_instances(&i).remove(0).0;
    assert_eq!(var(&e, &child, "customer"), Some(json!("Ada")));
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok"}))).unwrap();
    assert_eq!(var(&e, &i, "result"), Some(json!("ok")));
}

/// Camunda 8: with both set to false only the input mappings reach the child and only the output
/// mappings come back. Camunda 8: components/modeler/bpmn/call-activities/ ("Variable mappings").
#[test]
fn c8_a_call_activity_without_propagation_passes_only_the_mappings() {
    let mut e = engine(&["call_child.c8.bpmn", "call_mapped.c8.bpmn"]);
    let i = e.start("call_mapped_c8", vars(json!({"order": {"amount": 25}, "customer": "Ada"}))).unwrap();
    let child = e.called_instances(&i).remove(0).0;
    assert_eq!(e.variables(&child).unwrap(), &vars(json!({"amount": 25})));
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok", "noise": 1}))).unwrap();
    assert_eq!(var(&e, &i, "outcome"), Some(json!("ok")));
    assert_eq!(var(&e, &i, "result"), None);
    assert_eq!(var(&e, &i, "noise"), None);
}

/// Camunda 7: `camunda:in source="amount"` copies the variable `amount`, `sourceExpression` is
/// JUEL; `camunda:out` the same way back; nothing else passes without `variables="all"`.
/// Camunda 7: reference/bpmn20/subprocesses/call-activity/ ("Passing Variables").
#[test]
fn c7_in_and_out_copy_variables_and_evaluate_expressions() {
    let mut e = engine(&["call_child.c7.bpmn", "call_in_out.c7.bpmn"]);
    let i = e.start("call_in_out_c7", vars(json!({"amount": 25, "customer": "Ada"}))).unwrap();
    let child = e.called_instances(&i).remove(0).0;
    assert_eq!(e.variables(&child).unwrap(), &vars(json!({"sum": 25, "double": 50})));
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok", "noise": 1}))).unwrap();
    assert_eq!(var(&e, &i, "outcome"), Some(json!("ok")));
    assert_eq!(var(&e, &i, "summary"), Some(json!("ok and more")));
    assert_eq!(var(&e, &i, "noise"), None);
    assert_eq!(var(&e, &i, "result"), None);
}

/// Camunda 7: `variables="all"` passes every variable in and out; without any `camunda:in`
/// or `camunda:out` nothing passes. Camunda 7: reference/bpmn20/subprocesses/call-activity/
/// ("Passing Variables").
#[test]
fn c7_variables_all_passes_everything_and_none_passes_nothing() {
    let mut e = engine(&["call_child.c7.bpmn", "call_all.c7.bpmn", "call_none.c7.bpmn"]);
    let all = e.start("call_all_c7", vars(json!({"amount": 25}))).unwrap();
    let child = e.called_instances(&all).remove(0).0;
    assert_eq!(var(&e, &child, "amount"), Some(json!(25)));
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok"}))).unwrap();
    assert_eq!(var(&e, &all, "result"), Some(json!("ok")));

    let none = e.start("call_none_c7", vars(json!({"amount": 25}))).unwrap();
    let child = e.called_instances(&none).remove(0).0;
    assert_eq!(e.variables(&child).unwrap(), &Variables::new());
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok"}))).unwrap();
    assert_eq!(var(&e, &none, "result"), None);
}

/// Camunda 7: `local="true"` reads the call activity's local variables (`camunda:in`) and writes
/// the child's as local variables of the call activity (`camunda:out`), which its output
/// parameters read and the process does not see. Camunda 7: reference/bpmn20/subprocesses/
/// call-activity/ ("Passing Variables"); user-guide/process-engine/variables/.
#[test]
fn c7_local_in_and_out_stay_in_the_call_activity() {
    let mut e = engine(&["call_child.c7.bpmn", "call_local.c7.bpmn"]);
    let i = e.start("call_local_c7", vars(json!({"amount": 25}))).unwrap();
    let child = e.called_instances(&i).remove(0).0;
    assert_eq!(e.variables(&child).unwrap(), &vars(json!({"limit": 26})));
    assert_eq!(var(&e, &i, "limit"), None, "an input parameter is local");
    let work = job(&e, &child);
    e.complete_job(&work.id, vars(json!({"result": "ok"}))).unwrap();
    assert_eq!(var(&e, &i, "checked"), Some(json!("ok under 26")));
    assert_eq!(var(&e, &i, "result"), None, "`camunda:out local=\"true\"` is local");
}

/// Camunda 7: input parameters (text, expressions, lists, maps) are local variables the task
/// sees; output parameters read them and the completion's variables, and write to the process.
/// Camunda 7: user-guide/process-engine/variables/ ("Input/Output Variable Mapping").
#[test]
fn c7_input_and_output_parameters_on_a_task() {
    let mut e = engine(&["input_output.c7.bpmn"]);
    let i = e.start("input_output_c7", vars(json!({"order": {"amount": 25}, "city": "Berlin"}))).unwrap();
    let pay = job(&e, &i);
    assert_eq!(
        pay.local_variables,
        vars(json!({
            "amount": 25,
            "currency": "EUR",
            "lines": ["first", 50],
            "address": {"city": "Berlin", "zip": "10115"},
        }))
    );
    assert_eq!(var(&e, &i, "amount"), None);
    e.complete_job(&pay.id, vars(json!({"fee": 2}))).unwrap();
    assert_eq!(var(&e, &i, "charged"), Some(json!(27)));
    assert_eq!(var(&e, &i, "fee"), Some(json!(2)), "Camunda 7's setVariable reaches the process");
    assert_eq!(var(&e, &i, "lines"), None);
}

/// Camunda 7: an error boundary event with `camunda:errorCodeVariable` and
/// `camunda:errorMessageVariable` keeps the caught error's code (and message, none here).
/// Camunda 7: reference/bpmn20/events/error-events/ ("Error Boundary Event").
#[test]
fn c7_error_code_variable_keeps_the_caught_code() {
    let mut e = engine(&["error_variables.c7.bpmn"]);
    let i = e.start("error_variables_c7", Variables::new()).unwrap();
    let charge = job(&e, &i);
    e.throw_error(&charge.id, "CARD_DECLINED", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["Task_Handle"]);
    assert_eq!(var(&e, &i, "code"), Some(json!("CARD_DECLINED")));
    assert_eq!(var(&e, &i, "message"), Some(Value::Null));
}

/// Camunda 7: a service task's `camunda:expression` stores its value in `camunda:resultVariable`.
/// Camunda 7: reference/bpmn20/tasks/service-task/ ("Calling a method or invoking an expression").
#[test]
fn c7_result_variable_of_an_expression_service_task() {
    let mut e = engine(&["result_variable.c7.bpmn"]);
    let i = e.start("result_variable_c7", vars(json!({"amount": 21}))).unwrap();
    assert_eq!(e.waiting_at(&i), ["Task_After"]);
    assert_eq!(var(&e, &i, "total"), Some(json!(42)));
}

/// Camunda 7: each instance has `loopCounter` from 0 and sees `nrOfInstances`,
/// `nrOfActiveInstances` and `nrOfCompletedInstances`.
/// Camunda 7: reference/bpmn20/tasks/task-markers/ ("Multiple Instance").
#[test]
fn c7_loop_counter_counts_from_zero() {
    let mut e = engine(&["loop_counter.c7.bpmn"]);
    let i = e.start("loop_counter_c7", Variables::new()).unwrap();
    let jobs = e.jobs(&i);
    let counters: Vec<_> = jobs.iter().map(|j| j.variables.get("loopCounter").cloned()).collect();
    assert_eq!(counters, [Some(json!(0)), Some(json!(1)), Some(json!(2))]);
    assert_eq!(jobs[0].variables.get("nrOfInstances"), Some(&json!(3)));
    assert_eq!(jobs[0].variables.get("nrOfActiveInstances"), Some(&json!(3)));
    assert_eq!(jobs[0].variables.get("nrOfCompletedInstances"), Some(&json!(0)));
    assert_eq!(var(&e, &i, "loopCounter"), None, "loopCounter is local to each instance");
}

/// Camunda 8: each instance has `loopCounter` from 1 and its input element, and no `nrOf...`;
/// the output collection gathers each instance's output element in item order.
/// Camunda 8: components/modeler/bpmn/multi-instance/ ("Variable mappings", "Collect the
/// output").
#[test]
fn c8_loop_counter_counts_from_one() {
    let mut e = engine(&["loop_counter.c8.bpmn"]);
    let i = e.start("loop_counter_c8", vars(json!({"items": ["a", "b"]}))).unwrap();
    let jobs = e.jobs(&i);
    let counters: Vec<_> = jobs.iter().map(|j| j.local_variables.clone()).collect();
    assert_eq!(counters, [vars(json!({"loopCounter": 1, "item": "a"})), vars(json!({"loopCounter": 2, "item": "b"}))]);
    assert_eq!(jobs[0].variables.get("nrOfInstances"), None);
    for job in jobs.iter().rev() {
        e.complete_job(&job.id, Variables::new()).unwrap();
    }
    assert_eq!(var(&e, &i, "results"), Some(json!(["a!", "b!"])));
}
