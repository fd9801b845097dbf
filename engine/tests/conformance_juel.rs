//! JUEL as Camunda 7 evaluates it, one rule per test: each a Camunda 7 model as Camunda Modeler
//! writes it (with DI), run through the engine. Each test names the docs.camunda.org page
//! (under `manual/latest/`) it follows; the language's own rules are those of EL 2.2 (JSR 245),
//! which JUEL implements and Camunda 7 embeds, and are tested one by one in `expr::juel`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::runtime::{Engine, Variables};
use serde_json::json;

mod common;
use common::{start, vars};

fn engine(file: &str) -> Engine {
    common::engine("juel", &[file])
}

fn incident(engine: &Engine, instance: &str) -> String {
    let incidents = engine.incidents(instance);
    assert_eq!(incidents.len(), 1, "expected one incident, found {incidents:?}");
    incidents[0].message.clone()
}

/// A sequence flow's condition is JUEL: `>`, `&&`, `not empty` (expression-language page,
/// "Conditions"; reference/bpmn20/gateways/exclusive-gateway/).
/// docs: user-guide/process-engine/expression-language/
#[test]
fn a_condition_is_juel() {
    let mut e = engine("condition.bpmn");
    let big = start(&mut e, json!({"amount": 120, "customer": "Ada"}));
    assert_eq!(e.waiting_at(&big), ["Task_Big"]);
    let nobody = start(&mut e, json!({"amount": 120, "customer": ""}));
    assert_eq!(e.waiting_at(&nobody), ["Task_Small"], "`empty \"\"` is true");
    let small = start(&mut e, json!({"amount": 80, "customer": null}));
    assert_eq!(e.waiting_at(&small), ["Task_Small"]);
}

/// An unset variable is not null in Camunda 7: "Unknown property used in expression" fails the
/// evaluation, which is an incident at the gateway (here: `customer` was never set).
/// docs: user-guide/process-engine/expression-language/
#[test]
fn an_unset_variable_in_a_condition_is_an_incident() {
    let mut e = engine("condition.bpmn");
    let i = start(&mut e, json!({"amount": 120}));
    assert!(e.waiting_at(&i).is_empty());
    let message = incident(&e, &i);
    assert!(
        message.contains("Unknown property used in expression. Cause: Cannot resolve identifier 'customer'"),
        "{message}"
    );
    assert!(message.contains("in `${amount > 100 && not empty customer}`"), "{message}");
    assert_eq!(e.incidents(&i)[0].node, "Gateway_Amount");
}

/// Text without `${...}` is a literal in Camunda 7, never FEEL or a bare condition: a string
/// where a Boolean is wanted is an incident ("condition expression returns non-Boolean").
/// docs: user-guide/process-engine/expression-language/
#[test]
fn a_condition_without_a_marker_is_text_not_a_condition() {
    let mut e = engine("condition_without_marker.bpmn");
    let i = start(&mut e, json!({"amount": 120}));
    let message = incident(&e, &i);
    assert!(message.contains("`amount > 100` returns \"amount > 100\" (java.lang.String), not a Boolean"), "{message}");
}

/// EL 2.2 method calls on the values a model holds: a list's `size()` and `contains()`, a
/// string's `isEmpty()` and `equals()`.
/// docs: user-guide/process-engine/expression-language/
#[test]
fn methods_on_lists_and_strings() {
    let mut e = engine("condition_methods.bpmn");
    let big = start(&mut e, json!({"items": ["tea", "gift", "cup"], "note": "wrap it", "status": "new"}));
    assert_eq!(e.waiting_at(&big), ["Task_Big"]);
    let small = start(&mut e, json!({"items": ["tea", "gift"], "note": "wrap it", "status": "new"}));
    assert_eq!(e.waiting_at(&small), ["Task_Small"]);
    let no_note = start(&mut e, json!({"items": ["tea", "gift", "cup"], "note": "", "status": "new"}));
    assert_eq!(e.waiting_at(&no_note), ["Task_Small"]);
}

/// The EL spec's coercions: `==` between a number and a string compares numbers (`count == 3`
/// holds for the string "3"),
/// `lt` between strings compares them lexicographically (by character code, as `String.compareTo`), and `/` divides as Double (`7 / 2` is 3.5).
/// docs: user-guide/process-engine/expression-language/
#[test]
fn coercion_as_the_el_spec_defines_it() {
    let mut e = engine("condition_coercion.bpmn");
    let big = start(&mut e, json!({"count": 3, "name": "Ada"}));
    assert_eq!(e.waiting_at(&big), ["Task_Big"]);
    let as_text = start(&mut e, json!({"count": "3", "name": "Ada"}));
    assert_eq!(e.waiting_at(&as_text), ["Task_Big"]);
    let late_name = start(&mut e, json!({"count": 3, "name": "zoe"}));
    assert_eq!(e.waiting_at(&late_name), ["Task_Small"]);
    let capital = start(&mut e, json!({"count": 3, "name": "Zoe"}));
    assert_eq!(e.waiting_at(&capital), ["Task_Big"], "String.compareTo: `Z` sorts before `n`");
    let not_a_number = start(&mut e, json!({"count": "three", "name": "Ada"}));
    let message = incident(&e, &not_a_number);
    assert!(message.contains("Cannot coerce 'three' of type java.lang.String to java.lang.Long"), "{message}");
}

/// The ternary operator and `ge`: `${(vip ? limit * 2 : limit) ge amount}`.
/// docs: user-guide/process-engine/expression-language/
#[test]
fn ternary_and_word_operators() {
    let mut e = engine("condition_ternary.bpmn");
    let vip = start(&mut e, json!({"vip": true, "limit": 100, "amount": 150}));
    assert_eq!(e.waiting_at(&vip), ["Task_Big"]);
    let other = start(&mut e, json!({"vip": false, "limit": 100, "amount": 150}));
    assert_eq!(e.waiting_at(&other), ["Task_Small"]);
}

/// `execution.getVariable("x")` reads a variable, and gives null (no incident) when it is unset.
/// docs: user-guide/process-engine/expression-language/ ("Availability of variables")
#[test]
fn execution_get_variable_reads_unset_as_null() {
    let mut e = engine("condition_execution.bpmn");
    let approved = start(&mut e, json!({"approved": true}));
    assert_eq!(e.waiting_at(&approved), ["Task_Big"]);
    let unset = start(&mut e, json!({}));
    assert_eq!(e.waiting_at(&unset), ["Task_Small"]);
    assert!(e.incidents(&unset).is_empty());
}

/// `loopCardinality` is JUEL (`${nrOfLoops}`), and so is the completion condition, which sees
/// `nrOfCompletedInstances`: three reviews are started one after the other, two finish it.
/// docs: reference/bpmn20/tasks/task-markers/
#[test]
fn loop_cardinality_and_completion_condition_are_juel() {
    let mut e = engine("cardinality.bpmn");
    let i = start(&mut e, json!({"nrOfLoops": 3}));
    let first = e.jobs(&i);
    assert_eq!(first.len(), 1, "sequential");
    e.complete_job(&first[0].id, Variables::new()).unwrap();
    let second = e.jobs(&i);
    assert_eq!(second.len(), 1);
    e.complete_job(&second[0].id, Variables::new()).unwrap();
    assert!(e.is_ended(&i), "`${{nrOfCompletedInstances == 2}}` completes the loop");
    assert!(e.jobs(&i).is_empty(), "the third review is never started");
}

/// `${3}` as loop cardinality is the JUEL Long 3, not a FEEL text.
/// docs: reference/bpmn20/tasks/task-markers/
#[test]
fn a_literal_loop_cardinality_is_juel() {
    let mut e = engine("cardinality_literal.bpmn");
    let i = start(&mut e, json!({}));
    assert_eq!(e.jobs(&i).len(), 3, "parallel, three instances");
}

/// `camunda:collection="${order.items}"` is a JUEL expression; each item is the element variable.
/// docs: reference/bpmn20/tasks/task-markers/
#[test]
fn a_collection_is_juel() {
    let mut e = engine("collection.bpmn");
    let i = start(&mut e, json!({"order": {"items": ["tea", "cup"]}}));
    let items: Vec<_> = e.jobs(&i).iter().map(|j| j.variables["item"].clone()).collect();
    assert_eq!(items, [json!("tea"), json!("cup")]);
}

/// A timer definition is JUEL text: `PT${minutes}M` with minutes = 15 waits fifteen minutes.
/// docs: reference/bpmn20/events/timer-events/
#[test]
fn a_timer_definition_is_juel_text() {
    let mut e = engine("timer.bpmn");
    let i = start(&mut e, json!({"minutes": 15}));
    assert_eq!(e.waiting_at(&i), ["Timer_Wait"]);
    e.advance("PT14M").unwrap();
    assert_eq!(e.waiting_at(&i), ["Timer_Wait"]);
    e.advance("PT1M").unwrap();
    assert_eq!(e.waiting_at(&i), ["Task_After"]);
}

/// A service task's `camunda:expression` is evaluated by the engine: `execution.setVariable`
/// writes, no job is made. One that calls a bean (`${payment.charge(execution)}`) needs the
/// application; Baton leaves it as a job for the test, named by the expression.
/// docs: user-guide/process-engine/expression-language/ ("Delegation Code")
#[test]
fn a_camunda_expression_service_task_is_evaluated() {
    let mut e = engine("service_expression.bpmn");
    let i = start(&mut e, json!({"price": 2.5, "quantity": 4}));
    assert_eq!(e.variables(&i).unwrap()["total"], json!(10.0));
    assert_eq!(e.passed(&i)[..2], ["StartEvent_1", "Task_Total"]);
    let jobs = e.jobs(&i);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].job_type, "${payment.charge(execution)}");
    e.complete_job(&jobs[0].id, Variables::new()).unwrap();
    assert!(e.is_ended(&i));
}

/// `+` is numeric only (EL 2.2 section 1.7.1): a string that is not a number is an error, which
/// Camunda 7 turns into an incident at the task. JUEL coerces a string with `.`, `e` or `E` in
/// it (as `"ten"` has) to a Double, others to a Long.
/// docs: user-guide/process-engine/expression-language/ ("Delegation Code")
#[test]
fn a_failing_camunda_expression_is_an_incident() {
    let mut e = engine("service_expression_error.bpmn");
    let i = start(&mut e, json!({"price": "ten"}));
    let message = incident(&e, &i);
    assert!(
        message.starts_with(
            "camunda:expression of `Compute total`: Cannot coerce 'ten' of type java.lang.String to java.lang.Double"
        ),
        "{message}"
    );
    assert_eq!(e.incidents(&i)[0].node, "Task_Total");
}

/// A script task with `scriptFormat="juel"` evaluates its body as JUEL; the result goes to
/// `camunda:resultVariable`, `execution.setVariable` writes, `div` divides as Double and `mod`
/// of Longs stays a Long.
/// docs: user-guide/process-engine/scripting/
#[test]
fn a_juel_script_task() {
    let mut e = engine("script.bpmn");
    let i = start(&mut e, json!({"amount": 125}));
    let v = e.variables(&i).unwrap();
    assert_eq!(v["size"], json!("big"));
    assert_eq!(v["half"], json!(62.5));
    assert_eq!(v["average"], json!("2"), "a composite text: the parts joined as a string");
    assert_eq!(e.waiting_at(&i), ["Task_Check"]);
}

/// `+` coerces strings to numbers and never concatenates: `"1" + 2` is the Long 3.
/// docs: user-guide/process-engine/scripting/
#[test]
fn plus_is_numeric_only() {
    let mut e = engine("script_plus.bpmn");
    let i = start(&mut e, json!({"a": "1", "b": 2}));
    assert_eq!(e.variables(&i).unwrap()["sum"], json!(3));
    let text = start(&mut e, json!({"a": "x", "b": 2}));
    assert!(incident(&e, &text).contains("Cannot coerce 'x' of type java.lang.String to java.lang.Long"));
}

/// A user task's assignee, candidate users and groups and due date are JUEL, evaluated when the
/// task is created (Camunda 7's `TaskDecorator`): a candidate entry may give a list or a
/// comma-separated string, a due date string `P3D` is three days from now. The job shows the
/// task as created; the testkit's `has_assignee` and `tasks().assignee(..)` read it.
/// docs: reference/bpmn20/tasks/user-task/
#[test]
fn user_task_assignments_are_juel_evaluated_at_creation() {
    let mut e = engine("user_task.bpmn");
    let i = start(&mut e, json!({"initiator": "ada", "reviewers": ["bob", "cy"], "region": "north", "dueIn": "P3D"}));
    let user = e.jobs(&i)[0].user.clone().unwrap();
    assert_eq!(user.assignee.as_deref(), Some("ada"));
    assert_eq!(user.candidate_users, ["bob", "cy"]);
    assert_eq!(user.candidate_groups, ["sales", "north-managers"]);
    assert_eq!(user.due_date.as_deref(), Some("2026-01-04T00:00:00Z"));
    let model = e.node_of(&i, "Task_Approve").unwrap();
    assert!(format!("{:?}", model.kind).contains("${initiator}"), "the model keeps the text");
}

/// An assignee must be a string (or null): a number fails creating the task, an incident.
/// docs: reference/bpmn20/tasks/user-task/
#[test]
fn an_assignee_that_is_not_a_string_is_an_incident() {
    let mut e = engine("user_task.bpmn");
    let i = start(&mut e, json!({"initiator": 7, "reviewers": "bob, cy", "region": "north", "dueIn": null}));
    let message = incident(&e, &i);
    assert!(
        message
            .starts_with("user task `Approve order`: assignee `${initiator}` returns 7 (java.lang.Long), not a String"),
        "{message}"
    );
}

/// A call activity's `calledElement` is JUEL text: `juel_ship_${speed}` with speed = "fast" calls
/// `juel_ship_fast`.
/// docs: reference/bpmn20/subprocesses/call-activity/
#[test]
fn a_called_element_is_juel_text() {
    let mut e = common::engine("juel", &["call.bpmn", "ship_fast.bpmn"]);
    let i = e.start("juel_call", vars(json!({"speed": "fast"}))).unwrap();
    let called = e.called_instances(&i);
    assert_eq!(called.len(), 1);
    assert_eq!(e.waiting_at(&called[0].0), ["Task_Courier"]);
}

/// `camunda:inputParameter` and `camunda:outputParameter` values are JUEL text: `Hello ${name}`
/// is a string built from the variable, an empty parameter is null, and `=name` is the text
/// "=name" (FEEL is Camunda 8's).
/// docs: user-guide/process-engine/variables/ ("Input/Output Variable Mapping")
#[test]
fn input_and_output_parameters_are_juel_text() {
    let mut e = engine("mapping.bpmn");
    let i = start(&mut e, json!({"name": "Ada"}));
    let job = e.jobs(&i).remove(0);
    assert_eq!(job.variables["greeting"], json!("Hello Ada"));
    assert_eq!(job.variables["nothing"], json!(null));
    assert_eq!(job.variables["plain"], json!("=name"));
    e.complete_job(&job.id, vars(json!({"done": true}))).unwrap();
    assert_eq!(e.variables(&i).unwrap()["shipped"], json!(true));
}
